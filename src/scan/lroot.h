/* lroot.h: one path looked up in a target's file tree from outside the walk: a single root, or
 * overlay2 layers top first merged as overlayfs would (a 0/0 character device whites out, an
 * opaque directory hides the layers below it). Every lookup stays inside its layer (rootfs
 * helpers: openat2 RESOLVE_IN_ROOT or the O_NOFOLLOW walk). Used for the target's accounts,
 * its package database and a --baseline tree. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct lroot {
	int *fds; /* O_PATH directory fds, top first */
	size_t n;
	bool overlay;
};

/* Open a single root (dir) or layers (top first); -errno with the failing directory in
 * *ret_bad. */
int lroot_open(struct lroot *lr, const char *dir, char *const *layers, size_t n_layers,
               const char **ret_bad);
void lroot_close(struct lroot *lr);
static inline bool lroot_ok(const struct lroot *lr)
{
	return lr && lr->n > 0;
}

/* lstat of a path in the merged view: -ENOENT when absent or whited out. *ret_layer (may be
 * NULL) names the providing layer. */
int lroot_lstat(const struct lroot *lr, const char *path, struct stat *st, size_t *ret_layer);
/* Open a regular file of the merged view for reading (never a device or FIFO): fd or -errno. */
int lroot_open_regular(const struct lroot *lr, const char *path, struct stat *st);
/* Read a whole regular file (at most max bytes, NUL-terminated). -errno. */
int lroot_read(const struct lroot *lr, const char *path, size_t max, char **ret, size_t *ret_len);
/* Read a symlink's target (NUL-terminated, cut to n-1). -errno. */
int lroot_readlink(const struct lroot *lr, const char *path, char *buf, size_t n);
/* The names in a directory of the merged view (no "." or ".."; whiteouts applied), sorted.
 * -errno. */
int lroot_list(const struct lroot *lr, const char *dir, char ***ret, size_t *ret_n);
