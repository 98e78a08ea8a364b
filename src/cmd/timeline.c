/* timeline.c: `cirt timeline`: what cirt watch recorded, in time order: the daemon's container
 * events (create, start, exec with its command, die, ...), process starts, flows with their
 * process, DNS answers, and the watcher's own gaps; or, with --tree, the processes as trees. */
#include "cmd/cmd.h"
#include "cmd/mixed.h"
#include "escape.h"
#include "analyses/supertimeline.h"
#include "journal/timeline.h"
#include "output/supertimeline.h"
#include "output/output.h"

struct tl_args {
	const char *since, *until, *journal, *limit;
	bool no_flows, tree, bodyfile, no_logs, no_files;
};

static const struct cmd_opt timeline_opts[] = {
    OPT_STR("since", 0, "DURATION|TIME",
            "only what happened since then (10m, 2h, 2026-01-02T03:04:05Z; default: all)",
            struct tl_args, since),
    OPT_STR("until", 0, "DURATION|TIME", "only what happened up to then", struct tl_args, until),
    OPT_STR("journal", 0, "DIR", "the journal cirt watch writes (default " JOURNAL_DEFAULT_DIR ")",
            struct tl_args, journal),
    OPT_BOOL("no-flows", 0, "daemon events only, no flows", struct tl_args, no_flows),
    OPT_STR("limit", 0, "N", "print at most the last N entries (default 100000)", struct tl_args,
            limit),
    OPT_BOOL("tree", 0,
             "the container's processes as a tree (parent and child from the exec lines), each "
             "with its connections and DNS lookups under it",
             struct tl_args, tree),
    OPT_BOOL("bodyfile", 0,
             "with --root: the bodyfile format mactime and log2timeline/plaso read (no limit)",
             struct tl_args, bodyfile),
    OPT_BOOL("no-logs", 0, "with --root: without the containers' log lines", struct tl_args,
             no_logs),
    OPT_BOOL("no-files", 0, "with --root: without the writable layers' file changes",
             struct tl_args, no_files),
    {0},
};

static const struct out_col cols[] = {
    {"TIME (UTC)", "time"}, {"CONTAINER", "container"}, {"ID", "id"},
    {"EVENT", "what"},      {"DETAILS", "details"},
};

static void print_tree(struct ctx *x, const struct timeline *tl)
{
	json_t *trees = timeline_tree(tl);
	if (x->json) {
		json_t *doc = json_pack("{s:O,s:b}", "trees", trees, "truncated", tl->truncated);
		out_json(stdout, doc);
		json_decref(doc);
	} else {
		json_t *rows = timeline_tree_rows(trees);
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r)
		{
			_cleanup_free_ char *t = term_escape(jstr(r, "text"));
			int d = (int)jint(r, "depth", 0);
			printf("%-24s %*s%s\n", d ? jstr(r, "time") : "", 2 * d, "", t);
		}
		if (!json_array_size(trees))
			printf("no process recorded\n");
		json_decref(rows);
	}
	json_decref(trees);
}

/* --root: the super-timeline of the image (records, daemon log, layers, logs, journal) */
static int timeline_offline(struct ctx *x, const struct tl_args *a, const char *ref, int64_t since,
                            int64_t until, size_t limit)
{
	_cleanup_host_ struct host *h = NULL;
	if (ctx_host(x, true, 0, &h) < 0)
		return -1;
	print_warnings(h);
	struct supertl_query q = {.since_ns = since,
	                          .until_ns = until,
	                          .ref = ref,
	                          .journal_dir = a->journal,
	                          .no_logs = a->no_logs,
	                          .no_files = a->no_files,
	                          .no_flows = a->no_flows};
	struct supertl *t = NULL;
	if (supertl_build(h, &q, &t, &x->err) < 0)
		return -1;
	print_notes(t->notes);
	size_t from = !a->bodyfile && t->n > limit ? t->n - limit : 0;
	if (from || t->truncated)
		fprintf(stderr,
		        "cirt: warning: showing the last %zu of %s%zu events: narrow with "
		        "--since/--until or a CONTAINER\n",
		        t->n - from, t->truncated ? "more than " : "", t->n);
	if (a->bodyfile)
		supertl_print_bodyfile(stdout, t, from);
	else if (x->json) {
		json_t *doc = supertl_doc_json(t, from, ctx_offline_json(x));
		out_json(stdout, doc);
		json_decref(doc);
	} else
		supertl_print_table(stdout, t, from);
	supertl_free(t);
	return 0;
}

static int timeline_run(struct ctx *x, int argc, char **argv)
{
	struct tl_args a = {.journal = JOURNAL_DEFAULT_DIR};
	char *ops[1];
	int nops = cmd_parse_mixed(x, &cmd_timeline, argc, argv, NULL, &a, ops, 1);
	if (nops < 0)
		return nops;
	const char *ref = nops ? ops[0] : NULL;
	if (ref && !*ref)
		return cmd_usage(x, "timeline: empty CONTAINER");
	uint64_t now = journal_now_ns(), since = 0, until = 0;
	if (a.since && !journal_when_parse(a.since, now, &since))
		return cmd_usage(x,
		                 "timeline: --since: '%s' is not a duration (10m, 2h) or a time "
		                 "(2026-01-02T03:04:05Z)",
		                 a.since);
	if (a.until && !journal_when_parse(a.until, now, &until))
		return cmd_usage(x,
		                 "timeline: --until: '%s' is not a duration (10m, 2h) or a time "
		                 "(2026-01-02T03:04:05Z)",
		                 a.until);
	if (until && until < since)
		return cmd_usage(x, "timeline: --until '%s' is before --since '%s'", a.until,
		                 a.since);
	size_t limit = 100000;
	if (a.limit) {
		char *end;
		long long v = strtoll(a.limit, &end, 10);
		if (*end || end == a.limit || v < 1 || v > (long long)TIMELINE_MAX)
			return cmd_usage(x, "timeline: --limit: '%s' is not a number of 1 to %u",
			                 a.limit, TIMELINE_MAX);
		limit = (size_t)v;
	}
	if (x->root && a.tree)
		return cmd_usage(x, "timeline: --tree is not available with --root");
	if (x->root)
		return timeline_offline(x, &a, ref, (int64_t)since, (int64_t)until, limit);
	if (a.bodyfile || a.no_logs || a.no_files)
		return cmd_usage(x, "timeline: --%s reads a disk image: it needs --root",
		                 a.bodyfile  ? "bodyfile"
		                 : a.no_logs ? "no-logs"
		                             : "no-files");
	struct timeline_query q = {.dir = a.journal,
	                           .since_ns = since,
	                           .until_ns = until,
	                           .ranged = a.since || a.until,
	                           .ref = ref,
	                           .no_flows = a.no_flows};
	struct timeline *tl = NULL;
	if (timeline_read(&q, &tl, &x->err) < 0)
		return -1;
	if (a.tree) {
		print_tree(x, tl);
		timeline_free(tl);
		return 0;
	}
	size_t n = tl->n, from = n > limit ? n - limit : 0;
	const struct journal_read_stats st = tl->st;
	if (from || tl->truncated)
		fprintf(stderr,
		        "cirt: warning: showing the last %zu of %s%zu entries: narrow with "
		        "--since/--until\n",
		        n - from, tl->truncated ? "more than " : "", n);
	if (st.bad)
		fprintf(stderr, "cirt: warning: journal: %llu unreadable line%s skipped\n",
		        (unsigned long long)st.bad, st.bad == 1 ? "" : "s");
	if (x->json) {
		json_t *doc = json_object();
		json_t *es = json_array();
		for (size_t i = from; i < n; i++)
			json_array_append(es, tl->v[i]);
		json_object_set_new(doc, "entries", es);
		json_t *jo = json_object();
		json_object_set_new(jo, "dir", json_str(a.journal));
		json_object_set_new(jo, "files", json_integer((json_int_t)st.files));
		json_object_set_new(jo, "files_read", json_integer((json_int_t)st.files_read));
		json_object_set_new(jo, "lines", json_integer((json_int_t)st.lines));
		json_object_set_new(jo, "bad_lines", json_integer((json_int_t)st.bad));
		json_object_set_new(doc, "journal", jo);
		json_object_set_new(doc, "truncated", json_boolean(from > 0 || tl->truncated));
		out_json(stdout, doc);
		json_decref(doc);
	} else {
		json_t *rows = json_array();
		for (size_t i = from; i < n; i++)
			json_array_append_new(rows, timeline_row(tl->v[i]));
		out_table(stdout, rows, cols, ARRAY_SIZE(cols));
		json_decref(rows);
		if (!n)
			printf("nothing recorded%s (journal %s: %zu files, %llu lines read)\n",
			       a.since || a.until ? " in that time range" : "", a.journal, st.files,
			       (unsigned long long)st.lines);
	}
	timeline_free(tl);
	return 0;
}

const struct cmd cmd_timeline = {
    .name = "timeline",
    .args = "[CONTAINER]",
    .summary = "what cirt watch recorded, in time order: container events, process starts, flows "
               "with their process, DNS answers, gaps; --tree: the processes as a tree",
    .opts = timeline_opts,
    .run = timeline_run,
    .flags = CMD_OFFLINE,
};
