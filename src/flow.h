/* flow.h: one network flow, whichever source saw it (a socket, a conntrack entry, packets on a
 * capture): protocol, original and reply tuples, state, counters and times. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An address in canonical form: an IPv4-mapped IPv6 address is stored as IPv4, so two
 * addresses are equal exactly when their bytes are. */
struct flow_addr {
	uint8_t family; /* AF_INET, AF_INET6; 0 when unset */
	uint8_t b[16];  /* network order; IPv4 uses the first 4 bytes, the rest stay zero */
};

struct flow_tuple {
	struct flow_addr src, dst;
	uint16_t sport, dport; /* host order; 0 when the protocol has none */
};

/* Where a flow came from. */
enum flow_source {
	FLOW_SRC_SOCKET = 1,
	FLOW_SRC_CONNTRACK,
	FLOW_SRC_CAPTURE,
	FLOW_SRC_JOURNAL /* cirt watch's record */
};

struct flow {
	uint8_t proto;          /* IPPROTO_TCP, IPPROTO_UDP, ... */
	struct flow_tuple orig; /* as the originator sent it; a socket: local -> remote */
	struct flow_tuple
	    reply;           /* as the answer comes back, after NAT; src.family 0 when unknown */
	char state[16];      /* "ESTABLISHED", "TIME_WAIT", "LISTEN", "UNCONN", ... or "" */
	bool counted;        /* packets/bytes are valid */
	uint64_t packets[2]; /* [0] original direction, [1] reply direction */
	uint64_t bytes[2];
	uint64_t first_ns; /* CLOCK_REALTIME, ns since the epoch; 0 when unknown */
	uint64_t last_ns;
	uint32_t timeout; /* conntrack: seconds before the entry expires */
	uint32_t id;      /* conntrack entry id */
	uint32_t mark;
	uint32_t status; /* conntrack IPS_* bits */
};

/* Normalize an address into canonical text (inet_ntop) in out: [v6] brackets and a
 * %zone are dropped, a v4-mapped IPv6 address becomes IPv4. false when not an address (or when
 * out is too small; INET6_ADDRSTRLEN always fits). */
bool ip_normalize(const char *in, char *out, size_t n);

/* Fill from raw bytes (4 or 16); a v4-mapped IPv6 address becomes IPv4. */
void flow_addr_set(struct flow_addr *a, int family, const void *bytes);
/* Parse a textual address (IPv4, IPv6, [IPv6], ::ffff:a.b.c.d, zone dropped). */
bool flow_addr_parse(const char *s, struct flow_addr *ret);
bool flow_addr_eq(const struct flow_addr *a, const struct flow_addr *b);
bool flow_addr_is_set(const struct flow_addr *a);
/* Canonical text (inet_ntop) into out (>= 46 bytes); "" when unset. */
const char *flow_addr_str(const struct flow_addr *a, char *out, size_t n);
/* "10.0.0.1:80", "[2001:db8::1]:443", or the bare address when port is 0. out >= 56 bytes. */
const char *flow_endpoint_str(const struct flow_addr *a, uint16_t port, char *out, size_t n);
/* Like flow_endpoint_str, but a socket's wildcard port shows as "*" (ss style: "0.0.0.0:*"). */
const char *flow_socket_endpoint_str(const struct flow_addr *a, uint16_t port, char *out, size_t n);
/* Parse "ADDR", "ADDR:PORT", "[V6]:PORT" or a bare IPv6 address. *ret_port is 0 without a
 * port. false on anything else (bad address, port outside 1..65535). */
bool flow_endpoint_parse(const char *s, struct flow_addr *ret_addr, uint16_t *ret_port);

/* "tcp", "udp", ... ("ip/N" for others, in a static buffer per call site: copy it). */
const char *flow_proto_name(uint8_t proto);
/* "tcp" -> IPPROTO_TCP, "udp" -> IPPROTO_UDP; -1 otherwise. */
int flow_proto_parse(const char *s);

/* Whether the reply tuple is not the mirror of the original: the flow was NATed. */
bool flow_is_nat(const struct flow *f);

json_t *flow_tuple_to_json(const struct flow_tuple *t);
/* Every known field; the reply tuple and counters only when known. */
json_t *flow_to_json(const struct flow *f);
