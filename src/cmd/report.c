/* report.c: `cirt report BUNDLE`: the triage report of an evidence bundle of cirt collect, as
 * HTML (the same page as cirt triage --html), a terminal page or JSON. */
#include "analyses/triage.h"
#include "cmd/cmd.h"
#include "escape.h"
#include "output/html.h"
#include "output/output.h"
#include "output/report.h"

struct report_args {
	const char *ioc, *out;
	bool text;
};

static const struct cmd_opt report_opts[] = {
    OPT_STR("ioc", 0, "FILE",
            "indicator addresses and networks, one a line: the bundle's flows to them rank first",
            struct report_args, ioc),
    OPT_STR("output", 'o', "FILE", "write the HTML report to FILE (default: HTML on stdout)",
            struct report_args, out),
    OPT_BOOL("text", 0, "print the report as text instead of HTML", struct report_args, text),
    {0},
};

char *triage_command_line(struct ctx *x);

static int report_run(struct ctx *x, int argc, char **argv)
{
	struct report_args a = {0};
	int i = cmd_parse(x, &cmd_report, argc, argv, NULL, &a);
	if (i < 0)
		return i;
	if (i >= argc)
		return cmd_usage(x, "report: name a BUNDLE (a directory, .tar.gz or .tar.zst "
		                    "written by cirt collect)");
	if (i + 1 < argc)
		return cmd_usage(x, "report: unexpected argument '%s'", argv[i + 1]);
	if (a.out && (a.text || x->json))
		return cmd_usage(x, "report: --output writes HTML: it does not go with --%s",
		                 a.text ? "text" : "json");
	struct ioc_list *ioc = NULL;
	if (a.ioc && ioc_load(a.ioc, &ioc, &x->err) < 0)
		return -1;
	_cleanup_free_ char *cmdline = triage_command_line(x);
	struct triage_opts o = {.ioc = ioc, .command = cmdline};
	json_t *doc = NULL;
	int r = triage_bundle(argv[i], &o, &doc, &x->err);
	ioc_free(ioc);
	if (r < 0)
		return -1;
	if (x->json)
		out_json(stdout, doc);
	else if (a.text)
		report_print(stdout, doc, 0);
	else if (a.out)
		r = report_write_html(a.out, doc, &x->err);
	else {
		json_t *h = report_html_doc(doc);
		r = html_report(stdout, h, &x->err);
		json_decref(h);
	}
	if (r == 0 && !jbool(jobj(doc, "bundle"), "verified"))
		r = 1;
	if (r == 0) {
		size_t k;
		json_t *e;
		json_array_foreach(jarr(doc, "summary"), k, e) if (jint(e, "score", 0) >= 20) r = 1;
	}
	json_decref(doc);
	return r;
}

const struct cmd cmd_report = {
    .name = "report",
    .args = "BUNDLE",
    .summary = "the triage report (HTML) of an evidence bundle of cirt collect: scored, with the "
               "bundle's integrity",
    .opts = report_opts,
    .run = report_run,
};
