/* priv.h: giving up what cirt does not need before it reads what an attacker wrote. Container
 * files, layers and tarballs are hostile input to cirt's parsers and to libyara and libarchive;
 * should one of them be exploited, the process must not hold the powers of a full root. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Keep only the capabilities in keep (CAP_* numbers) in the effective, permitted and bounding
 * sets, clear the inheritable and ambient sets, and set no_new_privs, so nothing cirt runs
 * later regains them. Capabilities are per thread: this must run while the process has one
 * thread (it fails with CIRT_EXIT_RUNTIME otherwise). Without capabilities to give up (a user
 * in the docker group) it only sets no_new_privs. *ret_desc (may be NULL) gets a line for the
 * custody log or output: what was kept. With CIRT_TEST_STOP_AFTER=privdrop the process stops
 * itself (SIGSTOP) right after, so a test can read its /proc/<pid>/status. */
int priv_drop(const int *keep, size_t n_keep, char **ret_desc, struct cirt_err *err);

/* The name of a capability ("cap_sys_ptrace"), or NULL. */
const char *priv_cap_name(int cap);

/* The same for the calling thread alone (capabilities, the bounding set and no_new_privs are per
 * thread): for worker threads that read container content beside threads that still need more.
 * Weaker than priv_drop: code running in one thread can reach the others' memory. With
 * CIRT_TEST_STOP_AFTER=privdrop-thread the process stops right after. */
int priv_drop_thread(const int *keep, size_t n_keep, struct cirt_err *err);
