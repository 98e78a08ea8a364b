/* rootfs.h: safe access to files inside a container's root filesystem. The container is
 * attacker-controlled: every path is resolved inside the root (openat2 RESOLVE_IN_ROOT, or a
 * per-component O_NOFOLLOW walk), so no symlink or ".." can lead to a host file. */
#pragma once

#include <dirent.h>
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

/* The host's own files. By default they are the running machine's, opened as named. With an image
 * root set (cirt --root DIR: a mounted disk image of a host), every path given to rootfs_host_*
 * and to rootfs_open_root is resolved inside DIR exactly like a path inside a container: "/" is
 * DIR, symlinks and ".." never leave it, magic links are refused. Paths stay as the host named
 * them ("/var/lib/docker/..."), so what cirt prints is where a file was on that host. */
int rootfs_host_set(const char *dir); /* -errno; dir must be a directory */
/* DIR as given, or NULL when the files are the running machine's. */
const char *rootfs_host_root(void);
/* open(2) of a host path (inside the image root when one is set). -errno. */
int rootfs_host_open(const char *path, int flags);
/* A whole small file (at most max bytes). Inside an image only a regular file is read (never a
 * FIFO or device planted there). -errno. */
int rootfs_host_read(const char *path, size_t max, char **ret, size_t *ret_len);
/* opendir(3) of a host path; NULL with errno set. */
DIR *rootfs_host_opendir(const char *path);
/* stat(2) (follow: the final symlink followed, inside the image) or lstat(2). -errno. */
int rootfs_host_stat(const char *path, struct stat *st, bool follow);

/* Force the portable fallback (tests; also used when openat2 is missing: kernel < 5.6). */
void rootfs_force_fallback(bool on);
