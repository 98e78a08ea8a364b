/* backdoor.c: /etc/ld.so.preload (T1574.006), SSH authorized keys in every home (T1098.004),
 * inetd shells and a fake sshd. The other persistence techniques are in persist_*.c. */
#include <fnmatch.h>

#include "scan/check.h"

#define MAX_PER_FILE 20

static const char *const inetd_globs[] = {"/etc/inetd.conf", "/etc/xinetd.conf", "/etc/xinetd.d/*",
                                          NULL};

static const char *const locations[] = {
    "/etc/ld.so.preload",
    "/root/.ssh/authorized_keys*",
    "/home/*/.ssh/authorized_keys*",
    "/etc/inetd.conf",
    "/etc/xinetd.conf",
    "/etc/xinetd.d/*",
    "/usr/sbin/sshd",
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

/* The first line that is neither blank nor a comment (evidence for "added" findings). */
static char *first_line(struct scan_file *f, unsigned *ret_no)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	char *l = scan_lines_next_content(&it);
	*ret_no = l ? it.no : 0;
	return l;
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
static void check_keys(struct scan_job *j, struct scan_file *f, const char *user)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	bool added = scan_origin(j, f) == ORIGIN_ADDED;
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

/* authorized_keys of any home: /root, /home/NAME, and the homes /etc/passwd names */
static bool key_file(struct scan_job *j, const char *p, char *user, size_t n)
{
	const char *rel = NULL;
	return scan_job_home_user(j, p, user, n, &rel) &&
	       (streq(rel, ".ssh/authorized_keys") || streq(rel, ".ssh/authorized_keys2"));
}

static void on_file(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	char user[128];
	if (!f->data)
		return;
	if (streq(p, "/etc/ld.so.preload"))
		check_preload(j, f);
	else if (key_file(j, p, user, sizeof(user)))
		check_keys(j, f, user);
	else if (match_any(inetd_globs, p))
		check_inetd(j, f);
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
