/* host_disk.c: the host snapshot from the daemon's list and its own records on disk (one list
 * request instead of one inspect per container), each record cross-checked with the list and
 * its pid with the container's cgroup; and the per-container work every loader shares (records,
 * namespaces, cgroups), spread over a few threads. */
#include <pthread.h>
#include <time.h>

#include "model/host.h"
#include "model/host_int.h"
#include "pool.h"
#include "sources/cgscan.h"
#include "sources/ondisk.h"
#include "sources/procfs.h"
#include "sources/rtnl.h"

/* Threads for n independent jobs: one per CPU (at most 4), and none for a handful of jobs. */
unsigned host_threads(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned t = cpus > 1 ? (unsigned)(cpus < 4 ? cpus : 4) : 1;
	if (n < 8)
		return 1;
	if (t > n / 8)
		t = (unsigned)(n / 8);
	return t ? t : 1;
}

/* Run fn over n items of size sz, on host_threads(n) threads (inline for one). */
struct par {
	void (*fn)(void *ctx, void *item);
	void *ctx;
};

static void par_job(void *ud, unsigned worker, void *job)
{
	(void)worker;
	struct par *p = ud;
	p->fn(p->ctx, job);
}

void host_parallel(void *items, size_t n, size_t sz, void (*fn)(void *ctx, void *item), void *ctx)
{
	unsigned t = host_threads(n);
	if (t <= 1) {
		for (size_t i = 0; i < n; i++)
			fn(ctx, (char *)items + i * sz);
		return;
	}
	struct par p = {fn, ctx};
	struct pool *pool = pool_new(t, par_job, &p);
	/* LIFO: pushed last first, so the items are taken in their order */
	for (size_t i = n; i-- > 0;)
		pool_push(pool, (char *)items + i * sz, 0);
	pool_wait(pool, 0, NULL, NULL);
	pool_free(pool);
}

/* ---------------------------------------------------------------- records */

struct rec_ctx {
	const char *root;
	struct ondisk_cache *cache;
};

static void rec_read(void *ctx, void *item)
{
	struct rec_ctx *x = ctx;
	struct host_rec *r = item;
	struct cirt_err e = {0};
	r->notes = json_array();
	if (ondisk_inspect_cached(x->root, r->id, x->cache, &r->doc, r->notes, &e) < 0) {
		r->doc = NULL;
		r->why = xstrdup(e.msg);
		r->err = e.code;
	}
}

void host_read_records(const char *root, struct host_rec *v, size_t n)
{
	struct rec_ctx x = {.root = root, .cache = ondisk_cache_new()};
	host_parallel(v, n, sizeof(*v), rec_read, &x);
	ondisk_cache_free(x.cache);
}

void host_rec_clear(struct host_rec *r)
{
	json_decref(r->doc);
	json_decref(r->notes);
	free(r->why);
	free(r->id);
	memset(r, 0, sizeof(*r));
}

/* ---------------------------------------------------------------- the list against the record */

static bool same_str(const char *a, const char *b)
{
	return streq(a ? a : "", b ? b : "");
}

/* null, a missing key and an empty object or array say the same: nothing */
static bool same_json(json_t *a, json_t *b)
{
	bool ea = !a || json_is_null(a) || (json_is_object(a) && !json_object_size(a)) ||
	          (json_is_array(a) && !json_array_size(a));
	bool eb = !b || json_is_null(b) || (json_is_object(b) && !json_object_size(b)) ||
	          (json_is_array(b) && !json_array_size(b));
	if (ea || eb)
		return ea && eb;
	return json_equal(a, b);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Two lists of strings, compared as multisets (each freed). */
static bool same_set(char **a, size_t na, char **b, size_t nb)
{
	bool same = na == nb;
	if (same && na) {
		qsort(a, na, sizeof(*a), cmp_strp);
		qsort(b, nb, sizeof(*b), cmp_strp);
		for (size_t i = 0; i < na && same; i++)
			same = streq(a[i], b[i]);
	}
	for (size_t i = 0; i < na; i++)
		free(a[i]);
	for (size_t i = 0; i < nb; i++)
		free(b[i]);
	free(a);
	free(b);
	return same;
}

static void push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

/* The list's Ports [{IP, PrivatePort, PublicPort, Type}] against the record's
 * NetworkSettings.Ports {"80/tcp": [{HostIp, HostPort}] | null}. */
static bool same_ports(json_t *list_ports, json_t *rec_ports)
{
	char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0, i;
	json_t *p;
	json_array_foreach(list_ports, i, p)
	{
		long long pub = jint(p, "PublicPort", 0);
		if (pub)
			push(&a, &na,
			     xasprintf("%lld/%s %s:%lld", jint(p, "PrivatePort", 0),
			               jstr(p, "Type") ? jstr(p, "Type") : "",
			               jstr(p, "IP") ? jstr(p, "IP") : "", pub));
		else
			push(&a, &na,
			     xasprintf("%lld/%s -", jint(p, "PrivatePort", 0),
			               jstr(p, "Type") ? jstr(p, "Type") : ""));
	}
	const char *key;
	json_t *binds;
	json_object_foreach(rec_ports, key, binds)
	{
		long long priv = atoll(key);
		const char *sl = strchr(key, '/');
		const char *proto = sl ? sl + 1 : "tcp";
		if (!json_array_size(binds)) {
			push(&b, &nb, xasprintf("%lld/%s -", priv, proto));
			continue;
		}
		json_t *bd;
		size_t k;
		json_array_foreach(binds, k, bd)
		{
			const char *hp = jstr(bd, "HostPort");
			long long pub = hp ? atoll(hp) : 0;
			if (pub)
				push(&b, &nb,
				     xasprintf("%lld/%s %s:%lld", priv, proto,
				               jstr(bd, "HostIp") ? jstr(bd, "HostIp") : "", pub));
			else
				push(&b, &nb, xasprintf("%lld/%s -", priv, proto));
		}
	}
	return same_set(a, na, b, nb);
}

static char *mount_key(json_t *m)
{
	return xasprintf("%s|%s|%s|%s|%d", jstr(m, "Type") ? jstr(m, "Type") : "",
	                 jstr(m, "Name") ? jstr(m, "Name") : "",
	                 jstr(m, "Source") ? jstr(m, "Source") : "",
	                 jstr(m, "Destination") ? jstr(m, "Destination") : "", jbool(m, "RW"));
}

static bool same_mounts(json_t *x, json_t *y)
{
	char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0, i;
	json_t *m;
	json_array_foreach(x, i, m) push(&a, &na, mount_key(m));
	json_array_foreach(y, i, m) push(&b, &nb, mount_key(m));
	return same_set(a, na, b, nb);
}

/* The list's Command: Path and Args joined by spaces, an argument holding a space quoted. */
static char *list_command(json_t *doc)
{
	struct buf b = {0};
	buf_printf(&b, "%s", jstr(doc, "Path") ? jstr(doc, "Path") : "");
	size_t i;
	json_t *a;
	json_array_foreach(jarr(doc, "Args"), i, a)
	{
		const char *s = json_string_value(a);
		if (!s)
			continue;
		buf_printf(&b, strchr(s, ' ') ? " '%s'" : " %s", s);
	}
	buf_cstr(&b);
	return b.data;
}

/* RFC 3339 as Go writes it ("2024-05-01T12:00:00.123456789Z", or with a "+02:00" offset), in
 * seconds since the epoch; -1 when it is not. */
static long long rfc3339_secs(const char *s)
{
	if (!s)
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	long long t = (long long)timegm(&tm);
	if (*p == 'Z')
		return t;
	int hh, mm;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2)
		return t - (*p == '+' ? 1 : -1) * (hh * 3600LL + mm * 60LL);
	return -1;
}

static const char *const ep_fields[] = {"NetworkID",         "EndpointID",          "Gateway",
                                        "IPAddress",         "IPPrefixLen",         "IPv6Gateway",
                                        "GlobalIPv6Address", "GlobalIPv6PrefixLen", "MacAddress"};

char *host_record_disagrees(json_t *item, json_t *doc)
{
	if (!same_str(jstr(item, "Id"), jstr(doc, "Id")))
		return xstrdup("its id");
	const char *name = jstr(doc, "Name");
	bool named = false;
	size_t i;
	json_t *n;
	json_array_foreach(jarr(item, "Names"), i, n) named |=
	    name && json_is_string(n) && streq(json_string_value(n), name);
	if (!named)
		return xasprintf("its name '%s'", name ? name : "");
	const char *ls = jstr(item, "State"), *ds = jstr(jobj(doc, "State"), "Status");
	if (!same_str(ls, ds))
		return xasprintf("its state ('%s' in the record, '%s' from the daemon)",
		                 ds ? ds : "", ls ? ls : "");
	if (!same_str(jstr(item, "ImageID"), jstr(doc, "Image")))
		return xstrdup("its image");
	if (!same_str(jstr(jobj(item, "HostConfig"), "NetworkMode"),
	              jstr(jobj(doc, "HostConfig"), "NetworkMode")))
		return xstrdup("its network mode");
	json_t *ln = jobj(jobj(item, "NetworkSettings"), "Networks");
	json_t *dn = jobj(jobj(doc, "NetworkSettings"), "Networks");
	if (json_object_size(ln) != json_object_size(dn))
		return xstrdup("its networks");
	const char *key;
	json_t *le;
	json_object_foreach(ln, key, le)
	{
		json_t *de = json_object_get(dn, key);
		if (!json_is_object(de))
			return xasprintf("its networks ('%s')", key);
		for (size_t f = 0; f < ARRAY_SIZE(ep_fields); f++)
			if (!same_json(json_object_get(le, ep_fields[f]),
			               json_object_get(de, ep_fields[f])))
				return xasprintf("its %s on network '%s'", ep_fields[f], key);
	}
	if (!same_ports(jarr(item, "Ports"), jobj(jobj(doc, "NetworkSettings"), "Ports")))
		return xstrdup("its ports");
	if (!same_mounts(jarr(item, "Mounts"), jarr(doc, "Mounts")))
		return xstrdup("its mounts");
	_cleanup_free_ char *cmd = list_command(doc);
	if (!same_str(jstr(item, "Command"), cmd))
		return xstrdup("its command");
	if (jint(item, "Created", -2) != rfc3339_secs(jstr(doc, "Created")))
		return xstrdup("its creation time");
	if (!same_json(json_object_get(item, "Labels"),
	               json_object_get(jobj(doc, "Config"), "Labels")))
		return xstrdup("its labels");
	return NULL;
}

/* ---------------------------------------------------------------- namespaces and cgroups */

struct fin_ctx {
	const struct rtnl_links *hostl;
	const struct rtnl_link **byidx; /* hostl sorted by ifindex */
	size_t nidx;
	unsigned long host_netns;
	unsigned needs;
};

static int cmp_link_idx(const void *a, const void *b)
{
	const struct rtnl_link *const *x = a, *const *y = b;
	return ((*x)->ifindex > (*y)->ifindex) - ((*x)->ifindex < (*y)->ifindex);
}

static const struct rtnl_link *host_link(const struct fin_ctx *f, int ifindex)
{
	struct rtnl_link k = {.ifindex = ifindex};
	const struct rtnl_link *kp = &k;
	const struct rtnl_link **hit =
	    bsearch(&kp, f->byidx, f->nidx, sizeof(*f->byidx), cmp_link_idx);
	return hit ? *hit : NULL;
}

/* The container's interfaces (by MAC, from the daemon's endpoints) joined with their host-side
 * veth peers and bridges. */
static void join_links(const struct fin_ctx *f, struct container *c, const struct rtnl_links *inner)
{
	for (size_t i = 0; i < c->n_eps; i++) {
		struct endpoint *e = &c->eps[i];
		if (!e->mac)
			continue;
		const struct rtnl_link *k = NULL;
		char mac[64];
		for (size_t j = 0; j < inner->n; j++) {
			if (strcasecmp(rtnl_mac_str(&inner->v[j], mac, sizeof(mac)), e->mac) == 0 &&
			    inner->v[j].link > 0) {
				k = &inner->v[j];
				break;
			}
		}
		if (!k) {
			container_note(c, "no interface with MAC %s in the container namespace",
			               e->mac);
			continue;
		}
		e->ifname = xstrdup(k->name);
		e->ifindex = k->ifindex;
		const struct rtnl_link *peer = host_link(f, k->link);
		/* both ends must point at each other: ifindexes repeat across namespaces */
		if (!peer || peer->link != k->ifindex) {
			container_note(c, "host-side peer of %s (ifindex %d) not found", k->name,
			               k->link);
			continue;
		}
		e->veth = xstrdup(peer->name);
		e->veth_ifindex = peer->ifindex;
		if (peer->master > 0) {
			const struct rtnl_link *br = host_link(f, peer->master);
			if (br) {
				e->bridge = xstrdup(br->name);
				e->bridge_ifindex = br->ifindex;
			}
		}
	}
}

static void net_one(const struct fin_ctx *f, struct container *c)
{
	c->netns_inode = procfs_ns_inode(c->pid, "net");
	if (!c->netns_inode) {
		int e = errno;
		container_note(c, "cannot read /proc/%d/ns/net: %s%s", c->pid, strerror(e),
		               e == EACCES || e == EPERM
		                   ? " (veth and bridge need root: CAP_SYS_PTRACE to see another "
		                     "user's namespace, CAP_SYS_ADMIN to enter it)"
		                   : "");
		return;
	}
	if (c->netns_inode == f->host_netns || c->mode == NETMODE_HOST || c->n_eps == 0)
		return;
	_cleanup_close_ int nsfd = procfs_open_ns(c->pid, "net");
	if (nsfd < 0) {
		container_note(c, "open netns of pid %d: %s", c->pid, strerror(-nsfd));
		return;
	}
	struct rtnl_links inner = {0};
	struct cirt_err err = {0};
	if (rtnl_dump_links(nsfd, &inner, &err) < 0) {
		container_note(c, "links in its namespace: %s", err.msg);
		return;
	}
	join_links(f, c, &inner);
	rtnl_links_free(&inner);
}

static void finish_one(void *ctx, void *item)
{
	const struct fin_ctx *f = ctx;
	struct container *c = item;
	if (c->pid <= 0)
		return;
	if (f->hostl)
		net_one(f, c);
	if ((f->needs & HOST_NEED_PROC) && !c->cgroup) {
		c->cgroup = procfs_cgroup(c->pid);
		if (!c->cgroup)
			container_note(c, "cannot read /proc/%d/cgroup", c->pid);
	}
}

void host_finish(struct host *h, unsigned needs)
{
	struct rtnl_links hostl = {0};
	struct fin_ctx f = {.needs = needs};
	if (needs & HOST_NEED_NET) {
		struct cirt_err err = {0};
		if (rtnl_dump_links(-1, &hostl, &err) < 0)
			host_warn(h, "host links: %s", err.msg);
		else {
			f.hostl = &hostl;
			f.byidx = xcalloc(hostl.n + 1, sizeof(*f.byidx));
			for (size_t i = 0; i < hostl.n; i++)
				f.byidx[i] = &hostl.v[i];
			f.nidx = hostl.n;
			qsort(f.byidx, f.nidx, sizeof(*f.byidx), cmp_link_idx);
			f.host_netns = procfs_ns_inode(getpid(), "net");
		}
	}
	if (f.hostl || (needs & HOST_NEED_PROC))
		host_parallel(h->c, h->n, sizeof(*h->c), finish_one, &f);
	free(f.byidx);
	rtnl_links_free(&hostl);
}

/* ---------------------------------------------------------------- the loader */

bool host_disk_usable(struct docker *d)
{
	/* the records are this host's: only a daemon on a local socket can be theirs */
	return startswith(docker_host(d), "unix://");
}

struct early {
	pthread_t th;
	bool threaded;
	const char *root;
	bool ok;
	struct cg_scan scan;
	struct host_rec *recs; /* the records of the containers that run, in id order */
	size_t n;
};

/* One pass over /proc, then the records of what runs (what `ps` shows), read while the daemon
 * prepares its list. */
static void *early_thread(void *arg)
{
	struct early *x = arg;
	struct cirt_err e = {0};
	x->ok = cg_scan(NULL, &x->scan, &e) == 0;
	if (!x->ok)
		return NULL;
	x->recs = xcalloc(x->scan.n + 1, sizeof(*x->recs));
	for (size_t i = 0; i < x->scan.n; i++)
		x->recs[x->n++].id = xstrdup(x->scan.v[i].id);
	host_read_records(x->root, x->recs, x->n);
	return NULL;
}

static int cmp_rec(const void *a, const void *b)
{
	return strcmp(((const struct host_rec *)a)->id, ((const struct host_rec *)b)->id);
}

static int cmp_by_name(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static bool list_wanted(json_t *item, bool all)
{
	if (all)
		return true;
	const char *st = jstr(item, "State");
	return st && (streq(st, "running") || streq(st, "paused") || streq(st, "restarting"));
}

/* Why the disk's answer for this list item cannot be used (to free), NULL when it can. */
static char *unusable(const struct early *x, json_t *item, const struct host_rec *r)
{
	if (!r || !r->doc)
		return xasprintf("its record on disk cannot be read (%s)",
		                 r && r->why ? r->why : "no such record");
	if (json_array_size(r->notes))
		return xasprintf("its record on disk is incomplete (%s)",
		                 json_string_value(json_array_get(r->notes, 0)));
	char *d = host_record_disagrees(item, r->doc);
	if (d) {
		char *w =
		    xasprintf("its record on disk disagrees with the daemon's list about %s", d);
		free(d);
		return w;
	}
	json_t *st = jobj(r->doc, "State");
	long long pid = jbool(st, "Running") ? jint(st, "Pid", 0) : 0;
	if (pid <= 0)
		return NULL;
	if (!x->ok)
		return xstrdup("the processes could not be read to check its recorded pid");
	const struct cg_container *cg = cg_scan_find(&x->scan, r->id);
	if (!cg || pid > INT32_MAX || !cg_container_has_pid(cg, (int)pid))
		return xasprintf("its recorded pid %lld is not a process of its cgroup", pid);
	return NULL;
}

int host_load_disk(struct docker *d, const struct host_load_opts *o, struct host **ret,
                   struct cirt_err *err)
{
	_cleanup_free_ char *root = ondisk_docker_root();
	struct early x = {.root = root};
	x.threaded = pthread_create(&x.th, NULL, early_thread, &x) == 0;
	json_t *list = NULL;
	int lr = docker_get_json(d, "/containers/json?all=1", &list, err);
	if (x.threaded)
		pthread_join(x.th, NULL);
	else
		early_thread(&x);
	if (lr == 0 && !json_is_array(list)) {
		json_decref(list);
		lr = err_set(err, CIRT_EXIT_BADANSWER,
		             "list containers: daemon answer is not a JSON array");
	} else if (lr < 0)
		err_prefix(err, "list containers");
	struct host *h = lr < 0 ? NULL : xcalloc(1, sizeof(*h));
	size_t n = lr < 0 ? 0 : json_array_size(list);
	/* the wanted items, and the records still to read (stopped containers with --all) */
	json_t **items = xcalloc(n + 1, sizeof(*items));
	struct host_rec **rec_of = xcalloc(n + 1, sizeof(*rec_of));
	struct host_rec *more = xcalloc(n + 1, sizeof(*more));
	size_t ni = 0, nmore = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(list, i);
		const char *id = jstr(item, "Id");
		if (!id || !*id || strchr(id, '/') || strchr(id, '?') || strlen(id) > 128) {
			host_warn(h, "list containers: skipped an entry without a usable Id");
			continue;
		}
		if (!list_wanted(item, o->all))
			continue;
		struct host_rec key = {.id = (char *)id};
		struct host_rec *r =
		    x.n ? bsearch(&key, x.recs, x.n, sizeof(*x.recs), cmp_rec) : NULL;
		if (!r) {
			more[nmore].id = xstrdup(id);
			r = &more[nmore++];
		}
		items[ni] = item;
		rec_of[ni++] = r;
	}
	if (nmore)
		host_read_records(root, more, nmore);
	char **paths = xcalloc(ni + 1, sizeof(*paths));
	char **whys = xcalloc(ni + 1, sizeof(*whys));
	size_t np = 0;
	if (h) {
		h->docker_host = xstrdup(docker_host(d));
		h->api_version = xstrdup(docker_api_version(d));
		h->c = xcalloc(ni + 1, sizeof(*h->c));
	}
	for (size_t i = 0; i < ni; i++) {
		char *why = unusable(&x, items[i], rec_of[i]);
		if (why) {
			paths[np] = xasprintf("/containers/%s/json", jstr(items[i], "Id"));
			whys[np++] = why;
			continue;
		}
		struct container *c = &h->c[h->n];
		if (container_from_inspect(rec_of[i]->doc, c) < 0)
			continue;
		h->n++;
	}
	for (size_t i = 0; i < x.n; i++)
		host_rec_clear(&x.recs[i]);
	free(x.recs);
	for (size_t i = 0; i < nmore; i++)
		host_rec_clear(&more[i]);
	free(more);
	free(rec_of);
	free(items);
	json_decref(list);
	int r = 0;
	if (np) {
		/* where the disk gives no answer, the daemon's own */
		struct docker_result *res = xcalloc(np + 1, sizeof(*res));
		r = docker_get_json_many(d, paths, np, o->parallel ? o->parallel : 4, res, err);
		size_t vanished = 0;
		for (size_t i = 0; r == 0 && i < np; i++) {
			if (res[i].status == 404) {
				vanished++;
				continue;
			}
			if (!res[i].json) {
				host_warn(h, "inspect: %s",
				          res[i].err_msg ? res[i].err_msg : "no answer");
				continue;
			}
			struct container *c = &h->c[h->n];
			if (container_from_inspect(res[i].json, c) < 0) {
				host_warn(h, "inspect: answer without an Id");
				continue;
			}
			container_note(c, "details from the daemon's inspect: %s", whys[i]);
			h->n++;
		}
		if (vanished)
			host_warn(h, "%zu container%s removed while being read: left out", vanished,
			          vanished == 1 ? " was" : "s were");
		for (size_t i = 0; i < np; i++)
			docker_result_clear(&res[i]);
		free(res);
		if (r < 0)
			err_prefix(err, "inspect containers");
	}
	for (size_t i = 0; i < np; i++) {
		free(paths[i]);
		free(whys[i]);
	}
	free(paths);
	free(whys);
	cg_scan_free(&x.scan);
	if (lr < 0 || r < 0) {
		host_free(h);
		return -1;
	}
	if (h->n > 1)
		qsort(h->c, h->n, sizeof(*h->c), cmp_by_name);
	host_finish(h, o->needs);
	host_link_shared(h);
	if (o->needs & HOST_DROP_DOC)
		for (size_t i = 0; i < h->n; i++) {
			json_decref(h->c[i].inspect);
			h->c[i].inspect = NULL;
		}
	*ret = h;
	return 0;
}
