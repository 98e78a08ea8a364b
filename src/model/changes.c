/* changes.c: change lists from the overlay2 layers, the daemon's only where they give none. */
#include "model/changes.h"

#include "json.h"
#include "model/host_int.h"
#include "sources/layerdiff.h"

int changes_from_layers(const struct container *c, json_t **ret, struct cirt_err *err)
{
	json_t *gd = jobj(c->inspect, "GraphDriver");
	const char *drv = jstr(gd, "Name");
	if (!drv || !streq(drv, "overlay2"))
		return err_set(err, CIRT_EXIT_RUNTIME, "graph driver '%s', not overlay2",
		               drv ? drv : "unknown");
	if (!c->upper_dir)
		return err_set(err, CIRT_EXIT_RUNTIME, "no writable layer known");
	json_t *notes = json_array();
	json_t *j = NULL;
	int r = layerdiff(c->upper_dir, jstr(jobj(gd, "Data"), "LowerDir"), 0, &j, notes, err);
	if (r == 0 && json_array_size(notes)) {
		/* a walk cut short is not the whole list */
		r = err_set(err, CIRT_EXIT_RUNTIME, "%s",
		            json_string_value(json_array_get(notes, 0)));
		json_decref(j);
		j = NULL;
	}
	json_decref(notes);
	if (r < 0)
		return r;
	*ret = j;
	return 0;
}

struct job {
	const struct container *c;
	struct change_list *out;
};

static void layers_one(void *ctx, void *item)
{
	(void)ctx;
	struct job *j = item;
	struct cirt_err e = {0};
	if (changes_from_layers(j->c, &j->out->list, &e) < 0)
		j->out->why = xstrdup(e.msg);
}

static int cmp_change(const void *a, const void *b)
{
	json_t *const *x = a, *const *y = b;
	const char *p = jstr(*x, "Path"), *q = jstr(*y, "Path");
	return strcmp(p ? p : "", q ? q : "");
}

/* The daemon's list in path order, as the layers give it (the daemon's own order varies). */
static json_t *sorted(json_t *list)
{
	size_t n = json_array_size(list);
	json_t **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_change);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

void changes_load(struct docker *d, struct container *const *cs, size_t n, size_t parallel,
                  struct change_list *ret)
{
	struct job *jobs = xcalloc(n + 1, sizeof(*jobs));
	for (size_t i = 0; i < n; i++) {
		memset(&ret[i], 0, sizeof(ret[i]));
		jobs[i] = (struct job){.c = cs[i], .out = &ret[i]};
	}
	host_parallel(jobs, n, sizeof(*jobs), layers_one, NULL);
	free(jobs);
	size_t nd = 0;
	for (size_t i = 0; i < n; i++)
		nd += !ret[i].list;
	if (!nd)
		return;
	if (!d) {
		for (size_t i = 0; i < n; i++)
			if (!ret[i].list)
				ret[i].err = xstrdup(ret[i].why);
		return;
	}
	char **paths = xcalloc(nd + 1, sizeof(*paths));
	size_t *idx = xcalloc(nd + 1, sizeof(*idx));
	struct docker_result *res = xcalloc(nd + 1, sizeof(*res));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!ret[i].list) {
			idx[k] = i;
			paths[k++] = xasprintf("/containers/%s/changes", cs[i]->id);
		}
	struct cirt_err e = {0};
	int r = docker_get_json_many(d, paths, nd, parallel ? parallel : 4, res, &e);
	for (size_t q = 0; q < nd; q++) {
		struct change_list *cl = &ret[idx[q]];
		cl->daemon = true;
		cl->status = res[q].status;
		if (r < 0)
			cl->err = xstrdup(e.msg);
		else if (json_is_array(res[q].json))
			cl->list = sorted(res[q].json);
		else if (res[q].json || res[q].status == 204)
			cl->list = json_array(); /* null: nothing changed */
		else
			cl->err = xstrdup(res[q].err_msg ? res[q].err_msg : "no answer");
		docker_result_clear(&res[q]);
		free(paths[q]);
	}
	free(paths);
	free(idx);
	free(res);
}

void change_list_clear(struct change_list *c)
{
	if (!c)
		return;
	json_decref(c->list);
	free(c->why);
	free(c->err);
	memset(c, 0, sizeof(*c));
}
