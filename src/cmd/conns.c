/* conns.c: `cirt conns`: every container's TCP/UDP sockets and the process holding each, read
 * from the host (sock_diag inside each network namespace), without entering any container. */
#include <sys/socket.h>

#include "analyses/attrib.h"
#include "cmd/cmd.h"
#include "cmd/mixed.h"
#include "escape.h"
#include "model/sockets.h"
#include "output/locate.h"
#include "output/output.h"
#include "sources/procfs.h"

struct conns_args {
	bool listen;
	bool established;
	unsigned protos;
};

static const struct cmd_choice proto_choices[] = {
    {"tcp", SOCKDIAG_TCP},
    {"udp", SOCKDIAG_UDP},
    {0},
};

static const struct cmd_opt conns_opts[] = {
    OPT_BOOL("listen", 'l', "only listening sockets (TCP LISTEN, unconnected UDP)",
             struct conns_args, listen),
    OPT_BOOL("established", 'e', "only established connections (TCP ESTABLISHED, connected UDP)",
             struct conns_args, established),
    OPT_CHOICE("proto", 0, "tcp|udp", "only this protocol", struct conns_args, protos,
               proto_choices),
    {0},
};

static bool keep(const struct sockdiag_entry *e, void *ud)
{
	const struct conns_args *a = ud;
	bool listening = streq(e->f.state, "LISTEN") || streq(e->f.state, "UNCONN");
	bool established = streq(e->f.state, "ESTABLISHED");
	if (a->listen && a->established)
		return listening || established;
	if (a->listen)
		return listening;
	if (a->established)
		return established;
	return true;
}

static int cmp_sock(const void *pa, const void *pb)
{
	const struct aflow *fa = pa, *fb = pb;
	const struct csock *a = fa->sock, *b = fb->sock;
	const struct container *ca = fa->end[0].c, *cb = fb->end[0].c;
	int r = strcmp(ca ? ca->name : "", cb ? cb->name : "");
	if (r)
		return r;
	if (a->s.f.proto != b->s.f.proto)
		return a->s.f.proto - b->s.f.proto;
	bool la = streq(a->s.f.state, "LISTEN") || streq(a->s.f.state, "UNCONN");
	bool lb = streq(b->s.f.state, "LISTEN") || streq(b->s.f.state, "UNCONN");
	if (la != lb)
		return la ? -1 : 1;
	if (a->s.f.orig.sport != b->s.f.orig.sport)
		return a->s.f.orig.sport - b->s.f.orig.sport;
	return a->s.f.orig.dport - b->s.f.orig.dport;
}

/* A socket with the rule that gave it to its container. */
static json_t *sock_json(const struct aflow *f)
{
	json_t *o = csock_to_json(f->sock);
	const char *by = attr_by_name(f->end[0].by);
	json_object_set_new(o, "by", by ? json_string(by) : json_null());
	json_object_set_new(o, "netns_owner", attrib_netns_owner_json(f->end[0].netns_owner));
	return o;
}

static json_t *table_row(const struct aflow *f)
{
	const struct csock *s = f->sock;
	const struct container *c = f->end[0].c;
	char a[64];
	json_t *r = json_object();
	json_object_set_new(r, "container", json_str(c ? c->name : NULL));
	json_object_set_new(r, "proto",
	                    json_sprintf("%s%s", flow_proto_name(s->s.f.proto),
	                                 s->s.f.orig.src.family == AF_INET6 ? "6" : ""));
	json_object_set_new(r, "state", json_string(s->s.f.state));
	json_object_set_new(r, "local",
	                    json_string(flow_socket_endpoint_str(&s->s.f.orig.src,
	                                                         s->s.f.orig.sport, a, sizeof(a))));
	json_object_set_new(r, "remote",
	                    json_string(flow_socket_endpoint_str(&s->s.f.orig.dst,
	                                                         s->s.f.orig.dport, a, sizeof(a))));
	const struct proc_info *p = s->proc;
	json_object_set_new(r, "pid", p ? json_integer(p->pid) : json_null());
	/* a host process holding a container's socket (dockerd's DNS, or an intruder) says so */
	if (p && !p->c)
		json_object_set_new(r, "cpid", json_string("(host)"));
	else
		json_object_set_new(r, "cpid",
		                    p && p->ns_pid ? json_integer(p->ns_pid) : json_null());
	json_object_set_new(r, "comm", json_str(p ? p->comm : NULL));
	if (p && p->user)
		json_object_set_new(r, "user", json_str(p->user));
	else if (p && p->uid >= 0)
		json_object_set_new(r, "user", json_integer(p->uid));
	else
		json_object_set_new(r, "user", json_null());
	json_object_set_new(r, "exe", json_str(p ? p->exe : NULL));
	const char *by = attr_by_name(f->end[0].by);
	json_object_set_new(r, "by", by ? json_string(by) : json_null());
	return r;
}

static const struct out_col conns_cols[] = {
    {"CONTAINER", "container"}, {"PROTO", "proto"}, {"STATE", "state"}, {"LOCAL", "local"},
    {"REMOTE", "remote"},       {"PID", "pid"},     {"CPID", "cpid"},   {"COMM", "comm"},
    {"USER", "user"},           {"EXE", "exe"},     {"BY", "by"},
};

/* Named on the command line (or none named)? */
static bool selected(struct container *const *only, size_t n, const struct container *c)
{
	for (size_t i = 0; i < n; i++)
		if (only[i] == c)
			return true;
	return n == 0;
}

static void print_sock_warnings(const struct sockets *s)
{
	for (size_t i = 0; i < s->n_warnings; i++) {
		_cleanup_free_ char *e = term_escape(s->warnings[i]);
		fprintf(stderr, "cirt: warning: %s\n", e);
	}
}

static int conns_run(struct ctx *x, int argc, char **argv)
{
	struct conns_args a = {0};
	_cleanup_free_ char **refs = xcalloc((size_t)argc + 1, sizeof(*refs));
	int nops = cmd_parse_mixed(x, &cmd_conns, argc, argv, NULL, &a, refs, argc);
	if (nops < 0)
		return nops;
	_cleanup_host_ struct host *h = NULL;
	size_t nref = (size_t)nops;
	_cleanup_free_ struct container **only = NULL;
	if (nref) {
		only = xcalloc(nref, sizeof(*only));
		if (ctx_containers(x, refs, nref, 0, &h, only) < 0)
			return -1;
	} else if (x->no_daemon) {
		if (ctx_host(x, false, 0, &h) < 0)
			return -1;
	} else {
		struct docker *d;
		if (ctx_docker(x, &d) < 0 || host_load_list(d, false, 0, &h, &x->err) < 0)
			return -1;
	}
	print_warnings(h);
	struct sockets_opts so = {.only = only,
	                          .n_only = nref,
	                          .protos = a.protos,
	                          .keep = keep,
	                          .keep_ud = &a,
	                          .pids_fresh = nref == 0};
	struct sockets *s = NULL;
	if (sockets_load(h, &so, &s, &x->err) < 0)
		return -1;
	print_sock_warnings(s);
	/* each socket attributed by the one join: by its process, else by its namespace */
	struct attrib_in in = {.h = h, .socks = s};
	struct attrib *at = attrib_join(&in);
	if (at->n)
		qsort(at->v, at->n, sizeof(*at->v), cmp_sock);
	if (x->json) {
		json_t *doc = json_object();
		json_t *cs = json_array();
		size_t nsel = nref ? nref : h->n;
		for (size_t k = 0; k < nsel; k++) {
			const struct container *c = nref ? only[k] : &h->c[k];
			if (nref) {
				bool dup = false;
				for (size_t j = 0; j < k; j++)
					dup |= only[j] == c;
				if (dup)
					continue;
			}
			json_t *o = json_object();
			json_object_set_new(o, "name", json_str(c->name));
			json_object_set_new(o, "id", json_str(c->id));
			json_object_set_new(o, "image", json_str(c->image));
			json_object_set_new(o, "state", json_str(c->state));
			json_object_set_new(o, "network_mode", json_str(net_mode_name(c->mode)));
			json_object_set_new(o, "shared_with", json_str(c->mode_target_name));
			json_object_set_new(o, "pid", c->pid ? json_integer(c->pid) : json_null());
			json_t *socks = json_array();
			unsigned long ns = c->pid > 0 ? procfs_ns_inode(c->pid, "net") : 0;
			for (size_t j = 0; j < at->n; j++)
				if (at->v[j].sock && at->v[j].end[0].c == c)
					json_array_append_new(socks, sock_json(&at->v[j]));
			json_object_set_new(o, "netns_inode",
			                    ns ? json_integer((json_int_t)ns) : json_null());
			json_object_set_new(o, "sockets", socks);
			json_array_append_new(cs, o);
		}
		json_object_set_new(doc, "containers", cs);
		json_object_set_new(doc, "namespaces_read", json_integer((json_int_t)s->n_netns));
		json_t *w = json_array();
		for (size_t k = 0; k < h->n_warnings; k++)
			json_array_append_new(w, json_str(h->warnings[k]));
		for (size_t k = 0; k < s->n_warnings; k++)
			json_array_append_new(w, json_str(s->warnings[k]));
		json_object_set_new(doc, "warnings", w);
		out_json(stdout, doc);
		json_decref(doc);
	} else {
		json_t *rows = json_array();
		for (size_t k = 0; k < at->n; k++)
			if (at->v[k].sock && selected(only, nref, at->v[k].end[0].c))
				json_array_append_new(rows, table_row(&at->v[k]));
		out_table(stdout, rows, conns_cols, ARRAY_SIZE(conns_cols));
		json_decref(rows);
	}
	attrib_free(at);
	sockets_free(s);
	return 0;
}

const struct cmd cmd_conns = {
    .name = "conns",
    .args = "[CONTAINER...]",
    .summary = "every container's TCP/UDP sockets with the process holding each, read without "
               "entering the container",
    .opts = conns_opts,
    .run = conns_run,
    .flags = CMD_NODAEMON,
};
