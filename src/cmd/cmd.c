/* cmd.c: what every command shares: the context's daemon client and host model, and its
 * warnings (the option parser is options.c; the front end, cirt.c, has main and the table). */
#include "cmd/cmd.h"
#include "escape.h"
#include "sources/ondisk.h"

int ctx_docker(struct ctx *x, struct docker **ret)
{
	if (!x->d) {
		struct docker_opts o = {.host = x->host, .timeout_ms = x->timeout_ms};
		if (docker_open(&o, &x->d, &x->err) < 0)
			return -1;
	}
	*ret = x->d;
	return 0;
}

int ctx_host(struct ctx *x, bool all, unsigned needs, struct host **ret)
{
	if (x->root) {
		struct host_load_opts o = {.all = all, .needs = needs};
		return host_load_offline(&o, ret, &x->err);
	}
	if (x->no_daemon) {
		struct host_load_opts o = {.all = all, .needs = needs};
		return host_load_nodaemon(&o, ret, &x->err);
	}
	struct docker *d;
	if (ctx_docker(x, &d) < 0)
		return -1;
	struct host_load_opts o = {.all = all, .needs = needs};
	return host_load(d, &o, ret, &x->err);
}

int ctx_containers(struct ctx *x, char *const *refs, size_t n, unsigned needs, struct host **ret_h,
                   struct container **ret_c)
{
	struct host_load_opts o = {.all = true, .needs = needs, .refs = refs, .n_refs = n};
	struct host *h = NULL;
	if (x->root) {
		if (host_load_offline(&o, &h, &x->err) < 0)
			return -1;
	} else if (x->no_daemon) {
		if (host_load_nodaemon(&o, &h, &x->err) < 0)
			return -1;
	} else {
		struct docker *d;
		if (ctx_docker(x, &d) < 0)
			return -1;
		if (host_load(d, &o, &h, &x->err) < 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (host_find(h, refs[i], &ret_c[i], &x->err) < 0) {
			/* listed a moment ago, gone at inspect: it was removed meanwhile */
			host_free(h);
			return -1;
		}
	*ret_h = h;
	return 0;
}

void print_warnings(const struct host *h)
{
	for (size_t i = 0; h && i < h->n_warnings; i++) {
		char *e = term_escape(h->warnings[i]);
		fprintf(stderr, "cirt: warning: %s\n", e);
		free(e);
	}
}

json_t *ctx_offline_json(struct ctx *x)
{
	if (!x->root)
		return NULL;
	json_t *o = json_object();
	json_object_set_new(o, "offline", json_true());
	json_object_set_new(o, "image_root", json_str(x->root));
	_cleanup_free_ char *dr = ondisk_docker_root();
	json_object_set_new(o, "data_root", json_str(dr));
	return o;
}

void ctx_offline_banner(struct ctx *x)
{
	if (!x->root)
		return;
	_cleanup_free_ char *dr = ondisk_docker_root();
	_cleanup_free_ char *r = term_escape(x->root), *d = term_escape(dr);
	fprintf(stderr,
	        "cirt: offline view of the disk image at '%s' (data root '%s'): nothing read from "
	        "the running machine\n",
	        r, d);
}

void print_notes(json_t *notes)
{
	size_t i;
	json_t *n;
	json_array_foreach(notes, i, n)
	{
		if (!json_is_string(n))
			continue;
		char *e = term_escape(json_string_value(n));
		fprintf(stderr, "cirt: note: %s\n", e);
		free(e);
	}
}
