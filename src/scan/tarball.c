/* tarball.c: scan a `docker save` tarball with libarchive, layer by layer from the top, applying
 * whiteouts (.wh.<name>, .wh..wh..opq) so only what a container would see is scanned. Nothing
 * is written to disk: entry names are labels, file contents go to the workers in memory. */
#include <archive.h>
#include <archive_entry.h>

#include "json.h"
#include "pool.h"
#include "scan/engine.h"
#include "scan/walker.h"

#define MAX_META (16u << 20) /* manifest and config JSON */
#define INFLIGHT (64u << 20) /* file contents queued for the workers */

/* ---- a small string set (open addressing, FNV-1a) ---- */

struct sset {
	char **v;
	size_t cap, n;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool sset_has(const struct sset *s, const char *k)
{
	if (!s->cap)
		return false;
	for (size_t i = fnv(k) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->v[i])
			return false;
		if (streq(s->v[i], k))
			return true;
	}
}

static void sset_add(struct sset *s, const char *k)
{
	if ((s->n + 1) * 2 > s->cap) {
		struct sset o = *s;
		s->cap = o.cap ? o.cap * 2 : 1024;
		s->v = xcalloc(s->cap, sizeof(*s->v));
		s->n = 0;
		for (size_t i = 0; i < o.cap; i++)
			if (o.v[i]) {
				size_t k2 = fnv(o.v[i]) & (s->cap - 1);
				while (s->v[k2])
					k2 = (k2 + 1) & (s->cap - 1);
				s->v[k2] = o.v[i];
				s->n++;
			}
		free(o.v);
	}
	size_t i = fnv(k) & (s->cap - 1);
	for (; s->v[i]; i = (i + 1) & (s->cap - 1))
		if (streq(s->v[i], k))
			return;
	s->v[i] = xstrdup(k);
	s->n++;
}

static void sset_merge(struct sset *into, struct sset *from)
{
	for (size_t i = 0; i < from->cap; i++)
		if (from->v[i]) {
			sset_add(into, from->v[i]);
			free(from->v[i]);
		}
	free(from->v);
	memset(from, 0, sizeof(*from));
}

static void sset_free(struct sset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- reading ---- */

static struct archive *open_outer(const char *path, struct cirt_err *err)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		err_set(err, CIRT_EXIT_USAGE, "tarball '%s': %s", path, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Read the current entry's data (at most max bytes). */
static char *read_entry(struct archive *a, size_t max, size_t *ret_len)
{
	size_t cap = 65536, len = 0;
	char *b = xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			b = xrealloc(b, cap + 1);
		}
		la_ssize_t n = archive_read_data(a, b + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	b[len] = '\0';
	*ret_len = len;
	return b;
}

static char *norm_path(const char *in)
{
	/* "./a//b/../c" -> "a/c"; ".." never climbs above the root */
	_cleanup_free_ char *d = xstrdup(in);
	char *out = xcalloc(1, strlen(in) + 1);
	size_t ol = 0;
	for (char *save = NULL, *t = strtok_r(d, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (streq(t, "."))
			continue;
		if (streq(t, "..")) {
			while (ol > 0 && out[ol - 1] != '/')
				ol--;
			if (ol > 0)
				ol--;
			out[ol] = '\0';
			continue;
		}
		if (ol)
			out[ol++] = '/';
		memcpy(out + ol, t, strlen(t));
		ol += strlen(t);
		out[ol] = '\0';
	}
	return out;
}

int tarball_meta(const char *path, json_t **ret_config, char **ret_tags, struct cirt_err *err)
{
	struct archive *a = open_outer(path, err);
	if (!a)
		return -1;
	/* the manifest names the config; either may come first in the stream */
	json_t *jsons = json_object();
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		_cleanup_free_ char *name = norm_path(archive_entry_pathname(e));
		size_t nl = strlen(name);
		if (nl < 5 || !streq(name + nl - 5, ".json") ||
		    archive_entry_size(e) > (la_int64_t)MAX_META)
			continue;
		size_t len;
		_cleanup_free_ char *data = read_entry(a, MAX_META, &len);
		json_t *j = json_loadb(data, len, 0, NULL);
		if (j)
			json_object_set_new(jsons, name, j);
	}
	bool bad = r != ARCHIVE_EOF;
	_cleanup_free_ char *why =
	    bad ? xstrdup(archive_error_string(a) ? archive_error_string(a) : "read error") : NULL;
	archive_read_free(a);
	json_t *man = json_object_get(jsons, "manifest.json");
	json_t *m0 = json_array_get(man, 0);
	const char *cfg = jstr(m0, "Config");
	if (bad || !m0 || !cfg) {
		json_decref(jsons);
		if (bad)
			return err_set(err, CIRT_EXIT_USAGE, "tarball '%s': %s", path, why);
		return err_set(err, CIRT_EXIT_USAGE,
		               "tarball '%s': no manifest.json: not a `docker save` archive", path);
	}
	_cleanup_free_ char *cfgname = norm_path(cfg);
	json_t *config = json_object_get(jsons, cfgname);
	if (!config) {
		json_decref(jsons);
		return err_set(err, CIRT_EXIT_USAGE, "tarball '%s': image config '%s' missing",
		               path, cfg);
	}
	struct buf tags = {0};
	size_t i;
	json_t *tg;
	json_array_foreach(jarr(m0, "RepoTags"), i, tg)
	{
		if (json_is_string(tg))
			buf_printf(&tags, "%s%s", tags.len ? "," : "", json_string_value(tg));
	}
	*ret_config = json_incref(config);
	*ret_tags = tags.len ? (char *)buf_cstr(&tags) : NULL;
	if (!tags.len)
		buf_free(&tags);
	json_decref(jsons);
	return 0;
}

struct tjob {
	char *path;
	struct stat st;
	char *data;
	size_t len;
	char *link;
	int layer;
};

struct tctx {
	struct scan_job *j;
	struct pool *pool;
};

static void run_tjob(void *ud, unsigned worker, void *job)
{
	struct tctx *c = ud;
	struct tjob *t = job;
	struct scan_file f = {
	    .path = t->path,
	    .name = strrchr(t->path, '/') + 1,
	    .st = t->st,
	    .link = t->link,
	    .data = (const unsigned char *)t->data,
	    .len = t->len,
	    .origin = ORIGIN_IMAGE,
	    .layer = t->layer,
	};
	scan_job_file(c->j, worker, &f);
	free(t->path);
	free(t->data);
	free(t->link);
	free(t);
}

struct inner_src {
	struct archive *outer;
	char buf[1 << 16];
};

static la_ssize_t inner_read(struct archive *a, void *ud, const void **buf)
{
	(void)a;
	struct inner_src *s = ud;
	*buf = s->buf;
	return archive_read_data(s->outer, s->buf, sizeof(s->buf));
}

struct layer_sets {
	struct sset covered, whiteout, opaque, nondir;
};

/* Hidden by an upper layer: the path itself defined or deleted there, or an ancestor deleted,
 * opaque, or replaced by a non-directory there. */
static bool hidden(const struct layer_sets *s, const char *p)
{
	if (sset_has(&s->covered, p) || sset_has(&s->whiteout, p))
		return true;
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", p);
	for (char *sl = strrchr(buf, '/'); sl; sl = strrchr(buf, '/')) {
		*sl = '\0';
		if (sset_has(&s->whiteout, buf) || sset_has(&s->opaque, buf) ||
		    sset_has(&s->nondir, buf))
			return true;
	}
	return false;
}

static int scan_layer(struct tctx *c, const char *tar, const char *layer_name, int layer,
                      struct layer_sets *sets, struct cirt_err *err)
{
	struct scan_job *j = c->j;
	struct archive *a = open_outer(tar, err);
	if (!a)
		return -1;
	struct archive_entry *e;
	int r;
	bool found = false;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		_cleanup_free_ char *name = norm_path(archive_entry_pathname(e));
		if (streq(name, layer_name)) {
			found = true;
			break;
		}
	}
	if (!found) {
		archive_read_free(a);
		return err_set(err, CIRT_EXIT_USAGE, "tarball '%s': layer '%s' missing", tar,
		               layer_name);
	}
	struct inner_src *src = xmalloc(sizeof(*src));
	src->outer = a;
	struct archive *in = archive_read_new();
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	struct layer_sets pend = {0};
	const char *const *only = scan_job_only(j);
	uint64_t max = scan_job_max_size(j);
	int ret = 0;
	if (archive_read_open(in, src, NULL, inner_read, NULL) != ARCHIVE_OK) {
		ret = err_set(err, CIRT_EXIT_USAGE, "tarball '%s': layer '%s': %s", tar, layer_name,
		              archive_error_string(in));
		goto out;
	}
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		_cleanup_free_ char *p = norm_path(archive_entry_pathname(e));
		if (!*p)
			continue;
		char *slash = strrchr(p, '/');
		const char *base = slash ? slash + 1 : p;
		if (startswith(base, ".wh.")) {
			_cleanup_free_ char *dir =
			    slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup("");
			if (streq(base, ".wh..wh..opq"))
				sset_add(&pend.opaque, dir);
			else {
				_cleanup_free_ char *gone =
				    *dir ? xasprintf("%s/%s", dir, base + 4) : xstrdup(base + 4);
				sset_add(&pend.whiteout, gone);
			}
			continue;
		}
		if (hidden(sets, p))
			continue;
		sset_add(&pend.covered, p);
		struct stat st = *archive_entry_stat(e);
		if (!S_ISDIR(st.st_mode))
			sset_add(&pend.nondir, p);
		_cleanup_free_ char *path = xasprintf("/%s", p);
		if (S_ISDIR(st.st_mode)) {
			scan_job_count_dir(j);
			continue;
		}
		if (only && !walk_file_wanted(only, path))
			continue;
		const char *hl = archive_entry_hardlink(e);
		if (hl && !S_ISREG(st.st_mode))
			st.st_mode = S_IFREG | (st.st_mode & 07777);
		struct tjob *t = xcalloc(1, sizeof(*t));
		t->st = st;
		t->layer = layer;
		bool big = false;
		if (S_ISREG(st.st_mode) && !hl) {
			if ((uint64_t)st.st_size > max)
				big = true;
			else if (scan_job_wants_data(j, path))
				t->data = read_entry(in, (size_t)max, &t->len);
		} else if (S_ISLNK(st.st_mode) && archive_entry_symlink(e)) {
			t->link = xstrdup(archive_entry_symlink(e));
		}
		scan_job_count(j, &st, t->len, big, path);
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			free(t);
			continue;
		}
		t->path = steal_pointer(&path);
		pool_push_bounded(c->pool, t, t->len, INFLIGHT);
	}
	if (r != ARCHIVE_EOF)
		scan_note(j, "layer '%s': %s: the rest of it was not read", layer_name,
		          archive_error_string(in) ? archive_error_string(in) : "read error");
	/* this layer's entries hide what lies below */
	sset_merge(&sets->covered, &pend.covered);
	sset_merge(&sets->whiteout, &pend.whiteout);
	sset_merge(&sets->opaque, &pend.opaque);
	sset_merge(&sets->nondir, &pend.nondir);
out:
	/* the workers hold no reference to the archives: their data was copied */
	pool_wait(c->pool, 200, scan_job_tick, j);
	archive_read_free(in);
	archive_read_free(a);
	free(src);
	sset_free(&pend.covered);
	sset_free(&pend.whiteout);
	sset_free(&pend.opaque);
	sset_free(&pend.nondir);
	return ret;
}

int tarball_scan(struct scan_job *j, const char *path, struct cirt_err *err)
{
	/* the manifest again: its layer list, bottom first */
	struct archive *a = open_outer(path, err);
	if (!a)
		return -1;
	json_t *man = NULL;
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		_cleanup_free_ char *name = norm_path(archive_entry_pathname(e));
		if (!streq(name, "manifest.json"))
			continue;
		size_t len;
		_cleanup_free_ char *data = read_entry(a, MAX_META, &len);
		man = json_loadb(data, len, 0, NULL);
		break;
	}
	archive_read_free(a);
	json_t *layers = jarr(json_array_get(man, 0), "Layers");
	if (!layers) {
		json_decref(man);
		return err_set(err, CIRT_EXIT_USAGE, "tarball '%s': manifest.json lists no layers",
		               path);
	}
	if (json_array_size(man) > 1)
		scan_note(j, "tarball holds %zu images: only the first is scanned",
		          json_array_size(man));
	struct tctx c = {.j = j};
	c.pool = pool_new(scan_job_threads(j), run_tjob, &c);
	struct layer_sets sets = {0};
	int r = 0;
	size_t n = json_array_size(layers);
	for (size_t i = n; i-- > 0 && r == 0;) {
		const char *ln = json_string_value(json_array_get(layers, i));
		if (!ln)
			continue;
		_cleanup_free_ char *lname = norm_path(ln);
		r = scan_layer(&c, path, lname, (int)(n - 1 - i), &sets, err);
	}
	pool_free(c.pool);
	sset_free(&sets.covered);
	sset_free(&sets.whiteout);
	sset_free(&sets.opaque);
	sset_free(&sets.nondir);
	json_decref(man);
	return r;
}
