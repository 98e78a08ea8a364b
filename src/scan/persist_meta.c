/* persist_meta.c: what a file's metadata and kind say, wherever it is: setuid and setgid files
 * and file capabilities (T1548.001), kernel modules outside the module tree (T1547.006),
 * system programs that differ from their package or the image (T1554, T1556.003 for PAM
 * modules) and sensitive files anyone may write (T1222.002). */
#include <linux/capability.h>

#include "scan/persist.h"

static bool in_tmp(const char *p)
{
	return startswith(p, "/tmp/") || startswith(p, "/var/tmp/") || startswith(p, "/dev/shm/") ||
	       startswith(p, "/run/shm/");
}

static bool system_dir(const char *p)
{
	static const char *const dirs[] = {"/usr/",   "/bin/",       "/sbin/",   "/lib/",
	                                   "/lib32/", "/lib64/",     "/libx32/", "/opt/",
	                                   "/snap/",  "/nix/store/", NULL};
	for (const char *const *d = dirs; *d; d++)
		if (startswith(p, *d))
			return true;
	return false;
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

/* Programs a rootkit or a credential thief replaces first. */
static bool trojan_target(const char *p)
{
	static const char *const progs[] = {"/usr/sbin/sshd",
	                                    "/usr/bin/ssh",
	                                    "/bin/login",
	                                    "/usr/bin/login",
	                                    "/bin/su",
	                                    "/usr/bin/su",
	                                    "/usr/bin/sudo",
	                                    "/usr/bin/passwd",
	                                    "/bin/ps",
	                                    "/usr/bin/ps",
	                                    "/usr/bin/top",
	                                    "/bin/ls",
	                                    "/usr/bin/ls",
	                                    "/bin/netstat",
	                                    "/usr/bin/netstat",
	                                    "/usr/bin/ss",
	                                    "/bin/ss",
	                                    "/usr/bin/lsof",
	                                    "/usr/bin/find",
	                                    "/usr/bin/crontab",
	                                    "/usr/sbin/cron",
	                                    "/usr/bin/w",
	                                    "/usr/bin/who",
	                                    "/usr/bin/last",
	                                    "/bin/bash",
	                                    "/usr/bin/bash",
	                                    "/bin/sh",
	                                    "/usr/bin/dash",
	                                    "/sbin/init",
	                                    "/lib/systemd/systemd",
	                                    "/usr/lib/systemd/systemd",
	                                    "/usr/sbin/useradd",
	                                    "/usr/bin/chsh",
	                                    NULL};
	for (const char *const *q = progs; *q; q++)
		if (streq(p, *q))
			return true;
	return false;
}

static bool pam_module_dir(const char *p)
{
	return strstr(p, "/security/pam_") && persist_ends(p, ".so") &&
	       (startswith(p, "/lib") || startswith(p, "/usr/lib"));
}

static const char *cap_names(uint64_t caps, char *buf, size_t n)
{
	static const struct {
		int bit;
		const char *name;
	} danger[] = {
	    {CAP_SETUID, "cap_setuid"},
	    {CAP_SETGID, "cap_setgid"},
	    {CAP_SYS_ADMIN, "cap_sys_admin"},
	    {CAP_DAC_OVERRIDE, "cap_dac_override"},
	    {CAP_DAC_READ_SEARCH, "cap_dac_read_search"},
	    {CAP_SYS_PTRACE, "cap_sys_ptrace"},
	    {CAP_SYS_MODULE, "cap_sys_module"},
	    {CAP_CHOWN, "cap_chown"},
	    {CAP_FOWNER, "cap_fowner"},
	    {CAP_SYS_RAWIO, "cap_sys_rawio"},
	    {CAP_SETFCAP, "cap_setfcap"},
	    {CAP_BPF, "cap_bpf"},
	};
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(danger); i++)
		if (caps & (1ull << danger[i].bit))
			used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s",
			                         used ? "," : "", danger[i].name);
	return buf[0] ? buf : NULL;
}

/* An ELF relocatable object with a .modinfo "vermagic=": a kernel module. */
static bool kernel_module(const struct scan_file *f)
{
	if (!f->data || f->len < 64 || memcmp(f->data, "\177ELF", 4) != 0)
		return false;
	unsigned type = f->data[5] == 2 ? (unsigned)f->data[16] << 8 | f->data[17]
	                                : (unsigned)f->data[17] << 8 | f->data[16];
	return type == 1 /* ET_REL */ && memmem(f->data, f->len, "vermagic=", 9) != NULL;
}

static void check_setid(struct scan_job *j, struct scan_file *f)
{
	mode_t m = f->st.st_mode;
	const char *p = f->path;
	char ev[96];
	snprintf(ev, sizeof(ev), "mode %04o, owner uid %u, group gid %u", (unsigned)(m & 07777),
	         (unsigned)f->st.st_uid, (unsigned)f->st.st_gid);
	const char *what = (m & S_ISUID) && (m & S_ISGID) ? "set-uid and set-gid"
	                   : (m & S_ISUID)                ? "set-uid"
	                                                  : "set-gid";
	if ((m & S_ISUID) && suid_shell_name(f->name)) {
		scan_add(j, f, "backdoor", "backdoor.suid_shell",
		         f->st.st_uid == 0 ? SEV_CRITICAL : SEV_HIGH, 0, ev,
		         "set-uid shell or interpreter: anyone who runs it gets uid %u",
		         (unsigned)f->st.st_uid);
		return;
	}
	char user[128];
	if (in_tmp(p)) {
		scan_add(j, f, "backdoor", "backdoor.setuid.tmp", SEV_HIGH, 0, ev,
		         "%s file in a temporary directory", what);
		return;
	}
	if (scan_job_home_user(j, p, user, sizeof(user), NULL)) {
		scan_add(j, f, "backdoor", "backdoor.setuid.home", SEV_HIGH, 0, ev,
		         "%s file in the home directory of %s", what, user);
		return;
	}
	if (!system_dir(p)) {
		scan_add(j, f, "backdoor", "backdoor.setuid.unusual_place", SEV_MEDIUM, 0, ev,
		         "%s file outside the system's program directories", what);
		return;
	}
	if (scan_origin(j, f) == ORIGIN_ADDED) {
		scan_add(j, f, "backdoor", "backdoor.setuid.added", SEV_HIGH, 0, ev,
		         "%s file added or changed since the image", what);
		return;
	}
	const char *pkg = NULL;
	int own = scan_job_dpkg_owner(j, p, &pkg);
	if (own == 0 && !startswith(p, "/usr/local/") && !startswith(p, "/opt/"))
		scan_add(j, f, "backdoor", "backdoor.setuid.unpackaged", SEV_MEDIUM, 0, ev,
		         "%s file that no installed package ships", what);
}

void persist_meta(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	mode_t m = f->st.st_mode;
	if (!S_ISREG(m))
		return;
	if (m & (S_ISUID | S_ISGID)) {
		/* a set-gid file without group execute is mandatory locking, not privilege; in a
		 * temporary or home directory it is still somebody's doing */
		char user[128];
		if ((m & S_ISUID) || (m & S_IXGRP) || in_tmp(p) ||
		    scan_job_home_user(j, p, user, sizeof(user), NULL))
			check_setid(j, f);
	}
	char names[256];
	if (f->caps && cap_names(f->caps, names, sizeof(names))) {
		_cleanup_free_ char *ev =
		    xasprintf("%s%s", names, f->caps_effective ? "+ep" : "+p");
		scan_add(j, f, "backdoor", "backdoor.setuid.capability",
		         in_tmp(p) || !system_dir(p) ? SEV_CRITICAL : SEV_HIGH, 0, ev,
		         "file capabilities that amount to root for whoever runs it");
	}
	/* a PAM module (by its name) kept outside the security directories */
	if (startswith(f->name, "pam_") && persist_ends(f->name, ".so") &&
	    !strstr(p, "/security/") && f->data && f->len >= 4 &&
	    memcmp(f->data, "\177ELF", 4) == 0)
		scan_add(
		    j, f, "backdoor", "backdoor.pam.module_outside", SEV_HIGH, 0, NULL,
		    "a PAM module outside the security directories (a stack may name it by path)");
	if (kernel_module(f)) {
		bool tree = startswith(p, "/lib/modules/") || startswith(p, "/usr/lib/modules/");
		if (!tree)
			scan_add(
			    j, f, "backdoor", "backdoor.kmod.outside", SEV_HIGH, 0, NULL,
			    "a kernel module outside the module tree (loaded by hand, insmod)");
		else if (scan_origin(j, f) == ORIGIN_ADDED)
			scan_add(j, f, "backdoor", "backdoor.kmod.added", SEV_HIGH, 0, NULL,
			         "a kernel module added or changed since the image");
	}
	/* a program a rootkit replaces, or a PAM module: against its package, or the image */
	bool pam = pam_module_dir(p);
	if (pam || trojan_target(p)) {
		int intact = scan_job_dpkg_intact(j, f);
		const char *pkg = NULL;
		if (intact == 0 && scan_job_dpkg_owner(j, p, &pkg) == 1)
			scan_add(j, f, "backdoor",
			         pam ? "backdoor.pam.module_modified" : "backdoor.binary.modified",
			         SEV_CRITICAL, 0, NULL, "%s differs from what package %s installed",
			         pam ? "PAM module" : "system program", pkg);
		else if (intact != 1 && scan_origin(j, f) == ORIGIN_ADDED)
			scan_add(j, f, "backdoor",
			         pam ? "backdoor.pam.module_added" : "backdoor.binary.changed",
			         SEV_HIGH, 0, NULL, "%s added or changed since the image",
			         pam ? "PAM module" : "system program");
	} else if (S_ISREG(m) && scan_origin(j, f) == ORIGIN_ADDED && strstr(p, "/security/") &&
	           persist_ends(f->name, ".so")) {
		scan_add(j, f, "backdoor", "backdoor.pam.module_added", SEV_HIGH, 0, NULL,
		         "PAM module added or changed since the image");
	}
	/* anyone may write it */
	if ((m & S_IWOTH) && !(m & S_ISVTX)) {
		static const char *const sensitive[] = {"/etc/passwd",
		                                        "/etc/shadow",
		                                        "/etc/group",
		                                        "/etc/gshadow",
		                                        "/etc/sudoers",
		                                        "/etc/sudoers.d/*",
		                                        "/etc/crontab",
		                                        "/etc/cron.d/*",
		                                        "/etc/cron.*/*",
		                                        "/var/spool/cron/*/*",
		                                        "/etc/ld.so.preload",
		                                        "/etc/ld.so.conf",
		                                        "/etc/ld.so.conf.d/*",
		                                        "/etc/profile",
		                                        "/etc/profile.d/*",
		                                        "/etc/bash.bashrc",
		                                        "/etc/environment",
		                                        "/etc/pam.d/*",
		                                        "/etc/ssh/sshd_config",
		                                        "/etc/systemd/system/*",
		                                        "/lib/systemd/system/*",
		                                        "/usr/lib/systemd/system/*",
		                                        "/etc/init.d/*",
		                                        "/etc/rc.local",
		                                        "/etc/update-motd.d/*",
		                                        "/root/.ssh/authorized_keys",
		                                        "/root/.bashrc",
		                                        "/root/.profile",
		                                        "/etc/security/*",
		                                        "/etc/modprobe.d/*",
		                                        "/etc/udev/rules.d/*",
		                                        "/usr/bin/*",
		                                        "/usr/sbin/*",
		                                        "/bin/*",
		                                        "/sbin/*",
		                                        NULL};
		if (persist_match(sensitive, p)) {
			char ev[32];
			snprintf(ev, sizeof(ev), "mode %04o", (unsigned)(m & 07777));
			scan_add(j, f, "backdoor", "backdoor.perm.world_writable", SEV_HIGH, 0, ev,
			         "any local user may rewrite this file (world-writable)");
		}
	}
	if ((streq(p, "/etc/shadow") || streq(p, "/etc/gshadow")) && (m & S_IROTH)) {
		char ev[32];
		snprintf(ev, sizeof(ev), "mode %04o", (unsigned)(m & 07777));
		scan_add(j, f, "backdoor", "backdoor.perm.shadow_readable", SEV_HIGH, 0, ev,
		         "any local user may read the password hashes");
	}
}
