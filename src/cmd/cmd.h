/* cmd.h: what every subcommand shares: the context, option tables and the parser. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "model/host.h"
#include "sources/docker.h"
#include "util.h"

struct ctx {
	const char *host; /* --host, or NULL */
	int timeout_ms;   /* --timeout */
	bool json;        /* --json */
	bool no_daemon;   /* --no-daemon: the host model from disk and /proc (host_load_nodaemon) */
	struct docker *d; /* opened on first use */
	struct cirt_err err; /* what main prints */
	char **argv;         /* the whole command line, for reports and logs */
	int argc;
};

/* Open (once) the daemon client. */
int ctx_docker(struct ctx *x, struct docker **ret);
/* Load the host snapshot with the given needs. */
int ctx_host(struct ctx *x, bool all, unsigned needs, struct host **ret);

/* One option of a command. key: a short option letter, or a value >= 256 for long-only. */
struct cmd_opt {
	const char *name;
	int key;
	const char *arg; /* NULL when the option takes no argument */
	const char *help;
};

struct cmd {
	const char *name;
	const char *args;           /* synopsis after the options, e.g. "CONTAINER" */
	const char *summary;        /* one line */
	const struct cmd_opt *opts; /* terminated by {0} */
	int (*run)(struct ctx *x, int argc, char **argv);
	unsigned flags; /* enum cmd_flags */
};

enum cmd_flags {
	CMD_NODAEMON = 1 << 0, /* works with --no-daemon (reads the model through
	                          ctx_host/ctx_containers only) */
};

/* Parse argv with the command's options plus --json and --help. on_opt is called for every
 * option of the table; returns the index of the first operand, -1 on a usage error (x->err
 * set) or -2 when help was printed. */
typedef int (*cmd_opt_cb)(struct ctx *x, int key, const char *arg, void *st);
int cmd_parse(struct ctx *x, const struct cmd *c, int argc, char **argv, cmd_opt_cb on_opt,
              void *st);
void cmd_help(FILE *f, const struct cmd *c);
/* The lines of an option table (markdown: as a list for docs/reference.md). */
void cmd_print_opts(FILE *f, const struct cmd_opt *o, bool markdown);
/* --json and --help, which every command takes. */
extern const struct cmd_opt cmd_common_opts[];
/* getopt_long's tables from one or two option tables; with b NULL (the global options) parsing
 * stops at the first operand, the command name. lo must hold every option and a terminator. */
struct option;
void cmd_build_long(const struct cmd_opt *a, const struct cmd_opt *b, struct option *lo, char *so);
int cmd_usage(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Load just what one command on the named containers needs, and find each of them.
 * ret_c must hold n pointers. */
int ctx_containers(struct ctx *x, char *const *refs, size_t n, unsigned needs, struct host **ret_h,
                   struct container **ret_c);

/* The command table (cirt.c). */
extern const struct cmd *const cirt_commands[];

extern const struct cmd cmd_ps, cmd_inspect, cmd_top, cmd_stats, cmd_diff, cmd_logs;
extern const struct cmd cmd_net;
extern const struct cmd cmd_collect, cmd_verify;
extern const struct cmd cmd_conns, cmd_locate;
extern const struct cmd cmd_scan;
extern const struct cmd cmd_watch, cmd_timeline;
extern const struct cmd cmd_triage, cmd_report;
extern const struct cmd cmd_contain, cmd_release;

/* Print the host's warnings and the given container notes to stderr (escaped). */
void print_warnings(const struct host *h);
