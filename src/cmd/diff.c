/* diff.c: `cirt diff`: files added (A), changed (C) or deleted (D) since the image. */
#include "cmd/cmd.h"
#include "escape.h"
#include "output/output.h"
#include "sources/layerdiff.h"

static const struct cmd_opt diff_opts[] = {
    {"kind", 'k', "KINDS",
     "only these kinds, any of A (added), C (changed), D (deleted), e.g. \"A\" or \"AC\""},
    {"from-layers", 'L', NULL,
     "compute the list from the container's overlay2 layers (its writable layer against its "
     "image's) instead of asking the daemon, as triage does (always so with --no-daemon or "
     "--root)"},
    {0},
};

struct diff_args {
	const char *kinds;
	bool layers;
};

static int on_opt(struct ctx *x, int key, const char *arg, void *st)
{
	struct diff_args *a = st;
	if (key == 'L') {
		a->layers = true;
		return 0;
	}
	for (const char *p = arg; *p; p++)
		if (!strchr("ACDacd,", *p))
			return cmd_usage(x, "diff: --kind: '%c' is not one of A, C, D", *p);
	a->kinds = arg;
	return 0;
}

static const char *kind_letter(long long k)
{
	switch (k) {
	case 0:
		return "C";
	case 1:
		return "A";
	case 2:
		return "D";
	default:
		return "?";
	}
}

static int diff_run(struct ctx *x, int argc, char **argv)
{
	struct diff_args a = {0};
	int i = cmd_parse(x, &cmd_diff, argc, argv, on_opt, &a);
	const char *kinds = a.kinds;
	if (i < 0)
		return i;
	if (argc - i != 1)
		return cmd_usage(x, "diff: name exactly one CONTAINER");
	_cleanup_host_ struct host *h = NULL;
	struct container *c;
	if (ctx_containers(x, argv + i, 1, 0, &h, &c) < 0)
		return -1;
	print_warnings(h);
	_cleanup_free_ char *path = xasprintf("/containers/%s/changes", c->id);
	json_t *j = NULL;
	json_t *notes = json_array();
	/* without the daemon (or from a disk image), or when asked: the writable layer against the
	 * image's; a walk cut short gives what it found, with notes */
	bool layers = x->no_daemon || a.layers;
	int r =
	    layers
	        ? (c->upper_dir
	               ? layerdiff(c->upper_dir,
	                           jstr(jobj(jobj(c->inspect, "GraphDriver"), "Data"), "LowerDir"),
	                           0, &j, notes, &x->err)
	               : err_set(&x->err, CIRT_EXIT_RUNTIME,
	                         "no writable layer known (not overlay2?)"))
	        : docker_get_json(x->d, path, &j, &x->err);
	for (size_t k = 0; k < c->n_notes; k++)
		json_array_append_new(notes, json_str(c->notes[k]));
	if (layers)
		print_notes(notes);
	if (r < 0) {
		json_decref(notes);
		return err_prefix(&x->err, "diff '%s'", c->name);
	}
	if (!json_is_array(j) && !json_is_null(j)) {
		json_decref(j);
		return err_set(&x->err, CIRT_EXIT_BADANSWER, "diff '%s': answer is not an array",
		               c->name);
	}
	json_t *rows = json_array();
	size_t k;
	json_t *ch;
	json_array_foreach(j, k, ch)
	{
		const char *p = jstr(ch, "Path");
		const char *kl = kind_letter(jint(ch, "Kind", -1));
		if (!p)
			continue;
		if (kinds && !strchr(kinds, kl[0]) && !strchr(kinds, kl[0] + 32))
			continue;
		json_t *row = json_object();
		json_object_set_new(row, "kind", json_string(kl));
		json_object_set_new(row, "path", json_str(p));
		json_array_append_new(rows, row);
	}
	json_decref(j);
	if (x->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "container", json_str(c->name));
		json_object_set_new(doc, "id", json_str(c->id));
		json_object_set_new(doc, "changes", rows);
		json_object_set_new(doc, "notes", json_incref(notes));
		json_t *off = ctx_offline_json(x);
		if (off)
			json_object_set_new(doc, "offline", off);
		out_json(stdout, doc);
		json_decref(doc);
	} else {
		static const struct out_col cols[] = {{"KIND", "kind"}, {"PATH", "path"}};
		out_table(stdout, rows, cols, ARRAY_SIZE(cols));
		json_decref(rows);
	}
	json_decref(notes);
	return 0;
}

const struct cmd cmd_diff = {
    .name = "diff",
    .args = "CONTAINER",
    .summary = "files added (A), changed (C) and deleted (D) in a container since its image",
    .opts = diff_opts,
    .run = diff_run,
    .flags = CMD_NODAEMON | CMD_OFFLINE,
};
