/* lroot.c: path lookups in a single root or in overlay2 layers merged as overlayfs would. */
#include "scan/lroot.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "sources/rootfs.h"

int lroot_open(struct lroot *lr, const char *dir, char *const *layers, size_t n_layers,
               const char **ret_bad)
{
	size_t n = layers && n_layers ? n_layers : 1;
	*lr = (struct lroot){.fds = xcalloc(n, sizeof(int)), .overlay = layers && n_layers};
	for (size_t i = 0; i < n; i++) {
		const char *d = layers && n_layers ? layers[i] : dir;
		int fd = rootfs_open_root(d);
		if (fd < 0) {
			if (ret_bad)
				*ret_bad = d;
			lroot_close(lr);
			return fd;
		}
		lr->fds[lr->n++] = fd;
	}
	return 0;
}

void lroot_close(struct lroot *lr)
{
	if (!lr)
		return;
	for (size_t i = 0; i < lr->n; i++)
		close(lr->fds[i]);
	free(lr->fds);
	*lr = (struct lroot){0};
}

static bool whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool opaque(int rootfd, const char *dir)
{
	_cleanup_close_ int fd = rootfs_openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0)
		return false;
	char v[4];
	ssize_t n = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v));
	if (n < 1)
		n = fgetxattr(fd, "user.overlay.opaque", v, sizeof(v));
	return n >= 1 && v[0] == 'y';
}

/* In one layer: 1 found (st filled), 0 not there (lower layers may have it), -1 hidden (a
 * whiteout on the way, or an opaque directory above it). */
static int in_layer(int fd, const char *path, bool overlay, struct stat *st)
{
	if (!overlay)
		return rootfs_lstat(fd, path, st) == 0 ? 1 : 0;
	_cleanup_free_ char *p = xstrdup(path);
	bool hidden_below = false;
	/* each prefix: "/a", "/a/b", ... the path itself */
	for (char *s = p + 1;; s++) {
		char *slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		struct stat ps;
		if (rootfs_lstat(fd, p, &ps) < 0)
			return hidden_below ? -1 : 0;
		if (whiteout(&ps))
			return -1;
		if (!slash) {
			*st = ps;
			return 1;
		}
		if (!S_ISDIR(ps.st_mode))
			return hidden_below ? -1 : 0;
		if (opaque(fd, p))
			hidden_below = true;
		*slash = '/';
		s = slash;
	}
}

int lroot_lstat(const struct lroot *lr, const char *path, struct stat *st, size_t *ret_layer)
{
	if (!lroot_ok(lr))
		return -ENOENT;
	if (streq(path, "/")) {
		if (fstatat(lr->fds[0], "", st, AT_EMPTY_PATH) < 0)
			return -errno;
		if (ret_layer)
			*ret_layer = 0;
		return 0;
	}
	for (size_t i = 0; i < lr->n; i++) {
		int r = in_layer(lr->fds[i], path, lr->overlay, st);
		if (r < 0)
			return -ENOENT;
		if (r > 0) {
			if (ret_layer)
				*ret_layer = i;
			return 0;
		}
	}
	return -ENOENT;
}

int lroot_open_regular(const struct lroot *lr, const char *path, struct stat *st)
{
	size_t layer = 0;
	struct stat ls;
	int r = lroot_lstat(lr, path, &ls, &layer);
	if (r < 0)
		return r;
	if (!S_ISREG(ls.st_mode))
		return -EINVAL;
	return rootfs_open_regular(lr->fds[layer], path, st);
}

int lroot_read(const struct lroot *lr, const char *path, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	_cleanup_close_ int fd = lroot_open_regular(lr, path, &st);
	if (fd < 0)
		return fd;
	return read_fd_max(fd, max, ret, ret_len);
}

int lroot_readlink(const struct lroot *lr, const char *path, char *buf, size_t n)
{
	size_t layer = 0;
	struct stat st;
	int r = lroot_lstat(lr, path, &st, &layer);
	if (r < 0)
		return r;
	if (!S_ISLNK(st.st_mode))
		return -EINVAL;
	_cleanup_close_ int fd = rootfs_open_nofollow(lr->fds[layer], path);
	if (fd < 0)
		return fd;
	ssize_t l = readlinkat(fd, "", buf, n - 1);
	if (l < 0)
		return -errno;
	buf[l] = '\0';
	return 0;
}

struct lent {
	char *name;
	size_t layer;
	bool whiteout;
};

static int cmp_lent(const void *a, const void *b)
{
	const struct lent *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : (x->layer > y->layer) - (x->layer < y->layer);
}

int lroot_list(const struct lroot *lr, const char *dir, char ***ret, size_t *ret_n)
{
	if (!lroot_ok(lr))
		return -ENOENT;
	struct lent *v = NULL;
	size_t n = 0, cap = 0;
	bool any = false;
	for (size_t i = 0; i < lr->n; i++) {
		struct stat st;
		int r = in_layer(lr->fds[i], dir, lr->overlay, &st);
		if (r < 0)
			break;
		if (r == 0 || !S_ISDIR(st.st_mode))
			continue;
		int fd = rootfs_openat(lr->fds[i], dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (fd < 0)
			continue;
		DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
			continue;
		}
		any = true;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (streq(de->d_name, ".") || streq(de->d_name, ".."))
				continue;
			struct stat es;
			bool wh = lr->overlay && de->d_type == DT_CHR &&
			          fstatat(dirfd(d), de->d_name, &es, AT_SYMLINK_NOFOLLOW) == 0 &&
			          whiteout(&es);
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = (struct lent){xstrdup(de->d_name), i, wh};
		}
		closedir(d);
		if (!lr->overlay || opaque(lr->fds[i], dir))
			break;
	}
	if (!any) {
		free(v);
		return -ENOENT;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_lent);
	/* the top layer's entry of each name wins; a whiteout removes it */
	char **names = xcalloc(n + 1, sizeof(*names));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		v[i].whiteout |= i > 0 && streq(v[i].name, v[i - 1].name); /* a lower duplicate */
	for (size_t i = 0; i < n; i++) {
		if (!v[i].whiteout)
			names[k++] = steal_pointer(&v[i].name);
		free(v[i].name);
	}
	free(v);
	*ret = names;
	*ret_n = k;
	return 0;
}
