/* scantable.c: `cirt scan` on a terminal: per target a heading with the counts by severity, how
 * its files were reached, its notes and a table of findings; and the progress line. */
#include "output/scantable.h"

#include "escape.h"
#include "output/output.h"

/* The progress line on a terminal (stderr). */
void scan_print_progress(void *ud, const struct scan_progress *p)
{
	(void)ud;
	char b[32], r[32];
	double secs = p->elapsed_ms ? p->elapsed_ms / 1000.0 : 0.001;
	_cleanup_free_ char *name = term_escape(p->target ? p->target : "");
	fprintf(stderr, "\r\033[Kscanning %.40s: %llu files, %s, %s/s, %llu finding%s", name,
	        (unsigned long long)p->files, fmt_bytes(p->bytes, b, sizeof(b)),
	        fmt_bytes((uint64_t)(p->bytes / secs), r, sizeof(r)),
	        (unsigned long long)p->findings, p->findings == 1 ? "" : "s");
	fflush(stderr);
}

static const struct out_col cols[] = {
    {"SEVERITY", "severity"}, {"RULE", "rule"},     {"LOCATION", "location"},
    {"ORIGIN", "origin"},     {"REASON", "reason"}, {"EVIDENCE", "evidence"},
};

static void print_target(FILE *out, const struct scan_target *t, const struct scan_result *r)
{
	size_t by[SEV_CRITICAL + 1] = {0};
	for (size_t i = 0; i < r->n; i++)
		by[r->f[i].sev]++;
	_cleanup_free_ char *name = term_escape(t->name);
	fprintf(out, "== %s %s", scan_kind_name(t->kind), name);
	if (t->id && t->kind != SCAN_TARBALL)
		fprintf(out, " (%.12s%s%s)", t->id + (startswith(t->id, "sha256:") ? 7 : 0),
		        t->state ? ", " : "", t->state ? t->state : "");
	fprintf(out, ": %zu finding%s", r->n, r->n == 1 ? "" : "s");
	if (r->n) {
		fprintf(out, " (");
		bool first = true;
		for (int s = SEV_CRITICAL; s >= SEV_INFO; s--)
			if (by[s]) {
				fprintf(out, "%s%zu %s", first ? "" : ", ", by[s],
				        scan_sev_name((enum scan_sev)s));
				first = false;
			}
		fprintf(out, ")");
	}
	fprintf(out, " ==\n");
	if (t->kind != SCAN_HOST) {
		_cleanup_free_ char *how = term_escape(t->how ? t->how : "");
		char bytes[32];
		fprintf(out, "   %llu files, %s in %.1f s; %s\n", (unsigned long long)r->st.files,
		        fmt_bytes(r->st.bytes, bytes, sizeof(bytes)), r->st.elapsed_ms / 1000.0,
		        how);
	}
	for (size_t i = 0; i < r->n_notes; i++) {
		_cleanup_free_ char *n = term_escape(r->notes[i]);
		fprintf(out, "   note: %s\n", n);
	}
	if (!r->n) {
		fputs("\n", out);
		return;
	}
	json_t *rows = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct scan_finding *f = &r->f[i];
		json_t *row = json_object();
		json_object_set_new(row, "severity", json_string(scan_sev_name(f->sev)));
		json_object_set_new(row, "rule", json_str(f->rule));
		char *loc;
		if (f->path && f->line)
			loc = xasprintf("%s:%u", f->path, f->line);
		else if (f->path && f->pid)
			loc = xasprintf("pid %d %s", f->pid, f->path);
		else if (f->path)
			loc = xstrdup(f->path);
		else if (f->pid)
			loc = xasprintf("pid %d", f->pid);
		else
			loc = NULL;
		json_object_set_new(row, "location", json_str(loc));
		free(loc);
		const char *o = scan_origin_name(f->origin);
		json_object_set_new(
		    row, "origin", o && f->origin != ORIGIN_UNKNOWN ? json_string(o) : json_null());
		json_object_set_new(row, "reason", json_str(f->reason));
		json_object_set_new(row, "evidence", json_str(f->evidence));
		json_array_append_new(rows, row);
	}
	out_table(out, rows, cols, ARRAY_SIZE(cols));
	json_decref(rows);
	fputs("\n", out);
}

void scan_print_table(FILE *out, const struct scan_job *j)
{
	for (size_t k = 0; k < j->n; k++) {
		/* the host line only when the daemon itself is exposed */
		if (j->t[k]->kind == SCAN_HOST && !j->r[k].n)
			continue;
		print_target(out, j->t[k], &j->r[k]);
	}
}
