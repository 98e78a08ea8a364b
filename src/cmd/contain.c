/* contain.c: `cirt contain`: pause, isolate, disconnect or stop a container (recorded, audited,
 * undone by `cirt release`); --status checks that it still holds, --reapply restores it. */
#include "cmd/cmd.h"
#include "cmd/contain.h"
#include "contain/audit.h"
#include "contain/contain.h"
#include "escape.h"
#include "output/output.h"

struct contain_args {
	struct contain_opts o;
	bool dry_run, status, reapply;
	const char *reason;
};

enum { OPT_ALLOW = 256, OPT_DISCONNECT };

static int on_opt(struct ctx *x, int key, const char *arg, void *st)
{
	struct contain_args *a = st;
	char norm[80];
	bool v6;
	if (key == OPT_DISCONNECT) {
		if (!*arg)
			return cmd_usage(x, "contain: --disconnect: empty network name");
		strv_add(&a->o.disconnect, arg);
		return 0;
	}
	if (!fw_cidr_normalize(arg, norm, sizeof(norm), &v6))
		return cmd_usage(x, "contain: --allow: '%s' is not an address or ADDR/PREFIX", arg);
	if (streq(norm, "0.0.0.0/0") || streq(norm, "::/0"))
		return cmd_usage(x, "contain: --allow: '%s' would let everything through", arg);
	if (!strv_has(&a->o.allow, norm))
		strv_add(&a->o.allow, norm);
	a->o.allow_given = true;
	return 0;
}

static const struct cmd_choice backend_choices[] = {
    {"auto", FW_AUTO}, {"iptables", FW_IPTABLES}, {"nft", FW_NFT}, {"nftables", FW_NFT}, {0}};

#define A struct contain_args
static const struct cmd_opt contain_opts[] = {
    OPT_BOOL("pause", 0,
             "freeze every process (the daemon's pause, cgroup freezer); files and memory "
             "unchanged",
             A, o.pause),
    OPT_BOOL("isolate", 0,
             "drop every packet to and from it (veth and addresses, same-bridge too), cut its "
             "connections; it keeps running",
             A, o.isolate),
    OPT_CALL("allow", OPT_ALLOW, "ADDR[/PREFIX]",
             "with --isolate: still let this address or network through, both ways (repeatable)"),
    OPT_CALL("disconnect", OPT_DISCONNECT, "NET",
             "the daemon's network disconnect from NET (repeatable); destroys the veth: needs "
             "--force unless collected"),
    OPT_BOOL("disconnect-all", 0, "disconnect from every network", A, o.disconnect_all),
    OPT_BOOL("force", 0, "disconnect even though the container was not collected first", A,
             o.force),
    OPT_BOOL("stop", 0, "stop it with the daemon's grace period", A, o.stop),
    OPT_BOOL("dry-run", 0, "print exactly what would change (rules, API calls) and change nothing",
             A, dry_run),
    OPT_STR("reason", 0, "TEXT", "why (recorded in the state file and the audit log)", A, reason),
    OPT_BOOL("status", 0,
             "list what cirt keeps contained and whether it still holds (exit 1 when not)", A,
             status),
    OPT_BOOL("reapply", 0,
             "restore whatever no longer holds (new veth after a restart, rules flushed, ...)", A,
             reapply),
    OPT_CHOICE("backend", 0, "auto|iptables|nft",
               "address rules: DOCKER-USER (iptables) or a table of cirt's own (nft); default auto",
               A, o.backend, backend_choices),
    {0},
};
#undef A

static const struct out_col step_cols[] = {
    {"CONTAINER", "container"},
    {"ACTION", "action"},
    {"RESULT", "result"},
    {"DETAIL", "detail"},
};

static void print_change(FILE *f, json_t *ch)
{
	const char *kind = jstr(ch, "kind") ? jstr(ch, "kind") : "";
	if (streq(kind, "firewall")) {
		struct buf b = {0};
		size_t i;
		json_t *v;
		json_array_foreach(jarr(ch, "argv"), i, v)
		{
			buf_printf(&b, "%s%s", i ? " " : "",
			           json_string_value(v) ? json_string_value(v) : "");
		}
		_cleanup_free_ char *text = term_escape(jstr(ch, "stdin"));
		/* term_escape shows newlines as \n: print the input line by line instead */
		fprintf(f, "  %s <<'EOF'\n", buf_cstr(&b));
		const char *s = jstr(ch, "stdin") ? jstr(ch, "stdin") : "";
		while (*s) {
			size_t n = strcspn(s, "\n");
			_cleanup_free_ char *l = term_escape_n(s, n);
			fprintf(f, "    %s\n", l);
			s += n;
			if (*s)
				s++;
		}
		fprintf(f, "  EOF\n");
		buf_free(&b);
		(void)text;
	} else if (streq(kind, "api")) {
		_cleanup_free_ char *body =
		    json_object_get(ch, "body")
		        ? json_dumps(json_object_get(ch, "body"), JSON_COMPACT)
		        : NULL;
		_cleanup_free_ char *eb = body ? term_escape(body) : NULL;
		_cleanup_free_ char *ep = term_escape(jstr(ch, "path"));
		fprintf(f, "  %s %s%s%s\n", jstr(ch, "method") ? jstr(ch, "method") : "?", ep,
		        eb ? " " : "", eb ? eb : "");
	} else if (streq(kind, "conntrack")) {
		fprintf(f,
		        "  conntrack: delete the %lld flow%s of its addresses (peers in the allow "
		        "list kept)\n",
		        (long long)jint(ch, "flows", 0), jint(ch, "flows", 0) == 1 ? "" : "s");
	}
}

int contain_load(struct ctx *x, char *const *refs, size_t n, struct host **ret)
{
	struct docker *d;
	if (ctx_docker(x, &d) < 0)
		return -1;
	struct host *h = xcalloc(1, sizeof(*h));
	h->c = xcalloc(n + 1, sizeof(*h->c));
	h->docker_host = xstrdup(docker_host(d));
	for (size_t i = 0; i < n; i++) {
		const char *ref = refs[i][0] == '/' ? refs[i] + 1 : refs[i];
		_cleanup_free_ char *q = docker_urlencode(ref);
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", q);
		json_t *j = NULL;
		struct cirt_err e = {0};
		if (docker_get_json(d, path, &j, &e) < 0) {
			if (e.code == CIRT_EXIT_NOTFOUND)
				continue;
			if (strstr(e.msg, "Multiple IDs found")) {
				_cleanup_free_ char *en = term_escape(ref);
				err_set(&x->err, CIRT_EXIT_NOTFOUND,
				        "'%s' is ambiguous: several containers have ids starting "
				        "with it",
				        en);
			} else
				x->err = e;
			host_free(h);
			return -1;
		}
		bool dup = false;
		for (size_t k = 0; k < h->n; k++)
			if (jstr(j, "Id") && streq(h->c[k].id, jstr(j, "Id")))
				dup = true;
		if (!dup && container_from_inspect(j, &h->c[h->n]) == 0)
			h->n++;
		json_decref(j);
	}
	/* a container:X member is explained by X: load X too */
	for (size_t i = 0, n0 = h->n; i < n0; i++) {
		const char *t = h->c[i].mode == NETMODE_CONTAINER ? h->c[i].mode_target : NULL;
		bool have = false;
		for (size_t k = 0; t && k < h->n; k++)
			if (streq(h->c[k].id, t))
				have = true;
		if (!t || have || strchr(t, '/') || strchr(t, '?'))
			continue;
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", t);
		json_t *j = NULL;
		struct cirt_err e = {0};
		if (docker_get_json(d, path, &j, &e) < 0)
			continue;
		h->c = xrealloc(h->c, (h->n + 1) * sizeof(*h->c));
		if (container_from_inspect(j, &h->c[h->n]) == 0)
			h->n++;
		json_decref(j);
	}
	h->api_version = xstrdup(docker_api_version(d));
	host_load_net(h);
	host_link_shared(h);
	*ret = h;
	return 0;
}

void contain_print_steps(struct ctx *x, json_t *steps, bool dry_run)
{
	size_t i;
	json_t *s;
	json_array_foreach(steps, i, s)
	{
		const char *w = jstr(s, "warning");
		if (w) {
			_cleanup_free_ char *e = term_escape(w);
			fprintf(stderr, "cirt: warning: %s\n", e);
		}
	}
	if (x->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "dry_run", json_boolean(dry_run));
		json_object_set(doc, "steps", steps);
		out_json(stdout, doc);
		json_decref(doc);
		return;
	}
	/* a failed step is what main reports on stderr: the table shows what was done */
	json_t *shown = json_array();
	json_array_foreach(steps, i, s)
	{
		const char *r = jstr(s, "result");
		if (!r || !streq(r, "failed"))
			json_array_append(shown, s);
	}
	if (json_array_size(shown))
		out_table(stdout, shown, step_cols, ARRAY_SIZE(step_cols));
	json_decref(shown);
	if (!dry_run)
		return;
	printf("\nwould change (nothing was changed):\n");
	json_array_foreach(steps, i, s)
	{
		json_t *chs = jarr(s, "changes");
		if (!json_array_size(chs))
			continue;
		_cleanup_free_ char *n = term_escape(jstr(s, "container"));
		printf("%s %s:\n", jstr(s, "action"), n);
		size_t k;
		json_t *ch;
		json_array_foreach(chs, k, ch)
		{
			print_change(stdout, ch);
		}
	}
}

static const struct out_col status_cols[] = {
    {"CONTAINER", "name"}, {"STATE", "state"},     {"ACTIONS", "actions"},   {"SINCE", "since"},
    {"HOLDS", "holds"},    {"DROPPED", "dropped"}, {"PROBLEMS", "problems"},
};

/* The containers of the state file's records (or the one named), loaded by id. ret_id: the
 * named one's id. */
static int load_for_records(struct ctx *x, const char *ref, struct host **ret, const char **ret_id)
{
	*ret_id = NULL;
	if (ref) {
		if (contain_load(x, (char *const *)&ref, 1, ret) < 0)
			return -1;
		if ((*ret)->n == 0) {
			_cleanup_free_ char *e = term_escape(ref);
			host_free(*ret);
			*ret = NULL;
			return err_set(&x->err, CIRT_EXIT_NOTFOUND, "no such container: '%s'", e);
		}
		*ret_id = (*ret)->c[0].id;
		return 0;
	}
	json_t *recs = NULL;
	if (contain_records(&recs, &x->err) < 0)
		return -1;
	char **ids = xcalloc(json_object_size(recs) + 1, sizeof(*ids));
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(recs, k, v)
	{
		ids[n++] = (char *)k;
	}
	int r = contain_load(x, ids, n, ret);
	free(ids);
	json_decref(recs);
	return r;
}

static int run_status(struct ctx *x, struct contain_env *e, const char *ref)
{
	_cleanup_host_ struct host *h = NULL;
	const char *id = NULL;
	if (load_for_records(x, ref, &h, &id) < 0)
		return -1;
	print_warnings(h);
	json_t *list = NULL;
	if (contain_status(e, h, id, &list, &x->err) < 0)
		return -1;
	bool holds = true;
	json_t *rows = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
	{
		if (!json_is_true(json_object_get(o, "holds")))
			holds = false;
		json_t *r = json_object();
		json_object_set(r, "name", json_object_get(o, "name"));
		json_object_set(r, "state", json_object_get(o, "container_state"));
		json_object_set(r, "since", json_object_get(o, "since"));
		json_object_set_new(
		    r, "holds",
		    json_string(json_is_true(json_object_get(o, "holds")) ? "yes" : "NO"));
		json_t *acts = json_array();
		struct buf pb = {0};
		json_t *dropped = json_null();
		size_t k;
		json_t *a;
		json_array_foreach(jarr(o, "actions"), k, a)
		{
			const char *t = jstr(a, "type");
			if (t && streq(t, "disconnect"))
				json_array_append_new(
				    acts,
				    json_sprintf("disconnect:%s",
				                 jstr(a, "network") ? jstr(a, "network") : "?"));
			else
				json_array_append_new(acts, json_str(t));
			size_t q;
			json_t *pr;
			json_array_foreach(jarr(a, "problems"), q, pr)
			{
				buf_printf(&pb, "%s%s", pb.len ? "; " : "",
				           json_string_value(pr) ? json_string_value(pr) : "");
			}
			if (json_object_get(a, "dropped_frames"))
				dropped = json_object_get(a, "dropped_frames");
		}
		json_object_set_new(r, "actions", acts);
		json_object_set(r, "dropped", dropped);
		json_object_set_new(r, "problems", pb.len ? json_str(buf_cstr(&pb)) : json_null());
		buf_free(&pb);
		json_array_append_new(rows, r);
	}
	if (x->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "holds", json_boolean(holds));
		json_object_set_new(doc, "contained", json_incref(list));
		out_json(stdout, doc);
		json_decref(doc);
	} else if (json_array_size(rows) == 0 && ref) {
		_cleanup_free_ char *en = term_escape(ref);
		printf("cirt keeps '%s' in no containment\n", en);
	} else if (json_array_size(rows) == 0)
		printf("cirt keeps no container contained\n");
	else
		out_table(stdout, rows, status_cols, ARRAY_SIZE(status_cols));
	json_decref(rows);
	json_decref(list);
	return holds ? 0 : 1;
}

static int contain_run(struct ctx *x, int argc, char **argv)
{
	struct contain_args a = {0};
	char **ops = xcalloc((size_t)argc + 1, sizeof(*ops));
	int nops = cmd_parse_mixed(x, &cmd_contain, argc, argv, on_opt, &a, ops, argc);
	int rc = -1;
	json_t *who = NULL, *steps = NULL;
	_cleanup_host_ struct host *h = NULL;
	if (nops < 0) {
		rc = nops;
		goto out;
	}
	bool action =
	    a.o.pause || a.o.isolate || a.o.stop || a.o.disconnect.n || a.o.disconnect_all;
	if (nops > 1) {
		cmd_usage(x, "contain: name one CONTAINER (got %d)", nops);
		goto out;
	}
	const char *ref = nops ? ops[0] : NULL;
	if (a.status && (action || a.reapply || a.dry_run)) {
		cmd_usage(x, "contain: --status only reports: no action with it");
		goto out;
	}
	if (a.reapply && action) {
		cmd_usage(x,
		          "contain: --reapply restores what was recorded: no new action with it");
		goto out;
	}
	if (a.o.allow_given && !a.o.isolate) {
		cmd_usage(x, "contain: --allow goes with --isolate");
		goto out;
	}
	if (a.o.disconnect.n && a.o.disconnect_all) {
		cmd_usage(x, "contain: --disconnect NET or --disconnect-all, not both");
		goto out;
	}
	if (!a.status && !a.reapply && !action) {
		cmd_usage(x, "contain: say what to do: --pause, --isolate, --disconnect NET, "
		             "--disconnect-all, --stop (or --status, --reapply)");
		goto out;
	}
	if (!a.status && !a.reapply && !ref) {
		cmd_usage(x, "contain: name the CONTAINER");
		goto out;
	}
	/* --status too: without CAP_NET_ADMIN every rule would look missing */
	if (!a.dry_run && geteuid() != 0) {
		err_set(&x->err, CIRT_EXIT_PERM,
		        "contain: must run as root (iptables, nft, conntrack, the state in "
		        "/var/lib/cirt)");
		goto out;
	}
	struct docker *d;
	if (ctx_docker(x, &d) < 0)
		goto out;
	who = audit_who(x->argc, x->argv);
	struct contain_env e = {
	    .d = d, .docker_host = x->host, .who = who, .dry_run = a.dry_run, .reason = a.reason};
	if (a.status) {
		rc = run_status(x, &e, ref);
		goto out;
	}
	steps = json_array();
	if (a.reapply) {
		const char *id = NULL;
		if (load_for_records(x, ref, &h, &id) < 0)
			goto out;
		print_warnings(h);
		rc = contain_reapply(&e, h, id, steps, &x->err);
	} else {
		struct container *c;
		if (contain_load(x, ops, 1, &h) < 0)
			goto out;
		if (h->n == 0) {
			_cleanup_free_ char *en = term_escape(ops[0]);
			err_set(&x->err, CIRT_EXIT_NOTFOUND, "no such container: '%s'", en);
			goto out;
		}
		c = &h->c[0];
		print_warnings(h);
		rc = contain_apply(&e, c, &a.o, steps, &x->err);
	}
	contain_print_steps(x, steps, a.dry_run);
out:
	free(ops);
	json_decref(steps);
	json_decref(who);
	strv_clear(&a.o.allow);
	strv_clear(&a.o.disconnect);
	return rc;
}

const struct cmd cmd_contain = {
    .name = "contain",
    .args = "[CONTAINER]",
    .summary = "pause, isolate, disconnect or stop a container; recorded and audited, undone by "
               "'cirt release'",
    .opts = contain_opts,
    .run = contain_run,
};
