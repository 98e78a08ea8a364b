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
	char **ids; /* the containers the query's ref named (none without a ref) */
	size_t n_ids;
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

/* A flow object of a line in words: "tcp 172.17.0.2:40000 -> 10.66.0.2:80 ..." (caller frees). */
char *timeline_flow_text(json_t *flow);
/* A dns line in words: "A c2.example: 10.66.0.2 (NOERROR, server ...)". */
void timeline_dns_text(struct buf *d, json_t *line);
/* A process object of a line (or an exec line) in a few words: "nc (pid 101)". */
const char *timeline_proc_label(json_t *p, char *buf, size_t n);

/* The processes of each container as trees, from the exec lines and the processes that flow and
 * dns lines name (parent and child by the lines' ppid and parents), each with its connections
 * (flow new and existing lines) and DNS answers under it, oldest first:
 *   [{"container":{id,name,image},"processes":[NODE...],"unknown":[LINE...]}]
 *   NODE: {"pid","ppid","comm","exe","argv","started" (the exec's time, null when its exec was
 *          not seen),"children":[NODE...],"events":[LINE...]}
 * "unknown": the container's connections whose process is not known. Only the containers the
 * query named when it named one. */
json_t *timeline_tree(const struct timeline *tl);
/* The trees as rows for a terminal: [{"depth":N,"time","text"}] (text unescaped). */
json_t *timeline_tree_rows(json_t *trees);
