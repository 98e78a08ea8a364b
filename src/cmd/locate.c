/* locate.c: `cirt locate`: which container, which process and which flow talked to an address,
 * from live sockets, conntrack (ended flows, the NAT view reversed) and live capture. */
#include <fcntl.h>
#include <netinet/in.h>
#include <time.h>

#include "analyses/locate.h"
#include "cmd/cmd.h"
#include "cmd/mixed.h"
#include "escape.h"
#include "journal/journal.h"
#include "output/output.h"

struct locate_args {
	const char *port;
	const char *proto;
	const char *seen;
	const char *capture;
	bool first;
	const char *pcap_dir;
	bool all;
	const char *since, *until, *journal;
};

static const struct cmd_opt locate_opts[] = {
    OPT_STR("port", 0, "PORT", "only flows where ADDR uses this port (same as ADDR:PORT)",
            struct locate_args, port),
    OPT_STR("proto", 0, "tcp|udp", "only this protocol (default both)", struct locate_args, proto),
    OPT_STR("seen-from", 0, "HOSTIP[:PORT]",
            "the host address (and translated port) an outside sensor saw: mapped back through "
            "conntrack to the container's own address and port",
            struct locate_args, seen),
    OPT_STR("capture", 0, "SECONDS",
            "also capture live for this long on every bridge (and bridgeless veth) with "
            "containers",
            struct locate_args, capture),
    OPT_BOOL("first", 0, "with --capture: stop at the first packet of a container",
             struct locate_args, first),
    OPT_STR("pcap-dir", 0, "DIR",
            "with --capture: write one pcap file per container into DIR (an existing directory)",
            struct locate_args, pcap_dir),
    OPT_BOOL("all", 0,
             "table: one row per flow (default: flows to the same peer grouped, latest shown)",
             struct locate_args, all),
    OPT_STR("since", 0, "DURATION|TIME",
            "also search the flows cirt watch recorded since then (10m, 2h, "
            "2026-01-02T03:04:05Z), containers removed since included",
            struct locate_args, since),
    OPT_STR("until", 0, "DURATION|TIME", "with --since: only recorded flows up to then",
            struct locate_args, until),
    OPT_STR("journal", 0, "DIR",
            "with --since: the journal cirt watch writes (default " JOURNAL_DEFAULT_DIR ")",
            struct locate_args, journal),
    {0},
};

static int parse_query(struct ctx *x, const struct locate_args *a, const char *addr,
                       struct locate_query *q)
{
	if (addr) {
		if (!flow_endpoint_parse(addr, &q->addr, &q->port))
			return cmd_usage(x,
			                 "locate: '%s' is not an IPv4 or IPv6 address (ADDR, "
			                 "ADDR:PORT or [IPV6]:PORT)",
			                 addr);
		q->has_addr = true;
	}
	if (a->port) {
		char *end;
		long p = strtol(a->port, &end, 10);
		if (*end || end == a->port || p < 1 || p > 65535)
			return cmd_usage(x, "locate: --port: '%s' is not a port number (1-65535)",
			                 a->port);
		if (!q->has_addr)
			return cmd_usage(x, "locate: --port needs an ADDR");
		if (q->port && q->port != p)
			return cmd_usage(x, "locate: --port %ld disagrees with the port in '%s'", p,
			                 addr);
		q->port = (uint16_t)p;
	}
	if (a->proto) {
		int p = flow_proto_parse(a->proto);
		if (p < 0)
			return cmd_usage(x, "locate: --proto: '%s' is not tcp or udp", a->proto);
		q->proto = (uint8_t)p;
	}
	if (a->seen) {
		if (!flow_endpoint_parse(a->seen, &q->seen, &q->seen_port))
			return cmd_usage(
			    x, "locate: --seen-from: '%s' is not an address or ADDR:PORT", a->seen);
		q->has_seen = true;
	}
	if (!q->has_addr && !q->has_seen)
		return cmd_usage(x, "locate: name an ADDR (or --seen-from HOSTIP:PORT)");
	if (a->capture) {
		long s = parse_duration(a->capture);
		if (s < 1 || s > 86400)
			return cmd_usage(
			    x, "locate: --capture: '%s' is not a duration of 1 s to 1 day",
			    a->capture);
		if (!q->has_addr)
			return cmd_usage(x, "locate: --capture needs an ADDR to filter on");
		q->capture_seconds = (int)s;
	}
	if (a->first && !a->capture)
		return cmd_usage(x, "locate: --first needs --capture");
	if (a->pcap_dir && !a->capture)
		return cmd_usage(x, "locate: --pcap-dir needs --capture");
	if ((a->until || a->journal) && !a->since)
		return cmd_usage(x, "locate: --%s needs --since", a->until ? "until" : "journal");
	if (a->since) {
		uint64_t now = journal_now_ns();
		if (!journal_when_parse(a->since, now, &q->since_ns))
			return cmd_usage(x,
			                 "locate: --since: '%s' is not a duration (10m, 2h) or a "
			                 "time (2026-01-02T03:04:05Z)",
			                 a->since);
		if (a->until && !journal_when_parse(a->until, now, &q->until_ns))
			return cmd_usage(x,
			                 "locate: --until: '%s' is not a duration (10m, 2h) or a "
			                 "time (2026-01-02T03:04:05Z)",
			                 a->until);
		if (q->until_ns && q->until_ns < q->since_ns)
			return cmd_usage(x, "locate: --until '%s' is before --since '%s'", a->until,
			                 a->since);
		q->journal_dir = a->journal ? a->journal : JOURNAL_DEFAULT_DIR;
	}
	return 0;
}

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

static json_t *finding_json(const struct locate_finding *f, const char *pcap_dir)
{
	json_t *o = json_object();
	json_object_set_new(o, "sources", sources_json(f->sources));
	json_object_set_new(o, "container", container_ref(f->c));
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
	return o;
}

struct summary {
	const struct container *c;
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
		for (int j = FLOW_SRC_SOCKET; j <= FLOW_SRC_JOURNAL; j++)
			if (f->sources & (1u << j))
				s[k].counts[j]++;
	}
	*ret = s;
	return n;
}

static json_t *doc_json(const struct locate_result *r, const struct locate_query *q,
                        const struct locate_args *a, const char *addr)
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
		json_array_append_new(cs, o);
	}
	free(s);
	json_object_set_new(doc, "containers", cs);
	json_t *fs = json_array();
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(fs, finding_json(&r->v[i], a->pcap_dir));
	json_object_set_new(doc, "findings", fs);

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
			_cleanup_free_ char *p = pcap_path(a->pcap_dir, r->pcaps[i].file);
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
		json_object_set_new(src, "journal", jo);
	} else
		json_object_set_new(src, "journal", json_null());
	json_object_set_new(doc, "sources", src);
	json_t *w = json_array();
	for (size_t i = 0; i < r->n_warnings; i++)
		json_array_append_new(w, json_str(r->warnings[i]));
	json_object_set_new(doc, "warnings", w);
	(void)addr;
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
    {"LAST SEEN", "when"},
};

/* Rows of the table: flows of one container and process to the same peer are one row unless
 * --all; the first finding of a group is its latest (findings are sorted newest first). */
static bool same_group(const struct locate_finding *a, const struct locate_finding *b)
{
	return a->c == b->c && a->sources == b->sources && a->f.proto == b->f.proto &&
	       flow_addr_eq(&a->f.orig.src, &b->f.orig.src) &&
	       flow_addr_eq(&a->f.orig.dst, &b->f.orig.dst) && a->f.orig.dport == b->f.orig.dport &&
	       (a->proc ? a->proc->pid : 0) == (b->proc ? b->proc->pid : 0) &&
	       streq(a->f.state, b->f.state) && !a->note == !b->note;
}

static void print_table(const struct locate_result *r, const struct locate_args *a)
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
		for (size_t k = i + 1; !a->all && k < r->n; k++)
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
		_cleanup_free_ char *when = when_text(f, now);
		json_object_set_new(o, "when", json_string(when));
		json_array_append_new(rows, o);
	}
	free(done);
	out_table(stdout, rows, locate_cols, ARRAY_SIZE(locate_cols));
	json_decref(rows);

	struct summary *s = NULL;
	size_t ns = summarize(r, &s);
	printf(ns ? "\nfound:" : "\nnothing found");
	for (size_t k = 0; k < ns; k++) {
		_cleanup_free_ char *name = term_escape(s[k].c ? s[k].c->name : "(no container)");
		printf("%s %s (%u flow%s:", k ? "," : "", name, s[k].flows,
		       s[k].flows == 1 ? "" : "s");
		const char *sep = " ";
		for (int j = FLOW_SRC_SOCKET; j <= FLOW_SRC_JOURNAL; j++)
			if (s[k].counts[j]) {
				printf("%s%s %u", sep, source_names[j], s[k].counts[j]);
				sep = ", ";
			}
		if (s[k].c && s[k].c->state && streq(s[k].c->state, "gone")) {
			_cleanup_free_ char *img = term_escape(s[k].c->image ? s[k].c->image : "?");
			printf("; not running now, image %s, id %.12s", img, s[k].c->id);
		}
		printf(")");
	}
	free(s);
	printf("\nsources: sockets (%zu namespaces, %zu sockets), conntrack (%s",
	       r->sock_namespaces, r->sock_scanned, r->ct_ok ? "" : "unavailable");
	if (r->ct_ok)
		printf("%zu entries", r->ct_entries);
	printf(")");
	if (r->cap_ran) {
		printf(", capture (%s%llu packets, %llu dropped", r->cap_ok ? "" : "failed, ",
		       (unsigned long long)r->cap_packets, (unsigned long long)r->cap_dropped);
		for (size_t i = 0; i < r->n_pcaps; i++)
			if (r->pcaps[i].file) {
				_cleanup_free_ char *p = pcap_path(a->pcap_dir, r->pcaps[i].file);
				_cleanup_free_ char *e = term_escape(p);
				printf(", %s", e);
			}
		printf(")");
	}
	if (r->j_ran) {
		if (r->j_ok)
			printf(", journal (%zu of %zu files, %zu lines, %zu flows)",
			       r->j_files_read, r->j_files, r->j_lines, r->j_flows);
		else
			printf(", journal (unavailable)");
	}
	printf("\n");
}

static void progress(const char *msg, void *ud)
{
	_cleanup_free_ char *e = term_escape(msg);
	fprintf(stderr, "cirt: %s\n", e);
}

static int locate_run_cmd(struct ctx *x, int argc, char **argv)
{
	struct locate_args a = {0};
	char *ops[1];
	int nops = cmd_parse_mixed(x, &cmd_locate, argc, argv, NULL, &a, ops, 1);
	if (nops < 0)
		return nops;
	const char *addr = nops ? ops[0] : NULL;
	struct locate_query q = {.pcap_dirfd = -1, .progress = progress, .pids_fresh = true};
	if (parse_query(x, &a, addr, &q) < 0)
		return -1;
	q.first = a.first;
	_cleanup_close_ int dirfd =
	    a.pcap_dir ? open(a.pcap_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (a.pcap_dir && dirfd < 0)
		return cmd_usage(x, "locate: --pcap-dir '%s': %s", a.pcap_dir, strerror(errno));
	q.pcap_dirfd = dirfd;
	_cleanup_host_ struct host *h = NULL;
	struct docker *d;
	/* conntrack is read while the daemon lists the containers: one list request, not one
	 * inspect per container, so hundreds of containers stay fast */
	struct locate_pre *pre = locate_prepare(&q);
	unsigned needs = q.capture_seconds ? HOST_NEED_NET : 0;
	/* without the daemon, the host's own records stand in for the list (cirt --no-daemon) */
	if (x->no_daemon
	        ? ctx_host(x, false, needs, &h) < 0
	        : (ctx_docker(x, &d) < 0 || host_load_list(d, false, needs, &h, &x->err) < 0)) {
		locate_pre_free(pre);
		return -1;
	}
	print_warnings(h);
	struct locate_result *r = NULL;
	int lr = locate_run(h, &q, pre, &r, &x->err);
	locate_pre_free(pre);
	if (lr < 0)
		return -1;
	for (size_t k = 0; k < r->n_warnings; k++) {
		_cleanup_free_ char *e = term_escape(r->warnings[k]);
		fprintf(stderr, "cirt: warning: %s\n", e);
	}
	if (x->json) {
		json_t *doc = doc_json(r, &q, &a, addr);
		out_json(stdout, doc);
		json_decref(doc);
	} else
		print_table(r, &a);
	int rc = r->n ? CIRT_EXIT_FOUND : CIRT_EXIT_OK;
	locate_result_free(r);
	return rc;
}

const struct cmd cmd_locate = {
    .name = "locate",
    .args = "[ADDR[:PORT]]",
    .summary = "which container, process and flow talked to an address: live sockets, conntrack "
               "(ended flows, NAT reversed), live capture",
    .opts = locate_opts,
    .run = locate_run_cmd,
    .flags = CMD_NODAEMON,
};
