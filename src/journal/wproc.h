/* wproc.h: the watcher's process table: pid -> what the kernel said of the process (container,
 * comm, exe, argv, its parents up to the container's init), kept from its exec or fork to a while
 * after its exit, so that flows and DNS lookups that are read late still name it. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal/addrmap.h"

#define WPROC_PARENTS_MAX 8  /* parents kept per process (the container's init ends it first) */
#define WPROC_MAX (1u << 17) /* processes in the table at once; beyond: counted, not kept */
/* an exited process stays this long: events about it may still be on their way */
#define WPROC_GRACE_NS (30ull * 1000000000ull)

/*
 * A record is what one program image of a process was: an exec gives the pid a new record, a
 * fork gives the child a copy of its parent's. Records are reference-counted: flows, sockets and
 * held lines that name a process keep its record after the table has let it go. A record never
 * changes once made (its JSON texts are made on first use), so a line written late says what was
 * true when the event happened. Its container stays its container even when the container is
 * gone since (the record holds a reference on the address map's entry).
 */
struct wproc {
	unsigned refs;
	int pid, ppid;
	int64_t uid;      /* -1 unknown */
	int ci;           /* container (address map index, referenced), -1 none */
	uint64_t netns;   /* its network namespace's inode, 0 unknown */
	uint64_t t_ns;    /* its exec (or fork, or when first seen) */
	uint64_t exit_ns; /* 0 while alive */
	char *comm_js;    /* "comm" as a JSON string literal (escaped) */
	char *exe_js;     /* "exe" as a JSON string literal, or null */
	json_t *argv;     /* array of escaped strings (shared with fork copies) */
	bool argv_trunc;
	uint8_t via;   /* enum wproc_via */
	uint8_t n_anc; /* parents in anc */
	char *anc;     /* the parents: {"pid","comm","exe"} objects joined by ',' ("" none) */
	uint16_t anc_end[WPROC_PARENTS_MAX]; /* where each of them ends in anc */
	char *self_js; /* itself as a parent: {"pid","comm","exe"} (on first use) */
	char *json;    /* the "process" object of flow and DNS lines (on first use) */
	bool in_table;
};

enum wproc_via {
	WPROC_VIA_NONE = 0,
	WPROC_VIA_BPF,
	WPROC_VIA_PROC_CONNECTOR,
	WPROC_VIA_PROCFS, /* read from /proc at start: it was running before watching began */
};

/* What an event says of a process. Bytes as the kernel gave them (escaped here). */
struct wproc_info {
	int pid, ppid;
	int64_t uid;
	int ci; /* container, -1 none (the table takes its own reference) */
	uint64_t netns, t_ns;
	const char *comm;
	size_t comm_len;
	const char *exe; /* NULL: unknown */
	size_t exe_len;
	json_t *argv; /* array of strings, already escaped (borrowed), or NULL */
	bool argv_trunc;
	uint8_t via;
};

struct wptab;

struct wptab *wptab_new(struct addrmap *am);
void wptab_free(struct wptab *t);

/* The live (or recently exited) record of pid, NULL when unknown. Borrowed. */
struct wproc *wptab_get(struct wptab *t, int pid);
/* pid exec'd (or was found running): a new record replaces the one before. Its parents are
 * those of the record it replaces when that was in the same container with the same parent (a
 * fork copy knows who forked it), else ppid's record and its parents, as long as they are in the
 * same container (so a container's init, reparented to the shim, has none).
 * Borrowed; the table keeps it until its exit and grace (a full table: the caller gets a record
 * held by nobody but itself, see wptab_untracked). */
struct wproc *wptab_exec(struct wptab *t, const struct wproc_info *in);
/* pid was forked by parent: a copy of parent's record (or of what the event says when parent is
 * unknown), with parent as its first parent. Borrowed as above. */
struct wproc *wptab_fork(struct wptab *t, int parent, const struct wproc_info *in);
/* A process that a socket event names and that the table does not know: a record made of what
 * the event says. */
struct wproc *wptab_seen(struct wptab *t, const struct wproc_info *in);
void wptab_exit(struct wptab *t, int pid, uint64_t t_ns);
/* Let go of the processes that exited more than WPROC_GRACE_NS before now_ns. */
void wptab_sweep(struct wptab *t, uint64_t now_ns);
size_t wptab_size(const struct wptab *t);
/* Records that could not be kept in the table because it was full. */
uint64_t wptab_untracked(const struct wptab *t);

void wproc_ref(struct wproc *p);
/* NULL is fine. Frees p with the last reference (releasing its container). */
void wproc_unref(struct wptab *t, struct wproc *p);

/* {"pid","comm","exe","argv","ppid","parents":[...]} (compact JSON; owned by p). */
const char *wproc_json(struct wproc *p);
/* The text of p's "argv" array, made on each call: the caller frees it. */
char *wproc_argv_json(const struct wproc *p);
const char *wproc_via_name(uint8_t via);
/* A JSON string literal of n bytes (escaped, ASCII only). Caller frees. */
char *wproc_js(const char *s, size_t n);
