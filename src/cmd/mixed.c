/* mixed.c: cmd_parse with operands and options in any order, operands collected. */
#include "cmd/mixed.h"

int cmd_parse_mixed(struct ctx *x, const struct cmd *c, int argc, char **argv, cmd_opt_cb on_opt,
                    void *st, char **ops, int maxops)
{
	/* cmd_parse permutes (GNU getopt): every option is parsed first, the operands follow */
	int i = cmd_parse(x, c, argc, argv, on_opt, st);
	if (i < 0)
		return i;
	int nops = 0;
	for (; i < argc; i++) {
		if (nops == maxops)
			return cmd_usage(x, "%s: unexpected argument '%s'", c->name, argv[i]);
		ops[nops++] = argv[i];
	}
	return nops;
}
