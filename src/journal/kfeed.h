/* kfeed.h: the kernel's process and socket events and the DNS capture, for `cirt watch`: opens
 * the kernel-events source (BPF, or its fallback) and a DNS capture in the host's network
 * namespace and in every container's (added as containers start, from the daemon's records or
 * from the first kernel event of a new container; removed as they stop), turns what they say into
 * watcher events, and their losses into "overrun" lines. */
#pragma once

#include <stdbool.h>

#include "journal/evfeed.h"
#include "journal/watcher.h"
#include "util.h"

struct kfeed_opts {
	bool kernel_events; /* exec, fork, exit, connect, accept, send */
	bool no_bpf;        /* the fallback even where BPF would load */
	bool dns;           /* DNS queries and answers */
	/* a diagnostic for the user, one line without "cirt: " */
	void (*warn)(void *ud, const char *msg);
	void *ud;
};

struct kfeed;

/* Open what is asked and tell the watcher (borrowed: it must outlive the feed). A source that
 * cannot run is a warning, not a failure: watch goes on without it (the start line says so). The
 * processes running now are read from /proc into the watcher's table (their exec is past). The
 * ring buffer is $CIRT_TEST_KEV_RING_KB KiB when set, and each read of it waits
 * $CIRT_TEST_KEV_STALL_MS (1 to 999) first when set: tests make a small ring and a slow reader to
 * see a loss. */
int kfeed_open(const struct kfeed_opts *o, struct watcher *w, struct kfeed **ret,
               struct cirt_err *err);
void kfeed_close(struct kfeed *k);
/* Descriptors to poll (-1: off). */
int kfeed_kev_fd(const struct kfeed *k);
int kfeed_dns_fd(const struct kfeed *k);
/* Feed what waits, never blocking: the kernel's events first, so that a DNS message (and a flow
 * read after this) finds the socket event of the process that made it. -1 with err on a source's
 * failure. */
int kfeed_read(struct kfeed *k, struct cirt_err *err);
/* The daemon's records, before the watcher takes them: containers started get their namespace
 * captured, stopped ones let it go. */
void kfeed_records(struct kfeed *k, const struct evrec *list);
/* At least every second or so: losses of the ring buffer or the capture become "overrun" lines
 * and a warning (at most every 10 s, at once when final); namespaces whose capture could not be
 * opened are tried again. */
void kfeed_tick(struct kfeed *k, bool final);
/* The sources as they run, for the start line (kev_* and dns_* of s). */
void kfeed_sources(const struct kfeed *k, struct watcher_sources *s);
/* Their counters into the stop line (before watcher_stopped). */
void kfeed_stopping(struct kfeed *k);
/* One line for the user about the kernel events and DNS (static until the next call). */
const char *kfeed_summary(struct kfeed *k);
