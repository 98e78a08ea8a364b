/* rtnl.c: RTM_GETLINK dumps with libmnl, optionally from inside another network namespace. */
#include "sources/rtnl.h"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>

int netns_socket(int nsfd, int proto)
{
	if (nsfd < 0) {
		int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
		return fd < 0 ? -errno : fd;
	}
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	int saved = errno;
	if (setns(self, CLONE_NEWNET) < 0) {
		/* continuing in a container's namespace would make every later answer wrong */
		static const char m[] = "cirt: cannot return to the host network namespace\n";
		ssize_t w = write(2, m, sizeof(m) - 1);
		(void)w;
		abort();
	}
	if (fd < 0)
		return -saved;
	return fd;
}

struct dump_ctx {
	struct rtnl_links *out;
	size_t cap;
};

static int link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	if (mnl_attr_type_valid(a, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

static int linkinfo_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(a, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

/* A string attribute into a fixed buffer: libmnl's MNL_TYPE_STRING check does not require the
 * terminating NUL, so never read past the attribute's own payload. */
static void attr_str(char *dst, size_t n, const struct nlattr *a)
{
	const char *p = mnl_attr_get_payload(a);
	size_t l = strnlen(p, mnl_attr_get_payload_len(a));
	if (l >= n)
		l = n - 1;
	memcpy(dst, p, l);
	dst[l] = '\0';
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return MNL_CB_OK;
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb);
	if (c->out->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->out->v = xrealloc(c->out->v, c->cap * sizeof(*c->out->v));
	}
	struct rtnl_link *k = &c->out->v[c->out->n++];
	memset(k, 0, sizeof(*k));
	k->ifindex = ifm->ifi_index;
	k->flags = ifm->ifi_flags;
	k->link_netnsid = -1;
	if (tb[IFLA_IFNAME] && mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_STRING) >= 0)
		attr_str(k->name, sizeof(k->name), tb[IFLA_IFNAME]);
	if (tb[IFLA_ADDRESS]) {
		size_t l = mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);
		if (l > sizeof(k->mac))
			l = sizeof(k->mac);
		memcpy(k->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), l);
		k->mac_len = (int)l;
	}
	if (tb[IFLA_MASTER] && mnl_attr_validate(tb[IFLA_MASTER], MNL_TYPE_U32) >= 0)
		k->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK] && mnl_attr_validate(tb[IFLA_LINK], MNL_TYPE_U32) >= 0)
		k->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_LINK_NETNSID] && mnl_attr_validate(tb[IFLA_LINK_NETNSID], MNL_TYPE_U32) >= 0)
		k->link_netnsid = (int)mnl_attr_get_u32(tb[IFLA_LINK_NETNSID]);
	if (tb[IFLA_MTU] && mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32) >= 0)
		k->mtu = (int)mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *li[IFLA_INFO_MAX + 1] = {0};
		mnl_attr_parse_nested(tb[IFLA_LINKINFO], linkinfo_attr_cb, li);
		if (li[IFLA_INFO_KIND] &&
		    mnl_attr_validate(li[IFLA_INFO_KIND], MNL_TYPE_STRING) >= 0)
			attr_str(k->kind, sizeof(k->kind), li[IFLA_INFO_KIND]);
	}
	return MNL_CB_OK;
}

/* The length of the run of whole messages at the start of buf. libmnl's mnl_nlmsg_ok compares
 * nlmsg_len as an int: a length of 2 GiB or more passes and the walk jumps out of the buffer
 * (found by tests/fuzz/fuzz_rtnl). Its attribute walk ends at the *aligned* end of a message:
 * an unaligned last message lets an attribute reach 3 bytes past the buffer (found by
 * tests/fuzz/fuzz_rtnl_addr). The kernel pads every message, so both are refused here; whatever
 * follows a bad header is not looked at. */
size_t rtnl_valid_prefix(const void *buf, size_t len)
{
	size_t off = 0;
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)buf + off);
		if (h->nlmsg_len < sizeof(*h) || MNL_ALIGN((size_t)h->nlmsg_len) > len - off)
			break;
		off += MNL_ALIGN((size_t)h->nlmsg_len);
	}
	return off;
}

int rtnl_parse_links(const void *buf, size_t len, struct rtnl_links *ret)
{
	struct dump_ctx c = {.out = ret, .cap = ret->n};
	/* seq 0 and portid 0: no sequence or sender check (these are the kernel's bytes already) */
	return mnl_cb_run(buf, rtnl_valid_prefix(buf, len), 0, 0, link_cb, &c);
}

static int dump_links_once(int nsfd, struct rtnl_links *ret, struct cirt_err *err)
{
	memset(ret, 0, sizeof(*ret));
	int fd = netns_socket(nsfd, NETLINK_ROUTE);
	if (fd < 0)
		return err_set(err, fd == -EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "netlink socket%s: %s", nsfd >= 0 ? " in container namespace" : "",
		               strerror(-fd));
	struct mnl_socket *nl = mnl_socket_fdopen(fd);
	if (!nl) {
		close(fd);
		return err_set(err, CIRT_EXIT_RUNTIME, "mnl_socket_fdopen: %s", strerror(errno));
	}
	int rc = -1;
	char *buf = xmalloc((32 * 1024));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err_set(err, CIRT_EXIT_RUNTIME, "netlink bind: %s", strerror(errno));
		goto out;
	}
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	unsigned int seq = (unsigned int)time(NULL);
	nlh->nlmsg_seq = seq;
	struct rtgenmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtgenmsg));
	rt->rtgen_family = AF_PACKET;
	unsigned int portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err_set(err, CIRT_EXIT_RUNTIME, "netlink send: %s", strerror(errno));
		goto out;
	}
	struct dump_ctx c = {.out = ret};
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, (32 * 1024));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, CIRT_EXIT_RUNTIME, "netlink receive: %s", strerror(errno));
			goto out;
		}
		int r =
		    mnl_cb_run(buf, rtnl_valid_prefix(buf, (size_t)n), seq, portid, link_cb, &c);
		if (r == MNL_CB_STOP)
			break;
		if (r < 0) {
			/* EINTR: the kernel flagged the dump inconsistent (links changed meanwhile)
			 */
			rc = errno == EINTR ? -EINTR : -1;
			err_set(err, CIRT_EXIT_RUNTIME, "netlink link dump: %s", strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	free(buf);
	mnl_socket_close(nl);
	if (rc < 0)
		rtnl_links_free(ret);
	return rc < 0 ? rc : 0;
}

int rtnl_dump_links(int nsfd, struct rtnl_links *ret, struct cirt_err *err)
{
	/* links created or deleted during the dump make it inconsistent: read it again */
	for (int i = 0;; i++) {
		int r = dump_links_once(nsfd, ret, err);
		if (r != -EINTR || i == 9)
			return r < 0 ? -1 : 0;
	}
}

void rtnl_links_free(struct rtnl_links *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct rtnl_link *rtnl_link_by_index(const struct rtnl_links *l, int ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ifindex == ifindex)
			return &l->v[i];
	return NULL;
}

const struct rtnl_link *rtnl_link_by_name(const struct rtnl_links *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

const char *rtnl_mac_str(const struct rtnl_link *k, char *out, size_t n)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < k->mac_len && o + 3 < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%02x", i ? ":" : "", k->mac[i]);
	return out;
}
