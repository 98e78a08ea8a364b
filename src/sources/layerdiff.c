/* layerdiff.c: the change list from the overlay2 layers (see layerdiff.h). */
#include "sources/layerdiff.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "escape.h"
#include "json.h"
#include "sources/rootfs.h"

struct walk {
	size_t n, max;
	json_t *out;
	bool cut_depth, cut_entries;
	char *first_cut; /* the first directory not walked for its depth */
	char *failed;    /* the first place that could not be read (the list is incomplete) */
	bool times;      /* add each entry's inode facts and times (layerdiff_times) */
};

/* One directory of the image's view (what the container started from): the directories of the
 * layers that make it, top first. Empty: the directory is not in the image's view. */
struct view {
	int *fd;
	size_t n;
};

static void view_close(struct view *v)
{
	for (size_t i = 0; i < v->n; i++)
		close(v->fd[i]);
	free(v->fd);
	v->fd = NULL;
	v->n = 0;
}

static void failed(struct walk *w, const char *path, int e)
{
	if (!w->failed)
		w->failed = xasprintf("'%s': %s", *path ? path : "/", strerror(e));
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool opaque(int dfd)
{
	char v[2];
	return fgetxattr(dfd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

/* name in the image's view of dir: the topmost layer holding it decides (a whiteout there: it
 * is not in the view). Its layer index, or -1. */
static int view_lookup(struct walk *w, const struct view *dir, const char *path, const char *name,
                       struct stat *st)
{
	for (size_t i = 0; i < dir->n; i++) {
		if (fstatat(dir->fd[i], name, st, AT_SYMLINK_NOFOLLOW) == 0)
			return is_whiteout(st) ? -1 : (int)i;
		if (errno != ENOENT && errno != ENOTDIR)
			failed(w, path, errno);
	}
	return -1;
}

/* The image's view of the directory name found in layer `from` of dir: that layer's directory
 * and the same directory in the layers below, down to an opaque one or one that is not a
 * directory there. */
static void view_child(struct walk *w, const struct view *dir, size_t from, const char *path,
                       const char *name, struct view *ret)
{
	ret->fd = xcalloc(dir->n - from + 1, sizeof(int));
	ret->n = 0;
	for (size_t i = from; i < dir->n; i++) {
		struct stat st;
		if (fstatat(dir->fd[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && errno != ENOTDIR)
				failed(w, path, errno);
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			break; /* a file or a whiteout hides the layers below */
		int fd = openat(dir->fd[i], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			failed(w, path, errno);
			break;
		}
		ret->fd[ret->n++] = fd;
		if (opaque(fd))
			break;
	}
}

/* The file capabilities of name in dfd (empty when none): a change the daemon counts too. */
static size_t caps(int dfd, const char *name, char *buf, size_t len)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d/", dfd);
	_cleanup_free_ char *full = xasprintf("%s%s", p, name);
	ssize_t r = lgetxattr(full, "security.capability", buf, len);
	return r > 0 ? (size_t)r : 0;
}

/* The daemon's test for a changed entry (its naive diff: stat fields, not content): type and
 * mode, owner, device number, and for what is not a directory its size and modification time
 * (equal when one side has no nanoseconds), plus its file capabilities. */
static bool differs(const struct stat *a, const struct stat *b)
{
	if (a->st_mode != b->st_mode || a->st_uid != b->st_uid || a->st_gid != b->st_gid ||
	    a->st_rdev != b->st_rdev)
		return true;
	if (S_ISDIR(a->st_mode))
		return false;
	bool same_time =
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && (a->st_mtim.tv_nsec == b->st_mtim.tv_nsec ||
	                                               !a->st_mtim.tv_nsec || !b->st_mtim.tv_nsec);
	return !same_time || a->st_size != b->st_size;
}

static json_int_t ns_of(long long sec, long long nsec)
{
	return (json_int_t)(sec * 1000000000LL + nsec);
}

/* The entry's inode facts: its times as the layer's filesystem keeps them (birth time only where
 * statx has it), mode, owner, size and inode number. */
static void add_times(json_t *o, int dfd, const char *name, const struct stat *st)
{
	json_object_set_new(o, "mtime_ns",
	                    json_integer(ns_of(st->st_mtim.tv_sec, st->st_mtim.tv_nsec)));
	json_object_set_new(o, "ctime_ns",
	                    json_integer(ns_of(st->st_ctim.tv_sec, st->st_ctim.tv_nsec)));
	json_object_set_new(o, "atime_ns",
	                    json_integer(ns_of(st->st_atim.tv_sec, st->st_atim.tv_nsec)));
	struct statx sx;
	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &sx) == 0 &&
	    (sx.stx_mask & STATX_BTIME))
		json_object_set_new(o, "btime_ns",
		                    json_integer(ns_of(sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec)));
	json_object_set_new(o, "mode", json_integer(st->st_mode));
	json_object_set_new(o, "uid", json_integer(st->st_uid));
	json_object_set_new(o, "gid", json_integer(st->st_gid));
	json_object_set_new(o, "size", json_integer((json_int_t)st->st_size));
	json_object_set_new(o, "inode", json_integer((json_int_t)st->st_ino));
}

/* One change; dfd/name/st: the entry in the writable layer (its facts with w->times), or dfd -1
 * for an entry the writable layer does not hold (under an opaque directory). */
static void add(struct walk *w, const char *path, int kind, int dfd, const char *name,
                const struct stat *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "Path", json_str(path));
	json_object_set_new(o, "Kind", json_integer(kind));
	if (w->times && dfd >= 0 && st)
		add_times(o, dfd, name, st);
	json_array_append_new(w->out, o);
	w->n++;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An opaque directory of the writable layer hides the image's: what the image had there and the
 * writable layer does not is deleted (the top entry only, as the daemon lists it). */
static size_t opaque_deletes(struct walk *w, int ufd, const struct view *old, const char *prefix)
{
	char **names = NULL;
	size_t n = 0, cap = 0, found = 0;
	for (size_t i = 0; i < old->n; i++) {
		int fd = openat(old->fd[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (fd >= 0)
				close(fd);
			failed(w, prefix, errno);
			continue;
		}
		struct dirent *de;
		while ((de = readdir(d)) && n < w->max) {
			if (streq(de->d_name, ".") || streq(de->d_name, ".."))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				names = xrealloc(names, cap * sizeof(*names));
			}
			names[n++] = xstrdup(de->d_name);
		}
		closedir(d);
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if ((i == 0 || !streq(names[i], names[i - 1])) &&
		    fstatat(ufd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT &&
		    view_lookup(w, old, prefix, names[i], &st) >= 0) {
			_cleanup_free_ char *path = xasprintf("%s/%s", prefix, names[i]);
			if (w->n >= w->max)
				w->cut_entries = true;
			else {
				add(w, path, 2, -1, NULL, NULL);
				found++;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return found;
}

/* The writable layer's directory ufd (prefix: its path in the container) against the image's
 * view old of the same directory (empty: not in the image). Returns how many changes it listed;
 * a directory with changes below it is listed as changed, as the daemon does. */
static size_t walk_dir(struct walk *w, int ufd, const struct view *old, const char *prefix,
                       int depth)
{
	DIR *d = fdopendir(ufd);
	if (!d) {
		failed(w, prefix, errno);
		close(ufd);
		return 0;
	}
	size_t listed = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (w->n >= w->max) {
			w->cut_entries = true;
			break;
		}
		_cleanup_free_ char *path = xasprintf("%s/%s", prefix, de->d_name);
		struct stat st, ost;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) /* removed while walked: gone either way */
				failed(w, path, errno);
			continue;
		}
		int layer = view_lookup(w, old, path, de->d_name, &ost);
		if (is_whiteout(&st)) {
			/* deleted from the image's view; a whiteout of nothing changes nothing */
			if (layer >= 0) {
				add(w, path, 2, dirfd(d), de->d_name, &st);
				listed++;
			}
			continue;
		}
		bool changed = false;
		if (layer < 0) {
			add(w, path, 1, dirfd(d), de->d_name, &st);
			listed++;
		} else {
			char ca[256], cb[256];
			size_t la = caps(dirfd(d), de->d_name, ca, sizeof(ca));
			size_t lb = caps(old->fd[layer], de->d_name, cb, sizeof(cb));
			changed = differs(&ost, &st) || la != lb || (la && memcmp(ca, cb, la) != 0);
			if (changed) {
				add(w, path, 0, dirfd(d), de->d_name, &st);
				listed++;
			}
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		if (depth + 1 >= LAYERDIFF_MAX_DEPTH) {
			if (!w->cut_depth)
				w->first_cut = xstrdup(path);
			w->cut_depth = true;
			continue;
		}
		int sub = openat(dirfd(d), de->d_name,
		                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (sub < 0) {
			failed(w, path, errno);
			continue;
		}
		/* below an added directory, or one that was not a directory in the image,
		 * everything is added */
		struct view child = {0};
		if (layer >= 0 && S_ISDIR(ost.st_mode))
			view_child(w, old, (size_t)layer, path, de->d_name, &child);
		size_t below = 0;
		if (child.n && opaque(sub))
			below += opaque_deletes(w, sub, &child, path);
		below += walk_dir(w, sub, &child, path, depth + 1);
		view_close(&child);
		if (below && layer >= 0 && !changed) {
			add(w, path, 0, dirfd(d), de->d_name, &st);
			listed++;
		}
		listed += below;
	}
	closedir(d);
	return listed;
}

static int cmp_path(const void *a, const void *b)
{
	json_t *const *x = a, *const *y = b;
	return strcmp(jstr(*x, "Path"), jstr(*y, "Path"));
}

static int diff(const char *upper, const char *lower, size_t max_entries, bool times, json_t **ret,
                json_t *notes, struct cirt_err *err)
{
	/* inside the image root when one is set (--root): the layers are the host's paths there */
	int ufd = rootfs_host_open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (ufd < 0)
		return err_set(err, ufd == -EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "writable layer '%s': %s", upper, strerror(-ufd));
	struct walk w = {.max = max_entries ? max_entries : LAYERDIFF_MAX_ENTRIES,
	                 .out = json_array(),
	                 .times = times};
	_cleanup_free_ char *l = xstrdup(lower ? lower : "");
	size_t cap = 1;
	for (const char *p = l; *p; p++)
		cap += *p == ':';
	struct view root = {.fd = xcalloc(cap, sizeof(int))};
	for (char *save = NULL, *t = strtok_r(l, ":", &save); t && root.n < cap;
	     t = strtok_r(NULL, ":", &save)) {
		int fd = rootfs_host_open(t, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (fd < 0) {
			if (json_is_array(notes))
				json_array_append_new(
				    notes, json_sprintf("image layer '%s' unreadable (%s): files "
				                        "in it count as added",
				                        t, strerror(-fd)));
			continue;
		}
		root.fd[root.n++] = fd;
	}
	walk_dir(&w, ufd, &root, "", 0);
	view_close(&root);
	if (json_is_array(notes) && w.cut_entries)
		json_array_append_new(notes, json_sprintf("more than %zu changed paths: the rest "
		                                          "are left out",
		                                          w.max));
	if (json_is_array(notes) && w.cut_depth)
		json_array_append_new(notes, json_sprintf("directories deeper than %d levels are "
		                                          "not walked (the first: '%s')",
		                                          LAYERDIFF_MAX_DEPTH, w.first_cut));
	if (json_is_array(notes) && w.failed)
		json_array_append_new(
		    notes, json_sprintf("not everything could be read, the list may miss "
		                        "changes (the first: %s)",
		                        w.failed));
	free(w.first_cut);
	free(w.failed);
	/* sort through a plain array: jansson has no sort */
	size_t n = json_array_size(w.out);
	json_t **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(w.out, i));
	qsort(v, n, sizeof(*v), cmp_path);
	json_array_clear(w.out);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(w.out, v[i]);
	free(v);
	*ret = w.out;
	return 0;
}

int layerdiff(const char *upper, const char *lower, size_t max_entries, json_t **ret, json_t *notes,
              struct cirt_err *err)
{
	return diff(upper, lower, max_entries, false, ret, notes, err);
}

int layerdiff_times(const char *upper, const char *lower, size_t max_entries, json_t **ret,
                    json_t *notes, struct cirt_err *err)
{
	return diff(upper, lower, max_entries, true, ret, notes, err);
}
