/* test_cmd.c: the option parser: typed options stored into the command's struct, choices and
 * ranges refused with a usage error, global options after the command, --no-daemon refused for a
 * command that needs the daemon, on_opt for the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cmd/cmd.h"

struct t_args {
	bool flag, on;
	const char *name, *ip;
	int fmt;
	unsigned n;
	long tail;
	uint64_t size;
	int calls;
	char last[32];
};

static const struct cmd_choice t_choices[] = {{"table", 10}, {"json", 20}, {0}};

static int t_on_opt(struct ctx *x, int key, const char *arg, void *st)
{
	struct t_args *a = st;
	a->calls++;
	snprintf(a->last, sizeof(a->last), "%c=%s", key, arg);
	if (streq(arg, "bad"))
		return cmd_usage(x, "t: --call: refused");
	return 0;
}

static const struct cmd_opt t_opts[] = {
    OPT_BOOL("flag", 'f', "a flag", struct t_args, flag),
    OPT_FALSE("no-on", 0, "clears on", struct t_args, on),
    OPT_STR("name", 'n', "NAME", "a string", struct t_args, name),
    OPT_IP("ip", 0, "ADDR", "an address", struct t_args, ip),
    OPT_CHOICE("format", 0, "FMT", "a choice", struct t_args, fmt, t_choices),
    OPT_UINT("threads", 0, "N", "a number", struct t_args, n, 1, 8),
    OPT_LONG("tail", 0, "N", "a long", struct t_args, tail, 0, LONG_MAX),
    OPT_SIZE("size", 0, "SIZE", "a size", struct t_args, size, 1024, 1L << 30),
    OPT_CALL("call", 'c', "X", "handled by on_opt"),
    {0},
};

static int t_run(struct ctx *x, int argc, char **argv)
{
	return 0;
}

static const struct cmd t_cmd = {.name = "t", .opts = t_opts, .run = t_run, .flags = CMD_NODAEMON};
static const struct cmd t_daemon_cmd = {.name = "td", .opts = t_opts, .run = t_run};

/* parse a command line of up to 16 words into a fresh args struct */
static int parse(const struct cmd *c, struct ctx *x, struct t_args *a, const char *line)
{
	static char buf[512];
	char *argv[17];
	int argc = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && argc < 16;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	*x = (struct ctx){.timeout_ms = 10000};
	*a = (struct t_args){.on = true, .tail = -1};
	return cmd_parse(x, c, argc, argv, t_on_opt, a);
}

static void test_typed(void **state)
{
	struct ctx x;
	struct t_args a;
	int i =
	    parse(&t_cmd, &x, &a,
	          "t -f --no-on -n web op1 --ip 10.0.0.1 --format json --threads 8 --tail 0 op2");
	assert_int_equal(i, 13); /* GNU getopt moved the operands to the end */
	assert_true(a.flag);
	assert_false(a.on);
	assert_string_equal(a.name, "web");
	assert_string_equal(a.ip, "10.0.0.1");
	assert_int_equal(a.fmt, 20);
	assert_int_equal(a.n, 8);
	assert_int_equal(a.tail, 0);
	assert_int_equal(a.calls, 0);
	assert_int_equal(parse(&t_cmd, &x, &a, "t --size 1.5K"), 3);
	assert_int_equal(a.size, 1536);
	/* defaults stay when an option is absent */
	assert_int_equal(parse(&t_cmd, &x, &a, "t"), 1);
	assert_true(a.on);
	assert_int_equal(a.tail, -1);
	assert_null(a.name);
}

static void test_refused(void **state)
{
	struct ctx x;
	struct t_args a;
	assert_int_equal(parse(&t_cmd, &x, &a, "t --format png"), -1);
	assert_int_equal(x.err.code, CIRT_EXIT_USAGE);
	assert_string_equal(x.err.msg, "t: --format: 'png' is not one of table, json");
	assert_int_equal(parse(&t_cmd, &x, &a, "t --threads 9"), -1);
	assert_string_equal(x.err.msg, "t: --threads: '9' is not a number from 1 to 8");
	assert_int_equal(parse(&t_cmd, &x, &a, "t --threads 2x"), -1);
	assert_int_equal(parse(&t_cmd, &x, &a, "t --tail -1"), -1);
	assert_string_equal(x.err.msg, "t: --tail: '-1' is not a number (0 or more)");
	assert_int_equal(parse(&t_cmd, &x, &a, "t --ip 10.0.0"), -1);
	assert_string_equal(x.err.msg, "t: --ip: '10.0.0' is not an IPv4 or IPv6 address");
	assert_int_equal(parse(&t_cmd, &x, &a, "t --name="), -1);
	assert_string_equal(x.err.msg, "t: --name: empty value");
	assert_int_equal(parse(&t_cmd, &x, &a, "t --size 1K"), 3);
	assert_int_equal(a.size, 1024);
	assert_int_equal(parse(&t_cmd, &x, &a, "t --size 1023"), -1);
	assert_string_equal(x.err.msg, "t: --size: '1023' is below the minimum of 1K");
	assert_int_equal(parse(&t_cmd, &x, &a, "t --size 2G"), -1);
	assert_string_equal(x.err.msg, "t: --size: '2G' is above the maximum of 1G");
	assert_int_equal(parse(&t_cmd, &x, &a, "t --nope"), -1);
	assert_string_equal(x.err.msg, "t: unknown option '--nope' (see 'cirt t --help')");
	assert_int_equal(parse(&t_cmd, &x, &a, "t -n"), -1);
	assert_string_equal(x.err.msg, "t: option needs a value '-n' (see 'cirt t --help')");
}

static void test_callback(void **state)
{
	struct ctx x;
	struct t_args a;
	assert_int_equal(parse(&t_cmd, &x, &a, "t -c one --call two"), 5);
	assert_int_equal(a.calls, 2);
	assert_string_equal(a.last, "c=two");
	assert_int_equal(parse(&t_cmd, &x, &a, "t --call bad"), -1);
	assert_string_equal(x.err.msg, "t: --call: refused");
}

static void test_globals_after_command(void **state)
{
	struct ctx x;
	struct t_args a;
	assert_int_equal(parse(&t_cmd, &x, &a, "t op --no-daemon -j -H unix:///x -t 2.5"), 7);
	assert_true(x.no_daemon);
	assert_true(x.json);
	assert_string_equal(x.host, "unix:///x");
	assert_int_equal(x.timeout_ms, 2500);
	assert_int_equal(parse(&t_cmd, &x, &a, "t --timeout 0"), -1);
	assert_string_equal(x.err.msg, "--timeout: '0' is not a number of seconds");
	/* a command that needs the daemon refuses --no-daemon, wherever it stands */
	assert_int_equal(parse(&t_daemon_cmd, &x, &a, "td --no-daemon"), -1);
	assert_string_equal(x.err.msg,
	                    "'td' needs the Docker daemon: it does not work with --no-daemon");
}

static int main_opt(struct ctx *x, int key, const char *arg, void *st)
{
	return key == 'V' ? -2 : 0;
}

static void test_front_end(void **state)
{
	static const struct cmd_opt extra[] = {OPT_CALL("version", 'V', NULL, "version"), {0}};
	char *argv[] = {"cirt", "--no-daemon", "-t", "3", "ps", "-a", NULL};
	struct ctx x = {.timeout_ms = 10000};
	/* stops at the command name: its own options are left to it */
	assert_int_equal(cmd_parse_global(&x, 6, argv, extra, main_opt), 4);
	assert_true(x.no_daemon);
	assert_int_equal(x.timeout_ms, 3000);
	char *argv2[] = {"cirt", "-V", "ps", NULL};
	assert_int_equal(cmd_parse_global(&x, 3, argv2, extra, main_opt), -2);
	char *argv3[] = {"cirt", "--bogus", "ps", NULL};
	assert_int_equal(cmd_parse_global(&x, 3, argv3, extra, main_opt), -1);
	assert_string_equal(x.err.msg,
	                    "unknown or incomplete option '--bogus' (see 'cirt --help')");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_typed),     cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_callback),  cmocka_unit_test(test_globals_after_command),
	    cmocka_unit_test(test_front_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
