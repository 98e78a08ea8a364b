/* help.c: what every command prints about its options: --help, the reference's option lists,
 * the global options' note, and usage errors. */
#include "cmd/cmd.h"

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

/* The global options every command's help shows whole (the rest in one line). */
static bool shown_whole(const struct cmd_opt *o)
{
	return o->key == 'j' || o->key == 'h';
}

void cmd_print_globals_note(FILE *f, const struct cmd *c, bool markdown)
{
	fprintf(f, "%sglobal options also accepted after the command:", markdown ? "\n" : "  ");
	const char *sep = " ";
	for (const struct cmd_opt *o = cmd_global_opts; o->name; o++) {
		if (shown_whole(o) || (streq(o->name, "no-daemon") && !(c->flags & CMD_NODAEMON)) ||
		    (streq(o->name, "root") && !(c->flags & CMD_OFFLINE)) ||
		    (streq(o->name, "data-root") && !(c->flags & (CMD_OFFLINE | CMD_NODAEMON))))
			continue;
		fprintf(f, "%s%s--%s%s", sep, markdown ? "`" : "", o->name, markdown ? "`" : "");
		sep = ", ";
	}
	fprintf(f, " (see 'cirt --help')\n");
}

void cmd_help(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: cirt %s [OPTIONS]%s%s\n\n%s\n\noptions:\n", c->name, c->args ? " " : "",
	        c->args ? c->args : "", c->summary);
	cmd_print_opts(f, c->opts, false);
	for (const struct cmd_opt *o = cmd_global_opts; o->name; o++)
		if (shown_whole(o)) {
			struct cmd_opt one[2] = {*o, {0}};
			cmd_print_opts(f, one, false);
		}
	cmd_print_globals_note(f, c, false);
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
