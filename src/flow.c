/* flow.c: canonical addresses (ip_normalize), endpoint parsing and JSON for struct flow. */
#include "flow.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util.h"

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool ip_normalize(const char *in, char *out, size_t n)
{
	unsigned char b[16];
	if (!in || !*in)
		return false;
	char tmp[INET6_ADDRSTRLEN + 8];
	snprintf(tmp, sizeof(tmp), "%s", in);
	/* accept [v6] and drop a zone suffix */
	char *s = tmp;
	if (*s == '[') {
		s++;
		char *e = strchr(s, ']');
		if (!e || e[1])
			return false;
		*e = '\0';
	}
	char *pct = strchr(s, '%');
	if (pct)
		*pct = '\0';
	if (inet_pton(AF_INET, s, b) == 1)
		return inet_ntop(AF_INET, b, out, (socklen_t)n) != NULL;
	if (inet_pton(AF_INET6, s, b) == 1) {
		if (memcmp(b, v4mapped, 12) == 0)
			return inet_ntop(AF_INET, b + 12, out, (socklen_t)n) != NULL;
		return inet_ntop(AF_INET6, b, out, (socklen_t)n) != NULL;
	}
	return false;
}

void flow_addr_set(struct flow_addr *a, int family, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->b, bytes, 4);
	} else if (family == AF_INET6) {
		if (memcmp(bytes, v4mapped, 12) == 0) {
			a->family = AF_INET;
			memcpy(a->b, (const uint8_t *)bytes + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->b, bytes, 16);
		}
	}
}

bool flow_addr_parse(const char *s, struct flow_addr *ret)
{
	char norm[INET6_ADDRSTRLEN];
	uint8_t b[16];
	/* ip_normalize is the one place that decides what an address is */
	if (!ip_normalize(s, norm, sizeof(norm)))
		return false;
	if (inet_pton(AF_INET, norm, b) == 1)
		flow_addr_set(ret, AF_INET, b);
	else if (inet_pton(AF_INET6, norm, b) == 1)
		flow_addr_set(ret, AF_INET6, b);
	else
		return false;
	return true;
}

bool flow_addr_eq(const struct flow_addr *a, const struct flow_addr *b)
{
	return a->family && a->family == b->family && memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

bool flow_addr_is_set(const struct flow_addr *a)
{
	return a->family != 0;
}

const char *flow_addr_str(const struct flow_addr *a, char *out, size_t n)
{
	out[0] = '\0';
	if (a->family && !inet_ntop(a->family, a->b, out, (socklen_t)n))
		out[0] = '\0';
	return out;
}

const char *flow_endpoint_str(const struct flow_addr *a, uint16_t port, char *out, size_t n)
{
	char s[INET6_ADDRSTRLEN];
	flow_addr_str(a, s, sizeof(s));
	if (!a->family)
		snprintf(s, sizeof(s), "*");
	if (!port)
		snprintf(out, n, "%s", s);
	else if (a->family == AF_INET6)
		snprintf(out, n, "[%s]:%u", s, port);
	else
		snprintf(out, n, "%s:%u", s, port);
	return out;
}

const char *flow_socket_endpoint_str(const struct flow_addr *a, uint16_t port, char *out, size_t n)
{
	if (port)
		return flow_endpoint_str(a, port, out, n);
	char s[INET6_ADDRSTRLEN];
	flow_addr_str(a, s, sizeof(s));
	snprintf(out, n, a->family == AF_INET6 ? "[%s]:*" : "%s:*", a->family ? s : "*");
	return out;
}

static bool parse_port(const char *s, uint16_t *ret)
{
	if (!*s || strlen(s) > 5)
		return false;
	unsigned v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*ret = (uint16_t)v;
	return true;
}

bool flow_endpoint_parse(const char *s, struct flow_addr *ret_addr, uint16_t *ret_port)
{
	if (!s || !*s || strlen(s) > 128)
		return false;
	char tmp[130];
	snprintf(tmp, sizeof(tmp), "%s", s);
	uint16_t port = 0;
	if (tmp[0] == '[') {
		char *e = strchr(tmp, ']');
		if (!e)
			return false;
		if (e[1] == ':') {
			if (!parse_port(e + 2, &port))
				return false;
			e[1] = '\0';
		} else if (e[1])
			return false;
	} else {
		char *c = strchr(tmp, ':');
		/* exactly one colon: IPv4 with a port; more: a bare IPv6 address */
		if (c && !strchr(c + 1, ':')) {
			if (!parse_port(c + 1, &port))
				return false;
			*c = '\0';
		}
	}
	struct flow_addr a;
	if (!flow_addr_parse(tmp, &a))
		return false;
	*ret_addr = a;
	*ret_port = port;
	return true;
}

const char *flow_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_UDPLITE:
		return "udplite";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_DCCP:
		return "dccp";
	case IPPROTO_GRE:
		return "gre";
	default:
		return "other";
	}
}

int flow_proto_parse(const char *s)
{
	if (!s)
		return -1;
	if (streq(s, "tcp"))
		return IPPROTO_TCP;
	if (streq(s, "udp"))
		return IPPROTO_UDP;
	return -1;
}

bool flow_is_nat(const struct flow *f)
{
	if (!f->reply.src.family)
		return false;
	return !flow_addr_eq(&f->reply.src, &f->orig.dst) ||
	       !flow_addr_eq(&f->reply.dst, &f->orig.src) || f->reply.sport != f->orig.dport ||
	       f->reply.dport != f->orig.sport;
}

static json_t *addr_json(const struct flow_addr *a)
{
	char s[INET6_ADDRSTRLEN];
	return a->family ? json_string(flow_addr_str(a, s, sizeof(s))) : json_null();
}

json_t *flow_tuple_to_json(const struct flow_tuple *t)
{
	json_t *o = json_object();
	json_object_set_new(o, "src", addr_json(&t->src));
	json_object_set_new(o, "sport", t->sport ? json_integer(t->sport) : json_null());
	json_object_set_new(o, "dst", addr_json(&t->dst));
	json_object_set_new(o, "dport", t->dport ? json_integer(t->dport) : json_null());
	return o;
}

static json_t *ns_time(uint64_t ns)
{
	if (!ns)
		return json_null();
	char b[40], full[48];
	fmt_utc((long long)(ns / 1000000000ull), b, sizeof(b));
	/* keep milliseconds: flows a second apart must stay apart */
	b[strlen(b) - 1] = '\0';
	snprintf(full, sizeof(full), "%s.%03uZ", b, (unsigned)((ns / 1000000ull) % 1000));
	return json_string(full);
}

json_t *flow_to_json(const struct flow *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "proto", json_string(flow_proto_name(f->proto)));
	json_object_set_new(o, "state", f->state[0] ? json_string(f->state) : json_null());
	json_object_set_new(o, "original", flow_tuple_to_json(&f->orig));
	json_object_set_new(o, "reply",
	                    f->reply.src.family ? flow_tuple_to_json(&f->reply) : json_null());
	json_object_set_new(o, "nat", json_boolean(flow_is_nat(f)));
	if (f->counted) {
		json_t *c = json_object();
		json_object_set_new(c, "orig_packets", json_integer((json_int_t)f->packets[0]));
		json_object_set_new(c, "orig_bytes", json_integer((json_int_t)f->bytes[0]));
		json_object_set_new(c, "reply_packets", json_integer((json_int_t)f->packets[1]));
		json_object_set_new(c, "reply_bytes", json_integer((json_int_t)f->bytes[1]));
		json_object_set_new(o, "counters", c);
	} else
		json_object_set_new(o, "counters", json_null());
	json_object_set_new(o, "first_seen", ns_time(f->first_ns));
	json_object_set_new(o, "last_seen", ns_time(f->last_ns));
	if (f->id || f->timeout) {
		json_object_set_new(o, "conntrack_id", json_integer(f->id));
		json_object_set_new(o, "expires_in", json_integer(f->timeout));
		json_object_set_new(o, "mark", json_integer(f->mark));
	}
	return o;
}
