/* kfeed.c: kernel events and DNS capture for `cirt watch`: sources opened, events adapted into
 * watcher events, DNS namespaces following the containers, losses counted into the journal. */
#include "journal/kfeed.h"

#include <stdlib.h>
#include <time.h>

#include "journal/journal.h"
#include "journal/wproc.h"
#include "sources/dnscap.h"
#include "sources/kevents.h"
#include "sources/procfs.h"
#include "sources/docker.h" /* jstr */

#define REPORT_EVERY_MS 10000
#define TICK_MS 1000
#define RETRY_MS 2000
#define ADD_MAX 16 /* namespaces to open per read, found from kernel events */

/* A network namespace captured for DNS, and the containers living in it. */
struct kns {
	uint64_t netns;
	char **ids;
	size_t n_ids;
	int pid;           /* a process of it, to enter it by */
	bool added;        /* the capture runs */
	bool host;         /* the host's: kept for good */
	uint64_t retry_ms; /* a failed add is tried again then */
};

struct kfeed {
	struct kfeed_opts o;
	struct watcher *w;
	struct kev *kev;
	struct dnscap *dns;
	struct kns *ns;
	size_t nns, capns;
	uint64_t host_netns;
	/* namespaces of new containers seen in kernel events, to open after the read */
	struct {
		uint64_t netns;
		int pid;
		char id[65];
	} add[ADD_MAX];
	size_t nadd;
	/* losses already reported */
	uint64_t kev_drops[KEV_KINDS], kev_lost, dns_dropped;
	uint64_t unsaid, last_report_ms, last_tick_ms;
	bool kev_failed;
	unsigned stall_ms; /* tests: a slow reader ($CIRT_TEST_KEV_STALL_MS), so the ring fills */
	char summary[512];
};

static void warn(const struct kfeed *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const struct kfeed *k, const char *fmt, ...)
{
	if (!k->o.warn)
		return;
	char m[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	k->o.warn(k->o.ud, m);
}

/* ---------------------------------------------------------------- namespaces */

static struct kns *ns_get(struct kfeed *k, uint64_t netns)
{
	for (size_t i = 0; i < k->nns; i++)
		if (k->ns[i].netns == netns)
			return &k->ns[i];
	return NULL;
}

static bool has_id(const struct kns *n, const char *id)
{
	for (size_t i = 0; i < n->n_ids; i++)
		if (streq(n->ids[i], id))
			return true;
	return false;
}

static void ns_open(struct kfeed *k, struct kns *n)
{
	if (n->added || !k->dns || !n->pid)
		return;
	uint64_t inode = 0;
	struct cirt_err e = {0};
	if (dnscap_add_pid(k->dns, n->pid, &inode, &e) == 0) {
		if (inode == n->netns) {
			n->added = true;
			return;
		}
		/* the pid is gone and its number taken by a process of another namespace */
		dnscap_remove(k->dns, inode);
		n->pid = 0;
	}
	n->retry_ms = now_ms() + RETRY_MS;
}

/* Container id lives in netns (pid is a process of it): capture there. */
static void ns_ensure(struct kfeed *k, uint64_t netns, const char *id, int pid)
{
	if (!netns || !id || !*id)
		return;
	struct kns *n = ns_get(k, netns);
	if (!n) {
		if (k->nns == k->capns) {
			k->capns = k->capns ? k->capns * 2 : 32;
			k->ns = xrealloc(k->ns, k->capns * sizeof(*k->ns));
		}
		n = &k->ns[k->nns++];
		memset(n, 0, sizeof(*n));
		n->netns = netns;
	}
	if (!n->host && !has_id(n, id)) {
		n->ids = xrealloc(n->ids, (n->n_ids + 1) * sizeof(*n->ids));
		n->ids[n->n_ids++] = xstrdup(id);
	}
	if (pid > 0 && !n->added)
		n->pid = pid;
	ns_open(k, n);
}

static void ns_drop(struct kfeed *k, size_t i)
{
	struct kns *n = &k->ns[i];
	if (n->added)
		dnscap_remove(k->dns, n->netns);
	for (size_t j = 0; j < n->n_ids; j++)
		free(n->ids[j]);
	free(n->ids);
	k->ns[i] = k->ns[--k->nns];
}

/* Container id stopped: its namespaces let it go, and are closed when nobody is left. keep:
 * only ids listed there stay (a snapshot: the rest stopped while the daemon was away). */
static void ns_release(struct kfeed *k, const char *id, const struct evrec *keep)
{
	for (size_t i = 0; i < k->nns;) {
		struct kns *n = &k->ns[i];
		for (size_t j = 0; j < n->n_ids;) {
			bool listed = false;
			for (size_t s = 0; keep && s < keep->n_snap && !listed; s++)
				listed = keep->snap[s].id && streq(keep->snap[s].id, n->ids[j]);
			if ((id && streq(n->ids[j], id)) || (keep && !listed)) {
				free(n->ids[j]);
				n->ids[j] = n->ids[--n->n_ids];
				continue;
			}
			j++;
		}
		if (!n->host && !n->n_ids) {
			ns_drop(k, i);
			continue;
		}
		i++;
	}
}

void kfeed_records(struct kfeed *k, const struct evrec *list)
{
	if (!k || !k->dns)
		return;
	for (const struct evrec *r = list; r; r = r->next) {
		if (r->kind == EVR_SNAPSHOT) {
			ns_release(k, NULL, r);
			for (size_t i = 0; i < r->n_snap; i++)
				ns_ensure(k, r->snap[i].netns, r->snap[i].id, r->snap[i].pid);
		} else if (r->kind == EVR_EVENT && r->c.id) {
			const char *a = jstr(r->line, "action");
			if (r->op == EVM_OPEN && !r->network)
				ns_ensure(k, r->c.netns, r->c.id, r->c.pid);
			else if (a && (streq(a, "die") || streq(a, "destroy")))
				ns_release(k, r->c.id, NULL);
		}
	}
}

/* ---------------------------------------------------------------- reading */

static int on_kev(const struct kev_event *e, void *ud)
{
	struct kfeed *k = ud;
	struct watcher_event we = {.kind = WATCHER_KEV, .t_ns = e->ts_ns, .kev = e};
	watcher_feed(k->w, &we);
	/* a container's first process: its namespace is captured from now, not from when the
	 * daemon's start event is read */
	if (k->dns && e->container[0] && e->netns && e->netns != k->host_netns &&
	    (e->kind == KEV_EXEC || e->kind == KEV_FORK) && k->nadd < ADD_MAX) {
		const struct kns *n = ns_get(k, e->netns);
		if (!n || (!n->added && now_ms() >= n->retry_ms) || !has_id(n, e->container)) {
			k->add[k->nadd].netns = e->netns;
			k->add[k->nadd].pid = e->pid;
			snprintf(k->add[k->nadd].id, sizeof(k->add[k->nadd].id), "%s",
			         e->container);
			k->nadd++;
		}
	}
	return 0;
}

static void on_dns(const struct dnscap_record *r, void *ud)
{
	struct kfeed *k = ud;
	uint64_t t = (uint64_t)r->ts.tv_sec * 1000000000ull + (uint64_t)r->ts.tv_usec * 1000ull;
	struct watcher_event we = {.kind = WATCHER_DNS, .t_ns = t, .dns = r};
	watcher_feed(k->w, &we);
}

int kfeed_read(struct kfeed *k, struct cirt_err *err)
{
	if (!k)
		return 0;
	if (k->stall_ms && k->kev) {
		struct timespec ts = {0, (long)k->stall_ms * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (k->kev && !k->kev_failed && kev_read(k->kev, on_kev, k, err) < 0) {
		/* said once; the rest of the journal goes on without kernel events */
		warn(k, "warning: kernel events stopped: %s", err->msg);
		k->kev_failed = true;
		*err = (struct cirt_err){0};
	}
	for (size_t i = 0; i < k->nadd; i++)
		ns_ensure(k, k->add[i].netns, k->add[i].id, k->add[i].pid);
	k->nadd = 0;
	if (k->dns && dnscap_process(k->dns, on_dns, k, err) < 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- losses */

static void report(struct kfeed *k, bool force)
{
	uint64_t now = now_ms();
	if (!k->unsaid || (!force && now - k->last_report_ms < REPORT_EVERY_MS))
		return;
	warn(k,
	     "warning: %llu kernel event%s or DNS packet%s lost (a full ring or capture buffer): "
	     "the journal's overrun lines say which",
	     (unsigned long long)k->unsaid, k->unsaid == 1 ? "" : "s", k->unsaid == 1 ? "" : "s");
	k->unsaid = 0;
	k->last_report_ms = now;
}

void kfeed_tick(struct kfeed *k, bool final)
{
	if (!k)
		return;
	uint64_t now = now_ms();
	if (!final && now - k->last_tick_ms < TICK_MS)
		return;
	k->last_tick_ms = now;
	if (k->kev) {
		struct kev_stats st;
		kev_stats_get(k->kev, &st);
		json_t *counts = json_object();
		uint64_t total = 0;
		for (int i = 1; i < KEV_KINDS; i++)
			if (st.drops[i] > k->kev_drops[i]) {
				json_object_set_new(
				    counts, kev_kind_name(i),
				    json_integer((json_int_t)(st.drops[i] - k->kev_drops[i])));
				total += st.drops[i] - k->kev_drops[i];
				k->kev_drops[i] = st.drops[i];
			}
		if (st.lost > k->kev_lost) {
			json_object_set_new(counts, "unknown",
			                    json_integer((json_int_t)(st.lost - k->kev_lost)));
			total += st.lost - k->kev_lost;
			k->kev_lost = st.lost;
		}
		if (total) {
			struct watcher_event e = {
			    .kind = WATCHER_LOST,
			    .t_ns = journal_now_ns(),
			    .lost = {.source = "kernel_events",
			             .note =
			                 kev_mode(k->kev) == KEV_MODE_BPF
			                     ? "the BPF ring buffer was full: these events are "
			                       "missing (processes and flows of this moment may "
			                       "lack their process)"
			                     : "the proc connector's socket overran: these "
			                       "process events are missing",
			             .counts = counts}};
			watcher_feed(k->w, &e);
			k->unsaid += total;
		}
		json_decref(counts);
	}
	if (k->dns) {
		struct dnscap_stats st;
		dnscap_get_stats(k->dns, &st);
		uint64_t d = st.dropped + st.if_dropped;
		if (d > k->dns_dropped) {
			json_t *counts =
			    json_pack("{s:I}", "packets", (json_int_t)(d - k->dns_dropped));
			struct watcher_event e = {
			    .kind = WATCHER_LOST,
			    .t_ns = journal_now_ns(),
			    .lost = {.source = "dns",
			             .note =
			                 "the capture's kernel buffer was full: DNS messages of "
			                 "this moment are missing",
			             .counts = counts}};
			watcher_feed(k->w, &e);
			json_decref(counts);
			k->unsaid += d - k->dns_dropped;
			k->dns_dropped = d;
		}
		for (size_t i = 0; i < k->nns; i++)
			if (!k->ns[i].added && k->ns[i].pid && now >= k->ns[i].retry_ms)
				ns_open(k, &k->ns[i]);
	}
	report(k, final);
}

/* ---------------------------------------------------------------- start */

/* The processes running now, parents first (by start time), as if their exec was just seen. */
struct seed {
	struct procfs_stat st;
};

static int by_start(const void *a, const void *b)
{
	const struct seed *x = a, *y = b;
	if (x->st.starttime != y->st.starttime)
		return x->st.starttime < y->st.starttime ? -1 : 1;
	return (x->st.pid > y->st.pid) - (x->st.pid < y->st.pid);
}

static void seed(struct kfeed *k)
{
	int *pids = NULL;
	size_t n = procfs_all_pids(&pids);
	struct seed *v = xcalloc(n + 1, sizeof(*v));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (procfs_stat(pids[i], &v[m].st))
			m++;
	free(pids);
	qsort(v, m, sizeof(*v), by_start);
	uint64_t now = journal_now_ns();
	for (size_t i = 0; i < m; i++) {
		int pid = v[i].st.pid;
		struct kev_event e = {.kind = KEV_EXEC,
		                      .pid = pid,
		                      .ppid = v[i].st.ppid,
		                      .ts_ns = now,
		                      .uid = -1,
		                      .euid = -1};
		_cleanup_free_ char *exe = procfs_exe(pid);
		_cleanup_free_ char *cg = procfs_cgroup(pid);
		_cleanup_free_ char *uid = procfs_status_field(pid, "Uid");
		char **argv = procfs_argv(pid);
		e.comm = (struct kev_bytes){v[i].st.comm, strlen(v[i].st.comm)};
		if (exe)
			e.exe = (struct kev_bytes){exe, strlen(exe)};
		for (size_t a = 0; argv && argv[a] && a < KEV_ARGV_MAX; a++)
			e.argv[e.argc++] = (struct kev_bytes){argv[a], strlen(argv[a])};
		if (argv && e.argc == KEV_ARGV_MAX && argv[KEV_ARGV_MAX])
			e.flags |= KEV_F_ARGV_TRUNC;
		if (cg && !procfs_cgroup_container_id(cg, e.container))
			e.container[0] = '\0';
		if (uid)
			e.uid = atoll(uid);
		e.netns = (uint32_t)procfs_ns_inode(pid, "net");
		watcher_feed(k->w, &(struct watcher_event){
		                       .kind = WATCHER_KEV_EXISTING, .t_ns = now, .kev = &e});
		procfs_argv_free(argv);
	}
	free(v);
}

static void open_kev(struct kfeed *k)
{
	struct kev_opts ko = {.no_bpf = k->o.no_bpf};
	const char *rk = getenv("CIRT_TEST_KEV_RING_KB");
	if (rk && atoi(rk) >= 4)
		ko.ring_kb = (unsigned)atoi(rk);
	const char *st = getenv("CIRT_TEST_KEV_STALL_MS");
	if (st && atoi(st) > 0 && atoi(st) < 1000)
		k->stall_ms = (unsigned)atoi(st);
	struct cirt_err e = {0};
	if (kev_open(&ko, &k->kev, &e) < 0) {
		warn(k,
		     "warning: kernel events off: %s: flows are attributed by address only, and "
		     "processes are not recorded",
		     e.msg);
		k->kev = NULL;
		return;
	}
	bool bpf = kev_mode(k->kev) == KEV_MODE_BPF;
	watcher_kernel(k->w, bpf ? WPROC_VIA_BPF : WPROC_VIA_PROC_CONNECTOR,
	               bpf ? WATCHER_KEV_WAIT_MS : 1000 + WATCHER_KEV_WAIT_FALLBACK_MS);
	size_t nl = 0;
	const char *const *l = kev_limits(k->kev, &nl);
	if (!bpf)
		warn(k, "kernel events: the fallback (%s)", kev_why(k->kev));
	for (size_t i = 0; i < nl; i++)
		warn(k, "kernel events (%s) cannot see: %s", kev_mode_name(kev_mode(k->kev)), l[i]);
	seed(k);
}

int kfeed_open(const struct kfeed_opts *o, struct watcher *w, struct kfeed **ret,
               struct cirt_err *err)
{
	(void)err;
	struct kfeed *k = xcalloc(1, sizeof(*k));
	k->o = *o;
	k->w = w;
	k->host_netns = procfs_ns_inode(getpid(), "net");
	if (o->kernel_events)
		open_kev(k);
	if (o->dns) {
		struct dnscap_opts dopts = {0};
		struct cirt_err e = {0};
		uint64_t inode = 0;
		if (dnscap_new(&dopts, &k->dns, &e) < 0 ||
		    dnscap_add_host(k->dns, &inode, &e) < 0) {
			warn(k, "warning: DNS not recorded: %s", e.msg);
			dnscap_free(k->dns);
			k->dns = NULL;
		} else {
			k->ns = xcalloc(1, sizeof(*k->ns));
			k->capns = k->nns = 1;
			k->ns[0] = (struct kns){.netns = inode, .added = true, .host = true};
		}
	}
	*ret = k;
	return 0;
}

void kfeed_close(struct kfeed *k)
{
	if (!k)
		return;
	kev_close(k->kev);
	while (k->nns)
		ns_drop(k, k->nns - 1);
	free(k->ns);
	dnscap_free(k->dns);
	free(k);
}

int kfeed_kev_fd(const struct kfeed *k)
{
	return k && k->kev && !k->kev_failed ? kev_fd(k->kev) : -1;
}

int kfeed_dns_fd(const struct kfeed *k)
{
	return k && k->dns ? dnscap_fd(k->dns) : -1;
}

void kfeed_sources(const struct kfeed *k, struct watcher_sources *s)
{
	if (k->kev) {
		s->kev_mode = kev_mode_name(kev_mode(k->kev));
		s->kev_why = kev_why(k->kev);
		s->kev_limits = kev_limits(k->kev, &s->kev_n_limits);
		s->kev_notes = kev_notes(k->kev, &s->kev_n_notes);
	}
	if (k->dns) {
		struct dnscap_stats st;
		dnscap_get_stats(k->dns, &st);
		s->dns = true;
		s->dns_namespaces = st.netns;
	}
}

void kfeed_stopping(struct kfeed *k)
{
	if (!k)
		return;
	kfeed_tick(k, true);
	if (k->kev) {
		struct kev_stats st;
		kev_stats_get(k->kev, &st);
		json_t *ev = json_object(), *dr = json_object();
		for (int i = 1; i < KEV_KINDS; i++) {
			json_object_set_new(ev, kev_kind_name(i),
			                    json_integer((json_int_t)st.events[i]));
			json_object_set_new(dr, kev_kind_name(i),
			                    json_integer((json_int_t)st.drops[i]));
		}
		json_t *o = json_object();
		json_object_set_new(o, "mode", json_string(kev_mode_name(kev_mode(k->kev))));
		json_object_set_new(o, "events", ev);
		json_object_set_new(o, "drops", dr);
		json_object_set_new(o, "lost", json_integer((json_int_t)st.lost));
		json_object_set_new(o, "bad", json_integer((json_int_t)st.bad));
		json_object_set_new(o, "polls", json_integer((json_int_t)st.polls));
		watcher_stop_extra(k->w, "kernel_events", o);
	}
	if (k->dns) {
		struct dnscap_stats st;
		dnscap_get_stats(k->dns, &st);
		json_t *o = json_object();
		json_object_set_new(o, "namespaces", json_integer((json_int_t)st.netns));
		json_object_set_new(o, "packets", json_integer((json_int_t)st.packets));
		json_object_set_new(o, "messages", json_integer((json_int_t)st.messages));
		json_object_set_new(o, "parse_errors", json_integer((json_int_t)st.parse_errors));
		json_object_set_new(o, "cut", json_integer((json_int_t)st.cut));
		json_object_set_new(o, "tcp_lost", json_integer((json_int_t)st.tcp_lost));
		json_object_set_new(o, "host_passing", json_integer((json_int_t)st.host_passing));
		json_object_set_new(o, "dropped",
		                    json_integer((json_int_t)(st.dropped + st.if_dropped)));
		watcher_stop_extra(k->w, "dns", o);
	}
}

const char *kfeed_summary(struct kfeed *k)
{
	char dns[64] = "DNS off";
	if (k->dns) {
		struct dnscap_stats st;
		dnscap_get_stats(k->dns, &st);
		snprintf(dns, sizeof(dns), "DNS in %zu namespace%s", st.netns,
		         st.netns == 1 ? "" : "s");
	}
	snprintf(k->summary, sizeof(k->summary), "kernel events %s, %s",
	         k->kev ? kev_mode_name(kev_mode(k->kev)) : "off", dns);
	return k->summary;
}
