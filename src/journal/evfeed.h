/* evfeed.h: the daemon's side of `cirt watch`: a thread that follows GET /events (containers and
 * networks), asks the daemon what each event changed (the addresses a container got, an exec's
 * user), takes a snapshot of the running containers on every (re)connection, notices when the
 * daemon goes away and comes back, and hands everything to the caller's thread as records
 * through a queue and an eventfd. The caller owns the address map; this thread never touches it. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "util.h"

enum evrec_kind {
	EVR_SNAPSHOT =
	    1,      /* the running containers and their addresses, after each (re)connection */
	EVR_EVENT,  /* one daemon event (journal line + its effect on the map) */
	EVR_LOST,   /* the daemon went away (journal line) */
	EVR_BACK,   /* it answers again (journal line: the gap) */
	EVR_SUBNET, /* a network's subnet (where container addresses live) */
};

struct evaddr {
	char *network;
	struct flow_addr a;
};

struct evcontainer {
	char *id, *name, *image;
	uint64_t started_ns;
	int pid;        /* its init process (snapshot, start), 0 unknown */
	uint64_t netns; /* inode of its network namespace, 0 unknown */
	char *netns_of; /* --network container:X: X's id (the namespace's owner); else NULL */
	struct evaddr *addrs;
	size_t n_addrs;
};

enum evmap_op {
	EVM_NONE = 0,
	EVM_OPEN,      /* c holds c.addrs from t */
	EVM_CLOSE_NET, /* c left network at t */
	EVM_GONE,      /* c was destroyed at t */
	EVM_NAME,      /* only name/image news */
};

struct evrec {
	enum evrec_kind kind;
	uint64_t t_ns;
	json_t *line;             /* EVENT, LOST, BACK: the journal line, "t" first */
	enum evmap_op op;         /* EVENT */
	struct evcontainer c;     /* EVENT: the container concerned (id NULL for none) */
	char *network;            /* EVENT: network connect/disconnect */
	struct evcontainer *snap; /* SNAPSHOT */
	size_t n_snap;
	uint64_t gap_from_ns; /* SNAPSHOT after a gap: containers missing were lost meanwhile */
	struct flow_addr net; /* SUBNET */
	int prefix;
	struct evrec *next;
};

void evrec_free(struct evrec *r);
/* Free a whole list. */
void evrec_free_list(struct evrec *r);

struct evfeed;

struct evfeed_opts {
	const char *host; /* NULL: $DOCKER_HOST, then the default socket */
	int timeout_ms;   /* per request */
	int idle_ms;      /* an events stream silent this long is reopened (0: 60 s) */
};

/* Start the thread. Fails only on an unusable host string. Block the signals you handle before
 * calling this: the thread inherits the mask. */
int evfeed_start(const struct evfeed_opts *o, struct evfeed **ret, struct cirt_err *err);
/* Readable when records are queued. */
int evfeed_fd(struct evfeed *f);
/* Every queued record, oldest first (caller frees the list). */
struct evrec *evfeed_take(struct evfeed *f);
/* Wait at most timeout_ms for the first snapshot (or the daemon being found unreachable). */
bool evfeed_wait_first(struct evfeed *f, int timeout_ms);
/* Stop the thread (within about a second, even in an idle stream); what it queued can still be
 * taken. */
void evfeed_join(struct evfeed *f);
/* Join, and free the feed with whatever is still queued. */
void evfeed_stop(struct evfeed *f);

struct addrmap;
/* What a record changes in the caller's address map: a snapshot closes the containers it no
 * longer lists and opens what it lists, an event opens, closes or forgets a container's
 * addresses, a subnet is remembered. Records without an effect on the map are ignored. */
void evrec_apply(struct addrmap *am, const struct evrec *r);

/* A feed without its thread and without a daemon, for the fuzz target and tests: evfeed_feed()
 * hands it bytes of an /events stream as they arrive (split anywhere); records are queued as
 * live ones are (evfeed_take), but nothing is asked of a daemon: names come from earlier events
 * only, addresses never. Free with evfeed_stop. */
struct evfeed *evfeed_detached(struct cirt_err *err);
void evfeed_feed(struct evfeed *f, const char *data, size_t len);

/* Turn one line of the /events stream into a record (without asking the daemon anything: the
 * addresses are filled by the caller). NULL for events not recorded. Exposed for unit tests. */
struct evrec *evfeed_parse_event(const char *line, size_t len);
