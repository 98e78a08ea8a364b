/* ctfeed.c: conntrack events and the accounting sysctls for `cirt watch`. */
#include "journal/ctfeed.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sources/conntrack.h"

struct ctfeed {
	struct ctfeed_opts o;
	struct conntrack *ct;
	struct watcher_sources src;
	uint64_t last_overrun_report_ms, overruns_unreported;
	uint64_t rest_until_ms; /* no reading before then (now_ms) */
};

static void warn(const struct ctfeed_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(const struct ctfeed_opts *o, const char *fmt, ...)
{
	if (!o->warn)
		return;
	char m[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	o->warn(o->ud, m);
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

static int setup_acct(struct ctfeed *c, struct cirt_err *err)
{
	int acct = read_sysctl("nf_conntrack_acct"), ts = read_sysctl("nf_conntrack_timestamp");
	if (c->o.enable_acct) {
		if (acct != 1 && write_sysctl("nf_conntrack_acct", "1", err) < 0)
			return -1;
		if (ts != 1 && write_sysctl("nf_conntrack_timestamp", "1", err) < 0)
			return -1;
		if (acct != 1 || ts != 1)
			warn(&c->o,
			     "--enable-acct: set net.netfilter.nf_conntrack_acct=1 (was %d) and "
			     "net.netfilter.nf_conntrack_timestamp=1 (was %d), host-wide; they "
			     "stay on after cirt exits "
			     "(sysctl -w net.netfilter.nf_conntrack_acct=%d "
			     "net.netfilter.nf_conntrack_timestamp=%d "
			     "restores them); flows that began before now have no counters",
			     acct, ts, acct < 0 ? 0 : acct, ts < 0 ? 0 : ts);
		else
			warn(&c->o,
			     "--enable-acct: conntrack accounting and timestamps were already "
			     "on: nothing changed");
		acct = ts = 1;
	} else if (acct != 1 || ts != 1)
		warn(&c->o,
		     "conntrack %s%s%s off: flows are recorded without %s%s%s (--enable-acct turns "
		     "%s on, "
		     "host-wide)",
		     acct != 1 ? "accounting" : "",
		     acct != 1 && ts != 1 ? " and timestamps are"
		     : acct != 1          ? " is"
		                          : "",
		     acct == 1 ? "timestamps are" : "", acct != 1 ? "byte counts" : "",
		     acct != 1 && ts != 1 ? " or " : "", ts != 1 ? "kernel start/stop times" : "",
		     acct != 1 && ts != 1 ? "them" : "it");
	c->src.ct_acct = acct == 1;
	c->src.ct_tstamp = ts == 1;
	return 0;
}

/* A big socket buffer rides out bursts; SO_RCVBUFFORCE goes past rmem_max as root. Tests make
 * it small (CIRT_TEST_RCVBUF=bytes) to see an overrun happen. */
static int size_rcvbuf(int fd)
{
	int want = CTFEED_RCVBUF;
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

int ctfeed_open(const struct ctfeed_opts *o, struct ctfeed **ret, struct cirt_err *err)
{
	struct ctfeed *c = xcalloc(1, sizeof(*c));
	c->o = *o;
	if (conntrack_open(CONNTRACK_EV_NEW | CONNTRACK_EV_DESTROY, &c->ct, err) < 0) {
		err_prefix(err, "watch");
		free(c);
		return -1;
	}
	c->src.ct_rcvbuf = size_rcvbuf(conntrack_fd(c->ct));
	if (setup_acct(c, err) < 0) {
		ctfeed_close(c);
		return -1;
	}
	*ret = c;
	return 0;
}

void ctfeed_close(struct ctfeed *c)
{
	if (!c)
		return;
	conntrack_close(c->ct);
	free(c);
}

int ctfeed_poll_fd(const struct ctfeed *c, int *timeout_ms)
{
	uint64_t now = now_ms();
	if (now >= c->rest_until_ms)
		return conntrack_fd(c->ct);
	if ((int)(c->rest_until_ms - now) < *timeout_ms)
		*timeout_ms = (int)(c->rest_until_ms - now);
	return -1;
}

const struct watcher_sources *ctfeed_sources(const struct ctfeed *c)
{
	return &c->src;
}

/* ---------------------------------------------------------------- events */

struct ct_cb {
	struct watcher *w;
	bool dump;
};

static bool on_ct(const struct flow *f, enum conntrack_event ev, void *ud)
{
	struct ct_cb *c = ud;
	struct watcher_event e = {.flow = *f};
	if (c->dump)
		e.kind = WATCHER_FLOW_EXISTING;
	else if (ev == CONNTRACK_EV_NEW)
		e.kind = WATCHER_FLOW_NEW;
	else if (ev == CONNTRACK_EV_DESTROY)
		e.kind = WATCHER_FLOW_END;
	else
		return true;
	e.t_ns = journal_now_ns();
	/* the kernel's own timestamps when it keeps them (nf_conntrack_timestamp) */
	if (e.kind == WATCHER_FLOW_NEW && f->first_ns)
		e.t_ns = f->first_ns;
	else if (e.kind == WATCHER_FLOW_END && f->last_ns)
		e.t_ns = f->last_ns;
	watcher_feed(c->w, &e);
	return true;
}

void ctfeed_report_overruns(struct ctfeed *c, bool force)
{
	uint64_t now = now_ms();
	if (!c->overruns_unreported || (!force && now - c->last_overrun_report_ms < 10000))
		return;
	warn(&c->o,
	     "warning: conntrack events lost %llu time%s (socket buffer of %d bytes overrun): "
	     "some flows are missing from the journal",
	     (unsigned long long)c->overruns_unreported, c->overruns_unreported == 1 ? "" : "s",
	     c->src.ct_rcvbuf);
	c->overruns_unreported = 0;
	c->last_overrun_report_ms = now;
}

static void overrun(struct ctfeed *c, struct watcher *w)
{
	c->overruns_unreported++;
	struct watcher_event e = {
	    .kind = WATCHER_LOST,
	    .t_ns = journal_now_ns(),
	    .lost = {.source = "conntrack",
	             .note = "the kernel dropped conntrack events (ENOBUFS): flows of this "
	                     "moment may be missing"},
	};
	watcher_feed(w, &e);
	ctfeed_report_overruns(c, false);
}

int ctfeed_read(struct ctfeed *c, struct watcher *w, struct cirt_err *err)
{
	struct ct_cb cb = {.w = w};
	int total = 0;
	for (int rounds = 0; rounds < 64; rounds++) {
		bool lost = false;
		int n = conntrack_read_events(c->ct, 0, on_ct, &cb, &lost, err);
		if (n < 0)
			return -1;
		total += n;
		if (lost)
			overrun(c, w);
		else
			break; /* drained: nfct_catch stops at EAGAIN */
	}
	if (total >= CTFEED_BATCH_EVENTS)
		c->rest_until_ms = now_ms() + CTFEED_BATCH_REST_MS;
	return total;
}

int ctfeed_dump(struct watcher *w, struct cirt_err *err)
{
	_cleanup_conntrack_ struct conntrack *dump = NULL;
	struct ct_cb cb = {.w = w, .dump = true};
	if (conntrack_open(0, &dump, err) < 0 ||
	    conntrack_dump(dump, AF_UNSPEC, on_ct, &cb, err) < 0)
		return -1;
	return 0;
}
