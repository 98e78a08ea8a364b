/* persist.h: what the persistence checks (persist_*.c, family "backdoor") share: the command
 * classifier for lines that some mechanism will run (a cron job, a unit's Exec=, a start-up
 * file, a hook), and one handler per technique, chosen by path in persist.c. Every rule id
 * maps to its MITRE ATT&CK technique in attack.c. */
#pragma once

#include "scan/check.h"

#define PERSIST_MAX_PER_FILE 20

/* What a command line does that matters, the most severe first. */
struct cmd_hit {
	const char *slug;   /* rule suffix: "reverse_shell", "tmp_path", "trap" ... */
	const char *reason; /* one line, no period */
	enum scan_sev sev;
};

/* Contexts: which classes apply. */
enum cmd_ctx {
	CTX_JOB,     /* runs unattended as its owner: cron, at, units, rc scripts, hooks */
	CTX_STARTUP, /* a shell start-up file: also history, traps, aliases, PATH, programs run */
};

/* Classify one line of shell text run in ctx. Comment lines never match. */
bool persist_cmd(const char *line, size_t n, enum cmd_ctx ctx, struct cmd_hit *ret);
/* A command typed into a shell that sets up persistence (crontab FILE, useradd -o -u 0, chmod
 * u+s, setcap, insmod, at, systemd-run --on-calendar, output into a start-up file, sudoers,
 * authorized_keys, ld.so.preload, PAM, units ...): slug, reason, medium or high. */
bool persist_typed(const char *line, size_t n, struct cmd_hit *ret);
/* Does s name a file in a temporary directory (/tmp/x, /var/tmp/x, /dev/shm/x) other than
 * as the target of a clean-up (rm, find ... -delete)? */
bool persist_tmp_path(const char *s);
/* Report each classified line of f as <prefix>.<slug> ("what: reason"); returns the count. */
unsigned persist_lines(struct scan_job *j, struct scan_file *f, const char *prefix,
                       enum cmd_ctx ctx, const char *what);
/* The first line that is neither blank nor a comment (evidence), and its number. */
char *persist_first_line(struct scan_file *f, unsigned *ret_no);
/* fnmatch(FNM_PATHNAME) against a NULL-terminated list. */
bool persist_match(const char *const *globs, const char *path);
/* Does the name end with suffix? */
bool persist_ends(const char *name, const char *suffix);

/* The handlers (one technique family each). Each returns true when the file was its own. */
bool persist_sched(struct scan_job *j, struct scan_file *f); /* cron, at, systemd */
bool persist_boot(struct scan_job *j, struct scan_file *f);  /* rc, modules, udev, xdg ... */
bool persist_shell(struct scan_job *j, struct scan_file *f); /* start-up files, python */
bool persist_auth(struct scan_job *j, struct scan_file *f);  /* accounts, sudo, PAM, ssh */
bool persist_hooks(struct scan_job *j, struct scan_file *f); /* installers, git, web, CA */
/* Metadata of any file: setuid/setgid, capabilities, kernel modules, permissions. */
void persist_meta(struct scan_job *j, struct scan_file *f);
