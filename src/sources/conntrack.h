/* conntrack.h: the kernel's connection tracking table through libnetfilter_conntrack: dumps of
 * the current entries (original and reply tuples, so NAT can be reversed) and, for commands
 * that follow flows over time, NEW/UPDATE/DESTROY events. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "flow.h"
#include "util.h"

struct conntrack;

enum conntrack_event {
	CONNTRACK_EV_DUMP = 0, /* an entry from a dump */
	CONNTRACK_EV_NEW = 1 << 0,
	CONNTRACK_EV_UPDATE = 1 << 1,
	CONNTRACK_EV_DESTROY = 1 << 2,
};

/* Open a handle in the caller's network namespace. events = 0 for dumps only, or an OR of
 * CONNTRACK_EV_NEW/UPDATE/DESTROY to subscribe to those event groups. Errors say why conntrack
 * is not available ("module not loaded", "permission denied") with CIRT_EXIT_PERM or
 * CIRT_EXIT_RUNTIME. */
int conntrack_open(unsigned events, struct conntrack **ret, struct cirt_err *err);
void conntrack_close(struct conntrack *ct);
static inline void conntrack_closep(struct conntrack **ct)
{
	conntrack_close(*ct);
}
#define _cleanup_conntrack_ _cleanup_(conntrack_closep)

/* Called for each entry or event; return false to stop. The flow is valid during the call. */
typedef bool (*conntrack_cb)(const struct flow *f, enum conntrack_event ev, void *ud);

/* Dump every entry of the table (family AF_INET, AF_INET6 or AF_UNSPEC for both). */
int conntrack_dump(struct conntrack *ct, int family, conntrack_cb cb, void *ud,
                   struct cirt_err *err);

/* For a handle opened with events: wait at most timeout_ms for events, then deliver every event
 * already queued. Returns the number delivered (0 on timeout); *ret_lost is set when the kernel
 * dropped events because we were too slow (ENOBUFS). -1 on error. */
int conntrack_read_events(struct conntrack *ct, int timeout_ms, conntrack_cb cb, void *ud,
                          bool *ret_lost, struct cirt_err *err);
/* The descriptor to poll for events. */
int conntrack_fd(struct conntrack *ct);

/* Convert one libnetfilter_conntrack object (struct nf_conntrack) into a flow. */
struct nf_conntrack;
void conntrack_to_flow(const struct nf_conntrack *ct, struct flow *f);

/* A whole dump into an array (caller frees *ret). */
int conntrack_dump_all(int family, struct flow **ret, size_t *ret_n, struct cirt_err *err);
