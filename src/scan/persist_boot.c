/* persist_boot.c: what runs at boot or logon: rc scripts and init (T1037.004), kernel module
 * loading and modprobe hooks (T1547.006), udev rules (T1546.017), XDG autostart entries
 * (T1547.013), logon scripts (X sessions, ssh rc, motd, display manager hooks: T1037) and the
 * kernel command line's init (T1542). */
#include "scan/persist.h"

static const char *const rc_globs[] = {
    "/etc/rc.local",
    "/etc/rc.d/rc.local",
    "/etc/rc.common",
    "/etc/rc.d/rc.common",
    "/etc/init.d/*",
    "/etc/rc.d/init.d/*",
    "/etc/rc.d/*",
    "/etc/rc[0-6S].d/*",
    "/etc/rc.d/rc[0-6].d/*",
    "/etc/init/*.conf",
    "/etc/inittab",
    "/etc/local.d/*",
    "/usr/local/etc/rc.d/*",
    "/etc/boot.local",
    "/etc/rc.d/boot.local",
    "/etc/rc.sysinit",
    NULL,
};

/* Files that are only run at boot and hold the admin's own commands: any command is news. */
static const char *const rc_local_globs[] = {
    "/etc/rc.local",        "/etc/rc.d/rc.local", "/etc/rc.common",       "/etc/rc.d/rc.common",
    "/etc/local.d/*.start", "/etc/boot.local",    "/etc/rc.d/boot.local", NULL,
};

static const char *const kmod_globs[] = {
    "/etc/modules",
    "/etc/modules-load.d/*",
    "/usr/lib/modules-load.d/*",
    "/lib/modules-load.d/*",
    "/run/modules-load.d/*",
    "/etc/modprobe.d/*",
    "/lib/modprobe.d/*",
    "/usr/lib/modprobe.d/*",
    "/run/modprobe.d/*",
    "/etc/modprobe.conf",
    "/etc/sysconfig/modules/*",
    "/etc/conf.modules",
    NULL,
};

static const char *const udev_globs[] = {
    "/etc/udev/rules.d/*", "/lib/udev/rules.d/*",           "/usr/lib/udev/rules.d/*",
    "/run/udev/rules.d/*", "/usr/local/lib/udev/rules.d/*", NULL,
};

static const char *const xdg_globs[] = {
    "/etc/xdg/autostart/*",
    "/usr/share/autostart/*",
    "/usr/share/gnome/autostart/*",
    NULL,
};

static const char *const logon_globs[] = {
    "/etc/X11/Xsession.d/*",   "/etc/X11/xinit/xinitrc.d/*",
    "/etc/X11/xinit/xinitrc",  "/etc/X11/Xsession",
    "/etc/gdm3/PostLogin/*",   "/etc/gdm3/PreSession/*",
    "/etc/gdm3/PostSession/*", "/etc/gdm/PostLogin/*",
    "/etc/gdm/PreSession/*",   "/etc/lightdm/*.sh",
    "/etc/ssh/sshrc",          "/etc/update-motd.d/*",
    "/etc/X11/xdm/Xsetup*",    "/etc/X11/xdm/Xstartup",
    "/etc/sddm/*.sh",          NULL,
};

/* per-user files, below the home directory */
static const char *const user_logon[] = {
    ".xinitrc", ".xsession", ".xsessionrc", ".xprofile", ".ssh/rc", ".xprofile.d/*", NULL,
};
static const char *const user_xdg[] = {
    ".config/autostart/*",
    ".config/autostart-scripts/*",
    ".kde/Autostart/*",
    ".kde4/Autostart/*",
    ".config/plasma-workspace/env/*",
    ".config/plasma-workspace/shutdown/*",
    NULL,
};

static const char *const boot_globs[] = {
    "/etc/default/grub",
    "/etc/default/grub.d/*",
    "/boot/grub/grub.cfg",
    "/boot/grub2/grub.cfg",
    "/boot/extlinux/extlinux.conf",
    "/etc/kernel/cmdline",
    NULL,
};

/* ---- rc ---- */

/* Lines of an rc.local that do nothing worth saying. */
static bool trivial(const char *s)
{
	static const char *const t[] = {
	    "exit 0", "exit", "true", ":", "set -e", "touch /var/lock/subsys/local", NULL};
	for (const char *const *x = t; *x; x++)
		if (streq(s, *x))
			return true;
	return false;
}

/* inittab: id:runlevels:action:process; the process is a command line */
static void check_inittab(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	for (unsigned count = 0; count < PERSIST_MAX_PER_FILE;) {
		_cleanup_free_ char *l = scan_lines_next_content(&it);
		if (!l)
			break;
		char *p = l;
		for (int k = 0; k < 3 && p; k++) {
			p = strchr(p, ':');
			if (p)
				p++;
		}
		struct cmd_hit h;
		if (!p || !persist_cmd(p, strlen(p), CTX_JOB, &h))
			continue;
		_cleanup_free_ char *rule = xasprintf("backdoor.rc.%s", h.slug);
		scan_add(j, f, "backdoor", rule, h.sev, it.no, l, "init runs a process: %s",
		         h.reason);
		count++;
	}
}

static void check_rc(struct scan_job *j, struct scan_file *f)
{
	if (streq(f->path, "/etc/inittab")) {
		check_inittab(j, f);
		return;
	}
	unsigned hits = persist_lines(j, f, "backdoor.rc", CTX_JOB, "boot script");
	if (hits)
		return;
	if (persist_match(rc_local_globs, f->path)) {
		struct scan_lines it;
		scan_lines_init(&it, f->data, f->len);
		for (;;) {
			_cleanup_free_ char *l = scan_lines_next_content(&it);
			if (!l)
				break;
			char *e = l + strlen(l);
			while (e > l && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == ';'))
				*--e = '\0';
			if (trivial(l))
				continue;
			scan_add(j, f, "backdoor", "backdoor.rc.command", SEV_MEDIUM, it.no, l,
			         "%s runs commands as root at every boot", f->path);
			return;
		}
		return;
	}
	if (scan_origin(j, f) == ORIGIN_ADDED && !S_ISLNK(f->st.st_mode)) {
		unsigned no = 0;
		_cleanup_free_ char *fl = persist_first_line(f, &no);
		scan_add(j, f, "backdoor", "backdoor.rc.added", SEV_MEDIUM, no, fl,
		         "boot script added or changed since the image");
	}
}

/* ---- kernel modules ---- */

static void check_kmod_conf(struct scan_job *j, struct scan_file *f)
{
	if (startswith(f->path, "/etc/sysconfig/modules/")) {
		/* RHEL: executable scripts run at boot */
		if (!persist_lines(j, f, "backdoor.kmod", CTX_JOB, "module load script") &&
		    scan_origin(j, f) == ORIGIN_ADDED) {
			unsigned no = 0;
			_cleanup_free_ char *fl = persist_first_line(f, &no);
			scan_add(j, f, "backdoor", "backdoor.kmod.autoload", SEV_MEDIUM, no, fl,
			         "module load script added since the image (run at boot)");
		}
		return;
	}
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	bool modprobe = strstr(f->path, "modprobe") != NULL || streq(f->path, "/etc/conf.modules");
	unsigned count = 0;
	for (;;) {
		_cleanup_free_ char *l = scan_lines_next_content(&it);
		if (!l || count >= PERSIST_MAX_PER_FILE)
			break;
		if (!modprobe) {
			/* modules-load.d: a path instead of a name is not valid, a command never */
			continue;
		}
		/* install MODULE COMMAND..., remove MODULE COMMAND... */
		bool install = startswith(l, "install ") || startswith(l, "install\t");
		bool remove = startswith(l, "remove ") || startswith(l, "remove\t");
		if (!install && !remove)
			continue;
		char *cmd = l + 7;
		cmd += strspn(cmd, " \t");
		cmd += strcspn(cmd, " \t"); /* the module */
		cmd += strspn(cmd, " \t");
		/* the usual: block a module (/bin/true, /bin/false), or chain modprobe */
		static const char *const ok[] = {"/bin/true",
		                                 "/bin/false",
		                                 "/usr/bin/true",
		                                 "/usr/bin/false",
		                                 "true",
		                                 "false",
		                                 "/sbin/modprobe",
		                                 "/usr/sbin/modprobe",
		                                 "modprobe",
		                                 "/bin/echo",
		                                 NULL};
		size_t cl = strcspn(cmd, " \t;");
		bool usual = false;
		for (const char *const *o = ok; *o && !usual; o++)
			usual = strlen(*o) == cl && strncmp(cmd, *o, cl) == 0 &&
			        !strpbrk(cmd, ";|&`$>");
		struct cmd_hit h;
		bool bad = persist_cmd(cmd, strlen(cmd), CTX_JOB, &h) && h.sev >= SEV_HIGH;
		if (usual && !bad)
			continue;
		scan_add(j, f, "backdoor", "backdoor.kmod.modprobe_hook",
		         bad ? SEV_HIGH : SEV_MEDIUM, it.no, l,
		         "modprobe runs a command when module is %s%s%s",
		         install ? "loaded" : "removed", bad ? ": " : "", bad ? h.reason : "");
		count++;
	}
	if (!count && scan_origin(j, f) == ORIGIN_ADDED && !modprobe) {
		unsigned no = 0;
		_cleanup_free_ char *fl = persist_first_line(f, &no);
		if (fl)
			scan_add(j, f, "backdoor", "backdoor.kmod.autoload", SEV_MEDIUM, no, fl,
			         "a module loaded at boot, added since the image");
	}
}

/* ---- udev ---- */

/* The command of the first key of a rule line that runs one: RUN+="...", RUN{program}+="...",
 * PROGRAM=="...", IMPORT{program}="..." (RUN{builtin} is not a program). */
static char *udev_command(const char *l)
{
	const char *p = l;
	while (*p) {
		p += strspn(p, " \t,");
		const char *key = p;
		size_t kl = strcspn(p, "=!+-:");
		const char *q = strchr(p, '"');
		if (!q)
			return NULL;
		const char *e = strchr(q + 1, '"');
		if (!e)
			return NULL;
		bool runs =
		    (strncmp(key, "RUN", 3) == 0 && strncmp(key, "RUN{builtin}", 12) != 0) ||
		    (kl == 7 && strncmp(key, "PROGRAM", 7) == 0) ||
		    strncmp(key, "IMPORT{program}", 15) == 0;
		if (runs && q > key && e > q + 1)
			return xstrndup(q + 1, (size_t)(e - q - 1));
		p = e + 1;
	}
	return NULL;
}

static void check_udev(struct scan_job *j, struct scan_file *f)
{
	if (!persist_ends(f->name, ".rules"))
		return;
	bool local = startswith(f->path, "/etc/") || startswith(f->path, "/run/") ||
	             startswith(f->path, "/usr/local/");
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	unsigned count = 0;
	for (;;) {
		_cleanup_free_ char *l = scan_lines_next_content(&it);
		if (!l || count >= PERSIST_MAX_PER_FILE)
			break;
		_cleanup_free_ char *cmd = udev_command(l);
		if (!cmd)
			continue;
		struct cmd_hit h;
		bool bad = persist_cmd(cmd, strlen(cmd), CTX_JOB, &h);
		if (!bad && !local)
			continue;
		_cleanup_free_ char *rule = xasprintf("backdoor.udev.%s", bad ? h.slug : "run");
		scan_add(j, f, "backdoor", rule, bad ? h.sev : SEV_MEDIUM, it.no, l,
		         "udev rule runs a program as root on device events%s%s", bad ? ": " : "",
		         bad ? h.reason : "");
		count++;
	}
	if (!count && scan_origin(j, f) == ORIGIN_ADDED) {
		unsigned no = 0;
		_cleanup_free_ char *fl = persist_first_line(f, &no);
		if (fl)
			scan_add(j, f, "backdoor", "backdoor.udev.added", SEV_MEDIUM, no, fl,
			         "udev rule added or changed since the image");
	}
}

/* ---- XDG autostart ---- */

static void check_xdg(struct scan_job *j, struct scan_file *f, bool user)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0, exec_no = 0;
	char *exec = NULL;
	bool desktop = persist_ends(f->name, ".desktop");
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n) && count < PERSIST_MAX_PER_FILE) {
		const char *cmd = l;
		size_t cn = n;
		if (desktop) {
			if (n < 5 ||
			    (strncmp(l, "Exec=", 5) != 0 && strncmp(l, "TryExec=", 8) != 0))
				continue;
			const char *eq = memchr(l, '=', n);
			cmd = eq + 1;
			cn = n - (size_t)(cmd - l);
			if (!exec && l[0] == 'E') {
				exec = xstrndup(l, n);
				exec_no = it.no;
			}
		}
		struct cmd_hit h;
		if (!persist_cmd(cmd, cn, CTX_JOB, &h))
			continue;
		_cleanup_free_ char *rule = xasprintf("backdoor.xdg.%s", h.slug);
		_cleanup_free_ char *ev = xstrndup(l, n);
		scan_add(j, f, "backdoor", rule, h.sev, it.no, ev,
		         "autostart entry (run at every graphical login): %s", h.reason);
		count++;
	}
	if (!count && (user || scan_origin(j, f) == ORIGIN_ADDED)) {
		unsigned no = exec_no;
		_cleanup_free_ char *fl = exec ? xstrdup(exec) : persist_first_line(f, &no);
		scan_add(j, f, "backdoor", user ? "backdoor.xdg.user" : "backdoor.xdg.added",
		         SEV_MEDIUM, no, fl,
		         user ? "user autostart entry: runs a program at every graphical login"
		              : "autostart entry added or changed since the image");
	}
	free(exec);
}

/* ---- logon scripts ---- */

static void check_logon(struct scan_job *j, struct scan_file *f, bool user)
{
	if (persist_lines(j, f, "backdoor.logon", CTX_JOB, "logon script"))
		return;
	bool sshrc = persist_ends(f->path, "/sshrc") || persist_ends(f->path, "/.ssh/rc");
	if (!sshrc && !(user && scan_origin(j, f) == ORIGIN_ADDED) &&
	    scan_origin(j, f) != ORIGIN_ADDED)
		return;
	unsigned no = 0;
	_cleanup_free_ char *fl = persist_first_line(f, &no);
	if (fl)
		scan_add(j, f, "backdoor", sshrc ? "backdoor.logon.sshrc" : "backdoor.logon.added",
		         SEV_MEDIUM, no, fl,
		         sshrc ? "ssh runs this at every login (ssh rc file)"
		               : "logon script added or changed since the image");
}

/* ---- the kernel's init ---- */

static void check_boot(struct scan_job *j, struct scan_file *f)
{
	static const char *const inits[] = {"/sbin/init",
	                                    "/lib/systemd/systemd",
	                                    "/usr/lib/systemd/systemd",
	                                    "/bin/systemd",
	                                    "/sbin/openrc-init",
	                                    "/usr/sbin/init",
	                                    "/init",
	                                    "/bin/init",
	                                    NULL};
	struct scan_lines it;
	const char *l;
	size_t n;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n)) {
		_cleanup_free_ char *s = xstrndup(l, n);
		if (s[strspn(s, " \t")] == '#')
			continue;
		for (char *p = s; (p = strstr(p, "init=")); p += 5) {
			if (p > s && p[-1] != ' ' && p[-1] != '"' && p[-1] != '\'' &&
			    p[-1] != '\t' && p[-1] != 'd') /* "rdinit=" */
				continue;
			size_t vl = strcspn(p + 5, " \t\"'");
			_cleanup_free_ char *v = xstrndup(p + 5, vl);
			bool usual = false;
			for (const char *const *i = inits; *i && !usual; i++)
				usual = streq(v, *i);
			if (usual || !*v)
				continue;
			scan_add(
			    j, f, "backdoor", "backdoor.boot.init", SEV_HIGH, it.no, s,
			    "the kernel command line starts '%s' as init instead of the system's "
			    "init",
			    v);
			return;
		}
	}
}

bool persist_boot(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	char user[128];
	const char *rel = NULL;
	bool home = scan_job_home_user(j, p, user, sizeof(user), &rel);
	if (persist_match(rc_globs, p)) {
		if (f->data)
			check_rc(j, f);
	} else if (persist_match(kmod_globs, p)) {
		if (f->data)
			check_kmod_conf(j, f);
	} else if (persist_match(udev_globs, p)) {
		if (f->data)
			check_udev(j, f);
	} else if (persist_match(xdg_globs, p) || (home && persist_match(user_xdg, rel))) {
		if (f->data)
			check_xdg(j, f, home);
	} else if (persist_match(logon_globs, p) || (home && persist_match(user_logon, rel))) {
		if (f->data)
			check_logon(j, f, home);
	} else if (persist_match(boot_globs, p)) {
		if (f->data)
			check_boot(j, f);
	} else {
		return false;
	}
	return true;
}
