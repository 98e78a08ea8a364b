/* verify.c: `cirt verify`: recompute every hash of a bundle; name what is missing, added or
 * changed. */
#include <ctype.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "escape.h"
#include "evidence/verify.h"
#include "output/output.h"

enum { OPT_EXPECT = 256 };

static const struct cmd_opt verify_opts[] = {
    {"expect", OPT_EXPECT, "SHA256",
     "also require the bundle's own hash (printed by collect) to be this one"},
    {0},
};

static int on_opt(struct ctx *x, int key, const char *arg, void *st)
{
	size_t n = strlen(arg);
	bool ok = n == 64;
	for (size_t i = 0; ok && i < n; i++)
		ok = isxdigit((unsigned char)arg[i]);
	if (!ok)
		return cmd_usage(x, "verify: --expect: '%s' is not a SHA-256 (64 hex digits)", arg);
	*(const char **)st = arg;
	return 0;
}

struct vprog {
	uint64_t last;
	bool shown;
};

static void on_progress(void *ud, const char *step, uint64_t done, uint64_t total, uint64_t bytes)
{
	struct vprog *p = ud;
	uint64_t now = now_ms();
	if (p->shown && now - p->last < 100)
		return;
	p->last = now;
	p->shown = true;
	char b[32];
	fprintf(stderr, "\r\033[Kverify: %llu files  %s", (unsigned long long)done,
	        fmt_bytes(bytes, b, sizeof(b)));
	fflush(stderr);
}

static int verify_run(struct ctx *x, int argc, char **argv)
{
	const char *expect = NULL;
	int i = cmd_parse(x, &cmd_verify, argc, argv, on_opt, &expect);
	if (i < 0)
		return i;
	if (argc - i != 1)
		return cmd_usage(
		    x, "verify: name exactly one BUNDLE (directory, .tar.gz or .tar.zst)");
	const char *path = argv[i];
	struct vprog vp = {0};
	struct ev_progress evp = {.fn = on_progress, .ud = &vp};
	struct verify_report r;
	int rc = bundle_verify(path, isatty(2) ? &evp : NULL, &r, &x->err);
	if (vp.shown)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		verify_report_clear(&r);
		return -1;
	}
	bool expect_ok = !expect || strcasecmp(expect, r.bundle_sha256) == 0;
	bool clean = verify_clean(&r) && expect_ok;
	if (x->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "bundle", json_str(path));
		json_object_set_new(doc, "clean", json_boolean(clean));
		json_object_set_new(doc, "bundle_sha256",
		                    r.bundle_sha256[0] ? json_string(r.bundle_sha256)
		                                       : json_null());
		json_object_set_new(doc, "bundle_sha256_of",
		                    json_string(r.archive ? "archive" : "manifest.json"));
		if (expect)
			json_object_set_new(doc, "expected_bundle_sha256_matches",
			                    json_boolean(expect_ok));
		json_object_set_new(doc, "manifest_ok", json_boolean(r.manifest_ok));
		json_object_set_new(doc, "manifest_problem", json_str(r.manifest_problem));
		json_object_set_new(doc, "files_listed", json_integer((json_int_t)r.n_listed));
		json_object_set_new(doc, "files_ok", json_integer((json_int_t)r.n_ok));
		json_object_set_new(doc, "problems", json_incref(r.problems));
		json_object_set_new(doc, "collection_complete", json_boolean(r.complete));
		json_object_set_new(doc, "incomplete",
		                    r.incomplete ? json_incref(r.incomplete) : json_array());
		out_json(stdout, doc);
		json_decref(doc);
	} else {
		if (json_array_size(r.problems)) {
			static const struct out_col cols[] = {
			    {"STATUS", "status"}, {"PATH", "path"}, {"DETAIL", "detail"}};
			out_table(stdout, r.problems, cols, ARRAY_SIZE(cols));
		}
		_cleanup_free_ char *bp = term_escape(path);
		if (r.manifest_problem)
			printf("manifest: %s\n", r.manifest_problem);
		if (expect && !expect_ok)
			printf("bundle sha256 %s is not the expected %s\n", r.bundle_sha256,
			       expect);
		printf("%s: %s: %zu of %zu files intact, %zu problem(s); bundle sha256 %s (%s)\n",
		       bp, clean ? "CLEAN" : "TAMPERED", r.n_ok, r.n_listed,
		       json_array_size(r.problems), r.bundle_sha256[0] ? r.bundle_sha256 : "-",
		       r.archive ? "of the archive" : "of manifest.json");
		if (r.manifest_ok && !r.complete) {
			size_t k;
			json_t *v;
			json_array_foreach(r.incomplete, k, v)
			{
				_cleanup_free_ char *s = out_cell(v);
				printf("note: the collection was incomplete: %s\n", s);
			}
		}
	}
	verify_report_clear(&r);
	return clean ? 0 : 1;
}

const struct cmd cmd_verify = {
    .name = "verify",
    .args = "BUNDLE",
    .summary = "recompute every hash of a collect bundle; name missing, added and changed files "
               "(exit 0 clean, 1 tampered)",
    .opts = verify_opts,
    .run = verify_run,
};
