/* rootfs.h: safe access to files inside a container's root filesystem. The container is
 * attacker-controlled: every path is resolved inside the root (openat2 RESOLVE_IN_ROOT, or a
 * per-component O_NOFOLLOW walk), so no symlink or ".." can lead to a host file. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util.h"

/* Open a directory to serve as a root (O_PATH|O_DIRECTORY), e.g. "/proc/<pid>/root" or an
 * overlay MergedDir/UpperDir. -errno on failure. */
int rootfs_open_root(const char *dir);

/* Resolve path inside rootfd and open it with flags (O_PATH allowed). Symlinks are followed
 * only inside the root, magic links (/proc/self/...) never; -ELOOP after 40 links.
 * -errno on failure. */
int rootfs_openat(int rootfd, const char *path, int flags);

/* Like rootfs_openat but never follows a final symlink (returns an O_PATH fd of the link). */
int rootfs_open_nofollow(int rootfd, const char *path);

/* Open a regular file for reading, never a device, FIFO or socket (checked on an O_PATH fd
 * before opening, and the inode compared after, so a swap in between is caught). O_NOATIME
 * is used where permitted. Returns the fd and fills st; -errno, or -EINVAL when the path is
 * not a regular file (st still describes what it is). */
int rootfs_open_regular(int rootfd, const char *path, struct stat *st);

/* lstat of a path inside the root (final symlink not followed). */
int rootfs_lstat(int rootfd, const char *path, struct stat *st);

/* Read a whole small regular file inside the root (at most max bytes). -errno on failure. */
int rootfs_read_file(int rootfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* Force the portable fallback (tests; also used when openat2 is missing: kernel < 5.6). */
void rootfs_force_fallback(bool on);
