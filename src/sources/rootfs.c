/* rootfs.c: path resolution confined to a container's root (openat2 or a manual walk). */
#include "sources/rootfs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

#define MAX_LINKS 40

static int fallback = -1; /* -1 unknown, 0 openat2 works, 1 use the walk */
static int host_fd = -1;  /* the image root of --root, or -1: the running machine */
static char *host_dir;

void rootfs_force_fallback(bool on)
{
	fallback = on ? 1 : -1;
}

int rootfs_open_root(const char *dir)
{
	if (host_fd >= 0)
		return rootfs_host_open(dir, O_PATH | O_DIRECTORY);
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int sys_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {.flags = (unsigned long long)flags | O_CLOEXEC, .resolve = resolve};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

/* The portable walk: one component at a time with O_NOFOLLOW; symlinks are read and spliced
 * into the remaining path; ".." never climbs above the root; absolute links restart at root. */
static int walk(int rootfd, const char *path, int flags, bool follow_last)
{
	char *rest = xstrdup(path);
	int links = 0;
	/* stack of directory fds from root; depth 0 is root (not owned) */
	size_t cap = 16, depth = 0;
	int *stack = xmalloc(cap * sizeof(int));
	stack[0] = rootfd;
	int result = -ENOENT;
	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			/* the path named a directory (or the root itself) */
			result = openat(stack[depth], ".", flags | O_CLOEXEC);
			result = result < 0 ? -errno : result;
			break;
		}
		char *slash = strchr(p, '/');
		char *next = slash ? slash + 1 : p + strlen(p);
		if (slash)
			*slash = '\0';
		bool last = true;
		for (const char *q = next; *q; q++)
			if (*q != '/') {
				last = false;
				break;
			}
		if (streq(p, ".")) {
			p = next;
			continue;
		}
		if (streq(p, "..")) {
			if (depth > 0)
				close(stack[depth--]);
			p = next;
			continue;
		}
		struct stat st;
		if (fstatat(stack[depth], p, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			result = -errno;
			break;
		}
		if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
			if (++links > MAX_LINKS) {
				result = -ELOOP;
				break;
			}
			char target[4096];
			ssize_t n = readlinkat(stack[depth], p, target, sizeof(target) - 1);
			if (n < 0) {
				result = -errno;
				break;
			}
			target[n] = '\0';
			char *nrest = xasprintf("%s%s%s", target, *next ? "/" : "", next);
			if (target[0] == '/')
				while (depth > 0)
					close(stack[depth--]);
			free(rest);
			rest = nrest;
			p = rest;
			continue;
		}
		if (last) {
			int fd = openat(stack[depth], p, flags | O_CLOEXEC | O_NOFOLLOW);
			result = fd < 0 ? -errno : fd;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			result = -ENOTDIR;
			break;
		}
		int dfd = openat(stack[depth], p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0) {
			result = -errno;
			break;
		}
		if (depth + 1 >= cap) {
			cap *= 2;
			stack = xrealloc(stack, cap * sizeof(int));
		}
		stack[++depth] = dfd;
		p = next;
	}
	while (depth > 0)
		close(stack[depth--]);
	free(stack);
	free(rest);
	return result;
}

static int resolve(int rootfd, const char *path, int flags, bool follow_last)
{
	if (fallback != 1) {
		int f = flags | (follow_last ? 0 : O_NOFOLLOW);
		if (!follow_last && !(flags & O_PATH))
			f |= O_PATH, f &= ~(O_RDONLY | O_WRONLY | O_RDWR);
		int fd = sys_openat2(rootfd, path, f, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (fd != -ENOSYS && fd != -EPERM) {
			fallback = 0;
			return fd;
		}
		fallback = 1;
	}
	return walk(rootfd, path, flags, follow_last);
}

int rootfs_openat(int rootfd, const char *path, int flags)
{
	return resolve(rootfd, path, flags, true);
}

int rootfs_open_nofollow(int rootfd, const char *path)
{
	return resolve(rootfd, path, O_PATH, false);
}

int rootfs_lstat(int rootfd, const char *path, struct stat *st)
{
	_cleanup_close_ int fd = rootfs_open_nofollow(rootfd, path);
	if (fd < 0)
		return fd;
	return fstat(fd, st) < 0 ? -errno : 0;
}

int rootfs_open_regular(int rootfd, const char *path, struct stat *st)
{
	_cleanup_close_ int pfd = rootfs_openat(rootfd, path, O_PATH);
	if (pfd < 0)
		return pfd;
	if (fstat(pfd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	int fd = rootfs_openat(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOATIME);
	if (fd == -EPERM)
		fd = rootfs_openat(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	struct stat st2;
	if (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino ||
	    !S_ISREG(st2.st_mode)) {
		close(fd);
		return -ESTALE;
	}
	/* reads must block normally from here on */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	*st = st2;
	return fd;
}

int rootfs_read_file(int rootfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	_cleanup_close_ int fd = rootfs_open_regular(rootfd, path, &st);
	if (fd < 0)
		return fd;
	return read_fd_max(fd, max, ret, ret_len);
}

/* ------------------------------------------------------------------ the host's own files */

int rootfs_host_set(const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (host_fd >= 0)
		close(host_fd);
	free(host_dir);
	host_fd = fd;
	host_dir = xstrdup(dir);
	return 0;
}

const char *rootfs_host_root(void)
{
	return host_fd >= 0 ? host_dir : NULL;
}

int rootfs_host_open(const char *path, int flags)
{
	if (host_fd < 0) {
		int fd = open(path, flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return rootfs_openat(host_fd, path, flags);
}

int rootfs_host_read(const char *path, size_t max, char **ret, size_t *ret_len)
{
	if (host_fd < 0)
		return read_file_max(AT_FDCWD, path, max, ret, ret_len);
	return rootfs_read_file(host_fd, path, max, ret, ret_len);
}

DIR *rootfs_host_opendir(const char *path)
{
	int fd = rootfs_host_open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

int rootfs_host_stat(const char *path, struct stat *st, bool follow)
{
	if (host_fd < 0)
		return (follow ? stat(path, st) : lstat(path, st)) < 0 ? -errno : 0;
	_cleanup_close_ int fd =
	    follow ? rootfs_openat(host_fd, path, O_PATH) : rootfs_open_nofollow(host_fd, path);
	if (fd < 0)
		return fd;
	return fstat(fd, st) < 0 ? -errno : 0;
}
