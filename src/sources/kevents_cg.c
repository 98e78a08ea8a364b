/* kevents_cg.c: which cgroup hierarchy attributes events, and its cgroup ids mapped to container
 * ids by a walk of its directories. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "sources/kevents_int.h"
#include "sources/procfs.h"

/* controllers by preference: any one names the same cgroup; pids and memory are nearly always
 * enabled, and Docker puts every container in each */
static const char *const controllers[] = {"pids",    "memory",  "cpu",        "cpuacct",
                                          "cpuset",  "devices", "freezer",    "blkio",
                                          "hugetlb", "net_cls", "perf_event", "net_prio"};

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

static int controller_rank(const char *superopts)
{
	int best = -1;
	_cleanup_free_ char *s = xstrdup(superopts);
	char *save = NULL;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
			if (streq(t, controllers[i]) && (best < 0 || (int)i < best))
				best = (int)i;
	return best;
}

/* the controllers among a v1 mount's options, comma-separated */
static void v1_controllers(const char *superopts, char *out, size_t size)
{
	out[0] = '\0';
	_cleanup_free_ char *o = xstrdup(superopts);
	char *save = NULL;
	for (char *c = strtok_r(o, ",", &save); c; c = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < ARRAY_SIZE(controllers); i++)
			if (streq(c, controllers[i])) {
				size_t used = strlen(out);
				snprintf(out + used, size - used, "%s%s", used ? "," : "", c);
			}
}

int kev_hier_parse(const char *text, bool force_v2, struct kev_hier *ret)
{
	struct kev_hier v1 = {0}, v2 = {0};
	int v1_rank = -1;
	bool have_v2 = false;
	for (const char *line = text; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t ll = eol ? (size_t)(eol - line) : strlen(line);
		_cleanup_free_ char *l = xstrndup(line, ll);
		line = eol ? eol + 1 : NULL;
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
		char *f[5] = {0}, *save = NULL, *t;
		int nf;
		for (nf = 0; nf < 5; nf++)
			if (!(f[nf] = strtok_r(nf ? NULL : l, " ", &save)))
				break;
		if (nf < 5)
			continue;
		char *dash = NULL;
		while ((t = strtok_r(NULL, " ", &save)))
			if (streq(t, "-")) {
				dash = t;
				break;
			}
		char *fstype = dash ? strtok_r(NULL, " ", &save) : NULL;
		char *source = fstype ? strtok_r(NULL, " ", &save) : NULL;
		char *superopts = source ? strtok_r(NULL, " ", &save) : NULL;
		/* a bind mount of part of a hierarchy would give every path a wrong prefix */
		if (!superopts || !streq(f[3], "/"))
			continue;
		unescape(f[4]);
		if (strlen(f[4]) >= sizeof(v1.mount))
			continue;
		if (streq(fstype, "cgroup2") && !have_v2) {
			have_v2 = true;
			v2.v2 = true;
			snprintf(v2.mount, sizeof(v2.mount), "%s", f[4]);
		} else if (streq(fstype, "cgroup")) {
			int r = controller_rank(superopts);
			if (r >= 0 && (v1_rank < 0 || r < v1_rank)) {
				v1_rank = r;
				v1.v2 = false;
				snprintf(v1.mount, sizeof(v1.mount), "%s", f[4]);
				v1_controllers(superopts, v1.controllers, sizeof(v1.controllers));
			}
		}
	}
	if (have_v2 && (force_v2 || v1_rank < 0)) {
		*ret = v2;
		return 0;
	}
	if (v1_rank >= 0) {
		*ret = v1;
		return 0;
	}
	return -ENOENT;
}

int kev_hier_pick(bool force_v2, struct kev_hier *ret)
{
	_cleanup_free_ char *text = NULL;
	int r = read_file_max(AT_FDCWD, "/proc/self/mountinfo", 4 << 20, &text, NULL);
	if (r < 0)
		return r;
	return kev_hier_parse(text, force_v2, ret);
}

bool kev_cgpath_container(const char *path, char ret[65])
{
	if (!path)
		return false;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l >= 64) {
			_cleanup_free_ char *comp = xstrndup(p, l);
			if (procfs_cgroup_container_id(comp, ret))
				return true;
		}
		p += l;
	}
	return false;
}

struct cg_ent {
	uint64_t id; /* 0: empty slot */
	bool found;  /* false: looked for after a rescan, not there */
	char ctr[65];
};

struct kev_cgmap {
	char *mount;
	struct cg_ent *tab;
	size_t cap; /* a power of two */
	size_t n;
	uint64_t last_scan_ms;
	bool scanned;
};

#define CG_MAX_ENTRIES (1u << 20)
#define CG_MAX_DEPTH 16

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static struct cg_ent *slot(struct kev_cgmap *m, uint64_t id)
{
	size_t i = mix(id) & (m->cap - 1);
	while (m->tab[i].id && m->tab[i].id != id)
		i = (i + 1) & (m->cap - 1);
	return &m->tab[i];
}

static void put(struct kev_cgmap *m, uint64_t id, bool found, const char *ctr)
{
	if (!id)
		return;
	if ((m->n + 1) * 2 > m->cap) {
		if (m->n >= CG_MAX_ENTRIES) {
			/* a host making cgroups without end: start over rather than grow */
			memset(m->tab, 0, m->cap * sizeof(*m->tab));
			m->n = 0;
		} else {
			struct cg_ent *old = m->tab;
			size_t oc = m->cap;
			m->cap = oc ? oc * 2 : 1024;
			m->tab = xcalloc(m->cap, sizeof(*m->tab));
			m->n = 0;
			for (size_t i = 0; i < oc; i++)
				if (old[i].id) {
					*slot(m, old[i].id) = old[i];
					m->n++;
				}
			free(old);
		}
	}
	struct cg_ent *e = slot(m, id);
	if (!e->id)
		m->n++;
	e->id = id;
	e->found = found;
	snprintf(e->ctr, sizeof(e->ctr), "%s", ctr ? ctr : "");
}

static void walk(struct kev_cgmap *m, int dfd, int depth, const char *ctr, size_t *budget)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) && *budget) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		(*budget)--;
		char own[65] = "";
		const char *c = ctr;
		if (!c[0] && strlen(de->d_name) >= 64 &&
		    procfs_cgroup_container_id(de->d_name, own))
			c = own;
		put(m, (uint64_t)st.st_ino, true, c);
		if (depth + 1 >= CG_MAX_DEPTH)
			continue;
		int sub =
		    openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			walk(m, sub, depth + 1, c, budget);
	}
	closedir(d);
}

static void rescan(struct kev_cgmap *m)
{
	int fd = open(m->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m->last_scan_ms = now_ms();
	m->scanned = true;
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) == 0)
		put(m, (uint64_t)st.st_ino, true, "");
	size_t budget = CG_MAX_ENTRIES / 2;
	walk(m, fd, 0, "", &budget);
}

struct kev_cgmap *kev_cgmap_new(const char *mount)
{
	struct kev_cgmap *m = xcalloc(1, sizeof(*m));
	m->mount = xstrdup(mount);
	m->cap = 1024;
	m->tab = xcalloc(m->cap, sizeof(*m->tab));
	rescan(m);
	return m;
}

void kev_cgmap_free(struct kev_cgmap *m)
{
	if (!m)
		return;
	free(m->mount);
	free(m->tab);
	free(m);
}

size_t kev_cgmap_size(const struct kev_cgmap *m)
{
	return m ? m->n : 0;
}

bool kev_cgmap_lookup(struct kev_cgmap *m, uint64_t id, char ret[65])
{
	if (!m || !id)
		return false;
	struct cg_ent *e = slot(m, id);
	if (!e->id) {
		if (m->scanned && now_ms() - m->last_scan_ms < 10)
			return false;
		rescan(m);
		e = slot(m, id);
		if (!e->id) {
			put(m, id, false, NULL); /* gone before it could be seen */
			return false;
		}
	}
	if (!e->found)
		return false;
	memcpy(ret, e->ctr, 65);
	return true;
}
