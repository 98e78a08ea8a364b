/* ctcut.h: cut a container's existing connections: delete the conntrack entries of its
 * addresses (libnetfilter_conntrack), except those with an allowed peer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "contain/rules.h"
#include "util.h"

/* Delete (or with dry_run only count) every entry whose original or reply tuple holds one of
 * the spec's addresses, unless the peer lies in one of its allow CIDRs. */
int ctcut_run(const struct iso_spec *s, bool dry_run, size_t *ret_n, struct cirt_err *err);

/* Count the entries holding one of these addresses that were created... count only (used by
 * status to say whether new flows appear): entries in state NEW/ESTABLISHED are all counted. */
int ctcut_count(const struct iso_spec *s, size_t *ret_n, struct cirt_err *err);
