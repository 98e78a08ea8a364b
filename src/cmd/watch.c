/* watch.c: `cirt watch`: record every container flow (conntrack NEW/DESTROY events) and every
 * container event of the daemon into the journal, attributed by address and time; alert on
 * indicator addresses. Runs in the foreground until SIGTERM/SIGINT. */
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "cmd/cmd.h"
#include "config.h"
#include "escape.h"
#include "journal/addrmap.h"
#include "journal/evfeed.h"
#include "journal/ioc.h"
#include "journal/jline.h"
#include "journal/journal.h"
#include "sources/conntrack.h"

#define HOLD_MS                                                                                    \
	10000 /* how long a flow waits to learn whose address it was (a busy daemon is slow to     \
	         say) */
#define PENDING_MAX 200000  /* flows waiting at once; beyond that they are written unattributed */
#define SYNC_EVERY_MS 10000 /* fdatasync of the journal while running */
#define PRUNE_EVERY_MS 60000
#define KEEP_CLOSED_NS                                                                             \
	(3600ull * 1000000000ull) /* ended address intervals kept for late DESTROYs */
#define RCVBUF_BYTES (32 << 20)
#define CTTAB_MAX (1u << 21)
#define CT_MAX_AGE_NS (6ull * 86400 * 1000000000ull)
#define BATCH_EVENTS 16 /* a read this big means load: rest before the next one */
#define BATCH_REST_MS 5

struct watch_args {
	const char *journal;
	const char *ioc;
	const char *max_size;
	bool acct;
	bool all_flows;
	bool no_dump;
};

static const struct cmd_opt watch_opts[] = {
    OPT_STR("journal", 0, "DIR",
            "where the journal goes (default " JOURNAL_DEFAULT_DIR "; created 0700)",
            struct watch_args, journal),
    OPT_STR("max-size", 0, "SIZE",
            "bound on the whole journal, e.g. 500M, 2G (default 1G; oldest files are deleted; a "
            "file holds at most SIZE/8)",
            struct watch_args, max_size),
    OPT_STR("ioc", 0, "FILE",
            "addresses and CIDRs, one per line, '#' comments: print an alert line on stdout when "
            "a container opens a flow to one (SIGHUP reloads it)",
            struct watch_args, ioc),
    OPT_BOOL("enable-acct", 0,
             "turn on the kernel's conntrack byte counters and timestamps "
             "(net.netfilter.nf_conntrack_acct and nf_conntrack_timestamp, host-wide, left on)",
             struct watch_args, acct),
    OPT_BOOL("all-flows", 0,
             "also record flows that involve no container address (the host's own traffic)",
             struct watch_args, all_flows),
    OPT_BOOL("no-dump", 0, "do not record the flows already in the conntrack table at start",
             struct watch_args, no_dump),
    {0},
};

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
		if (t->cap >= CTTAB_MAX) {
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

enum fev { FEV_NEW, FEV_END, FEV_EXISTING };
static const char *const fev_names[] = {"new", "end", "existing"};

struct pend {
	struct flow f;
	enum fev ev;
	uint64_t t_ns;
	uint64_t deadline_ms;
};

struct watch {
	struct ctx *x;
	const struct watch_args *a;
	struct journal_writer *jw;
	struct addrmap *am;
	struct ioc_list *ioc;
	struct conntrack *ct;
	struct evfeed *ev;
	struct cttab tab;
	struct pend *pend;
	size_t npend, cappend;
	bool daemon_ok;
	bool acct, tstamp;
	int rcvbuf;
	/* counters */
	uint64_t n_new, n_end, n_existing, n_skipped, n_events, n_unattributed, n_alerts,
	    n_overruns;
	uint64_t n_write_errors, n_gaps;
	uint64_t last_overrun_report_ms, overruns_unreported;
	struct buf line; /* the flow line being formatted */
	char last_write_error[sizeof(((struct cirt_err *)0)->msg)];
};

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	char m[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	_cleanup_free_ char *e = term_escape(m);
	fprintf(stderr, "cirt: %s\n", e);
}

static void jwrite(struct watch *w, json_t *line)
{
	struct cirt_err e = {0};
	if (journal_append_json(w->jw, line, &e) < 0) {
		w->n_write_errors++;
		/* say it once per distinct error, not once per line */
		if (!streq(e.msg, w->last_write_error)) {
			warn("warning: %s", e.msg);
			snprintf(w->last_write_error, sizeof(w->last_write_error), "%s", e.msg);
		}
	}
}

static void jwrite_raw(struct watch *w, const char *line, size_t len)
{
	struct cirt_err e = {0};
	if (journal_append(w->jw, line, len, &e) < 0) {
		w->n_write_errors++;
		if (!streq(e.msg, w->last_write_error)) {
			warn("warning: %s", e.msg);
			snprintf(w->last_write_error, sizeof(w->last_write_error), "%s", e.msg);
		}
	}
}

static void jflush(struct watch *w)
{
	struct cirt_err e = {0};
	if (journal_flush(w->jw, &e) < 0) {
		w->n_write_errors++;
		if (!streq(e.msg, w->last_write_error)) {
			warn("warning: %s", e.msg);
			snprintf(w->last_write_error, sizeof(w->last_write_error), "%s", e.msg);
		}
	}
}

static void attribute(struct watch *w, const struct flow *f, uint64_t t, int *src, int *dst)
{
	*src = addrmap_lookup(w->am, &f->orig.src, t);
	*dst = addrmap_lookup(w->am, &f->orig.dst, t);
	/* a connection to a published port: the container is the reply's source (after DNAT) */
	if (*dst < 0 && f->reply.src.family && !flow_addr_eq(&f->reply.src, &f->orig.dst))
		*dst = addrmap_lookup(w->am, &f->reply.src, t);
}

static bool in_docker(const struct watch *w, const struct flow *f)
{
	return addrmap_in_subnets(w->am, &f->orig.src) || addrmap_in_subnets(w->am, &f->orig.dst) ||
	       (f->reply.src.family && (addrmap_in_subnets(w->am, &f->reply.src) ||
	                                addrmap_in_subnets(w->am, &f->reply.dst)));
}

static void alert(struct watch *w, const struct flow *f, uint64_t t, int ci,
                  const struct ioc_entry *ioc, bool outbound)
{
	w->n_alerts++;
	const struct am_container *c = addrmap_get(w->am, ci);
	char ts[40];
	journal_time_str(t, ts, sizeof(ts));
	if (w->x->json) {
		json_t *o = journal_line_new(t, "alert");
		json_object_set(o, "container", c ? c->ref : json_null());
		json_object_set_new(o, "direction", json_string(outbound ? "to" : "from"));
		json_object_set_new(o, "flow", jline_flow_obj(f));
		json_t *io = json_object();
		json_object_set_new(io, "entry", json_str(ioc->text));
		json_object_set_new(io, "comment", json_str(ioc->comment));
		json_object_set_new(io, "line", json_integer(ioc->line));
		json_object_set_new(o, "ioc", io);
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		json_decref(o);
		if (s)
			printf("%s\n", s);
		free(s);
	} else {
		_cleanup_free_ char *name =
		    term_escape(c && c->name ? c->name : "(unknown container)");
		_cleanup_free_ char *image = term_escape(c && c->image ? c->image : "?");
		_cleanup_free_ char *cmt = ioc->comment ? term_escape(ioc->comment) : NULL;
		_cleanup_free_ char *entry = term_escape(ioc->text);
		char a[64], b[64];
		printf("%s ALERT %s (%s, %.12s) %s %s -> %s matches ioc %s (line %u%s%s)\n", ts,
		       name, image, c && c->id ? c->id : "-", flow_proto_name(f->proto),
		       flow_endpoint_str(&f->orig.src, f->orig.sport, a, sizeof(a)),
		       flow_endpoint_str(&f->orig.dst, f->orig.dport, b, sizeof(b)), entry,
		       ioc->line, cmt ? ": " : "", cmt ? cmt : "");
	}
	fflush(stdout);
}

/* Write the line of one flow event whose attribution is settled. */
static void emit_flow(struct watch *w, const struct flow *f0, enum fev ev, uint64_t t, int src,
                      int dst)
{
	struct flow f = *f0;
	uint32_t th = tuple_hash(&f);
	int release[2] = {-1, -1};
	if (ev == FEV_NEW || ev == FEV_EXISTING) {
		if (!f.first_ns && ev == FEV_NEW)
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
		if (ev == FEV_NEW)
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
	if (w->ioc && ev != FEV_END) {
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
	jline_flow(&w->line, t, fev_names[ev], sc ? sc->ref_json : NULL, dc ? dc->ref_json : NULL,
	           &f, ioc);
	jwrite_raw(w, w->line.data, w->line.len);
	if (hit)
		alert(w, &f, t, outbound ? src : dst, hit, outbound);
	addrmap_unref(w->am, release[0]);
	addrmap_unref(w->am, release[1]);
}

/* Forget tracked flows that began before t: their DESTROY was lost (an overrun) or will never
 * come, and conntrack keeps no entry longer than an established TCP timeout (5 days). */
static void ct_sweep(struct watch *w, uint64_t before_ns)
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

static void hold(struct watch *w, const struct flow *f, enum fev ev, uint64_t t)
{
	if (w->npend == w->cappend) {
		w->cappend = w->cappend ? w->cappend * 2 : 256;
		w->pend = xrealloc(w->pend, w->cappend * sizeof(*w->pend));
	}
	struct pend *p = &w->pend[w->npend++];
	p->f = *f;
	p->ev = ev;
	p->t_ns = t;
	p->deadline_ms = now_ms() + HOLD_MS;
	if (ev == FEV_NEW && f->id) {
		struct ctent *e = ct_add(&w->tab, f->id, tuple_hash(f));
		if (e)
			e->pending = 1;
	}
}

static void on_flow_event(struct watch *w, const struct flow *f, enum fev ev, uint64_t t)
{
	int src, dst;
	if (ev == FEV_END) {
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
		if (!docker && !w->a->all_flows) {
			w->n_skipped++;
			return;
		}
		/* an address of a container network that we cannot name yet: its container's start
		 * event may still be on its way */
		if (docker && ev == FEV_NEW && w->npend < PENDING_MAX) {
			hold(w, f, ev, t);
			return;
		}
	}
	emit_flow(w, f, ev, t, src, dst);
}

/* Write the held flows that can now be attributed, or whose time is up (all when final). */
static void settle(struct watch *w, bool final)
{
	if (!w->npend)
		return;
	uint64_t now = now_ms();
	size_t k = 0;
	for (size_t i = 0; i < w->npend; i++) {
		struct pend *p = &w->pend[i];
		int src = -1, dst = -1;
		if (p->ev == FEV_END) {
			struct ctent *e =
			    p->f.id ? ct_find(&w->tab, p->f.id, tuple_hash(&p->f)) : NULL;
			if (e && e->pending && !final && now < p->deadline_ms + HOLD_MS) {
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

struct ct_cb {
	struct watch *w;
	bool dump;
};

static bool on_ct(const struct flow *f, enum conntrack_event ev, void *ud)
{
	struct ct_cb *c = ud;
	enum fev fe;
	if (c->dump)
		fe = FEV_EXISTING;
	else if (ev == CONNTRACK_EV_NEW)
		fe = FEV_NEW;
	else if (ev == CONNTRACK_EV_DESTROY)
		fe = FEV_END;
	else
		return true;
	uint64_t t = journal_now_ns();
	/* the kernel's own timestamps when it keeps them (nf_conntrack_timestamp) */
	if (fe == FEV_NEW && f->first_ns)
		t = f->first_ns;
	else if (fe == FEV_END && f->last_ns)
		t = f->last_ns;
	on_flow_event(c->w, f, fe, t);
	return true;
}

/* ---------------------------------------------------------------- daemon records */

static void apply_record(struct watch *w, struct evrec *r)
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
			warn("warning: daemon lost (%s): recording flows with the addresses known "
			     "so far, reconnecting",
			     e ? e : "?");
		} else if (!w->n_gaps) {
			const char *e = jstr(r->line, "error");
			warn("warning: daemon unreachable (%s): recording flows without container "
			     "names until it answers",
			     e ? e : "?");
		}
		w->n_gaps++;
		w->daemon_ok = false;
		jwrite(w, json_incref(r->line));
		break;
	case EVR_BACK:
		warn("daemon answers again after %.1f s: events of the gap are not recorded",
		     json_real_value(json_object_get(r->line, "gap_seconds")));
		jwrite(w, json_incref(r->line));
		break;
	case EVR_EVENT:
		w->n_events++;
		jwrite(w, json_incref(r->line));
		break;
	}
}

static void take_records(struct watch *w)
{
	struct evrec *list = evfeed_take(w->ev);
	bool changed = list != NULL;
	for (struct evrec *r = list; r; r = r->next)
		apply_record(w, r);
	evrec_free_list(list);
	if (changed)
		settle(w, false);
}

/* ---------------------------------------------------------------- kernel settings */

static int read_sysctl(const char *name)
{
	_cleanup_free_ char *path = xasprintf("/proc/sys/net/netfilter/%s", name);
	_cleanup_free_ char *s = NULL;
	if (read_file_max(AT_FDCWD, path, 32, &s, NULL) < 0)
		return -1;
	return atoi(s);
}

static int write_sysctl(const char *name, const char *v, struct cirt_err *err)
{
	_cleanup_free_ char *path = xasprintf("/proc/sys/net/netfilter/%s", name);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, v, strlen(v)) != (ssize_t)strlen(v))
		return err_set(
		    err, errno == EACCES || errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		    "watch: --enable-acct: cannot set net.netfilter.%s: %s", name, strerror(errno));
	return 0;
}

static int setup_acct(struct watch *w, struct cirt_err *err)
{
	int acct = read_sysctl("nf_conntrack_acct"), ts = read_sysctl("nf_conntrack_timestamp");
	if (w->a->acct) {
		if (acct != 1 && write_sysctl("nf_conntrack_acct", "1", err) < 0)
			return -1;
		if (ts != 1 && write_sysctl("nf_conntrack_timestamp", "1", err) < 0)
			return -1;
		if (acct != 1 || ts != 1)
			warn("--enable-acct: set net.netfilter.nf_conntrack_acct=1 (was %d) and "
			     "net.netfilter.nf_conntrack_timestamp=1 (was %d), host-wide; they "
			     "stay on after cirt exits "
			     "(sysctl -w net.netfilter.nf_conntrack_acct=%d "
			     "net.netfilter.nf_conntrack_timestamp=%d "
			     "restores them); flows that began before now have no counters",
			     acct, ts, acct < 0 ? 0 : acct, ts < 0 ? 0 : ts);
		else
			warn("--enable-acct: conntrack accounting and timestamps were already on: "
			     "nothing changed");
		acct = ts = 1;
	} else if (acct != 1 || ts != 1)
		warn("conntrack %s%s%s off: flows are recorded without %s%s%s (--enable-acct turns "
		     "%s on, "
		     "host-wide)",
		     acct != 1 ? "accounting" : "",
		     acct != 1 && ts != 1 ? " and timestamps are"
		     : acct != 1          ? " is"
		                          : "",
		     acct == 1 ? "timestamps are" : "", acct != 1 ? "byte counts" : "",
		     acct != 1 && ts != 1 ? " or " : "", ts != 1 ? "kernel start/stop times" : "",
		     acct != 1 && ts != 1 ? "them" : "it");
	w->acct = acct == 1;
	w->tstamp = ts == 1;
	return 0;
}

/* A big socket buffer rides out bursts; SO_RCVBUFFORCE goes past rmem_max as root. Tests make
 * it small (CIRT_TEST_RCVBUF=bytes) to see an overrun happen. */
static int size_rcvbuf(int fd)
{
	int want = RCVBUF_BYTES;
	const char *t = getenv("CIRT_TEST_RCVBUF");
	if (t && atoi(t) > 0)
		want = atoi(t);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	int got = 0;
	socklen_t l = sizeof(got);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &l);
	return got / 2; /* the kernel reports double, counting its bookkeeping */
}

/* ---------------------------------------------------------------- the loop */

static void report_overrun(struct watch *w, bool force)
{
	uint64_t now = now_ms();
	if (!w->overruns_unreported || (!force && now - w->last_overrun_report_ms < 10000))
		return;
	warn("warning: conntrack events lost %llu time%s (socket buffer of %d bytes overrun): some "
	     "flows are "
	     "missing from the journal",
	     (unsigned long long)w->overruns_unreported, w->overruns_unreported == 1 ? "" : "s",
	     w->rcvbuf);
	w->overruns_unreported = 0;
	w->last_overrun_report_ms = now;
}

static void overrun(struct watch *w)
{
	w->n_overruns++;
	w->overruns_unreported++;
	json_t *l = journal_line_new(journal_now_ns(), "overrun");
	json_object_set_new(l, "source", json_string("conntrack"));
	json_object_set_new(l, "count", json_integer((json_int_t)w->n_overruns));
	json_object_set_new(
	    l, "note",
	    json_string("the kernel dropped conntrack events (ENOBUFS): flows of this "
	                "moment may be missing"));
	jwrite(w, l);
	report_overrun(w, false);
}

/* Everything queued on the conntrack socket. Returns the number of events, -1 on error. */
static int read_ct(struct watch *w, struct cirt_err *err)
{
	struct ct_cb cb = {.w = w};
	int total = 0;
	for (int rounds = 0; rounds < 64; rounds++) {
		bool lost = false;
		int n = conntrack_read_events(w->ct, 0, on_ct, &cb, &lost, err);
		if (n < 0)
			return -1;
		total += n;
		if (lost)
			overrun(w);
		else
			break; /* drained: nfct_catch stops at EAGAIN */
	}
	return total;
}

static json_t *stats_json(struct watch *w)
{
	json_t *o = json_object();
	json_object_set_new(o, "flows_new", json_integer((json_int_t)w->n_new));
	json_object_set_new(o, "flows_end", json_integer((json_int_t)w->n_end));
	json_object_set_new(o, "flows_existing", json_integer((json_int_t)w->n_existing));
	json_object_set_new(o, "flows_skipped", json_integer((json_int_t)w->n_skipped));
	json_object_set_new(o, "flows_unattributed", json_integer((json_int_t)w->n_unattributed));
	json_object_set_new(o, "events", json_integer((json_int_t)w->n_events));
	json_object_set_new(o, "alerts", json_integer((json_int_t)w->n_alerts));
	json_object_set_new(o, "overruns", json_integer((json_int_t)w->n_overruns));
	json_object_set_new(o, "daemon_gaps", json_integer((json_int_t)w->n_gaps));
	json_object_set_new(o, "untracked", json_integer((json_int_t)w->tab.full));
	return o;
}

static void reload_ioc(struct watch *w)
{
	if (!w->a->ioc) {
		warn("SIGHUP: no --ioc file to reload");
		return;
	}
	struct ioc_list *l = NULL;
	struct cirt_err e = {0};
	if (ioc_load(w->a->ioc, &l, &e) < 0) {
		warn("warning: SIGHUP: %s: keeping the %zu entries loaded before", e.msg,
		     w->ioc ? w->ioc->n : 0);
		return;
	}
	ioc_free(w->ioc);
	w->ioc = l;
	warn("SIGHUP: reloaded %zu ioc entries from '%s'", l->n, w->a->ioc);
}

static int watch_loop(struct watch *w, int sfd, const char **ret_signal)
{
	uint64_t last_sync = now_ms(), last_prune = now_ms();
	int ctfd = conntrack_fd(w->ct);
	uint64_t ct_rest_until = 0;
	for (;;) {
		int timeout = 1000;
		uint64_t now0 = now_ms();
		if (w->npend) {
			uint64_t dl = w->pend[0].deadline_ms;
			timeout = dl > now0 ? (int)(dl - now0) + 1 : 0;
			if (timeout > 1000)
				timeout = 1000;
		}
		/* under load, read conntrack in batches a few ms apart instead of waking up for
		 * every event; an isolated event (an alert) is still read at once */
		bool ct_rest = now0 < ct_rest_until;
		if (ct_rest && (int)(ct_rest_until - now0) < timeout)
			timeout = (int)(ct_rest_until - now0);
		struct pollfd p[3] = {{.fd = ct_rest ? -1 : ctfd, .events = POLLIN},
		                      {.fd = evfeed_fd(w->ev), .events = POLLIN},
		                      {.fd = sfd, .events = POLLIN}};
		int pr = poll(p, 3, timeout);
		if (pr < 0 && errno != EINTR)
			return err_set(&w->x->err, CIRT_EXIT_RUNTIME, "watch: poll: %s",
			               strerror(errno));
		if (pr > 0 && (p[1].revents & POLLIN))
			take_records(w);
		if (pr > 0 && (p[0].revents & (POLLIN | POLLERR))) {
			int n = read_ct(w, &w->x->err);
			if (n < 0)
				return -1;
			if (n >= BATCH_EVENTS)
				ct_rest_until = now_ms() + BATCH_REST_MS;
		}
		settle(w, false);
		jflush(w);
		if (pr > 0 && (p[2].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					reload_ioc(w);
				else {
					*ret_signal = si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
					return 0;
				}
			}
		}
		uint64_t now = now_ms();
		report_overrun(w, false);
		if (now - last_sync >= SYNC_EVERY_MS) {
			struct cirt_err e = {0};
			if (journal_dirty(w->jw) && journal_sync(w->jw, &e) < 0)
				warn("warning: %s", e.msg);
			last_sync = now;
		}
		if (now - last_prune >= PRUNE_EVERY_MS) {
			uint64_t t = journal_now_ns();
			ct_sweep(w, t > CT_MAX_AGE_NS ? t - CT_MAX_AGE_NS : 0);
			addrmap_prune(w->am, t > KEEP_CLOSED_NS ? t - KEEP_CLOSED_NS : 0);
			last_prune = now;
		}
	}
}

static void watch_free(struct watch *w)
{
	evfeed_stop(w->ev);
	conntrack_close(w->ct);
	ioc_free(w->ioc);
	addrmap_free(w->am);
	free(w->tab.v);
	free(w->pend);
	buf_free(&w->line);
	if (w->jw) {
		struct cirt_err e = {0};
		journal_close(w->jw, &e);
	}
}

static int watch_run(struct ctx *x, int argc, char **argv)
{
	struct watch_args a = {.journal = JOURNAL_DEFAULT_DIR};
	int idx = cmd_parse(x, &cmd_watch, argc, argv, NULL, &a);
	if (idx < 0)
		return idx;
	if (idx < argc)
		return cmd_usage(x, "watch: unexpected argument '%s' (see 'cirt watch --help')",
		                 argv[idx]);
	uint64_t max_size = JOURNAL_DEFAULT_MAX_SIZE;
	if (a.max_size &&
	    (!journal_size_parse(a.max_size, &max_size) || max_size < JOURNAL_MIN_MAX_SIZE))
		return cmd_usage(
		    x, "watch: --max-size: '%s' is not a size of at least 64K (e.g. 500M, 2G)",
		    a.max_size);
	if (!*a.journal)
		return cmd_usage(x, "watch: --journal: empty directory name");
	struct watch w = {.x = x, .a = &a};
	if (a.ioc && ioc_load(a.ioc, &w.ioc, &x->err) < 0)
		return -1;

	/* the signals are read from a signalfd; blocked before the events thread starts, so it
	 * inherits the mask and never takes one */
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	signal(SIGPIPE, SIG_IGN);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	int rc = -1;
	if (sfd < 0) {
		err_set(&x->err, CIRT_EXIT_RUNTIME, "watch: signalfd: %s", strerror(errno));
		goto out;
	}
	if (journal_open(a.journal, max_size, &w.jw, &x->err) < 0)
		goto out;
	if (conntrack_open(CONNTRACK_EV_NEW | CONNTRACK_EV_DESTROY, &w.ct, &x->err) < 0) {
		err_prefix(&x->err, "watch");
		goto out;
	}
	w.rcvbuf = size_rcvbuf(conntrack_fd(w.ct));
	if (setup_acct(&w, &x->err) < 0)
		goto out;
	w.am = addrmap_new();
	struct evfeed_opts eo = {.host = x->host, .timeout_ms = x->timeout_ms};
	if (evfeed_start(&eo, &w.ev, &x->err) < 0)
		goto out;
	/* the first snapshot names the flows already in the table; events queue in the kernel */
	evfeed_wait_first(w.ev, 30000);
	take_records(&w);

	json_t *start = journal_line_new(journal_now_ns(), "watch");
	json_object_set_new(start, "action", json_string("start"));
	json_object_set_new(start, "pid", json_integer(getpid()));
	json_object_set_new(start, "version", json_string(CIRT_VERSION));
	json_object_set_new(start, "acct", json_boolean(w.acct));
	json_object_set_new(start, "timestamps", json_boolean(w.tstamp));
	json_object_set_new(start, "rcvbuf", json_integer(w.rcvbuf));
	json_object_set_new(start, "containers",
	                    json_integer((json_int_t)addrmap_n_containers(w.am)));
	json_object_set_new(start, "ioc_entries", json_integer(w.ioc ? (json_int_t)w.ioc->n : 0));
	jwrite(&w, start);
	if (!a.no_dump) {
		struct conntrack *dump = NULL;
		struct cirt_err e = {0};
		struct ct_cb cb = {.w = &w, .dump = true};
		if (conntrack_open(0, &dump, &e) < 0 ||
		    conntrack_dump(dump, AF_UNSPEC, on_ct, &cb, &e) < 0)
			warn("warning: flows already in the table not recorded: %s", e.msg);
		conntrack_close(dump);
	}
	jflush(&w);
	{
		_cleanup_free_ char *jdir = term_escape(a.journal);
		char sz[32];
		warn("watching: journal %s (at most %s), %zu containers, %zu addresses, %llu "
		     "container flows already in "
		     "the table, conntrack socket buffer %d bytes%s",
		     jdir, fmt_bytes(max_size, sz, sizeof(sz)), addrmap_n_containers(w.am),
		     addrmap_n_intervals(w.am), (unsigned long long)w.n_existing, w.rcvbuf,
		     w.daemon_ok ? "" : " (daemon not answering yet)");
		if (w.ioc) {
			_cleanup_free_ char *ip = term_escape(a.ioc);
			warn("alerting on %zu ioc entries from %s", w.ioc->n, ip);
		}
		fflush(stderr);
	}

	const char *sig = "SIGTERM";
	if (watch_loop(&w, sfd, &sig) < 0)
		goto out;

	/* stopping: what the kernel and the daemon already queued still goes into the journal */
	{
		struct cirt_err e = {0};
		if (read_ct(&w, &e) < 0)
			warn("warning: %s", e.msg);
	}
	evfeed_join(w.ev);
	take_records(&w);
	settle(&w, true);
	report_overrun(&w, true);
	json_t *stop = journal_line_new(journal_now_ns(), "watch");
	json_object_set_new(stop, "action", json_string("stop"));
	json_object_set_new(stop, "signal", json_string(sig));
	json_t *st = stats_json(&w);
	json_object_update(stop, st);
	json_decref(st);
	jwrite(&w, stop);
	{
		struct cirt_err e = {0};
		jflush(&w);
		const struct journal_stats js = *journal_writer_stats(w.jw);
		int cr = journal_close(w.jw, &e);
		w.jw = NULL;
		if (cr < 0)
			warn("warning: %s", e.msg);
		warn("stopped (%s): %llu new flows, %llu ended, %llu already open at start, %llu "
		     "docker events, %llu "
		     "alerts, %llu overruns; %llu lines (%llu bytes) in %u file%s, %u old file%s "
		     "removed",
		     sig, (unsigned long long)w.n_new, (unsigned long long)w.n_end,
		     (unsigned long long)w.n_existing, (unsigned long long)w.n_events,
		     (unsigned long long)w.n_alerts, (unsigned long long)w.n_overruns,
		     (unsigned long long)js.lines, (unsigned long long)js.bytes, js.files_opened,
		     js.files_opened == 1 ? "" : "s", js.files_removed,
		     js.files_removed == 1 ? "" : "s");
	}
	rc = 0;
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	watch_free(&w);
	return rc;
}

const struct cmd cmd_watch = {
    .name = "watch",
    .args = NULL,
    .summary = "record every container flow (conntrack events) and container event into a journal, "
               "attributed by address and time; alert on indicator addresses",
    .opts = watch_opts,
    .run = watch_run,
};
