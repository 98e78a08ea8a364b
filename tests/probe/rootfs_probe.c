/* rootfs_probe.c: drives the confined rootfs resolution (src/sources/rootfs.c) from the hostile
 * container tests: one operation on one path inside a root, the answer on one escaped line.
 *   rootfs_probe ROOT read PATH MAX   -> "ok LEN <first 64 bytes, escaped>" or "err ENAME"
 *   rootfs_probe ROOT lstat PATH      -> "ok TYPE SIZE NLINK" or "err ENAME"
 *   rootfs_probe ROOT ls PATH         -> one escaped name per line, or "err ENAME"
 * CIRT_ROOTFS_FALLBACK=1 forces the O_NOFOLLOW walk instead of openat2. A hang is killed after
 * 10 s (exit 124): the tests must never wait on a FIFO or an endless device. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>

#include "escape.h"
#include "sources/rootfs.h"

static const char *ename(int e)
{
	switch (e) {
	case ENOENT:
		return "ENOENT";
	case ELOOP:
		return "ELOOP";
	case EINVAL:
		return "EINVAL";
	case ENOTDIR:
		return "ENOTDIR";
	case ENAMETOOLONG:
		return "ENAMETOOLONG";
	case EXDEV:
		return "EXDEV";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ESTALE:
		return "ESTALE";
	case EAGAIN:
		return "EAGAIN";
	default:
		return strerror(e);
	}
}

static const char *type_name(mode_t m)
{
	if (S_ISREG(m))
		return "file";
	if (S_ISDIR(m))
		return "dir";
	if (S_ISLNK(m))
		return "symlink";
	if (S_ISFIFO(m))
		return "fifo";
	if (S_ISCHR(m))
		return "chardev";
	if (S_ISBLK(m))
		return "blockdev";
	if (S_ISSOCK(m))
		return "socket";
	return "other";
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "err HANG\n";
	ssize_t w = write(1, m, sizeof(m) - 1);
	(void)w;
	_exit(124);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: rootfs_probe ROOT read|lstat|ls PATH [MAX]\n");
		return 2;
	}
	signal(SIGALRM, on_alarm);
	alarm(10);
	const char *fb = getenv("CIRT_ROOTFS_FALLBACK");
	rootfs_force_fallback(fb && streq(fb, "1"));
	int root = rootfs_open_root(argv[1]);
	if (root < 0) {
		printf("err %s\n", ename(-root));
		return 1;
	}
	const char *op = argv[2], *path = argv[3];
	if (streq(op, "read")) {
		size_t max = argc > 4 ? strtoull(argv[4], NULL, 10) : 4096;
		char *s = NULL;
		size_t len = 0;
		int r = rootfs_read_file(root, path, max, &s, &len);
		if (r < 0) {
			printf("err %s\n", ename(-r));
			return 1;
		}
		char *e = term_escape_n(s, len < 64 ? len : 64);
		printf("ok %zu %s\n", len, e);
		free(e);
		free(s);
		return 0;
	}
	if (streq(op, "lstat")) {
		struct stat st;
		int r = rootfs_lstat(root, path, &st);
		if (r < 0) {
			printf("err %s\n", ename(-r));
			return 1;
		}
		printf("ok %s %lld %lu\n", type_name(st.st_mode), (long long)st.st_size,
		       (unsigned long)st.st_nlink);
		return 0;
	}
	if (streq(op, "ls")) {
		int fd = rootfs_openat(root, path, O_RDONLY | O_DIRECTORY);
		if (fd < 0) {
			printf("err %s\n", ename(-fd));
			return 1;
		}
		DIR *d = fdopendir(fd);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			char *e = term_escape(de->d_name);
			printf("%s\n", e);
			free(e);
		}
		if (d)
			closedir(d);
		return 0;
	}
	fprintf(stderr, "rootfs_probe: unknown operation '%s'\n", op);
	return 2;
}
