/* top.c: `cirt top`: the processes of a container (the seed's `docker top`). */
#include "cmd/cmd.h"
#include "escape.h"
#include "output/output.h"

struct top_args {
	const char *ps_args;
};

static const struct cmd_opt top_opts[] = {
    OPT_STR("ps-args", 0, "ARGS", "arguments for ps on the host (default \"-ef\")", struct top_args,
            ps_args),
    {0},
};

static int top_run(struct ctx *x, int argc, char **argv)
{
	struct top_args a = {.ps_args = "-ef"};
	int i = cmd_parse(x, &cmd_top, argc, argv, NULL, &a);
	if (i < 0)
		return i;
	if (argc - i != 1)
		return cmd_usage(x, "top: name exactly one CONTAINER");
	_cleanup_host_ struct host *h = NULL;
	struct container *c;
	if (ctx_containers(x, argv + i, 1, 0, &h, &c) < 0)
		return -1;
	_cleanup_free_ char *q = docker_urlencode(a.ps_args);
	_cleanup_free_ char *path = xasprintf("/containers/%s/top?ps_args=%s", c->id, q);
	json_t *j = NULL;
	if (docker_get_json(x->d, path, &j, &x->err) < 0)
		return err_prefix(&x->err, "top '%s'", c->name);
	json_t *titles = jarr(j, "Titles");
	json_t *procs = jarr(j, "Processes");
	if (!titles || !procs) {
		json_decref(j);
		return err_set(&x->err, CIRT_EXIT_BADANSWER,
		               "top '%s': answer lacks Titles/Processes", c->name);
	}
	size_t nt = json_array_size(titles);
	json_t *rows = json_array();
	struct out_col *cols = xcalloc(nt + 1, sizeof(*cols));
	for (size_t k = 0; k < nt; k++) {
		const char *t = json_string_value(json_array_get(titles, k));
		cols[k].header = t ? t : "?";
		cols[k].key = cols[k].header;
	}
	size_t pi;
	json_t *p;
	json_array_foreach(procs, pi, p)
	{
		json_t *row = json_object();
		for (size_t k = 0; k < nt; k++) {
			json_t *v = json_array_get(p, k);
			json_object_set(row, cols[k].key, v ? v : json_null());
		}
		json_array_append_new(rows, row);
	}
	if (x->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "container", json_str(c->name));
		json_object_set_new(doc, "id", json_str(c->id));
		json_object_set_new(doc, "processes", json_incref(rows));
		out_json(stdout, doc);
		json_decref(doc);
	} else
		out_table(stdout, rows, cols, nt);
	json_decref(rows);
	free(cols);
	json_decref(j);
	return 0;
}

const struct cmd cmd_top = {
    .name = "top",
    .args = "CONTAINER",
    .summary = "the processes running in a container, with host PIDs",
    .opts = top_opts,
    .run = top_run,
};
