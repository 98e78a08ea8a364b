/* watcher_int.h: what the parts of the watch engine share (watcher.c: flows, the daemon's
 * records, the own lines; wkernel.c: the kernel's process and socket events, DNS, namespaces);
 * not for other modules. */
#pragma once

#include "journal/watcher.h"
#include "journal/wproc.h"
#include "journal/wsock.h"

/* How a flow's (or a DNS lookup's) container was found. */
enum watcher_by {
	BY_ADDRESS = 0, /* the address map (also: no container found) */
	BY_PROCESS,     /* the cgroup of the process a kernel socket event named */
	BY_NETNS,       /* the owner of the socket's network namespace */
};

/* A flow's attribution: containers of both ends, and the process when a socket event joined. */
struct attr {
	int src, dst;    /* address map indexes, -1 none */
	struct wproc *p; /* borrowed from s (or from the tracked flow) */
	struct wsock *s; /* the joined socket event: valid until the socket table changes */
	uint8_t by;      /* enum watcher_by, of the end the process is on (else of src) */
	int owner;       /* the namespace's owner when the process's container is another */
	bool matched;    /* a socket event (now or when the flow began) joined */
};

/* Who a tracked flow belonged to when it began, so its DESTROY is attributed the same way even
 * if the address has changed hands since. Open addressing, keyed by conntrack id and tuple. */
struct ctent {
	uint32_t id, th;
	int32_t src, dst; /* addrmap indexes, -1: none (referenced) */
	int32_t owner;    /* referenced, -1 none */
	struct wproc *p;  /* referenced, NULL none */
	uint64_t new_ns;
	uint8_t used, pending, by;
};

struct cttab {
	struct ctent *v;
	size_t cap, n;
	uint64_t full; /* flows not tracked because the table was full */
};

/* A flow waiting for its attribution. */
struct pend {
	struct flow f;
	enum watcher_kind ev;
	uint64_t t_ns;
	uint64_t deadline_ms;     /* for its addresses' owners */
	uint64_t kev_deadline_ms; /* for its socket event (0: not waiting for one) */
};

/* A non-flow line waiting for its container's name (exec, dns). */
struct hline {
	uint8_t kind; /* HL_* */
	bool forwarded, host_ns;
	uint64_t t_ns, deadline_ms;
	struct wproc *p; /* referenced: exec: the process; dns: the one that asked, or NULL */
	uint64_t netns;
	int ci;     /* dns: the container when the process did not say (referenced) */
	char *rest; /* dns: the line from ,"netns" to its end */
};
enum { HL_EXEC = 1, HL_DNS };

/* network namespace -> the container that owns it */
struct nsent {
	uint64_t netns; /* 0: empty */
	int ci;         /* referenced */
	bool weak;      /* learnt from a process seen in it, not from the daemon */
};

#define CID_CACHE 256

struct watcher {
	struct watcher_opts o;
	struct addrmap *am;
	struct ioc_list *ioc;
	struct cttab tab;
	struct pend *pend;
	size_t npend, cappend;
	bool daemon_ok;
	/* counters */
	uint64_t n_new, n_end, n_existing, n_skipped, n_events, n_unattributed, n_alerts,
	    n_overruns;
	uint64_t n_write_errors, n_gaps;
	uint64_t last_sync_ms, last_prune_ms; /* watcher_tick's */
	struct buf line;                      /* the flow line being formatted */
	char last_write_error[sizeof(((struct cirt_err *)0)->msg)];

	/* kernel events and DNS (wkernel.c) */
	struct wptab *procs;
	struct wstab *socks;
	uint8_t kev_via;      /* WPROC_VIA_* of the kernel events; NONE: off */
	unsigned kev_wait_ms; /* how long a new flow waits for its socket event */
	struct nsent *ns;
	size_t ns_cap, ns_n;
	struct hline *hl;
	size_t nhl, caphl;
	struct {
		char id[65];
		int ci;
	} cid[CID_CACHE];
	uint64_t n_execs, n_dns, n_flows_process, n_dns_skipped, n_execs_skipped;
	uint64_t last_sweep_ms;
	json_t *stop_extra; /* what the sources add to the stop line */
};

void watcher_warn(struct watcher *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t watcher_clock_ms(const struct watcher *w);
void watcher_jwrite(struct watcher *w, json_t *line);
void watcher_jwrite_raw(struct watcher *w, const char *line, size_t len);
bool watcher_in_docker(const struct watcher *w, const struct flow *f);

/* wkernel.c */
void wk_init(struct watcher *w);
void wk_free(struct watcher *w);
void wk_on_kev(struct watcher *w, const struct watcher_event *e);
void wk_on_dns(struct watcher *w, const struct watcher_event *e);
/* the daemon said which namespace a container lives in */
void wk_on_record(struct watcher *w, const struct evrec *r);
/* the owner of a network namespace, -1 unknown */
int wk_netns_owner(struct watcher *w, uint64_t netns);
/* write the held lines that can be written now (all when final) */
void wk_settle(struct watcher *w, bool final);
/* earliest deadline of a held line, 0 none */
uint64_t wk_next_deadline(const struct watcher *w);
void wk_tick(struct watcher *w, uint64_t now_ms);
void wk_prune(struct watcher *w);
void wk_started(struct watcher *w, json_t *line, const struct watcher_sources *s);
void wk_stopped(struct watcher *w, json_t *line);
