/* triage.c: `cirt triage`: the first command on a host: what runs, how it is wired, what talked to
 * an IOC, what the quick checks found and what changed, ranked, with the next command for each. */
#include <time.h>

#include "analyses/capplan.h"
#include "analyses/triage.h"
#include "cmd/cmd.h"
#include "escape.h"
#include "journal/journal.h"
#include "output/output.h"
#include "output/report.h"

struct triage_args {
	const char *ioc, *html, *case_id, *journal, *since;
	bool all_rows, timings;
};

static const struct cmd_opt triage_opts[] = {
    OPT_STR("ioc", 0, "FILE",
            "indicator addresses and networks, one a line ('#' comments): flows to them rank first",
            struct triage_args, ioc),
    OPT_STR("html", 0, "FILE",
            "also write a self-contained HTML report (summary, topology, sortable tables, "
            "timeline)",
            struct triage_args, html),
    OPT_STR("case", 0, "ID",
            "case id in the suggested 'cirt collect' commands (default triage-<UTC date>)",
            struct triage_args, case_id),
    OPT_STR("journal", 0, "DIR",
            "the flow journal of cirt watch (default " JOURNAL_DEFAULT_DIR ", read when it exists)",
            struct triage_args, journal),
    OPT_STR("since", 0, "DURATION|TIME", "journal flows since then (default 24h)",
            struct triage_args, since),
    OPT_BOOL("all", 0, "print every row of every table (default: the first ones, all in --json)",
             struct triage_args, all_rows),
    OPT_BOOL("timings", 0, "print how long each phase took on stderr", struct triage_args, timings),
    {0},
};

static void on_phase(void *ud, const char *what, uint64_t ms)
{
	(void)ud;
	fprintf(stderr, "cirt: triage: %-14s %6llu ms\n", what, (unsigned long long)ms);
}

/* The command line as typed, each word shell-quoted when needed. */
char *triage_command_line(struct ctx *x);
char *triage_command_line(struct ctx *x)
{
	struct buf b = {0};
	for (int i = 0; i < x->argc; i++) {
		_cleanup_free_ char *w = shell_quote(x->argv[i]);
		buf_printf(&b, "%s%s", i ? " " : "", w);
	}
	return b.data ? b.data : xstrdup("");
}

/* Does the command table hold this command (features land at different times)? */
bool triage_have_command(const char *name);
bool triage_have_command(const char *name)
{
	for (const struct cmd *const *c = cirt_commands; *c; c++)
		if (streq((*c)->name, name))
			return true;
	return false;
}

/* 1 when anything scores medium or more. */
static int exit_for(json_t *doc)
{
	size_t i;
	json_t *e;
	json_array_foreach(jarr(doc, "summary"), i, e) if (jint(e, "score", 0) >= 20) return 1;
	return 0;
}

/* The topology of the HTML report, drawn from the map the triage kept; its time counts in the
 * triage's. */
static void draw_topology(json_t *doc, const struct netmap *m, bool timings)
{
	uint64_t t0 = now_ms();
	report_add_topology(doc, m);
	uint64_t ms = now_ms() - t0;
	if (timings)
		on_phase(NULL, "topology", ms);
	json_object_set_new(doc, "elapsed_ms",
	                    json_integer((json_int_t)(jint(doc, "elapsed_ms", 0) + (long long)ms)));
}

/* The HTML report when asked, then the document on stdout. */
static int print_result(struct ctx *x, const struct triage_args *a, json_t *doc)
{
	if (a->html && report_write_html(a->html, doc, &x->err) < 0)
		return -1;
	if (x->json) {
		json_object_del(doc, "topology_svg");
		out_json(stdout, doc);
	} else {
		report_print(stdout, doc, a->all_rows ? 0 : 10);
		if (a->html) {
			_cleanup_free_ char *p = term_escape(a->html);
			printf("\nreport: %s\n", p);
		}
	}
	return exit_for(doc);
}

static int triage_run_cmd(struct ctx *x, int argc, char **argv)
{
	struct triage_args a = {0};
	int i = cmd_parse(x, &cmd_triage, argc, argv, NULL, &a);
	if (i < 0)
		return i;
	if (i < argc)
		return cmd_usage(x, "triage: unexpected argument '%s'", argv[i]);
	uint64_t now = journal_now_ns(), since = 0;
	if (a.since) {
		if (!journal_when_parse(a.since, now, &since))
			return cmd_usage(x,
			                 "triage: --since: '%s' is not a duration (10m, 2h) or a "
			                 "time (2026-01-02T03:04:05Z)",
			                 a.since);
	} else
		since = now - 24ull * 3600 * 1000000000ull;
	if (a.html && !*a.html)
		return cmd_usage(x, "triage: --html needs a file name");
	struct ioc_list *ioc = NULL;
	if (a.ioc && ioc_load(a.ioc, &ioc, &x->err) < 0)
		return -1;
	char case_buf[64];
	if (!a.case_id) {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(case_buf, sizeof(case_buf), "triage-%Y%m%d", &tm);
		a.case_id = case_buf;
	}
	_cleanup_free_ char *cmdline = triage_command_line(x);
	struct triage_opts o = {
	    .ioc = ioc,
	    .journal_dir = a.journal ? a.journal : JOURNAL_DEFAULT_DIR,
	    .journal_explicit = a.journal != NULL,
	    .since_ns = since,
	    .case_id = a.case_id,
	    .can_contain = triage_have_command("contain"),
	    .command = cmdline,
	    .phase = a.timings ? on_phase : NULL,
	};
	struct docker *d;
	json_t *doc = NULL;
	struct triage_map kept = {0};
	if (ctx_docker(x, &d) < 0 || triage_run(d, &o, &doc, a.html ? &kept : NULL, &x->err) < 0) {
		ioc_free(ioc);
		return -1;
	}
	ioc_free(ioc);
	if (kept.map)
		draw_topology(doc, kept.map, a.timings);
	triage_map_clear(&kept);
	int r = print_result(x, &a, doc);
	json_decref(doc);
	return r;
}

const struct cmd cmd_triage = {
    .name = "triage",
    .args = NULL,
    .summary = "the first look at a host: inventory, network oddities, connections (IOC first), "
               "quick checks, "
               "changed files, ranked with the next command to run",
    .opts = triage_opts,
    .run = triage_run_cmd,
};
