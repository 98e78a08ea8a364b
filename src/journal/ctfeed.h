/* ctfeed.h: the kernel's side of `cirt watch`: conntrack's NEW and DESTROY events on a netlink
 * socket with a large buffer (overruns counted and said), the accounting sysctls, and the
 * table's dump at start, each flow handed to the watcher as a timestamped event. */
#pragma once

#include <stdbool.h>

#include "journal/watcher.h"
#include "util.h"

#define CTFEED_RCVBUF (32 << 20)
/* a read this big means load: rest this long before the next one */
#define CTFEED_BATCH_EVENTS 16
#define CTFEED_BATCH_REST_MS 5

struct ctfeed_opts {
	/* turn conntrack accounting and timestamps on (host-wide, left on); else say they are off
	 */
	bool enable_acct;
	void (*warn)(void *ud, const char *msg); /* one line without "cirt: " */
	void *ud;
};

struct ctfeed;

/* Subscribe to NEW and DESTROY events. The socket's buffer is CTFEED_RCVBUF, or
 * $CIRT_TEST_RCVBUF bytes (tests make it small to see an overrun). */
int ctfeed_open(const struct ctfeed_opts *o, struct ctfeed **ret, struct cirt_err *err);
void ctfeed_close(struct ctfeed *c);
/* The descriptor to poll now: -1 while resting after a big read (under load, events are read
 * in batches a few ms apart instead of one wake-up each; an isolated event, an alert, is still
 * read at once), and *timeout_ms is lowered to the end of the rest. */
int ctfeed_poll_fd(const struct ctfeed *c, int *timeout_ms);
/* Accounting, timestamps and buffer as set up. */
const struct watcher_sources *ctfeed_sources(const struct ctfeed *c);

/* Feed every event queued on the socket to w; an overrun becomes a WATCHER_LOST event and a
 * warning (at most every 10 s). Returns the number of events (CTFEED_BATCH_EVENTS or more
 * start a rest), -1 on a read error. */
int ctfeed_read(struct ctfeed *c, struct watcher *w, struct cirt_err *err);
/* Say the overruns not said yet: at once when force, else at most every 10 s. */
void ctfeed_report_overruns(struct ctfeed *c, bool force);

/* Feed the flows already in the table, as WATCHER_FLOW_EXISTING. */
int ctfeed_dump(struct watcher *w, struct cirt_err *err);
