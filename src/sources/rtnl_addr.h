/* rtnl_addr.h: addresses and routes of a network namespace through rtnetlink (libmnl). */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct rtnl_addr {
	int ifindex;
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;
	int scope;          /* RT_SCOPE_* */
	unsigned int flags; /* IFA_F_* (IFA_FLAGS when present) */
	char text[INET6_ADDRSTRLEN];
};

struct rtnl_addrs {
	struct rtnl_addr *v;
	size_t n;
};

struct rtnl_route {
	int family;
	int table;    /* RT_TABLE_MAIN = 254 */
	int type;     /* RTN_UNICAST, ... */
	int protocol; /* RTPROT_* */
	int scope;
	int dst_len; /* 0: a default route */
	int oif;
	int metric;
	char dst[INET6_ADDRSTRLEN];     /* "" for a default route */
	char gateway[INET6_ADDRSTRLEN]; /* "" when on-link */
	char prefsrc[INET6_ADDRSTRLEN];
};

struct rtnl_routes {
	struct rtnl_route *v;
	size_t n;
};

/* Every address of the namespace nsfd (-1: the caller's). */
int rtnl_dump_addrs(int nsfd, struct rtnl_addrs *ret, struct cirt_err *err);
void rtnl_addrs_free(struct rtnl_addrs *a);
/* The parsers behind the dumps, on a buffer of RTM_NEWADDR / RTM_NEWROUTE messages (appending
 * to ret): exposed for the fuzzer. Return libmnl's MNL_CB_* result. */
int rtnl_parse_addrs(const void *buf, size_t len, struct rtnl_addrs *ret);
int rtnl_parse_routes(const void *buf, size_t len, struct rtnl_routes *ret);

/* Every route of the given family (AF_INET, AF_INET6 or AF_UNSPEC for both), all tables. */
int rtnl_dump_routes(int nsfd, int family, struct rtnl_routes *ret, struct cirt_err *err);
void rtnl_routes_free(struct rtnl_routes *r);

/* The kernel's route lookup, like `ip route get DST [from SRC iif IIF]` (no packet is sent).
 * src may be NULL; iif 0 means a locally generated packet. Fills oif, gateway ("" on-link)
 * and prefsrc ("" when the kernel gave none). A route of type unreachable/prohibit/blackhole
 * is an error with the kernel's errno text. */
struct rtnl_route_answer {
	int oif;
	int type;
	char gateway[INET6_ADDRSTRLEN];
	char prefsrc[INET6_ADDRSTRLEN];
};
int rtnl_route_get(int nsfd, const char *dst, const char *src, int iif,
                   struct rtnl_route_answer *ret, struct cirt_err *err);

/* The source address IPv4 MASQUERADE picks on interface ifindex for next hop nh: the first
 * primary global address whose subnet holds nh, else the first primary global one (the
 * kernel's inet_select_addr). NULL when the interface has no IPv4 address. */
const struct rtnl_addr *rtnl_masquerade_source(const struct rtnl_addrs *a, int ifindex,
                                               const char *nh);

/* Does addr (text) lie inside prefix/len (text)? false on a family mismatch or bad text. */
bool ip_in_prefix(const char *addr, const char *prefix, int len);
