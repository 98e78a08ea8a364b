/* supertimeline.c: the dead-box super-timeline (see supertimeline.h). */
#include "analyses/supertimeline.h"

#include <stdint.h>

#include "analyses/deadbox.h"
#include "analyses/offline_int.h"
#include "journal/journal.h"
#include "json.h"
#include "sources/daemonlog.h"
#include "sources/dockerlog.h"
#include "sources/layerdiff.h"

const char *supertl_source_name(enum supertl_source s)
{
	switch (s) {
	case SUPERTL_CONTAINER:
		return "record";
	case SUPERTL_DAEMON:
		return "daemon-log";
	case SUPERTL_FILE:
		return "file";
	case SUPERTL_LOG:
		return "log";
	case SUPERTL_JOURNAL:
		return "journal";
	}
	return "?";
}

struct build {
	struct supertl *t;
	const struct supertl_query *q;
	struct host *h;
	struct container *only; /* q->ref resolved */
	size_t cap;             /* of t->v */
};

static bool in_range(const struct build *b, int64_t t)
{
	return t && (!b->q->since_ns || t >= b->q->since_ns) &&
	       (!b->q->until_ns || t <= b->q->until_ns);
}

/* a new event at t (NULL when out of range or full) */
static struct supertl_event *add(struct build *b, int64_t t, enum supertl_source s,
                                 const struct container *c)
{
	if (!in_range(b, t))
		return NULL;
	struct supertl *tl = b->t;
	if (tl->n >= SUPERTL_MAX_EVENTS) {
		tl->truncated = true;
		return NULL;
	}
	if (tl->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		tl->v = xrealloc(tl->v, b->cap * sizeof(*tl->v));
	}
	struct supertl_event *e = &tl->v[tl->n++];
	memset(e, 0, sizeof(*e));
	e->t_ns = t;
	e->source = s;
	if (c) {
		e->container = xstrdup(c->name);
		e->container_id = xstrdup(c->id);
	}
	return e;
}

static int64_t ts(const char *s)
{
	int64_t v = 0;
	if (!s || startswith(s, "0001-") || !time_parse_rfc3339(s, strlen(s), &v))
		return 0;
	return v;
}

/* ------------------------------------------------------------------ records */

static void from_records(struct build *b, struct container *c)
{
	struct supertl_event *e = add(b, ts(c->created), SUPERTL_CONTAINER, c);
	if (e) {
		e->what = xstrdup("create");
		e->detail =
		    xasprintf("image %s: %s", c->image ? c->image : "?", c->cmd ? c->cmd : "");
	}
	if ((e = add(b, ts(c->started_at), SUPERTL_CONTAINER, c))) {
		e->what = xstrdup("start");
		e->detail = xasprintf("last start (network %s)", c->mode_raw ? c->mode_raw : "?");
	}
	if ((e = add(b, ts(c->finished_at), SUPERTL_CONTAINER, c))) {
		e->what = xstrdup("stop");
		e->detail = xasprintf("last stop, exit code %d", c->exit_code);
	}
}

/* ------------------------------------------------------------------ daemon log */

/* the container a logged name or id (or id prefix) stands for */
static struct container *who(struct host *h, const char *w, size_t n)
{
	_cleanup_free_ char *s = xstrndup(w, n);
	for (size_t i = 0; i < h->n; i++)
		if (streq(h->c[i].name, s) || (n >= 12 && startswith(h->c[i].id, s)))
			return &h->c[i];
	return NULL;
}

static bool wanted(const struct build *b, const struct container *c)
{
	return !b->only || c == b->only;
}

/* "Calling POST /v1.41/containers/ID/start" -> the action and the container's id or name */
static int on_daemon(const struct daemonlog_line *l, void *ud)
{
	struct build *b = ud;
	_cleanup_free_ char *m = xstrndup(l->msg, l->msg_len);
	const char *what = NULL, *ref = NULL;
	char wb[32];
	size_t rlen = 0;
	char *p;
	if ((startswith(m, "Calling POST /") || startswith(m, "Calling DELETE /")) &&
	    (p = strstr(m, "/containers/"))) {
		p += strlen("/containers/");
		if (startswith(p, "create")) {
			what = "api: create";
			char *n = strstr(p, "name=");
			if (n) {
				ref = n + 5;
				rlen = strcspn(ref, "&");
			}
		} else {
			ref = p;
			rlen = strcspn(p, "/?");
			const char *act = p[rlen] == '/' ? p + rlen + 1 : "";
			size_t alen = strcspn(act, "?");
			static const char *const acts[] = {
			    "start", "stop",   "kill",   "restart", "pause",   "unpause",
			    "exec",  "rename", "update", "commit",  "archive", "copy"};
			if (startswith(m, "Calling DELETE"))
				what = p[rlen] == '/' ? NULL : "api: remove";
			else
				for (size_t k = 0; !what && k < ARRAY_SIZE(acts); k++)
					if (alen == strlen(acts[k]) &&
					    !strncmp(act, acts[k], alen)) {
						snprintf(wb, sizeof(wb), "api: %s", acts[k]);
						what = wb;
					}
		}
	} else if (startswith(m, "shim disconnected") && (p = strstr(l->text, " id="))) {
		what = "exit";
		ref = p + 4;
		rlen = strcspn(ref, " \"");
	} else if (startswith(m, "Daemon has completed initialization")) {
		what = "daemon: started";
	} else if (strstr(m, "Processing signal 'terminated'") ||
	           strstr(m, "Daemon shutdown complete")) {
		what = "daemon: stopping";
	}
	if (!what)
		return 0;
	struct container *c = ref && rlen ? who(b->h, ref, rlen) : NULL;
	if (b->only && !wanted(b, c))
		return 0;
	struct supertl_event *e = add(b, l->time_ns, SUPERTL_DAEMON, c);
	if (!e)
		return b->t->truncated;
	e->what = xstrdup(what);
	/* a removed container's id: short, as docker ps shows it */
	bool hex = rlen == 64 && strspn(ref, "0123456789abcdef") >= 64;
	if (!c && ref && rlen)
		e->container = xstrndup(ref, hex ? 12 : rlen < 64 ? rlen : 64);
	e->detail = xasprintf("%s:%zu: %s", l->file, l->lineno, m);
	return 0;
}

/* ------------------------------------------------------------------ files */

static void from_layer(struct build *b, struct container *c)
{
	if (!c->upper_dir)
		return;
	json_t *j = NULL;
	struct cirt_err e = {0};
	if (layerdiff_times(c->upper_dir,
	                    jstr(jobj(jobj(c->inspect, "GraphDriver"), "Data"), "LowerDir"), 0, &j,
	                    b->t->notes, &e) < 0) {
		json_array_append_new(b->t->notes,
		                      json_sprintf("writable layer of '%s': %s", c->name, e.msg));
		return;
	}
	size_t i;
	json_t *f;
	json_array_foreach(j, i, f)
	{
		const char *path = jstr(f, "Path");
		if (!path)
			continue;
		int64_t tm[4] = {jint(f, "mtime_ns", 0), jint(f, "atime_ns", 0),
		                 jint(f, "ctime_ns", 0), jint(f, "btime_ns", 0)};
		long long kind = jint(f, "Kind", -1);
		const char *kl = kind == 0 ? "C" : kind == 1 ? "A" : kind == 2 ? "D" : "?";
		/* one event per distinct time (atime only when it is its own: reads are noise) */
		size_t best = SIZE_MAX;
		for (int k = 0; k < 4; k++) {
			if (!tm[k] || k == 1)
				continue;
			bool seen = false;
			for (int p = 0; p < k; p++)
				seen |= p != 1 && tm[p] == tm[k];
			if (seen)
				continue;
			struct supertl_event *ev = add(b, tm[k], SUPERTL_FILE, c);
			if (!ev)
				break;
			for (int p = 0; p < 4; p++)
				ev->macb[p] = tm[p] == tm[k] ? "macb"[p] : '.';
			ev->what = xstrdup(kl);
			ev->detail = xstrdup(path);
			ev->mtime_ns = tm[0];
			ev->atime_ns = tm[1];
			ev->ctime_ns = tm[2];
			ev->btime_ns = tm[3];
			ev->mode = (unsigned)jint(f, "mode", 0);
			ev->uid = (unsigned)jint(f, "uid", 0);
			ev->gid = (unsigned)jint(f, "gid", 0);
			ev->size = (uint64_t)jint(f, "size", 0);
			ev->inode = (uint64_t)jint(f, "inode", 0);
			size_t at = (size_t)(ev - b->t->v);
			if (best == SIZE_MAX || ev->t_ns < b->t->v[best].t_ns)
				best = at;
		}
		if (best != SIZE_MAX)
			b->t->v[best].body = true;
	}
	json_decref(j);
}

/* ------------------------------------------------------------------ logs */

struct logctx {
	struct build *b;
	struct container *c;
	size_t n;
};

static int on_log(const struct dockerlog_entry *le, void *ud)
{
	struct logctx *k = ud;
	if (!in_range(k->b, le->time_ns))
		return 0;
	if (++k->n > SUPERTL_MAX_LOG_LINES) {
		json_array_append_new(
		    k->b->t->notes,
		    json_sprintf("log of '%s': only its first %u lines in range kept", k->c->name,
		                 SUPERTL_MAX_LOG_LINES));
		return 1;
	}
	struct supertl_event *e = add(k->b, le->time_ns, SUPERTL_LOG, k->c);
	if (!e)
		return k->b->t->truncated;
	e->what = xstrdup(le->stream == DOCKERLOG_STDERR ? "stderr" : "stdout");
	e->detail = xstrndup(le->line, le->len < 4096 ? le->len : 4096);
	return 0;
}

static void from_logs(struct build *b, struct container *c)
{
	const char *drv = jstr(jobj(jobj(c->inspect, "HostConfig"), "LogConfig"), "Type");
	_cleanup_free_ char *dir = xasprintf("%s/containers/%s", b->h->data_root, c->id);
	struct logctx k = {.b = b, .c = c};
	struct cirt_err e = {0};
	if (dockerlog_read(drv, jstr(c->inspect, "LogPath"), dir, on_log, &k, b->t->notes, NULL,
	                   &e) < 0 &&
	    e.code != CIRT_EXIT_NOTFOUND)
		json_array_append_new(b->t->notes, json_sprintf("log of '%s': %s", c->name, e.msg));
}

/* ------------------------------------------------------------------ journal */

static void from_journal(struct build *b)
{
	const char *dir = b->q->journal_dir ? b->q->journal_dir : DEADBOX_JOURNAL_DIR;
	int fd = -1;
	_cleanup_free_ char *path = offline_dir_path(dir, &fd);
	if (!path) {
		if (fd != -ENOENT)
			json_array_append_new(
			    b->t->notes, json_sprintf("cirt journal '%s': %s", dir, strerror(-fd)));
		return;
	}
	_cleanup_journal_reader_ struct journal_reader *jr = NULL;
	struct cirt_err e = {0};
	if (journal_reader_open(path, (uint64_t)b->q->since_ns, (uint64_t)b->q->until_ns, &jr, &e) <
	    0) {
		json_array_append_new(b->t->notes,
		                      json_sprintf("cirt journal '%s': %s", dir, e.msg));
		if (fd >= 0)
			close(fd);
		return;
	}
	const char *line;
	size_t len;
	uint64_t t;
	while (journal_reader_next(jr, &line, &len, &t, &e) == 1) {
		b->t->journal_lines++;
		json_t *j = json_loadb(line, len, 0, NULL);
		const char *type = jstr(j, "type") ? jstr(j, "type") : "?";
		json_t *fl = jobj(jobj(j, "flow"), "original");
		if (fl && b->q->no_flows) {
			json_decref(j);
			continue;
		}
		/* a flow is its initiator's: the source's container, known to the watcher or else
		 * by the records' address (it wrote the flow before it knew the container); then
		 * the destination's */
		json_t *side = fl ? jobj(j, "src_container") : jobj(j, "container");
		struct container *c = NULL;
		if (fl && !side) {
			c = offline_container_by_ip(b->h, jstr(fl, "src"));
			if (!c)
				side = jobj(j, "dst_container");
			if (!c && !side)
				c = offline_container_by_ip(b->h, jstr(fl, "dst"));
		}
		const char *cid = side ? jstr(side, "id") : fl ? NULL : jstr(j, "id");
		const char *cn = side ? jstr(side, "name") : fl ? NULL : jstr(j, "name");
		if (!c && cid)
			c = who(b->h, cid, strlen(cid));
		if (b->only && c != b->only) {
			json_decref(j);
			continue;
		}
		struct supertl_event *ev = add(b, (int64_t)t, SUPERTL_JOURNAL, c);
		if (!ev) {
			json_decref(j);
			if (b->t->truncated)
				break;
			continue;
		}
		if (!c && (cn || cid))
			ev->container = xstrdup(cn ? cn : cid);
		const char *act = jstr(j, "event") ? jstr(j, "event") : jstr(j, "action");
		ev->what = act ? xasprintf("%s %s", type, act) : xstrdup(type);
		if (fl)
			ev->detail = xasprintf(
			    "%s %s:%lld -> %s:%lld",
			    jstr(jobj(j, "flow"), "proto") ? jstr(jobj(j, "flow"), "proto") : "?",
			    jstr(fl, "src") ? jstr(fl, "src") : "?",
			    (long long)jint(fl, "sport", 0),
			    jstr(fl, "dst") ? jstr(fl, "dst") : "?",
			    (long long)jint(fl, "dport", 0));
		else
			ev->detail = xstrndup(line, len < 4096 ? len : 4096);
		json_decref(j);
	}
	if (fd >= 0)
		close(fd);
}

/* ------------------------------------------------------------------ all */

static int cmp_ev(const void *a, const void *b)
{
	const struct supertl_event *x = a, *y = b;
	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return (int)x->source - (int)y->source;
}

int supertl_build(struct host *h, const struct supertl_query *q, struct supertl **ret,
                  struct cirt_err *err)
{
	struct supertl *t = xcalloc(1, sizeof(*t));
	t->notes = json_array();
	struct build b = {.t = t, .q = q, .h = h};
	if (q->ref && host_find(h, q->ref, &b.only, err) < 0) {
		supertl_free(t);
		return -1;
	}
	for (size_t i = 0; i < h->n; i++) {
		struct container *c = &h->c[i];
		if (!wanted(&b, c))
			continue;
		from_records(&b, c);
		if (!q->no_files)
			from_layer(&b, c);
		if (!q->no_logs)
			from_logs(&b, c);
	}
	daemonlog_each(NULL, on_daemon, &b, t->notes);
	from_journal(&b);
	/* equal times: records, then the daemon's log, files, logs, journal */
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), cmp_ev);
	*ret = t;
	return 0;
}

void supertl_free(struct supertl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].what);
		free(t->v[i].container);
		free(t->v[i].container_id);
		free(t->v[i].detail);
	}
	free(t->v);
	json_decref(t->notes);
	free(t);
}
