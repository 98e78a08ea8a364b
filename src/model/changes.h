/* changes.h: containers' change lists (what GET /containers/{id}/changes gives) computed from
 * their overlay2 layers, with the daemon's answer only where the layers give no complete one. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "model/host.h"
#include "sources/docker.h"
#include "util.h"

/* One container's change list from its writable layer against its image's layers (the
 * container's upper_dir and its inspect's GraphDriver.Data.LowerDir), sorted by path, in the
 * daemon's shape [{"Path", "Kind"}]. Fails when the layers are not known or not readable, or
 * when the walk was cut (a bound reached): then only the daemon's answer is complete. */
int changes_from_layers(const struct container *c, json_t **ret, struct cirt_err *err);

struct change_list {
	json_t *list; /* [{Path, Kind}] sorted by path; NULL when there is none */
	bool daemon;  /* asked the daemon (why: why the layers gave no answer) */
	char *why;    /* why the layers were not used (owned), or NULL */
	char *err;    /* why there is no list at all (owned), or NULL */
	long status;  /* the daemon's HTTP status when it was asked */
};

/* The change lists of n containers: from their layers (a few threads at once), and from the
 * daemon (parallel requests at once) for those whose layers give no complete answer; d NULL:
 * layers only. ret: n entries, cleared with change_list_clear. */
void changes_load(struct docker *d, struct container *const *cs, size_t n, size_t parallel,
                  struct change_list *ret);
void change_list_clear(struct change_list *c);
