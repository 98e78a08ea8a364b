/* state.h: what cirt has contained, kept in a JSON file under /var/lib/cirt (written atomically)
 * and guarded by a lock so two cirt runs never interleave their changes. */
#pragma once

#include <jansson.h>

#include "util.h"

/* $CIRT_STATE_DIR, else /var/lib/cirt. */
const char *state_dir(void);
/* <state_dir>/<name> (caller frees). */
char *state_path(const char *name);

/* Create the directory (0700) and take the exclusive lock <dir>/contain.lock (waits at most
 * 30 s). Returns the lock fd (close to release) or -1 with err set. */
int state_lock(struct cirt_err *err);

/* Load <dir>/contain.json; a missing file is an empty state. A file that is not ours (bad JSON,
 * wrong version) is an error: it is never overwritten. */
int state_load(json_t **ret, struct cirt_err *err);
/* Write the whole state: temporary file in the same directory, fsync, rename, fsync of the
 * directory. Readers see the old or the new file, never a mix. */
int state_save(json_t *doc, struct cirt_err *err);
/* Write any JSON document to path the same atomic way (used by state_save; mode 0600). */
int write_atomic(const char *path, const char *data, size_t len, struct cirt_err *err);

/* The record of one container ({"id","name","since","actions":[...]}), or NULL. */
json_t *state_get(json_t *doc, const char *id);
/* The record, created when missing. */
json_t *state_get_or_add(json_t *doc, const char *id, const char *name);
/* Remove a record (no-op when missing). */
void state_del(json_t *doc, const char *id);
/* The containers object {id: record}. */
json_t *state_all(json_t *doc);

/* The last action of this type in a record, or NULL. */
json_t *state_action(json_t *rec, const char *type);
/* The index of that action in rec.actions, -1 when missing. */
int state_action_index(json_t *rec, const char *type);

/* Has the container been collected (a marker <dir>/collected/<id> left by `cirt collect`)? */
bool state_collected(const char *id);
