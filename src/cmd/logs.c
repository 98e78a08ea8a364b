/* logs.c: `cirt logs`: a container's output with stdout and stderr kept apart, timestamped. */
#include <time.h>

#include "cmd/cmd.h"
#include "escape.h"
#include "journal/journal.h"
#include "output/output.h"
#include "sources/dockerlog.h"
#include "sources/ondisk.h"

enum { OPT_SINCE = 256, OPT_UNTIL };

struct logs_args {
	char *since, *until;
	const char *since_raw, *until_raw; /* as given: the disk reader parses them itself */
	long tail;
	int only; /* 0 both, 1 stdout, 2 stderr */
	bool no_ts;
};

/* Durations become absolute Unix times; anything else is passed to the daemon as given. */
static char *when_param(const char *s)
{
	if (s[strcspn(s, "smhd")] && parse_duration(s) >= 0 && !strchr(s, '-') && !strchr(s, ':'))
		return xasprintf("%lld", (long long)time(NULL) - parse_duration(s));
	return docker_urlencode(s);
}

static int on_opt(struct ctx *x, int key, const char *arg, void *st)
{
	(void)x;
	struct logs_args *a = st;
	char **w = key == OPT_SINCE ? &a->since : &a->until;
	*(key == OPT_SINCE ? &a->since_raw : &a->until_raw) = arg;
	free(*w);
	*w = when_param(arg);
	return 0;
}

static const struct cmd_choice stream_choices[] = {{"stdout", 1}, {"stderr", 2}, {0}};

static const struct cmd_opt logs_opts[] = {
    OPT_CALL("since", OPT_SINCE, "WHEN",
             "only lines after WHEN: a duration back from now (90s, 10m, 2h) or a Unix/RFC 3339 "
             "time"),
    OPT_CALL("until", OPT_UNTIL, "WHEN", "only lines before WHEN (same forms)"),
    OPT_LONG("tail", 0, "N", "only the last N lines", struct logs_args, tail, 0, LONG_MAX),
    OPT_CHOICE("stream", 0, "NAME", "only \"stdout\" or \"stderr\"", struct logs_args, only,
               stream_choices),
    OPT_BOOL("no-timestamps", 0, "do not prefix lines with the daemon's timestamps",
             struct logs_args, no_ts),
    {0},
};

struct sink {
	bool json;
	bool ts;
	struct buf line[3]; /* JSON mode: partial line per stream */
	unsigned long long lines[3];
	struct docker_demux dm;
};

static void emit_json_line(struct sink *k, int stream, const char *s, size_t n)
{
	json_t *o = json_object();
	json_object_set_new(o, "stream",
	                    json_string(stream == DOCKER_STDERR ? "stderr" : "stdout"));
	const char *sp = k->ts ? memchr(s, ' ', n) : NULL;
	if (sp) {
		json_object_set_new(o, "time", json_strn(s, (size_t)(sp - s)));
		n -= (size_t)(sp - s) + 1;
		s = sp + 1;
	}
	json_object_set_new(o, "line", json_strn(s, n));
	json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
}

static bool on_frame(int stream, const char *data, size_t len, void *ud)
{
	struct sink *k = ud;
	if (stream != DOCKER_STDOUT && stream != DOCKER_STDERR)
		return true;
	if (!k->json) {
		out_text(stream == DOCKER_STDERR ? stderr : stdout, data, len, false);
		return true;
	}
	struct buf *b = &k->line[stream];
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			emit_json_line(k, stream, b->data ? b->data : "", b->len);
			b->len = 0;
			k->lines[stream]++;
		} else if (b->len < (1u << 20)) {
			buf_append(b, &data[i], 1);
		}
	}
	return true;
}

static bool on_data(const char *data, size_t len, void *ud)
{
	struct sink *k = ud;
	return docker_demux_feed(&k->dm, data, len);
}

/* ------------------------------------------------------------------ from the driver's files */

struct disk {
	struct logs_args *a;
	bool json;
	int64_t since, until;
	char **ring; /* --tail: the last lines, formatted */
	int *ring_stream;
	size_t n, head;
	struct buf part[3]; /* pieces of a line the daemon split */
};

static void disk_emit(struct disk *k, int stream, int64_t t, const char *s, size_t n)
{
	char ts[48];
	fmt_utc_ns(t, ts, sizeof(ts));
	char *out;
	if (k->json) {
		json_t *o = json_object();
		json_object_set_new(o, "stream", json_string(stream == 2 ? "stderr" : "stdout"));
		if (!k->a->no_ts)
			json_object_set_new(o, "time", json_string(ts));
		json_object_set_new(o, "line", json_strn(s, n));
		out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
	} else {
		_cleanup_free_ char *e = term_escape_n(s, n);
		out = k->a->no_ts ? xstrdup(e) : xasprintf("%s %s", ts, e);
	}
	if (k->a->tail < 0) {
		fprintf(stream == 2 && !k->json ? stderr : stdout, "%s\n", out);
		free(out);
		return;
	}
	if (!k->a->tail) {
		free(out);
		return;
	}
	size_t cap = (size_t)k->a->tail, slot = k->n < cap ? k->n++ : k->head++ % cap;
	free(k->ring[slot]);
	k->ring[slot] = out;
	k->ring_stream[slot] = stream;
}

static int on_entry(const struct dockerlog_entry *e, void *ud)
{
	struct disk *k = ud;
	if (k->a->only && e->stream != k->a->only)
		return 0;
	if ((k->since && e->time_ns < k->since) || (k->until && e->time_ns > k->until))
		return 0;
	struct buf *b = &k->part[e->stream];
	if (e->partial) {
		if (b->len < (1u << 24))
			buf_append(b, e->line, e->len);
		return 0;
	}
	if (b->len) {
		buf_append(b, e->line, e->len);
		disk_emit(k, e->stream, e->time_ns, b->data, b->len);
		b->len = 0;
	} else {
		disk_emit(k, e->stream, e->time_ns, e->line, e->len);
	}
	return 0;
}

static bool when_ns(const char *s, int64_t *ret)
{
	uint64_t v;
	char *end;
	long long secs = strtoll(s, &end, 10);
	if (!*end && end != s && secs > 100000000) {
		*ret = (int64_t)secs * 1000000000;
		return true;
	}
	if (!journal_when_parse(s, journal_now_ns(), &v))
		return false;
	*ret = (int64_t)v;
	return true;
}

/* Without the daemon or from a disk image: the json-file or local driver's own files. */
static int logs_disk(struct ctx *x, struct container *c, struct logs_args *a)
{
	struct disk k = {.a = a, .json = x->json};
	if ((a->since_raw && !when_ns(a->since_raw, &k.since)) ||
	    (a->until_raw && !when_ns(a->until_raw, &k.until)))
		return cmd_usage(
		    x, "logs: --%s: '%s' is not a duration or a time",
		    a->since_raw && !when_ns(a->since_raw, &k.since) ? "since" : "until",
		    a->since_raw && !when_ns(a->since_raw, &k.since) ? a->since_raw : a->until_raw);
	if (a->tail > 0) {
		k.ring = xcalloc((size_t)a->tail, sizeof(char *));
		k.ring_stream = xcalloc((size_t)a->tail, sizeof(int));
	}
	const char *drv = jstr(jobj(jobj(c->inspect, "HostConfig"), "LogConfig"), "Type");
	_cleanup_free_ char *root = ondisk_docker_root();
	_cleanup_free_ char *dir = xasprintf("%s/containers/%s", root, c->id);
	json_t *notes = json_array();
	int r = dockerlog_read(drv, jstr(c->inspect, "LogPath"), dir, on_entry, &k, notes, NULL,
	                       &x->err);
	print_notes(notes);
	json_decref(notes);
	for (size_t i = 0; i < k.n; i++) {
		size_t slot = k.n < (size_t)a->tail ? i : (k.head + i) % (size_t)a->tail;
		fprintf(k.ring_stream[slot] == 2 && !k.json ? stderr : stdout, "%s\n",
		        k.ring[slot]);
	}
	for (size_t i = 0; i < (size_t)(a->tail > 0 ? a->tail : 0); i++)
		free(k.ring[i]);
	free(k.ring);
	free(k.ring_stream);
	for (int s = 0; s < 3; s++)
		buf_free(&k.part[s]);
	return r < 0 ? err_prefix(&x->err, "logs '%s'", c->name) : 0;
}

static int logs_run(struct ctx *x, int argc, char **argv)
{
	struct logs_args a = {.tail = -1};
	/* before any goto: the cleanup must never see an uninitialised pointer */
	_cleanup_host_ struct host *h = NULL;
	int i = cmd_parse(x, &cmd_logs, argc, argv, on_opt, &a);
	if (i < 0)
		goto out;
	if (argc - i != 1) {
		i = cmd_usage(x, "logs: name exactly one CONTAINER");
		goto out;
	}
	struct container *c;
	if (ctx_containers(x, argv + i, 1, 0, &h, &c) < 0) {
		i = -1;
		goto out;
	}
	if (x->no_daemon) {
		print_warnings(h);
		i = logs_disk(x, c, &a);
		goto out;
	}
	struct buf p = {0};
	buf_printf(&p, "/containers/%s/logs?stdout=%d&stderr=%d&timestamps=%d", c->id, a.only != 2,
	           a.only != 1, !a.no_ts);
	if (a.since)
		buf_printf(&p, "&since=%s", a.since);
	if (a.until)
		buf_printf(&p, "&until=%s", a.until);
	if (a.tail >= 0)
		buf_printf(&p, "&tail=%ld", a.tail);
	struct sink k = {.json = x->json, .ts = !a.no_ts};
	docker_demux_init(&k.dm, c->tty, on_frame, &k);
	long status = 0;
	int r = docker_stream(x->d, buf_cstr(&p), 0, on_data, &k, &status, &x->err);
	buf_free(&p);
	for (int s = 1; s <= 2; s++) {
		if (k.json && k.line[s].len)
			emit_json_line(&k, s, k.line[s].data, k.line[s].len);
		buf_free(&k.line[s]);
	}
	if (r < 0) {
		i = err_prefix(&x->err, "logs '%s'", c->name);
		goto out;
	}
	if (status < 200 || status >= 300) {
		i = err_set(
		    &x->err, status == 404 ? CIRT_EXIT_NOTFOUND : CIRT_EXIT_DAEMON,
		    "logs '%s': daemon answered HTTP %ld (log driver without read support?)",
		    c->name, status);
		goto out;
	}
	if (k.dm.bad) {
		i = err_set(&x->err, CIRT_EXIT_BADANSWER,
		            "logs '%s': the stream is not multiplexed as expected", c->name);
		goto out;
	}
	i = 0;
out:
	free(a.since);
	free(a.until);
	return i;
}

const struct cmd cmd_logs = {
    .name = "logs",
    .args = "CONTAINER",
    .summary = "a container's logs: stdout to stdout, stderr to stderr (or NDJSON with --json), "
               "with timestamps",
    .opts = logs_opts,
    .run = logs_run,
    .flags = CMD_NODAEMON | CMD_OFFLINE,
};
