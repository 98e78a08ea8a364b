/* sockdiag.c: inet_diag dumps (TCP, UDP; IPv4, IPv6) over NETLINK_SOCK_DIAG with libmnl. */
#include "sources/sockdiag.h"

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sources/rtnl.h"

/* include/net/tcp_states.h */
static const char *const tcp_states[] = {
    [1] = "ESTABLISHED", [2] = "SYN_SENT",  [3] = "SYN_RECV", [4] = "FIN_WAIT1",
    [5] = "FIN_WAIT2",   [6] = "TIME_WAIT", [7] = "CLOSE",    [8] = "CLOSE_WAIT",
    [9] = "LAST_ACK",    [10] = "LISTEN",   [11] = "CLOSING", [12] = "NEW_SYN_RECV",
};

const char *sockdiag_tcp_state_name(int state)
{
	if (state > 0 && state < (int)ARRAY_SIZE(tcp_states) && tcp_states[state])
		return tcp_states[state];
	return "UNKNOWN";
}

struct dump_ctx {
	struct sockdiag_list *out;
	size_t cap;
	uint8_t proto;
};

static int diag_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY && nlh->nlmsg_type != TCPDIAG_GETSOCK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct inet_diag_msg))
		return MNL_CB_OK;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return MNL_CB_OK;
	if (c->out->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->out->v = xrealloc(c->out->v, c->cap * sizeof(*c->out->v));
	}
	struct sockdiag_entry *e = &c->out->v[c->out->n++];
	memset(e, 0, sizeof(*e));
	e->f.proto = c->proto;
	flow_addr_set(&e->f.orig.src, m->idiag_family, m->id.idiag_src);
	flow_addr_set(&e->f.orig.dst, m->idiag_family, m->id.idiag_dst);
	e->f.orig.sport = ntohs(m->id.idiag_sport);
	e->f.orig.dport = ntohs(m->id.idiag_dport);
	const char *st;
	if (c->proto == IPPROTO_TCP)
		st = sockdiag_tcp_state_name(m->idiag_state);
	else /* UDP reuses TCP_ESTABLISHED for a connected socket and TCP_CLOSE for the rest */
		st = m->idiag_state == 1 ? "ESTABLISHED" : "UNCONN";
	snprintf(e->f.state, sizeof(e->f.state), "%s", st);
	e->inode = m->idiag_inode;
	e->uid = m->idiag_uid;
	e->rqueue = m->idiag_rqueue;
	e->wqueue = m->idiag_wqueue;
	e->ifindex = m->id.idiag_if;
	return MNL_CB_OK;
}

/* family 0: TCP of both families in one request, through the old TCPDIAG_GETSOCK message. The
 * kernel answers it with a dump for AF_UNSPEC, walking its (global, large) TCP hash once
 * instead of once per family: half the cost of a namespace. */
static int dump_one(struct mnl_socket *nl, char *buf, size_t bufsz, int family, uint8_t proto,
                    unsigned int seq, struct dump_ctx *c, struct cirt_err *err)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (family == 0) {
		nlh->nlmsg_type = TCPDIAG_GETSOCK;
		struct inet_diag_req *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
		req->idiag_family = AF_INET;
		req->idiag_states = ~0u;
	} else {
		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
		req->sdiag_family = (uint8_t)family;
		req->sdiag_protocol = proto;
		req->idiag_states = ~0u; /* every state, listening and time-wait included */
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "sock_diag send: %s", strerror(errno));
	unsigned int portid = mnl_socket_get_portid(nl);
	c->proto = proto;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, bufsz);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, CIRT_EXIT_RUNTIME, "sock_diag receive: %s",
			               strerror(errno));
		}
		int r = mnl_cb_run(buf, (size_t)n, seq, portid, diag_cb, c);
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0) {
			int e = errno;
			/* no udp_diag module for this family: nothing to list, not a failure */
			if (e == ENOENT && family != 0)
				return 0;
			return err_set(err, CIRT_EXIT_RUNTIME, "sock_diag %s%s dump: %s",
			               flow_proto_name(proto), family == AF_INET6 ? "6" : "",
			               strerror(e));
		}
	}
}

int sockdiag_dump(int nsfd, unsigned protos, struct sockdiag_list *ret, struct cirt_err *err)
{
	int fd = netns_socket(nsfd, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return err_set(err, fd == -EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "sock_diag socket: %s", strerror(-fd));
	struct mnl_socket *nl = mnl_socket_fdopen(fd);
	if (!nl) {
		close(fd);
		return err_set(err, CIRT_EXIT_RUNTIME, "mnl_socket_fdopen: %s", strerror(errno));
	}
	size_t bufsz = MNL_SOCKET_BUFFER_SIZE > 32768 ? MNL_SOCKET_BUFFER_SIZE : 32768;
	_cleanup_free_ char *buf = xmalloc(bufsz);
	struct sockdiag_list tmp = {0};
	struct dump_ctx c = {.out = &tmp};
	int rc = 0;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = err_set(err, CIRT_EXIT_RUNTIME, "sock_diag bind: %s", strerror(errno));
		goto out;
	}
	unsigned int seq = 1;
	if (protos & SOCKDIAG_TCP) {
		size_t before = tmp.n;
		struct cirt_err e2 = {0};
		if (dump_one(nl, buf, bufsz, 0, IPPROTO_TCP, seq++, &c, &e2) < 0) {
			/* a kernel without the old message: one request per family */
			tmp.n = before;
			if (dump_one(nl, buf, bufsz, AF_INET, IPPROTO_TCP, seq++, &c, err) < 0 ||
			    dump_one(nl, buf, bufsz, AF_INET6, IPPROTO_TCP, seq++, &c, err) < 0) {
				rc = -1;
				goto out;
			}
		}
	}
	if (protos & SOCKDIAG_UDP) {
		if (dump_one(nl, buf, bufsz, AF_INET, IPPROTO_UDP, seq++, &c, err) < 0 ||
		    dump_one(nl, buf, bufsz, AF_INET6, IPPROTO_UDP, seq++, &c, err) < 0) {
			rc = -1;
			goto out;
		}
	}
	/* append to the caller's list only when the whole namespace was read */
	if (tmp.n) {
		ret->v = xrealloc(ret->v, (ret->n + tmp.n) * sizeof(*ret->v));
		memcpy(ret->v + ret->n, tmp.v, tmp.n * sizeof(*tmp.v));
		ret->n += tmp.n;
	}
out:
	free(tmp.v);
	mnl_socket_close(nl);
	return rc;
}

void sockdiag_list_free(struct sockdiag_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
