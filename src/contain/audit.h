/* audit.h: the append-only audit log of containment (<state dir>/audit.log, one JSON object a
 * line): who, when, from where, why, and exactly what changed. */
#pragma once

#include <jansson.h>

#include "util.h"

/* Who runs cirt, for the log: user name and uid, the login uid (survives sudo), SUDO_USER,
 * host name, pid, cirt version and the command line. A new object. */
json_t *audit_who(int argc, char **argv);

/* Append one entry: the who object's fields, "time" (UTC, ISO 8601 with ms), then the fields
 * of entry. One write(2) on an O_APPEND descriptor, then fsync. */
int audit_append(json_t *who, json_t *entry, struct cirt_err *err);
