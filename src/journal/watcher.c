/* watcher.c: the engine of `cirt watch`: flows tracked by conntrack id from start to end, held
 * until their addresses' owners are known, attributed, matched against indicators, journaled. */
#include "journal/watcher_int.h"

#include <netinet/in.h>
#include <unistd.h>

#include "config.h"
#include "escape.h"
#include "journal/jline.h"
#include "json.h"
#include "util.h"

/* ---------------------------------------------------------------- flows by conntrack id */

static uint32_t tuple_hash(const struct flow *f)
{
	uint32_t h = 2166136261u ^ f->proto;
	const uint8_t *parts[2] = {f->orig.src.b, f->orig.dst.b};
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[p][i]) * 16777619u;
	h = (h ^ f->orig.sport) * 16777619u;
	h = (h ^ f->orig.dport) * 16777619u;
	return h;
}

static size_t slot_of(const struct cttab *t, uint32_t id, uint32_t th)
{
	uint64_t k = ((uint64_t)id << 32 | th) * 0x9E3779B97F4A7C15ull;
	return (size_t)(k >> 17) & (t->cap - 1);
}

static struct ctent *ct_find(struct cttab *t, uint32_t id, uint32_t th)
{
	if (!t->cap)
		return NULL;
	for (size_t i = slot_of(t, id, th);; i = (i + 1) & (t->cap - 1)) {
		struct ctent *e = &t->v[i];
		if (!e->used)
			return NULL;
		if (e->id == id && e->th == th)
			return e;
	}
}

static void ct_grow(struct cttab *t)
{
	struct ctent *old = t->v;
	size_t oc = t->cap;
	t->cap = oc ? oc * 2 : 4096;
	t->v = xcalloc(t->cap, sizeof(*t->v));
	for (size_t i = 0; i < oc; i++)
		if (old[i].used) {
			size_t k = slot_of(t, old[i].id, old[i].th);
			while (t->v[k].used)
				k = (k + 1) & (t->cap - 1);
			t->v[k] = old[i];
		}
	free(old);
}

static struct ctent *ct_add(struct cttab *t, uint32_t id, uint32_t th)
{
	struct ctent *e = ct_find(t, id, th);
	if (e)
		return e;
	if ((t->n + 1) * 2 > t->cap) {
		if (t->cap >= WATCHER_TRACK_MAX) {
			t->full++;
			return NULL;
		}
		ct_grow(t);
	}
	size_t k = slot_of(t, id, th);
	while (t->v[k].used)
		k = (k + 1) & (t->cap - 1);
	e = &t->v[k];
	memset(e, 0, sizeof(*e));
	e->used = 1;
	e->id = id;
	e->th = th;
	e->src = e->dst = e->owner = -1;
	t->n++;
	return e;
}

/* Remove with backward shift, so that no tombstones slow the probes down. */
static void ct_del(struct cttab *t, const struct ctent *e)
{
	size_t i = (size_t)(e - t->v);
	t->v[i].used = 0;
	t->n--;
	for (size_t j = (i + 1) & (t->cap - 1); t->v[j].used; j = (j + 1) & (t->cap - 1)) {
		size_t home = slot_of(t, t->v[j].id, t->v[j].th);
		/* can entry j move into the hole at i? only if its home is not in (i, j] */
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (between)
			continue;
		t->v[i] = t->v[j];
		t->v[j].used = 0;
		i = j;
	}
}

/* ---------------------------------------------------------------- the watcher */

void watcher_warn(struct watcher *w, const char *fmt, ...)
{
	if (!w->o.warn)
		return;
	char m[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	w->o.warn(w->o.ud, m);
}
#define warn watcher_warn

uint64_t watcher_clock_ms(const struct watcher *w)
{
	return w->o.clock_ms ? w->o.clock_ms() : now_ms();
}
#define clock_ms watcher_clock_ms

static void write_failed(struct watcher *w, const struct cirt_err *e)
{
	w->n_write_errors++;
	/* say it once per distinct error, not once per line */
	if (!streq(e->msg, w->last_write_error)) {
		warn(w, "warning: %s", e->msg);
		snprintf(w->last_write_error, sizeof(w->last_write_error), "%s", e->msg);
	}
}

void watcher_jwrite(struct watcher *w, json_t *line)
{
	struct cirt_err e = {0};
	if (journal_append_json(w->o.jw, line, &e) < 0)
		write_failed(w, &e);
}
#define jwrite watcher_jwrite

void watcher_jwrite_raw(struct watcher *w, const char *line, size_t len)
{
	struct cirt_err e = {0};
	if (journal_append(w->o.jw, line, len, &e) < 0)
		write_failed(w, &e);
}

void watcher_flush(struct watcher *w)
{
	struct cirt_err e = {0};
	if (journal_flush(w->o.jw, &e) < 0)
		write_failed(w, &e);
}

static void attribute(struct watcher *w, const struct flow *f, uint64_t t, int *src, int *dst)
{
	*src = addrmap_lookup(w->am, &f->orig.src, t);
	*dst = addrmap_lookup(w->am, &f->orig.dst, t);
	/* a connection to a published port: the container is the reply's source (after DNAT) */
	if (*dst < 0 && f->reply.src.family && !flow_addr_eq(&f->reply.src, &f->orig.dst))
		*dst = addrmap_lookup(w->am, &f->reply.src, t);
}

/* The address map's answer, then the kernel's socket event when one joins: the process's
 * container (by its cgroup) wins for the end it is on, else the owner of the socket's network
 * namespace. A sidecar sharing X's namespace is itself, with X named as the owner. */
static void resolve(struct watcher *w, const struct flow *f, uint64_t t, struct attr *a)
{
	*a = (struct attr){.owner = -1};
	attribute(w, f, t, &a->src, &a->dst);
	if (!w->socks)
		return;
	bool acc = false;
	struct wsock *s = wstab_match_flow(w->socks, f, &acc, clock_ms(w));
	if (!s)
		return;
	a->matched = true;
	a->s = s;
	a->p = s->p;
	int *side = acc ? &a->dst : &a->src;
	int own = wk_netns_owner(w, s->netns);
	int pc = s->p ? s->p->ci : -1;
	if (pc >= 0) {
		*side = pc;
		a->by = BY_PROCESS;
		if (own >= 0 && own != pc)
			a->owner = own;
	} else if (own >= 0) {
		*side = own;
		a->by = BY_NETNS;
	}
}

/* The container the process or namespace named is not known to the daemon yet (it is
 * starting): its name is worth a moment's wait. */
static bool unnamed(const struct watcher *w, const struct attr *a)
{
	if (a->by == BY_ADDRESS)
		return false;
	const struct am_container *c = addrmap_get(w->am, a->src);
	const struct am_container *d = addrmap_get(w->am, a->dst);
	return (c && !c->name) || (d && !d->name);
}

bool watcher_in_docker(const struct watcher *w, const struct flow *f)
{
	return addrmap_in_subnets(w->am, &f->orig.src) || addrmap_in_subnets(w->am, &f->orig.dst) ||
	       (f->reply.src.family && (addrmap_in_subnets(w->am, &f->reply.src) ||
	                                addrmap_in_subnets(w->am, &f->reply.dst)));
}
#define in_docker watcher_in_docker

char *watcher_alert_line(const struct watcher_alert *a, bool json)
{
	const struct am_container *c = a->container;
	const struct flow *f = a->flow;
	if (json) {
		json_t *o = journal_line_new(a->t_ns, "alert");
		json_object_set(o, "container", c ? c->ref : json_null());
		json_object_set_new(o, "direction", json_string(a->outbound ? "to" : "from"));
		json_object_set_new(o, "flow", jline_flow_obj(f));
		json_t *io = json_object();
		json_object_set_new(io, "entry", json_str(a->ioc->text));
		json_object_set_new(io, "comment", json_str(a->ioc->comment));
		json_object_set_new(io, "line", json_integer(a->ioc->line));
		json_object_set_new(o, "ioc", io);
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		json_decref(o);
		return s;
	}
	char ts[40];
	journal_time_str(a->t_ns, ts, sizeof(ts));
	_cleanup_free_ char *name = term_escape(c && c->name ? c->name : "(unknown container)");
	_cleanup_free_ char *image = term_escape(c && c->image ? c->image : "?");
	_cleanup_free_ char *cmt = a->ioc->comment ? term_escape(a->ioc->comment) : NULL;
	_cleanup_free_ char *entry = term_escape(a->ioc->text);
	char s[64], d[64];
	return xasprintf("%s ALERT %s (%s, %.12s) %s %s -> %s matches ioc %s (line %u%s%s)", ts,
	                 name, image, c && c->id ? c->id : "-", flow_proto_name(f->proto),
	                 flow_endpoint_str(&f->orig.src, f->orig.sport, s, sizeof(s)),
	                 flow_endpoint_str(&f->orig.dst, f->orig.dport, d, sizeof(d)), entry,
	                 a->ioc->line, cmt ? ": " : "", cmt ? cmt : "");
}

static const char *event_name(enum watcher_kind ev)
{
	return ev == WATCHER_FLOW_NEW ? "new" : ev == WATCHER_FLOW_END ? "end" : "existing";
}

static const char *by_name(uint8_t by)
{
	return by == BY_PROCESS ? "process" : by == BY_NETNS ? "netns" : "address";
}

static void ct_release(struct watcher *w, struct ctent *e)
{
	addrmap_unref(w->am, e->src);
	addrmap_unref(w->am, e->dst);
	addrmap_unref(w->am, e->owner);
	wproc_unref(w->procs, e->p);
	e->src = e->dst = e->owner = -1;
	e->p = NULL;
}

/* What a tracked flow's begin said, for its end. */
static void attr_of(const struct ctent *e, struct attr *a)
{
	*a = (struct attr){.src = e->src,
	                   .dst = e->dst,
	                   .p = e->p,
	                   .by = e->by,
	                   .owner = e->owner,
	                   .matched = e->p != NULL};
}

/* Write the line of one flow event whose attribution is settled. */
static void emit_flow(struct watcher *w, const struct flow *f0, enum watcher_kind ev, uint64_t t,
                      const struct attr *a)
{
	struct flow f = *f0;
	uint32_t th = tuple_hash(&f);
	int src = a->src, dst = a->dst;
	/* released after the line: a destroyed container's name must still be there */
	struct ctent gone = {.src = -1, .dst = -1, .owner = -1};
	/* the socket event leaves the table with the line (a TCP socket is one flow) */
	struct wproc *keep = a->p;
	wproc_ref(keep);
	if (a->s && f.proto == IPPROTO_TCP) {
		/* without conntrack's own timestamps, the kernel's connect is when it began (the
		 * conntrack event's time is when it was read) */
		if (ev == WATCHER_FLOW_NEW && !f.first_ns && a->s->t_ns &&
		    a->s->kind == WSOCK_CONNECT)
			t = f.first_ns = a->s->t_ns;
		wstab_take(w->socks, a->s);
	}
	if (ev == WATCHER_FLOW_NEW || ev == WATCHER_FLOW_EXISTING) {
		if (!f.first_ns && ev == WATCHER_FLOW_NEW)
			f.first_ns = t;
		struct ctent *e = f.id ? ct_add(&w->tab, f.id, th) : NULL;
		if (e) {
			ct_release(w, e);
			e->src = src;
			e->dst = dst;
			e->owner = a->owner;
			e->p = keep;
			e->by = a->by;
			addrmap_ref(w->am, src);
			addrmap_ref(w->am, dst);
			addrmap_ref(w->am, a->owner);
			wproc_ref(keep);
			e->new_ns = f.first_ns;
			e->pending = 0;
		}
		if (ev == WATCHER_FLOW_NEW)
			w->n_new++;
		else
			w->n_existing++;
	} else {
		if (!f.last_ns)
			f.last_ns = t;
		struct ctent *e = f.id ? ct_find(&w->tab, f.id, th) : NULL;
		if (e) {
			if (!f.first_ns)
				f.first_ns = e->new_ns;
			gone = *e;
			ct_del(&w->tab, e);
		}
		w->n_end++;
	}
	if (src < 0 && dst < 0)
		w->n_unattributed++;
	if (keep)
		w->n_flows_process++;
	const struct am_container *sc = addrmap_get(w->am, src), *dc = addrmap_get(w->am, dst);
	const struct am_container *oc = addrmap_get(w->am, a->owner);
	const struct ioc_entry *hit = NULL;
	bool outbound = true;
	if (w->ioc && ev != WATCHER_FLOW_END) {
		/* a container (or an address of a container network) opened a flow to a listed
		 * address, or a listed address opened one to a container */
		if ((sc || addrmap_in_subnets(w->am, &f.orig.src)) &&
		    (hit = ioc_match(w->ioc, &f.orig.dst)))
			outbound = true;
		else if (dc && (hit = ioc_match(w->ioc, &f.orig.src)))
			outbound = false;
	}
	_cleanup_free_ char *ioc = NULL;
	if (hit) {
		json_t *js = json_str(hit->text);
		ioc = json_dumps(js, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
		json_decref(js);
	}
	_cleanup_free_ char *owner = NULL;
	if (oc) {
		json_t *o = json_pack("{s:O,s:O}", "id", json_object_get(oc->ref, "id"), "name",
		                      json_object_get(oc->ref, "name"));
		owner = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		json_decref(o);
	}
	struct jline_extra x = {
	    .by = by_name(a->by), .process = keep ? wproc_json(keep) : NULL, .netns_owner = owner};
	w->line.len = 0;
	jline_flow(&w->line, t, event_name(ev), sc ? sc->ref_json : NULL, dc ? dc->ref_json : NULL,
	           &x, &f, ioc);
	watcher_jwrite_raw(w, w->line.data, w->line.len);
	if (hit) {
		w->n_alerts++;
		struct watcher_alert al = {.t_ns = t,
		                           .container = addrmap_get(w->am, outbound ? src : dst),
		                           .flow = &f,
		                           .ioc = hit,
		                           .outbound = outbound};
		if (w->o.alert)
			w->o.alert(w->o.ud, &al);
	}
	ct_release(w, &gone);
	wproc_unref(w->procs, keep);
}

/* Forget tracked flows that began before t: their DESTROY was lost (an overrun) or will never
 * come, and conntrack keeps no entry longer than an established TCP timeout (5 days). */
static void ct_sweep(struct watcher *w, uint64_t before_ns)
{
	struct cttab *t = &w->tab;
	for (size_t i = 0; i < t->cap;) {
		struct ctent *e = &t->v[i];
		if (e->used && !e->pending && e->new_ns && e->new_ns < before_ns) {
			ct_release(w, e);
			ct_del(t, e); /* may shift a later entry into slot i: look at it again */
			continue;
		}
		i++;
	}
}

static void hold(struct watcher *w, const struct flow *f, enum watcher_kind ev, uint64_t t,
                 bool for_socket)
{
	if (w->npend == w->cappend) {
		w->cappend = w->cappend ? w->cappend * 2 : 256;
		w->pend = xrealloc(w->pend, w->cappend * sizeof(*w->pend));
	}
	struct pend *p = &w->pend[w->npend++];
	p->f = *f;
	p->ev = ev;
	p->t_ns = t;
	uint64_t now = clock_ms(w);
	p->deadline_ms = now + WATCHER_HOLD_MS;
	p->kev_deadline_ms = for_socket ? now + w->kev_wait_ms : 0;
	if (ev == WATCHER_FLOW_NEW && f->id) {
		struct ctent *e = ct_add(&w->tab, f->id, tuple_hash(f));
		if (e)
			e->pending = 1;
	}
}

/* What to do with a flow that begins (or was open at start): 0 write it, 1 wait, -1 skip it. */
static int decide(struct watcher *w, const struct flow *f, enum watcher_kind ev,
                  const struct attr *a, uint64_t now, const struct pend *p, bool final)
{
	bool docker = in_docker(w, f);
	bool none = a->src < 0 && a->dst < 0;
	/* its socket event may still be on its way (even for a flow of no container address: a
	 * host-network container's) */
	if (!final && ev == WATCHER_FLOW_NEW && !a->matched && w->kev_wait_ms &&
	    (!p || (p->kev_deadline_ms && now < p->kev_deadline_ms)))
		return 1;
	if (!final && unnamed(w, a) && (!p || now < p->deadline_ms))
		return 1;
	if (none) {
		if (!docker && !w->o.all_flows)
			return -1;
		/* an address of a container network that we cannot name yet: its container's
		 * start event may still be on its way */
		if (!final && docker && ev == WATCHER_FLOW_NEW && (!p || now < p->deadline_ms) &&
		    (p || w->npend < WATCHER_PENDING_MAX))
			return 1;
	}
	return 0;
}

static void on_flow(struct watcher *w, const struct flow *f, enum watcher_kind ev, uint64_t t)
{
	struct attr a;
	if (ev == WATCHER_FLOW_END) {
		struct ctent *e = f->id ? ct_find(&w->tab, f->id, tuple_hash(f)) : NULL;
		if (e && e->pending) {
			hold(w, f, ev, t, false);
			return;
		}
		if (e) {
			attr_of(e, &a);
			if (!a.matched && w->socks) {
				/* its socket event came after the begin was written */
				struct attr late;
				resolve(w, f, e->new_ns ? e->new_ns : t, &late);
				if (late.matched)
					a = late;
			}
			emit_flow(w, f, ev, t, &a);
			return;
		}
		/* a flow that began before we watched: whoever holds the address now */
	}
	resolve(w, f, t, &a);
	int d = decide(w, f, ev, &a, clock_ms(w), NULL, false);
	if (d < 0) {
		w->n_skipped++;
		return;
	}
	if (d > 0 && w->npend < WATCHER_PENDING_MAX) {
		hold(w, f, ev, t, !a.matched && w->kev_wait_ms);
		return;
	}
	emit_flow(w, f, ev, t, &a);
}

void watcher_settle(struct watcher *w, bool final)
{
	wk_settle(w, final);
	if (!w->npend)
		return;
	uint64_t now = clock_ms(w);
	size_t k = 0;
	for (size_t i = 0; i < w->npend; i++) {
		struct pend *p = &w->pend[i];
		struct attr a;
		if (p->ev == WATCHER_FLOW_END) {
			struct ctent *e =
			    p->f.id ? ct_find(&w->tab, p->f.id, tuple_hash(&p->f)) : NULL;
			if (e && e->pending && !final && now < p->deadline_ms + WATCHER_HOLD_MS) {
				w->pend[k++] = *p;
				continue;
			}
			if (e && !e->pending) {
				attr_of(e, &a);
				emit_flow(w, &p->f, p->ev, p->t_ns, &a);
				continue;
			}
			resolve(w, &p->f, p->t_ns, &a);
			emit_flow(w, &p->f, p->ev, p->t_ns, &a);
			continue;
		}
		resolve(w, &p->f, p->t_ns, &a);
		int d = decide(w, &p->f, p->ev, &a, now, p, final);
		if (d > 0) {
			w->pend[k++] = *p;
			continue;
		}
		if (d < 0) {
			/* waited for a socket event that did not come: the host's own flow */
			struct ctent *e =
			    p->f.id ? ct_find(&w->tab, p->f.id, tuple_hash(&p->f)) : NULL;
			if (e && e->pending)
				ct_del(&w->tab, e);
			w->n_skipped++;
			continue;
		}
		emit_flow(w, &p->f, p->ev, p->t_ns, &a);
	}
	w->npend = k;
}

int watcher_timeout_ms(const struct watcher *w, int max_ms)
{
	uint64_t dl = wk_next_deadline(w);
	for (size_t i = 0; i < w->npend; i++) {
		const struct pend *p = &w->pend[i];
		uint64_t d = p->kev_deadline_ms ? p->kev_deadline_ms : p->deadline_ms;
		if (!dl || d < dl)
			dl = d;
	}
	if (!dl)
		return max_ms;
	uint64_t now = clock_ms(w);
	int t = dl > now ? (int)(dl - now) + 1 : 0;
	return t > max_ms ? max_ms : t;
}

void watcher_prune(struct watcher *w, uint64_t now_ns)
{
	ct_sweep(w, now_ns > WATCHER_TRACK_MAX_AGE_NS ? now_ns - WATCHER_TRACK_MAX_AGE_NS : 0);
	wk_prune(w);
	addrmap_prune(w->am, now_ns > WATCHER_KEEP_CLOSED_NS ? now_ns - WATCHER_KEEP_CLOSED_NS : 0);
}

void watcher_tick(struct watcher *w)
{
	uint64_t now = clock_ms(w);
	if (!w->last_sync_ms) /* the first tick starts the clocks */
		w->last_sync_ms = w->last_prune_ms = now;
	if (now - w->last_sync_ms >= WATCHER_SYNC_MS) {
		struct cirt_err e = {0};
		if (journal_dirty(w->o.jw) && journal_sync(w->o.jw, &e) < 0)
			warn(w, "warning: %s", e.msg);
		w->last_sync_ms = now;
	}
	wk_tick(w, now);
	if (now - w->last_prune_ms >= WATCHER_PRUNE_MS) {
		watcher_prune(w, journal_now_ns());
		w->last_prune_ms = now;
	}
}

/* ---------------------------------------------------------------- daemon records, losses */

static void on_record(struct watcher *w, const struct evrec *r)
{
	evrec_apply(w->am, r);
	wk_on_record(w, r);
	switch (r->kind) {
	case EVR_SNAPSHOT:
		w->daemon_ok = true;
		break;
	case EVR_SUBNET:
		break;
	case EVR_LOST:
		if (w->daemon_ok) {
			const char *e = jstr(r->line, "error");
			warn(w,
			     "warning: daemon lost (%s): recording flows with the addresses known "
			     "so far, reconnecting",
			     e ? e : "?");
		} else if (!w->n_gaps) {
			const char *e = jstr(r->line, "error");
			warn(w,
			     "warning: daemon unreachable (%s): recording flows without container "
			     "names until it answers",
			     e ? e : "?");
		}
		w->n_gaps++;
		w->daemon_ok = false;
		jwrite(w, json_incref(r->line));
		break;
	case EVR_BACK:
		warn(w, "daemon answers again after %.1f s: events of the gap are not recorded",
		     json_real_value(json_object_get(r->line, "gap_seconds")));
		jwrite(w, json_incref(r->line));
		break;
	case EVR_EVENT:
		w->n_events++;
		jwrite(w, json_incref(r->line));
		break;
	}
}

static void on_lost(struct watcher *w, uint64_t t, const char *source, const char *note,
                    json_t *counts)
{
	w->n_overruns++;
	json_t *l = journal_line_new(t, "overrun");
	json_object_set_new(l, "source", json_string(source));
	json_object_set_new(l, "count", json_integer((json_int_t)w->n_overruns));
	json_object_set_new(l, "note", json_string(note));
	if (counts)
		json_object_set(l, "lost", counts);
	jwrite(w, l);
}

void watcher_feed(struct watcher *w, const struct watcher_event *e)
{
	switch (e->kind) {
	case WATCHER_FLOW_NEW:
	case WATCHER_FLOW_END:
	case WATCHER_FLOW_EXISTING:
		on_flow(w, &e->flow, e->kind, e->t_ns);
		break;
	case WATCHER_DAEMON:
		on_record(w, e->rec);
		break;
	case WATCHER_LOST:
		on_lost(w, e->t_ns, e->lost.source, e->lost.note, e->lost.counts);
		break;
	case WATCHER_KEV:
	case WATCHER_KEV_EXISTING:
		wk_on_kev(w, e);
		break;
	case WATCHER_DNS:
		wk_on_dns(w, e);
		break;
	}
}

void watcher_feed_records(struct watcher *w, struct evrec *list)
{
	for (struct evrec *r = list; r; r = r->next)
		watcher_feed(
		    w, &(struct watcher_event){.kind = WATCHER_DAEMON, .t_ns = r->t_ns, .rec = r});
	evrec_free_list(list);
	if (list)
		watcher_settle(w, false);
}

/* ---------------------------------------------------------------- the rest */

struct watcher *watcher_new(const struct watcher_opts *o)
{
	struct watcher *w = xcalloc(1, sizeof(*w));
	w->o = *o;
	w->ioc = o->ioc;
	w->o.ioc = NULL;
	w->am = addrmap_new();
	wk_init(w);
	return w;
}

void watcher_free(struct watcher *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->tab.cap; i++)
		if (w->tab.v[i].used)
			ct_release(w, &w->tab.v[i]);
	wk_free(w);
	ioc_free(w->ioc);
	addrmap_free(w->am);
	free(w->tab.v);
	free(w->pend);
	buf_free(&w->line);
	free(w);
}

int watcher_reload_ioc(struct watcher *w, const char *path, struct cirt_err *err)
{
	struct ioc_list *l = NULL;
	if (ioc_load(path, &l, err) < 0)
		return -1;
	ioc_free(w->ioc);
	w->ioc = l;
	return 0;
}

void watcher_stats(const struct watcher *w, struct watcher_stats *ret)
{
	*ret = (struct watcher_stats){
	    .flows_new = w->n_new,
	    .flows_end = w->n_end,
	    .flows_existing = w->n_existing,
	    .flows_skipped = w->n_skipped,
	    .flows_unattributed = w->n_unattributed,
	    .flows_process = w->n_flows_process,
	    .events = w->n_events,
	    .execs = w->n_execs,
	    .dns = w->n_dns,
	    .alerts = w->n_alerts,
	    .overruns = w->n_overruns,
	    .daemon_gaps = w->n_gaps,
	    .untracked = w->tab.full,
	    .write_errors = w->n_write_errors,
	    .daemon_ok = w->daemon_ok,
	    .containers = addrmap_n_containers(w->am),
	    .addresses = addrmap_n_intervals(w->am),
	    .held = w->npend + w->nhl,
	    .tracked = w->tab.n,
	    .processes = w->procs ? wptab_size(w->procs) : 0,
	    .sockets = w->socks ? wstab_size(w->socks) : 0,
	    .ioc_entries = w->ioc ? w->ioc->n : 0,
	};
}

void watcher_started(struct watcher *w, const struct watcher_sources *s)
{
	json_t *l = journal_line_new(journal_now_ns(), "watch");
	json_object_set_new(l, "action", json_string("start"));
	json_object_set_new(l, "pid", json_integer(getpid()));
	json_object_set_new(l, "version", json_string(CIRT_VERSION));
	json_object_set_new(l, "acct", json_boolean(s->ct_acct));
	json_object_set_new(l, "timestamps", json_boolean(s->ct_tstamp));
	json_object_set_new(l, "rcvbuf", json_integer(s->ct_rcvbuf));
	json_object_set_new(l, "containers", json_integer((json_int_t)addrmap_n_containers(w->am)));
	json_object_set_new(l, "ioc_entries", json_integer(w->ioc ? (json_int_t)w->ioc->n : 0));
	wk_started(w, l, s);
	jwrite(w, l);
}

void watcher_stopped(struct watcher *w, const char *signal)
{
	watcher_settle(w, true);
	json_t *l = journal_line_new(journal_now_ns(), "watch");
	json_object_set_new(l, "action", json_string("stop"));
	json_object_set_new(l, "signal", json_string(signal));
	json_object_set_new(l, "flows_new", json_integer((json_int_t)w->n_new));
	json_object_set_new(l, "flows_end", json_integer((json_int_t)w->n_end));
	json_object_set_new(l, "flows_existing", json_integer((json_int_t)w->n_existing));
	json_object_set_new(l, "flows_skipped", json_integer((json_int_t)w->n_skipped));
	json_object_set_new(l, "flows_unattributed", json_integer((json_int_t)w->n_unattributed));
	json_object_set_new(l, "events", json_integer((json_int_t)w->n_events));
	json_object_set_new(l, "alerts", json_integer((json_int_t)w->n_alerts));
	json_object_set_new(l, "overruns", json_integer((json_int_t)w->n_overruns));
	json_object_set_new(l, "daemon_gaps", json_integer((json_int_t)w->n_gaps));
	json_object_set_new(l, "untracked", json_integer((json_int_t)w->tab.full));
	wk_stopped(w, l);
	jwrite(w, l);
	watcher_flush(w);
}

void watcher_stop_extra(struct watcher *w, const char *key, json_t *obj)
{
	if (!w->stop_extra)
		w->stop_extra = json_object();
	json_object_set_new(w->stop_extra, key, obj);
}

const char *watcher_summary(const struct watcher *w, const struct journal_stats *js, char *buf,
                            size_t n)
{
	snprintf(buf, n,
	         "%llu new flows, %llu ended, %llu already open at start, %llu with their process, "
	         "%llu execs, %llu DNS answers, %llu docker events, %llu alerts, %llu overruns; "
	         "%llu lines (%llu bytes) in %u file%s, %u old file%s removed",
	         (unsigned long long)w->n_new, (unsigned long long)w->n_end,
	         (unsigned long long)w->n_existing, (unsigned long long)w->n_flows_process,
	         (unsigned long long)w->n_execs, (unsigned long long)w->n_dns,
	         (unsigned long long)w->n_events, (unsigned long long)w->n_alerts,
	         (unsigned long long)w->n_overruns, (unsigned long long)js->lines,
	         (unsigned long long)js->bytes, js->files_opened, js->files_opened == 1 ? "" : "s",
	         js->files_removed, js->files_removed == 1 ? "" : "s");
	return buf;
}
