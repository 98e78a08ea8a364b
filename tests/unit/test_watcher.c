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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_watcher_lines),
	    cmocka_unit_test(test_watcher_all_flows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
