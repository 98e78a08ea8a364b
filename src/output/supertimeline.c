/* supertimeline.c (output): the super-timeline as a table, JSON and a bodyfile. */
#include "output/supertimeline.h"

#include <sys/stat.h>

#include "escape.h"
#include "json.h"
#include "output/output.h"

static json_t *when(int64_t ns)
{
	char b[48];
	return ns ? json_string(fmt_utc_ns(ns, b, sizeof(b))) : json_null();
}

static const char *event_name(const struct supertl_event *e, char *buf, size_t n)
{
	if (e->source != SUPERTL_FILE)
		return e->what ? e->what : "?";
	snprintf(buf, n, "%s %s", e->what ? e->what : "?", e->macb);
	return buf;
}

json_t *supertl_doc_json(const struct supertl *t, size_t from, json_t *offline)
{
	json_t *doc = json_object();
	if (offline)
		json_object_set_new(doc, "offline", offline);
	json_t *es = json_array();
	for (size_t i = from; i < t->n; i++) {
		const struct supertl_event *e = &t->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "time", when(e->t_ns));
		json_object_set_new(o, "source", json_string(supertl_source_name(e->source)));
		json_object_set_new(o, "event", json_str(e->what));
		json_object_set_new(o, "container", json_str(e->container));
		json_object_set_new(o, "container_id", json_str(e->container_id));
		json_object_set_new(o, e->source == SUPERTL_FILE ? "path" : "detail",
		                    json_str(e->detail));
		if (e->source == SUPERTL_FILE) {
			json_object_set_new(o, "macb", json_string(e->macb));
			json_object_set_new(o, "mtime", when(e->mtime_ns));
			json_object_set_new(o, "atime", when(e->atime_ns));
			json_object_set_new(o, "ctime", when(e->ctime_ns));
			json_object_set_new(o, "btime", when(e->btime_ns));
			json_object_set_new(o, "mode", json_sprintf("%o", e->mode));
			json_object_set_new(o, "uid", json_integer(e->uid));
			json_object_set_new(o, "gid", json_integer(e->gid));
			json_object_set_new(o, "size", json_integer((json_int_t)e->size));
		}
		json_array_append_new(es, o);
	}
	json_object_set_new(doc, "events", es);
	json_object_set_new(doc, "truncated", json_boolean(t->truncated || from));
	json_object_set_new(doc, "journal_lines", json_integer((json_int_t)t->journal_lines));
	json_object_set_new(doc, "notes", json_incref(t->notes));
	return doc;
}

static const struct out_col cols[] = {
    {"TIME (UTC)", "time"}, {"CONTAINER", "container"}, {"SOURCE", "source"},
    {"EVENT", "event"},     {"DETAIL", "detail"},
};

void supertl_print_table(FILE *out, const struct supertl *t, size_t from)
{
	json_t *rows = json_array();
	for (size_t i = from; i < t->n; i++) {
		const struct supertl_event *e = &t->v[i];
		char b[32];
		json_t *r = json_object();
		json_object_set_new(r, "time", when(e->t_ns));
		json_object_set_new(r, "container", json_str(e->container ? e->container : "-"));
		json_object_set_new(r, "source", json_string(supertl_source_name(e->source)));
		json_object_set_new(r, "event", json_str(event_name(e, b, sizeof(b))));
		json_object_set_new(r, "detail", json_str(e->detail));
		json_array_append_new(rows, r);
	}
	out_table(out, rows, cols, ARRAY_SIZE(cols));
	json_decref(rows);
	if (t->n == from)
		fprintf(out, "nothing found in that range\n");
}

/* escaped, without '|' (the bodyfile's separator) */
static void put_name(FILE *out, const char *s)
{
	_cleanup_free_ char *e = term_escape(s ? s : "");
	for (const char *p = e; *p; p++)
		if (*p == '|')
			fputs("\\x7c", out);
		else
			fputc(*p, out);
}

static void mode_string(unsigned mode, char b[13])
{
	char ty = S_ISDIR(mode)    ? 'd'
	          : S_ISLNK(mode)  ? 'l'
	          : S_ISCHR(mode)  ? 'c'
	          : S_ISBLK(mode)  ? 'b'
	          : S_ISFIFO(mode) ? 'p'
	          : S_ISSOCK(mode) ? 's'
	                           : 'r';
	b[0] = ty;
	b[1] = '/';
	b[2] = ty;
	static const char rwx[] = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		b[3 + i] = (mode & (1u << (8 - i))) ? rwx[i] : '-';
}

static long long secs(int64_t ns)
{
	return ns / 1000000000;
}

void supertl_print_bodyfile(FILE *out, const struct supertl *t, size_t from)
{
	for (size_t i = from; i < t->n; i++) {
		const struct supertl_event *e = &t->v[i];
		if (e->source == SUPERTL_FILE) {
			/* one line per file, at its earliest event */
			if (!e->body)
				continue;
			char m[13] = {0};
			mode_string(e->mode, m);
			fputs("0|", out);
			put_name(out, e->container);
			fputc(':', out);
			put_name(out, e->detail);
			if (e->what && streq(e->what, "D"))
				fputs(" (deleted)", out);
			fprintf(out, "|%llu|%s|%u|%u|%llu|%lld|%lld|%lld|%lld\n",
			        (unsigned long long)e->inode, m, e->uid, e->gid,
			        (unsigned long long)e->size, secs(e->atime_ns), secs(e->mtime_ns),
			        secs(e->ctime_ns), secs(e->btime_ns));
			continue;
		}
		fputs("0|[", out);
		fputs(supertl_source_name(e->source), out);
		fputs("] ", out);
		put_name(out, e->container ? e->container : "-");
		fputs(": ", out);
		put_name(out, e->what);
		fputs(": ", out);
		put_name(out, e->detail);
		long long s = secs(e->t_ns);
		fprintf(out, "|0|0|0|0|0|%lld|%lld|%lld|%lld\n", s, s, s, s);
	}
}
