/* layerdiff.h: a container's changed files computed from its overlay2 layers, without the
 * daemon: the writable layer (upper) against the image's view below it (the lower layers, with
 * their whiteouts and opaque directories), in the shape and with the rules of the Engine API's
 * GET /containers/{id}/changes as the daemon computes it (its naive diff: an entry is changed
 * when its type, mode, owner, device, capabilities or, for what is not a directory, its size or
 * modification time differ; a directory with changes below it is changed; an opaque directory
 * deletes what the image had in it): [{"Path": "/etc/x", "Kind": 0 changed | 1 added |
 * 2 deleted}]. Only the writable layer is walked, so the cost follows what changed, not the
 * image's size. The layers are the container's (attacker-written): the walk never follows a
 * symlink, opens only directories, and is bounded in depth and entries. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "util.h"

#define LAYERDIFF_MAX_DEPTH 128
#define LAYERDIFF_MAX_ENTRIES 1000000

/* upper: the writable layer's directory; lower: the layers below it, colon-separated, top first
 * (GraphDriver.Data.LowerDir), or NULL. Entries past max_entries, directories past the depth
 * bound and what could not be read are left out with a note in notes (a JSON array of
 * strings): a list with notes may be incomplete. Sorted by path. */
int layerdiff(const char *upper, const char *lower, size_t max_entries, json_t **ret, json_t *notes,
              struct cirt_err *err);
/* The same, each entry with its inode facts as the writable layer keeps them: mtime_ns, ctime_ns,
 * atime_ns, btime_ns (only where the filesystem records a birth time), mode, uid, gid, size,
 * inode. A whiteout's times are those of the deletion. */
int layerdiff_times(const char *upper, const char *lower, size_t max_entries, json_t **ret,
                    json_t *notes, struct cirt_err *err);
