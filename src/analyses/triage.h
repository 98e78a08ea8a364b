/* triage.h: the first look at a host in one pass: the inventory, the network map's oddities,
 * live and recent connections (IOC addresses first), the scanner's cheap checks and the changed
 * files of every container, joined into a ranked summary (score, reasons, the next command to
 * run). Also the same from an evidence bundle of `cirt collect`. Returns one JSON document (the
 * shape of `cirt triage --json`, documented in README.md); prints nothing. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "journal/ioc.h"
#include "sources/docker.h"
#include "util.h"

struct host;
struct netmap;

struct triage_opts {
	const struct ioc_list *ioc; /* --ioc: indicator addresses and networks; NULL: none */
	const char *journal_dir;    /* cirt watch's journal, read when it exists; NULL: not read */
	bool journal_explicit;      /* the user named it: a missing journal is an error */
	uint64_t since_ns;          /* journal flows from then on */
	const char *case_id;        /* in the suggested `cirt collect ... --case` commands */
	bool can_contain;           /* `cirt contain` exists: suggest it */
	unsigned parallel;          /* concurrent daemon requests and scans (0: 8) */
	const char *command;        /* the command line, recorded in the document */
	/* what took how long, for --verbose timings (may be NULL) */
	void (*phase)(void *ud, const char *what, uint64_t ms);
	void *phase_ud;
};

/* What the live triage can leave to its caller besides the document: the host snapshot and its
 * network map, for drawing the topology (analyses return facts; output/ renders them). */
struct triage_map {
	struct host *host;
	struct netmap *map; /* borrows host; NULL: the map could not be built (a note says why) */
};
void triage_map_clear(struct triage_map *tm);

/* Triage the live host. Fails only when the daemon cannot be asked; every source that fails
 * becomes a note in the document and the others still answer. ret_map (NULL: not wanted) gets
 * the host and its network map; the caller clears it. */
int triage_run(struct docker *d, const struct triage_opts *o, json_t **ret,
               struct triage_map *ret_map, struct cirt_err *err);

/* The same document from an evidence bundle (a directory or archive written by cirt collect):
 * its manifest, inspect, processes, sockets, conntrack entries and change list, the escape
 * checks on its inspect, the quick backdoor checks on its copied files (directory bundles), and
 * the bundle's integrity (cirt verify). */
int triage_bundle(const char *path, const struct triage_opts *o, json_t **ret,
                  struct cirt_err *err);

/* Severity word for a score: "critical" (>= 100), "high" (>= 50), "medium" (>= 20), "low". */
const char *triage_level(long long score);
