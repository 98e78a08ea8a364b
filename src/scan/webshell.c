/* webshell.c: webshells in PHP, JSP/JSPX, classic ASP and ASP.NET. Every file that can be
 * server-side code is lexed once (lex.h: comments and markup dropped, strings decoded) and
 * followed by the data-flow pass (dataflow.h), which names the technique and the path from the
 * request (or a decoded blob, a socket) to what runs it. YARA's rules/webshell.yar adds what
 * strings do best: the names of known kits. */
#include <stdio.h>

#include "scan/check.h"
#include "scan/dataflow.h"
#include "scan/lex.h"

static void on_file(struct scan_job *j, struct scan_file *f)
{
	for (size_t i = 0; i < f->n_hits; i++)
		if (streq(f->hits[i].ns, "webshell"))
			scan_add_hit(j, f, "webshell", "webshell", &f->hits[i], SEV_HIGH);
	if (!f->data || !S_ISREG(f->st.st_mode))
		return;
	enum lex_page page;
	enum lex_lang lang = lex_detect(f->name, f->data, f->len, &page);
	if (lang == LANG_NONE)
		return;
	struct lex L;
	if (lex_run(&L, lang, page, f->data, f->len) < 0) {
		lex_free(&L);
		return;
	}
	struct df_result r;
	df_analyze(&L, &r);
	for (int t = 0; t < N_TECH; t++) {
		if (!r.have[t])
			continue;
		char rule[64];
		snprintf(rule, sizeof(rule), "webshell.%s_%s", lex_page_name(L.page),
		         df_tech_slug((enum df_tech)t));
		scan_add(j, f, "webshell", rule, (enum scan_sev)r.f[t].sev, r.f[t].line,
		         r.f[t].path, "%s: %s", r.f[t].reason, r.f[t].path);
	}
	if (L.truncated || r.cut)
		scan_note(j, "%s: a script too large or too involved to follow to its end",
		          f->path);
	df_result_free(&r);
	lex_free(&L);
}

const struct scan_check scan_check_webshell = {
    .name = "webshell",
    .id = CHK_WEBSHELL,
    .on_file = on_file,
};
