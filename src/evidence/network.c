/* network.c: the container's sockets, read from /proc/<pid>/net/{tcp,tcp6,udp,udp6,raw,raw6,unix}
 * of one of its processes (these files show the namespace of that process), joined with the
 * processes' descriptors (its own, then those of any other process in the namespace: a sidecar
 * that joined it, or something that entered it); then the conntrack entries of its addresses. */
#include <arpa/inet.h>
#include <fcntl.h>

#include "escape.h"
#include "evidence/evidence.h"
#include "evidence/sockets.h"
#include "json.h"
#include "sources/docker.h"
#include "sources/procfs.h"

static const char *tcp_state(unsigned st)
{
	static const char *const names[] = {
	    "?",     "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",
	    "CLOSE", "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV"};
	return st < ARRAY_SIZE(names) ? names[st] : "?";
}

static bool parse_addr(const char *hex, bool v6, char *out, size_t n, unsigned *port)
{
	const char *colon = strchr(hex, ':');
	if (!colon)
		return false;
	size_t hl = (size_t)(colon - hex);
	unsigned char b[16];
	if (hl != (v6 ? 32u : 8u))
		return false;
	/* the kernel prints each 32-bit word of the address as a native integer */
	for (size_t w = 0; w < hl / 8; w++) {
		char word[9];
		memcpy(word, hex + 8 * w, 8);
		word[8] = '\0';
		char *end;
		uint32_t v = (uint32_t)strtoul(word, &end, 16);
		if (*end)
			return false;
		memcpy(b + 4 * w, &v, 4);
	}
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, b, out, (socklen_t)n))
		return false;
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 16);
	if (end == colon + 1 || p > 65535)
		return false;
	*port = (unsigned)p;
	return true;
}

int ev_sockets_parse_inet(const char *text, const char *proto, bool v6, json_t *out)
{
	int n = 0;
	bool tcp = startswith(proto, "tcp");
	bool udp = startswith(proto, "udp");
	const char *line = strchr(text, '\n'); /* the first line is a header */
	while (line && *++line) {
		const char *nl = strchr(line, '\n');
		char l[512];
		size_t ll = nl ? (size_t)(nl - line) : strlen(line);
		if (ll >= sizeof(l))
			ll = sizeof(l) - 1;
		memcpy(l, line, ll);
		l[ll] = '\0';
		line = nl;
		char sl[16], la[64], ra[64], st[8], q[40], tr[40], rt[16];
		unsigned uid = 0;
		unsigned long long inode = 0;
		if (sscanf(l, " %15s %63s %63s %7s %39s %39s %15s %u %*s %llu", sl, la, ra, st, q,
		           tr, rt, &uid, &inode) != 9)
			continue;
		char lip[INET6_ADDRSTRLEN], rip[INET6_ADDRSTRLEN];
		unsigned lport, rport;
		if (!parse_addr(la, v6, lip, sizeof(lip), &lport) ||
		    !parse_addr(ra, v6, rip, sizeof(rip), &rport))
			continue;
		unsigned state = (unsigned)strtoul(st, NULL, 16);
		json_t *o = json_object();
		json_object_set_new(o, "proto", json_string(proto));
		json_object_set_new(o, "local_address", json_string(lip));
		json_object_set_new(o, "local_port", json_integer(lport));
		json_object_set_new(o, "remote_address", json_string(rip));
		json_object_set_new(o, "remote_port", json_integer(rport));
		const char *sn =
		    tcp ? tcp_state(state) : (udp ? (state == 1 ? "ESTABLISHED" : "UNCONN") : "-");
		json_object_set_new(o, "state", json_string(sn));
		unsigned long txq = 0, rxq = 0;
		sscanf(q, "%lx:%lx", &txq, &rxq);
		json_object_set_new(o, "send_queue", json_integer((json_int_t)txq));
		json_object_set_new(o, "recv_queue", json_integer((json_int_t)rxq));
		json_object_set_new(o, "uid", json_integer(uid));
		json_object_set_new(o, "inode", json_integer((json_int_t)inode));
		json_array_append_new(out, o);
		n++;
	}
	return n;
}

int ev_sockets_parse_unix(const char *text, json_t *out)
{
	int n = 0;
	const char *line = strchr(text, '\n');
	while (line && *++line) {
		const char *nl = strchr(line, '\n');
		size_t ll = nl ? (size_t)(nl - line) : strlen(line);
		_cleanup_free_ char *l = xstrndup(line, ll);
		line = nl;
		/* Num RefCount Protocol Flags Type St Inode [Path] */
		unsigned type = 0, st = 0;
		unsigned long long inode = 0;
		int off = 0;
		if (sscanf(l, "%*s %*s %*s %*s %x %x %llu%n", &type, &st, &inode, &off) != 3)
			continue;
		const char *path = l + off;
		while (*path == ' ')
			path++;
		json_t *o = json_object();
		json_object_set_new(o, "proto", json_string("unix"));
		json_object_set_new(o, "type",
		                    json_string(type == 1   ? "stream"
		                                : type == 2 ? "dgram"
		                                : type == 5 ? "seqpacket"
		                                            : "?"));
		json_object_set_new(o, "state",
		                    json_string(st == 1   ? "UNCONNECTED"
		                                : st == 2 ? "CONNECTING"
		                                : st == 3 ? "CONNECTED"
		                                : st == 4 ? "DISCONNECTING"
		                                          : "?"));
		json_object_set_new(o, "inode", json_integer((json_int_t)inode));
		json_object_set_new(o, "path", *path ? json_str(path) : json_null());
		json_array_append_new(out, o);
		n++;
	}
	return n;
}

/* inode -> [{pid, fd, comm}] from the descriptors read in the processes step */
static void add_owners(struct ev *e, json_t *socks)
{
	size_t i;
	json_t *s;
	json_array_foreach(socks, i, s)
	{
		json_int_t ino = json_integer_value(json_object_get(s, "inode"));
		json_t *owners = json_array();
		for (size_t k = 0; ino && k < e->n_procs; k++) {
			json_t *fds = json_object_get(e->procs[k].j, "fds");
			size_t j;
			json_t *fd;
			json_array_foreach(fds, j, fd)
			{
				if (json_integer_value(json_object_get(fd, "socket_inode")) != ino)
					continue;
				json_t *o = json_object();
				json_object_set_new(o, "pid", json_integer(e->procs[k].pid));
				json_object_set(o, "fd", json_object_get(fd, "fd"));
				json_object_set_new(o, "comm", json_str(e->procs[k].comm));
				json_t *ex = json_object_get(e->procs[k].j, "exe");
				json_object_set(o, "exe", json_object_get(ex, "link"));
				json_array_append_new(owners, o);
			}
		}
		json_object_set_new(s, "owners", owners);
	}
}

/* {"id", "name"} of the container whose cgroup holds pid (its name from the daemon when there
 * is one), or JSON null for a process of the host. */
static json_t *container_of_pid(struct ev *e, int pid, json_t *cache)
{
	_cleanup_free_ char *cg = procfs_cgroup(pid);
	char id[65];
	if (!cg || !procfs_cgroup_container_id(cg, id))
		return json_null();
	json_t *known = json_object_get(cache, id);
	if (known)
		return json_incref(known);
	json_t *o = json_pack("{s:s}", "id", id);
	if (e->c->id && streq(id, e->c->id))
		json_object_set_new(o, "name", json_str(e->c->name));
	else if (e->d) {
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", id);
		json_t *j = NULL;
		struct cirt_err err = {0};
		if (docker_get_json(e->d, path, &j, &err) == 0 && jstr(j, "Name")) {
			const char *n = jstr(j, "Name");
			json_object_set_new(o, "name", json_str(n[0] == '/' ? n + 1 : n));
		}
		json_decref(j);
	}
	json_object_set(cache, id, o);
	return o;
}

/* Sockets none of the container's processes holds: another process of the namespace may (a
 * container that joined it with --network container:X, a process that entered it). Their
 * holders are named with their container, so that a report does not blame this one. */
static void add_outside_owners(struct ev *e, json_t *socks, int pid)
{
	size_t i, missing = 0;
	json_t *s;
	json_array_foreach(
	    socks, i, s) if (jint(s, "inode", 0) > 0 &&
	                     !json_array_size(json_object_get(s, "owners")) &&
	                     !streq(jstr(s, "proto") ? jstr(s, "proto") : "", "unix")) missing++;
	unsigned long ns = missing ? procfs_ns_inode(pid, "net") : 0;
	if (!ns)
		return;
	int *pids = NULL;
	size_t np = procfs_pids_in_ns("net", ns, &pids);
	json_t *cache = json_object();
	for (size_t k = 0; k < np && missing; k++) {
		bool own = false;
		for (size_t j = 0; j < e->n_procs && !own; j++)
			own = e->procs[j].pid == pids[k];
		if (own || pids[k] == getpid())
			continue;
		unsigned long *inodes = NULL;
		int *fds = NULL;
		size_t nfd = 0;
		if (procfs_socket_fds(pids[k], &inodes, &fds, &nfd) < 0)
			nfd = 0;
		for (size_t f = 0; f < nfd; f++)
			json_array_foreach(socks, i, s)
			{
				json_t *owners = json_object_get(s, "owners");
				if ((unsigned long)jint(s, "inode", 0) != inodes[f] ||
				    json_array_size(owners))
					continue;
				_cleanup_free_ char *comm = procfs_comm(pids[k]);
				_cleanup_free_ char *exe = procfs_exe(pids[k]);
				json_t *o = json_object();
				json_object_set_new(o, "pid", json_integer(pids[k]));
				json_object_set_new(o, "fd", json_integer(fds[f]));
				json_object_set_new(o, "comm", json_str(comm));
				json_object_set_new(o, "exe", json_str(exe));
				json_object_set_new(o, "container",
				                    container_of_pid(e, pids[k], cache));
				json_object_set_new(o, "outside", json_true());
				json_array_append_new(owners, o);
				missing--;
			}
		free(inodes);
		free(fds);
	}
	json_decref(cache);
	free(pids);
}

static int pick_pid(struct ev *e)
{
	if (e->c->pid > 0 && ev_start_ticks(e->c->pid))
		return e->c->pid;
	for (size_t i = 0; i < e->n_procs; i++)
		if (!e->procs[i].gone && ev_start_ticks(e->procs[i].pid))
			return e->procs[i].pid;
	return 0;
}

int ev_network(struct ev *e)
{
	int pid = pick_pid(e);
	size_t n_sock = 0, n_est = 0, n_ct = 0, n_owned = 0;
	if (!pid) {
		ev_note(e, "no process of the container is left: its sockets cannot be read");
	} else {
		static const struct {
			const char *name;
			int kind; /* 0 raw copy only, 1 inet, 2 inet6, 3 unix */
		} files[] = {
		    {"tcp", 1},      {"tcp6", 2},       {"udp", 1},     {"udp6", 2},
		    {"raw", 1},      {"raw6", 2},       {"unix", 3},    {"packet", 0},
		    {"route", 0},    {"ipv6_route", 0}, {"arp", 0},     {"dev", 0},
		    {"if_inet6", 0}, {"snmp", 0},       {"netstat", 0}, {"sockstat", 0},
		};
		json_t *socks = json_array();
		bool fatal = false;
		for (size_t i = 0; i < ARRAY_SIZE(files) && !fatal; i++) {
			char src[96], rel[96];
			snprintf(src, sizeof(src), "/proc/%d/net/%s", pid, files[i].name);
			snprintf(rel, sizeof(rel), "volatile/net/%s", files[i].name);
			_cleanup_free_ char *t = ev_proc_copy(e, src, rel, 64u << 20, NULL, &fatal);
			if (!t)
				continue;
			if (files[i].kind == 1 || files[i].kind == 2)
				ev_sockets_parse_inet(t, files[i].name, files[i].kind == 2, socks);
			else if (files[i].kind == 3)
				ev_sockets_parse_unix(t, socks);
		}
		if (fatal) {
			json_decref(socks);
			return -1;
		}
		add_owners(e, socks);
		add_outside_owners(e, socks, pid);
		size_t i;
		json_t *s;
		json_array_foreach(socks, i, s)
		{
			n_sock++;
			json_t *ow = json_array_get(json_object_get(s, "owners"), 0);
			if (ow && !jbool(ow, "outside"))
				n_owned++;
			const char *st = jstr(s, "state");
			if (st && streq(st, "ESTABLISHED") && !streq(jstr(s, "proto"), "unix"))
				n_est++;
		}
		json_t *doc = json_object();
		char ns[64] = "";
		snprintf(ns, sizeof(ns), "/proc/%d/ns/net", pid);
		char link[128];
		ssize_t ll = readlink(ns, link, sizeof(link) - 1);
		link[ll > 0 ? ll : 0] = '\0';
		json_object_set_new(
		    doc, "source",
		    json_sprintf("/proc/%d/net/* (the network namespace of pid %d)", pid, pid));
		json_object_set_new(doc, "netns", json_string(link));
		json_object_set_new(doc, "network_mode", json_string(net_mode_name(e->c->mode)));
		if (e->c->mode == NETMODE_CONTAINER && e->c->mode_target)
			json_object_set_new(doc, "netns_owner",
			                    json_pack("{s:s,s:o}", "id", e->c->mode_target, "name",
			                              json_str(e->c->mode_target_name)));
		if (e->c->mode == NETMODE_HOST)
			json_object_set_new(
			    doc, "note",
			    json_string("host network: these are all of the host's sockets; "
			                "\"owners\" shows the container's"));
		json_object_set_new(doc, "sockets", socks);
		int r = bundle_add_json(e->b, "volatile/sockets.json", "cirt: /proc/<pid>/net", doc,
		                        e->err);
		json_decref(doc);
		if (r < 0)
			return -1;
	}
	/* conntrack lives on the host: the flows of the container's addresses, before and after NAT
	 */
	char **addrs = xcalloc(2 * e->c->n_eps + 1, sizeof(*addrs));
	size_t na = 0;
	for (size_t i = 0; i < e->c->n_eps; i++) {
		if (e->c->eps[i].ipv4)
			addrs[na++] = e->c->eps[i].ipv4;
		if (e->c->eps[i].ipv6)
			addrs[na++] = e->c->eps[i].ipv6;
	}
	int r = 0;
	if (na)
		r = ev_conntrack(e, addrs, na, &n_ct);
	else
		ev_note(e,
		        "the container has no address of its own (network mode %s): no conntrack "
		        "entries taken",
		        net_mode_name(e->c->mode));
	free(addrs);
	if (r < 0)
		return -1;
	json_object_set_new(e->summary, "sockets", json_integer((json_int_t)n_sock));
	json_object_set_new(e->summary, "established", json_integer((json_int_t)n_est));
	json_object_set_new(e->summary, "sockets_owned_by_its_processes",
	                    json_integer((json_int_t)n_owned));
	json_object_set_new(e->summary, "conntrack_entries", json_integer((json_int_t)n_ct));
	bundle_log(e->b,
	           "step network: ok (%zu sockets, %zu established, %zu held by the container's "
	           "processes; %zu conntrack entries)",
	           n_sock, n_est, n_owned, n_ct);
	return 0;
}
