/* netstore.h: libnetwork's endpoint records in its store (<data root>/network/files/local-kv.db,
 * read by sources/boltdb.h through rootfs_host_*): the live ones and the stale ones a carve of the
 * file's freed pages still holds (an endpoint deleted when its container stopped or was removed
 * stays in its old page until bbolt reuses it). Each endpoint is joined with its sandbox record
 * (live or stale) for the container id. */
#pragma once

#include <jansson.h>

#include "util.h"

/* An array, live records first, of {"endpoint_id", "network_id", "name" (the container's name
 * then), "addr" (without prefix), "prefix", "addr6", "mac", "sandbox_id", "container_id" (from
 * the sandbox record, or null), "live" (in the store's current tree), "page" (where it was
 * found), "ports" (the bridge driver's port mappings, [{proto, port, host_ip, host_port}])}.
 * The same endpoint found twice (live and in an old page, or in two old pages with the same
 * address) is given once. Damage and unreadable records are notes; a missing or unreadable file
 * is an error. */
int netstore_endpoints(const char *docker_root, json_t **ret, json_t *notes, struct cirt_err *err);
/* The same over the store's bytes (tests, fuzzing). */
int netstore_endpoints_mem(const void *data, size_t len, json_t **ret, json_t *notes,
                           struct cirt_err *err);
