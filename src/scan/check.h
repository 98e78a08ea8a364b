/* check.h: the interface between the scan engine and its checks (one file per family). A check
 * sees target-level facts once (on_target) and every file of the single pass (on_file); it
 * reports through scan_add(). Checks never print and never open files themselves: content
 * comes from the walker, which resolves every path inside the target's root. */
#pragma once

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include "scan/scan.h"

struct scan_engine;
struct scan_job;

/* One YARA match on a file: the rule and its first matching string. */
struct scan_hit {
	const char *ns;        /* namespace: webshell, malware, secrets, user */
	const char *rule;      /* identifier */
	const char *desc;      /* meta description, or NULL */
	const char *check;     /* meta check (user rules), or NULL */
	int sev;               /* meta severity, -1 when absent */
	const char *technique; /* meta technique (a MITRE ATT&CK id), or NULL */
	size_t off, len;       /* first match (len 0: condition-only rule) */
};

/* A file handed to the checks. */
struct scan_file {
	const char *path;          /* absolute inside the target: "/etc/crontab" */
	const char *name;          /* last component */
	struct stat st;            /* lstat (symlinks are not followed) */
	const char *link;          /* symlink target text, for S_ISLNK */
	const unsigned char *data; /* content (regular files within the size cap), else NULL */
	size_t len;
	struct scan_hit *hits; /* YARA matches */
	size_t n_hits;
	enum scan_origin origin;  /* read it through scan_origin() */
	bool origin_pending;      /* resolved on first use (a running container's upper dir) */
	int layer;                /* providing layer (layered targets and tarballs), 0 otherwise */
	unsigned char sha256[32]; /* content digest, when an IOC list is loaded */
	bool have_sha256;
	uint64_t caps;       /* file capabilities (permitted set, security.capability) */
	bool caps_effective; /* ... raised on exec */
};

/* The target's accounts and groups, read by the engine before the pass from its /etc/passwd
 * and /etc/group (none when unreadable: a tarball, or no such file). */
struct scan_account {
	const char *name;
	unsigned uid, gid;
	const char *home, *shell;
	const char *pw; /* the passwd field ("x" when the hash is in /etc/shadow) */
};
struct scan_group {
	const char *name;
	unsigned gid;
	const char *const *members;
	size_t n_members;
};
const struct scan_account *scan_job_account(struct scan_job *j, unsigned uid);
const struct scan_account *scan_job_account_named(struct scan_job *j, const char *name);
const struct scan_group *scan_job_groups(struct scan_job *j, size_t *ret_n);
/* Does path lie in a home directory (an account's passwd home that is not a system directory,
 * /root, /home/NAME)? Then the user's name goes to user (n bytes) and *ret_rel points at the
 * part below the home ("/home/ann/.bashrc" -> ".bashrc"). */
bool scan_job_home_user(struct scan_job *j, const char *path, char *user, size_t n,
                        const char **ret_rel);
/* lstat of a path of the target (outside the walk; inside its root or layers): false when
 * absent or unreadable. */
bool scan_job_exists(struct scan_job *j, const char *path, struct stat *st);
/* The target's dpkg database (read on first use): 1 and the package name when a package ships
 * path, 0 when none does, -1 when the target has no dpkg database. */
int scan_job_dpkg_owner(struct scan_job *j, const char *path, const char **ret_pkg);
/* 1 when the file's content is what its package recorded (md5sums, conffiles), 0 when it
 * differs, -1 when unknown (no record, no content). */
int scan_job_dpkg_intact(struct scan_job *j, const struct scan_file *f);

/* The target being scanned: read-only for checks. */
const struct scan_target *scan_job_target(struct scan_job *j);
struct scan_engine *scan_job_engine(struct scan_job *j);
/* Is the file added or changed since the image (upper layer)? Resolved lazily and cached. */
enum scan_origin scan_origin(struct scan_job *j, struct scan_file *f);

/* Report a finding (thread-safe). f may be NULL for target-level facts; evidence is copied
 * and trimmed to one line. */
void scan_add(struct scan_job *j, struct scan_file *f, const char *check, const char *rule,
              enum scan_sev sev, unsigned line, const char *evidence, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* The same with an explicit MITRE ATT&CK technique (NULL: the rule's own, attack.c). */
void scan_add_t(struct scan_job *j, struct scan_file *f, const char *check, const char *rule,
                enum scan_sev sev, unsigned line, const char *evidence, const char *technique,
                const char *fmt, ...) __attribute__((format(printf, 9, 10)));
/* Report a runtime (process) finding. */
void scan_add_pid(struct scan_job *j, int pid, const char *path, const char *check,
                  const char *rule, enum scan_sev sev, const char *evidence, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* Report a YARA hit the generic way: the line (or bytes) of the first match as evidence, the
 * rule's description as reason, its severity or dflt. */
void scan_add_hit(struct scan_job *j, struct scan_file *f, const char *check,
                  const char *rule_prefix, const struct scan_hit *h, enum scan_sev dflt);
/* Record a limit hit or an unreadable fact (thread-safe, deduplicated, capped). */
void scan_note(struct scan_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct scan_check {
	const char *name;
	unsigned id; /* enum scan_check_id */
	/* target-level facts (inspect, /proc, image history); may be NULL */
	void (*on_target)(struct scan_job *j);
	/* every file of the pass; may be NULL */
	void (*on_file)(struct scan_job *j, struct scan_file *f);
	/* the files this check reads by location, for the quick mode (fnmatch patterns,
	 * FNM_PATHNAME); NULL-terminated */
	const char *const *locations;
};

extern const struct scan_check scan_check_backdoor, scan_check_webshell, scan_check_malware,
    scan_check_secrets, scan_check_weakpass, scan_check_escape, scan_check_history,
    scan_check_runtime, scan_check_persist;

/* Helpers shared by the checks (finding.c). */
/* The line holding data[off]: its 1-based number and a printable copy (at most max bytes,
 * centred on off when the line is longer). Caller frees. */
char *scan_line_at(const unsigned char *data, size_t len, size_t off, size_t max,
                   unsigned *ret_line);
/* Does the content look binary (NUL in the first 1 KiB)? */
bool scan_is_binary(const unsigned char *data, size_t len);
/* Mask a secret: keep a short prefix and suffix, stars between. Caller frees. */
char *scan_mask(const char *s, size_t n);
/* Iterate over lines: returns false at the end; *line is not NUL-terminated. */
struct scan_lines {
	const char *p, *end;
	unsigned no;
};
void scan_lines_init(struct scan_lines *it, const unsigned char *data, size_t len);
bool scan_lines_next(struct scan_lines *it, const char **line, size_t *n);
/* The next line that is neither blank nor a comment ('#' after leading blanks), copied without
 * its leading blanks (the caller frees it); NULL at the end. it->no is its line number. */
char *scan_lines_next_content(struct scan_lines *it);
/* Word lists (weakpass.c): the built-in common passwords, and the engine's extra ones. */
const char *const *scan_common_passwords(size_t *n);
const char *const *scan_engine_wordlist(struct scan_engine *e, size_t *n);
unsigned scan_engine_crack_ms(struct scan_engine *e);
/* A cache of cracked hashes across targets (the same image's shadow in many containers).
 * Returns true and *ret_pw (may be NULL: not cracked) when known. */
bool scan_engine_crack_cached(struct scan_engine *e, const char *hash, char **ret_pw,
                              bool *ret_cut);
void scan_engine_crack_store(struct scan_engine *e, const char *hash, const char *pw, bool cut);
/* SHA-256 IOC list lookup (hashes.c). */
bool scan_engine_has_hashes(struct scan_engine *e);
const char *scan_engine_hash_lookup(struct scan_engine *e, const unsigned char digest[32]);

/* Shell line classifiers (shellpat.c), shared by backdoor and history. */
enum shellpat {
	SP_NONE = 0,
	SP_REVERSE_SHELL,  /* /dev/tcp, nc -e, bash -i >&, socket one-liners */
	SP_DOWNLOAD_EXEC,  /* curl|wget ... | sh, download then chmod +x and run */
	SP_DOWNLOAD,       /* a download from a raw IP */
	SP_BASE64_EXEC,    /* base64 -d | sh, eval of decoded text */
	SP_LD_PRELOAD,     /* LD_PRELOAD= */
	SP_PROMPT_COMMAND, /* PROMPT_COMMAND= */
	SP_HISTORY_WIPE,   /* history -c, unset HISTFILE, HISTFILE=/dev/null */
	SP_LOG_WIPE,       /* rm/truncate/shred of /var/log */
	SP_MINER,          /* miner names and pool URLs */
	SP_TTY_SPAWN,      /* pty.spawn, script -qc: a shell upgraded to a terminal */
};
struct shellpat_hit {
	enum shellpat kind;
	const char *slug;   /* rule suffix: "reverse_shell" */
	const char *reason; /* one line */
	enum scan_sev sev;
};
#define SP_BIT(k) (1u << (k))
#define SP_STARTUP                                                                                 \
	(SP_BIT(SP_REVERSE_SHELL) | SP_BIT(SP_DOWNLOAD_EXEC) | SP_BIT(SP_DOWNLOAD) |               \
	 SP_BIT(SP_BASE64_EXEC) | SP_BIT(SP_LD_PRELOAD) | SP_BIT(SP_PROMPT_COMMAND) |              \
	 SP_BIT(SP_MINER))
#define SP_ALL 0xffffu
/* Classify one line of shell text among the kinds in mask (SP_BIT); the most severe wins.
 * Comment lines never match. */
bool shellpat_classify(const char *line, size_t n, unsigned mask, struct shellpat_hit *ret);
