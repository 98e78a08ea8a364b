/* contain.h: containment of one container (pause, isolate, disconnect, stop), its exact undo
 * (release), and the check that it still holds (status, reapply). Every change is recorded in
 * the state file and the audit log; nothing here prints. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "contain/rules.h"
#include "model/host.h"
#include "sources/docker.h"
#include "util.h"

struct contain_env {
	struct docker *d;
	const char *docker_host; /* --host, for a second client with a longer timeout (stop) */
	json_t *who;             /* audit_who() */
	bool dry_run;
	const char *reason; /* may be NULL */
};

struct contain_opts {
	bool pause, isolate, stop, disconnect_all, force;
	struct strv disconnect; /* networks: names or id prefixes */
	struct strv allow;      /* normalized CIDRs */
	bool allow_given;
	enum fw_backend backend;
};

/* Every function below appends result rows to steps (a JSON array): {"container", "id",
 * "action", "result", "detail", "changes": [...]} where changes are the exact firewall inputs
 * and API calls (made, or that would be made with dry_run). */

/* Apply what o asks, in this order: pause, isolate, disconnect, stop. Returns -1 with err set
 * on the first failure (what was done before stays done and recorded). */
int contain_apply(struct contain_env *e, struct container *c, const struct contain_opts *o,
                  json_t *steps, struct cirt_err *err);

/* Undo everything cirt did to the container with this id, in reverse order; c is NULL when the
 * container no longer exists. A container cirt never contained is fine: "not contained". */
int contain_release(struct contain_env *e, const char *id, const char *name, struct container *c,
                    json_t *steps, struct cirt_err *err);

/* The state file's records (NULL-safe): for release --all and name lookups. A new reference. */
int contain_records(json_t **ret, struct cirt_err *err);

/* One status object per record (or only for id): {"id", "name", "since", "reason",
 * "container_state", "holds", "actions": [{"type", "holds", "problems": [...], ...}]}. */
int contain_status(struct contain_env *e, struct host *h, const char *id, json_t **ret,
                   struct cirt_err *err);

/* Re-apply whatever no longer holds (all records, or only id). */
int contain_reapply(struct contain_env *e, struct host *h, const char *id, json_t *steps,
                    struct cirt_err *err);

/* cgroup freezer state of a pid ("FROZEN", "THAWED", "FREEZING"), or NULL. Caller frees. */
char *freezer_state(int pid);
