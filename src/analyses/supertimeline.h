/* supertimeline.h: `cirt timeline --root DIR`: one time-ordered list of everything a disk image
 * of a host says happened: the containers' life cycles (created, started, finished from their
 * records; the daemon's API calls and shim exits from its log, removed containers included),
 * the files each writable layer changed (mtime, ctime, birth time where the filesystem keeps
 * it), the containers' log lines and the lines of a cirt watch journal. Returns structs, prints
 * nothing. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/host.h"
#include "util.h"

#define SUPERTL_MAX_EVENTS 2000000
#define SUPERTL_MAX_LOG_LINES 100000 /* per container */

enum supertl_source {
	SUPERTL_CONTAINER, /* a life-cycle fact of a container's record */
	SUPERTL_DAEMON,    /* a life-cycle line of the daemon's log */
	SUPERTL_FILE,      /* a file of a writable layer */
	SUPERTL_LOG,       /* a container's log line */
	SUPERTL_JOURNAL,   /* a line of cirt watch's journal */
};
const char *supertl_source_name(enum supertl_source s);

struct supertl_event {
	int64_t t_ns;
	enum supertl_source source;
	char *what;         /* create, start, stop, A/C/D, stdout, flow, ... */
	char *container;    /* name (as logged for a removed one); NULL when none */
	char *container_id; /* NULL when unknown */
	char *detail;       /* path, line, message */
	char macb[5];       /* files: which of mtime, atime, ctime, birth this time is ("m.c.") */
	/* files: the inode facts, for the bodyfile */
	int64_t mtime_ns, atime_ns, ctime_ns, btime_ns;
	unsigned mode, uid, gid;
	uint64_t size, inode;
	bool body; /* the file's earliest event in the list (its bodyfile line goes there) */
};

struct supertl {
	struct supertl_event *v; /* in time order */
	size_t n;
	bool truncated; /* SUPERTL_MAX_EVENTS reached */
	size_t journal_lines;
	json_t *notes; /* what could not be read */
};

struct supertl_query {
	int64_t since_ns, until_ns; /* 0: open */
	const char *ref;            /* only this container (name, id or prefix), or NULL */
	const char *journal_dir;    /* inside the image (NULL: the default) */
	bool no_logs, no_files, no_flows;
};

int supertl_build(struct host *h, const struct supertl_query *q, struct supertl **ret,
                  struct cirt_err *err);
void supertl_free(struct supertl *t);
