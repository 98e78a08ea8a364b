/* bundle.h: an evidence bundle: a directory or an archive (.tar.gz, .tar.zst), every file hashed
 * (SHA-256) while it is written, a custody log kept as it happens and a manifest written last
 * (temporary file, rename).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#define BUNDLE_FORMAT "cirt-bundle/1"
#define BUNDLE_MANIFEST "manifest.json"
#define BUNDLE_CUSTODY "custody.log"

/* Progress of a long step, for a tty (the analysis prints nothing itself). */
struct ev_progress {
	void (*fn)(void *ud, const char *step, uint64_t done, uint64_t total, uint64_t bytes);
	void *ud;
};
static inline void ev_progress(const struct ev_progress *p, const char *step, uint64_t done,
                               uint64_t total, uint64_t bytes)
{
	if (p && p->fn)
		p->fn(p->ud, step, done, total, bytes);
}

struct bundle;
struct bfile;

/* What a bundle's path names by its suffix: ".tar.gz"/".tgz" (gzip, compressed on every CPU as
 * independent members), ".tar.zst"/".tzst" (zstd, level 3), else a directory. */
enum bundle_kind { BUNDLE_DIR, BUNDLE_TGZ, BUNDLE_TZST };
enum bundle_kind bundle_kind_of(const char *path);

/* Create a bundle at out: a directory (created, or an existing empty one), or, when out ends in
 * an archive's suffix (bundle_kind_of), an archive built at the end from a staging directory
 * beside it. Fails when out exists (a non-empty directory, or any file for an archive). */
int bundle_create(const char *out, struct bundle **ret, struct cirt_err *err);
void bundle_free(struct bundle *b);
static inline void bundle_freep(struct bundle **b)
{
	bundle_free(*b);
}
#define _cleanup_bundle_ _cleanup_(bundle_freep)

bool bundle_is_archive(const struct bundle *b);
const char *bundle_out(const struct bundle *b);     /* as given */
const char *bundle_workdir(const struct bundle *b); /* where files are written now */

/* Streamed file at relpath (relative, '/'-separated, made by cirt: see bundle_encode_path for
 * names that come from a container). source says where the bytes came from. */
int bundle_file_open(struct bundle *b, const char *relpath, const char *source, struct bfile **ret,
                     struct cirt_err *err);
int bfile_write(struct bfile *f, const void *p, size_t n, struct cirt_err *err);
uint64_t bfile_size(const struct bfile *f);
/* Finish: the file gets its manifest entry. ret_sha (65 bytes) may be NULL. Frees f. */
int bfile_close(struct bfile *f, char *ret_sha, struct cirt_err *err);
/* Drop a file that turned out useless (e.g. the daemon answered an error): removed, no entry. */
void bfile_abort(struct bfile *f);
/* Add a note to the file's manifest entry (e.g. "truncated at the size cap"). */
void bfile_note(struct bfile *f, const char *key, json_t *value);

int bundle_add_data(struct bundle *b, const char *relpath, const char *source, const void *p,
                    size_t n, struct cirt_err *err);
int bundle_add_json(struct bundle *b, const char *relpath, const char *source, json_t *doc,
                    struct cirt_err *err);

/* Copy fd (read to EOF, at most max bytes; max 0 = no limit) into relpath. ret_truncated tells
 * when more was there. Progress is reported in bytes under step. */
struct bundle_copy {
	uint64_t max;
	const struct ev_progress *progress;
	const char *step;
	uint64_t *bytes_total; /* running byte counter for progress, may be NULL */
	uint64_t size;         /* out */
	bool truncated;        /* out */
	char sha256[65];       /* out */
	int read_errno;        /* out: a read error after some bytes (the copy is kept, noted) */
};
int bundle_copy_fd(struct bundle *b, const char *relpath, const char *source, int fd,
                   struct bundle_copy *c, struct cirt_err *err);

/* Records in the manifest. */
void bundle_skip(struct bundle *b, const char *source, const char *reason);
void bundle_incomplete(struct bundle *b, const char *reason);
bool bundle_is_complete(const struct bundle *b);
void bundle_meta(struct bundle *b, const char *key, json_t *value); /* steals value */
/* Custody log: one line, UTC time first; written to disk at once. */
void bundle_log(struct bundle *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A write to the bundle failed (e.g. disk full): nothing more can be written. */
bool bundle_failed(const struct bundle *b);

/* Close the custody log, flush everything to disk, write the manifest (temp + rename), and for an
 * archive write it (temp + rename) and remove the staging directory. ret_sha (65 bytes) receives
 * the bundle's SHA-256: of the archive, or of manifest.json for a directory. On failure no
 * manifest is left behind. */
int bundle_finish(struct bundle *b, char *ret_sha, struct cirt_err *err);
/* After a failure: where the partial evidence lies (staging or bundle directory). */
const char *bundle_leftover(const struct bundle *b);

/* Container path -> a safe relative bundle name: '/'-separated components, never "", "." or
 * "..", bytes that are controls, '%', '\\' or invalid UTF-8 become %XX (reversible). NULL when
 * the path has no usable component. Caller frees. */
char *bundle_encode_path(const char *path);

/* "2024-05-01T12:00:00.123Z" (UTC, milliseconds) into buf (>= 32 bytes). */
const char *ev_utc_now(char *buf, size_t n);

/* A SHA-256 context (never NULL), and its end: the lowercase hex digest (65 bytes) and the
 * context freed. */
typedef struct evp_md_ctx_st EVP_MD_CTX;
EVP_MD_CTX *ev_sha256_new(void);
void ev_sha256_final(EVP_MD_CTX *m, char *out);

/* SHA-256 of a whole fd from its current offset (hex, 65 bytes); bytes read in ret_size. */
int ev_sha256_fd(int fd, char *ret_hex, uint64_t *ret_size);
