/* fuzz_merge.c: `cirt merge` on results from hosts that may lie: the input is up to four hosts'
 * answers (cirt.json) and status files (status.json), split at NUL bytes (answer, status, answer,
 * status...; an empty part is a missing file). They are merged (the command told from the shape,
 * mixed commands refused), and the merged answer is printed as the table, as JSON and, for triage,
 * as the HTML report. Checks: the merge either refuses with a message or gives one JSON object;
 * every host is in it once; the table holds no control byte but newline; the page has one script.
 */
#include <stdint.h>
#include <stdlib.h>

#include "analyses/merge.h"
#include "fuzz.h"
#include "json.h"
#include "output/html.h"
#include "output/merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *parts[8] = {0};
	size_t lens[8] = {0}, n = 0;
	const uint8_t *p = data, *end = data + size;
	while (n < 8) {
		const uint8_t *z = memchr(p, '\0', (size_t)(end - p));
		parts[n] = (const char *)p;
		lens[n] = z ? (size_t)(z - p) : (size_t)(end - p);
		n++;
		if (!z)
			break;
		p = z + 1;
	}
	struct merge_set *s = merge_set_new();
	size_t hosts = 0;
	for (size_t i = 0; i < n; i += 2, hosts++) {
		char name[16];
		snprintf(name, sizeof(name), "h%zu", i / 2);
		merge_add(s, name, lens[i] ? parts[i] : NULL, lens[i],
		          i + 1 < n && lens[i + 1] ? parts[i + 1] : NULL,
		          i + 1 < n ? lens[i + 1] : 0);
	}
	struct cirt_err err = {0};
	if (merge_finish(s, &err) < 0) {
		CHECK(err.msg[0]);
		merge_set_free(s);
		return 0;
	}
	json_t *doc = merge_doc(s);
	CHECK(json_is_object(doc));
	CHECK(json_array_size(jarr(doc, "hosts")) == hosts);
	char *js = json_dumps(doc, JSON_COMPACT);
	CHECK(js);
	free(js);
	size_t problems;
	int st = merge_status(doc, &problems);
	CHECK(st == 0 || st == 1);
	CHECK(problems <= hosts);

	char *out = NULL;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);
	CHECK(f);
	merge_print_table(f, doc);
	fclose(f);
	for (size_t i = 0; i < olen; i++)
		CHECK((unsigned char)out[i] >= 0x20 || out[i] == '\n');
	free(out);

	if (s->kind == MERGE_TRIAGE) {
		json_t *h = merge_html_doc(doc, s, "cirt merge fuzz --html x");
		out = NULL;
		f = open_memstream(&out, &olen);
		CHECK(f);
		CHECK(html_report(f, h, &err) == 0);
		fclose(f);
		const char *sc = strstr(out, "<script>");
		CHECK(sc && !strstr(sc + 1, "<script"));
		free(out);
		json_decref(h);
	}
	json_decref(doc);
	merge_set_free(s);
	return 0;
}
