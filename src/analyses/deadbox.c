/* deadbox.c: locate an address on a disk image of a host (see deadbox.h). */
#include "analyses/deadbox.h"

#include <fcntl.h>

#include "analyses/offline_int.h"
#include "escape.h"
#include "journal/journal.h"
#include "json.h"
#include "sources/daemonlog.h"
#include "sources/dockerlog.h"
#include "sources/netstore.h"
#include "sources/ondisk.h"
#include "sources/rootfs.h"

#define MAX_HITS 100000

static bool addr_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == '.' || c == ':';
}

bool deadbox_has_token(const char *text, size_t len, const char *addr)
{
	size_t al = strlen(addr);
	for (const char *p = text; al && p + al <= text + len;) {
		p = memmem(p, (size_t)(text + len - p), addr, al);
		if (!p)
			return false;
		bool before = p > text && addr_char(p[-1]) && !(p[-1] == ':' && !strchr(addr, ':'));
		const char *e = p + al;
		/* "10.0.0.1:443" and "10.0.0.1." (end of a sentence) still name it */
		bool after = e < text + len && addr_char(*e) &&
		             !((*e == ':' || *e == '.') &&
		               (e + 1 >= text + len || !addr_char(e[1]) || *e == ':'));
		if (!before && !after)
			return true;
		p++;
	}
	return false;
}

static struct deadbox_hit *add(struct deadbox_locate *r)
{
	if (r->n >= MAX_HITS)
		return NULL;
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	struct deadbox_hit *x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	return x;
}

static int64_t ts(const char *s)
{
	int64_t v = 0;
	if (!s || startswith(s, "0001-") || !time_parse_rfc3339(s, strlen(s), &v))
		return 0;
	return v;
}

/* ------------------------------------------------------------------ holders */

static void from_records(struct host *h, struct deadbox_locate *r)
{
	for (size_t i = 0; i < h->n; i++) {
		struct container *c = &h->c[i];
		if (!container_has_ip(c, r->addr))
			continue;
		struct deadbox_hit *x = add(r);
		if (!x)
			return;
		x->holder = true;
		x->kind = xstrdup("record");
		x->container_id = xstrdup(c->id);
		x->container = xstrdup(c->name);
		x->from_ns = ts(c->started_at);
		x->until_ns = ts(c->finished_at);
		x->open = c->state && streq(c->state, "running");
		if (x->until_ns && x->until_ns < x->from_ns)
			x->until_ns = 0;
		x->source = xasprintf("%s/containers/%.12s/config.v2.json", h->data_root, c->id);
		/* how the address was known: recorded, or recovered (its note says from where) */
		char *how = NULL;
		for (size_t k = 0; k < c->n_notes && !how; k++)
			if (startswith(c->notes[k], "address ") && strstr(c->notes[k], r->addr))
				how = xstrdup(c->notes[k]);
		x->detail = how ? how
		                : xasprintf("its record gives it %s (its last run: from start to "
		                            "stop)",
		                            r->addr);
	}
}

/* the container a logged name or short id stands for */
static struct container *who(struct host *h, const char *w)
{
	for (size_t i = 0; i < h->n; i++)
		if (streq(h->c[i].name, w) || (strlen(w) == 12 && startswith(h->c[i].id, w)))
			return &h->c[i];
	return NULL;
}

struct svc {
	struct daemonlog_addr *v;
	size_t n;
	const char *addr;
	struct deadbox_locate *r;
	struct host *h;
};

static int on_line(const struct daemonlog_line *l, void *ud)
{
	struct svc *s = ud;
	if (!deadbox_has_token(l->text, l->len, s->addr))
		return 0;
	struct daemonlog_addr a;
	if (daemonlog_addr_parse(l, &a) && streq(a.addr, s->addr)) {
		if (s->n < MAX_HITS) {
			s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
			s->v[s->n++] = a;
		}
		return 0;
	}
	/* IPAM's own requests and releases, and anything else naming it */
	struct deadbox_hit *x = add(s->r);
	if (!x)
		return 1;
	x->kind = xstrdup("daemon-log");
	x->from_ns = l->time_ns;
	x->source = xasprintf("%s:%zu", l->file, l->lineno);
	x->detail = xstrndup(l->msg, l->msg_len);
	return 0;
}

/* add/delete events into windows: one per add, closed by the next delete of the same name */
static void svc_windows(struct svc *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct daemonlog_addr *a = &s->v[i];
		if (!a->add)
			continue;
		/* the daemon logs each add twice, by name and by short id: keep the short id's */
		bool is_id = strlen(a->who) == 12 && strspn(a->who, "0123456789abcdef") == 12;
		if (!is_id) {
			bool paired = false;
			for (size_t k = 0; k < s->n && !paired; k++)
				paired = k != i && s->v[k].add &&
				         s->v[k].time_ns - a->time_ns < 10000000 &&
				         a->time_ns - s->v[k].time_ns < 10000000 &&
				         strlen(s->v[k].who) == 12 &&
				         strspn(s->v[k].who, "0123456789abcdef") == 12;
			if (paired)
				continue;
		}
		/* the same container given the address again a moment later (its start logs it
		 * twice) */
		bool again = false;
		for (size_t k = 0; k < i && !again; k++)
			again = s->v[k].add && streq(s->v[k].who, a->who) &&
			        a->time_ns - s->v[k].time_ns < 1000000000;
		if (again)
			continue;
		struct deadbox_hit *x = add(s->r);
		if (!x)
			return;
		x->holder = true;
		x->kind = xstrdup("daemon-log");
		x->from_ns = a->time_ns;
		struct container *c = who(s->h, a->who);
		/* the name logged beside the short id */
		const char *name = NULL;
		for (size_t k = 0; k < s->n && !name; k++)
			if (k != i && s->v[k].add && !streq(s->v[k].who, a->who) &&
			    s->v[k].time_ns - a->time_ns < 10000000 &&
			    a->time_ns - s->v[k].time_ns < 10000000)
				name = s->v[k].who;
		x->container_id = c ? xstrdup(c->id) : NULL;
		x->container = xstrdup(c ? c->name : name ? name : a->who);
		x->removed = !c;
		for (size_t k = i + 1; k < s->n; k++)
			if (!s->v[k].add &&
			    (streq(s->v[k].who, a->who) || (name && streq(s->v[k].who, name)))) {
				x->until_ns = s->v[k].time_ns;
				break;
			}
		x->source = xstrdup("the daemon's log (libnetwork's service records)");
		x->detail = xasprintf("address %s given to %s on network %s", a->addr, a->who,
		                      a->net[0] ? a->net : "?");
	}
}

static void from_store(struct host *h, struct deadbox_locate *r)
{
	json_t *eps = NULL;
	struct cirt_err e = {0};
	if (netstore_endpoints(h->data_root, &eps, r->notes, &e) < 0) {
		json_array_append_new(r->notes, json_sprintf("libnetwork's store: %s", e.msg));
		return;
	}
	size_t i;
	json_t *ep;
	json_array_foreach(eps, i, ep)
	{
		if (!jstr(ep, "addr") || !streq(jstr(ep, "addr"), r->addr))
			continue;
		struct deadbox_hit *x = add(r);
		if (!x)
			break;
		const char *cid = jstr(ep, "container_id"), *name = jstr(ep, "name");
		struct container *c = NULL;
		struct cirt_err fe = {0};
		if (cid)
			host_find(h, cid, &c, &fe);
		x->holder = true;
		x->kind = xstrdup("libnetwork");
		x->container_id = c ? xstrdup(c->id) : xstrdup0(cid);
		x->container = xstrdup(c ? c->name : name ? name : "?");
		x->removed = !c;
		x->open = jbool(ep, "live");
		if (c) {
			x->from_ns = ts(c->started_at);
			if (!x->open)
				x->until_ns = ts(c->finished_at);
		}
		x->source =
		    jbool(ep, "live")
		        ? xasprintf("%s/network/files/local-kv.db (live endpoint record)",
		                    h->data_root)
		        : xasprintf("%s/network/files/local-kv.db (stale endpoint record in "
		                    "freed page %lld)",
		                    h->data_root, (long long)jint(ep, "page", 0));
		x->detail = xasprintf("endpoint %.12s of network %.12s: %s/%lld mac %s",
		                      jstr(ep, "endpoint_id") ? jstr(ep, "endpoint_id") : "?",
		                      jstr(ep, "network_id") ? jstr(ep, "network_id") : "?",
		                      r->addr, (long long)jint(ep, "prefix", 0),
		                      jstr(ep, "mac") ? jstr(ep, "mac") : "?");
	}
	json_decref(eps);
}

/* ------------------------------------------------------------------ mentions */

struct clog {
	struct deadbox_locate *r;
	struct container *c;
	size_t hits;
};

static int on_log(const struct dockerlog_entry *e, void *ud)
{
	struct clog *k = ud;
	if (!deadbox_has_token(e->line, e->len, k->r->addr))
		return 0;
	struct deadbox_hit *x = add(k->r);
	if (!x || ++k->hits > 1000)
		return 1;
	x->kind = xstrdup("container-log");
	x->container_id = xstrdup(k->c->id);
	x->container = xstrdup(k->c->name);
	x->from_ns = e->time_ns;
	x->source = xasprintf("%s (%s)", e->file, e->stream == 2 ? "stderr" : "stdout");
	x->detail = xstrndup(e->line, e->len < 4096 ? e->len : 4096);
	return 0;
}

static void from_container_logs(struct host *h, struct deadbox_locate *r)
{
	for (size_t i = 0; i < h->n; i++) {
		struct container *c = &h->c[i];
		const char *drv = jstr(jobj(jobj(c->inspect, "HostConfig"), "LogConfig"), "Type");
		_cleanup_free_ char *dir = xasprintf("%s/containers/%s", h->data_root, c->id);
		struct clog k = {.r = r, .c = c};
		struct cirt_err e = {0};
		dockerlog_read(drv, jstr(c->inspect, "LogPath"), dir, on_log, &k, NULL, NULL, &e);
	}
}

static void from_journal(struct host *h, struct deadbox_locate *r, const char *dir)
{
	int fd = -1;
	_cleanup_free_ char *path = offline_dir_path(dir, &fd);
	if (!path) {
		if (fd != -ENOENT)
			json_array_append_new(
			    r->notes, json_sprintf("cirt journal '%s': %s", dir, strerror(-fd)));
		return;
	}
	_cleanup_journal_reader_ struct journal_reader *jr = NULL;
	struct cirt_err e = {0};
	if (journal_reader_open(path, 0, 0, &jr, &e) < 0) {
		json_array_append_new(r->notes, json_sprintf("cirt journal '%s': %s", dir, e.msg));
		close(fd);
		return;
	}
	const char *line;
	size_t len;
	uint64_t t;
	while (journal_reader_next(jr, &line, &len, &t, &e) == 1) {
		r->journal_lines++;
		if (!deadbox_has_token(line, len, r->addr))
			continue;
		json_t *j = json_loadb(line, len, 0, NULL);
		struct deadbox_hit *x = add(r);
		if (!x) {
			json_decref(j);
			break;
		}
		x->kind = xstrdup("journal");
		/* a flow's container on the other side than the address, or an event's */
		json_t *fl = jobj(jobj(j, "flow"), "original"), *side = NULL;
		if (fl && jstr(fl, "dst") && streq(jstr(fl, "dst"), r->addr))
			side = jobj(j, "src_container");
		else if (fl)
			side = jobj(j, "dst_container");
		else
			side = jobj(j, "container");
		const char *cid = side                      ? jstr(side, "id")
		                  : jstr(j, "container_id") ? jstr(j, "container_id")
		                                            : jstr(j, "id");
		const char *cn = side                   ? jstr(side, "name")
		                 : jstr(j, "container") ? jstr(j, "container")
		                                        : jstr(j, "name");
		/* a flow the watcher wrote before it knew the container: the records' address */
		const char *other = !fl ? NULL
		                    : jstr(fl, "dst") && streq(jstr(fl, "dst"), r->addr)
		                        ? jstr(fl, "src")
		                        : jstr(fl, "dst");
		struct container *byip = !cn && other ? offline_container_by_ip(h, other) : NULL;
		x->container_id = xstrdup0(byip ? byip->id : cid);
		x->container = xstrdup0(byip ? byip->name : cn);
		x->from_ns = (int64_t)t;
		x->source =
		    byip ? xasprintf("cirt journal %s (container by its recorded address)", dir)
		         : xasprintf("cirt journal %s", dir);
		if (fl)
			x->detail = xasprintf(
			    "flow %s %s %s:%lld -> %s:%lld",
			    jstr(j, "event") ? jstr(j, "event") : "?",
			    jstr(jobj(j, "flow"), "proto") ? jstr(jobj(j, "flow"), "proto") : "?",
			    jstr(fl, "src") ? jstr(fl, "src") : "?",
			    (long long)jint(fl, "sport", 0),
			    jstr(fl, "dst") ? jstr(fl, "dst") : "?",
			    (long long)jint(fl, "dport", 0));
		else
			x->detail = xstrndup(line, len < 4096 ? len : 4096);
		json_decref(j);
	}
	close(fd);
}

struct container *offline_container_by_ip(struct host *h, const char *addr)
{
	for (size_t i = 0; addr && i < h->n; i++)
		if (container_has_ip(&h->c[i], addr))
			return &h->c[i];
	return NULL;
}

char *offline_dir_path(const char *dir, int *ret_fd)
{
	if (!rootfs_host_root()) {
		*ret_fd = -1;
		return xstrdup(dir);
	}
	int fd = rootfs_host_open(dir, O_PATH | O_DIRECTORY);
	*ret_fd = fd;
	if (fd < 0)
		return NULL;
	/* the reader reopens it through the fd: what it reads is the confined directory, and it
	 * opens each file in it with O_NOFOLLOW */
	return xasprintf("/proc/self/fd/%d", fd);
}

static int cmp_hit(const void *a, const void *b)
{
	const struct deadbox_hit *x = a, *y = b;
	if (x->holder != y->holder)
		return x->holder ? -1 : 1;
	return x->from_ns < y->from_ns ? -1 : x->from_ns > y->from_ns;
}

/* Does the hit fall in [since, until] (0: open)? A holder's window overlaps it; an unknown
 * start or end is taken as open (the window may have reached the range). */
static bool in_range(const struct deadbox_hit *x, int64_t since, int64_t until)
{
	if (!x->holder)
		return x->from_ns
		           ? (!since || x->from_ns >= since) && (!until || x->from_ns <= until)
		           : !since && !until;
	if (until && x->from_ns && x->from_ns > until)
		return false;
	if (since && x->until_ns && x->until_ns < since && !x->open)
		return false;
	return true;
}

static void hit_clear(struct deadbox_hit *x)
{
	free(x->kind);
	free(x->container_id);
	free(x->container);
	free(x->source);
	free(x->detail);
}

int deadbox_locate(struct host *h, const char *addr, const char *journal_dir, int64_t since_ns,
                   int64_t until_ns, struct deadbox_locate **ret, struct cirt_err *err)
{
	struct deadbox_locate *r = xcalloc(1, sizeof(*r));
	if (!ip_normalize(addr, r->addr, sizeof(r->addr))) {
		free(r);
		return err_set(err, CIRT_EXIT_USAGE, "'%s' is not an IPv4 or IPv6 address", addr);
	}
	r->notes = json_array();
	from_records(h, r);
	struct svc s = {.addr = r->addr, .r = r, .h = h};
	daemonlog_each(r->addr, on_line, &s, r->notes);
	svc_windows(&s);
	free(s.v);
	from_store(h, r);
	from_container_logs(h, r);
	from_journal(h, r, journal_dir ? journal_dir : DEADBOX_JOURNAL_DIR);
	if (since_ns || until_ns) {
		size_t k = 0;
		for (size_t i = 0; i < r->n; i++) {
			if (in_range(&r->v[i], since_ns, until_ns))
				r->v[k++] = r->v[i];
			else
				hit_clear(&r->v[i]);
		}
		r->n = k;
	}
	if (r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), cmp_hit);
	*ret = r;
	return 0;
}

void deadbox_locate_free(struct deadbox_locate *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		hit_clear(&r->v[i]);
	free(r->v);
	json_decref(r->notes);
	free(r);
}

static json_t *time_or_null(int64_t ns)
{
	char b[48];
	return ns ? json_string(fmt_utc_ns(ns, b, sizeof(b))) : json_null();
}

json_t *deadbox_hit_json(const struct deadbox_hit *x)
{
	json_t *o = json_object();
	json_object_set_new(o, "held", json_boolean(x->holder));
	json_object_set_new(o, "kind", json_str(x->kind));
	json_object_set_new(o, "container", json_str(x->container));
	json_object_set_new(o, "container_id", json_str(x->container_id));
	json_object_set_new(o, "removed", json_boolean(x->removed));
	json_object_set_new(o, x->holder ? "from" : "time", time_or_null(x->from_ns));
	if (x->holder) {
		json_object_set_new(o, "until", time_or_null(x->until_ns));
		json_object_set_new(o, "until_imaged", json_boolean(x->open));
	}
	json_object_set_new(o, "source", json_str(x->source));
	json_object_set_new(o, "detail", json_str(x->detail));
	return o;
}
