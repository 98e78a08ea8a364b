/* timeline_tree.c: `cirt timeline --tree`: a container's processes as trees (parent and child from
 * the journal's exec lines and the processes its flow and dns lines name), with the connections
 * and DNS answers of each under it. */
#include "escape.h"
#include "journal/timeline.h"
#include "sources/docker.h" /* jstr, jobj, jarr, jint */

/* What is being built: one group per container, the nodes of all groups in one array. */
struct tb {
	json_t *groups; /* container id -> {"container","processes","unknown"} */
	json_t *order;  /* container ids as first met */
	json_t *nodes;  /* every NODE, with "_parent" (index) and "_group" (id) while building */
	json_t *map;    /* "id/pid" -> index of that pid's latest node */
};

static json_t *group_of(struct tb *b, json_t *container)
{
	const char *id = jstr(container, "id");
	if (!id)
		return NULL;
	json_t *g = json_object_get(b->groups, id);
	if (!g) {
		g = json_pack("{s:O,s:[],s:[]}", "container", container, "processes", "unknown");
		json_object_set_new(b->groups, id, g);
		json_array_append_new(b->order, json_string(id));
	}
	return g;
}

static json_int_t node_find(struct tb *b, const char *cid, json_int_t pid)
{
	char k[96];
	snprintf(k, sizeof(k), "%s/%lld", cid, (long long)pid);
	json_t *v = json_object_get(b->map, k);
	return v ? json_integer_value(v) : -1;
}

/* A new node for pid in container cid (it becomes pid's node from now on). */
static json_int_t node_add(struct tb *b, const char *cid, json_int_t pid, json_int_t ppid,
                           json_t *comm, json_t *exe, json_t *argv, const char *started)
{
	json_t *n =
	    json_pack("{s:I,s:I,s:O,s:O,s:O,s:s?,s:[],s:[],s:I,s:s}", "pid", pid, "ppid", ppid,
	              "comm", comm ? comm : json_null(), "exe", exe ? exe : json_null(), "argv",
	              argv ? argv : json_null(), "started", started, "children", "events",
	              "_parent", (json_int_t)-1, "_group", cid);
	if (!started)
		json_object_set_new(n, "started", json_null());
	json_int_t idx = (json_int_t)json_array_size(b->nodes);
	json_array_append_new(b->nodes, n);
	char k[96];
	snprintf(k, sizeof(k), "%s/%lld", cid, (long long)pid);
	json_object_set_new(b->map, k, json_integer(idx));
	return idx;
}

/* The parents of a line's process ([0] is its parent), as nodes where none exists yet; the index
 * of the first, -1 when none. */
static json_int_t parents_of(struct tb *b, const char *cid, json_t *parents)
{
	json_int_t child = -1, first = -1;
	for (size_t i = 0; i < json_array_size(parents); i++) {
		json_t *p = json_array_get(parents, i);
		json_int_t pid = jint(p, "pid", 0);
		if (pid <= 0)
			break;
		json_int_t idx = node_find(b, cid, pid);
		bool known = idx >= 0;
		if (!known) {
			json_t *up = json_array_get(parents, i + 1);
			idx = node_add(b, cid, pid, up ? jint(up, "pid", 0) : 0,
			               json_object_get(p, "comm"), json_object_get(p, "exe"), NULL,
			               NULL);
		}
		if (child >= 0)
			json_object_set_new(json_array_get(b->nodes, (size_t)child), "_parent",
			                    json_integer(idx));
		else
			first = idx;
		if (known)
			break; /* its own parents are linked already */
		child = idx;
	}
	return first;
}

/* The node of a process object (a flow's or a dns line's), made from it when new. */
static json_int_t node_of(struct tb *b, const char *cid, json_t *p)
{
	json_int_t pid = jint(p, "pid", 0);
	json_int_t idx = node_find(b, cid, pid);
	if (idx >= 0)
		return idx;
	json_int_t par = parents_of(b, cid, jarr(p, "parents"));
	idx = node_add(b, cid, pid, jint(p, "ppid", 0), json_object_get(p, "comm"),
	               json_object_get(p, "exe"), json_object_get(p, "argv"), NULL);
	json_object_set_new(json_array_get(b->nodes, (size_t)idx), "_parent", json_integer(par));
	return idx;
}

static void on_line(struct tb *b, json_t *j)
{
	const char *type = jstr(j, "type");
	if (!type)
		return;
	json_t *c = NULL, *p = NULL;
	if (streq(type, "exec")) {
		c = jobj(j, "container");
		json_t *g = group_of(b, c);
		if (!g)
			return;
		const char *cid = jstr(c, "id");
		json_int_t par = parents_of(b, cid, jarr(j, "parents"));
		json_int_t idx = node_add(b, cid, jint(j, "pid", 0), jint(j, "ppid", 0),
		                          json_object_get(j, "comm"), json_object_get(j, "exe"),
		                          json_object_get(j, "argv"), jstr(j, "t"));
		json_object_set_new(json_array_get(b->nodes, (size_t)idx), "_parent",
		                    json_integer(par));
		return;
	}
	if (streq(type, "flow")) {
		const char *ev = jstr(j, "event");
		if (!ev || streq(ev, "end"))
			return; /* a connection once: its begin (or what was open at start) */
		/* the process made it (its container is the source) or accepted it */
		c = jobj(j, "src_container");
		if (!c)
			c = jobj(j, "dst_container");
	} else if (streq(type, "dns")) {
		c = jobj(j, "container");
	} else
		return;
	json_t *g = group_of(b, c);
	if (!g)
		return;
	p = jobj(j, "process");
	if (!p || jint(p, "pid", 0) <= 0) {
		json_array_append(json_object_get(g, "unknown"), j);
		return;
	}
	json_int_t idx = node_of(b, jstr(c, "id"), p);
	json_array_append(json_object_get(json_array_get(b->nodes, (size_t)idx), "events"), j);
}

static bool wanted(const struct timeline *tl, const char *id)
{
	if (!tl->n_ids)
		return true;
	for (size_t i = 0; i < tl->n_ids; i++)
		if (streq(tl->ids[i], id))
			return true;
	return false;
}

#define TREE_DEPTH_MAX 64 /* a deeper chain (a hostile journal's) starts a new tree */

/* Parent links without cycles and at most TREE_DEPTH_MAX deep (a journal is untrusted: pids
 * reused or made up can link anything to anything). One walk up from each node, each node's
 * depth settled once. */
static void tidy(json_t *nodes)
{
	size_t n = json_array_size(nodes);
	json_int_t *par = xcalloc(n + 1, sizeof(*par));
	int *depth = xcalloc(n + 1, sizeof(*depth)); /* -1 unknown, -2 on the current path */
	size_t *path = xcalloc(n + 1, sizeof(*path));
	for (size_t i = 0; i < n; i++) {
		par[i] = jint(json_array_get(nodes, i), "_parent", -1);
		if (par[i] >= (json_int_t)n || par[i] == (json_int_t)i)
			par[i] = -1;
		depth[i] = -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t np = 0;
		json_int_t j = (json_int_t)i;
		while (j >= 0 && depth[j] == -1) {
			depth[j] = -2;
			path[np++] = (size_t)j;
			j = par[j];
		}
		if (j >= 0 && depth[j] == -2) /* a cycle: the last one on the path starts a tree */
			par[path[np - 1]] = -1;
		int d = j >= 0 && depth[j] >= 0 ? depth[j] : -1;
		while (np) {
			size_t k = path[--np];
			if (par[k] < 0 || d + 1 > TREE_DEPTH_MAX) {
				par[k] = -1;
				d = 0;
			} else
				d++;
			depth[k] = d;
		}
	}
	for (size_t i = 0; i < n; i++)
		json_object_set_new(json_array_get(nodes, i), "_parent", json_integer(par[i]));
	free(par);
	free(depth);
	free(path);
}

json_t *timeline_tree(const struct timeline *tl)
{
	struct tb b = {.groups = json_object(),
	               .order = json_array(),
	               .nodes = json_array(),
	               .map = json_object()};
	for (size_t i = 0; i < tl->n; i++)
		on_line(&b, tl->v[i]);
	/* children under their parents (in the order they were met), the rest at the top */
	tidy(b.nodes);
	size_t i;
	json_t *n;
	json_array_foreach(b.nodes, i, n)
	{
		json_int_t par = jint(n, "_parent", -1);
		json_t *pn = par >= 0 ? json_array_get(b.nodes, (size_t)par) : NULL;
		json_t *g = json_object_get(b.groups, jstr(n, "_group"));
		if (pn)
			json_array_append(json_object_get(pn, "children"), n);
		else if (g)
			json_array_append(json_object_get(g, "processes"), n);
	}
	json_array_foreach(b.nodes, i, n)
	{
		json_object_del(n, "_parent");
		json_object_del(n, "_group");
	}
	json_t *out = json_array();
	json_t *id;
	json_array_foreach(b.order, i, id) if (wanted(tl, json_string_value(id)))
	    json_array_append(out, json_object_get(b.groups, json_string_value(id)));
	json_decref(b.groups);
	json_decref(b.order);
	json_decref(b.nodes);
	json_decref(b.map);
	return out;
}

/* ---------------------------------------------------------------- rows */

static void row(json_t *rows, int depth, const char *t, const char *text)
{
	char tb[40] = "-";
	if (t && strlen(t) == JOURNAL_TIME_LEN)
		snprintf(tb, sizeof(tb), "%.23sZ", t);
	json_array_append_new(
	    rows, json_pack("{s:i,s:s,s:o}", "depth", depth, "time", tb, "text", json_str(text)));
}

static void event_rows(json_t *rows, int depth, json_t *events)
{
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e)
	{
		struct buf d = {0};
		if (jstr(e, "type") && streq(jstr(e, "type"), "dns")) {
			buf_printf(&d, "dns ");
			timeline_dns_text(&d, e);
		} else {
			_cleanup_free_ char *ft = timeline_flow_text(json_object_get(e, "flow"));
			buf_printf(&d, "%s %s",
			           jstr(e, "event") && streq(jstr(e, "event"), "existing")
			               ? "open at start:"
			               : "connection",
			           ft);
			if (jstr(e, "ioc"))
				buf_printf(&d, " IOC %s", jstr(e, "ioc"));
		}
		row(rows, depth, jstr(e, "t"), buf_cstr(&d));
		buf_free(&d);
	}
}

static void node_rows(json_t *rows, int depth, json_t *n)
{
	struct buf d = {0};
	/* the command line when known (busybox's applets all have the comm "exe"), else comm */
	buf_printf(&d, "%lld", jint(n, "pid", 0));
	json_t *argv = jarr(n, "argv");
	size_t i, k = 0;
	json_t *a;
	json_array_foreach(argv, i, a)
	{
		if (!json_is_string(a))
			continue;
		buf_printf(&d, " %s", json_string_value(a));
		k++;
	}
	if (!k)
		buf_printf(&d, " %s", jstr(n, "comm") ? jstr(n, "comm") : "?");
	if (jstr(n, "exe"))
		buf_printf(&d, " [%s]", jstr(n, "exe"));
	if (!jstr(n, "started"))
		buf_printf(&d, " (its exec is not in the journal)");
	row(rows, depth, jstr(n, "started"), buf_cstr(&d));
	buf_free(&d);
	event_rows(rows, depth + 1, jarr(n, "events"));
	json_t *c;
	json_array_foreach(jarr(n, "children"), i, c) node_rows(rows, depth + 1, c);
}

json_t *timeline_tree_rows(json_t *trees)
{
	json_t *rows = json_array();
	size_t i;
	json_t *g;
	json_array_foreach(trees, i, g)
	{
		json_t *c = jobj(g, "container");
		char head[512];
		snprintf(
		    head, sizeof(head), "%s (%s, %.12s)", jstr(c, "name") ? jstr(c, "name") : "?",
		    jstr(c, "image") ? jstr(c, "image") : "?", jstr(c, "id") ? jstr(c, "id") : "?");
		row(rows, 0, NULL, head);
		size_t k;
		json_t *n;
		json_array_foreach(jarr(g, "processes"), k, n) node_rows(rows, 1, n);
		if (json_array_size(jarr(g, "unknown"))) {
			row(rows, 1, NULL, "(process not known)");
			event_rows(rows, 2, jarr(g, "unknown"));
		}
	}
	return rows;
}
