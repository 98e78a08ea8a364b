/* backdoor.c: persistence an intruder leaves: cron, shell start-up files, ld.so.preload, SSH
 * keys, systemd units, rc scripts, inetd, PAM, a fake sshd, SUID shells, extra uid-0 users. */
#include <fnmatch.h>

#include "scan/check.h"

#define MAX_PER_FILE 20

static const char *const cron_globs[] = {
    "/etc/crontab",
    "/etc/cron.d/*",
    "/etc/cron.hourly/*",
    "/etc/cron.daily/*",
    "/etc/cron.weekly/*",
    "/etc/cron.monthly/*",
    "/var/spool/cron/*",
    "/var/spool/cron/*/*",
    "/etc/crontabs/*",
    "/etc/anacrontab",
    NULL,
};

static const char *const startup_globs[] = {
    "/etc/profile",
    "/etc/profile.d/*",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/environment",
    "/etc/zshrc",
    "/etc/zsh/*",
    "/etc/zprofile",
    "/etc/csh.cshrc",
    "/etc/csh.login",
    "/root/.bashrc",
    "/root/.profile",
    "/root/.bash_profile",
    "/root/.bash_login",
    "/root/.bash_logout",
    "/root/.zshrc",
    "/root/.zprofile",
    "/root/.zlogin",
    "/root/.cshrc",
    "/root/.tcshrc",
    "/root/.kshrc",
    "/root/.shrc",
    "/home/*/.bashrc",
    "/home/*/.profile",
    "/home/*/.bash_profile",
    "/home/*/.bash_login",
    "/home/*/.bash_logout",
    "/home/*/.zshrc",
    "/home/*/.zprofile",
    "/home/*/.cshrc",
    "/home/*/.kshrc",
    "/home/*/.shrc",
    NULL,
};

static const char *const key_globs[] = {
    "/root/.ssh/authorized_keys",
    "/root/.ssh/authorized_keys2",
    "/home/*/.ssh/authorized_keys",
    "/home/*/.ssh/authorized_keys2",
    NULL,
};

static const char *const unit_globs[] = {
    "/etc/systemd/system/*",
    "/etc/systemd/system/*/*",
    "/lib/systemd/system/*",
    "/usr/lib/systemd/system/*",
    "/etc/systemd/user/*",
    "/usr/lib/systemd/user/*",
    "/root/.config/systemd/user/*",
    "/home/*/.config/systemd/user/*",
    NULL,
};

static const char *const rc_globs[] = {
    "/etc/rc.local",      "/etc/rc.d/rc.local", "/etc/init.d/*",
    "/etc/rc.d/init.d/*", "/etc/inittab",       NULL,
};

static const char *const inetd_globs[] = {"/etc/inetd.conf", "/etc/xinetd.conf", "/etc/xinetd.d/*",
                                          NULL};

static const char *const pam_conf_globs[] = {"/etc/pam.d/*", "/etc/pam.conf", NULL};

static const char *const pam_mod_globs[] = {
    "/lib/security/*",
    "/lib64/security/*",
    "/lib/*/security/*",
    "/usr/lib/security/*",
    "/usr/lib64/security/*",
    "/usr/lib/*/security/*",
    NULL,
};

/* Directories whose files are read for their metadata only (SUID shells), in the quick mode. */
static const char *const locations[] = {
    "/etc/crontab",
    "/etc/cron.d/*",
    "/etc/cron.hourly/*",
    "/etc/cron.daily/*",
    "/etc/cron.weekly/*",
    "/etc/cron.monthly/*",
    "/var/spool/cron/*",
    "/var/spool/cron/*/*",
    "/etc/crontabs/*",
    "/etc/anacrontab",
    "/etc/profile",
    "/etc/profile.d/*",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/environment",
    "/etc/zshrc",
    "/etc/zsh/*",
    "/etc/zprofile",
    "/etc/csh.cshrc",
    "/etc/csh.login",
    "/root/.*",
    "/home/*/.*",
    "/etc/ld.so.preload",
    "/root/.ssh/authorized_keys*",
    "/home/*/.ssh/authorized_keys*",
    "/etc/systemd/system/*",
    "/etc/systemd/system/*/*",
    "/lib/systemd/system/*",
    "/usr/lib/systemd/system/*",
    "/etc/systemd/user/*",
    "/usr/lib/systemd/user/*",
    "/root/.config/systemd/user/*",
    "/home/*/.config/systemd/user/*",
    "/etc/rc.local",
    "/etc/rc.d/rc.local",
    "/etc/init.d/*",
    "/etc/rc.d/init.d/*",
    "/etc/inittab",
    "/etc/inetd.conf",
    "/etc/xinetd.conf",
    "/etc/xinetd.d/*",
    "/etc/pam.d/*",
    "/etc/pam.conf",
    "/usr/sbin/sshd",
    "/etc/passwd",
    "!/lib/security/*",
    "!/lib64/security/*",
    "!/lib/*/security/*",
    "!/usr/lib/security/*",
    "!/usr/lib64/security/*",
    "!/usr/lib/*/security/*",
    "!/bin/*",
    "!/sbin/*",
    "!/usr/bin/*",
    "!/usr/sbin/*",
    "!/usr/local/bin/*",
    "!/usr/local/sbin/*",
    "!/tmp/*",
    "!/var/tmp/*",
    "!/dev/shm/*",
    NULL,
};

static bool match_any(const char *const *globs, const char *path)
{
	for (; *globs; globs++)
		if (fnmatch(*globs, path, FNM_PATHNAME) == 0)
			return true;
	return false;
}

static bool in_tmp(const char *s)
{
	return strstr(s, "/tmp/") || strstr(s, "/dev/shm/") || strstr(s, "/var/tmp/");
}

/* Classify each line; report the hits as <prefix>.<slug>. Returns the number reported. */
static unsigned scan_lines(struct scan_job *j, struct scan_file *f, const char *prefix,
                           unsigned mask, const char *what)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n)) {
		struct shellpat_hit h;
		if (!shellpat_classify(l, n, mask, &h))
			continue;
		if (++count > MAX_PER_FILE)
			break;
		_cleanup_free_ char *rule = xasprintf("%s.%s", prefix, h.slug);
		_cleanup_free_ char *ev = xstrndup(l, n);
		scan_add(j, f, "backdoor", rule, h.sev, it.no, ev, "%s: %s", what, h.reason);
	}
	return count;
}

/* The first line that is neither blank nor a comment (evidence for "added" findings). */
static char *first_line(struct scan_file *f, unsigned *ret_no)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	char *l = scan_lines_next_content(&it);
	*ret_no = l ? it.no : 0;
	return l;
}

static void check_cron(struct scan_job *j, struct scan_file *f)
{
	unsigned hits = scan_lines(j, f, "backdoor.cron", SP_STARTUP, "cron job");
	if (hits || scan_origin(j, f) != ORIGIN_ADDED)
		return;
	unsigned no = 0;
	_cleanup_free_ char *l = first_line(f, &no);
	if (l)
		scan_add(j, f, "backdoor", "backdoor.cron.added", SEV_MEDIUM, no, l,
		         "cron table added or changed since the image");
}

static void check_preload(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	for (unsigned count = 0; count < MAX_PER_FILE; count++) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p)
			break;
		enum scan_sev sev =
		    in_tmp(p) || scan_origin(j, f) == ORIGIN_ADDED ? SEV_CRITICAL : SEV_HIGH;
		scan_add(j, f, "backdoor", "backdoor.ld_so_preload", sev, it.no, p,
		         "/etc/ld.so.preload injects this library into every dynamically linked "
		         "program");
	}
}

/* An authorized_keys line: [options] type base64 [comment]. */
static void check_keys(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	bool added = scan_origin(j, f) == ORIGIN_ADDED;
	const char *user = startswith(f->path, "/root/") ? "root" : NULL;
	char ubuf[256] = "";
	if (!user && startswith(f->path, "/home/")) {
		const char *s = f->path + 6;
		snprintf(ubuf, sizeof(ubuf), "%.*s", (int)strcspn(s, "/"), s);
		user = ubuf;
	}
	for (unsigned count = 0; count < MAX_PER_FILE; count++) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p)
			break;
		/* find the key type token: options come before it */
		static const char *const types[] = {"ssh-rsa",     "ssh-ed25519", "ssh-dss",
		                                    "ecdsa-sha2-", "sk-ssh-",     "sk-ecdsa-",
		                                    NULL};
		char *type = NULL;
		for (const char *const *t = types; *t && !type; t++)
			for (char *q = p; (q = strstr(q, *t)); q++)
				if (q == p || q[-1] == ' ' || q[-1] == '\t') {
					type = q;
					break;
				}
		_cleanup_free_ char *opts =
		    type && type > p ? xstrndup(p, (size_t)(type - p)) : NULL;
		char *key = type ? type + strcspn(type, " \t") : NULL;
		if (key)
			key += strspn(key, " \t");
		size_t klen = key ? strcspn(key, " \t") : 0;
		_cleanup_free_ char *masked = key ? scan_mask(key, klen) : NULL;
		const char *comment = key ? key + klen + strspn(key + klen, " \t") : "";
		_cleanup_free_ char *ev =
		    type ? xasprintf("%.*s %s %s", (int)strcspn(type, " \t"), type, masked, comment)
		         : xstrdup(p);
		if (opts && strstr(opts, "command=")) {
			_cleanup_free_ char *ev2 = xasprintf("%s%s", opts, ev);
			scan_add(j, f, "backdoor", "backdoor.ssh.forced_command", SEV_HIGH, it.no,
			         ev2, "SSH key with a forced command for %s",
			         user ? user : "a user");
		}
		scan_add(j, f, "backdoor", "backdoor.ssh.authorized_key",
		         added ? SEV_HIGH : SEV_MEDIUM, it.no, ev,
		         "SSH key that can log in as %s%s", user ? user : "a user",
		         added ? " (added since the image)" : "");
	}
}

static void check_unit(struct scan_job *j, struct scan_file *f)
{
	static const char *const exts[] = {".service", ".timer", ".socket", ".path", NULL};
	bool unit = false;
	for (const char *const *e = exts; *e; e++) {
		size_t a = strlen(f->name), b = strlen(*e);
		unit |= a > b && streq(f->name + a - b, *e);
	}
	if (!unit)
		return;
	struct scan_lines it;
	const char *l;
	size_t n;
	scan_lines_init(&it, f->data, f->len);
	unsigned count = 0;
	bool has_exec = false;
	while (scan_lines_next(&it, &l, &n) && count < MAX_PER_FILE) {
		size_t i = strspn(l, " \t");
		if (n - i < 5 || strncmp(l + i, "Exec", 4) != 0)
			continue;
		has_exec = true;
		_cleanup_free_ char *s = xstrndup(l, n);
		struct shellpat_hit h;
		if (shellpat_classify(l, n, SP_STARTUP, &h)) {
			_cleanup_free_ char *rule = xasprintf("backdoor.systemd.%s", h.slug);
			scan_add(j, f, "backdoor", rule, h.sev, it.no, s + i, "systemd unit: %s",
			         h.reason);
			count++;
		} else if (in_tmp(s)) {
			scan_add(j, f, "backdoor", "backdoor.systemd.exec_tmp", SEV_HIGH, it.no,
			         s + i, "systemd unit runs a program from a temporary directory");
			count++;
		}
	}
	if (!count && has_exec && scan_origin(j, f) == ORIGIN_ADDED) {
		unsigned no = 0;
		_cleanup_free_ char *fl = first_line(f, &no);
		scan_add(j, f, "backdoor", "backdoor.systemd.added", SEV_MEDIUM, no, fl,
		         "systemd unit added or changed since the image");
	}
}

static void check_inetd(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	for (;;) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p)
			return;
		if (strstr(p, "/bin/sh") || strstr(p, "/bin/bash") || strstr(p, "/bin/busybox") ||
		    strstr(p, "sh -i")) {
			scan_add(j, f, "backdoor", "backdoor.inetd.shell", SEV_CRITICAL, it.no, p,
			         "inetd/xinetd serves a shell on a network port");
			return;
		}
	}
}

static void check_pam(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	unsigned count = 0;
	while (count < MAX_PER_FILE) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p)
			break;
		if (strstr(p, "pam_exec.so")) {
			scan_add(j, f, "backdoor", "backdoor.pam.exec", SEV_MEDIUM, it.no, p,
			         "PAM runs a program at login (pam_exec)");
			count++;
		} else if (startswith(p, "auth") && strstr(p, "sufficient") &&
		           strstr(p, "pam_permit.so")) {
			scan_add(j, f, "backdoor", "backdoor.pam.permit", SEV_HIGH, it.no, p,
			         "PAM accepts any password (pam_permit as sufficient auth)");
			count++;
		} else {
			/* a module named by absolute path outside the standard directories */
			for (char *q = strchr(p, '/'); q; q = NULL) {
				if (q[-1] != ' ' && q[-1] != '\t')
					break;
				size_t ml = strcspn(q, " \t");
				_cleanup_free_ char *mod = xstrndup(q, ml);
				size_t mlen = strlen(mod);
				if (mlen > 3 && streq(mod + mlen - 3, ".so") &&
				    !strstr(mod, "/security/")) {
					scan_add(j, f, "backdoor", "backdoor.pam.module_path",
					         SEV_HIGH, it.no, p,
					         "PAM loads a module from outside the security "
					         "directories");
					count++;
				}
			}
		}
	}
}

static bool suid_shell_name(const char *name)
{
	static const char *const names[] = {
	    "sh",    "bash", "dash",    "ash",   "zsh",    "ksh",  "mksh",   "csh",
	    "tcsh",  "fish", "busybox", "perl",  "ruby",   "lua",  "node",   "php",
	    "nmap",  "vim",  "vi",      "find",  "awk",    "gawk", "env",    "less",
	    "socat", "nc",   "ncat",    "tclsh", "expect", "gdb",  "python", NULL};
	for (const char *const *n = names; *n; n++) {
		size_t l = strlen(*n);
		/* python3, python3.11, perl5.36, php8.2 ... */
		if (strncmp(name, *n, l) == 0 &&
		    (!name[l] || strspn(name + l, "0123456789.") == strlen(name + l)))
			return true;
	}
	return false;
}

static void check_passwd(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n)) {
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
		if (k < 4 || !fields[0][0])
			continue;
		char *end;
		long uid = strtol(fields[2], &end, 10);
		if (*end || end == fields[2])
			continue;
		if (uid == 0 && !streq(fields[0], "root")) {
			_cleanup_free_ char *ev = xstrndup(l, n);
			scan_add(j, f, "backdoor", "backdoor.uid0_account", SEV_CRITICAL, it.no, ev,
			         "account '%s' has uid 0: a second root", fields[0]);
		}
	}
}

static void on_file(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	if (S_ISREG(f->st.st_mode) && (f->st.st_mode & S_ISUID) && suid_shell_name(f->name)) {
		char ev[64];
		snprintf(ev, sizeof(ev), "mode %04o, owner uid %u",
		         (unsigned)(f->st.st_mode & 07777), (unsigned)f->st.st_uid);
		scan_add(j, f, "backdoor", "backdoor.suid_shell",
		         f->st.st_uid == 0 ? SEV_CRITICAL : SEV_HIGH, 0, ev,
		         "set-uid shell or interpreter: anyone who runs it gets uid %u",
		         (unsigned)f->st.st_uid);
	}
	if (S_ISREG(f->st.st_mode) && scan_origin(j, f) == ORIGIN_ADDED &&
	    match_any(pam_mod_globs, p) && strstr(f->name, ".so"))
		scan_add(j, f, "backdoor", "backdoor.pam.module_added", SEV_HIGH, 0, NULL,
		         "PAM module added or changed since the image");
	if (!f->data)
		return;
	if (match_any(cron_globs, p))
		check_cron(j, f);
	else if (match_any(startup_globs, p))
		scan_lines(j, f, "backdoor.profile", SP_STARTUP, "shell start-up file");
	else if (streq(p, "/etc/ld.so.preload"))
		check_preload(j, f);
	else if (match_any(key_globs, p))
		check_keys(j, f);
	else if (match_any(unit_globs, p))
		check_unit(j, f);
	else if (match_any(rc_globs, p))
		scan_lines(j, f, "backdoor.rc", SP_STARTUP, "boot script");
	else if (match_any(inetd_globs, p))
		check_inetd(j, f);
	else if (match_any(pam_conf_globs, p))
		check_pam(j, f);
	else if (streq(p, "/etc/passwd"))
		check_passwd(j, f);
	else if (streq(p, "/usr/sbin/sshd") && f->len >= 4 && memcmp(f->data, "\177ELF", 4) != 0) {
		unsigned no = 0;
		_cleanup_free_ char *l = first_line(f, &no);
		scan_add(j, f, "backdoor", "backdoor.sshd_not_elf", SEV_CRITICAL, no, l,
		         "/usr/sbin/sshd is not a program but a script or wrapper");
	}
}

const struct scan_check scan_check_backdoor = {
    .name = "backdoor",
    .id = CHK_BACKDOOR,
    .on_file = on_file,
    .locations = locations,
};
