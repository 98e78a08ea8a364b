/* merge.h: per-host results of one cirt command (triage, locate, scan, ps; collect's bundles) as
 * contrib/ansible or contrib/kubernetes write them, turned into one fleet-wide answer with the host
 * on every row. Reads the results; returns JSON documents; prints nothing. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* What the playbook writes under <results>/<host>/ (the names merge reads). */
#define MERGE_RESULT_FILE "cirt.json"   /* cirt's --json answer, as it printed it */
#define MERGE_STATUS_FILE "status.json" /* how the run went: {host, status, rc, msg, ...} */
#define MERGE_SUMS_FILE "SHA256SUMS"    /* "<sha256>  files/<path>": fetched files, hashed there */
#define MERGE_MAX_FILE (256u << 20)     /* a larger answer is refused (an error of that host) */

enum merge_kind {
	MERGE_UNKNOWN = 0,
	MERGE_LOCATE,
	MERGE_TRIAGE,
	MERGE_SCAN,
	MERGE_PS,
	MERGE_COLLECT,
};

/* One host's result. */
struct merge_host {
	char *name; /* the inventory name: its directory's or file's name */
	char *path; /* where it was read (the directory, or the lone JSON file) */
	enum merge_kind kind;
	json_t *doc;      /* cirt's answer; NULL when there is none */
	json_t *status;   /* the run's status.json; NULL when there is none */
	char *error;      /* why the answer is missing, partial or unusable; NULL: none */
	bool answered;    /* doc holds a recognised answer */
	bool missing;     /* no answer and no failure reported: nothing says why */
	json_t *files;    /* [{path, sha256, actual, ok, problem}]: SHA256SUMS checked */
	size_t files_bad; /* of them, missing or not matching */
};

struct merge_set {
	struct merge_host *v;
	size_t n;
	enum merge_kind kind; /* of every answer; MERGE_UNKNOWN while none */
	char **warnings;      /* fleet-wide: versions, queries or binaries that differ */
	size_t n_warnings;
};

/* Read every path into one set: a results directory (one subdirectory or NAME.json per host),
 * one host's directory (it holds cirt.json or status.json), or one host's JSON file. Results are
 * read in parallel. A host that cannot be read is kept with its error; fails (err set) only when a
 * path cannot be read at all, no host was found, or answers are of different commands (a usage
 * error naming one host of each). */
int merge_load(char *const *paths, size_t n, struct merge_set **ret, struct cirt_err *err);

/* The same from memory (fuzzing, tests): one host named host, its answer text (NULL: none) and
 * its status.json text (NULL: none). Call merge_finish after the last one. */
struct merge_set *merge_set_new(void);
void merge_add(struct merge_set *s, const char *host, const char *text, size_t len,
               const char *status, size_t status_len);
/* Sort the hosts, find the command, check that every answer is of it, note what differs. */
int merge_finish(struct merge_set *s, struct cirt_err *err);
void merge_set_free(struct merge_set *s);

/* Which command printed doc, from its shape; MERGE_UNKNOWN when none. */
enum merge_kind merge_detect(json_t *doc);
const char *merge_kind_name(enum merge_kind k);

/* The merged answer (new reference): {command, hosts [{host, state, error, rc, ...}], counts,
 * warnings, and by command: locate: query, found, contacts [{host, container, id, image, flows,
 * sources, first_seen, last_seen, processes}]; triage: summary [{fleet_rank, host, rank,
 * container, score, level, reasons, why, next}], ioc_connections; scan: findings [{host, target,
 * severity, ...}], targets; ps: containers [{host, ...}]; collect: bundles [{host, container,
 * bundle, sha256, fetched, verified, problem}]}. A host's state: found, ok, partial (an answer
 * and an error), error (no answer, and why), missing (no answer, nothing says why). */
json_t *merge_doc(const struct merge_set *s);

/* Exit status of the merged answer: 1 when something was found (see merge_doc) or a fetched file
 * does not match its hash, else 0; *ret_problems counts hosts with an error or no answer. */
int merge_status(json_t *doc, size_t *ret_problems);
