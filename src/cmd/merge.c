/* merge.c: `cirt merge DIR...`: per-host results of triage, locate, scan, ps (or collect's
 * bundles), as contrib/ansible/cirt.yml or contrib/kubernetes write them, into one answer with a
 * HOST column; hosts without an answer are named, fetched files checked against their hashes. */
#include "analyses/merge.h"
#include "cmd/cmd.h"
#include "escape.h"
#include "json.h"
#include "output/merge.h"
#include "output/output.h"

struct merge_args {
	const char *html;
};

static const struct cmd_opt merge_opts[] = {
    OPT_STR("html", 0, "FILE",
            "triage results: also write one HTML report, the fleet's summary on top and a part "
            "per host (mode 0600)",
            struct merge_args, html),
    {0},
};

/* Each host without a full answer, and what differs between hosts, on stderr. */
static void print_problems(json_t *doc)
{
	size_t i;
	json_t *h;
	json_array_foreach(jarr(doc, "hosts"), i, h)
	{
		const char *state = jstr(h, "state");
		long long bad = jint(h, "files_bad", 0);
		if (state && (streq(state, "found") || streq(state, "ok")) && !bad)
			continue;
		_cleanup_free_ char *name = term_escape(jstr(h, "host") ? jstr(h, "host") : "?");
		_cleanup_free_ char *e = term_escape(jstr(h, "error") ? jstr(h, "error") : "");
		fprintf(stderr, "cirt: warning: host '%s': %s%s%s", name, state ? state : "?",
		        *e ? ": " : "", e);
		if (bad)
			fprintf(stderr, "%s%lld fetched file%s not matching its hash",
			        *e ? "; " : ": ", bad, bad == 1 ? "" : "s");
		fputc('\n', stderr);
	}
	json_t *w;
	json_array_foreach(jarr(doc, "warnings"), i, w)
	{
		_cleanup_free_ char *e = out_cell(w);
		fprintf(stderr, "cirt: warning: %s\n", e);
	}
}

static int merge_run(struct ctx *x, int argc, char **argv)
{
	struct merge_args a = {0};
	int i = cmd_parse(x, &cmd_merge, argc, argv, NULL, &a);
	if (i < 0)
		return i;
	if (i >= argc)
		return cmd_usage(x, "merge: name a results DIR (one directory per host, as "
		                    "contrib/ansible/cirt.yml writes them) or hosts' JSON files");
	struct merge_set *s = NULL;
	if (merge_load(argv + i, (size_t)(argc - i), &s, &x->err) < 0)
		return -1;
	if (a.html && s->kind != MERGE_TRIAGE && s->kind != MERGE_UNKNOWN) {
		const char *k = merge_kind_name(s->kind);
		merge_set_free(s);
		return cmd_usage(x, "merge: --html is for triage results; these are %s results", k);
	}
	json_t *doc = merge_doc(s);
	print_problems(doc);
	if (x->json)
		out_json(stdout, doc);
	else
		merge_print_table(stdout, doc);
	fflush(stdout);
	int r = 0;
	if (a.html) {
		_cleanup_free_ char *cmdline = shell_join(x->argv);
		r = merge_write_html(a.html, doc, s, cmdline, &x->err);
	}
	size_t problems = 0;
	if (r == 0)
		r = merge_status(doc, &problems);
	/* a host that gave no answer may be the one that matters: never a silent "nothing found" */
	if (r == 0 && problems)
		r = err_set(&x->err, CIRT_EXIT_RUNTIME,
		            "merge: %zu of %zu hosts without a full answer (named above): nothing "
		            "found on the others",
		            problems, s->n);
	json_decref(doc);
	merge_set_free(s);
	return r;
}

const struct cmd cmd_merge = {
    .name = "merge",
    .args = "DIR|FILE...",
    .summary = "merge per-host JSON results (triage, locate, scan, ps, collect) of many hosts into "
               "one answer with a HOST column; hosts without an answer named",
    .opts = merge_opts,
    .run = merge_run,
};
