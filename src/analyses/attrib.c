/* attrib.c: the one join of sockets, conntrack, kernel events and the journal into attributed
 * flows (see attrib.h for the rules). */
#include "analyses/attrib.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "journal/journal.h"

#define SRC(s) (1u << (s))
#define NS_PER_S 1000000000ull

const char *attr_by_name(enum attr_by b)
{
	switch (b) {
	case ATTR_BY_PROCESS:
		return "process";
	case ATTR_BY_NETNS:
		return "netns";
	case ATTR_BY_ADDRESS:
		return "address";
	default:
		return NULL;
	}
}

static enum attr_by by_parse(const char *s)
{
	return !s || !*s             ? ATTR_BY_ADDRESS /* a line of an older watcher */
	       : streq(s, "process") ? ATTR_BY_PROCESS
	       : streq(s, "netns")   ? ATTR_BY_NETNS
	                             : ATTR_BY_ADDRESS;
}

/* ---------------------------------------------------------------- indexes */

/* Container addresses, sorted for bsearch. */
struct aix {
	struct flow_addr a;
	struct container *c;
	uint64_t created_ns;
};

static int cmp_addr(const struct flow_addr *a, const struct flow_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, sizeof(a->b));
}

static int cmp_aix(const void *x, const void *y)
{
	return cmp_addr(&((const struct aix *)x)->a, &((const struct aix *)y)->a);
}

/* Flows by (proto, original tuple): chained through next[]. */
struct tix {
	uint32_t *head; /* index + 1 */
	size_t cap;
	uint32_t *next; /* per flow, index + 1 */
};

struct jctx {
	const struct attrib_in *in;
	struct attrib *a;
	size_t cap;
	struct aix *ix;
	size_t nix;
	struct tix t;
	bool *dead;                      /* merged into another flow */
	const struct container **member; /* per container of h: a running member of its namespace */
	struct {
		char name[64];
		uint32_t secs;
	} tmo[16];
	size_t n_tmo;
};

static uint32_t tuple_hash(uint8_t proto, const struct flow_tuple *t)
{
	uint32_t h = 2166136261u ^ proto;
	for (int i = 0; i < 16; i++)
		h = (h ^ t->src.b[i] ^ (uint32_t)t->dst.b[i] << 8) * 16777619u;
	h = (h ^ t->sport ^ (uint32_t)t->dport << 16) * 16777619u;
	return h ^ t->src.family ^ (uint32_t)t->dst.family << 4;
}

static bool tuple_eq(const struct flow_tuple *a, const struct flow_tuple *b)
{
	return flow_addr_eq(&a->src, &b->src) && flow_addr_eq(&a->dst, &b->dst) &&
	       a->sport == b->sport && a->dport == b->dport;
}

static struct flow_tuple tuple_rev(const struct flow_tuple *t)
{
	return (struct flow_tuple){
	    .src = t->dst, .dst = t->src, .sport = t->dport, .dport = t->sport};
}

/* Index every live flow by its original tuple (again: a merge may change a flow's tuple). */
static void tix_rebuild(struct jctx *x)
{
	size_t n = x->a->n, cap = 1024;
	while (cap < 2 * (n + 1))
		cap *= 2;
	free(x->t.head);
	free(x->t.next);
	x->t.cap = cap;
	x->t.head = xcalloc(cap, sizeof(*x->t.head));
	x->t.next = xcalloc(n + 1, sizeof(*x->t.next));
	for (size_t i = 0; i < n; i++) {
		if (x->dead[i])
			continue;
		const struct aflow *f = &x->a->v[i];
		size_t k = tuple_hash(f->f.proto, &f->f.orig) & (cap - 1);
		x->t.next[i] = x->t.head[k];
		x->t.head[k] = (uint32_t)(i + 1);
	}
}

/* A flow indexed with this original tuple that want (when given) accepts. */
static struct aflow *tix_find(struct jctx *x, uint8_t proto, const struct flow_tuple *t,
                              bool (*want)(const struct aflow *f, const void *ud), const void *ud)
{
	if (!x->t.cap)
		return NULL;
	for (uint32_t k = x->t.head[tuple_hash(proto, t) & (x->t.cap - 1)]; k;
	     k = x->t.next[k - 1]) {
		struct aflow *f = &x->a->v[k - 1];
		if (k - 1 < x->a->n && !x->dead[k - 1] && f->f.proto == proto &&
		    tuple_eq(&f->f.orig, t) && (!want || want(f, ud)))
			return f;
	}
	return NULL;
}

static struct aflow *add_flow(struct jctx *x, unsigned src, const struct flow *f)
{
	struct attrib *a = x->a;
	if (a->n == x->cap) {
		size_t old = x->cap;
		x->cap = x->cap ? x->cap * 2 : 64;
		a->v = xrealloc(a->v, x->cap * sizeof(*a->v));
		x->dead = xrealloc(x->dead, x->cap * sizeof(*x->dead));
		memset(x->dead + old, 0, (x->cap - old) * sizeof(*x->dead));
	}
	struct aflow *af = &a->v[a->n++];
	memset(af, 0, sizeof(*af));
	af->f = *f;
	af->sources = SRC(src);
	return af;
}

static void end_note(struct aend *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void end_note(struct aend *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(e->note);
	e->note = xvasprintf(fmt, ap);
	va_end(ap);
}

static void end_clear(struct aend *e)
{
	free(e->note);
	memset(e, 0, sizeof(*e));
}

/* ---------------------------------------------------------------- containers */

static uint64_t created_ns(const struct container *c)
{
	uint64_t t = 0;
	if (!c->created || !journal_time_parse(c->created, &t))
		return 0;
	return t;
}

static void build_index(struct jctx *x)
{
	const struct host *h = x->in->h;
	for (size_t i = 0; h && i < h->n; i++) {
		struct container *c = &h->c[i];
		/* a container:X member's addresses are X's: X owns the namespace */
		if (!c->running || c->pid <= 0 || c->eps_shared)
			continue;
		uint64_t cr = created_ns(c);
		for (size_t k = 0; k < c->n_eps; k++) {
			const char *texts[2] = {c->eps[k].ipv4, c->eps[k].ipv6};
			for (int j = 0; j < 2; j++) {
				struct flow_addr a;
				if (!texts[j] || !flow_addr_parse(texts[j], &a))
					continue;
				x->ix = xrealloc(x->ix, (x->nix + 1) * sizeof(*x->ix));
				x->ix[x->nix++] = (struct aix){.a = a, .c = c, .created_ns = cr};
			}
		}
	}
	if (x->nix)
		qsort(x->ix, x->nix, sizeof(*x->ix), cmp_aix);
	x->member = xcalloc(h ? h->n + 1 : 1, sizeof(*x->member));
	for (size_t i = 0; h && i < h->n; i++) {
		const struct container *o =
		    h->c[i].running ? attrib_netns_owner(h, &h->c[i]) : NULL;
		if (o)
			x->member[o - h->c] = &h->c[i];
	}
}

static const struct aix *owner_of(const struct jctx *x, const struct flow_addr *a)
{
	if (!a->family || !x->nix)
		return NULL;
	struct aix key = {.a = *a};
	return bsearch(&key, x->ix, x->nix, sizeof(*x->ix), cmp_aix);
}

const struct container *attrib_netns_owner(const struct host *h, const struct container *c)
{
	/* container:Y where Y joined X in turn: X owns it (a few steps at most) */
	const struct container *o = NULL;
	for (int depth = 0; h && c && c->mode == NETMODE_CONTAINER && c->mode_target && depth < 4;
	     depth++) {
		const struct container *t = NULL;
		for (size_t i = 0; i < h->n && !t; i++)
			if (h->c[i].id && streq(h->c[i].id, c->mode_target))
				t = &h->c[i];
		if (!t || t == c)
			break;
		o = c = t;
	}
	return o;
}

static struct container *live_by_id(const struct jctx *x, const char *id)
{
	const struct host *h = x->in->h;
	for (size_t i = 0; h && id && i < h->n; i++)
		if (h->c[i].running && h->c[i].id && streq(h->c[i].id, id))
			return &h->c[i];
	return NULL;
}

struct container *attrib_standin(const char *id, const char *name, const char *image)
{
	struct container *c = xcalloc(1, sizeof(*c));
	c->id = xstrdup(id);
	c->name = xstrdup(name ? name : id);
	c->image = xstrdup0(image);
	c->state = xstrdup("gone");
	return c;
}

/* A container a copy names: the running one with that id, else a stand-in made from the copy
 * (removed or stopped since). */
static struct container *named(struct jctx *x, const struct jcontainer *jc)
{
	if (!jc || !jc->id)
		return NULL;
	struct container *c = live_by_id(x, jc->id);
	if (c)
		return c;
	struct attrib *a = x->a;
	for (size_t i = 0; i < a->n_standins; i++)
		if (streq(a->standins[i]->id, jc->id))
			return a->standins[i];
	c = attrib_standin(jc->id, jc->name, jc->image);
	a->standins = xrealloc(a->standins, (a->n_standins + 1) * sizeof(*a->standins));
	a->standins[a->n_standins++] = c;
	return c;
}

static bool is_gone(const struct container *c)
{
	return c && c->state && streq(c->state, "gone");
}

/* ---------------------------------------------------------------- processes */

static struct proc_info *new_proc(struct jctx *x, int pid, struct container *c)
{
	struct attrib *a = x->a;
	struct proc_info *p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->uid = -1;
	p->c = c;
	a->procs = xrealloc(a->procs, (a->n_procs + 1) * sizeof(*a->procs));
	a->procs[a->n_procs++] = p;
	return p;
}

static char *argv_join(char *const *v, size_t n)
{
	struct buf b = {0};
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", v[i]);
	return b.data ? b.data : xstrdup("");
}

static char **strv_dup(const char *const *v, size_t n)
{
	char **out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i] ? v[i] : "");
	return out;
}

static const struct proc_info *proc_from_journal(struct jctx *x, const struct jproc *jp,
                                                 struct container *c)
{
	if (!jp->pid)
		return NULL;
	struct proc_info *p = new_proc(x, jp->pid, c);
	p->ppid = jp->ppid;
	p->uid = jp->uid;
	p->comm = xstrdup0(jp->comm);
	p->exe = xstrdup0(jp->exe);
	if (jp->argv) {
		p->argv = strv_dup((const char *const *)jp->argv, jp->argc);
		p->argc = jp->argc;
		p->argv_truncated = jp->argv_truncated;
		p->cmdline = argv_join(p->argv, p->argc);
	}
	if (jp->n_parents) {
		p->parents = xcalloc(jp->n_parents, sizeof(*p->parents));
		for (size_t i = 0; i < jp->n_parents; i++)
			p->parents[i] = (struct proc_parent){.pid = jp->parents[i].pid,
			                                     .comm = xstrdup0(jp->parents[i].comm),
			                                     .exe = xstrdup0(jp->parents[i].exe)};
		p->n_parents = jp->n_parents;
	}
	return p;
}

/* The latest exec line of pid (in the same container when known) before t (+1 s for clocks),
 * else the first one after. */
static const struct jexec *exec_of(const struct jctx *x, int pid, const char *cid, uint64_t t)
{
	const struct jexec *best = NULL;
	for (size_t i = 0; i < x->in->n_jx; i++) {
		const struct jexec *e = &x->in->jx[i];
		if (e->p.pid != pid || (cid && e->c.id && !streq(cid, e->c.id)))
			continue;
		bool before = !t || e->t <= t + NS_PER_S;
		if (!best || (before && (best->t > t + NS_PER_S || e->t > best->t)) ||
		    (!before && best->t > t + NS_PER_S && e->t < best->t))
			best = e;
	}
	return best;
}

/* A process named without its lineage: argv, parent and ancestors from the exec lines. */
static void fill_lineage(struct jctx *x, struct proc_info *p, uint64_t t)
{
	if (!x->in->n_jx || p->n_parents)
		return;
	const char *cid = p->c ? p->c->id : NULL;
	const struct jexec *e = exec_of(x, p->pid, cid, t);
	if (e) {
		if (!p->ppid)
			p->ppid = e->p.ppid;
		if (!p->exe)
			p->exe = xstrdup0(e->p.exe);
		if (!p->comm)
			p->comm = xstrdup0(e->p.comm);
		if (!p->argv && e->p.argv) {
			p->argv = strv_dup((const char *const *)e->p.argv, e->p.argc);
			p->argc = e->p.argc;
			p->argv_truncated = e->p.argv_truncated;
			if (!p->cmdline)
				p->cmdline = argv_join(p->argv, p->argc);
		}
		if (e->p.n_parents) {
			p->parents = xcalloc(e->p.n_parents, sizeof(*p->parents));
			for (size_t i = 0; i < e->p.n_parents; i++)
				p->parents[i] =
				    (struct proc_parent){.pid = e->p.parents[i].pid,
				                         .comm = xstrdup0(e->p.parents[i].comm),
				                         .exe = xstrdup0(e->p.parents[i].exe)};
			p->n_parents = e->p.n_parents;
			return;
		}
	}
	for (int pid = p->ppid, depth = 0; pid > 1 && depth < 16; depth++) {
		const struct jexec *pe = exec_of(x, pid, cid, t);
		if (!pe)
			break;
		p->parents = xrealloc(p->parents, (p->n_parents + 1) * sizeof(*p->parents));
		p->parents[p->n_parents++] = (struct proc_parent){
		    .pid = pid, .comm = xstrdup0(pe->p.comm), .exe = xstrdup0(pe->p.exe)};
		pid = pe->p.ppid;
	}
}

/* ---------------------------------------------------------------- conntrack times */

/* The timeout conntrack gives an entry in this state (each packet resets it): what is left says
 * how long ago the last packet passed. 0 when unknown. Cached per state. */
static uint32_t state_timeout(struct jctx *x, const struct flow *f)
{
	char name[64], path[128];
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
	char *v = NULL;
	long secs = read_file_max(AT_FDCWD, path, 32, &v, NULL) == 0 ? atol(v) : 0;
	free(v);
	if (x->n_tmo < ARRAY_SIZE(x->tmo)) {
		snprintf(x->tmo[x->n_tmo].name, sizeof(x->tmo[x->n_tmo].name), "%s", name);
		x->tmo[x->n_tmo++].secs = secs > 0 ? (uint32_t)secs : 0;
	}
	return secs > 0 ? (uint32_t)secs : 0;
}

/* When the last packet of a conntrack entry passed: its timestamp, else estimated. */
static uint64_t ct_seen(struct jctx *x, const struct flow *f, bool *ret_est)
{
	*ret_est = false;
	if (f->last_ns)
		return f->last_ns;
	if (!x->in->now_ns)
		return 0;
	uint32_t st = state_timeout(x, f);
	if (f->timeout && st >= f->timeout) {
		*ret_est = true;
		return x->in->now_ns - (uint64_t)(st - f->timeout) * NS_PER_S;
	}
	return 0;
}

/* ---------------------------------------------------------------- ends */

const struct flow_addr *aflow_addr(const struct aflow *f, int k, uint16_t *ret_port)
{
	const struct flow *fl = &f->f;
	const struct flow_addr *a = k == 0 ? &fl->orig.src : &fl->orig.dst;
	uint16_t port = k == 0 ? fl->orig.sport : fl->orig.dport;
	if (k == 1 && fl->reply.src.family && !flow_addr_eq(&fl->reply.src, &fl->orig.dst)) {
		a = &fl->reply.src; /* DNAT: the one answering */
		port = fl->reply.sport;
	}
	if (ret_port)
		*ret_port = port;
	return a;
}

bool aflow_end_has(const struct aflow *f, int k, const struct flow_addr *a)
{
	const struct flow *fl = &f->f;
	if (flow_addr_eq(k == 0 ? &fl->orig.src : &fl->orig.dst, a))
		return true;
	if (!fl->reply.src.family)
		return false;
	return flow_addr_eq(k == 0 ? &fl->reply.dst : &fl->reply.src, a);
}

/* An end attributed by its address, unless the flow is older than the address's holder. */
static void addr_end(struct jctx *x, struct aflow *af, int k)
{
	struct aend *e = &af->end[k];
	const struct flow *fl = &af->f;
	/* the address it is known by, then its other one (the NAT view) */
	const struct flow_addr *cands[2] = {aflow_addr(af, k, NULL),
	                                    k == 0 ? &fl->reply.dst : &fl->orig.dst};
	const struct aix *o = NULL;
	for (int i = 0; i < 2 && !o; i++)
		o = owner_of(x, cands[i]);
	if (!o)
		return;
	if (af->seen_ns && o->created_ns && af->seen_ns + 2 * NS_PER_S < o->created_ns) {
		x->a->stale++;
		end_note(e,
		         "the address now belongs to container '%s', created after this flow: an "
		         "earlier container that has exited",
		         o->c->name);
		return;
	}
	e->c = o->c;
	e->by = ATTR_BY_ADDRESS;
}

static void sock_end(const struct jctx *x, struct aend *e, const struct csock *cs)
{
	e->sock = true;
	e->c = cs->c;
	e->proc = cs->proc;
	e->by = !cs->c                             ? ATTR_NONE
	        : cs->proc && cs->proc->c == cs->c ? ATTR_BY_PROCESS
	                                           : ATTR_BY_NETNS;
	if (!cs->c)
		end_note(e, "a socket of the host itself, not of a container");
	/* no process of a member holds it: it is the namespace's, so its owner's */
	const struct container *o =
	    e->by == ATTR_BY_NETNS ? attrib_netns_owner(x->in->h, cs->c) : NULL;
	if (o && o->running)
		e->c = (struct container *)o;
}

/* ---------------------------------------------------------------- sockets and conntrack */

static bool is_open(const char *state)
{
	return streq(state, "ESTABLISHED") || streq(state, "SYN_SENT") || streq(state, "LISTEN") ||
	       streq(state, "UNCONN");
}

static void join_sockets(struct jctx *x)
{
	const struct sockets *s = x->in->socks;
	for (size_t i = 0; s && i < s->n; i++) {
		const struct csock *cs = &s->v[i];
		struct aflow *af = add_flow(x, FLOW_SRC_SOCKET, &cs->s.f);
		af->sock = cs;
		af->sock_only = true;
		af->seen_ns = x->in->now_ns;
		sock_end(x, &af->end[0], cs);
	}
}

static bool is_sock_flow(const struct aflow *f, const void *ud)
{
	(void)ud;
	return f->sock_only;
}

/* The conntrack entry's facts onto a flow a socket saw (the socket's state stays). */
static void take_ct(struct jctx *x, struct aflow *af, const struct flow *ct)
{
	af->sources |= SRC(FLOW_SRC_CONNTRACK);
	af->sock_only = false;
	af->f.reply = ct->reply;
	af->f.id = ct->id;
	af->f.timeout = ct->timeout;
	af->f.mark = ct->mark;
	af->f.status = ct->status;
	if (ct->counted) {
		af->f.counted = true;
		memcpy(af->f.packets, ct->packets, sizeof(af->f.packets));
		memcpy(af->f.bytes, ct->bytes, sizeof(af->f.bytes));
	}
	/* a socket left behind by a closed connection: when it closed is conntrack's */
	if (!is_open(af->f.state)) {
		bool est;
		uint64_t seen = ct_seen(x, ct, &est);
		if (seen) {
			af->seen_ns = seen;
			af->seen_estimated = est;
		}
	}
}

static void join_conntrack(struct jctx *x)
{
	size_t n_sock = x->a->n;
	for (size_t i = 0; i < x->in->n_ct; i++) {
		const struct flow *ct = &x->in->ct[i];
		/* the originator's socket (same tuple), the answering one (the reply reversed) */
		struct aflow *s1 = tix_find(x, ct->proto, &ct->orig, is_sock_flow, NULL);
		struct aflow *s2 = NULL;
		if (ct->reply.src.family) {
			struct flow_tuple rev = tuple_rev(&ct->reply);
			s2 = tix_find(x, ct->proto, &rev, is_sock_flow, NULL);
		}
		if (s1 && (size_t)(s1 - x->a->v) >= n_sock)
			s1 = NULL;
		if (s2 && ((size_t)(s2 - x->a->v) >= n_sock || s2 == s1))
			s2 = NULL;
		struct aflow *af;
		if (s1) {
			af = s1;
			take_ct(x, af, ct);
			if (s2) {
				/* both ends are local sockets: one flow */
				af->end[1] = s2->end[0];
				memset(&s2->end[0], 0, sizeof(s2->end[0]));
				x->dead[s2 - x->a->v] = true;
			}
		} else if (s2) {
			af = s2;
			char state[sizeof(af->f.state)];
			memcpy(state, af->f.state, sizeof(state));
			af->f = *ct;
			memcpy(af->f.state, state, sizeof(state));
			af->end[1] = af->end[0];
			memset(&af->end[0], 0, sizeof(af->end[0]));
			af->sources |= SRC(FLOW_SRC_CONNTRACK);
			af->sock_only = false;
			if (!is_open(af->f.state)) {
				bool est;
				uint64_t seen = ct_seen(x, ct, &est);
				if (seen) {
					af->seen_ns = seen;
					af->seen_estimated = est;
				}
			}
		} else {
			af = add_flow(x, FLOW_SRC_CONNTRACK, ct);
			af->seen_ns = ct_seen(x, ct, &af->seen_estimated);
		}
		for (int k = 0; k < 2; k++)
			if (!af->end[k].sock)
				addr_end(x, af, k);
	}
	/* sockets seen alone: the remote side by its address */
	for (size_t i = 0; i < n_sock; i++)
		if (!x->dead[i] && x->a->v[i].sock_only)
			addr_end(x, &x->a->v[i], 1);
}

/* ---------------------------------------------------------------- kernel events */

static void join_kevents(struct jctx *x)
{
	for (size_t i = 0; i < x->in->n_kev; i++) {
		const struct attr_sockev *ev = &x->in->kev[i];
		struct aflow *af = NULL;
		int k = 0;
		if (!ev->accepted)
			af = tix_find(x, ev->proto, &ev->t, NULL, NULL);
		else {
			/* the server's view reversed is the client's original tuple, unless DNAT
			 * changed it: then it is the reply tuple */
			struct flow_tuple rev = tuple_rev(&ev->t);
			af = tix_find(x, ev->proto, &rev, NULL, NULL);
			for (size_t j = 0; !af && j < x->a->n; j++)
				if (!x->dead[j] && x->a->v[j].f.proto == ev->proto &&
				    tuple_eq(&x->a->v[j].f.reply, &ev->t))
					af = &x->a->v[j];
			k = 1;
		}
		if (!af)
			continue;
		if (af->sock_only && ev->accepted)
			k = 0; /* a socket alone keeps its own side first */
		struct aend *e = &af->end[k];
		/* a live socket's holder is as good and is there now */
		if (e->by == ATTR_BY_PROCESS && e->sock)
			continue;
		struct container *c =
		    ev->container_id && *ev->container_id ? live_by_id(x, ev->container_id) : NULL;
		if (ev->container_id && *ev->container_id && !c) {
			struct jcontainer jc = {.id = (char *)ev->container_id};
			c = named(x, &jc);
		}
		struct proc_info *p = new_proc(x, ev->pid, c);
		p->ppid = ev->ppid;
		p->comm = xstrdup0(ev->comm);
		p->exe = xstrdup0(ev->exe);
		if (ev->argv) {
			p->argv = strv_dup(ev->argv, ev->argc);
			p->argc = ev->argc;
			p->cmdline = argv_join(p->argv, p->argc);
		}
		fill_lineage(x, p, ev->ts_ns);
		free(e->note);
		e->note = NULL;
		e->c = c;
		e->proc = p;
		e->by = c ? ATTR_BY_PROCESS : ATTR_NONE;
		if (!c)
			end_note(e, "a process of the host itself, not of a container");
	}
}

/* ---------------------------------------------------------------- the journal */

static bool open_flow(const struct aflow *f, const void *ud)
{
	const struct jflow *j = ud;
	if (f->sources & SRC(FLOW_SRC_CONNTRACK))
		return f->f.id == j->f.id;
	/* a socket alone: the same flow only if it is still open */
	return f->sock_only && !j->ended;
}

/* The journal's view of one side. */
static void journal_end(struct jctx *x, const struct jflow *j, int k, struct aend *out)
{
	memset(out, 0, sizeof(*out));
	const struct jcontainer *jc = k == 0 ? &j->src : &j->dst;
	out->c = named(x, jc);
	if (!out->c)
		return;
	bool mine = k == j->proc_side;
	out->by = mine ? by_parse(j->by) : ATTR_BY_ADDRESS;
	if (mine && j->proc.pid) {
		struct proc_info *p = (struct proc_info *)proc_from_journal(x, &j->proc, out->c);
		fill_lineage(x, p, j->f.first_ns ? j->f.first_ns : j->f.last_ns);
		out->proc = p;
	}
	if (mine && j->netns_owner.id)
		out->netns_owner = named(x, &j->netns_owner);
}

static void journal_merge_end(struct aend *live, struct aend *rec)
{
	if (!rec->c)
		return;
	if (!live->c || rec->by > live->by ||
	    (rec->by == live->by && rec->by != ATTR_BY_PROCESS && rec->c != live->c)) {
		/* the journal knew who held the address when the flow began; today's holder may
		 * be a later container that got the same address */
		const struct container *now = live->c;
		end_clear(live);
		*live = *rec;
		if (now && now != rec->c)
			end_note(live,
			         "attributed by cirt watch's record: the address belongs to '%s' "
			         "now",
			         now->name);
		else if (is_gone(rec->c))
			end_note(live, "container not running now (removed or stopped since): as "
			               "recorded by cirt watch");
		return;
	}
	if (rec->c != live->c && !live->note)
		end_note(live, "cirt watch recorded it as '%s''s (by %s); the %s says '%s'",
		         rec->c->name, attr_by_name(rec->by),
		         live->by == ATTR_BY_PROCESS ? "process holding its socket"
		                                     : "namespace of its socket",
		         live->c->name);
	end_clear(rec);
}

static void join_journal(struct jctx *x)
{
	for (size_t i = 0; i < x->in->n_jf; i++) {
		const struct jflow *j = &x->in->jf[i];
		struct aflow *af = tix_find(x, j->f.proto, &j->f.orig, open_flow, j);
		struct aend rec[2];
		journal_end(x, j, 0, &rec[0]);
		journal_end(x, j, 1, &rec[1]);
		if (af) {
			af->sources |= SRC(FLOW_SRC_JOURNAL);
			if (!af->f.first_ns)
				af->f.first_ns = j->f.first_ns;
			af->began |= j->began;
			af->alerted |= j->alerted;
			for (int k = 0; k < 2; k++)
				journal_merge_end(&af->end[k], &rec[k]);
			continue;
		}
		af = add_flow(x, FLOW_SRC_JOURNAL, &j->f);
		af->seen_ns = j->f.last_ns ? j->f.last_ns : j->f.first_ns;
		af->began = j->began;
		af->ended = j->ended;
		af->alerted = j->alerted;
		for (int k = 0; k < 2; k++) {
			af->end[k] = rec[k];
			if (is_gone(rec[k].c))
				end_note(&af->end[k],
				         "container not running now (removed or stopped "
				         "since): as recorded by cirt watch");
		}
		if (!rec[0].c && !rec[1].c)
			end_note(&af->end[0], "no container held these addresses when cirt watch "
			                      "recorded the flow");
	}
}

static void join_lookups(struct jctx *x)
{
	struct attrib *a = x->a;
	if (!x->in->n_dns)
		return;
	a->lookups = xcalloc(x->in->n_dns, sizeof(*a->lookups));
	for (size_t i = 0; i < x->in->n_dns; i++) {
		const struct jlookup *l = &x->in->dns[i];
		struct alookup *o = &a->lookups[a->n_lookups++];
		o->l = l;
		o->c = named(x, &l->c);
		o->by = !o->c ? ATTR_NONE : l->by[0] ? by_parse(l->by) : ATTR_BY_NETNS;
		if (l->proc.pid) {
			struct proc_info *p =
			    (struct proc_info *)proc_from_journal(x, &l->proc, o->c);
			fill_lineage(x, p, l->t);
			o->proc = p;
		}
		o->netns_owner = attrib_netns_owner(x->in->h, o->c);
	}
}

/* ---------------------------------------------------------------- shared namespaces */

/* A running container that joined c's namespace (container:c), or NULL. */
static const struct container *member_of(const struct jctx *x, const struct container *c)
{
	const struct host *h = x->in->h;
	if (!h || c < h->c || c >= h->c + h->n)
		return NULL;
	return x->member[c - h->c];
}

/* The peer an end talked to: (proto, direction, remote address, service port). */
static bool same_peer(const struct aflow *a, int ka, const struct aflow *b, int kb)
{
	if (a->f.proto != b->f.proto || ka != kb || a->sock_only != b->sock_only)
		return false;
	uint16_t pa, pb;
	const struct flow_addr *ra = aflow_addr(a, 1 - ka, &pa), *rb = aflow_addr(b, 1 - kb, &pb);
	if (ka == 1) { /* answering: the service port is its own */
		aflow_addr(a, ka, &pa);
		aflow_addr(b, kb, &pb);
	}
	return flow_addr_eq(ra, rb) && pa == pb;
}

static void shared_namespaces(struct jctx *x)
{
	const struct host *h = x->in->h;
	struct attrib *a = x->a;
	for (size_t i = 0; i < a->n; i++) {
		if (x->dead[i])
			continue;
		for (int k = 0; k < 2; k++) {
			struct aend *e = &a->v[i].end[k];
			if (e->c && !e->netns_owner)
				e->netns_owner = attrib_netns_owner(h, e->c);
		}
	}
	for (size_t i = 0; i < a->n; i++) {
		if (x->dead[i])
			continue;
		struct aflow *af = &a->v[i];
		for (int k = 0; k < 2; k++) {
			struct aend *e = &af->end[k];
			if (!e->c || e->by == ATTR_BY_PROCESS || e->netns_owner)
				continue;
			const struct container *member = member_of(x, e->c);
			if (!member)
				continue;
			/* who else in this namespace talked to the same peer, with a known
			 * process? */
			struct container *who = NULL;
			bool several = false;
			for (size_t j = 0; j < a->n && !several; j++) {
				if (x->dead[j] || j == i)
					continue;
				for (int kk = 0; kk < 2; kk++) {
					const struct aend *o = &a->v[j].end[kk];
					if (o->by != ATTR_BY_PROCESS || !o->c ||
					    (o->c != e->c && o->netns_owner != e->c) ||
					    !same_peer(af, k, &a->v[j], kk))
						continue;
					if (who && who != o->c)
						several = true;
					who = o->c;
				}
			}
			char peer[64];
			uint16_t pp;
			const struct flow_addr *ra = aflow_addr(af, 1 - k, &pp);
			flow_endpoint_str(ra, k == 0 ? pp : 0, peer, sizeof(peer));
			if (who && !several && who != e->c) {
				const struct container *owner = e->c;
				e->netns_owner = owner;
				e->c = who;
				e->proc = NULL;
				end_note(
				    e,
				    "the namespace of '%s' is shared and no process was seen for "
				    "this flow: given to '%s', whose processes made the other "
				    "flows to %s",
				    owner->name, who->name, peer);
			} else if (!who && !e->note)
				end_note(
				    e,
				    "the namespace of '%s' is shared with '%s' and no process was "
				    "seen for this flow: it may be either's",
				    e->c->name, member->name);
		}
	}
}

/* ---------------------------------------------------------------- the join */

struct attrib *attrib_join(const struct attrib_in *in)
{
	struct attrib *a = xcalloc(1, sizeof(*a));
	struct jctx x = {.in = in, .a = a};
	build_index(&x);
	join_sockets(&x);
	tix_rebuild(&x);
	join_conntrack(&x);
	tix_rebuild(&x);
	join_kevents(&x);
	join_journal(&x);
	join_lookups(&x);
	shared_namespaces(&x);
	size_t w = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (x.dead[i]) {
			end_clear(&a->v[i].end[0]);
			end_clear(&a->v[i].end[1]);
			continue;
		}
		a->v[w++] = a->v[i];
	}
	a->n = w;
	free(x.ix);
	free(x.member);
	free(x.t.head);
	free(x.t.next);
	free(x.dead);
	return a;
}

const struct alookup *attrib_resolved(const struct attrib *a, const struct flow_addr *addr,
                                      const struct container *prefer)
{
	const struct alookup *best = NULL;
	for (size_t i = 0; a && i < a->n_lookups; i++) {
		const struct alookup *o = &a->lookups[i];
		bool has = false;
		for (size_t k = 0; k < o->l->n_addrs && !has; k++)
			has = flow_addr_eq(&o->l->addrs[k], addr);
		if (!has)
			continue;
		bool pref = prefer && o->c == prefer,
		     best_pref = best && prefer && best->c == prefer;
		if (!best || (pref && !best_pref) || (pref == best_pref && o->l->t < best->l->t))
			best = o;
	}
	return best;
}

void attrib_free(struct attrib *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		end_clear(&a->v[i].end[0]);
		end_clear(&a->v[i].end[1]);
	}
	free(a->v);
	free(a->lookups);
	for (size_t i = 0; i < a->n_standins; i++) {
		container_clear(a->standins[i]);
		free(a->standins[i]);
	}
	free(a->standins);
	for (size_t i = 0; i < a->n_procs; i++)
		proc_info_free(a->procs[i]);
	free(a->procs);
	free(a);
}
