/* sockets.c: container <-> network namespace <-> socket <-> process, joined once per namespace. */
#include "model/sockets.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "escape.h"
#include "sources/procfs.h"
#include "sources/rootfs.h"

struct group {
	unsigned long ino;
	bool host;
	struct container **m;
	size_t nm;
};

struct passwd_cache {
	const struct container *c; /* NULL: the host's */
	char *text;                /* NULL when unreadable */
};

struct ctx {
	struct sockets *s;
	bool lineage;
	size_t *gidx; /* group of each kept socket */
	size_t cap;
	struct passwd_cache *pw;
	size_t npw;
};

static void warn(struct sockets *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct sockets *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&s->warnings, &s->n_warnings, fmt, ap);
	va_end(ap);
}

/* Namespace inode -> index: one lookup per container, however many namespaces there are. */
struct ino_map {
	unsigned long *key;
	size_t *val;
	size_t n, cap; /* cap: a power of two, or 0 */
};

static size_t ino_slot(const struct ino_map *m, unsigned long ino)
{
	size_t k = (size_t)(ino * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
	while (m->key[k] && m->key[k] != ino)
		k = (k + 1) & (m->cap - 1);
	return k;
}

static bool ino_get(const struct ino_map *m, unsigned long ino, size_t *ret)
{
	if (!m->cap || !ino)
		return false;
	size_t k = ino_slot(m, ino);
	if (m->key[k] != ino)
		return false;
	*ret = m->val[k];
	return true;
}

static void ino_put(struct ino_map *m, unsigned long ino, size_t v)
{
	if (!ino)
		return;
	if (2 * (m->n + 1) > m->cap) {
		struct ino_map g = {.cap = m->cap ? m->cap * 2 : 64};
		g.key = xcalloc(g.cap, sizeof(*g.key));
		g.val = xcalloc(g.cap, sizeof(*g.val));
		for (size_t i = 0; i < m->cap; i++)
			if (m->key[i]) {
				size_t k = ino_slot(&g, m->key[i]);
				g.key[k] = m->key[i];
				g.val[k] = m->val[i];
				g.n++;
			}
		free(m->key);
		free(m->val);
		*m = g;
	}
	size_t k = ino_slot(m, ino);
	if (!m->key[k])
		m->n++;
	m->key[k] = ino;
	m->val[k] = v;
}

static void ino_map_free(struct ino_map *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

struct groups {
	struct group *v;
	size_t n, cap;
	struct ino_map ix;
};

static struct group *group_for(struct groups *gs, unsigned long ino, bool host)
{
	size_t i;
	if (ino_get(&gs->ix, ino, &i))
		return &gs->v[i];
	if (gs->n == gs->cap) {
		gs->cap = gs->cap ? gs->cap * 2 : 16;
		gs->v = xrealloc(gs->v, gs->cap * sizeof(*gs->v));
	}
	struct group *g = &gs->v[gs->n];
	memset(g, 0, sizeof(*g));
	g->ino = ino;
	g->host = host;
	ino_put(&gs->ix, ino, gs->n);
	gs->n++;
	return g;
}

static void group_add(struct group *g, struct container *c)
{
	if ((g->nm & (g->nm - 1)) == 0)
		g->m = xrealloc(g->m, (g->nm ? g->nm * 2 : 1) * sizeof(*g->m));
	g->m[g->nm++] = c;
}

/* The container whose namespace it is: not one that joined it (container:X). */
static struct container *group_owner(const struct group *g)
{
	for (size_t i = 0; i < g->nm; i++)
		if (g->m[i]->mode != NETMODE_CONTAINER)
			return g->m[i];
	return g->nm ? g->m[0] : NULL;
}

static const char *passwd_text(struct ctx *x, const struct container *c, int pid)
{
	for (size_t i = 0; i < x->npw; i++)
		if (x->pw[i].c == c)
			return x->pw[i].text;
	char *text = NULL;
	if (c) {
		/* the container's own file, read confined to its root: it is attacker-controlled */
		char root[64];
		snprintf(root, sizeof(root), "/proc/%d/root", pid);
		int rfd = rootfs_open_root(root);
		if (rfd >= 0) {
			if (rootfs_read_file(rfd, "/etc/passwd", 1 << 20, &text, NULL) < 0)
				text = NULL;
			close(rfd);
		}
	} else if (read_file_max(AT_FDCWD, "/etc/passwd", 1 << 20, &text, NULL) < 0)
		text = NULL;
	x->pw = xrealloc(x->pw, (x->npw + 1) * sizeof(*x->pw));
	x->pw[x->npw].c = c;
	x->pw[x->npw].text = text;
	x->npw++;
	return text;
}

static char *user_name(const char *passwd, long uid)
{
	if (!passwd || uid < 0)
		return NULL;
	for (const char *line = passwd; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		/* name:password:uid:... */
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			char *end;
			long u = strtol(c2 + 1, &end, 10);
			if (end != c2 + 1 && *end == ':' && u == uid && c1 > line)
				return xstrndup(line, (size_t)(c1 - line));
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static const struct proc_info *get_proc(struct ctx *x, int pid, struct container *c)
{
	struct sockets *s = x->s;
	for (size_t i = 0; i < s->n_procs; i++)
		if (s->procs[i]->pid == pid)
			return s->procs[i];
	struct proc_info *p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->c = c;
	p->comm = procfs_comm(pid);
	p->exe = procfs_exe(pid);
	p->cmdline = procfs_cmdline(pid, 4096);
	p->ns_pid = procfs_nspid(pid);
	p->uid = procfs_euid(pid);
	p->user = user_name(passwd_text(x, c, pid), p->uid);
	if (x->lineage)
		proc_info_read_lineage(p);
	s->procs = xrealloc(s->procs, (s->n_procs + 1) * sizeof(*s->procs));
	s->procs[s->n_procs++] = p;
	return p;
}

/* Sockets of the kept list sorted by inode, for the fd -> socket lookups. */
struct ino_ix {
	unsigned long ino;
	size_t i;
};

static int cmp_ino(const void *a, const void *b)
{
	const struct ino_ix *x = a, *y = b;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

/* Give the sockets pid holds (among the kept ones wanted) to pid; set_owner also makes c the
 * socket's container. */
static void attribute_pid(struct ctx *x, const struct ino_ix *ix, size_t nix, int pid,
                          struct container *c, bool set_owner,
                          bool (*want)(const struct csock *cs, const void *ud), const void *ud)
{
	unsigned long *inodes = NULL;
	int *fds = NULL;
	size_t n = 0;
	if (procfs_socket_fds(pid, &inodes, &fds, &n) < 0)
		goto out;
	for (size_t k = 0; k < n; k++) {
		struct ino_ix key = {.ino = inodes[k]};
		struct ino_ix *hit = bsearch(&key, ix, nix, sizeof(*ix), cmp_ino);
		if (!hit)
			continue;
		struct csock *cs = &x->s->v[hit->i];
		if (cs->proc || (want && !want(cs, ud)))
			continue;
		cs->proc = get_proc(x, pid, c);
		cs->fd = fds[k];
		if (set_owner && c)
			cs->c = c;
	}
out:
	free(inodes);
	free(fds);
}

static bool in_group(const struct csock *cs, const void *ud)
{
	return cs->netns == *(const unsigned long *)ud;
}

static size_t lower_bound(const struct procfs_cproc *v, size_t n, const char *id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(v[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void keep_sock(struct ctx *x, const struct sockdiag_entry *e, unsigned long ino, size_t g)
{
	struct sockets *s = x->s;
	if (s->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 64;
		s->v = xrealloc(s->v, x->cap * sizeof(*s->v));
		x->gidx = xrealloc(x->gidx, x->cap * sizeof(*x->gidx));
	}
	struct csock *cs = &s->v[s->n];
	memset(cs, 0, sizeof(*cs));
	cs->s = *e;
	cs->fd = -1;
	cs->netns = ino;
	x->gidx[s->n] = g;
	s->n++;
}

static int cmp_cproc_pid(const void *a, const void *b)
{
	const struct procfs_cproc *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_cptr_id(const void *a, const void *b)
{
	const struct container *const *x = a, *const *y = b;
	return strcmp((*x)->id, (*y)->id);
}

/* Sockets still without a process: held by a process outside the namespace's containers
 * (dockerd's embedded DNS listeners, or something that entered the namespace). Every process
 * is looked at; its container, if any, comes from its cgroup (one lookup each, by id). */
static void attribute_rest(struct ctx *x, struct host *h, const struct ino_ix *ix, size_t nix,
                           const struct procfs_cproc *cp, size_t ncp)
{
	struct procfs_cproc *bypid = xcalloc(ncp + 1, sizeof(*bypid));
	if (ncp)
		memcpy(bypid, cp, ncp * sizeof(*cp));
	qsort(bypid, ncp, sizeof(*bypid), cmp_cproc_pid);
	struct container **byid = xcalloc(h->n + 1, sizeof(*byid));
	size_t nid = 0;
	for (size_t i = 0; i < h->n; i++)
		if (h->c[i].id)
			byid[nid++] = &h->c[i];
	qsort(byid, nid, sizeof(*byid), cmp_cptr_id);
	DIR *d = opendir("/proc");
	if (!d) {
		free(bypid);
		free(byid);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT32_MAX || pid == getpid())
			continue;
		struct procfs_cproc key = {.pid = (int)pid};
		const struct procfs_cproc *hit =
		    bsearch(&key, bypid, ncp, sizeof(*bypid), cmp_cproc_pid);
		struct container *c = NULL;
		if (hit) {
			struct container kc = {.id = (char *)hit->id}, *kp = &kc;
			struct container **f = bsearch(&kp, byid, nid, sizeof(*byid), cmp_cptr_id);
			c = f ? *f : NULL;
		}
		attribute_pid(x, ix, nix, (int)pid, c, false, NULL, NULL);
	}
	closedir(d);
	free(bypid);
	free(byid);
}

struct dump_job {
	const struct group *g;
	unsigned protos;
	bool done; /* already read (prefetched) */
	bool skip; /* no member could be entered: they exited */
	int rc;
	struct cirt_err err;
	struct sockdiag_list l;
};

struct dump_pool {
	struct dump_job *jobs;
	size_t n;
	size_t next; /* taken with __atomic_fetch_add */
};

/* One namespace: entered through any of its members, and only for the protocols it has
 * sockets of. Runs in a worker thread: touches nothing but its job. */
static void dump_one_ns(struct dump_job *j)
{
	const struct group *g = j->g;
	if (g->host) {
		j->rc = sockdiag_dump(-1, j->protos, &j->l, &j->err);
		return;
	}
	int nsfd = -1, pid = 0;
	for (size_t k = 0; k < g->nm && nsfd < 0; k++) {
		pid = g->m[k]->pid;
		nsfd = procfs_open_ns(pid, "net");
		struct stat ns;
		/* a pid reused meanwhile must not lead us into another namespace */
		if (nsfd >= 0 && (fstat(nsfd, &ns) < 0 || (unsigned long)ns.st_ino != g->ino)) {
			close(nsfd);
			nsfd = -1;
		}
	}
	if (nsfd < 0) {
		j->skip = true;
		return;
	}
	/* a namespace without sockets of a protocol needs no walk of the kernel's hash for it
	 * (most of the cost); the counts are read for the namespace just entered, and a socket
	 * appearing a moment later is a race any snapshot has */
	struct procfs_sockstat ss;
	if (procfs_sockstat(pid, &ss) == 0 && procfs_ns_inode(pid, "net") == g->ino) {
		if (ss.tcp <= 0 && ss.tw <= 0)
			j->protos &= ~(unsigned)SOCKDIAG_TCP;
		if (ss.udp <= 0)
			j->protos &= ~(unsigned)SOCKDIAG_UDP;
	}
	if (j->protos)
		j->rc = sockdiag_dump(nsfd, j->protos, &j->l, &j->err);
	close(nsfd);
}

static void *dump_worker(void *arg)
{
	struct dump_pool *p = arg;
	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		if (i >= p->n)
			return NULL;
		if (!p->jobs[i].done)
			dump_one_ns(&p->jobs[i]);
	}
}

/* The kernel walks its whole TCP hash for every namespace: spread the namespaces over a few
 * threads (setns(CLONE_NEWNET) affects only the calling thread). */
static void run_dumps(struct dump_job *jobs, size_t n)
{
	struct dump_pool p = {.jobs = jobs, .n = n};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cpus > 1 ? (size_t)(cpus < 8 ? cpus : 8) : 1;
	if (nt > n / 16 + 1)
		nt = n / 16 + 1; /* a few namespaces are not worth a thread */
	pthread_t th[8];
	size_t started = 0;
	for (size_t t = 1; t < nt; t++)
		if (pthread_create(&th[started], NULL, dump_worker, &p) == 0)
			started++;
	dump_worker(&p);
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}

/* Is pid (still) a process of the container? A pid reused after the container exited must not
 * lead into another namespace. Unrecognised cgroup layouts cannot say no. */
static bool pid_is_container(int pid, const char *id)
{
	_cleanup_free_ char *cg = procfs_cgroup(pid);
	if (!cg)
		return false;
	char found[65];
	return !procfs_cgroup_container_id(cg, found) || streq(found, id);
}

/* ---------------------------------------------------------------- prefetch */

struct sockets_prefetch {
	pthread_t th;
	bool threaded;
	unsigned protos;
	bool host;
	unsigned long host_ns;
	/* the one pass over /proc, shared with the host model's loader (sockets_prefetch_scan) */
	pthread_mutex_t mu;
	pthread_cond_t scanned_cv;
	bool scanned;
	int scan_rc;
	struct cg_scan scan;
	struct group *gs; /* one per namespace, with one stand-in member holding a pid */
	struct container *pids;
	struct container **members;
	struct dump_job *jobs;
	size_t n;
	struct ino_map ix; /* namespace inode -> job (the host's is not in it) */
};

struct ns_pick {
	unsigned long ino;
	int pid;
};

static int cmp_pick(const void *a, const void *b)
{
	const struct ns_pick *x = a, *y = b;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

static void *prefetch_thread(void *arg)
{
	struct sockets_prefetch *p = arg;
	struct cirt_err e = {0};
	int rc = cg_scan(NULL, &p->scan, &e);
	pthread_mutex_lock(&p->mu);
	p->scan_rc = rc < 0 ? -(e.code == CIRT_EXIT_PERM ? EACCES : EIO) : 0;
	p->scanned = true;
	pthread_cond_broadcast(&p->scanned_cv);
	pthread_mutex_unlock(&p->mu);
	size_t nc = rc < 0 ? 0 : p->scan.n;
	p->gs = xcalloc(nc + 2, sizeof(*p->gs));
	p->pids = xcalloc(nc + 2, sizeof(*p->pids));
	p->members = xcalloc(nc + 2, sizeof(*p->members));
	/* one process per container is enough to find its namespace; a namespace shared by
	 * several containers is read once (sorted by inode, not compared pairwise) */
	struct ns_pick *pick = xcalloc(nc + 1, sizeof(*pick));
	size_t np = 0;
	for (size_t i = 0; i < nc; i++) {
		const struct cg_container *c = &p->scan.v[i];
		int pid = c->init_pid > 0 ? c->init_pid : c->n_pids ? c->pids[0] : 0;
		unsigned long ino = pid > 0 ? procfs_ns_inode(pid, "net") : 0;
		if (!ino || ino == p->host_ns)
			continue;
		pick[np++] = (struct ns_pick){ino, pid};
	}
	if (np > 1)
		qsort(pick, np, sizeof(*pick), cmp_pick);
	for (size_t i = 0; i < np; i++) {
		if (i > 0 && pick[i].ino == pick[i - 1].ino)
			continue;
		p->pids[p->n].pid = pick[i].pid;
		p->members[p->n] = &p->pids[p->n];
		p->gs[p->n].ino = pick[i].ino;
		p->gs[p->n].m = &p->members[p->n];
		p->gs[p->n].nm = 1;
		p->n++;
	}
	free(pick);
	if (p->host) {
		p->gs[p->n].ino = p->host_ns;
		p->gs[p->n].host = true;
		p->n++;
	}
	p->jobs = xcalloc(p->n + 1, sizeof(*p->jobs));
	for (size_t k = 0; k < p->n; k++) {
		p->jobs[k].g = &p->gs[k];
		p->jobs[k].protos = p->protos;
		if (!p->gs[k].host)
			ino_put(&p->ix, p->gs[k].ino, k);
	}
	run_dumps(p->jobs, p->n);
	return NULL;
}

struct sockets_prefetch *sockets_prefetch_start(unsigned protos, bool host_sockets)
{
	struct stat st;
	if (stat("/proc/self/ns/net", &st) < 0)
		return NULL;
	struct sockets_prefetch *p = xcalloc(1, sizeof(*p));
	p->protos = protos ? protos : SOCKDIAG_ALL;
	p->host = host_sockets;
	p->host_ns = (unsigned long)st.st_ino;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->scanned_cv, NULL);
	p->threaded = pthread_create(&p->th, NULL, prefetch_thread, p) == 0;
	if (!p->threaded)
		prefetch_thread(p);
	return p;
}

const struct cg_scan *sockets_prefetch_scan(struct sockets_prefetch *p)
{
	if (!p)
		return NULL;
	pthread_mutex_lock(&p->mu);
	while (!p->scanned)
		pthread_cond_wait(&p->scanned_cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return p->scan_rc < 0 ? NULL : &p->scan;
}

static void prefetch_join(struct sockets_prefetch *p)
{
	if (p && p->threaded) {
		pthread_join(p->th, NULL);
		p->threaded = false;
	}
}

void sockets_prefetch_free(struct sockets_prefetch *p)
{
	if (!p)
		return;
	prefetch_join(p);
	for (size_t k = 0; k < p->n; k++)
		sockdiag_list_free(&p->jobs[k].l);
	free(p->jobs);
	free(p->gs);
	free(p->pids);
	free(p->members);
	cg_scan_free(&p->scan);
	ino_map_free(&p->ix);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->scanned_cv);
	free(p);
}

/* Take the prefetched dump of a namespace, when it was read for the protocols asked. */
static bool prefetch_take(struct sockets_prefetch *p, const struct group *g, unsigned protos,
                          struct dump_job *j)
{
	if (!p)
		return false;
	size_t k = p->n;
	if (g->host) {
		if (p->n && p->gs[p->n - 1].host)
			k = p->n - 1;
	} else if (!ino_get(&p->ix, g->ino, &k))
		return false;
	if (k >= p->n)
		return false;
	struct dump_job *pj = &p->jobs[k];
	if (p->gs[k].ino != g->ino || p->gs[k].host != g->host || pj->skip || pj->rc < 0 ||
	    pj->done)
		return false;
	if ((protos & ~p->protos) != 0)
		return false;
	j->l = pj->l;
	memset(&pj->l, 0, sizeof(pj->l));
	pj->done = true; /* taken */
	j->done = true;
	return true;
}

int sockets_load(struct host *h, const struct sockets_opts *o, struct sockets **ret,
                 struct cirt_err *err)
{
	struct stat st;
	if (stat("/proc/self/ns/net", &st) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "read /proc/self/ns/net: %s",
		               strerror(errno));
	unsigned long host_ns = (unsigned long)st.st_ino;
	unsigned protos = o->protos ? o->protos : SOCKDIAG_ALL;
	struct sockets *s = xcalloc(1, sizeof(*s));
	struct ctx x = {.s = s, .lineage = o->lineage};
	struct groups G = {0};
	/* the prefetch's pass over /proc, when there is one: the pids are checked against it */
	prefetch_join(o->prefetch);
	const struct cg_scan *pscan = o->prefetch ? sockets_prefetch_scan(o->prefetch) : NULL;

	size_t nsel = o->only ? o->n_only : h->n;
	for (size_t i = 0; i < nsel; i++) {
		struct container *c = o->only ? o->only[i] : &h->c[i];
		if (!c->running) {
			if (o->only)
				warn(s, "container '%s' is not running: skipped", c->name);
			continue;
		}
		if (c->pid <= 0) {
			warn(s, "container '%s': none of its processes was found: skipped",
			     c->name);
			continue;
		}
		unsigned long ino = procfs_ns_inode(c->pid, "net");
		const struct cg_container *pcg = cg_scan_find(pscan, c->id);
		bool is_ct = o->pids_fresh || (pcg ? cg_container_has_pid(pcg, c->pid)
		                                   : pid_is_container(c->pid, c->id));
		if (!ino || !is_ct) {
			warn(s, "container '%s' exited during the scan: skipped", c->name);
			continue;
		}
		group_add(group_for(&G, ino, ino == host_ns), c);
	}
	if (o->host_sockets)
		group_for(&G, host_ns, true);
	struct group *gs = G.v;
	size_t ng = G.n;
	ino_map_free(&G.ix);

	/* one dump per namespace, several namespaces at once (each thread enters its own) */
	struct dump_job *jobs = xcalloc(ng + 1, sizeof(*jobs));
	for (size_t g = 0; g < ng; g++) {
		jobs[g].g = &gs[g];
		jobs[g].protos = protos;
		prefetch_take(o->prefetch, &gs[g], protos, &jobs[g]);
	}
	run_dumps(jobs, ng);

	bool any_inode = false;
	for (size_t g = 0; g < ng; g++) {
		struct dump_job *j = &jobs[g];
		if (j->skip) {
			for (size_t k = 0; k < gs[g].nm; k++)
				warn(s, "container '%s' exited during the scan: skipped",
				     gs[g].m[k]->name);
			gs[g].nm = 0;
			continue;
		}
		if (j->rc < 0) {
			if (gs[g].nm)
				warn(s, "container '%s': sockets: %s", group_owner(&gs[g])->name,
				     j->err.msg);
			else
				warn(s, "host sockets: %s", j->err.msg);
			gs[g].nm = 0;
			continue;
		}
		s->n_netns++;
		s->n_dumped += j->l.n;
		for (size_t k = 0; k < j->l.n; k++) {
			if (o->keep && !o->keep(&j->l.v[k], o->keep_ud))
				continue;
			keep_sock(&x, &j->l.v[k], gs[g].ino, g);
			if (j->l.v[k].inode)
				any_inode = true;
		}
		sockdiag_list_free(&j->l);
	}
	free(jobs);

	if (any_inode) {
		struct ino_ix *ix = xcalloc(s->n + 1, sizeof(*ix));
		size_t nix = 0;
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i].s.inode)
				ix[nix++] = (struct ino_ix){.ino = s->v[i].s.inode, .i = i};
		qsort(ix, nix, sizeof(*ix), cmp_ino);
		bool *needed = xcalloc(ng + 1, sizeof(*needed));
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i].s.inode)
				needed[x.gidx[i]] = true;
		/* the processes of each container: its cgroup's cgroup.procs, else one pass over
		 * every process of the host (done once, when first needed) */
		struct procfs_cproc *cp = NULL;
		size_t ncp = 0;
		bool scanned = false;
		/* the prefetch's pass over /proc already knows every container's processes, as of
		 * the moment its sockets were dumped */
		const struct cg_scan *scan = pscan;
		for (size_t g = 0; g < ng; g++) {
			if (!needed[g])
				continue;
			for (size_t k = 0; k < gs[g].nm; k++) {
				struct container *c = gs[g].m[k];
				bool init_seen = false;
				int *pids = NULL;
				size_t np = 0;
				const struct cg_container *cg = cg_scan_find(scan, c->id);
				if (cg) {
					for (size_t j = 0; j < cg->n_pids; j++) {
						attribute_pid(&x, ix, nix, cg->pids[j], c, true,
						              in_group, &gs[g].ino);
						init_seen |= cg->pids[j] == c->pid;
					}
				} else if (procfs_cgroup_pids(c->pid, &pids, &np) == 0) {
					for (size_t j = 0; j < np; j++) {
						attribute_pid(&x, ix, nix, pids[j], c, true,
						              in_group, &gs[g].ino);
						init_seen |= pids[j] == c->pid;
					}
					free(pids);
				} else {
					if (!scanned) {
						int pr = procfs_container_procs(&cp, &ncp);
						if (pr < 0)
							warn(s, "cannot list processes: %s",
							     strerror(-pr));
						scanned = true;
					}
					for (size_t j = lower_bound(cp, ncp, c->id);
					     j < ncp && streq(cp[j].id, c->id); j++) {
						attribute_pid(&x, ix, nix, cp[j].pid, c, true,
						              in_group, &gs[g].ino);
						init_seen |= cp[j].pid == c->pid;
					}
				}
				/* a cgroup layout we do not recognise still leaves the init process
				 */
				if (!init_seen)
					attribute_pid(&x, ix, nix, c->pid, c, true, in_group,
					              &gs[g].ino);
			}
		}
		bool missing = false;
		for (size_t i = 0; i < s->n && !missing; i++)
			missing = !s->v[i].proc && s->v[i].s.inode &&
			          (!gs[x.gidx[i]].host || o->host_sockets);
		if (missing) {
			if (!scanned && scan) {
				/* the same pass, in the (pid, id) shape */
				for (size_t i = 0; i < scan->n; i++)
					ncp += scan->v[i].n_pids;
				cp = xcalloc(ncp + 1, sizeof(*cp));
				ncp = 0;
				for (size_t i = 0; i < scan->n; i++)
					for (size_t j = 0; j < scan->v[i].n_pids; j++) {
						cp[ncp].pid = scan->v[i].pids[j];
						memcpy(cp[ncp].id, scan->v[i].id,
						       sizeof(cp[ncp].id));
						ncp++;
					}
			} else if (!scanned && procfs_container_procs(&cp, &ncp) < 0)
				ncp = 0;
			attribute_rest(&x, h, ix, nix, cp, ncp);
		}
		free(cp);
		free(needed);
		free(ix);
	}

	/* sockets no container process holds belong to the namespace's owner; in the host
	 * namespace they belong to the host, and are kept only when asked for */
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct csock *cs = &s->v[i];
		struct group *g = &gs[x.gidx[i]];
		if (!cs->c && !g->host)
			cs->c = group_owner(g);
		if (g->host && !cs->c && !o->host_sockets)
			continue;
		s->v[w++] = *cs;
	}
	s->n = w;

	for (size_t g = 0; g < ng; g++)
		free(gs[g].m);
	free(gs);
	free(x.gidx);
	for (size_t i = 0; i < x.npw; i++)
		free(x.pw[i].text);
	free(x.pw);
	*ret = s;
	return 0;
}

void sockets_free(struct sockets *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_procs; i++)
		proc_info_free(s->procs[i]);
	free(s->procs);
	for (size_t i = 0; i < s->n_warnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	free(s->v);
	free(s);
}

void proc_info_free(struct proc_info *p)
{
	if (!p)
		return;
	free(p->comm);
	free(p->exe);
	free(p->cmdline);
	free(p->user);
	for (size_t i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	for (size_t i = 0; i < p->n_parents; i++) {
		free(p->parents[i].comm);
		free(p->parents[i].exe);
	}
	free(p->parents);
	free(p);
}

void proc_info_read_lineage(struct proc_info *p)
{
	struct procfs_stat st;
	if (!procfs_stat(p->pid, &st))
		return;
	p->ppid = st.ppid;
	if (!p->argv) {
		p->argv = procfs_argv(p->pid);
		for (p->argc = 0; p->argv && p->argv[p->argc];)
			p->argc++;
	}
	/* ancestors while they are in the same container as the process (a host process: while
	 * they are host processes), never pid 1 or the kernel's */
	_cleanup_free_ char *cg = procfs_cgroup(p->pid);
	char id[65] = "";
	bool in_c = cg && procfs_cgroup_container_id(cg, id);
	int pid = st.ppid;
	for (int depth = 0; depth < 16 && pid > 1; depth++) {
		_cleanup_free_ char *pcg = procfs_cgroup(pid);
		char pid_id[65] = "";
		bool p_in = pcg && procfs_cgroup_container_id(pcg, pid_id);
		if (!pcg || p_in != in_c || (in_c && !streq(pid_id, id)))
			break;
		struct procfs_stat ps;
		if (!procfs_stat(pid, &ps))
			break;
		p->parents = xrealloc(p->parents, (p->n_parents + 1) * sizeof(*p->parents));
		p->parents[p->n_parents++] = (struct proc_parent){
		    .pid = pid, .comm = procfs_comm(pid), .exe = procfs_exe(pid)};
		pid = ps.ppid;
	}
}

json_t *proc_info_to_json(const struct proc_info *p)
{
	if (!p)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "pid", json_integer(p->pid));
	json_object_set_new(o, "ns_pid", p->ns_pid ? json_integer(p->ns_pid) : json_null());
	json_object_set_new(o, "comm", json_str(p->comm));
	json_object_set_new(o, "exe", json_str(p->exe));
	json_object_set_new(o, "cmdline", json_str(p->cmdline));
	json_object_set_new(o, "uid", p->uid >= 0 ? json_integer(p->uid) : json_null());
	json_object_set_new(o, "user", json_str(p->user));
	/* a process of another container, or of the host, holding a container's socket */
	json_object_set_new(o, "container", json_str(p->c ? p->c->name : NULL));
	json_object_set_new(o, "host_process", json_boolean(!p->c));
	if (p->ppid > 0)
		json_object_set_new(o, "ppid", json_integer(p->ppid));
	if (p->argv) {
		json_t *a = json_array();
		for (size_t i = 0; i < p->argc; i++)
			json_array_append_new(a, json_str(p->argv[i]));
		json_object_set_new(o, "argv", a);
		json_object_set_new(o, "argv_truncated", json_boolean(p->argv_truncated));
	}
	if (p->n_parents) {
		json_t *a = json_array();
		for (size_t i = 0; i < p->n_parents; i++)
			json_array_append_new(a,
			                      json_pack("{s:i,s:o,s:o}", "pid", p->parents[i].pid,
			                                "comm", json_str(p->parents[i].comm), "exe",
			                                json_str(p->parents[i].exe)));
		json_object_set_new(o, "parents", a);
	}
	return o;
}

json_t *csock_to_json(const struct csock *s)
{
	char a[64];
	json_t *o = json_object();
	json_object_set_new(o, "proto", json_string(flow_proto_name(s->s.f.proto)));
	json_object_set_new(o, "family",
	                    json_string(s->s.f.orig.src.family == AF_INET6 ? "ipv6" : "ipv4"));
	json_object_set_new(o, "state", json_string(s->s.f.state));
	json_object_set_new(o, "local",
	                    json_string(flow_socket_endpoint_str(&s->s.f.orig.src,
	                                                         s->s.f.orig.sport, a, sizeof(a))));
	json_object_set_new(o, "remote",
	                    json_string(flow_socket_endpoint_str(&s->s.f.orig.dst,
	                                                         s->s.f.orig.dport, a, sizeof(a))));
	json_object_set_new(o, "local_addr",
	                    json_string(flow_addr_str(&s->s.f.orig.src, a, sizeof(a))));
	json_object_set_new(o, "local_port", json_integer(s->s.f.orig.sport));
	json_object_set_new(o, "remote_addr",
	                    json_string(flow_addr_str(&s->s.f.orig.dst, a, sizeof(a))));
	json_object_set_new(o, "remote_port", json_integer(s->s.f.orig.dport));
	json_object_set_new(o, "recv_q", json_integer(s->s.rqueue));
	json_object_set_new(o, "send_q", json_integer(s->s.wqueue));
	json_object_set_new(o, "inode", s->s.inode ? json_integer(s->s.inode) : json_null());
	json_object_set_new(o, "uid", json_integer(s->s.uid));
	json_object_set_new(o, "netns_inode", json_integer((json_int_t)s->netns));
	json_object_set_new(o, "fd", s->fd >= 0 ? json_integer(s->fd) : json_null());
	json_object_set_new(o, "process", proc_info_to_json(s->proc));
	return o;
}
