/* kevents_abi.h: the records the kernel-events BPF program writes into its ring buffer, shared by
 * that program (src/sources/bpf/kevents.bpf.c) and the decoder (kevents_decode.c). */
#pragma once

#include <linux/types.h>

#define KEV_ABI_VERSION 1
#define KEV_COMM_LEN 16
#define KEV_CGNAME_MAX 128 /* a cgroup's own name: "<64 hex>", "docker-<64 hex>.scope", ... */
#define KEV_PATH_MAX 512   /* the path given to execve */
#define KEV_ARGS_MAX 2048  /* bytes of the argv area copied (NUL-separated, as in memory) */
#define KEV_CG_SUBSYS_MAX 32

/* Record kinds (the decoder's enum kev_kind has the same values). */
enum kev_w_kind {
	KEV_W_EXEC = 1,
	KEV_W_FORK = 2,
	KEV_W_EXIT = 3,
	KEV_W_CONNECT = 4,
	KEV_W_ACCEPT = 5,
	KEV_W_LISTEN = 6,
	KEV_W_SEND = 7,
	KEV_W_KINDS = 8 /* one more than the last */
};

/* How a socket event was seen. */
enum kev_w_via {
	KEV_VIA_SYSCALL = 1, /* at the syscall's return, by the process itself */
	KEV_VIA_STATE = 2,   /* at a TCP state change (sock:inet_sock_set_state) */
};

/* The process an event is about. */
struct kev_w_task {
	__u64 cgid;    /* cgroup v2 id (kernfs id of its cgroup in the unified hierarchy) */
	__u64 cgid_v1; /* kernfs id of its cgroup in the v1 hierarchy in use; 0: none */
	__u32 pid;     /* thread group id */
	__u32 tid;
	__u32 ppid;  /* real parent's thread group id */
	__u32 vpid;  /* pid in its own pid namespace; 0 unknown */
	__u32 uid;   /* real */
	__u32 euid;  /* effective */
	__u32 netns; /* inode of its network namespace */
	__u16 cgname_len;
	__u8 cgname_v1; /* cgname is the v1 hierarchy's cgroup's (else the unified one's) */
	__u8 pad;
	char comm[KEV_COMM_LEN];
	char cgname[KEV_CGNAME_MAX];
};

struct kev_w_hdr {
	__u16 kind;    /* enum kev_w_kind */
	__u16 version; /* KEV_ABI_VERSION */
	__u32 len;     /* of the whole record */
	__u64 ts;      /* CLOCK_MONOTONIC, ns */
	struct kev_w_task task;
};

/* exec: the path given to execve, then the argv area; only len bytes of data are sent. */
struct kev_w_exec {
	struct kev_w_hdr h;
	__u16 path_len;
	__u16 args_len;
	__u32 args_full; /* the whole argv area's size (arg_end - arg_start), may exceed args_len */
	char data[KEV_PATH_MAX + KEV_ARGS_MAX];
};

/* fork: h.task is the new process (pid, ppid, its cgroup); parent is the forking process. */
struct kev_w_fork {
	struct kev_w_hdr h;
	__u32 parent;
	__u32 pad;
};

/* exit of a whole process (its last thread). */
struct kev_w_exit {
	struct kev_w_hdr h;
	__u32 status; /* wait(2) status: code << 8 | signal (| 0x80 core dumped) */
	__u32 pad;
};

/* connect, accept, listen, send. */
struct kev_w_sock {
	struct kev_w_hdr h;
	__u32 netns;    /* the socket's network namespace */
	__s32 ret;      /* connect: the syscall's return (0, -EINPROGRESS, ...); via state: 0 the
	                   handshake completed, -1 it failed */
	__u16 family;   /* AF_INET, AF_INET6 */
	__u8 proto;     /* IPPROTO_TCP, IPPROTO_UDP */
	__u8 via;       /* enum kev_w_via */
	__u16 sport;    /* local port, host order */
	__u16 dport;    /* remote port, host order */
	__u8 saddr[16]; /* local address, network order (IPv4: first 4 bytes) */
	__u8 daddr[16]; /* remote address */
};
