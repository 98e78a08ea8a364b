/* facts.h: what the engine reads of a target's own files outside the walk, for the checks: its
 * accounts (/etc/passwd, /etc/group: before the pass) and its dpkg database (which package
 * ships a path, and the MD5 it recorded: on first use). Reads go through lroot (confined). */
#pragma once

#include "scan/check.h"
#include "scan/lroot.h"

struct facts;

/* tree may be NULL (a tarball): no accounts, no dpkg. Never fails: what cannot be read is
 * simply absent. */
struct facts *facts_new(const struct lroot *tree);
void facts_free(struct facts *fc);

const struct scan_account *facts_account(const struct facts *fc, unsigned uid);
const struct scan_account *facts_account_named(const struct facts *fc, const char *name);
const struct scan_group *facts_groups(const struct facts *fc, size_t *ret_n);
bool facts_home_user(const struct facts *fc, const char *path, char *user, size_t n,
                     const char **ret_rel);

/* 1 (and the package) when a package ships path, 0 when none does, -1 without a database. */
int facts_dpkg_owner(struct facts *fc, const char *path, const char **ret_pkg);
/* 1 when md5 is the digest dpkg recorded for path (md5sums or conffiles), 0 when it differs,
 * -1 when nothing is recorded. */
int facts_dpkg_md5(struct facts *fc, const char *path, const unsigned char md5[16]);
