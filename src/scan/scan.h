/* scan.h: the offline scanner: targets, options, findings and the engine that runs every check
 * over one pass of a target's files. Shared by `cirt scan` and (later) `cirt triage`, which runs
 * only the cheap checks. Analyses only: nothing here prints.
 *
 * The cheap way, for triage:
 *
 *	struct scan_opts o = {.quick = true};      // checks default to CHK_QUICK
 *	scan_engine_new(&o, &eng, &err);           // once: rules, lists
 *	scan_target_container(d, inspect, &t, &err);
 *	scan_target_run(eng, t, &res, &err);       // res.f[0..n): sorted findings
 *
 * Quick mode reads the inspect answer and /proc (escape, runtime), the image history, and only
 * the files at the checks' known locations (cron, start-up files, SSH keys, units, PAM,
 * histories, credential files, /etc/passwd; SUID bits from the usual bin directories without
 * reading them): the walker enters only the directories on the way there. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

enum scan_sev { SEV_INFO = 0, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };
const char *scan_sev_name(enum scan_sev s);
/* "info".."critical"; -1 when unknown. */
int scan_sev_parse(const char *s);

/* Where a file finding lives, relative to the image the target came from. */
enum scan_origin {
	ORIGIN_NONE = 0, /* not a file (inspect, /proc, image history) */
	ORIGIN_IMAGE,    /* present in the image */
	ORIGIN_ADDED,    /* added or changed since the image: the container's upper layer */
	ORIGIN_MOUNT,    /* on a volume or bind mount of a running container */
	ORIGIN_UNKNOWN,  /* a plain directory (--rootfs): no image to compare with */
};
const char *scan_origin_name(enum scan_origin o);

/* Check families; a bit each. */
enum scan_check_id {
	CHK_BACKDOOR = 1u << 0,
	CHK_WEBSHELL = 1u << 1,
	CHK_MALWARE = 1u << 2,
	CHK_SECRETS = 1u << 3,
	CHK_WEAKPASS = 1u << 4,
	CHK_ESCAPE = 1u << 5,
	CHK_HISTORY = 1u << 6,
	CHK_RUNTIME = 1u << 7,
	CHK_ALL = (1u << 8) - 1,
	/* the cheap set for triage: no content scan beyond known locations */
	CHK_QUICK = CHK_BACKDOOR | CHK_ESCAPE | CHK_HISTORY | CHK_RUNTIME | CHK_SECRETS,
};
/* "backdoor,webshell" -> bits; 0 on an unknown name (ret_bad names it). */
unsigned scan_checks_parse(const char *list, const char **ret_bad);
const char *scan_check_name(unsigned id);

struct scan_finding {
	char *check; /* family: backdoor, webshell, malware, secrets, weakpass, escape, ... */
	char *rule;  /* stable id: "backdoor.cron.reverse_shell" */
	enum scan_sev sev;
	char *path;    /* inside the target; NULL for facts that are not files */
	unsigned line; /* 1-based; 0 when not a line of text */
	enum scan_origin origin;
	int pid;         /* runtime findings: host pid; 0 otherwise */
	char *reason;    /* one line */
	char *evidence;  /* excerpt (secrets masked); may be NULL */
	char *technique; /* MITRE ATT&CK technique id ("T1053.003"); may be NULL */
};

/* MITRE ATT&CK (attack.c): the technique of a built-in rule id, NULL when it has none; the
 * name of a technique cirt knows ("Scheduled Task/Job: Cron"), else NULL; is id shaped like
 * "T1234" or "T1234.567"? */
const char *scan_rule_technique(const char *rule);
const char *scan_technique_name(const char *id);
bool scan_technique_valid(const char *id);

enum scan_kind { SCAN_HOST, SCAN_CONTAINER, SCAN_IMAGE, SCAN_TARBALL, SCAN_ROOTFS };
const char *scan_kind_name(enum scan_kind k);

/* One thing to scan and how its files are reached. Filled by scan_target_* (target.c). */
struct scan_target {
	enum scan_kind kind;
	char *name;  /* container name, image reference, tarball or directory path */
	char *id;    /* container or image id */
	char *image; /* image reference a container runs (weak-password candidates) */
	char *image_id;
	char *state;     /* container state */
	int pid;         /* running container: host pid of its init */
	json_t *inspect; /* container or image inspect (owned reference) */
	json_t *config;  /* image config: Env, history (owned; inspect's Config for images) */
	json_t *history; /* image history entries: [{created_by}] (owned) */
	/* files: a single root, or overlay layers top first */
	char *root;    /* /proc/<pid>/root, a mounted MergedDir, or --rootfs DIR */
	char **layers; /* overlay2 diff directories, top first */
	size_t n_layers;
	bool top_is_upper; /* layers[0] is the container's upper layer (added since image) */
	char *upper;       /* single root of a container: its upper dir, for "added since image" */
	char *tarball;     /* docker save file */
	char **skip;       /* absolute paths never entered (sensitive host mounts) */
	size_t n_skip;
	/* --baseline, for a plain directory: the tree "added or changed since the image" is
	 * measured against (a directory, or an image's overlay2 layers top first) */
	char *base_root;
	char **base_layers;
	size_t n_base_layers;
	char *how;    /* one line: how the files were reached */
	char **notes; /* facts that could not be read */
	size_t n_notes;
};
void scan_target_free(struct scan_target *t);
void scan_target_note(struct scan_target *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct scan_stats {
	uint64_t files, dirs, bytes, symlinks, special;
	uint64_t skipped_size, skipped_depth, skipped_fs, errors;
	uint64_t elapsed_ms;
};

/* What one target gave. */
struct scan_result {
	struct scan_finding *f;
	size_t n;
	struct scan_stats st;
	char **notes; /* limits hit and what could not be read */
	size_t n_notes;
};
void scan_result_clear(struct scan_result *r);
/* Highest severity among findings, -1 when none. */
int scan_result_max_sev(const struct scan_result *r);

struct scan_progress {
	uint64_t files, bytes, findings;
	uint64_t elapsed_ms;
	const char *target;
};

struct scan_opts {
	unsigned checks;       /* enum scan_check_id bits (0: all) */
	bool quick;            /* known locations only: no full walk, no YARA over every file */
	unsigned threads;      /* 0: every online CPU */
	uint64_t max_size;     /* bytes read per file (0: 256 MiB); larger files are recorded */
	unsigned max_depth;    /* directory depth (0: 64) */
	bool xdev;             /* stay on the root's filesystem (volumes are not entered) */
	const char *rules_dir; /* extra YARA rules (*.yar, *.yara) */
	const char *hashes;    /* SHA-256 IOC list */
	const char *wordlist;  /* extra passwords */
	unsigned crack_ms;     /* time budget per password hash (0: 3000) */
	void (*progress)(void *ud, const struct scan_progress *p);
	void *progress_ud;
};

struct scan_engine;
/* Compile the rules once (built-in and --rules), load --hashes and --wordlist. Bad user input
 * gives CIRT_EXIT_USAGE with the file and line. */
int scan_engine_new(const struct scan_opts *o, struct scan_engine **ret, struct cirt_err *err);
void scan_engine_free(struct scan_engine *e);
/* Number of compiled YARA rules (built-in + user). */
size_t scan_engine_rule_count(const struct scan_engine *e);
/* The --rules files that did not compile and were left out: "path:line: message" each (every
 * target's notes repeat them). */
const char *const *scan_engine_rule_errors(const struct scan_engine *e, size_t *ret_n);

/* Scan one target: its facts (inspect, /proc, history) and its files in one parallel pass.
 * Findings are sorted (severity, path, line, rule). Fails only when the files cannot be
 * reached at all. */
int scan_target_run(struct scan_engine *e, struct scan_target *t, struct scan_result *ret,
                    struct cirt_err *err);

/* Targets (target.c). A container from its inspect: running through /proc/<pid>/root, stopped
 * through its overlay2 layers (or MergedDir while mounted). */
struct docker;
int scan_target_container(struct docker *d, json_t *inspect, struct scan_target **ret,
                          struct cirt_err *err);
/* An image by reference (overlay2 layers), or a `docker save` tarball when ref names a file. */
int scan_target_image(struct docker *d, const char *ref, struct scan_target **ret,
                      struct cirt_err *err);
int scan_target_tarball(const char *path, struct scan_target **ret, struct cirt_err *err);
int scan_target_rootfs(const char *dir, struct scan_target **ret, struct cirt_err *err);
/* Give a --rootfs target a baseline: ref is a directory, or an image (by reference, through
 * the daemon d or, when d is NULL, the image store on disk). Files are then compared with it
 * by path, type, mode, size and content: absent or different ones are "added". */
int scan_target_set_baseline(struct docker *d, struct scan_target *t, const char *ref,
                             struct cirt_err *err);
/* The host itself (daemon exposure). */
struct scan_target *scan_target_host(void);

/* Reports (report.c): JSON and SARIF 2.1.0 documents from results. */
json_t *scan_finding_json(const struct scan_finding *f);
json_t *scan_result_json(const struct scan_target *t, const struct scan_result *r);
json_t *scan_sarif(struct scan_target *const *t, const struct scan_result *r, size_t n);
