/* inspect.c: `cirt inspect`: the daemon's inspect plus what cirt derives from the host. */
#include "cmd/cmd.h"
#include "output/output.h"

static const struct cmd_opt inspect_opts[] = {{0}};

static int inspect_run(struct ctx *x, int argc, char **argv)
{
	int i = cmd_parse(x, &cmd_inspect, argc, argv, NULL, NULL);
	if (i < 0)
		return i;
	size_t n = (size_t)(argc - i);
	if (n == 0)
		return cmd_usage(x, "inspect: name at least one CONTAINER");
	_cleanup_host_ struct host *h = NULL;
	_cleanup_free_ struct container **cs = xcalloc(n, sizeof(*cs));
	if (ctx_containers(x, argv + i, n, HOST_NEED_NET | HOST_NEED_PROC, &h, cs) < 0)
		return -1;
	print_warnings(h);
	json_t *out = json_array();
	for (size_t k = 0; k < n; k++) {
		json_t *o = json_deep_copy(cs[k]->inspect);
		if (!json_is_object(o)) {
			json_decref(o);
			o = json_object();
		}
		/* the derived facts sit beside the daemon's, under one key the daemon never uses */
		json_t *cj = container_to_json(cs[k]);
		json_t *off = ctx_offline_json(x);
		if (off)
			json_object_set_new(cj, "offline", off);
		json_object_set_new(o, "Cirt", cj);
		json_array_append_new(out, o);
	}
	out_json(stdout, out);
	json_decref(out);
	return 0;
}

const struct cmd cmd_inspect = {
    .name = "inspect",
    .args = "CONTAINER...",
    .summary = "the daemon's inspect plus derived facts (veth, bridge, netns inode, cgroup, upper "
               "dir) under \"Cirt\"",
    .opts = inspect_opts,
    .run = inspect_run,
    .flags = CMD_NODAEMON | CMD_OFFLINE,
};
