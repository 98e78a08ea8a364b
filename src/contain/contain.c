/* contain.c: pause, isolate, disconnect and stop a container; release undoes exactly that, in
 * reverse order; status and reapply check and restore what no longer holds. */
#include "contain/contain.h"

#include <fcntl.h>
#include <time.h>

#include "contain/audit.h"
#include "contain/ctcut.h"
#include "contain/state.h"
#include "escape.h"
#include "sources/procfs.h"

/* ------------------------------------------------------------------ small helpers */

static char *now_utc(void)
{
	char b[64];
	return xstrdup(fmt_utc((long long)time(NULL), b, sizeof(b)));
}

static json_t *strv_json(const struct strv *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(a, json_str(s->v[i]));
	return a;
}

static void json_strv(json_t *a, struct strv *out)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		if (json_is_string(v))
			strv_add(out, json_string_value(v));
	}
}

static json_t *step_new(const char *id, const char *name, const char *action)
{
	json_t *s = json_object();
	json_object_set_new(s, "container", json_str(name));
	json_object_set_new(s, "id", json_str(id));
	json_object_set_new(s, "action", json_string(action));
	json_object_set_new(s, "changes", json_array());
	return s;
}

static void step_set(json_t *s, const char *result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void step_set(json_t *s, const char *result, const char *fmt, ...)
{
	json_object_set_new(s, "result", json_string(result));
	va_list ap;
	va_start(ap, fmt);
	char *d = xvasprintf(fmt, ap);
	va_end(ap);
	json_object_set_new(s, "detail", json_str(d ? d : ""));
	free(d);
}

static json_t *step_changes(json_t *s)
{
	return json_object_get(s, "changes");
}

/* Record the step in the audit log (never for a dry run: it changes nothing). */
static int audit_step(struct contain_env *e, json_t *step, const char *error, struct cirt_err *err)
{
	if (e->dry_run)
		return 0;
	json_t *a = json_object();
	json_object_set(a, "action", json_object_get(step, "action"));
	json_t *c = json_object();
	json_object_set(c, "id", json_object_get(step, "id"));
	json_object_set(c, "name", json_object_get(step, "container"));
	json_object_set_new(a, "container", c);
	json_object_set_new(a, "reason", json_str(e->reason));
	json_object_set(a, "result", json_object_get(step, "result"));
	json_object_set(a, "detail", json_object_get(step, "detail"));
	json_object_set(a, "changes", step_changes(step));
	if (error)
		json_object_set_new(a, "error", json_str(error));
	int r = audit_append(e->who, a, err);
	json_decref(a);
	return r;
}

/* A failed step: recorded as such (result, error, audit), then the error goes up. */
static int step_fail(struct contain_env *e, json_t *steps, json_t *step, struct cirt_err *err)
{
	step_set(step, "failed", "%s", err->msg);
	json_array_append(steps, step);
	struct cirt_err ae = {0};
	audit_step(e, step, err->msg, &ae);
	json_decref(step);
	return -1;
}

static int step_done(struct contain_env *e, json_t *steps, json_t *step, struct cirt_err *err)
{
	json_array_append(steps, step);
	int r = audit_step(e, step, NULL, err);
	json_decref(step);
	return r;
}

static json_t *api_change(const char *method, const char *path, json_t *body)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string("api"));
	json_object_set_new(o, "method", json_string(method));
	json_object_set_new(o, "path", json_string(path));
	if (body)
		json_object_set(o, "body", body);
	return o;
}

/* POST to the daemon (recorded in changes). Returns the HTTP status, -1 on a transport error.
 * ret_msg gets the daemon's message for a non-2xx status. */
static long api_post(struct docker *d, const char *path, json_t *body, json_t *changes,
                     char **ret_msg, struct cirt_err *err)
{
	if (changes)
		json_array_append_new(changes, api_change("POST", path, body));
	_cleanup_free_ char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	long status = 0;
	struct buf b = {0};
	if (docker_request(d, "POST", path, s, &status, &b, err) < 0)
		return -1;
	if (ret_msg)
		*ret_msg = NULL;
	if ((status < 200 || status >= 300) && ret_msg) {
		json_t *j = b.len ? json_loadb(b.data, b.len, 0, NULL) : NULL;
		const char *m = jstr(j, "message");
		*ret_msg = xstrdup(m ? m : (b.len ? b.data : ""));
		json_decref(j);
	}
	buf_free(&b);
	return status;
}

static int api_error(struct cirt_err *err, long status, const char *what, const char *msg)
{
	return err_set(err, status == 404 ? CIRT_EXIT_NOTFOUND : CIRT_EXIT_DAEMON,
	               "%s: daemon: %s (HTTP %ld)", what, msg && *msg ? msg : "error", status);
}

/* A step's daemon call: in a dry run only recorded in the step's changes (returns 0); otherwise
 * posted and checked (returns 1, or -1 with err set). 304 ("already so") counts as done when
 * ok_304 is set. */
static int step_post(struct contain_env *e, struct docker *d, json_t *step, const char *path,
                     const char *what, bool ok_304, struct cirt_err *err)
{
	if (e->dry_run) {
		json_array_append_new(step_changes(step), api_change("POST", path, NULL));
		return 0;
	}
	_cleanup_free_ char *msg = NULL;
	long st = api_post(d, path, NULL, step_changes(step), &msg, err);
	if (st < 0)
		return -1;
	if (!(ok_304 && st == 304) && (st < 200 || st >= 300))
		return api_error(err, st, what, msg);
	return 1;
}

static int inspect(struct docker *d, const char *id, json_t **ret, struct cirt_err *err)
{
	_cleanup_free_ char *p = xasprintf("/containers/%s/json", id);
	return docker_get_json(d, p, ret, err);
}

char *freezer_state(int pid)
{
	if (pid <= 0)
		return NULL;
	_cleanup_free_ char *cg = NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_file_max(AT_FDCWD, path, 1 << 16, &cg, NULL) < 0 || !cg)
		return NULL;
	char *v1 = NULL, *v2 = NULL;
	for (char *line = strtok(cg, "\n"); line; line = strtok(NULL, "\n")) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (streq(c1 + 1, "freezer"))
			v1 = c2 + 1;
		else if (streq(c1 + 1, "") && startswith(line, "0:"))
			v2 = c2 + 1;
	}
	char *out = NULL;
	if (v1 && !strstr(v1, "..")) {
		_cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/freezer%s/freezer.state", v1);
		if (read_file_max(AT_FDCWD, p, 64, &out, NULL) == 0 && out)
			out[strcspn(out, "\n")] = '\0';
		return out;
	}
	if (v2 && !strstr(v2, "..")) {
		_cleanup_free_ char *p = xasprintf("/sys/fs/cgroup%s/cgroup.events", v2);
		_cleanup_free_ char *ev = NULL;
		if (read_file_max(AT_FDCWD, p, 4096, &ev, NULL) == 0 && ev) {
			char *f = strstr(ev, "frozen ");
			if (f)
				return xstrdup(f[7] == '1' ? "FROZEN" : "THAWED");
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ state transactions */

/* The lock and the loaded state, for one command. */
struct txn {
	int lock;
	json_t *doc;
};

static int txn_begin(struct contain_env *e, struct txn *t, struct cirt_err *err)
{
	t->lock = -1;
	t->doc = NULL;
	/* a dry run takes no lock and creates nothing: it only reads */
	if (!e->dry_run && (t->lock = state_lock(err)) < 0)
		return -1;
	if (state_load(&t->doc, err) < 0) {
		if (t->lock >= 0)
			close(t->lock);
		return -1;
	}
	return 0;
}

static int txn_save(struct contain_env *e, struct txn *t, struct cirt_err *err)
{
	if (e->dry_run)
		return 0;
	return state_save(t->doc, err);
}

static void txn_end(struct txn *t)
{
	json_decref(t->doc);
	if (t->lock >= 0)
		close(t->lock);
}

static json_t *action_new(struct contain_env *e, const char *type)
{
	json_t *a = json_object();
	json_object_set_new(a, "type", json_string(type));
	_cleanup_free_ char *t = now_utc();
	json_object_set_new(a, "at", json_string(t));
	json_object_set_new(a, "reason", json_str(e->reason));
	return a;
}

static void record_action(json_t *doc, const struct container *c, json_t *action)
{
	json_t *rec = state_get(doc, c->id);
	if (!rec) {
		rec = state_get_or_add(doc, c->id, c->name);
		json_object_set(rec, "since", json_object_get(action, "at"));
	}
	json_object_set_new(rec, "name", json_str(c->name));
	json_array_append_new(json_object_get(rec, "actions"), action);
}

/* Remove action number idx from the record; the record goes when it has no action left. */
static void drop_action(json_t *doc, const char *id, int idx)
{
	json_t *rec = state_get(doc, id);
	if (!rec || idx < 0)
		return;
	json_array_remove(json_object_get(rec, "actions"), (size_t)idx);
	if (json_array_size(json_object_get(rec, "actions")) == 0)
		state_del(doc, id);
}

/* ------------------------------------------------------------------ pause */

static int do_pause(struct contain_env *e, struct txn *t, struct container *c, json_t *steps,
                    struct cirt_err *err)
{
	json_t *step = step_new(c->id, c->name, "pause");
	json_t *rec = state_get(t->doc, c->id);
	json_t *have = state_action(rec, "pause");
	if (!c->running && !c->paused) {
		err_set(err, CIRT_EXIT_RUNTIME, "pause '%s': it is not running (state %s)", c->name,
		        c->state);
		return step_fail(e, steps, step, err);
	}
	if (c->paused) {
		if (have)
			step_set(step, "already", "already paused by cirt since %s",
			         json_string_value(json_object_get(have, "at")));
		else if (e->dry_run)
			step_set(step, "would record",
			         "already paused, not by cirt: release would leave it paused");
		else {
			json_t *a = action_new(e, "pause");
			json_object_set_new(a, "by_cirt", json_false());
			record_action(t->doc, c, a);
			if (txn_save(e, t, err) < 0)
				return step_fail(e, steps, step, err);
			step_set(step, "recorded",
			         "already paused, not by cirt: release will leave it paused");
		}
		return step_done(e, steps, step, err);
	}
	_cleanup_free_ char *path = xasprintf("/containers/%s/pause", c->id);
	int r = step_post(e, e->d, step, path, "pause", false, err);
	if (r < 0)
		return step_fail(e, steps, step, err);
	if (r == 0) {
		step_set(step, "would apply",
		         "freeze every process (cgroup freezer) through the daemon");
		return step_done(e, steps, step, err);
	}
	json_t *a = action_new(e, "pause");
	json_object_set_new(a, "by_cirt", json_true());
	if (have)
		drop_action(t->doc, c->id, state_action_index(rec, "pause"));
	record_action(t->doc, c, a);
	if (txn_save(e, t, err) < 0)
		return step_fail(e, steps, step, err);
	_cleanup_free_ char *fz = freezer_state(c->pid);
	step_set(step, have ? "re-applied" : "applied", "processes frozen (freezer: %s)",
	         fz ? fz : "unknown");
	return step_done(e, steps, step, err);
}

/* ------------------------------------------------------------------ isolate */

/* The spec from the container as it is now, with the given allow list. */
static int build_spec(const struct container *c, const struct strv *allow, struct iso_spec *s,
                      struct cirt_err *err)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", c->id);
	for (size_t i = 0; i < c->n_eps; i++) {
		const struct endpoint *ep = &c->eps[i];
		char a[64];
		if (!ep->ipv4 && !ep->ipv6)
			continue;
		if (!ep->veth) {
			iso_spec_clear(s);
			return err_set(err, CIRT_EXIT_RUNTIME,
			               "isolate '%s': no host-side veth found for network '%s' "
			               "(cirt isolates bridge networks)",
			               c->name, ep->network ? ep->network : "?");
		}
		if (!fw_ifname_ok(ep->veth)) {
			iso_spec_clear(s);
			return err_set(err, CIRT_EXIT_RUNTIME,
			               "isolate '%s': unusual interface name on network '%s'",
			               c->name, ep->network ? ep->network : "?");
		}
		if (!strv_has(&s->veths, ep->veth))
			strv_add(&s->veths, ep->veth);
		if (ep->ipv4 && ip_normalize(ep->ipv4, a, sizeof(a)) && !strv_has(&s->addr4, a))
			strv_add(&s->addr4, a);
		if (ep->ipv6 && ip_normalize(ep->ipv6, a, sizeof(a)) && !strv_has(&s->addr6, a))
			strv_add(&s->addr6, a);
	}
	for (size_t i = 0; allow && i < allow->n; i++) {
		char n[80];
		bool v6 = false;
		if (!fw_cidr_normalize(allow->v[i], n, sizeof(n), &v6))
			continue;
		strv_add(v6 ? &s->allow6 : &s->allow4, n);
	}
	s->physdev = fw_br_netfilter();
	return 0;
}

/* Why a container cannot be isolated at all (NULL when it can). */
static int isolate_refusal(const struct container *c, struct cirt_err *err)
{
	switch (c->mode) {
	case NETMODE_HOST:
		return err_set(err, CIRT_EXIT_USAGE,
		               "isolate '%s': it uses the host's network stack (--network host): "
		               "isolating it would isolate the host; use --pause or --stop",
		               c->name);
	case NETMODE_CONTAINER:
		return err_set(err, CIRT_EXIT_USAGE,
		               "isolate '%s': it shares the network namespace of '%s': isolate "
		               "that container instead (it cuts both)",
		               c->name, c->mode_target_name ? c->mode_target_name : c->mode_target);
	default:
		break;
	}
	if (!c->running)
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "isolate '%s': it is not running (state %s): nothing to isolate",
		               c->name, c->state);
	return 0;
}

static bool has_line(const struct strv *lines, const char *hook, const char *frag)
{
	_cleanup_free_ char *pre = xasprintf("-A %s ", hook);
	_cleanup_free_ char *f = xasprintf("%s ", frag);
	for (size_t i = 0; i < lines->n; i++)
		if (startswith(lines->v[i], pre) && strstr(lines->v[i], f))
			return true;
	return false;
}

static void problem(json_t *problems, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(json_t *problems, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	if (s)
		json_array_append_new(problems, json_str(s));
	free(s);
}

static unsigned long long sum_counters(const char *listing)
{
	unsigned long long n = 0;
	for (const char *p = listing; p && (p = strstr(p, "counter packets ")); p++)
		n += strtoull(p + strlen("counter packets "), NULL, 10);
	return n;
}

/* Are the rules for this spec in place? Problems are appended; returns true when none. */
static bool isolation_present(const struct iso_spec *s, enum fw_backend b, json_t *problems,
                              json_t *info)
{
	size_t before = json_array_size(problems);
	_cleanup_free_ char *l2 = fw_nft_list("bridge", s->id);
	if (!l2)
		problem(problems,
		        "nft table bridge cirt-%.12s is missing: same-bridge and veth traffic is "
		        "not blocked",
		        s->id);
	else {
		for (size_t i = 0; i < s->veths.n; i++) {
			_cleanup_free_ char *q = xasprintf("\"%s\"", s->veths.v[i]);
			if (!strstr(l2, q))
				problem(problems,
				        "the bridge rules do not name the container's veth %s (it "
				        "changed?)",
				        s->veths.v[i]);
		}
		if (info)
			json_object_set_new(info, "dropped_frames",
			                    json_integer((json_int_t)sum_counters(l2)));
	}
	if (b == FW_IPTABLES) {
		struct strv lines = {0}, chain_rules = {0};
		bool chain = false;
		struct cirt_err e2 = {0};
		_cleanup_free_ char *cn = fw_chain(s->id);
		if (fw_ipt_scan(s->id, &lines, &chain, &chain_rules, &e2) < 0)
			problem(problems, "cannot read iptables: %s", e2.msg);
		else if (!chain)
			problem(problems, "iptables chain %s is missing", cn);
		else {
			bool drop = false;
			for (size_t i = 0; i < chain_rules.n; i++)
				if (strstr(chain_rules.v[i], "-j DROP"))
					drop = true;
			if (!drop)
				problem(problems, "iptables chain %s has no DROP rule", cn);
			for (size_t i = 0; i < s->addr4.n; i++) {
				_cleanup_free_ char *src = xasprintf("-s %s/32", s->addr4.v[i]);
				_cleanup_free_ char *dst = xasprintf("-d %s/32", s->addr4.v[i]);
				if (!has_line(&lines, "DOCKER-USER", src) ||
				    !has_line(&lines, "DOCKER-USER", dst) ||
				    !has_line(&lines, "INPUT", src) ||
				    !has_line(&lines, "OUTPUT", dst))
					problem(problems,
					        "iptables jumps for address %s are missing "
					        "(address changed?)",
					        s->addr4.v[i]);
			}
			for (size_t i = 0; s->physdev && i < s->veths.n; i++) {
				_cleanup_free_ char *m =
				    xasprintf("--physdev-in %s", s->veths.v[i]);
				if (!has_line(&lines, "DOCKER-USER", m))
					problem(problems, "iptables jump for veth %s is missing",
					        s->veths.v[i]);
			}
		}
		strv_clear(&lines);
		strv_clear(&chain_rules);
	} else {
		_cleanup_free_ char *l3 = fw_nft_list("inet", s->id);
		if (!l3)
			problem(problems, "nft table inet cirt-%.12s is missing", s->id);
		else {
			const struct strv *all[2] = {&s->addr4, &s->addr6};
			for (int k = 0; k < 2; k++)
				for (size_t i = 0; i < all[k]->n; i++)
					if (!strstr(l3, all[k]->v[i]))
						problem(problems,
						        "the nft rules do not name address %s "
						        "(address changed?)",
						        all[k]->v[i]);
		}
	}
	return json_array_size(problems) == before;
}

/* Apply L2 then L3 (each atomic); roll back L2 when L3 fails: isolation is all or nothing. */
static void note_created_chains(json_t *doc, const struct strv *created)
{
	json_t *a = json_object_get(doc, "created_base_chains");
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(doc, "created_base_chains", a);
	}
	for (size_t i = 0; i < created->n; i++) {
		bool have = false;
		size_t k;
		json_t *v;
		json_array_foreach(a, k, v)
		{
			if (json_string_value(v) && streq(json_string_value(v), created->v[i]))
				have = true;
		}
		if (!have)
			json_array_append_new(a, json_string(created->v[i]));
	}
}

/* Base chains iptables-nft created for our jumps go when they are empty again, so the ruleset
 * after the last release is the ruleset before the first isolation. */
static void drop_created_chains(struct contain_env *e, json_t *doc, json_t *changes)
{
	json_t *a = json_object_get(doc, "created_base_chains");
	for (size_t i = json_array_size(a); i-- > 0;) {
		const char *n = json_string_value(json_array_get(a, i));
		if (n && fw_base_chain_drop_if_empty(n, e->dry_run, changes) && !e->dry_run)
			json_array_remove(a, i);
	}
	if (a && !json_array_size(a))
		json_object_del(doc, "created_base_chains");
}

static int isolation_install(struct contain_env *e, struct txn *t, const struct iso_spec *s,
                             enum fw_backend b, json_t *changes, struct cirt_err *err)
{
	struct strv created = {0};
	if (b == FW_IPTABLES)
		fw_base_chains_missing(&created);
	_cleanup_free_ char *l2 = fw_nft_l2_text(s);
	json_array_append_new(changes, fw_change("nft", l2));
	_cleanup_free_ char *l3 = NULL;
	if (b == FW_IPTABLES) {
		struct strv existing = {0};
		bool chain = false;
		if (fw_ipt_scan(s->id, &existing, &chain, NULL, err) < 0) {
			strv_clear(&existing);
			return -1;
		}
		l3 = fw_ipt_apply_text(s, &existing);
		strv_clear(&existing);
		json_array_append_new(changes, fw_change("iptables-restore", l3));
	} else {
		l3 = fw_nft_l3_text(s);
		json_array_append_new(changes, fw_change("nft", l3));
	}
	if (e->dry_run) {
		strv_clear(&created);
		return 0;
	}
	if (fw_nft_apply(l2, err) < 0) {
		strv_clear(&created);
		return err_prefix(err, "bridge rules");
	}
	int r = b == FW_IPTABLES ? fw_ipt_restore(l3, err) : fw_nft_apply(l3, err);
	if (r < 0) {
		_cleanup_free_ char *undo = fw_nft_remove_text("bridge", s->id);
		struct cirt_err e2 = {0};
		fw_nft_apply(undo, &e2);
		strv_clear(&created);
		return err_prefix(err, "address rules (bridge rules rolled back)");
	}
	note_created_chains(t->doc, &created);
	strv_clear(&created);
	return 0;
}

static json_t *isolate_record(struct contain_env *e, const struct iso_spec *s, enum fw_backend b,
                              const struct strv *allow, const struct container *c)
{
	json_t *a = action_new(e, "isolate");
	json_object_set_new(a, "backend", json_string(fw_backend_name(b)));
	json_object_set_new(a, "allow", strv_json(allow));
	json_object_set_new(a, "veths", strv_json(&s->veths));
	json_t *addrs = strv_json(&s->addr4);
	json_t *a6 = strv_json(&s->addr6);
	json_array_extend(addrs, a6);
	json_decref(a6);
	json_object_set_new(a, "addresses", addrs);
	json_object_set_new(a, "physdev", json_boolean(s->physdev));
	_cleanup_free_ char *chain = fw_chain(c->id);
	_cleanup_free_ char *table = fw_table(c->id);
	json_object_set_new(a, "iptables_chain",
	                    b == FW_IPTABLES ? json_string(chain) : json_null());
	json_t *tables = json_array();
	json_array_append_new(tables, json_sprintf("bridge %s", table));
	if (b == FW_NFT)
		json_array_append_new(tables, json_sprintf("inet %s", table));
	json_object_set_new(a, "nft_tables", tables);
	json_object_set_new(a, "pid", json_integer(c->pid));
	return a;
}

static bool strv_eq(const struct strv *a, const struct strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!strv_has(b, a->v[i]))
			return false;
	return true;
}

static int do_isolate(struct contain_env *e, struct txn *t, struct container *c,
                      const struct contain_opts *o, json_t *steps, struct cirt_err *err)
{
	json_t *step = step_new(c->id, c->name, "isolate");
	if (c->mode == NETMODE_NONE) {
		step_set(step, "skipped", "no network (--network none): nothing to isolate");
		return step_done(e, steps, step, err);
	}
	if (isolate_refusal(c, err) < 0)
		return step_fail(e, steps, step, err);
	json_t *rec = state_get(t->doc, c->id);
	json_t *have = state_action(rec, "isolate");
	enum fw_backend b;
	if (have) {
		int hb = fw_backend_parse(jstr(have, "backend") ? jstr(have, "backend") : "");
		b = hb > 0 ? (enum fw_backend)hb : FW_IPTABLES;
		if (o->backend != FW_AUTO && o->backend != b) {
			err_set(err, CIRT_EXIT_USAGE,
			        "isolate '%s': already isolated with the %s backend: release it "
			        "first to switch",
			        c->name, fw_backend_name(b));
			return step_fail(e, steps, step, err);
		}
	} else
		b = o->backend != FW_AUTO ? o->backend : fw_detect();
	struct strv allow = {0}, had = {0};
	if (have)
		json_strv(jarr(have, "allow"), &had);
	for (size_t i = 0; i < (o->allow_given ? o->allow.n : had.n); i++)
		strv_add(&allow, o->allow_given ? o->allow.v[i] : had.v[i]);
	struct iso_spec s;
	if (build_spec(c, &allow, &s, err) < 0) {
		strv_clear(&allow);
		strv_clear(&had);
		return step_fail(e, steps, step, err);
	}
	if (s.veths.n == 0) {
		iso_spec_clear(&s);
		strv_clear(&allow);
		strv_clear(&had);
		step_set(step, "skipped",
		         "no network endpoint with an address: nothing to isolate");
		return step_done(e, steps, step, err);
	}
	_cleanup_free_ char *addrs = NULL, *veths = NULL, *allows = NULL;
	{
		struct buf ab = {0}, vb = {0}, lb = {0};
		for (size_t i = 0; i < s.addr4.n; i++)
			buf_printf(&ab, "%s%s", ab.len ? ", " : "", s.addr4.v[i]);
		for (size_t i = 0; i < s.addr6.n; i++)
			buf_printf(&ab, "%s%s", ab.len ? ", " : "", s.addr6.v[i]);
		for (size_t i = 0; i < s.veths.n; i++)
			buf_printf(&vb, "%s%s", vb.len ? ", " : "", s.veths.v[i]);
		for (size_t i = 0; i < allow.n; i++)
			buf_printf(&lb, "%s%s", lb.len ? ", " : "", allow.v[i]);
		addrs = xstrdup(ab.len ? buf_cstr(&ab) : "-");
		veths = xstrdup(vb.len ? buf_cstr(&vb) : "-");
		allows = xstrdup(lb.len ? buf_cstr(&lb) : "nothing");
		buf_free(&ab);
		buf_free(&vb);
		buf_free(&lb);
	}
	bool same_allow = have && strv_eq(&allow, &had);
	strv_clear(&had);
	if (same_allow) {
		json_t *probs = json_array();
		bool ok = isolation_present(&s, b, probs, NULL);
		json_decref(probs);
		if (ok) {
			step_set(step, "already",
			         "already isolated since %s (%s on %s; allowed: %s)",
			         jstr(have, "at") ? jstr(have, "at") : "?", addrs, veths, allows);
			iso_spec_clear(&s);
			strv_clear(&allow);
			return step_done(e, steps, step, err);
		}
	}
	if (isolation_install(e, t, &s, b, step_changes(step), err) < 0) {
		iso_spec_clear(&s);
		strv_clear(&allow);
		return step_fail(e, steps, step, err);
	}
	/* the rules are in place: now the existing flows can go without coming back */
	size_t cut = 0;
	struct cirt_err ce = {0};
	bool cut_ok = ctcut_run(&s, e->dry_run, &cut, &ce) == 0;
	json_t *cc = json_object();
	json_object_set_new(cc, "kind", json_string("conntrack"));
	json_t *mine = strv_json(&s.addr4), *mine6 = strv_json(&s.addr6);
	json_array_extend(mine, mine6);
	json_decref(mine6);
	json_object_set_new(cc, "delete_flows_of", mine);
	json_object_set_new(cc, "except_peers_in", strv_json(&allow));
	json_object_set_new(cc, "flows", json_integer((json_int_t)cut));
	if (!cut_ok)
		json_object_set_new(cc, "error", json_str(ce.msg));
	json_array_append_new(step_changes(step), cc);
	const char *verb = e->dry_run ? "would apply" : (have ? "re-applied" : "applied");
	_cleanup_free_ char *cuts =
	    cut_ok ? xasprintf("%s %zu connection%s", e->dry_run ? "would cut" : "cut", cut,
	                       cut == 1 ? "" : "s")
	           : xasprintf("could not cut existing connections: %s", ce.msg);
	step_set(
	    step, verb,
	    "%s all traffic of %s (veth %s) both ways, allowed: %s; rules: %s + nft bridge; %s",
	    e->dry_run ? "would block" : "blocked", addrs, veths, allows, fw_backend_name(b), cuts);
	if (!e->dry_run) {
		json_t *a = isolate_record(e, &s, b, &allow, c);
		json_object_set_new(a, "connections_cut", json_integer((json_int_t)cut));
		int idx = state_action_index(rec, "isolate");
		if (idx >= 0)
			json_array_set_new(json_object_get(rec, "actions"), (size_t)idx, a);
		else
			record_action(t->doc, c, a);
		if (txn_save(e, t, err) < 0) {
			iso_spec_clear(&s);
			strv_clear(&allow);
			return step_fail(e, steps, step, err);
		}
	}
	iso_spec_clear(&s);
	strv_clear(&allow);
	return step_done(e, steps, step, err);
}

/* ------------------------------------------------------------------ disconnect */

/* What the daemon needs to reconnect the same way: the address (as a static request), aliases
 * without the automatic short-id alias, links, driver options. */
static json_t *endpoint_config(json_t *ep, const char *netname, const char *id)
{
	json_t *cfg = json_object();
	bool user_net = !streq(netname, "bridge");
	json_t *ipam = json_object();
	json_t *orig = jobj(ep, "IPAMConfig");
	if (orig)
		json_object_update(ipam, orig);
	const char *ip4 = jstr(ep, "IPAddress"), *ip6 = jstr(ep, "GlobalIPv6Address");
	if (user_net && ip4 && *ip4)
		json_object_set_new(ipam, "IPv4Address", json_string(ip4));
	if (user_net && ip6 && *ip6)
		json_object_set_new(ipam, "IPv6Address", json_string(ip6));
	if (json_object_size(ipam))
		json_object_set_new(cfg, "IPAMConfig", ipam);
	else
		json_decref(ipam);
	json_t *al = jarr(ep, "Aliases");
	if (user_net && al) {
		json_t *keep = json_array();
		size_t i;
		json_t *v;
		json_array_foreach(al, i, v)
		{
			const char *s = json_string_value(v);
			if (s && !(strlen(s) == 12 && startswith(id, s)))
				json_array_append(keep, v);
		}
		if (json_array_size(keep))
			json_object_set_new(cfg, "Aliases", keep);
		else
			json_decref(keep);
	}
	json_t *links = jarr(ep, "Links");
	if (links && json_array_size(links))
		json_object_set(cfg, "Links", links);
	json_t *dopts = jobj(ep, "DriverOpts");
	if (dopts && json_object_size(dopts))
		json_object_set(cfg, "DriverOpts", dopts);
	const char *mac = jstr(ep, "MacAddress");
	if (mac && *mac)
		json_object_set_new(cfg, "MacAddress", json_string(mac));
	return cfg;
}

static json_t *find_disconnect(json_t *rec, const char *net)
{
	json_t *acts = json_object_get(rec, "actions");
	size_t i;
	json_t *a;
	json_array_foreach(acts, i, a)
	{
		const char *t = jstr(a, "type"), *n = jstr(a, "network"),
		           *nid = jstr(a, "network_id");
		if (t && streq(t, "disconnect") &&
		    ((n && streq(n, net)) || (nid && strlen(net) >= 3 && startswith(nid, net))))
			return a;
	}
	return NULL;
}

static int disconnect_one(struct contain_env *e, struct txn *t, struct container *c,
                          const char *net, json_t *ep, json_t *steps, struct cirt_err *err)
{
	json_t *step = step_new(c->id, c->name, "disconnect");
	const char *nid = jstr(ep, "NetworkID");
	if (!nid || !*nid || strchr(nid, '/') || strchr(nid, '?')) {
		err_set(err, CIRT_EXIT_BADANSWER,
		        "disconnect '%s': the daemon gave no usable id for network '%s'", c->name,
		        net);
		return step_fail(e, steps, step, err);
	}
	const char *ip = jstr(ep, "IPAddress");
	json_object_set_new(
	    step, "warning",
	    json_sprintf(
	        "disconnecting '%s' from '%s' destroys its veth: interface counters and the "
	        "host side of its traffic are gone for good",
	        c->name, net));
	_cleanup_free_ char *path = xasprintf("/networks/%s/disconnect", nid);
	json_t *body = json_pack("{s:s, s:b}", "Container", c->id, "Force", 0);
	if (e->dry_run) {
		json_array_append_new(step_changes(step), api_change("POST", path, body));
		json_decref(body);
		step_set(step, "would apply", "disconnect from '%s' (address %s, kept for release)",
		         net, ip && *ip ? ip : "none");
		return step_done(e, steps, step, err);
	}
	/* record first: should the daemon succeed and we die, the state still knows how to undo */
	json_t *a = action_new(e, "disconnect");
	json_object_set_new(a, "network", json_str(net));
	json_object_set_new(a, "network_id", json_str(nid));
	json_object_set_new(a, "ipv4", json_str(ip && *ip ? ip : NULL));
	const char *ip6 = jstr(ep, "GlobalIPv6Address");
	json_object_set_new(a, "ipv6", json_str(ip6 && *ip6 ? ip6 : NULL));
	json_object_set_new(a, "endpoint", json_deep_copy(ep));
	json_object_set_new(a, "reconnect", endpoint_config(ep, net, c->id));
	json_t *rec = state_get(t->doc, c->id);
	json_t *old = find_disconnect(rec, net);
	if (old) {
		json_t *acts = json_object_get(rec, "actions");
		size_t i;
		json_t *x;
		json_array_foreach(acts, i, x)
		{
			if (x == old) {
				json_array_set_new(acts, i, a);
				break;
			}
		}
	} else
		record_action(t->doc, c, a);
	if (txn_save(e, t, err) < 0) {
		json_decref(body);
		return step_fail(e, steps, step, err);
	}
	_cleanup_free_ char *msg = NULL;
	long st = api_post(e->d, path, body, step_changes(step), &msg, err);
	json_decref(body);
	if (st < 200 || st >= 300) { /* st < 0: err is set already */
		if (st >= 0)
			api_error(err, st, "disconnect", msg);
		/* not done: forget the record again */
		json_t *r2 = state_get(t->doc, c->id);
		json_t *mine = find_disconnect(r2, net);
		json_t *acts = json_object_get(r2, "actions");
		size_t i;
		json_t *x;
		json_array_foreach(acts, i, x)
		{
			if (x == mine && !old) {
				drop_action(t->doc, c->id, (int)i);
				break;
			}
		}
		struct cirt_err se = {0};
		txn_save(e, t, &se);
		return step_fail(e, steps, step, err);
	}
	step_set(step, old ? "re-applied" : "applied",
	         "disconnected from '%s' (address %s kept for release)", net,
	         ip && *ip ? ip : "none");
	return step_done(e, steps, step, err);
}

/* Was the container collected? An evidence image of `cirt collect --commit` (label
 * cirt.source-container=<id>), or the marker <state dir>/collected/<id>. */
static bool was_collected(struct contain_env *e, const char *id)
{
	if (state_collected(id))
		return true;
	_cleanup_free_ char *f = xasprintf("{\"label\":[\"cirt.source-container=%s\"]}", id);
	_cleanup_free_ char *q = docker_urlencode(f);
	_cleanup_free_ char *path = xasprintf("/images/json?filters=%s", q);
	json_t *j = NULL;
	struct cirt_err e2 = {0};
	if (docker_get_json(e->d, path, &j, &e2) < 0)
		return false;
	bool yes = json_is_array(j) && json_array_size(j) > 0;
	json_decref(j);
	return yes;
}

static int do_disconnect(struct contain_env *e, struct txn *t, struct container *c,
                         const struct contain_opts *o, json_t *steps, struct cirt_err *err)
{
	json_t *nets = jpath(c->inspect, "NetworkSettings.Networks");
	json_t *rec = state_get(t->doc, c->id);
	struct strv todo = {0};
	if (o->disconnect_all) {
		const char *k;
		json_t *v;
		json_object_foreach(nets, k, v)
		{
			if (!streq(k, "host") && !streq(k, "none"))
				strv_add(&todo, k);
		}
		if (!todo.n) {
			json_t *step = step_new(c->id, c->name, "disconnect");
			bool ours = state_action(rec, "disconnect") != NULL;
			step_set(step, ours ? "already" : "skipped",
			         ours ? "already disconnected by cirt from every network"
			              : "not connected to any network");
			return step_done(e, steps, step, err);
		}
	}
	for (size_t i = 0; !o->disconnect_all && i < o->disconnect.n; i++) {
		const char *want = o->disconnect.v[i];
		const char *k, *found = NULL;
		json_t *v;
		json_object_foreach(nets, k, v)
		{
			const char *nid = jstr(v, "NetworkID");
			if (streq(k, want) || (nid && strlen(want) >= 3 && startswith(nid, want)))
				found = k;
		}
		if (found) {
			if (!strv_has(&todo, found))
				strv_add(&todo, found);
			continue;
		}
		json_t *had = find_disconnect(rec, want);
		json_t *step = step_new(c->id, c->name, "disconnect");
		if (had) {
			step_set(step, "already", "already disconnected by cirt from '%s' since %s",
			         jstr(had, "network"), jstr(had, "at") ? jstr(had, "at") : "?");
			if (step_done(e, steps, step, err) < 0) {
				strv_clear(&todo);
				return -1;
			}
			continue;
		}
		_cleanup_free_ char *w = term_escape(want);
		err_set(err, CIRT_EXIT_NOTFOUND,
		        "disconnect '%s': it is not connected to network '%s'", c->name, w);
		strv_clear(&todo);
		return step_fail(e, steps, step, err);
	}
	if (todo.n && !o->force && !was_collected(e, c->id)) {
		json_t *step = step_new(c->id, c->name, "disconnect");
		err_set(err, CIRT_EXIT_USAGE,
		        "disconnect '%s': this destroys its veth and the evidence on it; it has "
		        "not been collected: run 'cirt collect %s' first, or add --force "
		        "(--isolate cuts the network and keeps the veth)",
		        c->name, c->name);
		strv_clear(&todo);
		return step_fail(e, steps, step, err);
	}
	for (size_t i = 0; i < todo.n; i++) {
		if (disconnect_one(e, t, c, todo.v[i], jobj(nets, todo.v[i]), steps, err) < 0) {
			strv_clear(&todo);
			return -1;
		}
	}
	strv_clear(&todo);
	return 0;
}

/* ------------------------------------------------------------------ stop */

static int do_stop(struct contain_env *e, struct txn *t, struct container *c, json_t *steps,
                   struct cirt_err *err)
{
	json_t *step = step_new(c->id, c->name, "stop");
	json_t *rec = state_get(t->doc, c->id);
	json_t *have = state_action(rec, "stop");
	if (!c->running) {
		step_set(step, have ? "already" : "skipped",
		         have ? "already stopped by cirt"
		              : "not running (state %s): nothing to stop",
		         c->state);
		return step_done(e, steps, step, err);
	}
	long grace = (long)jint(jobj(c->inspect, "Config"), "StopTimeout", 10);
	if (grace < 0 || grace > 3600)
		grace = 10;
	_cleanup_free_ char *path = xasprintf("/containers/%s/stop", c->id);
	/* the daemon answers only after the grace period: a client with room for it */
	struct docker *d2 = NULL;
	struct docker_opts dopt = {.host = e->docker_host, .timeout_ms = (int)(grace + 30) * 1000};
	if (!e->dry_run && docker_open(&dopt, &d2, err) < 0)
		return step_fail(e, steps, step, err);
	int r = step_post(e, d2, step, path, "stop", true, err);
	docker_close(d2);
	if (r < 0)
		return step_fail(e, steps, step, err);
	if (r == 0) {
		step_set(step, "would apply",
		         "stop with the daemon's grace period (%ld s, then SIGKILL)", grace);
		return step_done(e, steps, step, err);
	}
	json_t *a = action_new(e, "stop");
	json_object_set_new(a, "grace_seconds", json_integer(grace));
	int idx = state_action_index(rec, "stop");
	if (idx >= 0)
		json_array_set_new(json_object_get(rec, "actions"), (size_t)idx, a);
	else
		record_action(t->doc, c, a);
	if (txn_save(e, t, err) < 0)
		return step_fail(e, steps, step, err);
	step_set(step, have ? "re-applied" : "applied", "stopped (grace period %ld s)", grace);
	return step_done(e, steps, step, err);
}

/* ------------------------------------------------------------------ contain */

static int apply_locked(struct contain_env *e, struct txn *t, struct container *c,
                        const struct contain_opts *o, json_t *steps, struct cirt_err *err)
{
	if (o->pause) {
		if (do_pause(e, t, c, steps, err) < 0)
			return -1;
		c->paused = true;
	}
	if (o->isolate && do_isolate(e, t, c, o, steps, err) < 0)
		return -1;
	if ((o->disconnect.n || o->disconnect_all) && do_disconnect(e, t, c, o, steps, err) < 0)
		return -1;
	if (o->stop && do_stop(e, t, c, steps, err) < 0)
		return -1;
	return 0;
}

int contain_apply(struct contain_env *e, struct container *c, const struct contain_opts *o,
                  json_t *steps, struct cirt_err *err)
{
	struct txn t;
	if (txn_begin(e, &t, err) < 0)
		return -1;
	int r = apply_locked(e, &t, c, o, steps, err);
	txn_end(&t);
	return r;
}

int contain_records(json_t **ret, struct cirt_err *err)
{
	json_t *doc = NULL;
	if (state_load(&doc, err) < 0)
		return -1;
	*ret = json_incref(state_all(doc));
	json_decref(doc);
	return 0;
}

/* ------------------------------------------------------------------ release */

/* The container as the daemon sees it now: *ret NULL when it is gone (404); -1 when the
 * daemon cannot tell (unreachable, error): then nothing may be concluded. */
static int fresh(struct contain_env *e, const char *id, json_t **ret, struct cirt_err *err)
{
	*ret = NULL;
	struct cirt_err e2 = {0};
	if (inspect(e->d, id, ret, &e2) == 0)
		return 0;
	if (e2.code == CIRT_EXIT_NOTFOUND)
		return 0;
	*err = e2;
	return err_prefix(err, "inspect");
}

static json_t *attached(json_t *j, const char *net, const char *nid)
{
	json_t *nets = jpath(j, "NetworkSettings.Networks");
	const char *k;
	json_t *v;
	json_object_foreach(nets, k, v)
	{
		const char *id = jstr(v, "NetworkID");
		if ((net && streq(k, net)) || (nid && id && streq(id, nid)))
			return v;
	}
	return NULL;
}

static int undo_isolate(struct contain_env *e, json_t *step, const char *id, struct cirt_err *err)
{
	bool removed = false;
	if (fw_remove_all(id, e->dry_run, step_changes(step), &removed, err) < 0)
		return -1;
	if (!removed)
		step_set(step, "already", "no cirt rule for it was left");
	else
		step_set(step, e->dry_run ? "would release" : "released",
		         "%s its bridge table and address rules (chain, jumps)",
		         e->dry_run ? "would remove" : "removed");
	return 0;
}

static int undo_pause(struct contain_env *e, json_t *step, const char *id, json_t *a,
                      struct cirt_err *err)
{
	if (json_is_false(json_object_get(a, "by_cirt"))) {
		step_set(step, "kept", "it was paused before cirt: left paused");
		return 0;
	}
	json_t *j = NULL;
	if (fresh(e, id, &j, err) < 0)
		return -1;
	if (!j) {
		step_set(step, "gone", "the container no longer exists");
		return 0;
	}
	bool paused = jbool(jobj(j, "State"), "Paused");
	int pid = (int)jint(jobj(j, "State"), "Pid", 0);
	json_decref(j);
	if (!paused) {
		step_set(step, "already", "not paused any more");
		return 0;
	}
	_cleanup_free_ char *path = xasprintf("/containers/%s/unpause", id);
	int r = step_post(e, e->d, step, path, "unpause", false, err);
	if (r <= 0) {
		if (r == 0)
			step_set(step, "would release", "resume its processes");
		return r;
	}
	_cleanup_free_ char *fz = freezer_state(pid);
	step_set(step, "released", "processes resumed (freezer: %s)", fz ? fz : "unknown");
	return 0;
}

static int undo_disconnect(struct contain_env *e, json_t *step, const char *id, json_t *a,
                           struct cirt_err *err)
{
	const char *net = jstr(a, "network"), *nid = jstr(a, "network_id"), *ip = jstr(a, "ipv4");
	json_t *j = NULL;
	if (fresh(e, id, &j, err) < 0)
		return -1;
	if (!j) {
		step_set(step, "gone", "the container no longer exists");
		return 0;
	}
	json_t *ep = attached(j, net, nid);
	if (ep) {
		step_set(step, "already", "connected to '%s' again (address %s)", net ? net : nid,
		         jstr(ep, "IPAddress") ? jstr(ep, "IPAddress") : "none");
		json_decref(j);
		return 0;
	}
	json_decref(j);
	json_t *cfg = json_object_get(a, "reconnect");
	/* a copy: the retry below edits it, the record must keep what was asked */
	json_t *body = json_pack("{s:s, s:o}", "Container", id, "EndpointConfig",
	                         cfg ? json_deep_copy(cfg) : json_object());
	_cleanup_free_ char *qn = docker_urlencode(nid ? nid : (net ? net : ""));
	_cleanup_free_ char *path = xasprintf("/networks/%s/connect", qn);
	if (e->dry_run) {
		json_array_append_new(step_changes(step), api_change("POST", path, body));
		json_decref(body);
		step_set(step, "would release", "reconnect to '%s' asking for address %s", net,
		         ip ? ip : "any");
		return 0;
	}
	_cleanup_free_ char *msg = NULL;
	long st = api_post(e->d, path, body, step_changes(step), &msg, err);
	const char *note = "";
	if (st == 404 && net && nid && !streq(net, nid)) {
		/* recreated under the same name: a new id */
		free(path);
		_cleanup_free_ char *qname = docker_urlencode(net);
		path = xasprintf("/networks/%s/connect", qname);
		free(msg);
		msg = NULL;
		st = api_post(e->d, path, body, step_changes(step), &msg, err);
	}
	if (st >= 400 && msg && strstr(msg, "user specified IP address is supported only")) {
		/* a network without a user-configured subnet accepts no address request: the daemon
		 * hands out the lowest free one, which is the old one unless it was taken meanwhile
		 */
		json_t *ec = json_object_get(body, "EndpointConfig");
		json_t *ipam = json_object_get(ec, "IPAMConfig");
		json_object_del(ipam, "IPv4Address");
		json_object_del(ipam, "IPv6Address");
		if (!json_object_size(ipam))
			json_object_del(ec, "IPAMConfig");
		free(msg);
		msg = NULL;
		st = api_post(e->d, path, body, step_changes(step), &msg, err);
		note = " (the network has no user-configured subnet: the address could not be "
		       "requested)";
	}
	json_decref(body);
	if (st < 0)
		return -1;
	if (st < 200 || st >= 300)
		return api_error(err, st, "connect", msg);
	json_t *j2 = NULL;
	struct cirt_err fe = {0};
	fresh(e, id, &j2, &fe);
	json_t *ep2 = attached(j2, net, NULL);
	const char *now = ep2 ? jstr(ep2, "IPAddress") : NULL;
	if (ip && now && streq(ip, now))
		step_set(step, "released", "reconnected to '%s' with the same address %s%s", net,
		         ip, "");
	else
		step_set(step, "released",
		         "reconnected to '%s' with a DIFFERENT address %s (was %s)%s", net,
		         now && *now ? now : "none", ip ? ip : "none", note);
	json_object_set_new(step, "address_before", json_str(ip));
	json_object_set_new(step, "address_after", json_str(now));
	json_decref(j2);
	return 0;
}

static int undo_stop(struct contain_env *e, json_t *step, const char *id, struct cirt_err *err)
{
	json_t *j = NULL;
	if (fresh(e, id, &j, err) < 0)
		return -1;
	if (!j) {
		step_set(step, "gone", "the container no longer exists");
		return 0;
	}
	bool running = jbool(jobj(j, "State"), "Running");
	json_decref(j);
	if (running) {
		step_set(step, "already", "running again");
		return 0;
	}
	_cleanup_free_ char *path = xasprintf("/containers/%s/start", id);
	int r = step_post(e, e->d, step, path, "start", true, err);
	if (r <= 0) {
		if (r == 0)
			step_set(step, "would release", "start it again");
		return r;
	}
	step_set(step, "released", "started again");
	return 0;
}

int contain_release(struct contain_env *e, const char *id, const char *name, struct container *c,
                    json_t *steps, struct cirt_err *err)
{
	struct txn t;
	if (txn_begin(e, &t, err) < 0)
		return -1;
	json_t *rec = state_get(t.doc, id);
	const char *nm = name ? name : (rec && jstr(rec, "name") ? jstr(rec, "name") : id);
	_cleanup_free_ char *shown = xstrdup(nm);
	if (!rec) {
		json_t *step = step_new(id, shown, "release");
		bool removed = false;
		if (fw_remove_all(id, e->dry_run, step_changes(step), &removed, err) < 0) {
			txn_end(&t);
			return step_fail(e, steps, step, err);
		}
		if (removed)
			step_set(step, e->dry_run ? "would release" : "released",
			         "not in the state file, but cirt rules for it were found: %s",
			         e->dry_run ? "would remove them" : "removed");
		else
			step_set(step, "not contained",
			         "cirt has not contained it: nothing to release");
		int r = step_done(e, steps, step, err);
		txn_end(&t);
		return r;
	}
	json_t *acts = json_object_get(rec, "actions");
	int rc = 0;
	for (size_t i = json_array_size(acts); i-- > 0;) {
		json_t *a = json_array_get(acts, i);
		const char *type = jstr(a, "type") ? jstr(a, "type") : "?";
		json_t *step = step_new(id, shown, type);
		int r;
		if (streq(type, "isolate"))
			r = undo_isolate(e, step, id, err);
		else if (streq(type, "pause"))
			r = undo_pause(e, step, id, a, err);
		else if (streq(type, "disconnect"))
			r = undo_disconnect(e, step, id, a, err);
		else if (streq(type, "stop"))
			r = undo_stop(e, step, id, err);
		else {
			step_set(step, "skipped", "unknown action in the state file");
			r = 0;
		}
		if (r < 0) {
			rc = step_fail(e, steps, step, err);
			break;
		}
		if (!e->dry_run) {
			json_array_remove(acts, i);
			struct cirt_err se = {0};
			if (txn_save(e, &t, &se) < 0) {
				*err = se;
				rc = step_fail(e, steps, step, err);
				break;
			}
		}
		if (step_done(e, steps, step, err) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && !e->dry_run) {
		/* anything tagged for it that the record did not know (an older run, a crash) goes
		 * too */
		bool removed = false;
		json_t *extra = json_array();
		if (fw_remove_all(id, false, extra, &removed, err) < 0)
			rc = -1;
		else if (removed) {
			json_t *step = step_new(id, shown, "release");
			json_object_set_new(step, "changes", json_incref(extra));
			step_set(step, "released", "removed leftover cirt rules for it");
			rc = step_done(e, steps, step, err);
		}
		json_decref(extra);
		if (rc == 0) {
			state_del(t.doc, id);
			json_t *ch = json_array();
			drop_created_chains(e, t.doc, ch);
			json_decref(ch);
			rc = txn_save(e, &t, err);
		}
	}
	(void)c;
	txn_end(&t);
	return rc;
}

/* ------------------------------------------------------------------ status and reapply */

static struct container *by_id(struct host *h, const char *id)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (streq(h->c[i].id, id))
			return &h->c[i];
	return NULL;
}

static bool on_network(const struct container *c, const char *net, const char *nid)
{
	for (size_t i = 0; c && i < c->n_eps; i++) {
		const struct endpoint *ep = &c->eps[i];
		if ((net && ep->network && streq(ep->network, net)) ||
		    (nid && ep->network_id && streq(ep->network_id, nid)))
			return true;
	}
	return false;
}

/* Check one action against the container now; fills "holds" and "problems". */
static json_t *check_action(const struct container *c, json_t *a)
{
	json_t *o = json_deep_copy(a);
	json_t *probs = json_array();
	const char *type = jstr(a, "type") ? jstr(a, "type") : "?";
	if (!c)
		problem(probs, "the container no longer exists");
	else if (streq(type, "pause")) {
		if (!c->paused)
			problem(probs, "not paused any more (state %s)", c->state);
		_cleanup_free_ char *fz = freezer_state(c->pid);
		json_object_set_new(o, "freezer", json_str(fz));
	} else if (streq(type, "stop")) {
		if (c->running)
			problem(probs, "running again");
	} else if (streq(type, "disconnect")) {
		if (on_network(c, jstr(a, "network"), jstr(a, "network_id")))
			problem(probs, "connected to '%s' again",
			        jstr(a, "network") ? jstr(a, "network") : "?");
	} else if (streq(type, "isolate")) {
		if (!c->running)
			json_object_set_new(
			    o, "note",
			    json_string(
			        "not running: nothing can pass; check again after a start"));
		else {
			struct strv allow = {0}, was = {0};
			json_strv(jarr(a, "allow"), &allow);
			json_strv(jarr(a, "veths"), &was);
			struct iso_spec s;
			struct cirt_err e2 = {0};
			int hb = fw_backend_parse(jstr(a, "backend") ? jstr(a, "backend") : "");
			if (build_spec(c, &allow, &s, &e2) < 0)
				problem(probs, "%s", e2.msg);
			else {
				for (size_t i = 0; i < s.veths.n; i++)
					if (!strv_has(&was, s.veths.v[i]))
						problem(probs,
						        "the container now uses veth %s, isolated "
						        "was %s (restarted?)",
						        s.veths.v[i], was.n ? was.v[0] : "none");
				json_t *p2 = json_array();
				isolation_present(&s, hb > 0 ? (enum fw_backend)hb : FW_IPTABLES,
				                  p2, o);
				json_array_extend(probs, p2);
				json_decref(p2);
				json_object_set_new(o, "veths_now", strv_json(&s.veths));
				iso_spec_clear(&s);
			}
			strv_clear(&allow);
			strv_clear(&was);
		}
	}
	json_object_set_new(o, "holds", json_boolean(json_array_size(probs) == 0));
	json_object_set_new(o, "problems", probs);
	return o;
}

int contain_status(struct contain_env *e, struct host *h, const char *id, json_t **ret,
                   struct cirt_err *err)
{
	json_t *recs = NULL;
	if (contain_records(&recs, err) < 0)
		return -1;
	json_t *list = json_array();
	const char *k;
	json_t *rec;
	json_object_foreach(recs, k, rec)
	{
		if (id && !streq(k, id))
			continue;
		struct container *c = by_id(h, k);
		json_t *o = json_object();
		json_object_set_new(o, "id", json_str(k));
		json_object_set_new(o, "name", json_str(c ? c->name : jstr(rec, "name")));
		json_object_set(o, "since", json_object_get(rec, "since"));
		json_object_set_new(o, "container_state", json_str(c ? c->state : "gone"));
		json_t *acts = json_array();
		bool holds = true;
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(rec, "actions"), i, a)
		{
			json_t *chk = check_action(c, a);
			if (!json_is_true(json_object_get(chk, "holds")))
				holds = false;
			json_array_append_new(acts, chk);
		}
		json_object_set_new(o, "actions", acts);
		json_object_set_new(o, "holds", json_boolean(holds));
		json_array_append_new(list, o);
	}
	json_decref(recs);
	*ret = list;
	return 0;
}

int contain_reapply(struct contain_env *e, struct host *h, const char *id, json_t *steps,
                    struct cirt_err *err)
{
	struct txn t;
	if (txn_begin(e, &t, err) < 0)
		return -1;
	json_t *ids = json_array();
	const char *k;
	json_t *rec;
	json_object_foreach(state_all(t.doc), k, rec)
	{
		if (!id || streq(k, id))
			json_array_append_new(ids, json_string(k));
	}
	int rc = 0;
	size_t i;
	json_t *jid;
	json_array_foreach(ids, i, jid)
	{
		const char *cid = json_string_value(jid);
		rec = state_get(t.doc, cid);
		struct container *c = by_id(h, cid);
		if (!c) {
			json_t *step = step_new(cid, jstr(rec, "name"), "reapply");
			step_set(
			    step, "gone",
			    "the container no longer exists: 'cirt release' removes its rules");
			if ((rc = step_done(e, steps, step, err)) < 0)
				break;
			continue;
		}
		struct contain_opts o = {.force = true};
		size_t ai;
		json_t *a;
		json_array_foreach(json_object_get(rec, "actions"), ai, a)
		{
			const char *type = jstr(a, "type") ? jstr(a, "type") : "";
			if (streq(type, "pause"))
				o.pause =
				    !json_is_false(json_object_get(a, "by_cirt")) || !c->paused;
			else if (streq(type, "isolate")) {
				o.isolate = true;
				o.allow_given = true;
				json_strv(jarr(a, "allow"), &o.allow);
			} else if (streq(type, "stop"))
				o.stop = true;
			else if (streq(type, "disconnect") &&
			         on_network(c, jstr(a, "network"), jstr(a, "network_id")))
				strv_add(&o.disconnect, jstr(a, "network"));
		}
		rc = apply_locked(e, &t, c, &o, steps, err);
		strv_clear(&o.allow);
		strv_clear(&o.disconnect);
		if (rc < 0)
			break;
	}
	json_decref(ids);
	txn_end(&t);
	return rc;
}
