/* cgscan.h: containers found from the host's own processes: every /proc/<pid>/cgroup that names
 * a container id (docker, containerd, Kubernetes, CRI-O forms). Needs no daemon. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct cg_container {
	char id[65];
	const char *engine; /* static: "docker", "kubernetes", ... (procfs_cgroup_engine) */
	char *cgroup;       /* the cgroup path of its init process */
	int init_pid;       /* the earliest-started process whose parent is outside the container */
	int *pids;          /* every process in its cgroup, ascending */
	size_t n_pids;
};

struct cg_scan {
	struct cg_container *v;
	size_t n;
	size_t n_procs;      /* processes looked at */
	size_t n_unreadable; /* processes whose cgroup could not be read (gone meanwhile) */
};

/* Walk /proc (proc_root, NULL for "/proc") once. Fails only when the directory cannot be read. */
int cg_scan(const char *proc_root, struct cg_scan *ret, struct cirt_err *err);
void cg_scan_free(struct cg_scan *s);
const struct cg_container *cg_scan_find(const struct cg_scan *s, const char *id);
/* Is pid one of the container's processes? */
bool cg_container_has_pid(const struct cg_container *c, int pid);
