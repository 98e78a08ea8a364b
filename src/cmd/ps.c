/* ps.c: `cirt ps`: every container with its network mode, addresses, veth, bridge, pid, ports. */
#include <arpa/inet.h>
#include <fnmatch.h>

#include "cmd/cmd.h"
#include "escape.h"
#include "model/verify.h"
#include "output/output.h"

struct ps_args {
	bool all;
	const char *ip;
	const char *name;
	const char *network;
	bool verify;
	bool from_daemon;
};

static const struct cmd_opt ps_opts[] = {
    OPT_BOOL("all", 'a', "include stopped containers", struct ps_args, all),
    OPT_IP("ip", 0, "ADDR",
           "only containers that own this exact address (IPv4 or IPv6; never a substring match)",
           struct ps_args, ip),
    OPT_STR("name", 0, "PATTERN", "only containers whose name matches (shell glob, e.g. 'web*')",
            struct ps_args, name),
    OPT_STR("network", 0, "NET",
            "only containers with an endpoint on this network (name or id prefix)", struct ps_args,
            network),
    OPT_BOOL("verify", 0,
             "cross-check the daemon against the host (processes in container cgroups, init pids, "
             "interfaces, veths on its bridges); exit 1 on any disagreement",
             struct ps_args, verify),
    OPT_BOOL("from-daemon", 0,
             "every container's details from the daemon's inspect, one request each, instead of "
             "its records on disk checked against the daemon's list (slower with many "
             "containers)",
             struct ps_args, from_daemon),
    {0},
};

static bool on_network(const struct container *c, const char *net)
{
	for (size_t i = 0; i < c->n_eps; i++) {
		const struct endpoint *e = &c->eps[i];
		if ((e->network && streq(e->network, net)) ||
		    (e->network_id && strlen(net) >= 3 && startswith(e->network_id, net)))
			return true;
	}
	return false;
}

static char *mode_text(const struct container *c)
{
	switch (c->mode) {
	case NETMODE_CUSTOM:
		return xasprintf("custom:%s", c->mode_raw);
	case NETMODE_CONTAINER:
		return xasprintf("container:%s",
		                 c->mode_target_name ? c->mode_target_name : c->mode_target);
	default:
		return xstrdup(net_mode_name(c->mode));
	}
}

/* One flat row for the table; the JSON output uses container_to_json instead. */
static json_t *display_row(const struct container *c)
{
	json_t *r = json_object();
	json_object_set_new(r, "name", json_str(c->name));
	json_object_set_new(r, "id", json_stringn(c->id, strlen(c->id) < 12 ? strlen(c->id) : 12));
	json_object_set_new(r, "image", json_str(c->image));
	json_object_set_new(r, "state", json_str(c->state));
	_cleanup_free_ char *mode = mode_text(c);
	json_object_set_new(r, "mode", json_str(mode));
	json_t *ips = json_array(), *veths = json_array(), *bridges = json_array(),
	       *ports = json_array();
	for (size_t i = 0; i < c->n_eps; i++) {
		const struct endpoint *e = &c->eps[i];
		if (e->ipv4)
			json_array_append_new(ips, json_str(e->ipv4));
		if (e->ipv6)
			json_array_append_new(ips, json_str(e->ipv6));
		if (e->veth)
			json_array_append_new(veths, json_str(e->veth));
		if (e->bridge)
			json_array_append_new(bridges, json_str(e->bridge));
	}
	for (size_t i = 0; i < c->n_ports; i++) {
		const struct port *p = &c->ports[i];
		if (p->host_port)
			json_array_append_new(
			    ports, json_sprintf("%s:%d->%d/%s", p->host_ip ? p->host_ip : "",
			                        p->host_port, p->container_port, p->proto));
		else
			json_array_append_new(ports,
			                      json_sprintf("%d/%s", p->container_port, p->proto));
	}
	json_object_set_new(r, "ips", ips);
	json_object_set_new(r, "veth", veths);
	json_object_set_new(r, "bridge", bridges);
	json_object_set_new(r, "pid", c->pid ? json_integer(c->pid) : json_null());
	json_object_set_new(r, "ports", ports);
	return r;
}

static const struct out_col ps_cols[] = {
    {"NAME", "name"}, {"ID", "id"},       {"IMAGE", "image"}, {"STATE", "state"},
    {"MODE", "mode"}, {"IPS", "ips"},     {"VETH", "veth"},   {"BRIDGE", "bridge"},
    {"PID", "pid"},   {"PORTS", "ports"},
};

static const struct out_col verify_cols[] = {
    {"KIND", "kind"}, {"CONTAINER", "container"}, {"PID", "pid"},
    {"VETH", "veth"}, {"DETAIL", "detail"},
};

static int ps_verify(struct ctx *x)
{
	if (x->no_daemon)
		return cmd_usage(x, "ps: --verify compares the daemon with the host: it cannot run "
		                    "with --no-daemon");
	_cleanup_host_ struct host *h = NULL;
	struct verify_result r = {0};
	struct docker *dc;
	if (ctx_docker(x, &dc) < 0 || verify_daemon(dc, &h, &r, &x->err) < 0)
		return -1;
	print_warnings(h);
	json_t *list = json_array();
	for (size_t i = 0; i < r.n; i++) {
		json_t *o = disagreement_to_json(&r.v[i]);
		const struct disagreement *d = &r.v[i];
		if (!x->json)
			json_object_set_new(
			    o, "container",
			    d->name && *d->name ? json_str(d->name)
			    : d->container_id
			        ? json_stringn(d->container_id, strnlen(d->container_id, 12))
			        : json_null());
		json_array_append_new(list, o);
	}
	size_t running = 0;
	for (size_t i = 0; i < h->n; i++)
		running += h->c[i].running;
	if (x->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "docker_host", json_str(h->docker_host));
		json_object_set_new(doc, "api_version", json_str(h->api_version));
		json_object_set_new(doc, "containers_checked", json_integer((json_int_t)h->n));
		json_object_set_new(doc, "disagreements", list);
		json_t *w = json_array();
		for (size_t k = 0; k < h->n_warnings; k++)
			json_array_append_new(w, json_str(h->warnings[k]));
		json_object_set_new(doc, "warnings", w);
		out_json(stdout, doc);
		json_decref(doc);
	} else {
		if (r.n)
			out_table(stdout, list, verify_cols, ARRAY_SIZE(verify_cols));
		json_decref(list);
		fprintf(stderr,
		        "cirt: checked %zu containers (%zu running) against the host: %zu "
		        "disagreement%s\n",
		        h->n, running, r.n, r.n == 1 ? "" : "s");
	}
	size_t n = r.n;
	verify_result_free(&r);
	return n ? 1 : 0;
}

static int ps_run(struct ctx *x, int argc, char **argv)
{
	struct ps_args a = {0};
	int i = cmd_parse(x, &cmd_ps, argc, argv, NULL, &a);
	if (i < 0)
		return i;
	if (i < argc)
		return cmd_usage(x, "ps: unexpected argument '%s'", argv[i]);
	if (a.verify) {
		if (a.ip || a.name || a.network || a.all)
			return cmd_usage(x,
			                 "ps: --verify checks every container: it takes no filter");
		return ps_verify(x);
	}
	_cleanup_host_ struct host *h = NULL;
	unsigned needs = HOST_NEED_NET | HOST_NEED_PROC | HOST_DROP_DOC;
	struct docker *d;
	if (a.from_daemon && x->no_daemon)
		return cmd_usage(
		    x, "ps: --from-daemon asks the daemon: it cannot run with --no-daemon");
	if (a.from_daemon) {
		struct host_load_opts o = {.all = a.all, .needs = needs, .from_daemon = true};
		if (ctx_docker(x, &d) < 0 || host_load(d, &o, &h, &x->err) < 0)
			return -1;
	} else if (ctx_host(x, a.all || x->root, needs, &h) < 0) /* an image: nothing runs, -a */
		return -1;
	print_warnings(h);
	json_t *list = json_array();
	json_t *rows = json_array();
	for (size_t k = 0; k < h->n; k++) {
		const struct container *c = &h->c[k];
		if (a.ip && !container_has_ip(c, a.ip))
			continue;
		if (a.name && fnmatch(a.name, c->name, 0) != 0)
			continue;
		if (a.network && !on_network(c, a.network))
			continue;
		json_array_append_new(list, container_to_json(c));
		json_array_append_new(rows, display_row(c));
	}
	if (x->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "docker_host", json_str(h->docker_host));
		json_object_set_new(doc, "api_version", json_str(h->api_version));
		json_object_set_new(doc, "daemonless", json_boolean(h->daemonless));
		json_t *off = ctx_offline_json(x);
		if (off)
			json_object_set_new(doc, "offline", off);
		json_object_set_new(doc, "containers", list);
		json_t *w = json_array();
		for (size_t k = 0; k < h->n_warnings; k++)
			json_array_append_new(w, json_str(h->warnings[k]));
		json_object_set_new(doc, "warnings", w);
		out_json(stdout, doc);
		json_decref(doc);
	} else {
		out_table(stdout, rows, ps_cols, ARRAY_SIZE(ps_cols));
		json_decref(list);
	}
	json_decref(rows);
	return 0;
}

const struct cmd cmd_ps = {
    .name = "ps",
    .args = NULL,
    .summary =
        "list containers with network mode, IPs, MACs, host-side veth, bridge, PID and ports",
    .opts = ps_opts,
    .run = ps_run,
    .flags = CMD_NODAEMON | CMD_OFFLINE,
};
