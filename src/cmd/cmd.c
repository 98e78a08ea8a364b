/* cmd.c: what every command shares: its option parser and help, and the context's daemon
 * client and host model. The front end (cirt.c) has main and the command table. */
#include <getopt.h>

#include "cmd/cmd.h"
#include "escape.h"

void cmd_print_opts(FILE *f, const struct cmd_opt *o, bool markdown)
{
	for (; o && o->name; o++) {
		char lhs[96];
		if (o->key > 0 && o->key < 256)
			snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", o->key, o->name,
			         o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(lhs, sizeof(lhs), "    --%s%s%s", o->name, o->arg ? " " : "",
			         o->arg ? o->arg : "");
		if (markdown)
			fprintf(f, "- `%s`: %s\n", lhs[0] == ' ' ? lhs + 4 : lhs, o->help);
		else
			fprintf(f, "  %-28s %s\n", lhs, o->help);
	}
}

const struct cmd_opt cmd_common_opts[] = {
    {"json", 'j', NULL, "print JSON"},
    {"help", 'h', NULL, "print this help"},
    {0},
};

void cmd_help(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: cirt %s [OPTIONS]%s%s\n\n%s\n\noptions:\n", c->name, c->args ? " " : "",
	        c->args ? c->args : "", c->summary);
	cmd_print_opts(f, c->opts, false);
	cmd_print_opts(f, cmd_common_opts, false);
}

void cmd_build_long(const struct cmd_opt *a, const struct cmd_opt *b, struct option *lo, char *so)
{
	size_t n = 0, s = 0;
	/* global options stop at the command name; a command's options may follow its operands */
	if (!b)
		so[s++] = '+';
	so[s++] = ':';
	for (int pass = 0; pass < 2; pass++)
		for (const struct cmd_opt *o = pass ? b : a; o && o->name; o++) {
			lo[n].name = o->name;
			lo[n].has_arg = o->arg ? required_argument : no_argument;
			lo[n].flag = NULL;
			lo[n].val = o->key;
			n++;
			if (o->key > 0 && o->key < 256) {
				so[s++] = (char)o->key;
				if (o->arg)
					so[s++] = ':';
			}
		}
	memset(&lo[n], 0, sizeof(lo[n]));
	so[s] = '\0';
}

int cmd_usage(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err.msg, sizeof(x->err.msg), fmt, ap);
	va_end(ap);
	x->err.code = CIRT_EXIT_USAGE;
	return -1;
}

int cmd_parse(struct ctx *x, const struct cmd *c, int argc, char **argv, cmd_opt_cb on_opt,
              void *st)
{
	struct option lo[64];
	char so[160];
	cmd_build_long(c->opts, cmd_common_opts, lo, so);
	optind = 0; /* glibc: full re-initialisation (the front end parsed in "+" mode) */
	opterr = 0;
	int k;
	while ((k = getopt_long(argc, argv, so + 0, lo, NULL)) != -1) {
		if (k == 'h') {
			cmd_help(stdout, c);
			return -2;
		}
		if (k == 'j') {
			x->json = true;
			continue;
		}
		if (k == '?' || k == ':') {
			const char *bad = argv[optind - 1];
			return cmd_usage(x, "%s: %s '%s' (see 'cirt %s --help')", c->name,
			                 k == ':' ? "option needs a value" : "unknown option", bad,
			                 c->name);
		}
		if (on_opt && on_opt(x, k, optarg, st) < 0)
			return -1;
	}
	return optind;
}

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
