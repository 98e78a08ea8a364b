/* rtnl.h: network links of a network namespace through rtnetlink (libmnl). */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct rtnl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16]; /* "veth", "bridge", ... ("" when none) */
	unsigned char mac[32];
	int mac_len;
	int master;         /* ifindex of the bridge it is enslaved to, 0 if none */
	int link;           /* IFLA_LINK: the peer's ifindex (in link_netnsid's namespace) */
	int link_netnsid;   /* -1 when the peer is in the same namespace or unknown */
	unsigned int flags; /* IFF_* */
	int mtu;
};

struct rtnl_links {
	struct rtnl_link *v;
	size_t n;
};

/* Dump every link of the namespace nsfd refers to (-1: the caller's namespace). The netlink
 * socket is opened inside that namespace and stays bound to it; the caller's namespace is
 * restored before returning. */
int rtnl_dump_links(int nsfd, struct rtnl_links *ret, struct cirt_err *err);
/* Append the links of a buffer of RTM_NEWLINK messages (what a dump answers) to ret: the parser
 * behind rtnl_dump_links, exposed for the fuzzer. Returns libmnl's MNL_CB_* result. */
int rtnl_parse_links(const void *buf, size_t len, struct rtnl_links *ret);
/* How many bytes at the start of buf are whole netlink messages: what is safe to hand to
 * mnl_cb_run (libmnl's own check lets a length of 2 GiB or more through). */
size_t rtnl_valid_prefix(const void *buf, size_t len);
void rtnl_links_free(struct rtnl_links *l);
const struct rtnl_link *rtnl_link_by_index(const struct rtnl_links *l, int ifindex);
const struct rtnl_link *rtnl_link_by_name(const struct rtnl_links *l, const char *name);
/* "02:42:ac:11:00:02" into out (>= 18 bytes). */
const char *rtnl_mac_str(const struct rtnl_link *k, char *out, size_t n);

/* Open a NETLINK_* socket (proto) inside the namespace nsfd (-1: current). -errno on error. */
int netns_socket(int nsfd, int proto);
