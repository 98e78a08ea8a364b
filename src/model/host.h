/* host.h: the host snapshot every command reads: containers joined with their processes,
 * network namespaces, veths and bridges. Built by one loader (host_load). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "flow.h" /* ip_normalize: what an endpoint's address is */
#include "sources/docker.h"
#include "util.h"

enum net_mode {
	NETMODE_UNKNOWN = 0,
	NETMODE_BRIDGE,    /* the default bridge network (docker0) */
	NETMODE_CUSTOM,    /* a user-defined network */
	NETMODE_HOST,      /* the host's own stack */
	NETMODE_NONE,      /* loopback only */
	NETMODE_CONTAINER, /* another container's namespace */
};
const char *net_mode_name(enum net_mode m);

struct endpoint {
	char *network;
	char *network_id;
	char *ipv4; /* without prefix */
	int ipv4_prefix;
	char *ipv6;
	int ipv6_prefix;
	char *mac; /* lowercase */
	char *gateway;
	char *gateway6;
	/* derived from netlink inside the container's namespace and on the host */
	char *ifname; /* container side, e.g. "eth0" */
	int ifindex;
	char *veth; /* host side */
	int veth_ifindex;
	char *bridge;
	int bridge_ifindex;
};

struct port {
	int container_port;
	char proto[8];
	char *host_ip; /* NULL when not published */
	int host_port; /* 0 when not published */
};

struct mount {
	char *type;
	char *source;
	char *destination;
	char *name;
	bool rw;
};

struct container {
	char *id;
	char *name;  /* without the leading '/' */
	char *image; /* as the user named it */
	char *image_id;
	char *state; /* running, exited, paused, created, ... */
	bool running;
	bool paused;
	char *created; /* RFC 3339 from the daemon */
	char *started_at;
	char *finished_at;
	int pid; /* host pid of the init process, 0 when not running */
	int exit_code;
	bool tty;
	char *cmd; /* Path + Args joined, for display */

	enum net_mode mode;
	char *mode_raw;    /* HostConfig.NetworkMode as given */
	char *mode_target; /* container:X -> X's id (resolved) */
	char *mode_target_name;

	struct endpoint *eps;
	size_t n_eps;
	bool eps_shared; /* endpoints are those of mode_target's namespace */

	struct port *ports;
	size_t n_ports;
	struct mount *mounts;
	size_t n_mounts;

	bool privileged;
	char **cap_add;
	size_t n_cap_add;
	char *pid_mode;
	char *upper_dir; /* overlay2 upper layer: what changed since the image */
	char *merged_dir;

	/* derived from /proc */
	unsigned long netns_inode;
	char *cgroup;

	char **notes; /* facts that could not be read, and why */
	size_t n_notes;

	json_t *inspect; /* the daemon's answer, kept for inspect and analyses */
};

struct host {
	struct container *c;
	size_t n;
	char *docker_host;
	char *api_version;
	char **warnings;
	size_t n_warnings;
	bool daemonless;  /* built by host_load_nodaemon: from disk and /proc, not the daemon */
	char *image_root; /* host_load_offline: the mounted disk image read (--root), else NULL */
	char *data_root;  /* host_load_offline: the daemon's data root inside it */
};

enum host_needs {
	HOST_NEED_NET = 1 << 0,  /* veth, bridge, netns: netlink inside each namespace */
	HOST_NEED_PROC = 1 << 1, /* cgroup from /proc */
	HOST_DROP_DOC = 1 << 2,  /* keep no inspect document (c->inspect NULL): for commands that
	                          * read only the parsed facts, so memory stays small */
};

struct cg_scan;

struct host_load_opts {
	bool all;          /* include stopped containers */
	unsigned needs;    /* enum host_needs */
	size_t parallel;   /* concurrent inspect requests (0: 4) */
	char *const *refs; /* when set: only these containers (names, ids, prefixes) */
	size_t n_refs;
	bool from_daemon; /* every container from the daemon's inspect, never from its records
	                   * on disk (ps --verify checks the daemon's own word) */
	const struct cg_scan *scan; /* host_load_nodaemon, host_load_list: a pass over /proc
	                             * already made (sockets_prefetch_scan); NULL: their own */
	/* host_load_list: a pass over /proc another thread is making, waited for once the
	 * daemon's list is asked (so both run at once); its NULL: make its own */
	const struct cg_scan *(*scan_wait)(void *ud);
	void *scan_ud;
};

/* The snapshot with the daemon: its container list (one request), and for each container what
 * the list does not give (pid, privileges, capabilities, pid mode, layers, times) from its
 * records under the daemon's root (config.v2.json, hostconfig.json, the layer store), read-only
 * and bounded, each checked against the list and its pid against the container's cgroup. The
 * daemon's inspect (one request each) only where the disk gives no answer or disagrees, said in
 * the container's notes; for every container with from_daemon, named refs, or a daemon that is
 * not on a local socket. */
int host_load(struct docker *d, const struct host_load_opts *o, struct host **ret,
              struct cirt_err *err);
/* A lighter snapshot from one /containers/json answer and one pass over /proc instead of one
 * inspect per container: names, ids, images, state, network mode, endpoints, ports, mounts;
 * the pid of each running container comes from the cgroups of /proc (its pid-1 process).
 * No inspect document, no State details. For commands that must stay fast with hundreds of
 * containers (conns, locate). */
int host_load_list(struct docker *d, bool all, unsigned needs, struct host **ret,
                   struct cirt_err *err);
/* The same with options (all, needs, scan: the processes already found). */
int host_load_list_o(struct docker *d, const struct host_load_opts *o, struct host **ret,
                     struct cirt_err *err);
/* Fill c from one /containers/json entry. -1 without a usable Id. */
int container_from_list(json_t *j, struct container *c);
/* The index host_load builds from the daemon's container list (GET /containers/json): id, name
 * and whether it runs, for every usable entry; skipped entries are warned about in h. */
void host_list_index(json_t *list, struct host *idx, struct host *h);
/* The same snapshot without the daemon (host_nodaemon.c): containers from the daemon's records
 * on disk, the runtime's state and the processes' cgroups; what could not be had is in notes. */
int host_load_nodaemon(const struct host_load_opts *o, struct host **ret, struct cirt_err *err);
/* An offline view of a disk image of a host (host_offline.c; the image root set with
 * rootfs_host_set): every container the daemon's records on disk name, with its last recorded
 * state; addresses the records lost when a container stopped recovered from the daemon's log,
 * the container's hosts file, its requested address and libnetwork's store (live and freed
 * pages), each with a note saying where from; published ports from the configuration. Nothing
 * from the running machine (no /proc, netlink or daemon). A record that cannot be read is a
 * warning, the rest still loaded. */
int host_load_offline(const struct host_load_opts *o, struct host **ret, struct cirt_err *err);
void host_free(struct host *h);
static inline void host_freep(struct host **h)
{
	host_free(*h);
}
#define _cleanup_host_ _cleanup_(host_freep)

/* Fill c from one /containers/{id}/json answer (takes a reference to j). Never fails on a
 * wrong type: missing facts stay NULL/0 and a note says so. Returns -1 only without an Id. */
int container_from_inspect(json_t *j, struct container *c);
void container_clear(struct container *c);
void container_note(struct container *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void host_warn(struct host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resolve container:X targets to names and share X's endpoints (after loading). */
void host_link_shared(struct host *h);
/* Derive veth/bridge/netns for every running container from netlink. */
void host_load_net(struct host *h);

/* A container by name (with or without '/'), full id, or unique id prefix. */
int host_find(struct host *h, const char *ref, struct container **ret, struct cirt_err *err);
/* Does the container own this address (exact match, IPv4/IPv6, ::ffff: mapped normalized)? */
bool container_has_ip(const struct container *c, const char *addr);

json_t *container_to_json(const struct container *c);
json_t *endpoint_to_json(const struct endpoint *e);
