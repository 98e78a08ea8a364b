/* imagelist.h: every image of the daemon's image store on disk (<data root>/image/<driver>/):
 * the configs in imagedb/content/sha256 (tagged or not) with their tags from repositories.json,
 * read through rootfs_host_* (inside the image root with --root). */
#pragma once

#include <stddef.h>

#include "util.h"

struct image_ref {
	char *id;  /* 64 hex */
	char *ref; /* "name:tag" (the first tag, sorted), else "sha256:<id>" */
};

/* Sorted by ref. Errors: the image store cannot be listed. */
int imagelist_read(const char *root, const char *driver, struct image_ref **ret, size_t *ret_n,
                   struct cirt_err *err);
void imagelist_free(struct image_ref *v, size_t n);
