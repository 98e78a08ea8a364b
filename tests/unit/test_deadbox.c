/* test_deadbox.c: the dead-box pieces that need no image: an address as a whole token in text
 * (deadbox_has_token), the super-timeline's bodyfile lines (fields, escaping, one line per file)
 * and its JSON document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "analyses/deadbox.h"
#include "output/supertimeline.h"

static void test_token(void **state)
{
	(void)state;
	const char *a = "10.0.0.1";
#define T(s) deadbox_has_token(s, strlen(s), a)
	assert_true(T("10.0.0.1"));
	assert_true(T("to 10.0.0.1 now"));
	assert_true(T("10.0.0.1:443"));
	assert_true(T("it was 10.0.0.1."));
	assert_true(T("(10.0.0.1)"));
	assert_true(T("x 110.0.0.10 y 10.0.0.1"));
	assert_false(T("110.0.0.1"));
	assert_false(T("10.0.0.10"));
	assert_false(T("10.0.0.1.5"));
	assert_false(T("10.0.0.12:80"));
	assert_false(T(""));
#undef T
	assert_true(deadbox_has_token("[fd00::1]:53", 12, "fd00::1"));
	assert_false(deadbox_has_token("fd00::12", 8, "fd00::1"));
}

static struct supertl *sample(void)
{
	struct supertl *t = xcalloc(1, sizeof(*t));
	t->notes = json_array();
	t->n = 3;
	t->v = xcalloc(3, sizeof(*t->v));
	struct supertl_event *e = &t->v[0];
	e->t_ns = 1700000000123456789;
	e->source = SUPERTL_CONTAINER;
	e->what = xstrdup("stop");
	e->container = xstrdup("web");
	e->container_id = xstrdup("abc");
	e->detail = xstrdup("last stop, exit code 3");
	for (int i = 1; i < 3; i++) {
		e = &t->v[i];
		e->source = SUPERTL_FILE;
		e->what = xstrdup("A");
		e->container = xstrdup("we|b\x1b");
		e->container_id = xstrdup("abc");
		e->detail = xstrdup("/tmp/a|b\nc");
		e->mtime_ns = 1700000002000000000;
		e->atime_ns = 1700000003000000000;
		e->ctime_ns = 1700000004000000000;
		e->btime_ns = 0;
		e->mode = S_IFREG | 0755;
		e->uid = 1;
		e->gid = 2;
		e->size = 51;
		e->inode = 77;
		e->t_ns = i == 1 ? e->mtime_ns : e->ctime_ns;
		strcpy(e->macb, i == 1 ? "m..." : "..c.");
		e->body = i == 1;
	}
	return t;
}

static void test_bodyfile(void **state)
{
	(void)state;
	struct supertl *t = sample();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	supertl_print_bodyfile(f, t, 0);
	fclose(f);
	/* one line for the record event, one for the file (not one per time) */
	assert_string_equal(buf,
	                    "0|[record] web: stop: last stop, exit code 3|0|0|0|0|0|1700000000|"
	                    "1700000000|1700000000|1700000000\n"
	                    "0|we\\x7cb\\e:/tmp/a\\x7cb\\nc|77|r/rrwxr-xr-x|1|2|51|1700000003|"
	                    "1700000002|1700000004|0\n");
	free(buf);
	json_t *doc = supertl_doc_json(t, 1, NULL);
	json_t *ev = json_object_get(doc, "events");
	assert_int_equal(json_array_size(ev), 2);
	json_t *e = json_array_get(ev, 0);
	assert_string_equal(json_string_value(json_object_get(e, "source")), "file");
	assert_string_equal(json_string_value(json_object_get(e, "path")), "/tmp/a|b\nc");
	assert_string_equal(json_string_value(json_object_get(e, "mode")), "100755");
	assert_true(json_is_null(json_object_get(e, "btime")));
	assert_true(json_is_true(json_object_get(doc, "truncated")));
	json_decref(doc);
	supertl_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token),
	    cmocka_unit_test(test_bodyfile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
