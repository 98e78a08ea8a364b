/* host_brief.c: a host snapshot from one /containers/json answer and /proc, for commands that
 * need every container's network wiring but not its full inspect (cirt net). */
#include "model/host_brief.h"

#include "sources/procfs.h"

json_t *brief_to_inspect(json_t *item)
{
	const char *id = jstr(item, "Id");
	if (!id || !*id)
		return NULL;
	json_t *o = json_object();
	json_object_set_new(o, "Id", json_string(id));
	/* Names holds link aliases too ("/web/db"): the container's own name has one slash */
	json_t *names = jarr(item, "Names");
	const char *name = NULL, *first = NULL;
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n)
	{
		const char *s = json_string_value(n);
		if (!s || !*s)
			continue;
		if (!first)
			first = s;
		if (!name && !strchr(s + 1, '/'))
			name = s;
	}
	if (!name)
		name = first;
	json_object_set_new(o, "Name", json_string(name ? name : ""));
	json_object_set_new(o, "Image",
	                    json_string(jstr(item, "ImageID") ? jstr(item, "ImageID") : ""));
	json_object_set_new(o, "Path",
	                    json_string(jstr(item, "Command") ? jstr(item, "Command") : ""));
	long long created = jint(item, "Created", 0);
	if (created > 0) {
		char t[64];
		json_object_set_new(o, "Created", json_string(fmt_utc(created, t, sizeof(t))));
	}
	json_t *cfg = json_object();
	json_object_set_new(cfg, "Image",
	                    json_string(jstr(item, "Image") ? jstr(item, "Image") : ""));
	json_object_set_new(o, "Config", cfg);
	const char *st = jstr(item, "State") ? jstr(item, "State") : "unknown";
	json_t *state = json_object();
	json_object_set_new(state, "Status", json_string(st));
	/* inspect says Running for a paused container too */
	json_object_set_new(state, "Running",
	                    json_boolean(streq(st, "running") || streq(st, "paused")));
	json_object_set_new(state, "Paused", json_boolean(streq(st, "paused")));
	json_object_set_new(state, "Pid", json_integer(0));
	json_object_set_new(o, "State", state);
	json_t *hc = json_object();
	const char *nm = jstr(jobj(item, "HostConfig"), "NetworkMode");
	json_object_set_new(hc, "NetworkMode", json_string(nm ? nm : ""));
	json_object_set_new(o, "HostConfig", hc);
	json_t *ns = json_object();
	json_t *nets = jobj(jobj(item, "NetworkSettings"), "Networks");
	json_object_set(ns, "Networks", nets ? nets : json_null());
	/* [{IP, PrivatePort, PublicPort, Type}] -> {"80/tcp": [{HostIp, HostPort}]} */
	json_t *ports = json_object();
	json_t *p;
	json_array_foreach(jarr(item, "Ports"), i, p)
	{
		long long priv = jint(p, "PrivatePort", 0), pub = jint(p, "PublicPort", 0);
		if (priv <= 0 || priv > 65535)
			continue;
		char key[32];
		snprintf(key, sizeof(key), "%lld/%.8s", priv,
		         jstr(p, "Type") ? jstr(p, "Type") : "tcp");
		json_t *arr = json_object_get(ports, key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(ports, key, arr);
		}
		if (pub > 0 && pub <= 65535) {
			char hp[16];
			snprintf(hp, sizeof(hp), "%lld", pub);
			json_array_append_new(arr, json_pack("{s:s, s:s}", "HostIp",
			                                     jstr(p, "IP") ? jstr(p, "IP") : "",
			                                     "HostPort", hp));
		}
	}
	json_object_set_new(ns, "Ports", ports);
	json_object_set_new(o, "NetworkSettings", ns);
	json_t *mounts = jarr(item, "Mounts");
	if (mounts)
		json_object_set(o, "Mounts", mounts);
	return o;
}

static int cmp_name(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	return strcmp(x->name, y->name);
}

struct id_ix {
	const char *id;
	struct container *c;
};

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct id_ix *)a)->id, ((const struct id_ix *)b)->id);
}

/* The lowest host pid in each running container's cgroup: its init, or a process in the same
 * namespaces. One scan of /proc for all containers. */
static void find_pids(struct host *h)
{
	struct id_ix *ix = xcalloc(h->n + 1, sizeof(*ix));
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++)
		if (h->c[i].running && strlen(h->c[i].id) == 64)
			ix[n++] = (struct id_ix){h->c[i].id, &h->c[i]};
	qsort(ix, n, sizeof(*ix), cmp_id);
	int *pids = NULL;
	size_t np = n ? procfs_all_pids(&pids) : 0;
	for (size_t i = 0; i < np; i++) {
		_cleanup_free_ char *cg = procfs_cgroup(pids[i]);
		char id[65];
		if (!cg || !procfs_cgroup_container_id(cg, id))
			continue;
		struct id_ix key = {.id = id};
		struct id_ix *hit = bsearch(&key, ix, n, sizeof(*ix), cmp_id);
		if (hit && (!hit->c->pid || pids[i] < hit->c->pid))
			hit->c->pid = pids[i];
	}
	for (size_t i = 0; i < n; i++)
		if (!ix[i].c->pid)
			container_note(ix[i].c, "no process of it found in /proc (cgroup)");
	free(pids);
	free(ix);
}

int host_load_brief(struct docker *d, unsigned needs, struct host **ret, struct cirt_err *err)
{
	json_t *list = NULL;
	if (docker_get_json(d, "/containers/json", &list, err) < 0)
		return err_prefix(err, "list containers");
	if (!json_is_array(list)) {
		json_decref(list);
		return err_set(err, CIRT_EXIT_BADANSWER,
		               "list containers: daemon answer is not a JSON array");
	}
	struct host *h = xcalloc(1, sizeof(*h));
	h->docker_host = xstrdup(docker_host(d));
	h->api_version = xstrdup(docker_api_version(d));
	size_t n = json_array_size(list);
	h->c = xcalloc(n + 1, sizeof(*h->c));
	for (size_t i = 0; i < n; i++) {
		json_t *j = brief_to_inspect(json_array_get(list, i));
		if (!j) {
			host_warn(h, "list containers: skipped an entry without a usable Id");
			continue;
		}
		if (container_from_inspect(j, &h->c[h->n]) == 0)
			h->n++;
		json_decref(j);
	}
	json_decref(list);
	if (h->n > 1)
		qsort(h->c, h->n, sizeof(*h->c), cmp_name);
	find_pids(h);
	if (needs & HOST_NEED_NET)
		host_load_net(h);
	host_link_shared(h);
	for (size_t i = 0; (needs & HOST_NEED_PROC) && i < h->n; i++)
		if (h->c[i].pid > 0)
			h->c[i].cgroup = procfs_cgroup(h->c[i].pid);
	*ret = h;
	return 0;
}
