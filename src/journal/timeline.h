/* timeline.h: what `cirt watch` recorded about a container (or everything), in time order: the
 * journal read twice when a container is named (which ids the name stands for, then their
 * lines), the lines sorted by time, and one table row per line. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal/journal.h"
#include "util.h"

#define TIMELINE_MAX 2000000u /* lines held for sorting at most, whatever the caller shows */

struct timeline_query {
	const char *dir;             /* the journal */
	uint64_t since_ns, until_ns; /* 0: unbounded */
	bool ranged;     /* a time range was asked for (the "not found" error says so) */
	const char *ref; /* a container's name, old name, id or unique id prefix; NULL: all */
	bool no_flows;   /* daemon events and the watcher's own lines only */
};

struct timeline {
	json_t **v; /* the journal lines, sorted by time (ties: as read) */
	size_t n;
	bool truncated; /* more than TIMELINE_MAX lines matched: the rest were left out */
	struct journal_read_stats st;
};

/* Read the lines the query asks for. A ref that names no container of the journal (or several,
 * by id prefix) is CIRT_EXIT_NOTFOUND. */
int timeline_read(const struct timeline_query *q, struct timeline **ret, struct cirt_err *err);
void timeline_free(struct timeline *t);

/* One line as a table row: {"time", "container", "id", "what", "details"} (time to the ms, id
 * to 12 characters, details in words). */
json_t *timeline_row(json_t *line);
