/* timeline.c: `cirt timeline`: what cirt watch recorded, in time order: the daemon's container
 * events (create, start, exec with its command, die, ...), flows, and the watcher's own gaps. */
#include "cmd/cmd.h"
#include "cmd/mixed.h"
#include "escape.h"
#include "journal/jflows.h"
#include "journal/journal.h"
#include "output/output.h"

#define HARD_MAX 2000000u /* entries held for sorting, whatever --limit says */

struct tl_args {
	const char *since, *until, *journal, *limit;
	bool no_flows;
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
    {0},
};

struct entry {
	uint64_t t;
	size_t seq;
	json_t *j;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The containers a line is about (flows can name two). */
static size_t line_containers(json_t *j, json_t *out[2])
{
	size_t n = 0;
	static const char *const keys[] = {"container", "src_container", "dst_container"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *c = jobj(j, keys[i]);
		if (c && jstr(c, "id") && n < 2)
			out[n++] = c;
	}
	return n;
}

/* Ids the reference names: a name it had (or an old name), a full id, or a unique id prefix. */
struct idset {
	char **v;
	size_t n;
};

static bool idset_has(const struct idset *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i], id))
			return true;
	return false;
}

static void idset_add(struct idset *s, const char *id)
{
	if (!id || idset_has(s, id))
		return;
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = xstrdup(id);
}

static void idset_free(struct idset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static const char *short_time(const char *t, char *out, size_t n)
{
	/* 2026-01-02T03:04:05.123456Z -> 2026-01-02T03:04:05.123Z */
	if (t && strlen(t) == JOURNAL_TIME_LEN)
		snprintf(out, n, "%.23sZ", t);
	else
		snprintf(out, n, "%s", t ? t : "-");
	return out;
}

static char *flow_text(json_t *fl)
{
	struct flow f;
	if (!jflow_parse_flow(fl, &f))
		return xstrdup("?");
	char a[64], b[64];
	struct buf s = {0};
	buf_printf(&s, "%s %s -> %s", jstr(fl, "proto") ? jstr(fl, "proto") : "?",
	           flow_endpoint_str(&f.orig.src, f.orig.sport, a, sizeof(a)),
	           flow_endpoint_str(&f.orig.dst, f.orig.dport, b, sizeof(b)));
	if (flow_is_nat(&f)) {
		char c[64];
		buf_printf(&s, " (outside: %s)",
		           flow_endpoint_str(&f.reply.dst, f.reply.dport, c, sizeof(c)));
	}
	if (f.state[0])
		buf_printf(&s, " %s", f.state);
	if (f.counted)
		buf_printf(&s, " %llu/%llu bytes", (unsigned long long)f.bytes[0],
		           (unsigned long long)f.bytes[1]);
	return s.data;
}

static json_t *row_of(json_t *j)
{
	json_t *o = json_object();
	char tb[40];
	json_object_set_new(o, "time", json_string(short_time(jstr(j, "t"), tb, sizeof(tb))));
	const char *type = jstr(j, "type");
	const char *action = jstr(j, "action");
	struct buf d = {0};
	const char *what = type ? type : "?";
	char wbuf[64];
	json_t *c = jobj(j, "container");
	if (type && streq(type, "docker")) {
		what = action ? action : "?";
		const char *v;
		if ((v = jstr(j, "command")))
			buf_printf(&d, "%s", v);
		if (json_is_string(json_object_get(j, "user")))
			buf_printf(&d, "%suser %s", d.len ? ", " : "", jstr(j, "user"));
		if (json_is_true(json_object_get(j, "privileged")))
			buf_printf(&d, "%sprivileged", d.len ? ", " : "");
		json_t *ec = json_object_get(j, "exit_code");
		if (json_is_integer(ec))
			buf_printf(&d, "%sexit code %lld", d.len ? ", " : "",
			           (long long)json_integer_value(ec));
		json_t *sg = json_object_get(j, "signal");
		if (json_is_integer(sg))
			buf_printf(&d, "%ssignal %lld", d.len ? ", " : "",
			           (long long)json_integer_value(sg));
		if ((v = jstr(j, "network")))
			buf_printf(&d, "%snetwork %s", d.len ? ", " : "", v);
		json_t *addrs = jarr(j, "addresses");
		size_t i;
		json_t *a;
		json_array_foreach(addrs, i, a) if (json_is_string(a))
		    buf_printf(&d, "%s%s", d.len ? (i ? " " : ", ") : "", json_string_value(a));
		if ((v = jstr(j, "old_name")))
			buf_printf(&d, "%swas %s", d.len ? ", " : "", v);
		if (action && (streq(action, "create") || streq(action, "start")) && c &&
		    jstr(c, "image"))
			buf_printf(&d, "%simage %s", d.len ? ", " : "", jstr(c, "image"));
	} else if (type && streq(type, "flow")) {
		snprintf(wbuf, sizeof(wbuf), "flow %s", jstr(j, "event") ? jstr(j, "event") : "?");
		what = wbuf;
		c = jobj(j, "src_container");
		_cleanup_free_ char *ft = flow_text(json_object_get(j, "flow"));
		if (!c && (c = jobj(j, "dst_container")))
			buf_printf(&d, "(to it) ");
		buf_printf(&d, "%s", ft);
		json_t *dc = jobj(j, "dst_container");
		if (jobj(j, "src_container") && dc && jstr(dc, "name"))
			buf_printf(&d, " (to container %s)", jstr(dc, "name"));
		if (jstr(j, "ioc"))
			buf_printf(&d, " IOC %s", jstr(j, "ioc"));
	} else if (type && (streq(type, "daemon") || streq(type, "watch"))) {
		snprintf(wbuf, sizeof(wbuf), "%s %s", type, action ? action : "?");
		what = wbuf;
		const char *v;
		if ((v = jstr(j, "error")))
			buf_printf(&d, "%s", v);
		json_t *g = json_object_get(j, "gap_seconds");
		if (json_is_number(g))
			buf_printf(&d, "gap of %.1f s since %s", json_number_value(g),
			           jstr(j, "gap_from") ? jstr(j, "gap_from") : "?");
		if (streq(type, "watch") && action && streq(action, "stop"))
			buf_printf(&d, "%lld new flows, %lld overruns", jint(j, "flows_new", 0),
			           jint(j, "overruns", 0));
		if (streq(type, "watch") && action && streq(action, "start"))
			buf_printf(&d, "pid %lld, %lld containers%s", jint(j, "pid", 0),
			           jint(j, "containers", 0),
			           jbool(j, "acct") ? ", byte counts on" : "");
	} else if (type && streq(type, "overrun")) {
		buf_printf(&d, "conntrack events lost (kernel buffer overrun)");
	}
	json_object_set_new(o, "container", json_str(c ? jstr(c, "name") : NULL));
	json_object_set_new(o, "id",
	                    c && jstr(c, "id") ? json_stringn(jstr(c, "id"), 12) : json_null());
	json_object_set_new(o, "what", json_str(what));
	json_object_set_new(o, "details", json_str(buf_cstr(&d)));
	buf_free(&d);
	return o;
}

static const struct out_col cols[] = {
    {"TIME (UTC)", "time"}, {"CONTAINER", "container"}, {"ID", "id"},
    {"EVENT", "what"},      {"DETAILS", "details"},
};

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
		if (*end || end == a.limit || v < 1 || v > (long long)HARD_MAX)
			return cmd_usage(x, "timeline: --limit: '%s' is not a number of 1 to %u",
			                 a.limit, HARD_MAX);
		limit = (size_t)v;
	}
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	bool truncated = false;
	struct idset named = {0}, prefixed = {0};
	struct idset *use = NULL;
	struct journal_read_stats st = {0};
	const char *line;
	size_t len;
	uint64_t t;
	int k, rc = 0;
	if (ref) {
		/* first pass: which containers CONTAINER names (a line about a container holds its
		 * name or id as text: a cheap test before parsing) */
		_cleanup_journal_reader_ struct journal_reader *r = NULL;
		if (journal_reader_open(a.journal, since, until, &r, &x->err) < 0)
			return -1;
		while ((k = journal_reader_next(r, &line, &len, &t, &x->err)) > 0) {
			if (!strstr(line, ref) || (a.no_flows && strstr(line, "\"type\":\"flow\"")))
				continue;
			json_t *j = json_loadb(line, len, 0, NULL);
			json_t *cs[2];
			size_t nc = line_containers(j, cs);
			for (size_t i = 0; i < nc; i++) {
				const char *id = jstr(cs[i], "id"), *name = jstr(cs[i], "name");
				const char *old = jstr(j, "old_name");
				if (streq(id, ref) || (name && streq(name, ref)) ||
				    (old && streq(old, ref)))
					idset_add(&named, id);
				else if (startswith(id, ref))
					idset_add(&prefixed, id);
			}
			json_decref(j);
		}
		if (k < 0) {
			rc = -1;
			goto out;
		}
		/* a name (or full id) wins; otherwise the prefix must name one container */
		use = named.n ? &named : &prefixed;
		if (!named.n && prefixed.n > 1) {
			rc = err_set(&x->err, CIRT_EXIT_NOTFOUND,
			             "timeline: '%s' is an ambiguous id prefix in the journal (%zu "
			             "containers)",
			             ref, prefixed.n);
			goto out;
		}
		if (!use->n) {
			rc = err_set(&x->err, CIRT_EXIT_NOTFOUND,
			             "timeline: no container '%s' in the journal '%s'%s", ref,
			             a.journal, a.since || a.until ? " in that time range" : "");
			goto out;
		}
	}
	{
		/* the lines about those containers (by id: a line written before a rename has the
		 * old name), and the watcher's and the daemon's own lines */
		_cleanup_journal_reader_ struct journal_reader *r = NULL;
		if (journal_reader_open(a.journal, since, until, &r, &x->err) < 0) {
			rc = -1;
			goto out;
		}
		while ((k = journal_reader_next(r, &line, &len, &t, &x->err)) > 0) {
			bool is_flow = strstr(line, "\"type\":\"flow\"") != NULL;
			if (is_flow && a.no_flows)
				continue;
			bool context = !is_flow && !strstr(line, "\"type\":\"docker\"");
			if (use && !context) {
				bool any = false;
				for (size_t i = 0; i < use->n && !any; i++)
					any = strstr(line, use->v[i]) != NULL;
				if (!any)
					continue;
			}
			json_t *j = json_loadb(line, len, 0, NULL);
			if (!json_is_object(j)) {
				json_decref(j);
				continue;
			}
			if (use && !context) {
				json_t *cs[2];
				size_t nc = line_containers(j, cs);
				bool keep = false;
				for (size_t c = 0; c < nc && !keep; c++)
					keep = idset_has(use, jstr(cs[c], "id"));
				if (!keep) {
					json_decref(j);
					continue;
				}
			}
			if (n >= HARD_MAX) {
				truncated = true;
				json_decref(j);
				continue;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				v = xrealloc(v, cap * sizeof(*v));
			}
			/* seq: the order read, which breaks ties in time */
			v[n] = (struct entry){.t = t, .seq = n, .j = j};
			n++;
		}
		st = *journal_reader_stats(r);
		if (k < 0) {
			rc = -1;
			goto out;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_entry);
	size_t from = n > limit ? n - limit : 0;
	if (from || truncated)
		fprintf(stderr,
		        "cirt: warning: showing the last %zu of %s%zu entries: narrow with "
		        "--since/--until\n",
		        n - from, truncated ? "more than " : "", n);
	if (st.bad)
		fprintf(stderr, "cirt: warning: journal: %llu unreadable line%s skipped\n",
		        (unsigned long long)st.bad, st.bad == 1 ? "" : "s");
	if (x->json) {
		json_t *doc = json_object();
		json_t *es = json_array();
		for (size_t i = from; i < n; i++)
			json_array_append(es, v[i].j);
		json_object_set_new(doc, "entries", es);
		json_t *jo = json_object();
		json_object_set_new(jo, "dir", json_str(a.journal));
		json_object_set_new(jo, "files", json_integer((json_int_t)st.files));
		json_object_set_new(jo, "files_read", json_integer((json_int_t)st.files_read));
		json_object_set_new(jo, "lines", json_integer((json_int_t)st.lines));
		json_object_set_new(jo, "bad_lines", json_integer((json_int_t)st.bad));
		json_object_set_new(doc, "journal", jo);
		json_object_set_new(doc, "truncated", json_boolean(from > 0 || truncated));
		out_json(stdout, doc);
		json_decref(doc);
	} else {
		json_t *rows = json_array();
		for (size_t i = from; i < n; i++)
			json_array_append_new(rows, row_of(v[i].j));
		out_table(stdout, rows, cols, ARRAY_SIZE(cols));
		json_decref(rows);
		if (!n)
			printf("nothing recorded%s (journal %s: %zu files, %llu lines read)\n",
			       a.since || a.until ? " in that time range" : "", a.journal, st.files,
			       (unsigned long long)st.lines);
	}
out:
	for (size_t i = 0; i < n; i++)
		json_decref(v[i].j);
	free(v);
	idset_free(&named);
	idset_free(&prefixed);
	return rc;
}

const struct cmd cmd_timeline = {
    .name = "timeline",
    .args = "[CONTAINER]",
    .summary = "what cirt watch recorded, in time order: container events (exec with its command, "
               "start, die, ...), flows, gaps",
    .opts = timeline_opts,
    .run = timeline_run,
};
