/* persist_auth.c: who can get in and become root: local accounts (T1136.001) and privileged
 * groups (T1098.007), sudoers and doas (T1548.003), PAM stacks (T1556.003, with password and
 * keystroke capture T1056.001) and sshd's key settings (T1098.004). */
#include <ctype.h>
#include <strings.h>

#include "scan/persist.h"

static const char *const sudoers_globs[] = {
    "/etc/sudoers",           "/etc/sudoers.d/*",
    "/usr/local/etc/sudoers", "/usr/local/etc/sudoers.d/*",
    "/etc/doas.conf",         "/usr/local/etc/doas.conf",
    "/etc/doas.d/*",          NULL,
};

static const char *const pam_globs[] = {
    "/etc/pam.d/*", "/etc/pam.conf", "/usr/lib/pam.d/*", "/lib/pam.d/*", "/usr/etc/pam.d/*", NULL,
};

static const char *const sshd_globs[] = {
    "/etc/ssh/sshd_config",
    "/etc/ssh/sshd_config.d/*",
    "/usr/etc/ssh/sshd_config",
    "/usr/local/etc/ssh/sshd_config",
    NULL,
};

/* ---- accounts ---- */

static bool login_shell(const char *sh)
{
	static const char *const no[] = {"nologin", "false",     "true", "sync",    "shutdown",
	                                 "halt",    "git-shell", "rssh", "scponly", NULL};
	if (!*sh)
		return true; /* empty: /bin/sh */
	const char *b = strrchr(sh, '/');
	b = b ? b + 1 : sh;
	for (const char *const *n = no; *n; n++)
		if (streq(b, *n))
			return false;
	return true;
}

/* Service accounts that distributions give a real shell on purpose. */
static bool known_shell_account(const char *name)
{
	static const char *const ok[] = {
	    "postgres", "jenkins", "gitlab-runner", "vagrant", "cassandra", "oracle", NULL};
	for (const char *const *o = ok; *o; o++)
		if (streq(name, *o))
			return true;
	return false;
}

static void check_passwd(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n) && count < PERSIST_MAX_PER_FILE) {
		_cleanup_free_ char *s = xstrndup(l, n);
		char *fields[7] = {0};
		char *p = s;
		size_t k = 0;
		for (; k < 7 && p; k++) {
			fields[k] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (k < 4 || !fields[0][0] || fields[0][0] == '+' || fields[0][0] == '-')
			continue;
		char *end;
		long uid = strtol(fields[2], &end, 10);
		if (*end || end == fields[2])
			continue;
		long gid = strtol(fields[3], &end, 10);
		if (*end || end == fields[3])
			gid = -1;
		const char *name = fields[0], *home = k > 5 ? fields[5] : "",
		           *shell = k > 6 ? fields[6] : "";
		_cleanup_free_ char *ev = xstrndup(l, n);
		if (uid == 0 && !streq(name, "root")) {
			scan_add(j, f, "backdoor", "backdoor.uid0_account", SEV_CRITICAL, it.no, ev,
			         "account '%s' has uid 0: a second root", name);
			count++;
		} else if (gid == 0 && uid != 0 && login_shell(shell)) {
			scan_add(
			    j, f, "backdoor", "backdoor.account.gid0", SEV_HIGH, it.no, ev,
			    "account '%s' (uid %ld) is in the root group and has a login shell",
			    name, uid);
			count++;
		} else if (uid > 0 && uid < 1000 && login_shell(shell) &&
		           !known_shell_account(name)) {
			struct stat st;
			bool has_home =
			    *home && scan_job_exists(j, home, &st) && S_ISDIR(st.st_mode);
			scan_add(j, f, "backdoor", "backdoor.account.system_shell",
			         has_home ? SEV_LOW : SEV_MEDIUM, it.no, ev,
			         "system account '%s' (uid %ld) has a login shell (%s)%s", name,
			         uid, *shell ? shell : "/bin/sh",
			         has_home ? "" : " and no home directory");
			count++;
		}
	}
}

static void check_group(struct scan_job *j, struct scan_file *f)
{
	static const char *const admin[] = {"sudo", "wheel", "admin", NULL};
	static const char *const rootish[] = {"docker", "lxd", "disk", "shadow", "kmem", NULL};
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	bool added = scan_origin(j, f) == ORIGIN_ADDED;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n) && count < PERSIST_MAX_PER_FILE) {
		_cleanup_free_ char *s = xstrndup(l, n);
		char *f4[4] = {0};
		char *p = s;
		size_t k = 0;
		for (; k < 4 && p; k++) {
			f4[k] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (k < 4 || !f4[3][strspn(f4[3], " \t")])
			continue;
		const char *g = f4[0];
		bool root = streq(f4[2], "0");
		bool adm = false, rish = false;
		for (const char *const *a = admin; *a; a++)
			adm |= streq(g, *a);
		for (const char *const *a = rootish; *a; a++)
			rish |= streq(g, *a);
		if (!root && !adm && !rish)
			continue;
		/* members other than root */
		_cleanup_free_ char *others = NULL;
		struct buf b = {0};
		_cleanup_free_ char *m = xstrdup(f4[3]);
		for (char *save = NULL, *u = strtok_r(m, ",", &save); u;
		     u = strtok_r(NULL, ",", &save))
			if (!streq(u, "root"))
				buf_printf(&b, "%s%s", b.len ? "," : "", u);
		if (!b.len)
			continue;
		others = (char *)buf_cstr(&b);
		_cleanup_free_ char *ev = xstrndup(l, n);
		enum scan_sev sev = root ? SEV_HIGH : added ? SEV_MEDIUM : SEV_LOW;
		scan_add(j, f, "backdoor",
		         root ? "backdoor.account.group_root" : "backdoor.account.group_admin", sev,
		         it.no, ev, "%s in group '%s': %s", others, g,
		         root  ? "the root group (reads and writes what root's group can)"
		         : adm ? "may become root with sudo"
		               : "as good as root (the group reaches the daemon, disks or hashes)");
		count++;
	}
}

/* ---- sudoers and doas ---- */

static bool shell_escape_cmd(const char *c)
{
	static const char *const progs[] = {
	    "sh",        "bash",       "dash",    "zsh",     "ksh",     "csh",     "tcsh",
	    "fish",      "ash",        "vi",      "vim",     "nvim",    "view",    "less",
	    "more",      "man",        "nano",    "ed",      "emacs",   "find",    "awk",
	    "gawk",      "mawk",       "perl",    "python",  "python2", "python3", "ruby",
	    "lua",       "php",        "node",    "env",     "tee",     "cp",      "mv",
	    "chmod",     "chown",      "tar",     "zip",     "nmap",    "git",     "docker",
	    "apt",       "apt-get",    "dpkg",    "yum",     "dnf",     "rpm",     "pip",
	    "pip3",      "rsync",      "scp",     "ssh",     "socat",   "nc",      "ncat",
	    "busybox",   "dd",         "openssl", "tcpdump", "wget",    "curl",    "su",
	    "sudo",      "script",     "gdb",     "strace",  "ln",      "install", "crontab",
	    "systemctl", "journalctl", "expect",  "tclsh",   "xargs",   "make",    "gcc",
	    NULL};
	c += strspn(c, " \t");
	if (streq(c, "ALL"))
		return true;
	size_t cl = strcspn(c, " \t");
	_cleanup_free_ char *w = xstrndup(c, cl);
	if (startswith(w, "/tmp/") || startswith(w, "/var/tmp/") || startswith(w, "/dev/shm/") ||
	    startswith(w, "/home/"))
		return true;
	const char *b = strrchr(w, '/');
	b = b ? b + 1 : w;
	for (const char *const *p = progs; *p; p++) {
		size_t l = strlen(*p);
		if (strncmp(b, *p, l) == 0 &&
		    (!b[l] || strspn(b + l, "0123456789.") == strlen(b + l)))
			return true;
	}
	return false;
}

/* A long timestamp or none at all: one sudo authentication lasts (nearly) forever. */
static bool long_timeout(const char *v)
{
	char *end;
	double x = strtod(v, &end);
	return end != v && (x < 0 || x > 60);
}

static void check_defaults(struct scan_job *j, struct scan_file *f, unsigned no, const char *l,
                           const char *opts, unsigned *count)
{
	_cleanup_free_ char *d = xstrdup(opts);
	for (char *save = NULL, *o = strtok_r(d, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		o += strspn(o, " \t");
		char *e = o + strlen(o);
		while (e > o && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		const char *rule = NULL, *why = NULL;
		enum scan_sev sev = SEV_HIGH;
		if (startswith(o, "timestamp_timeout")) {
			const char *v = strchr(o, '=');
			if (v && long_timeout(v + 1)) {
				rule = "backdoor.sudo.timestamp_timeout";
				why = "one sudo password lasts for a long time or forever "
				      "(timestamp_timeout)";
			}
		} else if (streq(o, "!tty_tickets") || strstr(o, "timestamp_type=global") ||
		           strstr(o, "timestamp_type = global")) {
			rule = "backdoor.sudo.tty_tickets";
			why = "one sudo password serves every terminal of the user (!tty_tickets)";
		} else if (streq(o, "!authenticate")) {
			rule = "backdoor.sudo.no_authenticate";
			why = "sudo asks nobody for a password (!authenticate)";
			sev = SEV_CRITICAL;
		} else if (startswith(o, "env_keep") &&
		           (strstr(o, "LD_PRELOAD") || strstr(o, "LD_LIBRARY_PATH") ||
		            strstr(o, "PYTHONPATH") || strstr(o, "PERL5LIB") ||
		            strstr(o, "PERL5OPT") || strstr(o, "BASH_ENV"))) {
			rule = "backdoor.sudo.env_keep";
			why = "sudo keeps a loader or interpreter variable: any sudo command runs "
			      "the caller's code as root";
		} else if (streq(o, "!env_reset")) {
			rule = "backdoor.sudo.env_keep";
			why = "sudo keeps the caller's whole environment (!env_reset)";
			sev = SEV_MEDIUM;
		} else if (streq(o, "!use_pty") || streq(o, "!log_input") || streq(o, "!syslog") ||
		           startswith(o, "!logfile")) {
			continue; /* settings, not holes */
		}
		if (!rule)
			continue;
		scan_add(j, f, "backdoor", rule, sev, no, l, "%s", why);
		(*count)++;
	}
}

static void check_user_spec(struct scan_job *j, struct scan_file *f, unsigned no, const char *l,
                            unsigned *count)
{
	const char *eq = strchr(l, '=');
	if (!eq)
		return;
	/* "users hosts = (runas) TAG: cmds" */
	size_t ul = strcspn(l, " \t");
	_cleanup_free_ char *users = xstrndup(l, ul);
	const char *rest = eq + 1;
	rest += strspn(rest, " \t");
	if (*rest == '(') {
		const char *cp = strchr(rest, ')');
		rest = cp ? cp + 1 : rest;
	}
	bool nopasswd = strstr(rest, "NOPASSWD") != NULL;
	/* the commands: after the last tag "XXX:" */
	const char *cmds = rest;
	for (const char *c = rest; (c = strchr(c, ':')); c++) {
		const char *t = c;
		while (t > rest && isupper((unsigned char)t[-1]))
			t--;
		if (c - t >= 4)
			cmds = c + 1;
	}
	bool all = false, escape = false;
	_cleanup_free_ char *cl = xstrdup(cmds);
	for (char *save = NULL, *c = strtok_r(cl, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		c += strspn(c, " \t");
		all |= streq(c, "ALL") || startswith(c, "ALL ");
		escape |= shell_escape_cmd(c);
	}
	bool everyone = false, group = true, rootonly = true;
	_cleanup_free_ char *ud = xstrdup(users);
	for (char *save = NULL, *u = strtok_r(ud, ",", &save); u; u = strtok_r(NULL, ",", &save)) {
		everyone |= streq(u, "ALL");
		group &= u[0] == '%';
		rootonly &= streq(u, "root");
	}
	if (rootonly || (!all && !escape))
		return;
	const char *rule;
	enum scan_sev sev;
	const char *why;
	if (everyone) {
		rule = "backdoor.sudo.all_users";
		sev = nopasswd ? SEV_CRITICAL : SEV_HIGH;
		why = nopasswd ? "every user may run commands as root without a password"
		               : "every user may run commands as root";
	} else if (group && all) {
		/* "%sudo ALL=(ALL:ALL) ALL", with or without NOPASSWD: the admin group's normal
		 * grant (who is in the group is check_group's business) */
		return;
	} else if (all) {
		/* cloud-init writes the image's default user this way: expected there, unless the
		 * file changed since the image */
		bool cloud = persist_ends(f->path, "/90-cloud-init-users") &&
		             scan_origin(j, f) != ORIGIN_ADDED;
		rule = nopasswd ? "backdoor.sudo.nopasswd_all" : "backdoor.sudo.user_all";
		sev = nopasswd && !cloud ? SEV_HIGH : SEV_LOW;
		why = cloud ? "the cloud image's default user may run anything as root without a "
		              "password (cloud-init)"
		      : nopasswd
		          ? "a user may run anything as root without a password"
		          : "a user may run anything as root (named in sudoers, not by group)";
	} else {
		rule = "backdoor.sudo.shell_escape";
		sev = nopasswd && !group ? SEV_HIGH : SEV_MEDIUM;
		why = "a user may run, as root, a program that opens a shell or writes any file";
	}
	scan_add(j, f, "backdoor", rule, sev, no, l, "sudoers: %s (%s)", why, users);
	(*count)++;
}

static void check_sudoers(struct scan_job *j, struct scan_file *f)
{
	bool doas = strstr(f->path, "doas") != NULL;
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	struct buf logical = {0};
	unsigned start_no = 0;
	scan_lines_init(&it, f->data, f->len);
	bool more = true;
	while (more && count < PERSIST_MAX_PER_FILE) {
		more = scan_lines_next(&it, &l, &n);
		if (more) {
			/* a trailing backslash continues the line */
			if (!logical.len)
				start_no = it.no;
			bool cont = n && l[n - 1] == '\\';
			buf_append(&logical, l, cont ? n - 1 : n);
			if (cont)
				continue;
		}
		if (!logical.len)
			continue;
		_cleanup_free_ char *s = xstrdup(buf_cstr(&logical));
		logical.len = 0;
		char *p = s + strspn(s, " \t");
		if (!*p)
			continue;
		if (doas) {
			if (*p == '#' || !startswith(p, "permit"))
				continue;
			bool nopass = strstr(p, "nopass") != NULL;
			/* permit [options] identity [as target] [cmd command [args ...]] */
			char *w = p + 6;
			while (*w) {
				w += strspn(w, " \t");
				size_t wl = strcspn(w, " \t");
				if (wl == 0)
					break;
				if (!strncmp(w, "nopass", wl) || !strncmp(w, "persist", wl) ||
				    !strncmp(w, "keepenv", wl) || !strncmp(w, "nolog", wl) ||
				    !strncmp(w, "setenv", wl) || w[0] == '{') {
					w += w[0] == '{' ? strcspn(w, "}") + 1 : wl;
					continue;
				}
				break;
			}
			bool group = *w == ':';
			bool cmd = strstr(p, " cmd ") != NULL;
			if (!nopass || (group && !cmd))
				continue;
			bool keepenv = strstr(p, "keepenv") != NULL;
			scan_add(j, f, "backdoor", "backdoor.sudo.doas_nopass",
			         group ? SEV_LOW : SEV_HIGH, start_no, p,
			         "doas lets %s run %s as root without a password%s",
			         group ? "a group" : "a user", cmd ? "a command" : "anything",
			         keepenv ? ", keeping its environment" : "");
			count++;
			continue;
		}
		if (startswith(p, "#include") || startswith(p, "@include")) {
			char *arg = p + strcspn(p, " \t");
			arg += strspn(arg, " \t");
			if (persist_tmp_path(arg) || startswith(arg, "/home/") ||
			    startswith(arg, "/tmp")) {
				scan_add(j, f, "backdoor", "backdoor.sudo.include", SEV_HIGH,
				         start_no, p,
				         "sudoers includes rules from a writable place");
				count++;
			}
			continue;
		}
		if (*p == '#')
			continue;
		if (startswith(p, "Defaults")) {
			char *o = p + 8;
			o += strcspn(o, " \t"); /* Defaults:user, Defaults>root ... */
			check_defaults(j, f, start_no, p, o, &count);
			continue;
		}
		if (strstr(p, "_Alias") && strstr(p, "_Alias") < strchr(p, '='))
			continue;
		check_user_spec(j, f, start_no, p, &count);
	}
	buf_free(&logical);
	if (!count && scan_origin(j, f) == ORIGIN_ADDED && startswith(f->path, "/etc/sudoers.d/")) {
		unsigned no2 = 0;
		_cleanup_free_ char *fl = persist_first_line(f, &no2);
		if (fl)
			scan_add(j, f, "backdoor", "backdoor.sudo.added", SEV_MEDIUM, no2, fl,
			         "sudoers rules added or changed since the image");
	}
}

/* ---- PAM ---- */

/* pam_succeed_if conditions every account meets ("uid >= 0"). */
static bool always_true(const char *args)
{
	_cleanup_free_ char *d = xstrdup(args);
	char *w[16];
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(d, " \t", &save); t && n < 16;
	     t = strtok_r(NULL, " \t", &save))
		if (!streq(t, "quiet") && !streq(t, "quiet_success") && !streq(t, "quiet_fail") &&
		    !streq(t, "debug") && !streq(t, "use_uid"))
			w[n++] = t;
	if (n == 0)
		return true; /* no condition: pam_succeed_if succeeds */
	if (n % 3 != 0)
		return false;
	for (size_t i = 0; i < n; i += 3) {
		bool idfield = streq(w[i], "uid") || streq(w[i], "gid");
		char *end;
		long v = strtol(w[i + 2], &end, 10);
		if (!idfield || *end)
			return false;
		const char *op = w[i + 1];
		bool t = ((streq(op, ">=") || streq(op, "ge")) && v <= 0) ||
		         ((streq(op, ">") || streq(op, "gt")) && v < 0) ||
		         ((streq(op, "!=") || streq(op, "ne")) && v < 0);
		if (!t)
			return false;
	}
	return true;
}

static void check_pam(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	unsigned count = 0;
	bool pam_conf = streq(f->path, "/etc/pam.conf");
	while (count < PERSIST_MAX_PER_FILE) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p)
			break;
		char *q = p;
		if (pam_conf)
			q += strcspn(q, " \t"), q += strspn(q, " \t"); /* the service field */
		char type[32] = "";
		snprintf(type, sizeof(type), "%.*s", (int)strcspn(q, " \t"), q);
		if (type[0] == '-')
			memmove(type, type + 1, strlen(type));
		char *ctl = q + strcspn(q, " \t");
		ctl += strspn(ctl, " \t");
		size_t cl = *ctl == '[' ? strcspn(ctl, "]") : strcspn(ctl, " \t");
		if (*ctl == '[' && ctl[cl] == ']')
			cl++; /* an unclosed bracket ends at the line's end, not past it */
		_cleanup_free_ char *control = xstrndup(ctl, cl);
		char *mod = ctl + cl;
		mod += strspn(mod, " \t");
		size_t ml = strcspn(mod, " \t");
		_cleanup_free_ char *module = xstrndup(mod, ml);
		const char *args = mod + ml + strspn(mod + ml, " \t");
		const char *base = strrchr(module, '/');
		base = base ? base + 1 : module;
		bool auth = streq(type, "auth");
		/* "sufficient", or a bracket form that ends the stack on success */
		bool sufficient = streq(control, "sufficient") ||
		                  (control[0] == '[' && strstr(control, "success=done"));
		if (startswith(base, "pam_exec.so")) {
			bool authtok = strstr(args, "expose_authtok") != NULL;
			struct cmd_hit h;
			bool bad =
			    persist_cmd(args, strlen(args), CTX_JOB, &h) && h.sev >= SEV_HIGH;
			scan_add(j, f, "backdoor",
			         authtok ? "backdoor.pam.exec_authtok" : "backdoor.pam.exec",
			         authtok || bad ? SEV_HIGH : SEV_MEDIUM, it.no, p, "%s%s%s",
			         authtok ? "PAM hands every password typed to a program (pam_exec "
			                   "expose_authtok)"
			                 : "PAM runs a program at login (pam_exec)",
			         bad ? ": " : "", bad ? h.reason : "");
			count++;
		} else if (auth && sufficient && startswith(base, "pam_permit.so")) {
			scan_add(j, f, "backdoor", "backdoor.pam.permit", SEV_HIGH, it.no, p,
			         "PAM accepts any password (pam_permit as sufficient auth)");
			count++;
		} else if (auth && sufficient && startswith(base, "pam_succeed_if.so")) {
			bool trivial = always_true(args);
			bool nopwgroup = strstr(args, "nopasswdlogin") != NULL;
			scan_add(j, f, "backdoor", "backdoor.pam.succeed_if",
			         trivial     ? SEV_CRITICAL
			         : nopwgroup ? SEV_LOW
			                     : SEV_MEDIUM,
			         it.no, p, "%s",
			         trivial
			             ? "PAM lets every account in without a password "
			               "(pam_succeed_if with a condition all accounts meet)"
			             : "PAM lets the accounts that meet a condition in without a "
			               "password (pam_succeed_if as sufficient)");
			count++;
		} else if (startswith(base, "pam_tty_audit.so")) {
			bool pw = strstr(args, "log_pass") != NULL;
			if (!pw && !strstr(args, "enable="))
				continue;
			scan_add(
			    j, f, "backdoor",
			    pw ? "backdoor.pam.keylogger" : "backdoor.pam.tty_audit",
			    pw ? SEV_HIGH : SEV_LOW, it.no, p, "%s",
			    pw ? "PAM logs every keystroke, passwords included (pam_tty_audit "
			         "log_passwd)"
			       : "PAM logs the keystrokes of terminal sessions (pam_tty_audit)");
			count++;
		} else if (module[0] == '/' && persist_ends(module, ".so") &&
		           !strstr(module, "/security/")) {
			scan_add(j, f, "backdoor", "backdoor.pam.module_path", SEV_HIGH, it.no, p,
			         "PAM loads a module from outside the security directories");
			count++;
		}
	}
	if (!count && scan_origin(j, f) == ORIGIN_ADDED) {
		/* (nothing alarming in it; the stack changed, which the baseline or layers tell) */
	}
}

/* ---- sshd ---- */

static void check_sshd(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	for (unsigned count = 0; count < PERSIST_MAX_PER_FILE;) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p)
			break;
		size_t kl = strcspn(p, " \t=");
		const char *v = p + kl + strspn(p + kl, " \t=");
		const char *rule = NULL, *why = NULL;
		enum scan_sev sev = SEV_MEDIUM;
		if (!strncasecmp(p, "AuthorizedKeysFile", kl) && kl == 18) {
			/* each file: %h/.ssh/... and .ssh/... are the usual */
			_cleanup_free_ char *d = xstrdup(v);
			for (char *save = NULL, *t = strtok_r(d, " \t", &save); t && !rule;
			     t = strtok_r(NULL, " \t", &save)) {
				if (streq(t, "none") || startswith(t, "%h/.ssh/") ||
				    startswith(t, ".ssh/") || startswith(t, "/etc/ssh/"))
					continue;
				rule = "backdoor.ssh.keys_file";
				sev = persist_tmp_path(t) || startswith(t, "/tmp") ? SEV_HIGH
				                                                   : SEV_MEDIUM;
				why = "sshd accepts keys from an unusual file";
			}
		} else if (!strncasecmp(p, "AuthorizedKeysCommand", kl) && kl == 21 &&
		           strcasecmp(v, "none") != 0) {
			rule = "backdoor.ssh.keys_command";
			struct cmd_hit h;
			sev = persist_cmd(v, strlen(v), CTX_JOB, &h) ? SEV_HIGH : SEV_MEDIUM;
			why = "sshd asks a program which keys may log in";
		} else if (!strncasecmp(p, "PermitEmptyPasswords", kl) && kl == 20 &&
		           !strncasecmp(v, "yes", 3)) {
			rule = "backdoor.ssh.empty_passwords";
			sev = SEV_HIGH;
			why = "sshd lets accounts with an empty password log in";
		} else if (!strncasecmp(p, "PermitUserEnvironment", kl) && kl == 21 &&
		           strncasecmp(v, "no", 2) != 0) {
			rule = "backdoor.ssh.user_environment";
			why = "sshd reads ~/.ssh/environment: a user's LD_PRELOAD reaches sshd's "
			      "children";
		}
		if (!rule)
			continue;
		scan_add(j, f, "backdoor", rule, sev, it.no, p, "%s", why);
		count++;
	}
}

bool persist_auth(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	if (!f->data || !S_ISREG(f->st.st_mode))
		return persist_match(sudoers_globs, p) || persist_match(pam_globs, p);
	if (streq(p, "/etc/passwd"))
		check_passwd(j, f);
	else if (streq(p, "/etc/group"))
		check_group(j, f);
	else if (persist_match(sudoers_globs, p))
		check_sudoers(j, f);
	else if (persist_match(pam_globs, p))
		check_pam(j, f);
	else if (persist_match(sshd_globs, p))
		check_sshd(j, f);
	else
		return false;
	return true;
}
