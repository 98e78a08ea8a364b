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

static void add(struct walk *w, const char *path, int kind)
{
	json_t *o = json_object();
	json_object_set_new(o, "Path", json_str(path));
	json_object_set_new(o, "Kind", json_integer(kind));
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
			add(w, path, 2); /* a whiteout: deleted from the image's view */
			continue;
		}
		add(w, path, in_lower(w, path) ? 0 : 1);
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

int layerdiff(const char *upper, const char *lower, size_t max_entries, json_t **ret, json_t *notes,
              struct cirt_err *err)
{
	int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ufd < 0)
		return err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "writable layer '%s': %s", upper, strerror(errno));
	struct walk w = {.max = max_entries ? max_entries : LAYERDIFF_MAX_ENTRIES,
	                 .out = json_array()};
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
