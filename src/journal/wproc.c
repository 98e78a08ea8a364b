/* wproc.c: the watcher's process table (pid -> record, open addressing) and the JSON of a
 * process with its parents. */
#include "journal/wproc.h"

#include "escape.h"
#include "util.h"

struct slot {
	int pid;
	struct wproc *p; /* NULL: empty */
};

struct dying {
	int pid;
	struct wproc *p; /* referenced */
};

struct wptab {
	struct addrmap *am;
	struct slot *v;
	size_t cap, n;
	struct dying *d; /* exited, oldest first from dhead */
	size_t dhead, dn, dcap;
	struct wproc *spare; /* the last record that did not fit (referenced) */
	uint64_t untracked;
};

char *wproc_js(const char *s, size_t n)
{
	json_t *j = json_strn(s ? s : "", s ? n : 0);
	char *r = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	return r ? r : xstrdup("\"\"");
}

const char *wproc_via_name(uint8_t via)
{
	switch (via) {
	case WPROC_VIA_BPF:
		return "bpf";
	case WPROC_VIA_PROC_CONNECTOR:
		return "proc_connector";
	case WPROC_VIA_PROCFS:
		return "procfs";
	default:
		return "unknown";
	}
}

struct wptab *wptab_new(struct addrmap *am)
{
	struct wptab *t = xcalloc(1, sizeof(*t));
	t->am = am;
	t->cap = 1024;
	t->v = xcalloc(t->cap, sizeof(*t->v));
	return t;
}

void wproc_ref(struct wproc *p)
{
	if (p)
		p->refs++;
}

void wproc_unref(struct wptab *t, struct wproc *p)
{
	if (!p || --p->refs)
		return;
	addrmap_unref(t->am, p->ci);
	free(p->comm_js);
	free(p->exe_js);
	json_decref(p->argv);
	free(p->anc);
	free(p->self_js);
	free(p->json);
	free(p);
}

void wptab_free(struct wptab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		wproc_unref(t, t->v[i].p);
	for (size_t i = t->dhead; i < t->dn; i++)
		wproc_unref(t, t->d[i].p);
	wproc_unref(t, t->spare);
	free(t->v);
	free(t->d);
	free(t);
}

/* ---------------------------------------------------------------- the hash */

static size_t home(const struct wptab *t, int pid)
{
	return (size_t)(((uint32_t)pid * 2654435761u) >> 7) & (t->cap - 1);
}

static struct slot *find(const struct wptab *t, int pid)
{
	for (size_t i = home(t, pid);; i = (i + 1) & (t->cap - 1)) {
		struct slot *s = &t->v[i];
		if (!s->p)
			return NULL;
		if (s->pid == pid)
			return s;
	}
}

static void put(struct wptab *t, int pid, struct wproc *p)
{
	size_t i = home(t, pid);
	while (t->v[i].p)
		i = (i + 1) & (t->cap - 1);
	t->v[i] = (struct slot){.pid = pid, .p = p};
}

static void grow(struct wptab *t)
{
	struct slot *old = t->v;
	size_t oc = t->cap;
	t->cap *= 2;
	t->v = xcalloc(t->cap, sizeof(*t->v));
	for (size_t i = 0; i < oc; i++)
		if (old[i].p)
			put(t, old[i].pid, old[i].p);
	free(old);
}

/* backward-shift removal: no tombstones */
static void del(struct wptab *t, struct slot *s)
{
	size_t i = (size_t)(s - t->v);
	struct wproc *gone = s->p;
	t->v[i].p = NULL;
	t->n--;
	for (size_t j = (i + 1) & (t->cap - 1); t->v[j].p; j = (j + 1) & (t->cap - 1)) {
		size_t h = home(t, t->v[j].pid);
		bool between = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (between)
			continue;
		t->v[i] = t->v[j];
		t->v[j].p = NULL;
		i = j;
	}
	gone->in_table = false;
	wproc_unref(t, gone);
}

struct wproc *wptab_get(struct wptab *t, int pid)
{
	struct slot *s = pid > 0 ? find(t, pid) : NULL;
	return s ? s->p : NULL;
}

size_t wptab_size(const struct wptab *t)
{
	return t->n;
}

uint64_t wptab_untracked(const struct wptab *t)
{
	return t->untracked;
}

/* ---------------------------------------------------------------- exits */

static void dying_pop(struct wptab *t)
{
	struct dying *d = &t->d[t->dhead++];
	struct slot *s = find(t, d->pid);
	if (s && s->p == d->p)
		del(t, s);
	wproc_unref(t, d->p);
	if (t->dhead == t->dn)
		t->dhead = t->dn = 0;
}

void wptab_exit(struct wptab *t, int pid, uint64_t t_ns)
{
	struct wproc *p = wptab_get(t, pid);
	if (!p || p->exit_ns)
		return;
	p->exit_ns = t_ns ? t_ns : 1;
	if (t->dhead && t->dn == t->dcap) {
		memmove(t->d, t->d + t->dhead, (t->dn - t->dhead) * sizeof(*t->d));
		t->dn -= t->dhead;
		t->dhead = 0;
	}
	if (t->dn == t->dcap) {
		t->dcap = t->dcap ? t->dcap * 2 : 256;
		t->d = xrealloc(t->d, t->dcap * sizeof(*t->d));
	}
	wproc_ref(p);
	t->d[t->dn++] = (struct dying){.pid = pid, .p = p};
}

void wptab_sweep(struct wptab *t, uint64_t now_ns)
{
	while (t->dhead < t->dn && t->d[t->dhead].p->exit_ns + WPROC_GRACE_NS <= now_ns)
		dying_pop(t);
}

/* ---------------------------------------------------------------- records */

static void set_parents_from(struct wproc *r, struct wproc *q)
{
	if (!q)
		return;
	const char *self = q->self_js;
	if (!self) {
		q->self_js =
		    xasprintf("{\"pid\":%d,\"comm\":%s,\"exe\":%s}", q->pid, q->comm_js, q->exe_js);
		self = q->self_js;
	}
	size_t sl = strlen(self);
	size_t k = q->n_anc < WPROC_PARENTS_MAX - 1 ? q->n_anc : WPROC_PARENTS_MAX - 1;
	size_t rest = k ? q->anc_end[k - 1] : 0;
	if (sl + 1 + rest > UINT16_MAX) /* parents with enormous paths: only the first */
		k = rest = 0;
	if (sl > UINT16_MAX)
		return;
	r->anc = xmalloc(sl + 1 + rest + 1);
	memcpy(r->anc, self, sl);
	if (k) {
		r->anc[sl] = ',';
		memcpy(r->anc + sl + 1, q->anc, rest);
	}
	r->anc[sl + (k ? 1 + rest : 0)] = '\0';
	r->anc_end[0] = (uint16_t)sl;
	for (size_t i = 0; i < k; i++)
		r->anc_end[i + 1] = (uint16_t)(sl + 1 + q->anc_end[i]);
	r->n_anc = (uint8_t)(1 + k);
}

static void copy_parents(struct wproc *r, const struct wproc *q)
{
	if (!q || !q->n_anc)
		return;
	r->anc = xstrdup(q->anc);
	r->n_anc = q->n_anc;
	memcpy(r->anc_end, q->anc_end, sizeof(r->anc_end));
}

static struct wproc *make(struct wptab *t, const struct wproc_info *in)
{
	struct wproc *r = xcalloc(1, sizeof(*r));
	r->refs = 1;
	r->pid = in->pid;
	r->ppid = in->ppid;
	r->uid = in->uid;
	r->ci = in->ci;
	addrmap_ref(t->am, r->ci);
	r->netns = in->netns;
	r->t_ns = in->t_ns;
	r->comm_js = wproc_js(in->comm, in->comm_len);
	r->exe_js = in->exe ? wproc_js(in->exe, in->exe_len) : xstrdup("null");
	r->argv = json_incref(in->argv);
	r->argv_trunc = in->argv_trunc;
	r->via = in->via;
	return r;
}

/* r becomes pid's record (the table's reference is r's first) */
static struct wproc *keep(struct wptab *t, struct wproc *r)
{
	struct slot *s = find(t, r->pid);
	if (s) {
		s->p->in_table = false;
		wproc_unref(t, s->p);
		s->p = r;
		r->in_table = true;
		return r;
	}
	/* full: the oldest exited ones go before their time */
	while (t->n >= WPROC_MAX && t->dhead < t->dn)
		dying_pop(t);
	if (t->n >= WPROC_MAX) {
		t->untracked++;
		wproc_unref(t, t->spare);
		t->spare = r;
		return r;
	}
	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	put(t, r->pid, r);
	t->n++;
	r->in_table = true;
	return r;
}

/* a parent of a process in container ci: the chain stops where the container does */
static struct wproc *same_container(struct wproc *q, int ci)
{
	return q && q->ci == ci ? q : NULL;
}

struct wproc *wptab_exec(struct wptab *t, const struct wproc_info *in)
{
	struct wproc *r = make(t, in);
	struct wproc *old = wptab_get(t, in->pid);
	/* the fork copy's parents, unless it was reparented since (its forker exited: runc's
	 * parents of a container's init, a daemon's double fork): then its parent now */
	if (old && old->ci == in->ci && old->ppid == in->ppid)
		copy_parents(r, old);
	else
		set_parents_from(r, same_container(wptab_get(t, in->ppid), in->ci));
	return keep(t, r);
}

struct wproc *wptab_fork(struct wptab *t, int parent, const struct wproc_info *in)
{
	struct wproc *q = wptab_get(t, parent);
	struct wproc *r = make(t, in);
	if (q) {
		if (in->exe == NULL) {
			free(r->exe_js);
			r->exe_js = xstrdup(q->exe_js);
		}
		if (!r->argv) {
			r->argv = json_incref(q->argv);
			r->argv_trunc = q->argv_trunc;
		}
		if (r->uid < 0)
			r->uid = q->uid;
	}
	set_parents_from(r, same_container(q, in->ci));
	return keep(t, r);
}

struct wproc *wptab_seen(struct wptab *t, const struct wproc_info *in)
{
	struct wproc *r = make(t, in);
	set_parents_from(r, same_container(wptab_get(t, in->ppid), in->ci));
	return keep(t, r);
}

/* ---------------------------------------------------------------- JSON */

char *wproc_argv_json(const struct wproc *p)
{
	if (!p->argv)
		return xstrdup("null");
	char *s = json_dumps(p->argv, JSON_COMPACT | JSON_ENSURE_ASCII);
	return s ? s : xstrdup("[]");
}

const char *wproc_json(struct wproc *p)
{
	if (!p->json) {
		_cleanup_free_ char *argv = wproc_argv_json(p);
		p->json =
		    xasprintf("{\"pid\":%d,\"comm\":%s,\"exe\":%s,\"argv\":%s,\"ppid\":%d,"
		              "\"parents\":[%s]}",
		              p->pid, p->comm_js, p->exe_js, argv, p->ppid, p->anc ? p->anc : "");
	}
	return p->json;
}
