/* locate.c: `cirt locate`: which container, which process and which flow talked to an address
 * or a name, from live sockets, conntrack (ended flows, the NAT view reversed), live capture and
 * cirt watch's journal (past flows, DNS lookups). */
#include <fcntl.h>

#include "analyses/deadbox.h"
#include "analyses/locate.h"
#include "cmd/cmd.h"
#include "cmd/mixed.h"
#include "escape.h"
#include "journal/journal.h"
#include "output/deadbox.h"
#include "output/locate.h"
#include "output/output.h"

struct locate_args {
	const char *port;
	const char *proto;
	const char *seen;
	const char *capture;
	bool first;
	const char *pcap_dir;
	bool all;
	const char *since, *until, *journal, *ioc;
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
            "2026-01-02T03:04:05Z), containers removed since included; with --root: only "
            "what held or named ADDR since then",
            struct locate_args, since),
    OPT_STR("until", 0, "DURATION|TIME",
            "with --since: only recorded flows up to then (with --root: alone too)",
            struct locate_args, until),
    OPT_STR("journal", 0, "DIR",
            "with --since or names: the journal cirt watch writes (default " JOURNAL_DEFAULT_DIR
            "; with --root: inside the image, always searched)",
            struct locate_args, journal),
    OPT_STR("ioc", 0, "FILE",
            "every indicator of FILE instead of one ADDR: addresses, CIDRs, names and wildcard "
            "domains (names through the journal's DNS records)",
            struct locate_args, ioc),
    {0},
};

/* A NAME operand: a list of one name or wildcard domain (NULL when it is none). */
static struct ioc_list *name_query(const char *s)
{
	_cleanup_free_ char *text = xstrdup(s);
	struct ioc_list *l = NULL;
	struct cirt_err e = {0};
	if (strchr(s, '#') || strchr(s, '\n') ||
	    ioc_parse("the command line", text, strlen(text), &l, &e) < 0)
		return NULL;
	if (l->n || l->n_names != 1) {
		ioc_free(l);
		return NULL;
	}
	return l;
}

static int parse_query(struct ctx *x, const struct locate_args *a, const char *addr,
                       struct locate_query *q, struct ioc_list **ret_ioc)
{
	if (addr && a->ioc)
		return cmd_usage(x, "locate: name an ADDR, a NAME or --ioc FILE, not both");
	if (addr) {
		if (flow_endpoint_parse(addr, &q->addr, &q->port))
			q->has_addr = true;
		else if ((*ret_ioc = name_query(addr))) {
			q->ioc = *ret_ioc;
			q->name = addr;
			q->names_only = true;
		} else
			return cmd_usage(x,
			                 "locate: '%s' is not an IPv4 or IPv6 address (ADDR, "
			                 "ADDR:PORT or [IPV6]:PORT), nor a domain name (NAME or "
			                 "*.DOMAIN)",
			                 addr);
	} else if (a->ioc) {
		if (ioc_load(a->ioc, ret_ioc, &x->err) < 0)
			return -1;
		q->ioc = *ret_ioc;
		q->names_only = !q->ioc->n;
		if (!q->ioc->n && !q->ioc->n_names)
			return cmd_usage(x, "locate: --ioc '%s' holds no indicator", a->ioc);
	}
	bool names = q->ioc && q->ioc->n_names;
	if (a->port) {
		char *end;
		long p = strtol(a->port, &end, 10);
		if (*end || end == a->port || p < 1 || p > 65535)
			return cmd_usage(x, "locate: --port: '%s' is not a port number (1-65535)",
			                 a->port);
		if (!q->has_addr)
			return cmd_usage(x, "locate: --port needs an ADDR (with names or --ioc, "
			                    "ADDR:PORT is not possible)");
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
	if (!q->has_addr && !q->has_seen && !q->ioc)
		return cmd_usage(x, "locate: name an ADDR, a NAME, --ioc FILE or --seen-from "
		                    "HOSTIP:PORT");
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
	/* on a disk image the journal is always searched, and --until alone bounds the window */
	if ((a->until || a->journal) && !a->since && !names && !x->root)
		return cmd_usage(x, "locate: --%s needs --since (or a NAME)",
		                 a->until ? "until" : "journal");
	if (a->until && !a->since && !x->root) {
		uint64_t now = journal_now_ns();
		if (!journal_when_parse(a->until, now, &q->until_ns))
			return cmd_usage(x,
			                 "locate: --until: '%s' is not a duration (10m, 2h) or a "
			                 "time (2026-01-02T03:04:05Z)",
			                 a->until);
	}
	/* names are resolved through the journal's DNS records: the whole journal by default */
	if (names)
		q->journal_dir = a->journal ? a->journal : JOURNAL_DEFAULT_DIR;
	if (a->since || (a->until && x->root)) {
		uint64_t now = journal_now_ns();
		if (a->since && !journal_when_parse(a->since, now, &q->since_ns))
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

static void progress(const char *msg, void *ud)
{
	_cleanup_free_ char *e = term_escape(msg);
	fprintf(stderr, "cirt: %s\n", e);
}

/* --root: who held the address and when, from the traces a disk image keeps */
static int locate_offline(struct ctx *x, const struct locate_args *a, const char *addr)
{
	if (a->capture || a->seen || a->port || a->proto)
		return cmd_usage(x, "locate: --%s needs the running machine: not with --root",
		                 a->capture ? "capture"
		                 : a->seen  ? "seen-from"
		                 : a->port  ? "port"
		                            : "proto");
	if (!addr)
		return cmd_usage(x, "locate: name an ADDR");
	struct locate_query q = {0};
	_cleanup_(ioc_freep) struct ioc_list *ioc = NULL;
	if (parse_query(x, a, addr, &q, &ioc) < 0)
		return -1;
	if (q.ioc)
		return cmd_usage(x,
		                 "locate: names and --ioc need the running machine's journal: not "
		                 "with --root");
	if (q.port)
		return cmd_usage(x, "locate: a port needs the running machine: not with --root");
	_cleanup_host_ struct host *h = NULL;
	if (ctx_host(x, true, 0, &h) < 0)
		return -1;
	print_warnings(h);
	struct deadbox_locate *r = NULL;
	if (deadbox_locate(h, addr, a->journal, (int64_t)q.since_ns, (int64_t)q.until_ns, &r,
	                   &x->err) < 0)
		return -1;
	print_notes(r->notes);
	if (x->json) {
		json_t *doc = deadbox_locate_doc_json(r, ctx_offline_json(x));
		out_json(stdout, doc);
		json_decref(doc);
	} else
		deadbox_locate_print(stdout, r);
	int rc = r->n ? CIRT_EXIT_FOUND : CIRT_EXIT_OK;
	deadbox_locate_free(r);
	return rc;
}

static int locate_run_cmd(struct ctx *x, int argc, char **argv)
{
	struct locate_args a = {0};
	char *ops[1];
	int nops = cmd_parse_mixed(x, &cmd_locate, argc, argv, NULL, &a, ops, 1);
	if (nops < 0)
		return nops;
	const char *addr = nops ? ops[0] : NULL;
	if (x->root)
		return locate_offline(x, &a, addr);
	struct locate_query q = {.pcap_dirfd = -1, .progress = progress, .pids_fresh = true};
	_cleanup_(ioc_freep) struct ioc_list *ioc = NULL;
	if (parse_query(x, &a, addr, &q, &ioc) < 0)
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
	/* the prefetch's one pass over /proc gives the containers' pids too; without the daemon,
	 * the host's own records stand in for the list (cirt --no-daemon) */
	struct host_load_opts lo = {
	    .needs = needs | HOST_DROP_DOC, .scan_wait = locate_pre_scan, .scan_ud = pre};
	if (x->no_daemon ? host_load_nodaemon(&lo, &h, &x->err) < 0
	                 : (ctx_docker(x, &d) < 0 || host_load_list_o(d, &lo, &h, &x->err) < 0)) {
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
		json_t *doc = locate_doc_json(r, &q, a.pcap_dir);
		out_json(stdout, doc);
		json_decref(doc);
	} else
		locate_print_table(stdout, r, &q, a.pcap_dir, a.all);
	int rc = r->n ? CIRT_EXIT_FOUND : CIRT_EXIT_OK;
	locate_result_free(r);
	return rc;
}

const struct cmd cmd_locate = {
    .name = "locate",
    .args = "[ADDR[:PORT]|NAME|*.DOMAIN]",
    .summary = "which container, process and flow talked to an address or a name: live sockets, "
               "conntrack (ended flows, NAT reversed), live capture, cirt watch's journal; with "
               "--root: who held an address and when",
    .opts = locate_opts,
    .run = locate_run_cmd,
    .flags = CMD_NODAEMON | CMD_OFFLINE,
};
