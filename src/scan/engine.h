/* engine.h: what the file sources (walker pass, tarball reader) need from the scan engine. */
#pragma once

#include <stdint.h>
#include <sys/stat.h>

#include "scan/check.h"

/* Run YARA, the IOC digest and every selected check on one file (data already read). */
void scan_job_file(struct scan_job *j, unsigned worker, struct scan_file *f);
unsigned scan_job_threads(struct scan_job *j);
uint64_t scan_job_max_size(struct scan_job *j);
/* Quick mode: the location patterns; NULL for a full pass. */
const char *const *scan_job_only(struct scan_job *j);
/* Quick mode: should this file's content be read (not a metadata-only location)? */
bool scan_job_wants_data(struct scan_job *j, const char *path);
/* Account for one entry (stats and progress). */
void scan_job_count(struct scan_job *j, const struct stat *st, uint64_t bytes_read, bool too_big,
                    const char *path);
void scan_job_count_dir(struct scan_job *j);
void scan_job_tick(void *j);

/* --baseline (baseline.c): ADDED when f differs from the same path in base, else IMAGE. */
struct lroot;
enum scan_origin baseline_origin(const struct lroot *base, const struct scan_file *f);

/* The docker-save reader (tarball.c). */
int tarball_scan(struct scan_job *j, const char *path, struct cirt_err *err);
/* Read a tarball's image config (Env, history) and its repo tags without scanning. */
int tarball_meta(const char *path, json_t **ret_config, char **ret_tags, struct cirt_err *err);

/* SHA-256 IOC lists (hashes.c). */
struct hashes;
int hashes_load(const char *path, struct hashes **ret, struct cirt_err *err);
void hashes_free(struct hashes *h);
size_t hashes_count(const struct hashes *h);
/* The list's name for a digest ("" when it had none), NULL when absent. */
const char *hashes_lookup(const struct hashes *h, const unsigned char d[32]);
