/* contain.c: `cirt contain`: pause, isolate, disconnect or stop a container (recorded, audited,
 * undone by `cirt release`); --status checks that it still holds, --reapply restores it. */
#include "cmd/cmd.h"
#include "cmd/contain.h"
#include "contain/audit.h"
#include "contain/contain.h"
#include "contain/load.h"
#include "escape.h"
#include "output/contain.h"

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
int contain_load(struct ctx *x, char *const *refs, size_t n, struct host **ret)
{
	struct docker *d;
	if (ctx_docker(x, &d) < 0)
		return -1;
	return contain_host_load(d, refs, n, ret, &x->err);
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
	contain_out_steps(stdout, steps, dry_run, x->json);
}

static int run_status(struct ctx *x, struct contain_env *e, const char *ref)
{
	_cleanup_host_ struct host *h = NULL;
	const char *id = NULL;
	if (contain_host_for_records(e->d, ref, &h, &id, &x->err) < 0)
		return -1;
	print_warnings(h);
	json_t *list = NULL;
	if (contain_status(e, h, id, &list, &x->err) < 0)
		return -1;
	bool holds = contain_out_status(stdout, list, ref, x->json);
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
		if (contain_host_for_records(e.d, ref, &h, &id, &x->err) < 0)
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
