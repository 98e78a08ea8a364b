/* procfs.h: readers of /proc for container processes (namespaces, cgroups, status). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

/* Inode of /proc/<pid>/ns/<ns> ("net", "pid", ...); 0 when unreadable. */
unsigned long procfs_ns_inode(int pid, const char *ns);
/* Open /proc/<pid>/ns/<ns> (O_RDONLY|O_CLOEXEC); -errno on failure. */
int procfs_open_ns(int pid, const char *ns);
/* The cgroup path of pid: the v2 "0::" line, else the memory or pids controller's line.
 * NULL when unreadable. Caller frees. */
char *procfs_cgroup(int pid);
/* Find a docker container id (64 hex) in a cgroup path: "/docker/<id>", "docker-<id>.scope",
 * ".../<id>". Writes 65 bytes into out. */
bool procfs_cgroup_container_id(const char *cgroup_path, char out[65]);
/* The same, from the text of a cgroup file (the parser behind procfs_cgroup; also fuzzed). */
char *procfs_cgroup_parse(const char *text);
/* Which engine a container cgroup path belongs to: "docker", "kubernetes", "containerd",
 * "cri-o", "podman" or "unknown". */
const char *procfs_cgroup_engine(const char *cgroup_path);
/* The container id named in any hierarchy of a cgroup file's text (the unified one preferred);
 * *ret_path (when given, initially NULL) gets that line's path. */
bool procfs_cgroup_find_container(const char *text, char id[65], char **ret_path);
/* The "comm" of pid, or NULL. */
char *procfs_comm(int pid);
/* Value of a "Key:\tvalue" line of /proc/<pid>/status, or NULL. */
char *procfs_status_field(int pid, const char *key);
/* The same, from the text of a status file. */
char *procfs_status_parse(const char *text, const char *key);

/* A few fields of /proc/<pid>/stat. */
struct procfs_stat {
	int pid;
	char comm[64];
	char state;
	int ppid;
	unsigned long long starttime; /* clock ticks after boot */
};
bool procfs_stat(int pid, struct procfs_stat *ret);
bool procfs_stat_parse(const char *text, struct procfs_stat *ret);

/* Every pid in /proc (one scan). Returns the count; *ret is freed by the caller. */
size_t procfs_all_pids(int **ret);
/* Pids whose comm is exactly comm (one scan of /proc). Returns the count; *ret is freed by the
 * caller (NULL when none). */
size_t procfs_pids_by_comm(const char *comm, int **ret);
/* Pids whose /proc/<pid>/ns/<ns> has this inode (one scan of /proc). */
size_t procfs_pids_in_ns(const char *ns, unsigned long inode, int **ret);
/* argv of pid as a NULL-terminated vector (procfs_argv_free), NULL when unreadable or empty. */
char **procfs_argv(int pid);
void procfs_argv_free(char **v);
/* Inodes of the sockets pid holds open (from /proc/<pid>/fd). */
size_t procfs_socket_inodes(int pid, unsigned long **ret);
/* The TCP and UDP sockets of pid's network namespace (/proc/<pid>/net/{tcp,udp}{,6}). */
struct procfs_sock {
	char proto[4];
	int family;
	int local_port;
	int remote_port;
	int state; /* TCP_* (10 is LISTEN); UDP: 7 unconnected */
	unsigned long inode;
};
size_t procfs_inet_sockets(int pid, struct procfs_sock **ret);

/* Every process of the host that runs in a docker container, found by its cgroup (one pass over
 * /proc): pid and the container id its cgroup path names. */
struct procfs_cproc {
	int pid;
	char id[65];
};
/* Sorted by container id, then pid. -errno when /proc cannot be read. */
int procfs_container_procs(struct procfs_cproc **ret, size_t *ret_n);

/* The socket inodes pid holds open with their descriptor numbers (readlink of each /proc/PID/fd
 * entry: "socket:[INODE]"), appended to the inodes and fds arrays (grown together). -errno
 * (-ENOENT: the process is gone). */
int procfs_socket_fds(int pid, unsigned long **inodes, int **fds, size_t *n);
/* readlink /proc/<pid>/exe: the path inside the process's own mount namespace. NULL if unknown. */
char *procfs_exe(int pid);
/* The command line with NULs as spaces (at most max bytes), or NULL. */
char *procfs_cmdline(int pid, size_t max);
/* The pid in the process's innermost pid namespace (last NSpid field); 0 when unknown. */
int procfs_nspid(int pid);
/* The effective uid (second Uid field of status); -1 when unknown. */
long procfs_euid(int pid);

/* Socket counts of the network namespace pid lives in (/proc/<pid>/net/sockstat and
 * sockstat6): O(1) for the kernel, unlike a socket dump that walks the global TCP hash. */
struct procfs_sockstat {
	long tcp; /* TCP + TCP6 "inuse" (listening and connected) */
	long tw;  /* TIME_WAIT */
	long udp; /* UDP + UDP6 "inuse" */
};
/* -errno when either file cannot be read. */
int procfs_sockstat(int pid, struct procfs_sockstat *ret);

/* The processes of pid's cgroup and of every cgroup below it, read from the cgroup filesystem
 * (cgroup.procs; v2, or a v1 hierarchy found in /proc/self/mountinfo): all the processes of
 * the container pid belongs to, without looking at every process of the host. -errno when
 * no hierarchy could be read (callers fall back to procfs_container_procs). */
int procfs_cgroup_pids(int pid, int **ret, size_t *ret_n);
