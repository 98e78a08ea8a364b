/* merge.c (output): `cirt merge`'s answer as tables with a HOST column and each host's state, and a
 * merged triage as one HTML report (output/html.c): the fleet on top, each host's report below. */
#include "output/merge.h"

#include <time.h>

#include "config.h"
#include "escape.h"
#include "json.h"
#include "output/html.h"
#include "output/output.h"
#include "output/report.h"

static const struct out_col locate_cols[] = {
    {"HOST", "host"},           {"CONTAINER", "container"}, {"IMAGE", "image"},
    {"FLOWS", "flows"},         {"SOURCES", "sources"},     {"FIRST SEEN", "first_seen"},
    {"LAST SEEN", "last_seen"}, {"PROCESSES", "processes"},
};
static const struct out_col triage_cols[] = {
    {"#", "fleet_rank"}, {"HOST", "host"},   {"CONTAINER", "container"},
    {"SCORE", "score"},  {"LEVEL", "level"}, {"FIRST REASON", "reason"},
};
static const struct out_col scan_cols[] = {
    {"HOST", "host"}, {"TARGET", "target"},     {"SEVERITY", "severity"},
    {"RULE", "rule"}, {"LOCATION", "location"}, {"REASON", "reason"},
};
static const struct out_col ps_cols[] = {
    {"HOST", "host"},   {"NAME", "name"}, {"ID", "short_id"}, {"IMAGE", "image"},
    {"STATE", "state"}, {"MODE", "mode"}, {"IPS", "ips"},     {"PID", "pid"},
};
static const struct out_col collect_cols[] = {
    {"HOST", "host"},       {"CONTAINER", "short_id"}, {"BUNDLE", "bundle"},
    {"SHA256", "sha256"},   {"COMPLETE", "complete"},  {"VERIFIED", "verified"},
    {"PROBLEM", "problem"},
};
static const struct out_col host_cols[] = {
    {"HOST", "host"},
    {"STATE", "state"},
    {"CIRT", "cirt_version"},
    {"DETAIL", "detail"},
};

/* Rows for the table: each row of the document with the cells it lacks. */
static json_t *display_rows(json_t *rows, const char *kind)
{
	json_t *out = json_array(), *r;
	size_t i;
	json_array_foreach(rows, i, r)
	{
		json_t *o = json_deep_copy(r);
		if (streq(kind, "triage")) {
			json_t *rs = jarr(r, "reasons");
			json_object_set(o, "reason",
			                json_array_size(rs) ? json_array_get(rs, 0) : json_null());
		} else if (streq(kind, "scan")) {
			const char *p = jstr(r, "path");
			long long pid = jint(r, "pid", 0), line = jint(r, "line", 0);
			json_object_set_new(o, "location",
			                    pid ? json_sprintf("pid %lld %s", pid, p ? p : "")
			                    : p && line ? json_sprintf("%s:%lld", p, line)
			                                : json_str(p));
		} else if (streq(kind, "ps")) {
			const char *id = jstr(r, "id");
			json_object_set_new(o, "short_id",
			                    id ? json_strn(id, strnlen(id, 12)) : json_null());
			json_object_set_new(o, "mode", json_str(jstr(jobj(r, "network"), "mode")));
			json_t *ips = json_array(), *e;
			size_t k;
			json_array_foreach(jarr(r, "endpoints"), k, e)
			{
				if (jstr(e, "ipv4"))
					json_array_append_new(ips, json_str(jstr(e, "ipv4")));
				if (jstr(e, "ipv6"))
					json_array_append_new(ips, json_str(jstr(e, "ipv6")));
			}
			json_object_set_new(o, "ips", ips);
		} else if (streq(kind, "collect")) {
			const char *id = jstr(r, "container");
			json_object_set_new(o, "short_id",
			                    id ? json_strn(id, strnlen(id, 12)) : json_null());
		}
		json_array_append_new(out, o);
	}
	return out;
}

static json_t *host_rows(json_t *hosts, const char *kind)
{
	json_t *out = json_array(), *h;
	size_t i;
	json_array_foreach(hosts, i, h)
	{
		json_t *o = json_deep_copy(h);
		const char *err = jstr(h, "error");
		long long bad = jint(h, "files_bad", 0), checked = jint(h, "files_checked", 0);
		struct buf b = {0};
		if (err)
			buf_printf(&b, "%s", err);
		else if (streq(kind, "triage") && jobj(h, "counts"))
			buf_printf(&b, "%lld containers, %lld flagged",
			           jint(jobj(h, "counts"), "containers", 0),
			           jint(jobj(h, "counts"), "flagged", 0));
		if (bad)
			buf_printf(&b, "%s%lld of %lld fetched files do not match their hash",
			           b.len ? "; " : "", bad, checked);
		else if (checked)
			buf_printf(&b, "%s%lld fetched file%s", b.len ? "; " : "", checked,
			           checked == 1 ? " matches its hash" : "s match their hashes");
		json_t *detail = b.len ? json_str(buf_cstr(&b)) : json_null();
		buf_free(&b);
		json_object_set_new(o, "detail", detail);
		json_array_append_new(out, o);
	}
	return out;
}

void merge_print_table(FILE *f, json_t *doc)
{
	const char *kind = jstr(doc, "command") ? jstr(doc, "command") : "unknown";
	json_t *counts = jobj(doc, "counts");
	const struct out_col *cols = NULL;
	size_t ncols = 0;
	json_t *rows = NULL;
	if (streq(kind, "locate"))
		cols = locate_cols, ncols = ARRAY_SIZE(locate_cols), rows = jarr(doc, "contacts");
	else if (streq(kind, "triage"))
		cols = triage_cols, ncols = ARRAY_SIZE(triage_cols), rows = jarr(doc, "summary");
	else if (streq(kind, "scan"))
		cols = scan_cols, ncols = ARRAY_SIZE(scan_cols), rows = jarr(doc, "findings");
	else if (streq(kind, "ps"))
		cols = ps_cols, ncols = ARRAY_SIZE(ps_cols), rows = jarr(doc, "containers");
	else if (streq(kind, "collect"))
		cols = collect_cols, ncols = ARRAY_SIZE(collect_cols), rows = jarr(doc, "bundles");
	if (cols) {
		json_t *d = display_rows(rows, kind);
		if (json_array_size(d))
			out_table(f, d, cols, ncols);
		json_decref(d);
	}
	long long hosts = jint(counts, "hosts", 0), found = jint(counts, "found", 0);
	if (streq(kind, "locate"))
		fprintf(f, "%s%lld containers in contact on %lld of %lld hosts (%lld flows)\n",
		        json_array_size(rows) ? "\n" : "", jint(counts, "contacts", 0), found,
		        hosts, jint(counts, "flows", 0));
	else if (streq(kind, "triage"))
		fprintf(
		    f,
		    "%s%lld containers on %lld hosts: %lld flagged, %lld in contact with an IOC\n",
		    json_array_size(rows) ? "\n" : "", jint(counts, "containers", 0), hosts,
		    jint(counts, "flagged", 0), jint(counts, "ioc_containers", 0));
	else if (streq(kind, "scan"))
		fprintf(f, "%s%lld findings (%lld critical, %lld high) on %lld of %lld hosts\n",
		        json_array_size(rows) ? "\n" : "", jint(counts, "findings", 0),
		        jint(counts, "critical", 0), jint(counts, "high", 0), found, hosts);
	else if (streq(kind, "ps"))
		fprintf(f, "\n%lld containers (%lld running) on %lld hosts\n",
		        jint(counts, "containers", 0), jint(counts, "running", 0), hosts);
	else if (streq(kind, "collect"))
		fprintf(f, "\n%lld bundles, %lld not matching the hash cirt printed\n",
		        jint(counts, "bundles", 0), jint(counts, "unverified", 0));
	fputs("\n", f);
	json_t *hr = host_rows(jarr(doc, "hosts"), kind);
	out_table(f, hr, host_cols, ARRAY_SIZE(host_cols));
	json_decref(hr);
}

/* ------------------------------------------------------------------ HTML */

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

static json_t *card(const char *label, long long v, bool alert)
{
	return json_pack("{s:s,s:I,s:b}", "label", label, "value", (json_int_t)v, "alert", alert);
}

/* One host's part: its own report's document, its table ids made unique in the page. */
static json_t *host_section(const struct merge_host *h, size_t idx, json_t *hj)
{
	json_t *sec;
	if (h->answered) {
		sec = report_html_doc(h->doc);
		json_t *t;
		size_t i;
		json_array_foreach(jarr(sec, "tables"), i, t)
		{
			const char *id = jstr(t, "id");
			json_object_set_new(t, "id", json_sprintf("h%zu-%s", idx, id ? id : "t"));
		}
	} else
		sec = json_object();
	json_object_set_new(sec, "id", json_sprintf("host-%zu", idx));
	json_object_set_new(sec, "title", json_sprintf("Host %s", h->name));
	const char *err = jstr(hj, "error");
	json_object_set_new(
	    sec, "meta",
	    json_sprintf("%s%s%s; cirt %s; %s generated %s", jstr(hj, "state"), err ? ": " : "",
	                 err ? err : "", jstr(hj, "cirt_version") ? jstr(hj, "cirt_version") : "?",
	                 jstr(h->doc, "hostname") ? jstr(h->doc, "hostname") : h->name,
	                 jstr(h->doc, "generated") ? jstr(h->doc, "generated") : "-"));
	return sec;
}

json_t *merge_html_doc(json_t *doc, const struct merge_set *s, const char *command)
{
	json_t *h = json_object(), *counts = jobj(doc, "counts");
	char gen[40];
	fmt_utc((long long)time(NULL), gen, sizeof(gen));
	gen[strlen(gen) - 1] = '\0';
	json_object_set_new(h, "title", json_string("cirt fleet triage"));
	json_object_set_new(h, "hostname", json_sprintf("%lld hosts", jint(counts, "hosts", 0)));
	json_object_set_new(h, "generated", json_string(gen));
	json_object_set_new(h, "cirt_version", json_string(CIRT_VERSION));
	json_object_set_new(h, "command", json_str(command));
	long long problems =
	    jint(counts, "errors", 0) + jint(counts, "missing", 0) + jint(counts, "partial", 0);
	json_object_set_new(h, "subtitle",
	                    json_sprintf("%lld hosts answered, %lld without a full answer",
	                                 jint(counts, "answered", 0), problems));
	json_t *cards = json_array();
	json_array_append_new(cards, card("hosts", jint(counts, "hosts", 0), false));
	json_array_append_new(cards, card("hosts without a full answer", problems, problems > 0));
	json_array_append_new(cards, card("containers", jint(counts, "containers", 0), false));
	json_array_append_new(
	    cards, card("flagged", jint(counts, "flagged", 0), jint(counts, "flagged", 0) > 0));
	json_array_append_new(cards,
	                      card("in contact with an IOC", jint(counts, "ioc_containers", 0),
	                           jint(counts, "ioc_containers", 0) > 0));
	json_array_append_new(cards, card("findings", jint(counts, "findings", 0), false));
	json_object_set_new(h, "cards", cards);
	json_object_set_new(h, "summary_title", json_string("Fleet summary: look at these first"));
	json_object_set(h, "summary", jarr(doc, "summary") ? jarr(doc, "summary") : json_array());
	static const struct out_col hcols[] = {
	    {"Host", "host"},     {"State", "state"}, {"cirt", "cirt_version"},
	    {"Detail", "detail"}, {"Path", "path"},
	};
	static const struct out_col icols[] = {
	    {"Host", "host"},           {"Container", "container"}, {"Direction", "direction"},
	    {"Proto", "proto"},         {"Remote", "remote"},       {"Flows", "flows"},
	    {"Last seen", "last_seen"}, {"Process", "process"},     {"IOC", "ioc"},
	};
	json_t *tables = json_array();
	json_array_append_new(tables, table("fleet-hosts", "Hosts", hcols, ARRAY_SIZE(hcols),
	                                    host_rows(jarr(doc, "hosts"), "triage")));
	json_t *ioc = jarr(doc, "ioc_connections");
	json_array_append_new(tables,
	                      table("fleet-ioc", "IOC contacts across the fleet", icols,
	                            ARRAY_SIZE(icols), ioc ? json_incref(ioc) : json_array()));
	json_object_set_new(h, "tables", tables);
	json_t *secs = json_array();
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(
		    secs, host_section(&s->v[i], i + 1, json_array_get(jarr(doc, "hosts"), i)));
	json_object_set_new(h, "sections", secs);
	json_t *notes = json_array();
	size_t i;
	json_t *w;
	json_array_foreach(jarr(doc, "warnings"), i, w) json_array_append(notes, w);
	json_object_set_new(h, "notes", notes);
	return h;
}

int merge_write_html(const char *path, json_t *doc, const struct merge_set *s, const char *command,
                     struct cirt_err *err)
{
	json_t *h = merge_html_doc(doc, s, command);
	int r = html_report_file(path, h, "merge: --html", err);
	json_decref(h);
	return r;
}
