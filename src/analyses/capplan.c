/* capplan.c: the capture plan of one container: interfaces its packets cross before and after
 * NAT, the source address seen outside, and exact tcpdump commands with their BPF filters. */
#include "analyses/capplan.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "escape.h"
#include "sources/procfs.h"

static void plan_note(struct capture_plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void plan_note(struct capture_plan *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&p->notes, &p->n_notes, fmt, ap);
	va_end(ap);
}

void capture_plan_free(struct capture_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_points; i++) {
		struct capture_point *x = &p->points[i];
		free(x->interface);
		free(x->stage);
		free(x->filter);
		for (size_t k = 0; x->argv && x->argv[k]; k++)
			free(x->argv[k]);
		free(x->argv);
		free(x->command);
		free(x->sees);
	}
	free(p->points);
	free(p->mode_line);
	free(p->dst);
	free(p->egress);
	free(p->outside_source);
	free(p->outside_note);
	free(p->situation);
	for (size_t i = 0; i < p->n_notes; i++)
		free(p->notes[i]);
	free(p->notes);
	free(p);
}

/* file names hold only [A-Za-z0-9._-] */
static char *pcap_name(const char *container, const char *iface)
{
	char *s = xasprintf("%s-%s.pcap", container, iface);
	for (char *q = s; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '_'))
			*q = '_';
	if (s[0] == '-' || s[0] == '.')
		s[0] = '_';
	return s;
}

/* Add a capture point; prefix (may be NULL) goes before tcpdump (nsenter for a namespace). */
static struct capture_point *add_point(struct capture_plan *p, const char *iface, const char *stage,
                                       const char *filter, const char *const *prefix,
                                       const char *sees)
{
	p->points = xrealloc(p->points, (p->n_points + 1) * sizeof(*p->points));
	struct capture_point *x = &p->points[p->n_points++];
	memset(x, 0, sizeof(*x));
	x->interface = xstrdup(iface);
	x->stage = xstrdup(stage);
	x->filter = xstrdup(filter ? filter : "");
	x->sees = xstrdup(sees);
	_cleanup_free_ char *file = pcap_name(p->c->name, iface);
	const char *tail[] = {"tcpdump", "-i", iface, "-nn",
	                      "-U",      "-w", file,  x->filter[0] ? x->filter : NULL};
	size_t np = 0;
	while (prefix && prefix[np])
		np++;
	size_t nt = ARRAY_SIZE(tail) - (x->filter[0] ? 0 : 1);
	x->argv = xcalloc(np + nt + 1, sizeof(char *));
	for (size_t i = 0; i < np + nt; i++)
		x->argv[i] = xstrdup(i < np ? prefix[i] : tail[i - np]);
	x->command = shell_join(x->argv);
	return x;
}

/* The daemon's strings go into a BPF filter only as canonical addresses: nothing else can slip
 * into the expression. */
static char *host_filter(const struct endpoint *e)
{
	char a4[INET6_ADDRSTRLEN] = "", a6[INET6_ADDRSTRLEN] = "";
	bool v4 = e->ipv4 && ip_normalize(e->ipv4, a4, sizeof(a4));
	bool v6 = e->ipv6 && ip_normalize(e->ipv6, a6, sizeof(a6));
	if (v4 && v6)
		return xasprintf("(host %s or host %s)", a4, a6);
	if (v4 || v6)
		return xasprintf("host %s", v4 ? a4 : a6);
	unsigned m[6];
	char tail;
	if (e->mac && sscanf(e->mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
	                     &m[5], &tail) == 6)
		return xasprintf("ether host %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		                 m[4], m[5]);
	return xstrdup("");
}

static char *with_dst(const char *filter, const char *dst)
{
	if (!dst)
		return xstrdup(filter);
	if (!*filter)
		return xasprintf("host %s", dst);
	return xasprintf("%s and host %s", filter, dst);
}

static int addr_family(const char *s)
{
	unsigned char b[16];
	if (s && inet_pton(AF_INET, s, b) == 1)
		return 4;
	if (s && inet_pton(AF_INET6, s, b) == 1)
		return 6;
	return 0;
}

static const struct container *find_owner(const struct netmap *m, const struct container *c)
{
	if (c->mode != NETMODE_CONTAINER || !c->mode_target)
		return c;
	for (size_t i = 0; i < m->h->n; i++)
		if (streq(m->h->c[i].id, c->mode_target))
			return &m->h->c[i];
	return c;
}

/* The ports the container's own processes hold (host network mode): the only thing that tells
 * its packets from the host's. */
static char *socket_filter(const struct container *c, struct capture_plan *p)
{
	if (c->pid_mode && streq(c->pid_mode, "host")) {
		plan_note(p, "it also shares the host's PID namespace: its processes cannot be "
		             "told from the host's");
		return xstrdup("");
	}
	unsigned long pidns = procfs_ns_inode(c->pid, "pid");
	_cleanup_free_ int *pids = NULL;
	size_t np = procfs_pids_in_ns("pid", pidns, &pids);
	_cleanup_free_ struct procfs_sock *socks = NULL;
	size_t ns = procfs_inet_sockets(c->pid, &socks);
	struct buf f = {0};
	size_t nports = 0;
	int seen[64][2];
	for (size_t i = 0; i < np; i++) {
		_cleanup_free_ unsigned long *inos = NULL;
		size_t ni = procfs_socket_inodes(pids[i], &inos);
		for (size_t k = 0; k < ni; k++)
			for (size_t s = 0; s < ns; s++) {
				if (socks[s].inode != inos[k] || !socks[s].local_port)
					continue;
				int udp = streq(socks[s].proto, "udp");
				bool dup = false;
				for (size_t d = 0; d < nports && !dup; d++)
					dup =
					    seen[d][0] == socks[s].local_port && seen[d][1] == udp;
				if (dup || nports >= ARRAY_SIZE(seen))
					continue;
				seen[nports][0] = socks[s].local_port;
				seen[nports][1] = udp;
				nports++;
				buf_printf(&f, "%s%s port %d", f.len ? " or " : "",
				           udp ? "udp" : "tcp", socks[s].local_port);
			}
	}
	if (!nports) {
		plan_note(p, "its processes hold no TCP or UDP socket right now: nothing tells its "
		             "packets from the host's");
		return xstrdup("");
	}
	plan_note(p,
	          "the filter holds the local ports its processes hold now (%zu); new connections "
	          "get new ports",
	          nports);
	if (nports > 1) {
		char *s = xasprintf("(%s)", buf_cstr(&f));
		buf_free(&f);
		return s;
	}
	return f.data;
}

/* Egress and outside-seen source of a bridged endpoint. */
static void plan_egress(const struct netmap *m, struct capture_plan *p, const struct endpoint *e,
                        const struct nm_network *n)
{
	int fam = p->dst ? addr_family(p->dst) : 4;
	char srcbuf[INET6_ADDRSTRLEN];
	const char *raw = fam == 6 ? e->ipv6 : e->ipv4;
	const char *src = raw && ip_normalize(raw, srcbuf, sizeof(srcbuf)) ? srcbuf : NULL;
	if (!src) {
		plan_note(p, "no IPv%d address on network %s: no route out to plan", fam,
		          e->network ? e->network : "?");
		return;
	}
	if (n && n->internal) {
		p->outside_note =
		    xasprintf("network %s is internal: Docker gives it no way out", n->name);
		return;
	}
	int oif = 0;
	char nh[INET6_ADDRSTRLEN] = "";
	if (p->dst) {
		struct rtnl_route_answer a;
		struct cirt_err err = {0};
		/* as the kernel routes a packet forwarded from the container's bridge */
		if (rtnl_route_get(-1, p->dst, src, e->bridge_ifindex, &a, &err) < 0 &&
		    rtnl_route_get(-1, p->dst, NULL, 0, &a, &err) < 0) {
			p->outside_note = xasprintf("no route: %s", err.msg);
			return;
		}
		oif = a.oif;
		snprintf(nh, sizeof(nh), "%s", a.gateway[0] ? a.gateway : p->dst);
	} else {
		const struct nm_route *r = netmap_default_route(m, fam);
		if (!r) {
			p->outside_note = xasprintf("the host has no IPv%d default route: nothing "
			                            "leaves but to local networks",
			                            fam);
			return;
		}
		oif = r->oif;
		snprintf(nh, sizeof(nh), "%s", r->gateway);
	}
	free(p->egress);
	p->egress = xstrdup(netmap_ifname(m, oif));
	if (oif == e->bridge_ifindex) {
		p->outside_source = xstrdup(src);
		p->outside_note =
		    xasprintf("%s is on the container's own bridge %s: no NAT, it sees %s",
		              p->dst ? p->dst : "the destination", p->egress, src);
		return;
	}
	const struct fw_rule *masq = NULL;
	for (size_t i = 0; n && i < n->n_masq && !masq; i++) {
		const struct fw_rule *r = &m->fw.rules[n->masq[i]];
		if (addr_family(src) == (r->family ? r->family : fam))
			masq = r;
	}
	if (masq && masq->out_if && !masq->out_neg && !streq(masq->out_if, p->egress))
		masq = NULL; /* "-o eth0 -j MASQUERADE" does not apply to another interface */
	if (masq && masq->out_if && masq->out_neg && streq(masq->out_if, p->egress))
		masq = NULL;
	if (masq) {
		const struct rtnl_addr *a = rtnl_masquerade_source(&m->addrs, oif, nh);
		p->nat = true;
		if (a) {
			p->outside_source = xstrdup(a->text);
			p->outside_note = xasprintf("MASQUERADE (%s %s) rewrites %s to %s, the "
			                            "address of %s toward next hop %s",
			                            masq->table, masq->chain, src, a->text,
			                            p->egress, nh[0] ? nh : "(on-link)");
		} else {
			p->outside_note = xasprintf(
			    "MASQUERADE applies, but %s has no IPv4 address to use", p->egress);
		}
	} else if (!m->fw_loaded) {
		p->outside_source = xstrdup(src);
		p->outside_note = xasprintf(
		    "firewall rules not read: assuming no NAT, the outside would see %s", src);
	} else {
		p->outside_source = xstrdup(src);
		p->outside_note = xasprintf(
		    "no MASQUERADE rule covers %s leaving by %s: it leaves with its own address",
		    src, p->egress);
	}
}

static void plan_bridged(const struct netmap *m, struct capture_plan *p,
                         const struct container *owner)
{
	const struct container *c = p->c;
	bool shared = owner != c;
	for (size_t i = 0; i < owner->n_eps; i++) {
		const struct endpoint *e = &owner->eps[i];
		const struct nm_network *n = netmap_network_of(m, e);
		_cleanup_free_ char *hf = host_filter(e);
		_cleanup_free_ char *bf = with_dst(hf, p->dst);
		_cleanup_free_ char *vf = with_dst("", p->dst);
		bool dflt = n && streq(n->name, "bridge");
		if (e->veth) {
			_cleanup_free_ char *sees =
			    xasprintf("every packet of %s namespace on network %s, before NAT, "
			              "including traffic to containers on "
			              "the same bridge%s",
			              shared ? "the shared" : "its", e->network ? e->network : "?",
			              shared ? " (the namespace's other containers send the same "
			                       "packets: they cannot be told apart)"
			                     : "");
			add_point(p, e->veth, "veth", vf, NULL, sees);
		} else {
			plan_note(p,
			          "host-side veth of %s not found (needs root to read the "
			          "container's namespace)",
			          e->ifname ? e->ifname : "its interface");
		}
		const char *br = e->bridge ? e->bridge : n ? n->bridge : NULL;
		if (br) {
			_cleanup_free_ char *sees =
			    xasprintf("its packets crossing %s (to other containers on it, to the "
			              "host and out), before NAT; the "
			              "filter keeps them apart from %s other containers%s",
			              br, dflt ? "the default network's" : "this network's",
			              dflt ? "" : "; docker0 never carries them");
			add_point(p, br, "bridge", bf, NULL, sees);
			if (p->primary < 0)
				p->primary = (ssize_t)p->n_points - 1;
		}
		if (p->primary < 0 && e->veth)
			p->primary = (ssize_t)p->n_points - (br ? 2 : 1);
		if (!p->egress && !p->outside_note) {
			plan_egress(m, p, e, n);
			if (p->egress && p->outside_source && (!br || !streq(p->egress, br))) {
				_cleanup_free_ char *ef0 = xasprintf("host %s", p->outside_source);
				_cleanup_free_ char *ef = with_dst(ef0, p->dst);
				_cleanup_free_ char *sees =
				    p->nat ? xasprintf(
				                 "after MASQUERADE: its packets carry %s like "
				                 "those of every other NATed container and of the "
				                 "host itself; match them to %s by port with "
				                 "conntrack (the reply tuple holds %s and the "
				                 "NAT port)",
				                 p->outside_source, c->name, p->outside_source)
				           : xasprintf("its packets leaving the host, with its own "
				                       "address %s",
				                       p->outside_source);
				add_point(p, p->egress, "egress", ef, NULL, sees);
			}
		}
		if (!p->situation && br) {
			const char *via = shared ? owner->name : c->name;
			_cleanup_free_ char *who =
			    shared ? xasprintf("%s shares the namespace of %s, which", c->name, via)
			           : xstrdup(via);
			if (dflt)
				p->situation =
				    xasprintf("%s is on the default bridge: its packets cross both "
				              "its veth %s and %s (the seed's first "
				              "situation)",
				              who, e->veth ? e->veth : "?", br);
			else
				p->situation =
				    xasprintf("%s is on the custom network %s, whose own bridge is "
				              "%s: its packets never cross docker0, "
				              "so `tcpdump -i docker0` shows nothing of it (the "
				              "seed's second situation); capture on %s or "
				              "its veth %s",
				              who, e->network ? e->network : "?", br, br,
				              e->veth ? e->veth : "?");
		}
	}
	if (!owner->n_eps)
		plan_note(p, "no endpoint: nothing to capture");
}

static void plan_host(const struct netmap *m, struct capture_plan *p)
{
	const struct container *c = p->c;
	int oif = 0;
	char nh[INET6_ADDRSTRLEN] = "", prefsrc[INET6_ADDRSTRLEN] = "";
	if (p->dst) {
		struct rtnl_route_answer a;
		struct cirt_err err = {0};
		if (rtnl_route_get(-1, p->dst, NULL, 0, &a, &err) < 0) {
			p->outside_note = xasprintf("no route: %s", err.msg);
		} else {
			oif = a.oif;
			snprintf(nh, sizeof(nh), "%s", a.gateway[0] ? a.gateway : p->dst);
			snprintf(prefsrc, sizeof(prefsrc), "%s", a.prefsrc);
		}
	} else {
		const struct nm_route *r = netmap_default_route(m, 4);
		if (r) {
			oif = r->oif;
			snprintf(nh, sizeof(nh), "%s", r->gateway);
			snprintf(prefsrc, sizeof(prefsrc), "%s", r->prefsrc);
		} else {
			p->outside_note = xstrdup("the host has no IPv4 default route");
		}
	}
	_cleanup_free_ char *ports = socket_filter(c, p);
	_cleanup_free_ char *f = with_dst(ports, p->dst);
	if (oif) {
		p->egress = xstrdup(netmap_ifname(m, oif));
		const struct rtnl_addr *a =
		    prefsrc[0] ? NULL : rtnl_masquerade_source(&m->addrs, oif, nh);
		p->outside_source = xstrdup(prefsrc[0] ? prefsrc : a ? a->text : "?");
		p->outside_note =
		    xasprintf("host network: no NAT; it leaves by %s with the host's address %s",
		              p->egress, p->outside_source);
		add_point(p, p->egress, "host", f, NULL,
		          *ports ? "the host's traffic on this interface; the filter keeps the "
		                   "ports the container's "
		                   "processes hold now"
		                 : "the host's traffic on this interface: no filter can single out "
		                   "the container's packets");
		p->primary = 0;
	}
	p->situation =
	    xasprintf("%s uses the host network: no veth and no bridge; its packets leave through "
	              "the host's own "
	              "interfaces with the host's address, mixed with the host's traffic",
	              c->name);
}

int capture_plan_build(const struct netmap *m, const struct container *c, const char *dst,
                       struct capture_plan **ret, struct cirt_err *err)
{
	char norm[INET6_ADDRSTRLEN];
	if (dst && !ip_normalize(dst, norm, sizeof(norm)))
		return err_set(err, CIRT_EXIT_USAGE, "--dst: '%s' is not an IPv4 or IPv6 address",
		               dst);
	struct capture_plan *p = xcalloc(1, sizeof(*p));
	p->c = c;
	p->primary = -1;
	p->dst = dst ? xstrdup(norm) : NULL;
	p->mode_line = netmap_mode_line(m, c);
	const struct container *owner = find_owner(m, c);
	p->owner = owner;
	if (!c->running || !owner->running || owner->pid <= 0) {
		plan_note(p, "%s is not running: it has no interfaces and sends nothing now",
		          !c->running ? c->name : owner->name);
		*ret = p;
		return 0;
	}
	switch (owner->mode) {
	case NETMODE_NONE: {
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", owner->pid);
		const char *pre[] = {"nsenter", "-t", pid, "-n", NULL};
		_cleanup_free_ char *f = with_dst("", p->dst);
		add_point(
		    p, "lo", "namespace", f, pre,
		    "its loopback, from inside its namespace: the only place its packets exist");
		p->primary = 0;
		p->situation = xasprintf("%s has no network: only its loopback carries packets, "
		                         "and no host interface sees them",
		                         c->name);
		p->outside_note = xstrdup("no network: nothing leaves the container");
		break;
	}
	case NETMODE_HOST:
		plan_host(m, p);
		break;
	default:
		plan_bridged(m, p, owner);
		break;
	}
	*ret = p;
	return 0;
}

json_t *capture_plan_to_json(const struct capture_plan *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "container", json_str(p->c->name));
	json_object_set_new(o, "id", json_str(p->c->id));
	json_object_set_new(o, "mode", json_string(net_mode_name(p->c->mode)));
	json_object_set_new(o, "shared_with",
	                    p->owner != p->c ? json_str(p->owner->name) : json_null());
	json_object_set_new(o, "explanation", json_str(p->mode_line));
	json_object_set_new(o, "situation", json_str(p->situation));
	json_object_set_new(o, "dst", json_str(p->dst));
	json_t *out = json_object();
	json_object_set_new(out, "egress_interface", json_str(p->egress));
	json_object_set_new(out, "source_address", json_str(p->outside_source));
	json_object_set_new(out, "nat", json_boolean(p->nat));
	json_object_set_new(out, "why", json_str(p->outside_note));
	json_object_set_new(o, "outside", out);
	json_t *pts = json_array();
	for (size_t i = 0; i < p->n_points; i++) {
		const struct capture_point *x = &p->points[i];
		json_t *po = json_object();
		json_object_set_new(po, "interface", json_str(x->interface));
		json_object_set_new(po, "stage", json_str(x->stage));
		json_object_set_new(po, "filter", json_str(x->filter));
		json_object_set_new(po, "command", json_str(x->command));
		json_t *argv = json_array();
		for (size_t k = 0; x->argv[k]; k++)
			json_array_append_new(argv, json_str(x->argv[k]));
		json_object_set_new(po, "argv", argv);
		json_object_set_new(po, "sees", json_str(x->sees));
		json_array_append_new(pts, po);
	}
	json_object_set_new(o, "captures", pts);
	json_object_set_new(
	    o, "command", p->primary >= 0 ? json_str(p->points[p->primary].command) : json_null());
	json_t *notes = json_array();
	for (size_t i = 0; i < p->n_notes; i++)
		json_array_append_new(notes, json_str(p->notes[i]));
	for (size_t i = 0; i < p->c->n_notes; i++)
		json_array_append_new(notes, json_str(p->c->notes[i]));
	json_object_set_new(o, "notes", notes);
	return o;
}
