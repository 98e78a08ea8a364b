/* timeline.c: the lines of the journal about one container (or all), sorted, and their rows. */
#include "journal/timeline.h"

#include "escape.h"
#include "journal/jflows.h"
#include "json.h"
#include "util.h"

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

/* First pass: which containers q->ref names (a line about a container holds its name or id as
 * text: a cheap test before parsing). */
static int find_ids(const struct timeline_query *q, struct idset *named, struct idset *prefixed,
                    struct cirt_err *err)
{
	_cleanup_journal_reader_ struct journal_reader *r = NULL;
	if (journal_reader_open(q->dir, q->since_ns, q->until_ns, &r, err) < 0)
		return -1;
	const char *line;
	size_t len;
	uint64_t t;
	int k;
	while ((k = journal_reader_next(r, &line, &len, &t, err)) > 0) {
		if (!strstr(line, q->ref) || (q->no_flows && strstr(line, "\"type\":\"flow\"")))
			continue;
		json_t *j = json_loadb(line, len, 0, NULL);
		json_t *cs[2];
		size_t nc = line_containers(j, cs);
		for (size_t i = 0; i < nc; i++) {
			const char *id = jstr(cs[i], "id"), *name = jstr(cs[i], "name");
			const char *old = jstr(j, "old_name");
			if (streq(id, q->ref) || (name && streq(name, q->ref)) ||
			    (old && streq(old, q->ref)))
				idset_add(named, id);
			else if (startswith(id, q->ref))
				idset_add(prefixed, id);
		}
		json_decref(j);
	}
	return k < 0 ? -1 : 0;
}

/* Second pass: the lines about those containers (by id: a line written before a rename has the
 * old name), and the watcher's and the daemon's own lines. use: NULL for every line. */
static int collect(const struct timeline_query *q, const struct idset *use, struct timeline *tl,
                   struct cirt_err *err)
{
	_cleanup_journal_reader_ struct journal_reader *r = NULL;
	if (journal_reader_open(q->dir, q->since_ns, q->until_ns, &r, err) < 0)
		return -1;
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	const char *line;
	size_t len;
	uint64_t t;
	int k;
	while ((k = journal_reader_next(r, &line, &len, &t, err)) > 0) {
		bool is_flow = strstr(line, "\"type\":\"flow\"") != NULL;
		if (is_flow && q->no_flows)
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
		if (n >= TIMELINE_MAX) {
			tl->truncated = true;
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
	tl->st = *journal_reader_stats(r);
	if (n)
		qsort(v, n, sizeof(*v), cmp_entry);
	tl->v = xcalloc(n + 1, sizeof(*tl->v));
	for (size_t i = 0; i < n; i++)
		tl->v[i] = v[i].j;
	tl->n = n;
	free(v);
	return k < 0 ? -1 : 0;
}

int timeline_read(const struct timeline_query *q, struct timeline **ret, struct cirt_err *err)
{
	struct idset named = {0}, prefixed = {0};
	struct idset *use = NULL;
	struct timeline *tl = xcalloc(1, sizeof(*tl));
	int rc = -1;
	if (q->ref) {
		if (find_ids(q, &named, &prefixed, err) < 0)
			goto out;
		/* a name (or full id) wins; otherwise the prefix must name one container */
		use = named.n ? &named : &prefixed;
		if (!named.n && prefixed.n > 1) {
			err_set(err, CIRT_EXIT_NOTFOUND,
			        "timeline: '%s' is an ambiguous id prefix in the journal (%zu "
			        "containers)",
			        q->ref, prefixed.n);
			goto out;
		}
		if (!use->n) {
			err_set(err, CIRT_EXIT_NOTFOUND,
			        "timeline: no container '%s' in the journal '%s'%s", q->ref, q->dir,
			        q->ranged ? " in that time range" : "");
			goto out;
		}
	}
	if (collect(q, use, tl, err) < 0)
		goto out;
	*ret = steal_pointer(&tl);
	rc = 0;
out:
	timeline_free(tl);
	idset_free(&named);
	idset_free(&prefixed);
	return rc;
}

void timeline_free(struct timeline *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		json_decref(t->v[i]);
	free(t->v);
	free(t);
}

/* ---------------------------------------------------------------- rows */

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
json_t *timeline_row(json_t *j)
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
