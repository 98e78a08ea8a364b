/* wsock.h: the watcher's short-lived table of the kernel's socket events (connect, accept, a UDP
 * socket's first datagram to a destination), keyed by protocol and 5-tuple with the socket's
 * network namespace, so that a conntrack flow or a captured DNS message is joined with the
 * process that made it, whichever of the two is read first. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "journal/wproc.h"

#define WSOCK_MAX (1u << 17) /* entries at once; beyond: counted, not kept */
/* an entry that no flow took is forgotten after this long (UDP: after its last use) */
#define WSOCK_TTL_TCP_MS 60000
#define WSOCK_TTL_UDP_MS 180000

enum wsock_kind { WSOCK_CONNECT = 1, WSOCK_ACCEPT, WSOCK_SEND };

struct wsock {
	uint8_t used, kind, proto;
	bool any_src; /* an unbound UDP socket: its source address is chosen per datagram */
	uint16_t sport, dport;
	struct flow_addr src, dst; /* the socket's own end and the other end */
	uint64_t netns;            /* the socket's network namespace */
	uint64_t t_ns;             /* the event's time */
	uint64_t seen_ms;          /* added or last matched (monotonic) */
	struct wproc *p;           /* referenced; NULL: no process held the socket */
};

struct wstab;

struct wstab *wstab_new(struct wptab *procs);
void wstab_free(struct wstab *t);

/* Remember a socket event (p is referenced). The same socket's event again replaces it. */
void wstab_add(struct wstab *t, const struct wsock *s, uint64_t now_ms);
/* The socket of the end that opened f (orig tuple: connect or send), else of the end that
 * accepted it (the reply tuple mirrored: the server's side after DNAT); the most recent when
 * several namespaces hold the same tuple. *ret_accept says which. NULL when none. */
struct wsock *wstab_match_flow(struct wstab *t, const struct flow *f, bool *ret_accept,
                               uint64_t now_ms);
/* The socket proto src:sport -> dst:dport in netns (0: any namespace). */
struct wsock *wstab_find(struct wstab *t, uint8_t proto, const struct flow_addr *src,
                         uint16_t sport, const struct flow_addr *dst, uint16_t dport,
                         uint64_t netns, uint64_t now_ms);
/* A TCP socket belongs to one flow: once joined it leaves the table. */
void wstab_take(struct wstab *t, struct wsock *s);
/* Forget entries past their time. */
void wstab_sweep(struct wstab *t, uint64_t now_ms);
size_t wstab_size(const struct wstab *t);
uint64_t wstab_dropped(const struct wstab *t);
