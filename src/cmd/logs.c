/* logs.c: `cirt logs`: a container's output with stdout and stderr kept apart, timestamped. */
#include <time.h>

#include "cmd/cmd.h"
#include "escape.h"
#include "output/output.h"

enum { OPT_SINCE = 256, OPT_UNTIL };

struct logs_args {
	char *since, *until;
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
