/* addrmap.h: which container held an address when: intervals [from, until) per address, kept
 * current from the daemon's events, so that an address reused by a later container is
 * attributed by time. Also the subnets of the daemon's networks (where container addresses
 * live). Single-threaded. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define AM_OPEN UINT64_MAX /* until of an interval that has not ended */
/* A container's process may run a moment before the daemon stamps its start: an interval opened
 * from an event or a snapshot begins this much earlier (but never before the address's previous
 * holder let it go). */
#define AM_EARLY_NS (2ull * 1000000000ull)

struct am_container {
	char *id, *name, *image;
	json_t *ref;    /* {"id","name","image"}: copied into journal lines */
	char *ref_json; /* the same, compact JSON text */
	unsigned refs;  /* intervals and tracked flows pointing here */
	bool gone;      /* destroyed */
	bool used;      /* slot in use */
};

struct addrmap;

struct addrmap *addrmap_new(void);
void addrmap_free(struct addrmap *m);

/* Find or add a container by full id; a non-NULL name or image replaces the known one. Returns
 * its index (stable while referenced). */
int addrmap_container(struct addrmap *m, const char *id, const char *name, const char *image);
/* Index of a known container id, -1 when unknown. */
int addrmap_find(const struct addrmap *m, const char *id);
const struct am_container *addrmap_get(const struct addrmap *m, int ci);
void addrmap_ref(struct addrmap *m, int ci);
void addrmap_unref(struct addrmap *m, int ci);
/* The container was destroyed: its intervals end at t, its slot is freed once unreferenced. */
void addrmap_gone(struct addrmap *m, int ci, uint64_t t_ns);

/* ci holds address a on network from t_ns (see AM_EARLY_NS). Nothing changes when that interval
 * is already open; an interval of another container still open on a is closed. */
void addrmap_open(struct addrmap *m, int ci, const struct flow_addr *a, const char *network,
                  uint64_t t_ns);
/* ci left network (NULL: every network) at t_ns: its open intervals there end. */
void addrmap_close(struct addrmap *m, int ci, const char *network, uint64_t t_ns);
/* The container holding a at time t_ns, or -1. */
int addrmap_lookup(const struct addrmap *m, const struct flow_addr *a, uint64_t t_ns);
/* Open intervals of ci (for tests and stats). */
size_t addrmap_open_count(const struct addrmap *m, int ci);
/* Every container id with an open interval, for reconciling with a fresh snapshot. */
size_t addrmap_open_containers(const struct addrmap *m, int **ret);

/* Forget intervals that ended before t_ns and free unreferenced destroyed containers. */
void addrmap_prune(struct addrmap *m, uint64_t before_ns);
size_t addrmap_n_intervals(const struct addrmap *m);
size_t addrmap_n_containers(const struct addrmap *m);

/* Subnets of the daemon's networks. */
void addrmap_subnet(struct addrmap *m, const struct flow_addr *net, int prefix);
bool addrmap_in_subnets(const struct addrmap *m, const struct flow_addr *a);
/* Parse "10.0.0.0/8" or "fd00::/64" into net and prefix. */
bool addrmap_parse_cidr(const char *s, struct flow_addr *ret_net, int *ret_prefix);
/* Does a lie in net/prefix? */
bool addrmap_cidr_has(const struct flow_addr *net, int prefix, const struct flow_addr *a);
