/* test_triage.c: the triage joins and scores (connection groups from conntrack entries joined by
 * attrib.h, NAT, IOC and beacon reasons, address reuse, changed files) and the HTML page
 * (escaping, no stray bytes, one script). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>

#include "analyses/triage_int.h"
#include "output/html.h"
#include "output/report.h"

static struct flow tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
                       const char *rsrc, const char *rdst)
{
	struct flow f = {.proto = IPPROTO_TCP};
	assert_true(flow_addr_parse(src, &f.orig.src));
	assert_true(flow_addr_parse(dst, &f.orig.dst));
	f.orig.sport = sport;
	f.orig.dport = dport;
	assert_true(flow_addr_parse(rsrc, &f.reply.src));
	assert_true(flow_addr_parse(rdst, &f.reply.dst));
	f.reply.sport = dport;
	f.reply.dport = sport;
	snprintf(f.state, sizeof(f.state), "TIME_WAIT");
	return f;
}

/* A host of running containers, each with one address. */
static struct host *mkhost(const char *const *names, const char *const *ips, size_t n)
{
	struct host *h = xcalloc(1, sizeof(*h));
	h->c = xcalloc(n, sizeof(*h->c));
	h->n = n;
	for (size_t i = 0; i < n; i++) {
		struct container *c = &h->c[i];
		c->name = xstrdup(names[i]);
		c->id = xasprintf("%s-id", names[i]);
		c->state = xstrdup("running");
		c->running = true;
		c->pid = 100 + (int)i;
		c->eps = xcalloc(1, sizeof(*c->eps));
		c->eps[0].ipv4 = xstrdup(ips[i]);
		c->n_eps = 1;
	}
	return h;
}

/* The flows joined and added to the triage state (its containers first, in host order). */
static struct attrib *add(struct tstate *s, struct host *h, const struct flow *ct, size_t n)
{
	for (size_t i = 0; i < h->n; i++)
		if (!tstate_by_id(s, h->c[i].id)) {
			struct tc *t = tstate_add(s, h->c[i].name, h->c[i].id);
			t->c = &h->c[i];
			tstate_index(s, h->c[i].eps[0].ipv4, t);
		}
	struct attrib_in in = {.h = h, .ct = ct, .n_ct = n};
	struct attrib *a = attrib_join(&in);
	tstate_add_flows(s, a);
	return a;
}

static void test_conns_and_scores(void **state)
{
	(void)state;
	struct ioc_list ioc = {0};
	struct ioc_entry e = {.prefix = 32, .text = (char *)"10.66.0.2", .comment = (char *)"c2"};
	assert_true(flow_addr_parse("10.66.0.2", &e.net));
	ioc.v = &e;
	ioc.n = 1;
	struct triage_opts o = {.ioc = &ioc};
	struct tstate s = {.o = &o, .source = "live"};
	static const char *const names[] = {"web", "db", "idle"}, *const ips[] = {"172.17.0.2",
	                                                                          "172.17.0.3",
	                                                                          "172.17.0.4"};
	struct host *h = mkhost(names, ips, 3);
	struct flow ct[32];
	size_t n = 0;
	/* web beacons to the IOC: 6 flows, one of them seen twice */
	for (int i = 0; i < 6; i++)
		ct[n++] = tcp("172.17.0.2", (uint16_t)(40000 + i), "10.66.0.2", 80, "10.66.0.2",
		              "10.66.0.1");
	ct[n++] = tcp("172.17.0.2", 40000, "10.66.0.2", 80, "10.66.0.2", "10.66.0.1");
	/* db repeats to a peer that is not an IOC: a beacon; and answers a published port (DNAT) */
	for (int i = 0; i < 5; i++)
		ct[n++] = tcp("172.17.0.3", (uint16_t)(50000 + i), "192.0.2.7", 443, "192.0.2.7",
		              "10.0.0.5");
	ct[n] = tcp("198.51.100.9", 51000, "10.0.0.5", 8080, "172.17.0.3", "198.51.100.9");
	ct[n++].reply.sport = 80;
	/* idle talks to db twice: a container peer is never a beacon */
	for (int i = 0; i < 6; i++)
		ct[n++] = tcp("172.17.0.4", (uint16_t)(33000 + i), "172.17.0.3", 5432, "172.17.0.3",
		              "172.17.0.4");
	struct attrib *a = add(&s, h, ct, n);
	struct tc *web = s.t[0], *db = s.t[1], *idle = s.t[2];
	score_conns(&s);
	assert_int_equal(web->score, 100);
	assert_int_equal(web->n_why, 1);
	assert_string_equal(web->why[0].kind, "ioc");
	assert_non_null(strstr(web->why[0].text, "talked to IOC 10.66.0.2:80 (c2): 6 tcp flows"));
	assert_int_equal(db->score, 20);
	assert_string_equal(db->why[0].kind, "beacon");
	assert_non_null(strstr(db->why[0].text, "192.0.2.7:443"));
	assert_int_equal(idle->score, 0);
	/* the DNAT flow is db's, incoming on its own port 80 from the client */
	bool found = false;
	for (size_t i = 0; i < s.n_conns; i++)
		if (s.conns[i].t == db && !s.conns[i].out && s.conns[i].key_port == 80) {
			char buf[64];
			assert_string_equal(flow_addr_str(&s.conns[i].remote, buf, sizeof(buf)),
			                    "198.51.100.9");
			found = true;
		}
	assert_true(found);
	json_t *doc = tstate_document(&s);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(doc, "summary"), 0), "container")),
	                    "web");
	assert_int_equal(json_array_size(json_object_get(doc, "summary")), 2);
	/* IOC connections first */
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(doc, "connections"), 0), "ioc")),
	                    "10.66.0.2");
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(doc, "connections"), 0), "by")),
	                    "address");
	json_decref(doc);
	tstate_free(&s);
	attrib_free(a);
	host_free(h);
}

static void test_address_reuse(void **state)
{
	(void)state;
	struct triage_opts o = {0};
	struct tstate s = {.o = &o, .source = "live"};
	static const char *const names[] = {"newer"}, *const ips[] = {"172.18.0.2"};
	struct host *h = mkhost(names, ips, 1);
	h->c[0].created = xstrdup("1970-01-01T00:33:20Z"); /* 2000 s */
	struct flow f = tcp("172.18.0.2", 41000, "203.0.113.1", 80, "203.0.113.1", "10.0.0.5");
	/* last packet 100 s before the container existed: an earlier holder's flow */
	f.last_ns = 1900ull * 1000000000ull;
	struct attrib *a = add(&s, h, &f, 1);
	assert_int_equal(s.n_conns, 0);
	assert_int_equal(s.stale_flows, 1);
	attrib_free(a);
	f.last_ns = 2100ull * 1000000000ull;
	a = add(&s, h, &f, 1);
	assert_int_equal(s.n_conns, 1);
	tstate_free(&s);
	attrib_free(a);
	host_free(h);
}

static void test_changes(void **state)
{
	(void)state;
	struct tc t = {0};
	json_t *l = json_loads(
	    "[{\"Path\":\"/root\",\"Kind\":0},{\"Path\":\"/root/.ssh\",\"Kind\":1},"
	    "{\"Path\":\"/root/.ssh/authorized_keys\",\"Kind\":1},{\"Path\":\"/tmp\",\"Kind\":0},"
	    "{\"Path\":\"/tmp/.x\",\"Kind\":1},{\"Path\":\"/var/log/app.log\",\"Kind\":0},"
	    "{\"Path\":\"/etc/motd\",\"Kind\":2}]",
	    0, NULL);
	assert_non_null(l);
	tc_changes(&t, l);
	assert_int_equal(t.ch_added, 3);
	assert_int_equal(t.ch_changed, 3);
	assert_int_equal(t.ch_deleted, 1);
	assert_int_equal(json_array_size(json_object_get(t.ch_json, "sensitive")), 2);
	assert_int_equal(json_array_size(json_object_get(t.ch_json, "temp_or_hidden")), 1);
	assert_int_equal(t.score, 15);
	json_decref(l);
	json_decref(t.ch_json);
	for (size_t i = 0; i < t.n_why; i++)
		free(t.why[i].text);
	free(t.why);
}

static void test_html(void **state)
{
	(void)state;
	json_t *doc = json_pack(
	    "{s:s,s:s,s:[{s:s,s:i,s:[s],s:[s]}],s:[{s:s,s:s,s:[{s:s,s:s}],s:[{s:s}]}],s:s}",
	    "title", "t<i>", "hostname", "h\"o", "summary", "container",
	    "<script>alert(1)</script>", "score", 120, "reasons", "r&<b>", "next", "cirt collect x",
	    "tables", "id", "tb", "title", "T", "columns", "key", "k", "title", "K", "rows", "k",
	    "<img src=x onerror=alert(1)>", "topology_svg", "<svg onload=\"alert(1)\"></svg>");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct cirt_err err = {0};
	assert_int_equal(html_report(f, doc, &err), 0);
	fclose(f);
	assert_int_equal(strlen(out), len); /* no NUL inside */
	assert_null(strstr(out, "<script>alert"));
	assert_null(strstr(out, "<img"));
	assert_null(strstr(out, "onload"));
	assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(out, "topology omitted"));
	size_t scripts = 0;
	for (const char *p = out; (p = strstr(p, "<script")); p++)
		scripts++;
	assert_int_equal(scripts, 1);
	free(out);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conns_and_scores),
	    cmocka_unit_test(test_address_reuse),
	    cmocka_unit_test(test_changes),
	    cmocka_unit_test(test_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
