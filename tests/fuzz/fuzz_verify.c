/* fuzz_verify.c: `cirt verify` on a bundle that may have been tampered with: its manifest.json
 * (anything at all, from whoever had the bundle) matched with the files found. The first byte
 * picks the input's form:
 *   even: the manifest's bytes, a NUL, then the files found, one a line: PATH<TAB>SHA256<TAB>SIZE
 *         (or PATH<TAB>! for a link or device), as the archive reader lists them;
 *   odd:  the whole bundle as an archive file (tar, or tar.gz) through bundle_verify. */
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>

#include "evidence/verify.h"
#include "json.h"
#include "fuzz.h"

static char path[512];

static void cleanup(void)
{
	unlink(path);
}

static json_t *found_files(const char *p, size_t n)
{
	json_t *a = json_array();
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t l = nl ? (size_t)(nl - p) : n;
		const char *tab = memchr(p, '\t', l);
		if (tab && tab > p) {
			json_t *o = json_object();
			/* archive names need not be UTF-8: kept as they are, as verify_archive does
			 */
			json_object_set_new(o, "path", json_stringn_nocheck(p, (size_t)(tab - p)));
			const char *rest = tab + 1;
			size_t rl = l - (size_t)(rest - p);
			if (rl == 1 && rest[0] == '!') {
				json_object_set_new(o, "special", json_true());
			} else {
				const char *t2 = memchr(rest, '\t', rl);
				size_t sl = t2 ? (size_t)(t2 - rest) : rl;
				json_object_set_new(o, "sha256", json_stringn_nocheck(rest, sl));
				char num[24] = "";
				if (t2) {
					size_t nl2 = rl - sl - 1;
					memcpy(num, t2 + 1,
					       nl2 < sizeof(num) - 1 ? nl2 : sizeof(num) - 1);
				}
				long long size = strtoll(num, NULL, 10);
				json_object_set_new(o, "size", json_integer(size));
			}
			json_array_append_new(a, o);
		}
		if (!nl)
			break;
		n -= l + 1;
		p = nl + 1;
	}
	return a;
}

static void check(const struct verify_report *r)
{
	CHECK(!(r->n_ok > r->n_listed || (r->manifest_ok && r->manifest_problem) ||
	        (!r->manifest_ok && !r->manifest_problem) || (r->manifest_ok && !r->manifest)));
	/* printed as it is by `cirt verify`: nothing a terminal would act on */
	for (const char *c = r->manifest_problem; c && *c; c++)
		CHECK(!((unsigned char)*c < 0x20 || *c == 0x7f));
	/* the report is valid JSON (-j prints it) */
	char *s = json_dumps(r->problems, JSON_COMPACT);
	CHECK(s);
	free(s);
	size_t i;
	json_t *p;
	json_array_foreach(r->problems, i, p)
	{
		CHECK(!(!jstr(p, "status") || !jstr(p, "path")));
	}
	(void)verify_clean(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned sel = data[0];
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	struct verify_report r;
	if (!(sel & 1)) {
		const char *nul = memchr(p, '\0', n);
		size_t ml = nul ? (size_t)(nul - p) : n;
		json_t *files = nul ? found_files(nul + 1, n - ml - 1) : json_array();
		bundle_verify_manifest((sel & 2) && !ml ? NULL : p, ml, files, &r);
		json_decref(files);
		check(&r);
		verify_report_clear(&r);
		return 0;
	}
	if (!path[0]) {
		snprintf(path, sizeof(path), "%s/cirt-fuzz-verify-%ld.tar", fuzz_scratch(),
		         (long)getpid());
		atexit(cleanup);
	}
	fuzz_put(path, NULL, (const uint8_t *)p, n);
	struct cirt_err err = {0};
	if (bundle_verify(path, NULL, &r, &err) == 0)
		check(&r);
	else
		CHECK(err.msg[0]);
	verify_report_clear(&r);
	return 0;
}
