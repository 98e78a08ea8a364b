/* contain.h: what `cirt contain` and `cirt release` share: printing the steps they took. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cmd/cmd.h"

/* cmd_parse, but operands and options may be mixed ("cirt contain web1 --isolate"): the
 * operands are collected in ret_ops (which must hold argc entries). Returns their number, -1 on
 * a usage error, -2 when help was printed. */
int cmd_parse_mixed(struct ctx *x, const struct cmd *c, int argc, char **argv, cmd_opt_cb cb, void *st,
		    char **ret_ops);

/* A host model holding only these containers (by id or name; the daemon resolves them), with
 * their veths: what contain/release/status need, without inspecting every container of the
 * host. A container the daemon does not know is left out. */
int contain_load(struct ctx *x, char *const *refs, size_t n, struct host **ret);

/* Steps as a table (or JSON with --json); with dry_run, every change that would be made. */
void contain_print_steps(struct ctx *x, json_t *steps, bool dry_run);
