/* jread.h: what the journal's lines name, read back: the copy of a container a line carries, the
 * process of a flow or DNS line, and cirt watch's exec lines (process starts with their parent
 * chain). The lines are untrusted (anyone who can write the journal directory can edit them):
 * every field is optional and checked. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal/journal.h"
#include "util.h"

/* A container as a line names it: {"id", "name", "image"}. */
struct jcontainer {
	char *id, *name, *image; /* id NULL: no container */
};

/* {"id", "name", "image"} into c (left empty when o is not an object with an id). */
void jcontainer_parse(json_t *o, struct jcontainer *c);
void jcontainer_copy(struct jcontainer *dst, const struct jcontainer *src);
void jcontainer_clear(struct jcontainer *c);

struct jparent {
	int pid;
	char *comm, *exe;
};

/* A process: {"pid", "ppid", "uid", "comm", "exe", "argv": [..], "argv_truncated",
 * "parents": [{"pid", "comm", "exe"}, ...]} (parent first). */
struct jproc {
	int pid; /* 0: none */
	int ppid;
	long uid; /* -1 unknown */
	char *comm, *exe;
	char **argv; /* NULL when the line has none */
	size_t argc;
	bool argv_truncated;
	struct jparent *parents;
	size_t n_parents;
};

/* false (and p left empty) unless o is an object with a pid > 0. At most 256 argv entries and
 * 64 parents are kept (the rest is counted as truncated). */
bool jproc_parse(json_t *o, struct jproc *p);
void jproc_copy(struct jproc *dst, const struct jproc *src);
void jproc_clear(struct jproc *p);

/* One exec line: {"t", "type":"exec", "container", "pid", "ppid", "uid", "comm", "exe", "argv",
 * "argv_truncated", "parents", "netns", "via"}. */
struct jexec {
	uint64_t t;
	struct jcontainer c;
	struct jproc p;
	unsigned long netns;
};

struct jexecs {
	struct jexec *v; /* in journal order */
	size_t n;
	bool truncated; /* more than max matched */
	struct journal_read_stats st;
};

/* Exec lines of DIR in [since, until] (0: unbounded) that contain one of the needles (all when
 * none), at most max. */
int jexecs_read(const char *dir, uint64_t since_ns, uint64_t until_ns, const char *const *needles,
                size_t n_needles, size_t max, struct jexecs *ret, struct cirt_err *err);
/* One exec line (already parsed JSON) into e; false when it is not a usable exec line. */
bool jexec_parse(json_t *line, uint64_t t, struct jexec *e);
void jexec_clear(struct jexec *e);
void jexecs_clear(struct jexecs *x);
