/* locate_int.h: what locate.c and locate_capture.c share (internal to src/analyses/locate*.c). */
#pragma once

#include "analyses/locate.h"

struct aix {
	struct flow_addr a;
	struct container *c;
};

struct rset; /* addresses resolved from indicator names */

struct lctx {
	struct host *h;
	const struct locate_query *q;
	const struct rset *rs;
	struct locate_result *r;
	struct aix *ix; /* running containers' addresses, for the capture */
	size_t nix;
	size_t fcap;
	uint64_t scan_ns;
};

void locate_warn(struct locate_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void locate_take_warnings(struct locate_result *r, const struct sockets *s);
struct container *locate_owner_of(const struct lctx *x, const struct flow_addr *a);
bool locate_is_query_addr(const struct lctx *x, const struct flow_addr *a);
bool locate_same_tuple(const struct flow_tuple *a, const struct flow_tuple *b);
struct locate_finding *locate_add_finding(struct lctx *x, enum flow_source src, struct container *c,
                                          const struct flow *f);
/* Capture on every bridge (and bridgeless veth) with containers; findings merged by tuple. */
void locate_capture(struct lctx *x);
