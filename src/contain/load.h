/* load.h: the containers containment works on, loaded one by one from the daemon (not every
 * container of the host): the ones named, the ones whose network namespace they share, and the
 * ones the state file keeps contained. */
#pragma once

#include "model/host.h"
#include "sources/docker.h"
#include "util.h"

/* A host model holding only these containers (by id or name; the daemon resolves them), with
 * their veths: what contain/release/status need, without inspecting every container of the
 * host. A container the daemon does not know is left out; an ambiguous id prefix is an error. */
int contain_host_load(struct docker *d, char *const *refs, size_t n, struct host **ret,
                      struct cirt_err *err);
/* The containers of the state file's records (or only ref, which must exist), loaded by id.
 * ret_id: ref's id, NULL without ref. */
int contain_host_for_records(struct docker *d, const char *ref, struct host **ret,
                             const char **ret_id, struct cirt_err *err);
