/* wkernel.c: the watch engine's kernel side: process events into the process table and exec
 * lines, socket events into the socket table (joined with flows in watcher.c), DNS messages into
 * dns lines, and which container owns which network namespace. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "escape.h"
#include "journal/jline.h"
#include "journal/watcher_int.h"

#define NS_MAX 65536 /* namespaces remembered at once */

void wk_init(struct watcher *w)
{
	w->procs = wptab_new(w->am);
	w->socks = wstab_new(w->procs);
	for (size_t i = 0; i < CID_CACHE; i++)
		w->cid[i].ci = -1;
}

void wk_free(struct watcher *w)
{
	for (size_t i = 0; i < w->nhl; i++) {
		wproc_unref(w->procs, w->hl[i].p);
		addrmap_unref(w->am, w->hl[i].ci);
		free(w->hl[i].rest);
	}
	free(w->hl);
	for (size_t i = 0; i < w->ns_cap; i++)
		if (w->ns[i].netns)
			addrmap_unref(w->am, w->ns[i].ci);
	free(w->ns);
	wstab_free(w->socks);
	wptab_free(w->procs);
	json_decref(w->stop_extra);
}

void watcher_kernel(struct watcher *w, int via, unsigned wait_ms)
{
	w->kev_via = (uint8_t)via;
	w->kev_wait_ms = wait_ms;
}

/* ---------------------------------------------------------------- containers by id */

/* The address map's index of a container id from the kernel (its cgroup): cached, since every
 * event names one and the map looks ids up one by one. A container the daemon has not named yet
 * gets an entry without a name. */
static int container_ci(struct watcher *w, const char *id)
{
	if (!id || !*id)
		return -1;
	uint32_t h = 2166136261u;
	for (const char *p = id; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	size_t k = h % CID_CACHE;
	if (w->cid[k].ci >= 0 && streq(w->cid[k].id, id)) {
		const struct am_container *c = addrmap_get(w->am, w->cid[k].ci);
		if (c && streq(c->id, id))
			return w->cid[k].ci;
	}
	int ci = addrmap_container(w->am, id, NULL, NULL);
	snprintf(w->cid[k].id, sizeof(w->cid[k].id), "%s", id);
	w->cid[k].ci = ci;
	return ci;
}

/* ---------------------------------------------------------------- namespaces */

static size_t ns_home(const struct watcher *w, uint64_t netns)
{
	return (size_t)((netns * 0x9E3779B97F4A7C15ull) >> 20) & (w->ns_cap - 1);
}

static struct nsent *ns_find(struct watcher *w, uint64_t netns)
{
	if (!w->ns_cap || !netns)
		return NULL;
	for (size_t i = ns_home(w, netns);; i = (i + 1) & (w->ns_cap - 1)) {
		if (!w->ns[i].netns)
			return NULL;
		if (w->ns[i].netns == netns)
			return &w->ns[i];
	}
}

static void ns_rebuild(struct watcher *w, size_t cap, bool drop_gone)
{
	struct nsent *old = w->ns;
	size_t oc = w->ns_cap;
	w->ns = xcalloc(cap, sizeof(*w->ns));
	w->ns_cap = cap;
	w->ns_n = 0;
	for (size_t i = 0; i < oc; i++) {
		if (!old[i].netns)
			continue;
		const struct am_container *c = addrmap_get(w->am, old[i].ci);
		if (drop_gone && (!c || c->gone)) {
			addrmap_unref(w->am, old[i].ci);
			continue;
		}
		size_t k = ns_home(w, old[i].netns);
		while (w->ns[k].netns)
			k = (k + 1) & (cap - 1);
		w->ns[k] = old[i];
		w->ns_n++;
	}
	free(old);
}

/* ci owns netns (the daemon said so), or lives in it (weak: a process of it was seen there,
 * which says less: a sidecar lives in another's namespace) */
static void ns_set(struct watcher *w, uint64_t netns, int ci, bool weak)
{
	if (!netns || ci < 0)
		return;
	struct nsent *e = ns_find(w, netns);
	if (e) {
		const struct am_container *c = addrmap_get(w->am, e->ci);
		/* a weak word never overrules the daemon's, nor one about a live container */
		if (e->ci == ci || (weak && c && !c->gone))
			return;
		addrmap_unref(w->am, e->ci);
		addrmap_ref(w->am, ci);
		e->ci = ci;
		e->weak = weak;
		return;
	}
	if (w->ns_n >= NS_MAX)
		return;
	if ((w->ns_n + 1) * 2 > w->ns_cap)
		ns_rebuild(w, w->ns_cap ? w->ns_cap * 2 : 256, false);
	size_t k = ns_home(w, netns);
	while (w->ns[k].netns)
		k = (k + 1) & (w->ns_cap - 1);
	w->ns[k] = (struct nsent){.netns = netns, .ci = ci, .weak = weak};
	addrmap_ref(w->am, ci);
	w->ns_n++;
}

int wk_netns_owner(struct watcher *w, uint64_t netns)
{
	const struct nsent *e = ns_find(w, netns);
	return e ? e->ci : -1;
}

static void ns_of(struct watcher *w, const struct evcontainer *c)
{
	if (!c->id || !c->netns)
		return;
	int owner = c->netns_of ? addrmap_find(w->am, c->netns_of) : addrmap_find(w->am, c->id);
	ns_set(w, c->netns, owner, false);
}

void wk_on_record(struct watcher *w, const struct evrec *r)
{
	if (r->kind == EVR_SNAPSHOT)
		for (size_t i = 0; i < r->n_snap; i++)
			ns_of(w, &r->snap[i]);
	else if (r->kind == EVR_EVENT && r->op == EVM_OPEN)
		ns_of(w, &r->c);
}

void wk_prune(struct watcher *w)
{
	if (w->ns_cap)
		ns_rebuild(w, w->ns_cap, true);
}

/* ---------------------------------------------------------------- held lines */

static struct hline *hl_push(struct watcher *w)
{
	if (w->nhl == w->caphl) {
		w->caphl = w->caphl ? w->caphl * 2 : 64;
		w->hl = xrealloc(w->hl, w->caphl * sizeof(*w->hl));
	}
	struct hline *h = &w->hl[w->nhl++];
	memset(h, 0, sizeof(*h));
	h->ci = -1;
	return h;
}

static void hl_clear(struct watcher *w, struct hline *h)
{
	wproc_unref(w->procs, h->p);
	addrmap_unref(w->am, h->ci);
	free(h->rest);
}

static const char *ref_of(const struct watcher *w, int ci)
{
	const struct am_container *c = addrmap_get(w->am, ci);
	return c ? c->ref_json : "null";
}

/* ---------------------------------------------------------------- exec */

static void write_exec(struct watcher *w, struct wproc *p, uint64_t t)
{
	char ts[32], uid[24] = "null";
	jline_time(t, ts);
	if (p->uid >= 0)
		snprintf(uid, sizeof(uid), "%lld", (long long)p->uid);
	_cleanup_free_ char *argv = wproc_argv_json(p);
	w->line.len = 0;
	buf_printf(&w->line,
	           "{\"t\":\"%s\",\"type\":\"exec\",\"container\":%s,\"pid\":%d,\"ppid\":%d,"
	           "\"uid\":%s,\"comm\":%s,\"exe\":%s,\"argv\":%s,\"argv_truncated\":%s,"
	           "\"parents\":[%s],\"netns\":%llu,\"via\":\"%s\"}",
	           ts, ref_of(w, p->ci), p->pid, p->ppid, uid, p->comm_js, p->exe_js, argv,
	           p->argv_trunc ? "true" : "false", p->anc ? p->anc : "",
	           (unsigned long long)p->netns, wproc_via_name(p->via));
	watcher_jwrite_raw(w, w->line.data, w->line.len);
	w->n_execs++;
}

static bool exec_ready(const struct watcher *w, const struct hline *h, uint64_t now, bool final)
{
	const struct am_container *c = addrmap_get(w->am, h->p->ci);
	return final || now >= h->deadline_ms || !c || c->name;
}

/* ---------------------------------------------------------------- DNS */

/* Write a dns line if whose it is can be said now: true when done (written or skipped). */
static bool dns_try(struct watcher *w, const struct hline *h, uint64_t now, bool final)
{
	int ci;
	uint8_t by;
	bool with_p;
	if (h->p && h->p->ci >= 0 && !h->forwarded) {
		ci = h->p->ci;
		by = BY_PROCESS;
		with_p = true;
	} else {
		/* Docker's resolver forwarding a container's query is not the container's process
		 */
		ci = h->host_ns ? -1 : wk_netns_owner(w, h->netns);
		if (ci < 0)
			ci = h->ci;
		by = BY_NETNS;
		with_p = h->p && !h->forwarded;
	}
	const struct am_container *c = addrmap_get(w->am, ci);
	if (!final && now < h->deadline_ms && ((!h->host_ns && !c) || (c && !c->name)))
		return false;
	if (!c && !w->o.all_flows) {
		w->n_dns_skipped++;
		return true;
	}
	int own = by == BY_PROCESS ? wk_netns_owner(w, h->netns) : -1;
	const struct am_container *oc = own != ci ? addrmap_get(w->am, own) : NULL;
	char ts[32];
	jline_time(h->t_ns, ts);
	w->line.len = 0;
	buf_printf(&w->line, "{\"t\":\"%s\",\"type\":\"dns\",\"container\":%s,\"by\":\"%s\"", ts,
	           c ? c->ref_json : "null", by == BY_PROCESS ? "process" : "netns");
	if (with_p)
		buf_printf(&w->line, ",\"process\":%s", wproc_json(h->p));
	if (oc) {
		json_t *o = json_pack("{s:O,s:O}", "id", json_object_get(oc->ref, "id"), "name",
		                      json_object_get(oc->ref, "name"));
		_cleanup_free_ char *s =
		    json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		json_decref(o);
		buf_printf(&w->line, ",\"netns_owner\":%s", s ? s : "null");
	}
	buf_printf(&w->line, "%s", h->rest);
	watcher_jwrite_raw(w, w->line.data, w->line.len);
	w->n_dns++;
	return true;
}

static json_t *name_js(const struct dns_name *n)
{
	return json_strn(n->text, n->len);
}

static json_t *type_js(uint16_t type)
{
	const char *s = dns_type_name(type);
	if (s)
		return json_string(s);
	char b[16];
	snprintf(b, sizeof(b), "TYPE%u", type);
	return json_string(b);
}

/* the dns line from ,"netns" on (what does not depend on whose it is) */
static char *dns_rest(const struct dnscap_record *r)
{
	const struct dns_msg *m = r->msg;
	json_t *o = json_object();
	char e[80];
	json_object_set_new(o, "netns", json_integer((json_int_t)r->netns));
	json_object_set_new(o, "client",
	                    json_string(dnscap_endpoint_str(&r->client, e, sizeof(e))));
	json_object_set_new(o, "server",
	                    json_string(dnscap_endpoint_str(&r->server, e, sizeof(e))));
	json_object_set_new(o, "forwarded", json_boolean(r->forwarded));
	json_object_set_new(o, "qname", m->nq ? name_js(&m->q[0].name) : json_null());
	json_object_set_new(o, "qtype", m->nq ? type_js(m->q[0].type) : json_null());
	const char *rc = dns_rcode_name(dns_rcode(m));
	char b[16];
	snprintf(b, sizeof(b), "RCODE%u", dns_rcode(m));
	json_object_set_new(o, "rcode", json_string(rc ? rc : b));
	json_t *as = json_array();
	for (size_t i = 0; i < m->nan; i++) {
		const struct dns_rr *rr = &m->an[i];
		json_t *a = json_object();
		json_object_set_new(a, "name", name_js(&rr->name));
		json_object_set_new(a, "type", type_js(rr->type));
		json_object_set_new(a, "ttl", json_integer(rr->ttl));
		json_t *data = json_null();
		if (rr->family) {
			char ab[INET6_ADDRSTRLEN];
			if (inet_ntop(rr->family, rr->addr, ab, sizeof(ab)))
				data = json_string(ab);
		} else if (rr->has_target)
			data = name_js(&rr->target);
		json_object_set_new(a, "data", data);
		json_array_append_new(as, a);
	}
	json_object_set_new(o, "answers", as);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!s)
		return xstrdup("}");
	/* "{...}" -> ",...}" */
	s[0] = ',';
	return s;
}

static void flow_addr_of(const struct dnscap_endpoint *ep, struct flow_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ep->family == AF_INET || ep->family == AF_INET6)
		flow_addr_set(a, ep->family, ep->addr);
}

void wk_on_dns(struct watcher *w, const struct watcher_event *e)
{
	const struct dnscap_record *r = e->dns;
	/* an answer says the question too: one line per answer */
	if (!r->response || !r->msg || r->msg->len < DNS_HEADER_LEN)
		return;
	struct hline h = {.kind = HL_DNS,
	                  .forwarded = r->forwarded,
	                  .host_ns = r->host_ns,
	                  .t_ns = e->t_ns,
	                  .netns = r->netns,
	                  .ci = -1};
	uint64_t now = watcher_clock_ms(w);
	h.deadline_ms = now + WATCHER_HOLD_MS;
	struct flow_addr c, s;
	flow_addr_of(&r->client, &c);
	flow_addr_of(&r->server, &s);
	/* the socket that asked: its event came before the question left */
	struct wsock *so = wstab_find(w->socks, (uint8_t)r->proto, &c, r->client.port, &s,
	                              r->server.port, r->netns, now);
	h.p = so ? so->p : NULL;
	wproc_ref(h.p);
	h.rest = dns_rest(r);
	if (dns_try(w, &h, now, false)) {
		hl_clear(w, &h);
		return;
	}
	*hl_push(w) = h;
}

/* ---------------------------------------------------------------- kernel events */

static json_t *argv_of(const struct kev_event *k)
{
	json_t *a = json_array();
	for (size_t i = 0; i < k->argc; i++)
		json_array_append_new(a,
		                      json_strn(k->argv[i].p ? k->argv[i].p : "", k->argv[i].len));
	return a;
}

static void info_of(const struct watcher *w, const struct watcher_event *e, int ci,
                    struct wproc_info *in)
{
	const struct kev_event *k = e->kev;
	*in = (struct wproc_info){.pid = k->pid,
	                          .ppid = k->ppid,
	                          .uid = k->uid,
	                          .ci = ci,
	                          .netns = k->netns,
	                          .t_ns = e->t_ns,
	                          .comm = k->comm.p,
	                          .comm_len = k->comm.len,
	                          .via = e->kind == WATCHER_KEV_EXISTING ? WPROC_VIA_PROCFS
	                                                                 : w->kev_via};
}

static void on_exec(struct watcher *w, const struct watcher_event *e, int ci)
{
	const struct kev_event *k = e->kev;
	struct wproc_info in;
	info_of(w, e, ci, &in);
	if (k->exe.p && k->exe.len) {
		in.exe = k->exe.p;
		in.exe_len = k->exe.len;
	}
	in.argv = (k->argc || !(k->flags & KEV_F_GONE)) ? argv_of(k) : NULL;
	in.argv_trunc = k->flags & KEV_F_ARGV_TRUNC;
	struct wproc *p = wptab_exec(w->procs, &in);
	json_decref(in.argv);
	ns_set(w, k->netns, ci, true);
	if (e->kind == WATCHER_KEV_EXISTING)
		return;
	if (ci < 0 && !w->o.all_flows) {
		w->n_execs_skipped++;
		return;
	}
	uint64_t now = watcher_clock_ms(w);
	struct hline h = {.kind = HL_EXEC,
	                  .t_ns = e->t_ns,
	                  .deadline_ms = now + WATCHER_HOLD_MS,
	                  .p = p,
	                  .ci = -1};
	if (exec_ready(w, &h, now, false)) {
		write_exec(w, p, e->t_ns);
		return;
	}
	wproc_ref(p);
	*hl_push(w) = h;
}

static void on_sock(struct watcher *w, const struct watcher_event *e, int ci)
{
	const struct kev_event *k = e->kev;
	if (!k->dst.family || !k->dport || (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP))
		return;
	struct wproc *p = NULL;
	if (k->pid > 0 && !(k->flags & KEV_F_NO_OWNER)) {
		p = wptab_get(w->procs, k->pid);
		if (!p || (ci >= 0 && p->ci != ci)) {
			struct wproc_info in;
			info_of(w, e, ci, &in);
			p = wptab_seen(w->procs, &in);
		}
	}
	struct wsock s = {.kind = k->kind == KEV_ACCEPT ? WSOCK_ACCEPT
	                          : k->kind == KEV_SEND ? WSOCK_SEND
	                                                : WSOCK_CONNECT,
	                  .proto = k->proto,
	                  .sport = k->sport,
	                  .dport = k->dport,
	                  .netns = k->sock_netns ? k->sock_netns : k->netns,
	                  .t_ns = e->t_ns,
	                  .p = p};
	flow_addr_set(&s.dst, k->dst.family, k->dst.b);
	static const uint8_t zero[16];
	if (k->src.family && memcmp(k->src.b, zero, k->src.family == AF_INET ? 4 : 16))
		flow_addr_set(&s.src, k->src.family, k->src.b);
	else
		s.any_src = true;
	wstab_add(w->socks, &s, watcher_clock_ms(w));
	ns_set(w, s.netns, ci, true);
}

void wk_on_kev(struct watcher *w, const struct watcher_event *e)
{
	const struct kev_event *k = e->kev;
	int ci = container_ci(w, k->container);
	struct wproc_info in;
	switch (k->kind) {
	case KEV_EXEC:
		on_exec(w, e, ci);
		break;
	case KEV_FORK:
		info_of(w, e, ci, &in);
		wptab_fork(w->procs, k->parent, &in);
		ns_set(w, k->netns, ci, true);
		break;
	case KEV_EXIT:
		wptab_exit(w->procs, k->pid, e->t_ns);
		break;
	case KEV_CONNECT:
	case KEV_ACCEPT:
	case KEV_SEND:
		on_sock(w, e, ci);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- the loop's work */

void wk_settle(struct watcher *w, bool final)
{
	if (!w->nhl)
		return;
	uint64_t now = watcher_clock_ms(w);
	size_t k = 0;
	for (size_t i = 0; i < w->nhl; i++) {
		struct hline *h = &w->hl[i];
		bool done;
		if (h->kind == HL_EXEC) {
			done = exec_ready(w, h, now, final);
			if (done)
				write_exec(w, h->p, h->t_ns);
		} else
			done = dns_try(w, h, now, final);
		if (done)
			hl_clear(w, h);
		else
			w->hl[k++] = *h;
	}
	w->nhl = k;
}

uint64_t wk_next_deadline(const struct watcher *w)
{
	uint64_t dl = 0;
	for (size_t i = 0; i < w->nhl; i++)
		if (!dl || w->hl[i].deadline_ms < dl)
			dl = w->hl[i].deadline_ms;
	return dl;
}

void wk_tick(struct watcher *w, uint64_t now)
{
	if (now - w->last_sweep_ms < WATCHER_SOCK_SWEEP_MS)
		return;
	w->last_sweep_ms = now;
	wstab_sweep(w->socks, now);
	wptab_sweep(w->procs, journal_now_ns());
}

/* ---------------------------------------------------------------- own lines */

static json_t *strv_json(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_str(v[i]));
	return a;
}

void wk_started(struct watcher *w, json_t *l, const struct watcher_sources *s)
{
	(void)w;
	if (s->kev_mode) {
		json_t *k = json_object();
		json_object_set_new(k, "mode", json_string(s->kev_mode));
		json_object_set_new(k, "why", json_str(s->kev_why));
		json_object_set_new(k, "limits", strv_json(s->kev_limits, s->kev_n_limits));
		json_object_set_new(k, "notes", strv_json(s->kev_notes, s->kev_n_notes));
		json_object_set_new(l, "kernel_events", k);
	} else
		json_object_set_new(l, "kernel_events", json_null());
	if (s->dns)
		json_object_set_new(
		    l, "dns", json_pack("{s:I}", "namespaces", (json_int_t)s->dns_namespaces));
	else
		json_object_set_new(l, "dns", json_null());
}

void wk_stopped(struct watcher *w, json_t *l)
{
	json_object_set_new(l, "flows_process", json_integer((json_int_t)w->n_flows_process));
	json_object_set_new(l, "execs", json_integer((json_int_t)w->n_execs));
	json_object_set_new(l, "dns_lines", json_integer((json_int_t)w->n_dns));
	json_object_set_new(l, "processes_untracked",
	                    json_integer((json_int_t)wptab_untracked(w->procs)));
	json_object_set_new(l, "sockets_dropped",
	                    json_integer((json_int_t)wstab_dropped(w->socks)));
	if (w->stop_extra)
		json_object_update(l, w->stop_extra);
}
