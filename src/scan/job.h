/* job.h: one `cirt scan` run over many targets: the host and containers (from the daemon or
 * its records on disk), images or `docker save` tarballs, directories; each scanned in turn,
 * a container looked up again when it moved meanwhile, findings below a severity left out, and
 * the JSON document of it all. Nothing here prints: warnings go to a callback. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/host.h"
#include "scan/scan.h"
#include "util.h"

struct scan_job_env {
	bool no_daemon; /* containers from the daemon's records on disk and /proc */
	bool offline;   /* a disk image (--root): its records only; no host target, nothing live */
	/* the daemon's client, opened on first use; on failure the caller's error is set */
	int (*docker)(void *ud, struct docker **ret);
	void *docker_ud;
	/* a target left out, and why: one line (without "warning: ") */
	void (*warn)(void *ud, const char *msg);
	void *warn_ud;
};

struct scan_job {
	struct scan_target **t;
	struct scan_result *r; /* one per target, by scan_job_run */
	size_t n;
	struct host *h; /* the containers' host model */
	int worst;      /* the highest severity kept, -1: none */
	bool failed;    /* a target was left out or could not be scanned (err: the first) */
	char *privs;    /* the privileges kept while reading (priv_drop) */
};

/* The host target (the daemon's exposure) and the containers named (every one without refs).
 * The host model's own warnings are passed on; a container that cannot be a target is left
 * out with a warning. Fails when the containers cannot be listed at all. */
int scan_job_add_containers(struct scan_job *j, const struct scan_job_env *e, char *const *refs,
                            size_t n_refs, struct cirt_err *err);
/* Images by reference, or `docker save` tarballs where the name is a file. */
int scan_job_add_images(struct scan_job *j, const struct scan_job_env *e, char *const *images,
                        size_t n, struct cirt_err *err);
/* Every image of the image store on disk (offline: what --all adds from a disk image). */
int scan_job_add_all_images(struct scan_job *j, struct cirt_err *err);
/* Directories holding a root filesystem; baseline (or NULL) is what each started as: a
 * directory, or else an image of the daemon's. */
int scan_job_add_rootfs(struct scan_job *j, const struct scan_job_env *e, char *const *dirs,
                        size_t n, const char *baseline, struct cirt_err *err);

/* Everything after this reads what the containers' owners wrote: keep only the reading powers
 * (process-wide), privs says which. Not being able to is a warning. */
void scan_job_drop_privileges(struct scan_job *j, const struct scan_job_env *e);

/* Scan every target; a container that went away since it was listed is looked up again once
 * (scanned again when it still exists, left out when it was removed). Findings below min_sev are
 * dropped. A target that cannot be scanned is a warning and sets failed (and err, the first
 * time). */
void scan_job_run(struct scan_job *j, struct scan_engine *eng, const struct scan_job_env *e,
                  int min_sev, struct cirt_err *err);

/* {"targets": [...], "summary": {targets, findings, max_severity, rules, privileges}}, or the
 * SARIF 2.1.0 document when sarif. */
json_t *scan_job_json(const struct scan_job *j, const struct scan_engine *eng, bool sarif);
void scan_job_clear(struct scan_job *j);
