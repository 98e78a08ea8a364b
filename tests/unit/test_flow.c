/* test_flow.c: addresses and endpoints, exact flow matching, conntrack and packet parsing,
 * and a real sock_diag dump of this process's own socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "analyses/locate.h"
#include "flow.h"
#include "sources/capture.h"
#include "sources/conntrack.h"
#include "sources/procfs.h"
#include "sources/sockdiag.h"

static struct flow_addr A(const char *s) {
	struct flow_addr a;
	if (!flow_addr_parse(s, &a))
		fail_msg("not an address: %s", s);
	return a;
}

static void
test_endpoint_parse(void **state)
{
	struct flow_addr a;
	uint16_t p;
	char b[64];
	assert_true(flow_endpoint_parse("10.66.0.2", &a, &p));
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(p, 0);
	assert_true(flow_endpoint_parse("10.66.0.2:80", &a, &p));
	assert_int_equal(p, 80);
	assert_string_equal(flow_endpoint_str(&a, p, b, sizeof(b)), "10.66.0.2:80");
	assert_true(flow_endpoint_parse("[2001:DB8::1]:443", &a, &p));
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(p, 443);
	assert_string_equal(flow_endpoint_str(&a, p, b, sizeof(b)), "[2001:db8::1]:443");
	assert_true(flow_endpoint_parse("2001:db8::1", &a, &p));
	assert_int_equal(p, 0);
	/* v4-mapped IPv6 is the IPv4 address, with or without a port */
	assert_true(flow_endpoint_parse("::ffff:10.66.0.2", &a, &p));
	assert_int_equal(a.family, AF_INET);
	struct flow_addr v4 = A("10.66.0.2");
	assert_true(flow_addr_eq(&a, &v4));
	assert_true(flow_endpoint_parse("[::ffff:10.66.0.2]:8080", &a, &p));
	assert_true(flow_addr_eq(&a, &v4));
	assert_int_equal(p, 8080);
	static const char *const bad[] = {"",
	                                  "10.66.0",
	                                  "10.66.0.2:",
	                                  "10.66.0.2:0",
	                                  "10.66.0.2:65536",
	                                  "10.66.0.2:8x",
	                                  "[::1",
	                                  "[::1]x",
	                                  "[::1]:",
	                                  "host:80",
	                                  "10.66.0.256",
	                                  "10.66.0.2/24",
	                                  " 10.66.0.2",
	                                  "[10.66.0.2]:80x",
	                                  "1.2.3.4:123456"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (flow_endpoint_parse(bad[i], &a, &p))
			fail_msg("accepted '%s'", bad[i]);
	/* the wildcard form of a socket's endpoint */
	struct flow_addr any = A("0.0.0.0");
	assert_string_equal(flow_socket_endpoint_str(&any, 0, b, sizeof(b)), "0.0.0.0:*");
	struct flow_addr any6 = A("::");
	assert_string_equal(flow_socket_endpoint_str(&any6, 80, b, sizeof(b)), "[::]:80");
}

static struct flow beacon(const char *csrc, uint16_t sport, const char *hostip, uint16_t nport)
{
	struct flow f = {.proto = IPPROTO_TCP};
	f.orig.src = A(csrc);
	f.orig.sport = sport;
	f.orig.dst = A("10.66.0.2");
	f.orig.dport = 80;
	f.reply.src = A("10.66.0.2");
	f.reply.sport = 80;
	f.reply.dst = A(hostip);
	f.reply.dport = nport;
	return f;
}

static void test_matching(void **state)
{
	struct flow f = beacon("172.21.0.3", 40001, "10.66.0.1", 40002);
	assert_true(flow_is_nat(&f));
	struct locate_query q = {.has_addr = true, .addr = A("10.66.0.2")};
	assert_true(locate_flow_matches(&q, &f));
	/* exact: .2 never matches .20, nor .20 matches .2 */
	q.addr = A("10.66.0.20");
	assert_false(locate_flow_matches(&q, &f));
	struct flow g = beacon("172.21.0.3", 40001, "10.66.0.1", 40001);
	g.orig.dst = A("10.66.0.20");
	q.addr = A("10.66.0.2");
	g.reply.src = A("10.66.0.20");
	assert_false(locate_flow_matches(&q, &g));
	/* the port belongs to the address asked about */
	q.addr = A("10.66.0.2");
	q.port = 80;
	assert_true(locate_flow_matches(&q, &f));
	q.port = 40001; /* a port of the flow, but not of 10.66.0.2 */
	assert_false(locate_flow_matches(&q, &f));
	q.port = 0;
	q.proto = IPPROTO_UDP;
	assert_false(locate_flow_matches(&q, &f));
	q.proto = 0;
	/* the sensor's view: the translated source as an IDS outside saw it */
	struct locate_query s = {.has_seen = true, .seen = A("10.66.0.1"), .seen_port = 40002};
	assert_true(locate_flow_matches(&s, &f));
	s.seen_port = 40001; /* the original port is not what the sensor saw */
	assert_false(locate_flow_matches(&s, &f));
	/* or simply ADDR:PORT = that pair */
	struct locate_query s2 = {.has_addr = true, .addr = A("10.66.0.1"), .port = 40002};
	assert_true(locate_flow_matches(&s2, &f));
	/* a socket: only its own tuple, v4-mapped addresses compare equal */
	struct flow sock = {.proto = IPPROTO_TCP};
	uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 66, 0, 2};
	flow_addr_set(&sock.orig.dst, AF_INET6, mapped);
	sock.orig.dport = 80;
	sock.orig.src = A("172.21.0.3");
	sock.orig.sport = 5555;
	assert_true(locate_flow_matches(&q, &sock));
	/* nothing asked, nothing matches */
	struct locate_query none = {0};
	assert_false(locate_flow_matches(&none, &f));
	/* other protocols are not flows locate reports */
	f.proto = IPPROTO_ICMP;
	assert_false(locate_flow_matches(&q, &f));
}

static void test_conntrack_flow(void **state)
{
	struct nf_conntrack *ct = nfct_new();
	assert_non_null(ct);
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_SRC, inet_addr("172.21.0.3"));
	nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_DST, inet_addr("10.66.0.2"));
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, inet_addr("10.66.0.2"));
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, inet_addr("10.66.0.1"));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(40001));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(80));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(80));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(40002));
	nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_TIME_WAIT);
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 77);
	struct flow f;
	conntrack_to_flow(ct, &f);
	nfct_destroy(ct);
	char b[64];
	assert_int_equal(f.proto, IPPROTO_TCP);
	assert_string_equal(flow_endpoint_str(&f.orig.src, f.orig.sport, b, sizeof(b)),
	                    "172.21.0.3:40001");
	assert_string_equal(flow_endpoint_str(&f.reply.dst, f.reply.dport, b, sizeof(b)),
	                    "10.66.0.1:40002");
	assert_string_equal(f.state, "TIME_WAIT");
	assert_int_equal(f.timeout, 77);
	assert_false(f.counted);
	assert_true(flow_is_nat(&f));
	json_t *j = flow_to_json(&f);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "reply"), "dst")),
	                    "10.66.0.1");
	assert_true(json_is_true(json_object_get(j, "nat")));
	json_decref(j);
}

static size_t frame(uint8_t *b, bool vlan, bool v6, uint8_t proto)
{
	size_t o = 0;
	memcpy(b, "\x02\x42\xac\x15\x00\x03", 6); /* dst */
	memcpy(b + 6, "\x02\x42\xac\x15\x00\x04", 6);
	o = 12;
	if (vlan) {
		memcpy(b + o, "\x81\x00\x00\x05", 4);
		o += 4;
	}
	if (!v6) {
		memcpy(b + o, "\x08\x00", 2);
		o += 2;
		uint8_t ip[20] = {0x45, 0, 0,   40, 0, 0, 0x40, 0,  64, proto,
		                  0,    0, 172, 21, 0, 4, 10,   66, 0,  2};
		memcpy(b + o, ip, 20);
		o += 20;
	} else {
		memcpy(b + o, "\x86\xdd", 2);
		o += 2;
		uint8_t ip[40] = {0x60, 0, 0, 0, 0, 8, proto, 64};
		inet_pton(AF_INET6, "2001:db8::4", ip + 8);
		inet_pton(AF_INET6, "2001:db8::2", ip + 24);
		memcpy(b + o, ip, 40);
		o += 40;
	}
	memcpy(b + o, "\x9c\x41\x00\x50", 4); /* 40001 -> 80 */
	o += 4;
	memset(b + o, 0, 16);
	return o + 16;
}

static void test_capture_parse(void **state)
{
	uint8_t b[128];
	struct capture_packet p;
	char s[64];
	size_t n = frame(b, false, false, IPPROTO_TCP);
	capture_parse(1 /* DLT_EN10MB */, b, (uint32_t)n, &p);
	assert_true(p.parsed);
	assert_int_equal(p.f.proto, IPPROTO_TCP);
	assert_string_equal(flow_endpoint_str(&p.f.orig.src, p.f.orig.sport, s, sizeof(s)),
	                    "172.21.0.4:40001");
	assert_string_equal(flow_endpoint_str(&p.f.orig.dst, p.f.orig.dport, s, sizeof(s)),
	                    "10.66.0.2:80");
	assert_true(p.has_mac);
	assert_memory_equal(p.src_mac, "\x02\x42\xac\x15\x00\x04", 6);
	n = frame(b, true, false, IPPROTO_UDP);
	capture_parse(1, b, (uint32_t)n, &p);
	assert_true(p.parsed);
	assert_int_equal(p.f.proto, IPPROTO_UDP);
	assert_int_equal(p.f.orig.dport, 80);
	n = frame(b, false, true, IPPROTO_TCP);
	capture_parse(1, b, (uint32_t)n, &p);
	assert_true(p.parsed);
	assert_string_equal(flow_endpoint_str(&p.f.orig.src, p.f.orig.sport, s, sizeof(s)),
	                    "[2001:db8::4]:40001");
	/* every truncation of a frame parses without reading past it (ASan watches) */
	for (size_t k = 0; k <= n; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		memcpy(copy, b, k);
		capture_parse(1, copy, (uint32_t)k, &p);
		capture_parse(113 /* DLT_LINUX_SLL */, copy, (uint32_t)k, &p);
		capture_parse(276 /* DLT_LINUX_SLL2 */, copy, (uint32_t)k, &p);
		capture_parse(12 /* DLT_RAW */, copy, (uint32_t)k, &p);
		free(copy);
	}
	capture_parse(1, b, 13, &p);
	assert_false(p.parsed);
}

/* sock_diag of our own namespace finds a socket we hold, and /proc/self/fd names its inode. */
static void test_sockdiag_self(void **state)
{
	if (geteuid() != 0)
		skip();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	struct stat st;
	fstat(fd, &st);
	struct sockdiag_list l = {0};
	struct cirt_err err = {0};
	assert_int_equal(sockdiag_dump(-1, SOCKDIAG_TCP, &l, &err), 0);
	bool found = false;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].inode == st.st_ino) {
			found = true;
			assert_string_equal(l.v[i].f.state, "LISTEN");
			assert_int_equal(l.v[i].f.orig.sport, ntohs(sa.sin_port));
		}
	assert_true(found);
	sockdiag_list_free(&l);
	unsigned long *inodes = NULL;
	int *fds = NULL;
	size_t n = 0;
	assert_int_equal(procfs_socket_fds(getpid(), &inodes, &fds, &n), 0);
	found = false;
	for (size_t i = 0; i < n; i++)
		found |= inodes[i] == st.st_ino && fds[i] == fd;
	assert_true(found);
	free(inodes);
	free(fds);
	close(fd);
	assert_true(procfs_nspid(getpid()) > 0);
	assert_true(procfs_euid(getpid()) == 0);
	char *exe = procfs_exe(getpid());
	assert_non_null(exe);
	free(exe);
	assert_string_equal(sockdiag_tcp_state_name(6), "TIME_WAIT");
	assert_string_equal(sockdiag_tcp_state_name(99), "UNKNOWN");
}

struct ev_ctx {
	uint16_t port;
	bool new_seen, destroy_seen, in_dump;
};

static bool on_event(const struct flow *f, enum conntrack_event ev, void *ud)
{
	struct ev_ctx *c = ud;
	if (f->proto != IPPROTO_TCP || f->orig.dport != c->port)
		return true;
	if (ev == CONNTRACK_EV_NEW)
		c->new_seen = true;
	else if (ev == CONNTRACK_EV_DESTROY)
		c->destroy_seen = true;
	else if (ev == CONNTRACK_EV_DUMP)
		c->in_dump = true;
	return true;
}

/* a real loopback connection: conntrack reports it as a NEW event and holds it in a dump */
static void test_conntrack_events(void **state)
{
	struct conntrack *ev = NULL, *dump = NULL;
	struct cirt_err err = {0};
	if (geteuid() != 0 ||
	    conntrack_open(CONNTRACK_EV_NEW | CONNTRACK_EV_DESTROY, &ev, &err) < 0)
		skip();
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	socklen_t sl = sizeof(sa);
	getsockname(l, (struct sockaddr *)&sa, &sl);
	struct ev_ctx c = {.port = ntohs(sa.sin_port)};
	int cl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(cl, (struct sockaddr *)&sa, sizeof(sa)), 0);
	int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	assert_true(a >= 0);
	/* bounded: at most 20 waits of 100 ms */
	for (int i = 0; i < 20 && !c.new_seen; i++) {
		bool lost;
		assert_true(conntrack_read_events(ev, 100, on_event, &c, &lost, &err) >= 0);
	}
	assert_true(c.new_seen);
	assert_int_equal(conntrack_open(0, &dump, &err), 0);
	assert_int_equal(conntrack_dump(dump, AF_INET, on_event, &c, &err), 0);
	conntrack_close(dump);
	assert_true(c.in_dump);
	/* a dump-only handle has no events */
	struct conntrack *plain = NULL;
	assert_int_equal(conntrack_open(0, &plain, &err), 0);
	bool lost;
	int r = conntrack_read_events(plain, 0, on_event, &c, &lost, &err);
	conntrack_close(plain);
	close(a);
	close(cl);
	close(l);
	conntrack_close(ev);
	assert_int_equal(r, -1);
}

/* the list-only snapshot reads the same facts as inspect where the list has them */
static void test_container_from_list(void **state)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/engine-20.10.24/containers-list.json", FIXTURES);
	json_error_t je;
	json_t *list = json_load_file(path, 0, &je);
	if (!list)
		fail_msg("fixture %s: %s", path, je.text);
	struct host h = {0};
	h.c = xcalloc(json_array_size(list) + 1, sizeof(*h.c));
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		if (container_from_list(it, &h.c[h.n]) == 0)
			h.n++;
	}
	json_decref(list);
	assert_true(h.n >= 8);
	struct container *c;
	struct cirt_err err = {0};
	assert_int_equal(host_find(&h, "lab-beacon", &c, &err), 0);
	assert_int_equal(c->mode, NETMODE_CUSTOM);
	assert_true(c->running);
	assert_int_equal(c->n_eps, 1);
	assert_non_null(c->eps[0].ipv4);
	assert_non_null(c->eps[0].mac);
	assert_true(container_has_ip(c, c->eps[0].ipv4));
	assert_int_equal(host_find(&h, "lab-bridge", &c, &err), 0);
	assert_int_equal(c->mode, NETMODE_BRIDGE);
	bool published = false;
	for (size_t k = 0; k < c->n_ports; k++)
		published |= c->ports[k].host_port == 18080 && c->ports[k].container_port == 80;
	assert_true(published);
	assert_int_equal(host_find(&h, "lab-shared", &c, &err), 0);
	assert_int_equal(c->mode, NETMODE_CONTAINER);
	host_link_shared(&h);
	assert_string_equal(c->mode_target_name, "lab-bridge");
	assert_true(c->eps_shared);
	/* an entry without an Id is refused */
	json_t *bad = json_pack("{s:[s]}", "Names", "/x");
	struct container b;
	assert_int_equal(container_from_list(bad, &b), -1);
	json_decref(bad);
	for (size_t k = 0; k < h.n; k++)
		container_clear(&h.c[k]);
	free(h.c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_endpoint_parse),   cmocka_unit_test(test_matching),
	    cmocka_unit_test(test_conntrack_flow),   cmocka_unit_test(test_capture_parse),
	    cmocka_unit_test(test_sockdiag_self),    cmocka_unit_test(test_container_from_list),
	    cmocka_unit_test(test_conntrack_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
