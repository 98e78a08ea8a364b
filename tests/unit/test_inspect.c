/* test_inspect.c: the inspect parser and the model joins, fed with answers recorded from a
 * real Engine 20.10.24 daemon (tests/unit/fixtures/engine-20.10.24). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "model/host.h"

static json_t *fixture(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/engine-20.10.24/%s", FIXTURES, name);
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	if (!j)
		fail_msg("fixture %s: %s", path, je.text);
	return j;
}

static void load(const char *name, struct container *c)
{
	json_t *j = fixture(name);
	assert_int_equal(container_from_inspect(j, c), 0);
	json_decref(j);
}

static void test_bridge(void **state)
{
	struct container c;
	load("inspect-lab-bridge.json", &c);
	assert_string_equal(c.name, "lab-bridge");
	assert_int_equal(c.mode, NETMODE_BRIDGE);
	assert_string_equal(c.image, "cirt-lab/busybox:1");
	assert_true(c.running);
	assert_true(c.pid > 0);
	assert_int_equal(c.n_eps, 1);
	assert_string_equal(c.eps[0].network, "bridge");
	assert_non_null(c.eps[0].ipv4);
	assert_true(startswith(c.eps[0].ipv4, "172.17."));
	assert_int_equal(c.eps[0].ipv4_prefix, 16);
	assert_non_null(c.eps[0].mac);
	/* published 18080 -> 80/tcp, on IPv4 and IPv6 */
	bool found = false;
	for (size_t i = 0; i < c.n_ports; i++)
		if (c.ports[i].container_port == 80 && c.ports[i].host_port == 18080 &&
		    streq(c.ports[i].proto, "tcp"))
			found = true;
	assert_true(found);
	assert_non_null(c.upper_dir);
	container_clear(&c);
}

static void test_custom(void **state)
{
	struct container c;
	load("inspect-lab-custom.json", &c);
	assert_int_equal(c.mode, NETMODE_CUSTOM);
	assert_string_equal(c.mode_raw, "cirt-lab-net");
	assert_int_equal(c.n_eps, 1);
	assert_string_equal(c.eps[0].network, "cirt-lab-net");
	assert_non_null(c.eps[0].gateway);
	container_clear(&c);
}

static void test_host_none(void **state)
{
	struct container c;
	load("inspect-lab-host.json", &c);
	assert_int_equal(c.mode, NETMODE_HOST);
	/* host mode has a "host" entry without addresses */
	for (size_t i = 0; i < c.n_eps; i++)
		assert_null(c.eps[i].ipv4);
	container_clear(&c);
	load("inspect-lab-none.json", &c);
	assert_int_equal(c.mode, NETMODE_NONE);
	for (size_t i = 0; i < c.n_eps; i++)
		assert_null(c.eps[i].ipv4);
	container_clear(&c);
}

static void test_shared(void **state)
{
	struct host *h = xcalloc(1, sizeof(*h));
	h->c = xcalloc(2, sizeof(*h->c));
	load("inspect-lab-bridge.json", &h->c[0]);
	load("inspect-lab-shared.json", &h->c[1]);
	h->n = 2;
	assert_int_equal(h->c[1].mode, NETMODE_CONTAINER);
	assert_int_equal(h->c[1].n_eps, 0);
	host_link_shared(h);
	assert_string_equal(h->c[1].mode_target_name, "lab-bridge");
	assert_true(h->c[1].eps_shared);
	assert_int_equal(h->c[1].n_eps, 1);
	assert_string_equal(h->c[1].eps[0].ipv4, h->c[0].eps[0].ipv4);
	/* the member owns the address too: exact matching finds both */
	assert_true(container_has_ip(&h->c[1], h->c[0].eps[0].ipv4));
	host_free(h);
}

static void test_find(void **state)
{
	struct host *h = xcalloc(1, sizeof(*h));
	h->c = xcalloc(3, sizeof(*h->c));
	h->c[0].id = xstrdup("abc1230000");
	h->c[0].name = xstrdup("web");
	h->c[1].id = xstrdup("abc4560000");
	h->c[1].name = xstrdup("db");
	h->c[2].id = xstrdup("fff0000000");
	h->c[2].name = xstrdup("abc");
	h->n = 3;
	struct container *c;
	struct cirt_err e = {0};
	assert_int_equal(host_find(h, "web", &c, &e), 0);
	assert_ptr_equal(c, &h->c[0]);
	assert_int_equal(host_find(h, "/db", &c, &e), 0);
	assert_ptr_equal(c, &h->c[1]);
	/* an exact name wins over an id prefix */
	assert_int_equal(host_find(h, "abc", &c, &e), 0);
	assert_ptr_equal(c, &h->c[2]);
	assert_int_equal(host_find(h, "abc4", &c, &e), 0);
	assert_ptr_equal(c, &h->c[1]);
	assert_int_equal(host_find(h, "ab", &c, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_NOTFOUND);
	assert_non_null(strstr(e.msg, "ambiguous"));
	assert_int_equal(host_find(h, "nope", &c, &e), -1);
	assert_non_null(strstr(e.msg, "no such container"));
	host_free(h);
}

static void test_wrong_types(void **state)
{
	/* a hostile or broken daemon: every field of the wrong type */
	const char *bad =
	    "{\"Id\":\"x1\",\"Name\":5,\"State\":\"running\",\"Config\":[],"
	    "\"HostConfig\":{\"NetworkMode\":7,\"CapAdd\":\"ALL\",\"Privileged\":\"yes\"},"
	    "\"NetworkSettings\":{\"Networks\":{\"n\":5,\"m\":{\"IPAddress\":3}},\"Ports\":{\"x\":"
	    "1,"
	    "\"80/tcp\":[5,{\"HostPort\":7}]}},\"Mounts\":{\"a\":1}}";
	json_t *j = json_loads(bad, 0, NULL);
	assert_non_null(j);
	struct container c;
	assert_int_equal(container_from_inspect(j, &c), 0);
	assert_string_equal(c.name, "");
	assert_int_equal(c.mode, NETMODE_BRIDGE);
	assert_false(c.privileged);
	assert_int_equal(c.n_cap_add, 0);
	assert_int_equal(c.n_eps, 1);
	assert_null(c.eps[0].ipv4);
	assert_int_equal(c.pid, 0);
	json_t *o = container_to_json(&c);
	assert_non_null(o);
	json_decref(o);
	container_clear(&c);
	json_decref(j);
	/* an empty Path and no Args: no command, and nothing leaked (found by fuzz_ondisk; the
	 * suite's leak detection fails this test if the buffer is lost) */
	j = json_loads("{\"Id\":\"x2\",\"Path\":\"\",\"Args\":[]}", 0, NULL);
	assert_int_equal(container_from_inspect(j, &c), 0);
	assert_null(c.cmd);
	container_clear(&c);
	json_decref(j);
	/* no Id at all is refused */
	j = json_loads("{\"Name\":\"/x\"}", 0, NULL);
	assert_int_equal(container_from_inspect(j, &c), -1);
	json_decref(j);
}

/* Numbers an answer or a bundle writes as reals: in range they are read, out of range (5.3e53,
 * found by fuzz_report in a tampered bundle) or not finite they are the default, never an
 * undefined conversion. */
static void test_jint_reals(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:f, s:f, s:f, s:I, s:s}", "small", 42.9, "huge", 5.3e53, "neg",
	                      -5.3e53, "int", (json_int_t)7, "str", "8");
	assert_int_equal(jint(o, "small", -1), 42);
	assert_int_equal(jint(o, "huge", -1), -1);
	assert_int_equal(jint(o, "neg", -1), -1);
	assert_int_equal(jint(o, "int", -1), 7);
	assert_int_equal(jint(o, "str", -1), -1);
	assert_int_equal(jint(o, "missing", -1), -1);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bridge),     cmocka_unit_test(test_custom),
	    cmocka_unit_test(test_host_none),  cmocka_unit_test(test_shared),
	    cmocka_unit_test(test_find),       cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_jint_reals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
