/* options.c: the option parser every command shares: typed options stored into the command's
 * argument struct, the global options before or after the command name (help.c prints them). */
#include <getopt.h>

#include "cmd/cmd.h"
#include "output/output.h"
#include "sources/ondisk.h"
#include "sources/rootfs.h"

/* --timeout: seconds, with a fraction, to milliseconds */
static int global_opt(struct ctx *x, int key, const char *arg, void *st)
{
	(void)st;
	if (key != 't')
		return 0;
	char *end;
	double s = strtod(arg, &end);
	if (end == arg || *end || !(s > 0 && s <= 86400))
		return cmd_usage(x, "--timeout: '%s' is not a number of seconds", arg);
	x->timeout_ms = (int)(s * 1000);
	return 0;
}

const struct cmd_opt cmd_global_opts[] = {
    OPT_STR("host", 'H', "URL",
            "Docker daemon: unix:///path or tcp://host:port (default $DOCKER_HOST, then "
            "unix:///var/run/docker.sock)",
            struct ctx, host),
    OPT_CALL("timeout", 't', "SECONDS",
             "per-request timeout for the daemon (default 10; the version probe uses at most 2)"),
    OPT_BOOL("json", 'j', "print JSON instead of a table (every command that prints data)",
             struct ctx, json),
    OPT_BOOL("no-color", 0, "never use colour (also: NO_COLOR set in the environment)", struct ctx,
             no_color),
    OPT_BOOL("no-daemon", 0,
             "do not ask the daemon: read its records on disk and the host's processes (for a "
             "dead, hung or untrusted daemon; ps, inspect, conns, locate, net, scan, collect)",
             struct ctx, no_daemon),
    OPT_STR("root", 0, "DIR",
            "offline view of a disk image of a host mounted at DIR (read-only): every file read "
            "inside DIR, nothing from the running machine (ps, inspect, net, diff, logs, scan, "
            "collect, locate, timeline)",
            struct ctx, root),
    OPT_STR("data-root", 0, "PATH",
            "the daemon's data root (inside --root; default: data-root of /etc/docker/daemon.json, "
            "else /var/lib/docker; '/' when the image is the data root itself)",
            struct ctx, data_root),
    OPT_CALL("help", 'h', NULL, "print this help"),
    {0},
};

/* --root and --data-root in force: every later read of the host's files goes through them */
static int apply_root(struct ctx *x)
{
	if (x->data_root && x->data_root[0] != '/')
		return cmd_usage(x, "--data-root: '%s' is not an absolute path", x->data_root);
	if (x->data_root)
		ondisk_set_docker_root(x->data_root);
	if (!x->root || x->root_set)
		return 0;
	if (x->host)
		return cmd_usage(x, "--root reads a disk image: it does not go with -H");
	int r = rootfs_host_set(x->root);
	if (r < 0)
		return cmd_usage(x, "--root: '%s': %s", x->root, strerror(-r));
	x->root_set = true;
	x->no_daemon = true;
	return 0;
}

/* getopt_long's value for the option at tabs[t][i]: its letter, or an index past every letter */
enum { OPT_IDX_BASE = 0x10000 };

static int opt_val(const struct cmd_opt *o, size_t t, size_t i)
{
	return o->key > 0 && o->key < 256 ? o->key : OPT_IDX_BASE + (int)(t << 8) + (int)i;
}

/* getopt's tables from two option tables (the first may be NULL); stop: end at the first
 * operand (the global options before the command name). */
#define MAX_OPTS 64
static void build_long(const struct cmd_opt *const tabs[2], bool stop, struct option *lo, char *so)
{
	size_t n = 0, s = 0;
	if (stop)
		so[s++] = '+';
	so[s++] = ':';
	for (size_t t = 0; t < 2; t++)
		for (size_t i = 0; tabs[t] && tabs[t][i].name && n < MAX_OPTS; i++) {
			const struct cmd_opt *o = &tabs[t][i];
			lo[n++] = (struct option){o->name, o->arg ? required_argument : no_argument,
			                          NULL, opt_val(o, t, i)};
			if (o->key > 0 && o->key < 256) {
				so[s++] = (char)o->key;
				if (o->arg)
					so[s++] = ':';
			}
		}
	memset(&lo[n], 0, sizeof(lo[n]));
	so[s] = '\0';
}

static const struct cmd_opt *find_opt(const struct cmd_opt *const tabs[2], int k, size_t *ret_t)
{
	for (size_t t = 0; t < 2; t++)
		for (size_t i = 0; tabs[t] && tabs[t][i].name; i++)
			if (opt_val(&tabs[t][i], t, i) == k) {
				*ret_t = t;
				return &tabs[t][i];
			}
	return NULL;
}

static int parse_num(const char *arg, long min, long max, long *ret)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end || errno || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

/* Store the value of a typed option into the struct at base. */
static int store(struct ctx *x, const char *cname, const struct cmd_opt *o, const char *arg,
                 void *base)
{
	char *dst = (char *)base + o->off;
	const char *pre = cname ? cname : "cirt";
	char norm[64];
	long v;
	switch (o->type) {
	case CMD_OPT_CALL:
		break;
	case CMD_OPT_BOOL:
	case CMD_OPT_FALSE:
		*(bool *)dst = o->type == CMD_OPT_BOOL;
		break;
	case CMD_OPT_STR:
		if (!*arg)
			return cmd_usage(x, "%s: --%s: empty value", pre, o->name);
		*(const char **)dst = arg;
		break;
	case CMD_OPT_IP:
		if (!ip_normalize(arg, norm, sizeof(norm)))
			return cmd_usage(x, "%s: --%s: '%s' is not an IPv4 or IPv6 address", pre,
			                 o->name, arg);
		*(const char **)dst = arg;
		break;
	case CMD_OPT_CHOICE:
		for (const struct cmd_choice *ch = o->choices; ch->name; ch++)
			if (streq(ch->name, arg)) {
				*(int *)dst = ch->value;
				return 0;
			}
		{
			char list[256] = "";
			for (const struct cmd_choice *ch = o->choices; ch->name; ch++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				         ch == o->choices ? "" : ", ", ch->name);
			return cmd_usage(x, "%s: --%s: '%s' is not one of %s", pre, o->name, arg,
			                 list);
		}
	case CMD_OPT_UINT:
	case CMD_OPT_LONG:
		if (parse_num(arg, o->min, o->max, &v) < 0 && o->max == LONG_MAX)
			return cmd_usage(x, "%s: --%s: '%s' is not a number (%ld or more)", pre,
			                 o->name, arg, o->min);
		if (parse_num(arg, o->min, o->max, &v) < 0)
			return cmd_usage(x, "%s: --%s: '%s' is not a number from %ld to %ld", pre,
			                 o->name, arg, o->min, o->max);
		if (o->type == CMD_OPT_UINT)
			*(unsigned *)dst = (unsigned)v;
		else
			*(long *)dst = v;
		break;
	case CMD_OPT_SIZE: {
		char what[64];
		snprintf(what, sizeof(what), "--%s", o->name);
		if (parse_size(what, arg, (uint64_t)o->min,
		               o->max > 0 ? (uint64_t)o->max : UINT64_MAX, (uint64_t *)dst,
		               &x->err) < 0)
			return err_prefix(&x->err, "%s", pre);
		break;
	}
	}
	return 0;
}

/* The getopt loop of the front end (c NULL: tabs[0] its own options, handled by on_opt; stops
 * at the command name) and of a command (tabs[0] the command's: typed values into st); tabs[1]
 * is the global table in both, typed values into x. */
static int parse(struct ctx *x, const struct cmd *c, const struct cmd_opt *const tabs[2], int argc,
                 char **argv, cmd_opt_cb on_opt, void *st)
{
	struct option lo[MAX_OPTS + 1];
	char so[2 * MAX_OPTS + 3];
	build_long(tabs, !c, lo, so);
	optind = 0; /* glibc: full re-initialisation (the front end parsed in "+" mode) */
	opterr = 0;
	int k;
	while ((k = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		size_t t = 0;
		const struct cmd_opt *o = k == '?' || k == ':' ? NULL : find_opt(tabs, k, &t);
		if (!o && !c)
			return cmd_usage(x, "unknown or incomplete option '%s' (see 'cirt --help')",
			                 argv[optind - 1]);
		if (!o)
			return cmd_usage(x, "%s: %s '%s' (see 'cirt %s --help')", c->name,
			                 k == ':' ? "option needs a value" : "unknown option",
			                 argv[optind - 1], c->name);
		int r;
		if (t == 1 && o->key == 'h' && c) {
			cmd_help(stdout, c);
			return -2;
		} else if (t == 1 && o->type == CMD_OPT_CALL && o->key != 'h') {
			r = global_opt(x, o->key, optarg, NULL);
		} else if (o->type != CMD_OPT_CALL) {
			r = store(x, c ? c->name : NULL, o, optarg, t == 1 ? (void *)x : st);
		} else {
			r = on_opt ? on_opt(x, o->key, optarg, st) : 0;
		}
		if (r < 0)
			return r;
	}
	if (x->no_color)
		out_set_color(false);
	if (apply_root(x) < 0)
		return -1;
	return optind;
}

int cmd_parse_global(struct ctx *x, int argc, char **argv, const struct cmd_opt *extra,
                     cmd_opt_cb on_opt)
{
	const struct cmd_opt *const tabs[2] = {extra, cmd_global_opts};
	return parse(x, NULL, tabs, argc, argv, on_opt, NULL);
}

int cmd_parse(struct ctx *x, const struct cmd *c, int argc, char **argv, cmd_opt_cb on_opt,
              void *st)
{
	const struct cmd_opt *const tabs[2] = {c->opts, cmd_global_opts};
	int i = parse(x, c, tabs, argc, argv, on_opt, st);
	if (i >= 0 && x->root && !(c->flags & CMD_OFFLINE))
		return cmd_usage(x,
		                 "'%s' needs the running machine: it does not work with --root "
		                 "(offline: ps, inspect, net, diff, logs, scan, collect, locate, "
		                 "timeline)",
		                 c->name);
	if (i >= 0 && x->no_daemon && !x->root && !(c->flags & CMD_NODAEMON))
		return cmd_usage(
		    x, "'%s' needs the Docker daemon: it does not work with --no-daemon", c->name);
	return i;
}
