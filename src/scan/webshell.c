/* webshell.c: webshells in PHP, JSP and ASP/ASPX, by the YARA rules of rules/webshell.yar. */
#include "scan/check.h"

static void on_file(struct scan_job *j, struct scan_file *f)
{
	for (size_t i = 0; i < f->n_hits; i++)
		if (streq(f->hits[i].ns, "webshell"))
			scan_add_hit(j, f, "webshell", "webshell", &f->hits[i], SEV_HIGH);
}

const struct scan_check scan_check_webshell = {
    .name = "webshell",
    .id = CHK_WEBSHELL,
    .on_file = on_file,
};
