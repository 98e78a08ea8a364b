/* locate.c: the flows that match a query (an address, the sensor's view, indicators and the
 * addresses their names resolved to), read from every source and attributed by the one join
 * (attrib.h); each flow becomes a finding for the container that talked to the address. */
#include "analyses/locate.h"

#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "analyses/locate_int.h"
#include "journal/journal.h"
#include "sources/capture.h"
#include "sources/conntrack.h"

#define SRC(s) (1u << (s))

/* ---------------------------------------------------------------- matching */

/* Addresses that indicator names resolved to (sorted). */
struct rset {
	struct flow_addr *v;
	size_t n;
};

static int cmp_addr(const void *x, const void *y)
{
	const struct flow_addr *a = x, *b = y;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, sizeof(a->b));
}

static bool rset_has(const struct rset *rs, const struct flow_addr *a)
{
	return rs && rs->n && a->family && bsearch(a, rs->v, rs->n, sizeof(*a), cmp_addr);
}

static void rset_build(struct rset *rs, const struct jlookups *lk)
{
	for (size_t i = 0; i < lk->n; i++)
		for (size_t k = 0; k < lk->v[i].n_addrs; k++) {
			rs->v = xrealloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
			rs->v[rs->n++] = lk->v[i].addrs[k];
		}
	if (!rs->n)
		return;
	qsort(rs->v, rs->n, sizeof(*rs->v), cmp_addr);
	size_t w = 1;
	for (size_t i = 1; i < rs->n; i++)
		if (cmp_addr(&rs->v[i], &rs->v[w - 1]))
			rs->v[w++] = rs->v[i];
	rs->n = w;
}

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

static bool ioc_addr(const struct locate_query *q, const struct rset *rs, const struct flow_addr *a)
{
	return a->family && q->ioc && ((q->ioc->n && ioc_match(q->ioc, a)) || rset_has(rs, a));
}

static bool flow_has_ioc(const struct locate_query *q, const struct rset *rs, const struct flow *f)
{
	return ioc_addr(q, rs, &f->orig.src) || ioc_addr(q, rs, &f->orig.dst) ||
	       ioc_addr(q, rs, &f->reply.src) || ioc_addr(q, rs, &f->reply.dst);
}

static bool matches(const struct locate_query *q, const struct rset *rs, const struct flow *f)
{
	if (q->proto && f->proto != q->proto)
		return false;
	if (!q->proto && f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		return false;
	if (q->has_addr && !flow_has(f, &q->addr, q->port))
		return false;
	if (q->has_seen && !flow_has(f, &q->seen, q->seen_port))
		return false;
	if (q->ioc && !flow_has_ioc(q, rs, f))
		return false;
	return q->has_addr || q->has_seen || q->ioc;
}

bool locate_flow_matches(const struct locate_query *q, const struct flow *f)
{
	return matches(q, NULL, f);
}

bool locate_is_query_addr(const struct lctx *x, const struct flow_addr *a)
{
	const struct locate_query *q = x->q;
	return (q->has_addr && flow_addr_eq(a, &q->addr)) ||
	       (q->has_seen && flow_addr_eq(a, &q->seen)) || ioc_addr(q, x->rs, a);
}

bool locate_same_tuple(const struct flow_tuple *a, const struct flow_tuple *b)
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
	if (locate_same_tuple(&sock->orig, &ct->orig))
		return true;
	if (!ct->reply.src.family)
		return false;
	struct flow_tuple rev = {.src = ct->reply.dst,
	                         .dst = ct->reply.src,
	                         .sport = ct->reply.dport,
	                         .dport = ct->reply.sport};
	return locate_same_tuple(&sock->orig, &rev);
}

/* ---------------------------------------------------------------- results */

void locate_warn(struct locate_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&r->warnings, &r->n_warnings, fmt, ap);
	va_end(ap);
}

void locate_take_warnings(struct locate_result *r, const struct sockets *s)
{
	for (size_t i = 0; s && i < s->n_warnings; i++)
		locate_warn(r, "%s", s->warnings[i]);
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

/* The running containers' addresses: the capture attributes packets by them. */
static void build_index(struct lctx *x)
{
	for (size_t i = 0; i < x->h->n; i++) {
		struct container *c = &x->h->c[i];
		if (!c->running || c->pid <= 0 || c->eps_shared)
			continue;
		for (size_t k = 0; k < c->n_eps; k++) {
			index_add(x, c->eps[k].ipv4, c);
			index_add(x, c->eps[k].ipv6, c);
		}
	}
}

struct container *locate_owner_of(const struct lctx *x, const struct flow_addr *a)
{
	for (size_t i = 0; i < x->nix; i++)
		if (flow_addr_eq(&x->ix[i].a, a))
			return x->ix[i].c;
	return NULL;
}

struct locate_finding *locate_add_finding(struct lctx *x, enum flow_source src, struct container *c,
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

/* ---------------------------------------------------------------- conntrack, names */

struct locate_pre {
	const struct locate_query *q;
	struct rset rs;
	struct sockets_prefetch *socks;
	pthread_t th;
	bool threaded;
	bool ok;
	struct cirt_err err;
	struct flow *ct; /* the matching entries */
	size_t nct;
	size_t entries;
	/* the names' lookups, read before conntrack (they say which addresses match) */
	bool dns_ran, dns_ok;
	struct cirt_err dns_err;
	struct jlookups lk;
};

static bool ct_collect(const struct flow *f, enum conntrack_event ev, void *ud)
{
	struct locate_pre *p = ud;
	(void)ev;
	p->entries++;
	if (!matches(p->q, &p->rs, f))
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

/* What the journal's DNS lines say the indicator names resolved to, in the range asked. */
static void read_names(struct locate_pre *p)
{
	const struct locate_query *q = p->q;
	if (!q->ioc || !q->ioc->n_names)
		return;
	p->dns_ran = true;
	if (!q->journal_dir) {
		err_set(&p->dns_err, CIRT_EXIT_USAGE, "names need a journal");
		return;
	}
	p->dns_ok = jdns_read(q->journal_dir, q->since_ns, q->until_ns, q->ioc, 100000, &p->lk,
	                      &p->dns_err) == 0;
	if (p->dns_ok)
		rset_build(&p->rs, &p->lk);
}

struct locate_pre *locate_prepare(const struct locate_query *q)
{
	struct locate_pre *p = xcalloc(1, sizeof(*p));
	p->q = q;
	read_names(p);
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
	free(p->rs.v);
	jlookups_clear(&p->lk);
	free(p);
}

/* The names' lookups into the result; fails when the query is names alone and none can be
 * known. */
static int take_names(struct lctx *x, struct locate_pre *p, struct cirt_err *err)
{
	struct locate_result *r = x->r;
	if (!p->dns_ran)
		return 0;
	r->dns_ran = true;
	if (!p->dns_ok) {
		r->dns_error = xstrdup(p->dns_err.msg);
		if (x->q->names_only)
			return err_set(err, CIRT_EXIT_NOTFOUND,
			               "names are resolved from the DNS lines cirt watch journals "
			               "(run cirt watch, or name its journal with --journal): %s",
			               p->dns_err.msg);
		locate_warn(r,
		            "%s: the names of the indicators cannot be resolved (they need cirt "
		            "watch's DNS records), the addresses still count",
		            p->dns_err.msg);
		return 0;
	}
	r->dns_ok = true;
	r->lk = p->lk;
	memset(&p->lk, 0, sizeof(p->lk));
	r->dns_lines = r->lk.dns_lines;
	r->dns_bad = r->lk.bad_lines;
	if (!r->dns_lines)
		locate_warn(r,
		            "journal '%s' holds no DNS lines in the time range: names cannot be "
		            "resolved (cirt watch records DNS since issue 15; is it running?)",
		            x->q->journal_dir);
	if (r->lk.truncated)
		locate_warn(r, "journal: more than %zu lookups of the names: the oldest are used",
		            r->lk.n);
	if (r->dns_bad)
		locate_warn(r, "journal: %llu DNS lines could not be read: skipped",
		            (unsigned long long)r->dns_bad);
	return 0;
}

static void read_conntrack(struct lctx *x, struct locate_pre *p, struct flow **ret_ct,
                           size_t *ret_n)
{
	if (p->threaded) {
		pthread_join(p->th, NULL);
		p->threaded = false;
	} else
		ct_read(p);
	x->r->ct_entries = p->entries;
	*ret_ct = steal_pointer(&p->ct);
	*ret_n = p->nct;
	p->nct = 0;
	if (!p->ok) {
		x->r->ct_error = xstrdup(p->err.msg);
		locate_warn(
		    x->r,
		    "%s: flows that already ended cannot be found, the other sources still answer",
		    p->err.msg);
		return;
	}
	x->r->ct_ok = true;
}

/* ---------------------------------------------------------------- sockets */

struct keep_ctx {
	struct lctx *x;
	const struct flow *ct;
	size_t nct;
};

static bool keep_socket(const struct sockdiag_entry *e, void *ud)
{
	struct keep_ctx *k = ud;
	if (matches(k->x->q, k->x->rs, &e->f))
		return true;
	/* a socket behind a matching conntrack entry names the process of that flow */
	for (size_t i = 0; i < k->nct; i++)
		if (sock_is_ct(&e->f, &k->ct[i]))
			return true;
	return false;
}

/* ---------------------------------------------------------------- journal (cirt watch) */

static bool j_match(const struct flow *f, void *ud)
{
	struct lctx *x = ud;
	return matches(x->q, x->rs, f);
}

static void read_journal(struct lctx *x)
{
	struct locate_result *r = x->r;
	const struct locate_query *q = x->q;
	r->j_ran = true;
	/* lines that cannot hold an address asked for are skipped before parsing (not with
	 * networks among the indicators) */
	char buf[66][64];
	const char *needles[66];
	size_t nn = 0;
	bool use = !(q->ioc && q->ioc->n) && (!x->rs || x->rs->n <= 64);
	if (use && q->has_addr)
		needles[nn] = flow_addr_str(&q->addr, buf[nn], sizeof(buf[nn])), nn++;
	if (use && q->has_seen)
		needles[nn] = flow_addr_str(&q->seen, buf[nn], sizeof(buf[nn])), nn++;
	for (size_t i = 0; use && x->rs && i < x->rs->n; i++)
		needles[nn] = flow_addr_str(&x->rs->v[i], buf[nn], sizeof(buf[nn])), nn++;
	struct cirt_err e = {0};
	if (jflows_read(q->journal_dir, q->since_ns, q->until_ns, needles, use ? nn : 0, j_match, x,
	                100000, &r->jf, &e) < 0) {
		r->j_error = xstrdup(e.msg);
		locate_warn(r, "%s: flows recorded by cirt watch cannot be searched", e.msg);
		return;
	}
	const struct jflows *jf = &r->jf;
	r->j_ok = true;
	r->j_files = jf->st.files;
	r->j_files_read = jf->st.files_read;
	r->j_lines = jf->st.lines;
	r->j_first_ns = jf->st.first_ns;
	r->j_bad = jf->st.bad;
	r->j_flows = jf->n;
	if (jf->truncated)
		locate_warn(r,
		            "journal: more than %zu matching flows: the oldest are shown, narrow "
		            "--since/--until",
		            jf->n);
	if (!jf->st.files)
		locate_warn(r,
		            "journal '%s' holds no files: is cirt watch running with --journal %s?",
		            q->journal_dir, q->journal_dir);
	else if (q->since_ns && jf->st.first_ns > q->since_ns)
		locate_warn(
		    r, "journal: it begins only %llu s ago, after --since",
		    (unsigned long long)((journal_now_ns() - jf->st.first_ns) / 1000000000ull));
	/* the exec lines of processes whose lines carry no parent chain */
	const char *ids[64];
	size_t nid = 0;
	for (size_t i = 0; i < jf->n && nid < ARRAY_SIZE(ids); i++) {
		const struct jflow *j = &jf->v[i];
		const char *id = j->proc_side ? j->dst.id : j->src.id;
		if (!j->proc.pid || j->proc.n_parents || !id)
			continue;
		bool dup = false;
		for (size_t k = 0; k < nid && !dup; k++)
			dup = streq(ids[k], id);
		if (!dup)
			ids[nid++] = id;
	}
	if (nid &&
	    jexecs_read(q->journal_dir, q->since_ns, q->until_ns, ids, nid, 50000, &r->jx, &e) < 0)
		locate_warn(r, "journal: exec lines: %s", e.msg);
}

/* ---------------------------------------------------------------- findings */

/* The address a query matched on, when the end's own address is one. */
static bool end_is_query(const struct lctx *x, const struct aflow *af, int k)
{
	const struct flow_addr *a = aflow_addr(af, k, NULL);
	return locate_is_query_addr(x, a);
}

static void set_indicator(struct lctx *x, struct locate_finding *fd, const struct aflow *af)
{
	const struct locate_query *q = x->q;
	if (!q->ioc)
		return;
	const struct flow_addr *eps[4] = {&af->f.orig.dst, &af->f.reply.src, &af->f.orig.src,
	                                  &af->f.reply.dst};
	for (int i = 0; i < 4 && !fd->ioc; i++) {
		if (!eps[i]->family)
			continue;
		if (q->ioc->n && (fd->ioc = ioc_match(q->ioc, eps[i])))
			return;
		const struct alookup *l = x->rs ? attrib_resolved(x->r->at, eps[i], fd->c) : NULL;
		if (l) {
			fd->ioc = l->l->ioc;
			fd->resolved = l;
		}
	}
}

/* One finding per container that talked to the asked-about address (an end whose own address is
 * not asked about, or a live socket's side), else per container holding that address; with none,
 * one finding without a container that says why. */
static void emit(struct lctx *x, const struct aflow *af)
{
	if (!matches(x->q, x->rs, &af->f))
		return;
	int picks[2];
	size_t np = 0;
	for (int pass = 0; pass < 2 && np == 0; pass++)
		for (int k = 0; k < 2; k++) {
			const struct aend *e = &af->end[k];
			bool q = end_is_query(x, af, k);
			if (!e->c || (pass == 0 ? q && !e->sock : !q))
				continue;
			if (np && af->end[picks[0]].c == e->c)
				continue;
			picks[np++] = k;
		}
	for (size_t i = 0; i < np; i++) {
		const struct aend *e = &af->end[picks[i]];
		struct locate_finding *fd = locate_add_finding(x, FLOW_SRC_SOCKET, e->c, &af->f);
		fd->sources = af->sources;
		fd->proc = e->proc;
		fd->by = e->by;
		fd->netns_owner = e->netns_owner;
		fd->seen_ns = af->seen_ns;
		fd->seen_estimated = af->seen_estimated;
		fd->note = xstrdup0(e->note);
		set_indicator(x, fd, af);
	}
	if (np)
		return;
	struct locate_finding *fd = locate_add_finding(x, FLOW_SRC_SOCKET, NULL, &af->f);
	fd->sources = af->sources;
	fd->seen_ns = af->seen_ns;
	fd->seen_estimated = af->seen_estimated;
	int other = !end_is_query(x, af, 0) ? 0 : !end_is_query(x, af, 1) ? 1 : 0;
	const struct aend *e = af->end[other].note ? &af->end[other] : &af->end[1 - other];
	fd->proc = af->end[other].proc;
	if (e->note)
		fd->note = xstrdup(e->note);
	else {
		char a[64];
		flow_addr_str(aflow_addr(af, other, NULL), a, sizeof(a));
		fd->note = xasprintf("no running container has the address %s: the host itself, a "
		                     "host-network container, or a container that has exited",
		                     a);
	}
	set_indicator(x, fd, af);
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
	if (!q->has_addr && !q->has_seen && !q->ioc)
		return err_set(err, CIRT_EXIT_USAGE, "locate: no address to look for");
	struct locate_pre *own = pre ? NULL : locate_prepare(q);
	struct locate_pre *p = pre ? pre : own;
	struct locate_result *r = xcalloc(1, sizeof(*r));
	struct lctx x = {.h = h, .q = q, .r = r, .rs = &p->rs};
	if (take_names(&x, p, err) < 0) {
		locate_pre_free(own);
		locate_result_free(r);
		return -1;
	}
	build_index(&x);
	x.scan_ns = journal_now_ns();
	/* conntrack first: its matches tell which sockets to keep for the process join */
	struct flow *ct = NULL;
	size_t nct = 0;
	read_conntrack(&x, p, &ct, &nct);
	struct keep_ctx kc = {.x = &x, .ct = ct, .nct = nct};
	struct sockets_opts so = {.keep = keep_socket,
	                          .keep_ud = &kc,
	                          .host_sockets = true,
	                          .pids_fresh = q->pids_fresh,
	                          .protos = proto_mask(q),
	                          .prefetch = p->socks,
	                          .lineage = true};
	if (sockets_load(h, &so, &r->socks, err) < 0) {
		free(x.ix);
		free(ct);
		locate_pre_free(own);
		locate_result_free(r);
		return -1;
	}
	locate_take_warnings(r, r->socks);
	r->sock_namespaces = r->socks->n_netns;
	r->sock_scanned = r->socks->n_dumped;
	/* past flows: asked with --since, or those of the addresses the names resolved to */
	if (q->journal_dir && (q->since_ns || r->dns_ok))
		read_journal(&x);
	struct attrib_in in = {.h = h,
	                       .socks = r->socks,
	                       .ct = ct,
	                       .n_ct = nct,
	                       .now_ns = x.scan_ns,
	                       .jf = r->jf.v,
	                       .n_jf = r->jf.n,
	                       .jx = r->jx.v,
	                       .n_jx = r->jx.n,
	                       .dns = r->lk.v,
	                       .n_dns = r->lk.n};
	r->at = attrib_join(&in);
	for (size_t i = 0; i < r->at->n; i++)
		emit(&x, &r->at->v[i]);
	if (q->capture_seconds > 0 && q->has_addr)
		locate_capture(&x);
	if (r->n)
		qsort(r->v, r->n, sizeof(*r->v), cmp_finding);
	free(x.ix);
	free(ct);
	locate_pre_free(own);
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
	attrib_free(r->at);
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
	free(r->dns_error);
	jflows_clear(&r->jf);
	jexecs_clear(&r->jx);
	jlookups_clear(&r->lk);
	free(r);
}

const struct cg_scan *locate_pre_scan(void *pre)
{
	struct locate_pre *p = pre;
	return p ? sockets_prefetch_scan(p->socks) : NULL;
}
