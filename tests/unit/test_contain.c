/* test_contain.c: the isolation rule texts, address normalization, tag matching, the tool
 * runner (argv, stdin, exit status, deadline), the atomic state file and the audit log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "contain/audit.h"
#include "contain/exec.h"
#include "contain/rules.h"
#include "contain/state.h"

#define ID "179f1bafd573a9a5f8f9663a66143fb12bef281f08c2dfd1c68f746f6fa4d1dd"

static void test_cidr(void **state)
{
	char b[80];
	bool v6 = true;
	assert_true(fw_cidr_normalize("10.66.0.2", b, sizeof(b), &v6));
	assert_string_equal(b, "10.66.0.2/32");
	assert_false(v6);
	/* host bits cleared: nft refuses them, iptables would silently clear them */
	assert_true(fw_cidr_normalize("10.66.0.77/24", b, sizeof(b), &v6));
	assert_string_equal(b, "10.66.0.0/24");
	assert_true(fw_cidr_normalize("172.16.5.4/12", b, sizeof(b), &v6));
	assert_string_equal(b, "172.16.0.0/12");
	assert_true(fw_cidr_normalize("2001:DB8::1/64", b, sizeof(b), &v6));
	assert_string_equal(b, "2001:db8::/64");
	assert_true(v6);
	assert_true(fw_cidr_normalize("::1", b, sizeof(b), &v6));
	assert_string_equal(b, "::1/128");
	assert_false(fw_cidr_normalize("10.66.0.300", b, sizeof(b), &v6));
	assert_false(fw_cidr_normalize("10.66.0.2/33", b, sizeof(b), &v6));
	assert_false(fw_cidr_normalize("10.66.0.2/", b, sizeof(b), &v6));
	assert_false(fw_cidr_normalize("10.66.0.2/-1", b, sizeof(b), &v6));
	assert_false(fw_cidr_normalize("10.66.0.2/2x", b, sizeof(b), &v6));
	assert_false(fw_cidr_normalize("host.example", b, sizeof(b), &v6));
	assert_false(fw_cidr_normalize("", b, sizeof(b), &v6));
}

static void test_names(void **state)
{
	assert_true(fw_ifname_ok("veth1ed6531"));
	assert_true(fw_ifname_ok("br-0832ec91d049"));
	assert_false(fw_ifname_ok("veth\"; drop"));
	assert_false(fw_ifname_ok("a b"));
	assert_false(fw_ifname_ok("0123456789abcdef"));
	assert_false(fw_ifname_ok(""));
	char *c = fw_chain(ID), *t = fw_table(ID), *g = fw_tag(ID);
	assert_string_equal(c, "CIRT-179f1bafd573a9a5f8f9");
	assert_true(strlen(c) <= 28);
	assert_string_equal(t, "cirt-" ID);
	assert_string_equal(g, "cirt:" ID);
	free(c);
	free(t);
	free(g);
	/* our lines only: the whole id, quoted (iptables-nft) or not (legacy) */
	assert_true(fw_line_is_ours(
	    "-A DOCKER-USER -s 1.2.3.4/32 -m comment --comment \"cirt:" ID "\" -j X", ID));
	assert_true(fw_line_is_ours("-A INPUT -m comment --comment cirt:" ID " -j X", ID));
	assert_false(fw_line_is_ours("-A INPUT -m comment --comment cirt:" ID "00 -j X", ID));
	assert_false(fw_line_is_ours("-A INPUT -m comment --comment \"cirt:179f\" -j X", ID));
	assert_false(fw_line_is_ours("-A DOCKER-USER -d 10.66.0.0/24 -j CIRT-LAB-GUARD", ID));
}

static void spec(struct iso_spec *s, bool allow, bool physdev)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", ID);
	strv_add(&s->addr4, "172.21.0.5");
	strv_add(&s->veths, "veth1ed6531");
	if (allow) {
		strv_add(&s->allow4, "10.66.0.2/32");
		strv_add(&s->allow6, "2001:db8::/64");
	}
	s->physdev = physdev;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_ipt_text(void **state)
{
	struct iso_spec s;
	spec(&s, true, true);
	struct strv old = {0};
	strv_add(&old, "-A DOCKER-USER -s 172.21.0.4/32 -m comment --comment \"cirt:" ID
	               "\" -j CIRT-179f1bafd573a9a5f8f9");
	char *t = fw_ipt_apply_text(&s, &old);
	/* one atomic transaction: the chain (re)declared, which flushes it */
	assert_true(startswith(t, "*filter\n:CIRT-179f1bafd573a9a5f8f9 - [0:0]\n"));
	assert_non_null(strstr(t, "\nCOMMIT\n"));
	/* allowed peers RETURN both ways, then DROP, in this order */
	const char *r1 = strstr(t, "-A CIRT-179f1bafd573a9a5f8f9 -s 172.21.0.5/32 -d 10.66.0.2/32 "
	                           "-m comment --comment cirt:" ID " -j RETURN");
	const char *r2 = strstr(t, "-A CIRT-179f1bafd573a9a5f8f9 -s 10.66.0.2/32 -d 172.21.0.5/32 "
	                           "-m comment --comment cirt:" ID " -j RETURN");
	const char *d =
	    strstr(t, "-A CIRT-179f1bafd573a9a5f8f9 -m comment --comment cirt:" ID " -j DROP");
	assert_non_null(r1);
	assert_non_null(r2);
	assert_non_null(d);
	assert_true(r1 < d && r2 < d);
	/* the old jump goes, the new ones come: DOCKER-USER both ways + veth, INPUT, OUTPUT */
	assert_non_null(
	    strstr(t, "-D DOCKER-USER -s 172.21.0.4/32 -m comment --comment \"cirt:" ID "\""));
	assert_non_null(strstr(t, "-I DOCKER-USER 1 -s 172.21.0.5/32 -m comment"));
	assert_non_null(strstr(t, "-I DOCKER-USER 1 -d 172.21.0.5/32 -m comment"));
	assert_non_null(
	    strstr(t, "-I DOCKER-USER 1 -m physdev --physdev-in veth1ed6531 -m comment"));
	assert_non_null(strstr(t, "-I INPUT 1 -s 172.21.0.5/32 -m comment"));
	assert_non_null(strstr(t, "-I INPUT 1 -m physdev --physdev-in veth1ed6531"));
	assert_non_null(strstr(t, "-I OUTPUT 1 -d 172.21.0.5/32 -m comment"));
	assert_int_equal(count(t, "-I "), 6);
	/* no IPv6 in iptables: the bridge layer covers it */
	assert_null(strstr(t, "2001:db8"));
	free(t);
	iso_spec_clear(&s);
	/* without br_netfilter no physdev match (it would never match) */
	spec(&s, false, false);
	t = fw_ipt_apply_text(&s, NULL);
	assert_null(strstr(t, "physdev"));
	assert_null(strstr(t, "RETURN"));
	assert_int_equal(count(t, "-I "), 4);
	free(t);
	iso_spec_clear(&s);
	/* removal: exactly the listed jumps, then the chain */
	t = fw_ipt_remove_text(ID, &old, true);
	assert_string_equal(
	    t, "*filter\n-D DOCKER-USER -s 172.21.0.4/32 -m comment --comment \"cirt:" ID
	       "\" -j CIRT-179f1bafd573a9a5f8f9\n-F CIRT-179f1bafd573a9a5f8f9\n-X "
	       "CIRT-179f1bafd573a9a5f8f9\nCOMMIT\n");
	free(t);
	assert_null(fw_ipt_remove_text(ID, NULL, false));
	strv_clear(&old);
}

static void test_nft_text(void **state)
{
	struct iso_spec s;
	spec(&s, false, true);
	char *t = fw_nft_l2_text(&s);
	/* replace atomically: create-if-missing, delete, create */
	assert_true(startswith(t, "table bridge cirt-" ID "\ndelete table bridge cirt-" ID
	                          "\ntable bridge cirt-" ID " {\n"));
	assert_non_null(strstr(t, "type filter hook prerouting priority filter;"));
	assert_non_null(strstr(t, "type filter hook postrouting priority filter;"));
	assert_non_null(
	    strstr(t, "iifname { \"veth1ed6531\" } counter drop comment \"cirt:" ID "\""));
	assert_non_null(
	    strstr(t, "oifname { \"veth1ed6531\" } counter drop comment \"cirt:" ID "\""));
	assert_null(strstr(t, " accept comment"));
	free(t);
	iso_spec_clear(&s);
	spec(&s, true, true);
	t = fw_nft_l2_text(&s);
	assert_non_null(strstr(t, "iifname { \"veth1ed6531\" } ether type arp accept"));
	assert_non_null(strstr(t, "iifname { \"veth1ed6531\" } ip daddr { 10.66.0.2/32 } accept"));
	assert_non_null(strstr(t, "oifname { \"veth1ed6531\" } ip saddr { 10.66.0.2/32 } accept"));
	assert_non_null(
	    strstr(t, "iifname { \"veth1ed6531\" } ip6 daddr { 2001:db8::/64 } accept"));
	assert_non_null(strstr(t, "nd-neighbor-solicit"));
	/* accepts come before the drop of the same chain */
	assert_true(strstr(t, "ip daddr { 10.66.0.2/32 } accept") <
	            strstr(t, "iifname { \"veth1ed6531\" } counter drop"));
	free(t);
	t = fw_nft_l3_text(&s);
	assert_true(startswith(t, "table inet cirt-" ID "\ndelete table inet cirt-" ID "\n"));
	assert_non_null(strstr(t, "type filter hook forward priority filter - 10;"));
	assert_non_null(strstr(t, "ip saddr { 172.21.0.5 } ip daddr { 10.66.0.2/32 } accept"));
	assert_non_null(strstr(t, "ip daddr { 172.21.0.5 } ip saddr { 10.66.0.2/32 } accept"));
	assert_non_null(strstr(t, "ip saddr { 172.21.0.5 } counter drop"));
	assert_non_null(strstr(t, "ip daddr { 172.21.0.5 } counter drop"));
	free(t);
	iso_spec_clear(&s);
	t = fw_nft_remove_text("bridge", ID);
	assert_string_equal(t, "table bridge cirt-" ID "\ndelete table bridge cirt-" ID "\n");
	free(t);
}

static void test_exec(void **state)
{
	struct exec_result r;
	struct cirt_err err = {0};
	char *const a1[] = {"cat", NULL};
	assert_int_equal(exec_run(a1, "line one\nline two\n", 5000, &r, &err), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out.data, "line one\nline two\n");
	exec_result_clear(&r);
	/* no shell: the metacharacters are one argument */
	char *const a2[] = {"echo", "a;b", "$(x)", NULL};
	assert_int_equal(exec_run(a2, NULL, 5000, &r, &err), 0);
	assert_string_equal(r.out.data, "a;b $(x)\n");
	exec_result_clear(&r);
	char *const a3[] = {"sh", "-c", "echo oops >&2; exit 3", NULL};
	assert_int_equal(exec_run(a3, NULL, 5000, &r, &err), 0);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.err.data, "oops\n");
	exec_result_clear(&r);
	char *const a4[] = {"sleep", "5", NULL};
	assert_int_equal(exec_run(a4, NULL, 300, &r, &err), -1);
	assert_non_null(strstr(err.msg, "did not finish"));
	exec_result_clear(&r);
	char *const a5[] = {"no-such-tool-cirt", NULL};
	assert_int_equal(exec_run(a5, NULL, 300, &r, &err), -1);
	assert_non_null(strstr(err.msg, "not found"));
	exec_result_clear(&r);
	/* a tool that does not read its input must not kill us (SIGPIPE) */
	char *big = xmalloc(1 << 20);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	char *const a6[] = {"true", NULL};
	assert_int_equal(exec_run(a6, big, 5000, &r, &err), 0);
	assert_int_equal(r.status, 0);
	exec_result_clear(&r);
	free(big);
}

static char tmpdir[256];

static int mk_state_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cirt-test-contain-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("CIRT_STATE_DIR", tmpdir, 1);
	return 0;
}

static int rm_state_dir(void **state)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_state(void **state)
{
	struct cirt_err err = {0};
	json_t *doc = NULL;
	/* missing file: empty state */
	assert_int_equal(state_load(&doc, &err), 0);
	assert_int_equal(json_object_size(state_all(doc)), 0);
	json_t *rec = state_get_or_add(doc, ID, "ct-beacon");
	json_array_append_new(json_object_get(rec, "actions"), json_pack("{s:s}", "type", "pause"));
	json_array_append_new(json_object_get(rec, "actions"),
	                      json_pack("{s:s, s:s}", "type", "isolate", "backend", "nft"));
	assert_non_null(state_action(rec, "isolate"));
	assert_int_equal(state_action_index(rec, "isolate"), 1);
	assert_null(state_action(rec, "stop"));
	int lock = state_lock(&err);
	assert_true(lock >= 0);
	assert_int_equal(state_save(doc, &err), 0);
	close(lock);
	json_decref(doc);
	char p[512];
	snprintf(p, sizeof(p), "%s/contain.json", tmpdir);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* no temporary file left beside it */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q tmp", tmpdir);
	assert_int_not_equal(system(cmd), 0);
	assert_int_equal(state_load(&doc, &err), 0);
	rec = state_get(doc, ID);
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "name")), "ct-beacon");
	state_del(doc, ID);
	assert_null(state_get(doc, ID));
	json_decref(doc);
	/* a file that is not ours is never overwritten */
	FILE *f = fopen(p, "w");
	fputs("{\"version\": 7}", f);
	fclose(f);
	assert_int_equal(state_load(&doc, &err), -1);
	assert_non_null(strstr(err.msg, "left untouched"));
	f = fopen(p, "w");
	fputs("not json", f);
	fclose(f);
	assert_int_equal(state_load(&doc, &err), -1);
	/* collected marker */
	assert_false(state_collected(ID));
	snprintf(p, sizeof(p), "%s/collected", tmpdir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/collected/%s", tmpdir, ID);
	f = fopen(p, "w");
	fclose(f);
	assert_true(state_collected(ID));
	assert_false(state_collected("../collected/" ID));
}

static void test_audit(void **state)
{
	struct cirt_err err = {0};
	char *argv[] = {"cirt", "contain", "x\n--isolate"};
	json_t *who = audit_who(3, argv);
	json_t *e = json_pack("{s:s, s:s}", "action", "isolate", "reason", "why\nnot");
	assert_int_equal(audit_append(who, e, &err), 0);
	assert_int_equal(audit_append(who, e, &err), 0);
	json_decref(e);
	json_decref(who);
	char p[512];
	snprintf(p, sizeof(p), "%s/audit.log", tmpdir);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	char line[4096];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		/* one JSON object per line, newlines inside escaped */
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "action")), "isolate");
		assert_string_equal(json_string_value(json_object_get(j, "reason")), "why\nnot");
		assert_true(json_is_integer(json_object_get(j, "uid")));
		assert_non_null(json_object_get(j, "time"));
		assert_string_equal(
		    json_string_value(json_array_get(json_object_get(j, "argv"), 2)),
		    "x\n--isolate");
		json_decref(j);
		n++;
	}
	fclose(f);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_ipt_text),
	    cmocka_unit_test(test_nft_text),
	    cmocka_unit_test(test_exec),
	    cmocka_unit_test_setup_teardown(test_state, mk_state_dir, rm_state_dir),
	    cmocka_unit_test_setup_teardown(test_audit, mk_state_dir, rm_state_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
