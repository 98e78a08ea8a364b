/* locate_capture.c: `locate --capture`: live packets on every bridge (and bridgeless veth) with
 * containers, attributed to a container by interface and address (MAC when the address says
 * nothing), written to per-container pcap files, and merged with the findings by tuple. */
#include <netinet/in.h>
#include <sys/socket.h>

#include "analyses/locate_int.h"
#include "sources/capture.h"
#include "sources/conntrack.h"

#define SRC(s) (1u << (s))

struct cap_if {
	struct container **cs;
	size_t ncs;
};

struct capflow {
	struct container *c;
	size_t iface;
	struct flow f; /* orig: the container's end first */
	bool in_ct;    /* conntrack still holds it after the capture */
};

struct cctx {
	struct lctx *x;
	struct locate_iface *ifs;
	struct cap_if *cif;
	struct capture_iface_stats *st;
	struct capflow *flows;
	size_t nflows;
	bool stopped_first;
};

static struct container *cap_owner(struct cctx *cc, size_t iface, const struct flow_addr *a)
{
	struct container *c = locate_owner_of(cc->x, a);
	if (!c)
		return NULL;
	for (size_t i = 0; i < cc->cif[iface].ncs; i++)
		if (cc->cif[iface].cs[i] == c)
			return c;
	return NULL;
}

static struct container *cap_owner_mac(struct cctx *cc, size_t iface, const uint8_t mac[6])
{
	char m[20];
	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
	         mac[4], mac[5]);
	for (size_t i = 0; i < cc->cif[iface].ncs; i++) {
		struct container *c = cc->cif[iface].cs[i];
		for (size_t k = 0; k < c->n_eps; k++)
			if (c->eps[k].mac && streq(c->eps[k].mac, m))
				return c;
	}
	return NULL;
}

static char *pcap_name(const struct container *c)
{
	char *s = xasprintf("%s.pcap", c->name);
	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	if (s[0] == '.')
		s[0] = '_';
	return s;
}

static void write_packet(struct cctx *cc, struct container *c, const struct capture_packet *p)
{
	struct locate_result *r = cc->x->r;
	struct locate_pcap *pc = NULL;
	for (size_t i = 0; i < r->n_pcaps; i++)
		if (r->pcaps[i].c == c)
			pc = &r->pcaps[i];
	if (!pc) {
		r->pcaps = xrealloc(r->pcaps, (r->n_pcaps + 1) * sizeof(*r->pcaps));
		pc = &r->pcaps[r->n_pcaps++];
		memset(pc, 0, sizeof(*pc));
		pc->c = c;
		if (cc->x->q->pcap_dirfd >= 0) {
			_cleanup_free_ char *name = pcap_name(c);
			struct capture_writer *w = NULL;
			struct cirt_err e = {0};
			if (capture_writer_open(cc->x->q->pcap_dirfd, name, p->linktype, 262144, &w,
			                        &e) < 0)
				locate_warn(r, "container '%s': packets not kept: %s", c->name,
				            e.msg);
			else {
				pc->writer = w;
				pc->file = steal_pointer(&name);
			}
		}
	}
	pc->packets++;
	if (pc->writer && capture_writer_write(pc->writer, p) < 0 && pc->packets == 1)
		locate_warn(r, "container '%s': a packet of another link type was not kept",
		            c->name);
}

static void count_flow(struct cctx *cc, struct container *c, size_t iface,
                       const struct capture_packet *p, bool from_c)
{
	struct flow_tuple t = p->f.orig;
	if (!from_c) {
		t.src = p->f.orig.dst;
		t.dst = p->f.orig.src;
		t.sport = p->f.orig.dport;
		t.dport = p->f.orig.sport;
	}
	uint64_t ns = (uint64_t)p->ts.tv_sec * 1000000000ull + (uint64_t)p->ts.tv_usec * 1000ull;
	struct capflow *cf = NULL;
	for (size_t i = 0; i < cc->nflows && !cf; i++)
		if (cc->flows[i].c == c && cc->flows[i].f.proto == p->f.proto &&
		    locate_same_tuple(&cc->flows[i].f.orig, &t))
			cf = &cc->flows[i];
	if (!cf) {
		if (cc->nflows >= 100000)
			return; /* bounded: the packets are still in the pcap file */
		cc->flows = xrealloc(cc->flows, (cc->nflows + 1) * sizeof(*cc->flows));
		cf = &cc->flows[cc->nflows++];
		memset(cf, 0, sizeof(*cf));
		cf->c = c;
		cf->iface = iface;
		cf->f.proto = p->f.proto;
		cf->f.orig = t;
		cf->f.counted = true;
		cf->f.first_ns = ns;
		snprintf(cf->f.state, sizeof(cf->f.state), "SEEN");
	}
	cf->f.packets[from_c ? 0 : 1]++;
	cf->f.bytes[from_c ? 0 : 1] += p->len;
	cf->f.last_ns = ns;
}

static bool on_packet(const struct capture_packet *p, void *ud)
{
	struct cctx *cc = ud;
	struct locate_result *r = cc->x->r;
	cc->ifs[p->iface].packets++;
	r->cap_packets++;
	if (!p->parsed) {
		r->cap_unattributed++;
		return true;
	}
	/* by interface (only containers on it) and by address; MAC when addresses say nothing */
	const struct flow_addr *ends[2] = {&p->f.orig.src, &p->f.orig.dst};
	struct container *c = NULL;
	bool from_c = false;
	for (int pass = 0; pass < 2 && !c; pass++)
		for (int i = 0; i < 2 && !c; i++) {
			if (locate_is_query_addr(cc->x, ends[i]) != (pass == 1))
				continue;
			c = cap_owner(cc, p->iface, ends[i]);
			from_c = i == 0;
		}
	if (!c && p->has_mac) {
		c = cap_owner_mac(cc, p->iface, p->src_mac);
		from_c = c != NULL;
		if (!c)
			c = cap_owner_mac(cc, p->iface, p->dst_mac);
	}
	if (!c) {
		r->cap_unattributed++;
		return true;
	}
	write_packet(cc, c, p);
	count_flow(cc, c, p->iface, p, from_c);
	if (cc->x->q->first) {
		cc->stopped_first = true;
		return false;
	}
	return true;
}

static void on_ready(size_t n_open, void *ud)
{
	struct cctx *cc = ud;
	const struct locate_query *q = cc->x->q;
	if (!q->progress)
		return;
	struct buf b = {0};
	buf_printf(&b, "capturing for %d s on %zu interface%s (", q->capture_seconds, n_open,
	           n_open == 1 ? "" : "s");
	size_t k = 0;
	for (size_t i = 0; i < cc->x->r->n_ifaces; i++)
		if (cc->st[i].opened)
			buf_printf(&b, "%s%s", k++ ? ", " : "", cc->x->r->ifaces[i].name);
	buf_printf(&b, "), filter '%s'%s", cc->x->r->cap_filter,
	           q->first ? ", until the first packet" : "");
	q->progress(buf_cstr(&b), q->progress_ud);
	buf_free(&b);
}

static char *capture_filter(const struct locate_query *q)
{
	char a[64];
	struct buf b = {0};
	buf_printf(&b, "host %s", flow_addr_str(&q->addr, a, sizeof(a)));
	if (q->port)
		buf_printf(&b, " and port %u", q->port);
	if (q->proto)
		buf_printf(&b, " and %s", flow_proto_name(q->proto));
	return b.data;
}

static bool keep_captured(const struct sockdiag_entry *e, void *ud)
{
	struct cctx *cc = ud;
	for (size_t i = 0; i < cc->nflows; i++)
		if (cc->flows[i].f.proto == e->f.proto &&
		    locate_same_tuple(&cc->flows[i].f.orig, &e->f.orig))
			return true;
	return false;
}

/* cif runs parallel to r->ifaces; *n counts both */
static void add_cap_if(struct locate_result *r, struct cap_if **cif, size_t *n, const char *name,
                       bool bridge, struct container *c)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (streq(r->ifaces[i].name, name))
			break;
	if (i == *n) {
		r->ifaces = xrealloc(r->ifaces, (*n + 1) * sizeof(*r->ifaces));
		*cif = xrealloc(*cif, (*n + 1) * sizeof(**cif));
		memset(&r->ifaces[i], 0, sizeof(r->ifaces[i]));
		memset(&(*cif)[i], 0, sizeof((*cif)[i]));
		snprintf(r->ifaces[i].name, sizeof(r->ifaces[i].name), "%s", name);
		r->ifaces[i].bridge = bridge;
		r->n_ifaces = ++*n;
	}
	struct cap_if *ci = &(*cif)[i];
	for (size_t k = 0; k < ci->ncs; k++)
		if (ci->cs[k] == c)
			return;
	ci->cs = xrealloc(ci->cs, (ci->ncs + 1) * sizeof(*ci->cs));
	ci->cs[ci->ncs++] = c;
	struct locate_iface *li = &r->ifaces[i];
	char *old = li->containers;
	li->containers = old ? xasprintf("%s,%s", old, c->name) : xstrdup(c->name);
	free(old);
}

void locate_capture(struct lctx *x)
{
	struct locate_result *r = x->r;
	const struct locate_query *q = x->q;
	r->cap_ran = true;
	struct cap_if *cif = NULL;
	size_t ncif = 0;
	/* every bridge with a container on it (in promiscuous mode it also sees what is bridged
	 * between two containers), and a container's veth when it hangs on no bridge */
	for (size_t i = 0; i < x->h->n; i++) {
		struct container *c = &x->h->c[i];
		if (!c->running || c->pid <= 0 || c->eps_shared)
			continue;
		for (size_t k = 0; k < c->n_eps; k++) {
			const struct endpoint *e = &c->eps[k];
			if (e->bridge)
				add_cap_if(r, &cif, &ncif, e->bridge, true, c);
			else if (e->veth)
				add_cap_if(r, &cif, &ncif, e->veth, false, c);
			else if (e->ipv4 || e->ipv6)
				locate_warn(r,
				            "container '%s': no host interface found for network "
				            "'%s': not captured",
				            c->name, e->network ? e->network : "?");
		}
	}
	r->cap_filter = capture_filter(q);
	if (!r->n_ifaces) {
		r->cap_error = xstrdup("no container has a bridge or veth to capture on");
		locate_warn(r, "capture: %s", r->cap_error);
		free(cif);
		return;
	}
	struct capture_iface *ifs = xcalloc(r->n_ifaces, sizeof(*ifs));
	for (size_t i = 0; i < r->n_ifaces; i++) {
		ifs[i].name = r->ifaces[i].name;
		ifs[i].promisc = r->ifaces[i].bridge;
	}
	struct capture_iface_stats *st = xcalloc(r->n_ifaces, sizeof(*st));
	struct cctx cc = {.x = x, .ifs = r->ifaces, .cif = cif, .st = st};
	struct capture_opts co = {
	    .filter = r->cap_filter, .seconds = q->capture_seconds, .on_ready = on_ready};
	struct cirt_err e = {0};
	int rc = capture_run(ifs, r->n_ifaces, &co, on_packet, &cc, st, &e);
	for (size_t i = 0; i < r->n_ifaces; i++) {
		struct locate_iface *li = &r->ifaces[i];
		li->opened = st[i].opened;
		li->failed = st[i].failed;
		li->error = xstrdup0(st[i].error);
		li->dropped = st[i].dropped;
		li->if_dropped = st[i].if_dropped;
		r->cap_dropped += st[i].dropped + st[i].if_dropped;
		if (st[i].error && (st[i].opened || rc == 0))
			locate_warn(r, "capture on %s (%s): %s", li->name,
			            li->containers ? li->containers : "-", st[i].error);
	}
	capture_stats_clear(st, r->n_ifaces);
	free(st);
	free(ifs);
	for (size_t i = 0; i < r->n_pcaps; i++) {
		struct cirt_err we = {0};
		if (capture_writer_close(r->pcaps[i].writer, &we) < 0)
			locate_warn(r, "pcap file '%s': %s", r->pcaps[i].file, we.msg);
		r->pcaps[i].writer = NULL;
	}
	if (rc < 0) {
		r->cap_error = xstrdup(e.msg);
		locate_warn(r, "%s", e.msg);
	} else
		r->cap_ok = true;
	if (r->cap_dropped)
		locate_warn(
		    r, "capture: %llu packet%s dropped (buffer full): the pcap files miss them",
		    (unsigned long long)r->cap_dropped, r->cap_dropped == 1 ? " was" : "s were");

	if (cc.nflows) {
		/* the translated view of what was captured, from conntrack as it is now */
		struct flow *ct = NULL;
		size_t nct = 0;
		struct cirt_err ce = {0};
		if (r->ct_ok && conntrack_dump_all(AF_UNSPEC, &ct, &nct, &ce) == 0) {
			for (size_t i = 0; i < cc.nflows; i++) {
				struct flow *f = &cc.flows[i].f;
				for (size_t k = 0; k < nct; k++) {
					if (ct[k].proto != f->proto)
						continue;
					if (locate_same_tuple(&ct[k].orig, &f->orig)) {
						f->reply = ct[k].reply;
						f->id = ct[k].id;
						f->timeout = ct[k].timeout;
						f->status = ct[k].status;
						memcpy(f->state, ct[k].state, sizeof(f->state));
						cc.flows[i].in_ct = true;
						break;
					}
				}
			}
		}
		free(ct);
		/* the process behind each captured flow, when its socket is still there */
		struct container **only = xcalloc(cc.nflows, sizeof(*only));
		size_t nonly = 0;
		for (size_t i = 0; i < cc.nflows; i++) {
			bool dup = false;
			for (size_t k = 0; k < nonly; k++)
				dup |= only[k] == cc.flows[i].c;
			if (!dup)
				only[nonly++] = cc.flows[i].c;
		}
		struct sockets_opts so = {
		    .only = only, .n_only = nonly, .keep = keep_captured, .keep_ud = &cc};
		struct cirt_err se = {0};
		if (sockets_load(x->h, &so, &r->socks_after, &se) == 0)
			locate_take_warnings(r, r->socks_after);
		free(only);
		size_t before = r->n;
		for (size_t i = 0; i < cc.nflows; i++) {
			struct capflow *cf = &cc.flows[i];
			/* a flow the sockets or conntrack already reported: the same finding */
			struct locate_finding *fd = NULL;
			for (size_t k = 0; k < before && !fd; k++)
				if (r->v[k].f.proto == cf->f.proto &&
				    locate_same_tuple(&r->v[k].f.orig, &cf->f.orig))
					fd = &r->v[k];
			if (fd) {
				fd->sources |= SRC(FLOW_SRC_CAPTURE);
				if (!fd->f.counted) {
					fd->f.counted = true;
					memcpy(fd->f.packets, cf->f.packets, sizeof(fd->f.packets));
					memcpy(fd->f.bytes, cf->f.bytes, sizeof(fd->f.bytes));
				}
				if (!fd->f.first_ns)
					fd->f.first_ns = cf->f.first_ns;
				fd->f.last_ns = cf->f.last_ns;
			} else {
				fd = locate_add_finding(x, FLOW_SRC_CAPTURE, cf->c, &cf->f);
				fd->by = ATTR_BY_ADDRESS; /* by its interface and address */
			}
			if (cf->in_ct)
				fd->sources |= SRC(FLOW_SRC_CONNTRACK);
			fd->captured_packets = cf->f.packets[0] + cf->f.packets[1];
			fd->seen_ns = cf->f.last_ns;
			fd->seen_estimated = false;
			snprintf(fd->iface, sizeof(fd->iface), "%s", r->ifaces[cf->iface].name);
			for (size_t k = 0; k < r->n_pcaps; k++)
				if (r->pcaps[k].c == cf->c)
					fd->pcap_file = r->pcaps[k].file;
			for (size_t k = 0; !fd->proc && r->socks_after && k < r->socks_after->n;
			     k++) {
				const struct csock *cs = &r->socks_after->v[k];
				if (cs->s.f.proto == cf->f.proto &&
				    locate_same_tuple(&cs->s.f.orig, &cf->f.orig)) {
					fd->proc = cs->proc;
					if (cs->c) {
						fd->c = cs->c;
						fd->by = cs->proc && cs->proc->c == cs->c
						             ? ATTR_BY_PROCESS
						             : ATTR_BY_NETNS;
						fd->netns_owner = attrib_netns_owner(x->h, cs->c);
					}
					break;
				}
			}
		}
	}
	for (size_t i = 0; i < ncif; i++)
		free(cif[i].cs);
	free(cif);
	free(cc.flows);
}
