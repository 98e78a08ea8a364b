/* net.c: `cirt net`: the network map (networks, bridges, veths, host NICs, routes, NAT and
 * filter rules), each container's network mode, a capture plan, and the topology picture. */
#include <fnmatch.h>

#include "analyses/capplan.h"
#include "cmd/cmd.h"
#include "escape.h"
#include "model/host_brief.h"
#include "model/netmap.h"
#include "output/netgraph.h"
#include "output/nettable.h"
#include "output/output.h"
#include "output/svg.h"

enum fmt { FMT_TABLE, FMT_JSON, FMT_DOT, FMT_SVG };

struct net_args {
	const char *capture;
	const char *dst;
	enum fmt fmt;
	bool no_fw;
	const char *name;
};

static const struct cmd_choice fmt_choices[] = {
    {"table", FMT_TABLE}, {"json", FMT_JSON}, {"dot", FMT_DOT}, {"svg", FMT_SVG}, {0},
};

static const struct cmd_opt net_opts[] = {
    OPT_STR("capture-plan", 0, "CONTAINER",
            "where CONTAINER's packets can be seen (veth, bridge, egress after NAT), the source "
            "address an outside sensor sees, and exact tcpdump commands",
            struct net_args, capture),
    OPT_IP("dst", 0, "ADDR",
           "with --capture-plan: the remote address of interest: its route decides egress and "
           "NAT source, and it joins the filters",
           struct net_args, dst),
    OPT_CHOICE("format", 0, "FMT",
               "table (default), json, dot (Graphviz source) or svg (rendered with libgvc)",
               struct net_args, fmt, fmt_choices),
    OPT_STR("name", 0, "PATTERN",
            "list and draw only containers whose name matches (shell glob); networks, bridges "
            "and rules stay whole",
            struct net_args, name),
    OPT_BOOL("no-firewall", 0,
             "do not read iptables/nftables rules (no NAT, published-port or stray-rule report)",
             struct net_args, no_fw),
    {0},
};

static int net_run(struct ctx *x, int argc, char **argv)
{
	struct net_args a = {0};
	int i = cmd_parse(x, &cmd_net, argc, argv, NULL, &a);
	if (i < 0)
		return i;
	if (i < argc)
		return cmd_usage(x, "net: unexpected argument '%s'", argv[i]);
	if (a.dst && !a.capture)
		return cmd_usage(x, "net: --dst needs --capture-plan");
	if (a.capture && a.name)
		return cmd_usage(x, "net: --name and --capture-plan exclude each other");
	if (a.capture && (a.fmt == FMT_DOT || a.fmt == FMT_SVG))
		return cmd_usage(x, "net: --capture-plan prints a table or JSON, not '%s'",
		                 a.fmt == FMT_DOT ? "dot" : "svg");
	if (a.fmt == FMT_JSON)
		x->json = true;
	if (x->json && a.fmt != FMT_TABLE && a.fmt != FMT_JSON)
		return cmd_usage(x, "net: --json and --format %s exclude each other",
		                 a.fmt == FMT_DOT ? "dot" : "svg");
	if (x->root && a.capture)
		return cmd_usage(x,
		                 "net: --capture-plan needs the running machine: it does not work "
		                 "with --root");
	/* the firewall tools run while the daemon answers (a disk image has no firewall) */
	struct fw_job *fw = a.no_fw || x->root ? NULL : fw_start();
	_cleanup_host_ struct host *h = NULL;
	/* the map needs every container's wiring, not its full inspect: one list request; a
	 * capture plan inspects them all (exact pids and state for the one it plans) */
	struct docker *d = NULL;
	int r = x->no_daemon ? 0 : ctx_docker(x, &d);
	if (r == 0)
		r = a.capture || !d ? ctx_host(x, x->root != NULL, HOST_NEED_NET, &h)
		                    : host_load_brief(d, HOST_NEED_NET, &h, &x->err);
	if (r < 0) {
		fw_job_free(fw);
		return -1;
	}
	struct container *target = NULL;
	if (a.capture && host_find(h, a.capture, &target, &x->err) < 0) {
		/* not running, or no such container: the daemon knows which */
		struct container *any[1];
		struct host *all = NULL;
		fw_job_free(fw);
		if (x->err.code == CIRT_EXIT_NOTFOUND &&
		    ctx_containers(x, (char *const *)&a.capture, 1, 0, &all, any) == 0) {
			_cleanup_free_ char *n = term_escape(any[0]->name);
			err_set(&x->err, CIRT_EXIT_RUNTIME,
			        "net: --capture-plan: container '%s' is not running: no packets to "
			        "capture",
			        n);
			host_free(all);
		}
		return -1;
	}
	print_warnings(h);
	_cleanup_netmap_ struct netmap *m = NULL;
	unsigned nm = x->root ? NETMAP_OFFLINE : a.no_fw ? 0 : NETMAP_FIREWALL;
	if (netmap_build(d, h, nm, fw, &m, &x->err) < 0)
		return -1;
	if (a.capture) {
		struct capture_plan *p = NULL;
		if (capture_plan_build(m, target, a.dst, &p, &x->err) < 0)
			return -1;
		if (x->json) {
			json_t *j = capture_plan_to_json(p);
			out_json(stdout, j);
			json_decref(j);
		} else {
			capture_plan_print(stdout, p);
		}
		capture_plan_free(p);
		return 0;
	}
	if (a.fmt == FMT_DOT || a.fmt == FMT_SVG) {
		_cleanup_free_ char *dot = netgraph_dot(m, a.name);
		if (a.fmt == FMT_DOT) {
			fputs(dot, stdout);
			return 0;
		}
		struct buf svg = {0};
		if (svg_from_dot(dot, &svg, &x->err) < 0) {
			buf_free(&svg);
			return -1;
		}
		fwrite(svg.data, 1, svg.len, stdout);
		buf_free(&svg);
		return 0;
	}
	json_t *doc = netmap_to_json(m);
	json_t *off = ctx_offline_json(x);
	if (off)
		json_object_set_new(doc, "offline", off);
	if (a.name) {
		json_t *cs = json_object_get(doc, "containers");
		for (size_t k = json_array_size(cs); k-- > 0;) {
			const char *n = jstr(json_array_get(cs, k), "name");
			if (!n || fnmatch(a.name, n, 0) != 0)
				json_array_remove(cs, k);
		}
	}
	if (x->json)
		out_json(stdout, doc);
	else
		net_print_table(stdout, m, doc);
	json_decref(doc);
	return 0;
}

const struct cmd cmd_net = {
    .name = "net",
    .args = NULL,
    .summary = "network map: networks, bridges, veths, host NICs, routes, NAT and filter rules, "
               "each container's mode; capture plans; topology as DOT/SVG",
    .opts = net_opts,
    .run = net_run,
    .flags = CMD_NODAEMON | CMD_OFFLINE,
};
