/* cmd.h: what every subcommand shares: the context, option tables and the parser. */
#pragma once

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "model/host.h"
#include "sources/docker.h"
#include "util.h"

struct ctx {
	const char *host; /* --host, or NULL */
	int timeout_ms;   /* --timeout */
	bool json;        /* --json */
	bool no_daemon;   /* --no-daemon: the host model from disk and /proc (host_load_nodaemon) */
	bool no_color;    /* --no-color */
	const char *root; /* --root: a mounted disk image of a host (offline view) */
	const char *data_root; /* --data-root: the daemon's data root (inside --root) */
	bool root_set;         /* the image root is in force (rootfs_host_set done) */
	struct docker *d;      /* opened on first use */
	struct cirt_err err;   /* what main prints */
	char **argv;           /* the whole command line, for reports and logs */
	int argc;
};

/* Open (once) the daemon client. */
int ctx_docker(struct ctx *x, struct docker **ret);
/* Load the host snapshot with the given needs. */
int ctx_host(struct ctx *x, bool all, unsigned needs, struct host **ret);

/* How the parser stores an option's value: into the field at `off` of the command's argument
 * struct (the `st` given to cmd_parse), or, for CMD_OPT_CALL, through the command's on_opt. The
 * OPT_* macros below check the field's type at compile time. */
enum cmd_opt_type {
	CMD_OPT_CALL = 0, /* on_opt(x, key, arg, st) decides */
	CMD_OPT_BOOL,     /* bool: set true */
	CMD_OPT_FALSE,    /* bool: set false (a --no-X option) */
	CMD_OPT_STR,      /* const char *: the value, which may not be empty */
	CMD_OPT_IP,       /* const char *: the value, an IPv4 or IPv6 address */
	CMD_OPT_CHOICE,   /* int or enum: the value of the named choice */
	CMD_OPT_UINT,     /* unsigned: a decimal number from min to max */
	CMD_OPT_LONG,     /* long: a decimal number from min to max */
	CMD_OPT_SIZE,     /* uint64_t: a size (parse_size: 512K, 1.5G ...), min to max (0: none) */
};

/* One of the names a CMD_OPT_CHOICE option takes; a list ends with {0}. */
struct cmd_choice {
	const char *name;
	int value;
};

/* One option of a command. key: a short option letter, a value >= 256 for a long-only option
 * that on_opt handles, or 0 for a long-only option the parser stores itself. */
struct cmd_opt {
	const char *name;
	int key;
	const char *arg; /* NULL when the option takes no argument */
	const char *help;
	enum cmd_opt_type type;
	size_t off;                       /* destination: offset in the argument struct */
	const struct cmd_choice *choices; /* CMD_OPT_CHOICE */
	long min, max;                    /* CMD_OPT_UINT, CMD_OPT_LONG, CMD_OPT_SIZE */
};

/* offsetof(S, F), or a compile error when the field's type is not T */
#define CMD_DEST_(S, F, T)                                                                         \
	__builtin_choose_expr(__builtin_types_compatible_p(__typeof__(((S *)0)->F), T),            \
	                      offsetof(S, F), (void)0)
/* the same for an int or an enum (their sizes must agree) */
#define CMD_DEST_INT_(S, F)                                                                        \
	__builtin_choose_expr(sizeof(((S *)0)->F) == sizeof(int), offsetof(S, F), (void)0)

#define OPT_BOOL(NAME, KEY, HELP, S, F)                                                            \
	{                                                                                          \
		NAME, KEY, NULL, HELP, CMD_OPT_BOOL, CMD_DEST_(S, F, bool), NULL, 0, 0             \
	}
#define OPT_FALSE(NAME, KEY, HELP, S, F)                                                           \
	{                                                                                          \
		NAME, KEY, NULL, HELP, CMD_OPT_FALSE, CMD_DEST_(S, F, bool), NULL, 0, 0            \
	}
#define OPT_STR(NAME, KEY, ARG, HELP, S, F)                                                        \
	{                                                                                          \
		NAME, KEY, ARG, HELP, CMD_OPT_STR, CMD_DEST_(S, F, const char *), NULL, 0, 0       \
	}
#define OPT_IP(NAME, KEY, ARG, HELP, S, F)                                                         \
	{                                                                                          \
		NAME, KEY, ARG, HELP, CMD_OPT_IP, CMD_DEST_(S, F, const char *), NULL, 0, 0        \
	}
#define OPT_CHOICE(NAME, KEY, ARG, HELP, S, F, CHOICES)                                            \
	{                                                                                          \
		NAME, KEY, ARG, HELP, CMD_OPT_CHOICE, CMD_DEST_INT_(S, F), CHOICES, 0, 0           \
	}
#define OPT_UINT(NAME, KEY, ARG, HELP, S, F, MIN, MAX)                                             \
	{                                                                                          \
		NAME, KEY, ARG, HELP, CMD_OPT_UINT, CMD_DEST_(S, F, unsigned), NULL, MIN, MAX      \
	}
#define OPT_LONG(NAME, KEY, ARG, HELP, S, F, MIN, MAX)                                             \
	{                                                                                          \
		NAME, KEY, ARG, HELP, CMD_OPT_LONG, CMD_DEST_(S, F, long), NULL, MIN, MAX          \
	}
#define OPT_SIZE(NAME, KEY, ARG, HELP, S, F, MIN, MAX)                                             \
	{                                                                                          \
		NAME, KEY, ARG, HELP, CMD_OPT_SIZE, CMD_DEST_(S, F, uint64_t), NULL, MIN, MAX      \
	}
/* an option on_opt handles: KEY is a letter or a value >= 256 */
#define OPT_CALL(NAME, KEY, ARG, HELP)                                                             \
	{                                                                                          \
		NAME, KEY, ARG, HELP, CMD_OPT_CALL, 0, NULL, 0, 0                                  \
	}

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
	CMD_OFFLINE =
	    1 << 1, /* works with --root (a disk image: nothing from the running machine) */
};

/* With --root: the JSON object {"image_root", "data_root", "offline": true} every document of an
 * offline view carries; NULL without --root. */
json_t *ctx_offline_json(struct ctx *x);
/* With --root: the one stderr line saying the answer is an offline view and of which image. */
void ctx_offline_banner(struct ctx *x);

/* Parse argv: the command's options, the global ones (which may also follow the command) and
 * --help. Typed options are stored into st; on_opt is called for CMD_OPT_CALL ones. Returns the
 * index of the first operand, -1 on a usage error (x->err set) or -2 when help was printed.
 * --no-daemon is refused for a command without CMD_NODAEMON. */
typedef int (*cmd_opt_cb)(struct ctx *x, int key, const char *arg, void *st);
int cmd_parse(struct ctx *x, const struct cmd *c, int argc, char **argv, cmd_opt_cb on_opt,
              void *st);
/* The global options before the command name, plus the front end's own (extra, handled by
 * on_opt with st NULL). Returns the index of the command name (argc when there is none), -1 on
 * a usage error or -2 when on_opt returned -2 (help or version printed). */
int cmd_parse_global(struct ctx *x, int argc, char **argv, const struct cmd_opt *extra,
                     cmd_opt_cb on_opt);
void cmd_help(FILE *f, const struct cmd *c);
/* The lines of an option table (markdown: as a list for docs/reference.md). */
void cmd_print_opts(FILE *f, const struct cmd_opt *o, bool markdown);
/* The line saying which global options a command also takes after its name. */
void cmd_print_globals_note(FILE *f, const struct cmd *c, bool markdown);
/* -H, -t, --json, --no-color, --no-daemon and --help: before the command name or after it. */
extern const struct cmd_opt cmd_global_opts[];
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
extern const struct cmd cmd_merge;

/* Print the host's warnings and the given container notes to stderr (escaped). */
void print_warnings(const struct host *h);
/* Print each string of a JSON array of notes to stderr as "cirt: note: ..." (escaped). */
void print_notes(json_t *notes);
