/* walker.c: the parallel, confined tree walk (one job per directory, batches for wide ones). */
#include "scan/walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/magic.h>
#include <stdatomic.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "pool.h"
#include "sources/rootfs.h"

#define BATCH 128              /* files in one batch */
#define BATCH_BYTES (8u << 20) /* bytes in one batch (a bigger file goes alone) */
#define MAX_LAYERS 512         /* overlay2 allows 128; a tarball could claim more */

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif
#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

enum job_type { JOB_DIR, JOB_BATCH };

struct fentry {
	char *name;
	struct stat st;
	int lpos; /* position in the job's layer list */
};

struct job {
	enum job_type type;
	char *path;     /* the directory */
	unsigned depth; /* of the directory ("/" is 0) */
	dev_t dev;      /* the filesystem of its parent (single roots) */
	dev_t want_dev; /* what the parent's listing saw (single roots; 0: not checked) */
	ino_t want_ino;
	struct fentry *files; /* JOB_BATCH */
	size_t n_files;
	size_t nl;
	int layers[]; /* indices into roots, top first */
};

struct walk {
	const struct walk_opts *o;
	struct pool *pool;
	dev_t root_dev;
	atomic_uint_fast64_t dirs, entries;
};

static struct job *job_new(enum job_type type, const char *path, unsigned depth, dev_t dev,
                           const int *layers, size_t nl)
{
	struct job *j = xcalloc(1, sizeof(*j) + nl * sizeof(int));
	j->type = type;
	j->path = xstrdup(path);
	j->depth = depth;
	j->dev = dev;
	j->nl = nl;
	memcpy(j->layers, layers, nl * sizeof(int));
	return j;
}

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->n_files; i++)
		free(j->files[i].name);
	free(j->files);
	free(j->path);
	free(j);
}

static char *join(const char *dir, const char *name)
{
	return streq(dir, "/") ? xasprintf("/%s", name) : xasprintf("%s/%s", dir, name);
}

static bool pseudo_fs(int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case BPF_FS_MAGIC:
	case NSFS_MAGIC:
	case MQUEUE_MAGIC:
	case AUTOFS_SUPER_MAGIC:
	case BINFMTFS_MAGIC:
	case PSTOREFS_MAGIC:
	case EFIVARFS_MAGIC:
	case FUSE_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

static void skip(struct walk *w, const char *path, enum walk_skip why, int err)
{
	if (w->o->on_skip)
		w->o->on_skip(w->o->ud, path, why, err);
}

/* Open a directory of the target inside one root; "/" is the root itself. */
static int open_dir(int root, const char *path)
{
	if (streq(path, "/")) {
		int fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return rootfs_openat(root, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
}

static bool on_skip_list(const struct walk_opts *o, const char *path)
{
	for (size_t i = 0; i < o->n_skip; i++)
		if (streq(o->skip[i], path))
			return true;
	return false;
}

static bool overlay_opaque(int fd)
{
	char v[4];
	ssize_t n = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v));
	return n >= 1 && v[0] == 'y';
}

static bool overlay_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int cmp_fentry(const void *a, const void *b)
{
	const struct fentry *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : x->lpos - y->lpos;
}

/* Read one directory of one layer into v; returns -errno on a read error. */
static int read_dir(int fd, int lpos, struct fentry **v, size_t *n, size_t *cap)
{
	char buf[32768] __attribute__((aligned(8)));
	for (;;) {
		ssize_t got = getdents64(fd, buf, sizeof(buf));
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			return 0;
		for (ssize_t off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
			off += d->d_reclen;
			if (streq(d->d_name, ".") || streq(d->d_name, ".."))
				continue;
			struct stat st;
			if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue; /* gone meanwhile */
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*v = xrealloc(*v, *cap * sizeof(**v));
			}
			(*v)[(*n)++] = (struct fentry){xstrdup(d->d_name), st, lpos};
		}
	}
}

static void visit_file(struct walk *w, unsigned worker, const struct job *j,
                       const struct fentry *fe, int dirfd)
{
	_cleanup_free_ char *path = join(j->path, fe->name);
	if (w->o->only && !walk_file_wanted(w->o->only, path))
		return;
	atomic_fetch_add(&w->entries, 1);
	struct walk_entry e = {
	    .path = path,
	    .name = fe->name,
	    .st = fe->st,
	    .layer = j->layers[fe->lpos],
	    .depth = j->depth + 1,
	    .dirfd = dirfd,
	    .mount = w->o->n_roots == 1 && fe->st.st_dev != w->root_dev,
	};
	w->o->on_entry(w->o->ud, worker, &e);
}

static void run_batch(struct walk *w, unsigned worker, struct job *j)
{
	int fds[MAX_LAYERS];
	for (size_t i = 0; i < j->nl; i++)
		fds[i] = -1;
	for (size_t i = 0; i < j->n_files; i++) {
		int lp = j->files[i].lpos;
		if (fds[lp] == -1) {
			fds[lp] = open_dir(w->o->roots[j->layers[lp]], j->path);
			if (fds[lp] < 0)
				skip(w, j->path, WALK_SKIP_ERROR, -fds[lp]);
		}
		if (fds[lp] >= 0)
			visit_file(w, worker, j, &j->files[i], fds[lp]);
	}
	for (size_t i = 0; i < j->nl; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void run_dir(struct walk *w, unsigned worker, struct job *j)
{
	const struct walk_opts *o = w->o;
	int fds[MAX_LAYERS];
	size_t nopen = 0;
	struct fentry *v = NULL;
	size_t n = 0, cap = 0;
	dev_t dev = j->dev;
	for (size_t i = 0; i < j->nl; i++) {
		int fd = open_dir(o->roots[j->layers[i]], j->path);
		fds[nopen++] = fd;
		if (fd < 0) {
			skip(w, j->path, WALK_SKIP_ERROR, -fd);
			continue;
		}
		if (o->n_roots == 1) {
			struct stat st;
			if (fstat(fd, &st) == 0 && j->want_ino &&
			    (st.st_ino != j->want_ino || st.st_dev != j->want_dev)) {
				/* swapped since it was listed (a symlink planted on the path, say):
				 * the confined open went elsewhere; what is there is not this path
				 */
				skip(w, j->path, WALK_SKIP_ERROR, ESTALE);
				break;
			}
			if (fstat(fd, &st) == 0 && st.st_dev != j->dev) {
				/* a mount point: never a pseudo filesystem, and not at all with
				 * --xdev */
				if (pseudo_fs(fd) || o->xdev) {
					skip(w, j->path, WALK_SKIP_FS, 0);
					break;
				}
				dev = st.st_dev;
			}
		}
		int r = read_dir(fd, (int)i, &v, &n, &cap);
		if (r < 0)
			skip(w, j->path, WALK_SKIP_ERROR, -r);
		if (o->overlay && overlay_opaque(fd))
			break; /* lower layers are hidden under an opaque directory */
	}
	atomic_fetch_add(&w->dirs, 1);
	if (j->nl > 1 && n)
		qsort(v, n, sizeof(*v), cmp_fentry);
	/* merge: the first (top) layer naming an entry wins; a whiteout hides it; a directory
	 * merges with the same directory below until a non-directory blocks */
	struct fentry *files = NULL;
	size_t nf = 0;
	for (size_t i = 0; i < n;) {
		size_t g = i + 1;
		if (j->nl > 1)
			while (g < n && streq(v[g].name, v[i].name))
				g++;
		struct fentry *top = &v[i];
		if (o->overlay && overlay_whiteout(&top->st)) {
			/* deleted in an upper layer */
		} else if (S_ISDIR(top->st.st_mode)) {
			int ls[MAX_LAYERS];
			size_t nl = 0;
			for (size_t k = i; k < g && S_ISDIR(v[k].st.st_mode); k++)
				ls[nl++] = j->layers[v[k].lpos];
			_cleanup_free_ char *path = join(j->path, top->name);
			if (on_skip_list(o, path))
				skip(w, path, WALK_SKIP_PATH, 0);
			else if (j->depth + 1 > o->max_depth)
				skip(w, path, WALK_SKIP_DEPTH, 0);
			else if (!o->only || walk_dir_wanted(o->only, path)) {
				struct job *dj = job_new(JOB_DIR, path, j->depth + 1, dev, ls, nl);
				dj->want_dev = top->st.st_dev;
				dj->want_ino = top->st.st_ino;
				pool_push(w->pool, dj, 0);
			}
		} else {
			if (nf % 64 == 0)
				files = xrealloc(files, (nf + 64) * sizeof(*files));
			files[nf++] = *top;
			top->name = NULL; /* moved */
		}
		for (size_t k = i; k < g; k++)
			free(v[k].name);
		i = g;
	}
	free(v);
	/* a wide directory, or one with big files, is shared out in batches of at most BATCH files
	 * or BATCH_BYTES (a big file alone): the first batch stays here, idle workers take the
	 * rest, so a directory of large binaries does not keep one thread busy at the end */
	size_t first_end = nf;
	for (size_t b = 0; b < nf;) {
		size_t e = b;
		uint64_t bytes = 0;
		while (e < nf && e - b < BATCH && (e == b || bytes < BATCH_BYTES)) {
			if (S_ISREG(files[e].st.st_mode))
				bytes += (uint64_t)files[e].st.st_size;
			e++;
		}
		if (b == 0) {
			first_end = e;
		} else {
			struct job *bj =
			    job_new(JOB_BATCH, j->path, j->depth, dev, j->layers, j->nl);
			bj->files = xmalloc((e - b) * sizeof(*bj->files));
			memcpy(bj->files, files + b, (e - b) * sizeof(*bj->files));
			bj->n_files = e - b;
			pool_push(w->pool, bj, 0);
		}
		b = e;
	}
	for (size_t i = 0; i < first_end; i++) {
		int fd = fds[files[i].lpos];
		if (fd >= 0)
			visit_file(w, worker, j, &files[i], fd);
		free(files[i].name);
	}
	free(files);
	for (size_t i = 0; i < nopen; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void run_job(void *ud, unsigned worker, void *job)
{
	struct walk *w = ud;
	struct job *j = job;
	if (j->type == JOB_DIR)
		run_dir(w, worker, j);
	else
		run_batch(w, worker, j);
	job_free(j);
}

int walk_run(const struct walk_opts *o, struct walk_stats *ret_stats, struct cirt_err *err)
{
	if (o->n_roots == 0 || o->n_roots > MAX_LAYERS)
		return err_set(err, CIRT_EXIT_RUNTIME, "walk: %zu layers (1 to %d supported)",
		               o->n_roots, MAX_LAYERS);
	struct walk w = {.o = o};
	struct stat st;
	if (fstat(o->roots[0], &st) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "walk: root: %s", strerror(errno));
	w.root_dev = st.st_dev;
	int all[MAX_LAYERS];
	for (size_t i = 0; i < o->n_roots; i++)
		all[i] = (int)i;
	w.pool = pool_new(o->threads, run_job, &w);
	pool_push(w.pool, job_new(JOB_DIR, "/", 0, st.st_dev, all, o->n_roots), 0);
	pool_wait(w.pool, o->tick_ms, o->tick, o->ud);
	pool_free(w.pool);
	if (ret_stats) {
		ret_stats->dirs = atomic_load(&w.dirs);
		ret_stats->entries = atomic_load(&w.entries);
	}
	return 0;
}

int walk_open(const struct walk_entry *e)
{
	if (!S_ISREG(e->st.st_mode))
		return -EINVAL;
	/* O_PATH never opens the object itself: no device side effect, no FIFO block */
	_cleanup_close_ int p = openat(e->dirfd, e->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (p < 0)
		return -errno;
	struct stat st;
	if (fstat(p, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_ino != e->st.st_ino || st.st_dev != e->st.st_dev)
		return -ESTALE;
	/* reopen the very inode the O_PATH handle pins */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p);
	int fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int walk_readlink(const struct walk_entry *e, char *buf, size_t n)
{
	ssize_t r = readlinkat(e->dirfd, e->name, buf, n - 1);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return 0;
}

/* Split "/a/b/c" into components in place; returns the count (at most max). */
static size_t split(char *s, char **comp, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(s, "/", &save); t && n < max;
	     t = strtok_r(NULL, "/", &save))
		comp[n++] = t;
	return n;
}

bool walk_dir_wanted(const char *const *patterns, const char *dir)
{
	char dbuf[4096];
	snprintf(dbuf, sizeof(dbuf), "%s", dir);
	char *dc[128];
	size_t nd = split(dbuf, dc, ARRAY_SIZE(dc));
	for (const char *const *p = patterns; *p; p++) {
		char pbuf[1024];
		snprintf(pbuf, sizeof(pbuf), "%s", *p);
		char *pc[128];
		size_t np = split(pbuf, pc, ARRAY_SIZE(pc));
		if (np <= nd)
			continue;
		bool ok = true;
		for (size_t i = 0; i < nd && ok; i++)
			ok = fnmatch(pc[i], dc[i], 0) == 0;
		if (ok)
			return true;
	}
	return false;
}

bool walk_file_wanted(const char *const *patterns, const char *path)
{
	for (const char *const *p = patterns; *p; p++)
		if (fnmatch(*p, path, FNM_PATHNAME) == 0)
			return true;
	return false;
}
