/* journal.c: NDJSON journal files: rotation by size, fsync on rotation and close, a lock per
 * directory, and a time-ordered reader with bounded memory. */
#include "journal/journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#define FILE_PREFIX "journal-"
#define FILE_SUFFIX ".ndjson"
#define FLUSH_AT (256u << 10) /* queued bytes that trigger a write() */
#define READ_CHUNK (64u << 10)
#define TIME_SLACK_NS (120ull * 1000000000ull) /* lines may lag their file's start by this much */

/* ---------------------------------------------------------------- time */

uint64_t journal_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *journal_time_str(uint64_t ns, char *out, size_t n)
{
	time_t s = (time_t)(ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (unsigned)((ns / 1000ull) % 1000000ull));
	return out;
}

static bool digits(const char *s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

/* Days since the epoch of a civil date (proleptic Gregorian), without the libc's timezone state. */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

bool journal_time_parse(const char *s, uint64_t *ret_ns)
{
	int Y, M, D, h = 0, mi = 0, sec = 0;
	if (!s || strlen(s) < 10 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) ||
	    s[7] != '-' || !digits(s + 8, 2, &D))
		return false;
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M))
		return false;
	const char *p = s + 10;
	uint64_t frac_ns = 0;
	int64_t off_s = 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &mi))
			return false;
		p += 5;
		if (*p == ':') {
			if (!digits(p + 1, 2, &sec))
				return false;
			p += 3;
			if (*p == '.' || *p == ',') {
				p++;
				uint64_t scale = 100000000ull;
				int nd = 0;
				while (*p >= '0' && *p <= '9') {
					if (nd++ < 9) {
						frac_ns += (uint64_t)(*p - '0') * scale;
						scale /= 10;
					}
					p++;
				}
				if (nd == 0)
					return false;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return false;
		if (*p == 'Z' || *p == 'z')
			p++;
		else if (*p == '+' || *p == '-') {
			int oh, om;
			int sign = *p == '-' ? -1 : 1;
			if (!digits(p + 1, 2, &oh))
				return false;
			p += 3;
			if (*p == ':')
				p++;
			if (!digits(p, 2, &om))
				return false;
			p += 2;
			if (oh > 23 || om > 59)
				return false;
			off_s = sign * (oh * 3600 + om * 60);
		}
	}
	if (*p)
		return false;
	int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec - off_s;
	if (t < 0)
		return false;
	*ret_ns = (uint64_t)t * 1000000000ull + frac_ns;
	return true;
}

bool journal_when_parse(const char *s, uint64_t now_ns, uint64_t *ret_ns)
{
	if (!s || !*s)
		return false;
	/* a duration is digits with at most one unit letter; an absolute time has '-' or ':' */
	if (!strpbrk(s, "-:T ")) {
		long d = parse_duration(s);
		if (d < 0 || (uint64_t)d > now_ns / 1000000000ull)
			return false;
		*ret_ns = now_ns - (uint64_t)d * 1000000000ull;
		return true;
	}
	return journal_time_parse(s, ret_ns);
}

/* Parse the fixed-format time at the start of a journal line: {"t":"YYYY-MM-DDTHH:MM:SS.ffffffZ" */
static bool line_time(const char *l, size_t len, uint64_t *ret)
{
	static const char pre[] = "{\"t\":\"";
	const size_t pl = sizeof(pre) - 1;
	if (len < pl + JOURNAL_TIME_LEN + 1 || memcmp(l, pre, pl) != 0)
		return false;
	const char *s = l + pl;
	int Y, M, D, h, mi, sec, us;
	if (!digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
	    !digits(s + 8, 2, &D) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec) || s[19] != '.' ||
	    !digits(s + 20, 6, &us) || s[26] != 'Z' || s[27] != '"')
		return false;
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31)
		return false;
	int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec;
	*ret = (uint64_t)t * 1000000000ull + (uint64_t)us * 1000ull;
	return true;
}

json_t *journal_line_new(uint64_t t_ns, const char *type)
{
	char b[40];
	json_t *o = json_object();
	json_object_set_new(o, "t", json_string(journal_time_str(t_ns, b, sizeof(b))));
	json_object_set_new(o, "type", json_string(type));
	return o;
}

/* ---------------------------------------------------------------- file names */

struct jfile {
	char *name;
	uint64_t size;
	uint64_t start_ns;
};

/* journal-20260102T030405.123456Z-0001.ndjson -> its start time */
static bool parse_name(const char *name, uint64_t *ret_start)
{
	size_t l = strlen(name);
	const size_t pl = strlen(FILE_PREFIX), sl = strlen(FILE_SUFFIX);
	if (l < pl + 23 + sl || strncmp(name, FILE_PREFIX, pl) != 0 ||
	    strcmp(name + l - sl, FILE_SUFFIX) != 0)
		return false;
	const char *s = name + pl;
	int Y, M, D, h, mi, sec, us;
	if (!digits(s, 4, &Y) || !digits(s + 4, 2, &M) || !digits(s + 6, 2, &D) || s[8] != 'T' ||
	    !digits(s + 9, 2, &h) || !digits(s + 11, 2, &mi) || !digits(s + 13, 2, &sec) ||
	    s[15] != '.' || !digits(s + 16, 6, &us) || s[22] != 'Z')
		return false;
	if (M < 1 || M > 12 || D < 1 || D > 31)
		return false;
	int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec;
	*ret_start = (uint64_t)t * 1000000000ull + (uint64_t)us * 1000ull;
	return true;
}

static int cmp_jfile(const void *a, const void *b)
{
	const struct jfile *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static void jfiles_free(struct jfile *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The journal files of a directory, oldest first. */
static int list_files(int dirfd, struct jfile **ret, size_t *ret_n)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	struct jfile *v = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		uint64_t start;
		if (!parse_name(de->d_name, &start))
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].name = xstrdup(de->d_name);
		v[n].size = (uint64_t)st.st_size;
		v[n].start_ns = start;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_jfile);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* ---------------------------------------------------------------- writer */

struct journal_writer {
	char *dir;
	int dirfd, lockfd, fd;
	char *cur;         /* current file name */
	uint64_t cur_size; /* bytes already in the current file */
	uint64_t max_size, max_file;
	struct jfile *old; /* closed files, oldest first */
	size_t n_old;
	uint64_t old_total;
	struct buf q; /* whole lines not yet written */
	bool dirty;   /* written since the last sync */
	unsigned seq;
	struct journal_stats st;
};

static int mkdir_p(const char *dir, struct cirt_err *err)
{
	_cleanup_free_ char *p = xstrdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
			               "journal '%s': cannot create '%s': %s", dir, p,
			               strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "journal '%s': cannot create it: %s", dir, strerror(errno));
	return 0;
}

static int open_new_file(struct journal_writer *w, struct cirt_err *err)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint64_t now = journal_now_ns();
		time_t s = (time_t)(now / 1000000000ull);
		struct tm tm;
		gmtime_r(&s, &tm);
		char name[96];
		snprintf(name, sizeof(name),
		         FILE_PREFIX "%04d%02d%02dT%02d%02d%02d.%06uZ-%04u" FILE_SUFFIX,
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		         tm.tm_sec, (unsigned)((now / 1000ull) % 1000000ull), w->seq++ % 10000);
		int fd =
		    openat(w->dirfd, name,
		           O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
			               "journal '%s': cannot create '%s': %s", w->dir, name,
			               strerror(errno));
		w->fd = fd;
		free(w->cur);
		w->cur = xstrdup(name);
		w->cur_size = 0;
		w->st.files_opened++;
		/* the new name must survive a crash too */
		fsync(w->dirfd);
		return 0;
	}
	return err_set(err, CIRT_EXIT_RUNTIME, "journal '%s': cannot find a free file name",
	               w->dir);
}

/* Delete the oldest closed files until the whole journal fits in max_size. */
static void prune(struct journal_writer *w)
{
	size_t k = 0;
	while (k < w->n_old && w->old_total + w->cur_size + w->q.len > w->max_size) {
		if (unlinkat(w->dirfd, w->old[k].name, 0) == 0 || errno == ENOENT) {
			w->st.files_removed++;
			w->st.bytes_removed += w->old[k].size;
		}
		w->old_total -= w->old[k].size;
		free(w->old[k].name);
		k++;
	}
	if (k) {
		memmove(w->old, w->old + k, (w->n_old - k) * sizeof(*w->old));
		w->n_old -= k;
		fsync(w->dirfd);
	}
}

int journal_open(const char *dir, uint64_t max_size, struct journal_writer **ret,
                 struct cirt_err *err)
{
	if (max_size < JOURNAL_MIN_MAX_SIZE)
		return err_set(
		    err, CIRT_EXIT_USAGE, "journal: size %llu is below the minimum of %llu bytes",
		    (unsigned long long)max_size, (unsigned long long)JOURNAL_MIN_MAX_SIZE);
	if (mkdir_p(dir, err) < 0)
		return -1;
	struct journal_writer *w = xcalloc(1, sizeof(*w));
	w->dir = xstrdup(dir);
	w->fd = w->lockfd = -1;
	w->max_size = max_size;
	w->max_file = max_size / JOURNAL_FILES;
	w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (w->dirfd < 0) {
		err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		        "journal '%s': %s", dir,
		        errno == ELOOP ? "is a symbolic link: refused" : strerror(errno));
		goto fail;
	}
	w->lockfd = openat(w->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->lockfd < 0) {
		err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		        "journal '%s': lock file: %s", dir, strerror(errno));
		goto fail;
	}
	if (flock(w->lockfd, LOCK_EX | LOCK_NB) < 0) {
		char pid[32] = "";
		ssize_t n = pread(w->lockfd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		err_set(err, CIRT_EXIT_RUNTIME,
		        "journal '%s' is in use by another cirt watch%s%s%s", dir,
		        pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
		goto fail;
	}
	char pid[32];
	int pl = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(w->lockfd, 0) < 0 || pwrite(w->lockfd, pid, (size_t)pl, 0) != pl) {
		err_set(err, CIRT_EXIT_RUNTIME, "journal '%s': lock file: %s", dir,
		        strerror(errno));
		goto fail;
	}
	int r = list_files(w->dirfd, &w->old, &w->n_old);
	if (r < 0) {
		err_set(err, CIRT_EXIT_RUNTIME, "journal '%s': %s", dir, strerror(-r));
		goto fail;
	}
	for (size_t i = 0; i < w->n_old; i++)
		w->old_total += w->old[i].size;
	if (open_new_file(w, err) < 0)
		goto fail;
	prune(w);
	*ret = w;
	return 0;
fail:
	journal_close(w, NULL);
	return -1;
}

static int write_all(struct journal_writer *w, const char *p, size_t n, struct cirt_err *err)
{
	uint64_t before = w->cur_size;
	while (n > 0) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = k < 0 ? errno : EIO;
			/* never leave half a line behind: the next write would glue onto it */
			if (ftruncate(w->fd, (off_t)before) == 0)
				w->cur_size = before;
			return err_set(err, CIRT_EXIT_RUNTIME, "journal '%s/%s': write: %s", w->dir,
			               w->cur, strerror(e));
		}
		p += k;
		n -= (size_t)k;
		w->cur_size += (uint64_t)k;
	}
	return 0;
}

int journal_flush(struct journal_writer *w, struct cirt_err *err)
{
	if (!w->q.len)
		return 0;
	int r = write_all(w, w->q.data, w->q.len, err);
	if (r == 0) {
		w->st.bytes += w->q.len;
		w->dirty = true;
	}
	/* on failure the lines are dropped: keeping them would grow without bound on a full disk */
	w->q.len = 0;
	return r;
}

int journal_sync(struct journal_writer *w, struct cirt_err *err)
{
	int r = journal_flush(w, err);
	if (w->dirty && w->fd >= 0) {
		if (fdatasync(w->fd) < 0 && r == 0)
			r = err_set(err, CIRT_EXIT_RUNTIME, "journal '%s/%s': fsync: %s", w->dir,
			            w->cur, strerror(errno));
		w->dirty = false;
		w->st.syncs++;
	}
	return r;
}

bool journal_dirty(const struct journal_writer *w)
{
	return w->dirty || w->q.len;
}

static int rotate(struct journal_writer *w, struct cirt_err *err)
{
	int r = journal_flush(w, err);
	if (fsync(w->fd) < 0 && r == 0)
		r = err_set(err, CIRT_EXIT_RUNTIME, "journal '%s/%s': fsync: %s", w->dir, w->cur,
		            strerror(errno));
	w->st.syncs++;
	w->dirty = false;
	close(w->fd);
	w->fd = -1;
	w->old = xrealloc(w->old, (w->n_old + 1) * sizeof(*w->old));
	w->old[w->n_old].name = steal_pointer(&w->cur);
	w->old[w->n_old].size = w->cur_size;
	w->old[w->n_old].start_ns = 0;
	w->n_old++;
	w->old_total += w->cur_size;
	if (open_new_file(w, r < 0 ? NULL : err) < 0)
		return -1;
	prune(w);
	return r;
}

int journal_append(struct journal_writer *w, const char *line, size_t len, struct cirt_err *err)
{
	uint64_t t;
	if (!line_time(line, len, &t))
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "journal: refused a line without a leading time");
	if (len + 1 > JOURNAL_MAX_LINE || memchr(line, '\n', len))
		return err_set(err, CIRT_EXIT_RUNTIME, "journal: refused a line of %zu bytes", len);
	if (w->fd < 0 && open_new_file(w, err) < 0)
		return -1;
	int r = 0;
	if (w->cur_size + w->q.len + len + 1 > w->max_file && w->cur_size + w->q.len > 0)
		r = rotate(w, err);
	if (w->fd < 0)
		return -1;
	buf_append(&w->q, line, len);
	buf_append(&w->q, "\n", 1);
	w->st.lines++;
	if (w->q.len >= FLUSH_AT) {
		int r2 = journal_flush(w, r < 0 ? NULL : err);
		if (r == 0)
			r = r2;
	}
	if (w->old_total + w->cur_size + w->q.len > w->max_size)
		prune(w);
	return r;
}

int journal_append_json(struct journal_writer *w, json_t *obj, struct cirt_err *err)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
	                              JSON_REAL_PRECISION(12));
	json_decref(obj);
	if (!s)
		return err_set(err, CIRT_EXIT_RUNTIME, "journal: cannot encode a line");
	int r = journal_append(w, s, strlen(s), err);
	free(s);
	return r;
}

int journal_close(struct journal_writer *w, struct cirt_err *err)
{
	if (!w)
		return 0;
	int r = 0;
	if (w->fd >= 0) {
		r = journal_flush(w, err);
		if (fsync(w->fd) < 0 && r == 0)
			r = err_set(err, CIRT_EXIT_RUNTIME, "journal '%s/%s': fsync: %s", w->dir,
			            w->cur, strerror(errno));
		w->st.syncs++;
		close(w->fd);
		/* an empty file of a run that wrote nothing is noise */
		if (w->cur_size == 0 && w->cur)
			unlinkat(w->dirfd, w->cur, 0);
	}
	if (w->dirfd >= 0) {
		fsync(w->dirfd);
		close(w->dirfd);
	}
	if (w->lockfd >= 0)
		close(w->lockfd); /* releases the flock */
	jfiles_free(w->old, w->n_old);
	buf_free(&w->q);
	free(w->cur);
	free(w->dir);
	free(w);
	return r;
}

const struct journal_stats *journal_writer_stats(const struct journal_writer *w)
{
	return &w->st;
}

const char *journal_current_file(const struct journal_writer *w)
{
	return w->cur;
}

/* ---------------------------------------------------------------- reader */

struct journal_reader {
	char *dir;
	int dirfd;
	struct jfile *files;
	size_t n, next;
	int fd; /* the file being read, -1 between files */
	uint64_t since, until;
	char *buf;              /* READ_CHUNK + JOURNAL_MAX_LINE */
	size_t cap, start, len; /* unread bytes are buf[start, start+len) */
	bool skipping;          /* inside a line that was too long */
	struct journal_read_stats st;
};

int journal_reader_open(const char *dir, uint64_t since_ns, uint64_t until_ns,
                        struct journal_reader **ret, struct cirt_err *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return err_set(err, CIRT_EXIT_NOTFOUND,
			               "journal '%s': no such directory (run 'cirt watch --journal "
			               "%s' to record one)",
			               dir, dir);
		return err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "journal '%s': %s", dir, strerror(errno));
	}
	struct journal_reader *r = xcalloc(1, sizeof(*r));
	r->dir = xstrdup(dir);
	r->dirfd = dfd;
	r->fd = -1;
	r->since = since_ns;
	r->until = until_ns;
	int e = list_files(dfd, &r->files, &r->n);
	if (e < 0) {
		journal_reader_close(r);
		return err_set(err, CIRT_EXIT_RUNTIME, "journal '%s': %s", dir, strerror(-e));
	}
	r->st.files = r->n;
	r->cap = READ_CHUNK + JOURNAL_MAX_LINE;
	r->buf = xmalloc(r->cap + 1);
	*ret = r;
	return 0;
}

/* Can file i hold lines in range? Its lines start at its name's time (minus slack for lines held
 * back) and end before the next file's. */
static bool file_in_range(const struct journal_reader *r, size_t i)
{
	uint64_t start = r->files[i].start_ns;
	if (r->until && start > r->until + TIME_SLACK_NS)
		return false;
	if (r->since && i + 1 < r->n && r->files[i + 1].start_ns + TIME_SLACK_NS < r->since)
		return false;
	return true;
}

static bool open_next(struct journal_reader *r)
{
	while (r->next < r->n) {
		size_t i = r->next++;
		if (!r->st.first_ns && i == 0)
			r->st.first_ns = r->files[0].start_ns;
		if (!file_in_range(r, i))
			continue;
		int fd = openat(r->dirfd, r->files[i].name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue; /* rotated away meanwhile */
		r->fd = fd;
		r->start = r->len = 0;
		r->skipping = false;
		r->st.files_read++;
		return true;
	}
	return false;
}

int journal_reader_next(struct journal_reader *r, const char **line, size_t *len, uint64_t *t_ns,
                        struct cirt_err *err)
{
	for (;;) {
		if (r->fd < 0 && !open_next(r))
			return 0;
		char *nl = r->len ? memchr(r->buf + r->start, '\n', r->len) : NULL;
		if (!nl) {
			/* need more: keep the partial line at the front, read another chunk */
			if (r->len >= JOURNAL_MAX_LINE) {
				r->skipping = true;
				r->len = 0;
			}
			if (r->start) {
				memmove(r->buf, r->buf + r->start, r->len);
				r->start = 0;
			}
			ssize_t k;
			do
				k = read(r->fd, r->buf + r->len, r->cap - r->len);
			while (k < 0 && errno == EINTR);
			if (k < 0) {
				int e = errno;
				close(r->fd);
				r->fd = -1;
				return err_set(err, CIRT_EXIT_RUNTIME, "journal '%s': read: %s",
				               r->dir, strerror(e));
			}
			if (k == 0) {
				/* a last line without its newline is being written, or was cut by a
				 * crash */
				if (r->len && !r->skipping && r->next < r->n)
					r->st.bad++;
				close(r->fd);
				r->fd = -1;
				continue;
			}
			r->len += (size_t)k;
			continue;
		}
		char *l = r->buf + r->start;
		size_t ll = (size_t)(nl - l);
		r->start += ll + 1;
		r->len -= ll + 1;
		if (r->skipping) {
			r->skipping = false;
			r->st.bad++;
			continue;
		}
		r->st.lines++;
		uint64_t t;
		if (!line_time(l, ll, &t)) {
			r->st.bad++;
			continue;
		}
		if ((r->since && t < r->since) || (r->until && t > r->until))
			continue;
		r->st.in_range++;
		*nl = '\0';
		*line = l;
		*len = ll;
		*t_ns = t;
		return 1;
	}
}

const struct journal_read_stats *journal_reader_stats(const struct journal_reader *r)
{
	return &r->st;
}

void journal_reader_close(struct journal_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->dirfd >= 0)
		close(r->dirfd);
	jfiles_free(r->files, r->n);
	free(r->buf);
	free(r->dir);
	free(r);
}
