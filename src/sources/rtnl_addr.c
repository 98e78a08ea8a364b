/* rtnl_addr.c: RTM_GETADDR and RTM_GETROUTE dumps and route lookups with libmnl. */
#include "sources/rtnl_addr.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <time.h>

#include "sources/rtnl.h"

#define NL_BUF (32 * 1024)

/* One request, answers fed to cb until NLMSG_DONE (dump) or the single answer (get). */
static int nl_talk(int nsfd, struct nlmsghdr *req, mnl_cb_t cb, void *data, const char *what,
                   struct cirt_err *err)
{
	int fd = netns_socket(nsfd, NETLINK_ROUTE);
	if (fd < 0)
		return err_set(err, fd == -EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "netlink socket: %s", strerror(-fd));
	struct mnl_socket *nl = mnl_socket_fdopen(fd);
	if (!nl) {
		close(fd);
		return err_set(err, CIRT_EXIT_RUNTIME, "mnl_socket_fdopen: %s", strerror(errno));
	}
	int rc = -1;
	_cleanup_free_ char *buf = xmalloc(NL_BUF);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err_set(err, CIRT_EXIT_RUNTIME, "netlink bind: %s", strerror(errno));
		goto out;
	}
	unsigned int seq = (unsigned int)time(NULL);
	req->nlmsg_seq = seq;
	unsigned int portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		err_set(err, CIRT_EXIT_RUNTIME, "netlink send: %s", strerror(errno));
		goto out;
	}
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	/* a dump ends with NLMSG_DONE; a get with its one answer (or an error) */
	for (int guard = 0; guard < 1000000; guard++) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, NL_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, CIRT_EXIT_RUNTIME, "netlink receive: %s", strerror(errno));
			goto out;
		}
		int r = mnl_cb_run(buf, rtnl_valid_prefix(buf, (size_t)n), seq, portid, cb, data);
		if (r == MNL_CB_STOP || (!dump && r >= 0))
			break;
		if (r < 0) {
			/* EINTR: the kernel flagged the dump inconsistent (changed meanwhile): the
			 * caller reads it again */
			int e = errno;
			err_set(err, e == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME, "%s: %s",
			        what, strerror(e));
			rc = e == EINTR && dump ? -EINTR : -1;
			goto out;
		}
	}
	rc = 0;
out:
	mnl_socket_close(nl);
	return rc;
}

#define DUMP_TRIES 10

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	/* IFA_MAX and RTA_MAX are the largest of the two families we read */
	int t = mnl_attr_get_type(a);
	if (t < 0 || t > (RTA_MAX > IFA_MAX ? RTA_MAX : IFA_MAX))
		return MNL_CB_OK;
	tb[t] = a;
	return MNL_CB_OK;
}

static bool attr_addr(const struct nlattr *a, int family, unsigned char out[16], char *text,
                      size_t n)
{
	size_t want = family == AF_INET ? 4 : 16;
	if (!a || mnl_attr_get_payload_len(a) < want)
		return false;
	memset(out, 0, 16);
	memcpy(out, mnl_attr_get_payload(a), want);
	return inet_ntop(family, out, text, (socklen_t)n) != NULL;
}

struct addr_ctx {
	struct rtnl_addrs *out;
	size_t cap;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_ctx *c = data;
	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
		return MNL_CB_OK;
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	const struct nlattr *tb[(RTA_MAX > IFA_MAX ? RTA_MAX : IFA_MAX) + 1] = {0};
	mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb);
	/* IPv4: IFA_LOCAL is the address itself (IFA_ADDRESS is the peer on point-to-point) */
	const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	struct rtnl_addr x = {.ifindex = (int)ifa->ifa_index,
	                      .family = ifa->ifa_family,
	                      .prefix = ifa->ifa_prefixlen,
	                      .scope = ifa->ifa_scope,
	                      .flags = ifa->ifa_flags};
	if (!attr_addr(a, x.family, x.addr, x.text, sizeof(x.text)))
		return MNL_CB_OK;
	if (tb[IFA_FLAGS] && mnl_attr_validate(tb[IFA_FLAGS], MNL_TYPE_U32) >= 0)
		x.flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	if (c->out->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->out->v = xrealloc(c->out->v, c->cap * sizeof(*c->out->v));
	}
	c->out->v[c->out->n++] = x;
	return MNL_CB_OK;
}

int rtnl_parse_addrs(const void *buf, size_t len, struct rtnl_addrs *ret)
{
	struct addr_ctx c = {.out = ret, .cap = ret->n};
	return mnl_cb_run(buf, rtnl_valid_prefix(buf, len), 0, 0, addr_cb, &c);
}

int rtnl_dump_addrs(int nsfd, struct rtnl_addrs *ret, struct cirt_err *err)
{
	memset(ret, 0, sizeof(*ret));
	char req[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	for (int i = 0;; i++) {
		struct addr_ctx c = {.out = ret};
		int r = nl_talk(nsfd, nlh, addr_cb, &c, "netlink address dump", err);
		if (r == 0)
			return 0;
		rtnl_addrs_free(ret);
		if (r != -EINTR || i + 1 == DUMP_TRIES)
			return -1;
	}
}

void rtnl_addrs_free(struct rtnl_addrs *a)
{
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

struct route_ctx {
	struct rtnl_routes *out;
	size_t cap;
	struct rtnl_route_answer *answer;
	bool got;
};

static void parse_route(const struct nlmsghdr *nlh, struct rtnl_route *x)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[(RTA_MAX > IFA_MAX ? RTA_MAX : IFA_MAX) + 1] = {0};
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb);
	unsigned char tmp[16];
	memset(x, 0, sizeof(*x));
	x->family = rtm->rtm_family;
	x->table = rtm->rtm_table;
	x->type = rtm->rtm_type;
	x->protocol = rtm->rtm_protocol;
	x->scope = rtm->rtm_scope;
	x->dst_len = rtm->rtm_dst_len;
	if (tb[RTA_TABLE] && mnl_attr_validate(tb[RTA_TABLE], MNL_TYPE_U32) >= 0)
		x->table = (int)mnl_attr_get_u32(tb[RTA_TABLE]);
	if (tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) >= 0)
		x->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	if (tb[RTA_PRIORITY] && mnl_attr_validate(tb[RTA_PRIORITY], MNL_TYPE_U32) >= 0)
		x->metric = (int)mnl_attr_get_u32(tb[RTA_PRIORITY]);
	attr_addr(tb[RTA_DST], x->family, tmp, x->dst, sizeof(x->dst));
	attr_addr(tb[RTA_GATEWAY], x->family, tmp, x->gateway, sizeof(x->gateway));
	attr_addr(tb[RTA_PREFSRC], x->family, tmp, x->prefsrc, sizeof(x->prefsrc));
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_ctx *c = data;
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
		return MNL_CB_OK;
	struct rtnl_route x;
	parse_route(nlh, &x);
	if (x.family != AF_INET && x.family != AF_INET6)
		return MNL_CB_OK;
	if (c->answer) {
		c->answer->oif = x.oif;
		c->answer->type = x.type;
		snprintf(c->answer->gateway, sizeof(c->answer->gateway), "%s", x.gateway);
		snprintf(c->answer->prefsrc, sizeof(c->answer->prefsrc), "%s", x.prefsrc);
		c->got = true;
		return MNL_CB_STOP;
	}
	if (c->out->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->out->v = xrealloc(c->out->v, c->cap * sizeof(*c->out->v));
	}
	c->out->v[c->out->n++] = x;
	return MNL_CB_OK;
}

int rtnl_parse_routes(const void *buf, size_t len, struct rtnl_routes *ret)
{
	struct route_ctx c = {.out = ret, .cap = ret->n};
	return mnl_cb_run(buf, rtnl_valid_prefix(buf, len), 0, 0, route_cb, &c);
}

int rtnl_dump_routes(int nsfd, int family, struct rtnl_routes *ret, struct cirt_err *err)
{
	memset(ret, 0, sizeof(*ret));
	char req[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	for (int i = 0;; i++) {
		struct route_ctx c = {.out = ret};
		int r = nl_talk(nsfd, nlh, route_cb, &c, "netlink route dump", err);
		if (r == 0)
			return 0;
		rtnl_routes_free(ret);
		if (r != -EINTR || i + 1 == DUMP_TRIES)
			return -1;
	}
}

void rtnl_routes_free(struct rtnl_routes *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int parse_ip(const char *s, unsigned char out[16])
{
	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return AF_INET6;
	return 0;
}

int rtnl_route_get(int nsfd, const char *dst, const char *src, int iif,
                   struct rtnl_route_answer *ret, struct cirt_err *err)
{
	unsigned char d[16], s[16];
	int fam = parse_ip(dst, d);
	if (!fam)
		return err_set(err, CIRT_EXIT_USAGE, "'%s' is not an IPv4 or IPv6 address", dst);
	if (src && parse_ip(src, s) != fam)
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "route lookup: '%s' and '%s' differ in family", dst, src);
	char req[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)fam;
	size_t alen = fam == AF_INET ? 4 : 16;
	rtm->rtm_dst_len = (unsigned char)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, d);
	if (src) {
		rtm->rtm_src_len = (unsigned char)(alen * 8);
		mnl_attr_put(nlh, RTA_SRC, alen, s);
	}
	if (iif > 0)
		mnl_attr_put_u32(nlh, RTA_IIF, (uint32_t)iif);
	struct rtnl_route_answer a = {0};
	struct route_ctx c = {.answer = &a};
	if (nl_talk(nsfd, nlh, route_cb, &c, "route lookup", err) < 0)
		return err_prefix(err, "route to %s", dst);
	if (!c.got)
		return err_set(err, CIRT_EXIT_RUNTIME, "route to %s: no answer from the kernel",
		               dst);
	*ret = a;
	return 0;
}

bool ip_in_prefix(const char *addr, const char *prefix, int len)
{
	unsigned char a[16], p[16];
	int fa = addr ? parse_ip(addr, a) : 0, fp = prefix ? parse_ip(prefix, p) : 0;
	if (!fa || fa != fp || len < 0 || len > (fa == AF_INET ? 32 : 128))
		return false;
	int full = len / 8, rest = len % 8;
	if (memcmp(a, p, (size_t)full) != 0)
		return false;
	if (rest) {
		unsigned char m = (unsigned char)(0xff << (8 - rest));
		if ((a[full] & m) != (p[full] & m))
			return false;
	}
	return true;
}

const struct rtnl_addr *rtnl_masquerade_source(const struct rtnl_addrs *a, int ifindex,
                                               const char *nh)
{
	const struct rtnl_addr *first = NULL;
	for (size_t i = 0; i < a->n; i++) {
		const struct rtnl_addr *x = &a->v[i];
		if (x->ifindex != ifindex || x->family != AF_INET || (x->flags & IFA_F_SECONDARY) ||
		    x->scope != RT_SCOPE_UNIVERSE)
			continue;
		if (!first)
			first = x;
		if (nh && *nh && ip_in_prefix(nh, x->text, x->prefix))
			return x;
	}
	return first;
}
