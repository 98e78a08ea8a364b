/* locate.c: join sockets, conntrack and captured packets to containers and processes. */
#include "analyses/locate.h"

#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "journal/jflows.h"
#include "sources/capture.h"
#include "sources/conntrack.h"

/* ---------------------------------------------------------------- matching */

static bool ep_eq(const struct flow_addr *a, uint16_t ap, const struct flow_addr *want,
                  uint16_t wport)
{
	return flow_addr_eq(a, want) && (!wport || ap == wport);
}

/* Does any endpoint of the flow (both tuples) equal addr[:port]? */
static bool flow_has(const struct flow *f, const struct flow_addr *a, uint16_t port)
{
	if (ep_eq(&f->orig.src, f->orig.sport, a, port) ||
	    ep_eq(&f->orig.dst, f->orig.dport, a, port))
		return true;
	if (!f->reply.src.family)
		return false;
	return ep_eq(&f->reply.src, f->reply.sport, a, port) ||
	       ep_eq(&f->reply.dst, f->reply.dport, a, port);
}

bool locate_flow_matches(const struct locate_query *q, const struct flow *f)
{
	if (q->proto && f->proto != q->proto)
		return false;
	if (!q->proto && f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		return false;
	if (q->has_addr && !flow_has(f, &q->addr, q->port))
		return false;
	if (q->has_seen && !flow_has(f, &q->seen, q->seen_port))
		return false;
	return q->has_addr || q->has_seen;
}

static bool is_query_addr(const struct locate_query *q, const struct flow_addr *a)
{
	return (q->has_addr && flow_addr_eq(a, &q->addr)) ||
	       (q->has_seen && flow_addr_eq(a, &q->seen));
}

static bool same_tuple(const struct flow_tuple *a, const struct flow_tuple *b)
{
	return flow_addr_eq(&a->src, &b->src) && flow_addr_eq(&a->dst, &b->dst) &&
	       a->sport == b->sport && a->dport == b->dport;
}

/* A socket (local -> remote) is the originator's end of a conntrack entry, or, for a connection
 * that came in through a published port, the answering end (the reply tuple reversed). */
static bool sock_is_ct(const struct flow *sock, const struct flow *ct)
{
	if (sock->proto != ct->proto)
		return false;
	if (same_tuple(&sock->orig, &ct->orig))
		return true;
	if (!ct->reply.src.family)
		return false;
	struct flow_tuple rev = {.src = ct->reply.src,
	                         .dst = ct->reply.dst,
	                         .sport = ct->reply.sport,
	                         .dport = ct->reply.dport};
	return same_tuple(&sock->orig, &rev);
}

/* ---------------------------------------------------------------- containers by address */

struct aix {
	struct flow_addr a;
	struct container *c;
};

struct lctx {
	struct host *h;
	const struct locate_query *q;
	struct locate_result *r;
	struct aix *ix;
	size_t nix;
	struct flow *ct; /* matching conntrack entries */
	bool *ct_used;   /* merged into a socket's finding */
	size_t nct;
	size_t fcap;
	uint64_t scan_ns;
	struct {
		char name[48];
		uint32_t secs;
	} tmo[16]; /* the sysctl timeouts read so far: one read per state, not per flow */
	size_t n_tmo;
};

static void add_warning(struct locate_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_warning(struct locate_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&r->warnings, &r->n_warnings, fmt, ap);
	va_end(ap);
}

static void take_warnings(struct locate_result *r, struct sockets *s)
{
	for (size_t i = 0; s && i < s->n_warnings; i++)
		add_warning(r, "%s", s->warnings[i]);
}

static void index_add(struct lctx *x, const char *text, struct container *c)
{
	struct flow_addr a;
	if (!text || !flow_addr_parse(text, &a))
		return;
	x->ix = xrealloc(x->ix, (x->nix + 1) * sizeof(*x->ix));
	x->ix[x->nix].a = a;
	x->ix[x->nix].c = c;
	x->nix++;
}

static void build_index(struct lctx *x)
{
	for (size_t i = 0; i < x->h->n; i++) {
		struct container *c = &x->h->c[i];
		/* a container:X member's addresses are X's: X owns the namespace */
		if (!c->running || c->pid <= 0 || c->eps_shared)
			continue;
		for (size_t k = 0; k < c->n_eps; k++) {
			index_add(x, c->eps[k].ipv4, c);
			index_add(x, c->eps[k].ipv6, c);
		}
	}
}

static struct container *owner_of(const struct lctx *x, const struct flow_addr *a)
{
	for (size_t i = 0; i < x->nix; i++)
		if (flow_addr_eq(&x->ix[i].a, a))
			return x->ix[i].c;
	return NULL;
}

/* The containers a flow belongs to: those owning an endpoint other than the one asked about
 * (who talked to ADDR), else those owning the asked-about endpoint itself. */
static size_t flow_containers(const struct lctx *x, const struct flow *f, struct container *out[4],
                              const struct flow_addr **ret_other)
{
	const struct flow_addr *eps[4] = {&f->orig.src, &f->orig.dst, &f->reply.src, &f->reply.dst};
	size_t n = 0;
	*ret_other = NULL;
	for (int pass = 0; pass < 2 && n == 0; pass++) {
		for (int i = 0; i < 4; i++) {
			if (!eps[i]->family || is_query_addr(x->q, eps[i]) != (pass == 1))
				continue;
			if (!*ret_other && pass == 0)
				*ret_other = eps[i];
			struct container *c = owner_of(x, eps[i]);
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				dup |= out[k] == c;
			if (c && !dup)
				out[n++] = c;
		}
	}
	return n;
}

#define SRC(s) (1u << (s))

static struct locate_finding *add_finding(struct lctx *x, enum flow_source src, struct container *c,
                                          const struct flow *f)
{
	struct locate_result *r = x->r;
	if (r->n == x->fcap) {
		x->fcap = x->fcap ? x->fcap * 2 : 32;
		r->v = xrealloc(r->v, x->fcap * sizeof(*r->v));
	}
	struct locate_finding *fd = &r->v[r->n++];
	memset(fd, 0, sizeof(*fd));
	fd->sources = SRC(src);
	fd->c = c;
	fd->f = *f;
	return fd;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- conntrack */

/* The timeout conntrack gives an entry in this state: each packet resets it, so what is left
 * says how long ago the last packet was. 0 when unknown. Read once per state (cached in x). */
static uint32_t state_timeout(struct lctx *x, const struct flow *f)
{
	char name[48], path[128];
	if (f->proto == IPPROTO_TCP && f->state[0]) {
		snprintf(name, sizeof(name), "tcp_timeout_%s", f->state);
		for (char *p = name; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	} else if (f->proto == IPPROTO_UDP)
		snprintf(name, sizeof(name), "%s",
		         (f->status & (1u << 2)) /* IPS_ASSURED */ ? "udp_timeout_stream"
		                                                   : "udp_timeout");
	else
		return 0;
	for (size_t i = 0; i < x->n_tmo; i++)
		if (streq(x->tmo[i].name, name))
			return x->tmo[i].secs;
	snprintf(path, sizeof(path), "/proc/sys/net/netfilter/nf_conntrack_%s", name);
	char *s = NULL;
	long v = read_file_max(AT_FDCWD, path, 32, &s, NULL) == 0 ? atol(s) : 0;
	free(s);
	uint32_t secs = v > 0 ? (uint32_t)v : 0;
	if (x->n_tmo < ARRAY_SIZE(x->tmo)) {
		snprintf(x->tmo[x->n_tmo].name, sizeof(x->tmo[x->n_tmo].name), "%s", name);
		x->tmo[x->n_tmo++].secs = secs;
	}
	return secs;
}

/* When the last packet of a conntrack entry passed: its own timestamp, else estimated. */
static uint64_t ct_seen(struct lctx *x, const struct flow *f, bool *ret_est)
{
	*ret_est = false;
	if (f->last_ns)
		return f->last_ns;
	uint32_t st = state_timeout(x, f);
	if (f->timeout && st >= f->timeout) {
		*ret_est = true;
		return x->scan_ns - (uint64_t)(st - f->timeout) * 1000000000ull;
	}
	return 0;
}

struct locate_pre {
	const struct locate_query *q;
	struct sockets_prefetch *socks;
	pthread_t th;
	bool threaded;
	bool ok;
	struct cirt_err err;
	struct flow *ct; /* the matching entries */
	size_t nct;
	size_t entries;
};

static bool ct_collect(const struct flow *f, enum conntrack_event ev, void *ud)
{
	struct locate_pre *p = ud;
	p->entries++;
	if (!locate_flow_matches(p->q, f))
		return true;
	p->ct = xrealloc(p->ct, (p->nct + 1) * sizeof(*p->ct));
	p->ct[p->nct++] = *f;
	return true;
}

static void *ct_read(void *arg)
{
	struct locate_pre *p = arg;
	_cleanup_conntrack_ struct conntrack *ct = NULL;
	p->ok = conntrack_open(0, &ct, &p->err) == 0 &&
	        conntrack_dump(ct, AF_UNSPEC, ct_collect, p, &p->err) == 0;
	return NULL;
}

static unsigned proto_mask(const struct locate_query *q)
{
	return q->proto == IPPROTO_TCP   ? SOCKDIAG_TCP
	       : q->proto == IPPROTO_UDP ? SOCKDIAG_UDP
	                                 : SOCKDIAG_ALL;
}

struct locate_pre *locate_prepare(const struct locate_query *q)
{
	struct locate_pre *p = xcalloc(1, sizeof(*p));
	p->q = q;
	p->threaded = pthread_create(&p->th, NULL, ct_read, p) == 0;
	p->socks = sockets_prefetch_start(proto_mask(q), true);
	return p;
}

void locate_pre_free(struct locate_pre *p)
{
	if (!p)
		return;
	if (p->threaded)
		pthread_join(p->th, NULL);
	sockets_prefetch_free(p->socks);
	free(p->ct);
	free(p);
}

static void read_conntrack(struct lctx *x, struct locate_pre *pre)
{
	struct locate_pre own = {.q = x->q};
	struct locate_pre *p = pre ? pre : &own;
	if (p->threaded) {
		pthread_join(p->th, NULL);
		p->threaded = false;
	} else
		ct_read(p);
	x->r->ct_entries = p->entries;
	x->ct = steal_pointer(&p->ct);
	x->nct = p->nct;
	p->nct = 0;
	if (!p->ok) {
		x->r->ct_error = xstrdup(p->err.msg);
		add_warning(
		    x->r,
		    "%s: flows that already ended cannot be found, the other sources still answer",
		    p->err.msg);
		return;
	}
	x->r->ct_ok = true;
}

/* ---------------------------------------------------------------- sockets */

static bool keep_socket(const struct sockdiag_entry *e, void *ud)
{
	struct lctx *x = ud;
	if (locate_flow_matches(x->q, &e->f))
		return true;
	/* a socket behind a matching conntrack entry names the process of that flow */
	for (size_t i = 0; i < x->nct; i++)
		if (sock_is_ct(&e->f, &x->ct[i]))
			return true;
	return false;
}

static void socket_findings(struct lctx *x)
{
	struct sockets *s = x->r->socks;
	for (size_t i = 0; i < s->n; i++) {
		const struct csock *cs = &s->v[i];
		if (!locate_flow_matches(x->q, &cs->s.f))
			continue;
		struct locate_finding *fd = add_finding(x, FLOW_SRC_SOCKET, cs->c, &cs->s.f);
		fd->proc = cs->proc;
		fd->seen_ns = x->scan_ns;
		/* the same flow in conntrack: one finding seen by both, with the translated view */
		for (size_t k = 0; k < x->nct; k++)
			if (!x->ct_used[k] && same_tuple(&cs->s.f.orig, &x->ct[k].orig) &&
			    cs->s.f.proto == x->ct[k].proto) {
				x->ct_used[k] = true;
				fd->sources |= SRC(FLOW_SRC_CONNTRACK);
				fd->f.reply = x->ct[k].reply;
				fd->f.id = x->ct[k].id;
				fd->f.timeout = x->ct[k].timeout;
				fd->f.mark = x->ct[k].mark;
				fd->f.status = x->ct[k].status;
				if (x->ct[k].counted) {
					fd->f.counted = true;
					memcpy(fd->f.packets, x->ct[k].packets,
					       sizeof(fd->f.packets));
					memcpy(fd->f.bytes, x->ct[k].bytes, sizeof(fd->f.bytes));
				}
				/* a socket left behind by a closed connection: when it closed is
				 * conntrack's */
				if (!streq(fd->f.state, "ESTABLISHED") &&
				    !streq(fd->f.state, "SYN_SENT")) {
					bool est;
					uint64_t seen = ct_seen(x, &x->ct[k], &est);
					if (seen) {
						fd->seen_ns = seen;
						fd->seen_estimated = est;
					}
				}
				break;
			}
		if (!cs->c)
			fd->note = xstrdup("a socket of the host itself, not of a container");
	}
}

/* When the container was created (RFC 3339 from the daemon), ns since the epoch; 0 unknown. */
static uint64_t created_ns(const struct container *c)
{
	if (!c->created)
		return 0;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *rest = strptime(c->created, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return 0;
	time_t t = timegm(&tm);
	return t > 0 ? (uint64_t)t * 1000000000ull : 0;
}

static void conntrack_findings(struct lctx *x)
{
	struct sockets *s = x->r->socks;
	for (size_t i = 0; i < x->nct; i++) {
		const struct flow *f = &x->ct[i];
		if (x->ct_used[i])
			continue;
		const struct csock *sock = NULL;
		for (size_t k = 0; s && k < s->n && !sock; k++)
			if (sock_is_ct(&s->v[k].s.f, f))
				sock = &s->v[k];
		struct container *cs[4];
		const struct flow_addr *other;
		size_t n = flow_containers(x, f, cs, &other);
		bool est;
		uint64_t seen = ct_seen(x, f, &est);
		if (n == 0) {
			/* a flow of the host itself, or of a container that is gone */
			struct locate_finding *fd =
			    add_finding(x, FLOW_SRC_CONNTRACK, sock ? sock->c : NULL, f);
			fd->proc = sock ? sock->proc : NULL;
			fd->seen_ns = seen;
			fd->seen_estimated = est;
			if (!fd->c) {
				char a[64];
				flow_addr_str(other ? other : &f->orig.src, a, sizeof(a));
				fd->note = xasprintf(
				    "no running container has the address %s: the host itself, a "
				    "host-network container, or a container that has exited",
				    a);
			}
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			struct container *c = cs[k];
			const struct proc_info *p = NULL;
			/* a process in a container that shares the namespace makes that one the
			 * talker */
			if (sock && sock->proc && sock->c &&
			    (sock->c == c ||
			     (sock->c->mode_target && streq(sock->c->mode_target, c->id)))) {
				c = sock->c;
				p = sock->proc;
			}
			/* the address was handed to a newer container: the flow is older than it */
			uint64_t created = created_ns(c);
			if (!sock && seen && created && seen + 2000000000ull < created) {
				struct locate_finding *fd =
				    add_finding(x, FLOW_SRC_CONNTRACK, NULL, f);
				fd->seen_ns = seen;
				fd->seen_estimated = est;
				fd->note = xasprintf("the address now belongs to container '%s', "
				                     "created after this flow: "
				                     "an earlier container that has exited",
				                     c->name);
				continue;
			}
			struct locate_finding *fd = add_finding(x, FLOW_SRC_CONNTRACK, c, f);
			fd->proc = p;
			fd->seen_ns = seen;
			fd->seen_estimated = est;
		}
	}
}

/* ---------------------------------------------------------------- capture */

struct cap_if {
	struct container **cs;
	size_t ncs;
};

struct capflow {
	struct container *c;
	size_t iface;
	struct flow f; /* orig: the container's end first */
	bool in_ct;    /* conntrack still holds it after the capture */
};

struct cctx {
	struct lctx *x;
	struct locate_iface *ifs;
	struct cap_if *cif;
	struct capture_iface_stats *st;
	struct capflow *flows;
	size_t nflows;
	bool stopped_first;
};

static struct container *cap_owner(struct cctx *cc, size_t iface, const struct flow_addr *a)
{
	struct container *c = owner_of(cc->x, a);
	if (!c)
		return NULL;
	for (size_t i = 0; i < cc->cif[iface].ncs; i++)
		if (cc->cif[iface].cs[i] == c)
			return c;
	return NULL;
}

static struct container *cap_owner_mac(struct cctx *cc, size_t iface, const uint8_t mac[6])
{
	char m[20];
	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
	         mac[4], mac[5]);
	for (size_t i = 0; i < cc->cif[iface].ncs; i++) {
		struct container *c = cc->cif[iface].cs[i];
		for (size_t k = 0; k < c->n_eps; k++)
			if (c->eps[k].mac && streq(c->eps[k].mac, m))
				return c;
	}
	return NULL;
}

static char *pcap_name(const struct container *c)
{
	char *s = xasprintf("%s.pcap", c->name);
	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	if (s[0] == '.')
		s[0] = '_';
	return s;
}

static void write_packet(struct cctx *cc, struct container *c, const struct capture_packet *p)
{
	struct locate_result *r = cc->x->r;
	struct locate_pcap *pc = NULL;
	for (size_t i = 0; i < r->n_pcaps; i++)
		if (r->pcaps[i].c == c)
			pc = &r->pcaps[i];
	if (!pc) {
		r->pcaps = xrealloc(r->pcaps, (r->n_pcaps + 1) * sizeof(*r->pcaps));
		pc = &r->pcaps[r->n_pcaps++];
		memset(pc, 0, sizeof(*pc));
		pc->c = c;
		if (cc->x->q->pcap_dirfd >= 0) {
			_cleanup_free_ char *name = pcap_name(c);
			struct capture_writer *w = NULL;
			struct cirt_err e = {0};
			if (capture_writer_open(cc->x->q->pcap_dirfd, name, p->linktype, 262144, &w,
			                        &e) < 0)
				add_warning(r, "container '%s': packets not kept: %s", c->name,
				            e.msg);
			else {
				pc->writer = w;
				pc->file = steal_pointer(&name);
			}
		}
	}
	pc->packets++;
	if (pc->writer && capture_writer_write(pc->writer, p) < 0 && pc->packets == 1)
		add_warning(r, "container '%s': a packet of another link type was not kept",
		            c->name);
}

static void count_flow(struct cctx *cc, struct container *c, size_t iface,
                       const struct capture_packet *p, bool from_c)
{
	struct flow_tuple t = p->f.orig;
	if (!from_c) {
		t.src = p->f.orig.dst;
		t.dst = p->f.orig.src;
		t.sport = p->f.orig.dport;
		t.dport = p->f.orig.sport;
	}
	uint64_t ns = (uint64_t)p->ts.tv_sec * 1000000000ull + (uint64_t)p->ts.tv_usec * 1000ull;
	struct capflow *cf = NULL;
	for (size_t i = 0; i < cc->nflows && !cf; i++)
		if (cc->flows[i].c == c && cc->flows[i].f.proto == p->f.proto &&
		    same_tuple(&cc->flows[i].f.orig, &t))
			cf = &cc->flows[i];
	if (!cf) {
		if (cc->nflows >= 100000)
			return; /* bounded: the packets are still in the pcap file */
		cc->flows = xrealloc(cc->flows, (cc->nflows + 1) * sizeof(*cc->flows));
		cf = &cc->flows[cc->nflows++];
		memset(cf, 0, sizeof(*cf));
		cf->c = c;
		cf->iface = iface;
		cf->f.proto = p->f.proto;
		cf->f.orig = t;
		cf->f.counted = true;
		cf->f.first_ns = ns;
		snprintf(cf->f.state, sizeof(cf->f.state), "SEEN");
	}
	cf->f.packets[from_c ? 0 : 1]++;
	cf->f.bytes[from_c ? 0 : 1] += p->len;
	cf->f.last_ns = ns;
}

static bool on_packet(const struct capture_packet *p, void *ud)
{
	struct cctx *cc = ud;
	struct locate_result *r = cc->x->r;
	cc->ifs[p->iface].packets++;
	r->cap_packets++;
	if (!p->parsed) {
		r->cap_unattributed++;
		return true;
	}
	/* by interface (only containers on it) and by address; MAC when addresses say nothing */
	const struct flow_addr *ends[2] = {&p->f.orig.src, &p->f.orig.dst};
	struct container *c = NULL;
	bool from_c = false;
	for (int pass = 0; pass < 2 && !c; pass++)
		for (int i = 0; i < 2 && !c; i++) {
			if (is_query_addr(cc->x->q, ends[i]) != (pass == 1))
				continue;
			c = cap_owner(cc, p->iface, ends[i]);
			from_c = i == 0;
		}
	if (!c && p->has_mac) {
		c = cap_owner_mac(cc, p->iface, p->src_mac);
		from_c = c != NULL;
		if (!c)
			c = cap_owner_mac(cc, p->iface, p->dst_mac);
	}
	if (!c) {
		r->cap_unattributed++;
		return true;
	}
	write_packet(cc, c, p);
	count_flow(cc, c, p->iface, p, from_c);
	if (cc->x->q->first) {
		cc->stopped_first = true;
		return false;
	}
	return true;
}

static void on_ready(size_t n_open, void *ud)
{
	struct cctx *cc = ud;
	const struct locate_query *q = cc->x->q;
	if (!q->progress)
		return;
	struct buf b = {0};
	buf_printf(&b, "capturing for %d s on %zu interface%s (", q->capture_seconds, n_open,
	           n_open == 1 ? "" : "s");
	size_t k = 0;
	for (size_t i = 0; i < cc->x->r->n_ifaces; i++)
		if (cc->st[i].opened)
			buf_printf(&b, "%s%s", k++ ? ", " : "", cc->x->r->ifaces[i].name);
	buf_printf(&b, "), filter '%s'%s", cc->x->r->cap_filter,
	           q->first ? ", until the first packet" : "");
	q->progress(buf_cstr(&b), q->progress_ud);
	buf_free(&b);
}

static char *capture_filter(const struct locate_query *q)
{
	char a[64];
	struct buf b = {0};
	buf_printf(&b, "host %s", flow_addr_str(&q->addr, a, sizeof(a)));
	if (q->port)
		buf_printf(&b, " and port %u", q->port);
	if (q->proto)
		buf_printf(&b, " and %s", flow_proto_name(q->proto));
	return b.data;
}

static bool keep_captured(const struct sockdiag_entry *e, void *ud)
{
	struct cctx *cc = ud;
	for (size_t i = 0; i < cc->nflows; i++)
		if (cc->flows[i].f.proto == e->f.proto &&
		    same_tuple(&cc->flows[i].f.orig, &e->f.orig))
			return true;
	return false;
}

/* cif runs parallel to r->ifaces; *n counts both */
static void add_cap_if(struct locate_result *r, struct cap_if **cif, size_t *n, const char *name,
                       bool bridge, struct container *c)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (streq(r->ifaces[i].name, name))
			break;
	if (i == *n) {
		r->ifaces = xrealloc(r->ifaces, (*n + 1) * sizeof(*r->ifaces));
		*cif = xrealloc(*cif, (*n + 1) * sizeof(**cif));
		memset(&r->ifaces[i], 0, sizeof(r->ifaces[i]));
		memset(&(*cif)[i], 0, sizeof((*cif)[i]));
		snprintf(r->ifaces[i].name, sizeof(r->ifaces[i].name), "%s", name);
		r->ifaces[i].bridge = bridge;
		r->n_ifaces = ++*n;
	}
	struct cap_if *ci = &(*cif)[i];
	for (size_t k = 0; k < ci->ncs; k++)
		if (ci->cs[k] == c)
			return;
	ci->cs = xrealloc(ci->cs, (ci->ncs + 1) * sizeof(*ci->cs));
	ci->cs[ci->ncs++] = c;
	struct locate_iface *li = &r->ifaces[i];
	char *old = li->containers;
	li->containers = old ? xasprintf("%s,%s", old, c->name) : xstrdup(c->name);
	free(old);
}

static void run_capture(struct lctx *x)
{
	struct locate_result *r = x->r;
	const struct locate_query *q = x->q;
	r->cap_ran = true;
	struct cap_if *cif = NULL;
	size_t ncif = 0;
	/* every bridge with a container on it (in promiscuous mode it also sees what is bridged
	 * between two containers), and a container's veth when it hangs on no bridge */
	for (size_t i = 0; i < x->h->n; i++) {
		struct container *c = &x->h->c[i];
		if (!c->running || c->pid <= 0 || c->eps_shared)
			continue;
		for (size_t k = 0; k < c->n_eps; k++) {
			const struct endpoint *e = &c->eps[k];
			if (e->bridge)
				add_cap_if(r, &cif, &ncif, e->bridge, true, c);
			else if (e->veth)
				add_cap_if(r, &cif, &ncif, e->veth, false, c);
			else if (e->ipv4 || e->ipv6)
				add_warning(r,
				            "container '%s': no host interface found for network "
				            "'%s': not captured",
				            c->name, e->network ? e->network : "?");
		}
	}
	r->cap_filter = capture_filter(q);
	if (!r->n_ifaces) {
		r->cap_error = xstrdup("no container has a bridge or veth to capture on");
		add_warning(r, "capture: %s", r->cap_error);
		free(cif);
		return;
	}
	struct capture_iface *ifs = xcalloc(r->n_ifaces, sizeof(*ifs));
	for (size_t i = 0; i < r->n_ifaces; i++) {
		ifs[i].name = r->ifaces[i].name;
		ifs[i].promisc = r->ifaces[i].bridge;
	}
	struct capture_iface_stats *st = xcalloc(r->n_ifaces, sizeof(*st));
	struct cctx cc = {.x = x, .ifs = r->ifaces, .cif = cif, .st = st};
	struct capture_opts co = {
	    .filter = r->cap_filter, .seconds = q->capture_seconds, .on_ready = on_ready};
	struct cirt_err e = {0};
	int rc = capture_run(ifs, r->n_ifaces, &co, on_packet, &cc, st, &e);
	for (size_t i = 0; i < r->n_ifaces; i++) {
		struct locate_iface *li = &r->ifaces[i];
		li->opened = st[i].opened;
		li->failed = st[i].failed;
		li->error = xstrdup0(st[i].error);
		li->dropped = st[i].dropped;
		li->if_dropped = st[i].if_dropped;
		r->cap_dropped += st[i].dropped + st[i].if_dropped;
		if (st[i].error && (st[i].opened || rc == 0))
			add_warning(r, "capture on %s (%s): %s", li->name,
			            li->containers ? li->containers : "-", st[i].error);
	}
	capture_stats_clear(st, r->n_ifaces);
	free(st);
	free(ifs);
	for (size_t i = 0; i < r->n_pcaps; i++) {
		struct cirt_err we = {0};
		if (capture_writer_close(r->pcaps[i].writer, &we) < 0)
			add_warning(r, "pcap file '%s': %s", r->pcaps[i].file, we.msg);
		r->pcaps[i].writer = NULL;
	}
	if (rc < 0) {
		r->cap_error = xstrdup(e.msg);
		add_warning(r, "%s", e.msg);
	} else
		r->cap_ok = true;
	if (r->cap_dropped)
		add_warning(
		    r, "capture: %llu packet%s dropped (buffer full): the pcap files miss them",
		    (unsigned long long)r->cap_dropped, r->cap_dropped == 1 ? " was" : "s were");

	if (cc.nflows) {
		/* the translated view of what was captured, from conntrack as it is now */
		struct flow *ct = NULL;
		size_t nct = 0;
		struct cirt_err ce = {0};
		if (r->ct_ok && conntrack_dump_all(AF_UNSPEC, &ct, &nct, &ce) == 0) {
			for (size_t i = 0; i < cc.nflows; i++) {
				struct flow *f = &cc.flows[i].f;
				for (size_t k = 0; k < nct; k++) {
					if (ct[k].proto != f->proto)
						continue;
					if (same_tuple(&ct[k].orig, &f->orig)) {
						f->reply = ct[k].reply;
						f->id = ct[k].id;
						f->timeout = ct[k].timeout;
						f->status = ct[k].status;
						memcpy(f->state, ct[k].state, sizeof(f->state));
						cc.flows[i].in_ct = true;
						break;
					}
				}
			}
		}
		free(ct);
		/* the process behind each captured flow, when its socket is still there */
		struct container **only = xcalloc(cc.nflows, sizeof(*only));
		size_t nonly = 0;
		for (size_t i = 0; i < cc.nflows; i++) {
			bool dup = false;
			for (size_t k = 0; k < nonly; k++)
				dup |= only[k] == cc.flows[i].c;
			if (!dup)
				only[nonly++] = cc.flows[i].c;
		}
		struct sockets_opts so = {
		    .only = only, .n_only = nonly, .keep = keep_captured, .keep_ud = &cc};
		struct cirt_err se = {0};
		if (sockets_load(x->h, &so, &r->socks_after, &se) == 0)
			take_warnings(r, r->socks_after);
		free(only);
		size_t before = r->n;
		for (size_t i = 0; i < cc.nflows; i++) {
			struct capflow *cf = &cc.flows[i];
			/* a flow the sockets or conntrack already reported: the same finding */
			struct locate_finding *fd = NULL;
			for (size_t k = 0; k < before && !fd; k++)
				if (r->v[k].f.proto == cf->f.proto &&
				    same_tuple(&r->v[k].f.orig, &cf->f.orig))
					fd = &r->v[k];
			if (fd) {
				fd->sources |= SRC(FLOW_SRC_CAPTURE);
				if (!fd->f.counted) {
					fd->f.counted = true;
					memcpy(fd->f.packets, cf->f.packets, sizeof(fd->f.packets));
					memcpy(fd->f.bytes, cf->f.bytes, sizeof(fd->f.bytes));
				}
				if (!fd->f.first_ns)
					fd->f.first_ns = cf->f.first_ns;
				fd->f.last_ns = cf->f.last_ns;
			} else
				fd = add_finding(x, FLOW_SRC_CAPTURE, cf->c, &cf->f);
			if (cf->in_ct)
				fd->sources |= SRC(FLOW_SRC_CONNTRACK);
			fd->captured_packets = cf->f.packets[0] + cf->f.packets[1];
			fd->seen_ns = cf->f.last_ns;
			fd->seen_estimated = false;
			snprintf(fd->iface, sizeof(fd->iface), "%s", r->ifaces[cf->iface].name);
			for (size_t k = 0; k < r->n_pcaps; k++)
				if (r->pcaps[k].c == cf->c)
					fd->pcap_file = r->pcaps[k].file;
			for (size_t k = 0; !fd->proc && r->socks_after && k < r->socks_after->n;
			     k++) {
				const struct csock *cs = &r->socks_after->v[k];
				if (cs->s.f.proto == cf->f.proto &&
				    same_tuple(&cs->s.f.orig, &cf->f.orig)) {
					fd->proc = cs->proc;
					if (cs->c)
						fd->c = cs->c;
					break;
				}
			}
		}
	}
	for (size_t i = 0; i < ncif; i++)
		free(cif[i].cs);
	free(cif);
	free(cc.flows);
}

/* ---------------------------------------------------------------- journal (cirt watch) */

static bool j_match(const struct flow *f, void *ud)
{
	return locate_flow_matches(ud, f);
}

/* A container the journal names: the running one with that id, else one made from the journal's
 * copy (it was removed or stopped since). */
static struct container *j_container(struct lctx *x, const struct jcontainer *jc)
{
	for (size_t i = 0; i < x->h->n; i++)
		if (x->h->c[i].running && x->h->c[i].id && streq(x->h->c[i].id, jc->id))
			return &x->h->c[i];
	struct locate_result *r = x->r;
	for (size_t i = 0; i < r->n_j_gone; i++)
		if (streq(r->j_gone[i]->id, jc->id))
			return r->j_gone[i];
	struct container *c = xcalloc(1, sizeof(*c));
	c->id = xstrdup(jc->id);
	c->name = xstrdup(jc->name ? jc->name : jc->id);
	c->image = xstrdup0(jc->image);
	c->state = xstrdup("gone");
	r->j_gone = xrealloc(r->j_gone, (r->n_j_gone + 1) * sizeof(*r->j_gone));
	r->j_gone[r->n_j_gone++] = c;
	return c;
}

static void read_journal(struct lctx *x)
{
	struct locate_result *r = x->r;
	const struct locate_query *q = x->q;
	r->j_ran = true;
	char a[2][64];
	const char *needles[2];
	size_t nn = 0;
	if (q->has_addr)
		needles[nn++] = flow_addr_str(&q->addr, a[0], sizeof(a[0]));
	if (q->has_seen)
		needles[nn++] = flow_addr_str(&q->seen, a[1], sizeof(a[1]));
	struct jflows jf = {0};
	struct cirt_err e = {0};
	if (jflows_read(q->journal_dir, q->since_ns, q->until_ns, needles, nn, j_match, (void *)q,
	                100000, &jf, &e) < 0) {
		r->j_error = xstrdup(e.msg);
		add_warning(r, "%s: flows recorded by cirt watch cannot be searched", e.msg);
		return;
	}
	r->j_ok = true;
	r->j_files = jf.st.files;
	r->j_files_read = jf.st.files_read;
	r->j_lines = jf.st.lines;
	r->j_first_ns = jf.st.first_ns;
	r->j_flows = jf.n;
	if (jf.truncated)
		add_warning(r,
		            "journal: more than %zu matching flows: the oldest are shown, narrow "
		            "--since/--until",
		            jf.n);
	if (!jf.st.files)
		add_warning(r,
		            "journal '%s' holds no files: is cirt watch running with --journal %s?",
		            q->journal_dir, q->journal_dir);
	else if (q->since_ns && jf.st.first_ns > q->since_ns)
		add_warning(r, "journal: it begins only %llu s ago, after --since",
		            (unsigned long long)((realtime_ns() - jf.st.first_ns) / 1000000000ull));
	size_t before = r->n;
	for (size_t i = 0; i < jf.n; i++) {
		const struct jflow *j = &jf.v[i];
		/* who talked to ADDR: the side without the asked-about address, else that side */
		bool q_src = is_query_addr(q, &j->f.orig.src) ||
		             (j->f.reply.dst.family && is_query_addr(q, &j->f.reply.dst));
		const struct jcontainer *first = q_src ? &j->dst : &j->src,
		                        *second = q_src ? &j->src : &j->dst;
		const struct jcontainer *jc = first->id ? first : second->id ? second : NULL;
		struct container *c = jc ? j_container(x, jc) : NULL;
		/* the same flow still in conntrack: one finding, with its recorded start */
		struct locate_finding *fd = NULL;
		for (size_t k = 0; k < before && !fd; k++)
			if ((r->v[k].sources & SRC(FLOW_SRC_CONNTRACK)) &&
			    r->v[k].f.id == j->f.id && r->v[k].f.proto == j->f.proto &&
			    same_tuple(&r->v[k].f.orig, &j->f.orig))
				fd = &r->v[k];
		if (fd) {
			fd->sources |= SRC(FLOW_SRC_JOURNAL);
			if (!fd->f.first_ns)
				fd->f.first_ns = j->f.first_ns;
			/* the journal knew who held the address when the flow began; today's holder
			 * may be a later container that got the same address */
			if (c && fd->c != c) {
				const struct container *now = fd->c;
				free(fd->note);
				fd->note = now ? xasprintf("attributed by cirt watch's record: the "
				                           "address belongs to '%s' now",
				                           now->name)
				               : NULL;
				if (c->state && streq(c->state, "gone"))
					fd->note = fd->note
					               ? fd->note
					               : xstrdup("container not running now "
					                         "(removed or stopped since): as "
					                         "recorded by cirt watch");
				fd->c = c;
				fd->proc = NULL;
			}
			continue;
		}
		fd = add_finding(x, FLOW_SRC_JOURNAL, c, &j->f);
		fd->seen_ns = j->f.last_ns ? j->f.last_ns : j->f.first_ns;
		if (c && c->state && streq(c->state, "gone"))
			fd->note = xstrdup("container not running now (removed or stopped since): "
			                   "as recorded by cirt watch");
		else if (!c)
			fd->note = xstrdup(
			    "no container held these addresses when cirt watch recorded the flow");
	}
	jflows_clear(&jf);
}

/* ---------------------------------------------------------------- the run */

static int cmp_finding(const void *a, const void *b)
{
	const struct locate_finding *x = a, *y = b;
	if (!x->c != !y->c)
		return x->c ? -1 : 1;
	if (x->c && y->c) {
		int r = strcmp(x->c->name, y->c->name);
		if (r)
			return r;
	}
	/* most recent first */
	return (x->seen_ns < y->seen_ns) - (x->seen_ns > y->seen_ns);
}

int locate_run(struct host *h, const struct locate_query *q, struct locate_pre *pre,
               struct locate_result **ret, struct cirt_err *err)
{
	if (!q->has_addr && !q->has_seen)
		return err_set(err, CIRT_EXIT_USAGE, "locate: no address to look for");
	struct locate_result *r = xcalloc(1, sizeof(*r));
	struct lctx x = {.h = h, .q = q, .r = r};
	build_index(&x);
	x.scan_ns = realtime_ns();
	/* conntrack first: its matches tell which sockets to keep for the process join */
	read_conntrack(&x, pre);
	struct sockets_opts so = {.keep = keep_socket,
	                          .keep_ud = &x,
	                          .host_sockets = true,
	                          .pids_fresh = q->pids_fresh,
	                          .protos = proto_mask(q),
	                          .prefetch = pre ? pre->socks : NULL};
	if (sockets_load(h, &so, &r->socks, err) < 0) {
		free(x.ix);
		free(x.ct);
		locate_result_free(r);
		return -1;
	}
	take_warnings(r, r->socks);
	r->sock_namespaces = r->socks->n_netns;
	r->sock_scanned = r->socks->n_dumped;
	x.ct_used = xcalloc(x.nct + 1, sizeof(*x.ct_used));
	socket_findings(&x);
	conntrack_findings(&x);
	if (q->capture_seconds > 0 && q->has_addr)
		run_capture(&x);
	if (q->journal_dir)
		read_journal(&x);
	if (r->n)
		qsort(r->v, r->n, sizeof(*r->v), cmp_finding);
	free(x.ix);
	free(x.ct);
	free(x.ct_used);
	*ret = r;
	return 0;
}

void locate_result_free(struct locate_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].note);
	free(r->v);
	for (size_t i = 0; i < r->n_warnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	sockets_free(r->socks);
	sockets_free(r->socks_after);
	free(r->ct_error);
	free(r->cap_error);
	free(r->cap_filter);
	for (size_t i = 0; i < r->n_ifaces; i++) {
		free(r->ifaces[i].containers);
		free(r->ifaces[i].error);
	}
	free(r->ifaces);
	for (size_t i = 0; i < r->n_pcaps; i++) {
		struct cirt_err e = {0};
		capture_writer_close(r->pcaps[i].writer, &e);
		free(r->pcaps[i].file);
	}
	free(r->pcaps);
	free(r->j_error);
	for (size_t i = 0; i < r->n_j_gone; i++) {
		container_clear(r->j_gone[i]);
		free(r->j_gone[i]);
	}
	free(r->j_gone);
	free(r);
}

const struct cg_scan *locate_pre_scan(void *pre)
{
	struct locate_pre *p = pre;
	return p ? sockets_prefetch_scan(p->socks) : NULL;
}
