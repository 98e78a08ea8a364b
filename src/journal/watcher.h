/* watcher.h: the engine of `cirt watch`: timestamped events go in (flows from conntrack, the
 * daemon's records, lost events), each flow is attributed to the containers that held its
 * addresses at its time, held for a moment when an address's owner is not known yet, matched
 * against an indicator list, and written to the journal. No thread and no I/O but the journal's:
 * the caller polls the sources (ctfeed.h, evfeed.h) and feeds what they say. Single-threaded.
 *
 * The kernel's events (sources/kevents.h: exec, fork, exit, connect, accept, UDP send, with the
 * process's container by cgroup) and the DNS capture's messages (sources/dnscap.h) come in as
 * their own kinds: processes are kept in a table (wproc.h) and journaled as exec lines with their
 * parents; socket events wait in a short-lived table (wsock.h) for the conntrack flow or the DNS
 * message they belong to, whichever of the two comes first, so that flow and dns lines name the
 * process that made them and attribute by it (by "process", then by the owner of the socket's
 * network namespace, then by address). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal/addrmap.h"
#include "journal/evfeed.h"
#include "journal/ioc.h"
#include "journal/journal.h"
#include "sources/dnscap.h"
#include "sources/kevents.h"
#include "flow.h"
#include "util.h"

/* how long a flow waits to learn whose address it was (a busy daemon is slow to say) */
#define WATCHER_HOLD_MS 10000
/* flows waiting at once; beyond that they are written unattributed */
#define WATCHER_PENDING_MAX 200000
/* flows tracked from their start to their end at once; beyond that, counted as untracked */
#define WATCHER_TRACK_MAX (1u << 21)
/* a tracked flow older than this lost its end (conntrack keeps none longer than 5 days) */
#define WATCHER_TRACK_MAX_AGE_NS (6ull * 86400 * 1000000000ull)
/* ended address intervals kept for late ends of flows */
#define WATCHER_KEEP_CLOSED_NS (3600ull * 1000000000ull)
#define WATCHER_SYNC_MS 10000 /* fdatasync of the journal while running */
#define WATCHER_PRUNE_MS 60000

enum watcher_kind {
	WATCHER_FLOW_NEW = 1,  /* a flow began (conntrack NEW) */
	WATCHER_FLOW_END,      /* a flow ended (conntrack DESTROY) */
	WATCHER_FLOW_EXISTING, /* a flow already open when watching began (the table's dump) */
	WATCHER_DAEMON,        /* a record of the daemon's feed: containers, addresses, events */
	WATCHER_LOST,          /* a source lost events (its kernel buffer overran) */
	WATCHER_KEV,           /* a kernel event: exec, fork, exit, connect, accept, send */
	WATCHER_KEV_EXISTING,  /* a process running before watching began (an exec event read
	                          from /proc): known for what follows, no line of its own */
	WATCHER_DNS,           /* a DNS message captured in a network namespace */
};

/* How long a new flow waits for the kernel's socket event about it (the ring buffer is read in
 * batches); the fallback's sockets come with its polls. */
#define WATCHER_KEV_WAIT_MS 250
#define WATCHER_KEV_WAIT_FALLBACK_MS 500 /* plus its poll interval */
#define WATCHER_SOCK_SWEEP_MS 1000

/* One thing that happened, at t_ns (CLOCK_REALTIME ns: the time its journal line carries). */
struct watcher_event {
	enum watcher_kind kind;
	uint64_t t_ns;
	union {
		/* FLOW_*: both tuples as the kernel keeps them; id is conntrack's (0: untracked) */
		struct flow flow;
		/* DAEMON: borrowed for the call (evfeed_take's list is the caller's to free) */
		const struct evrec *rec;
		/* LOST: which source, and what may be missing because of it; counts (borrowed,
		 * may be NULL): what was lost per kind, {"exec":N,...} */
		struct {
			const char *source;
			const char *note;
			json_t *counts;
		} lost;
		/* KEV, KEV_EXISTING: borrowed for the call */
		const struct kev_event *kev;
		/* DNS: borrowed for the call */
		const struct dnscap_record *dns;
	};
};

/* A flow between a container and an indicator address. Valid during the callback. */
struct watcher_alert {
	uint64_t t_ns;
	const struct am_container *container; /* NULL: an address of a container network
	                                         that no known container held */
	const struct flow *flow;
	const struct ioc_entry *ioc;
	bool outbound; /* the container opened it (to the listed address); false: the other way */
};

struct watcher_opts {
	struct journal_writer *jw; /* where the lines go (borrowed: the caller closes it) */
	struct ioc_list *ioc;      /* alert on these (taken; NULL: no alerts) */
	bool all_flows; /* also flows that involve no container address (the host's own) */
	/* a diagnostic for the user, one line without "cirt: " (the library never prints) */
	void (*warn)(void *ud, const char *msg);
	/* an indicator matched; NULL: only the journal line says so */
	void (*alert)(void *ud, const struct watcher_alert *a);
	void *ud;
	uint64_t (*clock_ms)(void); /* monotonic ms for the holds; NULL: now_ms (tests: a fake) */
};

/* What the sources run with, for the journal's start line. */
struct watcher_sources {
	bool ct_acct;   /* conntrack byte counters (nf_conntrack_acct) */
	bool ct_tstamp; /* conntrack start/stop times (nf_conntrack_timestamp) */
	int ct_rcvbuf;  /* the conntrack event socket's buffer, bytes */
	/* the kernel events: kev_mode NULL when off */
	const char *kev_mode, *kev_why;
	const char *const *kev_limits, *const *kev_notes;
	size_t kev_n_limits, kev_n_notes;
	bool dns;              /* DNS captured */
	size_t dns_namespaces; /* in that many namespaces at start */
};

struct watcher_stats {
	uint64_t flows_new, flows_end, flows_existing;
	uint64_t flows_skipped;      /* no container address, and not --all-flows */
	uint64_t flows_unattributed; /* written without a container */
	uint64_t flows_process;      /* written with the process that made it */
	uint64_t events;             /* daemon events written */
	uint64_t execs, dns;         /* exec and dns lines written */
	uint64_t alerts, overruns, daemon_gaps;
	uint64_t untracked;           /* flows whose end could not be tracked: the table was full */
	uint64_t write_errors;        /* lines the journal refused */
	bool daemon_ok;               /* the daemon answered, and has not been lost since */
	size_t containers, addresses; /* in the address map */
	size_t held, tracked;         /* flows waiting now; flows tracked to their end */
	size_t processes, sockets;    /* in the process table; socket events waiting */
	size_t ioc_entries;
};

struct watcher;

struct watcher *watcher_new(const struct watcher_opts *o);
/* NULL is fine. Neither flushes nor closes the journal. */
void watcher_free(struct watcher *w);

/* One event: a flow whose containers are known (or that involves no container network) is
 * written at once, one that may yet be attributed is held (see watcher_settle); a daemon record
 * updates the address map and writes its line; a loss writes an "overrun" line; an exec writes
 * an exec line (a process in a container, or any with all_flows; held while its container has no
 * name yet); a DNS response writes a dns line. */
void watcher_feed(struct watcher *w, const struct watcher_event *e);
/* Write the held flows that can now be attributed or whose time is up (all of them when final:
 * the watcher is stopping). */
void watcher_settle(struct watcher *w, bool final);
/* Feed a list of the daemon's records (evfeed_take's), free it, and settle if there was any. */
void watcher_feed_records(struct watcher *w, struct evrec *list);
/* How long a poll loop may sleep before watcher_settle has work to do: until the first held
 * flow is due (+1 ms), at most max_ms. */
int watcher_timeout_ms(const struct watcher *w, int max_ms);
/* Forget tracked flows and ended address intervals too old to matter at now_ns. */
void watcher_prune(struct watcher *w, uint64_t now_ns);
/* The periodic work, for a loop that calls it at least every second or so: fdatasync of the
 * journal every WATCHER_SYNC_MS, watcher_prune every WATCHER_PRUNE_MS. */
void watcher_tick(struct watcher *w);
/* write() what the journal queued; a failure is counted and said once (warn). */
void watcher_flush(struct watcher *w);
/* Replace the indicator list by FILE's; on error the list loaded before stays. */
int watcher_reload_ioc(struct watcher *w, const char *path, struct cirt_err *err);
void watcher_stats(const struct watcher *w, struct watcher_stats *ret);

/* The watcher's own lines: {"type":"watch","action":"start",...} with the pid, the version, the
 * sources' settings and what is known at start; when stopping, every held flow is written, then
 * {"action":"stop","signal":SIG,...} with the counters, and the journal is flushed. */
void watcher_started(struct watcher *w, const struct watcher_sources *s);
void watcher_stopped(struct watcher *w, const char *signal);
/* What was recorded, in one sentence for the user (into buf). */
const char *watcher_summary(const struct watcher *w, const struct journal_stats *js, char *buf,
                            size_t n);
/* obj (taken) goes into the stop line under key: a source's own counters. */
void watcher_stop_extra(struct watcher *w, const char *key, json_t *obj);

/* Kernel events are fed (via: WPROC_VIA_BPF or WPROC_VIA_PROC_CONNECTOR): new flows wait up to
 * wait_ms for their socket event. Before any is fed. */
void watcher_kernel(struct watcher *w, int via, unsigned wait_ms);

/* An alert as one line for stdout (no newline): JSON ({"t",type "alert",...}) or text. NULL
 * when it cannot be encoded. */
char *watcher_alert_line(const struct watcher_alert *a, bool json);
