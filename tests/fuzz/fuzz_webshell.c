/* fuzz_webshell.c: the script lexers and the data-flow pass of the webshell check, over files an
 * intruder writes (PHP, JSP/JSPX, ASP, ASP.NET, pictures with code appended). The first byte
 * picks the file name; every token must lie in the code it was read from, brackets must pair
 * both ways, every finding must have a line and a path. */
#include <stdint.h>
#include <stdlib.h>

#include "scan/dataflow.h"
#include "scan/lex.h"
#include "fuzz.h"

static const char *const names[] = {"a.php",  "a.jsp", "a.jspx", "a.asp",  "a.aspx",
                                    "a.ashx", "a.txt", "a.gif",  "a.asmx", "noext"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *name = names[data[0] % (sizeof(names) / sizeof(names[0]))];
	data++;
	size--;
	enum lex_page page;
	enum lex_lang lang = lex_detect(name, data, size, &page);
	if (lang == LANG_NONE)
		return 0;
	struct lex L;
	if (lex_run(&L, lang, page, data, size) == 0) {
		CHECK(L.n <= LEX_MAX_TOKENS);
		for (size_t i = 0; i < L.n; i++) {
			const struct tok *t = &L.t[i];
			CHECK((size_t)t->off + t->len <= L.view_len || t->len == 0);
			CHECK(t->off <= L.view_len);
			CHECK(t->line >= 1);
			if (t->kind == T_STR)
				CHECK((size_t)t->sv + t->sl < L.acap &&
				      L.arena[t->sv + t->sl] == '\0');
			if (t->match >= 0) {
				CHECK((size_t)t->match < L.n);
				CHECK(L.t[t->match].match == (int32_t)i);
			}
		}
		struct df_result r;
		df_analyze(&L, &r);
		for (int k = 0; k < N_TECH; k++)
			if (r.have[k])
				CHECK(r.f[k].path && r.f[k].reason && r.f[k].sev >= 0 &&
				      r.f[k].sev <= 4);
		df_result_free(&r);
	}
	lex_free(&L);
	return 0;
}
