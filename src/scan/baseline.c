/* baseline.c: "added or changed since the image" for a plain directory: a file is compared with
 * the same path in the baseline tree (a directory, or an image's layers): absent there, of
 * another type, mode or size, another symlink target, or other bytes. */
#include <fcntl.h>

#include "scan/engine.h"
#include "scan/lroot.h"

/* Compare the content with the baseline file, chunk by chunk. */
static bool same_bytes(const struct lroot *base, const char *path, const unsigned char *data,
                       size_t len)
{
	struct stat st;
	_cleanup_close_ int fd = lroot_open_regular(base, path, &st);
	if (fd < 0 || (uint64_t)st.st_size != (uint64_t)len)
		return false;
	unsigned char buf[65536];
	size_t off = 0;
	while (off < len) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (size_t)r > len - off || memcmp(buf, data + off, (size_t)r) != 0)
			return false;
		off += (size_t)r;
	}
	return true;
}

enum scan_origin baseline_origin(const struct lroot *base, const struct scan_file *f)
{
	struct stat bs;
	if (lroot_lstat(base, f->path, &bs, NULL) < 0)
		return ORIGIN_ADDED;
	if ((bs.st_mode & S_IFMT) != (f->st.st_mode & S_IFMT) ||
	    (bs.st_mode & 07777) != (f->st.st_mode & 07777))
		return ORIGIN_ADDED;
	if (S_ISLNK(f->st.st_mode)) {
		char link[4096];
		if (!f->link || lroot_readlink(base, f->path, link, sizeof(link)) < 0)
			return ORIGIN_ADDED;
		return streq(link, f->link) ? ORIGIN_IMAGE : ORIGIN_ADDED;
	}
	if (!S_ISREG(f->st.st_mode))
		return ORIGIN_IMAGE;
	if (bs.st_size != f->st.st_size)
		return ORIGIN_ADDED;
	/* content not read (larger than --max-size, --quick): the size has to do */
	if (!f->data || (uint64_t)f->len != (uint64_t)f->st.st_size)
		return ORIGIN_IMAGE;
	return same_bytes(base, f->path, f->data, f->len) ? ORIGIN_IMAGE : ORIGIN_ADDED;
}
