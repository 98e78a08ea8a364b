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
	int *lower;
	size_t n_lower;
	size_t n, max;
	json_t *out;
	bool cut_depth, cut_entries;
	char *first_cut; /* the first directory not walked for its depth */
	bool times;      /* add each entry's inode facts and times (layerdiff_times) */
};

/* Is path in the image's view below the writable layer? The topmost layer holding it decides: a
 * whiteout there means it was already deleted. */
static bool in_lower(const struct walk *w, const char *path)
{
	for (size_t i = 0; i < w->n_lower; i++) {
		struct stat st;
		if (rootfs_lstat(w->lower[i], path, &st) < 0)
			continue;
		return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	}
	return false;
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

static void add(struct walk *w, const char *path, int kind, int dfd, const char *name,
                const struct stat *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "Path", json_str(path));
	json_object_set_new(o, "Kind", json_integer(kind));
	if (w->times)
		add_times(o, dfd, name, st);
	json_array_append_new(w->out, o);
	w->n++;
}

static void walk_dir(struct walk *w, int dfd, const char *prefix, int depth)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (w->n >= w->max) {
			w->cut_entries = true;
			break;
		}
		_cleanup_free_ char *path = xasprintf("%s/%s", prefix, de->d_name);
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			add(w, path, 2, dirfd(d), de->d_name, &st); /* a whiteout: deleted */
			continue;
		}
		add(w, path, in_lower(w, path) ? 0 : 1, dirfd(d), de->d_name, &st);
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
		if (sub >= 0)
			walk_dir(w, sub, path, depth + 1);
	}
	closedir(d);
}

static int cmp_path(const void *a, const void *b)
{
	json_t *const *x = a, *const *y = b;
	return strcmp(jstr(*x, "Path"), jstr(*y, "Path"));
}

static int diff(const char *upper, const char *lower, size_t max_entries, bool times, json_t **ret,
                json_t *notes, struct cirt_err *err)
{
	/* inside the image root when one is set (--root): the layer is the host's path there */
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
	w.lower = xcalloc(cap, sizeof(int));
	for (char *save = NULL, *t = strtok_r(l, ":", &save); t && w.n_lower < cap;
	     t = strtok_r(NULL, ":", &save)) {
		int fd = rootfs_open_root(t);
		if (fd < 0) {
			if (json_is_array(notes))
				json_array_append_new(
				    notes, json_sprintf("image layer '%s' unreadable (%s): files "
				                        "in it count as added",
				                        t, strerror(-fd)));
			continue;
		}
		w.lower[w.n_lower++] = fd;
	}
	walk_dir(&w, ufd, "", 0);
	for (size_t i = 0; i < w.n_lower; i++)
		close(w.lower[i]);
	free(w.lower);
	if (json_is_array(notes) && w.cut_entries)
		json_array_append_new(notes, json_sprintf("more than %zu changed paths: the rest "
		                                          "are left out",
		                                          w.max));
	if (json_is_array(notes) && w.cut_depth)
		json_array_append_new(notes, json_sprintf("directories deeper than %d levels are "
		                                          "not walked (the first: '%s')",
		                                          LAYERDIFF_MAX_DEPTH, w.first_cut));
	free(w.first_cut);
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
