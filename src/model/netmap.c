/* netmap.c: join the daemon's networks, the host's links, addresses and routes, and the
 * firewall's rules into one network map; explain each container's network mode. */
#include "model/netmap.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "escape.h"
#include "sources/ondisk.h"
#include "sources/procfs.h"

const char *nm_role_name(enum nm_role r)
{
	switch (r) {
	case NM_LOOPBACK:
		return "loopback";
	case NM_PHYSICAL:
		return "physical";
	case NM_BRIDGE:
		return "bridge";
	case NM_VETH:
		return "veth";
	default:
		return "other";
	}
}

const char *nm_pub_status_name(enum nm_pub_status s)
{
	switch (s) {
	case NM_PUB_OK:
		return "ok";
	case NM_PUB_RULE_ONLY:
		return "rule only";
	case NM_PUB_PROXY:
		return "proxy only";
	default:
		return "missing rule";
	}
}

static void push_idx(size_t **v, size_t *n, size_t x)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = x;
}

static void note(struct netmap *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct netmap *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&m->notes, &m->n_notes, fmt, ap);
	va_end(ap);
}

void netmap_free(struct netmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_nets; i++) {
		struct nm_network *n = &m->nets[i];
		free(n->id);
		free(n->name);
		free(n->driver);
		free(n->scope);
		for (size_t k = 0; k < n->n_subnets; k++) {
			free(n->subnets[k]);
			free(n->gateways[k]);
		}
		free(n->subnets);
		free(n->gateways);
		free(n->bridge);
		free(n->members);
		free(n->masq);
	}
	free(m->nets);
	for (size_t i = 0; i < m->n_brs; i++) {
		for (size_t k = 0; k < m->brs[i].n_ports; k++)
			free(m->brs[i].ports[k].containers);
		free(m->brs[i].ports);
	}
	free(m->brs);
	free(m->ifs);
	free(m->routes);
	rtnl_links_free(&m->links);
	rtnl_addrs_free(&m->addrs);
	fw_ruleset_free(&m->fw);
	free(m->user_rules);
	free(m->isolation);
	free(m->other_rules);
	free(m->reach);
	for (size_t i = 0; i < m->n_pubs; i++) {
		free(m->pubs[i].host_ip);
		free(m->pubs[i].container_ip);
	}
	free(m->pubs);
	for (size_t i = 0; i < m->n_proxies; i++) {
		free(m->proxies[i].host_ip);
		free(m->proxies[i].container_ip);
	}
	free(m->proxies);
	for (size_t i = 0; i < m->n_strays; i++)
		free(m->strays[i].reason);
	free(m->strays);
	for (size_t i = 0; m->mode_lines && m->h && i < m->h->n; i++)
		free(m->mode_lines[i]);
	free(m->mode_lines);
	for (size_t i = 0; i < m->n_notes; i++)
		free(m->notes[i]);
	free(m->notes);
	free(m);
}

/* ------------------------------------------------------------------ lookups */

const struct nm_iface *netmap_iface(const struct netmap *m, int ifindex)
{
	for (size_t i = 0; i < m->n_ifs; i++)
		if (m->ifs[i].link->ifindex == ifindex)
			return &m->ifs[i];
	return NULL;
}

const char *netmap_ifname(const struct netmap *m, int ifindex)
{
	const struct nm_iface *f = netmap_iface(m, ifindex);
	return f ? f->link->name : "?";
}

const struct nm_network *netmap_network_of(const struct netmap *m, const struct endpoint *e)
{
	for (size_t i = 0; i < m->n_nets; i++) {
		const struct nm_network *n = &m->nets[i];
		if (e->network_id && streq(n->id, e->network_id))
			return n;
	}
	for (size_t i = 0; i < m->n_nets; i++)
		if (e->network && streq(m->nets[i].name, e->network))
			return &m->nets[i];
	return NULL;
}

ssize_t netmap_container_by_ip(const struct netmap *m, const char *addr)
{
	if (!m->h || !addr)
		return -1;
	char a[INET6_ADDRSTRLEN];
	/* "172.17.0.2/32" in a rule is one address */
	snprintf(a, sizeof(a), "%s", addr);
	char *sl = strchr(a, '/');
	if (sl) {
		if (!streq(sl + 1, "32") && !streq(sl + 1, "128"))
			return -1;
		*sl = '\0';
	}
	ssize_t shared = -1;
	for (size_t i = 0; i < m->h->n; i++) {
		const struct container *c = &m->h->c[i];
		if (!c->running || !container_has_ip(c, a))
			continue;
		if (!c->eps_shared)
			return (ssize_t)i;
		shared = (ssize_t)i;
	}
	return shared;
}

const struct nm_route *netmap_default_route(const struct netmap *m, int family)
{
	const struct nm_route *best = NULL;
	for (size_t i = 0; i < m->n_routes; i++)
		if (m->routes[i].family == family && (!best || m->routes[i].metric < best->metric))
			best = &m->routes[i];
	return best;
}

static bool host_has_addr(const struct netmap *m, const char *addr)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	if (!ip_normalize(addr, a, sizeof(a)))
		return false;
	for (size_t i = 0; i < m->addrs.n; i++)
		if (ip_normalize(m->addrs.v[i].text, b, sizeof(b)) && streq(a, b))
			return true;
	return false;
}

/* ------------------------------------------------------------------ networks */

static char *nonempty(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static bool opt_bool(json_t *opts, const char *key, bool dflt)
{
	const char *v = jstr(opts, key);
	if (!v)
		return dflt;
	return streq(v, "true") || streq(v, "1");
}

static int cmp_net(const void *a, const void *b)
{
	const struct nm_network *x = a, *y = b;
	return strcmp(x->name, y->name);
}

void netmap_parse_networks(struct netmap *m, json_t *list)
{
	size_t n = json_array_size(list);
	m->nets = xcalloc(n + 1, sizeof(*m->nets));
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_array_get(list, i);
		const char *id = jstr(j, "Id"), *name = jstr(j, "Name");
		if (!id || !name)
			continue;
		struct nm_network *x = &m->nets[m->n_nets++];
		x->id = xstrdup(id);
		x->name = xstrdup(name);
		x->driver = nonempty(jstr(j, "Driver"));
		x->scope = nonempty(jstr(j, "Scope"));
		x->internal = jbool(j, "Internal");
		x->ipv6 = jbool(j, "EnableIPv6");
		json_t *opts = jobj(j, "Options");
		x->icc = opt_bool(opts, "com.docker.network.bridge.enable_icc", true);
		x->masquerade_opt =
		    opt_bool(opts, "com.docker.network.bridge.enable_ip_masquerade", true);
		json_t *cfg = jarr(jobj(j, "IPAM"), "Config");
		size_t nc = json_array_size(cfg);
		x->subnets = xcalloc(nc + 1, sizeof(char *));
		x->gateways = xcalloc(nc + 1, sizeof(char *));
		for (size_t k = 0; k < nc; k++) {
			json_t *c = json_array_get(cfg, k);
			const char *sn = jstr(c, "Subnet");
			if (!sn || !*sn)
				continue;
			x->subnets[x->n_subnets] = xstrdup(sn);
			x->gateways[x->n_subnets] = nonempty(jstr(c, "Gateway"));
			x->n_subnets++;
		}
		if (x->driver && streq(x->driver, "bridge")) {
			const char *bn = jstr(opts, "com.docker.network.bridge.name");
			x->bridge = bn && *bn ? xstrdup(bn) : xasprintf("br-%.12s", x->id);
		}
	}
	qsort(m->nets, m->n_nets, sizeof(*m->nets), cmp_net);
}

/* The gateway of the default network is the bridge's own address (the daemon leaves it out). */
static void fill_gateways(struct netmap *m)
{
	for (size_t i = 0; i < m->n_nets; i++) {
		struct nm_network *n = &m->nets[i];
		for (size_t k = 0; k < n->n_subnets; k++) {
			if (n->gateways[k] || !n->bridge_ifindex)
				continue;
			char net[INET6_ADDRSTRLEN];
			int len = 0;
			if (sscanf(n->subnets[k], "%45[^/]/%d", net, &len) != 2)
				continue;
			for (size_t a = 0; a < m->addrs.n; a++) {
				const struct rtnl_addr *x = &m->addrs.v[a];
				if (x->ifindex == n->bridge_ifindex &&
				    ip_in_prefix(x->text, net, len)) {
					n->gateways[k] = xstrdup(x->text);
					break;
				}
			}
		}
	}
}

/* ------------------------------------------------------------------ links */

/* each network's containers: those with an endpoint on it */
static void build_members(struct netmap *m)
{
	const struct host *h = m->h;
	for (size_t i = 0; i < m->n_nets; i++) {
		struct nm_network *n = &m->nets[i];
		for (size_t c = 0; h && c < h->n; c++)
			for (size_t e = 0; e < h->c[c].n_eps; e++)
				if (netmap_network_of(m, &h->c[c].eps[e]) == n)
					push_idx(&n->members, &n->n_members, c);
	}
}

static void build_links(struct netmap *m)
{
	const struct host *h = m->h;
	m->ifs = xcalloc(m->links.n + 1, sizeof(*m->ifs));
	m->n_ifs = m->links.n;
	size_t nbr = 0;
	for (size_t i = 0; i < m->links.n; i++) {
		const struct rtnl_link *k = &m->links.v[i];
		struct nm_iface *f = &m->ifs[i];
		f->link = k;
		f->up = k->flags & IFF_UP;
		f->container = -1;
		if (k->flags & IFF_LOOPBACK)
			f->role = NM_LOOPBACK;
		else if (streq(k->kind, "bridge"))
			f->role = NM_BRIDGE;
		else if (streq(k->kind, "veth"))
			f->role = NM_VETH;
		else if (!k->kind[0])
			f->role = NM_PHYSICAL;
		else
			f->role = NM_OTHER;
		if (f->role == NM_BRIDGE)
			nbr++;
	}
	for (size_t i = 0; i < m->n_nets; i++) {
		struct nm_network *n = &m->nets[i];
		const struct rtnl_link *k =
		    n->bridge ? rtnl_link_by_name(&m->links, n->bridge) : NULL;
		n->bridge_ifindex = k ? k->ifindex : 0;
	}
	build_members(m);
	m->brs = xcalloc(nbr + 1, sizeof(*m->brs));
	for (size_t i = 0; i < m->n_ifs; i++) {
		if (m->ifs[i].role != NM_BRIDGE)
			continue;
		struct nm_bridge *b = &m->brs[m->n_brs++];
		b->link = m->ifs[i].link;
		b->network = -1;
		for (size_t n = 0; n < m->n_nets; n++)
			if (m->nets[n].bridge_ifindex == b->link->ifindex)
				b->network = (ssize_t)n;
		if (b->network >= 0)
			m->ifs[i].docker = true;
		for (size_t p = 0; p < m->n_ifs; p++) {
			if (m->ifs[p].link->master != b->link->ifindex)
				continue;
			b->ports = xrealloc(b->ports, (b->n_ports + 1) * sizeof(*b->ports));
			struct nm_bridge_port *port = &b->ports[b->n_ports++];
			memset(port, 0, sizeof(*port));
			port->link = m->ifs[p].link;
			if (b->network >= 0)
				m->ifs[p].docker = true;
			for (size_t c = 0; h && c < h->n; c++)
				for (size_t e = 0; e < h->c[c].n_eps; e++)
					if (h->c[c].eps[e].veth_ifindex == port->link->ifindex) {
						push_idx(&port->containers, &port->n_containers, c);
						if (m->ifs[p].container < 0 ||
						    h->c[m->ifs[p].container].eps_shared)
							m->ifs[p].container = (ssize_t)c;
					}
		}
	}
	fill_gateways(m);
}

static void build_routes(struct netmap *m, const struct rtnl_routes *r)
{
	m->routes = xcalloc(r->n + 1, sizeof(*m->routes));
	for (size_t i = 0; i < r->n; i++) {
		const struct rtnl_route *x = &r->v[i];
		if (x->dst_len != 0 || x->table != RT_TABLE_MAIN || x->type != RTN_UNICAST)
			continue;
		struct nm_route *d = &m->routes[m->n_routes++];
		d->family = x->family == AF_INET ? 4 : 6;
		snprintf(d->gateway, sizeof(d->gateway), "%s", x->gateway);
		snprintf(d->prefsrc, sizeof(d->prefsrc), "%s", x->prefsrc);
		d->oif = x->oif;
		d->metric = x->metric;
	}
}

/* ------------------------------------------------------------------ firewall analysis */

static void stray(struct netmap *m, size_t rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void stray(struct netmap *m, size_t rule, const char *fmt, ...)
{
	for (size_t i = 0; i < m->n_strays; i++)
		if (m->strays[i].rule == rule)
			return; /* one reason per rule: the first is the strongest */
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	const struct fw_rule *r = &m->fw.rules[rule];
	const struct fw_chain *c = fw_rule_chain(&m->fw, r);
	if (!m->reach)
		m->reach = fw_reachability(&m->fw);
	if (c && !m->reach[c - m->fw.chains]) {
		char *t = xasprintf("%s (its chain %s is not reached from any hook: inert for now)",
		                    s, r->chain);
		free(s);
		s = t;
	}
	m->strays = xrealloc(m->strays, (m->n_strays + 1) * sizeof(*m->strays));
	m->strays[m->n_strays].rule = rule;
	m->strays[m->n_strays].reason = s;
	m->n_strays++;
}

/* "a.b.c.d/len" -> address and length; a bare address is a full-length prefix */
static bool split_prefix(const char *s, char *addr, size_t n, int *len)
{
	if (!s)
		return false;
	const char *sl = strchr(s, '/');
	snprintf(addr, n, "%.*s", sl ? (int)(sl - s) : (int)strlen(s), s);
	char tmp[16];
	if (sl)
		*len = atoi(sl + 1);
	else
		*len = inet_pton(AF_INET, addr, tmp) == 1 ? 32 : 128;
	return true;
}

static bool same_prefix(const char *a, const char *b)
{
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];
	int lx, ly;
	if (!split_prefix(a, x, sizeof(x), &lx) || !split_prefix(b, y, sizeof(y), &ly))
		return false;
	return lx == ly && ip_in_prefix(x, y, ly) && ip_in_prefix(y, x, lx);
}

static bool is_docker_chain(const struct fw_rule *r)
{
	if (r->source == FW_NFT)
		return streq(r->table, "docker-bridges");
	return startswith(r->chain, "DOCKER");
}

/* A bridge-like name Docker would make: docker0, br-<12 hex> */
static bool docker_bridge_name(const char *s)
{
	if (!s)
		return false;
	if (streq(s, "docker0"))
		return true;
	if (!startswith(s, "br-") || strlen(s) != 15)
		return false;
	for (const char *p = s + 3; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

static bool known_iface(const struct netmap *m, const char *s)
{
	if (!s || strchr(s, '+') || strchr(s, '*'))
		return true; /* wildcards match whatever exists */
	if (rtnl_link_by_name(&m->links, s))
		return true;
	for (size_t i = 0; i < m->n_nets; i++)
		if (m->nets[i].bridge && streq(m->nets[i].bridge, s))
			return true;
	return false;
}

static struct nm_network *network_by_subnet(struct netmap *m, const char *src)
{
	for (size_t i = 0; i < m->n_nets; i++)
		for (size_t k = 0; k < m->nets[i].n_subnets; k++)
			if (same_prefix(src, m->nets[i].subnets[k]))
				return &m->nets[i];
	return NULL;
}

static int ip_family(const char *s)
{
	unsigned char b[16];
	char a[INET6_ADDRSTRLEN];
	int len;
	if (!split_prefix(s, a, sizeof(a), &len))
		return 0;
	if (inet_pton(AF_INET, a, b) == 1)
		return 4;
	if (inet_pton(AF_INET6, a, b) == 1)
		return 6;
	return 0;
}

static bool wildcard_ip(const char *s)
{
	return !s || !*s || streq(s, "0.0.0.0") || streq(s, "::") || streq(s, "0.0.0.0/0") ||
	       streq(s, "::/0");
}

static bool host_ip_matches(const char *daemon_ip, const struct fw_rule *r)
{
	if (wildcard_ip(daemon_ip))
		return !r->dst || r->dst_neg;
	if (!r->dst || r->dst_neg)
		return false;
	return same_prefix(daemon_ip, r->dst);
}

static const struct nm_proxy *find_proxy(const struct netmap *m, const char *proto,
                                         const char *host_ip, int host_port, const char *cip,
                                         int cport)
{
	for (size_t i = 0; i < m->n_proxies; i++) {
		const struct nm_proxy *p = &m->proxies[i];
		if (p->host_port != host_port || p->container_port != cport ||
		    !streq(p->proto, proto))
			continue;
		if (cip && p->container_ip && !streq(cip, p->container_ip))
			continue;
		bool w1 = wildcard_ip(host_ip), w2 = wildcard_ip(p->host_ip);
		if (w1 != w2)
			continue;
		if (!w1 && !same_prefix(host_ip, p->host_ip))
			continue;
		if (w1 && ip_family(host_ip ? host_ip : "0.0.0.0") !=
		              ip_family(p->host_ip ? p->host_ip : "0.0.0.0"))
			continue;
		return p;
	}
	return NULL;
}

static bool rule_is_dnat_for(const struct fw_rule *r, const struct container *c,
                             const struct port *p)
{
	if (!r->verdict || !streq(r->verdict, "DNAT") || !r->to_addr)
		return false;
	if (r->dport_lo != p->host_port || r->to_port != p->container_port)
		return false;
	if (r->proto && !streq(r->proto, p->proto))
		return false;
	if (!container_has_ip(c, r->to_addr))
		return false;
	int fam = p->host_ip && strchr(p->host_ip, ':') ? 6 : 4;
	if (r->family && r->family != fam)
		return false;
	return host_ip_matches(p->host_ip, r);
}

static void add_pub(struct netmap *m, const struct nm_published *p)
{
	m->pubs = xrealloc(m->pubs, (m->n_pubs + 1) * sizeof(*m->pubs));
	m->pubs[m->n_pubs++] = *p;
}

/* Does this backend and family hold Docker's NAT (a DOCKER chain or the docker-bridges table)? */
static bool docker_nat_in(const struct netmap *m, int family)
{
	for (size_t i = 0; i < m->fw.n_chains; i++) {
		const struct fw_chain *c = &m->fw.chains[i];
		if (c->family == family &&
		    ((c->source != FW_NFT && streq(c->table, "nat") && streq(c->name, "DOCKER")) ||
		     (c->source == FW_NFT && streq(c->table, "docker-bridges"))))
			return true;
	}
	return false;
}

static void analyse_published(struct netmap *m, bool *rule_used)
{
	const struct host *h = m->h;
	for (size_t ci = 0; h && ci < h->n; ci++) {
		const struct container *c = &h->c[ci];
		if (!c->running || c->eps_shared)
			continue;
		for (size_t pi = 0; pi < c->n_ports; pi++) {
			const struct port *p = &c->ports[pi];
			if (!p->host_port)
				continue;
			struct nm_published x = {
			    .container = (ssize_t)ci, .rule = -1, .daemon = true};
			x.family = p->host_ip && strchr(p->host_ip, ':') ? 6 : 4;
			snprintf(x.proto, sizeof(x.proto), "%s", p->proto);
			x.host_ip = xstrdup0(p->host_ip);
			x.host_port = p->host_port;
			x.container_port = p->container_port;
			for (size_t e = 0; e < c->n_eps && !x.container_ip; e++)
				x.container_ip =
				    xstrdup0(x.family == 6 && c->eps[e].ipv6 ? c->eps[e].ipv6
				                                             : c->eps[e].ipv4);
			for (size_t r = 0; r < m->fw.n_rules; r++)
				if (rule_is_dnat_for(&m->fw.rules[r], c, p)) {
					if (x.rule < 0)
						x.rule = (ssize_t)r;
					rule_used[r] = true;
				}
			const struct nm_proxy *px =
			    find_proxy(m, p->proto, p->host_ip, p->host_port, x.container_ip,
			               p->container_port);
			x.proxy_pid = px ? px->pid : 0;
			if (x.rule >= 0)
				x.status = NM_PUB_OK;
			else
				x.status = px ? NM_PUB_PROXY : NM_PUB_MISSING;
			add_pub(m, &x);
		}
	}
	/* DNAT rules to containers that the daemon does not publish */
	for (size_t r = 0; r < m->fw.n_rules; r++) {
		const struct fw_rule *fr = &m->fw.rules[r];
		if (rule_used[r] || !fr->verdict || !streq(fr->verdict, "DNAT") || !fr->to_addr)
			continue;
		ssize_t ci = netmap_container_by_ip(m, fr->to_addr);
		if (ci < 0)
			continue;
		struct nm_published x = {
		    .container = ci, .rule = (ssize_t)r, .status = NM_PUB_RULE_ONLY};
		x.family = fr->family ? fr->family : ip_family(fr->to_addr);
		snprintf(x.proto, sizeof(x.proto), "%s", fr->proto ? fr->proto : "all");
		x.host_ip = fr->dst ? xstrdup(fr->dst) : NULL;
		x.host_port = fr->dport_lo;
		x.container_ip = xstrdup(fr->to_addr);
		x.container_port = fr->to_port;
		add_pub(m, &x);
		rule_used[r] = true;
		stray(m, r, "DNAT to %s (%s), which the daemon does not publish", fr->to_addr,
		      h->c[ci].name);
	}
}

void netmap_analyse_firewall(struct netmap *m)
{
	struct fw_ruleset *fw = &m->fw;
	free(m->reach);
	m->reach = NULL;
	m->docker_backends = 0;
	for (size_t i = 0; i < fw->n_chains; i++) {
		const struct fw_chain *c = &fw->chains[i];
		if ((c->source != FW_NFT && streq(c->name, "DOCKER")) ||
		    (c->source == FW_NFT && streq(c->table, "docker-bridges")))
			m->docker_backends |= 1u << c->source;
	}
	bool *used = xcalloc(fw->n_rules + 1, sizeof(*used));
	analyse_published(m, used);
	for (size_t i = 0; i < fw->n_rules; i++) {
		const struct fw_rule *r = &fw->rules[i];
		const char *v = r->verdict ? r->verdict : "";
		bool docker = is_docker_chain(r);
		if (streq(r->chain, "DOCKER-USER"))
			push_idx(&m->user_rules, &m->n_user, i);
		else if (startswith(r->chain, "DOCKER-ISOLATION") ||
		         (r->source == FW_NFT && docker &&
		          startswith(r->chain, "filter-forward-in__")))
			push_idx(&m->isolation, &m->n_isolation, i);

		if (streq(v, "MASQUERADE")) {
			struct nm_network *n =
			    r->src && !r->src_neg ? network_by_subnet(m, r->src) : NULL;
			if (n) {
				push_idx(&n->masq, &n->n_masq, i);
				docker = true;
			} else if (r->src && r->dst && same_prefix(r->src, r->dst) &&
			           netmap_container_by_ip(m, r->src) >= 0) {
				docker = true; /* hairpin NAT of a published port: the container
				                  calling itself */
			} else if (!r->src) {
				stray(m, i,
				      "MASQUERADE of every source%s%s: not a Docker network's rule",
				      r->out_if ? (r->out_neg ? " not leaving " : " leaving ") : "",
				      r->out_if ? r->out_if : "");
			} else {
				stray(m, i,
				      "MASQUERADE of %s%s, which is no Docker network's subnet and "
				      "no container's address",
				      r->src_neg ? "everything but " : "", r->src);
			}
		} else if (streq(v, "DNAT") && !used[i]) {
			if (r->opaque)
				note(m,
				     "an nft rule in %s/%s does DNAT through an iptables extension "
				     "nft cannot show",
				     r->table, r->chain);
			else if (!r->to_addr)
				stray(m, i, "DNAT whose target cirt cannot read");
			else if (host_has_addr(m, r->to_addr))
				stray(m, i, "DNAT to the host's own address %s: not a Docker rule",
				      r->to_addr);
			else
				stray(m, i, "DNAT to %s%s%d, an address no running container has",
				      r->to_addr, r->to_port ? ":" : "", r->to_port);
		} else if (streq(v, "SNAT")) {
			if (r->to_addr && host_has_addr(m, r->to_addr)) {
				if (!docker)
					push_idx(&m->other_rules, &m->n_other, i);
			} else {
				stray(m, i, "SNAT to %s, an address this host does not have",
				      r->to_addr ? r->to_addr : "an unreadable target");
			}
			continue;
		} else if (streq(v, "REDIRECT")) {
			stray(m, i, "REDIRECT to local port %d: Docker installs no REDIRECT rules",
			      r->to_port);
		} else if (docker && streq(v, "ACCEPT") && r->dst && !r->dst_neg &&
		           strchr(r->dst, '.') && (strstr(r->dst, "/32") || !strchr(r->dst, '/')) &&
		           netmap_container_by_ip(m, r->dst) < 0) {
			stray(
			    m, i,
			    "accepts forwarded traffic to %s, an address no running container has",
			    r->dst);
		}
		const char *ifs[2] = {r->in_if, r->out_if};
		for (size_t k = 0; k < 2; k++)
			if (ifs[k] && docker_bridge_name(ifs[k]) && !known_iface(m, ifs[k]))
				stray(m, i,
				      "names bridge %s, which no network uses and which does not "
				      "exist (left over from a removed network?)",
				      ifs[k]);
		if (!docker && !streq(r->chain, "DOCKER-USER") &&
		    (r->jump && startswith(r->verdict, "DOCKER")))
			docker = true; /* FORWARD -j DOCKER-USER and friends */
		if (!docker && (docker_bridge_name(r->in_if) || docker_bridge_name(r->out_if)))
			docker = true;
		if (!docker && !streq(r->chain, "DOCKER-USER") &&
		    (streq(r->table, "nat") || streq(r->table, "filter") || r->source == FW_NFT))
			push_idx(&m->other_rules, &m->n_other, i);
	}
	free(used);
	/* a stray rule is not also "other": it is listed once, with its reason */
	size_t w = 0;
	for (size_t i = 0; i < m->n_other; i++) {
		bool s = false;
		for (size_t k = 0; k < m->n_strays && !s; k++)
			s = m->strays[k].rule == m->other_rules[i];
		if (!s)
			m->other_rules[w++] = m->other_rules[i];
	}
	m->n_other = w;
	unsigned both = (1u << FW_IPT_NFT) | (1u << FW_IPT_LEGACY);
	if ((m->docker_backends & both) == both)
		note(m, "Docker's chains exist in both iptables-nft and iptables-legacy: the "
		        "kernel runs both; "
		        "one set is probably left over from a daemon that used the other backend");
	for (size_t i = 0; i < m->n_nets; i++) {
		struct nm_network *n = &m->nets[i];
		if (n->bridge && n->n_subnets && n->masquerade_opt && !n->internal && !n->n_masq &&
		    m->docker_backends && docker_nat_in(m, ip_family(n->subnets[0])))
			note(m,
			     "network '%s' (%s) has no MASQUERADE rule although masquerading is "
			     "enabled",
			     n->name, n->subnets[0]);
	}
}

/* ------------------------------------------------------------------ docker-proxy */

static void load_proxies(struct netmap *m)
{
	_cleanup_free_ int *pids = NULL;
	size_t n = procfs_pids_by_comm("docker-proxy", &pids);
	for (size_t i = 0; i < n; i++) {
		char **argv = procfs_argv(pids[i]);
		if (!argv)
			continue;
		struct nm_proxy p = {.pid = pids[i]};
		for (size_t k = 0; argv[k] && argv[k + 1]; k++) {
			const char *o = argv[k], *v = argv[k + 1];
			if (streq(o, "-proto"))
				snprintf(p.proto, sizeof(p.proto), "%s", v);
			else if (streq(o, "-host-ip") && !p.host_ip)
				p.host_ip = xstrdup(v);
			else if (streq(o, "-host-port"))
				p.host_port = atoi(v);
			else if (streq(o, "-container-ip") && !p.container_ip)
				p.container_ip = xstrdup(v);
			else if (streq(o, "-container-port"))
				p.container_port = atoi(v);
		}
		procfs_argv_free(argv);
		m->proxies = xrealloc(m->proxies, (m->n_proxies + 1) * sizeof(*m->proxies));
		m->proxies[m->n_proxies++] = p;
	}
}

/* ------------------------------------------------------------------ mode lines */

static void ep_path(struct buf *b, const struct endpoint *e)
{
	buf_printf(b, "%s", e->ifname ? e->ifname : "eth?");
	if (e->ipv4)
		buf_printf(b, " %s/%d", e->ipv4, e->ipv4_prefix);
	if (e->ipv6)
		buf_printf(b, " %s/%d", e->ipv6, e->ipv6_prefix);
	buf_printf(b, " -> veth %s -> ", e->veth ? e->veth : "(unknown)");
}

char *netmap_mode_line(const struct netmap *m, const struct container *c)
{
	struct buf b = {0};
	const char *state = c->running ? NULL : c->state;
	switch (c->mode) {
	case NETMODE_HOST:
		buf_printf(
		    &b, "host: shares the host's network stack: no veth, no address of its own; "
		        "its sockets are "
		        "the host's and its packets leave with the host's addresses, without NAT");
		break;
	case NETMODE_NONE:
		buf_printf(&b,
		           "none: its own namespace with loopback only: no interface leads out");
		break;
	case NETMODE_CONTAINER: {
		const char *owner = c->mode_target_name ? c->mode_target_name : c->mode_target;
		buf_printf(&b, "container:%s: shares %s's network namespace: ", owner ? owner : "?",
		           owner ? owner : "?");
		if (!c->n_eps) {
			buf_printf(&b, "same interfaces and sockets as %s", owner ? owner : "it");
			break;
		}
		buf_printf(&b, "same addresses");
		for (size_t i = 0; i < c->n_eps; i++) {
			const struct endpoint *e = &c->eps[i];
			buf_printf(&b, "%s%s", i ? ", " : " (",
			           e->ipv4   ? e->ipv4
			           : e->ipv6 ? e->ipv6
			                     : "-");
		}
		buf_printf(&b, ") and the same veth");
		for (size_t i = 0; i < c->n_eps; i++) {
			const struct endpoint *e = &c->eps[i];
			buf_printf(&b, "%s%s on %s", i ? ", " : " ",
			           e->veth ? e->veth : "(unknown)",
			           e->bridge ? e->bridge : "(unknown bridge)");
		}
		break;
	}
	case NETMODE_BRIDGE:
	case NETMODE_CUSTOM:
	default: {
		if (!c->n_eps) {
			buf_printf(&b, "%s: %s",
			           c->mode == NETMODE_CUSTOM ? "custom" : net_mode_name(c->mode),
			           c->mode_raw ? c->mode_raw : "");
			break;
		}
		for (size_t i = 0; i < c->n_eps; i++) {
			const struct endpoint *e = &c->eps[i];
			const struct nm_network *n = netmap_network_of(m, e);
			bool dflt = n && n->bridge && streq(n->name, "bridge");
			if (i)
				buf_printf(&b, "; also ");
			if (dflt)
				buf_printf(&b, "bridge: default network: ");
			else
				buf_printf(&b,
				           "custom network %s: ", e->network ? e->network : "?");
			if (n && n->driver && !streq(n->driver, "bridge")) {
				buf_printf(&b, "driver %s", n->driver);
				continue;
			}
			if (c->running)
				ep_path(&b, e);
			const char *br = e->bridge        ? e->bridge
			                 : n && n->bridge ? n->bridge
			                                  : "(unknown bridge)";
			if (dflt)
				buf_printf(&b, "%s", br);
			else
				buf_printf(&b, "%s%s, its own bridge, never docker0",
				           c->running ? "" : "bridge ", br);
			if (n && n->internal)
				buf_printf(&b, "; internal: no way out");
			else if (n && n->n_masq)
				buf_printf(&b, "; leaves through MASQUERADE");
			if (!dflt)
				buf_printf(
				    &b,
				    "; other containers on it resolve it by name (embedded DNS)");
		}
		break;
	}
	}
	if (state)
		buf_printf(&b, " (%s: no interfaces now)", state);
	return b.data ? b.data : xstrdup("");
}

char *netmap_backend_text(const struct netmap *m)
{
	if (!m->fw_loaded)
		return xstrdup("not read");
	struct buf b = {0};
	static const char *const label[] = {"iptables-nft (nf_tables)", "iptables-legacy",
	                                    "nftables (docker-bridges table)"};
	for (int s = 0; s < FW_NSOURCES; s++)
		if (m->docker_backends & (1u << s))
			buf_printf(&b, "%s%s", b.len ? " + " : "", label[s]);
	if (!b.len)
		buf_printf(&b, "no Docker rules found");
	return b.data;
}

/* ------------------------------------------------------------------ without the daemon */

/* The subnet an address sits in: "172.21.0.2", 16 -> "172.21.0.0/16". NULL when not IPv4/6. */
static char *subnet_of(const char *ip, int prefix)
{
	unsigned char a[16];
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
	int bits = fam == AF_INET ? 32 : 128;
	if (prefix <= 0 || prefix > bits || inet_pton(fam, ip, a) != 1)
		return NULL;
	for (int i = 0; i < bits / 8; i++) {
		int keep = prefix - i * 8;
		a[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
	}
	char t[INET6_ADDRSTRLEN];
	if (!inet_ntop(fam, a, t, sizeof(t)))
		return NULL;
	return xasprintf("%s/%d", t, prefix);
}

json_t *netmap_networks_from_containers(const struct host *h)
{
	json_t *byid = json_object();
	for (size_t i = 0; h && i < h->n; i++) {
		const char *name;
		json_t *ep;
		json_object_foreach(jobj(jobj(h->c[i].inspect, "NetworkSettings"), "Networks"),
		                    name, ep)
		{
			const char *id = jstr(ep, "NetworkID");
			if (!id || !*id || json_object_get(byid, id))
				continue;
			json_t *n = json_object();
			json_object_set_new(n, "Id", json_string(id));
			json_object_set_new(n, "Name", json_str(name));
			bool host = streq(name, "host"), none = streq(name, "none");
			json_object_set_new(n, "Driver",
			                    json_string(host   ? "host"
			                                : none ? "null"
			                                       : "bridge"));
			json_object_set_new(n, "Scope", json_string("local"));
			json_t *opts = json_object();
			if (streq(name, "bridge"))
				json_object_set_new(opts, "com.docker.network.bridge.name",
				                    json_string("docker0"));
			json_object_set_new(n, "Options", opts);
			json_t *cfg = json_array();
			const char *ip = jstr(ep, "IPAddress"), *gw = jstr(ep, "Gateway");
			char *sn =
			    ip && *ip ? subnet_of(ip, (int)jint(ep, "IPPrefixLen", 0)) : NULL;
			if (sn) {
				json_t *c = json_object();
				json_object_set_new(c, "Subnet", json_string(sn));
				json_object_set_new(c, "Gateway", json_str(gw && *gw ? gw : NULL));
				json_array_append_new(cfg, c);
				free(sn);
			}
			json_t *ipam = json_object();
			json_object_set_new(ipam, "Config", cfg);
			json_object_set_new(n, "IPAM", ipam);
			json_object_set_new(byid, id, n);
		}
	}
	json_t *list = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(byid, k, v)
	{
		json_array_append(list, v);
	}
	json_decref(byid);
	return list;
}

/* The network list without the daemon: libnetwork's store on disk, else what the containers'
 * records say of the networks they are on. */
static json_t *networks_nodaemon(struct netmap *m, const struct host *h)
{
	_cleanup_free_ char *root = ondisk_docker_root();
	json_t *list = NULL, *notes = json_array();
	struct cirt_err e = {0};
	if (ondisk_networks(root, &list, notes, &e) == 0 && json_is_array(list)) {
		note(m, "networks: from the daemon's store on disk (%s/network/files/local-kv.db)",
		     root);
	} else {
		json_decref(list);
		list = netmap_networks_from_containers(h);
		note(m,
		     "networks: from the containers' records (the daemon's store: %s): networks no "
		     "container is on are not listed, and each one's options are taken as the "
		     "defaults",
		     e.msg[0] ? e.msg : "unreadable");
	}
	size_t i;
	json_t *n;
	json_array_foreach(notes, i, n)
	{
		note(m, "networks: %s", json_string_value(n));
	}
	json_decref(notes);
	return list;
}

/* ------------------------------------------------------------------ build */

int netmap_build(struct docker *d, const struct host *h, unsigned needs, struct fw_job *fw,
                 struct netmap **ret, struct cirt_err *err)
{
	struct netmap *m = xcalloc(1, sizeof(*m));
	m->h = h;
	json_t *list = NULL;
	if (!d) {
		list = networks_nodaemon(m, h);
	} else if (docker_get_json(d, "/networks", &list, err) < 0) {
		fw_job_free(fw);
		netmap_free(m);
		return err_prefix(err, "list networks");
	}
	if (!json_is_array(list)) {
		json_decref(list);
		fw_job_free(fw);
		netmap_free(m);
		return err_set(err, CIRT_EXIT_BADANSWER,
		               "list networks: daemon answer is not a JSON array");
	}
	netmap_parse_networks(m, list);
	json_decref(list);
	if (needs & NETMAP_OFFLINE) {
		/* a disk image: the kernel's links, routes and rules died with the host */
		fw_job_free(fw);
		note(m,
		     "offline view: no links, veths, routes or firewall rules (they lived in the "
		     "kernel of the host the image was taken from)");
		build_members(m);
		m->mode_lines = xcalloc(h->n + 1, sizeof(char *));
		for (size_t i = 0; i < h->n; i++)
			m->mode_lines[i] = netmap_mode_line(m, &h->c[i]);
		*ret = m;
		return 0;
	}
	if (rtnl_dump_links(-1, &m->links, err) < 0) {
		fw_job_free(fw);
		netmap_free(m);
		return err_prefix(err, "host links");
	}
	struct cirt_err e2 = {0};
	if (rtnl_dump_addrs(-1, &m->addrs, &e2) < 0)
		note(m, "host addresses: %s", e2.msg);
	struct rtnl_routes routes = {0};
	if (rtnl_dump_routes(-1, AF_UNSPEC, &routes, &e2) < 0)
		note(m, "host routes: %s", e2.msg);
	build_links(m);
	build_routes(m, &routes);
	rtnl_routes_free(&routes);
	if (needs & NETMAP_FIREWALL) {
		if (fw_finish(fw ? fw : fw_start(), &m->fw, err) < 0) {
			netmap_free(m);
			return -1;
		}
		m->fw_loaded = true;
		for (size_t i = 0; i < m->fw.n_notes; i++)
			note(m, "%s", m->fw.notes[i]);
		load_proxies(m);
		netmap_analyse_firewall(m);
	} else {
		fw_job_free(fw);
	}
	m->mode_lines = xcalloc(h->n + 1, sizeof(char *));
	for (size_t i = 0; i < h->n; i++)
		m->mode_lines[i] = netmap_mode_line(m, &h->c[i]);
	*ret = m;
	return 0;
}

/* ------------------------------------------------------------------ JSON */

static json_t *addrs_json(const struct netmap *m, int ifindex)
{
	json_t *a = json_array();
	for (size_t i = 0; i < m->addrs.n; i++) {
		const struct rtnl_addr *x = &m->addrs.v[i];
		if (x->ifindex == ifindex)
			json_array_append_new(a, json_sprintf("%s/%d", x->text, x->prefix));
	}
	return a;
}

static json_t *names_json(const struct netmap *m, const size_t *idx, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_str(m->h->c[idx[i]].name));
	return a;
}

static json_t *rules_json(const struct netmap *m, const size_t *idx, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, fw_rule_to_json(&m->fw.rules[idx[i]]));
	return a;
}

static json_t *firewall_json(const struct netmap *m)
{
	json_t *f = json_object();
	_cleanup_free_ char *bt = netmap_backend_text(m);
	json_object_set_new(f, "backend", json_str(bt));
	json_t *bs = json_array();
	for (int s = 0; s < FW_NSOURCES; s++) {
		json_t *o = json_object();
		size_t nr = 0, nc = 0;
		for (size_t i = 0; i < m->fw.n_rules; i++)
			nr += m->fw.rules[i].source == (enum fw_source)s;
		for (size_t i = 0; i < m->fw.n_chains; i++)
			nc += m->fw.chains[i].source == (enum fw_source)s;
		json_object_set_new(o, "name", json_string(fw_source_name((enum fw_source)s)));
		json_object_set_new(o, "read", json_boolean(m->fw.read[s]));
		json_object_set_new(o, "docker", json_boolean(m->docker_backends & (1u << s)));
		json_object_set_new(o, "chains", json_integer((json_int_t)nc));
		json_object_set_new(o, "rules", json_integer((json_int_t)nr));
		json_array_append_new(bs, o);
	}
	json_object_set_new(f, "backends", bs);
	json_t *masq = json_array();
	for (size_t i = 0; i < m->n_nets; i++)
		for (size_t k = 0; k < m->nets[i].n_masq; k++) {
			const struct fw_rule *r = &m->fw.rules[m->nets[i].masq[k]];
			json_t *o = fw_rule_to_json(r);
			json_object_set_new(o, "network", json_str(m->nets[i].name));
			json_object_set_new(o, "source", json_str(r->src));
			json_object_set_new(o, "exempt_interface",
			                    r->out_if && r->out_neg ? json_str(r->out_if)
			                                            : json_null());
			json_array_append_new(masq, o);
		}
	json_object_set_new(f, "masquerade", masq);
	json_t *pubs = json_array();
	for (size_t i = 0; i < m->n_pubs; i++) {
		const struct nm_published *p = &m->pubs[i];
		json_t *o = json_object();
		json_object_set_new(o, "container",
		                    p->container >= 0 ? json_str(m->h->c[p->container].name)
		                                      : json_null());
		json_object_set_new(o, "family", json_integer(p->family));
		json_object_set_new(o, "proto", json_str(p->proto));
		json_object_set_new(o, "host_ip", json_str(p->host_ip));
		json_object_set_new(o, "host_port", json_integer(p->host_port));
		json_object_set_new(o, "container_ip", json_str(p->container_ip));
		json_object_set_new(o, "container_port", json_integer(p->container_port));
		json_object_set_new(o, "in_daemon", json_boolean(p->daemon));
		json_object_set_new(
		    o, "rule", p->rule >= 0 ? fw_rule_to_json(&m->fw.rules[p->rule]) : json_null());
		json_object_set_new(o, "proxy_pid",
		                    p->proxy_pid ? json_integer(p->proxy_pid) : json_null());
		json_object_set_new(o, "status", json_string(nm_pub_status_name(p->status)));
		json_array_append_new(pubs, o);
	}
	json_object_set_new(f, "published", pubs);
	json_object_set_new(f, "docker_user", rules_json(m, m->user_rules, m->n_user));
	json_object_set_new(f, "isolation", rules_json(m, m->isolation, m->n_isolation));
	json_object_set_new(f, "other", rules_json(m, m->other_rules, m->n_other));
	json_t *st = json_array();
	for (size_t i = 0; i < m->n_strays; i++) {
		json_t *o = fw_rule_to_json(&m->fw.rules[m->strays[i].rule]);
		json_object_set_new(o, "reason", json_str(m->strays[i].reason));
		json_array_append_new(st, o);
	}
	json_object_set_new(f, "stray", st);
	return f;
}

json_t *netmap_to_json(const struct netmap *m)
{
	json_t *doc = json_object();
	const struct host *h = m->h;
	json_object_set_new(doc, "docker_host", json_str(h->docker_host));
	json_object_set_new(doc, "api_version", json_str(h->api_version));

	json_t *nets = json_array();
	for (size_t i = 0; i < m->n_nets; i++) {
		const struct nm_network *n = &m->nets[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", json_str(n->name));
		json_object_set_new(o, "id", json_str(n->id));
		json_object_set_new(o, "driver", json_str(n->driver));
		json_object_set_new(o, "scope", json_str(n->scope));
		json_object_set_new(o, "internal", json_boolean(n->internal));
		json_object_set_new(o, "ipv6", json_boolean(n->ipv6));
		json_object_set_new(o, "icc", json_boolean(n->icc));
		json_object_set_new(o, "masquerade_enabled", json_boolean(n->masquerade_opt));
		json_t *sn = json_array(), *gw = json_array();
		for (size_t k = 0; k < n->n_subnets; k++) {
			json_array_append_new(sn, json_str(n->subnets[k]));
			json_array_append_new(gw, json_str(n->gateways[k]));
		}
		json_object_set_new(o, "subnets", sn);
		json_object_set_new(o, "gateways", gw);
		json_object_set_new(o, "bridge", json_str(n->bridge));
		json_object_set_new(o, "bridge_present", json_boolean(n->bridge_ifindex > 0));
		json_object_set_new(o, "containers", names_json(m, n->members, n->n_members));
		json_array_append_new(nets, o);
	}
	json_object_set_new(doc, "networks", nets);

	json_t *brs = json_array();
	for (size_t i = 0; i < m->n_brs; i++) {
		const struct nm_bridge *b = &m->brs[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", json_str(b->link->name));
		json_object_set_new(o, "ifindex", json_integer(b->link->ifindex));
		json_object_set_new(o, "up", json_boolean(b->link->flags & IFF_UP));
		json_object_set_new(o, "network",
		                    b->network >= 0 ? json_str(m->nets[b->network].name)
		                                    : json_null());
		json_object_set_new(o, "addresses", addrs_json(m, b->link->ifindex));
		json_t *ports = json_array();
		for (size_t k = 0; k < b->n_ports; k++) {
			const struct nm_bridge_port *p = &b->ports[k];
			json_t *po = json_object();
			json_object_set_new(po, "interface", json_str(p->link->name));
			json_object_set_new(po, "ifindex", json_integer(p->link->ifindex));
			json_object_set_new(po, "kind", json_str(p->link->kind));
			json_object_set_new(po, "containers",
			                    names_json(m, p->containers, p->n_containers));
			json_array_append_new(ports, po);
		}
		json_object_set_new(o, "members", ports);
		json_array_append_new(brs, o);
	}
	json_object_set_new(doc, "bridges", brs);

	json_t *ifs = json_array();
	for (size_t i = 0; i < m->n_ifs; i++) {
		const struct nm_iface *f = &m->ifs[i];
		/* veths of containers are listed under their bridge, not as host NICs */
		if (f->role == NM_VETH && f->docker)
			continue;
		json_t *o = json_object();
		char mac[64];
		json_object_set_new(o, "name", json_str(f->link->name));
		json_object_set_new(o, "ifindex", json_integer(f->link->ifindex));
		json_object_set_new(o, "role", json_string(nm_role_name(f->role)));
		json_object_set_new(o, "kind", json_str(f->link->kind[0] ? f->link->kind : NULL));
		json_object_set_new(o, "up", json_boolean(f->up));
		json_object_set_new(
		    o, "mac",
		    json_str(f->link->mac_len ? rtnl_mac_str(f->link, mac, sizeof(mac)) : NULL));
		json_object_set_new(o, "mtu", json_integer(f->link->mtu));
		json_object_set_new(o, "master",
		                    f->link->master ? json_str(netmap_ifname(m, f->link->master))
		                                    : json_null());
		json_object_set_new(o, "docker", json_boolean(f->docker));
		json_object_set_new(o, "addresses", addrs_json(m, f->link->ifindex));
		json_array_append_new(ifs, o);
	}
	json_t *host = json_object();
	json_object_set_new(host, "interfaces", ifs);
	json_t *routes = json_array();
	for (size_t i = 0; i < m->n_routes; i++) {
		const struct nm_route *r = &m->routes[i];
		json_t *o = json_object();
		json_object_set_new(o, "family", json_integer(r->family));
		json_object_set_new(o, "gateway",
		                    r->gateway[0] ? json_str(r->gateway) : json_null());
		json_object_set_new(o, "dev", json_str(netmap_ifname(m, r->oif)));
		json_object_set_new(o, "prefsrc",
		                    r->prefsrc[0] ? json_str(r->prefsrc) : json_null());
		json_object_set_new(o, "metric", json_integer(r->metric));
		json_array_append_new(routes, o);
	}
	json_object_set_new(host, "default_routes", routes);
	json_object_set_new(doc, "host", host);

	json_t *cs = json_array();
	for (size_t i = 0; i < h->n; i++) {
		const struct container *c = &h->c[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", json_str(c->name));
		json_object_set_new(o, "id", json_str(c->id));
		json_object_set_new(o, "state", json_str(c->state));
		json_object_set_new(o, "mode", json_string(net_mode_name(c->mode)));
		json_object_set_new(o, "network_mode", json_str(c->mode_raw));
		json_object_set_new(o, "shared_with", json_str(c->mode_target_name));
		json_object_set_new(o, "explanation",
		                    json_str(m->mode_lines ? m->mode_lines[i] : NULL));
		json_t *eps = json_array();
		for (size_t k = 0; k < c->n_eps; k++)
			json_array_append_new(eps, endpoint_to_json(&c->eps[k]));
		json_object_set_new(o, "endpoints", eps);
		json_array_append_new(cs, o);
	}
	json_object_set_new(doc, "containers", cs);
	json_object_set_new(doc, "firewall", m->fw_loaded ? firewall_json(m) : json_null());
	json_t *notes = json_array();
	for (size_t i = 0; i < h->n_warnings; i++)
		json_array_append_new(notes, json_str(h->warnings[i]));
	for (size_t i = 0; i < m->n_notes; i++)
		json_array_append_new(notes, json_str(m->notes[i]));
	json_object_set_new(doc, "notes", notes);
	return doc;
}
