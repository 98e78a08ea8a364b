/* test_boltdb.c: the bbolt reader (sources/boltdb.c) on synthetic files written here (branch,
 * leaf, overflow, nested and inline buckets; then damaged: bad metas, page ids beyond the file,
 * cycles, huge counts, truncation), and libnetwork's networks (ondisk_networks) from a copy of a
 * real Engine 20.10.24 store (fixtures/engine-20.10.24/local-kv.db.gz) checked against what
 * that daemon's GET /networks answered at the same moment (networks-store.json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "model/netmap.h"
#include "sources/boltdb.h"
#include "sources/ondisk.h"

#define FIX FIXTURES "/engine-20.10.24"
#define BRIDGE_ID "8fddc732939d63336369a9a6e9e7328b05939d08337a4175df2c180f81c79df3"
#define LABNET_ID "0832ec91d049dcbc39ddb41ca37a063d55e1826429dd9471aed2e4d1e99b978d"

/* ------------------------------------------------------------------ a tiny bbolt writer */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

struct fb {
	uint8_t *d;
	size_t len;
	uint32_t ps;
};

static struct fb fb_new(uint32_t ps, size_t npages)
{
	return (struct fb){xcalloc(npages, ps), npages * ps, ps};
}

static uint8_t *pg(struct fb *f, uint64_t id)
{
	return f->d + id * f->ps;
}

static void meta_sum(uint8_t *m)
{
	put64(m + 56, fnv(m, 56));
}

static void fb_meta(struct fb *f, int idx, uint64_t root, uint64_t hwm, uint64_t txid)
{
	uint8_t *p = pg(f, (uint64_t)idx), *m = p + 16;
	put64(p, (uint64_t)idx);
	put16(p + 8, 0x04);
	put32(m, 0xED0CDAED);
	put32(m + 4, 2);
	put32(m + 8, f->ps);
	put64(m + 16, root);
	put64(m + 32, 2);
	put64(m + 40, hwm);
	put64(m + 48, txid);
	meta_sum(m);
}

struct kv {
	const char *k;
	const void *v;
	size_t vl;
	uint32_t flags;
};

/* A leaf node at dst (a file page, or an inline page); returns the bytes used. */
static size_t leaf_at(uint8_t *dst, size_t cap, uint64_t id, uint32_t overflow, const struct kv *kv,
                      size_t n)
{
	put64(dst, id);
	put16(dst + 8, 0x02);
	put16(dst + 10, (uint16_t)n);
	put32(dst + 12, overflow);
	size_t data = 16 + n * 16;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = dst + 16 + i * 16;
		size_t kl = strlen(kv[i].k);
		assert_true(data + kl + kv[i].vl <= cap);
		put32(e, kv[i].flags);
		put32(e + 4, (uint32_t)(data - (16 + i * 16)));
		put32(e + 8, (uint32_t)kl);
		put32(e + 12, (uint32_t)kv[i].vl);
		memcpy(dst + data, kv[i].k, kl);
		if (kv[i].vl)
			memcpy(dst + data + kl, kv[i].v, kv[i].vl);
		data += kl + kv[i].vl;
	}
	return data;
}

static void branch_at(uint8_t *dst, uint64_t id, const uint64_t *kids, size_t n)
{
	put64(dst, id);
	put16(dst + 8, 0x01);
	put16(dst + 10, (uint16_t)n);
	put32(dst + 12, 0);
	size_t data = 16 + n * 16;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = dst + 16 + i * 16;
		put32(e, (uint32_t)(data - (16 + i * 16)));
		put32(e + 4, 1);
		put64(e + 8, kids[i]);
		dst[data++] = (uint8_t)('a' + i);
	}
}

/* A bucket value: the header, and the inline page when root is 0. */
static size_t bucket_val(uint8_t *dst, size_t cap, uint64_t root, const struct kv *inl, size_t n)
{
	put64(dst, root);
	put64(dst + 8, 0);
	return root ? 16 : 16 + leaf_at(dst + 16, cap - 16, 0, 0, inl, n);
}

/* Element i of a leaf page: its key, and its value right after. */
static uint8_t *leaf_key(uint8_t *page, size_t i)
{
	uint8_t *e = page + 16 + i * 16;
	return e + (e[4] | e[5] << 8 | e[6] << 16 | (uint32_t)e[7] << 24);
}
static uint8_t *leaf_val(uint8_t *page, size_t i)
{
	uint8_t *e = page + 16 + i * 16;
	return leaf_key(page, i) + (e[8] | e[9] << 8 | e[10] << 16 | (uint32_t)e[11] << 24);
}

static char big[5000];

/* Pages: 0,1 metas (meta 0 txid 11 -> root 3; meta 1 txid 10 -> root 9, an older tree);
 * 3 root leaf {libnetwork -> 4, other (inline {a, b})}; 4 branch {5, 6};
 * 5 leaf {a, b, deep -> 8, inl (inline {i1, i2})}; 6 leaf + 1 overflow page {m (5000 bytes), z};
 * 8 leaf {d1}; 9 root leaf {libnetwork (inline {old})}. */
#define STD_PAGES 10
static struct fb std_file(uint32_t ps)
{
	struct fb f = fb_new(ps, STD_PAGES);
	uint8_t v1[256], v2[256], v3[256];
	memset(big, 'x', sizeof(big));
	fb_meta(&f, 0, 3, STD_PAGES, 11);
	fb_meta(&f, 1, 9, STD_PAGES, 10);
	size_t l1 = bucket_val(v1, sizeof(v1), 4, NULL, 0);
	size_t l2 =
	    bucket_val(v2, sizeof(v2), 0, (struct kv[]){{"a", "1", 1, 0}, {"b", "2", 1, 0}}, 2);
	leaf_at(pg(&f, 3), ps, 3, 0, (struct kv[]){{"libnetwork", v1, l1, 1}, {"other", v2, l2, 1}},
	        2);
	branch_at(pg(&f, 4), 4, (uint64_t[]){5, 6}, 2);
	l1 = bucket_val(v1, sizeof(v1), 8, NULL, 0);
	l2 =
	    bucket_val(v2, sizeof(v2), 0, (struct kv[]){{"i1", "v1", 2, 0}, {"i2", "v2", 2, 0}}, 2);
	leaf_at(pg(&f, 5), ps, 5, 0,
	        (struct kv[]){
	            {"a", "1", 1, 0}, {"b", "2", 1, 0}, {"deep", v1, l1, 1}, {"inl", v2, l2, 1}},
	        4);
	uint32_t over = (uint32_t)((sizeof(big) + 100) / ps);
	assert_true(6 + over < 8);
	leaf_at(pg(&f, 6), (over + 1) * ps, 6, over,
	        (struct kv[]){{"m", big, sizeof(big), 0}, {"z", "26", 2, 0}}, 2);
	leaf_at(pg(&f, 8), ps, 8, 0, (struct kv[]){{"d1", "x", 1, 0}}, 1);
	size_t l3 = bucket_val(v3, sizeof(v3), 0, (struct kv[]){{"old", "1", 1, 0}}, 1);
	leaf_at(pg(&f, 9), ps, 9, 0, (struct kv[]){{"libnetwork", v3, l3, 1}}, 1);
	return f;
}

/* ------------------------------------------------------------------ walking */

struct got {
	struct buf b;
	int stop_after; /* 0: never */
	int n;
};

static int got_cb(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, bool bucket,
                  void *ctx)
{
	struct got *g = ctx;
	if (bucket) {
		assert_null(val);
		buf_printf(&g->b, "%.*s/,", (int)klen, (const char *)key);
	} else
		buf_printf(&g->b, "%.*s:%zu,", (int)klen, (const char *)key, vlen);
	return ++g->n == g->stop_after ? 7 : 0;
}

/* The walk of path ("a/b"; "" the root) as "key:vlen,bucket/,"; "ERR<code>" on error. */
static char *walk(struct bolt *b, const char *path)
{
	const char *names[8];
	size_t n = 0;
	_cleanup_free_ char *copy = xstrdup(path);
	for (char *s = strtok(copy, "/"); s && n < 8; s = strtok(NULL, "/"))
		names[n++] = s;
	struct got g = {0};
	struct cirt_err e = {0};
	int r = bolt_foreach(b, names, n, got_cb, &g, &e);
	if (r < 0) {
		buf_free(&g.b);
		assert_true(e.msg[0] != '\0');
		return xasprintf("ERR%d", e.code);
	}
	char *s = xstrdup(g.b.data ? buf_cstr(&g.b) : "");
	buf_free(&g.b);
	return s;
}

static struct bolt *open_fb(struct fb *f)
{
	struct bolt *b = NULL;
	struct cirt_err e = {0};
	if (bolt_open_mem(f->d, f->len, &b, &e) < 0)
		fail_msg("bolt_open_mem: %s", e.msg);
	return b;
}

#define assert_walk(b, path, want)                                                                 \
	do {                                                                                       \
		_cleanup_free_ char *_w = walk((b), (path));                                       \
		assert_string_equal(_w, (want));                                                   \
	} while (0)

static size_t dmg(struct bolt *b, const char *want_sub)
{
	const char *first = NULL;
	size_t n = bolt_damage(b, &first);
	if (want_sub) {
		assert_non_null(first);
		if (!strstr(first, want_sub))
			fail_msg("damage '%s' does not say '%s'", first, want_sub);
	}
	return n;
}

#define STD_LIBNETWORK "a:1,b:1,deep/,inl/,m:5000,z:2,"

static void test_walk(void **state)
{
	(void)state;
	uint32_t sizes[] = {4096, 8192, 512 * 16};
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct fb f = std_file(sizes[i]);
		_cleanup_bolt_ struct bolt *b = open_fb(&f);
		struct bolt_info in;
		bolt_get_info(b, &in);
		assert_int_equal(in.page_size, sizes[i]);
		assert_int_equal(in.meta, 0);
		assert_true(in.other_meta_ok);
		assert_int_equal(in.txid, 11);
		assert_walk(b, "", "libnetwork/,other/,");
		assert_walk(b, "libnetwork", STD_LIBNETWORK);
		assert_walk(b, "libnetwork/inl", "i1:2,i2:2,");
		assert_walk(b, "libnetwork/deep", "d1:1,");
		assert_walk(b, "other", "a:1,b:1,");
		assert_walk(b, "nope", "ERR8");
		assert_walk(b, "libnetwork/a", "ERR8"); /* a plain key is no bucket */
		assert_walk(b, "libnetwork/deep/d1", "ERR8");
		assert_int_equal(dmg(b, NULL), 0);
		free(f.d);
	}
}

static void test_values_and_stop(void **state)
{
	(void)state;
	struct fb f = std_file(4096);
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	free(f.d); /* bolt_open_mem copied it */
	struct got g = {.stop_after = 2};
	struct cirt_err e = {0};
	const char *p[] = {"libnetwork"};
	assert_int_equal(bolt_foreach(b, p, 1, got_cb, &g, &e), 7);
	assert_string_equal(buf_cstr(&g.b), "a:1,b:1,");
	buf_free(&g.b);
}

/* the overflow value arrives whole */
static int big_cb(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, bool bucket,
                  void *ctx)
{
	(void)bucket;
	if (klen == 1 && key[0] == 'm') {
		assert_int_equal(vlen, sizeof(big));
		assert_memory_equal(val, big, sizeof(big));
		(*(int *)ctx)++;
	}
	return 0;
}

static void test_overflow_value(void **state)
{
	(void)state;
	struct fb f = std_file(4096);
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	int seen = 0;
	struct cirt_err e = {0};
	const char *p[] = {"libnetwork"};
	assert_int_equal(bolt_foreach(b, p, 1, big_cb, &seen, &e), 0);
	assert_int_equal(seen, 1);
	free(f.d);
}

/* ------------------------------------------------------------------ metas */

static int open_err(struct fb *f)
{
	struct bolt *b = NULL;
	struct cirt_err e = {0};
	int r = bolt_open_mem(f->d, f->len, &b, &e);
	bolt_close(b);
	return r < 0 ? e.code : 0;
}

static void test_meta_fallback(void **state)
{
	(void)state;
	struct {
		const char *what;
		int meta;   /* which meta to damage */
		size_t off; /* byte within the meta */
		uint8_t val;
		bool resum; /* recompute the checksum (a well-formed but wrong meta) */
		int want;   /* meta then in use */
	} cases[] = {
	    {"bad magic", 0, 0, 0x00, true, 1},
	    {"bad checksum", 0, 48, 0x55, false, 1},
	    {"version 3", 0, 4, 3, true, 1},
	    {"page size 3000", 0, 9, 0x0b, true, 1}, /* 4096 -> 0x0bb8 is 3000 */
	    {"root beyond the high water mark", 0, 16, 200, true, 1},
	    {"bad meta 1", 1, 56, 0x01, false, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fb f = std_file(4096);
		uint8_t *m = pg(&f, (uint64_t)cases[i].meta) + 16;
		if (cases[i].off == 9) {
			put32(m + 8, 3000);
		} else
			m[cases[i].off] = cases[i].val;
		if (cases[i].resum)
			meta_sum(m);
		_cleanup_bolt_ struct bolt *b = open_fb(&f);
		struct bolt_info in;
		bolt_get_info(b, &in);
		if (in.meta != cases[i].want)
			fail_msg("%s: meta %d in use", cases[i].what, in.meta);
		assert_false(in.other_meta_ok);
		assert_walk(b, "libnetwork", cases[i].want == 0 ? STD_LIBNETWORK : "old:1,");
		free(f.d);
	}
}

static void test_meta_choice(void **state)
{
	(void)state;
	/* the higher txid wins, whichever page it is on */
	struct fb f = std_file(4096);
	fb_meta(&f, 1, 9, STD_PAGES, 12);
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	struct bolt_info in;
	bolt_get_info(b, &in);
	assert_int_equal(in.meta, 1);
	assert_int_equal(in.txid, 12);
	assert_walk(b, "libnetwork", "old:1,");
	free(f.d);

	/* both metas bad: not a bolt file */
	f = std_file(4096);
	pg(&f, 0)[16] ^= 1;
	pg(&f, 1)[16] ^= 1;
	assert_int_equal(open_err(&f), CIRT_EXIT_BADANSWER);
	free(f.d);

	/* meta 0 gone, page size 16384: meta 1 is found at its own page size */
	f = std_file(16384);
	memset(pg(&f, 0), 0, 16384);
	_cleanup_bolt_ struct bolt *b2 = open_fb(&f);
	bolt_get_info(b2, &in);
	assert_int_equal(in.meta, 1);
	assert_int_equal(in.page_size, 16384);
	assert_walk(b2, "libnetwork", "old:1,");
	free(f.d);

	/* tiny and empty inputs */
	uint8_t z[100] = {0};
	struct bolt *b3 = NULL;
	struct cirt_err e = {0};
	assert_int_equal(bolt_open_mem(z, 0, &b3, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_BADANSWER);
	assert_int_equal(bolt_open_mem(z, sizeof(z), &b3, &e), -1);
	assert_null(b3);
}

/* ------------------------------------------------------------------ damage */

static void test_page_beyond_file(void **state)
{
	(void)state;
	/* a branch child beyond the file: skipped, the rest read */
	struct fb f = std_file(4096);
	put64(pg(&f, 4) + 16 + 8, 9999);
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	assert_walk(b, "libnetwork", "m:5000,z:2,");
	assert_int_equal(dmg(b, "page 9999 beyond the end"), 1);
	free(f.d);

	/* a bucket's root beyond the file: that bucket is an error */
	f = std_file(4096);
	put64(leaf_val(pg(&f, 3), 0), 1ull << 40);
	_cleanup_bolt_ struct bolt *b2 = open_fb(&f);
	assert_walk(b2, "libnetwork", "ERR7");
	assert_walk(b2, "other", "a:1,b:1,");
	free(f.d);

	/* the root itself beyond the file (the high water mark says the file is larger) */
	f = std_file(4096);
	fb_meta(&f, 0, 500, 1000, 11);
	_cleanup_bolt_ struct bolt *b3 = open_fb(&f);
	assert_walk(b3, "", "ERR7");
	assert_walk(b3, "libnetwork", "ERR7");
	free(f.d);

	/* page ids 0 and 1 are metas, never tree pages */
	f = std_file(4096);
	put64(pg(&f, 4) + 16 + 8, 1);
	_cleanup_bolt_ struct bolt *b4 = open_fb(&f);
	assert_walk(b4, "libnetwork", "m:5000,z:2,");
	assert_int_equal(dmg(b4, "meta page"), 1);
	free(f.d);
}

static void test_stale_and_bad_pages(void **state)
{
	(void)state;
	/* a page whose header names another page (a stale or moved page) */
	struct fb f = std_file(4096);
	put64(pg(&f, 5), 77);
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	assert_walk(b, "libnetwork", "m:5000,z:2,");
	assert_int_equal(dmg(b, "says it is page 77"), 1);
	free(f.d);

	/* a freelist page where a leaf should be */
	f = std_file(4096);
	put16(pg(&f, 5) + 8, 0x10);
	_cleanup_bolt_ struct bolt *b2 = open_fb(&f);
	assert_walk(b2, "libnetwork", "m:5000,z:2,");
	assert_int_equal(dmg(b2, "not a branch or leaf"), 1);
	free(f.d);

	/* an overflow count past the end of the file */
	f = std_file(4096);
	put32(pg(&f, 6) + 12, 0xffffffffu);
	_cleanup_bolt_ struct bolt *b3 = open_fb(&f);
	assert_walk(b3, "libnetwork", "a:1,b:1,deep/,inl/,");
	assert_int_equal(dmg(b3, "overflows past the end"), 1);
	free(f.d);
}

static void test_huge_counts_and_lengths(void **state)
{
	(void)state;
	struct fb f = std_file(4096);
	put16(pg(&f, 5) + 10, 0xffff); /* 65535 elements in one page */
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	assert_walk(b, "libnetwork", "m:5000,z:2,");
	assert_int_equal(dmg(b, "65535 elements do not fit"), 1);
	free(f.d);

	/* one element's position, key size and value size out of the page: that element only */
	for (int field = 1; field <= 3; field++) {
		f = std_file(4096);
		put32(pg(&f, 5) + 16 + 4 * (uint32_t)field, 0xfffffff0u);
		_cleanup_bolt_ struct bolt *b2 = open_fb(&f);
		assert_walk(b2, "libnetwork", "b:1,deep/,inl/,m:5000,z:2,");
		assert_int_equal(dmg(b2, "element 0 lies outside"), 1);
		free(f.d);
	}

	/* the value of the last element of a page runs one byte past it */
	f = std_file(4096);
	uint8_t *e = pg(&f, 8) + 16; /* page 8: one element d1 = "x" */
	put32(e + 12, 4096 - 16 - 16 - 2 + 1);
	_cleanup_bolt_ struct bolt *b3 = open_fb(&f);
	assert_walk(b3, "libnetwork/deep", "");
	assert_int_equal(dmg(b3, "element 0 lies outside"), 1);
	free(f.d);

	/* an inline bucket whose page claims 65535 elements: that bucket is an error */
	f = std_file(4096);
	put16(leaf_val(pg(&f, 5), 3) + 16 + 10, 0xffff); /* "inl" */
	_cleanup_bolt_ struct bolt *b4 = open_fb(&f);
	assert_walk(b4, "libnetwork/inl", "ERR7");
	assert_walk(b4, "libnetwork", STD_LIBNETWORK);
	free(f.d);

	/* a bucket value shorter than a bucket header */
	f = std_file(4096);
	put32(pg(&f, 5) + 16 + 2 * 16 + 12, 8); /* "deep": 8 bytes */
	_cleanup_bolt_ struct bolt *b5 = open_fb(&f);
	assert_walk(b5, "libnetwork/deep", "ERR7");
	free(f.d);
}

static void test_cycles(void **state)
{
	(void)state;
	/* a branch that is its own child */
	struct fb f = std_file(4096);
	put64(pg(&f, 4) + 16 + 8, 4);
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	assert_walk(b, "libnetwork", "m:5000,z:2,");
	assert_int_equal(dmg(b, "reached twice"), 1);
	free(f.d);

	/* 4 -> 7 -> 4 (page 7 is the overflow page of 6; rewrite 6 without it) */
	f = std_file(4096);
	leaf_at(pg(&f, 6), 4096, 6, 0, (struct kv[]){{"z", "26", 2, 0}}, 1);
	branch_at(pg(&f, 4), 4, (uint64_t[]){7, 6}, 2);
	branch_at(pg(&f, 7), 7, (uint64_t[]){4, 5}, 2);
	_cleanup_bolt_ struct bolt *b2 = open_fb(&f);
	assert_walk(b2, "libnetwork", "a:1,b:1,deep/,inl/,z:2,");
	assert_int_equal(dmg(b2, "page 4 reached twice"), 1);
	free(f.d);

	/* one child shared by every element of a branch */
	f = std_file(4096);
	branch_at(pg(&f, 4), 4, (uint64_t[]){5, 5, 5, 6}, 4);
	_cleanup_bolt_ struct bolt *b3 = open_fb(&f);
	assert_walk(b3, "libnetwork", STD_LIBNETWORK);
	assert_int_equal(dmg(b3, "page 5 reached twice"), 2);
	free(f.d);
}

/* elements that alias one value, and a page inside another's overflow: the work stays bounded
 * by the file's size */
static void test_overlaps(void **state)
{
	(void)state;
	struct fb f = std_file(4096);
	uint8_t *p6 = pg(&f, 6);
	uint8_t *m = p6 + 16 + 20 * 16; /* after the 20 elements */
	m[0] = 'm';
	memcpy(m + 1, big, sizeof(big));
	put16(p6 + 10,
	      20); /* 20 elements, each the 5000-byte "m": 100000 bytes in a 40960-byte file */
	for (size_t i = 0; i < 20; i++) {
		uint8_t *e = p6 + 16 + i * 16;
		put32(e, 0);
		put32(e + 4, (uint32_t)(m - e));
		put32(e + 8, 1);
		put32(e + 12, sizeof(big));
	}
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	assert_walk(b, "libnetwork",
	            "a:1,b:1,deep/,inl/,m:5000,m:5000,m:5000,m:5000,m:5000,m:5000,m:5000,m:5000,");
	assert_int_equal(dmg(b, "elements overlap"), 1);
	free(f.d);

	/* page 7 is the overflow of page 6, and a branch names it as a page of its own */
	f = std_file(4096);
	leaf_at(pg(&f, 7), 4096, 7, 0, (struct kv[]){{"q", "1", 1, 0}}, 1);
	leaf_at(pg(&f, 6), 8192, 6, 1, (struct kv[]){{"z", "26", 2, 0}}, 1);
	branch_at(pg(&f, 4), 4, (uint64_t[]){7, 6}, 2);
	_cleanup_bolt_ struct bolt *b2 = open_fb(&f);
	assert_walk(b2, "libnetwork", "q:1,");
	assert_int_equal(dmg(b2, "page 6 overlaps page 7"), 1);
	free(f.d);
}

static void test_depth(void **state)
{
	(void)state;
	/* a chain of 100 branch pages, each the only child of the one before */
	enum { N = 110 };
	struct fb f = fb_new(512, N);
	fb_meta(&f, 0, 3, N, 1);
	fb_meta(&f, 1, 3, N, 0);
	uint8_t v[32];
	size_t l = bucket_val(v, sizeof(v), 4, NULL, 0);
	leaf_at(pg(&f, 3), 512, 3, 0, (struct kv[]){{"c", v, l, 1}}, 1);
	for (uint64_t i = 4; i < 104; i++)
		branch_at(pg(&f, i), i, (uint64_t[]){i + 1}, 1);
	leaf_at(pg(&f, 104), 512, 104, 0, (struct kv[]){{"k", "v", 1, 0}}, 1);
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	assert_walk(b, "c", "");
	assert_int_equal(dmg(b, "deeper than 64"), 1);
	free(f.d);
}

static void test_truncated(void **state)
{
	(void)state;
	/* the file ends inside the overflow of page 6, and before page 8 */
	struct fb f = std_file(4096);
	f.len = 7 * 4096;
	_cleanup_bolt_ struct bolt *b = open_fb(&f);
	assert_walk(b, "libnetwork", "a:1,b:1,deep/,inl/,");
	assert_int_equal(dmg(b, "overflows past the end"), 1);
	assert_walk(b, "libnetwork/deep", "ERR7");
	/* and in the middle of a page: whole pages only */
	f.len = 7 * 4096 + 100;
	_cleanup_bolt_ struct bolt *b2 = open_fb(&f);
	assert_walk(b2, "libnetwork", "a:1,b:1,deep/,inl/,");
	/* inside meta 1: meta 0 is still read, and the tree is gone */
	f.len = 4096 + 20;
	_cleanup_bolt_ struct bolt *b3 = open_fb(&f);
	assert_walk(b3, "", "ERR7");
	free(f.d);
}

/* ------------------------------------------------------------------ libnetwork's networks */

static char tmpdir[64];

static char *gunzip_fixture(const char *name, size_t *len)
{
	_cleanup_free_ char *cmd = xasprintf("gzip -dc '%s/%s'", FIX, name);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *text = NULL;
	assert_int_equal(read_fd_max(fileno(p), 64u << 20, &text, len), 0);
	assert_int_equal(pclose(p), 0);
	return text;
}

static int setup_store(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cirt-test-boltdb.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	size_t len;
	_cleanup_free_ char *db = gunzip_fixture("local-kv.db.gz", &len);
	_cleanup_free_ char *dir = xasprintf("%s/network/files", tmpdir);
	_cleanup_free_ char *cmd = xasprintf("mkdir -p '%s'", dir);
	if (system(cmd) != 0)
		return -1;
	_cleanup_free_ char *path = xasprintf("%s/local-kv.db", dir);
	FILE *o = fopen(path, "we");
	if (!o || fwrite(db, 1, len, o) != len)
		return -1;
	fclose(o);
	return 0;
}

static int teardown_store(void **state)
{
	(void)state;
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static json_t *fixture_json(const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", FIX, name);
	json_error_t je;
	json_t *j = json_load_file(p, 0, &je);
	if (!j)
		fail_msg("%s: %s", p, je.text);
	return j;
}

static void test_networks_real(void **state)
{
	(void)state;
	json_t *notes = json_array(), *nets = NULL;
	struct cirt_err e = {0};
	if (ondisk_networks(tmpdir, &nets, notes, &e) < 0)
		fail_msg("ondisk_networks: %s", e.msg);
	assert_int_equal(json_array_size(notes), 0);
	/* exactly what the daemon's GET /networks answered, every field */
	json_t *want = fixture_json("networks-store.json");
	assert_int_equal(json_array_size(nets), 4);
	for (size_t i = 0; i < json_array_size(want); i++) {
		json_t *w = json_array_get(want, i), *g = json_array_get(nets, i);
		if (!json_equal(w, g)) {
			char *a = json_dumps(w, JSON_SORT_KEYS), *b = json_dumps(g, JSON_SORT_KEYS);
			fail_msg("network %zu:\nwant %s\ngot  %s", i, a, b);
		}
	}
	assert_true(json_equal(want, nets));
	json_decref(want);

	/* and the network map reads it unchanged */
	struct netmap *m = xcalloc(1, sizeof(*m));
	netmap_parse_networks(m, nets);
	assert_int_equal(m->n_nets, 4);
	const char *names[] = {"bridge", "cirt-lab-net", "host", "none"};
	const char *drivers[] = {"bridge", "bridge", "host", "null"};
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(m->nets[i].name, names[i]);
		assert_string_equal(m->nets[i].driver, drivers[i]);
	}
	assert_string_equal(m->nets[0].id, BRIDGE_ID);
	assert_string_equal(m->nets[0].bridge, "docker0");
	assert_string_equal(m->nets[0].subnets[0], "172.17.0.0/16");
	assert_string_equal(m->nets[0].gateways[0], "172.17.0.1");
	assert_true(m->nets[0].icc && m->nets[0].masquerade_opt);
	assert_string_equal(m->nets[1].id, LABNET_ID);
	assert_string_equal(m->nets[1].bridge, "br-0832ec91d049");
	assert_int_equal(m->nets[1].n_subnets, 1);
	assert_string_equal(m->nets[1].subnets[0], "172.21.0.0/16");
	assert_string_equal(m->nets[1].gateways[0], "172.21.0.1");
	assert_int_equal(m->nets[2].n_subnets, 0);
	assert_null(m->nets[2].bridge);
	netmap_free(m);
	json_decref(nets);
	json_decref(notes);
}

/* The store keeps older records in freed pages (deleted networks, the default bridge of an
 * earlier daemon start); they are in the file but must not come back. */
static void test_networks_stale_records(void **state)
{
	(void)state;
	size_t len;
	_cleanup_free_ char *db = gunzip_fixture("local-kv.db.gz", &len);
	assert_non_null(memmem(db, len, "\"name\":\"wt-net\"", 15));
	assert_non_null(memmem(db, len, "\"name\":\"ct-subnet-net\"", 22));
	json_t *notes = json_array(), *nets = NULL;
	struct cirt_err e = {0};
	assert_int_equal(ondisk_networks_mem(db, len, "store", &nets, notes, &e), 0);
	assert_int_equal(json_array_size(nets), 4);
	size_t i;
	json_t *n;
	json_array_foreach(nets, i, n)
	{
		assert_string_not_equal(jstr(n, "Name"), "wt-net");
		assert_string_not_equal(jstr(n, "Name"), "ct-subnet-net");
	}
	json_decref(nets);
	json_decref(notes);
}

static void test_networks_damaged_record(void **state)
{
	(void)state;
	size_t len;
	_cleanup_free_ char *db = gunzip_fixture("local-kv.db.gz", &len);
	/* break cirt-lab-net's record wherever its key is (its value follows the key) */
	const char *key = "docker/network/v1.0/network/" LABNET_ID "/";
	size_t kl = strlen(key), hits = 0;
	for (char *p = db; (p = memmem(p, len - (size_t)(p - db), key, kl)); p += kl, hits++)
		p[kl + 8] = '#';
	assert_true(hits >= 1);
	json_t *notes = json_array(), *nets = NULL;
	struct cirt_err e = {0};
	assert_int_equal(ondisk_networks_mem(db, len, "store", &nets, notes, &e), 0);
	assert_int_equal(json_array_size(nets), 3);
	assert_int_equal(json_array_size(notes), 1);
	const char *note = json_string_value(json_array_get(notes, 0));
	assert_non_null(strstr(note, "0832ec91d049"));
	json_decref(nets);
	json_decref(notes);

	/* a truncated store: no crash, an error or fewer networks, never garbage */
	_cleanup_free_ char *db2 = gunzip_fixture("local-kv.db.gz", &len);
	for (size_t cut = 0; cut <= len; cut += cut < 70000 ? 4093 : 65536) {
		notes = json_array();
		nets = NULL;
		int r = ondisk_networks_mem(db2, cut, "store", &nets, notes, &e);
		if (r == 0) {
			assert_true(json_array_size(nets) <= 4);
			json_decref(nets);
		} else
			assert_int_equal(e.code, CIRT_EXIT_BADANSWER);
		json_decref(notes);
	}
	/* cut before the live root page (14): the bucket is gone */
	notes = json_array();
	assert_int_equal(ondisk_networks_mem(db2, 3 * 4096, "store", &nets, notes, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_BADANSWER);
	assert_non_null(strstr(e.msg, "beyond the end"));
	json_decref(notes);
}

static void test_networks_errors(void **state)
{
	(void)state;
	json_t *notes = json_array(), *nets = NULL;
	struct cirt_err e = {0};
	assert_int_equal(ondisk_networks("/nonexistent-cirt-root", &nets, notes, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_NOTFOUND);
	assert_non_null(strstr(e.msg, "/nonexistent-cirt-root/network/files/local-kv.db"));
	/* a directory, or a text file, where the store should be */
	_cleanup_free_ char *d = xasprintf("%s/bad", tmpdir);
	_cleanup_free_ char *d1 = xasprintf("%s/network", d);
	_cleanup_free_ char *d2 = xasprintf("%s/network/files", d);
	_cleanup_free_ char *dd = xasprintf("%s/network/files/local-kv.db", d);
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(mkdir(d1, 0700), 0);
	assert_int_equal(mkdir(d2, 0700), 0);
	assert_int_equal(mkdir(dd, 0700), 0);
	assert_int_equal(ondisk_networks(d, &nets, notes, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_BADANSWER);
	assert_non_null(strstr(e.msg, "not a regular file"));
	assert_int_equal(rmdir(dd), 0);
	FILE *o = fopen(dd, "we");
	assert_non_null(o);
	fputs("{\"not\": \"bolt\"}\n", o);
	fclose(o);
	assert_int_equal(ondisk_networks(d, &nets, notes, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_BADANSWER);
	assert_non_null(strstr(e.msg, "not a bolt database"));
	/* a bolt file without libnetwork's bucket */
	struct fb f = std_file(4096);
	assert_int_equal(ondisk_networks_mem(f.d, f.len, "x", &nets, notes, &e), 0);
	json_decref(nets);
	memcpy(leaf_key(pg(&f, 3), 0), "LIBNETWORK", 10);
	assert_int_equal(ondisk_networks_mem(f.d, f.len, "x", &nets, notes, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_NOTFOUND);
	assert_non_null(strstr(e.msg, "no bucket 'libnetwork'"));
	free(f.d);
	assert_int_equal(json_array_size(notes), 0);
	json_decref(notes);
}

/* A store written here: libnetwork's bucket with the given records (key, value without the
 * 8-byte index), inline. */
static struct fb store_of(const char *const *keys, const char *const *vals, size_t n)
{
	struct fb f = fb_new(4096, 4);
	fb_meta(&f, 0, 3, 4, 1);
	fb_meta(&f, 1, 3, 4, 0);
	struct kv kv[8];
	char *vv[8];
	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		vv[i] = xasprintf("IDXIDXID%s", vals[i]);
		kv[i] = (struct kv){keys[i], vv[i], strlen(vv[i]), 0};
	}
	uint8_t v[3500];
	size_t l = bucket_val(v, sizeof(v), 0, kv, n);
	leaf_at(pg(&f, 3), 4096, 3, 0, (struct kv[]){{"libnetwork", v, l, 1}}, 1);
	for (size_t i = 0; i < n; i++)
		free(vv[i]);
	return f;
}

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define NK(id) "docker/network/v1.0/network/" id "/"

static void test_network_records(void **state)
{
	(void)state;
	const char *keys[] = {
	    NK(ID_A),
	    NK(ID_B),
	    "docker/network/v1.0/network/" ID_A "x/",
	    "docker/network/v1.0/endpoint/" ID_A "/" ID_B "/",
	    NK(ID_C),
	};
	const char *vals[] = {
	    /* user-chosen pools, IPv6, internal; a non-string option is not an option */
	    "{\"id\":\"" ID_A "\",\"name\":\"mine\",\"networkType\":\"bridge\","
	    "\"internal\":true,\"enableIPv6\":true,\"scope\":\"\",\"ipamType\":\"\","
	    "\"generic\":{\"com.docker.network.generic\":{\"com.docker.network.bridge.name\":"
	    "\"br-mine\",\"n\":3}},\"labels\":{\"a\":\"b\",\"n\":1},"
	    "\"ipamV4Config\":\"[{\\\"PreferredPool\\\":\\\"10.9.0.0/24\\\",\\\"SubPool\\\":"
	    "\\\"10.9.0.128/25\\\",\\\"Gateway\\\":\\\"10.9.0.1\\\",\\\"AuxAddresses\\\":"
	    "{\\\"r\\\":\\\"10.9.0.5\\\"}}]\","
	    "\"ipamV6Info\":\"[{\\\"IPAMData\\\":\\\"{\\\\\\\"Pool\\\\\\\":"
	    "\\\\\\\"fd00:1::/64\\\\\\\",\\\\\\\"Gateway\\\\\\\":\\\\\\\"fd00:1::1/"
	    "64\\\\\\\"}\\\"}]\"}",
	    /* being deleted */
	    "{\"id\":\"" ID_B "\",\"name\":\"going\",\"networkType\":\"bridge\","
	    "\"inDelete\":true}",
	    "{}",
	    "{}",
	    /* the key is C's, the record A's */
	    "{\"id\":\"" ID_A "\",\"name\":\"x\"}",
	};
	struct fb f = store_of(keys, vals, ARRAY_SIZE(keys));
	json_t *notes = json_array(), *nets = NULL;
	struct cirt_err e = {0};
	assert_int_equal(ondisk_networks_mem(f.d, f.len, "store", &nets, notes, &e), 0);
	free(f.d);
	assert_int_equal(json_array_size(nets), 1);
	json_error_t je;
	json_t *want = json_loads(
	    "{\"Name\":\"mine\",\"Id\":\"" ID_A "\",\"Scope\":\"local\",\"Driver\":\"bridge\","
	    "\"EnableIPv6\":true,\"IPAM\":{\"Driver\":\"default\",\"Options\":null,\"Config\":["
	    "{\"Subnet\":\"10.9.0.0/24\",\"IPRange\":\"10.9.0.128/25\",\"Gateway\":\"10.9.0.1\","
	    "\"AuxiliaryAddresses\":{\"r\":\"10.9.0.5\"}},"
	    "{\"Subnet\":\"fd00:1::/64\",\"Gateway\":\"fd00:1::1\"}]},"
	    "\"Internal\":true,\"Attachable\":false,\"Ingress\":false,"
	    "\"ConfigFrom\":{\"Network\":\"\"},\"ConfigOnly\":false,\"Containers\":{},"
	    "\"Options\":{\"com.docker.network.bridge.name\":\"br-mine\"},\"Labels\":{\"a\":\"b\"}"
	    "}",
	    0, &je);
	assert_non_null(want);
	json_t *got = json_array_get(nets, 0);
	if (!json_equal(want, got)) {
		char *a = json_dumps(want, JSON_SORT_KEYS), *b = json_dumps(got, JSON_SORT_KEYS);
		fail_msg("want %s\ngot  %s", a, b);
	}
	json_decref(want);
	/* going (deleted), the bad key "...ax/", and the mismatched record are notes; the endpoint
	 * is not a network and says nothing */
	char *all = json_dumps(notes, 0);
	assert_int_equal(json_array_size(notes), 3);
	assert_non_null(strstr(all, "'going'"));
	assert_non_null(strstr(all, "unexpected network key"));
	assert_non_null(strstr(all, "network cccccccccccc: the record is of network aaaaaaaaaaaa"));
	free(all);
	json_decref(nets);
	json_decref(notes);
}

static void test_network_parse(void **state)
{
	(void)state;
	const char *bad[] = {
	    "",
	    "[]",
	    "{\"id\":3,\"name\":\"x\"}",
	    "{\"id\":\"" ID_A "\"}",
	    "{\"id\":\"" ID_A "\",\"name\":\"\"}",
	    "{\"id\":\"AB\",\"name\":\"x\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *notes = json_array();
		assert_null(ondisk_network_parse(bad[i], strlen(bad[i]), notes));
		assert_int_equal(json_array_size(notes), 1);
		json_decref(notes);
	}
	/* ill-typed IPAM fields: a note, the network still comes */
	const char *t = "{\"id\":\"" ID_A "\",\"name\":\"n\",\"ipamV4Info\":\"{}\","
	                "\"ipamV4Config\":\"7\",\"ipamV6Info\":\"[{\\\"IPAMData\\\":3}]\","
	                "\"generic\":[],\"labels\":\"x\",\"internal\":\"yes\"}";
	json_t *notes = json_array();
	json_t *n = ondisk_network_parse(t, strlen(t), notes);
	assert_non_null(n);
	assert_int_equal(json_array_size(json_object_get(json_object_get(n, "IPAM"), "Config")), 0);
	assert_false(jbool(n, "Internal"));
	assert_int_equal(json_object_size(json_object_get(n, "Options")), 0);
	assert_int_equal(json_array_size(notes), 3);
	json_decref(n);
	json_decref(notes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk),
	    cmocka_unit_test(test_values_and_stop),
	    cmocka_unit_test(test_overflow_value),
	    cmocka_unit_test(test_meta_fallback),
	    cmocka_unit_test(test_meta_choice),
	    cmocka_unit_test(test_page_beyond_file),
	    cmocka_unit_test(test_stale_and_bad_pages),
	    cmocka_unit_test(test_huge_counts_and_lengths),
	    cmocka_unit_test(test_cycles),
	    cmocka_unit_test(test_overlaps),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_networks_real),
	    cmocka_unit_test(test_networks_stale_records),
	    cmocka_unit_test(test_networks_damaged_record),
	    cmocka_unit_test(test_networks_errors),
	    cmocka_unit_test(test_network_records),
	    cmocka_unit_test(test_network_parse),
	};
	return cmocka_run_group_tests(tests, setup_store, teardown_store);
}
