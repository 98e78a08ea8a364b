/* mixed.h: option parsing that accepts options after operands ("cirt locate ADDR --capture 5"). */
#pragma once

#include "cmd/cmd.h"

/* Like cmd_parse, but options may follow operands (until "--"). The operands are collected in
 * order into ops (at most maxops; more is a usage error naming the first extra one). Returns
 * the number of operands, -1 on a usage error, -2 when help was printed. */
int cmd_parse_mixed(struct ctx *x, const struct cmd *c, int argc, char **argv, cmd_opt_cb on_opt,
                    void *st, char **ops, int maxops);
