/* verify.h: recompute every hash of an evidence bundle and compare it with its manifest. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "evidence/bundle.h"

struct verify_report {
	bool archive;
	char bundle_sha256[65];   /* of the archive file, or of manifest.json for a directory */
	char manifest_sha256[65]; /* "" when there is no readable manifest */
	bool manifest_ok;         /* present, JSON, the right format */
	char *manifest_problem;   /* why not, else NULL */
	size_t n_listed;          /* files the manifest lists */
	size_t n_ok;              /* of them, present with the right size and hash */
	json_t
	    *problems; /* [{status: missing|added|changed, path, expected_*, actual_*, detail}] */
	bool complete; /* the manifest's own "complete" flag */
	json_t *incomplete; /* its reasons */
	json_t *manifest;   /* the parsed manifest (or NULL) */
};

/* Verify a bundle directory or archive (.tar.gz, .tar.zst). Returns 0 when it could be checked
 * (then the report says whether it is intact: verify_clean), -1 when it could not be read at all
 * (err set). */
int bundle_verify(const char *path, const struct ev_progress *p, struct verify_report *ret,
                  struct cirt_err *err);
/* The matching alone, from the manifest's bytes (NULL: no manifest) and the files found, as
 * [{path, sha256, size}] or [{path, special: true}] for what is not a regular file (what the
 * archive reader collects): for tests and fuzzing. The report's hashes stay empty. */
void bundle_verify_manifest(const void *manifest, size_t len, json_t *files,
                            struct verify_report *ret);
bool verify_clean(const struct verify_report *r);
void verify_report_clear(struct verify_report *r);
