/* bundle.c: the evidence bundle: hashed streamed files, custody log, manifest, optional archive
 * (.tar.gz compressed on several threads, or .tar.zst). */
#include "evidence/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <time.h>

#include "escape.h"
#include "evidence/pgz.h"
#include "json.h"

#define COPY_BUF (1u << 20)

struct bundle {
	char *out;     /* as given */
	char *workdir; /* the directory written to (out, or the staging directory) */
	bool archive;
	int dfd; /* workdir */
	int custody_fd;
	json_t *files; /* manifest entries */
	json_t *skipped;
	json_t *incomplete;
	json_t *meta;
	bool failed;
	bool finished;
	char *leftover;
	unsigned char *buf; /* COPY_BUF, for copies */
};

struct bfile {
	struct bundle *b;
	char *rel;
	char *source;
	char collected[32];
	int fd;
	EVP_MD_CTX *md;
	uint64_t size;
	json_t *notes;
};

const char *ev_utc_now(char *buf, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char s[32];
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03ldZ", s, ts.tv_nsec / 1000000);
	return buf;
}

static void hex(const unsigned char *d, unsigned n, char *out)
{
	static const char x[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = '\0';
}

EVP_MD_CTX *ev_sha256_new(void)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	if (!m || EVP_DigestInit_ex(m, EVP_sha256(), NULL) != 1)
		abort(); /* only out of memory can make this fail */
	return m;
}

void ev_sha256_final(EVP_MD_CTX *m, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_DigestFinal_ex(m, d, &n);
	EVP_MD_CTX_free(m);
	hex(d, n, out);
}

static ssize_t read_full(int fd, void *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)p + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return got ? (ssize_t)got : -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int write_full(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		p = (const char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

int ev_sha256_fd(int fd, char *ret_hex, uint64_t *ret_size)
{
	EVP_MD_CTX *m = ev_sha256_new();
	_cleanup_free_ unsigned char *buf = xmalloc(COPY_BUF);
	uint64_t total = 0;
	for (;;) {
		ssize_t r = read(fd, buf, COPY_BUF);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			EVP_MD_CTX_free(m);
			return e;
		}
		if (r == 0)
			break;
		EVP_DigestUpdate(m, buf, (size_t)r);
		total += (uint64_t)r;
	}
	ev_sha256_final(m, ret_hex);
	if (ret_size)
		*ret_size = total;
	return 0;
}

/* ------------------------------------------------------------------ paths */

static bool utf8_seq(const unsigned char *p, size_t left, size_t *len)
{
	unsigned char c = p[0];
	size_t n;
	unsigned cp;
	if (c < 0x80) {
		*len = 1;
		return true;
	}
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return false;
	if (left < n)
		return false;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return false;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return false;
	/* C1 controls are as dangerous on a terminal as C0 ones */
	if (cp >= 0x80 && cp < 0xA0)
		return false;
	*len = n;
	return true;
}

char *bundle_encode_path(const char *path)
{
	struct buf b = {0};
	const unsigned char *p = (const unsigned char *)path;
	size_t total = strlen(path);
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const unsigned char *e = p;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - p);
		if ((cl == 1 && p[0] == '.') || (cl == 2 && p[0] == '.' && p[1] == '.')) {
			buf_free(&b);
			return NULL;
		}
		if (b.len)
			buf_append(&b, "/", 1);
		for (const unsigned char *q = p; q < e;) {
			size_t sl;
			if (*q >= 0x20 && *q != 0x7F && *q != '%' && *q != '\\' &&
			    utf8_seq(q, total - (size_t)(q - (const unsigned char *)path), &sl)) {
				buf_append(&b, q, sl);
				q += sl;
			} else {
				buf_printf(&b, "%%%02X", *q);
				q++;
			}
		}
		p = e;
	}
	if (!b.len)
		return NULL;
	return b.data;
}

/* ------------------------------------------------------------------ create */

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && streq(s + a - b, suf);
}

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	struct dirent *e;
	int r = 1;
	while ((e = readdir(d)))
		if (!streq(e->d_name, ".") && !streq(e->d_name, "..")) {
			r = 0;
			break;
		}
	closedir(d);
	return r;
}

int bundle_create(const char *out, struct bundle **ret, struct cirt_err *err)
{
	if (!out || !*out)
		return err_set(err, CIRT_EXIT_USAGE, "empty bundle path");
	struct bundle *b = xcalloc(1, sizeof(*b));
	b->dfd = b->custody_fd = -1;
	b->out = xstrdup(out);
	b->archive = bundle_kind_of(out) != BUNDLE_DIR;
	struct stat st;
	if (b->archive) {
		if (lstat(out, &st) == 0) {
			bundle_free(b);
			return err_set(err, CIRT_EXIT_USAGE, "bundle '%s' already exists", out);
		}
		_cleanup_free_ char *d1 = xstrdup(out), *d2 = xstrdup(out);
		const char *dir = dirname(d1), *base = basename(d2);
		b->workdir = xasprintf("%s/.%s.cirt-partial-XXXXXX", dir, base);
		if (!mkdtemp(b->workdir)) {
			int e = errno;
			bundle_free(b);
			return err_set(err, e == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
			               "bundle '%s': cannot create a staging directory in '%s': %s",
			               out, dir, strerror(e));
		}
	} else {
		b->workdir = xstrdup(out);
		if (mkdir(out, 0700) < 0) {
			int e = errno;
			if (e != EEXIST) {
				bundle_free(b);
				return err_set(err,
				               e == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
				               "bundle '%s': %s", out, strerror(e));
			}
			if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode) || dir_is_empty(out) != 1) {
				bundle_free(b);
				return err_set(
				    err, CIRT_EXIT_USAGE,
				    "bundle '%s' already exists and is not an empty directory",
				    out);
			}
		}
	}
	b->dfd = open(b->workdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (b->dfd < 0) {
		int e = errno;
		bundle_free(b);
		return err_set(err, CIRT_EXIT_RUNTIME, "bundle '%s': %s", out, strerror(e));
	}
	b->custody_fd =
	    openat(b->dfd, BUNDLE_CUSTODY,
	           O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (b->custody_fd < 0) {
		int e = errno;
		bundle_free(b);
		return err_set(err, CIRT_EXIT_RUNTIME, "bundle '%s': create custody log: %s", out,
		               strerror(e));
	}
	b->files = json_array();
	b->skipped = json_array();
	b->incomplete = json_array();
	b->meta = json_object();
	b->buf = xmalloc(COPY_BUF);
	*ret = b;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void bundle_free(struct bundle *b)
{
	if (!b)
		return;
	if (b->custody_fd >= 0)
		close(b->custody_fd);
	if (b->dfd >= 0)
		close(b->dfd);
	json_decref(b->files);
	json_decref(b->skipped);
	json_decref(b->incomplete);
	json_decref(b->meta);
	free(b->out);
	free(b->workdir);
	free(b->leftover);
	free(b->buf);
	free(b);
}

bool bundle_is_archive(const struct bundle *b)
{
	return b->archive;
}
const char *bundle_out(const struct bundle *b)
{
	return b->out;
}
const char *bundle_workdir(const struct bundle *b)
{
	return b->workdir;
}
bool bundle_failed(const struct bundle *b)
{
	return b->failed;
}
const char *bundle_leftover(const struct bundle *b)
{
	return b->leftover ? b->leftover : b->workdir;
}

/* ------------------------------------------------------------------ records */

void bundle_skip(struct bundle *b, const char *source, const char *reason)
{
	json_t *o = json_object();
	json_object_set_new(o, "source", json_str(source));
	json_object_set_new(o, "reason", json_str(reason));
	json_array_append_new(b->skipped, o);
}

void bundle_incomplete(struct bundle *b, const char *reason)
{
	json_array_append_new(b->incomplete, json_str(reason));
	bundle_log(b, "INCOMPLETE: %s", reason);
}

bool bundle_is_complete(const struct bundle *b)
{
	return json_array_size(b->incomplete) == 0;
}

void bundle_meta(struct bundle *b, const char *key, json_t *value)
{
	json_object_set_new(b->meta, key, value ? value : json_null());
}

void bundle_log(struct bundle *b, const char *fmt, ...)
{
	if (b->custody_fd < 0)
		return;
	char t[32];
	ev_utc_now(t, sizeof(t));
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	/* the log is text for people: what came from a container is escaped, one line per event */
	_cleanup_free_ char *e = term_escape(s);
	free(s);
	_cleanup_free_ char *line = xasprintf("%s %s\n", t, e);
	if (write_full(b->custody_fd, line, strlen(line)) < 0)
		b->failed = true;
}

/* ------------------------------------------------------------------ files */

static int mkparents(int dfd, const char *rel)
{
	_cleanup_free_ char *p = xstrdup(rel);
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdirat(dfd, p, 0700) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

static int werr(struct bundle *b, struct cirt_err *err, const char *what, const char *rel, int e)
{
	b->failed = true;
	_cleanup_free_ char *r = term_escape(rel);
	return err_set(err, CIRT_EXIT_RUNTIME, "%s '%s/%s': %s", what, b->workdir, r, strerror(-e));
}

int bundle_file_open(struct bundle *b, const char *relpath, const char *source, struct bfile **ret,
                     struct cirt_err *err)
{
	if (b->failed)
		return err_set(err, CIRT_EXIT_RUNTIME, "bundle '%s': an earlier write failed",
		               b->out);
	int r = mkparents(b->dfd, relpath);
	if (r < 0)
		return werr(b, err, "create directory for", relpath, r);
	int fd =
	    openat(b->dfd, relpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = -errno;
		if (e != -EEXIST)
			b->failed = true;
		_cleanup_free_ char *rr = term_escape(relpath);
		return err_set(err, CIRT_EXIT_RUNTIME, "create '%s/%s': %s", b->workdir, rr,
		               strerror(-e));
	}
	struct bfile *f = xcalloc(1, sizeof(*f));
	f->b = b;
	f->rel = xstrdup(relpath);
	f->source = xstrdup(source ? source : "");
	f->fd = fd;
	f->md = ev_sha256_new();
	ev_utc_now(f->collected, sizeof(f->collected));
	*ret = f;
	return 0;
}

int bfile_write(struct bfile *f, const void *p, size_t n, struct cirt_err *err)
{
	if (n == 0)
		return 0;
	int r = write_full(f->fd, p, n);
	if (r < 0)
		return werr(f->b, err, "write", f->rel, r);
	EVP_DigestUpdate(f->md, p, n);
	f->size += n;
	return 0;
}

uint64_t bfile_size(const struct bfile *f)
{
	return f->size;
}

void bfile_note(struct bfile *f, const char *key, json_t *value)
{
	if (!f->notes)
		f->notes = json_object();
	json_object_set_new(f->notes, key, value);
}

static void bfile_free(struct bfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->md)
		EVP_MD_CTX_free(f->md);
	json_decref(f->notes);
	free(f->rel);
	free(f->source);
	free(f);
}

void bfile_abort(struct bfile *f)
{
	if (!f)
		return;
	close(f->fd);
	f->fd = -1;
	unlinkat(f->b->dfd, f->rel, 0);
	bfile_free(f);
}

int bfile_close(struct bfile *f, char *ret_sha, struct cirt_err *err)
{
	char sha[65];
	ev_sha256_final(f->md, sha);
	f->md = NULL;
	int fd = f->fd;
	f->fd = -1;
	if (close(fd) < 0 && errno != EINTR) {
		int e = -errno;
		struct bundle *b = f->b;
		_cleanup_free_ char *rel = xstrdup(f->rel);
		bfile_free(f);
		return werr(b, err, "close", rel, e);
	}
	json_t *o = json_object();
	json_object_set_new(o, "path", json_string(f->rel));
	json_object_set_new(o, "source", json_str(f->source));
	json_object_set_new(o, "size", json_integer((json_int_t)f->size));
	json_object_set_new(o, "sha256", json_string(sha));
	json_object_set_new(o, "collected", json_string(f->collected));
	if (f->notes) {
		const char *k;
		json_t *v;
		json_object_foreach(f->notes, k, v) json_object_set(o, k, v);
	}
	json_array_append_new(f->b->files, o);
	if (ret_sha)
		memcpy(ret_sha, sha, 65);
	bfile_free(f);
	return 0;
}

int bundle_add_data(struct bundle *b, const char *relpath, const char *source, const void *p,
                    size_t n, struct cirt_err *err)
{
	struct bfile *f;
	if (bundle_file_open(b, relpath, source, &f, err) < 0)
		return -1;
	if (bfile_write(f, p, n, err) < 0) {
		bfile_abort(f);
		return -1;
	}
	return bfile_close(f, NULL, err);
}

int bundle_add_json(struct bundle *b, const char *relpath, const char *source, json_t *doc,
                    struct cirt_err *err)
{
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (!s)
		return err_set(err, CIRT_EXIT_RUNTIME, "cannot encode '%s' as JSON", relpath);
	size_t n = strlen(s);
	s = xrealloc(s, n + 2);
	s[n++] = '\n';
	int r = bundle_add_data(b, relpath, source, s, n, err);
	free(s);
	return r;
}

int bundle_copy_fd(struct bundle *b, const char *relpath, const char *source, int fd,
                   struct bundle_copy *c, struct cirt_err *err)
{
	struct bfile *f;
	c->size = 0;
	c->truncated = false;
	c->read_errno = 0;
	if (bundle_file_open(b, relpath, source, &f, err) < 0)
		return -1;
	uint64_t last = 0;
	for (;;) {
		size_t want = COPY_BUF;
		if (c->max && c->max - f->size < want)
			want = (size_t)(c->max - f->size);
		if (want == 0) {
			/* at the cap: is there more? */
			char one;
			ssize_t r;
			do
				r = read(fd, &one, 1);
			while (r < 0 && errno == EINTR);
			c->truncated = r > 0;
			break;
		}
		ssize_t r = read_full(fd, b->buf, want);
		if (r < 0) {
			c->read_errno = errno;
			break;
		}
		if (r == 0)
			break;
		if (bfile_write(f, b->buf, (size_t)r, err) < 0) {
			bfile_abort(f);
			return -1;
		}
		if (c->bytes_total)
			*c->bytes_total += (uint64_t)r;
		if (c->progress && f->size - last >= (8u << 20)) {
			last = f->size;
			ev_progress(c->progress, c->step, 0, 0,
			            c->bytes_total ? *c->bytes_total : f->size);
		}
		if ((size_t)r < want)
			break;
	}
	if (c->truncated)
		bfile_note(f, "truncated", json_true());
	if (c->read_errno)
		bfile_note(f, "read_error", json_string(strerror(c->read_errno)));
	c->size = f->size;
	return bfile_close(f, c->sha256, err);
}

/* ------------------------------------------------------------------ finish */

static int hash_custody(struct bundle *b, struct cirt_err *err)
{
	if (close(b->custody_fd) < 0 && errno != EINTR) {
		b->custody_fd = -1;
		return werr(b, err, "close", BUNDLE_CUSTODY, -errno);
	}
	b->custody_fd = -1;
	_cleanup_close_ int fd = openat(b->dfd, BUNDLE_CUSTODY, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return werr(b, err, "reopen", BUNDLE_CUSTODY, -errno);
	char sha[65], t[32];
	uint64_t size;
	int r = ev_sha256_fd(fd, sha, &size);
	if (r < 0)
		return werr(b, err, "read", BUNDLE_CUSTODY, r);
	json_t *o = json_object();
	json_object_set_new(o, "path", json_string(BUNDLE_CUSTODY));
	json_object_set_new(o, "source", json_string("cirt: custody log"));
	json_object_set_new(o, "size", json_integer((json_int_t)size));
	json_object_set_new(o, "sha256", json_string(sha));
	json_object_set_new(o, "collected", json_string(ev_utc_now(t, sizeof(t))));
	json_array_append_new(b->files, o);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(jstr(x, "path") ? jstr(x, "path") : "",
	              jstr(y, "path") ? jstr(y, "path") : "");
}

static json_t *sorted_files(json_t *files)
{
	size_t n = json_array_size(files);
	json_t **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(files, i);
	qsort(v, n, sizeof(*v), cmp_entry);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(a, v[i]);
	free(v);
	return a;
}

static int write_manifest(struct bundle *b, char *ret_sha, struct cirt_err *err)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "format", json_string(BUNDLE_FORMAT));
	const char *k;
	json_t *v;
	json_object_foreach(b->meta, k, v) json_object_set(doc, k, v);
	json_object_set_new(doc, "complete", json_boolean(bundle_is_complete(b)));
	json_object_set(doc, "incomplete", b->incomplete);
	json_object_set_new(doc, "files", sorted_files(b->files));
	json_object_set(doc, "skipped", b->skipped);
	char *s = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!s)
		return err_set(err, CIRT_EXIT_RUNTIME, "cannot encode the manifest");
	size_t n = strlen(s);
	s = xrealloc(s, n + 2);
	s[n++] = '\n';
	static const char tmp[] = BUNDLE_MANIFEST ".tmp";
	int fd = openat(b->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int r = fd < 0 ? -errno : write_full(fd, s, n);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && r == 0 && errno != EINTR)
		r = -errno;
	if (r == 0 && renameat(b->dfd, tmp, b->dfd, BUNDLE_MANIFEST) < 0)
		r = -errno;
	if (r == 0 && fsync(b->dfd) < 0)
		r = -errno;
	if (r < 0) {
		if (fd >= 0)
			unlinkat(b->dfd, tmp, 0);
		free(s);
		return werr(b, err, "write", BUNDLE_MANIFEST, r);
	}
	EVP_MD_CTX *m = ev_sha256_new();
	EVP_DigestUpdate(m, s, n);
	ev_sha256_final(m, ret_sha);
	free(s);
	return 0;
}

enum bundle_kind bundle_kind_of(const char *path)
{
	if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz"))
		return BUNDLE_TGZ;
	if (ends_with(path, ".tar.zst") || ends_with(path, ".tzst"))
		return BUNDLE_TZST;
	return BUNDLE_DIR;
}

struct arc_out {
	int fd;
	EVP_MD_CTX *md;
	int err;
	struct pgz *gz; /* .tar.gz: the tar stream is compressed here, on several threads */
};

/* The archive's bytes as they reach the file: written and hashed. */
static int out_bytes(void *ud, const void *p, size_t n)
{
	struct arc_out *o = ud;
	int r = write_full(o->fd, p, n);
	if (r < 0)
		return r;
	EVP_DigestUpdate(o->md, p, n);
	return 0;
}

static la_ssize_t arc_write(struct archive *a, void *ud, const void *p, size_t n)
{
	struct arc_out *o = ud;
	int r = o->gz ? pgz_write(o->gz, p, n) : out_bytes(o, p, n);
	if (r < 0) {
		o->err = -r;
		archive_set_error(a, -r, "%s", strerror(-r));
		return -1;
	}
	return (la_ssize_t)n;
}

/* Threads for compression: one per CPU, at most 8. */
static unsigned arc_threads(void)
{
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	return c > 1 ? (unsigned)(c < 8 ? c : 8) : 1;
}

/* Archive the staging directory: manifest first, then the custody log, then every file in
 * manifest order, each re-hashed on the way and compared with its entry. */
static int write_archive(struct bundle *b, char *ret_sha, struct cirt_err *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", b->out);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "create '%s': %s", tmp, strerror(errno));
	_cleanup_free_ char *d2 = xstrdup(b->out);
	char *top = basename(d2);
	static const char *const sfx[] = {".tar.gz", ".tgz", ".tar.zst", ".tzst"};
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++)
		if (ends_with(top, sfx[i])) {
			top[strlen(top) - strlen(sfx[i])] = '\0';
			break;
		}
	struct arc_out o = {.fd = fd, .md = ev_sha256_new()};
	struct archive *a = archive_write_new();
	if (bundle_kind_of(b->out) == BUNDLE_TZST) {
		/* one thread: libzstd's workers hold about 50 MiB each and were not faster here */
		archive_write_add_filter_zstd(a);
		archive_write_set_filter_option(a, "zstd", "compression-level", "3");
	} else {
		/* gzip members compressed on every CPU, written in order */
		archive_write_add_filter_none(a);
		o.gz = pgz_new(1, arc_threads(), out_bytes, &o);
	}
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	int rc = archive_write_open(a, &o, NULL, arc_write, NULL);
	size_t n = json_array_size(b->files);
	const char **names = xcalloc(n + 2, sizeof(*names));
	const char **shas = xcalloc(n + 2, sizeof(*shas));
	size_t nn = 0;
	names[nn++] = BUNDLE_MANIFEST;
	for (size_t i = 0; i < n; i++) {
		names[nn] = jstr(json_array_get(b->files, i), "path");
		shas[nn++] = jstr(json_array_get(b->files, i), "sha256");
	}
	char msg[512] = "";
	struct archive_entry *e = archive_entry_new();
	for (size_t i = 0; rc == ARCHIVE_OK && i < nn; i++) {
		int sfd = openat(b->dfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (sfd < 0 || fstat(sfd, &st) < 0) {
			snprintf(msg, sizeof(msg), "read '%s': %s", names[i], strerror(errno));
			if (sfd >= 0)
				close(sfd);
			break;
		}
		archive_entry_clear(e);
		_cleanup_free_ char *an = xasprintf("%s/%s", top, names[i]);
		archive_entry_set_pathname(e, an);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0600);
		archive_entry_set_size(e, st.st_size);
		archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		rc = archive_write_header(a, e);
		EVP_MD_CTX *m = ev_sha256_new();
		uint64_t left = (uint64_t)st.st_size;
		while (rc == ARCHIVE_OK && left > 0) {
			ssize_t r = read_full(sfd, b->buf, left < COPY_BUF ? left : COPY_BUF);
			if (r <= 0) {
				snprintf(msg, sizeof(msg), "read '%s': %s", names[i],
				         r < 0 ? strerror(errno) : "shrank");
				rc = ARCHIVE_FATAL;
				break;
			}
			EVP_DigestUpdate(m, b->buf, (size_t)r);
			if (archive_write_data(a, b->buf, (size_t)r) != r)
				rc = ARCHIVE_FATAL;
			left -= (uint64_t)r;
		}
		char sha[65];
		ev_sha256_final(m, sha);
		close(sfd);
		if (rc == ARCHIVE_OK && shas[i] && !streq(sha, shas[i])) {
			snprintf(msg, sizeof(msg),
			         "'%s' changed on disk between collection and archiving", names[i]);
			rc = ARCHIVE_FATAL;
		}
	}
	archive_entry_free(e);
	free(names);
	free(shas);
	if (rc == ARCHIVE_OK && !msg[0])
		rc = archive_write_close(a);
	if (!msg[0] && rc != ARCHIVE_OK)
		snprintf(msg, sizeof(msg), "%s", o.err ? strerror(o.err) : archive_error_string(a));
	archive_write_free(a);
	if (o.gz) {
		int zr = pgz_close(o.gz);
		if (!msg[0] && zr < 0)
			snprintf(msg, sizeof(msg), "%s", strerror(-zr));
	}
	if (!msg[0] && fsync(fd) < 0)
		snprintf(msg, sizeof(msg), "%s", strerror(errno));
	if (close(fd) < 0 && !msg[0] && errno != EINTR)
		snprintf(msg, sizeof(msg), "%s", strerror(errno));
	if (!msg[0] && rename(tmp, b->out) < 0)
		snprintf(msg, sizeof(msg), "rename to '%s': %s", b->out, strerror(errno));
	char sha[65];
	ev_sha256_final(o.md, sha);
	if (msg[0]) {
		unlink(tmp);
		b->failed = true;
		return err_set(err, CIRT_EXIT_RUNTIME, "write archive '%s': %s", b->out, msg);
	}
	_cleanup_free_ char *d1 = xstrdup(b->out);
	int pfd = open(dirname(d1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd >= 0) {
		fsync(pfd);
		close(pfd);
	}
	memcpy(ret_sha, sha, 65);
	return 0;
}

int bundle_finish(struct bundle *b, char *ret_sha, struct cirt_err *err)
{
	if (b->finished)
		return err_set(err, CIRT_EXIT_RUNTIME, "bundle already finished");
	b->finished = true;
	if (b->failed)
		return err_set(err, CIRT_EXIT_RUNTIME, "bundle '%s': an earlier write failed",
		               b->out);
	bundle_log(b, "closing the custody log; the manifest is written next, then %s",
	           b->archive ? "the archive" : "nothing else");
	if (b->failed)
		return werr(b, err, "write", BUNDLE_CUSTODY, -EIO);
	if (hash_custody(b, err) < 0)
		return -1;
	/* everything written so far must be on disk before a manifest vouches for it */
	if (syncfs(b->dfd) < 0)
		return werr(b, err, "sync", ".", -errno);
	char msha[65];
	if (write_manifest(b, msha, err) < 0)
		return -1;
	if (!b->archive) {
		memcpy(ret_sha, msha, 65);
		return 0;
	}
	if (write_archive(b, ret_sha, err) < 0)
		return -1;
	close(b->dfd);
	b->dfd = -1;
	nftw(b->workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
