/* cmd.c: what every command shares: the context's daemon client and host model, and its
 * warnings (the option parser is options.c; the front end, cirt.c, has main and the table). */
#include "cmd/cmd.h"
#include "escape.h"

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
	if (x->no_daemon) {
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
