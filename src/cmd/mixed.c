/* mixed.c: cmd_parse with operands and options in any order. */
#include "cmd/mixed.h"

int cmd_parse_mixed(struct ctx *x, const struct cmd *c, int argc, char **argv, cmd_opt_cb on_opt, void *st,
		    char **ops, int maxops)
{
	int nops = 0;
	/* each round parses options up to the next operand, then restarts after it; getopt treats
	 * the operand as the new argv[0] */
	while (argc > 0) {
		int i = cmd_parse(x, c, argc, argv, on_opt, st);
		if (i < 0)
			return i;
		if (i >= argc)
			break;
		bool rest = i > 0 && streq(argv[i - 1], "--");
		for (int k = i; k < argc; k++) {
			if (nops == maxops)
				return cmd_usage(x, "%s: unexpected argument '%s'", c->name, argv[k]);
			ops[nops++] = argv[k];
			if (!rest)
				break;
		}
		if (rest)
			break;
		argc -= i;
		argv += i;
	}
	return nops;
}
