/* host_brief.h: a host snapshot from the daemon's container list alone (GET /containers/json,
 * one request), without inspecting each container: pids come from /proc (the container id in
 * each process's cgroup). Enough for the network map, and several times faster than host_load
 * with hundreds of containers. Fields the list lacks (command, mounts' details, created, cgroup,
 * upper dir, privileges) stay empty. */
#pragma once

#include <jansson.h>

#include "model/host.h"

/* Running (and paused) containers only; needs as for host_load (HOST_NEED_NET). */
int host_load_brief(struct docker *d, unsigned needs, struct host **ret, struct cirt_err *err);

/* One /containers/json item in the shape of /containers/{id}/json, as container_from_inspect
 * reads it (State.Pid is 0). Exposed for unit tests. NULL without an Id. */
json_t *brief_to_inspect(json_t *item);
