/* verify.c: the daemon's containers against the host's processes, cgroups and veths. */
#include "model/verify.h"

#include <fcntl.h>
#include <strings.h>

#include "escape.h"
#include "sources/procfs.h"

static void warn(struct verify_result *r, char *msg)
{
	r->warnings = xrealloc(r->warnings, (r->n_warnings + 1) * sizeof(*r->warnings));
	r->warnings[r->n_warnings++] = msg;
}

/* Is there an interface with this MAC in pid's network namespace? 1 yes, 0 no, -1 the namespace
 * cannot be read (not root: CAP_SYS_PTRACE and CAP_SYS_ADMIN), which proves nothing. */
static int ns_has_mac(int pid, const char *mac, char **ret_why)
{
	_cleanup_close_ int nsfd = procfs_open_ns(pid, "net");
	if (nsfd < 0) {
		*ret_why =
		    xasprintf("open the network namespace of pid %d: %s", pid, strerror(-nsfd));
		return -1;
	}
	struct rtnl_links l = {0};
	struct cirt_err e = {0};
	if (rtnl_dump_links(nsfd, &l, &e) < 0) {
		*ret_why = xstrdup(e.msg);
		return -1;
	}
	int found = 0;
	for (size_t i = 0; i < l.n && !found; i++) {
		char m[64];
		found = strcasecmp(rtnl_mac_str(&l.v[i], m, sizeof(m)), mac) == 0;
	}
	rtnl_links_free(&l);
	return found;
}

static void add(struct verify_result *r, const char *kind, const char *id, const char *name,
                int pid, const struct rtnl_link *veth, const char *bridge, char *detail)
{
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	struct disagreement *d = &r->v[r->n++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->container_id = xstrdup0(id);
	d->name = xstrdup0(name);
	d->pid = pid;
	if (veth) {
		d->veth = xstrdup(veth->name);
		d->veth_ifindex = veth->ifindex;
	}
	d->bridge = xstrdup0(bridge);
	d->detail = detail;
}

char **verify_bridges_from_networks(json_t *networks, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0;
	size_t i;
	json_t *net;
	json_array_foreach(networks, i, net)
	{
		const char *drv = jstr(net, "Driver");
		const char *id = jstr(net, "Id");
		if (!drv || !streq(drv, "bridge") || !id)
			continue;
		const char *bn = jstr(jobj(net, "Options"), "com.docker.network.bridge.name");
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = bn && *bn ? xstrndup(bn, IF_NAMESIZE - 1) : xasprintf("br-%.12s", id);
	}
	*ret_n = n;
	return v;
}

static bool is_bridge(const struct rtnl_links *links, int ifindex, char *const *bridges, size_t nb,
                      const char **ret_name)
{
	const struct rtnl_link *br = rtnl_link_by_index(links, ifindex);
	if (!br)
		return false;
	for (size_t i = 0; i < nb; i++)
		if (streq(br->name, bridges[i])) {
			*ret_name = br->name;
			return true;
		}
	return false;
}

static bool veth_claimed(const struct host *h, int ifindex)
{
	for (size_t i = 0; i < h->n; i++)
		for (size_t k = 0; k < h->c[i].n_eps; k++)
			if (h->c[i].eps[k].veth_ifindex == ifindex)
				return true;
	return false;
}

static const struct container *by_id(const struct host *h, const char *id)
{
	for (size_t i = 0; i < h->n; i++)
		if (streq(h->c[i].id, id))
			return &h->c[i];
	return NULL;
}

/* The container-side end of a host veth, searched in the namespaces of containers the daemon
 * does not list: names who owns an orphan veth. */
static char *find_peer(const struct cg_scan *scan, const struct host *h, int veth_ifindex,
                       int *ret_pid, const char **ret_id)
{
	for (size_t i = 0; i < scan->n; i++) {
		const struct cg_container *cg = &scan->v[i];
		if (by_id(h, cg->id) || cg->init_pid <= 0)
			continue;
		_cleanup_close_ int nsfd = procfs_open_ns(cg->init_pid, "net");
		if (nsfd < 0)
			continue;
		struct rtnl_links inner = {0};
		struct cirt_err e = {0};
		if (rtnl_dump_links(nsfd, &inner, &e) < 0)
			continue;
		char *found = NULL;
		for (size_t k = 0; k < inner.n && !found; k++)
			if (inner.v[k].link == veth_ifindex && streq(inner.v[k].kind, "veth")) {
				found = xstrdup(inner.v[k].name);
				*ret_pid = cg->init_pid;
				*ret_id = cg->id;
			}
		rtnl_links_free(&inner);
		if (found)
			return found;
	}
	return NULL;
}

void verify_host(const struct host *h, const struct cg_scan *scan, const struct rtnl_links *links,
                 char *const *bridges, size_t n_bridges, struct verify_result *ret)
{
	struct verify_result r = {0};
	size_t unreadable = 0;
	char *first_why = NULL;
	/* 1. processes in a container cgroup: the daemon must list that container, running */
	for (size_t i = 0; i < scan->n; i++) {
		const struct cg_container *cg = &scan->v[i];
		const struct container *c = by_id(h, cg->id);
		_cleanup_free_ char *comm = procfs_comm(cg->init_pid);
		if (!c)
			add(&r, "unlisted-process", cg->id, NULL, cg->init_pid, NULL, NULL,
			    xasprintf("%zu process%s (pid %d '%s' first) run in the %s cgroup '%s' "
			              "of a container the "
			              "daemon does not list",
			              cg->n_pids, cg->n_pids == 1 ? "" : "es", cg->init_pid,
			              comm ? comm : "?", cg->engine, cg->cgroup));
		else if (!c->running)
			add(&r, "not-running", c->id, c->name, cg->init_pid, NULL, NULL,
			    xasprintf("the daemon says '%s' but %zu process%s (pid %d '%s' first) "
			              "run in its cgroup",
			              c->state, cg->n_pids, cg->n_pids == 1 ? "" : "es",
			              cg->init_pid, comm ? comm : "?"));
	}
	/* 2. a container the daemon says runs must have its init process in its own cgroup */
	for (size_t i = 0; i < h->n; i++) {
		const struct container *c = &h->c[i];
		if (!c->running)
			continue;
		const struct cg_container *cg = cg_scan_find(scan, c->id);
		if (c->pid <= 0)
			add(&r, "no-process", c->id, c->name, 0, NULL, NULL,
			    xstrdup("the daemon says running but gives no pid"));
		else if (!cg) {
			_cleanup_free_ char *where = procfs_cgroup(c->pid);
			add(&r, "no-process", c->id, c->name, c->pid, NULL, NULL,
			    where ? xasprintf("the daemon says running as pid %d, but no process "
			                      "is in its cgroup "
			                      "(pid %d is in '%s')",
			                      c->pid, c->pid, where)
			          : xasprintf("the daemon says running as pid %d, but no process "
			                      "is in its cgroup "
			                      "and pid %d does not exist",
			                      c->pid, c->pid));
		} else if (!cg_container_has_pid(cg, c->pid))
			add(&r, "pid-outside-cgroup", c->id, c->name, c->pid, NULL, NULL,
			    xasprintf(
			        "the daemon says pid %d, which is not in its cgroup; pid %d is",
			        c->pid, cg->init_pid));
		/* 3. every endpoint the daemon claims must exist in the container's namespace */
		if (c->eps_shared || c->mode == NETMODE_HOST || c->mode == NETMODE_NONE || !cg)
			continue;
		for (size_t k = 0; k < c->n_eps; k++) {
			const struct endpoint *e = &c->eps[k];
			if (!e->mac || e->ifname)
				continue;
			char *why = NULL;
			int has = ns_has_mac(c->pid, e->mac, &why);
			if (has < 0) {
				if (!unreadable++)
					first_why = why;
				else
					free(why);
				break;
			}
			if (!has)
				add(&r, "missing-interface", c->id, c->name, c->pid, NULL, NULL,
				    xasprintf("the daemon says MAC %s on network '%s'; no "
				              "interface has it in the "
				              "container's namespace",
				              e->mac, e->network ? e->network : "?"));
		}
	}
	/* without the containers' side of each veth pair, an unclaimed veth proves nothing */
	if (unreadable) {
		warn(&r, xasprintf(
		             "interfaces and veths not checked: the network namespaces of %zu "
		             "container%s could "
		             "not be read (needs root: CAP_SYS_PTRACE and CAP_SYS_ADMIN), e.g. %s",
		             unreadable, unreadable == 1 ? "" : "s", first_why));
		free(first_why);
		links = NULL;
	}
	/* 4. every veth on a daemon bridge must belong to a container the daemon lists */
	for (size_t i = 0; links && i < links->n; i++) {
		const struct rtnl_link *k = &links->v[i];
		const char *bname = NULL;
		if (!streq(k->kind, "veth") || k->master <= 0 ||
		    !is_bridge(links, k->master, bridges, n_bridges, &bname))
			continue;
		if (veth_claimed(h, k->ifindex))
			continue;
		int pid = 0;
		const char *owner = NULL;
		_cleanup_free_ char *peer = find_peer(scan, h, k->ifindex, &pid, &owner);
		add(&r, "orphan-veth", owner, NULL, pid, k, bname,
		    peer ? xasprintf("veth %s on %s belongs to no container the daemon lists; its "
		                     "peer is %s in the "
		                     "namespace of pid %d (unlisted container %.12s)",
		                     k->name, bname, peer, pid, owner)
		         : xasprintf("veth %s on %s belongs to no container the daemon lists",
		                     k->name, bname));
	}
	*ret = r;
}

static bool same(const struct disagreement *a, const struct disagreement *b)
{
	return streq(a->kind, b->kind) &&
	       streq(a->container_id ? a->container_id : "",
	             b->container_id ? b->container_id : "") &&
	       a->veth_ifindex == b->veth_ifindex;
}

static void disagreement_clear(struct disagreement *d)
{
	free(d->container_id);
	free(d->name);
	free(d->veth);
	free(d->bridge);
	free(d->detail);
}

void verify_intersect(struct verify_result *a, const struct verify_result *b)
{
	size_t o = 0;
	for (size_t i = 0; i < a->n; i++) {
		bool keep = false;
		for (size_t k = 0; k < b->n && !keep; k++)
			keep = same(&a->v[i], &b->v[k]);
		if (keep)
			a->v[o++] = a->v[i];
		else
			disagreement_clear(&a->v[i]);
	}
	a->n = o;
}

void verify_result_free(struct verify_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		disagreement_clear(&r->v[i]);
	free(r->v);
	for (size_t i = 0; i < r->n_warnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof(*r));
}

json_t *disagreement_to_json(const struct disagreement *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(d->kind));
	json_object_set_new(o, "container_id", json_str(d->container_id));
	json_object_set_new(o, "name", json_str(d->name));
	json_object_set_new(o, "pid", d->pid ? json_integer(d->pid) : json_null());
	json_object_set_new(o, "veth", json_str(d->veth));
	json_object_set_new(o, "veth_ifindex",
	                    d->veth_ifindex ? json_integer(d->veth_ifindex) : json_null());
	json_object_set_new(o, "bridge", json_str(d->bridge));
	json_object_set_new(o, "detail", json_str(d->detail));
	return o;
}

/* One look at both sides: the daemon's containers and bridges, the host's cgroups and links. */
static int verify_once(struct docker *d, struct host **ret_h, struct verify_result *ret,
                       struct cirt_err *err)
{
	_cleanup_host_ struct host *h = NULL;
	struct cg_scan scan = {0};
	struct rtnl_links links = {0};
	struct cirt_err e = {0};
	/* the daemon's own word is what is checked: its inspect, never its records on disk */
	struct host_load_opts o = {
	    .all = true, .needs = HOST_NEED_NET | HOST_NEED_PROC, .from_daemon = true};
	if (host_load(d, &o, &h, err) < 0)
		return -1;
	json_t *nets = NULL;
	if (docker_get_json(d, "/networks", &nets, err) < 0)
		return err_prefix(err, "list networks");
	size_t nb = 0;
	char **bridges = verify_bridges_from_networks(nets, &nb);
	json_decref(nets);
	if (cg_scan(NULL, &scan, err) < 0) {
		for (size_t i = 0; i < nb; i++)
			free(bridges[i]);
		free(bridges);
		return -1;
	}
	if (rtnl_dump_links(-1, &links, &e) < 0)
		host_warn(h, "host links: %s: veths not checked", e.msg);
	verify_host(h, &scan, &links, bridges, nb, ret);
	for (size_t i = 0; i < ret->n_warnings; i++)
		host_warn(h, "%s", ret->warnings[i]);
	rtnl_links_free(&links);
	cg_scan_free(&scan);
	for (size_t i = 0; i < nb; i++)
		free(bridges[i]);
	free(bridges);
	*ret_h = steal_pointer(&h);
	return 0;
}

int verify_daemon(struct docker *d, struct host **ret_h, struct verify_result *ret,
                  struct cirt_err *err)
{
	_cleanup_host_ struct host *h = NULL;
	struct verify_result r = {0};
	if (verify_once(d, &h, &r, err) < 0)
		return -1;
	if (r.n > 0) {
		/* a container started or removed between the two reads is a race, not a lie: keep
		 * only what a second look confirms */
		_cleanup_host_ struct host *h2 = NULL;
		struct verify_result r2 = {0};
		if (verify_once(d, &h2, &r2, err) < 0) {
			verify_result_free(&r);
			return -1;
		}
		verify_intersect(&r, &r2);
		verify_result_free(&r2);
	}
	*ret_h = steal_pointer(&h);
	*ret = r;
	return 0;
}
