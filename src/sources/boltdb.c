/* boltdb.c: read-only, bounds-checked bbolt reader (format in boltdb.h). */
#include "sources/boltdb.h"

#include "sources/rootfs.h"

#include <fcntl.h>
#include <sys/stat.h>

#define BOLT_MAGIC 0xED0CDAEDu
#define BOLT_VERSION 2u
#define PAGE_HDR 16u
#define ELEM_SIZE 16u
#define META_SIZE 64u
#define META_SUMMED 56u
#define FLAG_BRANCH 0x01u
#define FLAG_LEAF 0x02u
#define LEAF_BUCKET 0x01u
#define BUCKET_HDR 16u
#define PS_MIN 512u
#define PS_MAX 65536u

struct meta {
	uint32_t ps;
	uint64_t root, hwm, txid;
};

struct bolt {
	uint8_t *d;
	size_t len;
	uint32_t ps;
	uint64_t npages; /* whole pages in the file */
	uint64_t hwm;
	uint64_t root;
	uint64_t txid;
	int meta;
	bool other_ok;
	uint8_t *seen; /* one bit per page, cleared before each walk */
	size_t damage;
	char first[200];
};

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void damage(struct bolt *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void damage(struct bolt *b, const char *fmt, ...)
{
	if (b->damage++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(b->first, sizeof(b->first), fmt, ap);
		va_end(ap);
	}
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool ps_ok(uint32_t ps)
{
	return ps >= PS_MIN && ps <= PS_MAX && (ps & (ps - 1)) == 0;
}

/* The meta page at byte off; want_ps: the page size it must state (0: any valid one). */
static bool meta_read(const uint8_t *d, size_t len, size_t off, uint32_t want_ps, struct meta *m)
{
	if (len < PAGE_HDR + META_SIZE || off > len - PAGE_HDR - META_SIZE)
		return false;
	const uint8_t *p = d + off + PAGE_HDR;
	if (le32(p) != BOLT_MAGIC || le32(p + 4) != BOLT_VERSION)
		return false;
	uint32_t ps = le32(p + 8);
	if (!ps_ok(ps) || (want_ps && ps != want_ps))
		return false;
	if (fnv1a64(p, META_SUMMED) != le64(p + META_SUMMED))
		return false;
	m->ps = ps;
	m->root = le64(p + 16);
	m->hwm = le64(p + 40);
	m->txid = le64(p + 48);
	/* pages 0 and 1 are the metas, 2.. the freelist and the tree */
	return m->root >= 2 && m->root < m->hwm;
}

static int load(uint8_t *d, size_t len, struct bolt **ret, struct cirt_err *err, const char *what)
{
	struct meta m0, m1;
	bool ok0 = meta_read(d, len, 0, 0, &m0), ok1 = false;
	if (ok0)
		ok1 = meta_read(d, len, m0.ps, m0.ps, &m1);
	else
		/* meta 0 is gone: find meta 1 at each page size it could have */
		for (uint32_t ps = PS_MIN; ps <= PS_MAX && !ok1; ps <<= 1)
			ok1 = meta_read(d, len, ps, ps, &m1);
	if (!ok0 && !ok1) {
		free(d);
		if (what)
			return err_set(err, CIRT_EXIT_BADANSWER,
			               "read '%s': not a bolt database (no valid meta page)", what);
		return err_set(err, CIRT_EXIT_BADANSWER,
		               "not a bolt database (no valid meta page)");
	}
	int which = ok0 && (!ok1 || m0.txid >= m1.txid) ? 0 : 1;
	const struct meta *m = which == 0 ? &m0 : &m1;
	struct bolt *b = xcalloc(1, sizeof(*b));
	b->d = d;
	b->len = len;
	b->ps = m->ps;
	b->npages = len / m->ps;
	b->hwm = m->hwm;
	b->root = m->root;
	b->txid = m->txid;
	b->meta = which;
	b->other_ok = ok0 && ok1;
	b->seen = xcalloc(b->npages / 8 + 1, 1);
	*ret = b;
	return 0;
}

int bolt_open_mem(const void *data, size_t len, struct bolt **ret, struct cirt_err *err)
{
	if (len > BOLT_MAX_FILE)
		return err_set(err, CIRT_EXIT_BADANSWER, "larger than %u MiB", BOLT_MAX_FILE >> 20);
	uint8_t *d = xmalloc(len ? len : 1); /* exactly len: ASan sees any read past it */
	if (len)
		memcpy(d, data, len);
	return load(d, len, ret, err, NULL);
}

int bolt_open(const char *path, struct bolt **ret, struct cirt_err *err)
{
	/* O_NONBLOCK: a FIFO planted in the file's place must not hang the open */
	_cleanup_close_ int fd = rootfs_host_open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = -fd;
		return err_set(err,
		               e == ENOENT || e == ENOTDIR ? CIRT_EXIT_NOTFOUND
		               : e == EACCES || e == EPERM ? CIRT_EXIT_PERM
		                                           : CIRT_EXIT_RUNTIME,
		               "read '%s': %s", path, strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "read '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(err, CIRT_EXIT_BADANSWER, "read '%s': not a regular file", path);
	if (st.st_size > (off_t)BOLT_MAX_FILE)
		return err_set(err, CIRT_EXIT_BADANSWER, "read '%s': larger than %u MiB", path,
		               BOLT_MAX_FILE >> 20);
	char *text = NULL;
	size_t len = 0;
	/* the file may grow while it is read: one byte past the cap tells */
	int r = read_fd_max(fd, (size_t)BOLT_MAX_FILE + 1, &text, &len);
	if (r < 0)
		return err_set(err, -r == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "read '%s': %s", path, strerror(-r));
	if (len > BOLT_MAX_FILE) {
		free(text);
		return err_set(err, CIRT_EXIT_BADANSWER, "read '%s': larger than %u MiB", path,
		               BOLT_MAX_FILE >> 20);
	}
	return load((uint8_t *)text, len, ret, err, path);
}

void bolt_close(struct bolt *b)
{
	if (!b)
		return;
	free(b->d);
	free(b->seen);
	free(b);
}

void bolt_get_info(const struct bolt *b, struct bolt_info *ret)
{
	*ret = (struct bolt_info){.page_size = b->ps,
	                          .meta = b->meta,
	                          .other_meta_ok = b->other_ok,
	                          .txid = b->txid,
	                          .high_water = b->hwm,
	                          .file_pages = b->npages};
}

size_t bolt_damage(const struct bolt *b, const char **first)
{
	if (first)
		*first = b->damage ? b->first : NULL;
	return b->damage;
}

/* ------------------------------------------------------------------ pages */

/* A tree page in the file: its bytes and span (1 + overflow pages), or NULL with why set. */
static const uint8_t *page_get(const struct bolt *b, uint64_t id, size_t *span, char *why,
                               size_t why_len)
{
	if (id < 2) {
		snprintf(why, why_len, "page %llu is a meta page", (unsigned long long)id);
		return NULL;
	}
	if (id >= b->npages || id >= b->hwm) {
		snprintf(why, why_len, "page %llu beyond the end of the file (%llu pages)",
		         (unsigned long long)id,
		         (unsigned long long)(b->npages < b->hwm ? b->npages : b->hwm));
		return NULL;
	}
	const uint8_t *p = b->d + id * b->ps;
	if (le64(p) != id) {
		snprintf(why, why_len, "page %llu says it is page %llu", (unsigned long long)id,
		         (unsigned long long)le64(p));
		return NULL;
	}
	uint64_t over = le32(p + 12);
	if (over >= b->npages - id) {
		snprintf(why, why_len,
		         "page %llu overflows past the end of the file (%llu more pages)",
		         (unsigned long long)id, (unsigned long long)over);
		return NULL;
	}
	*span = (size_t)((over + 1) * b->ps);
	return p;
}

/* A node (file page or inline page) is usable: a branch or leaf whose elements fit. */
static bool node_ok(const uint8_t *p, size_t span, bool inl, char *why, size_t why_len)
{
	if (span < PAGE_HDR) {
		snprintf(why, why_len, "inline page of %zu bytes", span);
		return false;
	}
	uint16_t flags = le16(p + 8), count = le16(p + 10);
	if (flags != FLAG_LEAF && (flags != FLAG_BRANCH || inl)) {
		snprintf(why, why_len, "%s is not a %s page (flags 0x%x)",
		         inl ? "inline page" : "page", inl ? "leaf" : "branch or leaf", flags);
		return false;
	}
	if ((size_t)count * ELEM_SIZE > span - PAGE_HDR) {
		snprintf(why, why_len, "%u elements do not fit in %zu bytes", count, span);
		return false;
	}
	return true;
}

/* Every element of a tree, leaves in order: flags, key and value (the bucket header for a
 * nested bucket). Returns 0 or the callback's non-zero value. */
typedef int (*elem_fn)(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, uint32_t flags,
                       void *ctx);

struct walk {
	struct bolt *b;
	elem_fn fn;
	void *ctx;
	/* key and value bytes handed out; in a sound file elements never overlap, so a walk hands
	 * out at most the file's size (elements aliasing one value must not multiply the work) */
	uint64_t bytes;
	bool exhausted;
};

static int walk_page(struct walk *w, uint64_t id, unsigned depth);

static int walk_node(struct walk *w, const uint8_t *p, size_t span, unsigned depth,
                     unsigned long long id)
{
	uint16_t flags = le16(p + 8), count = le16(p + 10);
	for (size_t i = 0; i < count; i++) {
		const uint8_t *e = p + PAGE_HDR + i * ELEM_SIZE;
		size_t eoff = PAGE_HDR + i * ELEM_SIZE;
		if (flags == FLAG_BRANCH) {
			int r = walk_page(w, le64(e + 8), depth + 1);
			if (r)
				return r;
			continue;
		}
		uint32_t ef = le32(e);
		uint64_t pos = le32(e + 4), ks = le32(e + 8), vs = le32(e + 12);
		if (eoff + pos + ks + vs > span) {
			damage(w->b, "page %llu: element %zu lies outside the page", id, i);
			continue;
		}
		w->bytes += ks + vs;
		if (w->bytes > w->b->len) {
			damage(w->b,
			       "page %llu: elements overlap (more key and value bytes than the "
			       "file holds)",
			       id);
			w->exhausted = true;
			return 1;
		}
		const uint8_t *k = e + pos;
		int r = w->fn(k, (size_t)ks, k + ks, (size_t)vs, ef, w->ctx);
		if (r)
			return r;
	}
	return 0;
}

static int walk_page(struct walk *w, uint64_t id, unsigned depth)
{
	struct bolt *b = w->b;
	char why[160];
	size_t span = 0;
	if (depth > BOLT_MAX_DEPTH) {
		damage(b, "page %llu: tree deeper than %d levels", (unsigned long long)id,
		       BOLT_MAX_DEPTH);
		return 0;
	}
	const uint8_t *p = page_get(b, id, &span, why, sizeof(why));
	if (!p || !node_ok(p, span, false, why, sizeof(why))) {
		if (p)
			damage(b, "page %llu: %s", (unsigned long long)id, why);
		else
			damage(b, "%s", why);
		return 0;
	}
	/* every page of its span is marked: a page reached twice (a cycle, a shared child) or one
	 * inside another's overflow is damage. Each mark sets a new bit, so a walk marks at most
	 * every page once. */
	for (uint64_t i = id; i < id + span / b->ps; i++) {
		if (b->seen[i / 8] & (1u << (i % 8))) {
			if (i == id)
				damage(b, "page %llu reached twice (a cycle or shared page)",
				       (unsigned long long)id);
			else
				damage(b, "page %llu overlaps page %llu", (unsigned long long)id,
				       (unsigned long long)i);
			return 0;
		}
		b->seen[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return walk_node(w, p, span, depth, (unsigned long long)id);
}

struct bucket_ref {
	uint64_t root;      /* 0: inline */
	const uint8_t *inl; /* the inline page */
	size_t inl_len;
};

/* Walk one bucket's tree; -1 with err when its root is unusable. */
static int walk_bucket(struct bolt *b, const struct bucket_ref *br, elem_fn fn, void *ctx,
                       const char *name, struct cirt_err *err)
{
	char why[160];
	struct walk w = {.b = b, .fn = fn, .ctx = ctx};
	memset(b->seen, 0, b->npages / 8 + 1);
	if (br->root == 0) {
		if (!node_ok(br->inl, br->inl_len, true, why, sizeof(why)))
			return err_set(err, CIRT_EXIT_BADANSWER, "bucket '%s': %s", name, why);
		int r = walk_node(&w, br->inl, br->inl_len, 0, 0);
		return w.exhausted ? 0 : r;
	}
	size_t span = 0;
	const uint8_t *p = page_get(b, br->root, &span, why, sizeof(why));
	if (!p)
		return err_set(err, CIRT_EXIT_BADANSWER, "bucket '%s': %s", name, why);
	if (!node_ok(p, span, false, why, sizeof(why)))
		return err_set(err, CIRT_EXIT_BADANSWER, "bucket '%s': page %llu: %s", name,
		               (unsigned long long)br->root, why);
	int r = walk_page(&w, br->root, 0);
	return w.exhausted ? 0 : r;
}

struct find {
	const char *name;
	size_t len;
	bool found;
	bool bad;
	struct bucket_ref ref;
};

static int find_cb(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, uint32_t flags,
                   void *ctx)
{
	struct find *f = ctx;
	if (kl != f->len || memcmp(k, f->name, kl) != 0)
		return 0;
	if (!(flags & LEAF_BUCKET))
		return 0; /* a plain key of that name: not a bucket */
	if (vl < BUCKET_HDR) {
		f->bad = true;
		return 1;
	}
	f->ref.root = le64(v);
	f->ref.inl = v + BUCKET_HDR;
	f->ref.inl_len = vl - BUCKET_HDR;
	f->found = true;
	return 1;
}

struct each {
	bolt_each_fn fn;
	void *ctx;
};

static int each_cb(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, uint32_t flags,
                   void *ctx)
{
	struct each *e = ctx;
	if (flags & LEAF_BUCKET)
		return e->fn(k, kl, NULL, 0, true, e->ctx);
	return e->fn(k, kl, v, vl, false, e->ctx);
}

int bolt_foreach(struct bolt *b, const char *const *path, size_t npath, bolt_each_fn fn, void *ctx,
                 struct cirt_err *err)
{
	if (npath > BOLT_MAX_PATH)
		return err_set(err, CIRT_EXIT_USAGE, "bucket path of %zu names: at most %d", npath,
		               BOLT_MAX_PATH);
	struct bucket_ref cur = {.root = b->root};
	const char *name = "(root)";
	for (size_t i = 0; i < npath; i++) {
		struct find f = {.name = path[i], .len = strlen(path[i])};
		int r = walk_bucket(b, &cur, find_cb, &f, name, err);
		if (r < 0)
			return r;
		name = path[i];
		if (f.bad)
			return err_set(err, CIRT_EXIT_BADANSWER, "bucket '%s': header too short",
			               name);
		if (!f.found)
			return err_set(err, CIRT_EXIT_NOTFOUND, "no bucket '%s'", name);
		cur = f.ref;
	}
	struct each e = {fn, ctx};
	return walk_bucket(b, &cur, each_cb, &e, name, err);
}

int bolt_carve(const struct bolt *b, bolt_carve_fn fn, void *ctx)
{
	for (uint64_t id = 2; id < b->npages; id++) {
		const uint8_t *p = b->d + id * b->ps;
		uint16_t flags = le16(p + 8), count = le16(p + 10);
		uint32_t ovf = le32(p + 12);
		/* a leaf page states its own id; anything else is not one (or was overwritten) */
		if (le64(p) != id || flags != FLAG_LEAF || count == 0)
			continue;
		uint64_t span_pages = 1 + (uint64_t)ovf;
		if (span_pages > b->npages - id)
			continue;
		size_t span = (size_t)(span_pages * b->ps);
		if ((size_t)count * ELEM_SIZE > span - PAGE_HDR)
			continue;
		for (uint16_t i = 0; i < count; i++) {
			const uint8_t *e = p + PAGE_HDR + (size_t)i * ELEM_SIZE;
			uint32_t eflags = le32(e), pos = le32(e + 4), ks = le32(e + 8),
			         vs = le32(e + 12);
			size_t off = (size_t)(e - p) + pos;
			if (eflags & LEAF_BUCKET)
				continue;
			if (pos < ELEM_SIZE || off > span || ks > span - off ||
			    vs > span - off - ks)
				continue;
			int r = fn(p + off, ks, p + off + ks, vs, id, ctx);
			if (r)
				return r;
		}
		id += ovf;
	}
	return 0;
}
