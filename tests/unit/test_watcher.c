/* test_watcher.c: the engine of `cirt watch` without the kernel or a daemon: flows (new, end,
 * already open) and the daemon's records fed by hand, with a fake clock for the holds; the lines
 * it writes to a real journal are read back and compared whole, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <netinet/in.h>
#include <unistd.h>

#include "config.h"
#include "journal/watcher.h"
#include "journal/wproc.h"
#include "sources/docker.h"

#define NS 1000000000ull
#define T0 (1767225600ull * NS) /* 2026-01-01T00:00:00Z */

static struct flow_addr A(const char *s) {
	struct flow_addr a;
	if (!flow_addr_parse(s, &a))
		fail_msg("not an address: %s", s);
	return a;
}

static struct flow
F(uint32_t id, const char *src, uint16_t sport, const char *dst, uint16_t dport) {
	struct flow f = {.proto = IPPROTO_TCP, .id = id};
	f.orig = (struct flow_tuple){.src = A(src), .dst = A(dst), .sport = sport, .dport = dport};
	return f;
}

static char *
tmpdir(void)
{
	char tmpl[] = "/tmp/cirt-test-watcher-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return xstrdup(d);
}

static void rmrf(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				char *p = xasprintf("%s/%s", dir, de->d_name);
				unlink(p);
				free(p);
			}
		closedir(d);
	}
	rmdir(dir);
}

/* ---------------------------------------------------------------- the harness */

static uint64_t fake_ms = 1000000;
static uint64_t fake_clock(void)
{
	return fake_ms;
}

struct seen {
	char *warnings[16];
	size_t n_warnings;
	char *alerts_json[8], *alerts_text[8];
	size_t n_alerts;
};

static void on_warn(void *ud, const char *msg)
{
	struct seen *s = ud;
	assert_true(s->n_warnings < ARRAY_SIZE(s->warnings));
	s->warnings[s->n_warnings++] = xstrdup(msg);
}

static void on_alert(void *ud, const struct watcher_alert *a)
{
	struct seen *s = ud;
	assert_true(s->n_alerts < ARRAY_SIZE(s->alerts_json));
	s->alerts_json[s->n_alerts] = watcher_alert_line(a, true);
	s->alerts_text[s->n_alerts] = watcher_alert_line(a, false);
	s->n_alerts++;
}

static void seen_clear(struct seen *s)
{
	for (size_t i = 0; i < s->n_warnings; i++)
		free(s->warnings[i]);
	for (size_t i = 0; i < s->n_alerts; i++) {
		free(s->alerts_json[i]);
		free(s->alerts_text[i]);
	}
}

static void flow(struct watcher *w, enum watcher_kind k, uint64_t t, struct flow f)
{
	struct watcher_event e = {.kind = k, .t_ns = t, .flow = f};
	watcher_feed(w, &e);
}

static void set_container(struct evcontainer *c, const char *id, const char *name, const char *addr)
{
	c->id = xstrdup(id);
	c->name = xstrdup(name);
	c->image = xasprintf("%s:1", name);
	if (addr) {
		c->addrs = xcalloc(1, sizeof(*c->addrs));
		c->addrs[0].network = xstrdup("wt-net");
		c->addrs[0].a = A(addr);
		c->n_addrs = 1;
	}
}

/* A daemon event record as evfeed makes them: its journal line and its effect on the map. */
static struct evrec *event(uint64_t t, enum evmap_op op, const char *action, const char *id,
                           const char *name, const char *addr)
{
	struct evrec *r = xcalloc(1, sizeof(*r));
	r->kind = EVR_EVENT;
	r->t_ns = t;
	r->op = op;
	set_container(&r->c, id, name, addr);
	r->line = journal_line_new(t, "docker");
	json_object_set_new(r->line, "action", json_string(action));
	json_object_set_new(
	    r->line, "container",
	    json_pack("{s:s, s:s, s:s}", "id", id, "name", name, "image", r->c.image));
	return r;
}

/* Every line of the journal in DIR, in the order written (one file). */
static size_t read_lines(const char *dir, char ***ret)
{
	struct journal_reader *r = NULL;
	struct cirt_err e = {0};
	assert_int_equal(journal_reader_open(dir, 0, 0, &r, &e), 0);
	char **v = NULL;
	size_t n = 0;
	const char *line;
	size_t len;
	uint64_t t;
	int k;
	while ((k = journal_reader_next(r, &line, &len, &t, &e)) > 0) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup(line);
	}
	assert_int_equal(k, 0);
	journal_reader_close(r);
	*ret = v;
	return n;
}

/* ---------------------------------------------------------------- the test */

/* The lines the test below must write, between the watcher's start and stop lines; ' stands
 * for " (see dq). */
static const char *const want_lines[] = {
    "{'t':'2026-01-01T00:00:01.000000Z','type':'flow','event':'new','src_container':{'id':'aaaa',"
    "'name':'web','image':'web:1'},'by':'address','flow':{'proto':'tcp','original':{'src':'172.30."
    "0.2',"
    "'sport':40000,'dst':'10.66.0.2','dport':80},'reply':{'src':'10.66.0.2','sport':80,"
    "'dst':'192.168.0.1','dport':40000},'nat':true,'first_seen':'2026-01-01T00:00:01.000Z',"
    "'conntrack_id':1,'expires_in':0},'ioc':'10.66.0.2/32'}",
    "{'t':'2026-01-01T00:00:03.000000Z','type':'docker','action':'start','container':{'id':'bbbb',"
    "'name':'db','image':'db:1'}}",
    "{'t':'2026-01-01T00:00:02.000000Z','type':'flow','event':'new','src_container':{'id':'bbbb',"
    "'name':'db','image':'db:1'},'by':'address','flow':{'proto':'tcp','original':{'src':'172.30.0."
    "9',"
    "'sport':41000,'dst':'10.66.0.3','dport':443},'nat':false,'first_seen':'2026-01-01T00:00:02."
    "000Z',"
    "'conntrack_id':2,'expires_in':0}}",
    "{'t':'2026-01-01T00:00:03.000000Z','type':'flow','event':'end','src_container':{'id':'bbbb',"
    "'name':'db','image':'db:1'},'by':'address','flow':{'proto':'tcp','original':{'src':'172.30.0."
    "9',"
    "'sport':41000,'dst':'10.66.0.3','dport':443},'nat':false,'first_seen':'2026-01-01T00:00:02."
    "000Z',"
    "'last_seen':'2026-01-01T00:00:03.000Z','conntrack_id':2,'expires_in':0}}",
    "{'t':'2026-01-01T00:00:04.000000Z','type':'docker','action':'destroy','container':{'id':'aaaa'"
    ","
    "'name':'web','image':'web:1'}}",
    "{'t':'2026-01-01T00:00:06.000000Z','type':'docker','action':'start','container':{'id':'cccc',"
    "'name':'next','image':'next:1'}}",
    "{'t':'2026-01-01T00:00:07.000000Z','type':'flow','event':'end','src_container':{'id':'aaaa',"
    "'name':'web','image':'web:1'},'by':'address','flow':{'proto':'tcp','state':'TIME_WAIT','"
    "original':{'src':'"
    "172.30.0.2',"
    "'sport':40000,'dst':'10.66.0.2','dport':80},'reply':{'src':'10.66.0.2','sport':80,"
    "'dst':'192.168.0.1','dport':40000},'nat':true,'first_seen':'2026-01-01T00:00:01.000Z',"
    "'last_seen':'2026-01-01T00:00:07.000Z','conntrack_id':1,'expires_in':0}}",
    "{'t':'2026-01-01T00:00:08.000000Z','type':'flow','event':'end','src_container':{'id':'cccc',"
    "'name':'next','image':'next:1'},'by':'address','flow':{'proto':'tcp','original':{'src':'172."
    "30.0.2',"
    "'sport':50000,'dst':'10.66.0.2','dport':80},'nat':false,'last_seen':'2026-01-01T00:00:08.000Z'"
    ","
    "'conntrack_id':99,'expires_in':0}}",
    "{'t':'2026-01-01T00:00:10.000000Z','type':'flow','event':'existing','src_container':{'id':'"
    "cccc',"
    "'name':'next','image':'next:1'},'by':'address','flow':{'proto':'tcp','original':{'src':'172."
    "30.0.2',"
    "'sport':33333,'dst':'10.66.0.4','dport':22},'nat':false,'first_seen':'2025-12-31T23:59:10."
    "000Z',"
    "'conntrack_id':5,'expires_in':0}}",
    "{'t':'2026-01-01T00:00:11.000000Z','type':'flow','event':'new','by':'address','flow':{'proto':"
    "'tcp',"
    "'original':{'src':'172.30.0.50','sport':42000,'dst':'10.66.0.5','dport':80},"
    "'nat':false,'first_seen':'2026-01-01T00:00:11.000Z','conntrack_id':6,'expires_in':0}}",
    "{'t':'2026-01-01T00:00:12.000000Z','type':'flow','event':'new','dst_container':{'id':'cccc',"
    "'name':'next','image':'next:1'},'by':'address','flow':{'proto':'tcp','original':{'src':'10.66."
    "0.2',"
    "'sport':5555,'dst':'172.30.0.2','dport':8080},'nat':false,'first_seen':'2026-01-01T00:00:12."
    "000Z',"
    "'conntrack_id':7,'expires_in':0},'ioc':'10.66.0.2/32'}",
    "{'t':'2026-01-01T00:00:13.000000Z','type':'daemon','action':'lost','error':'boom'}",
    "{'t':'2026-01-01T00:00:15.000000Z','type':'daemon','action':'back','gap_seconds':2.5}",
    "{'t':'2026-01-01T00:00:16.000000Z','type':'overrun','source':'conntrack',"
    "'count':1,'note':'gone'}",
    "{'t':'2026-01-01T00:00:17.000000Z','type':'flow','event':'new','src_container':{'id':'cccc',"
    "'name':'next','image':'next:1'},'by':'address','flow':{'proto':'tcp','original':{'src':'172."
    "30.0.2',"
    "'sport':40001,'dst':'10.66.0.9','dport':80},'nat':false,'first_seen':'2026-01-01T00:00:17."
    "000Z',"
    "'conntrack_id':8,'expires_in':0},'ioc':'10.66.0.0/24'}",
    "{'t':'2026-01-01T00:00:18.000000Z','type':'flow','event':'new','dst_container':{'id':'cccc',"
    "'name':'next','image':'next:1'},'by':'address','flow':{'proto':'tcp','original':{'src':'10.77."
    "0.7',"
    "'sport':6000,'dst':'192.168.0.1','dport':8080},'reply':{'src':'172.30.0.2',"
    "'sport':80,'dst':'10.77.0.7','dport':6000},'nat':true,'first_seen':'2026-01-01T00:00:18.000Z',"
    "'conntrack_id':9,'expires_in':0}}",
};

/* Its alerts, as JSON and as text. */
static const char *const want_alerts[] = {
    "{'t':'2026-01-01T00:00:01.000000Z','type':'alert','container':{'id':'aaaa',"
    "'name':'web','image':'web:1'},'direction':'to','flow':{'proto':'tcp','original':{'src':'172."
    "30.0.2',"
    "'sport':40000,'dst':'10.66.0.2','dport':80},'reply':{'src':'10.66.0.2','sport':80,"
    "'dst':'192.168.0.1','dport':40000},'nat':true,'first_seen':'2026-01-01T00:00:01.000Z',"
    "'conntrack_id':1,'expires_in':0},'ioc':{'entry':'10.66.0.2/32','comment':'the "
    "C2 host','line':2}}",
    "2026-01-01T00:00:01.000000Z ALERT web (web:1, aaaa) tcp 172.30.0.2:40000 "
    "-> 10.66.0.2:80 matches ioc 10.66.0.2/32 (line 2: the C2 host)",
    "{'t':'2026-01-01T00:00:12.000000Z','type':'alert','container':{'id':'cccc',"
    "'name':'next','image':'next:1'},'direction':'from','flow':{'proto':'tcp',"
    "'original':{'src':'10.66.0.2','sport':5555,'dst':'172.30.0.2','dport':8080},"
    "'nat':false,'first_seen':'2026-01-01T00:00:12.000Z','conntrack_id':7,'expires_in':0},"
    "'ioc':{'entry':'10.66.0.2/32','comment':'the C2 host','line':2}}",
    "2026-01-01T00:00:12.000000Z ALERT next (next:1, cccc) tcp 10.66.0.2:5555 "
    "-> 172.30.0.2:8080 matches ioc 10.66.0.2/32 (line 2: the C2 host)",
    "{'t':'2026-01-01T00:00:17.000000Z','type':'alert','container':{'id':'cccc',"
    "'name':'next','image':'next:1'},'direction':'to','flow':{'proto':'tcp','original':{'src':'172."
    "30.0.2',"
    "'sport':40001,'dst':'10.66.0.9','dport':80},'nat':false,'first_seen':'2026-01-01T00:00:17."
    "000Z',"
    "'conntrack_id':8,'expires_in':0},'ioc':{'entry':'10.66.0.0/24','comment':null,"
    "'line':1}}",
    "2026-01-01T00:00:17.000000Z ALERT next (next:1, cccc) tcp 172.30.0.2:40001 "
    "-> 10.66.0.9:80 matches ioc 10.66.0.0/24 (line 1)",
};

static const char *const want_warnings[] = {
    "warning: daemon lost (boom): recording flows with the addresses known so far, reconnecting",
    "daemon answers again after 2.5 s: events of the gap are not recorded",
};

/* s with every ' turned into " (static buffer) */
static const char *dq(const char *s)
{
	static char b[4096];
	size_t n = strlen(s);
	assert_true(n < sizeof(b));
	for (size_t i = 0; i <= n; i++)
		b[i] = s[i] == '\'' ? '"' : s[i];
	return b;
}

/* A line of the watcher itself: {"t":"<now>", then exactly rest (in ' form). */
static void check_own_line(const char *line, const char *rest)
{
	assert_int_equal(strncmp(line, "{\"t\":\"", 6), 0);
	assert_true(strlen(line) > 6 + JOURNAL_TIME_LEN + 2);
	assert_string_equal(line + 6 + JOURNAL_TIME_LEN + 2, dq(rest));
}

static void test_watcher_lines(void **state)
{
	char *dir = tmpdir();
	struct journal_writer *jw = NULL;
	struct cirt_err e = {0};
	assert_int_equal(journal_open(dir, 1 << 20, &jw, &e), 0);
	char ioc_text[] = "# lab\n10.66.0.2/32 # the C2 host\n";
	struct ioc_list *ioc = NULL;
	assert_int_equal(ioc_parse("ioc.txt", ioc_text, strlen(ioc_text), &ioc, &e), 0);
	struct seen seen = {0};
	struct watcher_opts o = {.jw = jw,
	                         .ioc = ioc,
	                         .warn = on_warn,
	                         .alert = on_alert,
	                         .ud = &seen,
	                         .clock_ms = fake_clock};
	struct watcher *w = watcher_new(&o);
	struct watcher_stats st;

	/* what the daemon says first: its network's subnet, and web running on it */
	struct evrec *subnet = xcalloc(1, sizeof(*subnet));
	subnet->kind = EVR_SUBNET;
	subnet->t_ns = T0;
	subnet->net = A("172.30.0.0");
	subnet->prefix = 16;
	struct evrec *snap = xcalloc(1, sizeof(*snap));
	snap->kind = EVR_SNAPSHOT;
	snap->t_ns = T0;
	snap->snap = xcalloc(1, sizeof(*snap->snap));
	snap->n_snap = 1;
	set_container(&snap->snap[0], "aaaa", "web", "172.30.0.2");
	snap->snap[0].started_ns = T0 - 100 * NS;
	subnet->next = snap;
	watcher_feed_records(w, subnet);
	watcher_stats(w, &st);
	assert_true(st.daemon_ok);
	assert_int_equal(st.containers, 1);
	struct watcher_sources src = {.ct_acct = true, .ct_rcvbuf = 4096};
	watcher_started(w, &src);

	/* web to the C2 host, NATed: written at once, with an alert */
	struct flow f1 = F(1, "172.30.0.2", 40000, "10.66.0.2", 80);
	f1.reply = (struct flow_tuple){
	    .src = A("10.66.0.2"), .dst = A("192.168.0.1"), .sport = 80, .dport = 40000};
	flow(w, WATCHER_FLOW_NEW, T0 + 1 * NS, f1);
	assert_int_equal(seen.n_alerts, 1);

	/* an address of the network that nobody holds yet: held, and so is its end */
	flow(w, WATCHER_FLOW_NEW, T0 + 2 * NS, F(2, "172.30.0.9", 41000, "10.66.0.3", 443));
	flow(w, WATCHER_FLOW_END, T0 + 3 * NS, F(2, "172.30.0.9", 41000, "10.66.0.3", 443));
	watcher_settle(w, false);
	watcher_stats(w, &st);
	assert_int_equal(st.held, 2);
	assert_int_equal(st.flows_new, 1);
	/* its container's start arrives: both are written, attributed to it */
	watcher_feed_records(w, event(T0 + 3 * NS, EVM_OPEN, "start", "bbbb", "db", "172.30.0.9"));
	watcher_stats(w, &st);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.events, 1);

	/* web is removed and its address goes to next: web's flow still ends as web's */
	watcher_feed_records(w, event(T0 + 4 * NS, EVM_GONE, "destroy", "aaaa", "web", NULL));
	watcher_feed_records(w,
	                     event(T0 + 6 * NS, EVM_OPEN, "start", "cccc", "next", "172.30.0.2"));
	struct flow f1end = f1;
	snprintf(f1end.state, sizeof(f1end.state), "TIME_WAIT");
	flow(w, WATCHER_FLOW_END, T0 + 7 * NS, f1end);
	/* an end never seen begin: whoever holds the address then (no alert on ends) */
	flow(w, WATCHER_FLOW_END, T0 + 8 * NS, F(99, "172.30.0.2", 50000, "10.66.0.2", 80));
	/* the host's own traffic: skipped */
	flow(w, WATCHER_FLOW_NEW, T0 + 9 * NS, F(3, "192.168.5.5", 5000, "192.168.5.6", 53));
	/* a flow open before watching began (the kernel's start time kept) */
	struct flow f5 = F(5, "172.30.0.2", 33333, "10.66.0.4", 22);
	f5.first_ns = T0 - 50 * NS;
	flow(w, WATCHER_FLOW_EXISTING, T0 + 10 * NS, f5);
	assert_int_equal(seen.n_alerts, 1);

	/* nobody ever claims this one: held until its time is up, then written without a name */
	flow(w, WATCHER_FLOW_NEW, T0 + 11 * NS, F(6, "172.30.0.50", 42000, "10.66.0.5", 80));
	assert_int_equal(watcher_timeout_ms(w, 1000), 1000);
	fake_ms += WATCHER_HOLD_MS - 10;
	assert_int_equal(watcher_timeout_ms(w, 1000), 11);
	watcher_settle(w, false);
	watcher_stats(w, &st);
	assert_int_equal(st.held, 1);
	fake_ms += 10;
	assert_int_equal(watcher_timeout_ms(w, 1000), 0);
	watcher_settle(w, false);
	watcher_stats(w, &st);
	assert_int_equal(st.held, 0);
	assert_int_equal(watcher_timeout_ms(w, 1000), 1000);

	/* the listed address opens a flow to a container: an alert "from" it */
	flow(w, WATCHER_FLOW_NEW, T0 + 12 * NS, F(7, "10.66.0.2", 5555, "172.30.0.2", 8080));
	assert_int_equal(seen.n_alerts, 2);

	/* the daemon goes away and comes back; conntrack overruns */
	struct evrec *lost = xcalloc(1, sizeof(*lost));
	lost->kind = EVR_LOST;
	lost->t_ns = T0 + 13 * NS;
	lost->line = journal_line_new(lost->t_ns, "daemon");
	json_object_set_new(lost->line, "action", json_string("lost"));
	json_object_set_new(lost->line, "error", json_string("boom"));
	struct evrec *back = xcalloc(1, sizeof(*back));
	back->kind = EVR_BACK;
	back->t_ns = T0 + 15 * NS;
	back->line = journal_line_new(back->t_ns, "daemon");
	json_object_set_new(back->line, "action", json_string("back"));
	json_object_set_new(back->line, "gap_seconds", json_real(2.5));
	lost->next = back;
	watcher_feed_records(w, lost);
	watcher_feed(w, &(struct watcher_event){.kind = WATCHER_LOST,
	                                        .t_ns = T0 + 16 * NS,
	                                        .lost = {.source = "conntrack", .note = "gone"}});

	/* tracked flows whose end never came are forgotten after days */
	watcher_stats(w, &st);
	assert_int_equal(st.tracked, 3); /* 5, 6, 7 */
	watcher_prune(w, T0 + 7 * 86400 * NS);
	watcher_stats(w, &st);
	assert_int_equal(st.tracked, 0);

	/* the indicator list is reloaded; a bad one keeps the list before */
	char *good = xasprintf("%s/good.txt", dir), *bad = xasprintf("%s/bad.txt", dir);
	FILE *fp = fopen(good, "w");
	fputs("10.66.0.0/24\n10.66.1.1\n", fp);
	fclose(fp);
	fp = fopen(bad, "w");
	fputs("not an address\n", fp);
	fclose(fp);
	assert_int_equal(watcher_reload_ioc(w, good, &e), 0);
	assert_int_equal(watcher_reload_ioc(w, bad, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_USAGE);
	watcher_stats(w, &st);
	assert_int_equal(st.ioc_entries, 2);
	/* the new list matches the whole /24 */
	flow(w, WATCHER_FLOW_NEW, T0 + 17 * NS, F(8, "172.30.0.2", 40001, "10.66.0.9", 80));
	assert_int_equal(seen.n_alerts, 3);

	/* to a published port of the host: the container is the reply's source, after DNAT */
	struct flow f9 = F(9, "10.77.0.7", 6000, "192.168.0.1", 8080);
	f9.reply = (struct flow_tuple){
	    .src = A("172.30.0.2"), .dst = A("10.77.0.7"), .sport = 80, .dport = 6000};
	flow(w, WATCHER_FLOW_NEW, T0 + 18 * NS, f9);

	watcher_stopped(w, "SIGTERM");
	watcher_stats(w, &st);
	assert_int_equal(st.flows_new, 6);
	assert_int_equal(st.flows_end, 3);
	assert_int_equal(st.flows_existing, 1);
	assert_int_equal(st.flows_skipped, 1);
	assert_int_equal(st.flows_unattributed, 1);
	assert_int_equal(st.alerts, 3);
	assert_int_equal(st.overruns, 1);
	assert_int_equal(st.daemon_gaps, 1);
	assert_int_equal(st.write_errors, 0);
	assert_int_equal(journal_close(jw, &e), 0);

	char **l = NULL;
	size_t n = read_lines(dir, &l);
	if (getenv("TEST_WATCHER_PRINT")) /* to see what changed */
		for (size_t i = 0; i < n; i++)
			printf("%s\n", l[i]);
	assert_int_equal(n, ARRAY_SIZE(want_lines) + 2);
	char *start =
	    xasprintf("'type':'watch','action':'start','pid':%d,'version':'%s','acct':true,"
	              "'timestamps':false,'rcvbuf':4096,'containers':1,'ioc_entries':1,'kernel_"
	              "events':null,'dns':null}",
	              (int)getpid(), CIRT_VERSION);
	check_own_line(l[0], start);
	free(start);
	for (size_t i = 0; i < ARRAY_SIZE(want_lines); i++)
		assert_string_equal(l[i + 1], dq(want_lines[i]));
	check_own_line(l[n - 1], "'type':'watch','action':'stop','signal':'SIGTERM','flows_new':6,"
	                         "'flows_end':3,'flows_existing':1,'flows_skipped':1,"
	                         "'flows_unattributed':1,'events':3,'alerts':3,'overruns':1,"
	                         "'daemon_gaps':1,'untracked':0,'flows_process':0,'execs':0,"
	                         "'dns_lines':0,'processes_untracked':0,'sockets_dropped':0}");
	assert_int_equal(seen.n_alerts * 2, ARRAY_SIZE(want_alerts));
	for (size_t i = 0; i < seen.n_alerts; i++) {
		assert_string_equal(seen.alerts_json[i], dq(want_alerts[2 * i]));
		assert_string_equal(seen.alerts_text[i], want_alerts[2 * i + 1]);
	}
	assert_int_equal(seen.n_warnings, ARRAY_SIZE(want_warnings));
	for (size_t i = 0; i < seen.n_warnings; i++)
		assert_string_equal(seen.warnings[i], want_warnings[i]);

	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
	seen_clear(&seen);
	watcher_free(w);
	unlink(good);
	unlink(bad);
	free(good);
	free(bad);
	rmrf(dir);
	free(dir);
}

/* --all-flows: the host's own flows too, without a container; no callbacks needed */
static void test_watcher_all_flows(void **state)
{
	char *dir = tmpdir();
	struct journal_writer *jw = NULL;
	struct cirt_err e = {0};
	assert_int_equal(journal_open(dir, 1 << 20, &jw, &e), 0);
	struct watcher_opts o = {.jw = jw, .all_flows = true, .clock_ms = fake_clock};
	struct watcher *w = watcher_new(&o);
	flow(w, WATCHER_FLOW_NEW, T0 + 1 * NS, F(3, "192.168.5.5", 5000, "192.168.5.6", 53));
	flow(w, WATCHER_FLOW_END, T0 + 2 * NS, F(3, "192.168.5.5", 5000, "192.168.5.6", 53));
	struct watcher_stats st;
	watcher_stats(w, &st);
	assert_int_equal(st.flows_skipped, 0);
	assert_int_equal(st.flows_unattributed, 2);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.tracked, 0);
	watcher_flush(w);
	watcher_free(w);
	assert_int_equal(journal_close(jw, &e), 0);
	char **l = NULL;
	assert_int_equal(read_lines(dir, &l), 2);
	assert_string_equal(
	    l[0], dq("{'t':'2026-01-01T00:00:01.000000Z','type':'flow','event':'new',"
	             "'by':'address','flow':{'proto':'tcp','original':{'src':'192.168.5.5','sport':"
	             "5000,'dst':'192.168.5.6','dport':53},'nat':false,'first_seen':"
	             "'2026-01-01T00:00:01.000Z','conntrack_id':3,'expires_in':0}}"));
	assert_string_equal(
	    l[1], dq("{'t':'2026-01-01T00:00:02.000000Z','type':'flow','event':'end',"
	             "'by':'address','flow':{'proto':'tcp','original':{'src':'192.168.5.5','sport':"
	             "5000,'dst':'192.168.5.6','dport':53},'nat':false,'first_seen':"
	             "'2026-01-01T00:00:01.000Z','last_seen':'2026-01-01T00:00:02.000Z',"
	             "'conntrack_id':3,'expires_in':0}}"));
	free(l[0]);
	free(l[1]);
	free(l);
	rmrf(dir);
	free(dir);
}

/* ---------------------------------------------------------------- kernel events and DNS */

#define NS_WEB 4026530001u /* web's network namespace */
#define NS_HOST 4026530000u

/* A kernel event of pid in container cid (NULL: the host) and namespace netns. */
static struct kev_event K(enum kev_kind kind, uint64_t t, int pid, int ppid, const char *comm,
                          const char *cid, uint32_t netns) {
	struct kev_event e = {.kind = kind,
	                      .ts_ns = t,
	                      .pid = pid,
	                      .tid = pid,
	                      .ppid = ppid,
	                      .uid = 0,
	                      .euid = 0,
	                      .netns = netns};
	e.comm = (struct kev_bytes){comm, strlen(comm)};
	snprintf(e.container, sizeof(e.container), "%s", cid ? cid : "");
	return e;
}

static void
kev(struct watcher *w, enum watcher_kind k, const struct kev_event *e)
{
	watcher_feed(w, &(struct watcher_event){.kind = k, .t_ns = e->ts_ns, .kev = e});
}

static void exec_of(struct watcher *w, enum watcher_kind k, uint64_t t, int pid, int ppid,
                    const char *cid, const char *exe, const char *const *argv, size_t argc)
{
	struct kev_event e = K(KEV_EXEC, t, pid, ppid, strrchr(exe, '/') + 1, cid, NS_WEB);
	e.exe = (struct kev_bytes){exe, strlen(exe)};
	for (size_t i = 0; i < argc; i++)
		e.argv[e.argc++] = (struct kev_bytes){argv[i], strlen(argv[i])};
	kev(w, k, &e);
}

/* pid connects (or sends, accepts) from src:sport to dst:dport in namespace netns */
static void sock_of(struct watcher *w, enum kev_kind kind, uint64_t t, int pid, const char *cid,
                    uint32_t netns, uint8_t proto, const char *src, uint16_t sport, const char *dst,
                    uint16_t dport)
{
	struct kev_event e = K(kind, t, pid, 1, "nc", cid, netns);
	e.proto = proto;
	e.sock_netns = netns;
	struct flow_addr s = A(src), d = A(dst);
	e.src.family = s.family;
	memcpy(e.src.b, s.b, 16);
	e.dst.family = d.family;
	memcpy(e.dst.b, d.b, 16);
	e.sport = sport;
	e.dport = dport;
	e.via = KEV_VIA_SYSCALL_RET;
	kev(w, WATCHER_KEV, &e);
}

/* A DNS answer: c2.cirt-lab.test A 10.66.0.2, TTL 300. */
static const uint8_t dns_answer[] = {
    0x12, 0x34, 0x81, 0x80, 0,   1,   0,   1,   0,   0,    0,   0, /* header */
    2,    'c',  '2',  8,    'c', 'i', 'r', 't', '-', 'l',  'a', 'b', 4,  't', 'e', 's',
    't',  0,    0,    1,    0,   1, /* A IN */
    0xc0, 0x0c, 0,    1,    0,   1,   0,   0,   1,   0x2c, 0,   4,   10, 66,  0,   2};

static void dns_of(struct watcher *w, uint64_t t, uint32_t netns, const char *client,
                   uint16_t cport, bool forwarded)
{
	struct dns_msg m;
	assert_int_equal(dns_parse(dns_answer, sizeof(dns_answer), &m), 0);
	struct dnscap_record r = {.ts = {.tv_sec = (time_t)(t / NS)},
	                          .netns = netns,
	                          .host_ns = netns == NS_HOST,
	                          .proto = IPPROTO_UDP,
	                          .response = true,
	                          .forwarded = forwarded,
	                          .msg = &m};
	struct flow_addr c = A(client), s = A("10.66.0.2");
	r.client = (struct dnscap_endpoint){.family = AF_INET, .port = cport};
	memcpy(r.client.addr, c.b, 4);
	r.server = (struct dnscap_endpoint){.family = AF_INET, .port = 53};
	memcpy(r.server.addr, s.b, 4);
	watcher_feed(w, &(struct watcher_event){.kind = WATCHER_DNS, .t_ns = t, .dns = &r});
}

/* ' -> " in the expected lines, as above; WEB and SIDE stand for the containers' references */
#define WEB "{'id':'aaaa','name':'web','image':'web:1'}"
#define SIDE "{'id':'ssss','name':'side','image':'side:1'}"
#define SH "{'pid':100,'comm':'sh','exe':'/bin/sh'}"
#define NC                                                                                         \
	"{'pid':101,'comm':'nc','exe':'/bin/"                                                      \
	"nc','argv':['nc','\\u001B[31m','\\\\xff'],'ppid':100,'parents':[" SH "]}"

static const char *const want_kernel[] = {
    /* nc started by its container's own shell, argv with an escape and an invalid byte */
    "{'t':'2026-01-01T00:00:01.000000Z','type':'exec','container':" WEB ",'pid':101,"
    "'ppid':100,'uid':0,'comm':'nc','exe':'/bin/nc','argv':['nc','\\u001B[31m','\\\\xff'],"
    "'argv_truncated':false,'parents':[" SH "],'netns':4026530001,'via':'bpf'}",
    /* its connect came before the conntrack NEW */
    "{'t':'2026-01-01T00:00:02.000000Z','type':'flow','event':'new','src_container':" WEB
    ",'by':'process','process':" NC ",'flow':{'proto':'tcp','original':{'src':'172.30.0.2',"
    "'sport':40000,'dst':'10.66.0.2','dport':80},'nat':false,'first_seen':'2026-01-01T00:00:02."
    "000Z','conntrack_id':11,'expires_in':0}}",
    /* the conntrack NEW came first: it waited for the connect */
    "{'t':'2026-01-01T00:00:03.000000Z','type':'flow','event':'new','src_container':" WEB
    ",'by':'process','process':" NC ",'flow':{'proto':'tcp','original':{'src':'172.30.0.2',"
    "'sport':40001,'dst':'10.66.0.2','dport':80},'nat':false,'first_seen':'2026-01-01T00:00:03."
    "000Z','conntrack_id':12,'expires_in':0}}",
    /* nc exited: the end of its flow still names it */
    "{'t':'2026-01-01T00:00:05.000000Z','type':'flow','event':'end','src_container':" WEB
    ",'by':'process','process':" NC ",'flow':{'proto':'tcp','original':{'src':'172.30.0.2',"
    "'sport':40000,'dst':'10.66.0.2','dport':80},'nat':false,'first_seen':'2026-01-01T00:00:02."
    "000Z','last_seen':'2026-01-01T00:00:05.000Z','conntrack_id':11,'expires_in':0}}",
    /* a fork of the shell connects: the copy of its parent, with the shell as parent */
    "{'t':'2026-01-01T00:00:06.000000Z','type':'flow','event':'new','src_container':" WEB
    ",'by':'process','process':{'pid':102,'comm':'sh','exe':'/bin/sh','argv':['sh','-c',"
    "'loop'],'ppid':100,'parents':[" SH "]},'flow':{'proto':'tcp','original':{'src':"
    "'172.30.0.2','sport':40002,'dst':'10.66.0.2','dport':80},'nat':false,'first_seen':"
    "'2026-01-01T00:00:06.000Z','conntrack_id':13,'expires_in':0}}",
    /* a sidecar in web's namespace: its own connection, web named as the namespace's owner */
    "{'t':'2026-01-01T00:00:07.000000Z','type':'flow','event':'new','src_container':" SIDE
    ",'by':'process','process':{'pid':200,'comm':'nc','exe':null,'argv':null,'ppid':1,"
    "'parents':[]},'netns_owner':{'id':'aaaa','name':'web'},'flow':{'proto':'tcp','original':"
    "{'src':'172.30.0.2','sport':40100,'dst':'10.66.0.2','dport':4444},'nat':false,"
    "'first_seen':'2026-01-01T00:00:07.000Z','conntrack_id':14,'expires_in':0}}",
    /* DNS: nc's question (a datagram from an unbound socket), answered */
    "{'t':'2026-01-01T00:00:08.000000Z','type':'dns','container':" WEB ",'by':'process',"
    "'process':" NC ",'netns':4026530001,'client':'172.30.0.2:5353','server':'10.66.0.2:53',"
    "'forwarded':false,'qname':'c2.cirt-lab.test','qtype':'A','rcode':'NOERROR','answers':"
    "[{'name':'c2.cirt-lab.test','type':'A','ttl':300,'data':'10.66.0.2'}]}",
    /* and the same datagram's conntrack flow */
    "{'t':'2026-01-01T00:00:08.000000Z','type':'flow','event':'new','src_container':" WEB
    ",'by':'process','process':" NC ",'flow':{'proto':'udp','original':{'src':'172.30.0.2',"
    "'sport':5353,'dst':'10.66.0.2','dport':53},'nat':false,'first_seen':'2026-01-01T00:00:08."
    "000Z','conntrack_id':15,'expires_in':0}}",
    /* Docker's resolver forwarding a question of web's namespace: the namespace's, no process */
    "{'t':'2026-01-01T00:00:09.000000Z','type':'dns','container':" WEB ",'by':'netns',"
    "'netns':4026530001,'client':'172.30.0.2:6000','server':'10.66.0.2:53','forwarded':true,"
    "'qname':'c2.cirt-lab.test','qtype':'A','rcode':'NOERROR','answers':[{'name':"
    "'c2.cirt-lab.test','type':'A','ttl':300,'data':'10.66.0.2'}]}",
    "{'t':'2026-01-01T00:00:10.000000Z','type':'docker','action':'destroy','container':" WEB "}",
    /* web is gone, but a connect of its process was on its way: still web's */
    "{'t':'2026-01-01T00:00:11.000000Z','type':'flow','event':'new','src_container':" WEB
    ",'by':'process','process':" NC ",'flow':{'proto':'tcp','original':{'src':'172.30.0.2',"
    "'sport':40003,'dst':'10.66.0.2','dport':80},'nat':false,'first_seen':'2026-01-01T00:00:11."
    "000Z','conntrack_id':16,'expires_in':0}}",
    /* no socket event ever comes: written by address after the wait */
    "{'t':'2026-01-01T00:00:12.000000Z','type':'flow','event':'new','dst_container':" WEB
    ",'by':'address','flow':{'proto':'tcp','original':{'src':'10.66.0.2','sport':5555,'dst':"
    "'172.30.0.2','dport':8080},'nat':false,'first_seen':'2026-01-01T00:00:12.000Z',"
    "'conntrack_id':17,'expires_in':0}}",
};

static void test_watcher_kernel(void **state)
{
	char *dir = tmpdir();
	struct journal_writer *jw = NULL;
	struct cirt_err e = {0};
	assert_int_equal(journal_open(dir, 1 << 20, &jw, &e), 0);
	struct seen seen = {0};
	struct watcher_opts o = {.jw = jw, .warn = on_warn, .ud = &seen, .clock_ms = fake_clock};
	struct watcher *w = watcher_new(&o);
	watcher_kernel(w, 1 /* WPROC_VIA_BPF */, WATCHER_KEV_WAIT_MS);
	struct watcher_stats st;

	/* web runs (its namespace NS_WEB), and side shares it (--network container:web) */
	struct evrec *subnet = xcalloc(1, sizeof(*subnet));
	subnet->kind = EVR_SUBNET;
	subnet->net = A("172.30.0.0");
	subnet->prefix = 16;
	struct evrec *snap = xcalloc(1, sizeof(*snap));
	snap->kind = EVR_SNAPSHOT;
	snap->t_ns = T0;
	snap->snap = xcalloc(2, sizeof(*snap->snap));
	snap->n_snap = 2;
	set_container(&snap->snap[0], "aaaa", "web", "172.30.0.2");
	snap->snap[0].netns = NS_WEB;
	set_container(&snap->snap[1], "ssss", "side", NULL);
	snap->snap[1].netns = NS_WEB;
	snap->snap[1].netns_of = xstrdup("aaaa");
	subnet->next = snap;
	watcher_feed_records(w, subnet);

	/* what ran before watching began: web's shell, and the shim above it (the host's) */
	const char *const shim_argv[] = {"containerd-shim"};
	exec_of(w, WATCHER_KEV_EXISTING, T0, 50, 1, NULL, "/usr/bin/containerd-shim", shim_argv, 1);
	const char *const sh_argv[] = {"sh", "-c", "loop"};
	exec_of(w, WATCHER_KEV_EXISTING, T0, 100, 50, "aaaa", "/bin/sh", sh_argv, 3);
	/* the shell forks and the child execs nc */
	struct kev_event fk = K(KEV_FORK, T0 + NS / 2, 101, 100, "sh", "aaaa", NS_WEB);
	fk.parent = 100;
	kev(w, WATCHER_KEV, &fk);
	const char *const nc_argv[] = {"nc", "\x1b[31m", "\xff"};
	exec_of(w, WATCHER_KEV, T0 + 1 * NS, 101, 100, "aaaa", "/bin/nc", nc_argv, 3);

	/* connect, then its flow */
	sock_of(w, KEV_CONNECT, T0 + 2 * NS, 101, "aaaa", NS_WEB, IPPROTO_TCP, "172.30.0.2", 40000,
	        "10.66.0.2", 80);
	flow(w, WATCHER_FLOW_NEW, T0 + 2 * NS, F(11, "172.30.0.2", 40000, "10.66.0.2", 80));
	watcher_stats(w, &st);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.flows_process, 1);

	/* the flow first: it waits for its socket event, which then comes */
	flow(w, WATCHER_FLOW_NEW, T0 + 3 * NS, F(12, "172.30.0.2", 40001, "10.66.0.2", 80));
	watcher_stats(w, &st);
	assert_int_equal(st.held, 1);
	assert_int_equal(st.flows_new, 1);
	assert_in_range(watcher_timeout_ms(w, 1000), 1, WATCHER_KEV_WAIT_MS + 1);
	sock_of(w, KEV_CONNECT, T0 + 3 * NS, 101, "aaaa", NS_WEB, IPPROTO_TCP, "172.30.0.2", 40001,
	        "10.66.0.2", 80);
	watcher_settle(w, false);
	watcher_stats(w, &st);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.flows_process, 2);

	/* nc exits; its flow ends after */
	struct kev_event ex = K(KEV_EXIT, T0 + 4 * NS, 101, 100, "nc", "aaaa", NS_WEB);
	kev(w, WATCHER_KEV, &ex);
	flow(w, WATCHER_FLOW_END, T0 + 5 * NS, F(11, "172.30.0.2", 40000, "10.66.0.2", 80));

	/* a fork of the shell, without exec, connects */
	struct kev_event fk2 = K(KEV_FORK, T0 + 6 * NS, 102, 100, "sh", "aaaa", NS_WEB);
	fk2.parent = 100;
	kev(w, WATCHER_KEV, &fk2);
	sock_of(w, KEV_CONNECT, T0 + 6 * NS, 102, "aaaa", NS_WEB, IPPROTO_TCP, "172.30.0.2", 40002,
	        "10.66.0.2", 80);
	flow(w, WATCHER_FLOW_NEW, T0 + 6 * NS, F(13, "172.30.0.2", 40002, "10.66.0.2", 80));

	/* the sidecar's process (its own cgroup: ssss) in web's namespace, web's address */
	sock_of(w, KEV_CONNECT, T0 + 7 * NS, 200, "ssss", NS_WEB, IPPROTO_TCP, "172.30.0.2", 40100,
	        "10.66.0.2", 4444);
	flow(w, WATCHER_FLOW_NEW, T0 + 7 * NS, F(14, "172.30.0.2", 40100, "10.66.0.2", 4444));

	/* DNS: nc (still known within its grace) sends from an unbound UDP socket */
	sock_of(w, KEV_SEND, T0 + 8 * NS, 101, "aaaa", NS_WEB, IPPROTO_UDP, "0.0.0.0", 5353,
	        "10.66.0.2", 53);
	dns_of(w, T0 + 8 * NS, NS_WEB, "172.30.0.2", 5353, false);
	struct flow fu = F(15, "172.30.0.2", 5353, "10.66.0.2", 53);
	fu.proto = IPPROTO_UDP;
	flow(w, WATCHER_FLOW_NEW, T0 + 8 * NS, fu);
	/* forwarded by Docker's resolver (dockerd's socket, no container): the namespace's */
	sock_of(w, KEV_CONNECT, T0 + 9 * NS, 300, NULL, NS_WEB, IPPROTO_UDP, "172.30.0.2", 6000,
	        "10.66.0.2", 53);
	dns_of(w, T0 + 9 * NS, NS_WEB, "172.30.0.2", 6000, true);
	/* a lookup in the host's namespace by a host process: not journaled (not --all-flows) */
	dns_of(w, T0 + 9 * NS, NS_HOST, "192.168.0.1", 7000, false);

	/* web is destroyed while an event of its process is still on its way */
	watcher_feed_records(w, event(T0 + 10 * NS, EVM_GONE, "destroy", "aaaa", "web", NULL));
	sock_of(w, KEV_CONNECT, T0 + 11 * NS, 101, "aaaa", NS_WEB, IPPROTO_TCP, "172.30.0.2", 40003,
	        "10.66.0.2", 80);
	flow(w, WATCHER_FLOW_NEW, T0 + 11 * NS, F(16, "172.30.0.2", 40003, "10.66.0.2", 80));

	/* an inbound flow whose accept never comes: by address once the wait is over */
	watcher_feed_records(w,
	                     event(T0 + 11 * NS, EVM_OPEN, "start", "aaaa", "web", "172.30.0.2"));
	flow(w, WATCHER_FLOW_NEW, T0 + 12 * NS, F(17, "10.66.0.2", 5555, "172.30.0.2", 8080));
	watcher_settle(w, false);
	watcher_stats(w, &st);
	assert_int_equal(st.held, 1);
	fake_ms += WATCHER_KEV_WAIT_MS;
	watcher_settle(w, false);
	watcher_stats(w, &st);
	assert_int_equal(st.held, 0);

	watcher_stopped(w, "SIGTERM");
	watcher_stats(w, &st);
	assert_int_equal(st.execs, 1);
	assert_int_equal(st.dns, 2);
	assert_int_equal(st.flows_process, 7);
	assert_int_equal(journal_close(jw, &e), 0);

	char **l = NULL;
	size_t n = read_lines(dir, &l);
	if (getenv("TEST_WATCHER_PRINT"))
		for (size_t i = 0; i < n; i++)
			printf("%s\n", l[i]);
	/* the docker lines of the snapshot's and the start event, and the stop line, aside */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strstr(l[i], "'action':'start'") || strstr(l[i], "\"action\":\"start\"") ||
		    strstr(l[i], "\"type\":\"watch\""))
			continue;
		assert_true(k < ARRAY_SIZE(want_kernel));
		assert_string_equal(l[i], dq(want_kernel[k]));
		k++;
	}
	assert_int_equal(k, ARRAY_SIZE(want_kernel));
	assert_non_null(strstr(l[n - 1], "\"flows_process\":7,\"execs\":1,\"dns_lines\":2"));
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
	seen_clear(&seen);
	watcher_free(w);
	rmrf(dir);
	free(dir);
}

/* a process's parents: its forker's chain, unless it was reparented before its exec (runc's
 * parents of a container's init exit first: the init's parent is then the shim, outside) */
static void test_wproc_parents(void **state)
{
	(void)state;
	struct addrmap *am = addrmap_new();
	struct wptab *t = wptab_new(am);
	struct wproc_info in = {.uid = 0, .ci = -1, .comm = "x", .comm_len = 1};
	/* runc (37) forks its parent stage (38), which forks the init (39) and exits */
	in.pid = 37, in.ppid = 1;
	wptab_exec(t, &in);
	in.pid = 38, in.ppid = 37;
	wptab_fork(t, 37, &in);
	in.pid = 39, in.ppid = 38;
	assert_int_equal(wptab_fork(t, 38, &in)->n_anc, 2);
	/* the init execs, reparented to the shim (14, unknown): no parents */
	in.pid = 39, in.ppid = 14;
	assert_int_equal(wptab_exec(t, &in)->n_anc, 0);
	/* it forks 40, which execs while 39 is still its parent: 39 is its parent */
	in.pid = 40, in.ppid = 39;
	wptab_fork(t, 39, &in);
	struct wproc *p = wptab_exec(t, &in);
	assert_int_equal(p->n_anc, 1);
	assert_string_equal(wproc_json(p), "{\"pid\":40,\"comm\":\"x\",\"exe\":null,\"argv\":null,"
	                                   "\"ppid\":39,\"parents\":[{\"pid\":39,\"comm\":\"x\","
	                                   "\"exe\":null}]}");
	wptab_free(t);
	addrmap_free(am);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_watcher_lines),
	    cmocka_unit_test(test_watcher_all_flows),
	    cmocka_unit_test(test_watcher_kernel),
	    cmocka_unit_test(test_wproc_parents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
