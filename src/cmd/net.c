/* net.c: `cirt net`: the network map (networks, bridges, veths, host NICs, routes, NAT and
 * filter rules), each container's network mode, a capture plan, and the topology picture. */
#include <fnmatch.h>

#include "analyses/capplan.h"
#include "cmd/cmd.h"
#include "escape.h"
#include "model/host_brief.h"
#include "model/netmap.h"
#include "output/netgraph.h"
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

static void heading(const char *title, const char *extra)
{
	bool bold = out_color(stdout);
	printf("%s%s%s", bold ? "\033[1m" : "", title, bold ? "\033[0m" : "");
	if (extra) {
		_cleanup_free_ char *e = term_escape(extra);
		printf(" %s", e);
	}
	printf("\n");
}

static const struct out_col net_cols[] = {
    {"NETWORK", "name"},          {"ID", "id12"},          {"DRIVER", "driver"},
    {"SUBNET", "subnets"},        {"GATEWAY", "gateways"}, {"BRIDGE", "bridge"},
    {"CONTAINERS", "containers"},
};
static const struct out_col br_cols[] = {
    {"BRIDGE", "name"},    {"NETWORK", "network"},       {"ADDRESSES", "addresses"},
    {"PORT", "interface"}, {"CONTAINERS", "containers"},
};
static const struct out_col if_cols[] = {
    {"INTERFACE", "name"}, {"ROLE", "role"},     {"UP", "up"},
    {"MAC", "mac"},        {"MASTER", "master"}, {"ADDRESSES", "addresses"},
};
static const struct out_col mode_cols[] = {
    {"CONTAINER", "name"},
    {"MODE", "mode"},
    {"EXPLANATION", "explanation"},
};
static const struct out_col masq_cols[] = {
    {"NETWORK", "network"}, {"SOURCE", "source"}, {"EXEMPT OUT", "exempt_interface"},
    {"BACKEND", "backend"}, {"RULE", "rule"},
};
static const struct out_col pub_cols[] = {
    {"CONTAINER", "container"}, {"HOST", "host"},     {"TO", "to"},
    {"DAEMON", "in_daemon"},    {"RULE", "has_rule"}, {"PROXY", "proxy_pid"},
    {"STATUS", "status"},
};
static const struct out_col rule_cols[] = {
    {"BACKEND", "backend"},
    {"TABLE", "table"},
    {"RULE", "rule"},
};
static const struct out_col stray_cols[] = {
    {"BACKEND", "backend"},
    {"TABLE", "table"},
    {"RULE", "rule"},
    {"WHY", "reason"},
};

static void print_rules(const char *title, json_t *rules, const struct out_col *cols, size_t ncols)
{
	printf("\n");
	heading(title, NULL);
	if (json_array_size(rules) == 0)
		printf("(none)\n");
	else
		out_table(stdout, rules, cols, ncols);
}

static void print_table(const struct netmap *m, json_t *doc)
{
	json_t *rows = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(doc, "networks"), i, o)
	{
		json_t *r = json_deep_copy(o);
		const char *id = jstr(o, "id");
		json_object_set_new(r, "id12",
		                    json_stringn(id ? id : "", id && strlen(id) > 12 ? 12
		                                               : id                  ? strlen(id)
		                                                                     : 0));
		/* a long list would swamp the table: the JSON has every name */
		size_t nc = json_array_size(json_object_get(o, "containers"));
		if (nc > 8)
			json_object_set_new(r, "containers",
			                    json_sprintf("%zu containers (names in --json)", nc));
		json_array_append_new(rows, r);
	}
	heading("NETWORKS", NULL);
	out_table(stdout, rows, net_cols, ARRAY_SIZE(net_cols));
	json_decref(rows);

	rows = json_array();
	json_array_foreach(json_object_get(doc, "bridges"), i, o)
	{
		json_t *members = jarr(o, "members");
		if (!json_array_size(members)) {
			json_t *r = json_deep_copy(o);
			json_array_append_new(rows, r);
			continue;
		}
		size_t k;
		json_t *p;
		json_array_foreach(members, k, p)
		{
			json_t *r = json_object();
			json_object_set_new(r, "name",
			                    k ? json_string("")
			                      : json_incref(json_object_get(o, "name")));
			json_object_set_new(r, "network",
			                    k ? json_string("")
			                      : json_incref(json_object_get(o, "network")));
			json_object_set_new(r, "addresses",
			                    k ? json_string("")
			                      : json_incref(json_object_get(o, "addresses")));
			json_object_set_new(r, "interface",
			                    json_incref(json_object_get(p, "interface")));
			json_object_set_new(r, "containers",
			                    json_incref(json_object_get(p, "containers")));
			json_array_append_new(rows, r);
		}
	}
	printf("\n");
	heading("BRIDGES", "(each port: a host-side veth and the containers behind it)");
	out_table(stdout, rows, br_cols, ARRAY_SIZE(br_cols));
	json_decref(rows);

	rows = json_array();
	json_array_foreach(json_object_get(jobj(doc, "host"), "interfaces"), i, o)
	    json_array_append_new(rows, json_incref(o));
	printf("\n");
	heading("HOST INTERFACES", NULL);
	out_table(stdout, rows, if_cols, ARRAY_SIZE(if_cols));
	json_decref(rows);
	json_array_foreach(json_object_get(jobj(doc, "host"), "default_routes"), i, o)
	{
		_cleanup_free_ char *s = xasprintf(
		    "IPv%lld via %s dev %s%s%s", jint(o, "family", 0),
		    jstr(o, "gateway") ? jstr(o, "gateway") : "(on-link)",
		    jstr(o, "dev") ? jstr(o, "dev") : "?", jstr(o, "prefsrc") ? " src " : "",
		    jstr(o, "prefsrc") ? jstr(o, "prefsrc") : "");
		heading("DEFAULT ROUTE", s);
	}
	if (!m->n_routes)
		heading("DEFAULT ROUTE", "none");

	rows = json_array();
	json_array_foreach(json_object_get(doc, "containers"), i, o)
	{
		json_t *r = json_object();
		json_object_set_new(r, "name", json_incref(json_object_get(o, "name")));
		const char *mode = jstr(o, "mode");
		json_t *mt = mode && streq(mode, "custom")
		                 ? json_sprintf("custom:%s", jstr(o, "network_mode"))
		             : mode && streq(mode, "container") && jstr(o, "shared_with")
		                 ? json_sprintf("container:%s", jstr(o, "shared_with"))
		                 : json_str(mode);
		json_object_set_new(r, "mode", mt);
		json_object_set_new(r, "explanation",
		                    json_incref(json_object_get(o, "explanation")));
		json_array_append_new(rows, r);
	}
	printf("\n");
	heading("CONTAINERS", NULL);
	out_table(stdout, rows, mode_cols, ARRAY_SIZE(mode_cols));
	json_decref(rows);

	json_t *fw = jobj(doc, "firewall");
	if (fw) {
		printf("\n");
		heading("FIREWALL", jstr(fw, "backend"));
		print_rules("MASQUERADE (per network)", json_object_get(fw, "masquerade"),
		            masq_cols, ARRAY_SIZE(masq_cols));
		rows = json_array();
		json_array_foreach(json_object_get(fw, "published"), i, o)
		{
			json_t *r = json_object();
			json_object_set_new(r, "container",
			                    json_incref(json_object_get(o, "container")));
			const char *hip = jstr(o, "host_ip");
			json_object_set_new(
			    r, "host",
			    json_sprintf("%s%s%s:%lld/%s", hip && strchr(hip, ':') ? "[" : "",
			                 hip ? hip : "*", hip && strchr(hip, ':') ? "]" : "",
			                 jint(o, "host_port", 0),
			                 jstr(o, "proto") ? jstr(o, "proto") : "?"));
			json_object_set_new(
			    r, "to",
			    json_sprintf("%s:%lld",
			                 jstr(o, "container_ip") ? jstr(o, "container_ip") : "?",
			                 jint(o, "container_port", 0)));
			json_object_set_new(r, "in_daemon",
			                    json_incref(json_object_get(o, "in_daemon")));
			json_object_set_new(r, "has_rule", json_boolean(jobj(o, "rule") != NULL));
			json_object_set_new(r, "proxy_pid",
			                    json_incref(json_object_get(o, "proxy_pid")));
			json_object_set_new(r, "status", json_incref(json_object_get(o, "status")));
			json_array_append_new(rows, r);
		}
		print_rules("PUBLISHED PORTS (DNAT rules cross-checked with the daemon's port map "
		            "and docker-proxy)",
		            rows, pub_cols, ARRAY_SIZE(pub_cols));
		json_decref(rows);
		print_rules("DOCKER-USER", json_object_get(fw, "docker_user"), rule_cols,
		            ARRAY_SIZE(rule_cols));
		print_rules("ISOLATION", json_object_get(fw, "isolation"), rule_cols,
		            ARRAY_SIZE(rule_cols));
		print_rules("OTHER RULES (not Docker's)", json_object_get(fw, "other"), rule_cols,
		            ARRAY_SIZE(rule_cols));
		print_rules("STRAY RULES (match no network or container)",
		            json_object_get(fw, "stray"), stray_cols, ARRAY_SIZE(stray_cols));
	}
	json_t *notes = jarr(doc, "notes");
	if (json_array_size(notes)) {
		printf("\n");
		heading("NOTES", NULL);
		json_array_foreach(notes, i, o)
		{
			_cleanup_free_ char *e = out_cell(o);
			printf("- %s\n", e);
		}
	}
}

static void print_plan(const struct capture_plan *p)
{
	_cleanup_free_ char *name = term_escape(p->c->name);
	heading("CAPTURE PLAN", name);
	_cleanup_free_ char *ml = term_escape(p->mode_line);
	printf("mode: %s\n", ml);
	if (p->situation) {
		_cleanup_free_ char *s = term_escape(p->situation);
		printf("\n%s\n", s);
	}
	printf("\n");
	heading("WHERE ITS PACKETS ARE SEEN", NULL);
	if (!p->n_points)
		printf("(nowhere now)\n");
	for (size_t i = 0; i < p->n_points; i++) {
		const struct capture_point *x = &p->points[i];
		_cleanup_free_ char *ifn = term_escape(x->interface);
		_cleanup_free_ char *sees = term_escape(x->sees);
		_cleanup_free_ char *cmd = term_escape(x->command);
		printf("%s%s (%s): %s\n    %s\n", (ssize_t)i == p->primary ? "* " : "- ", ifn,
		       x->stage, sees, cmd);
	}
	printf("\n");
	heading("SEEN FROM OUTSIDE", NULL);
	if (p->outside_source) {
		_cleanup_free_ char *s = term_escape(p->outside_source);
		_cleanup_free_ char *e = term_escape(p->egress ? p->egress : "?");
		printf("source address %s, leaving by %s%s\n", s, e,
		       p->nat ? " (after MASQUERADE)" : "");
	}
	if (p->outside_note) {
		_cleanup_free_ char *s = term_escape(p->outside_note);
		printf("%s\n", s);
	}
	for (size_t i = 0; i < p->n_notes; i++) {
		_cleanup_free_ char *s = term_escape(p->notes[i]);
		printf("note: %s\n", s);
	}
	if (p->primary >= 0) {
		_cleanup_free_ char *s = term_escape(p->points[p->primary].command);
		printf("\nrun first (as root; stop with Ctrl-C):\n  %s\n", s);
	}
}

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
	/* the firewall tools run while the daemon answers */
	struct fw_job *fw = a.no_fw ? NULL : fw_start();
	_cleanup_host_ struct host *h = NULL;
	/* the map needs every container's wiring, not its full inspect: one list request; a
	 * capture plan inspects them all (exact pids and state for the one it plans) */
	struct docker *d = NULL;
	int r = x->no_daemon ? 0 : ctx_docker(x, &d);
	if (r == 0)
		r = a.capture || !d ? ctx_host(x, false, HOST_NEED_NET, &h)
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
	if (netmap_build(d, h, a.no_fw ? 0 : NETMAP_FIREWALL, fw, &m, &x->err) < 0)
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
			print_plan(p);
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
		print_table(m, doc);
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
    .flags = CMD_NODAEMON,
};
