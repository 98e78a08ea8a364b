/* collect.c: `cirt collect`: preserve a container's evidence, most volatile first, into a hashed
 * bundle (directory, .tar.gz or .tar.zst) with a custody log and a manifest. */
#include <time.h>

#include "cmd/cmd.h"
#include "escape.h"
#include "evidence/bundle.h"
#include "evidence/collect.h"
#include "output/output.h"

struct collect_args {
	struct collect_opts o;
	int *pids;
	size_t n_pids;
};

enum { OPT_CASE = 256, OPT_MEMORY };

static int on_opt(struct ctx *x, int key, const char *arg, void *st)
{
	struct collect_args *a = st;
	switch (key) {
	case OPT_CASE:
		if (!*arg || strlen(arg) > 200)
			return cmd_usage(
			    x,
			    "collect: --case: '%s' is not a usable case id (1 to 200 characters)",
			    arg);
		a->o.case_id = arg;
		break;
	case OPT_MEMORY: {
		if (streq(arg, "all")) {
			a->o.memory_all = true;
			break;
		}
		_cleanup_free_ char *s = xstrdup(arg);
		for (char *save = NULL, *t = strtok_r(s, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			char *end;
			long v = strtol(t, &end, 10);
			if (*end || v <= 0 || v > 4194304)
				return cmd_usage(
				    x, "collect: --memory: '%s' is not a PID or \"all\"", t);
			a->pids = xrealloc(a->pids, (a->n_pids + 1) * sizeof(*a->pids));
			a->pids[a->n_pids++] = (int)v;
		}
		break;
	}
	}
	return 0;
}

#define A struct collect_args
static const struct cmd_opt collect_opts[] = {
    OPT_STR("output", 'o', "DIR|FILE.tar.gz|FILE.tar.zst",
            "where to write the bundle: a new (or empty) directory, or an archive, gzip "
            "(compressed on every CPU) or zstd (default ./cirt-NAME-UTCTIME)",
            A, o.out),
    OPT_CALL("case", OPT_CASE, "ID",
             "case identifier, written to the manifest, the custody log and the commit's labels"),
    OPT_BOOL("commit", 0,
             "also `docker commit` the container to cirt-evidence/CASE:UTCTIME with labels (the "
             "daemon pauses it meanwhile)",
             A, o.commit),
    OPT_FALSE("no-pause", 0, "with --commit: do not pause the container during the commit", A,
              o.commit_pause),
    OPT_BOOL("export", 0,
             "also store the container's filesystem as a tar (docker export), hashed while it "
             "streams (sparse files come out full size)",
             A, o.export_fs),
    OPT_CALL("memory", OPT_MEMORY, "PID|all",
             "also dump the readable memory of this host PID (repeatable, or comma-separated) or "
             "of all its processes"),
    OPT_SIZE("max-file-size", 0, "SIZE",
             "skip (and record) changed files larger than SIZE, e.g. 512M, 2G (default 256M)", A,
             o.max_file_size, 1, 0),
    {0},
};
#undef A

/* ------------------------------------------------------------------ progress on a tty */

struct progress {
	uint64_t t0, last;
	bool shown;
};

static void on_progress(void *ud, const char *step, uint64_t done, uint64_t total, uint64_t bytes)
{
	struct progress *p = ud;
	uint64_t now = now_ms();
	if (p->shown && now - p->last < 100)
		return;
	p->last = now;
	p->shown = true;
	char b[32], r[32];
	double secs = (double)(now - p->t0) / 1000.0;
	fmt_bytes(bytes, b, sizeof(b));
	fmt_bytes(secs > 0.05 ? (uint64_t)((double)bytes / secs) : 0, r, sizeof(r));
	if (total)
		fprintf(stderr, "\r\033[Kcollect: %-9s %llu/%llu  %s  %s/s", step,
		        (unsigned long long)done, (unsigned long long)total, b, r);
	else
		fprintf(stderr, "\r\033[Kcollect: %-9s %s  %s/s", step, b, r);
	fflush(stderr);
}

static void progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

static void on_notice(void *ud, const char *msg)
{
	progress_end(ud);
	_cleanup_free_ char *e = term_escape(msg);
	fprintf(stderr, "cirt: note: %s\n", e);
}

/* ------------------------------------------------------------------ */

static char *default_out(const struct container *c)
{
	char t[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%SZ", &tm);
	struct buf b = {0};
	for (const char *p = c->name; *p && b.len < 64; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			ch = '_';
		buf_append(&b, &ch, 1);
	}
	char *s = xasprintf("cirt-%s-%s", b.data ? b.data : "container", t);
	buf_free(&b);
	return s;
}

static char *join_argv(int argc, char **argv)
{
	struct buf b = {0};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool plain = *a && !a[strcspn(a, " \t\n'\"\\$`;&|<>()*?[]#~")];
		if (plain)
			buf_printf(&b, "%s%s", i ? " " : "", a);
		else {
			buf_printf(&b, "%s'", i ? " " : "");
			for (const char *p = a; *p; p++)
				if (*p == '\'')
					buf_append(&b, "'\\''", 4);
				else
					buf_append(&b, p, 1);
			buf_append(&b, "'", 1);
		}
	}
	buf_cstr(&b);
	return b.data;
}

static void print_summary(const struct collect_result *r)
{
	_cleanup_free_ char *bp = term_escape(r->bundle);
	printf("bundle:   %s\n", bp);
	printf("sha256:   %s  (%s)\n", r->sha256,
	       bundle_kind_of(r->bundle) != BUNDLE_DIR
	           ? "of the archive"
	           : "of manifest.json, which holds every file's hash");
	printf("complete: %s\n", r->complete ? "yes" : "NO");
	const char *k;
	json_t *v;
	json_object_foreach(r->summary, k, v)
	{
		if (streq(k, "notes"))
			continue;
		_cleanup_free_ char *s = out_cell(v);
		printf("%-26s %s\n", k, s);
	}
	json_t *notes = json_object_get(r->summary, "notes");
	size_t i;
	json_array_foreach(notes, i, v)
	{
		_cleanup_free_ char *s = out_cell(v);
		printf("note: %s\n", s);
	}
}

static int collect_run(struct ctx *x, int argc, char **argv)
{
	struct collect_args a = {.o = {.commit_pause = true}};
	/* before parsing: getopt permutes argv, the custody log wants it as typed */
	_cleanup_free_ char *cmdline = join_argv(x->argc, x->argv);
	int i = cmd_parse(x, &cmd_collect, argc, argv, on_opt, &a);
	_cleanup_free_ int *pids = a.pids;
	if (i < 0)
		return i;
	if (argc - i != 1)
		return cmd_usage(x, "collect: name exactly one CONTAINER");
	if (!a.o.commit && !a.o.commit_pause)
		return cmd_usage(x, "collect: --no-pause only makes sense with --commit");
	if (x->no_daemon && (a.o.commit || a.o.export_fs))
		return cmd_usage(
		    x, "collect: --%s needs the daemon: it does not work with --no-daemon",
		    a.o.commit ? "commit" : "export");
	_cleanup_host_ struct host *h = NULL;
	struct container *c;
	if (ctx_containers(x, argv + i, 1, HOST_NEED_NET | HOST_NEED_PROC, &h, &c) < 0)
		return -1;
	print_warnings(h);
	if ((a.n_pids || a.o.memory_all) && !c->running && !c->paused)
		return cmd_usage(x, "collect: --memory: '%s' is not running", c->name);
	_cleanup_free_ char *out = a.o.out ? NULL : default_out(c);
	if (!a.o.out)
		a.o.out = out;
	struct progress pg = {.t0 = now_ms()};
	struct ev_progress evp = {.fn = on_progress, .ud = &pg};
	a.o.memory_pids = a.pids;
	a.o.n_memory_pids = a.n_pids;
	if (!a.o.max_file_size)
		a.o.max_file_size = COLLECT_DEFAULT_MAX_FILE;
	a.o.command_line = cmdline;
	a.o.image_root = x->root;
	a.o.docker_host = x->host;
	a.o.timeout_ms = x->timeout_ms;
	a.o.progress = isatty(2) ? &evp : NULL;
	a.o.notice = on_notice;
	a.o.notice_ud = &pg;
	struct collect_result r;
	int rc = evidence_collect(x->d, c, &a.o, &r, &x->err);
	progress_end(&pg);
	if (rc < 0)
		return -1;
	if (x->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "bundle", json_str(r.bundle));
		json_object_set_new(doc, "sha256", json_string(r.sha256));
		json_object_set_new(doc, "sha256_of",
		                    json_string(bundle_kind_of(r.bundle) != BUNDLE_DIR
		                                    ? "archive"
		                                    : "manifest.json"));
		json_object_set_new(doc, "complete", json_boolean(r.complete));
		json_object_set_new(doc, "container", json_str(c->id));
		json_object_set(doc, "summary", r.summary);
		out_json(stdout, doc);
		json_decref(doc);
	} else
		print_summary(&r);
	bool complete = r.complete;
	_cleanup_free_ char *bp = xstrdup(r.bundle);
	collect_result_clear(&r);
	if (!complete)
		return err_set(&x->err, CIRT_EXIT_RUNTIME,
		               "collect '%s': the bundle '%s' is incomplete (the container "
		               "stopped, or a step failed): "
		               "what was collected is kept; see its custody.log",
		               c->name, bp);
	return 0;
}

const struct cmd cmd_collect = {
    .name = "collect",
    .args = "CONTAINER",
    .summary = "preserve a container's evidence, most volatile first (processes, sockets, "
               "conntrack, binaries, memory, logs, changed files) into a hashed bundle",
    .opts = collect_opts,
    .run = collect_run,
    .flags = CMD_NODAEMON | CMD_OFFLINE,
};
