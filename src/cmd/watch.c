/* watch.c: `cirt watch`: record every container flow (conntrack NEW/DESTROY events) and every
 * container event of the daemon into the journal, attributed by address and time; alert on
 * indicator addresses. Runs in the foreground until SIGTERM/SIGINT. */
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>

#include "cmd/cmd.h"
#include "escape.h"
#include "journal/ctfeed.h"
#include "journal/evfeed.h"
#include "journal/watcher.h"

struct watch_args {
	const char *journal;
	const char *ioc;
	uint64_t max_size;
	bool acct;
	bool all_flows;
	bool no_dump;
};

static const struct cmd_opt watch_opts[] = {
    OPT_STR("journal", 0, "DIR",
            "where the journal goes (default " JOURNAL_DEFAULT_DIR "; created 0700)",
            struct watch_args, journal),
    OPT_SIZE("max-size", 0, "SIZE",
             "bound on the whole journal, e.g. 500M, 2G (default 1G; oldest files are deleted; a "
             "file holds at most SIZE/8)",
             struct watch_args, max_size, (long)JOURNAL_MIN_MAX_SIZE, 0),
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

struct watch {
	struct ctx *x;
	const struct watch_args *a;
	struct journal_writer *jw;
	struct ctfeed *ct;    /* conntrack's events */
	struct evfeed *ev;    /* the daemon's */
	struct watcher *w;    /* the engine both feed */
	struct ioc_list *ioc; /* loaded, until the engine takes it */
};

static void on_warn(void *ud, const char *msg)
{
	(void)ud;
	_cleanup_free_ char *e = term_escape(msg);
	fprintf(stderr, "cirt: %s\n", e);
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	char m[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	on_warn(NULL, m);
}

static void on_alert(void *ud, const struct watcher_alert *al)
{
	const struct watch *s = ud;
	_cleanup_free_ char *l = watcher_alert_line(al, s->x->json);
	if (l)
		printf("%s\n", l);
	fflush(stdout);
}

static void reload_ioc(struct watch *s)
{
	if (!s->a->ioc) {
		warn("SIGHUP: no --ioc file to reload");
		return;
	}
	struct cirt_err e = {0};
	struct watcher_stats st;
	watcher_stats(s->w, &st);
	if (watcher_reload_ioc(s->w, s->a->ioc, &e) < 0) {
		warn("warning: SIGHUP: %s: keeping the %zu entries loaded before", e.msg,
		     st.ioc_entries);
		return;
	}
	watcher_stats(s->w, &st);
	warn("SIGHUP: reloaded %zu ioc entries from '%s'", st.ioc_entries, s->a->ioc);
}

static int watch_loop(struct watch *s, int sfd, const char **ret_signal)
{
	for (;;) {
		int timeout = watcher_timeout_ms(s->w, 1000);
		struct pollfd p[3] = {{.fd = ctfeed_poll_fd(s->ct, &timeout), .events = POLLIN},
		                      {.fd = evfeed_fd(s->ev), .events = POLLIN},
		                      {.fd = sfd, .events = POLLIN}};
		int pr = poll(p, 3, timeout);
		if (pr < 0 && errno != EINTR)
			return err_set(&s->x->err, CIRT_EXIT_RUNTIME, "watch: poll: %s",
			               strerror(errno));
		if (pr > 0 && (p[1].revents & POLLIN))
			watcher_feed_records(s->w, evfeed_take(s->ev));
		if (pr > 0 && (p[0].revents & (POLLIN | POLLERR)) &&
		    ctfeed_read(s->ct, s->w, &s->x->err) < 0)
			return -1;
		watcher_settle(s->w, false);
		watcher_flush(s->w);
		if (pr > 0 && (p[2].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					reload_ioc(s);
				else {
					*ret_signal = si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
					return 0;
				}
			}
		}
		ctfeed_report_overruns(s->ct, false);
		watcher_tick(s->w);
	}
}

/* Sources open, the engine fed with what is known at start: the running containers, the flows
 * already in the table. */
static int watch_start(struct watch *s, uint64_t max_size)
{
	struct ctx *x = s->x;
	const struct watch_args *a = s->a;
	if (journal_open(a->journal, max_size, &s->jw, &x->err) < 0)
		return -1;
	struct ctfeed_opts co = {.enable_acct = a->acct, .warn = on_warn};
	if (ctfeed_open(&co, &s->ct, &x->err) < 0)
		return -1;
	struct watcher_opts wo = {.jw = s->jw,
	                          .ioc = s->ioc,
	                          .all_flows = a->all_flows,
	                          .warn = on_warn,
	                          .alert = on_alert,
	                          .ud = s};
	s->w = watcher_new(&wo);
	s->ioc = NULL; /* the engine's now */
	struct evfeed_opts eo = {.host = x->host, .timeout_ms = x->timeout_ms};
	if (evfeed_start(&eo, &s->ev, &x->err) < 0)
		return -1;
	/* the first snapshot names the flows already in the table; events queue in the kernel */
	evfeed_wait_first(s->ev, 30000);
	watcher_feed_records(s->w, evfeed_take(s->ev));
	watcher_started(s->w, ctfeed_sources(s->ct));
	struct cirt_err e = {0};
	if (!a->no_dump && ctfeed_dump(s->w, &e) < 0)
		warn("warning: flows already in the table not recorded: %s", e.msg);
	watcher_flush(s->w);
	struct watcher_stats st;
	watcher_stats(s->w, &st);
	_cleanup_free_ char *jdir = term_escape(a->journal);
	char sz[32];
	warn("watching: journal %s (at most %s), %zu containers, %zu addresses, %llu "
	     "container flows already in "
	     "the table, conntrack socket buffer %d bytes%s",
	     jdir, fmt_bytes(max_size, sz, sizeof(sz)), st.containers, st.addresses,
	     (unsigned long long)st.flows_existing, ctfeed_sources(s->ct)->ct_rcvbuf,
	     st.daemon_ok ? "" : " (daemon not answering yet)");
	if (st.ioc_entries) {
		_cleanup_free_ char *ip = term_escape(a->ioc);
		warn("alerting on %zu ioc entries from %s", st.ioc_entries, ip);
	}
	fflush(stderr);
	return 0;
}

/* Stopping: what the kernel and the daemon already queued still goes into the journal. */
static void watch_stop(struct watch *s, const char *sig)
{
	struct cirt_err e = {0};
	if (ctfeed_read(s->ct, s->w, &e) < 0)
		warn("warning: %s", e.msg);
	evfeed_join(s->ev);
	watcher_feed_records(s->w, evfeed_take(s->ev));
	watcher_stopped(s->w, sig);
	ctfeed_report_overruns(s->ct, true);
	struct watcher_stats st;
	watcher_stats(s->w, &st);
	const struct journal_stats js = *journal_writer_stats(s->jw);
	e = (struct cirt_err){0};
	int cr = journal_close(s->jw, &e);
	s->jw = NULL;
	if (cr < 0)
		warn("warning: %s", e.msg);
	warn("stopped (%s): %llu new flows, %llu ended, %llu already open at start, %llu "
	     "docker events, %llu "
	     "alerts, %llu overruns; %llu lines (%llu bytes) in %u file%s, %u old file%s "
	     "removed",
	     sig, (unsigned long long)st.flows_new, (unsigned long long)st.flows_end,
	     (unsigned long long)st.flows_existing, (unsigned long long)st.events,
	     (unsigned long long)st.alerts, (unsigned long long)st.overruns,
	     (unsigned long long)js.lines, (unsigned long long)js.bytes, js.files_opened,
	     js.files_opened == 1 ? "" : "s", js.files_removed, js.files_removed == 1 ? "" : "s");
}

static void watch_free(struct watch *s)
{
	evfeed_stop(s->ev);
	ctfeed_close(s->ct);
	watcher_free(s->w);
	ioc_free(s->ioc);
	struct cirt_err e = {0};
	journal_close(s->jw, &e);
}

static int watch_run(struct ctx *x, int argc, char **argv)
{
	struct watch_args a = {.journal = JOURNAL_DEFAULT_DIR,
	                       .max_size = JOURNAL_DEFAULT_MAX_SIZE};
	int idx = cmd_parse(x, &cmd_watch, argc, argv, NULL, &a);
	if (idx < 0)
		return idx;
	if (idx < argc)
		return cmd_usage(x, "watch: unexpected argument '%s' (see 'cirt watch --help')",
		                 argv[idx]);
	if (!*a.journal)
		return cmd_usage(x, "watch: --journal: empty directory name");
	struct watch s = {.x = x, .a = &a};
	if (a.ioc && ioc_load(a.ioc, &s.ioc, &x->err) < 0)
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
	const char *sig = "SIGTERM";
	if (sfd < 0)
		err_set(&x->err, CIRT_EXIT_RUNTIME, "watch: signalfd: %s", strerror(errno));
	else if (watch_start(&s, a.max_size) == 0 && watch_loop(&s, sfd, &sig) == 0) {
		watch_stop(&s, sig);
		rc = 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	watch_free(&s);
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
