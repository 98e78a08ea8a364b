/* report.c: the triage document on a terminal (summary first) and as the HTML report's tables. */
#include "output/report.h"

#include "escape.h"
#include "json.h"
#include "output/html.h"
#include "output/netgraph.h"
#include "output/output.h"
#include "output/svg.h"

static void heading(FILE *f, const char *title, const char *extra)
{
	bool bold = out_color(f);
	fprintf(f, "\n%s%s%s", bold ? "\033[1m" : "", title, bold ? "\033[0m" : "");
	if (extra) {
		_cleanup_free_ char *e = term_escape(extra);
		fprintf(f, " %s", e);
	}
	fprintf(f, "\n");
}

static const char *level_color(const char *level)
{
	if (!level)
		return "";
	if (streq(level, "critical") || streq(level, "high"))
		return "\033[31m";
	if (streq(level, "medium"))
		return "\033[33m";
	return "";
}

static void rows_table(FILE *f, json_t *rows, const struct out_col *cols, size_t ncols,
                       size_t max_rows, const char *more_hint)
{
	size_t n = json_array_size(rows);
	if (!n) {
		fprintf(f, "(none)\n");
		return;
	}
	if (max_rows && n > max_rows) {
		json_t *cut = json_array();
		for (size_t i = 0; i < max_rows; i++)
			json_array_append(cut, json_array_get(rows, i));
		out_table(f, cut, cols, ncols);
		json_decref(cut);
		fprintf(f, "... %zu more %s\n", n - max_rows, more_hint);
	} else
		out_table(f, rows, cols, ncols);
}

static const struct out_col conn_cols[] = {
    {"CONTAINER", "container"}, {"DIR", "direction"},   {"PROTO", "proto"}, {"REMOTE", "remote"},
    {"LOCAL", "local"},         {"FLOWS", "flows"},     {"STATE", "state"}, {"SEEN BY", "sources"},
    {"LAST SEEN", "last_seen"}, {"PROCESS", "process"}, {"IOC", "ioc"},
};
static const struct out_col odd_cols[] = {
    {"CONTAINER", "container"},
    {"KIND", "kind"},
    {"WHAT", "what"},
    {"DETAIL", "detail"},
};
static const struct out_col finding_cols[] = {
    {"CONTAINER", "container"}, {"SEVERITY", "severity"}, {"RULE", "rule"},
    {"LOCATION", "location"},   {"REASON", "reason"},
};
static const struct out_col change_cols[] = {
    {"CONTAINER", "container"}, {"ADDED", "added"},     {"CHANGED", "changed"},
    {"DELETED", "deleted"},     {"NOTABLE", "notable"},
};
static const struct out_col inv_cols[] = {
    {"NAME", "name"},       {"ID", "id"},   {"IMAGE", "image"}, {"STATE", "state"},
    {"NETWORK", "network"}, {"IPS", "ips"}, {"PORTS", "ports"}, {"SCORE", "score"},
};
static const struct out_col tl_cols[] = {
    {"TIME", "time"},
    {"CONTAINER", "container"},
    {"KIND", "kind"},
    {"EVENT", "event"},
};

/* A finding's location in one cell: "pid N /path", "/path:line" or "-". */
static json_t *finding_rows(json_t *findings, bool serious_only)
{
	json_t *rows = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(findings, i, f)
	{
		const char *sev = jstr(f, "severity");
		if (serious_only && sev && !streq(sev, "critical") && !streq(sev, "high"))
			continue;
		json_t *r = json_deep_copy(f);
		const char *p = jstr(f, "path");
		long long pid = jint(f, "pid", 0), line = jint(f, "line", 0);
		json_t *loc;
		if (pid)
			loc = json_sprintf("pid %lld %s", pid, p ? p : "");
		else if (p && line)
			loc = json_sprintf("%s:%lld", p, line);
		else
			loc = p ? json_string(p) : json_string("-");
		json_object_set_new(r, "location", loc);
		json_array_append_new(rows, r);
	}
	return rows;
}

static json_t *change_rows(json_t *changes)
{
	json_t *rows = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c)
	{
		json_t *r = json_deep_copy(c);
		json_t *n = json_array();
		json_array_extend(n, jarr(c, "sensitive"));
		json_array_extend(n, jarr(c, "temp_or_hidden"));
		while (json_array_size(n) > 4)
			json_array_remove(n, json_array_size(n) - 1);
		json_object_set_new(r, "notable", n);
		json_array_append_new(rows, r);
	}
	return rows;
}

/* The first lines: what was triaged (the host or a bundle), and the IOC list's tally. */
static void print_head(FILE *f, json_t *doc)
{
	json_t *counts = jobj(doc, "counts");
	_cleanup_free_ char *hn = term_escape(jstr(doc, "hostname") ? jstr(doc, "hostname") : "?");
	const char *src = jstr(doc, "source");
	if (src && streq(src, "bundle")) {
		json_t *b = jobj(doc, "bundle");
		_cleanup_free_ char *bp = term_escape(jstr(b, "path") ? jstr(b, "path") : "?");
		_cleanup_free_ char *cs = term_escape(jstr(b, "case") ? jstr(b, "case") : "-");
		fprintf(f, "cirt report: bundle %s (case %s) collected on %s; %s\n", bp, cs, hn,
		        jbool(b, "verified") ? "every file matches its manifest"
		                             : "THE BUNDLE DOES NOT VERIFY (see notes)");
	} else {
		json_t *dk = jobj(doc, "docker");
		_cleanup_free_ char *dh = term_escape(jstr(dk, "host") ? jstr(dk, "host") : "?");
		fprintf(f,
		        "cirt triage: host %s, %lld containers (%lld running), docker %s API %s, "
		        "%.1f s\n",
		        hn, jint(counts, "containers", 0), jint(counts, "running", 0), dh,
		        jstr(dk, "api_version") ? jstr(dk, "api_version") : "?",
		        (double)jint(doc, "elapsed_ms", 0) / 1000.0);
	}
	json_t *ioc = jobj(doc, "ioc");
	if (ioc) {
		_cleanup_free_ char *p = term_escape(jstr(ioc, "file") ? jstr(ioc, "file") : "?");
		fprintf(f, "IOC list %s (%zu entr%s): %lld container%s in contact, %lld flow%s\n",
		        p, json_array_size(jarr(ioc, "entries")),
		        json_array_size(jarr(ioc, "entries")) == 1 ? "y" : "ies",
		        jint(counts, "ioc_containers", 0),
		        jint(counts, "ioc_containers", 0) == 1 ? "" : "s",
		        jint(counts, "ioc_flows", 0), jint(counts, "ioc_flows", 0) == 1 ? "" : "s");
	}
}

/* The ranked summary: each container's score, reasons and next commands. */
static void print_summary(FILE *f, json_t *sum, size_t max_rows)
{
	bool color = out_color(f);
	heading(f, "LOOK AT FIRST", json_array_size(sum) ? NULL : "(nothing stood out)");
	size_t i;
	json_t *e;
	json_array_foreach(sum, i, e)
	{
		if (max_rows && i >= max_rows) {
			fprintf(f, "... %zu more containers with a score (all with --json)\n",
			        json_array_size(sum) - i);
			break;
		}
		_cleanup_free_ char *n =
		    term_escape(jstr(e, "container") ? jstr(e, "container") : "?");
		const char *lv = jstr(e, "level");
		fprintf(f, "%2zu. %s%s%s  score %lld (%s%s%s)%s%s\n", i + 1, color ? "\033[1m" : "",
		        n, color ? "\033[0m" : "", jint(e, "score", 0),
		        color ? level_color(lv) : "", lv ? lv : "?", color ? "\033[0m" : "",
		        jstr(e, "state") && !streq(jstr(e, "state"), "running") ? ", " : "",
		        jstr(e, "state") && !streq(jstr(e, "state"), "running") ? jstr(e, "state")
		                                                                : "");
		size_t k;
		json_t *w;
		json_array_foreach(jarr(e, "why"), k, w)
		{
			_cleanup_free_ char *t =
			    term_escape(jstr(w, "text") ? jstr(w, "text") : "");
			fprintf(f, "    %+4lld  %s\n", jint(w, "points", 0), t);
		}
		json_array_foreach(jarr(e, "next"), k, w)
		{
			_cleanup_free_ char *t =
			    term_escape(json_string_value(w) ? json_string_value(w) : "");
			fprintf(f, "    %s %s\n", k ? "     " : "next:", t);
		}
	}
}

/* The tables after the summary, each cut at a multiple of max_rows, and the notes. */
static void print_tables(FILE *f, json_t *doc, size_t max_rows)
{
	json_t *conns = jarr(doc, "connections");
	heading(f, "CONNECTIONS", "(IOC first; flows to the same peer grouped)");
	rows_table(f, conns, conn_cols, ARRAY_SIZE(conn_cols), max_rows ? 3 * max_rows : 0,
	           "peers (all with --json)");

	heading(f, "NETWORK ODDITIES", NULL);
	rows_table(f, jarr(jobj(doc, "network"), "oddities"), odd_cols, ARRAY_SIZE(odd_cols),
	           max_rows ? 3 * max_rows : 0, "(all with --json)");

	json_t *fr = finding_rows(jarr(doc, "findings"), true);
	heading(f, "FINDINGS",
	        "(quick checks: escape and exposure, runtime traces, backdoor locations; high and "
	        "critical)");
	rows_table(f, fr, finding_cols, ARRAY_SIZE(finding_cols), max_rows ? 4 * max_rows : 0,
	           "findings (all with --json)");
	size_t all = json_array_size(jarr(doc, "findings"));
	if (all > json_array_size(fr))
		fprintf(f, "(%zu more of lower severity in --json and the HTML report)\n",
		        all - json_array_size(fr));
	json_decref(fr);

	json_t *cr = change_rows(jarr(doc, "changes"));
	heading(f, "CHANGED FILES", "(since the image, from the daemon's change list)");
	rows_table(f, cr, change_cols, ARRAY_SIZE(change_cols), max_rows ? 3 * max_rows : 0,
	           "containers (all with --json)");
	json_decref(cr);

	heading(f, "CONTAINERS", NULL);
	rows_table(f, jarr(doc, "containers"), inv_cols, ARRAY_SIZE(inv_cols), 0, "");

	json_t *notes = jarr(doc, "notes");
	if (json_array_size(notes)) {
		heading(f, "NOTES", NULL);
		size_t i;
		json_t *e;
		json_array_foreach(notes, i, e)
		{
			_cleanup_free_ char *t = out_cell(e);
			fprintf(f, "- %s\n", t);
		}
	}
}

void report_print(FILE *f, json_t *doc, size_t max_rows)
{
	print_head(f, doc);
	print_summary(f, jarr(doc, "summary"), max_rows);
	print_tables(f, doc, max_rows);
}

static json_t *table(const char *id, const char *title, const struct out_col *cols, size_t n,
                     json_t *rows)
{
	json_t *t = json_object(), *cs = json_array();
	json_object_set_new(t, "id", json_string(id));
	json_object_set_new(t, "title", json_string(title));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    cs, json_pack("{s:s,s:s}", "key", cols[i].key, "title", cols[i].header));
	json_object_set_new(t, "columns", cs);
	json_object_set_new(t, "rows", rows);
	return t;
}

/* A note at the end of the document's notes, unless it is there already. */
static void note_add(json_t *doc, const char *text)
{
	json_t *notes = jarr(doc, "notes"), *e;
	size_t i;
	if (!notes) {
		notes = json_array();
		json_object_set_new(doc, "notes", notes);
	}
	json_array_foreach(notes, i,
	                   e) if (json_string_value(e) && streq(json_string_value(e), text)) return;
	json_array_append_new(notes, json_str(text));
}

void report_add_topology(json_t *doc, const struct netmap *m)
{
	_cleanup_free_ char *dot = netgraph_dot(m, NULL);
	struct buf svg = {0};
	struct cirt_err ge = {0};
	if (dot && svg_from_dot(dot, &svg, &ge) == 0)
		json_object_set_new(doc, "topology_svg", json_string(buf_cstr(&svg)));
	else {
		_cleanup_free_ char *n = xasprintf("topology: %s", ge.msg[0] ? ge.msg : "no graph");
		note_add(doc, n);
	}
	buf_free(&svg);
}

json_t *report_html_doc(json_t *doc)
{
	json_t *h = json_object();
	const char *keys[] = {"title",     "cirt_version", "command",      "hostname",
	                      "generated", "summary",      "topology_svg", "notes"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (json_object_get(doc, keys[i]))
			json_object_set(h, keys[i], json_object_get(doc, keys[i]));
	json_t *counts = jobj(doc, "counts");
	json_t *cards = json_array();
	const char *src = jstr(doc, "source");
	bool bundle = src && streq(src, "bundle");
	if (!bundle) {
		json_array_append_new(cards, json_pack("{s:s,s:I}", "label", "containers", "value",
		                                       jint(counts, "containers", 0)));
		json_array_append_new(cards, json_pack("{s:s,s:I}", "label", "running", "value",
		                                       jint(counts, "running", 0)));
	}
	json_array_append_new(cards, json_pack("{s:s,s:I,s:b}", "label", "flagged", "value",
	                                       jint(counts, "flagged", 0), "alert",
	                                       jint(counts, "flagged", 0) > 0));
	if (jobj(doc, "ioc"))
		json_array_append_new(cards,
		                      json_pack("{s:s,s:I,s:b}", "label", "in contact with an IOC",
		                                "value", jint(counts, "ioc_containers", 0), "alert",
		                                jint(counts, "ioc_containers", 0) > 0));
	json_array_append_new(cards, json_pack("{s:s,s:I}", "label", "connection groups", "value",
	                                       jint(counts, "connections", 0)));
	json_array_append_new(cards, json_pack("{s:s,s:I}", "label", "findings", "value",
	                                       jint(counts, "findings", 0)));
	if (!bundle)
		json_array_append_new(cards,
		                      json_pack("{s:s,s:I}", "label", "network oddities", "value",
		                                jint(counts, "network_oddities", 0)));
	json_object_set_new(h, "cards", cards);
	if (bundle) {
		json_t *b = jobj(doc, "bundle");
		json_object_set_new(h, "subtitle",
		                    json_sprintf("evidence bundle %s, case %s: %s",
		                                 jstr(b, "path") ? jstr(b, "path") : "?",
		                                 jstr(b, "case") ? jstr(b, "case") : "-",
		                                 jbool(b, "verified")
		                                     ? "every file matches its manifest"
		                                     : "DOES NOT VERIFY"));
	} else if (jobj(doc, "ioc"))
		json_object_set_new(
		    h, "subtitle",
		    json_sprintf("IOC list %s", jstr(jobj(doc, "ioc"), "file") ?: "?"));

	json_t *tables = json_array();
	json_array_append_new(tables,
	                      table("connections", "Connections (IOC first)", conn_cols,
	                            ARRAY_SIZE(conn_cols), json_incref(jarr(doc, "connections"))));
	if (!bundle)
		json_array_append_new(
		    tables, table("network", "Network oddities", odd_cols, ARRAY_SIZE(odd_cols),
		                  json_incref(jarr(jobj(doc, "network"), "oddities"))));
	static const struct out_col fcols[] = {
	    {"Container", "container"}, {"Severity", "severity"}, {"Rule", "rule"},
	    {"Location", "location"},   {"Origin", "origin"},     {"Reason", "reason"},
	    {"Evidence", "evidence"},
	};
	json_array_append_new(tables,
	                      table("findings", "Findings of the quick checks", fcols,
	                            ARRAY_SIZE(fcols), finding_rows(jarr(doc, "findings"), false)));
	json_array_append_new(tables,
	                      table("changes", "Changed files (since the image)", change_cols,
	                            ARRAY_SIZE(change_cols), change_rows(jarr(doc, "changes"))));
	json_array_append_new(tables,
	                      table("containers", "Containers", inv_cols, ARRAY_SIZE(inv_cols),
	                            json_incref(jarr(doc, "containers"))));
	json_array_append_new(tables, table("timeline", "Timeline", tl_cols, ARRAY_SIZE(tl_cols),
	                                    json_incref(jarr(doc, "timeline"))));
	json_object_set_new(h, "tables", tables);
	return h;
}

int report_write_html(const char *path, json_t *triage, struct cirt_err *err)
{
	json_t *doc = report_html_doc(triage);
	int r = html_report_file(path, doc, "report", err);
	json_decref(doc);
	return r;
}
