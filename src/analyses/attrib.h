/* attrib.h: the one join of flow facts. Live sockets (with the processes holding them),
 * conntrack entries (both tuples: NAT reversed), kernel socket events and cirt watch's journal
 * (flow, exec and DNS lines) become attributed flows: each end of a flow with its container, its
 * process when known, and the rule that named them ("by"). locate, locate --since, conns, triage
 * and report all read flows through it. Prints nothing.
 *
 * Priority, per end of a flow: the process of a kernel event or of the socket's holder first
 * ("process": the container is the one whose cgroup holds the process), then the network
 * namespace the socket lives in ("netns": its owner), then the address map at the flow's time
 * ("address"). A container that joined another's namespace (container:X) gets the flows its own
 * processes make; X is named as the namespace's owner ("netns_owner"), never blamed for them.
 * A flow of a shared namespace whose process is not known goes to X, unless exactly one member
 * made the other flows of the join to the same peer with a known process: then to that member
 * (said in the end's note). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "journal/jdns.h"
#include "journal/jflows.h"
#include "journal/jread.h"
#include "model/host.h"
#include "model/sockets.h"

/* The rule that attributed an end, weakest first. */
enum attr_by {
	ATTR_NONE = 0,
	ATTR_BY_ADDRESS, /* the container that held the address at the flow's time */
	ATTR_BY_NETNS,   /* the owner of the network namespace the socket or query was in */
	ATTR_BY_PROCESS, /* the container of the process that held the socket or made the call */
};
/* "address", "netns", "process"; NULL for ATTR_NONE. */
const char *attr_by_name(enum attr_by b);

/* One side of a flow. */
struct aend {
	struct container *c;          /* NULL: no container (the outside, the host, unknown) */
	const struct proc_info *proc; /* NULL: not known */
	enum attr_by by;
	const struct container *netns_owner; /* c joined this container's namespace */
	bool sock;                           /* a live socket of this side was seen */
	char *note; /* why there is no container, or what the attribution rests on; NULL */
};

/* One flow, every source that saw it merged. */
struct aflow {
	struct flow f; /* orig: the originator's view when conntrack or the journal saw the flow; a
	                  socket seen alone: its local -> remote */
	unsigned sources;   /* 1 << FLOW_SRC_* */
	struct aend end[2]; /* [0]: the side of f.orig.src, [1]: the other (the answering side) */
	bool sock_only;     /* only a socket saw it: [0] is the socket's, the direction unknown */
	const struct csock *sock;   /* the live socket of end[0] (or end[1] when it answers) */
	uint64_t seen_ns;           /* when a source last saw it (realtime ns); 0 unknown */
	bool seen_estimated;        /* from a conntrack timeout, not observed */
	bool began, ended, alerted; /* the journal's "new" and "end" lines; watch's --ioc alert */
};

/* A kernel socket event (connect or accept) to attribute with: its process is the flow's. */
struct attr_sockev {
	uint64_t ts_ns;
	bool accepted; /* accept: the local end answered; else connect */
	uint8_t proto;
	struct flow_tuple t;      /* local -> remote, as the process saw it (before NAT) */
	const char *container_id; /* by cgroup; NULL or "": a host process */
	int pid, ppid;
	const char *comm, *exe;
	const char *const *argv;
	size_t argc;
};

/* A DNS lookup of the journal, attributed like a flow. */
struct alookup {
	const struct jlookup *l;
	struct container *c;
	const struct proc_info *proc;
	enum attr_by by;
	const struct container *netns_owner;
};

struct attrib_in {
	struct host *h;              /* the containers now; NULL: none known */
	const struct sockets *socks; /* live sockets with their holders (sockets_load); NULL */
	const struct flow *ct;       /* conntrack entries */
	size_t n_ct;
	uint64_t now_ns; /* when sockets and conntrack were read; 0: no time estimates */
	const struct attr_sockev *kev;
	size_t n_kev;
	const struct jflow *jf; /* flows of the journal (jflows_read) */
	size_t n_jf;
	const struct jexec *jx; /* exec lines (or kernel exec events): the parent chains */
	size_t n_jx;
	const struct jlookup *dns; /* DNS lines (jdns_read) */
	size_t n_dns;
};

struct attrib {
	struct aflow *v;
	size_t n;
	struct alookup *lookups; /* parallel to in->dns */
	size_t n_lookups;
	struct container **standins; /* containers named by the journal that do not run now */
	size_t n_standins;
	struct proc_info **procs; /* processes of kernel events and the journal */
	size_t n_procs;
	size_t stale; /* conntrack ends older than their address's holder: not attributed */
};

/* The join. The inputs must outlive the result (it points into them). */
struct attrib *attrib_join(const struct attrib_in *in);
void attrib_free(struct attrib *a);

/* The address by which end k is attributed (its port in *ret_port when not NULL): [0]
 * orig.src, [1] the reply's source after DNAT, else orig.dst. */
const struct flow_addr *aflow_addr(const struct aflow *f, int k, uint16_t *ret_port);
/* Does end k hold this address (before or after NAT)? */
bool aflow_end_has(const struct aflow *f, int k, const struct flow_addr *a);
/* The lookup of the join that resolved a to a name, preferring one made by container prefer,
 * then the earliest; NULL when none. */
const struct alookup *attrib_resolved(const struct attrib *a, const struct flow_addr *addr,
                                      const struct container *prefer);
/* The namespace owner of c when c joined another container's network namespace, from h. */
const struct container *attrib_netns_owner(const struct host *h, const struct container *c);
/* A stand-in for a container known only from a copy (the journal's, a bundle's): state "gone"
 * (owned by the caller: container_clear + free). */
struct container *attrib_standin(const char *id, const char *name, const char *image);
