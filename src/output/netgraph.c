/* netgraph.c: DOT text of the network map. */
#include "output/netgraph.h"

#include <fnmatch.h>

#include "escape.h"

/* A DOT string literal of untrusted text: controls made visible, quotes and backslashes escaped;
 * "\n" in the C string becomes a DOT line break. */
static void q(struct buf *b, const char *s)
{
	buf_append(b, "\"", 1);
	for (const char *line = s; line;) {
		const char *nl = strchr(line, '\n');
		_cleanup_free_ char *e =
		    term_escape_n(line, nl ? (size_t)(nl - line) : strlen(line));
		for (const char *p = e; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_append(b, "\\", 1);
			buf_append(b, p, 1);
		}
		if (nl)
			buf_append(b, "\\n", 2);
		line = nl ? nl + 1 : NULL;
	}
	buf_append(b, "\"", 1);
}

static void label_attr(struct buf *b, const char *text)
{
	buf_printf(b, "label=");
	q(b, text);
}

static char *addr_list(const struct netmap *m, int ifindex)
{
	struct buf b = {0};
	for (size_t i = 0; i < m->addrs.n; i++) {
		const struct rtnl_addr *a = &m->addrs.v[i];
		if (a->ifindex != ifindex || (a->family == AF_INET6 && a->scope != 0))
			continue; /* link-local IPv6 adds nothing to the picture */
		buf_printf(&b, "\n%s/%d", a->text, a->prefix);
	}
	return b.data ? b.data : xstrdup("");
}

static char *container_label(const struct container *c, const char *mode)
{
	struct buf b = {0};
	buf_printf(&b, "%s", c->name);
	for (size_t i = 0; i < c->n_eps; i++) {
		if (c->eps[i].ipv4)
			buf_printf(&b, "\n%s", c->eps[i].ipv4);
		if (c->eps[i].ipv6)
			buf_printf(&b, "\n%s", c->eps[i].ipv6);
	}
	buf_printf(&b, "\n[%s]", mode);
	return b.data;
}

static void container_node(struct buf *b, const struct container *c, const char *mode,
                           const char *fill)
{
	_cleanup_free_ char *l = container_label(c, mode);
	buf_printf(b, "    \"c:%.12s\" [", c->id);
	label_attr(b, l);
	buf_printf(b, ", fillcolor=\"%s\"];\n", fill);
}

static const struct container *owner_of(const struct netmap *m, const struct container *c)
{
	for (size_t i = 0; c->mode_target && i < m->h->n; i++)
		if (streq(m->h->c[i].id, c->mode_target))
			return &m->h->c[i];
	return NULL;
}

static bool shown(const struct container *c, const char *only)
{
	return !only || fnmatch(only, c->name, 0) == 0;
}

static void dot_header(struct buf *b)
{
	buf_printf(
	    b,
	    "digraph cirt_net {\n"
	    "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.2, ranksep=0.9, "
	    "labelloc=t, newrank=true];\n"
	    "  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\", "
	    "fillcolor=\"#ffffff\"];\n"
	    "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n");
	buf_printf(b, "  outside [shape=ellipse, fillcolor=\"#eeeeee\", label=\"outside\"];\n");
}

/* Host interfaces that are not Docker's: NICs, other veths (e.g. to other namespaces). */
static void dot_host_ifaces(struct buf *b, const struct netmap *m)
{
	for (size_t i = 0; i < m->n_ifs; i++) {
		const struct nm_iface *f = &m->ifs[i];
		if (f->docker || f->role == NM_LOOPBACK || f->role == NM_BRIDGE)
			continue;
		_cleanup_free_ char *al = addr_list(m, f->link->ifindex);
		if (!*al && f->role != NM_PHYSICAL)
			continue; /* an unaddressed helper device (ifb, dummy) says nothing here */
		_cleanup_free_ char *l =
		    xasprintf("%s (host %s%s)%s", f->link->name, nm_role_name(f->role),
		              f->up ? "" : ", down", al);
		buf_printf(b, "  \"if:%d\" [fillcolor=\"%s\", ", f->link->ifindex,
		           f->role == NM_PHYSICAL ? "#dbe9f6" : "#eef3f8");
		label_attr(b, l);
		buf_printf(b, "];\n");
	}
}

/* One edge per interface that holds default routes, with every gateway on it. */
static void dot_default_routes(struct buf *b, const struct netmap *m)
{
	for (size_t i = 0; i < m->n_routes; i++) {
		const struct nm_route *r = &m->routes[i];
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = m->routes[k].oif != r->oif;
		if (!first || !netmap_iface(m, r->oif))
			continue;
		struct buf l = {0};
		buf_printf(&l, "default route");
		for (size_t k = i; k < m->n_routes; k++)
			if (m->routes[k].oif == r->oif)
				buf_printf(&l, "\nvia %s",
				           m->routes[k].gateway[0] ? m->routes[k].gateway
				                                   : "(on-link)");
		buf_printf(b, "  \"if:%d\" -> outside [", r->oif);
		label_attr(b, buf_cstr(&l));
		buf_printf(b, "];\n");
		buf_free(&l);
	}
}

/* A container drawn on a bridge: not one sharing another's endpoints (drawn as "shares"
 * below), and asked for. */
static bool on_bridge(const struct container *c, const char *only)
{
	return !c->eps_shared && shown(c, only);
}

/* The cluster of one bridge: its label (network, subnets), the bridge and its containers. */
static void dot_bridge_cluster(struct buf *b, const struct netmap *m, const struct nm_bridge *br,
                               const struct nm_network *n, const char *only)
{
	_cleanup_free_ char *al = addr_list(m, br->link->ifindex);
	struct buf cl = {0};
	if (n)
		buf_printf(&cl, "network %s%s", n->name,
		           streq(n->name, "bridge") ? " (default)" : "");
	else
		buf_printf(&cl, "bridge %s (no Docker network)", br->link->name);
	for (size_t k = 0; n && k < n->n_subnets; k++)
		buf_printf(&cl, " %s", n->subnets[k]);
	buf_printf(b, "  subgraph \"cluster_br%d\" {\n    style=\"rounded\"; color=\"#b07d2b\"; ",
	           br->link->ifindex);
	label_attr(b, buf_cstr(&cl));
	buf_printf(b, ";\n");
	buf_free(&cl);
	_cleanup_free_ char *bl = xasprintf("%s (bridge)%s", br->link->name, al);
	buf_printf(b, "    \"br:%d\" [shape=box, fillcolor=\"#fde9c9\", ", br->link->ifindex);
	label_attr(b, bl);
	buf_printf(b, "];\n");
	for (size_t k = 0; k < br->n_ports; k++) {
		const struct nm_bridge_port *p = &br->ports[k];
		for (size_t j = 0; j < p->n_containers; j++) {
			const struct container *c = &m->h->c[p->containers[j]];
			if (on_bridge(c, only))
				container_node(b, c,
				               c->mode == NETMODE_CUSTOM ? "custom" : "bridge",
				               "#d5f0d5");
		}
	}
	buf_printf(b, "  }\n");
}

/* A long bridge is staggered over several columns (edge lengths 1..cols), like Graphviz's
 * unflatten: 200 containers stay a readable block, not one tall column. */
static size_t bridge_columns(const struct netmap *m, const struct nm_bridge *br, const char *only)
{
	size_t nshown = 0;
	for (size_t k = 0; k < br->n_ports; k++)
		for (size_t j = 0; j < br->ports[k].n_containers; j++)
			nshown += on_bridge(&m->h->c[br->ports[k].containers[j]], only);
	size_t cols = nshown > 12 ? (nshown + 11) / 12 : 1;
	return cols > 6 ? 6 : cols;
}

/* The edges of a bridge: each container's veth, and ports that hold no container. */
static void dot_bridge_ports(struct buf *b, const struct netmap *m, const struct nm_bridge *br,
                             const char *only)
{
	size_t cols = bridge_columns(m, br, only), k_shown = 0;
	for (size_t k = 0; k < br->n_ports; k++) {
		const struct nm_bridge_port *p = &br->ports[k];
		for (size_t j = 0; j < p->n_containers; j++) {
			const struct container *c = &m->h->c[p->containers[j]];
			if (!on_bridge(c, only))
				continue;
			const char *ifn = "eth?";
			for (size_t e = 0; e < c->n_eps; e++)
				if (c->eps[e].veth_ifindex == p->link->ifindex && c->eps[e].ifname)
					ifn = c->eps[e].ifname;
			_cleanup_free_ char *el = xasprintf("%s : %s", ifn, p->link->name);
			buf_printf(b, "  \"c:%.12s\" -> \"br:%d\" [arrowhead=none, minlen=%zu, ",
			           c->id, br->link->ifindex, 1 + (k_shown++ % cols));
			label_attr(b, el);
			buf_printf(b, "];\n");
		}
		if (!p->n_containers) {
			_cleanup_free_ char *pl =
			    xasprintf("%s (%s, no container)", p->link->name,
			              p->link->kind[0] ? p->link->kind : "port");
			buf_printf(b, "  \"port:%d\" [fillcolor=\"#f4f4f4\", ", p->link->ifindex);
			label_attr(b, pl);
			buf_printf(b, "];\n  \"port:%d\" -> \"br:%d\" [arrowhead=none];\n",
			           p->link->ifindex, br->link->ifindex);
		}
	}
}

/* One cluster per bridge: the bridge, its containers, the veth on each edge, and the NAT edge
 * to the interface of the default route. */
static void dot_bridges(struct buf *b, const struct netmap *m, const char *only)
{
	const struct nm_route *dr = netmap_default_route(m, 4);
	for (size_t i = 0; i < m->n_brs; i++) {
		const struct nm_bridge *br = &m->brs[i];
		const struct nm_network *n = br->network >= 0 ? &m->nets[br->network] : NULL;
		dot_bridge_cluster(b, m, br, n, only);
		dot_bridge_ports(b, m, br, only);
		if (n && n->n_masq && dr) {
			const struct fw_rule *r = &m->fw.rules[n->masq[0]];
			_cleanup_free_ char *ml = xasprintf("MASQUERADE %s", r->src ? r->src : "");
			buf_printf(
			    b,
			    "  \"br:%d\" -> \"if:%d\" [color=\"#c0392b\", fontcolor=\"#c0392b\", ",
			    br->link->ifindex, dr->oif);
			label_attr(b, ml);
			buf_printf(b, "];\n");
		}
	}
}

/* Published ports: from the outside to the container. */
static void dot_published(struct buf *b, const struct netmap *m, const char *only)
{
	for (size_t i = 0; i < m->n_pubs; i++) {
		const struct nm_published *p = &m->pubs[i];
		if (p->container < 0)
			continue;
		const struct container *c = &m->h->c[p->container];
		if (!shown(c, only))
			continue;
		_cleanup_free_ char *l = xasprintf(
		    "%s %s:%d -> %d/%s%s", p->rule >= 0 ? "DNAT" : "proxy",
		    p->host_ip ? p->host_ip : "*", p->host_port, p->container_port, p->proto,
		    p->status == NM_PUB_OK || p->status == NM_PUB_PROXY ? "" : " (!)");
		/* drawn container -> outside with the arrow reversed: keeps the left-to-right
		 * layout */
		buf_printf(b,
		           "  \"c:%.12s\" -> outside [dir=back, style=dashed, color=\"#2c7fb8\", "
		           "fontcolor=\"#2c7fb8\", ",
		           c->id);
		label_attr(b, l);
		buf_printf(b, "];\n");
	}
}

/* Containers of one network mode shown, or none. */
static bool any_in_mode(const struct host *h, enum net_mode mode, const char *only)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->c[i].mode == mode && shown(&h->c[i], only))
			return true;
	return false;
}

/* Host-mode containers in the host's namespace (on the default route's interface), and
 * containers with no network. */
static void dot_host_and_none(struct buf *b, const struct netmap *m, const char *only)
{
	const struct host *h = m->h;
	const struct nm_route *dr = netmap_default_route(m, 4);
	if (any_in_mode(h, NETMODE_HOST, only)) {
		buf_printf(b, "  subgraph cluster_hostnet {\n    label=\"host network namespace "
		              "(no veth, no NAT)\"; "
		              "style=\"rounded,dashed\"; color=\"#2c7fb8\";\n");
		for (size_t i = 0; i < h->n; i++)
			if (h->c[i].mode == NETMODE_HOST && shown(&h->c[i], only))
				container_node(b, &h->c[i], "host", "#dbe9f6");
		buf_printf(b, "  }\n");
		for (size_t i = 0; i < h->n && dr; i++)
			if (h->c[i].mode == NETMODE_HOST && shown(&h->c[i], only))
				buf_printf(b,
				           "  \"c:%.12s\" -> \"if:%d\" [style=dotted, label=\"host "
				           "stack\"];\n",
				           h->c[i].id, dr->oif);
	}
	if (any_in_mode(h, NETMODE_NONE, only)) {
		buf_printf(b, "  subgraph cluster_none {\n    label=\"no network (loopback "
		              "only)\"; style=\"rounded,dashed\"; "
		              "color=\"#999999\";\n");
		for (size_t i = 0; i < h->n; i++)
			if (h->c[i].mode == NETMODE_NONE && shown(&h->c[i], only))
				container_node(b, &h->c[i], "none", "#eeeeee");
		buf_printf(b, "  }\n");
	}
}

/* Already drawn (host, none, on a bridge through its veth) or not asked for. */
static bool drawn_elsewhere(const struct netmap *m, const struct container *c, const char *only)
{
	if (c->mode == NETMODE_HOST || c->mode == NETMODE_NONE || !shown(c, only))
		return true;
	if (c->eps_shared)
		return false;
	for (size_t e = 0; e < c->n_eps; e++)
		for (size_t k = 0; k < m->n_brs; k++)
			for (size_t p = 0; p < m->brs[k].n_ports; p++)
				if (m->brs[k].ports[p].link->ifindex == c->eps[e].veth_ifindex)
					return true;
	return false;
}

/* Containers without a bridge: container:X (an edge to the owner of the namespace), and
 * bridged ones whose veth is unknown. */
static void dot_unbridged(struct buf *b, const struct netmap *m, const char *only)
{
	const struct host *h = m->h;
	for (size_t i = 0; i < h->n; i++) {
		const struct container *c = &h->c[i];
		if (drawn_elsewhere(m, c, only))
			continue;
		const struct container *o = c->mode == NETMODE_CONTAINER ? owner_of(m, c) : NULL;
		_cleanup_free_ char *mode =
		    o ? xasprintf("container:%s", o->name) : xstrdup(net_mode_name(c->mode));
		container_node(b, c, mode, "#f7f7d0");
		if (o && shown(o, only))
			buf_printf(b,
			           "  \"c:%.12s\" -> \"c:%.12s\" [style=dashed, label=\"shares "
			           "netns\"];\n",
			           c->id, o->id);
	}
}

char *netgraph_dot(const struct netmap *m, const char *only)
{
	struct buf b = {0};
	dot_header(&b);
	dot_host_ifaces(&b, m);
	dot_default_routes(&b, m);
	dot_bridges(&b, m, only);
	dot_published(&b, m, only);
	dot_host_and_none(&b, m, only);
	dot_unbridged(&b, m, only);
	buf_printf(&b, "}\n");
	return b.data;
}
