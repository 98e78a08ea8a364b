/* stats.c: `cirt stats`: one resource snapshot of every running container at once. */
#include <strings.h>

#include "cmd/cmd.h"
#include "escape.h"
#include "output/output.h"

static const struct cmd_opt stats_opts[] = {{0}};

static double num(json_t *o, const char *path)
{
	json_t *v = jpath(o, path);
	if (json_is_integer(v))
		return (double)json_integer_value(v);
	if (json_is_real(v))
		return json_real_value(v);
	return 0;
}

/* The same arithmetic as the docker CLI, so figures can be compared with `docker stats`. */
static json_t *stats_row(const struct container *c, json_t *s)
{
	json_t *r = json_object();
	json_object_set_new(r, "name", json_str(c->name));
	json_object_set_new(r, "id", json_str(c->id));
	double cpu_delta = num(s, "cpu_stats.cpu_usage.total_usage") -
	                   num(s, "precpu_stats.cpu_usage.total_usage");
	double sys_delta =
	    num(s, "cpu_stats.system_cpu_usage") - num(s, "precpu_stats.system_cpu_usage");
	double ncpu = num(s, "cpu_stats.online_cpus");
	if (ncpu <= 0)
		ncpu = (double)json_array_size(jpath(s, "cpu_stats.cpu_usage.percpu_usage"));
	if (ncpu <= 0)
		ncpu = 1;
	double cpu = (cpu_delta > 0 && sys_delta > 0) ? cpu_delta / sys_delta * ncpu * 100.0 : 0.0;
	double usage = num(s, "memory_stats.usage");
	double inactive = num(s, "memory_stats.stats.total_inactive_file");
	if (inactive <= 0)
		inactive = num(s, "memory_stats.stats.inactive_file");
	if (inactive > 0 && inactive < usage)
		usage -= inactive;
	double limit = num(s, "memory_stats.limit");
	double rx = 0, tx = 0, rd = 0, wr = 0;
	json_t *nets = jobj(s, "networks");
	const char *k;
	json_t *v;
	json_object_foreach(nets, k, v)
	{
		rx += num(v, "rx_bytes");
		tx += num(v, "tx_bytes");
	}
	json_t *io = jpath(s, "blkio_stats.io_service_bytes_recursive");
	size_t i;
	json_array_foreach(io, i, v)
	{
		const char *op = jstr(v, "op");
		if (op && strcasecmp(op, "read") == 0)
			rd += num(v, "value");
		else if (op && strcasecmp(op, "write") == 0)
			wr += num(v, "value");
	}
	json_object_set_new(r, "cpu_percent", json_real((double)(long long)(cpu * 100) / 100.0));
	json_object_set_new(r, "mem_bytes", json_integer((json_int_t)usage));
	json_object_set_new(r, "mem_limit_bytes", json_integer((json_int_t)limit));
	json_object_set_new(
	    r, "mem_percent",
	    json_real(limit > 0 ? (double)(long long)(usage / limit * 10000) / 100.0 : 0));
	json_object_set_new(r, "net_rx_bytes", json_integer((json_int_t)rx));
	json_object_set_new(r, "net_tx_bytes", json_integer((json_int_t)tx));
	json_object_set_new(r, "block_read_bytes", json_integer((json_int_t)rd));
	json_object_set_new(r, "block_write_bytes", json_integer((json_int_t)wr));
	json_object_set_new(r, "pids", json_integer((json_int_t)num(s, "pids_stats.current")));
	return r;
}

static void humanize(json_t *row, const char *key, const char *out)
{
	char b[32];
	fmt_bytes((uint64_t)json_integer_value(json_object_get(row, key)), b, sizeof(b));
	json_object_set_new(row, out, json_string(b));
}

static int stats_run(struct ctx *x, int argc, char **argv)
{
	int i = cmd_parse(x, &cmd_stats, argc, argv, NULL, NULL);
	if (i < 0)
		return i;
	size_t n = (size_t)(argc - i);
	_cleanup_host_ struct host *h = NULL;
	_cleanup_free_ struct container **cs = NULL;
	if (n > 0) {
		cs = xcalloc(n, sizeof(*cs));
		if (ctx_containers(x, argv + i, n, 0, &h, cs) < 0)
			return -1;
	} else {
		if (ctx_host(x, false, HOST_DROP_DOC, &h) < 0)
			return -1;
		n = h->n;
		cs = xcalloc(n + 1, sizeof(*cs));
		for (size_t k = 0; k < n; k++)
			cs[k] = &h->c[k];
	}
	print_warnings(h);
	char **paths = xcalloc(n + 1, sizeof(*paths));
	size_t np = 0;
	struct container **sel = xcalloc(n + 1, sizeof(*sel));
	for (size_t k = 0; k < n; k++) {
		if (!cs[k]->running) {
			_cleanup_free_ char *e = term_escape(cs[k]->name);
			fprintf(stderr, "cirt: warning: '%s' is not running: no stats\n", e);
			continue;
		}
		sel[np] = cs[k];
		/* stream=false waits for two samples, so CPU percent is meaningful; all run at once
		 */
		paths[np++] = xasprintf("/containers/%s/stats?stream=false", cs[k]->id);
	}
	struct docker_result *res = xcalloc(np + 1, sizeof(*res));
	int r = docker_get_json_many(x->d, paths, np, np < 128 ? np : 128, res, &x->err);
	json_t *rows = json_array();
	for (size_t k = 0; r == 0 && k < np; k++) {
		if (!json_is_object(res[k].json)) {
			_cleanup_free_ char *e = term_escape(sel[k]->name);
			_cleanup_free_ char *m =
			    term_escape(res[k].err_msg ? res[k].err_msg : "not an object");
			fprintf(stderr, "cirt: warning: stats '%s': %s\n", e, m);
			continue;
		}
		json_array_append_new(rows, stats_row(sel[k], res[k].json));
	}
	for (size_t k = 0; k < np; k++) {
		docker_result_clear(&res[k]);
		free(paths[k]);
	}
	free(res);
	free(paths);
	free(sel);
	if (r < 0) {
		json_decref(rows);
		return err_prefix(&x->err, "stats");
	}
	if (x->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "stats", rows);
		out_json(stdout, doc);
		json_decref(doc);
		return 0;
	}
	size_t k;
	json_t *row;
	json_array_foreach(rows, k, row)
	{
		humanize(row, "mem_bytes", "mem");
		humanize(row, "mem_limit_bytes", "limit");
		humanize(row, "net_rx_bytes", "rx");
		humanize(row, "net_tx_bytes", "tx");
		humanize(row, "block_read_bytes", "rd");
		humanize(row, "block_write_bytes", "wr");
		json_object_set_new(
		    row, "id", json_stringn(json_string_value(json_object_get(row, "id")), 12));
	}
	static const struct out_col cols[] = {
	    {"NAME", "name"},  {"ID", "id"},       {"CPU%", "cpu_percent"},
	    {"MEM", "mem"},    {"LIMIT", "limit"}, {"MEM%", "mem_percent"},
	    {"NET RX", "rx"},  {"NET TX", "tx"},   {"BLOCK R", "rd"},
	    {"BLOCK W", "wr"}, {"PIDS", "pids"},
	};
	out_table(stdout, rows, cols, ARRAY_SIZE(cols));
	json_decref(rows);
	return 0;
}

const struct cmd cmd_stats = {
    .name = "stats",
    .args = "[CONTAINER...]",
    .summary = "one resource snapshot (CPU, memory, network, block I/O, pids); all running "
               "containers when none is named",
    .opts = stats_opts,
    .run = stats_run,
};
