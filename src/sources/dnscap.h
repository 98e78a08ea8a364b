/* dnscap.h: DNS queries and answers of many network namespaces, one libpcap handle in each. */
#pragma once

/*
 * One capture handle per network namespace (libpcap's "any" device opened inside it, so a
 * container's lo and eth0 are both seen), filtered in the kernel to DNS: `port 53` over UDP and
 * TCP, and anything to or from 127.0.0.11, Docker's embedded resolver on custom networks (its
 * iptables DNAT sends a container's queries to a random port, and the capture sees them after
 * the DNAT). Every handle is read from one loop: dnscap_fd() is one descriptor (epoll) that is
 * readable when any namespace has packets, dnscap_process() reads them.
 *
 * Each DNS message (a UDP datagram, or a message reassembled from a TCP stream) becomes one
 * record: the namespace (inode) it was seen in, the interface, the client and the server
 * (address:port), the parsed message (dns.h) and what could not be parsed.
 *
 * Attribution is by namespace: in a container's namespace everything seen is that namespace's
 * (and so the container's, or of the containers sharing it). In the host namespace, packets that
 * only pass through the host for a container are not the host's and are left out:
 *   - copies on a bridge port (an interface with a master: a container's host-side veth);
 *   - packets whose client address is not one of the host's (a container's address on docker0
 *     or br-<id>), and then the same query once MASQUERADE has given it the host's address on
 *     its way out (same transport payload and server, seen right after), with the rest of that
 *     conversation (its answer, in and out).
 * What remains is the host's own traffic: host-network containers and host processes alike.
 *
 * Memory is bounded: at most max_netns handles with a kernel ring of buffer_bytes each, at most
 * max_tcp_streams TCP half-streams of at most 65,537 bytes each, and fixed-size tables.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>

#include "dns.h"
#include "sources/rtnl.h"
#include "sources/rtnl_addr.h"
#include "util.h"

#define DNSCAP_EMBEDDED_RESOLVER "127.0.0.11"
#define DNSCAP_FILTER "(udp or tcp) and (port 53 or host 127.0.0.11)"

struct dnscap_opts {
	size_t buffer_bytes;    /* kernel ring per namespace; 0: 256 KiB */
	int snaplen;            /* bytes kept of a packet; 0: 16,384 (longer ones are "cut") */
	size_t max_netns;       /* 0: 1,024 */
	size_t max_tcp_streams; /* half-streams being reassembled; 0: 256 */
};

struct dnscap_endpoint {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
};

struct dnscap_record {
	struct timeval ts;
	uint64_t netns;    /* inode of the network namespace it was seen in */
	bool host_ns;      /* that is the host's namespace (cirt's own) */
	int ifindex;       /* in that namespace; 0 when the link type does not say */
	const char *iface; /* its name, "" when unknown */
	int proto;         /* IPPROTO_UDP or IPPROTO_TCP */
	bool response;     /* QR set (or, without a header, sent from the server's side) */
	struct dnscap_endpoint client, server;
	/* the server is Docker's embedded resolver (127.0.0.11); server.port is then 53, the port
	 * the client asked, and server_port_seen the one its DNAT gave (0 when the same) */
	bool embedded;
	uint16_t server_port_seen;
	/* a query to another server that the embedded resolver made for a client of this namespace
	 * (same id and question asked of 127.0.0.11 just before), or the answer to it */
	bool forwarded;
	bool cut;     /* the packet was cut short by the capture (snaplen) or was an IP fragment */
	int parse_rc; /* dns_parse's result: 0, or -enum dns_error (what parsed is in msg) */
	const struct dns_msg *msg;
};

/* The record and what it points to are valid during the call only; the callback must not add
 * or remove namespaces (collect what to do and do it after dnscap_process returns). */
typedef void (*dnscap_cb)(const struct dnscap_record *r, void *ud);

struct dnscap_stats {
	size_t netns;          /* namespaces being captured now */
	uint64_t packets;      /* delivered by the kernel filter */
	uint64_t messages;     /* records given to the callback */
	uint64_t parse_errors; /* records whose message did not parse completely */
	uint64_t cut;          /* cut by snaplen, or IP fragments */
	uint64_t not_ip;       /* frames that were not IPv4/IPv6 UDP/TCP */
	uint64_t host_passing; /* host namespace: packets left out as a container's */
	uint64_t tcp_lost;     /* TCP half-streams given up (gap, too long, evicted) */
	uint64_t received;     /* pcap_stats ps_recv, summed (removed handles included) */
	uint64_t dropped;      /* ps_drop: the ring was full */
	uint64_t if_dropped;   /* ps_ifdrop */
};

struct dnscap;

int dnscap_new(const struct dnscap_opts *o, struct dnscap **ret, struct cirt_err *err);
/* Closes every handle. NULL is fine. */
void dnscap_free(struct dnscap *c);

/* Capture in the network namespace of nsfd (dup'ed), of process pid, or the host's (cirt's own,
 * where host-network containers live). A namespace already captured only gains a reference
 * (containers sharing it); *ret_inode is its key for dnscap_remove. Opening needs CAP_SYS_ADMIN
 * (setns) and CAP_NET_RAW. */
int dnscap_add_netns(struct dnscap *c, int nsfd, uint64_t *ret_inode, struct cirt_err *err);
int dnscap_add_pid(struct dnscap *c, pid_t pid, uint64_t *ret_inode, struct cirt_err *err);
int dnscap_add_host(struct dnscap *c, uint64_t *ret_inode, struct cirt_err *err);
/* Drop one reference; the handle is closed (its counters kept in the totals) with the last.
 * -ENOENT when the namespace is not captured. */
int dnscap_remove(struct dnscap *c, uint64_t inode);
bool dnscap_has(const struct dnscap *c, uint64_t inode);

/* One descriptor for every handle: readable when a namespace has packets. */
int dnscap_fd(const struct dnscap *c);
/* Read what is waiting (never blocks; a bounded amount per handle, so one busy namespace cannot
 * starve the rest or the caller's loop) and call cb for each DNS message. Returns the number of
 * records, or -1 with err on an epoll failure. A handle that fails (its namespace's interfaces
 * gone) is closed and counted; it stays listed until removed. */
int dnscap_process(struct dnscap *c, dnscap_cb cb, void *ud, struct cirt_err *err);
void dnscap_get_stats(struct dnscap *c, struct dnscap_stats *ret);

/* A namespace without a capture handle, fed by dnscap_feed (tests, pcap files): links and
 * addrs are what its interfaces were (copied; NULL: unknown), host says whether it is the host
 * namespace. */
int dnscap_add_offline(struct dnscap *c, uint64_t inode, bool host, const struct rtnl_links *links,
                       const struct rtnl_addrs *addrs, struct cirt_err *err);
/* One captured frame of the given link type (DLT_LINUX_SLL2, DLT_LINUX_SLL, DLT_EN10MB,
 * DLT_RAW) as seen in namespace inode (added before). len is the frame's length on the wire. */
void dnscap_feed(struct dnscap *c, uint64_t inode, int linktype, const struct timeval *ts,
                 const uint8_t *data, uint32_t caplen, uint32_t len, dnscap_cb cb, void *ud);

/* The record as one JSON object (documented in README.md, "DNS"). Strings from the packet are
 * escaped (json_strn). */
json_t *dnscap_record_json(const struct dnscap_record *r);
/* "10.66.0.2:53", "[fd66::2]:53" */
const char *dnscap_endpoint_str(const struct dnscap_endpoint *e, char *buf, size_t n);
