/* merge_doc.c: the merged answer of `cirt merge`: every host's rows with the host on each (locate's
 * contacts with their time ranges, triage's one ranked list, scan's findings, ps's containers,
 * collect's bundles checked against their hashes), the fleet's counts and each host's state.
 * Fields are read with the typed accessors: an older cirt's answer lacks some, a newer one has
 * more, a hostile one has wrong types; each is taken for what it holds. */
#include "analyses/merge.h"

#include "analyses/triage.h"
#include "escape.h"
#include "journal/journal.h"
#include "json.h"

static json_t *iso_ns(uint64_t ns)
{
	if (!ns)
		return json_null();
	char b[40];
	fmt_utc((long long)(ns / 1000000000ull), b, sizeof(b));
	b[strlen(b) - 1] = '\0';
	return json_sprintf("%s.%03uZ", b, (unsigned)((ns / 1000000ull) % 1000));
}

/* A string field copied (made valid UTF-8 again), or null. */
static json_t *str_of(json_t *o, const char *key)
{
	return json_str(jstr(o, key));
}

/* An array field shared as it is, or a new empty array. */
static json_t *arr_of(json_t *o, const char *key)
{
	json_t *a = jarr(o, key);
	return a ? json_incref(a) : json_array();
}

static void add_unique(json_t *arr, const char *s, size_t max)
{
	if (!s || json_array_size(arr) >= max)
		return;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (streq(json_string_value(v), s)) return;
	json_array_append_new(arr, json_str(s));
}

/* ------------------------------------------------------------------ locate */

/* locate's sources in its own order (socket, conntrack, capture, journal), then others. */
static int source_rank(const char *s)
{
	static const char *const order[] = {"socket", "conntrack", "capture", "journal"};
	for (int i = 0; s && i < 4; i++)
		if (streq(s, order[i]))
			return i;
	return 4;
}

static int source_cmp(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);
	int d = source_rank(x) - source_rank(y);
	return d ? d : strcmp(x ? x : "", y ? y : "");
}

static json_t *sorted_sources(json_t *a)
{
	size_t n = json_array_size(a);
	json_t **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, i));
	qsort(v, n, sizeof(*v), source_cmp);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	json_decref(a);
	return out;
}

struct contact {
	const char *name, *id, *image;
	long long flows;
	uint64_t first, last;
	json_t *sources, *procs;
};

static void widen(struct contact *c, const char *when)
{
	uint64_t t;
	if (!when || !journal_time_parse(when, &t))
		return;
	if (!c->first || t < c->first)
		c->first = t;
	if (t > c->last)
		c->last = t;
}

static struct contact *contact_of(struct contact **v, size_t *n, json_t *ref)
{
	const char *name = jstr(ref, "name"), *id = jstr(ref, "id");
	for (size_t i = 0; i < *n; i++) {
		struct contact *c = &(*v)[i];
		if (id ? c->id && streq(c->id, id)
		       : !c->id && (name ? c->name && streq(c->name, name) : !c->name))
			return c;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	struct contact *c = &(*v)[(*n)++];
	*c = (struct contact){.name = name,
	                      .id = id,
	                      .image = jstr(ref, "image"),
	                      .sources = json_array(),
	                      .procs = json_array()};
	return c;
}

/* One host's contacts: every container (or none) with the flows locate found, from the findings
 * (time ranges, processes), or from the containers list alone when there are no findings. */
static size_t locate_host(json_t *rows, const char *host, json_t *doc, long long *ret_flows)
{
	struct contact *v = NULL;
	size_t n = 0, i, k;
	json_t *f, *s;
	json_t *findings = jarr(doc, "findings");
	json_array_foreach(findings, i, f)
	{
		struct contact *c = contact_of(&v, &n, jobj(f, "container"));
		c->flows++;
		json_array_foreach(jarr(f, "sources"), k, s)
		    add_unique(c->sources, json_string_value(s), 8);
		json_t *fl = jobj(f, "flow");
		widen(c, jstr(f, "seen_at"));
		widen(c, jstr(fl, "first_seen"));
		widen(c, jstr(fl, "last_seen"));
		add_unique(c->procs, jstr(jobj(f, "process"), "comm"), 8);
	}
	if (!json_array_size(findings))
		json_array_foreach(jarr(doc, "containers"), i, f)
		{
			struct contact *c = contact_of(&v, &n, f);
			c->flows += jint(f, "flows", 0) > 0 ? jint(f, "flows", 0) : 0;
			json_array_foreach(jarr(f, "sources"), k, s)
			    add_unique(c->sources, json_string_value(s), 8);
		}
	for (i = 0; i < n; i++) {
		struct contact *c = &v[i];
		json_t *o = json_object();
		json_object_set_new(o, "host", json_str(host));
		json_object_set_new(o, "container",
		                    c->name || c->id ? json_str(c->name) : json_null());
		json_object_set_new(o, "id", json_str(c->id));
		json_object_set_new(o, "image", json_str(c->image));
		json_object_set_new(o, "flows", json_integer(c->flows));
		json_object_set_new(o, "sources", sorted_sources(c->sources));
		json_object_set_new(o, "first_seen", iso_ns(c->first));
		json_object_set_new(o, "last_seen", iso_ns(c->last));
		json_object_set_new(o, "processes", c->procs);
		json_array_append_new(rows, o);
		*ret_flows += c->flows;
	}
	free(v);
	return n;
}

/* ------------------------------------------------------------------ triage */

struct ranked {
	json_t *o;
	size_t host; /* index, for a stable order */
	long long score, rank;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static const char *const triage_counts[] = {"containers",     "running",         "flagged",
                                            "ioc_containers", "ioc_flows",       "connections",
                                            "findings",       "network_oddities"};

static bool triage_host(struct ranked **v, size_t *n, size_t hi, const char *host, json_t *doc,
                        json_t *iocs)
{
	bool found = false;
	size_t i;
	json_t *e;
	json_array_foreach(jarr(doc, "summary"), i, e)
	{
		long long score = jint(e, "score", 0);
		json_t *o = json_object();
		json_object_set_new(o, "host", json_str(host));
		json_object_set_new(o, "rank", json_integer(jint(e, "rank", (long long)i + 1)));
		json_object_set_new(o, "container", str_of(e, "container"));
		json_object_set_new(o, "id", str_of(e, "id"));
		json_object_set_new(o, "state", str_of(e, "state"));
		json_object_set_new(o, "score", json_integer(score));
		json_object_set_new(
		    o, "level",
		    json_str(jstr(e, "level") ? jstr(e, "level") : triage_level(score)));
		json_object_set_new(o, "reasons", arr_of(e, "reasons"));
		json_object_set_new(o, "why", arr_of(e, "why"));
		json_object_set_new(o, "next", arr_of(e, "next"));
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = (struct ranked){o, hi, score, jint(e, "rank", (long long)i + 1)};
		found |= score >= 20;
	}
	json_array_foreach(jarr(doc, "connections"), i, e)
	{
		if (!jstr(e, "ioc"))
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "host", json_str(host));
		const char *keys[] = {"container", "direction", "proto",   "remote",
		                      "local",     "state",     "sources", "first_seen",
		                      "last_seen", "process",   "ioc",     "ioc_comment"};
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			json_object_set_new(o, keys[k], str_of(e, keys[k]));
		json_object_set_new(o, "flows", json_integer(jint(e, "flows", 0)));
		json_array_append_new(iocs, o);
	}
	return found;
}

/* ------------------------------------------------------------------ scan */

static int sev_rank(const char *s)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	for (int i = 0; s && i < 5; i++)
		if (streq(s, names[i]))
			return i;
	return -1;
}

struct sfind {
	json_t *o;
	size_t host;
	int sev;
};

static int sfind_cmp(const void *a, const void *b)
{
	const struct sfind *x = a, *y = b;
	if (x->sev != y->sev)
		return x->sev > y->sev ? -1 : 1;
	return x->host < y->host ? -1 : x->host > y->host;
}

static bool scan_host(struct sfind **v, size_t *n, size_t hi, const char *host, json_t *doc,
                      json_t *targets, long long sev_counts[5])
{
	bool found = false;
	size_t i, k;
	json_t *t, *f;
	json_array_foreach(jarr(doc, "targets"), i, t)
	{
		int worst = -1;
		size_t nf = 0;
		json_array_foreach(jarr(t, "findings"), k, f)
		{
			json_t *o = json_object();
			json_object_set_new(o, "host", json_str(host));
			json_object_set_new(o, "target", str_of(t, "target"));
			const char *keys[] = {"severity", "check",  "rule",    "path",
			                      "origin",   "reason", "evidence"};
			for (size_t j = 0; j < ARRAY_SIZE(keys); j++)
				json_object_set_new(o, keys[j], str_of(f, keys[j]));
			long long line = jint(f, "line", 0), pid = jint(f, "pid", 0);
			json_object_set_new(o, "line", line > 0 ? json_integer(line) : json_null());
			json_object_set_new(o, "pid", pid > 0 ? json_integer(pid) : json_null());
			int sev = sev_rank(jstr(f, "severity"));
			if (sev >= 0)
				sev_counts[sev]++;
			if (sev > worst)
				worst = sev;
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = (struct sfind){o, hi, sev};
			nf++;
			found = true;
		}
		json_t *o = json_object();
		json_object_set_new(o, "host", json_str(host));
		json_object_set_new(o, "target", str_of(t, "target"));
		json_object_set_new(o, "kind", str_of(t, "kind"));
		json_object_set_new(o, "findings", json_integer((json_int_t)nf));
		static const char *const names[] = {"info", "low", "medium", "high", "critical"};
		json_object_set_new(o, "max_severity",
		                    worst >= 0 ? json_string(names[worst]) : json_null());
		json_array_append_new(targets, o);
	}
	return found;
}

/* ------------------------------------------------------------------ collect */

/* The bundle cirt printed, found among the files fetched from the host and compared with the
 * hash it printed: of the archive, or of manifest.json for a directory bundle. */
static json_t *collect_row(const struct merge_host *h, bool *ret_bad)
{
	json_t *doc = h->doc, *o = json_object();
	const char *bundle = jstr(doc, "bundle"), *sha = jstr(doc, "sha256");
	const char *base = bundle && strrchr(bundle, '/') ? strrchr(bundle, '/') + 1 : bundle;
	const char *of = jstr(doc, "sha256_of");
	bool dir = of && streq(of, "manifest.json");
	_cleanup_free_ char *want =
	    xasprintf("files/%s%s", base ? base : "", dir ? "/manifest.json" : "");
	json_object_set_new(o, "host", json_str(h->name));
	json_object_set_new(o, "container", str_of(doc, "container"));
	json_object_set_new(o, "bundle", json_str(bundle));
	json_object_set_new(o, "sha256", json_str(sha));
	json_object_set_new(o, "sha256_of", json_str(of));
	json_object_set_new(o, "complete", json_boolean(jbool(doc, "complete")));
	json_t *hit = NULL, *e;
	size_t i;
	json_array_foreach(h->files, i, e) if (jstr(e, "path") && streq(jstr(e, "path"), want))
	    hit = e;
	const char *problem = NULL;
	if (!hit)
		problem = "not among the files fetched from the host";
	else if (!jstr(hit, "actual"))
		problem = jstr(hit, "problem") ? jstr(hit, "problem") : "unreadable";
	else if (!sha || !streq(jstr(hit, "actual"), sha))
		problem = "the fetched copy's SHA-256 is not the one cirt printed on the host";
	json_object_set_new(o, "fetched", hit ? json_sprintf("%s/%s", h->path, want) : json_null());
	json_object_set_new(o, "verified", hit ? json_boolean(!problem) : json_null());
	json_object_set_new(o, "problem", json_str(problem));
	*ret_bad = hit && problem;
	return o;
}

/* ------------------------------------------------------------------ the document */

static const char *host_state(const struct merge_host *h, bool found)
{
	if (h->answered)
		return h->error ? "partial" : found ? "found" : "ok";
	return h->missing ? "missing" : "error";
}

static json_t *host_json(const struct merge_host *h, const char *state)
{
	json_t *o = json_object();
	json_object_set_new(o, "host", json_str(h->name));
	json_object_set_new(o, "path", json_str(h->path));
	json_object_set_new(o, "state", json_string(state));
	json_object_set_new(o, "error", json_str(h->error));
	json_t *rc = json_object_get(h->status, "rc");
	json_object_set_new(o, "rc", json_is_integer(rc) ? json_incref(rc) : json_null());
	json_object_set_new(o, "status", str_of(h->status, "status"));
	const char *v = jstr(h->status, "cirt_version") ? jstr(h->status, "cirt_version")
	                                                : jstr(h->doc, "cirt_version");
	json_object_set_new(o, "cirt_version", json_str(v));
	json_object_set_new(o, "files_checked",
	                    json_integer((json_int_t)json_array_size(h->files)));
	json_object_set_new(o, "files_bad", json_integer((json_int_t)h->files_bad));
	json_t *bad = json_array(), *e;
	size_t i;
	json_array_foreach(h->files, i, e) if (!jbool(e, "ok")) json_array_append(bad, e);
	json_object_set_new(o, "bad_files", bad);
	return o;
}

static void count(json_t *counts, const char *key, long long add)
{
	json_object_set_new(counts, key, json_integer(jint(counts, key, 0) + add));
}

json_t *merge_doc(const struct merge_set *s)
{
	json_t *doc = json_object(), *hosts = json_array(), *counts = json_object();
	json_t *rows = json_array(), *extra = json_array();
	json_object_set_new(doc, "command", json_string(merge_kind_name(s->kind)));
	for (size_t i = 0; i < ARRAY_SIZE(triage_counts) && s->kind == MERGE_TRIAGE; i++)
		count(counts, triage_counts[i], 0);
	struct ranked *rk = NULL;
	struct sfind *sf = NULL;
	size_t nrk = 0, nsf = 0;
	long long flows = 0, sev[5] = {0}, running = 0, unverified = 0;
	json_t *query = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct merge_host *h = &s->v[i];
		bool found = false, bad = false;
		json_t *extra_host = NULL;
		if (h->answered) {
			switch (s->kind) {
			case MERGE_LOCATE:
				found = locate_host(rows, h->name, h->doc, &flows) > 0;
				if (!query)
					query = jobj(h->doc, "query");
				break;
			case MERGE_TRIAGE:
				found = triage_host(&rk, &nrk, i, h->name, h->doc, extra);
				extra_host = json_object();
				json_object_set_new(extra_host, "hostname",
				                    str_of(h->doc, "hostname"));
				json_object_set_new(extra_host, "generated",
				                    str_of(h->doc, "generated"));
				json_object_set_new(extra_host, "counts",
				                    jobj(h->doc, "counts")
				                        ? json_deep_copy(jobj(h->doc, "counts"))
				                        : json_object());
				for (size_t k = 0; k < ARRAY_SIZE(triage_counts); k++)
					count(counts, triage_counts[k],
					      jint(jobj(h->doc, "counts"), triage_counts[k], 0));
				break;
			case MERGE_SCAN:
				found = scan_host(&sf, &nsf, i, h->name, h->doc, extra, sev);
				break;
			case MERGE_PS: {
				size_t k;
				json_t *c;
				json_array_foreach(jarr(h->doc, "containers"), k, c)
				{
					if (!json_is_object(c))
						continue;
					json_t *o = json_object();
					json_object_set_new(o, "host", json_str(h->name));
					json_object_update_missing(o, c);
					json_array_append_new(rows, o);
					running +=
					    jstr(c, "state") && streq(jstr(c, "state"), "running");
				}
				break;
			}
			case MERGE_COLLECT:
				json_array_append_new(rows, collect_row(h, &bad));
				unverified += bad;
				found = bad;
				break;
			case MERGE_UNKNOWN:
				break;
			}
		}
		const char *state = host_state(h, found);
		json_t *ho = host_json(h, state);
		if (extra_host) {
			json_object_update(ho, extra_host);
			json_decref(extra_host);
		}
		json_array_append_new(hosts, ho);
		count(counts, "hosts", 1);
		count(counts, "answered", h->answered);
		/* found: every host where something was found, a partial answer's included */
		count(counts, "found", found);
		if (!streq(state, "found"))
			count(counts,
			      streq(state, "ok")        ? "ok"
			      : streq(state, "partial") ? "partial"
			      : streq(state, "missing") ? "missing"
			                                : "errors",
			      1);
		count(counts, "files_checked", (long long)json_array_size(h->files));
		count(counts, "files_bad", (long long)h->files_bad);
	}
	static const char *const states[] = {"found", "ok", "partial", "errors", "missing"};
	for (size_t k = 0; k < ARRAY_SIZE(states); k++)
		count(counts, states[k], 0);
	switch (s->kind) {
	case MERGE_LOCATE:
		json_object_set_new(doc, "query", query ? json_deep_copy(query) : json_null());
		json_object_set_new(doc, "found", json_boolean(json_array_size(rows) > 0));
		count(counts, "contacts", (long long)json_array_size(rows));
		count(counts, "flows", flows);
		json_object_set(doc, "contacts", rows);
		break;
	case MERGE_TRIAGE:
		qsort(rk, nrk, sizeof(*rk), ranked_cmp);
		for (size_t k = 0; k < nrk; k++) {
			json_t *o = json_object();
			json_object_set_new(o, "fleet_rank", json_integer((json_int_t)k + 1));
			json_object_update(o, rk[k].o);
			json_decref(rk[k].o);
			json_array_append_new(rows, o);
		}
		json_object_set(doc, "summary", rows);
		json_object_set(doc, "ioc_connections", extra);
		break;
	case MERGE_SCAN: {
		qsort(sf, nsf, sizeof(*sf), sfind_cmp);
		for (size_t k = 0; k < nsf; k++)
			json_array_append_new(rows, sf[k].o);
		static const char *const names[] = {"info", "low", "medium", "high", "critical"};
		for (int k = 0; k < 5; k++)
			count(counts, names[k], sev[k]);
		count(counts, "findings", (long long)nsf);
		count(counts, "targets", (long long)json_array_size(extra));
		json_object_set(doc, "findings", rows);
		json_object_set(doc, "targets", extra);
		break;
	}
	case MERGE_PS:
		count(counts, "containers", (long long)json_array_size(rows));
		count(counts, "running", running);
		json_object_set(doc, "containers", rows);
		break;
	case MERGE_COLLECT:
		count(counts, "bundles", (long long)json_array_size(rows));
		count(counts, "unverified", unverified);
		json_object_set(doc, "bundles", rows);
		break;
	case MERGE_UNKNOWN:
		break;
	}
	free(rk);
	free(sf);
	json_decref(rows);
	json_decref(extra);
	json_object_set_new(doc, "hosts", hosts);
	json_object_set_new(doc, "counts", counts);
	json_t *w = json_array();
	for (size_t i = 0; i < s->n_warnings; i++)
		json_array_append_new(w, json_str(s->warnings[i]));
	json_object_set_new(doc, "warnings", w);
	return doc;
}

int merge_status(json_t *doc, size_t *ret_problems)
{
	json_t *c = jobj(doc, "counts");
	long long problems = jint(c, "partial", 0) + jint(c, "errors", 0) + jint(c, "missing", 0);
	*ret_problems = problems > 0 ? (size_t)problems : 0;
	return jint(c, "found", 0) > 0 || jint(c, "files_bad", 0) > 0 ||
	       jint(c, "unverified", 0) > 0;
}
