/* cgscan.c: one pass over /proc: which processes sit in which container's cgroup. */
#include "sources/cgscan.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>

#include "sources/procfs.h"

struct proc_entry {
	int pid;
	int ppid;
	unsigned long long start;
	size_t ci; /* index into the scan's containers */
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_cg(const void *a, const void *b)
{
	return strcmp(((const struct cg_container *)a)->id, ((const struct cg_container *)b)->id);
}

/* The containers seen so far, by id: an open-addressing table, so that each process costs one
 * lookup however many containers there are. */
struct id_table {
	size_t *slot; /* index + 1 into the scan's containers; 0: empty */
	size_t cap;   /* a power of two */
};

static uint64_t id_hash(const char *id)
{
	/* FNV-1a: the ids are random hex already */
	uint64_t h = 1469598103934665603ull;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

static void table_put(struct id_table *t, const struct cg_scan *s, size_t ci)
{
	size_t k = (size_t)id_hash(s->v[ci].id) & (t->cap - 1);
	while (t->slot[k])
		k = (k + 1) & (t->cap - 1);
	t->slot[k] = ci + 1;
}

static size_t find_or_add(struct cg_scan *s, size_t *cap, struct id_table *t, const char *id,
                          const char *cgroup)
{
	size_t k = (size_t)id_hash(id) & (t->cap - 1);
	for (; t->slot[k]; k = (k + 1) & (t->cap - 1))
		if (streq(s->v[t->slot[k] - 1].id, id))
			return t->slot[k] - 1;
	if (s->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		s->v = xrealloc(s->v, *cap * sizeof(*s->v));
	}
	struct cg_container *c = &s->v[s->n];
	memset(c, 0, sizeof(*c));
	memcpy(c->id, id, 65);
	c->engine = procfs_cgroup_engine(cgroup);
	size_t ci = s->n++;
	if (2 * s->n > t->cap) {
		/* grow at half full: probes stay short */
		free(t->slot);
		t->cap *= 2;
		t->slot = xcalloc(t->cap, sizeof(*t->slot));
		for (size_t i = 0; i < s->n; i++)
			table_put(t, s, i);
	} else
		t->slot[k] = ci + 1;
	return ci;
}

static int cmp_proc(const void *a, const void *b)
{
	return cmp_int(&((const struct proc_entry *)a)->pid, &((const struct proc_entry *)b)->pid);
}

/* procs is sorted by pid: a container may hold many thousands of processes (a fork bomb) */
static bool in_container(const struct proc_entry *e, size_t n, int pid, size_t ci)
{
	struct proc_entry key = {.pid = pid};
	const struct proc_entry *p = n ? bsearch(&key, e, n, sizeof(*e), cmp_proc) : NULL;
	return p && p->ci == ci;
}

int cg_scan(const char *proc_root, struct cg_scan *ret, struct cirt_err *err)
{
	const char *root = proc_root ? proc_root : "/proc";
	memset(ret, 0, sizeof(*ret));
	DIR *dir = opendir(root);
	if (!dir)
		return err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "read '%s': %s", root, strerror(errno));
	struct cg_scan s = {0};
	size_t cap = 0, np = 0, pcap = 0, cgcap = 0;
	struct proc_entry *procs = NULL;
	struct id_table tab = {.cap = 64};
	tab.slot = xcalloc(tab.cap, sizeof(*tab.slot));
	char **cgroups = NULL; /* the cgroup path of the first process seen per container */
	_cleanup_close_ int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		closedir(dir);
		free(tab.slot);
		return err_set(err, CIRT_EXIT_RUNTIME, "open '%s': %s", root, strerror(errno));
	}
	struct dirent *de;
	/* bounded: /proc lists each process once; a pid_max of 4 M is the kernel's limit */
	while ((de = readdir(dir)) && s.n_procs < (4u << 20)) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT32_MAX)
			continue;
		s.n_procs++;
		char path[64];
		char *text = NULL;
		snprintf(path, sizeof(path), "%d/cgroup", (int)pid);
		if (read_file_max(dfd, path, 64 * 1024, &text, NULL) < 0) {
			s.n_unreadable++;
			continue;
		}
		_cleanup_free_ char *cg = NULL;
		char id[65];
		bool is_ct = procfs_cgroup_find_container(text, id, &cg);
		free(text);
		if (!is_ct)
			continue;
		struct procfs_stat st = {0};
		snprintf(path, sizeof(path), "%d/stat", (int)pid);
		text = NULL;
		if (read_file_max(dfd, path, 4096, &text, NULL) < 0 ||
		    !procfs_stat_parse(text, &st)) {
			free(text);
			s.n_unreadable++;
			continue;
		}
		free(text);
		size_t before = s.n;
		size_t ci = find_or_add(&s, &cap, &tab, id, cg);
		if (s.n > before) {
			if (s.n > cgcap) {
				cgcap = cgcap ? cgcap * 2 : 32;
				cgroups = xrealloc(cgroups, cgcap * sizeof(*cgroups));
			}
			cgroups[ci] = steal_pointer(&cg);
		}
		if (np == pcap) {
			pcap = pcap ? pcap * 2 : 256;
			procs = xrealloc(procs, pcap * sizeof(*procs));
		}
		procs[np++] = (struct proc_entry){
		    .pid = (int)pid, .ppid = st.ppid, .start = st.starttime, .ci = ci};
	}
	closedir(dir);
	free(tab.slot);
	if (np > 1)
		qsort(procs, np, sizeof(*procs), cmp_proc);
	const struct proc_entry **best = xcalloc(s.n + 1, sizeof(*best));
	for (size_t ci = 0; ci < s.n; ci++)
		s.v[ci].cgroup = cgroups[ci];
	free(cgroups);
	/* procs is in pid order, so every container's pid list comes out sorted */
	for (size_t i = 0; i < np; i++) {
		const struct proc_entry *e = &procs[i];
		struct cg_container *c = &s.v[e->ci];
		if ((c->n_pids & (c->n_pids - 1)) == 0)
			c->pids =
			    xrealloc(c->pids, (c->n_pids ? c->n_pids * 2 : 1) * sizeof(*c->pids));
		c->pids[c->n_pids++] = e->pid;
		/* the init process is started by the runtime's shim, outside the container */
		if (in_container(procs, np, e->ppid, e->ci))
			continue;
		const struct proc_entry *b = best[e->ci];
		if (!b || e->start < b->start || (e->start == b->start && e->pid < b->pid))
			best[e->ci] = e;
	}
	for (size_t ci = 0; ci < s.n; ci++)
		s.v[ci].init_pid = best[ci] ? best[ci]->pid : 0;
	free(best);
	free(procs);
	if (s.n > 1)
		qsort(s.v, s.n, sizeof(*s.v), cmp_cg);
	*ret = s;
	return 0;
}

void cg_scan_free(struct cg_scan *s)
{
	for (size_t i = 0; s && i < s->n; i++) {
		free(s->v[i].cgroup);
		free(s->v[i].pids);
	}
	if (s) {
		free(s->v);
		memset(s, 0, sizeof(*s));
	}
}

const struct cg_container *cg_scan_find(const struct cg_scan *s, const char *id)
{
	if (!s || !id || !s->n)
		return NULL;
	/* the scan's containers are sorted by id */
	struct cg_container key = {0};
	snprintf(key.id, sizeof(key.id), "%s", id);
	if (strlen(id) >= sizeof(key.id))
		return NULL;
	return bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_cg);
}

bool cg_container_has_pid(const struct cg_container *c, int pid)
{
	if (!c || pid <= 0)
		return false;
	return bsearch(&pid, c->pids, c->n_pids, sizeof(*c->pids), cmp_int) != NULL;
}
