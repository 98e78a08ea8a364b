/* nettable.c: `cirt net` for a terminal: the network map as headed tables (networks, bridges
 * and their ports, host interfaces, default routes, container modes, firewall rules, notes) and
 * a capture plan in words. */
#include "output/nettable.h"

#include "escape.h"
#include "output/output.h"
#include "json.h"
#include "util.h"

static void heading(FILE *out, const char *title, const char *extra)
{
	bool bold = out_color(out);
	fprintf(out, "%s%s%s", bold ? "\033[1m" : "", title, bold ? "\033[0m" : "");
	if (extra) {
		_cleanup_free_ char *e = term_escape(extra);
		fprintf(out, " %s", e);
	}
	fputs("\n", out);
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

static void print_rules(FILE *out, const char *title, json_t *rules, const struct out_col *cols,
                        size_t ncols)
{
	fputs("\n", out);
	heading(out, title, NULL);
	if (json_array_size(rules) == 0)
		fprintf(out, "(none)\n");
	else
		out_table(out, rules, cols, ncols);
}

void net_print_table(FILE *out, const struct netmap *m, json_t *doc)
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
	heading(out, "NETWORKS", NULL);
	out_table(out, rows, net_cols, ARRAY_SIZE(net_cols));
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
	fputs("\n", out);
	heading(out, "BRIDGES", "(each port: a host-side veth and the containers behind it)");
	out_table(out, rows, br_cols, ARRAY_SIZE(br_cols));
	json_decref(rows);

	rows = json_array();
	json_array_foreach(json_object_get(jobj(doc, "host"), "interfaces"), i, o)
	    json_array_append_new(rows, json_incref(o));
	fputs("\n", out);
	heading(out, "HOST INTERFACES", NULL);
	out_table(out, rows, if_cols, ARRAY_SIZE(if_cols));
	json_decref(rows);
	json_array_foreach(json_object_get(jobj(doc, "host"), "default_routes"), i, o)
	{
		_cleanup_free_ char *s = xasprintf(
		    "IPv%lld via %s dev %s%s%s", jint(o, "family", 0),
		    jstr(o, "gateway") ? jstr(o, "gateway") : "(on-link)",
		    jstr(o, "dev") ? jstr(o, "dev") : "?", jstr(o, "prefsrc") ? " src " : "",
		    jstr(o, "prefsrc") ? jstr(o, "prefsrc") : "");
		heading(out, "DEFAULT ROUTE", s);
	}
	if (!m->n_routes)
		heading(out, "DEFAULT ROUTE", "none");

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
	fputs("\n", out);
	heading(out, "CONTAINERS", NULL);
	out_table(out, rows, mode_cols, ARRAY_SIZE(mode_cols));
	json_decref(rows);

	json_t *fw = jobj(doc, "firewall");
	if (fw) {
		fputs("\n", out);
		heading(out, "FIREWALL", jstr(fw, "backend"));
		print_rules(out, "MASQUERADE (per network)", json_object_get(fw, "masquerade"),
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
		print_rules(out,
		            "PUBLISHED PORTS (DNAT rules cross-checked with the daemon's port map "
		            "and docker-proxy)",
		            rows, pub_cols, ARRAY_SIZE(pub_cols));
		json_decref(rows);
		print_rules(out, "DOCKER-USER", json_object_get(fw, "docker_user"), rule_cols,
		            ARRAY_SIZE(rule_cols));
		print_rules(out, "ISOLATION", json_object_get(fw, "isolation"), rule_cols,
		            ARRAY_SIZE(rule_cols));
		print_rules(out, "OTHER RULES (not Docker's)", json_object_get(fw, "other"),
		            rule_cols, ARRAY_SIZE(rule_cols));
		print_rules(out, "STRAY RULES (match no network or container)",
		            json_object_get(fw, "stray"), stray_cols, ARRAY_SIZE(stray_cols));
	}
	json_t *notes = jarr(doc, "notes");
	if (json_array_size(notes)) {
		fputs("\n", out);
		heading(out, "NOTES", NULL);
		json_array_foreach(notes, i, o)
		{
			_cleanup_free_ char *e = out_cell(o);
			fprintf(out, "- %s\n", e);
		}
	}
}

void capture_plan_print(FILE *out, const struct capture_plan *p)
{
	_cleanup_free_ char *name = term_escape(p->c->name);
	heading(out, "CAPTURE PLAN", name);
	_cleanup_free_ char *ml = term_escape(p->mode_line);
	fprintf(out, "mode: %s\n", ml);
	if (p->situation) {
		_cleanup_free_ char *s = term_escape(p->situation);
		fprintf(out, "\n%s\n", s);
	}
	fputs("\n", out);
	heading(out, "WHERE ITS PACKETS ARE SEEN", NULL);
	if (!p->n_points)
		fprintf(out, "(nowhere now)\n");
	for (size_t i = 0; i < p->n_points; i++) {
		const struct capture_point *x = &p->points[i];
		_cleanup_free_ char *ifn = term_escape(x->interface);
		_cleanup_free_ char *sees = term_escape(x->sees);
		_cleanup_free_ char *cmd = term_escape(x->command);
		fprintf(out, "%s%s (%s): %s\n    %s\n", (ssize_t)i == p->primary ? "* " : "- ", ifn,
		        x->stage, sees, cmd);
	}
	fputs("\n", out);
	heading(out, "SEEN FROM OUTSIDE", NULL);
	if (p->outside_source) {
		_cleanup_free_ char *s = term_escape(p->outside_source);
		_cleanup_free_ char *e = term_escape(p->egress ? p->egress : "?");
		fprintf(out, "source address %s, leaving by %s%s\n", s, e,
		        p->nat ? " (after MASQUERADE)" : "");
	}
	if (p->outside_note) {
		_cleanup_free_ char *s = term_escape(p->outside_note);
		fprintf(out, "%s\n", s);
	}
	for (size_t i = 0; i < p->n_notes; i++) {
		_cleanup_free_ char *s = term_escape(p->notes[i]);
		fprintf(out, "note: %s\n", s);
	}
	if (p->primary >= 0) {
		_cleanup_free_ char *s = term_escape(p->points[p->primary].command);
		fprintf(out, "\nrun first (as root; stop with Ctrl-C):\n  %s\n", s);
	}
}
