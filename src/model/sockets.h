/* sockets.h: the sockets of containers, each attributed to its container and process: one
 * sock_diag dump per network namespace (shared namespaces read once), socket inode -> process
 * through /proc/<pid>/fd of the container's processes (found by cgroup). Host-network
 * containers get the host namespace's sockets their own processes hold. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/host.h"
#include "sources/cgscan.h"
#include "sources/sockdiag.h"
#include "util.h"

/* An ancestor of a process. */
struct proc_parent {
	int pid;
	char *comm, *exe;
};

/* A process that holds a socket (or that a kernel event or cirt watch's journal named). */
struct proc_info {
	int pid;    /* host pid */
	int ns_pid; /* pid inside its own pid namespace; 0 when unknown */
	char *comm;
	char *exe; /* path in the process's mount namespace */
	char *cmdline;
	long uid;   /* effective uid as the host sees it; -1 when unknown */
	char *user; /* its name in the container's /etc/passwd (the host's for host processes) */
	struct container *c; /* the container whose cgroup holds it; NULL: a host process */
	/* its lineage, when known (sockets_opts.lineage, kernel events, the journal) */
	int ppid;    /* 0 when unknown */
	char **argv; /* NULL-terminated; NULL when unknown */
	size_t argc;
	bool argv_truncated;
	struct proc_parent *parents; /* parent first, up to the container's first process */
	size_t n_parents;
};

struct csock {
	struct sockdiag_entry s;
	struct container *c; /* the container it belongs to; NULL: the host's own */
	const struct proc_info
	    *proc;           /* NULL when no process holds it (TIME_WAIT) or it was not found */
	int fd;              /* descriptor number in proc, -1 when unknown */
	unsigned long netns; /* namespace inode */
};

struct sockets {
	struct csock *v;
	size_t n;
	struct proc_info **procs;
	size_t n_procs;
	char **warnings;
	size_t n_warnings;
	size_t n_netns;  /* namespaces read */
	size_t n_dumped; /* sockets seen before the keep filter */
};

typedef bool (*sockets_keep_fn)(const struct sockdiag_entry *e, void *ud);

/* Dump, in the background, every container namespace found from the cgroups of /proc (and the
 * host's when host_sockets), before the containers are known from the daemon: sockets_load
 * then takes these dumps instead of reading the namespaces again. protos: SOCKDIAG_*, 0 all. */
struct sockets_prefetch;
struct sockets_prefetch *sockets_prefetch_start(unsigned protos, bool host_sockets);
/* The prefetch's one pass over /proc (every container process, by cgroup), once it is done:
 * the host model's loader takes its pids from it instead of reading /proc again. NULL without a
 * prefetch or when /proc could not be read. Owned by p. */
const struct cg_scan *sockets_prefetch_scan(struct sockets_prefetch *p);
void sockets_prefetch_free(struct sockets_prefetch *p);

struct sockets_opts {
	struct container *const *only; /* when set: only these containers */
	size_t n_only;
	unsigned protos;      /* SOCKDIAG_*; 0: all */
	sockets_keep_fn keep; /* when set: only sockets it accepts are attributed and kept */
	void *keep_ud;
	bool host_sockets;                 /* keep host-namespace sockets of host processes too
	                                    * (their owners are found by scanning every process) */
	struct sockets_prefetch *prefetch; /* when set: namespaces already dumped */
	bool pids_fresh; /* the pids were just read from the cgroups (host_load_list):
	                  * no need to check again that they are the containers' */
	bool lineage;    /* also the argv, parent pid and parent chain of each process */
};

/* Containers that are not running, or exit during the scan, are skipped with a warning in
 * ret->warnings. Fails only on an internal error (no namespace of ours, /proc unreadable). */
int sockets_load(struct host *h, const struct sockets_opts *o, struct sockets **ret,
                 struct cirt_err *err);
void sockets_free(struct sockets *s);

/* Free one process and what it holds (NULL is fine). */
void proc_info_free(struct proc_info *p);
/* Read pid's parent pid, argv and its ancestors from /proc: up to 16, stopping at the first one
 * that is not in the same container (by cgroup) or at pid 1. */
void proc_info_read_lineage(struct proc_info *p);
/* pid, ns_pid, comm, exe, cmdline, uid, user, container, host_process; ppid, argv,
 * argv_truncated and parents[{pid, comm, exe}] when known. */
json_t *proc_info_to_json(const struct proc_info *p);
/* local/remote, state, queues, inode, uid and the process. */
json_t *csock_to_json(const struct csock *s);
