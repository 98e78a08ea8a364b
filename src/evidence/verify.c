/* verify.c: check an evidence bundle: every file on disk (or in the archive) is hashed again and
 * matched with the manifest by path; what is missing, added or changed is named. Symlinks are never
 * followed and paths named by the manifest are never opened: only what the walk finds is read. */
#include "evidence/verify.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include "escape.h"
#include "evidence/bundle.h"
#include "json.h"

#define BUF_SZ (1u << 20)
#define MAX_MANIFEST (256u << 20)
#define MAX_DEPTH 128

struct vstate {
	struct verify_report *r;
	json_t *want; /* path -> manifest entry */
	json_t *seen; /* path -> true */
	const struct ev_progress *p;
	uint64_t bytes;
	uint64_t files;
	unsigned char *buf;
	struct buf manifest; /* raw bytes */
	bool have_manifest;
};

static void problem(struct vstate *s, const char *status, const char *path, const char *detail,
                    json_t *exp, const char *act_sha, long long act_size)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "path", json_str(path));
	if (exp) {
		json_object_set(o, "expected_sha256", json_object_get(exp, "sha256"));
		json_object_set(o, "expected_size", json_object_get(exp, "size"));
	}
	if (act_sha)
		json_object_set_new(o, "actual_sha256", json_string(act_sha));
	if (act_size >= 0)
		json_object_set_new(o, "actual_size", json_integer(act_size));
	if (detail)
		json_object_set_new(o, "detail", json_string(detail));
	json_array_append_new(s->r->problems, o);
}

/* One file found on disk or in the archive, with its hash. */
static void found(struct vstate *s, const char *path, const char *sha, uint64_t size)
{
	if (streq(path, BUNDLE_MANIFEST))
		return;
	json_t *exp = utf8_valid(path, strlen(path)) ? json_object_get(s->want, path) : NULL;
	if (!exp) {
		problem(s, "added", path, "not listed in the manifest", NULL, sha, (long long)size);
		return;
	}
	if (json_object_get(s->seen, path)) {
		problem(s, "added", path, "listed once, present twice", exp, sha, (long long)size);
		return;
	}
	json_object_set_new(s->seen, path, json_true());
	const char *esha = jstr(exp, "sha256");
	long long esize = jint(exp, "size", -1);
	if (!esha || !streq(esha, sha) || esize != (long long)size)
		problem(s, "changed", path,
		        esize != (long long)size ? "size differs" : "content differs", exp, sha,
		        (long long)size);
	else
		s->r->n_ok++;
}

/* Parse the manifest once it is known; entries are indexed by path. */
static void load_manifest(struct vstate *s)
{
	struct verify_report *r = s->r;
	if (!s->have_manifest) {
		r->manifest_problem =
		    xstrdup("manifest.json is missing (incomplete collection, or tampered)");
		return;
	}
	json_error_t je;
	json_t *m = json_loadb(s->manifest.data, s->manifest.len, 0, &je);
	if (!json_is_object(m)) {
		/* jansson's message quotes the bad token as it is: escape sequences included */
		_cleanup_free_ char *why = term_escape(m ? "wrong type" : je.text);
		r->manifest_problem = xasprintf("manifest.json is not a JSON object (%s)", why);
		json_decref(m);
		return;
	}
	const char *fmt = jstr(m, "format");
	json_t *files = jarr(m, "files");
	if (!fmt || !startswith(fmt, "cirt-bundle/") || !files) {
		r->manifest_problem = xstrdup(
		    "manifest.json is not a cirt bundle manifest (format or files missing)");
		json_decref(m);
		return;
	}
	r->manifest = m;
	r->manifest_ok = true;
	r->complete = json_is_true(json_object_get(m, "complete"));
	r->incomplete = json_incref(jarr(m, "incomplete"));
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
	{
		const char *p = jstr(f, "path");
		if (!p || !jstr(f, "sha256") || jint(f, "size", -1) < 0) {
			problem(s, "changed", p ? p : "?",
			        "manifest entry without path, size or sha256", NULL, NULL, -1);
			continue;
		}
		json_object_set(s->want, p, f);
	}
	r->n_listed = json_object_size(s->want);
}

static void finish(struct vstate *s)
{
	const char *k;
	json_t *v;
	json_object_foreach(s->want, k, v)
	{
		if (!json_object_get(s->seen, k))
			problem(s, "missing", k, "listed in the manifest, not in the bundle", v,
			        NULL, -1);
	}
}

/* ------------------------------------------------------------------ directory */

static int hash_fd(struct vstate *s, int fd, char *sha, uint64_t *size)
{
	int r = ev_sha256_fd(fd, sha, size);
	if (r == 0)
		s->bytes += *size;
	return r;
}

static int walk(struct vstate *s, int dfd, const char *prefix, int depth, struct cirt_err *err)
{
	if (depth > MAX_DEPTH)
		return err_set(err, CIRT_EXIT_RUNTIME, "bundle nested deeper than %d directories",
		               MAX_DEPTH);
	int dup = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "open '%s': %s", prefix, strerror(errno));
	DIR *d = fdopendir(dup);
	if (!d) {
		close(dup);
		return err_set(err, CIRT_EXIT_RUNTIME, "read '%s': %s", prefix, strerror(errno));
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		_cleanup_free_ char *path =
		    *prefix ? xasprintf("%s/%s", prefix, e->d_name) : xstrdup(e->d_name);
		struct stat st;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			problem(s, "added", path, strerror(errno), NULL, NULL, -1);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub =
			    openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				problem(s, "added", path, strerror(errno), NULL, NULL, -1);
				continue;
			}
			rc = walk(s, sub, path, depth + 1, err);
			close(sub);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			/* evidence files are only regular files: a link or device here was put
			 * there later */
			problem(s, "added", path,
			        S_ISLNK(st.st_mode) ? "a symlink (not followed)"
			                            : "not a regular file",
			        json_object_get(s->want, path), NULL, -1);
			if (utf8_valid(path, strlen(path)) && json_object_get(s->want, path))
				json_object_set_new(s->seen, path, json_true());
			continue;
		}
		if (!*prefix && streq(e->d_name, BUNDLE_MANIFEST))
			continue;
		int fd = openat(dfd, e->d_name,
		                O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		char sha[65];
		uint64_t size = 0;
		int r = fd < 0 ? -errno : hash_fd(s, fd, sha, &size);
		if (fd >= 0)
			close(fd);
		if (r < 0) {
			problem(s, "changed", path, strerror(-r), json_object_get(s->want, path),
			        NULL, -1);
			if (utf8_valid(path, strlen(path)))
				json_object_set_new(s->seen, path, json_true());
			continue;
		}
		found(s, path, sha, size);
		ev_progress(s->p, "verify", ++s->files, s->r->n_listed, s->bytes);
	}
	closedir(d);
	return rc;
}

static int verify_dir(struct vstate *s, const char *path, struct cirt_err *err)
{
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(err, errno == ENOENT ? CIRT_EXIT_USAGE : CIRT_EXIT_RUNTIME,
		               "bundle '%s': %s", path, strerror(errno));
	_cleanup_close_ int mfd =
	    openat(dfd, BUNDLE_MANIFEST, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (mfd >= 0 && fstat(mfd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size <= MAX_MANIFEST) {
		EVP_MD_CTX *m = ev_sha256_new();
		for (;;) {
			ssize_t r = read(mfd, s->buf, BUF_SZ);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			buf_append(&s->manifest, s->buf, (size_t)r);
			EVP_DigestUpdate(m, s->buf, (size_t)r);
		}
		ev_sha256_final(m, s->r->manifest_sha256);
		memcpy(s->r->bundle_sha256, s->r->manifest_sha256, 65);
		s->have_manifest = s->manifest.len <= MAX_MANIFEST;
	}
	load_manifest(s);
	if (walk(s, dfd, "", 0, err) < 0)
		return -1;
	finish(s);
	return 0;
}

/* ------------------------------------------------------------------ archive */

struct arc_in {
	int fd;
	EVP_MD_CTX *md;
	unsigned char *buf;
	int err;
};

static la_ssize_t arc_read(struct archive *a, void *ud, const void **p)
{
	struct arc_in *in = ud;
	for (;;) {
		ssize_t r = read(in->fd, in->buf, BUF_SZ);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			in->err = errno;
			archive_set_error(a, errno, "%s", strerror(errno));
			return -1;
		}
		EVP_DigestUpdate(in->md, in->buf, (size_t)r);
		*p = in->buf;
		return r;
	}
}

/* Archive entries are "<top>/<path>": every entry must share the one top directory. */
static const char *strip_top(const char *name, char **top)
{
	const char *sl = strchr(name, '/');
	if (!sl || sl == name)
		return NULL;
	size_t l = (size_t)(sl - name);
	if (!*top)
		*top = xstrndup(name, l);
	else if (strlen(*top) != l || strncmp(*top, name, l) != 0)
		return NULL;
	return sl + 1;
}

/* The manifest (s->manifest) against the files found: [{path, sha256, size} | {path, special}]. */
static void match_entries(struct vstate *s, json_t *entries)
{
	load_manifest(s);
	size_t i;
	json_t *o;
	json_array_foreach(entries, i, o)
	{
		const char *p = json_string_value(json_object_get(o, "path"));
		if (json_is_true(json_object_get(o, "special"))) {
			problem(s, "added", p, "not a regular file", NULL, NULL, -1);
			continue;
		}
		found(s, p, jstr(o, "sha256"), (uint64_t)jint(o, "size", 0));
	}
	finish(s);
}

static int verify_archive(struct vstate *s, const char *path, struct cirt_err *err)
{
	struct arc_in in = {.fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC),
	                    .buf = xmalloc(BUF_SZ)};
	if (in.fd < 0) {
		int e = errno;
		free(in.buf);
		return err_set(err, e == ENOENT ? CIRT_EXIT_USAGE : CIRT_EXIT_RUNTIME,
		               "bundle '%s': %s", path, strerror(e));
	}
	in.md = ev_sha256_new();
	struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	int rc = archive_read_open(a, &in, NULL, arc_read, NULL);
	/* entries are hashed first and matched after, since the manifest may come anywhere */
	json_t *entries = json_array();
	_cleanup_free_ char *top = NULL;
	struct archive_entry *e;
	while (rc == ARCHIVE_OK && (rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		const char *rel = name ? strip_top(name, &top) : NULL;
		if (!rel) {
			if (!(name && archive_entry_filetype(e) == AE_IFDIR && !strchr(name, '/')))
				problem(s, "added", name ? name : "?",
				        "entry outside the bundle's top directory", NULL, NULL, -1);
			continue;
		}
		if (!*rel || archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (archive_entry_filetype(e) != AE_IFREG) {
			json_t *o = json_object();
			json_object_set_new(o, "path", json_str(rel));
			json_object_set_new(o, "special", json_true());
			json_array_append_new(entries, o);
			continue;
		}
		bool is_manifest = streq(rel, BUNDLE_MANIFEST);
		EVP_MD_CTX *m = ev_sha256_new();
		uint64_t size = 0;
		const void *blk;
		size_t len;
		la_int64_t off;
		int dr;
		while ((dr = archive_read_data_block(a, &blk, &len, &off)) == ARCHIVE_OK) {
			EVP_DigestUpdate(m, blk, len);
			size += len;
			s->bytes += len;
			if (is_manifest && s->manifest.len + len <= MAX_MANIFEST)
				buf_append(&s->manifest, blk, len);
		}
		char sha[65];
		ev_sha256_final(m, sha);
		if (dr != ARCHIVE_EOF) {
			rc = dr;
			break;
		}
		if (is_manifest) {
			memcpy(s->r->manifest_sha256, sha, 65);
			s->have_manifest = size <= MAX_MANIFEST;
			continue;
		}
		json_t *o = json_object();
		json_object_set_new(o, "path", json_stringn_nocheck(rel, strlen(rel)));
		json_object_set_new(o, "sha256", json_string(sha));
		json_object_set_new(o, "size", json_integer((json_int_t)size));
		json_array_append_new(entries, o);
		ev_progress(s->p, "verify", ++s->files, 0, s->bytes);
	}
	char msg[256] = "";
	if (rc != ARCHIVE_EOF)
		snprintf(msg, sizeof(msg), "%s",
		         in.err ? strerror(in.err) : archive_error_string(a));
	archive_read_free(a);
	/* the archive's own hash covers every byte, also what follows the end-of-archive marker */
	for (;;) {
		ssize_t r = read(in.fd, in.buf, BUF_SZ);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		EVP_DigestUpdate(in.md, in.buf, (size_t)r);
	}
	ev_sha256_final(in.md, s->r->bundle_sha256);
	close(in.fd);
	free(in.buf);
	if (msg[0]) {
		json_decref(entries);
		return err_set(err, CIRT_EXIT_RUNTIME, "bundle '%s': unreadable archive: %s", path,
		               msg);
	}
	match_entries(s, entries);
	json_decref(entries);
	return 0;
}

static void sort_problems(struct verify_report *ret);

static int cmp_problem(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *p = jstr(x, "path"), *q = jstr(y, "path");
	return strcmp(p ? p : "", q ? q : "");
}

int bundle_verify(const char *path, const struct ev_progress *p, struct verify_report *ret,
                  struct cirt_err *err)
{
	memset(ret, 0, sizeof(*ret));
	ret->problems = json_array();
	struct vstate s = {
	    .r = ret, .want = json_object(), .seen = json_object(), .p = p, .buf = xmalloc(BUF_SZ)};
	struct stat st;
	int r;
	if (stat(path, &st) < 0)
		r = err_set(err, errno == ENOENT ? CIRT_EXIT_USAGE : CIRT_EXIT_RUNTIME,
		            "bundle '%s': %s", path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		r = verify_dir(&s, path, err);
	else if (S_ISREG(st.st_mode)) {
		ret->archive = true;
		r = verify_archive(&s, path, err);
	} else
		r = err_set(err, CIRT_EXIT_USAGE,
		            "bundle '%s' is neither a directory nor an archive", path);
	json_decref(s.want);
	json_decref(s.seen);
	buf_free(&s.manifest);
	free(s.buf);
	sort_problems(ret);
	return r;
}

void bundle_verify_manifest(const void *manifest, size_t len, json_t *files,
                            struct verify_report *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->problems = json_array();
	struct vstate s = {.r = ret, .want = json_object(), .seen = json_object()};
	if (manifest) {
		buf_append(&s.manifest, manifest, len);
		s.have_manifest = len <= MAX_MANIFEST;
	}
	match_entries(&s, files);
	json_decref(s.want);
	json_decref(s.seen);
	buf_free(&s.manifest);
	sort_problems(ret);
}

/* problems sorted by path, so two runs compare */
static void sort_problems(struct verify_report *ret)
{
	size_t n = json_array_size(ret->problems);
	json_t **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(ret->problems, i));
	qsort(v, n, sizeof(*v), cmp_problem);
	json_array_clear(ret->problems);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ret->problems, v[i]);
	free(v);
}

bool verify_clean(const struct verify_report *r)
{
	return r->manifest_ok && json_array_size(r->problems) == 0;
}

void verify_report_clear(struct verify_report *r)
{
	json_decref(r->problems);
	json_decref(r->manifest);
	json_decref(r->incomplete);
	free(r->manifest_problem);
	memset(r, 0, sizeof(*r));
}
