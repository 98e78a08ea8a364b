/* conntrack.c: conntrack dumps and events with libnetfilter_conntrack, as struct flow. */
#include "sources/conntrack.h"

#include <fcntl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

struct conntrack {
	struct nfct_handle *h;
	bool events;
};

struct cb_ctx {
	conntrack_cb cb;
	void *ud;
	bool dump; /* the answers of a dump come as updates: say what they are */
	bool stopped;
	size_t delivered;
};

static const char *const ct_tcp_states[] = {
    [TCP_CONNTRACK_NONE] = "NONE",         [TCP_CONNTRACK_SYN_SENT] = "SYN_SENT",
    [TCP_CONNTRACK_SYN_RECV] = "SYN_RECV", [TCP_CONNTRACK_ESTABLISHED] = "ESTABLISHED",
    [TCP_CONNTRACK_FIN_WAIT] = "FIN_WAIT", [TCP_CONNTRACK_CLOSE_WAIT] = "CLOSE_WAIT",
    [TCP_CONNTRACK_LAST_ACK] = "LAST_ACK", [TCP_CONNTRACK_TIME_WAIT] = "TIME_WAIT",
    [TCP_CONNTRACK_CLOSE] = "CLOSE",       [TCP_CONNTRACK_SYN_SENT2] = "SYN_SENT2",
};

static void get_addr(const struct nf_conntrack *ct, int l3, enum nf_conntrack_attr a4,
                     enum nf_conntrack_attr a6, struct flow_addr *out)
{
	if (l3 == AF_INET && nfct_attr_is_set(ct, a4) > 0)
		flow_addr_set(out, AF_INET, nfct_get_attr(ct, a4));
	else if (l3 == AF_INET6 && nfct_attr_is_set(ct, a6) > 0)
		flow_addr_set(out, AF_INET6, nfct_get_attr(ct, a6));
}

static uint16_t get_port(const struct nf_conntrack *ct, enum nf_conntrack_attr a)
{
	return nfct_attr_is_set(ct, a) > 0 ? ntohs(nfct_get_attr_u16(ct, a)) : 0;
}

void conntrack_to_flow(const struct nf_conntrack *ct, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	int l3 = nfct_get_attr_u8(ct, ATTR_L3PROTO);
	f->proto = nfct_get_attr_u8(ct, ATTR_L4PROTO);
	get_addr(ct, l3, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, &f->orig.src);
	get_addr(ct, l3, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, &f->orig.dst);
	get_addr(ct, l3, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, &f->reply.src);
	get_addr(ct, l3, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST, &f->reply.dst);
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP || f->proto == IPPROTO_UDPLITE ||
	    f->proto == IPPROTO_SCTP || f->proto == IPPROTO_DCCP) {
		f->orig.sport = get_port(ct, ATTR_ORIG_PORT_SRC);
		f->orig.dport = get_port(ct, ATTR_ORIG_PORT_DST);
		f->reply.sport = get_port(ct, ATTR_REPL_PORT_SRC);
		f->reply.dport = get_port(ct, ATTR_REPL_PORT_DST);
	}
	f->status = nfct_attr_is_set(ct, ATTR_STATUS) > 0 ? nfct_get_attr_u32(ct, ATTR_STATUS) : 0;
	if (f->proto == IPPROTO_TCP && nfct_attr_is_set(ct, ATTR_TCP_STATE) > 0) {
		uint8_t s = nfct_get_attr_u8(ct, ATTR_TCP_STATE);
		snprintf(f->state, sizeof(f->state), "%s",
		         s < ARRAY_SIZE(ct_tcp_states) && ct_tcp_states[s] ? ct_tcp_states[s]
		                                                           : "UNKNOWN");
	} else if (f->proto != IPPROTO_TCP) {
		/* what `conntrack -L` shows in brackets: did the other side ever answer? */
		snprintf(f->state, sizeof(f->state), "%s",
		         (f->status & IPS_SEEN_REPLY) ? "REPLIED" : "UNREPLIED");
	}
	if (nfct_attr_is_set(ct, ATTR_ORIG_COUNTER_PACKETS) > 0) {
		f->counted = true;
		f->packets[0] = nfct_get_attr_u64(ct, ATTR_ORIG_COUNTER_PACKETS);
		f->bytes[0] = nfct_get_attr_u64(ct, ATTR_ORIG_COUNTER_BYTES);
		f->packets[1] = nfct_get_attr_u64(ct, ATTR_REPL_COUNTER_PACKETS);
		f->bytes[1] = nfct_get_attr_u64(ct, ATTR_REPL_COUNTER_BYTES);
	}
	if (nfct_attr_is_set(ct, ATTR_TIMESTAMP_START) > 0)
		f->first_ns = nfct_get_attr_u64(ct, ATTR_TIMESTAMP_START);
	if (nfct_attr_is_set(ct, ATTR_TIMESTAMP_STOP) > 0)
		f->last_ns = nfct_get_attr_u64(ct, ATTR_TIMESTAMP_STOP);
	f->timeout =
	    nfct_attr_is_set(ct, ATTR_TIMEOUT) > 0 ? nfct_get_attr_u32(ct, ATTR_TIMEOUT) : 0;
	f->id = nfct_attr_is_set(ct, ATTR_ID) > 0 ? nfct_get_attr_u32(ct, ATTR_ID) : 0;
	f->mark = nfct_attr_is_set(ct, ATTR_MARK) > 0 ? nfct_get_attr_u32(ct, ATTR_MARK) : 0;
}

static int nfct_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct cb_ctx *c = data;
	if (c->stopped)
		return NFCT_CB_STOP;
	struct flow f;
	conntrack_to_flow(ct, &f);
	enum conntrack_event ev = CONNTRACK_EV_DUMP;
	if (c->dump)
		ev = CONNTRACK_EV_DUMP;
	else if (type == NFCT_T_NEW)
		ev = CONNTRACK_EV_NEW;
	else if (type == NFCT_T_UPDATE)
		ev = CONNTRACK_EV_UPDATE;
	else if (type == NFCT_T_DESTROY)
		ev = CONNTRACK_EV_DESTROY;
	c->delivered++;
	if (!c->cb(&f, ev, c->ud)) {
		c->stopped = true;
		return NFCT_CB_STOP;
	}
	return NFCT_CB_CONTINUE;
}

static int why(struct cirt_err *err, const char *what, int e)
{
	if (e == EPERM || e == EACCES)
		return err_set(err, CIRT_EXIT_PERM,
		               "conntrack %s: permission denied (needs root or CAP_NET_ADMIN)",
		               what);
	if (e == EPROTONOSUPPORT || e == ENOENT || e == EOPNOTSUPP)
		return err_set(
		    err, CIRT_EXIT_RUNTIME,
		    "conntrack %s: not available (%s; is the nf_conntrack_netlink module loaded?)",
		    what, strerror(e));
	return err_set(err, CIRT_EXIT_RUNTIME, "conntrack %s: %s", what, strerror(e));
}

int conntrack_open(unsigned events, struct conntrack **ret, struct cirt_err *err)
{
	unsigned groups = 0;
	if (events & CONNTRACK_EV_NEW)
		groups |= NF_NETLINK_CONNTRACK_NEW;
	if (events & CONNTRACK_EV_UPDATE)
		groups |= NF_NETLINK_CONNTRACK_UPDATE;
	if (events & CONNTRACK_EV_DESTROY)
		groups |= NF_NETLINK_CONNTRACK_DESTROY;
	errno = 0;
	struct nfct_handle *h = nfct_open(CONNTRACK, groups);
	if (!h)
		return why(err, "open", errno ? errno : EPROTONOSUPPORT);
	/* the library's socket lacks CLOEXEC: no child of ours should inherit it */
	int fd = nfct_fd(h);
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	struct conntrack *ct = xcalloc(1, sizeof(*ct));
	ct->h = h;
	ct->events = groups != 0;
	*ret = ct;
	return 0;
}

void conntrack_close(struct conntrack *ct)
{
	if (!ct)
		return;
	nfct_close(ct->h);
	free(ct);
}

int conntrack_fd(struct conntrack *ct)
{
	return nfct_fd(ct->h);
}

int conntrack_dump(struct conntrack *ct, int family, conntrack_cb cb, void *ud,
                   struct cirt_err *err)
{
	struct cb_ctx c = {.cb = cb, .ud = ud, .dump = true};
	nfct_callback_register(ct->h, NFCT_T_ALL, nfct_cb, &c);
	uint32_t fam = (uint32_t)family;
	int r = nfct_query(ct->h, NFCT_Q_DUMP, &fam);
	int e = errno;
	nfct_callback_unregister(ct->h);
	if (r < 0 && !c.stopped)
		return why(err, "dump", e);
	return 0;
}

int conntrack_read_events(struct conntrack *ct, int timeout_ms, conntrack_cb cb, void *ud,
                          bool *ret_lost, struct cirt_err *err)
{
	if (ret_lost)
		*ret_lost = false;
	if (!ct->events)
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "conntrack: handle not subscribed to events");
	int fd = nfct_fd(ct->h);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int pr;
	do
		pr = poll(&p, 1, timeout_ms);
	while (pr < 0 && errno == EINTR);
	if (pr < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "conntrack events: poll: %s",
		               strerror(errno));
	if (pr == 0)
		return 0;
	/* drain what is queued without blocking: nfct_catch stops with EAGAIN */
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	struct cb_ctx c = {.cb = cb, .ud = ud};
	nfct_callback_register(ct->h, NFCT_T_ALL, nfct_cb, &c);
	int r = nfct_catch(ct->h);
	int e = errno;
	nfct_callback_unregister(ct->h);
	fcntl(fd, F_SETFL, fl);
	if (r < 0 && e == ENOBUFS) {
		if (ret_lost)
			*ret_lost = true;
	} else if (r < 0 && e != EAGAIN && e != EWOULDBLOCK && !c.stopped)
		return why(err, "events", e);
	return (int)c.delivered;
}

struct all_ctx {
	struct flow *v;
	size_t n, cap;
};

static bool collect(const struct flow *f, enum conntrack_event ev, void *ud)
{
	struct all_ctx *a = ud;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = *f;
	return true;
}

int conntrack_dump_all(int family, struct flow **ret, size_t *ret_n, struct cirt_err *err)
{
	_cleanup_conntrack_ struct conntrack *ct = NULL;
	if (conntrack_open(0, &ct, err) < 0)
		return -1;
	struct all_ctx a = {0};
	if (conntrack_dump(ct, family, collect, &a, err) < 0) {
		free(a.v);
		return -1;
	}
	*ret = a.v;
	*ret_n = a.n;
	return 0;
}
