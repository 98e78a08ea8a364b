/* host_offline.c: the host snapshot from a disk image of a host (cirt --root DIR): the daemon's
 * records inside the image, with what a clean stop erased from them recovered from the other
 * traces the image keeps; nothing from the running machine. */
#include <arpa/inet.h>

#include "escape.h"
#include "json.h"
#include "model/host.h"
#include "sources/daemonlog.h"
#include "sources/netstore.h"
#include "sources/ondisk.h"
#include "sources/rootfs.h"

#define MAX_SVC 200000

struct recover {
	struct daemonlog_addr *svc; /* the debug log's address events, in time order */
	size_t n_svc;
	json_t *networks; /* libnetwork's networks (API shape), or NULL */
	json_t *eps;      /* libnetwork's endpoint records, live and carved */
	const char *root;
};

static int on_svc(const struct daemonlog_line *l, void *ud)
{
	struct recover *r = ud;
	struct daemonlog_addr a;
	if (r->n_svc >= MAX_SVC || !daemonlog_addr_parse(l, &a))
		return 0;
	r->svc = xrealloc(r->svc, (r->n_svc + 1) * sizeof(*r->svc));
	r->svc[r->n_svc++] = a;
	return 0;
}

/* Is addr inside cidr ("10.1.0.0/16", v4 or v6)? */
static bool in_subnet(const char *addr, const char *cidr)
{
	if (!addr || !cidr)
		return false;
	char net[64];
	const char *sl = strchr(cidr, '/');
	if (!sl || (size_t)(sl - cidr) >= sizeof(net))
		return false;
	memcpy(net, cidr, (size_t)(sl - cidr));
	net[sl - cidr] = '\0';
	int prefix = atoi(sl + 1);
	unsigned char a[16], n[16];
	int af = strchr(addr, ':') ? AF_INET6 : AF_INET;
	size_t bytes = af == AF_INET ? 4 : 16;
	if (inet_pton(af, addr, a) != 1 || inet_pton(af, net, n) != 1 || prefix < 0 ||
	    prefix > (int)bytes * 8)
		return false;
	for (int i = 0; i < prefix; i++)
		if (((a[i / 8] ^ n[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

/* the network (API shape) with this id or name */
static json_t *network_of(const struct recover *r, const char *id, const char *name)
{
	size_t i;
	json_t *n;
	json_array_foreach(r->networks, i, n)
	{
		const char *nid = jstr(n, "Id"), *nn = jstr(n, "Name");
		if ((id && nid && streq(id, nid)) || (!id && name && nn && streq(name, nn)))
			return n;
	}
	return NULL;
}

/* prefix length and gateway of the pool addr falls in */
static void pool_of(json_t *net, const char *addr, int *ret_prefix, const char **ret_gw)
{
	size_t i;
	json_t *c;
	json_array_foreach(jarr(jobj(net, "IPAM"), "Config"), i, c)
	{
		const char *sub = jstr(c, "Subnet");
		if (in_subnet(addr, sub)) {
			*ret_prefix = atoi(strchr(sub, '/') + 1);
			*ret_gw = jstr(c, "Gateway");
			return;
		}
	}
}

/* The container's own address lines of its hosts file ("10.231.0.3\tb4533fb6e98a"). */
static char *hosts_addr(const struct recover *r, const char *id, const char *hostname, json_t *net,
                        bool only)
{
	_cleanup_free_ char *p = xasprintf("%s/containers/%s/hosts", r->root, id);
	_cleanup_free_ char *text = NULL;
	if (!hostname || !*hostname || rootfs_host_read(p, 1u << 20, &text, NULL) < 0)
		return NULL;
	char *found = NULL;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && !found;
	     l = strtok_r(NULL, "\n", &save)) {
		char ip[64];
		int used = 0;
		if (sscanf(l, "%63s%n", ip, &used) != 1 || startswith(ip, "127.") ||
		    streq(ip, "::1") || startswith(ip, "fe00") || startswith(ip, "ff0"))
			continue;
		char names[512];
		snprintf(names, sizeof(names), " %s ", l + used);
		for (char *q = names; *q; q++)
			if (*q == '\t')
				*q = ' ';
		_cleanup_free_ char *want = xasprintf(" %s ", hostname);
		if (!strstr(names, want))
			continue;
		/* the network's own pool decides; with one network and no pool known, it is that */
		size_t k;
		json_t *c;
		bool in = false, any = false;
		json_array_foreach(jarr(jobj(net, "IPAM"), "Config"), k, c)
		{
			any = true;
			in |= in_subnet(ip, jstr(c, "Subnet"));
		}
		if (in || (!any && only))
			found = xstrdup(ip);
	}
	return found;
}

/* One endpoint of a stopped container's record: its address again, from the best trace. */
static void recover_endpoint(const struct recover *r, json_t *j, const char *netname, json_t *ep,
                             bool only, json_t *notes)
{
	const char *id = jstr(j, "Id");
	const char *name = jstr(j, "Name");
	if (name && name[0] == '/')
		name++;
	const char *nid = jstr(ep, "NetworkID");
	json_t *net = network_of(r, nid && *nid ? nid : NULL, netname);
	if (!nid || !*nid)
		nid = jstr(net, "Id");
	char shortid[13];
	snprintf(shortid, sizeof(shortid), "%.12s", id);
	_cleanup_free_ char *addr = NULL, *mac = NULL, *from = NULL;
	/* libnetwork's live record: the container ran when the image was taken */
	size_t i;
	json_t *e;
	json_array_foreach(r->eps, i, e)
	{
		const char *cid = jstr(e, "container_id"), *en = jstr(e, "name"),
		           *enet = jstr(e, "network_id");
		bool mine = (cid && streq(cid, id)) || (!cid && en && name && streq(en, name) &&
		                                        enet && nid && streq(enet, nid));
		if (!mine || !jstr(e, "addr") || (enet && nid && !streq(enet, nid)))
			continue;
		if (jbool(e, "live") || !addr) {
			free(addr);
			free(mac);
			free(from);
			addr = xstrdup(jstr(e, "addr"));
			mac = xstrdup0(jstr(e, "mac"));
			from =
			    jbool(e, "live")
			        ? xstrdup("libnetwork's store (its live endpoint record)")
			        : xasprintf("libnetwork's store (a stale endpoint record in freed "
			                    "page %lld)",
			                    (long long)jint(e, "page", 0));
		}
		if (jbool(e, "live"))
			break;
	}
	/* the daemon's debug log: the last address given to it on this network */
	for (size_t k = r->n_svc; k-- > 0 && (!addr || !strstr(from, "live"));) {
		const struct daemonlog_addr *a = &r->svc[k];
		if (!a->add || (!streq(a->who, shortid) && !(name && streq(a->who, name))))
			continue;
		if (a->net[0] && nid && !startswith(nid, a->net))
			continue;
		char t[48];
		free(addr);
		free(from);
		addr = xstrdup(a->addr);
		from = xasprintf("the daemon's log (given at %s)",
		                 fmt_utc_ns(a->time_ns, t, sizeof(t)));
		break;
	}
	if (!addr) {
		const char *want = jstr(jobj(ep, "IPAMConfig"), "IPv4Address");
		if (want && *want) {
			addr = xstrdup(want);
			from = xstrdup("its configuration (the address it asked for)");
		}
	}
	if (!addr) {
		addr = hosts_addr(r, id, jstr(jobj(j, "Config"), "Hostname"), net, only);
		if (addr)
			from = xstrdup("its hosts file (written when it last started)");
	}
	if (!addr)
		return;
	int prefix = 0;
	const char *gw = NULL;
	pool_of(net, addr, &prefix, &gw);
	json_object_set_new(ep, "IPAddress", json_string(addr));
	if (prefix)
		json_object_set_new(ep, "IPPrefixLen", json_integer(prefix));
	if (gw && !(jstr(ep, "Gateway") && *jstr(ep, "Gateway")))
		json_object_set_new(ep, "Gateway", json_string(gw));
	if (mac && *mac && !(jstr(ep, "MacAddress") && *jstr(ep, "MacAddress")))
		json_object_set_new(ep, "MacAddress", json_string(mac));
	if (nid && !(jstr(ep, "NetworkID") && *jstr(ep, "NetworkID")))
		json_object_set_new(ep, "NetworkID", json_string(nid));
	json_array_append_new(notes, json_sprintf("address %s on '%s' from %s: the record lost it "
	                                          "when the container stopped",
	                                          addr, netname, from));
}

/* The record's own paths (LogPath ...) name the data root where it was mounted when written:
 * the same files under the data root read now. */
static void rebase(json_t *j, const char *root, char **ret_seen)
{
	static const char *const keys[] = {"LogPath", "HostnamePath", "HostsPath",
	                                   "ResolvConfPath"};
	const char *id = jstr(j, "Id");
	const char *hp = jstr(j, "HostnamePath");
	if (!id || !hp)
		return;
	_cleanup_free_ char *tail = xasprintf("/containers/%s/", id);
	const char *at = strstr(hp, tail);
	if (!at)
		return;
	_cleanup_free_ char *was = xstrndup(hp, (size_t)(at - hp));
	if (streq(was, root) || (!*was && streq(root, "/")))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = jstr(j, keys[i]);
		if (v && startswith(v, was) && v[strlen(was)] == '/')
			json_object_set_new(
			    j, keys[i],
			    json_sprintf("%s%s", streq(root, "/") ? "" : root, v + strlen(was)));
	}
	if (!*ret_seen)
		*ret_seen = xstrdup(was);
}

static void fill_ports(json_t *j)
{
	json_t *ns = jobj(j, "NetworkSettings");
	json_t *ports = jobj(ns, "Ports");
	json_t *pb = jobj(jobj(j, "HostConfig"), "PortBindings");
	if (!ns || (ports && json_object_size(ports)) || !pb || !json_object_size(pb))
		return;
	json_object_set_new(ns, "Ports", json_deep_copy(pb));
}

static void add_notes(struct container *c, json_t *notes)
{
	size_t i;
	json_t *n;
	json_array_foreach(notes, i, n)
	{
		if (json_is_string(n))
			container_note(c, "%s", json_string_value(n));
	}
}

static int cmp_container(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : strcmp(x->id, y->id);
}

int host_load_offline(const struct host_load_opts *o, struct host **ret, struct cirt_err *err)
{
	struct host *h = xcalloc(1, sizeof(*h));
	h->daemonless = true;
	h->image_root = xstrdup0(rootfs_host_root());
	char *root = ondisk_docker_root();
	h->data_root = root;
	host_warn(
	    h,
	    "offline view of the disk image at '%s' (data root '%s'): the state the host last "
	    "recorded; nothing read from the running machine",
	    h->image_root ? h->image_root : "/", root);
	struct recover r = {.root = root};
	json_t *hnotes = json_array();
	struct cirt_err e = {0};
	if (ondisk_networks(root, &r.networks, hnotes, &e) < 0) {
		host_warn(h, "networks: %s", e.msg);
		r.networks = NULL;
		e = (struct cirt_err){0};
	}
	if (netstore_endpoints(root, &r.eps, hnotes, &e) < 0)
		r.eps = NULL;
	e = (struct cirt_err){0};
	daemonlog_each("SvcRecords(", on_svc, &r, NULL);
	size_t i;
	json_t *n;
	json_array_foreach(hnotes, i, n)
	{
		host_warn(h, "%s", json_string_value(n));
	}
	json_decref(hnotes);

	char **ids = NULL;
	size_t nids = 0;
	if (ondisk_list(root, &ids, &nids, &e) < 0) {
		host_warn(h, "daemon records: %s", e.msg);
		nids = 0;
	}
	bool all = o->all || o->n_refs;
	_cleanup_free_ char *rebased = NULL;
	for (size_t k = 0; k < nids; k++) {
		json_t *notes = json_array();
		json_t *j = NULL;
		if (ondisk_inspect(root, ids[k], &j, notes, &e) < 0) {
			/* a damaged record is one container lost, never the answer */
			host_warn(h, "container %.12s: %s", ids[k], e.msg);
			json_array_foreach(notes, i, n)
			{
				host_warn(h, "container %.12s: %s", ids[k], json_string_value(n));
			}
			json_decref(notes);
			e = (struct cirt_err){0};
			continue;
		}
		rebase(j, root, &rebased);
		fill_ports(j);
		json_t *st = jobj(j, "State");
		bool was_running = jbool(st, "Running");
		const char *nk;
		json_t *ep;
		json_t *nets = jobj(jobj(j, "NetworkSettings"), "Networks");
		json_object_foreach(nets, nk, ep)
		{
			if (json_is_object(ep) &&
			    !(jstr(ep, "IPAddress") && *jstr(ep, "IPAddress")) &&
			    !streq(nk, "none") && !streq(nk, "host"))
				recover_endpoint(&r, j, nk, ep, json_object_size(nets) == 1, notes);
		}
		struct container c;
		int cr = container_from_inspect(j, &c);
		json_decref(j);
		if (cr < 0) {
			json_decref(notes);
			continue;
		}
		add_notes(&c, notes);
		json_decref(notes);
		if (c.mode_raw && streq(c.mode_raw, "unknown"))
			c.mode = NETMODE_UNKNOWN;
		/* nothing of the image runs: the recorded state is kept, no pid is a live one */
		if (was_running)
			container_note(
			    &c,
			    "recorded as %s (pid %lld) when the image was taken: it stopped "
			    "with the host",
			    c.state, (long long)jint(st, "Pid", 0));
		c.running = c.paused = false;
		c.pid = 0;
		if (!all && !was_running) {
			container_clear(&c);
			continue;
		}
		h->c = xrealloc(h->c, (h->n + 1) * sizeof(*h->c));
		h->c[h->n++] = c;
	}
	ondisk_list_free(ids, nids);
	if (rebased)
		host_warn(
		    h,
		    "the records name the data root '%s' (where it was mounted when they were "
		    "written): their files are read under '%s' in the image",
		    rebased, root);
	free(r.svc);
	json_decref(r.networks);
	json_decref(r.eps);
	if (h->n > 1)
		qsort(h->c, h->n, sizeof(*h->c), cmp_container);
	for (size_t k = 0; k < o->n_refs; k++) {
		struct container *c;
		if (host_find(h, o->refs[k], &c, err) < 0) {
			host_free(h);
			return -1;
		}
	}
	host_link_shared(h);
	*ret = h;
	return 0;
}
