/* netmap.h: the host's network map: Docker networks, bridges with their veths and containers,
 * host interfaces, addresses and default routes, and Docker's NAT and filter rules joined to
 * networks and containers, with the rules that fit nothing flagged. Built once by netmap_build
 * from a loaded host snapshot; read by `cirt net`, the capture plan and the graph renderers. */
#pragma once

#include <jansson.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "model/host.h"
#include "sources/docker.h"
#include "sources/firewall.h"
#include "sources/rtnl.h"
#include "sources/rtnl_addr.h"

enum nm_role { NM_LOOPBACK, NM_PHYSICAL, NM_BRIDGE, NM_VETH, NM_OTHER };
const char *nm_role_name(enum nm_role r);

struct nm_iface {
	const struct rtnl_link *link; /* into netmap.links */
	enum nm_role role;
	bool up;
	bool docker;       /* a Docker network's bridge, or a veth enslaved to one */
	ssize_t container; /* veth: index into host->c of the container behind it (-1: none) */
};

struct nm_network {
	char *id;
	char *name;
	char *driver;
	char *scope;
	bool internal;
	bool ipv6;
	bool icc;            /* com.docker.network.bridge.enable_icc (default true) */
	bool masquerade_opt; /* com.docker.network.bridge.enable_ip_masquerade (default true) */
	char **subnets;      /* "172.17.0.0/16" */
	char **gateways;     /* aligned with subnets; NULL when the daemon gave none */
	size_t n_subnets;
	char *bridge;       /* bridge driver: the device (docker0, br-<id12>, or the name option) */
	int bridge_ifindex; /* 0 when the device does not exist */
	size_t *members;    /* indexes into host->c: containers with an endpoint on it */
	size_t n_members;
	size_t *masq; /* indexes into fw.rules: its MASQUERADE rules */
	size_t n_masq;
};

struct nm_bridge_port {
	const struct rtnl_link *link;
	size_t *containers; /* indexes into host->c (a container:X member shares X's veth) */
	size_t n_containers;
};

struct nm_bridge {
	const struct rtnl_link *link;
	ssize_t network; /* index into nets, -1 when no Docker network owns it */
	struct nm_bridge_port *ports;
	size_t n_ports;
};

struct nm_route {
	int family;
	char gateway[INET6_ADDRSTRLEN];
	char prefsrc[INET6_ADDRSTRLEN];
	int oif;
	int metric;
};

enum nm_pub_status {
	NM_PUB_OK,        /* daemon and rule agree */
	NM_PUB_RULE_ONLY, /* a DNAT to a container that the daemon does not publish */
	NM_PUB_PROXY,     /* daemon publishes it, no NAT rule, docker-proxy serves it */
	NM_PUB_MISSING,   /* daemon publishes it, no rule and no proxy */
};
const char *nm_pub_status_name(enum nm_pub_status s);

struct nm_published {
	int family;
	char proto[8];
	char *host_ip; /* as the daemon or the rule gives it; NULL: every address */
	int host_port;
	char *container_ip;
	int container_port;
	ssize_t container; /* index into host->c, -1 unknown */
	ssize_t rule;      /* the DNAT rule, -1 none */
	bool daemon;       /* present in the daemon's port map */
	int proxy_pid;     /* the docker-proxy process serving it, 0 none */
	enum nm_pub_status status;
};

struct nm_proxy {
	int pid;
	char proto[8];
	char *host_ip;
	int host_port;
	char *container_ip;
	int container_port;
};

struct nm_stray {
	size_t rule; /* index into fw.rules */
	char *reason;
};

struct netmap {
	const struct host *h; /* borrowed: must outlive the map */
	struct rtnl_links links;
	struct rtnl_addrs addrs;
	struct nm_iface *ifs; /* one per host link, same order as links */
	size_t n_ifs;
	struct nm_network *nets;
	size_t n_nets;
	struct nm_bridge *brs;
	size_t n_brs;
	struct nm_route *routes; /* default routes of the main table */
	size_t n_routes;

	bool fw_loaded;
	struct fw_ruleset fw;
	unsigned
	    docker_backends; /* bit (1 << enum fw_source) for each source holding Docker's rules */
	size_t *user_rules;  /* DOCKER-USER */
	size_t n_user;
	size_t *isolation; /* DOCKER-ISOLATION-STAGE-*, nft per-bridge forward filters */
	size_t n_isolation;
	size_t *other_rules; /* rules in chains that are not Docker's (nat and filter tables) */
	size_t n_other;
	struct nm_published *pubs;
	size_t n_pubs;
	struct nm_proxy *proxies; /* docker-proxy processes (userland proxy of published ports) */
	size_t n_proxies;
	struct nm_stray *strays;
	size_t n_strays;
	bool *reach; /* fw_reachability of fw.chains, computed when first needed */

	char **mode_lines; /* one per host->c */
	char **notes;      /* what could not be read, and why */
	size_t n_notes;
};

enum netmap_needs {
	NETMAP_FIREWALL = 1 << 0, /* run iptables-save / nft and analyse the rules */
	NETMAP_OFFLINE = 1 << 1,  /* a disk image (--root): networks and containers only, nothing
	                             from the running kernel */
};

/* Build the map of h (loaded with HOST_NEED_NET). d gives the daemon's networks; d NULL (no
 * daemon): libnetwork's store on disk, else the networks the containers' records name. fw: the
 * firewall tools started with fw_start() before the host was loaded, so they ran meanwhile
 * (NULL: started here); it is always consumed. Fails only when the daemon cannot be asked or the
 * host's links cannot be read; a missing firewall tool or permission becomes a note. */
int netmap_build(struct docker *d, const struct host *h, unsigned needs, struct fw_job *fw,
                 struct netmap **ret, struct cirt_err *err);
void netmap_free(struct netmap *m);
static inline void netmap_freep(struct netmap **m)
{
	netmap_free(*m);
}
#define _cleanup_netmap_ _cleanup_(netmap_freep)

/* Parse the daemon's /networks answer into m->nets (exposed for unit tests). */
void netmap_parse_networks(struct netmap *m, json_t *list);
/* The networks the containers of h are on, in the shape of the /networks answer, from their
 * endpoints alone (subnet from address and prefix; driver bridge unless host or none). */
json_t *netmap_networks_from_containers(const struct host *h);
/* Join the rules in m->fw to networks and containers: MASQUERADE per network, published ports
 * (with the daemon's port map and docker-proxy), DOCKER-USER, isolation, strays. Exposed for
 * unit tests that feed recorded rules (m->proxies may be left empty). */
void netmap_analyse_firewall(struct netmap *m);

/* The one-line explanation of c's network mode. */
char *netmap_mode_line(const struct netmap *m, const struct container *c);
/* "iptables-nft (nf_tables)", "iptables-legacy", "nftables (docker-bridges)", ... */
char *netmap_backend_text(const struct netmap *m);

/* Lookups. */
const struct nm_iface *netmap_iface(const struct netmap *m, int ifindex);
const char *netmap_ifname(const struct netmap *m, int ifindex); /* "?" when unknown */
const struct nm_network *netmap_network_of(const struct netmap *m, const struct endpoint *e);
/* The container (index into host->c) that owns addr: not one that merely shares its namespace. */
ssize_t netmap_container_by_ip(const struct netmap *m, const char *addr);
/* The default route of a family (lowest metric), NULL when none. */
const struct nm_route *netmap_default_route(const struct netmap *m, int family);

json_t *netmap_to_json(const struct netmap *m);
