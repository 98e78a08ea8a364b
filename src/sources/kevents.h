/* kevents.h: the kernel-events source: process starts (exec, fork, exit) and socket events
 * (TCP and UDP connect, accept, listen, first UDP datagram to a destination) with the process and
 * the container (by cgroup) behind each, from a BPF program on tracepoints, or, when BPF cannot
 * load, from the netlink proc connector and sock_diag polling. One event struct and callback for
 * both; the mode and what it cannot see are reported. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum kev_kind {
	KEV_EXEC = 1,
	KEV_FORK = 2,
	KEV_EXIT = 3,
	KEV_CONNECT = 4, /* TCP connect (SYN sent) or UDP connect */
	KEV_ACCEPT = 5,  /* TCP accept */
	KEV_LISTEN = 6,  /* TCP listen */
	KEV_SEND = 7,    /* first UDP datagram of a socket to a destination, without connect */
	KEV_KINDS = 8    /* one more than the last */
};
#define KEV_KIND_BIT(k) (1u << (k))
#define KEV_ALL_KINDS (((1u << KEV_KINDS) - 1) & ~1u)

enum kev_mode {
	KEV_MODE_NONE = 0,
	KEV_MODE_BPF = 1,      /* the BPF program on tracepoints */
	KEV_MODE_FALLBACK = 2, /* proc connector + sock_diag polling */
};

/* How a socket event was seen. */
enum kev_via {
	KEV_VIA_SYSCALL_RET = 1, /* at the syscall's return, in the process */
	KEV_VIA_TCP_STATE = 2,   /* at a TCP state change (the process stored at SYN_SENT) */
	KEV_VIA_POLL = 3,        /* fallback: a sock_diag poll found it */
};

enum kev_flags {
	KEV_F_PROCFS = 1 << 0,     /* process details read from /proc after the event (fallback) */
	KEV_F_GONE = 1 << 1,       /* ... and the process was already gone: details missing */
	KEV_F_ARGV_TRUNC = 1 << 2, /* argv longer than what was copied */
	KEV_F_CG_BY_NAME = 1 << 3, /* container from the cgroup's name (the cgroup was gone) */
	KEV_F_NO_OWNER = 1 << 4,   /* fallback: no process holds the socket (closed, TIME_WAIT) */
	KEV_F_CG_V1 = 1 << 5,      /* cgname is a cgroup v1 hierarchy's */
};

/* Bytes as the kernel or the process gave them (may hold escapes or invalid UTF-8; not NUL
 * terminated): the consumer escapes. */
struct kev_bytes {
	const char *p;
	size_t len;
};

struct kev_addr {
	uint8_t family; /* AF_INET, AF_INET6; 0 unset. An IPv4-mapped IPv6 address is IPv4 */
	uint8_t b[16];  /* network order */
};

#define KEV_ARGV_MAX 128 /* argv entries kept; the rest is counted in KEV_F_ARGV_TRUNC */

/* One event. Pointers are valid during the callback only. */
struct kev_event {
	enum kev_kind kind;
	uint32_t flags; /* enum kev_flags */
	uint64_t ts_ns; /* CLOCK_REALTIME, ns */
	/* the process: for fork the new one, for a TCP connect seen at the handshake the one
	 * that started it */
	int pid, tid, ppid;
	int vpid;          /* pid in its own pid namespace; 0 unknown */
	int64_t uid, euid; /* -1 unknown */
	uint32_t netns;    /* inode of the process's network namespace; 0 unknown */
	struct kev_bytes comm;
	uint64_t cgid;           /* cgroup v2 id; 0 unknown */
	uint64_t cgid_v1;        /* kernfs id in the v1 hierarchy in use; 0 none */
	struct kev_bytes cgname; /* the cgroup's name (BPF) or path (fallback) */
	char container[65];      /* its container's id; "" when not in a container or unknown */

	/* exec */
	struct kev_bytes exe; /* the path given to execve (BPF: as given, maybe relative; fallback:
	                         /proc/PID/exe) */
	struct kev_bytes argv[KEV_ARGV_MAX];
	size_t argc;
	size_t args_full; /* bytes of the whole argv area (more than was kept: KEV_F_ARGV_TRUNC) */
	/* fork */
	int parent; /* the forking process */
	/* exit */
	int exit_code;   /* code given to exit(), when exited normally; -1 when killed */
	int exit_signal; /* the killing signal, 0 when exited normally */
	bool core_dumped;
	/* sockets */
	uint8_t proto;       /* IPPROTO_TCP, IPPROTO_UDP */
	uint32_t sock_netns; /* the socket's network namespace */
	struct kev_addr src; /* local */
	struct kev_addr dst; /* remote; unset for listen */
	uint16_t sport, dport;
	int ret; /* connect: the syscall's result (0, -EINPROGRESS, -ECONNREFUSED...);
	            seen at the handshake: 0 completed, -1 failed */
	enum kev_via via;
};

/* Return nonzero to stop reading (kev_read returns it). */
typedef int (*kev_cb)(const struct kev_event *e, void *data);

struct kev_opts {
	unsigned kinds;     /* KEV_KIND_BIT()s; 0: all */
	unsigned ring_kb;   /* BPF ring buffer in KiB (a power of two, >= 4); 0: 4096 */
	unsigned poll_ms;   /* fallback: sock_diag polling interval; 0: 1000 */
	unsigned batch_ms;  /* BPF: the reader is woken per batch (a quarter of the ring) or
	                       after this long, not per event; 0: 50 */
	bool no_bpf;        /* use the fallback even if BPF would load */
	bool mount_tracefs; /* mount tracefs at /sys/kernel/tracing if it is not mounted (else
	                       syscalls are read through the raw sys_enter/sys_exit tracepoints) */
	bool raw_syscalls;  /* the raw syscall tracepoints even when tracefs is there (tests) */
	bool cgroup_v2;     /* attribute by the unified hierarchy even if v1 is mounted (tests) */
	bool bpf_stats;     /* BPF: have the kernel time the programs while open (kev_prog_stats) */
	FILE *libbpf_log;   /* libbpf's messages (the verifier's log included); NULL: none */
	/* BPF mode: every ring-buffer record as it came, before decoding (tests, fixtures) */
	void (*raw)(const void *rec, size_t len, void *data);
	void *raw_data;
};

struct kev_stats {
	uint64_t events[KEV_KINDS]; /* delivered, per kind */
	uint64_t drops[KEV_KINDS];  /* lost: the ring buffer was full (BPF), per kind */
	uint64_t lost;              /* lost, kind unknown (fallback: the netlink socket overran) */
	uint64_t bad;               /* records the decoder refused */
	uint64_t polls;             /* fallback: sock_diag polls made */
};

struct kev;

/* Open the source: BPF unless opts->no_bpf or it cannot load (then the fallback, with the
 * reason among the limits). Fails only when neither can run. */
int kev_open(const struct kev_opts *opts, struct kev **ret, struct cirt_err *err);
void kev_close(struct kev *k);
/* Readable when events wait (epoll fd; both modes). */
int kev_fd(const struct kev *k);
/* Deliver what is ready now, without blocking. Returns the number of events, the callback's
 * nonzero value, or -1 with err set. */
int kev_read(struct kev *k, kev_cb cb, void *data, struct cirt_err *err);
/* Wait up to timeout_ms (-1: forever) for events, then kev_read. */
int kev_poll(struct kev *k, int timeout_ms, kev_cb cb, void *data, struct cirt_err *err);
/* Counters so far (the BPF drops are read from the kernel). */
void kev_stats_get(struct kev *k, struct kev_stats *ret);
enum kev_mode kev_mode(const struct kev *k);
const char *kev_mode_name(enum kev_mode m);
/* What this mode cannot see, one sentence each (a missing tracepoint is named). */
const char *const *kev_limits(const struct kev *k, size_t *ret_n);
/* How it runs (the cgroup hierarchy, the tracepoints used, tracefs mounted ...). */
const char *const *kev_notes(const struct kev *k, size_t *ret_n);
/* Why the fallback runs (BPF's error, or "asked"); NULL in BPF mode. */
const char *kev_why(const struct kev *k);

/* BPF mode: what the programs cost inside the kernel (in the processes they trace, not in the
 * reader), per tracepoint; runs and ns are 0 unless opts.bpf_stats. */
struct kev_prog_stat {
	const char *tracepoint;
	uint64_t runs;
	uint64_t ns;
};
/* Fills at most max; returns how many programs are attached (0 in fallback mode). */
size_t kev_prog_stats(struct kev *k, struct kev_prog_stat *out, size_t max);
const char *kev_kind_name(enum kev_kind k);
/* "exec,connect,..." -> KEV_KIND_BIT()s; false on an unknown name. */
bool kev_kinds_parse(const char *csv, unsigned *ret);

/* The decoder of one ring-buffer record (a struct kev_w_* of kevents_abi.h, untrusted bytes)
 * into e: total over any input. Returns 0, or -EBADMSG (too short, bad kind or version,
 * inconsistent lengths). Pointers in e point into rec. ts_ns stays the kernel's monotonic time;
 * container is left empty (the source fills both). */
int kev_decode(const void *rec, size_t len, struct kev_event *e);
/* A wait(2) status into e's exit_code, exit_signal, core_dumped. */
void kev_exit_status(uint32_t status, struct kev_event *e);
/* Split an argv area (NUL-separated strings, the last maybe unterminated) into e->argv. */
void kev_split_argv(const char *p, size_t len, struct kev_event *e);
