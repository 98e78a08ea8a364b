/* watcher.c: the engine of `cirt watch`: flows tracked by conntrack id from start to end, held
 * until their addresses' owners are known, attributed, matched against indicators, journaled. */
#include "journal/watcher.h"

#include <unistd.h>

#include "config.h"
#include "escape.h"
#include "journal/jline.h"
#include "json.h"
#include "util.h"

/* ---------------------------------------------------------------- flows by conntrack id */

/* Who a tracked flow belonged to when it began, so its DESTROY is attributed the same way even
 * if the address has changed hands since. Open addressing, keyed by conntrack id and tuple. */
struct ctent {
	uint32_t id, th;
	int32_t src, dst; /* addrmap indexes, -1: none */
	uint64_t new_ns;
	uint8_t used, pending;
};

struct cttab {
	struct ctent *v;
	size_t cap, n;
	uint64_t full; /* flows not tracked because the table was full */
};

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
	e->src = e->dst = -1;
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

/* A flow waiting for its attribution. */
struct pend {
	struct flow f;
	enum watcher_kind ev;
	uint64_t t_ns;
	uint64_t deadline_ms;
};

struct watcher {
	struct watcher_opts o;
	struct addrmap *am;
	struct ioc_list *ioc;
	struct cttab tab;
	struct pend *pend;
	size_t npend, cappend;
	bool daemon_ok;
	/* counters */
	uint64_t n_new, n_end, n_existing, n_skipped, n_events, n_unattributed, n_alerts,
	    n_overruns;
	uint64_t n_write_errors, n_gaps;
	uint64_t last_sync_ms, last_prune_ms; /* watcher_tick's */
	struct buf line;                      /* the flow line being formatted */
	char last_write_error[sizeof(((struct cirt_err *)0)->msg)];
};

static void warn(struct watcher *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct watcher *w, const char *fmt, ...)
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

static uint64_t clock_ms(const struct watcher *w)
{
	return w->o.clock_ms ? w->o.clock_ms() : now_ms();
}

static void write_failed(struct watcher *w, const struct cirt_err *e)
{
	w->n_write_errors++;
	/* say it once per distinct error, not once per line */
	if (!streq(e->msg, w->last_write_error)) {
		warn(w, "warning: %s", e->msg);
		snprintf(w->last_write_error, sizeof(w->last_write_error), "%s", e->msg);
	}
}

static void jwrite(struct watcher *w, json_t *line)
{
	struct cirt_err e = {0};
	if (journal_append_json(w->o.jw, line, &e) < 0)
		write_failed(w, &e);
}

static void jwrite_raw(struct watcher *w, const char *line, size_t len)
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

static bool in_docker(const struct watcher *w, const struct flow *f)
{
	return addrmap_in_subnets(w->am, &f->orig.src) || addrmap_in_subnets(w->am, &f->orig.dst) ||
	       (f->reply.src.family && (addrmap_in_subnets(w->am, &f->reply.src) ||
	                                addrmap_in_subnets(w->am, &f->reply.dst)));
}

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

/* Write the line of one flow event whose attribution is settled. */
static void emit_flow(struct watcher *w, const struct flow *f0, enum watcher_kind ev, uint64_t t,
                      int src, int dst)
{
	struct flow f = *f0;
	uint32_t th = tuple_hash(&f);
	int release[2] = {-1, -1};
	if (ev == WATCHER_FLOW_NEW || ev == WATCHER_FLOW_EXISTING) {
		if (!f.first_ns && ev == WATCHER_FLOW_NEW)
			f.first_ns = t;
		struct ctent *e = f.id ? ct_add(&w->tab, f.id, th) : NULL;
		if (e) {
			addrmap_unref(w->am, e->src);
			addrmap_unref(w->am, e->dst);
			e->src = src;
			e->dst = dst;
			addrmap_ref(w->am, src);
			addrmap_ref(w->am, dst);
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
			/* released after the line: a destroyed container's name must still be there
			 */
			release[0] = e->src;
			release[1] = e->dst;
			ct_del(&w->tab, e);
		}
		w->n_end++;
	}
	if (src < 0 && dst < 0)
		w->n_unattributed++;
	const struct am_container *sc = addrmap_get(w->am, src), *dc = addrmap_get(w->am, dst);
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
	w->line.len = 0;
	jline_flow(&w->line, t, event_name(ev), sc ? sc->ref_json : NULL, dc ? dc->ref_json : NULL,
	           &f, ioc);
	jwrite_raw(w, w->line.data, w->line.len);
	if (hit) {
		w->n_alerts++;
		struct watcher_alert a = {.t_ns = t,
		                          .container = addrmap_get(w->am, outbound ? src : dst),
		                          .flow = &f,
		                          .ioc = hit,
		                          .outbound = outbound};
		if (w->o.alert)
			w->o.alert(w->o.ud, &a);
	}
	addrmap_unref(w->am, release[0]);
	addrmap_unref(w->am, release[1]);
}

/* Forget tracked flows that began before t: their DESTROY was lost (an overrun) or will never
 * come, and conntrack keeps no entry longer than an established TCP timeout (5 days). */
static void ct_sweep(struct watcher *w, uint64_t before_ns)
{
	struct cttab *t = &w->tab;
	for (size_t i = 0; i < t->cap;) {
		struct ctent *e = &t->v[i];
		if (e->used && !e->pending && e->new_ns && e->new_ns < before_ns) {
			addrmap_unref(w->am, e->src);
			addrmap_unref(w->am, e->dst);
			ct_del(t, e); /* may shift a later entry into slot i: look at it again */
			continue;
		}
		i++;
	}
}

static void hold(struct watcher *w, const struct flow *f, enum watcher_kind ev, uint64_t t)
{
	if (w->npend == w->cappend) {
		w->cappend = w->cappend ? w->cappend * 2 : 256;
		w->pend = xrealloc(w->pend, w->cappend * sizeof(*w->pend));
	}
	struct pend *p = &w->pend[w->npend++];
	p->f = *f;
	p->ev = ev;
	p->t_ns = t;
	p->deadline_ms = clock_ms(w) + WATCHER_HOLD_MS;
	if (ev == WATCHER_FLOW_NEW && f->id) {
		struct ctent *e = ct_add(&w->tab, f->id, tuple_hash(f));
		if (e)
			e->pending = 1;
	}
}

static void on_flow(struct watcher *w, const struct flow *f, enum watcher_kind ev, uint64_t t)
{
	int src, dst;
	if (ev == WATCHER_FLOW_END) {
		struct ctent *e = f->id ? ct_find(&w->tab, f->id, tuple_hash(f)) : NULL;
		if (e && e->pending) {
			hold(w, f, ev, t);
			return;
		}
		if (e) {
			emit_flow(w, f, ev, t, e->src, e->dst);
			return;
		}
		/* a flow that began before we watched: whoever holds the address now */
	}
	attribute(w, f, t, &src, &dst);
	if (src < 0 && dst < 0) {
		bool docker = in_docker(w, f);
		if (!docker && !w->o.all_flows) {
			w->n_skipped++;
			return;
		}
		/* an address of a container network that we cannot name yet: its container's start
		 * event may still be on its way */
		if (docker && ev == WATCHER_FLOW_NEW && w->npend < WATCHER_PENDING_MAX) {
			hold(w, f, ev, t);
			return;
		}
	}
	emit_flow(w, f, ev, t, src, dst);
}

void watcher_settle(struct watcher *w, bool final)
{
	if (!w->npend)
		return;
	uint64_t now = clock_ms(w);
	size_t k = 0;
	for (size_t i = 0; i < w->npend; i++) {
		struct pend *p = &w->pend[i];
		int src = -1, dst = -1;
		if (p->ev == WATCHER_FLOW_END) {
			struct ctent *e =
			    p->f.id ? ct_find(&w->tab, p->f.id, tuple_hash(&p->f)) : NULL;
			if (e && e->pending && !final && now < p->deadline_ms + WATCHER_HOLD_MS) {
				w->pend[k++] = *p;
				continue;
			}
			if (e && !e->pending) {
				emit_flow(w, &p->f, p->ev, p->t_ns, e->src, e->dst);
				continue;
			}
			attribute(w, &p->f, p->t_ns, &src, &dst);
			emit_flow(w, &p->f, p->ev, p->t_ns, src, dst);
			continue;
		}
		attribute(w, &p->f, p->t_ns, &src, &dst);
		if (src < 0 && dst < 0 && !final && now < p->deadline_ms) {
			w->pend[k++] = *p;
			continue;
		}
		emit_flow(w, &p->f, p->ev, p->t_ns, src, dst);
	}
	w->npend = k;
}

int watcher_timeout_ms(const struct watcher *w, int max_ms)
{
	if (!w->npend)
		return max_ms;
	uint64_t now = clock_ms(w), dl = w->pend[0].deadline_ms;
	int t = dl > now ? (int)(dl - now) + 1 : 0;
	return t > max_ms ? max_ms : t;
}

void watcher_prune(struct watcher *w, uint64_t now_ns)
{
	ct_sweep(w, now_ns > WATCHER_TRACK_MAX_AGE_NS ? now_ns - WATCHER_TRACK_MAX_AGE_NS : 0);
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
	if (now - w->last_prune_ms >= WATCHER_PRUNE_MS) {
		watcher_prune(w, journal_now_ns());
		w->last_prune_ms = now;
	}
}

/* ---------------------------------------------------------------- daemon records, losses */

static void on_record(struct watcher *w, const struct evrec *r)
{
	evrec_apply(w->am, r);
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

static void on_lost(struct watcher *w, uint64_t t, const char *source, const char *note)
{
	w->n_overruns++;
	json_t *l = journal_line_new(t, "overrun");
	json_object_set_new(l, "source", json_string(source));
	json_object_set_new(l, "count", json_integer((json_int_t)w->n_overruns));
	json_object_set_new(l, "note", json_string(note));
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
		on_lost(w, e->t_ns, e->lost.source, e->lost.note);
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
	return w;
}

void watcher_free(struct watcher *w)
{
	if (!w)
		return;
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
	    .events = w->n_events,
	    .alerts = w->n_alerts,
	    .overruns = w->n_overruns,
	    .daemon_gaps = w->n_gaps,
	    .untracked = w->tab.full,
	    .write_errors = w->n_write_errors,
	    .daemon_ok = w->daemon_ok,
	    .containers = addrmap_n_containers(w->am),
	    .addresses = addrmap_n_intervals(w->am),
	    .held = w->npend,
	    .tracked = w->tab.n,
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
	jwrite(w, l);
	watcher_flush(w);
}
