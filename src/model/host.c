/* host.c: the one place where facts are joined: container <-> pid <-> netns <-> veth <-> bridge. */
#include "model/host.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <strings.h>

#include "escape.h"
#include "sources/procfs.h"
#include "model/host_int.h"
#include "sources/cgscan.h"
#include "sources/rtnl.h"

const char *net_mode_name(enum net_mode m)
{
	switch (m) {
	case NETMODE_BRIDGE:
		return "bridge";
	case NETMODE_CUSTOM:
		return "custom";
	case NETMODE_HOST:
		return "host";
	case NETMODE_NONE:
		return "none";
	case NETMODE_CONTAINER:
		return "container";
	default:
		return "unknown";
	}
}

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void container_note(struct container *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&c->notes, &c->n_notes, fmt, ap);
	va_end(ap);
}

void host_warn(struct host *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&h->warnings, &h->n_warnings, fmt, ap);
	va_end(ap);
}

static char *lower_dup(const char *s)
{
	if (!s || !*s)
		return NULL;
	char *d = xstrdup(s);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static char *nonempty_dup(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static void endpoint_clear(struct endpoint *e)
{
	free(e->network);
	free(e->network_id);
	free(e->ipv4);
	free(e->ipv6);
	free(e->mac);
	free(e->gateway);
	free(e->gateway6);
	free(e->ifname);
	free(e->veth);
	free(e->bridge);
	memset(e, 0, sizeof(*e));
}

static void endpoint_copy(struct endpoint *d, const struct endpoint *s)
{
	*d = *s;
	d->network = xstrdup0(s->network);
	d->network_id = xstrdup0(s->network_id);
	d->ipv4 = xstrdup0(s->ipv4);
	d->ipv6 = xstrdup0(s->ipv6);
	d->mac = xstrdup0(s->mac);
	d->gateway = xstrdup0(s->gateway);
	d->gateway6 = xstrdup0(s->gateway6);
	d->ifname = xstrdup0(s->ifname);
	d->veth = xstrdup0(s->veth);
	d->bridge = xstrdup0(s->bridge);
}

void container_clear(struct container *c)
{
	free(c->id);
	free(c->name);
	free(c->image);
	free(c->image_id);
	free(c->state);
	free(c->created);
	free(c->started_at);
	free(c->finished_at);
	free(c->cmd);
	free(c->mode_raw);
	free(c->mode_target);
	free(c->mode_target_name);
	for (size_t i = 0; i < c->n_eps; i++)
		endpoint_clear(&c->eps[i]);
	free(c->eps);
	for (size_t i = 0; i < c->n_ports; i++)
		free(c->ports[i].host_ip);
	free(c->ports);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		free(c->mounts[i].destination);
		free(c->mounts[i].name);
	}
	free(c->mounts);
	strv_free(c->cap_add, c->n_cap_add);
	free(c->pid_mode);
	free(c->upper_dir);
	free(c->merged_dir);
	free(c->cgroup);
	strv_free(c->notes, c->n_notes);
	json_decref(c->inspect);
	memset(c, 0, sizeof(*c));
}

static void parse_network_mode(struct container *c, const char *nm)
{
	c->mode_raw = xstrdup(nm && *nm ? nm : "default");
	if (!nm || !*nm || streq(nm, "default") || streq(nm, "bridge"))
		c->mode = NETMODE_BRIDGE;
	else if (streq(nm, "host"))
		c->mode = NETMODE_HOST;
	else if (streq(nm, "none"))
		c->mode = NETMODE_NONE;
	else if (startswith(nm, "container:")) {
		c->mode = NETMODE_CONTAINER;
		c->mode_target = xstrdup(nm + strlen("container:"));
	} else
		c->mode = NETMODE_CUSTOM;
}

static int cmp_ep(const void *a, const void *b)
{
	const struct endpoint *x = a, *y = b;
	return strcmp(x->network ? x->network : "", y->network ? y->network : "");
}

static void parse_endpoints(struct container *c, json_t *nets)
{
	if (!json_is_object(nets))
		return;
	const char *name;
	json_t *n;
	c->eps = xcalloc(json_object_size(nets) + 1, sizeof(*c->eps));
	json_object_foreach(nets, name, n)
	{
		if (!json_is_object(n))
			continue;
		struct endpoint *e = &c->eps[c->n_eps++];
		e->network = xstrdup(name);
		e->network_id = nonempty_dup(jstr(n, "NetworkID"));
		e->ipv4 = nonempty_dup(jstr(n, "IPAddress"));
		e->ipv4_prefix = (int)jint(n, "IPPrefixLen", 0);
		e->ipv6 = nonempty_dup(jstr(n, "GlobalIPv6Address"));
		e->ipv6_prefix = (int)jint(n, "GlobalIPv6PrefixLen", 0);
		e->mac = lower_dup(jstr(n, "MacAddress"));
		e->gateway = nonempty_dup(jstr(n, "Gateway"));
		e->gateway6 = nonempty_dup(jstr(n, "IPv6Gateway"));
	}
	if (c->n_eps > 1)
		qsort(c->eps, c->n_eps, sizeof(*c->eps), cmp_ep);
}

static int cmp_port(const void *a, const void *b)
{
	const struct port *x = a, *y = b;
	if (x->container_port != y->container_port)
		return x->container_port - y->container_port;
	int r = strcmp(x->proto, y->proto);
	if (r)
		return r;
	return x->host_port - y->host_port;
}

static void parse_ports(struct container *c, json_t *ports)
{
	if (!json_is_object(ports))
		return;
	const char *key;
	json_t *v;
	json_object_foreach(ports, key, v)
	{
		int cport = 0;
		char proto[8] = "tcp";
		if (sscanf(key, "%d/%7s", &cport, proto) < 1)
			continue;
		size_t nb = json_is_array(v) ? json_array_size(v) : 0;
		if (nb == 0) {
			c->ports = xrealloc(c->ports, (c->n_ports + 1) * sizeof(*c->ports));
			struct port *p = &c->ports[c->n_ports++];
			memset(p, 0, sizeof(*p));
			p->container_port = cport;
			snprintf(p->proto, sizeof(p->proto), "%s", proto);
			continue;
		}
		for (size_t i = 0; i < nb; i++) {
			json_t *b = json_array_get(v, i);
			c->ports = xrealloc(c->ports, (c->n_ports + 1) * sizeof(*c->ports));
			struct port *p = &c->ports[c->n_ports++];
			memset(p, 0, sizeof(*p));
			p->container_port = cport;
			snprintf(p->proto, sizeof(p->proto), "%s", proto);
			p->host_ip = nonempty_dup(jstr(b, "HostIp"));
			const char *hp = jstr(b, "HostPort");
			p->host_port = hp ? atoi(hp) : 0;
		}
	}
	if (c->n_ports > 1)
		qsort(c->ports, c->n_ports, sizeof(*c->ports), cmp_port);
}

static void parse_mounts(struct container *c, json_t *mounts)
{
	if (!json_is_array(mounts))
		return;
	size_t n = json_array_size(mounts);
	c->mounts = xcalloc(n + 1, sizeof(*c->mounts));
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(mounts, i);
		if (!json_is_object(m))
			continue;
		struct mount *x = &c->mounts[c->n_mounts++];
		x->type = nonempty_dup(jstr(m, "Type"));
		x->source = nonempty_dup(jstr(m, "Source"));
		x->destination = nonempty_dup(jstr(m, "Destination"));
		x->name = nonempty_dup(jstr(m, "Name"));
		x->rw = jbool(m, "RW");
	}
}

static char *join_cmd(json_t *j)
{
	struct buf b = {0};
	const char *path = jstr(j, "Path");
	if (path)
		buf_printf(&b, "%s", path);
	json_t *args = jarr(j, "Args");
	size_t i;
	json_t *a;
	json_array_foreach(args, i, a)
	{
		if (json_is_string(a))
			buf_printf(&b, " %s", json_string_value(a));
	}
	if (!b.len) {
		buf_free(&b); /* "Path": "" still allocated */
		return NULL;
	}
	return b.data;
}

int container_from_inspect(json_t *j, struct container *c)
{
	memset(c, 0, sizeof(*c));
	const char *id = jstr(j, "Id");
	if (!id || !*id)
		return -1;
	c->inspect = json_incref(j);
	c->id = xstrdup(id);
	const char *name = jstr(j, "Name");
	c->name = xstrdup(name ? (name[0] == '/' ? name + 1 : name) : "");
	json_t *cfg = jobj(j, "Config");
	json_t *st = jobj(j, "State");
	json_t *hc = jobj(j, "HostConfig");
	json_t *ns = jobj(j, "NetworkSettings");
	c->image = nonempty_dup(jstr(cfg, "Image"));
	c->image_id = nonempty_dup(jstr(j, "Image"));
	c->tty = jbool(cfg, "Tty");
	c->state = xstrdup(jstr(st, "Status") ? jstr(st, "Status") : "unknown");
	c->running = jbool(st, "Running");
	c->paused = jbool(st, "Paused");
	c->pid = c->running ? (int)jint(st, "Pid", 0) : 0;
	if (c->pid < 0)
		c->pid = 0;
	c->exit_code = (int)jint(st, "ExitCode", 0);
	c->created = nonempty_dup(jstr(j, "Created"));
	c->started_at = nonempty_dup(jstr(st, "StartedAt"));
	c->finished_at = nonempty_dup(jstr(st, "FinishedAt"));
	c->cmd = join_cmd(j);
	if (!st)
		container_note(c, "daemon gave no State");
	parse_network_mode(c, jstr(hc, "NetworkMode"));
	parse_endpoints(c, jobj(ns, "Networks"));
	parse_ports(c, jobj(ns, "Ports"));
	parse_mounts(c, jarr(j, "Mounts"));
	c->privileged = jbool(hc, "Privileged");
	json_t *caps = jarr(hc, "CapAdd");
	size_t i;
	json_t *cap;
	json_array_foreach(caps, i, cap)
	{
		if (json_is_string(cap))
			strv_push(&c->cap_add, &c->n_cap_add, xstrdup(json_string_value(cap)));
	}
	c->pid_mode = nonempty_dup(jstr(hc, "PidMode"));
	json_t *gd = jobj(jobj(j, "GraphDriver"), "Data");
	c->upper_dir = nonempty_dup(jstr(gd, "UpperDir"));
	c->merged_dir = nonempty_dup(jstr(gd, "MergedDir"));
	return 0;
}

void host_free(struct host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		container_clear(&h->c[i]);
	free(h->c);
	free(h->docker_host);
	free(h->api_version);
	free(h->image_root);
	free(h->data_root);
	strv_free(h->warnings, h->n_warnings);
	free(h);
}

static struct container *find_by_id(struct host *h, const char *id)
{
	for (size_t i = 0; i < h->n; i++)
		if (streq(h->c[i].id, id))
			return &h->c[i];
	return NULL;
}

void host_link_shared(struct host *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct container *c = &h->c[i];
		if (c->mode != NETMODE_CONTAINER || !c->mode_target)
			continue;
		struct container *t = find_by_id(h, c->mode_target);
		if (!t) {
			/* the daemon stores the id; a name is possible with old engines */
			struct cirt_err e = {0};
			if (host_find(h, c->mode_target, &t, &e) < 0)
				t = NULL;
		}
		if (!t) {
			container_note(c, "network owner '%s' not found", c->mode_target);
			continue;
		}
		free(c->mode_target);
		c->mode_target = xstrdup(t->id);
		c->mode_target_name = xstrdup(t->name);
		if (c->n_eps == 0 && t->n_eps > 0 && c->running) {
			free(c->eps);
			c->eps = xcalloc(t->n_eps, sizeof(*c->eps));
			for (size_t k = 0; k < t->n_eps; k++)
				endpoint_copy(&c->eps[k], &t->eps[k]);
			c->n_eps = t->n_eps;
			c->eps_shared = true;
		}
	}
}

/* Match each endpoint to the container-side link with its MAC, then to the host-side peer. */
void host_load_net(struct host *h)
{
	host_finish(h, HOST_NEED_NET);
}

static bool wanted(json_t *item, bool all)
{
	if (all)
		return true;
	const char *st = jstr(item, "State");
	return st && (streq(st, "running") || streq(st, "paused") || streq(st, "restarting"));
}

void host_list_index(json_t *list, struct host *idx, struct host *h)
{
	size_t n = json_array_size(list);
	idx->c = xcalloc(n + 1, sizeof(*idx->c));
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(list, i);
		const char *id = jstr(item, "Id");
		if (!id || !*id || strchr(id, '/') || strchr(id, '?') || strlen(id) > 128) {
			host_warn(h, "list containers: skipped an entry without a usable Id");
			continue;
		}
		struct container *c = &idx->c[idx->n++];
		c->id = xstrdup(id);
		json_t *names = jarr(item, "Names");
		const char *nm = json_string_value(json_array_get(names, 0));
		c->name = xstrdup(nm ? (nm[0] == '/' ? nm + 1 : nm) : "");
		c->running = wanted(item, false);
	}
}

static int cmp_container(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* Every container from the daemon's inspect, one request each. */
static int host_load_inspect(struct docker *d, const struct host_load_opts *o, struct host **ret,
                             struct cirt_err *err)
{
	json_t *list = NULL;
	if (docker_get_json(d, "/containers/json?all=1", &list, err) < 0)
		return err_prefix(err, "list containers");
	if (!json_is_array(list)) {
		json_decref(list);
		return err_set(err, CIRT_EXIT_BADANSWER,
		               "list containers: daemon answer is not a JSON array");
	}
	struct host *h = xcalloc(1, sizeof(*h));
	h->docker_host = xstrdup(docker_host(d));
	h->api_version = xstrdup(docker_api_version(d));
	size_t n = json_array_size(list);
	char **paths = xcalloc(n + 1, sizeof(*paths));
	size_t np = 0;
	/* the list alone names every container: resolve references before inspecting */
	struct host idx = {0};
	host_list_index(list, &idx, h);
	json_decref(list);
	bool *take = xcalloc(idx.n + 1, sizeof(*take));
	for (size_t r = 0; r < o->n_refs; r++) {
		struct container *c;
		if (host_find(&idx, o->refs[r], &c, err) < 0) {
			free(take);
			free(paths);
			host_free(h);
			for (size_t i = 0; i < idx.n; i++)
				container_clear(&idx.c[i]);
			free(idx.c);
			return -1;
		}
		take[c - idx.c] = true;
	}
	for (size_t i = 0; i < idx.n; i++) {
		if (o->n_refs ? take[i] : (o->all || idx.c[i].running))
			paths[np++] = xasprintf("/containers/%s/json", idx.c[i].id);
		container_clear(&idx.c[i]);
	}
	free(idx.c);
	free(take);
	struct docker_result *res = xcalloc(np + 1, sizeof(*res));
	int r = docker_get_json_many(d, paths, np, o->parallel ? o->parallel : 4, res, err);
	if (r == 0) {
		size_t vanished = 0;
		h->c = xcalloc(np + 1, sizeof(*h->c));
		for (size_t i = 0; i < np; i++) {
			if (res[i].status == 404) {
				vanished++;
				continue;
			}
			if (!res[i].json) {
				host_warn(h, "inspect: %s",
				          res[i].err_msg ? res[i].err_msg : "no answer");
				continue;
			}
			if (container_from_inspect(res[i].json, &h->c[h->n]) < 0) {
				host_warn(h, "inspect: answer without an Id");
				continue;
			}
			h->n++;
		}
		if (h->n > 1)
			qsort(h->c, h->n, sizeof(*h->c), cmp_container);
		if (vanished)
			host_warn(h, "%zu container%s removed while being read: left out", vanished,
			          vanished == 1 ? " was" : "s were");
	}
	for (size_t i = 0; i < np; i++) {
		docker_result_clear(&res[i]);
		free(paths[i]);
	}
	free(res);
	free(paths);
	if (r < 0) {
		host_free(h);
		return err_prefix(err, "inspect containers");
	}
	/* a container:X member needs X to be explained, even when only the member was asked for */
	for (size_t i = 0; o->n_refs && i < h->n; i++) {
		struct container *c = &h->c[i];
		if (c->mode != NETMODE_CONTAINER || !c->mode_target ||
		    find_by_id(h, c->mode_target))
			continue;
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", c->mode_target);
		json_t *j = NULL;
		struct cirt_err e2 = {0};
		if (strchr(c->mode_target, '/') || docker_get_json(d, path, &j, &e2) < 0) {
			container_note(c, "network owner '%s': %s", c->mode_target, e2.msg);
			continue;
		}
		h->c = xrealloc(h->c, (h->n + 1) * sizeof(*h->c));
		c = NULL; /* h->c moved */
		if (container_from_inspect(j, &h->c[h->n]) == 0)
			h->n++;
		json_decref(j);
	}
	host_finish(h, o->needs);
	host_link_shared(h);
	if (o->needs & HOST_DROP_DOC)
		for (size_t i = 0; i < h->n; i++) {
			json_decref(h->c[i].inspect);
			h->c[i].inspect = NULL;
		}
	*ret = h;
	return 0;
}

int host_load(struct docker *d, const struct host_load_opts *o, struct host **ret,
              struct cirt_err *err)
{
	if (!o->from_daemon && !o->n_refs && host_disk_usable(d))
		return host_load_disk(d, o, ret, err);
	return host_load_inspect(d, o, ret, err);
}

bool container_has_ip(const struct container *c, const char *addr)
{
	char want[INET6_ADDRSTRLEN], have[INET6_ADDRSTRLEN];
	if (!ip_normalize(addr, want, sizeof(want)))
		return false;
	for (size_t i = 0; i < c->n_eps; i++) {
		const struct endpoint *e = &c->eps[i];
		if (e->ipv4 && ip_normalize(e->ipv4, have, sizeof(have)) && streq(have, want))
			return true;
		if (e->ipv6 && ip_normalize(e->ipv6, have, sizeof(have)) && streq(have, want))
			return true;
	}
	return false;
}

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, json_str(v));
}

static void set_int_or_null(json_t *o, const char *k, long long v)
{
	json_object_set_new(o, k, v ? json_integer(v) : json_null());
}

json_t *endpoint_to_json(const struct endpoint *e)
{
	json_t *o = json_object();
	set_str(o, "network", e->network);
	set_str(o, "network_id", e->network_id);
	set_str(o, "ipv4", e->ipv4);
	set_int_or_null(o, "ipv4_prefix", e->ipv4_prefix);
	set_str(o, "ipv6", e->ipv6);
	set_int_or_null(o, "ipv6_prefix", e->ipv6_prefix);
	set_str(o, "mac", e->mac);
	set_str(o, "gateway", e->gateway);
	set_str(o, "gateway6", e->gateway6);
	set_str(o, "ifname", e->ifname);
	set_int_or_null(o, "ifindex", e->ifindex);
	set_str(o, "veth", e->veth);
	set_int_or_null(o, "veth_ifindex", e->veth_ifindex);
	set_str(o, "bridge", e->bridge);
	set_int_or_null(o, "bridge_ifindex", e->bridge_ifindex);
	return o;
}

json_t *container_to_json(const struct container *c)
{
	json_t *o = json_object();
	set_str(o, "id", c->id);
	set_str(o, "name", c->name);
	set_str(o, "image", c->image);
	set_str(o, "image_id", c->image_id);
	set_str(o, "state", c->state);
	set_str(o, "created", c->created);
	set_str(o, "started_at", c->started_at);
	set_str(o, "finished_at", c->finished_at);
	set_int_or_null(o, "pid", c->pid);
	set_str(o, "command", c->cmd);
	json_t *net = json_object();
	set_str(net, "mode", net_mode_name(c->mode));
	set_str(net, "raw", c->mode_raw);
	set_str(net, "shared_with", c->mode_target_name);
	set_str(net, "shared_with_id", c->mode_target);
	json_object_set_new(net, "endpoints_shared", json_boolean(c->eps_shared));
	set_int_or_null(net, "netns_inode", (long long)c->netns_inode);
	json_object_set_new(o, "network", net);
	json_t *eps = json_array();
	for (size_t i = 0; i < c->n_eps; i++)
		json_array_append_new(eps, endpoint_to_json(&c->eps[i]));
	json_object_set_new(o, "endpoints", eps);
	json_t *ports = json_array();
	for (size_t i = 0; i < c->n_ports; i++) {
		const struct port *p = &c->ports[i];
		json_t *po = json_object();
		json_object_set_new(po, "container_port", json_integer(p->container_port));
		set_str(po, "proto", p->proto);
		set_str(po, "host_ip", p->host_ip);
		set_int_or_null(po, "host_port", p->host_port);
		json_array_append_new(ports, po);
	}
	json_object_set_new(o, "ports", ports);
	json_t *mounts = json_array();
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct mount *m = &c->mounts[i];
		json_t *mo = json_object();
		set_str(mo, "type", m->type);
		set_str(mo, "source", m->source);
		set_str(mo, "destination", m->destination);
		set_str(mo, "name", m->name);
		json_object_set_new(mo, "rw", json_boolean(m->rw));
		json_array_append_new(mounts, mo);
	}
	json_object_set_new(o, "mounts", mounts);
	json_object_set_new(o, "privileged", json_boolean(c->privileged));
	json_t *caps = json_array();
	for (size_t i = 0; i < c->n_cap_add; i++)
		json_array_append_new(caps, json_str(c->cap_add[i]));
	json_object_set_new(o, "cap_add", caps);
	set_str(o, "pid_mode", c->pid_mode);
	set_str(o, "cgroup", c->cgroup);
	set_str(o, "upper_dir", c->upper_dir);
	json_t *notes = json_array();
	for (size_t i = 0; i < c->n_notes; i++)
		json_array_append_new(notes, json_str(c->notes[i]));
	json_object_set_new(o, "notes", notes);
	return o;
}

/* ---------------------------------------------------------------- the list-only snapshot */

static void parse_list_ports(struct container *c, json_t *ports)
{
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
	{
		if (!json_is_object(p))
			continue;
		c->ports = xrealloc(c->ports, (c->n_ports + 1) * sizeof(*c->ports));
		struct port *x = &c->ports[c->n_ports++];
		memset(x, 0, sizeof(*x));
		x->container_port = (int)jint(p, "PrivatePort", 0);
		snprintf(x->proto, sizeof(x->proto), "%s",
		         jstr(p, "Type") ? jstr(p, "Type") : "tcp");
		x->host_ip = nonempty_dup(jstr(p, "IP"));
		x->host_port = (int)jint(p, "PublicPort", 0);
	}
	if (c->n_ports > 1)
		qsort(c->ports, c->n_ports, sizeof(*c->ports), cmp_port);
}

int container_from_list(json_t *j, struct container *c)
{
	memset(c, 0, sizeof(*c));
	const char *id = jstr(j, "Id");
	if (!id || !*id || strchr(id, '/') || strlen(id) > 128)
		return -1;
	c->id = xstrdup(id);
	const char *nm = json_string_value(json_array_get(jarr(j, "Names"), 0));
	c->name = xstrdup(nm ? (nm[0] == '/' ? nm + 1 : nm) : "");
	c->image = nonempty_dup(jstr(j, "Image"));
	c->image_id = nonempty_dup(jstr(j, "ImageID"));
	const char *st = jstr(j, "State");
	c->state = xstrdup(st ? st : "unknown");
	c->running = st && (streq(st, "running") || streq(st, "paused") || streq(st, "restarting"));
	c->paused = st && streq(st, "paused");
	long long created = jint(j, "Created", 0);
	if (created > 0) {
		char b[40];
		c->created = xstrdup(fmt_utc(created, b, sizeof(b)));
	}
	c->cmd = nonempty_dup(jstr(j, "Command"));
	parse_network_mode(c, jstr(jobj(j, "HostConfig"), "NetworkMode"));
	parse_endpoints(c, jobj(jobj(j, "NetworkSettings"), "Networks"));
	parse_list_ports(c, jarr(j, "Ports"));
	parse_mounts(c, jarr(j, "Mounts"));
	return 0;
}

/* The container's init: the process that is pid 1 in its own pid namespace, else its lowest.
 * pids: ascending. */
static int pick_init(const int *pids, size_t n)
{
	if (n == 1)
		return pids[0];
	for (size_t i = 0; i < n && i < 8; i++)
		if (procfs_nspid(pids[i]) == 1)
			return pids[i];
	return n ? pids[0] : 0;
}

struct proc_scan {
	struct cg_scan scan;
	bool ok;
};

static void *proc_scan_thread(void *arg)
{
	struct proc_scan *ps = arg;
	struct cirt_err e = {0};
	ps->ok = cg_scan(NULL, &ps->scan, &e) == 0;
	return NULL;
}

static int cmp_cptr_id(const void *a, const void *b)
{
	const struct container *const *x = a, *const *y = b;
	return strcmp((*x)->id, (*y)->id);
}

int host_load_list(struct docker *d, bool all, unsigned needs, struct host **ret,
                   struct cirt_err *err)
{
	struct host_load_opts o = {.all = all, .needs = needs};
	return host_load_list_o(d, &o, ret, err);
}

int host_load_list_o(struct docker *d, const struct host_load_opts *o, struct host **ret,
                     struct cirt_err *err)
{
	/* pids from the cgroups in /proc, one pass instead of one inspect per container, read
	 * while the daemon prepares its answer (or the caller's own pass) */
	struct proc_scan ps = {0};
	pthread_t th;
	bool other = o->scan || o->scan_wait;
	bool threaded = !other && pthread_create(&th, NULL, proc_scan_thread, &ps) == 0;
	json_t *list = NULL;
	int r =
	    docker_get_json(d, o->all ? "/containers/json?all=1" : "/containers/json", &list, err);
	if (threaded)
		pthread_join(th, NULL);
	const struct cg_scan *given = o->scan        ? o->scan
	                              : o->scan_wait ? o->scan_wait(o->scan_ud)
	                                             : NULL;
	if (!threaded && !given)
		proc_scan_thread(&ps);
	const struct cg_scan *scan = given ? given : ps.ok ? &ps.scan : NULL;
	if (r < 0) {
		cg_scan_free(&ps.scan);
		return err_prefix(err, "list containers");
	}
	if (!json_is_array(list)) {
		json_decref(list);
		cg_scan_free(&ps.scan);
		return err_set(err, CIRT_EXIT_BADANSWER,
		               "list containers: daemon answer is not a JSON array");
	}
	struct host *h = xcalloc(1, sizeof(*h));
	h->docker_host = xstrdup(docker_host(d));
	h->api_version = xstrdup(docker_api_version(d));
	size_t n = json_array_size(list);
	h->c = xcalloc(n + 1, sizeof(*h->c));
	for (size_t i = 0; i < n; i++) {
		if (container_from_list(json_array_get(list, i), &h->c[h->n]) < 0) {
			host_warn(h, "list containers: skipped an entry without a usable Id");
			continue;
		}
		h->n++;
	}
	json_decref(list);
	if (h->n > 1)
		qsort(h->c, h->n, sizeof(*h->c), cmp_container);
	if (!scan)
		host_warn(h, "cannot list processes: /proc could not be read");
	/* each container of the scan found by id: one lookup each */
	struct container **byid = xcalloc(h->n + 1, sizeof(*byid));
	for (size_t i = 0; i < h->n; i++)
		byid[i] = &h->c[i];
	qsort(byid, h->n, sizeof(*byid), cmp_cptr_id);
	for (size_t i = 0; scan && i < scan->n; i++) {
		const struct cg_container *cg = &scan->v[i];
		struct container k = {.id = (char *)cg->id}, *kp = &k;
		struct container **hit = bsearch(&kp, byid, h->n, sizeof(*byid), cmp_cptr_id);
		if (hit && (*hit)->running)
			(*hit)->pid = pick_init(cg->pids, cg->n_pids);
	}
	free(byid);
	cg_scan_free(&ps.scan);
	/* started while /proc was read (or a cgroup layout we do not know): ask the daemon */
	for (size_t i = 0; i < h->n; i++) {
		struct container *c = &h->c[i];
		if (!c->running || c->pid)
			continue;
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", c->id);
		json_t *j = NULL;
		struct cirt_err e = {0};
		if (docker_get_json(d, path, &j, &e) == 0) {
			json_t *st = jobj(j, "State");
			long long pid = jbool(st, "Running") ? jint(st, "Pid", 0) : 0;
			c->pid = pid > 0 && pid <= INT32_MAX ? (int)pid : 0;
			json_decref(j);
		}
		if (!c->pid)
			container_note(c, "no process found in its cgroup");
	}
	host_finish(h, o->needs);
	host_link_shared(h);
	*ret = h;
	return 0;
}
