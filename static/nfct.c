/* static/nfct.c: the part of libnetfilter_conntrack's API that cirt calls (open, dump, events,
 * delete, attributes, the default text line), for the static build only: Debian 12 ships it and
 * libnfnetlink without a static archive; compiled against Debian's own headers */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Semantics follow libnetfilter_conntrack 1.0.9 over libnfnetlink 1.0.2 (Debian 12): attribute
 * values in the same byte order (addresses and ports as on the wire, the rest in host order),
 * the same callback and return codes, the same text line as nfct_snprintf's default output. */

#define RCVBUF_SIZE 65536

struct nfct_handle {
	int fd;
	uint32_t portid;
	uint32_t seq;
	unsigned char *buf;
	int (*cb)(enum nf_conntrack_msg_type, struct nf_conntrack *, void *);
	unsigned cb_types;
	void *cb_data;
};

/* one tuple's fields as the text line needs them (the reply's ICMP fields have no attribute) */
struct tuple {
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
};

struct nf_conntrack {
	uint64_t set[(ATTR_MAX + 63) / 64];
	unsigned char val[ATTR_MAX][16];
	struct tuple repl;
};

static void set_bit_attr(struct nf_conntrack *ct, int a, const void *v, size_t n)
{
	ct->set[a / 64] |= 1ULL << (a % 64);
	memset(ct->val[a], 0, sizeof(ct->val[a]));
	memcpy(ct->val[a], v, n);
}

static bool is_set(const struct nf_conntrack *ct, int a)
{
	return (ct->set[a / 64] >> (a % 64)) & 1;
}

struct nf_conntrack *nfct_new(void)
{
	return calloc(1, sizeof(struct nf_conntrack));
}

void nfct_destroy(struct nf_conntrack *ct)
{
	free(ct);
}

struct nf_conntrack *nfct_clone(const struct nf_conntrack *ct)
{
	struct nf_conntrack *c = nfct_new();
	if (c)
		memcpy(c, ct, sizeof(*c));
	return c;
}

int nfct_attr_is_set(const struct nf_conntrack *ct, const enum nf_conntrack_attr type)
{
	if (type >= ATTR_MAX) {
		errno = EINVAL;
		return -1;
	}
	return is_set(ct, type);
}

const void *nfct_get_attr(const struct nf_conntrack *ct, const enum nf_conntrack_attr type)
{
	if (type >= ATTR_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (!is_set(ct, type)) {
		errno = ENODATA;
		return NULL;
	}
	return ct->val[type];
}

uint8_t nfct_get_attr_u8(const struct nf_conntrack *ct, const enum nf_conntrack_attr type)
{
	const uint8_t *p = nfct_get_attr(ct, type);
	return p ? *p : 0;
}

uint16_t nfct_get_attr_u16(const struct nf_conntrack *ct, const enum nf_conntrack_attr type)
{
	uint16_t v = 0;
	const void *p = nfct_get_attr(ct, type);
	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

uint32_t nfct_get_attr_u32(const struct nf_conntrack *ct, const enum nf_conntrack_attr type)
{
	uint32_t v = 0;
	const void *p = nfct_get_attr(ct, type);
	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

uint64_t nfct_get_attr_u64(const struct nf_conntrack *ct, const enum nf_conntrack_attr type)
{
	uint64_t v = 0;
	const void *p = nfct_get_attr(ct, type);
	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

/* --- parsing a ctnetlink message --------------------------------------------------------- */

/* the nested attributes of one level, by type; an attribute of the wrong size is left out */
struct level {
	const struct nlattr *tb[CTA_MAX + 1 > 32 ? CTA_MAX + 1 : 32];
	unsigned max;
};

static int level_cb(const struct nlattr *a, void *data)
{
	struct level *l = data;
	uint16_t t = mnl_attr_get_type(a);
	if (t <= l->max)
		l->tb[t] = a;
	return MNL_CB_OK;
}

static void nested(const struct nlattr *a, struct level *l, unsigned max)
{
	memset(l, 0, sizeof(*l));
	l->max = max;
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		mnl_attr_parse_nested(a, level_cb, l);
}

static bool len_is(const struct nlattr *a, size_t n)
{
	return a && mnl_attr_get_payload_len(a) >= n;
}

static void put_u8(struct nf_conntrack *ct, int at, const struct nlattr *a)
{
	if (len_is(a, 1))
		set_bit_attr(ct, at, mnl_attr_get_payload(a), 1);
}

static void put_raw(struct nf_conntrack *ct, int at, const struct nlattr *a, size_t n)
{
	if (len_is(a, n))
		set_bit_attr(ct, at, mnl_attr_get_payload(a), n);
}

static void put_be16(struct nf_conntrack *ct, int at, const struct nlattr *a)
{
	if (!len_is(a, 2))
		return;
	uint16_t v = ntohs(mnl_attr_get_u16(a));
	set_bit_attr(ct, at, &v, sizeof(v));
}

static void put_be32(struct nf_conntrack *ct, int at, const struct nlattr *a)
{
	if (!len_is(a, 4))
		return;
	uint32_t v = ntohl(mnl_attr_get_u32(a));
	set_bit_attr(ct, at, &v, sizeof(v));
}

static void put_be64(struct nf_conntrack *ct, int at, const struct nlattr *a)
{
	if (!len_is(a, 8))
		return;
	uint64_t v = be64toh(mnl_attr_get_u64(a));
	set_bit_attr(ct, at, &v, sizeof(v));
}

static void parse_tuple(struct nf_conntrack *ct, const struct nlattr *a, bool repl)
{
	struct level t, ip, pr;
	nested(a, &t, CTA_TUPLE_MAX);
	if (t.tb[CTA_TUPLE_IP]) {
		nested(t.tb[CTA_TUPLE_IP], &ip, CTA_IP_MAX);
		put_raw(ct, repl ? ATTR_REPL_IPV4_SRC : ATTR_ORIG_IPV4_SRC, ip.tb[CTA_IP_V4_SRC],
		        4);
		put_raw(ct, repl ? ATTR_REPL_IPV4_DST : ATTR_ORIG_IPV4_DST, ip.tb[CTA_IP_V4_DST],
		        4);
		put_raw(ct, repl ? ATTR_REPL_IPV6_SRC : ATTR_ORIG_IPV6_SRC, ip.tb[CTA_IP_V6_SRC],
		        16);
		put_raw(ct, repl ? ATTR_REPL_IPV6_DST : ATTR_ORIG_IPV6_DST, ip.tb[CTA_IP_V6_DST],
		        16);
	}
	if (t.tb[CTA_TUPLE_PROTO]) {
		nested(t.tb[CTA_TUPLE_PROTO], &pr, CTA_PROTO_MAX);
		put_u8(ct, repl ? ATTR_REPL_L4PROTO : ATTR_ORIG_L4PROTO, pr.tb[CTA_PROTO_NUM]);
		put_raw(ct, repl ? ATTR_REPL_PORT_SRC : ATTR_ORIG_PORT_SRC,
		        pr.tb[CTA_PROTO_SRC_PORT], 2);
		put_raw(ct, repl ? ATTR_REPL_PORT_DST : ATTR_ORIG_PORT_DST,
		        pr.tb[CTA_PROTO_DST_PORT], 2);
		const struct nlattr *id = pr.tb[CTA_PROTO_ICMP_ID] ? pr.tb[CTA_PROTO_ICMP_ID]
		                                                   : pr.tb[CTA_PROTO_ICMPV6_ID];
		const struct nlattr *ty = pr.tb[CTA_PROTO_ICMP_TYPE] ? pr.tb[CTA_PROTO_ICMP_TYPE]
		                                                     : pr.tb[CTA_PROTO_ICMPV6_TYPE];
		const struct nlattr *co = pr.tb[CTA_PROTO_ICMP_CODE] ? pr.tb[CTA_PROTO_ICMP_CODE]
		                                                     : pr.tb[CTA_PROTO_ICMPV6_CODE];
		if (!repl) {
			put_raw(ct, ATTR_ICMP_ID, id, 2);
			put_u8(ct, ATTR_ICMP_TYPE, ty);
			put_u8(ct, ATTR_ICMP_CODE, co);
		} else {
			if (len_is(id, 2))
				ct->repl.icmp_id = mnl_attr_get_u16(id);
			if (len_is(ty, 1))
				ct->repl.icmp_type = mnl_attr_get_u8(ty);
			if (len_is(co, 1))
				ct->repl.icmp_code = mnl_attr_get_u8(co);
		}
	}
	put_be16(ct, repl ? ATTR_REPL_ZONE : ATTR_ORIG_ZONE, t.tb[CTA_TUPLE_ZONE]);
}

static void parse_counters(struct nf_conntrack *ct, const struct nlattr *a, bool repl)
{
	struct level c;
	nested(a, &c, CTA_COUNTERS_MAX);
	put_be64(ct, repl ? ATTR_REPL_COUNTER_PACKETS : ATTR_ORIG_COUNTER_PACKETS,
	         c.tb[CTA_COUNTERS_PACKETS]);
	put_be64(ct, repl ? ATTR_REPL_COUNTER_BYTES : ATTR_ORIG_COUNTER_BYTES,
	         c.tb[CTA_COUNTERS_BYTES]);
}

static void parse_ct(const struct nlmsghdr *nlh, struct nf_conntrack *ct)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	uint8_t l3 = nfg->nfgen_family;
	set_bit_attr(ct, ATTR_ORIG_L3PROTO, &l3, 1);
	set_bit_attr(ct, ATTR_REPL_L3PROTO, &l3, 1);
	struct level top, sub, tcp;
	memset(&top, 0, sizeof(top));
	top.max = CTA_MAX;
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), level_cb, &top);
	if (top.tb[CTA_TUPLE_ORIG])
		parse_tuple(ct, top.tb[CTA_TUPLE_ORIG], false);
	if (top.tb[CTA_TUPLE_REPLY])
		parse_tuple(ct, top.tb[CTA_TUPLE_REPLY], true);
	put_be32(ct, ATTR_STATUS, top.tb[CTA_STATUS]);
	put_be32(ct, ATTR_TIMEOUT, top.tb[CTA_TIMEOUT]);
	put_be32(ct, ATTR_MARK, top.tb[CTA_MARK]);
	put_be32(ct, ATTR_SECMARK, top.tb[CTA_SECMARK]);
	put_be32(ct, ATTR_USE, top.tb[CTA_USE]);
	put_be32(ct, ATTR_ID, top.tb[CTA_ID]);
	put_be16(ct, ATTR_ZONE, top.tb[CTA_ZONE]);
	if (top.tb[CTA_PROTOINFO]) {
		nested(top.tb[CTA_PROTOINFO], &sub, CTA_PROTOINFO_MAX);
		if (sub.tb[CTA_PROTOINFO_TCP]) {
			nested(sub.tb[CTA_PROTOINFO_TCP], &tcp, CTA_PROTOINFO_TCP_MAX);
			put_u8(ct, ATTR_TCP_STATE, tcp.tb[CTA_PROTOINFO_TCP_STATE]);
		}
	}
	if (top.tb[CTA_COUNTERS_ORIG])
		parse_counters(ct, top.tb[CTA_COUNTERS_ORIG], false);
	if (top.tb[CTA_COUNTERS_REPLY])
		parse_counters(ct, top.tb[CTA_COUNTERS_REPLY], true);
	if (top.tb[CTA_TIMESTAMP]) {
		nested(top.tb[CTA_TIMESTAMP], &sub, CTA_TIMESTAMP_MAX);
		put_be64(ct, ATTR_TIMESTAMP_START, sub.tb[CTA_TIMESTAMP_START]);
		put_be64(ct, ATTR_TIMESTAMP_STOP, sub.tb[CTA_TIMESTAMP_STOP]);
	}
}

/* --- the handle ----------------------------------------------------------------------------- */

struct nfct_handle *nfct_open(uint8_t subsys_id, unsigned subscriptions)
{
	if (subsys_id != NFNL_SUBSYS_CTNETLINK) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	struct nfct_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->buf = malloc(RCVBUF_SIZE);
	h->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (!h->buf || h->fd < 0)
		goto fail;
	struct sockaddr_nl a = {.nl_family = AF_NETLINK, .nl_groups = subscriptions};
	if (bind(h->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	socklen_t alen = sizeof(a);
	if (getsockname(h->fd, (struct sockaddr *)&a, &alen) < 0)
		goto fail;
	if (alen != sizeof(a) || a.nl_family != AF_NETLINK) {
		errno = EINVAL;
		goto fail;
	}
	h->portid = a.nl_pid;
	h->seq = (uint32_t)time(NULL);
	return h;
fail:;
	int e = errno;
	if (h->fd >= 0)
		close(h->fd);
	free(h->buf);
	free(h);
	errno = e;
	return NULL;
}

int nfct_close(struct nfct_handle *h)
{
	int r = close(h->fd);
	free(h->buf);
	free(h);
	return r;
}

int nfct_fd(struct nfct_handle *h)
{
	return h->fd;
}

int nfct_callback_register(struct nfct_handle *h, enum nf_conntrack_msg_type type,
                           int (*cb)(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
                                     void *data),
                           void *data)
{
	h->cb = cb;
	h->cb_types = type;
	h->cb_data = data;
	return 0;
}

void nfct_callback_unregister(struct nfct_handle *h)
{
	h->cb = NULL;
	h->cb_types = 0;
	h->cb_data = NULL;
}

static enum nf_conntrack_msg_type msg_type(const struct nlmsghdr *nlh)
{
	uint16_t t = NFNL_MSG_TYPE(nlh->nlmsg_type);
	if (t == IPCTNL_MSG_CT_NEW)
		return nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL) ? NFCT_T_NEW : NFCT_T_UPDATE;
	if (t == IPCTNL_MSG_CT_DELETE)
		return NFCT_T_DESTROY;
	return NFCT_T_UNKNOWN;
}

/* one buffer of messages: 1 go on, 0 stop (done, acknowledged or the callback said so), -1 error
 * with errno (libnfnetlink's nfnl_process) */
static int process(struct nfct_handle *h, const unsigned char *buf, size_t len)
{
	int left = (int)len;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
				errno = EBADMSG;
				return -1;
			}
			errno = -e->error;
			return e->error ? -1 : 0;
		}
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 0;
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE ||
		    NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
			continue;
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nfgenmsg)))
			continue;
		enum nf_conntrack_msg_type t = msg_type(nlh);
		if (!h->cb || !(t & h->cb_types))
			continue;
		struct nf_conntrack *ct = nfct_new();
		if (!ct) {
			errno = ENOMEM;
			return -1;
		}
		parse_ct(nlh, ct);
		int r = h->cb(t, ct, h->cb_data);
		if (r != NFCT_CB_STOLEN)
			nfct_destroy(ct);
		if (r == NFCT_CB_FAILURE)
			return -1;
		if (r == NFCT_CB_STOP)
			return 0;
	}
	return 1;
}

/* receive and process until done, stopped or an error (EAGAIN on a non-blocking socket) */
static int catch_all(struct nfct_handle *h)
{
	for (;;) {
		struct sockaddr_nl peer;
		socklen_t plen = sizeof(peer);
		ssize_t n =
		    recvfrom(h->fd, h->buf, RCVBUF_SIZE, 0, (struct sockaddr *)&peer, &plen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (plen != sizeof(peer)) {
			errno = EINVAL;
			return -1;
		}
		if (peer.nl_pid != 0) {
			errno = ENOMSG;
			return -1;
		}
		int r = process(h, h->buf, (size_t)n);
		if (r <= 0)
			return r;
	}
}

int nfct_catch(struct nfct_handle *h)
{
	return catch_all(h);
}

static struct nlmsghdr *header(struct nfct_handle *h, void *buf, uint16_t type, uint16_t flags,
                               uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++h->seq;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

static void put_tuple(struct nlmsghdr *nlh, const struct nf_conntrack *ct)
{
	struct nlattr *t = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, 0, NULL);
	struct nlattr *ip = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, CTA_TUPLE_IP | NLA_F_NESTED, 0, NULL);
	if (nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) == AF_INET6) {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, ct->val[ATTR_ORIG_IPV6_SRC]);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, ct->val[ATTR_ORIG_IPV6_DST]);
	} else {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, ct->val[ATTR_ORIG_IPV4_SRC]);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, ct->val[ATTR_ORIG_IPV4_DST]);
	}
	ip->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)ip);
	struct nlattr *pr = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, CTA_TUPLE_PROTO | NLA_F_NESTED, 0, NULL);
	uint8_t l4 = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, l4);
	if (l4 == IPPROTO_ICMP || l4 == IPPROTO_ICMPV6) {
		bool v6 = l4 == IPPROTO_ICMPV6;
		mnl_attr_put(nlh, v6 ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID, 2,
		             ct->val[ATTR_ICMP_ID]);
		mnl_attr_put_u8(nlh, v6 ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE,
		                nfct_get_attr_u8(ct, ATTR_ICMP_TYPE));
		mnl_attr_put_u8(nlh, v6 ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE,
		                nfct_get_attr_u8(ct, ATTR_ICMP_CODE));
	} else if (is_set(ct, ATTR_ORIG_PORT_SRC)) {
		mnl_attr_put(nlh, CTA_PROTO_SRC_PORT, 2, ct->val[ATTR_ORIG_PORT_SRC]);
		mnl_attr_put(nlh, CTA_PROTO_DST_PORT, 2, ct->val[ATTR_ORIG_PORT_DST]);
	}
	pr->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)pr);
	t->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)t);
}

int nfct_query(struct nfct_handle *h, const enum nf_conntrack_query qt, const void *data)
{
	unsigned char req[512];
	struct nlmsghdr *nlh;
	if (qt == NFCT_Q_DUMP) {
		uint32_t family;
		memcpy(&family, data, sizeof(family));
		nlh = header(h, req, IPCTNL_MSG_CT_GET, NLM_F_DUMP, (uint8_t)family);
	} else if (qt == NFCT_Q_DESTROY) {
		const struct nf_conntrack *ct = data;
		nlh = header(h, req, IPCTNL_MSG_CT_DELETE, NLM_F_ACK,
		             nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO));
		put_tuple(nlh, ct);
		if (is_set(ct, ATTR_ZONE))
			mnl_attr_put_u16(nlh, CTA_ZONE, htons(nfct_get_attr_u16(ct, ATTR_ZONE)));
		if (is_set(ct, ATTR_ID))
			mnl_attr_put_u32(nlh, CTA_ID, htonl(nfct_get_attr_u32(ct, ATTR_ID)));
	} else {
		errno = ENOTSUP;
		return -1;
	}
	static const struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (sendto(h->fd, nlh, nlh->nlmsg_len, 0, (const struct sockaddr *)&kernel,
	           sizeof(kernel)) < 0)
		return -1;
	return catch_all(h);
}

/* --- nfct_snprintf's default (plain) line -------------------------------------------------- */

static const char *l3name(uint8_t f)
{
	return f == AF_INET ? "ipv4" : f == AF_INET6 ? "ipv6" : "unknown";
}

static const char *l4name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_UDPLITE:
		return "udplite";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_GRE:
		return "gre";
	case IPPROTO_DCCP:
		return "dccp";
	default:
		return "unknown";
	}
}

static const char *const tcp_states[] = {
    "NONE",     "SYN_SENT",  "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
    "LAST_ACK", "TIME_WAIT", "CLOSE",    "LISTEN",      "MAX",      "IGNORE",
};

struct out {
	char *buf;
	size_t len, size;
};

__attribute__((format(printf, 2, 3))) static void add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->size > o->len ? o->size - o->len : 0;
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void add_tuple(struct out *o, const struct nf_conntrack *ct, bool repl)
{
	uint8_t l3 = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
	char s[INET6_ADDRSTRLEN] = "", d[INET6_ADDRSTRLEN] = "";
	if (l3 == AF_INET6) {
		inet_ntop(AF_INET6, ct->val[repl ? ATTR_REPL_IPV6_SRC : ATTR_ORIG_IPV6_SRC], s,
		          sizeof(s));
		inet_ntop(AF_INET6, ct->val[repl ? ATTR_REPL_IPV6_DST : ATTR_ORIG_IPV6_DST], d,
		          sizeof(d));
	} else {
		inet_ntop(AF_INET, ct->val[repl ? ATTR_REPL_IPV4_SRC : ATTR_ORIG_IPV4_SRC], s,
		          sizeof(s));
		inet_ntop(AF_INET, ct->val[repl ? ATTR_REPL_IPV4_DST : ATTR_ORIG_IPV4_DST], d,
		          sizeof(d));
	}
	add(o, "src=%s dst=%s ", s, d);
	uint8_t l4 = nfct_get_attr_u8(ct, repl ? ATTR_REPL_L4PROTO : ATTR_ORIG_L4PROTO);
	switch (l4) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		add(o, "sport=%u dport=%u ",
		    ntohs(nfct_get_attr_u16(ct, repl ? ATTR_REPL_PORT_SRC : ATTR_ORIG_PORT_SRC)),
		    ntohs(nfct_get_attr_u16(ct, repl ? ATTR_REPL_PORT_DST : ATTR_ORIG_PORT_DST)));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (repl)
			add(o, "type=%d code=%d id=%d ", ct->repl.icmp_type, ct->repl.icmp_code,
			    ntohs(ct->repl.icmp_id));
		else
			add(o, "type=%d code=%d id=%d ", nfct_get_attr_u8(ct, ATTR_ICMP_TYPE),
			    nfct_get_attr_u8(ct, ATTR_ICMP_CODE),
			    ntohs(nfct_get_attr_u16(ct, ATTR_ICMP_ID)));
		break;
	default:
		break;
	}
	int zone = repl ? ATTR_REPL_ZONE : ATTR_ORIG_ZONE;
	if (is_set(ct, zone))
		add(o, "zone=%u ", nfct_get_attr_u16(ct, zone));
	int pk = repl ? ATTR_REPL_COUNTER_PACKETS : ATTR_ORIG_COUNTER_PACKETS;
	int by = repl ? ATTR_REPL_COUNTER_BYTES : ATTR_ORIG_COUNTER_BYTES;
	if (is_set(ct, pk) && is_set(ct, by))
		add(o, "packets=%llu bytes=%llu ", (unsigned long long)nfct_get_attr_u64(ct, pk),
		    (unsigned long long)nfct_get_attr_u64(ct, by));
}

int nfct_snprintf(char *buf, unsigned int size, const struct nf_conntrack *ct,
                  const unsigned int msg_type, const unsigned int out_type,
                  const unsigned int out_flags)
{
	struct out o = {.buf = buf, .size = size};
	if (size)
		buf[0] = '\0';
	if (out_type != NFCT_O_PLAIN) {
		errno = ENOTSUP;
		return -1;
	}
	if (msg_type == NFCT_T_NEW)
		add(&o, "%9s ", "[NEW]");
	else if (msg_type == NFCT_T_UPDATE)
		add(&o, "%9s ", "[UPDATE]");
	else if (msg_type == NFCT_T_DESTROY)
		add(&o, "%9s ", "[DESTROY]");
	uint8_t l3 = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
	uint8_t l4 = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	if (out_flags & NFCT_OF_SHOW_LAYER3)
		add(&o, "%-8s %u ", l3name(l3), l3);
	add(&o, "%-8s %u ", l4name(l4), l4);
	if (is_set(ct, ATTR_TIMEOUT))
		add(&o, "%u ", nfct_get_attr_u32(ct, ATTR_TIMEOUT));
	if (is_set(ct, ATTR_TCP_STATE)) {
		uint8_t s = nfct_get_attr_u8(ct, ATTR_TCP_STATE);
		add(&o, "%s ",
		    s < sizeof(tcp_states) / sizeof(tcp_states[0]) ? tcp_states[s] : "UNKNOWN");
	}
	uint32_t status = nfct_get_attr_u32(ct, ATTR_STATUS);
	add_tuple(&o, ct, false);
	if (is_set(ct, ATTR_STATUS) && !(status & IPS_SEEN_REPLY))
		add(&o, "[UNREPLIED] ");
	add_tuple(&o, ct, true);
	if (is_set(ct, ATTR_STATUS)) {
		if (status & IPS_OFFLOAD)
			add(&o, "[OFFLOAD] ");
		if (status & IPS_ASSURED)
			add(&o, "[ASSURED] ");
	}
	if (is_set(ct, ATTR_MARK))
		add(&o, "mark=%u ", nfct_get_attr_u32(ct, ATTR_MARK));
	if (is_set(ct, ATTR_SECMARK))
		add(&o, "secmark=%u ", nfct_get_attr_u32(ct, ATTR_SECMARK));
	if (is_set(ct, ATTR_ZONE))
		add(&o, "zone=%u ", nfct_get_attr_u16(ct, ATTR_ZONE));
	if (is_set(ct, ATTR_TIMESTAMP_START) && is_set(ct, ATTR_TIMESTAMP_STOP)) {
		uint64_t a = nfct_get_attr_u64(ct, ATTR_TIMESTAMP_START);
		uint64_t b = nfct_get_attr_u64(ct, ATTR_TIMESTAMP_STOP);
		add(&o, "delta-time=%llu ", (unsigned long long)((b - a) / 1000000000ULL));
	}
	if ((out_flags & NFCT_OF_ID) && is_set(ct, ATTR_ID))
		add(&o, "id=%u ", nfct_get_attr_u32(ct, ATTR_ID));
	if (is_set(ct, ATTR_USE))
		add(&o, "use=%u ", nfct_get_attr_u32(ct, ATTR_USE));
	/* the last blank goes, as libnetfilter_conntrack's does */
	if (o.len > 0 && o.len <= size && buf[o.len - 1] == ' ')
		buf[--o.len] = '\0';
	return (int)o.len;
}
