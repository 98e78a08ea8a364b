/* verify.h: cross-check what the daemon says against what the host shows (cirt ps --verify): a
 * daemon that is stale, confused or lying leaves traces the kernel does not hide. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "model/host.h"
#include "sources/cgscan.h"
#include "sources/rtnl.h"

struct disagreement {
	const char *kind;   /* static: see verify_kinds in verify.c */
	char *container_id; /* NULL when none is concerned */
	char *name;
	int pid;
	char *veth;
	int veth_ifindex;
	char *bridge;
	char *detail; /* one sentence for the responder */
};

struct verify_result {
	struct disagreement *v;
	size_t n;
	char **warnings; /* what could not be checked, and why (not disagreements) */
	size_t n_warnings;
};

/* Bridge names of the daemon's bridge networks (answer of GET /networks): the
 * com.docker.network.bridge.name option, else "br-" and the first 12 of the id. */
char **verify_bridges_from_networks(json_t *networks, size_t *ret_n);

/* h: the daemon's view, loaded with all=true and HOST_NEED_NET; scan and links: the host's.
 * bridges: names of the daemon's bridges (their veths must each belong to a container). */
void verify_host(const struct host *h, const struct cg_scan *scan, const struct rtnl_links *links,
                 char *const *bridges, size_t n_bridges, struct verify_result *ret);
/* Keep only what is in both results (a container created or removed between two reads is a
 * race, not a disagreement). */
void verify_intersect(struct verify_result *a, const struct verify_result *b);
void verify_result_free(struct verify_result *r);
/* The whole check against the daemon d: the host loaded (every container, with their networks
 * and processes), GET /networks for its bridges, the cgroups and links read, and verify_host;
 * when that finds something, a second look, and only what both looks found is kept (a container
 * started or removed between two reads is a race, not a lie). ret_h: the first look's host,
 * with the warnings of what could not be checked. */
int verify_daemon(struct docker *d, struct host **ret_h, struct verify_result *ret,
                  struct cirt_err *err);
json_t *disagreement_to_json(const struct disagreement *d);
