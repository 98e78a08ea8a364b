/* triage_int.h: what the live and the bundle triage share (internal to src/analyses/triage*.c):
 * per-container state, the connection groups, the reasons, the timeline and the document. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "analyses/attrib.h"
#include "analyses/triage.h"
#include "flow.h"
#include "model/host.h"
#include "scan/scan.h"

struct tc_reason {
	int points;
	const char *kind; /* ioc, beacon, finding, network, changes, evidence */
	char *text;
};

struct conn;

/* One container being triaged (live, from a bundle, or known only from the journal). */
struct tc {
	char *name, *id, *state;
	bool running;
	struct container *c; /* live: the host snapshot's; NULL otherwise */
	long long score;
	struct tc_reason *why;
	size_t n_why;
	char **next;
	size_t n_next;
	struct scan_target *st;
	struct scan_result sr;
	bool scanned;
	char *scan_err;
	json_t *ch_json;
	size_t ch_added, ch_changed, ch_deleted;
	json_t *inv; /* its inventory row */
	size_t ioc_hits;
	struct conn *ioc_first, *beacon_first;
	unsigned pub_any;
	uint64_t created_ns; /* live: when the container was created (0: unknown) */
	bool unowned;        /* a stand-in for an address no container holds now */
};

/* Flows of one container to one peer, grouped: outgoing by (remote address, remote port),
 * incoming by (remote address, local port). */
struct conn {
	struct tc *t;
	uint8_t proto;
	bool out;
	struct flow_addr remote, local;
	uint16_t key_port, lport, rport;
	size_t count; /* distinct flows (local port, remote port) */
	uint16_t (*pairs)[2];
	size_t n_pairs;
	unsigned sources; /* 1 << FLOW_SRC_* */
	char state[16];   /* the latest known */
	bool open_now;
	uint64_t first_ns, last_ns;
	char *proc; /* "comm (pid N)" of a socket's holder */
	const struct ioc_entry *ioc;
	const struct alookup *resolved; /* the IOC is a name: the lookup that gave the address */
	enum attr_by by;                /* the strongest rule among its flows */
	char *netns_owner;              /* it lives in this container's network namespace */
};

struct tl_event {
	uint64_t ns;
	char *container;
	const char *kind;
	char *text;
};

struct tix {
	struct flow_addr a;
	struct tc *t;
};

struct tstate {
	const struct triage_opts *o;
	const char *source; /* "live" or "bundle" */
	const char *title;
	void (*next_fn)(struct tstate *s, struct tc *t);
	struct tc **t; /* each allocated alone: connections and the index point at them */
	size_t n;
	size_t n_containers;
	struct conn *conns;
	size_t n_conns;
	struct tix *ix;
	size_t nix;
	struct tl_event *tl;
	size_t n_tl;
	char **notes;
	size_t n_notes;
	json_t *oddities;      /* network oddities (array) */
	json_t *network_extra; /* more keys of "network" */
	json_t *meta;          /* more top-level keys */
	char *hostname;
	size_t host_strays;
	bool journal_read;
	bool attribute_unowned;  /* IOC flows of addresses no container holds get a stand-in */
	size_t stale_flows;      /* conntrack entries older than their address's holder */
	const struct attrib *at; /* the join of the flows (its DNS lookups resolve IOC names) */
};

void tc_reason(struct tc *t, int points, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void tc_next(struct tc *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tc_score_findings(struct tc *t);
/* The daemon's change list ([{Path, Kind}], NULL: none) summarized and scored. */
void tc_changes(struct tc *t, json_t *list);

struct tc *tstate_add(struct tstate *s, const char *name, const char *id);
struct tc *tstate_by_id(struct tstate *s, const char *id);
void tstate_index(struct tstate *s, const char *addr, struct tc *t);
struct tc *tstate_owner(const struct tstate *s, const struct flow_addr *a);
void tstate_note(struct tstate *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tstate_timeline_rfc3339(struct tstate *s, const char *when, const char *container,
                             const char *kind, const char *text);

struct conn *conn_get(struct tstate *s, struct tc *t, uint8_t proto, const struct flow_addr *remote,
                      uint16_t key_port, bool out);
json_t *conn_json(const struct conn *c);
/* The attributed flows of the one join (attrib.h) into the connection groups of their
 * containers (s->at is set to a for the IOC names); IOC flows of no container get a stand-in
 * when s->attribute_unowned. */
void tstate_add_flows(struct tstate *s, const struct attrib *a);
/* IOC and beacon reasons from the connection groups. */
void score_conns(struct tstate *s);

/* Sort, rank, suggest, and build the document. */
json_t *tstate_document(struct tstate *s);
void tstate_free(struct tstate *s);
