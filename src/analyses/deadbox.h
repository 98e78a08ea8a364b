/* deadbox.h: `locate ADDR` on a disk image of a host (cirt --root): which container held the
 * address and during which time window, from the traces a dead host keeps: the containers'
 * records (with the addresses host_load_offline recovered), the daemon's log (libnetwork's
 * address events, paired into windows; IPAM's requests and releases), libnetwork's store (live
 * endpoint records and stale ones in freed pages), and who mentioned or talked to it: the
 * containers' own logs and any cirt watch journal in the image. Returns structs, prints nothing. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/host.h"
#include "util.h"

/* where cirt watch keeps its journal on a host (inside the image) */
#define DEADBOX_JOURNAL_DIR "/var/lib/cirt/journal"

/* One piece of evidence. */
struct deadbox_hit {
	bool holder;        /* it held the address (else: mentioned it, or a flow to or from it) */
	char *kind;         /* record, daemon-log, libnetwork, container-log, journal */
	char *container_id; /* NULL when no container is known */
	char *container;    /* its name (for a removed container: as the trace names it) */
	bool removed;       /* no record of it is left in the image */
	int64_t from_ns, until_ns; /* the window (0: unknown; until 0 with open: until imaged) */
	bool open;                 /* still held when the host stopped, as far as recorded */
	char *source;              /* file and line, page, ... */
	char *detail;              /* the line or the fact, as found */
};

struct deadbox_locate {
	char addr[64];
	struct deadbox_hit *v; /* holders first (by window), then mentions by time */
	size_t n;
	json_t *notes;        /* what could not be read */
	size_t journal_lines; /* lines of the image's cirt journal read (0: none found) */
};

/* journal_dir: inside the image (NULL: DEADBOX_JOURNAL_DIR). since_ns/until_ns (0: open): only
 * holders whose window overlaps that range (an unknown end counts as open) and mentions in it. */
int deadbox_locate(struct host *h, const char *addr, const char *journal_dir, int64_t since_ns,
                   int64_t until_ns, struct deadbox_locate **ret, struct cirt_err *err);
void deadbox_locate_free(struct deadbox_locate *r);
json_t *deadbox_hit_json(const struct deadbox_hit *x);

/* Does text hold addr as a whole token (not inside a longer address or number)? */
bool deadbox_has_token(const char *text, size_t len, const char *addr);
