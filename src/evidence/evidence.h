/* evidence.h: what the collection steps share (internal to src/evidence/). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "evidence/bundle.h"
#include "evidence/collect.h"

struct ev_proc {
	int pid;
	int ppid;
	unsigned long long start_ticks; /* field 22 of stat: tells a reused pid apart */
	char *comm;
	json_t *j; /* everything known about it, written to processes.json */
	bool gone; /* vanished while being read */
};

struct ev {
	struct bundle *b;
	struct docker *d;
	struct container *c;
	const struct collect_opts *o;
	const struct ev_progress *p;
	struct cirt_err *err; /* a fatal error (the bundle cannot be written) */
	struct ev_proc *procs;
	size_t n_procs;
	json_t *summary;
	uint64_t bytes; /* copied so far, for progress */
	bool was_running;
	unsigned long long init_start; /* start ticks of the init process */
	bool gone;                     /* the container stopped during collection */
	const char *step;              /* current step name */
};

/* Steps. Each returns -1 only when the bundle itself failed (e->err set); everything else is
 * recorded in the custody log and the manifest and collection goes on. */
int ev_processes(struct ev *e); /* process table and per-process facts */
int ev_network(struct ev *e);   /* sockets of the namespace and conntrack entries */
int ev_binaries(struct ev *e);  /* executables, recovered through /proc/<pid>/exe */
int ev_memory(struct ev *e);    /* --memory */
int ev_files(struct ev *e);     /* change list and the added/changed files */

/* Is the container's init process still the one we started with? Marks the bundle incomplete
 * (once) when not. */
bool ev_alive(struct ev *e);
/* Start ticks (field 22 of /proc/<pid>/stat), 0 when unreadable. */
unsigned long long ev_start_ticks(int pid);
/* A note about a step that could not do everything (custody log + summary notes). */
void ev_note(struct ev *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Read a /proc file into memory and into the bundle at rel. Returns the content (caller frees)
 * or NULL (errno set) when it could not be read; fatal bundle errors set *fatal. */
char *ev_proc_copy(struct ev *e, const char *procpath, const char *rel, size_t max, size_t *ret_len,
                   bool *fatal);

/* Test hook: with CIRT_TEST_STOP_AFTER=<step> the process stops itself (SIGSTOP) after that step,
 * so a test can change the world (stop the container) at a known point, then let it go on. */
void ev_test_hook(const char *step);
/* The conntrack entries (host namespace) whose original or reply tuple holds one of addrs:
 * written as conntrack.txt (conntrack -L lines) and conntrack.json. Count in ret_n. */
int ev_conntrack(struct ev *e, char *const *addrs, size_t n_addrs, size_t *ret_n);
