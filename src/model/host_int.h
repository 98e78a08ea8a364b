/* host_int.h: what the host model's loaders (host.c, host_disk.c, host_nodaemon.c) share. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "model/host.h"

/* Threads worth starting for n independent jobs (1: do them inline). */
unsigned host_threads(size_t n);
/* fn(ctx, item) for each of n items of size sz, spread over host_threads(n) threads. */
void host_parallel(void *items, size_t n, size_t sz, void (*fn)(void *ctx, void *item), void *ctx);

/* One container's records on disk (ondisk_inspect), in the inspect shape. */
struct host_rec {
	char *id;      /* in (owned) */
	json_t *doc;   /* out: NULL when the disk gave no answer */
	json_t *notes; /* out: what could not be read (an array) */
	char *why;     /* out: why doc is NULL */
	int err;       /* out: its exit code (CIRT_EXIT_PERM: not allowed to read) */
};
/* Read the records of n containers under root (several threads, one memo of image layers). */
void host_read_records(const char *root, struct host_rec *v, size_t n);
void host_rec_clear(struct host_rec *r);

/* Does a container's record (ondisk_inspect) say what the daemon's list item says: id, name,
 * state, image, network mode, every endpoint's addresses, ports, mounts, command, creation time
 * and labels? NULL when it does, else what differs (to free). */
char *host_record_disagrees(json_t *item, json_t *doc);

/* Per running container, on a few threads: its interfaces joined with their host veths and
 * bridges (HOST_NEED_NET) and its cgroup (HOST_NEED_PROC). */
void host_finish(struct host *h, unsigned needs);

/* host_load's disk path (host_disk.c) and whether it applies to this daemon. */
bool host_disk_usable(struct docker *d);
int host_load_disk(struct docker *d, const struct host_load_opts *o, struct host **ret,
                   struct cirt_err *err);
