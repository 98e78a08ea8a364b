/* boltdb.h: a small read-only reader for bbolt (boltdb) files, such as libnetwork's store
 * <docker root>/network/files/local-kv.db, for reading the daemon's records without the daemon.
 *
 * The file is untrusted input (the host may have been tampered with). The reader loads it whole
 * (at most BOLT_MAX_FILE bytes), picks the valid meta page (magic 0xED0CDAED, version 2, a
 * power-of-two page size, FNV-1a 64 checksum) with the higher transaction id, and walks the
 * B+tree of a bucket: branch pages, leaf pages, overflow pages, nested buckets and inline
 * buckets. Every page id, element count, offset and length is checked against the page and the
 * file; a page is visited at most once per walk (a cycle or a shared child is damage, not a
 * loop) and the tree depth is bounded, so a hostile file costs at most a walk over its bytes.
 *
 * Only the live tree of the chosen meta is read: records left in freed pages (older versions,
 * deleted networks) are not returned.
 *
 * Format (little-endian, as bbolt writes it on every platform Docker runs on):
 *   page header, 16 bytes: id u64, flags u16 (0x01 branch, 0x02 leaf, 0x04 meta, 0x10 freelist),
 *     count u16, overflow u32 (the page spans 1 + overflow pages)
 *   meta, after the header of pages 0 and 1: magic u32, version u32, page size u32, flags u32,
 *     root bucket {root u64, sequence u64}, freelist u64, pgid (high water mark) u64, txid u64,
 *     checksum u64 (FNV-1a 64 of the 56 bytes before it)
 *   branch element, 16 bytes: pos u32, ksize u32, child pgid u64; key at element + pos
 *   leaf element, 16 bytes: flags u32 (0x01 nested bucket), pos u32, ksize u32, vsize u32;
 *     key at element + pos, value right after the key
 *   bucket value: {root u64, sequence u64}; root 0: an inline leaf page follows in the value */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define BOLT_MAX_FILE (256u << 20) /* larger files are refused */
#define BOLT_MAX_DEPTH 64          /* branch levels below a bucket's root */
#define BOLT_MAX_PATH 32           /* nested bucket names in one path */

struct bolt;

/* Open a file read-only and load it. Errors: CIRT_EXIT_NOTFOUND (missing), CIRT_EXIT_PERM
 * (permission), CIRT_EXIT_BADANSWER (not a regular file, too large, no valid meta page),
 * CIRT_EXIT_RUNTIME (other read errors). The message names the path. */
int bolt_open(const char *path, struct bolt **ret, struct cirt_err *err);
/* The same over bytes in memory; data is copied. */
int bolt_open_mem(const void *data, size_t len, struct bolt **ret, struct cirt_err *err);
void bolt_close(struct bolt *b);
static inline void bolt_closep(struct bolt **b)
{
	bolt_close(*b);
}
#define _cleanup_bolt_ _cleanup_(bolt_closep)

struct bolt_info {
	uint32_t page_size;
	int meta;            /* 0 or 1: the meta page in use */
	bool other_meta_ok;  /* the other meta page is valid too */
	uint64_t txid;       /* of the meta in use */
	uint64_t high_water; /* pages the meta says the file has */
	uint64_t file_pages; /* whole pages actually in the file */
};
void bolt_get_info(const struct bolt *b, struct bolt_info *ret);

/* Called for each key of a bucket, in the file's order (sorted, in an undamaged file). For a
 * nested bucket, bucket is true and val/vlen are NULL/0. Pointers are valid until bolt_close.
 * Return 0 to go on; any other value stops the walk and is returned by bolt_foreach. */
typedef int (*bolt_each_fn)(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                            bool bucket, void *ctx);

/* Walk the bucket named by path (npath names, the first a top-level bucket; npath 0 walks the
 * root, whose keys are the top-level buckets). Returns 0 when the walk ended, the callback's
 * value when it stopped it, or -1 with err: CIRT_EXIT_NOTFOUND when a bucket on the path does
 * not exist, CIRT_EXIT_BADANSWER when the bucket's own root page cannot be read. Damaged pages
 * below a bucket's root are skipped and counted (bolt_damage), the rest is still walked. */
int bolt_foreach(struct bolt *b, const char *const *path, size_t npath, bolt_each_fn fn, void *ctx,
                 struct cirt_err *err);

/* How many damaged pages or elements the walks so far have skipped; *first (may be NULL) gets
 * a description of the first ("page 812 beyond the end of the file (512 pages)"), or NULL. */
size_t bolt_damage(const struct bolt *b, const char **first);

/* Carve: every leaf element of every page of the file that looks like a leaf page (live or not:
 * a page freed by a later transaction keeps its old records until it is reused), whole pages
 * only, each element bounds-checked against its page. For a key/value element fn gets the key,
 * the value and the page id (bucket elements are skipped). Overflow pages of a leaf are read as
 * part of it. Returns fn's value when it stopped the walk, else 0. The caller tells live records
 * from stale ones by looking the key up in the live tree. */
typedef int (*bolt_carve_fn)(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                             uint64_t page, void *ctx);
int bolt_carve(const struct bolt *b, bolt_carve_fn fn, void *ctx);
