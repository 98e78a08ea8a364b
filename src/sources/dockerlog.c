/* dockerlog.c: the json-file and local log drivers' files read without the daemon (see
 * dockerlog.h). */
#include "sources/dockerlog.h"

#include <archive.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "escape.h"
#include "json.h"
#include "sources/rootfs.h"

static void note(json_t *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(json_t *notes, const char *fmt, ...)
{
	if (!json_is_array(notes) || json_array_size(notes) > 200)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	json_array_append_new(notes, json_str(s));
	free(s);
}

bool dockerlog_parse_json(const char *s, size_t len, struct dockerlog_entry *e, json_t **keep)
{
	json_error_t je;
	json_t *j = json_loadb(s, len, 0, &je);
	const char *log = jstr(j, "log"), *stream = jstr(j, "stream"), *t = jstr(j, "time");
	if (!json_is_object(j) || !log || !t || !time_parse_rfc3339(t, strlen(t), &e->time_ns)) {
		json_decref(j);
		return false;
	}
	e->stream = stream && streq(stream, "stderr") ? DOCKERLOG_STDERR : DOCKERLOG_STDOUT;
	e->len = json_string_length(json_object_get(j, "log"));
	e->line = log;
	e->partial = !(e->len && log[e->len - 1] == '\n');
	if (!e->partial)
		e->len--;
	*keep = j;
	return true;
}

/* a protobuf varint; false past the end or beyond 64 bits */
static bool varint(const uint8_t *p, size_t len, size_t *i, uint64_t *ret)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*i >= len)
			return false;
		uint8_t b = p[(*i)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

/* LogEntry {string source = 1; int64 time_nano = 2; bytes line = 3; bool partial = 4; ...}: the
 * four fields read, any other field skipped by its wire type */
bool dockerlog_parse_local(const uint8_t *p, size_t len, struct dockerlog_entry *e)
{
	size_t i = 0;
	bool have_time = false;
	e->stream = DOCKERLOG_STDOUT;
	e->line = "";
	e->len = 0;
	e->partial = false;
	while (i < len) {
		uint64_t key, v;
		if (!varint(p, len, &i, &key))
			return false;
		unsigned field = (unsigned)(key >> 3), wt = (unsigned)(key & 7);
		if (wt == 0) {
			if (!varint(p, len, &i, &v))
				return false;
			if (field == 2) {
				e->time_ns = (int64_t)v;
				have_time = true;
			} else if (field == 4) {
				e->partial = v != 0;
			}
		} else if (wt == 2) {
			if (!varint(p, len, &i, &v) || v > len - i)
				return false;
			if (field == 1)
				e->stream = v == 6 && memcmp(p + i, "stderr", 6) == 0
				                ? DOCKERLOG_STDERR
				                : DOCKERLOG_STDOUT;
			else if (field == 3) {
				e->line = (const char *)p + i;
				e->len = (size_t)v;
			}
			i += (size_t)v;
		} else if (wt == 1) {
			if (len - i < 8)
				return false;
			i += 8;
		} else if (wt == 5) {
			if (len - i < 4)
				return false;
			i += 4;
		} else {
			return false;
		}
	}
	if (!e->partial && e->len && e->line[e->len - 1] == '\n')
		e->len--;
	return have_time && e->time_ns >= 0;
}

/* ------------------------------------------------------------------ byte sources */

struct src {
	int fd;
	struct archive *a; /* a .gz rotation: libarchive's raw format over the gzip filter */
	uint64_t total;
};

static ssize_t src_read(struct src *s, void *buf, size_t n)
{
	ssize_t r;
	if (s->a)
		r = archive_read_data(s->a, buf, n);
	else
		do
			r = read(s->fd, buf, n);
		while (r < 0 && errno == EINTR);
	if (r > 0)
		s->total += (uint64_t)r;
	return r;
}

/* read exactly n bytes; 1 done, 0 clean end before any byte, -1 short or error */
static int src_full(struct src *s, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = src_read(s, (char *)buf + got, n - got);
		if (r < 0)
			return -1;
		if (r == 0)
			return got ? -1 : 0;
		got += (size_t)r;
	}
	return 1;
}

static int src_open(const char *path, struct src *s)
{
	memset(s, 0, sizeof(*s));
	struct stat st;
	s->fd = rootfs_host_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (s->fd < 0)
		return s->fd;
	if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(s->fd);
		s->fd = -1;
		return -EINVAL;
	}
	int fl = fcntl(s->fd, F_GETFL);
	if (fl >= 0)
		fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK);
	size_t l = strlen(path);
	if (l > 3 && streq(path + l - 3, ".gz")) {
		s->a = archive_read_new();
		archive_read_support_filter_gzip(s->a);
		archive_read_support_format_raw(s->a);
		struct archive_entry *ae;
		if (archive_read_open_fd(s->a, s->fd, 1 << 16) != ARCHIVE_OK ||
		    archive_read_next_header(s->a, &ae) != ARCHIVE_OK) {
			archive_read_free(s->a);
			close(s->fd);
			s->fd = -1;
			return -EIO;
		}
	}
	return 0;
}

static void src_close(struct src *s)
{
	if (s->a)
		archive_read_free(s->a);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->a = NULL;
}

/* ------------------------------------------------------------------ files */

struct reader {
	dockerlog_fn fn;
	void *ud;
	json_t *notes;
	uint64_t bytes;
	size_t bad;
};

static int read_json_file(struct reader *rd, struct src *s, const char *path)
{
	struct buf line = {0};
	char tmp[65536];
	bool skipping = false;
	int stop = 0;
	size_t lineno = 0;
	for (;;) {
		ssize_t n = src_read(s, tmp, sizeof(tmp));
		if (n < 0) {
			note(rd->notes, "log '%s': read error after %zu lines", path, lineno);
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n && !stop; i++) {
			if (tmp[i] != '\n') {
				if (line.len < DOCKERLOG_MAX_LINE)
					buf_append(&line, &tmp[i], 1);
				else
					skipping = true;
				continue;
			}
			lineno++;
			struct dockerlog_entry e = {.file = path};
			json_t *keep = NULL;
			if (!skipping && line.len &&
			    dockerlog_parse_json(line.data, line.len, &e, &keep)) {
				stop = rd->fn(&e, rd->ud);
				json_decref(keep);
			} else if (line.len) {
				if (!rd->bad++)
					note(rd->notes, "log '%s': line %zu is not a log record",
					     path, lineno);
			}
			line.len = 0;
			skipping = false;
		}
		if (stop)
			break;
	}
	if (!stop && line.len) {
		/* the last line without its newline: cut short (the host stopped mid-write) */
		struct dockerlog_entry e = {.file = path};
		json_t *keep = NULL;
		if (dockerlog_parse_json(line.data, line.len, &e, &keep)) {
			stop = rd->fn(&e, rd->ud);
			json_decref(keep);
		} else if (!rd->bad++) {
			note(rd->notes, "log '%s': its last line is cut short", path);
		}
	}
	buf_free(&line);
	return stop;
}

static int read_local_file(struct reader *rd, struct src *s, const char *path)
{
	uint8_t hdr[4];
	uint8_t *rec = NULL;
	size_t recs = 0;
	int stop = 0;
	for (;;) {
		int r = src_full(s, hdr, 4);
		if (r == 0)
			break;
		uint32_t size = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		                (uint32_t)hdr[2] << 8 | hdr[3];
		if (r < 0 || size > DOCKERLOG_MAX_LINE + 1024) {
			note(rd->notes,
			     "log '%s': record %zu is damaged (size %u): the rest of the "
			     "file is skipped",
			     path, recs + 1, size);
			rd->bad++;
			break;
		}
		rec = xrealloc(rec, size + 4 + 1);
		if (src_full(s, rec, (size_t)size + 4) != 1) {
			note(rd->notes, "log '%s': record %zu is cut short", path, recs + 1);
			rd->bad++;
			break;
		}
		recs++;
		struct dockerlog_entry e = {.file = path};
		if (memcmp(rec + size, hdr, 4) != 0 || !dockerlog_parse_local(rec, size, &e)) {
			if (!rd->bad++)
				note(rd->notes, "log '%s': record %zu is not a log entry", path,
				     recs);
			continue;
		}
		if ((stop = rd->fn(&e, rd->ud)) != 0)
			break;
	}
	free(rec);
	return stop;
}

/* base, then base.1 .. base.N (plain or .gz): the list oldest first */
static size_t rotations(const char *base, char ***ret)
{
	char **v = NULL;
	size_t n = 0;
	struct stat st;
	for (int i = 1; i <= DOCKERLOG_MAX_FILES; i++) {
		char *p = xasprintf("%s.%d", base, i);
		if (rootfs_host_stat(p, &st, false) < 0) {
			char *gz = xasprintf("%s.gz", p);
			free(p);
			if (rootfs_host_stat(gz, &st, false) < 0) {
				free(gz);
				break;
			}
			p = gz;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = p;
	}
	/* oldest (highest number) first, the current file last */
	for (size_t i = 0; i < n / 2; i++) {
		char *t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
	v = xrealloc(v, (n + 1) * sizeof(*v));
	v[n++] = xstrdup(base);
	*ret = v;
	return n;
}

int dockerlog_read(const char *driver, const char *log_path, const char *container_dir,
                   dockerlog_fn fn, void *ud, json_t *notes, size_t *ret_files,
                   struct cirt_err *err)
{
	bool local = driver && streq(driver, "local");
	if (!local && driver && !streq(driver, "json-file"))
		return err_set(err, CIRT_EXIT_NOTFOUND,
		               "log driver '%s' keeps no file the host can read without the daemon",
		               driver);
	_cleanup_free_ char *base =
	    local ? (container_dir ? xasprintf("%s/local-logs/container.log", container_dir) : NULL)
	          : (log_path && *log_path ? xstrdup(log_path) : NULL);
	if (!base)
		return err_set(err, CIRT_EXIT_NOTFOUND, "no log file recorded (driver '%s')",
		               driver ? driver : "?");
	char **files = NULL;
	size_t nf = rotations(base, &files);
	struct reader rd = {.fn = fn, .ud = ud, .notes = notes};
	size_t read_files = 0;
	int stop = 0, first_err = 0;
	for (size_t i = 0; i < nf; i++) {
		struct src s;
		int r = stop ? 0 : src_open(files[i], &s);
		if (!stop && r < 0) {
			if (i + 1 == nf)
				first_err = r;
			else
				note(notes, "log '%s': %s", files[i],
				     r == -EINVAL ? "not a regular file" : strerror(-r));
		} else if (!stop) {
			read_files++;
			stop = local ? read_local_file(&rd, &s, files[i])
			             : read_json_file(&rd, &s, files[i]);
			rd.bytes += s.total;
			src_close(&s);
			if (rd.bytes > DOCKERLOG_MAX_BYTES) {
				note(notes, "logs past %llu GiB left out",
				     (unsigned long long)(DOCKERLOG_MAX_BYTES >> 30));
				stop = 1;
			}
		}
		free(files[i]);
	}
	free(files);
	if (rd.bad > 1)
		note(notes, "%zu damaged log records skipped", rd.bad);
	if (!read_files)
		return err_set(err, first_err == -EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_NOTFOUND,
		               "log '%s': %s", base,
		               first_err == -EINVAL ? "not a regular file" : strerror(-first_err));
	if (first_err)
		note(notes, "log '%s': %s", base, strerror(-first_err));
	if (ret_files)
		*ret_files = read_files;
	return 0;
}

int dockerlog_lines(const char *path, size_t max_line, dockerlog_line_fn fn, void *ud,
                    uint64_t *ret_bytes)
{
	struct src s;
	int r = src_open(path, &s);
	if (r < 0)
		return r;
	struct buf line = {0};
	char tmp[65536];
	int stop = 0;
	for (;;) {
		ssize_t n = src_read(&s, tmp, sizeof(tmp));
		if (n <= 0)
			break;
		char *p = tmp, *end = tmp + n;
		while (p < end && !stop) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t take = (size_t)((nl ? nl : end) - p);
			if (line.len < max_line)
				buf_append(&line, p,
				           take < max_line - line.len ? take : max_line - line.len);
			p += take;
			if (nl) {
				p++;
				stop = fn(line.data ? line.data : "", line.len, ud);
				line.len = 0;
			}
		}
		if (stop)
			break;
	}
	if (!stop && line.len)
		fn(line.data, line.len, ud);
	if (ret_bytes)
		*ret_bytes = s.total;
	buf_free(&line);
	src_close(&s);
	return 0;
}
