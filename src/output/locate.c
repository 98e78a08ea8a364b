/* locate.c (output): `cirt locate`'s answer: the JSON document (the query, the containers found,
 * every finding, what each source did) and the table with its summary lines. */
#include "output/locate.h"

#include <time.h>

#include "escape.h"
#include "output/output.h"

static const char *const source_names[] = {
    [FLOW_SRC_SOCKET] = "socket",
    [FLOW_SRC_CONNTRACK] = "conntrack",
    [FLOW_SRC_CAPTURE] = "capture",
    [FLOW_SRC_JOURNAL] = "journal",
};

static json_t *sources_json(unsigned m)
{
	json_t *a = json_array();
	for (int k = FLOW_SRC_SOCKET; k <= FLOW_SRC_JOURNAL; k++)
		if (m & (1u << k))
			json_array_append_new(a, json_string(source_names[k]));
	return a;
}

static char *sources_text(unsigned m)
{
	struct buf b = {0};
	for (int k = FLOW_SRC_SOCKET; k <= FLOW_SRC_JOURNAL; k++)
		if (m & (1u << k))
			buf_printf(&b, "%s%s", b.len ? "+" : "", source_names[k]);
	return b.data ? b.data : xstrdup("-");
}

static char *tuple_text(const struct flow_tuple *t)
{
	char a[64], b[64];
	return xasprintf("%s -> %s", flow_endpoint_str(&t->src, t->sport, a, sizeof(a)),
	                 flow_endpoint_str(&t->dst, t->dport, b, sizeof(b)));
}

/* What a sensor outside saw: the reply tuple turned around. NULL without NAT. */
static char *sensor_text(const struct flow *f)
{
	if (!flow_is_nat(f))
		return NULL;
	struct flow_tuple t = {.src = f->reply.dst,
	                       .sport = f->reply.dport,
	                       .dst = f->reply.src,
	                       .dport = f->reply.sport};
	return tuple_text(&t);
}

static json_t *iso_ns(uint64_t ns)
{
	if (!ns)
		return json_null();
	char b[40];
	fmt_utc((long long)(ns / 1000000000ull), b, sizeof(b));
	b[strlen(b) - 1] = '\0';
	return json_sprintf("%s.%03uZ", b, (unsigned)((ns / 1000000ull) % 1000));
}

static char *when_text(const struct locate_finding *f, uint64_t now_ns)
{
	if ((f->sources & (1u << FLOW_SRC_SOCKET)) && !f->seen_estimated &&
	    (streq(f->f.state, "ESTABLISHED") || streq(f->f.state, "LISTEN") ||
	     streq(f->f.state, "UNCONN") || streq(f->f.state, "SYN_SENT")))
		return xstrdup("open now");
	if (!f->seen_ns)
		return f->f.timeout ? xasprintf("in table, expires in %us", f->f.timeout)
		                    : xstrdup("-");
	uint64_t ago = now_ns > f->seen_ns ? (now_ns - f->seen_ns) / 1000000000ull : 0;
	return xasprintf("%s%llus ago", f->seen_estimated ? "~" : "", (unsigned long long)ago);
}

static json_t *container_ref(const struct container *c)
{
	if (!c)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "name", json_str(c->name));
	json_object_set_new(o, "id", json_str(c->id));
	json_object_set_new(o, "image", json_str(c->image));
	return o;
}

static char *pcap_path(const char *dir, const char *file)
{
	return file ? xasprintf("%s/%s", dir, file) : NULL;
}

json_t *attrib_netns_owner_json(const struct container *owner)
{
	if (!owner)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "name", json_str(owner->name));
	json_object_set_new(o, "id", json_str(owner->id));
	return o;
}

static json_t *by_json(enum attr_by b)
{
	const char *s = attr_by_name(b);
	return s ? json_string(s) : json_null();
}

json_t *alookup_json(const struct alookup *lk)
{
	const struct jlookup *l = lk->l;
	char a[64];
	json_t *o = json_object();
	json_object_set_new(o, "time", iso_ns(l->t));
	json_object_set_new(o, "container", container_ref(lk->c));
	json_object_set_new(o, "by", by_json(lk->by));
	json_object_set_new(o, "netns_owner", attrib_netns_owner_json(lk->netns_owner));
	json_object_set_new(o, "process", proc_info_to_json(lk->proc));
	json_object_set_new(o, "netns",
	                    l->netns ? json_integer((json_int_t)l->netns) : json_null());
	json_object_set_new(o, "client", json_str(l->client));
	json_object_set_new(o, "server", json_str(l->server));
	json_object_set_new(o, "forwarded", json_boolean(l->forwarded));
	json_object_set_new(o, "qname", json_str(l->qname));
	json_object_set_new(o, "qtype", json_str(l->qtype));
	json_object_set_new(o, "rcode", json_str(l->rcode));
	json_t *ch = json_array(), *ad = json_array();
	for (size_t i = 0; i < l->n_chain; i++)
		json_array_append_new(ch, json_str(l->chain[i]));
	for (size_t i = 0; i < l->n_addrs; i++)
		json_array_append_new(ad, json_string(flow_addr_str(&l->addrs[i], a, sizeof(a))));
	json_object_set_new(o, "chain", ch);
	json_object_set_new(o, "addresses", ad);
	json_object_set_new(o, "ttl", l->ttl ? json_integer(l->ttl) : json_null());
	json_object_set_new(o, "indicator", json_str(l->ioc ? l->ioc->text : NULL));
	json_object_set_new(o, "matched", json_str(l->n_chain ? l->chain[l->matched] : NULL));
	return o;
}

/* The indicator a finding matched: {entry, comment, line, name, asked, resolved_by,
 * resolved_at}. */
static json_t *indicator_json(const struct locate_finding *f)
{
	if (!f->ioc)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "entry", json_str(f->ioc->text));
	json_object_set_new(o, "comment", json_str(f->ioc->comment));
	json_object_set_new(o, "line", json_integer(f->ioc->line));
	const struct alookup *l = f->resolved;
	/* the name of the lookup's chain the indicator matched (a CNAME's target, say), and the
	 * question asked */
	json_object_set_new(
	    o, "name", l && l->l->n_chain ? json_str(l->l->chain[l->l->matched]) : json_null());
	json_object_set_new(o, "asked",
	                    l && l->l->n_chain ? json_str(l->l->chain[0]) : json_null());
	json_object_set_new(o, "resolved_by", json_str(l && l->c ? l->c->name : NULL));
	json_object_set_new(o, "resolved_at", l ? iso_ns(l->l->t) : json_null());
	return o;
}

/* "c2.example (resolved by web at TIME)" or the entry as written. */
static char *indicator_text(const struct locate_finding *f)
{
	if (!f->ioc)
		return NULL;
	const struct alookup *l = f->resolved;
	if (!l)
		return xstrdup(f->ioc->text);
	json_t *t = iso_ns(l->l->t);
	char *s =
	    xasprintf("%s, resolved by %s at %s", l->l->n_chain ? l->l->chain[l->l->matched] : "?",
	              l->c ? l->c->name : "(no container)",
	              json_string_value(t) ? json_string_value(t) : "?");
	json_decref(t);
	return s;
}

static json_t *finding_json(const struct locate_finding *f, const char *pcap_dir)
{
	json_t *o = json_object();
	json_object_set_new(o, "sources", sources_json(f->sources));
	json_object_set_new(o, "container", container_ref(f->c));
	json_object_set_new(o, "by", by_json(f->by));
	json_object_set_new(o, "netns_owner", attrib_netns_owner_json(f->netns_owner));
	json_object_set_new(o, "process", proc_info_to_json(f->proc));
	json_object_set_new(o, "flow", flow_to_json(&f->f));
	_cleanup_free_ char *sv = sensor_text(&f->f);
	json_object_set_new(o, "seen_from_outside_as", sv ? json_string(sv) : json_null());
	json_object_set_new(o, "seen_at", iso_ns(f->seen_ns));
	json_object_set_new(o, "seen_at_estimated", json_boolean(f->seen_estimated));
	if (f->sources & (1u << FLOW_SRC_CAPTURE)) {
		json_object_set_new(o, "captured_packets",
		                    json_integer((json_int_t)f->captured_packets));
		json_object_set_new(o, "interface", json_str(f->iface));
		_cleanup_free_ char *p = pcap_dir ? pcap_path(pcap_dir, f->pcap_file) : NULL;
		json_object_set_new(o, "pcap_file", json_str(p));
	}
	json_object_set_new(o, "note", json_str(f->note));
	if (f->ioc)
		json_object_set_new(o, "indicator", indicator_json(f));
	return o;
}

struct summary {
	const struct container *c;
	const struct container *netns_owner; /* c lives in this container's network namespace */
	unsigned flows;
	unsigned counts[5]; /* flows seen by each source */
};

static size_t summarize(const struct locate_result *r, struct summary **ret)
{
	struct summary *s = NULL;
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct locate_finding *f = &r->v[i];
		size_t k;
		for (k = 0; k < n; k++)
			if (s[k].c == f->c)
				break;
		if (k == n) {
			s = xrealloc(s, (n + 1) * sizeof(*s));
			memset(&s[n], 0, sizeof(*s));
			s[n++].c = f->c;
		}
		s[k].flows++;
		if (f->netns_owner)
			s[k].netns_owner = f->netns_owner;
		for (int j = FLOW_SRC_SOCKET; j <= FLOW_SRC_JOURNAL; j++)
			if (f->sources & (1u << j))
				s[k].counts[j]++;
	}
	*ret = s;
	return n;
}

json_t *locate_doc_json(const struct locate_result *r, const struct locate_query *q,
                        const char *pcap_dir)
{
	char b[64];
	json_t *doc = json_object();
	json_t *qo = json_object();
	json_object_set_new(qo, "addr",
	                    q->has_addr ? json_string(flow_addr_str(&q->addr, b, sizeof(b)))
	                                : json_null());
	json_object_set_new(qo, "port", q->port ? json_integer(q->port) : json_null());
	json_object_set_new(qo, "proto",
	                    q->proto ? json_string(flow_proto_name(q->proto)) : json_null());
	json_object_set_new(qo, "seen_from",
	                    q->has_seen ? json_string(flow_addr_str(&q->seen, b, sizeof(b)))
	                                : json_null());
	json_object_set_new(qo, "seen_from_port",
	                    q->seen_port ? json_integer(q->seen_port) : json_null());
	if (q->ioc) {
		json_t *names = json_array(), *addrs = json_array();
		for (size_t i = 0; i < q->ioc->n_names; i++)
			json_array_append_new(names, json_str(q->ioc->names[i].text));
		for (size_t i = 0; i < q->ioc->n; i++)
			json_array_append_new(addrs, json_str(q->ioc->v[i].text));
		json_object_set_new(qo, "name", json_str(q->name));
		json_object_set_new(qo, "ioc_file", json_str(q->name ? NULL : q->ioc->path));
		json_object_set_new(qo, "names", names);
		json_object_set_new(qo, "indicator_addresses", addrs);
	}
	json_object_set_new(doc, "query", qo);
	json_object_set_new(doc, "found", json_boolean(r->n > 0));
	struct summary *s = NULL;
	size_t ns = summarize(r, &s);
	json_t *cs = json_array();
	for (size_t k = 0; k < ns; k++) {
		json_t *o = container_ref(s[k].c);
		if (!s[k].c) {
			o = json_object();
			json_object_set_new(o, "name", json_null());
		}
		unsigned m = 0;
		for (int j = FLOW_SRC_SOCKET; j <= FLOW_SRC_JOURNAL; j++)
			if (s[k].counts[j])
				m |= 1u << j;
		json_object_set_new(o, "sources", sources_json(m));
		json_object_set_new(o, "flows", json_integer(s[k].flows));
		json_object_set_new(o, "socket_flows", json_integer(s[k].counts[FLOW_SRC_SOCKET]));
		json_object_set_new(o, "conntrack_flows",
		                    json_integer(s[k].counts[FLOW_SRC_CONNTRACK]));
		json_object_set_new(o, "captured_flows",
		                    json_integer(s[k].counts[FLOW_SRC_CAPTURE]));
		if (r->j_ran)
			json_object_set_new(o, "journal_flows",
			                    json_integer(s[k].counts[FLOW_SRC_JOURNAL]));
		if (s[k].c)
			json_object_set_new(o, "netns_owner",
			                    attrib_netns_owner_json(s[k].netns_owner));
		json_array_append_new(cs, o);
	}
	free(s);
	json_object_set_new(doc, "containers", cs);
	json_t *fs = json_array();
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(fs, finding_json(&r->v[i], pcap_dir));
	json_object_set_new(doc, "findings", fs);
	if (r->dns_ran) {
		json_t *ls = json_array();
		for (size_t i = 0; r->at && i < r->at->n_lookups; i++)
			json_array_append_new(ls, alookup_json(&r->at->lookups[i]));
		json_object_set_new(doc, "lookups", ls);
	}

	json_t *src = json_object();
	json_t *so = json_object();
	json_object_set_new(so, "namespaces", json_integer((json_int_t)r->sock_namespaces));
	json_object_set_new(so, "sockets", json_integer((json_int_t)r->sock_scanned));
	json_object_set_new(src, "sockets", so);
	json_t *co = json_object();
	json_object_set_new(co, "ok", json_boolean(r->ct_ok));
	json_object_set_new(co, "error", json_str(r->ct_error));
	json_object_set_new(co, "entries", json_integer((json_int_t)r->ct_entries));
	json_object_set_new(src, "conntrack", co);
	if (r->cap_ran) {
		json_t *cp = json_object();
		json_object_set_new(cp, "ok", json_boolean(r->cap_ok));
		json_object_set_new(cp, "error", json_str(r->cap_error));
		json_object_set_new(cp, "filter", json_str(r->cap_filter));
		json_object_set_new(cp, "seconds", json_integer(q->capture_seconds));
		json_object_set_new(cp, "packets", json_integer((json_int_t)r->cap_packets));
		json_object_set_new(cp, "dropped", json_integer((json_int_t)r->cap_dropped));
		json_object_set_new(cp, "unattributed",
		                    json_integer((json_int_t)r->cap_unattributed));
		json_t *ifs = json_array();
		for (size_t i = 0; i < r->n_ifaces; i++) {
			const struct locate_iface *li = &r->ifaces[i];
			json_t *io = json_object();
			json_object_set_new(io, "name", json_str(li->name));
			json_object_set_new(io, "kind",
			                    json_string(li->bridge ? "bridge" : "veth"));
			json_object_set_new(io, "containers", json_str(li->containers));
			json_object_set_new(io, "opened", json_boolean(li->opened));
			json_object_set_new(io, "failed", json_boolean(li->failed));
			json_object_set_new(io, "error", json_str(li->error));
			json_object_set_new(io, "packets", json_integer((json_int_t)li->packets));
			json_object_set_new(
			    io, "dropped",
			    json_integer((json_int_t)(li->dropped + li->if_dropped)));
			json_array_append_new(ifs, io);
		}
		json_object_set_new(cp, "interfaces", ifs);
		json_t *files = json_array();
		for (size_t i = 0; i < r->n_pcaps; i++) {
			if (!r->pcaps[i].file)
				continue;
			json_t *fo = json_object();
			json_object_set_new(fo, "container", json_str(r->pcaps[i].c->name));
			_cleanup_free_ char *p = pcap_path(pcap_dir, r->pcaps[i].file);
			json_object_set_new(fo, "file", json_str(p));
			json_object_set_new(fo, "packets",
			                    json_integer((json_int_t)r->pcaps[i].packets));
			json_array_append_new(files, fo);
		}
		json_object_set_new(cp, "files", files);
		json_object_set_new(src, "capture", cp);
	} else
		json_object_set_new(src, "capture", json_null());
	if (r->j_ran) {
		json_t *jo = json_object();
		json_object_set_new(jo, "ok", json_boolean(r->j_ok));
		json_object_set_new(jo, "error", json_str(r->j_error));
		json_object_set_new(jo, "dir", json_str(q->journal_dir));
		json_object_set_new(jo, "since", iso_ns(q->since_ns));
		json_object_set_new(jo, "until", iso_ns(q->until_ns));
		json_object_set_new(jo, "files", json_integer((json_int_t)r->j_files));
		json_object_set_new(jo, "files_read", json_integer((json_int_t)r->j_files_read));
		json_object_set_new(jo, "lines", json_integer((json_int_t)r->j_lines));
		json_object_set_new(jo, "flows", json_integer((json_int_t)r->j_flows));
		json_object_set_new(jo, "begins", iso_ns(r->j_first_ns));
		json_object_set_new(jo, "bad_lines", json_integer((json_int_t)r->j_bad));
		json_object_set_new(src, "journal", jo);
	} else
		json_object_set_new(src, "journal", json_null());
	if (r->dns_ran) {
		json_t *d = json_object();
		json_object_set_new(d, "ok", json_boolean(r->dns_ok));
		json_object_set_new(d, "error", json_str(r->dns_error));
		json_object_set_new(d, "dir", json_str(q->journal_dir));
		json_object_set_new(d, "since", iso_ns(q->since_ns));
		json_object_set_new(d, "until", iso_ns(q->until_ns));
		json_object_set_new(d, "dns_lines", json_integer((json_int_t)r->dns_lines));
		json_object_set_new(d, "bad_lines", json_integer((json_int_t)r->dns_bad));
		json_object_set_new(d, "lookups",
		                    json_integer((json_int_t)(r->at ? r->at->n_lookups : 0)));
		json_object_set_new(src, "dns", d);
	}
	json_object_set_new(doc, "sources", src);
	json_t *w = json_array();
	for (size_t i = 0; i < r->n_warnings; i++)
		json_array_append_new(w, json_str(r->warnings[i]));
	json_object_set_new(doc, "warnings", w);
	return doc;
}

static const struct out_col locate_cols[] = {
    {"CONTAINER", "container"},
    {"SOURCES", "sources"},
    {"PROTO", "proto"},
    {"FLOW", "original"},
    {"SEEN OUTSIDE AS", "outside"},
    {"STATE", "state"},
    {"FLOWS", "flows"},
    {"PID", "pid"},
    {"COMM", "comm"},
    {"BY", "by"},
    {"LAST SEEN", "when"},
    {"INDICATOR", "indicator"}, /* only when indicators were asked */
};

/* Rows of the table: flows of one container and process to the same peer are one row unless
 * --all; the first finding of a group is its latest (findings are sorted newest first). */
static bool same_group(const struct locate_finding *a, const struct locate_finding *b)
{
	return a->c == b->c && a->sources == b->sources && a->f.proto == b->f.proto &&
	       flow_addr_eq(&a->f.orig.src, &b->f.orig.src) &&
	       flow_addr_eq(&a->f.orig.dst, &b->f.orig.dst) && a->f.orig.dport == b->f.orig.dport &&
	       (a->proc ? a->proc->pid : 0) == (b->proc ? b->proc->pid : 0) &&
	       streq(a->f.state, b->f.state) && !a->note == !b->note && a->by == b->by &&
	       a->ioc == b->ioc;
}

/* The lookups of the indicator names: when, who, the name, its chain and its addresses. */
static void print_lookups(FILE *out, const struct locate_result *r)
{
	if (!r->dns_ran)
		return;
	size_t n = r->at ? r->at->n_lookups : 0;
	fprintf(out, "\nlookups of the names (cirt watch's DNS records): %s\n",
	        n           ? ""
	        : r->dns_ok ? "none"
	                    : "unavailable");
	for (size_t i = 0; i < n; i++) {
		const struct alookup *lk = &r->at->lookups[i];
		const struct jlookup *l = lk->l;
		struct buf b = {0};
		json_t *t = iso_ns(l->t);
		buf_printf(&b, "  %s %s", json_string_value(t) ? json_string_value(t) : "-",
		           lk->c ? lk->c->name : "(no container)");
		json_decref(t);
		if (lk->by)
			buf_printf(&b, " (by %s)", attr_by_name(lk->by));
		buf_printf(&b, " %s%s %s", l->forwarded ? "forwarded " : "",
		           l->qtype ? l->qtype : "?", l->qname);
		for (size_t k = 1; k < l->n_chain; k++)
			buf_printf(&b, " -> %s", l->chain[k]);
		char a[64];
		for (size_t k = 0; k < l->n_addrs; k++)
			buf_printf(&b, "%s%s", k ? ", " : " -> ",
			           flow_addr_str(&l->addrs[k], a, sizeof(a)));
		if (!l->n_addrs)
			buf_printf(&b, ": %s", l->rcode ? l->rcode : "no address");
		buf_printf(&b, " (indicator %s)", l->ioc ? l->ioc->text : "?");
		_cleanup_free_ char *e = term_escape(buf_cstr(&b));
		fprintf(out, "%s\n", e);
		buf_free(&b);
	}
}

void locate_print_table(FILE *out, const struct locate_result *r, const struct locate_query *q,
                        const char *pcap_dir, bool all)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	json_t *rows = json_array();
	bool *done = xcalloc(r->n + 1, sizeof(*done));
	for (size_t i = 0; i < r->n; i++) {
		if (done[i])
			continue;
		const struct locate_finding *f = &r->v[i];
		unsigned count = 1;
		for (size_t k = i + 1; !all && k < r->n; k++)
			if (!done[k] && same_group(f, &r->v[k])) {
				done[k] = true;
				count++;
			}
		json_t *o = json_object();
		json_object_set_new(o, "container",
		                    f->c ? json_str(f->c->name) : json_string("(no container)"));
		_cleanup_free_ char *src = sources_text(f->sources);
		json_object_set_new(o, "sources", json_string(src));
		json_object_set_new(o, "proto", json_string(flow_proto_name(f->f.proto)));
		_cleanup_free_ char *orig = tuple_text(&f->f.orig);
		json_object_set_new(o, "original", json_string(orig));
		_cleanup_free_ char *sv = sensor_text(&f->f);
		json_object_set_new(o, "outside", sv ? json_string(sv) : json_null());
		json_object_set_new(o, "state",
		                    f->f.state[0] ? json_string(f->f.state) : json_null());
		json_object_set_new(o, "flows", json_integer(count));
		json_object_set_new(o, "pid", f->proc ? json_integer(f->proc->pid) : json_null());
		json_object_set_new(o, "comm", json_str(f->proc ? f->proc->comm : NULL));
		json_object_set_new(o, "by", by_json(f->by));
		_cleanup_free_ char *when = when_text(f, now);
		json_object_set_new(o, "when", json_string(when));
		_cleanup_free_ char *ind = indicator_text(f);
		json_object_set_new(o, "indicator", json_str(ind));
		json_array_append_new(rows, o);
	}
	free(done);
	out_table(out, rows, locate_cols, ARRAY_SIZE(locate_cols) - (q->ioc ? 0 : 1));
	json_decref(rows);
	print_lookups(out, r);

	struct summary *s = NULL;
	size_t ns = summarize(r, &s);
	fputs(ns ? "\nfound:" : "\nnothing found", out);
	for (size_t k = 0; k < ns; k++) {
		_cleanup_free_ char *name = term_escape(s[k].c ? s[k].c->name : "(no container)");
		fprintf(out, "%s %s (%u flow%s:", k ? "," : "", name, s[k].flows,
		        s[k].flows == 1 ? "" : "s");
		const char *sep = " ";
		for (int j = FLOW_SRC_SOCKET; j <= FLOW_SRC_JOURNAL; j++)
			if (s[k].counts[j]) {
				fprintf(out, "%s%s %u", sep, source_names[j], s[k].counts[j]);
				sep = ", ";
			}
		if (s[k].netns_owner) {
			_cleanup_free_ char *on = term_escape(s[k].netns_owner->name);
			fprintf(out, "; in the network namespace of %s", on);
		}
		if (s[k].c && s[k].c->state && streq(s[k].c->state, "gone")) {
			_cleanup_free_ char *img = term_escape(s[k].c->image ? s[k].c->image : "?");
			fprintf(out, "; not running now, image %s, id %.12s", img, s[k].c->id);
		}
		fputs(")", out);
	}
	free(s);
	fprintf(out, "\nsources: sockets (%zu namespaces, %zu sockets), conntrack (%s",
	        r->sock_namespaces, r->sock_scanned, r->ct_ok ? "" : "unavailable");
	if (r->ct_ok)
		fprintf(out, "%zu entries", r->ct_entries);
	fputs(")", out);
	if (r->cap_ran) {
		fprintf(out, ", capture (%s%llu packets, %llu dropped", r->cap_ok ? "" : "failed, ",
		        (unsigned long long)r->cap_packets, (unsigned long long)r->cap_dropped);
		for (size_t i = 0; i < r->n_pcaps; i++)
			if (r->pcaps[i].file) {
				_cleanup_free_ char *p = pcap_path(pcap_dir, r->pcaps[i].file);
				_cleanup_free_ char *e = term_escape(p);
				fprintf(out, ", %s", e);
			}
		fputs(")", out);
	}
	if (r->j_ran) {
		if (r->j_ok)
			fprintf(out, ", journal (%zu of %zu files, %zu lines, %zu flows)",
			        r->j_files_read, r->j_files, r->j_lines, r->j_flows);
		else
			fprintf(out, ", journal (unavailable)");
	}
	if (r->dns_ran) {
		if (r->dns_ok)
			fprintf(out, ", dns (%llu lines, %zu lookups of the names)",
			        (unsigned long long)r->dns_lines, r->at ? r->at->n_lookups : 0);
		else
			fprintf(out, ", dns (unavailable)");
	}
	fputs("\n", out);
}
