/* release.c: `cirt release`: undo what `cirt contain` did, exactly and in reverse order. */
#include "cmd/cmd.h"
#include "cmd/contain.h"
#include "contain/audit.h"
#include "contain/contain.h"
#include "escape.h"

struct release_args {
	bool all, dry_run;
	const char *reason;
};

static const struct cmd_opt release_opts[] = {
    OPT_BOOL("all", 0, "release every container cirt keeps contained", struct release_args, all),
    OPT_BOOL("dry-run", 0, "print exactly what would change and change nothing",
             struct release_args, dry_run),
    OPT_STR("reason", 0, "TEXT", "why (recorded in the audit log)", struct release_args, reason),
    {0},
};

/* A reference that the daemon no longer knows may still name a record (a removed container). */
static const char *record_by_ref(json_t *recs, const char *ref, struct cirt_err *err)
{
	const char *k, *found = NULL;
	json_t *r;
	size_t n = 0;
	json_object_foreach(recs, k, r)
	{
		const char *nm = json_string_value(json_object_get(r, "name"));
		if (streq(k, ref) || (nm && streq(nm, ref[0] == '/' ? ref + 1 : ref)))
			return k;
		if (strlen(ref) >= 3 && startswith(k, ref)) {
			found = k;
			n++;
		}
	}
	_cleanup_free_ char *e = term_escape(ref);
	if (n > 1) {
		err_set(err, CIRT_EXIT_NOTFOUND,
		        "'%s' is ambiguous: %zu contained containers have ids starting with it", e,
		        n);
		return NULL;
	}
	if (!found)
		err_set(err, CIRT_EXIT_NOTFOUND, "no such container: '%s'", e);
	return found;
}

static int release_run(struct ctx *x, int argc, char **argv)
{
	struct release_args a = {0};
	_cleanup_free_ char **ops = xcalloc((size_t)argc + 1, sizeof(*ops));
	int nops = cmd_parse_mixed(x, &cmd_release, argc, argv, NULL, &a, ops, argc);
	if (nops < 0)
		return nops;
	if (a.all && nops)
		return cmd_usage(x, "release: CONTAINER or --all, not both");
	if (!a.all && !nops)
		return cmd_usage(x, "release: name a CONTAINER (or --all)");
	if (!a.dry_run && geteuid() != 0)
		return err_set(
		    &x->err, CIRT_EXIT_PERM,
		    "release: must run as root (iptables, nft, the state in /var/lib/cirt)");
	struct docker *d;
	if (ctx_docker(x, &d) < 0)
		return -1;
	_cleanup_host_ struct host *h = NULL;
	if (contain_load(x, ops, (size_t)nops, &h) < 0) {
		/* the daemon is down: rules can still go (the state file names the containers);
		 * what needs the daemon fails in its step */
		if (x->err.code != CIRT_EXIT_UNREACHABLE && x->err.code != CIRT_EXIT_TIMEOUT)
			return -1;
		_cleanup_free_ char *m = term_escape(x->err.msg);
		fprintf(stderr, "cirt: warning: %s: working from the state file\n", m);
		memset(&x->err, 0, sizeof(x->err));
		h = xcalloc(1, sizeof(*h));
	}
	print_warnings(h);
	json_t *recs = NULL;
	if (contain_records(&recs, &x->err) < 0)
		return -1;
	/* resolve every name first: a typo must not leave half of the list released */
	json_t *todo = json_array();
	int rc = 0;
	if (a.all) {
		const char *k;
		json_t *r;
		json_object_foreach(recs, k, r)
		{
			json_array_append_new(todo, json_string(k));
		}
	}
	for (int k = 0; k < nops && rc == 0; k++) {
		struct container *c = NULL;
		struct cirt_err e1 = {0};
		if (host_find(h, ops[k], &c, &e1) == 0) {
			json_array_append_new(todo, json_string(c->id));
			continue;
		}
		/* the daemon does not know it (removed): the state file may */
		const char *id = record_by_ref(recs, ops[k], &x->err);
		if (!id) {
			rc = -1;
			break;
		}
		json_array_append_new(todo, json_string(id));
	}
	json_t *who = audit_who(x->argc, x->argv);
	json_t *steps = json_array();
	struct contain_env e = {
	    .d = d, .docker_host = x->host, .who = who, .dry_run = a.dry_run, .reason = a.reason};
	size_t n;
	json_t *jid;
	json_array_foreach(todo, n, jid)
	{
		if (rc < 0)
			break;
		const char *id = json_string_value(jid);
		struct container *c = NULL;
		struct cirt_err e1 = {0};
		if (host_find(h, id, &c, &e1) < 0)
			c = NULL;
		rc = contain_release(&e, id, c ? c->name : NULL, c, steps, &x->err);
	}
	if (a.all && json_array_size(todo) == 0 && !x->json)
		printf("cirt keeps no container contained: nothing to release\n");
	else
		contain_print_steps(x, steps, a.dry_run);
	json_decref(steps);
	json_decref(who);
	json_decref(todo);
	json_decref(recs);
	return rc;
}

const struct cmd cmd_release = {
    .name = "release",
    .args = "CONTAINER...|--all",
    .summary = "undo what 'cirt contain' did, in reverse order: remove exactly its rules, unpause, "
               "reconnect with the same address",
    .opts = release_opts,
    .run = release_run,
};
