/* report.c: findings as JSON (cirt's own schema) and as SARIF 2.1.0 for tools that read it. */
#include <ctype.h>

#include "config.h"
#include "escape.h"
#include "scan/scan.h"

json_t *scan_finding_json(const struct scan_finding *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "severity", json_string(scan_sev_name(f->sev)));
	json_object_set_new(o, "check", json_str(f->check));
	json_object_set_new(o, "rule", json_str(f->rule));
	json_object_set_new(o, "path", json_str(f->path));
	json_object_set_new(o, "line", f->line ? json_integer(f->line) : json_null());
	const char *origin = scan_origin_name(f->origin);
	json_object_set_new(o, "origin", origin ? json_string(origin) : json_null());
	json_object_set_new(o, "pid", f->pid ? json_integer(f->pid) : json_null());
	json_object_set_new(o, "reason", json_str(f->reason));
	json_object_set_new(o, "evidence", json_str(f->evidence));
	json_object_set_new(o, "technique", json_str(f->technique));
	const char *tn = scan_technique_name(f->technique);
	json_object_set_new(o, "technique_name", tn ? json_string(tn) : json_null());
	return o;
}

json_t *scan_result_json(const struct scan_target *t, const struct scan_result *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "target", json_str(t->name));
	json_object_set_new(o, "kind", json_string(scan_kind_name(t->kind)));
	json_object_set_new(o, "id", json_str(t->id));
	json_object_set_new(o, "image", json_str(t->image));
	json_object_set_new(o, "state", json_str(t->state));
	json_object_set_new(o, "pid", t->pid ? json_integer(t->pid) : json_null());
	json_object_set_new(o, "how", json_str(t->how));
	json_t *st = json_object();
	json_object_set_new(st, "files", json_integer((json_int_t)r->st.files));
	json_object_set_new(st, "dirs", json_integer((json_int_t)r->st.dirs));
	json_object_set_new(st, "bytes", json_integer((json_int_t)r->st.bytes));
	json_object_set_new(st, "symlinks", json_integer((json_int_t)r->st.symlinks));
	json_object_set_new(st, "special", json_integer((json_int_t)r->st.special));
	json_object_set_new(st, "skipped_size", json_integer((json_int_t)r->st.skipped_size));
	json_object_set_new(st, "skipped_depth", json_integer((json_int_t)r->st.skipped_depth));
	json_object_set_new(st, "skipped_fs", json_integer((json_int_t)r->st.skipped_fs));
	json_object_set_new(st, "errors", json_integer((json_int_t)r->st.errors));
	json_object_set_new(st, "elapsed_ms", json_integer((json_int_t)r->st.elapsed_ms));
	json_object_set_new(o, "stats", st);
	json_t *sum = json_object();
	for (int s = SEV_CRITICAL; s >= SEV_INFO; s--) {
		size_t n = 0;
		for (size_t i = 0; i < r->n; i++)
			n += r->f[i].sev == (enum scan_sev)s;
		json_object_set_new(sum, scan_sev_name((enum scan_sev)s),
		                    json_integer((json_int_t)n));
	}
	json_object_set_new(o, "summary", sum);
	json_t *notes = json_array();
	for (size_t i = 0; i < r->n_notes; i++)
		json_array_append_new(notes, json_str(r->notes[i]));
	json_object_set_new(o, "notes", notes);
	json_t *fs = json_array();
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(fs, scan_finding_json(&r->f[i]));
	json_object_set_new(o, "findings", fs);
	return o;
}

static const char *sarif_level(enum scan_sev s)
{
	return s >= SEV_HIGH ? "error" : s == SEV_MEDIUM ? "warning" : "note";
}

static const char *security_severity(enum scan_sev s)
{
	static const char *const v[] = {"1.0", "3.0", "5.5", "8.0", "9.5"};
	return v[s];
}

/* A path as a URI reference: unreserved characters and '/' kept, the rest percent-encoded. */
static char *uri_path(const char *p)
{
	struct buf b = {0};
	for (const unsigned char *s = (const unsigned char *)p; *s; s++) {
		if (isalnum(*s) || strchr("/-._~", *s))
			buf_append(&b, s, 1);
		else
			buf_printf(&b, "%%%02X", *s);
	}
	return (char *)buf_cstr(&b);
}

json_t *scan_sarif(struct scan_target *const *t, const struct scan_result *r, size_t n)
{
	json_t *rules = json_array(), *results = json_array();
	json_t *index = json_object(); /* rule id -> index in rules */
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < r[k].n; i++) {
			const struct scan_finding *f = &r[k].f[i];
			json_t *idx = json_object_get(index, f->rule);
			if (!idx) {
				json_t *rule = json_object();
				json_object_set_new(rule, "id", json_str(f->rule));
				json_object_set_new(rule, "name", json_str(f->rule));
				json_t *sd = json_object();
				json_object_set_new(sd, "text", json_str(f->reason));
				json_object_set_new(rule, "shortDescription", sd);
				json_t *dc = json_object();
				json_object_set_new(dc, "level", json_string(sarif_level(f->sev)));
				json_object_set_new(rule, "defaultConfiguration", dc);
				json_t *props = json_object();
				json_object_set_new(props, "check", json_str(f->check));
				json_object_set_new(props, "security-severity",
				                    json_string(security_severity(f->sev)));
				json_t *tags = json_array();
				json_array_append_new(tags, json_string("security"));
				json_array_append_new(tags, json_str(f->check));
				if (f->technique) {
					_cleanup_free_ char *tag =
					    xasprintf("external/mitre-attack/%s", f->technique);
					json_array_append_new(tags, json_str(tag));
					json_object_set_new(props, "technique",
					                    json_str(f->technique));
					const char *tn = scan_technique_name(f->technique);
					if (tn)
						json_object_set_new(props, "techniqueName",
						                    json_string(tn));
				}
				json_object_set_new(props, "tags", tags);
				json_object_set_new(rule, "properties", props);
				idx = json_integer((json_int_t)json_array_size(rules));
				json_array_append_new(rules, rule);
				json_object_set_new(index, f->rule, idx);
			}
			json_t *res = json_object();
			json_object_set_new(res, "ruleId", json_str(f->rule));
			json_object_set(res, "ruleIndex", idx);
			json_object_set_new(res, "level", json_string(sarif_level(f->sev)));
			json_t *msg = json_object();
			json_object_set_new(msg, "text", json_str(f->reason));
			json_object_set_new(res, "message", msg);
			json_t *loc = json_object();
			if (f->path) {
				json_t *pl = json_object(), *al = json_object();
				_cleanup_free_ char *uri = uri_path(f->path);
				json_object_set_new(al, "uri", json_str(uri));
				json_object_set_new(pl, "artifactLocation", al);
				if (f->line) {
					json_t *reg = json_object();
					json_object_set_new(reg, "startLine",
					                    json_integer(f->line));
					json_object_set_new(pl, "region", reg);
				}
				json_object_set_new(loc, "physicalLocation", pl);
			}
			json_t *ll = json_object();
			json_object_set_new(ll, "name", json_str(t[k]->name));
			_cleanup_free_ char *fq =
			    xasprintf("%s:%s", scan_kind_name(t[k]->kind), t[k]->name);
			json_object_set_new(ll, "fullyQualifiedName", json_str(fq));
			json_t *lls = json_array();
			json_array_append_new(lls, ll);
			json_object_set_new(loc, "logicalLocations", lls);
			json_t *locs = json_array();
			json_array_append_new(locs, loc);
			json_object_set_new(res, "locations", locs);
			json_t *props = json_object();
			json_object_set_new(props, "severity", json_string(scan_sev_name(f->sev)));
			json_object_set_new(props, "check", json_str(f->check));
			json_object_set_new(props, "target", json_str(t[k]->name));
			json_object_set_new(props, "targetKind",
			                    json_string(scan_kind_name(t[k]->kind)));
			json_object_set_new(props, "targetId", json_str(t[k]->id));
			const char *origin = scan_origin_name(f->origin);
			if (origin)
				json_object_set_new(props, "origin", json_string(origin));
			if (f->pid)
				json_object_set_new(props, "pid", json_integer(f->pid));
			if (f->evidence)
				json_object_set_new(props, "evidence", json_str(f->evidence));
			if (f->technique)
				json_object_set_new(props, "technique", json_str(f->technique));
			json_object_set_new(res, "properties", props);
			json_array_append_new(results, res);
		}
	json_decref(index);
	json_t *driver = json_object();
	json_object_set_new(driver, "name", json_string("cirt"));
	json_object_set_new(driver, "version", json_string(CIRT_VERSION));
	json_object_set_new(driver, "semanticVersion", json_string(CIRT_VERSION));
	json_object_set_new(driver, "rules", rules);
	json_t *tool = json_object();
	json_object_set_new(tool, "driver", driver);
	json_t *run = json_object();
	json_object_set_new(run, "tool", tool);
	json_object_set_new(run, "results", results);
	json_t *runs = json_array();
	json_array_append_new(runs, run);
	json_t *doc = json_object();
	json_object_set_new(doc, "$schema",
	                    json_string("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(doc, "version", json_string("2.1.0"));
	json_object_set_new(doc, "runs", runs);
	return doc;
}
