/* dnscap.c: the DNS capture source: a libpcap handle inside each network namespace, frames to
 * DNS messages (UDP, TCP reassembled), the host namespace's passing traffic left out. */
#include "sources/dnscap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>

#include "escape.h"

#define DEF_BUFFER (256u << 10)
#define DEF_SNAPLEN 16384
#define DEF_MAX_NETNS 1024u
#define DEF_MAX_TCP 256u
#define TCP_MSG_MAX (2u + 65535u)
#define REFRESH_MS 1000u /* links and addresses are read again at most this often */
#define RING 256u        /* host namespace: passing payloads and connections remembered */
#define PENDING 64u      /* container namespace: questions asked of 127.0.0.11 remembered */
#define BATCH 64         /* packets per pcap_dispatch */
#define BATCHES 16       /* pcap_dispatch calls per handle per dnscap_process */

struct pending_q {
	uint64_t key; /* id, type and name: 0 is a free slot */
};

struct ns {
	struct ns *next;
	uint64_t inode;
	bool host;
	unsigned refs;
	int nsfd; /* -1: offline */
	pcap_t *p;
	int fd;
	int linktype;
	bool failed;
	struct rtnl_links links;
	struct rtnl_addrs addrs;
	bool have_links, have_addrs;
	uint64_t links_ms, addrs_ms;
	/* host namespace: hashes of payloads of passing client->server packets, and connections
	 * known to be masqueraded copies of them */
	uint64_t passing[RING];
	unsigned passing_next;
	uint64_t natted[RING];
	unsigned natted_next;
	/* container namespace: questions the embedded resolver was asked */
	struct pending_q pend[PENDING];
	unsigned pend_next;
};

struct tcp_half {
	bool used, dead;
	uint64_t inode;
	struct dnscap_endpoint src, dst;
	uint32_t next_seq;
	uint64_t last_ms;
	uint8_t *buf;
	size_t len, cap;
};

struct dnscap {
	struct dnscap_opts o;
	int epfd;
	uint64_t host_inode;
	struct ns *list;
	size_t n_ns;
	struct tcp_half *tcp;
	struct dns_msg *msg;
	struct dnscap_stats st; /* counters; received/dropped hold the closed handles' totals */
};

/* ---------------------------------------------------------------- small helpers */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}
#define FNV0 14695981039346656037ull

static uint64_t ep_hash(uint64_t h, const struct dnscap_endpoint *e)
{
	h = fnv(h, &e->family, sizeof(e->family));
	h = fnv(h, e->addr, e->family == AF_INET ? 4 : 16);
	return fnv(h, &e->port, sizeof(e->port));
}

static bool ep_eq(const struct dnscap_endpoint *a, const struct dnscap_endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

static bool is_embedded(const struct dnscap_endpoint *e)
{
	static const uint8_t a[4] = {127, 0, 0, 11};
	return e->family == AF_INET && memcmp(e->addr, a, 4) == 0;
}

/* The side that looks like a server: port 53, or the embedded resolver's address. */
static bool looks_server(const struct dnscap_endpoint *e)
{
	return e->port == 53 || is_embedded(e);
}

static uint64_t tv_ms(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000u + (uint64_t)tv->tv_usec / 1000u;
}

const char *dnscap_endpoint_str(const struct dnscap_endpoint *e, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(e->family, e->addr, a, sizeof(a));
	snprintf(buf, n, e->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, e->port);
	return buf;
}

/* ---------------------------------------------------------------- frames */

struct pkt {
	int ifindex;
	struct dnscap_endpoint src, dst;
	int proto;
	const uint8_t *payload;
	size_t plen;
	bool cut;        /* the transport payload is not all there */
	bool later_frag; /* an IP fragment after the first: no transport header */
	uint32_t seq;
	uint8_t tcp_flags;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* IP and transport headers of a packet of `avail` captured bytes; false for anything that is
 * not IPv4/IPv6 UDP/TCP. */
static bool parse_ip(uint16_t et, const uint8_t *d, size_t avail, struct pkt *k)
{
	uint8_t proto;
	size_t hl, total;
	bool frag_first = false;
	if (et == 0x0800) {
		if (avail < 20 || (d[0] >> 4) != 4)
			return false;
		hl = (size_t)(d[0] & 0x0f) * 4;
		total = be16(d + 2);
		if (hl < 20 || avail < hl || total < hl)
			return false;
		proto = d[9];
		k->src.family = k->dst.family = AF_INET;
		memcpy(k->src.addr, d + 12, 4);
		memcpy(k->dst.addr, d + 16, 4);
		uint16_t fo = be16(d + 6);
		if (fo & 0x1fff)
			k->later_frag = true;
		else if (fo & 0x2000)
			frag_first = true;
	} else if (et == 0x86dd) {
		if (avail < 40 || (d[0] >> 4) != 6)
			return false;
		hl = 40;
		total = 40u + be16(d + 4);
		proto = d[6];
		k->src.family = k->dst.family = AF_INET6;
		memcpy(k->src.addr, d + 8, 16);
		memcpy(k->dst.addr, d + 24, 16);
		/* hop-by-hop, routing, destination options, fragment */
		for (int i = 0; i < 8 && (proto == 0 || proto == 43 || proto == 60 || proto == 44);
		     i++) {
			if (avail < hl + 8)
				return false;
			const uint8_t *x = d + hl;
			if (proto == 44) {
				if (be16(x + 2) & 0xfff8)
					k->later_frag = true;
				else if (x[3] & 1)
					frag_first = true;
				proto = x[0];
				hl += 8;
				continue;
			}
			proto = x[0];
			hl += ((size_t)x[1] + 1) * 8;
		}
		if (avail < hl || total < hl)
			return false;
	} else
		return false;
	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return false;
	k->proto = proto;
	if (k->later_frag)
		return true;
	/* what the IP header says is there; padding past it is not payload */
	size_t have = avail < total ? avail : total;
	bool short_cap = avail < total;
	const uint8_t *l4 = d + hl;
	size_t l4len = have - hl;
	if (proto == IPPROTO_UDP) {
		if (l4len < 8)
			return false;
		k->src.port = be16(l4);
		k->dst.port = be16(l4 + 2);
		size_t ul = be16(l4 + 4);
		size_t want = ul >= 8 ? ul - 8 : 0;
		k->payload = l4 + 8;
		k->plen = l4len - 8 < want ? l4len - 8 : want;
		k->cut = short_cap || frag_first || k->plen < want;
	} else {
		if (l4len < 20)
			return false;
		k->src.port = be16(l4);
		k->dst.port = be16(l4 + 2);
		k->seq = be32(l4 + 4);
		size_t off = (size_t)(l4[12] >> 4) * 4;
		k->tcp_flags = l4[13];
		if (off < 20 || off > l4len)
			return false;
		k->payload = l4 + off;
		k->plen = l4len - off;
		k->cut = short_cap || frag_first;
	}
	return true;
}

static bool parse_frame(int linktype, const uint8_t *d, uint32_t caplen, struct pkt *k)
{
	memset(k, 0, sizeof(*k));
	switch (linktype) {
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return false;
		k->ifindex = (int)be32(d + 4);
		return parse_ip(be16(d), d + 20, caplen - 20, k);
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return false;
		return parse_ip(be16(d + 14), d + 16, caplen - 16, k);
	case DLT_EN10MB: {
		if (caplen < 14)
			return false;
		size_t off = 12;
		uint16_t et = be16(d + off);
		for (int i = 0; i < 2 && (et == 0x8100 || et == 0x88a8) && caplen >= off + 6; i++) {
			off += 4;
			et = be16(d + off);
		}
		off += 2;
		if (caplen < off)
			return false;
		return parse_ip(et, d + off, caplen - off, k);
	}
	case DLT_RAW:
	case 101:
		if (caplen < 1)
			return false;
		return parse_ip((d[0] >> 4) == 6 ? 0x86dd : 0x0800, d, caplen, k);
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- namespace facts */

static struct ns *ns_find(const struct dnscap *c, uint64_t inode)
{
	for (struct ns *n = c->list; n; n = n->next)
		if (n->inode == inode)
			return n;
	return NULL;
}

static void refresh_links(struct ns *n, uint64_t now)
{
	if (n->nsfd < 0 || (n->have_links && now - n->links_ms < REFRESH_MS))
		return;
	struct rtnl_links l;
	struct cirt_err e = {0};
	n->links_ms = now;
	if (rtnl_dump_links(n->nsfd, &l, &e) < 0)
		return;
	rtnl_links_free(&n->links);
	n->links = l;
	n->have_links = true;
}

static void refresh_addrs(struct ns *n, uint64_t now)
{
	if (n->nsfd < 0 || (n->have_addrs && now - n->addrs_ms < REFRESH_MS))
		return;
	struct rtnl_addrs a;
	struct cirt_err e = {0};
	n->addrs_ms = now;
	if (rtnl_dump_addrs(n->nsfd, &a, &e) < 0)
		return;
	rtnl_addrs_free(&n->addrs);
	n->addrs = a;
	n->have_addrs = true;
}

static const struct rtnl_link *ns_link(struct ns *n, int ifindex)
{
	if (ifindex <= 0)
		return NULL;
	const struct rtnl_link *k = rtnl_link_by_index(&n->links, ifindex);
	if (!k) {
		refresh_links(n, now_ms());
		k = rtnl_link_by_index(&n->links, ifindex);
	}
	return k;
}

static bool addr_assigned(const struct ns *n, const struct dnscap_endpoint *e)
{
	for (size_t i = 0; i < n->addrs.n; i++)
		if (n->addrs.v[i].family == e->family &&
		    memcmp(n->addrs.v[i].addr, e->addr, e->family == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

/* One of the namespace's own addresses (loopback included). */
static bool addr_local(struct ns *n, const struct dnscap_endpoint *e)
{
	if (e->family == AF_INET && e->addr[0] == 127)
		return true;
	static const uint8_t lo6[16] = {[15] = 1};
	if (e->family == AF_INET6 && memcmp(e->addr, lo6, 16) == 0)
		return true;
	if (addr_assigned(n, e))
		return true;
	refresh_addrs(n, now_ms());
	return addr_assigned(n, e);
}

static bool ring_has(const uint64_t *r, uint64_t k)
{
	for (unsigned i = 0; i < RING; i++)
		if (r[i] == k)
			return true;
	return false;
}

static void ring_push(uint64_t *r, unsigned *next, uint64_t k)
{
	r[*next % RING] = k ? k : 1;
	*next = (*next + 1) % RING;
}

/* ---------------------------------------------------------------- records */

struct emit {
	struct dnscap *c;
	struct ns *n;
	const struct pkt *k;
	const struct timeval *ts;
	dnscap_cb cb;
	void *ud;
};

static uint64_t question_key(const struct dns_msg *m)
{
	if (!m->nq)
		return 0;
	uint64_t h = fnv(FNV0, &m->id, sizeof(m->id));
	h = fnv(h, &m->q[0].type, sizeof(m->q[0].type));
	for (size_t i = 0; i < m->q[0].name.len; i++) {
		unsigned char ch = (unsigned char)m->q[0].name.text[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		h = fnv(h, &ch, 1);
	}
	return h ? h : 1;
}

/* Docker's embedded resolver forwards a client's query with its id and question: a query to
 * another server that matches one asked of 127.0.0.11 is that forwarding (and so its answer). */
static bool embedded_link(struct ns *n, const struct dnscap_record *r, const struct dns_msg *m)
{
	uint64_t key = question_key(m);
	if (!key || r->host_ns)
		return false;
	if (r->embedded) {
		if (!r->response) {
			n->pend[n->pend_next].key = key;
			n->pend_next = (n->pend_next + 1) % PENDING;
		}
		return false;
	}
	for (unsigned i = 0; i < PENDING; i++)
		if (n->pend[i].key == key)
			return true;
	return false;
}

/* One message: p/len are parsed into c->msg, unless p is NULL (TCP: dns_parse_tcp already
 * did, with result rc). */
static void emit_msg(struct emit *x, const uint8_t *p, size_t len, bool from_server,
                     const struct dnscap_endpoint *client, const struct dnscap_endpoint *server,
                     bool cut, int rc)
{
	struct dnscap *c = x->c;
	struct dnscap_record r = {0};
	r.ts = *x->ts;
	r.netns = x->n->inode;
	r.host_ns = x->n->host;
	r.ifindex = x->k->ifindex;
	const struct rtnl_link *lk = ns_link(x->n, x->k->ifindex);
	r.iface = lk ? lk->name : "";
	r.proto = x->k->proto;
	r.client = *client;
	r.server = *server;
	r.embedded = is_embedded(server);
	if (r.embedded && server->port != 53) {
		r.server_port_seen = server->port;
		r.server.port = 53;
	}
	r.cut = cut;
	r.parse_rc = p ? dns_parse(p, len, c->msg) : rc;
	r.msg = c->msg;
	if (c->msg->len >= DNS_HEADER_LEN)
		r.response = dns_is_response(c->msg);
	else
		r.response = from_server;
	r.forwarded = embedded_link(x->n, &r, c->msg);
	c->st.messages++;
	if (r.parse_rc)
		c->st.parse_errors++;
	x->cb(&r, x->ud);
}

/* ---------------------------------------------------------------- TCP */

static void half_free(struct tcp_half *h)
{
	free(h->buf);
	memset(h, 0, sizeof(*h));
}

static struct tcp_half *half_find(struct dnscap *c, uint64_t inode, const struct pkt *k)
{
	for (size_t i = 0; i < c->o.max_tcp_streams; i++) {
		struct tcp_half *h = &c->tcp[i];
		if (h->used && h->inode == inode && ep_eq(&h->src, &k->src) &&
		    ep_eq(&h->dst, &k->dst))
			return h;
	}
	return NULL;
}

static struct tcp_half *half_new(struct dnscap *c, uint64_t inode, const struct pkt *k,
                                 uint64_t now)
{
	/* max_tcp_streams is at least 1 (dnscap_new) */
	struct tcp_half *victim = &c->tcp[0];
	for (size_t i = 0; i < c->o.max_tcp_streams; i++) {
		struct tcp_half *h = &c->tcp[i];
		if (!h->used) {
			victim = h;
			break;
		}
		if (h->last_ms < victim->last_ms)
			victim = h;
	}
	if (victim->used) {
		/* the table is full: the least recently active half goes, lost if it held part
		 * of a message */
		if (victim->len && !victim->dead)
			c->st.tcp_lost++;
		half_free(victim);
	}
	victim->used = true;
	victim->inode = inode;
	victim->src = k->src;
	victim->dst = k->dst;
	victim->last_ms = now;
	return victim;
}

/* Both halves of k's connection, for a conversation that turned out not to be ours. */
static void tcp_forget(struct dnscap *c, uint64_t inode, const struct pkt *k)
{
	struct pkt rev = *k;
	rev.src = k->dst;
	rev.dst = k->src;
	struct tcp_half *h = half_find(c, inode, k);
	if (h)
		half_free(h);
	if ((h = half_find(c, inode, &rev)))
		half_free(h);
}

static void tcp_segment(struct emit *x, bool from_server, const struct dnscap_endpoint *client,
                        const struct dnscap_endpoint *server)
{
	struct dnscap *c = x->c;
	const struct pkt *k = x->k;
	uint64_t now = tv_ms(x->ts);
	struct tcp_half *h = half_find(c, x->n->inode, k);
	bool fin = k->tcp_flags & 0x01, syn = k->tcp_flags & 0x02, rst = k->tcp_flags & 0x04;
	if (rst) {
		if (h) {
			if (h->len && !h->dead)
				c->st.tcp_lost++;
			half_free(h);
		}
		return;
	}
	if (syn) {
		if (h)
			half_free(h);
		h = half_new(c, x->n->inode, k, now);
		h->next_seq = k->seq + 1;
		return;
	}
	if (!k->plen) {
		if (fin && h) {
			if (h->len && !h->dead)
				c->st.tcp_lost++;
			half_free(h);
		}
		return;
	}
	if (!h) {
		/* joined in the middle (the capture started after the SYN): assume a message
		 * starts here; if not, the parse says so */
		h = half_new(c, x->n->inode, k, now);
		h->next_seq = k->seq;
	}
	h->last_ms = now;
	if (h->dead)
		goto out;
	const uint8_t *p = k->payload;
	size_t n = k->plen;
	int32_t ahead = (int32_t)(k->seq - h->next_seq);
	if (ahead > 0 || k->cut) {
		/* a segment missed or cut: the rest of this half cannot be framed */
		h->dead = true;
		c->st.tcp_lost++;
		goto out;
	}
	if (ahead < 0) {
		size_t old = (size_t)(-(int64_t)ahead);
		if (old >= n)
			goto out; /* a retransmission of what was had */
		p += old;
		n -= old;
	}
	if (h->len + n > TCP_MSG_MAX + (size_t)c->o.snaplen) {
		h->dead = true;
		c->st.tcp_lost++;
		goto out;
	}
	if (h->len + n > h->cap) {
		size_t cap = h->cap ? h->cap : 512;
		while (cap < h->len + n)
			cap *= 2;
		h->buf = xrealloc(h->buf, cap);
		h->cap = cap;
	}
	memcpy(h->buf + h->len, p, n);
	h->len += n;
	h->next_seq += (uint32_t)n;
	size_t off = 0;
	while (h->len - off >= 2) {
		size_t used;
		int rc = dns_parse_tcp(h->buf + off, h->len - off, c->msg, &used);
		if (rc == -DNS_E_INCOMPLETE) {
			if (used > TCP_MSG_MAX) {
				h->dead = true;
				c->st.tcp_lost++;
			}
			break;
		}
		/* dns_parse_tcp already parsed c->msg: hand its result over */
		emit_msg(x, NULL, 0, from_server, client, server, false, rc);
		off += used;
	}
	if (off) {
		memmove(h->buf, h->buf + off, h->len - off);
		h->len -= off;
	}
out:
	if (fin) {
		if (h->len && !h->dead)
			c->st.tcp_lost++;
		half_free(h);
	}
}

/* ---------------------------------------------------------------- one frame */

static void feed_ns(struct dnscap *c, struct ns *n, int linktype, const struct timeval *ts,
                    const uint8_t *data, uint32_t caplen, uint32_t len, dnscap_cb cb, void *ud)
{
	struct pkt k;
	c->st.packets++;
	if (!parse_frame(linktype, data, caplen, &k)) {
		c->st.not_ip++;
		return;
	}
	(void)len;
	if (k.later_frag) {
		c->st.cut++;
		return;
	}
	/* which side is the server: the one that looks like one; when both or neither do, the
	 * QR bit of a UDP message says, else the destination */
	bool src_srv = looks_server(&k.src), dst_srv = looks_server(&k.dst);
	bool from_server;
	if (src_srv != dst_srv)
		from_server = src_srv;
	else if (k.proto == IPPROTO_UDP && k.plen >= DNS_HEADER_LEN)
		from_server = k.payload[2] & 0x80;
	else
		from_server = false;
	const struct dnscap_endpoint *client = from_server ? &k.dst : &k.src;
	const struct dnscap_endpoint *server = from_server ? &k.src : &k.dst;
	if (n->host) {
		const struct rtnl_link *lk = ns_link(n, k.ifindex);
		if (lk && lk->master) {
			c->st.host_passing++; /* a bridge port's copy */
			return;
		}
		uint64_t ph = 0;
		if (!from_server && k.plen) {
			ph = ep_hash(FNV0, server);
			ph = fnv(ph, &k.proto, sizeof(k.proto));
			if (k.proto == IPPROTO_TCP)
				ph = fnv(ph, &k.seq, sizeof(k.seq));
			ph = fnv(ph, k.payload, k.plen);
			ph = ph ? ph : 1;
		}
		if (!addr_local(n, client)) {
			/* a container's packet routed through the host */
			if (ph)
				ring_push(n->passing, &n->passing_next, ph);
			c->st.host_passing++;
			return;
		}
		uint64_t conn =
		    ep_hash(ep_hash(fnv(FNV0, &k.proto, sizeof(k.proto)), client), server);
		conn = conn ? conn : 1;
		bool natted = ring_has(n->natted, conn);
		if (!natted && ph && ring_has(n->passing, ph)) {
			/* the same query seen a moment ago from a container: this is it after
			 * MASQUERADE, and the rest of this conversation is the container's too */
			ring_push(n->natted, &n->natted_next, conn);
			natted = true;
		}
		if (natted) {
			if (k.proto == IPPROTO_TCP)
				tcp_forget(c, n->inode, &k);
			c->st.host_passing++;
			return;
		}
	}
	if (k.cut)
		c->st.cut++;
	struct emit x = {.c = c, .n = n, .k = &k, .ts = ts, .cb = cb, .ud = ud};
	if (k.proto == IPPROTO_UDP)
		emit_msg(&x, k.payload ? k.payload : data, k.plen, from_server, client, server,
		         k.cut, 0);
	else
		tcp_segment(&x, from_server, client, server);
}

void dnscap_feed(struct dnscap *c, uint64_t inode, int linktype, const struct timeval *ts,
                 const uint8_t *data, uint32_t caplen, uint32_t len, dnscap_cb cb, void *ud)
{
	struct ns *n = ns_find(c, inode);
	if (n)
		feed_ns(c, n, linktype, ts, data, caplen, len, cb, ud);
}

/* ---------------------------------------------------------------- handles */

int dnscap_new(const struct dnscap_opts *o, struct dnscap **ret, struct cirt_err *err)
{
	struct dnscap *c = xcalloc(1, sizeof(*c));
	if (o)
		c->o = *o;
	if (!c->o.buffer_bytes)
		c->o.buffer_bytes = DEF_BUFFER;
	if (c->o.snaplen <= 0)
		c->o.snaplen = DEF_SNAPLEN;
	if (!c->o.max_netns)
		c->o.max_netns = DEF_MAX_NETNS;
	if (!c->o.max_tcp_streams)
		c->o.max_tcp_streams = DEF_MAX_TCP;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0) {
		int e = errno;
		free(c);
		return err_set(err, CIRT_EXIT_RUNTIME, "dns capture: epoll: %s", strerror(e));
	}
	struct stat st;
	/* the host is where cirt runs, as everywhere in cirt (PID 1's namespace may not even be
	 * readable: another user namespace, or a PID 1 with capabilities we lack) */
	if (stat("/proc/self/ns/net", &st) == 0)
		c->host_inode = (uint64_t)st.st_ino;
	c->tcp = xcalloc(c->o.max_tcp_streams, sizeof(*c->tcp));
	c->msg = xmalloc(sizeof(*c->msg));
	*ret = c;
	return 0;
}

static void ns_close_handle(struct dnscap *c, struct ns *n)
{
	if (!n->p)
		return;
	struct pcap_stat ps;
	if (pcap_stats(n->p, &ps) == 0) {
		c->st.received += ps.ps_recv;
		c->st.dropped += ps.ps_drop;
		c->st.if_dropped += ps.ps_ifdrop;
	}
	if (n->fd >= 0)
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, n->fd, NULL);
	pcap_close(n->p);
	n->p = NULL;
	n->fd = -1;
}

static void ns_free(struct dnscap *c, struct ns *n)
{
	ns_close_handle(c, n);
	if (n->nsfd >= 0)
		close(n->nsfd);
	rtnl_links_free(&n->links);
	rtnl_addrs_free(&n->addrs);
	for (size_t i = 0; i < c->o.max_tcp_streams; i++)
		if (c->tcp[i].used && c->tcp[i].inode == n->inode)
			half_free(&c->tcp[i]);
	free(n);
}

void dnscap_free(struct dnscap *c)
{
	if (!c)
		return;
	while (c->list) {
		struct ns *n = c->list;
		c->list = n->next;
		ns_free(c, n);
	}
	if (c->epfd >= 0)
		close(c->epfd);
	free(c->tcp);
	free(c->msg);
	free(c);
}

/* Create, configure and activate the handle; called inside the target namespace. */
static int activate_here(struct dnscap *c, pcap_t **ret, int *ret_lt, struct cirt_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create("any", ebuf);
	if (!p)
		return err_set(err, CIRT_EXIT_RUNTIME, "pcap: %s", ebuf);
	pcap_set_snaplen(p, c->o.snaplen);
	pcap_set_promisc(p, 0);
	pcap_set_timeout(p, 100);
	pcap_set_buffer_size(p,
	                     (int)(c->o.buffer_bytes > (1u << 30) ? 1u << 30 : c->o.buffer_bytes));
	int r = pcap_activate(p);
	if (r < 0) {
		int code = r == PCAP_ERROR_PERM_DENIED ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME;
		err_set(err, code, "pcap: %s",
		        r == PCAP_ERROR_PERM_DENIED ? "permission denied (needs CAP_NET_RAW)"
		                                    : pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	/* the cooked v2 header carries the interface index */
	pcap_set_datalink(p, DLT_LINUX_SLL2);
	struct bpf_program prog;
	if (pcap_compile(p, &prog, DNSCAP_FILTER, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		err_set(err, CIRT_EXIT_RUNTIME, "pcap filter: %s", pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	r = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (r < 0 || pcap_setnonblock(p, 1, ebuf) < 0 || pcap_get_selectable_fd(p) < 0) {
		err_set(err, CIRT_EXIT_RUNTIME, "pcap: %s", r < 0 ? pcap_geterr(p) : ebuf);
		pcap_close(p);
		return -1;
	}
	*ret_lt = pcap_datalink(p);
	*ret = p;
	return 0;
}

static int open_in_netns(struct dnscap *c, int nsfd, pcap_t **ret, int *ret_lt,
                         struct cirt_err *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "open /proc/thread-self/ns/net: %s",
		               strerror(errno));
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return err_set(err, errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "enter network namespace: %s", strerror(errno));
	int r = activate_here(c, ret, ret_lt, err);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* continuing in a container's namespace would make every later answer wrong */
		static const char m[] = "cirt: cannot return to the host network namespace\n";
		ssize_t w = write(2, m, sizeof(m) - 1);
		(void)w;
		abort();
	}
	return r;
}

static struct ns *ns_alloc(struct dnscap *c, uint64_t inode, bool host)
{
	struct ns *n = xcalloc(1, sizeof(*n));
	n->inode = inode;
	n->host = host;
	n->refs = 1;
	n->nsfd = -1;
	n->fd = -1;
	n->next = c->list;
	c->list = n;
	c->n_ns++;
	return n;
}

int dnscap_add_netns(struct dnscap *c, int nsfd, uint64_t *ret_inode, struct cirt_err *err)
{
	struct stat st;
	if (fstat(nsfd, &st) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "network namespace: %s", strerror(errno));
	uint64_t inode = (uint64_t)st.st_ino;
	struct ns *n = ns_find(c, inode);
	if (n) {
		n->refs++;
		*ret_inode = inode;
		return 0;
	}
	if (c->n_ns >= c->o.max_netns)
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "dns capture: already %zu network namespaces (the limit)", c->n_ns);
	int fd = fcntl(nsfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "dup: %s", strerror(errno));
	pcap_t *p = NULL;
	int lt = 0;
	if (open_in_netns(c, fd, &p, &lt, err) < 0) {
		close(fd);
		return err_prefix(err, "dns capture in network namespace %llu",
		                  (unsigned long long)inode);
	}
	n = ns_alloc(c, inode, inode == c->host_inode);
	n->nsfd = fd;
	n->p = p;
	n->linktype = lt;
	n->fd = pcap_get_selectable_fd(p);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = n};
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, n->fd, &ev) < 0) {
		int e = errno;
		dnscap_remove(c, inode);
		return err_set(err, CIRT_EXIT_RUNTIME, "dns capture: epoll: %s", strerror(e));
	}
	uint64_t now = now_ms();
	refresh_links(n, now);
	if (n->host)
		refresh_addrs(n, now);
	*ret_inode = inode;
	return 0;
}

int dnscap_add_pid(struct dnscap *c, pid_t pid, uint64_t *ret_inode, struct cirt_err *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(
		    err, errno == EACCES || errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		    "open '%s': %s", path, strerror(errno));
	return dnscap_add_netns(c, fd, ret_inode, err);
}

int dnscap_add_host(struct dnscap *c, uint64_t *ret_inode, struct cirt_err *err)
{
	_cleanup_close_ int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "open '/proc/self/ns/net': %s",
		               strerror(errno));
	return dnscap_add_netns(c, fd, ret_inode, err);
}

int dnscap_add_offline(struct dnscap *c, uint64_t inode, bool host, const struct rtnl_links *links,
                       const struct rtnl_addrs *addrs, struct cirt_err *err)
{
	if (ns_find(c, inode))
		return err_set(err, CIRT_EXIT_RUNTIME, "network namespace %llu already added",
		               (unsigned long long)inode);
	struct ns *n = ns_alloc(c, inode, host);
	if (links && links->n) {
		n->links.v = xmalloc(links->n * sizeof(*links->v));
		memcpy(n->links.v, links->v, links->n * sizeof(*links->v));
		n->links.n = links->n;
	}
	if (addrs && addrs->n) {
		n->addrs.v = xmalloc(addrs->n * sizeof(*addrs->v));
		memcpy(n->addrs.v, addrs->v, addrs->n * sizeof(*addrs->v));
		n->addrs.n = addrs->n;
	}
	n->have_links = n->have_addrs = true;
	return 0;
}

int dnscap_remove(struct dnscap *c, uint64_t inode)
{
	for (struct ns **pp = &c->list; *pp; pp = &(*pp)->next) {
		struct ns *n = *pp;
		if (n->inode != inode)
			continue;
		if (--n->refs)
			return 0;
		*pp = n->next;
		c->n_ns--;
		ns_free(c, n);
		return 0;
	}
	return -ENOENT;
}

bool dnscap_has(const struct dnscap *c, uint64_t inode)
{
	return ns_find(c, inode) != NULL;
}

int dnscap_fd(const struct dnscap *c)
{
	return c->epfd;
}

struct dispatch {
	struct dnscap *c;
	struct ns *n;
	dnscap_cb cb;
	void *ud;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct dispatch *d = (struct dispatch *)user;
	feed_ns(d->c, d->n, d->n->linktype, &h->ts, bytes, h->caplen, h->len, d->cb, d->ud);
}

int dnscap_process(struct dnscap *c, dnscap_cb cb, void *ud, struct cirt_err *err)
{
	struct epoll_event evs[32];
	int nev = epoll_wait(c->epfd, evs, (int)ARRAY_SIZE(evs), 0);
	if (nev < 0) {
		if (errno == EINTR)
			return 0;
		return err_set(err, CIRT_EXIT_RUNTIME, "dns capture: epoll: %s", strerror(errno));
	}
	uint64_t before = c->st.messages;
	for (int i = 0; i < nev; i++) {
		struct ns *n = evs[i].data.ptr;
		if (!n->p)
			continue;
		struct dispatch d = {.c = c, .n = n, .cb = cb, .ud = ud};
		for (int b = 0; b < BATCHES; b++) {
			int r = pcap_dispatch(n->p, BATCH, on_frame, (u_char *)&d);
			if (r < 0) {
				n->failed = true;
				break;
			}
			if (r < BATCH)
				break;
		}
		if (n->failed || (evs[i].events & (EPOLLERR | EPOLLHUP)))
			ns_close_handle(c, n);
	}
	return (int)(c->st.messages - before);
}

void dnscap_get_stats(struct dnscap *c, struct dnscap_stats *ret)
{
	*ret = c->st;
	ret->netns = c->n_ns;
	for (struct ns *n = c->list; n; n = n->next) {
		struct pcap_stat ps;
		if (n->p && pcap_stats(n->p, &ps) == 0) {
			ret->received += ps.ps_recv;
			ret->dropped += ps.ps_drop;
			ret->if_dropped += ps.ps_ifdrop;
		}
	}
}

/* ---------------------------------------------------------------- JSON */

static json_t *name_json(const struct dns_name *n)
{
	return json_strn(n->text, n->len);
}

static json_t *type_json(uint16_t t)
{
	const char *s = dns_type_name(t);
	if (s)
		return json_string(s);
	char b[16];
	snprintf(b, sizeof(b), "TYPE%u", t);
	return json_string(b);
}

static json_t *class_json(uint16_t cl)
{
	const char *s = dns_class_name(cl);
	if (s)
		return json_string(s);
	char b[16];
	snprintf(b, sizeof(b), "CLASS%u", cl);
	return json_string(b);
}

static json_t *addr_json(int family, const uint8_t *a)
{
	char b[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, a, b, sizeof(b)))
		return json_null();
	return json_string(b);
}

json_t *dnscap_record_json(const struct dnscap_record *r)
{
	const struct dns_msg *m = r->msg;
	json_t *o = json_object();
	char t[32], ts[48];
	struct tm tm;
	time_t sec = r->ts.tv_sec;
	gmtime_r(&sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%s.%06ldZ", t, (long)r->ts.tv_usec);
	json_object_set_new(o, "t", json_string(ts));
	json_object_set_new(o, "netns", json_integer((json_int_t)r->netns));
	json_object_set_new(o, "where",
	                    json_string(r->host_ns ? "host namespace" : "container namespace"));
	json_object_set_new(o, "iface", r->iface && *r->iface ? json_str(r->iface) : json_null());
	json_object_set_new(o, "proto", json_string(r->proto == IPPROTO_TCP ? "tcp" : "udp"));
	json_object_set_new(o, "kind", json_string(r->response ? "response" : "query"));
	char e[64];
	json_object_set_new(o, "client",
	                    json_string(dnscap_endpoint_str(&r->client, e, sizeof(e))));
	json_object_set_new(o, "server",
	                    json_string(dnscap_endpoint_str(&r->server, e, sizeof(e))));
	json_object_set_new(o, "embedded_resolver", json_boolean(r->embedded));
	json_object_set_new(o, "server_port_seen",
	                    r->server_port_seen ? json_integer(r->server_port_seen) : json_null());
	json_object_set_new(o, "forwarded", json_boolean(r->forwarded));
	json_object_set_new(o, "cut", json_boolean(r->cut));
	bool hdr = m->len >= DNS_HEADER_LEN;
	json_object_set_new(o, "id", hdr ? json_integer(m->id) : json_null());
	json_object_set_new(o, "opcode", hdr ? json_integer(dns_opcode(m)) : json_null());
	if (hdr && r->response) {
		const char *rc = dns_rcode_name(dns_rcode(m));
		char b[16];
		snprintf(b, sizeof(b), "RCODE%u", dns_rcode(m));
		json_object_set_new(o, "rcode", json_string(rc ? rc : b));
	} else
		json_object_set_new(o, "rcode", json_null());
	json_t *fl = json_array();
	static const struct {
		uint16_t bit;
		const char *name;
	} flags[] = {{0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"},
	             {0x0080, "ra"}, {0x0020, "ad"}, {0x0010, "cd"}};
	for (size_t i = 0; hdr && i < ARRAY_SIZE(flags); i++)
		if (m->flags & flags[i].bit)
			json_array_append_new(fl, json_string(flags[i].name));
	json_object_set_new(o, "flags", fl);
	json_t *qs = json_array();
	for (size_t i = 0; i < m->nq; i++) {
		json_t *q = json_object();
		json_object_set_new(q, "name", name_json(&m->q[i].name));
		json_object_set_new(q, "type", type_json(m->q[i].type));
		json_object_set_new(q, "type_num", json_integer(m->q[i].type));
		json_object_set_new(q, "class", class_json(m->q[i].qclass));
		json_array_append_new(qs, q);
	}
	json_object_set_new(o, "questions", qs);
	json_t *as = json_array();
	for (size_t i = 0; i < m->nan; i++) {
		const struct dns_rr *rr = &m->an[i];
		json_t *a = json_object();
		json_object_set_new(a, "name", name_json(&rr->name));
		json_object_set_new(a, "type", type_json(rr->type));
		json_object_set_new(a, "type_num", json_integer(rr->type));
		json_object_set_new(a, "class", class_json(rr->rclass));
		json_object_set_new(a, "ttl", json_integer(rr->ttl));
		json_object_set_new(a, "rdlength", json_integer(rr->rdlen));
		if (rr->family)
			json_object_set_new(a, "address", addr_json(rr->family, rr->addr));
		if (rr->has_target)
			json_object_set_new(a, "target", name_json(&rr->target));
		if (rr->bad)
			json_object_set_new(a, "bad", json_true());
		json_array_append_new(as, a);
	}
	json_object_set_new(o, "answers", as);
	json_object_set_new(o, "answers_not_kept", json_integer((json_int_t)m->an_more));
	const struct dns_name *chain[DNS_MAX_ANSWERS + 1];
	const struct dns_rr *addrs[DNS_MAX_ANSWERS];
	size_t na = 0;
	size_t nc = r->response ? dns_answer_chain(m, chain, ARRAY_SIZE(chain), addrs,
	                                           ARRAY_SIZE(addrs), &na)
	                        : 0;
	json_t *cj = json_array();
	for (size_t i = 0; i < nc; i++)
		json_array_append_new(cj, name_json(chain[i]));
	json_object_set_new(o, "cname_chain", cj);
	json_t *aj = json_array();
	for (size_t i = 0; i < na; i++)
		json_array_append_new(aj, addr_json(addrs[i]->family, addrs[i]->addr));
	json_object_set_new(o, "addresses", aj);
	if (r->parse_rc) {
		json_object_set_new(o, "error", json_string(dns_strerror(m->error)));
		json_object_set_new(o, "error_section",
		                    json_string(dns_section_name(m->error_section)));
		json_object_set_new(o, "error_at", json_integer((json_int_t)m->error_at));
	} else {
		json_object_set_new(o, "error", json_null());
		json_object_set_new(o, "error_section", json_null());
		json_object_set_new(o, "error_at", json_null());
	}
	return o;
}
