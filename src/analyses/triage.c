/* triage.c: one pass over the host (inventory, network map, connections, quick scan, changed
 * files), every container scored with its reasons and the next commands to run. */
#include "analyses/triage.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "analyses/capplan.h"
#include "analyses/triage_int.h"
#include "priv.h"
#include "config.h"
#include "escape.h"
#include "journal/jflows.h"
#include "journal/journal.h"
#include "model/changes.h"
#include "model/host.h"
#include "model/netmap.h"
#include "model/sockets.h"
#include "pool.h"
#include "sources/conntrack.h"
#include "sources/firewall.h"

/* ---------------------------------------------------------------- scoring */

const char *triage_level(long long score)
{
	return score >= 100 ? "critical" : score >= 50 ? "high" : score >= 20 ? "medium" : "low";
}

static const int sev_points[] = {
    [SEV_INFO] = 0, [SEV_LOW] = 2, [SEV_MEDIUM] = 8, [SEV_HIGH] = 20, [SEV_CRITICAL] = 40};
#define FINDINGS_CAP 120

void tc_reason(struct tc *t, int points, const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	t->why = xrealloc(t->why, (t->n_why + 1) * sizeof(*t->why));
	t->why[t->n_why++] = (struct tc_reason){.points = points, .kind = kind, .text = s};
	t->score += points;
}

void tc_next(struct tc *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf_unique(&t->next, &t->n_next, fmt, ap);
	va_end(ap);
}

static int cmp_reason(const void *a, const void *b)
{
	const struct tc_reason *x = a, *y = b;
	return (y->points > x->points) - (y->points < x->points);
}

/* Findings of the quick scan: points by severity, capped, the worst ones named. */
void tc_score_findings(struct tc *t)
{
	const struct scan_result *r = &t->sr;
	if (!r->n)
		return;
	int total = 0, shown = 0, rest = 0;
	size_t more = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct scan_finding *f = &r->f[i];
		int p = sev_points[f->sev];
		if (total + p > FINDINGS_CAP)
			p = FINDINGS_CAP - total;
		total += p;
		if (shown < 3 && f->sev >= SEV_MEDIUM) {
			char where[256] = "";
			if (f->pid)
				snprintf(where, sizeof(where), ", pid %d%s%s", f->pid,
				         f->path ? " " : "", f->path ? f->path : "");
			else if (f->path)
				snprintf(where, sizeof(where), ", %s%s", f->path,
				         f->origin == ORIGIN_ADDED ? " (added since the image)"
				                                   : "");
			tc_reason(t, p, "finding", "%s: %s (%s%s)", scan_sev_name(f->sev),
			          f->reason, f->rule, where);
			shown++;
		} else {
			rest += p;
			more++;
		}
	}
	if (more)
		tc_reason(t, rest, "finding", "%zu more finding%s of the quick checks", more,
		          more == 1 ? "" : "s");
}

/* Changed files (the daemon's change list): where they are says more than how many. */
static const char *const sensitive_prefixes[] = {
    "/etc/cron",       "/var/spool/cron", "/etc/ld.so.preload",
    "/root/.ssh",      "/etc/passwd",     "/etc/shadow",
    "/etc/sudoers",    "/etc/profile",    "/etc/rc.local",
    "/etc/init.d",     "/etc/systemd",    "/bin/",
    "/sbin/",          "/usr/bin/",       "/usr/sbin/",
    "/usr/local/bin/", "/lib/",           "/usr/lib/",
    "/home/",          "/etc/ssh",        NULL};
static const char *const temp_prefixes[] = {"/tmp/", "/var/tmp/", "/dev/shm/", NULL};

static bool has_prefix_in(const char *p, const char *const *list)
{
	for (const char *const *l = list; *l; l++)
		if (startswith(p, *l) || streq(p, *l))
			return true;
	return false;
}

/* A hidden directory or file ("/tmp/.x", "/var/tmp/.d/x"). */
static bool hidden(const char *p)
{
	return strstr(p, "/.") != NULL;
}

void tc_changes(struct tc *t, json_t *list)
{
	size_t i;
	json_t *e;
	t->ch_json = json_object();
	json_t *sens = json_array(), *tmp = json_array();
	json_array_foreach(list, i, e)
	{
		const char *p = jstr(e, "Path");
		long long k = jint(e, "Kind", -1);
		if (!p)
			continue;
		if (k == 0)
			t->ch_changed++;
		else if (k == 1)
			t->ch_added++;
		else if (k == 2)
			t->ch_deleted++;
		/* directories along the way are listed as changed: only leaves matter here */
		if (k == 0 && !strchr(p + 1, '/'))
			continue;
		if (has_prefix_in(p, sensitive_prefixes) && json_array_size(sens) < 20)
			json_array_append_new(sens, json_sprintf("%s %s",
			                                         k == 1   ? "A"
			                                         : k == 2 ? "D"
			                                                  : "C",
			                                         p));
		else if (k == 1 && (has_prefix_in(p, temp_prefixes) || hidden(p)) &&
		         json_array_size(tmp) < 20)
			json_array_append_new(tmp, json_sprintf("A %s", p));
	}
	json_object_set_new(t->ch_json, "added", json_integer((json_int_t)t->ch_added));
	json_object_set_new(t->ch_json, "changed", json_integer((json_int_t)t->ch_changed));
	json_object_set_new(t->ch_json, "deleted", json_integer((json_int_t)t->ch_deleted));
	json_object_set_new(t->ch_json, "sensitive", sens);
	json_object_set_new(t->ch_json, "temp_or_hidden", tmp);
	if (json_array_size(sens))
		tc_reason(t, 10, "changes",
		          "%zu change%s in system or login places since the image (e.g. %s)",
		          json_array_size(sens), json_array_size(sens) == 1 ? "" : "s",
		          json_string_value(json_array_get(sens, 0)) + 2);
	if (json_array_size(tmp))
		tc_reason(t, 5, "changes",
		          "%zu file%s added in temporary or hidden places (e.g. %s)",
		          json_array_size(tmp), json_array_size(tmp) == 1 ? "" : "s",
		          json_string_value(json_array_get(tmp, 0)) + 2);
}

/* ---------------------------------------------------------------- connections */

static bool is_loopback(const struct flow_addr *a)
{
	if (a->family == AF_INET)
		return a->b[0] == 127;
	static const uint8_t lo6[16] = {[15] = 1};
	return a->family == AF_INET6 && memcmp(a->b, lo6, 16) == 0;
}

struct conn *conn_get(struct tstate *s, struct tc *t, uint8_t proto, const struct flow_addr *remote,
                      uint16_t key_port, bool out)
{
	for (size_t i = 0; i < s->n_conns; i++) {
		struct conn *c = &s->conns[i];
		if (c->t == t && c->proto == proto && c->out == out && c->key_port == key_port &&
		    flow_addr_eq(&c->remote, remote))
			return c;
	}
	s->conns = xrealloc(s->conns, (s->n_conns + 1) * sizeof(*s->conns));
	struct conn *c = &s->conns[s->n_conns++];
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->proto = proto;
	c->remote = *remote;
	c->key_port = key_port;
	c->out = out;
	c->ioc = s->o->ioc ? ioc_match(s->o->ioc, remote) : NULL;
	/* an address a container resolved from an IOC name counts as the IOC */
	if (!c->ioc && s->at && s->at->n_lookups &&
	    (c->resolved = attrib_resolved(s->at, remote, t->c)))
		c->ioc = c->resolved->l->ioc;
	return c;
}

/* One flow of a container: counted once per (local port, remote port), whichever sources saw it. */
static void conn_add(struct tstate *s, struct tc *t, const struct flow *f,
                     const struct flow_addr *local, uint16_t lport, const struct flow_addr *remote,
                     uint16_t rport, bool out, const struct aflow *af, const struct aend *e)
{
	if (is_loopback(remote) || flow_addr_eq(local, remote))
		return;
	struct conn *c = conn_get(s, t, f->proto, remote, out ? rport : lport, out);
	bool dup = false;
	for (size_t i = 0; i < c->n_pairs && !dup; i++)
		dup = c->pairs[i][0] == lport && c->pairs[i][1] == rport;
	if (!dup) {
		if (c->n_pairs < 4096) {
			c->pairs = xrealloc(c->pairs, (c->n_pairs + 1) * sizeof(*c->pairs));
			c->pairs[c->n_pairs][0] = lport;
			c->pairs[c->n_pairs][1] = rport;
			c->n_pairs++;
		}
		c->count++;
	}
	bool sock = af->sources & (1u << FLOW_SRC_SOCKET);
	c->sources |= af->sources;
	c->local = *local;
	c->lport = lport;
	c->rport = rport;
	const char *state = f->state;
	if (*state && (!c->state[0] || sock))
		snprintf(c->state, sizeof(c->state), "%s", state);
	if (sock && (streq(state, "ESTABLISHED") || streq(state, "SYN_SENT")))
		c->open_now = true;
	uint64_t seen_ns = af->seen_ns;
	if (seen_ns > c->last_ns)
		c->last_ns = seen_ns;
	if (seen_ns && (!c->first_ns || seen_ns < c->first_ns))
		c->first_ns = seen_ns;
	if (e->proc && !c->proc)
		c->proc =
		    xasprintf("%s (pid %d)", e->proc->comm ? e->proc->comm : "?", e->proc->pid);
	if (e->by > c->by)
		c->by = e->by;
	if (e->netns_owner && !c->netns_owner)
		c->netns_owner = xstrdup(e->netns_owner->name);
}

static int cmp_conn(const void *a, const void *b)
{
	const struct conn *x = a, *y = b;
	if (!!x->ioc != !!y->ioc)
		return x->ioc ? -1 : 1;
	if (x->t->score != y->t->score)
		return x->t->score > y->t->score ? -1 : 1;
	int r = strcmp(x->t->name, y->t->name);
	if (r)
		return r;
	return (y->count > x->count) - (y->count < x->count);
}

static json_t *iso_ns(uint64_t ns)
{
	if (!ns)
		return json_null();
	char b[40];
	return json_string(journal_time_str(ns, b, sizeof(b)));
}

static const char *const src_names[] = {[FLOW_SRC_SOCKET] = "socket",
                                        [FLOW_SRC_CONNTRACK] = "conntrack",
                                        [FLOW_SRC_CAPTURE] = "capture",
                                        [FLOW_SRC_JOURNAL] = "journal"};

json_t *conn_json(const struct conn *c)
{
	char a[64];
	json_t *o = json_object();
	json_object_set_new(o, "container", json_str(c->t->name));
	json_object_set_new(o, "direction", json_string(c->out ? "out" : "in"));
	json_object_set_new(o, "proto", json_string(flow_proto_name(c->proto)));
	json_object_set_new(
	    o, "remote",
	    json_string(flow_endpoint_str(&c->remote, c->out ? c->rport : 0, a, sizeof(a))));
	json_object_set_new(
	    o, "local",
	    json_string(flow_endpoint_str(&c->local, c->out ? 0 : c->lport, a, sizeof(a))));
	json_object_set_new(o, "flows", json_integer((json_int_t)c->count));
	json_object_set_new(o, "state", c->state[0] ? json_string(c->state) : json_null());
	json_object_set_new(o, "open_now", json_boolean(c->open_now));
	struct buf b = {0};
	for (int k = FLOW_SRC_SOCKET; k <= FLOW_SRC_JOURNAL; k++)
		if (c->sources & (1u << k))
			buf_printf(&b, "%s%s", b.len ? "+" : "", src_names[k]);
	json_object_set_new(o, "sources", json_string(b.len ? buf_cstr(&b) : "-"));
	buf_free(&b);
	json_object_set_new(o, "first_seen", iso_ns(c->first_ns));
	json_object_set_new(o, "last_seen", iso_ns(c->last_ns));
	json_object_set_new(o, "process", json_str(c->proc));
	json_object_set_new(o, "by",
	                    attr_by_name(c->by) ? json_string(attr_by_name(c->by)) : json_null());
	json_object_set_new(o, "netns_owner", json_str(c->netns_owner));
	if (c->ioc) {
		json_object_set_new(o, "ioc", json_str(c->ioc->text));
		json_object_set_new(o, "ioc_comment", json_str(c->ioc->comment));
	} else {
		json_object_set_new(o, "ioc", json_null());
		json_object_set_new(o, "ioc_comment", json_null());
	}
	const struct alookup *l = c->resolved;
	if (l)
		json_object_set_new(
		    o, "ioc_resolved",
		    json_pack("{s:o,s:o,s:o}", "name",
		              json_str(l->l->n_chain ? l->l->chain[l->l->matched] : NULL),
		              "resolved_by", json_str(l->c ? l->c->name : NULL), "resolved_at",
		              iso_ns(l->l->t)));
	else
		json_object_set_new(o, "ioc_resolved", json_null());
	return o;
}

/* Reasons from the connections: IOC contact, and the same peer again and again (a beacon). */
void score_conns(struct tstate *s)
{
	for (size_t i = 0; i < s->n_conns; i++) {
		struct conn *c = &s->conns[i];
		char a[64];
		flow_endpoint_str(&c->remote, c->out ? c->rport : 0, a, sizeof(a));
		struct buf src = {0};
		for (int k = FLOW_SRC_SOCKET; k <= FLOW_SRC_JOURNAL; k++)
			if (c->sources & (1u << k))
				buf_printf(&src, "%s%s", src.len ? "+" : "", src_names[k]);
		if (c->ioc) {
			bool live =
			    c->sources & ((1u << FLOW_SRC_SOCKET) | (1u << FLOW_SRC_CONNTRACK));
			/* "(c2.example, resolved by web at TIME)" or "(the entry's comment)" */
			_cleanup_free_ char *why = NULL;
			if (c->resolved) {
				char tb[40];
				const struct alookup *l = c->resolved;
				why = xasprintf(" (%s, resolved by %s at %s)",
				                l->l->n_chain ? l->l->chain[l->l->matched] : "?",
				                l->c ? l->c->name : "(no container)",
				                journal_time_str(l->l->t, tb, sizeof(tb)));
			} else if (c->ioc->comment)
				why = xasprintf(" (%s)", c->ioc->comment);
			tc_reason(c->t, live ? 100 : 80, "ioc", "%s IOC %s%s: %zu %s flow%s%s (%s)",
			          c->out ? "talked to" : "was reached from", a, why ? why : "",
			          c->count, flow_proto_name(c->proto), c->count == 1 ? "" : "s",
			          c->open_now ? ", one open now" : "", buf_cstr(&src));
			c->t->ioc_hits++;
			if (!c->t->ioc_first)
				c->t->ioc_first = c;
		} else if (c->out && c->count >= 5 && !tstate_owner(s, &c->remote)) {
			tc_reason(c->t, 20, "beacon",
			          "connects to %s again and again: %zu %s flows (%s)", a, c->count,
			          flow_proto_name(c->proto), buf_cstr(&src));
			if (!c->t->beacon_first)
				c->t->beacon_first = c;
		}
		buf_free(&src);
	}
}

/* ---------------------------------------------------------------- address index */

struct tc *tstate_owner(const struct tstate *s, const struct flow_addr *a)
{
	for (size_t i = 0; i < s->nix; i++)
		if (flow_addr_eq(&s->ix[i].a, a))
			return s->ix[i].t;
	return NULL;
}

void tstate_index(struct tstate *s, const char *text, struct tc *t)
{
	struct flow_addr a;
	if (!text || !flow_addr_parse(text, &a))
		return;
	s->ix = xrealloc(s->ix, (s->nix + 1) * sizeof(*s->ix));
	s->ix[s->nix].a = a;
	s->ix[s->nix].t = t;
	s->nix++;
}

struct tc *tstate_by_id(struct tstate *s, const char *id)
{
	for (size_t i = 0; id && i < s->n; i++)
		if (s->t[i]->id && streq(s->t[i]->id, id))
			return s->t[i];
	return NULL;
}

struct tc *tstate_add(struct tstate *s, const char *name, const char *id)
{
	s->t = xrealloc(s->t, (s->n + 1) * sizeof(*s->t));
	struct tc *t = xcalloc(1, sizeof(*t));
	s->t[s->n++] = t;
	t->name = xstrdup(name ? name : "?");
	t->id = xstrdup0(id);
	return t;
}

/* A flow to or from an IOC that no container owns now: an exited container, the host, or an
 * address handed on; kept under a stand-in so that it is not lost. */
static struct tc *unowned(struct tstate *s, const struct flow_addr *a)
{
	char buf[64], name[96];
	snprintf(name, sizeof(name), "(address %s: no running container)",
	         flow_addr_str(a, buf, sizeof(buf)));
	for (size_t i = 0; i < s->n; i++)
		if (!s->t[i]->id && streq(s->t[i]->name, name))
			return s->t[i];
	struct tc *t = tstate_add(s, name, NULL);
	t->state = xstrdup("unknown");
	t->unowned = true;
	return t;
}

/* The entry of a container the join named: the triaged one with its id, else (a container the
 * journal names that is gone) a new entry. */
static struct tc *tc_for(struct tstate *s, struct container *c)
{
	struct tc *t = tstate_by_id(s, c->id);
	if (t)
		return t;
	t = tstate_add(s, c->name, c->id);
	t->state = xstrdup("removed");
	return t;
}

static void timeline_add(struct tstate *s, uint64_t ns, const char *container, const char *kind,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* One end of a flow into its container's groups: the side that opened it goes out, the answering
 * one in (a socket seen alone: in when a port below the ephemeral range talks to one in it). */
static void add_end(struct tstate *s, struct tc *t, const struct aflow *af, int k)
{
	const struct flow *f = &af->f;
	const struct aend *e = &af->end[k];
	bool out = k == 0;
	if (af->sock_only) {
		bool in = f->orig.sport < 32768 && f->orig.dport >= 32768;
		out = k == 0 ? !in : in;
	}
	if (k == 0)
		conn_add(s, t, f, &f->orig.src, f->orig.sport, &f->orig.dst, f->orig.dport, out, af,
		         e);
	else {
		uint16_t lp;
		const struct flow_addr *l = aflow_addr(af, 1, &lp);
		conn_add(s, t, f, l, lp, &f->orig.src, f->orig.sport, out, af, e);
	}
	const struct flow_addr *peer = k == 0 ? &f->orig.dst : &f->orig.src;
	if ((af->sources & (1u << FLOW_SRC_JOURNAL)) && f->first_ns && s->o->ioc &&
	    ioc_match(s->o->ioc, peer)) {
		char a[64];
		timeline_add(s, f->first_ns, t->name, "ioc", "%s flow %s %s (journal)",
		             flow_proto_name(f->proto), k == 0 ? "to" : "from",
		             flow_endpoint_str(peer, k == 0 ? f->orig.dport : 0, a, sizeof(a)));
	}
}

void tstate_add_flows(struct tstate *s, const struct attrib *a)
{
	s->at = a;
	s->stale_flows += a->stale;
	for (size_t i = 0; i < a->n; i++) {
		const struct aflow *af = &a->v[i];
		const struct flow *f = &af->f;
		bool any = false;
		for (int k = 0; k < 2; k++) {
			if (!af->end[k].c)
				continue;
			add_end(s, tc_for(s, af->end[k].c), af, k);
			any = true;
		}
		if (any || !s->o->ioc || !s->attribute_unowned || is_loopback(&f->orig.src))
			continue;
		static const struct aend none;
		if (ioc_match(s->o->ioc, &f->orig.dst))
			conn_add(s, unowned(s, &f->orig.src), f, &f->orig.src, f->orig.sport,
			         &f->orig.dst, f->orig.dport, true, af, &none);
		else if (ioc_match(s->o->ioc, &f->orig.src) && f->reply.src.family)
			conn_add(s, unowned(s, &f->reply.src), f, &f->reply.src, f->reply.sport,
			         &f->orig.src, f->orig.sport, false, af, &none);
	}
}

/* ---------------------------------------------------------------- the document */

static int cmp_tc_ptr(const void *a, const void *b)
{
	const struct tc *x = *(struct tc *const *)a, *y = *(struct tc *const *)b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void timeline_add(struct tstate *s, uint64_t ns, const char *container, const char *kind,
                         const char *fmt, ...)
{
	if (!ns)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	s->tl = xrealloc(s->tl, (s->n_tl + 1) * sizeof(*s->tl));
	s->tl[s->n_tl++] =
	    (struct tl_event){.ns = ns, .container = xstrdup0(container), .kind = kind, .text = m};
}

void tstate_timeline_rfc3339(struct tstate *s, const char *when, const char *container,
                             const char *kind, const char *text)
{
	uint64_t ns;
	if (!when || startswith(when, "0001-") || !journal_time_parse(when, &ns))
		return;
	timeline_add(s, ns, container, kind, "%s", text);
}

static int cmp_tl(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;
	return (x->ns > y->ns) - (x->ns < y->ns);
}

/* Reasons sorted and the next commands of each container; the containers ranked (a new array of
 * borrowed pointers) and the connections in the order of the table. */
static struct tc **tstate_rank(struct tstate *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct tc *t = s->t[i];
		if (t->n_why > 1)
			qsort(t->why, t->n_why, sizeof(*t->why), cmp_reason);
		if (s->next_fn && t->score > 0)
			s->next_fn(s, t);
	}
	struct tc **rank = xcalloc(s->n + 1, sizeof(*rank));
	for (size_t i = 0; i < s->n; i++)
		rank[i] = s->t[i];
	if (s->n)
		qsort(rank, s->n, sizeof(*rank), cmp_tc_ptr);
	if (s->n_conns)
		qsort(s->conns, s->n_conns, sizeof(*s->conns), cmp_conn);
	return rank;
}

/* What the document is about and where it came from. */
static json_t *doc_head(const struct tstate *s)
{
	const struct triage_opts *o = s->o;
	json_t *doc = json_object();
	json_object_set_new(doc, "title", json_string(s->title ? s->title : "cirt triage"));
	json_object_set_new(doc, "source", json_string(s->source));
	json_object_set_new(doc, "cirt_version", json_string(CIRT_VERSION));
	json_object_set_new(doc, "command", json_str(o->command));
	json_object_set_new(doc, "hostname", json_str(s->hostname));
	char gen[40];
	fmt_utc((long long)time(NULL), gen, sizeof(gen));
	json_object_set_new(doc, "generated", json_string(gen));
	if (s->meta)
		json_object_update(doc, s->meta);
	return doc;
}

/* The tallies of "counts", gathered while the tables are built. */
struct doc_counts {
	size_t flagged, ioc_containers, findings, running, ioc_flows;
};

/* One row of the ranked summary. */
static json_t *summary_entry(const struct tc *t, size_t rank)
{
	json_t *e = json_object();
	json_object_set_new(e, "rank", json_integer((json_int_t)rank));
	json_object_set_new(e, "container", json_str(t->name));
	json_object_set_new(e, "id", json_str(t->id));
	json_object_set_new(e, "state", json_str(t->state));
	json_object_set_new(e, "score", json_integer(t->score));
	json_object_set_new(e, "level", json_string(triage_level(t->score)));
	json_t *rs = json_array(), *why = json_array(), *nx = json_array();
	for (size_t k = 0; k < t->n_why; k++) {
		json_array_append_new(rs, json_str(t->why[k].text));
		json_t *w = json_object();
		json_object_set_new(w, "points", json_integer(t->why[k].points));
		json_object_set_new(w, "kind", json_string(t->why[k].kind));
		json_object_set_new(w, "text", json_str(t->why[k].text));
		json_array_append_new(why, w);
	}
	for (size_t k = 0; k < t->n_next; k++)
		json_array_append_new(nx, json_str(t->next[k]));
	json_object_set_new(e, "reasons", rs);
	json_object_set_new(e, "why", why);
	json_object_set_new(e, "next", nx);
	return e;
}

/* Every container with a score, best first; every container counted. */
static json_t *doc_summary(const struct tstate *s, struct tc **rank, struct doc_counts *n)
{
	json_t *summary = json_array();
	for (size_t i = 0; i < s->n; i++) {
		struct tc *t = rank[i];
		n->findings += t->sr.n;
		n->running += t->running;
		if (t->ioc_hits)
			n->ioc_containers++;
		if (t->score <= 0)
			continue;
		json_array_append_new(summary, summary_entry(t, ++n->flagged));
	}
	return summary;
}

static json_t *doc_connections(const struct tstate *s, struct doc_counts *n)
{
	json_t *conns = json_array();
	for (size_t i = 0; i < s->n_conns; i++) {
		json_array_append_new(conns, conn_json(&s->conns[i]));
		if (s->conns[i].ioc)
			n->ioc_flows += s->conns[i].count;
	}
	return conns;
}

static json_t *doc_counts_json(const struct tstate *s, const struct doc_counts *n)
{
	json_t *counts = json_object();
	json_object_set_new(counts, "containers", json_integer((json_int_t)s->n_containers));
	json_object_set_new(counts, "running", json_integer((json_int_t)n->running));
	json_object_set_new(counts, "flagged", json_integer((json_int_t)n->flagged));
	json_object_set_new(counts, "ioc_containers", json_integer((json_int_t)n->ioc_containers));
	json_object_set_new(counts, "ioc_flows", json_integer((json_int_t)n->ioc_flows));
	json_object_set_new(counts, "connections", json_integer((json_int_t)s->n_conns));
	json_object_set_new(counts, "findings", json_integer((json_int_t)n->findings));
	json_object_set_new(counts, "network_oddities",
	                    json_integer((json_int_t)json_array_size(s->oddities)));
	return counts;
}

/* The IOC list the flows were matched against (null: none given). */
static json_t *doc_ioc(const struct ioc_list *ioc)
{
	if (!ioc)
		return json_null();
	json_t *io = json_object(), *es = json_array();
	json_object_set_new(io, "file", json_str(ioc->path));
	for (size_t i = 0; i < ioc->n; i++)
		json_array_append_new(es, json_str(ioc->v[i].text));
	json_object_set_new(io, "entries", es);
	return io;
}

/* The per-container tables in rank order: inventory, findings, changed files. */
static void doc_container_tables(const struct tstate *s, struct tc **rank, json_t **ret_inv,
                                 json_t **ret_fnd, json_t **ret_chg)
{
	json_t *inv = json_array(), *fnd = json_array(), *chg = json_array();
	for (size_t i = 0; i < s->n; i++) {
		struct tc *t = rank[i];
		if (t->inv) {
			json_t *r = json_deep_copy(t->inv);
			json_object_set_new(r, "score", json_integer(t->score));
			json_object_set_new(r, "level",
			                    t->score > 0 ? json_string(triage_level(t->score))
			                                 : json_null());
			json_array_append_new(inv, r);
		}
		for (size_t k = 0; k < t->sr.n; k++) {
			json_t *f = scan_finding_json(&t->sr.f[k]);
			json_object_set_new(f, "container", json_str(t->name));
			json_array_append_new(fnd, f);
		}
		if (t->ch_json && (t->ch_added || t->ch_changed || t->ch_deleted)) {
			json_t *c = json_deep_copy(t->ch_json);
			json_object_set_new(c, "container", json_str(t->name));
			json_array_append_new(chg, c);
		}
	}
	*ret_inv = inv;
	*ret_fnd = fnd;
	*ret_chg = chg;
}

static json_t *doc_timeline(struct tstate *s)
{
	if (s->n_tl)
		qsort(s->tl, s->n_tl, sizeof(*s->tl), cmp_tl);
	json_t *tl = json_array();
	/* the newest events matter most: keep the last 500 */
	for (size_t i = s->n_tl > 500 ? s->n_tl - 500 : 0; i < s->n_tl; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "time", iso_ns(s->tl[i].ns));
		json_object_set_new(e, "container", json_str(s->tl[i].container));
		json_object_set_new(e, "kind", json_string(s->tl[i].kind));
		json_object_set_new(e, "event", json_str(s->tl[i].text));
		json_array_append_new(tl, e);
	}
	return tl;
}

/* Reasons sorted, the next commands, the ranked summary and every table. */
json_t *tstate_document(struct tstate *s)
{
	struct tc **rank = tstate_rank(s);
	struct doc_counts n = {0};
	json_t *doc = doc_head(s);
	json_object_set_new(doc, "summary", doc_summary(s, rank, &n));
	json_t *conns = doc_connections(s, &n);
	json_object_set_new(doc, "counts", doc_counts_json(s, &n));
	json_object_set_new(doc, "ioc", doc_ioc(s->o->ioc));
	json_t *inv, *fnd, *chg;
	doc_container_tables(s, rank, &inv, &fnd, &chg);
	json_object_set_new(doc, "containers", inv);
	json_object_set_new(doc, "connections", conns);
	json_object_set_new(doc, "findings", fnd);
	json_object_set_new(doc, "changes", chg);
	json_object_set_new(doc, "network", json_pack("{s:O?}", "oddities", s->oddities));
	if (s->network_extra)
		json_object_update(json_object_get(doc, "network"), s->network_extra);
	json_object_set_new(doc, "timeline", doc_timeline(s));
	json_t *notes = json_array();
	for (size_t i = 0; i < s->n_notes; i++)
		json_array_append_new(notes, json_str(s->notes[i]));
	json_object_set_new(doc, "notes", notes);
	free(rank);
	return doc;
}

void tstate_note(struct tstate *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf_unique(&s->notes, &s->n_notes, fmt, ap);
	va_end(ap);
}

void tstate_free(struct tstate *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct tc *t = s->t[i];
		free(t->name);
		free(t->id);
		free(t->state);
		for (size_t k = 0; k < t->n_why; k++)
			free(t->why[k].text);
		free(t->why);
		for (size_t k = 0; k < t->n_next; k++)
			free(t->next[k]);
		free(t->next);
		scan_result_clear(&t->sr);
		scan_target_free(t->st);
		free(t->scan_err);
		json_decref(t->ch_json);
		json_decref(t->inv);
		free(t);
	}
	free(s->t);
	for (size_t i = 0; i < s->n_conns; i++) {
		free(s->conns[i].pairs);
		free(s->conns[i].proc);
		free(s->conns[i].netns_owner);
	}
	free(s->conns);
	free(s->ix);
	for (size_t i = 0; i < s->n_tl; i++) {
		free(s->tl[i].container);
		free(s->tl[i].text);
	}
	free(s->tl);
	for (size_t i = 0; i < s->n_notes; i++)
		free(s->notes[i]);
	free(s->notes);
	json_decref(s->oddities);
	json_decref(s->network_extra);
	json_decref(s->meta);
	free(s->hostname);
}

/* ---------------------------------------------------------------- next commands */

static void live_next(struct tstate *s, struct tc *t)
{
	const struct triage_opts *o = s->o;
	if (!t->c) {
		if (t->unowned && t->ioc_first) {
			char a[64];
			tc_next(t, "cirt locate %s --since 24h",
			        flow_addr_str(&t->ioc_first->remote, a, sizeof(a)));
			tc_next(t, "cirt ps -a");
			return;
		}
		/* gone: only its recorded flows are left */
		if (t->ioc_first) {
			char a[64];
			tc_next(t, "cirt locate %s --since 24h",
			        flow_addr_str(&t->ioc_first->remote, a, sizeof(a)));
		}
		return;
	}
	_cleanup_free_ char *n = shell_quote(t->name);
	_cleanup_free_ char *cs = shell_quote(o->case_id ? o->case_id : "CASE");
	bool alive = t->c->running || t->c->paused;
	if (alive || t->ioc_hits || t->sr.n)
		tc_next(t, "cirt collect %s --case %s", n, cs);
	bool urgent = t->ioc_hits || t->beacon_first || t->score >= 50;
	if (alive && urgent && o->can_contain)
		tc_next(t, "cirt contain %s --isolate --reason %s", n,
		        t->ioc_hits ? "'IOC contact'" : "triage");
	struct conn *c = t->ioc_first ? t->ioc_first : t->beacon_first;
	if (c) {
		char a[64];
		flow_addr_str(&c->remote, a, sizeof(a));
		tc_next(t, "cirt locate %s", a);
		if (alive && t->c->mode != NETMODE_HOST && t->c->mode != NETMODE_NONE)
			tc_next(t, "cirt net --capture-plan %s --dst %s", n, a);
	}
	if (t->sr.n)
		tc_next(t, "cirt scan %s", n);
	if (t->ch_added + t->ch_changed + t->ch_deleted &&
	    (t->ioc_hits || t->sr.n || t->score >= 10))
		tc_next(t, "cirt diff %s", n);
}

/* ---------------------------------------------------------------- live triage */

struct ctjob {
	pthread_t th;
	bool started, ok;
	struct flow *v;
	size_t n;
	struct cirt_err err;
};

static void *ct_thread(void *arg)
{
	struct ctjob *j = arg;
	j->ok = conntrack_dump_all(AF_UNSPEC, &j->v, &j->n, &j->err) == 0;
	return NULL;
}

struct scanjob {
	struct scan_engine *eng;
	struct tc *t;
};

static void scan_worker(void *ud, unsigned worker, void *job)
{
	(void)ud;
	(void)worker;
	struct scanjob *j = job;
	struct cirt_err e = {0};
	/* this thread reads what the containers' owners wrote: it keeps only the reading powers
	 * (the others still read namespaces and conntrack) */
	static __thread bool dropped;
	static const int keep[] = {CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_SYS_PTRACE};
	if (!dropped && priv_drop_thread(keep, ARRAY_SIZE(keep), &e) < 0) {
		j->t->scan_err = xasprintf("privileges not dropped: %s", e.msg);
		return;
	}
	dropped = true;
	if (scan_target_run(j->eng, j->t->st, &j->t->sr, &e) < 0)
		j->t->scan_err = xstrdup(e.msg);
	else
		j->t->scanned = true;
}

static uint64_t phase(struct tstate *s, const char *what, uint64_t t0)
{
	uint64_t now = now_ms();
	if (s->o->phase)
		s->o->phase(s->o->phase_ud, what, now - t0);
	return now;
}

static json_t *inventory_row(const struct container *c, const struct netmap *m)
{
	json_t *r = json_object();
	json_object_set_new(r, "name", json_str(c->name));
	json_object_set_new(r, "id",
	                    json_strn(c->id ? c->id : "", c->id && strlen(c->id) > 12 ? 12
	                                                  : c->id ? strlen(c->id)
	                                                          : 0));
	json_object_set_new(r, "image", json_str(c->image));
	json_object_set_new(r, "state", json_str(c->state));
	const char *mode = net_mode_name(c->mode);
	json_t *mt;
	if (c->mode == NETMODE_CUSTOM && c->n_eps)
		mt = json_sprintf("custom:%s", c->eps[0].network ? c->eps[0].network : "?");
	else if (c->mode == NETMODE_CONTAINER)
		mt = json_sprintf("container:%s", c->mode_target_name ? c->mode_target_name : "?");
	else
		mt = json_str(mode);
	json_object_set_new(r, "network", mt);
	json_t *ips = json_array();
	for (size_t k = 0; k < c->n_eps; k++) {
		if (c->eps[k].ipv4)
			json_array_append_new(ips, json_str(c->eps[k].ipv4));
		if (c->eps[k].ipv6)
			json_array_append_new(ips, json_str(c->eps[k].ipv6));
	}
	json_object_set_new(r, "ips", ips);
	json_t *ports = json_array();
	for (size_t k = 0; k < c->n_ports; k++)
		if (c->ports[k].host_port)
			json_array_append_new(
			    ports, json_sprintf("%s:%d->%d/%s",
			                        c->ports[k].host_ip ? c->ports[k].host_ip : "*",
			                        c->ports[k].host_port, c->ports[k].container_port,
			                        c->ports[k].proto));
	json_object_set_new(r, "ports", ports);
	json_object_set_new(r, "pid", c->pid ? json_integer(c->pid) : json_null());
	json_object_set_new(r, "created", json_str(c->created));
	json_object_set_new(r, "started", json_str(c->started_at));
	(void)m;
	return r;
}

/* Published on every address, and DNAT rules the daemon does not know. */
static void network_oddities(struct tstate *s, const struct netmap *m, struct tc **by_index)
{
	s->oddities = json_array();
	json_t *nj = netmap_to_json(m);
	json_t *fw = jobj(nj, "firewall");
	for (size_t i = 0; i < m->n_pubs; i++) {
		const struct nm_published *p = &m->pubs[i];
		struct tc *t = p->container >= 0 ? by_index[p->container] : NULL;
		bool any = !p->host_ip || streq(p->host_ip, "0.0.0.0") || streq(p->host_ip, "::");
		json_t *o = NULL;
		if (p->status == NM_PUB_RULE_ONLY) {
			o = json_pack("{s:s,s:s?,s:s}", "kind", "dnat_not_published", "container",
			              t ? t->name : NULL, "what",
			              "a DNAT rule forwards a host port to it, but the daemon "
			              "publishes no such port");
			if (t)
				tc_reason(t, 30, "network",
				          "a DNAT rule the daemon does not know forwards host port "
				          "%d/%s to it",
				          p->host_port, p->proto);
		} else if (any && p->family == 4 && t) {
			o = json_pack("{s:s,s:s}", "kind", "published_all_addresses", "what",
			              "a port published on every host address");
			json_object_set_new(o, "container", json_str(t->name));
			if (t->pub_any++ < 2)
				tc_reason(t, 3, "network",
				          "port %d/%s published on every host address (to %d)",
				          p->host_port, p->proto, p->container_port);
		}
		if (o) {
			json_object_set_new(o, "detail",
			                    json_sprintf("%s:%d/%s -> %s:%d",
			                                 p->host_ip ? p->host_ip : "*",
			                                 p->host_port, p->proto,
			                                 p->container_ip ? p->container_ip : "?",
			                                 p->container_port));
			json_array_append_new(s->oddities, o);
		}
	}
	size_t i;
	json_t *r;
	json_array_foreach(jarr(fw, "stray"), i, r)
	{
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string("stray_rule"));
		json_object_set_new(o, "container", json_null());
		json_object_set_new(o, "what", json_incref(json_object_get(r, "reason")));
		json_object_set_new(o, "detail",
		                    json_sprintf("%s %s: %s",
		                                 jstr(r, "backend") ? jstr(r, "backend") : "?",
		                                 jstr(r, "table") ? jstr(r, "table") : "?",
		                                 jstr(r, "rule") ? jstr(r, "rule") : "?"));
		json_array_append_new(s->oddities, o);
		s->host_strays++;
	}
	for (size_t k = 0; k < m->h->n; k++) {
		const struct container *c = &m->h->c[k];
		if (c->running && c->mode == NETMODE_HOST) {
			json_t *o = json_pack(
			    "{s:s,s:s}", "kind", "host_network", "what",
			    "shares the host's network stack: its sockets are the host's");
			json_object_set_new(o, "container", json_str(c->name));
			json_object_set_new(o, "detail",
			                    json_str(m->mode_lines ? m->mode_lines[k] : NULL));
			json_array_append_new(s->oddities, o);
		}
	}
	json_t *ex = json_object();
	json_object_set_new(ex, "backend", json_incref(json_object_get(fw, "backend")));
	json_object_set_new(ex, "networks", json_incref(json_object_get(nj, "networks")));
	json_object_set_new(ex, "published", json_incref(json_object_get(fw, "published")));
	s->network_extra = ex;
	json_array_foreach(jarr(nj, "notes"), i, r)
	    tstate_note(s, "network map: %s", json_string_value(r));
	json_decref(nj);
}

static bool keep_connected(const struct sockdiag_entry *e, void *ud)
{
	(void)ud;
	return !streq(e->f.state, "LISTEN") && !streq(e->f.state, "UNCONN");
}

/* The journal's flows since --since, and the DNS lookups of the IOC names. */
struct tjournal {
	struct jflows jf;
	struct jlookups lk;
};

static void tjournal_clear(struct tjournal *j)
{
	jflows_clear(&j->jf);
	jlookups_clear(&j->lk);
}

static void names_note(struct tstate *s, const char *why)
{
	const struct ioc_list *ioc = s->o->ioc;
	if (ioc && ioc->n_names)
		tstate_note(s,
		            "the %zu name%s of the --ioc list need cirt watch's DNS records: %s: "
		            "not matched",
		            ioc->n_names, ioc->n_names == 1 ? "" : "s", why);
}

static void read_journal(struct tstate *s, struct tjournal *tj)
{
	const struct triage_opts *o = s->o;
	struct stat st;
	if (!o->journal_dir)
		return names_note(s, "no journal");
	if (stat(o->journal_dir, &st) < 0) {
		if (o->journal_explicit)
			tstate_note(s, "journal '%s': %s", o->journal_dir, strerror(errno));
		_cleanup_free_ char *why = xasprintf("no journal '%s'", o->journal_dir);
		return names_note(s, why);
	}
	struct cirt_err e = {0};
	if (jflows_read(o->journal_dir, o->since_ns, 0, NULL, 0, NULL, NULL, 200000, &tj->jf, &e) <
	    0) {
		tstate_note(s, "journal '%s': %s", o->journal_dir, e.msg);
		return names_note(s, e.msg);
	}
	s->journal_read = true;
	if (tj->jf.truncated)
		tstate_note(s,
		            "journal: more than 200000 flows since then: the newest were left out");
	char a[40], b[40];
	tstate_note(s, "journal '%s': %zu flows from %s to now (oldest line %s)", o->journal_dir,
	            tj->jf.n, journal_time_str(o->since_ns, a, sizeof(a)),
	            tj->jf.st.first_ns ? journal_time_str(tj->jf.st.first_ns, b, sizeof(b)) : "-");
	if (tj->jf.st.bad)
		tstate_note(s, "journal: %llu lines could not be read (cut short or too long)",
		            (unsigned long long)tj->jf.st.bad);
	if (!o->ioc || !o->ioc->n_names)
		return;
	if (jdns_read(o->journal_dir, o->since_ns, 0, o->ioc, 100000, &tj->lk, &e) < 0)
		return names_note(s, e.msg);
	if (!tj->lk.dns_lines)
		return names_note(s, "the journal holds no DNS lines since then");
	tstate_note(s, "journal: %zu lookups of the --ioc names among %llu DNS lines%s", tj->lk.n,
	            (unsigned long long)tj->lk.dns_lines,
	            tj->lk.truncated ? " (more were left out)" : "");
}

/* What the live triage holds between its phases. */
struct live {
	struct tstate s;
	struct docker *d;
	unsigned par;      /* concurrent daemon requests */
	uint64_t t0, tp;   /* when it started, when the last phase ended (ms) */
	struct fw_job *fw; /* the firewall tools, consumed by the network map */
	struct ctjob ct;   /* the conntrack dump, in its own thread */
	struct sockets_prefetch *pre;
	struct host *h;
	struct tc **by_index; /* the entry of h->c[i] */
	struct scan_engine *eng;
	struct pool *pool;
	struct scanjob *jobs;
	struct tc host_tc; /* the host's own quick checks: notes and findings, never ranked */
	struct netmap *m;  /* NULL: it could not be built */
	struct sockets *sk;
	uint64_t scan_ns; /* when the sockets were read */
	struct tjournal j;
	struct attrib *at; /* the flows of every source, attributed */
};

static void live_phase(struct live *L, const char *what)
{
	L->tp = phase(&L->s, what, L->tp);
}

/* What needs no container list starts at once: firewall tools, conntrack, socket dumps. */
static void live_start(struct live *L)
{
	L->fw = fw_start();
	L->ct.started = pthread_create(&L->ct.th, NULL, ct_thread, &L->ct) == 0;
	if (!L->ct.started)
		ct_thread(&L->ct);
	L->pre = sockets_prefetch_start(SOCKDIAG_ALL, false);
}

/* The daemon could not be asked: stop what live_start began. */
static void live_abort(struct live *L)
{
	fw_job_free(L->fw);
	if (L->ct.started)
		pthread_join(L->ct.th, NULL);
	free(L->ct.v);
	sockets_prefetch_free(L->pre);
	host_free(L->h);
}

/* The host's name and daemon, and one entry per container: its addresses in the index, its life
 * on the timeline. */
static void live_inventory(struct live *L)
{
	struct tstate *s = &L->s;
	const struct host *h = L->h;
	char hn[256] = "";
	if (gethostname(hn, sizeof(hn) - 1) == 0)
		s->hostname = xstrdup(hn);
	s->meta = json_pack("{s:{s:s?,s:s?}}", "docker", "host", h->docker_host, "api_version",
	                    h->api_version);
	for (size_t i = 0; i < h->n_warnings; i++)
		tstate_note(s, "%s", h->warnings[i]);
	s->n_containers = h->n;
	L->by_index = xcalloc(h->n + 1, sizeof(*L->by_index));
	for (size_t i = 0; i < h->n; i++) {
		struct container *c = &h->c[i];
		struct tc *t = tstate_add(s, c->name, c->id);
		L->by_index[i] = t;
		t->c = c;
		t->state = xstrdup0(c->state);
		t->running = c->running;
		if (c->created && !journal_time_parse(c->created, &t->created_ns))
			t->created_ns = 0;
		if (c->running && c->pid > 0 && !c->eps_shared)
			for (size_t k = 0; k < c->n_eps; k++) {
				tstate_index(s, c->eps[k].ipv4, t);
				tstate_index(s, c->eps[k].ipv6, t);
			}
		tstate_timeline_rfc3339(s, c->created, c->name, "container", "created");
		tstate_timeline_rfc3339(s, c->started_at, c->name, "container", "started");
		if (!c->running)
			tstate_timeline_rfc3339(s, c->finished_at, c->name, "container", "exited");
	}
}

/* The quick checks of the host and every container, queued in a pool: they run while the daemon
 * answers the change lists. */
static void live_scan_start(struct live *L)
{
	const struct host *h = L->h;
	struct scan_opts so = {
	    .checks = CHK_ESCAPE | CHK_RUNTIME | CHK_BACKDOOR, .quick = true, .threads = 1};
	struct cirt_err se = {0};
	L->jobs = xcalloc(h->n + 2, sizeof(*L->jobs));
	L->host_tc = (struct tc){.name = (char *)"(host)"};
	if (scan_engine_new(&so, &L->eng, &se) < 0) {
		tstate_note(&L->s, "quick checks: %s", se.msg);
		return;
	}
	L->pool = pool_new(L->par > 4 ? 4 : L->par, scan_worker, NULL);
	L->host_tc.st = scan_target_host();
	L->jobs[h->n] = (struct scanjob){.eng = L->eng, .t = &L->host_tc};
	pool_push(L->pool, &L->jobs[h->n], 0);
	for (size_t i = 0; i < h->n; i++) {
		struct tc *t = L->s.t[i];
		/* no image history: the history check is not among the quick ones */
		if (!h->c[i].inspect ||
		    scan_target_container(NULL, h->c[i].inspect, &t->st, &se) < 0) {
			t->scan_err = xstrdup(h->c[i].inspect ? se.msg : "no inspect answer");
			continue;
		}
		L->jobs[i] = (struct scanjob){.eng = L->eng, .t = t};
		pool_push(L->pool, &L->jobs[i], 0);
	}
}

/* The change list of every container: from its overlay layers (read on a few threads while the
 * quick checks run), from the daemon's GET /containers/{id}/changes only where the layers give
 * no complete answer (said in the notes). */
static void live_changes(struct live *L)
{
	const struct host *h = L->h;
	struct container **cs = xcalloc(h->n + 1, sizeof(*cs));
	struct change_list *cl = xcalloc(h->n + 1, sizeof(*cl));
	for (size_t i = 0; i < h->n; i++)
		cs[i] = &h->c[i];
	changes_load(L->d, cs, h->n, L->par, cl);
	for (size_t i = 0; i < h->n; i++) {
		if (cl[i].list)
			tc_changes(L->s.t[i], cl[i].list);
		else if (cl[i].status != 404)
			tstate_note(&L->s, "changed files of '%s': %s", h->c[i].name,
			            cl[i].err ? cl[i].err : "no answer");
		if (cl[i].daemon && cl[i].list)
			tstate_note(&L->s, "changed files of '%s' from the daemon: %s",
			            h->c[i].name, cl[i].why);
		change_list_clear(&cl[i]);
	}
	free(cl);
	free(cs);
}

/* The network map: strays, modes, published ports. */
static void live_network(struct live *L)
{
	struct cirt_err ne = {0};
	if (netmap_build(L->d, L->h, NETMAP_FIREWALL, L->fw, &L->m, &ne) < 0) {
		tstate_note(&L->s, "network map: %s", ne.msg);
		L->s.oddities = json_array();
	} else {
		network_oddities(&L->s, L->m, L->by_index);
		live_phase(L, "network map");
	}
	L->fw = NULL; /* consumed either way */
}

/* The containers' connected sockets, attributed by namespace and by process. */
static void live_sockets(struct live *L)
{
	struct cirt_err ke = {0};
	struct sockets_opts sko = {
	    .protos = SOCKDIAG_ALL, .keep = keep_connected, .prefetch = L->pre};
	L->scan_ns = journal_now_ns();
	if (sockets_load(L->h, &sko, &L->sk, &ke) < 0) {
		tstate_note(&L->s, "sockets: %s", ke.msg);
		return;
	}
	for (size_t i = 0; i < L->sk->n_warnings; i++)
		tstate_note(&L->s, "sockets: %s", L->sk->warnings[i]);
}

/* The conntrack dump, read in its thread. */
static void live_conntrack(struct live *L)
{
	struct ctjob *ct = &L->ct;
	if (ct->started)
		pthread_join(ct->th, NULL);
	ct->started = false;
	if (!ct->ok)
		tstate_note(&L->s, "conntrack: %s: flows that already ended are not shown",
		            ct->err.msg);
	sockets_prefetch_free(L->pre);
	L->pre = NULL;
}

/* Sockets, conntrack and the journal joined (attrib.h) into each container's connections; an
 * IOC flow no container owns gets a stand-in. */
static void live_flows(struct live *L)
{
	struct tstate *s = &L->s;
	struct attrib_in in = {.h = L->h,
	                       .socks = L->sk,
	                       .ct = L->ct.v,
	                       .n_ct = L->ct.n,
	                       .now_ns = L->scan_ns,
	                       .jf = L->j.jf.v,
	                       .n_jf = L->j.jf.n,
	                       .dns = L->j.lk.v,
	                       .n_dns = L->j.lk.n};
	L->at = attrib_join(&in);
	s->attribute_unowned = true;
	tstate_add_flows(s, L->at);
	if (s->stale_flows)
		tstate_note(
		    s,
		    "%zu conntrack entries are older than the container now holding their address: "
		    "not counted as its flows",
		    s->stale_flows);
	/* the lookups of IOC names on the timeline */
	for (size_t i = 0; i < L->at->n_lookups; i++) {
		const struct alookup *l = &L->at->lookups[i];
		char a[64];
		struct buf b = {0};
		for (size_t k = 0; k < l->l->n_addrs; k++)
			buf_printf(&b, "%s%s", k ? ", " : "",
			           flow_addr_str(&l->l->addrs[k], a, sizeof(a)));
		timeline_add(s, l->l->t, l->c ? l->c->name : NULL, "dns",
		             "resolved IOC name %s -> %s", l->l->qname,
		             b.len ? buf_cstr(&b) : (l->l->rcode ? l->l->rcode : "no address"));
		buf_free(&b);
	}
}

/* Wait for the quick checks; their notes, and their findings scored. */
static void live_scan_finish(struct live *L)
{
	struct tstate *s = &L->s;
	if (L->pool) {
		pool_wait(L->pool, 0, NULL, NULL);
		pool_free(L->pool);
		L->pool = NULL;
	}
	live_phase(L, "quick checks");
	for (size_t i = 0; i < s->n; i++) {
		struct tc *t = s->t[i];
		if (t->scan_err && t->c && (t->c->running || t->c->paused))
			tstate_note(s, "quick checks of '%s': %s", t->name, t->scan_err);
		for (size_t k = 0; k < t->sr.n_notes && k < 3; k++)
			if (!strstr(t->sr.notes[k], "no process of the container"))
				tstate_note(s, "quick checks of '%s': %s", t->name, t->sr.notes[k]);
		tc_score_findings(t);
	}
}

/* The daemon's own exposure and stray rules belong to the host: notes, not a ranked row. */
static void live_host_notes(struct live *L)
{
	const struct tc *ht = &L->host_tc;
	if (!ht->st)
		return;
	for (size_t k = 0; k < ht->sr.n; k++)
		tstate_note(&L->s, "host: %s: %s (%s)", scan_sev_name(ht->sr.f[k].sev),
		            ht->sr.f[k].reason,
		            ht->sr.f[k].evidence ? ht->sr.f[k].evidence : ht->sr.f[k].rule);
}

/* The inventory rows: the host's containers, then those known only from flows. */
static void live_rows(struct live *L)
{
	struct tstate *s = &L->s;
	for (size_t i = 0; i < L->h->n; i++)
		s->t[i]->inv = inventory_row(&L->h->c[i], L->m);
	for (size_t i = L->h->n; i < s->n; i++)
		s->t[i]->inv = json_pack("{s:s,s:s?,s:s?}", "name", s->t[i]->name, "id",
		                         s->t[i]->id, "state", s->t[i]->state);
}

/* The document, with how long it took and the host's findings among the others. */
static json_t *live_document(struct live *L)
{
	json_t *doc = tstate_document(&L->s);
	json_object_set_new(doc, "elapsed_ms", json_integer((json_int_t)(now_ms() - L->t0)));
	json_t *hf = json_array();
	for (size_t k = 0; k < L->host_tc.sr.n; k++) {
		json_t *f = scan_finding_json(&L->host_tc.sr.f[k]);
		json_object_set_new(f, "container", json_string("(host)"));
		json_array_append_new(hf, f);
	}
	json_array_extend(json_object_get(doc, "findings"), hf);
	json_decref(hf);
	return doc;
}

static void live_free(struct live *L)
{
	scan_result_clear(&L->host_tc.sr);
	scan_target_free(L->host_tc.st);
	free(L->host_tc.scan_err);
	tstate_free(&L->s);
	attrib_free(L->at);
	tjournal_clear(&L->j);
	free(L->ct.v);
	sockets_free(L->sk);
	netmap_free(L->m);
	scan_engine_free(L->eng);
	free(L->jobs);
	free(L->by_index);
	host_free(L->h);
}

void triage_map_clear(struct triage_map *tm)
{
	if (!tm)
		return;
	netmap_free(tm->map); /* before the host it borrows */
	host_free(tm->host);
	*tm = (struct triage_map){0};
}

int triage_run(struct docker *d, const struct triage_opts *o, json_t **ret,
               struct triage_map *ret_map, struct cirt_err *err)
{
	struct live L = {.s = {.o = o, .source = "live", .next_fn = live_next},
	                 .d = d,
	                 .par = o->parallel ? o->parallel : 8};
	L.t0 = L.tp = now_ms();
	live_start(&L);
	struct host_load_opts lo = {
	    .all = true, .needs = HOST_NEED_NET | HOST_NEED_PROC, .parallel = L.par};
	if (host_load(d, &lo, &L.h, err) < 0) {
		live_abort(&L);
		return -1;
	}
	live_phase(&L, "inventory");
	live_inventory(&L);
	live_scan_start(&L);
	live_changes(&L);
	live_phase(&L, "changes");
	live_network(&L);
	live_sockets(&L);
	live_conntrack(&L);
	live_phase(&L, "connections");
	read_journal(&L.s, &L.j);
	live_phase(&L, "journal");
	live_flows(&L);
	live_phase(&L, "join");
	live_scan_finish(&L);
	score_conns(&L.s);
	live_host_notes(&L);
	live_rows(&L);
	*ret = live_document(&L);
	if (ret_map) {
		*ret_map = (struct triage_map){.host = L.h, .map = L.m};
		L.h = NULL;
		L.m = NULL;
	}
	live_free(&L);
	return 0;
}
