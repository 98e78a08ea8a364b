/* collect.h: preserve a container's evidence in order of volatility (RFC 3227) into a bundle. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "evidence/bundle.h"
#include "model/host.h"
#include "sources/docker.h"

#define COLLECT_DEFAULT_MAX_FILE (256ull << 20)

struct collect_opts {
	const char *out;        /* bundle directory or archive (.tar.gz, .tar.zst) */
	const char *case_id;    /* NULL: none given */
	bool commit;            /* docker commit, with labels */
	bool commit_pause;      /* the daemon pauses the container during the commit (default) */
	bool export_fs;         /* GET /containers/{id}/export into the bundle */
	bool memory_all;        /* --memory all */
	const int *memory_pids; /* --memory PID (host pids) */
	size_t n_memory_pids;
	uint64_t max_file_size;   /* cap for one copied file (0: COLLECT_DEFAULT_MAX_FILE) */
	const char *command_line; /* for the custody log */
	const char *image_root;   /* --root: taken from a disk image mounted there (offline) */
	const char *docker_host;  /* for a second client with a long timeout (commit) */
	int timeout_ms;
	const struct ev_progress *progress;
	/* a notice for the operator (stderr), e.g. that the commit pauses the container */
	void (*notice)(void *ud, const char *msg);
	void *notice_ud;
};

struct collect_result {
	char *bundle;    /* where the bundle is */
	char sha256[65]; /* of the archive, or of manifest.json */
	bool complete;
	json_t *summary; /* counts and notes, printed by the command */
};

/* Collect. Returns 0 when a bundle with a manifest was written (check ret->complete: a container
 * that exited during collection gives an incomplete bundle), -1 on a fatal error (err set; a bundle
 * that could not be finished has no manifest). */
int evidence_collect(struct docker *d, struct container *c, const struct collect_opts *o,
                     struct collect_result *ret, struct cirt_err *err);
void collect_result_clear(struct collect_result *r);
