/* test_dns.c: the DNS parser on real lab packets and hostile ones, and the DNS capture source
 * fed with real captures of the lab (a default-bridge container's namespace, a custom-network
 * one through Docker's embedded resolver, and the host's namespace). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>

#include "dns.h"
#include "sources/dnscap.h"

/* The fixtures: tcpdump -i any (Linux cooked v2) with the filter dnscap uses, in a
 * default-bridge container's namespace, a cirt-lab-net container's, and the host's, while
 * busybox nslookup (and nc for DNS over TCP) asked the lab's dnsmasq 2.90 on 10.66.0.2; Docker
 * Engine 20.10.24. The host's interfaces then: engine-20.10.24-host-netns.links.txt. */
#define FX FIXTURES "/dns/engine-20.10.24-"

/* ---------------------------------------------------------------- helpers */

struct got {
	json_t *v[256];
	size_t n;
};

static void collect(const struct dnscap_record *r, void *ud)
{
	struct got *g = ud;
	assert_true(g->n < ARRAY_SIZE(g->v));
	json_t *o = dnscap_record_json(r);
	/* every record is one valid JSON document */
	char *s = json_dumps(o, JSON_COMPACT);
	assert_non_null(s);
	json_error_t je;
	json_t *back = json_loads(s, 0, &je);
	assert_non_null(back);
	json_decref(back);
	free(s);
	g->v[g->n++] = o;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		json_decref(g->v[i]);
	g->n = 0;
}

static const char *js(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long ji(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static bool jb(json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

static const char *qname(json_t *o)
{
	return js(json_array_get(json_object_get(o, "questions"), 0), "name");
}

static const char *qtype(json_t *o)
{
	return js(json_array_get(json_object_get(o, "questions"), 0), "type");
}

/* The first record of kind (query/response) for name and type, or NULL. */
static json_t *find(struct got *g, const char *kind, const char *name, const char *type)
{
	for (size_t i = 0; i < g->n; i++)
		if (streq(js(g->v[i], "kind"), kind) && qname(g->v[i]) &&
		    streq(qname(g->v[i]), name) && streq(qtype(g->v[i]), type))
			return g->v[i];
	return NULL;
}

static size_t count(struct got *g, const char *key, const char *val)
{
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++)
		if (js(g->v[i], key) && streq(js(g->v[i], key), val))
			n++;
	return n;
}

/* Feed a pcap file to namespace inode. */
static void replay(struct dnscap *c, uint64_t inode, const char *path, struct got *g)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	if (!p)
		fail_msg("%s: %s", path, eb);
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(p, &h, &d) == 1)
		dnscap_feed(c, inode, pcap_datalink(p), &h->ts, d, h->caplen, h->len, collect, g);
	pcap_close(p);
}

/* The first UDP DNS response of a pcap whose DNS id is id, copied to buf. */
static size_t payload_of(const char *path, unsigned id, uint8_t *buf, size_t cap)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	if (!p)
		fail_msg("%s: %s", path, eb);
	assert_int_equal(pcap_datalink(p), DLT_LINUX_SLL2);
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t n = 0;
	while (!n && pcap_next_ex(p, &h, &d) == 1) {
		if (h->caplen < 20 + 28 || d[0] != 0x08 || d[1] != 0x00 || d[20 + 9] != 17)
			continue;
		size_t ihl = (size_t)(d[20] & 0xf) * 4;
		const u_char *udp = d + 20 + ihl;
		size_t ul = ((size_t)udp[4] << 8 | udp[5]) - 8;
		if (((unsigned)udp[8] << 8 | udp[9]) != id || !(udp[10] & 0x80))
			continue;
		assert_true(ul <= cap);
		memcpy(buf, udp + 8, ul);
		n = ul;
	}
	pcap_close(p);
	return n;
}

static void name_is(const struct dns_name *n, const char *want)
{
	assert_int_equal(n->len, strlen(want));
	assert_memory_equal(n->text, want, n->len);
}

/* ---------------------------------------------------------------- the parser, real packets */

static void test_real_cname_chain(void **state)
{
	(void)state;
	uint8_t b[1500];
	/* cdn -> www -> c2, as dnsmasq answered it (compression pointers into the question) */
	size_t n = payload_of(FX "bridge-netns.pcap", 3908, b, sizeof(b));
	assert_int_equal(n, 112); /* as tcpdump showed it */
	struct dns_msg *m = malloc(sizeof(*m));
	assert_int_equal(dns_parse(b, n, m), 0);
	assert_true(m->complete);
	assert_true(dns_is_response(m));
	assert_int_equal(m->id, 3908);
	assert_int_equal(dns_rcode(m), 0);
	assert_int_equal(m->nq, 1);
	name_is(&m->q[0].name, "cdn.cirt-lab.test");
	assert_int_equal(m->q[0].type, DNS_T_A);
	assert_int_equal(m->q[0].qclass, 1);
	assert_int_equal(m->nan, 3);
	assert_int_equal(m->an[0].type, DNS_T_CNAME);
	name_is(&m->an[0].name, "cdn.cirt-lab.test");
	name_is(&m->an[0].target, "www.cirt-lab.test");
	assert_int_equal(m->an[0].ttl, 300);
	name_is(&m->an[1].target, "c2.cirt-lab.test");
	assert_int_equal(m->an[2].type, DNS_T_A);
	assert_int_equal(m->an[2].family, AF_INET);
	assert_memory_equal(m->an[2].addr, "\x0a\x42\x00\x02", 4);
	assert_int_equal(m->an[2].ttl, 300);
	const struct dns_name *chain[8];
	const struct dns_rr *addrs[8];
	size_t na;
	assert_int_equal(dns_answer_chain(m, chain, 8, addrs, 8, &na), 3);
	name_is(chain[2], "c2.cirt-lab.test");
	assert_int_equal(na, 1);
	assert_ptr_equal(addrs[0], &m->an[2]);
	/* every prefix of a real message is refused cleanly, keeping what came before */
	for (size_t cut = 0; cut < n; cut++) {
		int r = dns_parse(b, cut, m);
		assert_int_equal(r, -DNS_E_SHORT);
		assert_false(m->complete);
		assert_true(m->error_at <= cut);
		if (cut >= DNS_HEADER_LEN)
			assert_int_equal(m->id, 3908);
		if (cut >= 12 + 19 + 4)
			assert_int_equal(m->nq, 1);
	}
	free(m);
}

static void test_real_types(void **state)
{
	(void)state;
	uint8_t b[1500];
	(void)b;
	struct dns_msg *m = malloc(sizeof(*m));
	/* every UDP message of the session parses; check the answers of each type */
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(FX "bridge-netns.pcap", eb);
	assert_non_null(p);
	struct pcap_pkthdr *h;
	const u_char *d;
	int seen_aaaa = 0, seen_txt = 0, seen_nx = 0;
	while (pcap_next_ex(p, &h, &d) == 1) {
		if (h->caplen < 48 || d[20 + 9] != 17)
			continue;
		const u_char *udp = d + 20 + (size_t)(d[20] & 0xf) * 4;
		size_t ul = ((size_t)udp[4] << 8 | udp[5]) - 8;
		if (dns_parse(udp + 8, ul, m) != 0)
			fail_msg("a real message did not parse: %s", dns_strerror(m->error));
		if (!dns_is_response(m))
			continue;
		if (m->q[0].type == DNS_T_AAAA && m->nan == 1 && m->an[0].type == DNS_T_AAAA) {
			uint8_t want[16];
			inet_pton(AF_INET6, "fd66::2", want);
			assert_int_equal(m->an[0].family, AF_INET6);
			assert_memory_equal(m->an[0].addr, want, 16);
			seen_aaaa++;
		}
		if (m->q[0].type == DNS_T_TXT) {
			assert_int_equal(m->an[0].type, DNS_T_TXT);
			assert_int_equal(m->an[0].rdlen, 9); /* "\x08cirt lab" */
			assert_int_equal(m->an[0].family, 0);
			assert_false(m->an[0].has_target);
			seen_txt++;
		}
		if (dns_rcode(m) == 3) {
			assert_string_equal(dns_rcode_name(dns_rcode(m)), "NXDOMAIN");
			name_is(&m->q[0].name, "nx.cirt-lab.test");
			seen_nx++;
		}
	}
	pcap_close(p);
	assert_int_equal(seen_aaaa, 1);
	assert_int_equal(seen_txt, 1);
	assert_int_equal(seen_nx, 2);
	free(m);
}

/* ---------------------------------------------------------------- the parser, hostile bytes */

static size_t put_header(uint8_t *b, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
                         uint16_t ar)
{
	uint16_t v[6] = {0xbeef, flags, qd, an, ns, ar};
	for (int i = 0; i < 6; i++) {
		b[2 * i] = (uint8_t)(v[i] >> 8);
		b[2 * i + 1] = (uint8_t)v[i];
	}
	return 12;
}

static void test_pointer_loops(void **state)
{
	(void)state;
	uint8_t b[4096];
	struct dns_msg *m = malloc(sizeof(*m));
	/* a name pointing at itself */
	size_t n = put_header(b, 0, 1, 0, 0, 0);
	b[n++] = 0xc0;
	b[n++] = 12;
	memcpy(b + n, "\0\1\0\1", 4);
	n += 4;
	assert_int_equal(dns_parse(b, n, m), -DNS_E_PTR);
	assert_int_equal(m->error_section, DNS_S_QUESTION);
	assert_int_equal(m->error_at, 12);
	/* two pointers at each other: the first points forward */
	n = put_header(b, 0, 1, 0, 0, 0);
	b[n++] = 0xc0;
	b[n++] = 14;
	b[n++] = 0xc0;
	b[n++] = 12;
	assert_int_equal(dns_parse(b, n, m), -DNS_E_PTR);
	/* a label, then a pointer back to that label: a loop through a label */
	n = put_header(b, 0, 1, 0, 0, 0);
	b[n++] = 1;
	b[n++] = 'a';
	b[n++] = 0xc0;
	b[n++] = 12;
	assert_int_equal(dns_parse(b, n, m), -DNS_E_PTR);
	/* out of range */
	n = put_header(b, 0, 1, 0, 0, 0);
	b[n++] = 0xff;
	b[n++] = 0xff;
	assert_int_equal(dns_parse(b, n, m), -DNS_E_PTR);
	/* a pointer cut in half */
	n = put_header(b, 0, 1, 0, 0, 0);
	b[n++] = 0xc0;
	assert_int_equal(dns_parse(b, n, m), -DNS_E_SHORT);
	/* a chain of backward pointers, one hop longer per question: legal until 64 hops */
	n = put_header(b, 0, 80, 0, 0, 0);
	size_t prev = n;
	b[n++] = 0;
	memcpy(b + n, "\0\1\0\1", 4);
	n += 4;
	for (int i = 1; i < 80; i++) {
		size_t here = n;
		b[n++] = (uint8_t)(0xc0 | (prev >> 8));
		b[n++] = (uint8_t)prev;
		memcpy(b + n, "\0\1\0\1", 4);
		n += 4;
		prev = here;
	}
	assert_int_equal(dns_parse(b, n, m), -DNS_E_PTR_HOPS);
	assert_int_equal(m->error_section, DNS_S_QUESTION);
	assert_int_equal(m->nq, DNS_MAX_QUESTIONS); /* the first ones were kept */
	name_is(&m->q[1].name, ".");
	/* a pointer into the header is backwards and legal: its bytes read as labels, bounded */
	n = put_header(b, 0, 1, 0, 0, 0);
	b[n++] = 0xc0;
	b[n++] = 4; /* qdcount's bytes: 0x00 0x01 -> the root... */
	memcpy(b + n, "\0\1\0\1", 4);
	n += 4;
	assert_int_equal(dns_parse(b, n, m), 0);
	name_is(&m->q[0].name, ".");
	free(m);
}

static void test_labels_and_truncation(void **state)
{
	(void)state;
	uint8_t b[4096];
	struct dns_msg *m = malloc(sizeof(*m));
	/* label length 64: the 0x40 label type */
	size_t n = put_header(b, 0, 1, 0, 0, 0);
	b[n++] = 64;
	memset(b + n, 'a', 64);
	n += 64;
	b[n++] = 0;
	assert_int_equal(dns_parse(b, n, m), -DNS_E_LABEL_TYPE);
	/* 63 is the largest label; four of them make a name of 257 bytes: too long */
	n = put_header(b, 0, 1, 0, 0, 0);
	for (int i = 0; i < 4; i++) {
		b[n++] = 63;
		memset(b + n, 'a' + i, 63);
		n += 63;
	}
	b[n++] = 0;
	memcpy(b + n, "\0\1\0\1", 4);
	n += 4;
	assert_int_equal(dns_parse(b, n, m), -DNS_E_NAME_LONG);
	/* three of 63 and one of 61: 255, the longest legal name */
	n = put_header(b, 0, 1, 0, 0, 0);
	for (int i = 0; i < 4; i++) {
		int l = i < 3 ? 63 : 61;
		b[n++] = (uint8_t)l;
		memset(b + n, 'a' + i, (size_t)l);
		n += (size_t)l;
	}
	b[n++] = 0;
	memcpy(b + n, "\0\1\0\1", 4);
	n += 4;
	assert_int_equal(dns_parse(b, n, m), 0);
	assert_int_equal(m->q[0].name.wire, 255);
	assert_int_equal(m->q[0].name.len, 253);
	/* bytes inside labels: '.', '\' escaped, NUL, ESC and UTF-8 kept with the length */
	n = put_header(b, 0, 1, 0, 0, 0);
	static const uint8_t lab[] = {7, 'a', '.', 'b', '\\', 0, 0x1b, 0xff, 3, 0xc3, 0xa9, 'x', 0};
	memcpy(b + n, lab, sizeof(lab));
	n += sizeof(lab);
	memcpy(b + n, "\0\1\0\1", 4);
	n += 4;
	assert_int_equal(dns_parse(b, n, m), 0);
	static const char want[] = "a\\.b\\\\\0\x1b\xff.\xc3\xa9x";
	assert_int_equal(m->q[0].name.len, sizeof(want) - 1);
	assert_memory_equal(m->q[0].name.text, want, sizeof(want) - 1);
	assert_int_equal(m->q[0].name.labels, 2);
	/* counts the message cannot hold: refused at its end, quickly */
	n = put_header(b, 0x8000, 0xffff, 0xffff, 0xffff, 0xffff);
	assert_int_equal(dns_parse(b, n, m), -DNS_E_SHORT);
	assert_int_equal(m->error_at, 12);
	assert_int_equal(m->qdcount, 0xffff);
	/* shorter than a header */
	assert_int_equal(dns_parse(b, 11, m), -DNS_E_SHORT);
	assert_int_equal(m->error_section, DNS_S_HEADER);
	assert_int_equal(dns_parse(b, 0, m), -DNS_E_SHORT);
	free(m);
}

/* An answer record: name pointer to the question (offset 12), type, ttl, rdata. */
static size_t put_rr(uint8_t *b, size_t n, uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	uint8_t h[12] = {0xc0, 12, (uint8_t)(type >> 8),  (uint8_t)type, 0, 1, 0, 0,
	                 0,    60, (uint8_t)(rdlen >> 8), (uint8_t)rdlen};
	memcpy(b + n, h, 12);
	memcpy(b + n + 12, rd, rdlen);
	return n + 12 + rdlen;
}

static void test_bad_records(void **state)
{
	(void)state;
	uint8_t b[8192];
	struct dns_msg *m = malloc(sizeof(*m));
	static const uint8_t q[] = {3, 'e', 'v', 'l', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
	/* an A of 5 bytes is kept as bad, the next record still read; a CNAME whose name runs
	 * past its rdlength is bad; a CNAME pointing back is fine */
	size_t n = put_header(b, 0x8180, 1, 4, 0, 0);
	memcpy(b + n, q, sizeof(q));
	n += sizeof(q);
	n = put_rr(b, n, DNS_T_A, (const uint8_t *)"\1\2\3\4\5", 5);
	n = put_rr(b, n, DNS_T_CNAME, (const uint8_t *)"\5abc", 4);
	n = put_rr(b, n, DNS_T_CNAME, (const uint8_t *)"\1x\xc0\x0c", 4);
	n = put_rr(b, n, DNS_T_A, (const uint8_t *)"\x0a\x42\x00\x02", 4);
	assert_int_equal(dns_parse(b, n, m), 0);
	assert_int_equal(m->nan, 4);
	assert_true(m->an[0].bad);
	assert_int_equal(m->an[0].family, 0);
	assert_true(m->an[1].bad);
	assert_false(m->an[1].has_target);
	assert_false(m->an[2].bad);
	name_is(&m->an[2].target, "x.evl.test");
	assert_int_equal(m->an[3].family, AF_INET);
	/* rdlength past the end */
	size_t cut = put_header(b, 0x8180, 1, 1, 0, 0);
	memcpy(b + cut, q, sizeof(q));
	cut += sizeof(q);
	cut = put_rr(b, cut, DNS_T_A, (const uint8_t *)"\x0a\x42\x00\x02", 4);
	b[cut - 5] = 0x40; /* rdlength 64, 4 bytes there */
	assert_int_equal(dns_parse(b, cut, m), -DNS_E_SHORT);
	assert_int_equal(m->error_section, DNS_S_ANSWER);
	assert_int_equal(m->nq, 1);
	assert_int_equal(m->nan, 0);
	/* 40 answers: 32 kept, 8 counted */
	n = put_header(b, 0x8180, 1, 40, 0, 0);
	memcpy(b + n, q, sizeof(q));
	n += sizeof(q);
	for (int i = 0; i < 40; i++)
		n = put_rr(b, n, DNS_T_A, (const uint8_t *)"\x0a\x42\x00\x02", 4);
	assert_int_equal(dns_parse(b, n, m), 0);
	assert_int_equal(m->nan, DNS_MAX_ANSWERS);
	assert_int_equal(m->an_more, 8);
	/* a CNAME loop ends the chain */
	n = put_header(b, 0x8180, 1, 2, 0, 0);
	memcpy(b + n, q, sizeof(q));
	n += sizeof(q);
	size_t first = n;
	n = put_rr(b, n, DNS_T_CNAME, (const uint8_t *)"\1y\xc0\x0c", 4);
	/* y.evl.test CNAME evl.test */
	uint8_t rr2[16] = {0xc0, (uint8_t)(first + 12), 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 12};
	memcpy(b + n, rr2, 14);
	n += 14;
	assert_int_equal(dns_parse(b, n, m), 0);
	const struct dns_name *chain[8];
	const struct dns_rr *addrs[8];
	size_t na;
	assert_int_equal(dns_answer_chain(m, chain, 8, addrs, 8, &na), 2);
	assert_int_equal(na, 0);
	/* EDNS: an OPT record with an extended RCODE (BADVERS = 16) */
	n = put_header(b, 0x8180, 1, 0, 0, 1);
	memcpy(b + n, q, sizeof(q));
	n += sizeof(q);
	static const uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 1, 0, 0, 0, 0, 0};
	memcpy(b + n, opt, sizeof(opt));
	n += sizeof(opt);
	assert_int_equal(dns_parse(b, n, m), 0);
	assert_true(m->edns);
	assert_int_equal(m->edns_size, 1232);
	assert_int_equal(dns_rcode(m), 16);
	assert_string_equal(dns_rcode_name(16), "BADVERS");
	/* trailing bytes are counted, not an error */
	b[n++] = 0xaa;
	assert_int_equal(dns_parse(b, n, m), 0);
	assert_int_equal(m->trailing, 1);
	free(m);
}

static void test_tcp_framing(void **state)
{
	(void)state;
	uint8_t b[256];
	struct dns_msg *m = malloc(sizeof(*m));
	size_t used;
	static const uint8_t q[] = {0x12, 0x34, 1, 0,   0,   1, 0, 0, 0, 0,
	                            0,    0,    2, 'c', '2', 0, 0, 1, 0, 1};
	b[0] = 0;
	b[1] = sizeof(q);
	memcpy(b + 2, q, sizeof(q));
	memcpy(b + 2 + sizeof(q), b, 2 + sizeof(q)); /* two messages back to back */
	assert_int_equal(dns_parse_tcp(b, 1, m, &used), -DNS_E_INCOMPLETE);
	assert_int_equal(used, 2);
	assert_int_equal(dns_parse_tcp(b, 10, m, &used), -DNS_E_INCOMPLETE);
	assert_int_equal(used, 2 + sizeof(q));
	assert_int_equal(dns_parse_tcp(b, 2 * (2 + sizeof(q)), m, &used), 0);
	assert_int_equal(used, 2 + sizeof(q));
	assert_int_equal(m->id, 0x1234);
	assert_int_equal(dns_parse_tcp(b + used, 2 + sizeof(q), m, &used), 0);
	b[0] = b[1] = 0;
	assert_int_equal(dns_parse_tcp(b, 2, m, &used), -DNS_E_TCP_EMPTY);
	assert_int_equal(used, 2);
	free(m);
}

/* ---------------------------------------------------------------- the capture source, real */

static void test_cap_bridge(void **state)
{
	(void)state;
	struct dnscap *c;
	struct cirt_err e = {0};
	assert_int_equal(dnscap_new(NULL, &c, &e), 0);
	assert_int_equal(dnscap_add_offline(c, 4026532789u, false, NULL, NULL, &e), 0);
	struct got g = {0};
	replay(c, 4026532789u, FX "bridge-netns.pcap", &g);
	/* 6 lookups over UDP (A and AAAA, or TXT or AAAA alone: 20 messages), one over TCP */
	assert_int_equal(g.n, 22);
	json_t *r = find(&g, "response", "c2.cirt-lab.test", "A");
	assert_non_null(r);
	assert_string_equal(js(r, "where"), "container namespace");
	assert_int_equal(ji(r, "netns"), 4026532789u);
	assert_string_equal(js(r, "proto"), "udp");
	assert_string_equal(js(r, "server"), "10.66.0.2:53");
	assert_string_equal(js(r, "client"), "172.17.0.5:47576");
	assert_string_equal(js(r, "rcode"), "NOERROR");
	assert_string_equal(js(r, "t"), "2026-12-02T13:14:35.407994Z");
	json_t *a = json_array_get(json_object_get(r, "answers"), 0);
	assert_string_equal(js(a, "address"), "10.66.0.2");
	assert_int_equal(ji(a, "ttl"), 300);
	assert_false(jb(r, "embedded_resolver"));
	assert_false(jb(r, "forwarded"));
	/* the chain and its address */
	r = find(&g, "response", "cdn.cirt-lab.test", "A");
	assert_non_null(r);
	json_t *ch = json_object_get(r, "cname_chain");
	assert_int_equal(json_array_size(ch), 3);
	assert_string_equal(json_string_value(json_array_get(ch, 1)), "www.cirt-lab.test");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "addresses"), 0)),
	                    "10.66.0.2");
	/* the case a client used is kept */
	assert_non_null(find(&g, "query", "C2.Cirt-Lab.TEST", "A"));
	/* other types by number too */
	r = find(&g, "response", "txt.cirt-lab.test", "TXT");
	assert_non_null(r);
	assert_int_equal(ji(json_array_get(json_object_get(r, "questions"), 0), "type_num"), 16);
	assert_string_equal(js(find(&g, "response", "nx.cirt-lab.test", "A"), "rcode"), "NXDOMAIN");
	/* DNS over TCP, reassembled from its stream: the query and the answer */
	size_t tcp = 0;
	for (size_t i = 0; i < g.n; i++)
		if (streq(js(g.v[i], "proto"), "tcp")) {
			tcp++;
			assert_int_equal(ji(g.v[i], "id"), 0x1234);
			assert_string_equal(js(g.v[i], "server"), "10.66.0.2:53");
			assert_true(json_is_null(json_object_get(g.v[i], "error")));
		}
	assert_int_equal(tcp, 2);
	struct dnscap_stats s;
	dnscap_get_stats(c, &s);
	assert_int_equal(s.parse_errors, 0);
	assert_int_equal(s.tcp_lost, 0);
	assert_int_equal(s.host_passing, 0);
	got_free(&g);
	dnscap_free(c);
}

static void test_cap_custom_embedded(void **state)
{
	(void)state;
	struct dnscap *c;
	struct cirt_err e = {0};
	assert_int_equal(dnscap_new(NULL, &c, &e), 0);
	assert_int_equal(dnscap_add_offline(c, 7, false, NULL, NULL, &e), 0);
	struct got g = {0};
	replay(c, 7, FX "custom-netns.pcap", &g);
	/* UDP A and AAAA: query and answer to 127.0.0.11, and forwarded; TCP A the same */
	assert_int_equal(g.n, 12);
	size_t embedded = 0, forwarded = 0;
	for (size_t i = 0; i < g.n; i++) {
		json_t *r = g.v[i];
		assert_string_equal(qname(r), streq(js(r, "proto"), "tcp") ? "c2.cirt-lab.test"
		                                                           : "cdn.cirt-lab.test");
		if (jb(r, "embedded_resolver")) {
			embedded++;
			/* the port the container asked, whatever the DNAT made of it */
			assert_string_equal(js(r, "server"), "127.0.0.11:53");
			assert_false(jb(r, "forwarded"));
			if (streq(js(r, "kind"), "query"))
				assert_int_equal(ji(r, "server_port_seen"),
				                 streq(js(r, "proto"), "udp") ? 53780 : 45799);
			else
				assert_true(json_is_null(json_object_get(r, "server_port_seen")));
			assert_true(startswith(js(r, "client"), "127.0.0.1:"));
		} else {
			assert_string_equal(js(r, "server"), "10.66.0.2:53");
			assert_true(startswith(js(r, "client"), "172.18.0.4:"));
			assert_true(jb(r, "forwarded"));
			forwarded++;
		}
	}
	assert_int_equal(embedded, 6);
	assert_int_equal(forwarded, 6);
	got_free(&g);
	dnscap_free(c);
}

static struct rtnl_link mklink(int idx, const char *name, int master)
{
	struct rtnl_link k = {.ifindex = idx, .master = master};
	snprintf(k.name, sizeof(k.name), "%s", name);
	return k;
}

static struct rtnl_addr mkaddr(int idx, const char *a)
{
	struct rtnl_addr r = {.ifindex = idx, .family = AF_INET};
	inet_pton(AF_INET, a, r.addr);
	snprintf(r.text, sizeof(r.text), "%s", a);
	return r;
}

static void test_cap_host_leaves_containers_out(void **state)
{
	(void)state;
	/* the host's interfaces when the capture was made (the .links.txt fixture) */
	struct rtnl_link lv[] = {mklink(1, "lo", 0),           mklink(5, "docker0", 0),
	                         mklink(6, "cirt-c2h", 0),     mklink(7, "br-0cc3d6f6debe", 0),
	                         mklink(21, "veth40fd113", 7), mklink(23, "veth6711606", 5)};
	struct rtnl_addr av[] = {mkaddr(1, "127.0.0.1"), mkaddr(5, "172.17.0.1"),
	                         mkaddr(6, "10.66.0.1"), mkaddr(7, "172.18.0.1")};
	struct rtnl_links links = {.v = lv, .n = ARRAY_SIZE(lv)};
	struct rtnl_addrs addrs = {.v = av, .n = ARRAY_SIZE(av)};
	for (int with_links = 1; with_links >= 0; with_links--) {
		struct dnscap *c;
		struct cirt_err e = {0};
		assert_int_equal(dnscap_new(NULL, &c, &e), 0);
		assert_int_equal(
		    dnscap_add_offline(c, 1, true, with_links ? &links : NULL, &addrs, &e), 0);
		struct got g = {0};
		replay(c, 1, FX "host-netns.pcap", &g);
		/* only the host-network container's lookup (www, A and AAAA) is the host's: the
		 * default-bridge and custom-network lookups (on veths, bridges, and masqueraded on
		 * cirt-c2h) are their containers' */
		assert_int_equal(g.n, 4);
		assert_int_equal(count(&g, "where", "host namespace"), 4);
		for (size_t i = 0; i < g.n; i++) {
			assert_string_equal(qname(g.v[i]), "www.cirt-lab.test");
			assert_string_equal(js(g.v[i], "client"), "10.66.0.1:47801");
			assert_string_equal(js(g.v[i], "where"), "host namespace");
			if (with_links)
				assert_string_equal(js(g.v[i], "iface"), "cirt-c2h");
			else
				assert_true(json_is_null(json_object_get(g.v[i], "iface")));
		}
		json_t *r = find(&g, "response", "www.cirt-lab.test", "A");
		assert_non_null(r);
		assert_int_equal(json_array_size(json_object_get(r, "cname_chain")), 2);
		struct dnscap_stats s;
		dnscap_get_stats(c, &s);
		assert_true(s.host_passing > 100);
		assert_int_equal(s.messages, 4);
		got_free(&g);
		dnscap_free(c);
	}
}

/* ---------------------------------------------------------------- the capture source, hostile */

/* A raw IPv4 packet (DLT_RAW) from s:sp to d:dp: UDP, or TCP with seq and flags. */
static size_t mkpkt(uint8_t *b, int proto, const char *s, uint16_t sp, const char *d, uint16_t dp,
                    uint32_t seq, uint8_t flags, const void *pl, size_t plen)
{
	size_t l4 = proto == IPPROTO_UDP ? 8 : 20;
	size_t tot = 20 + l4 + plen;
	memset(b, 0, 20 + l4);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 64;
	b[9] = (uint8_t)proto;
	inet_pton(AF_INET, s, b + 12);
	inet_pton(AF_INET, d, b + 16);
	uint8_t *t = b + 20;
	t[0] = (uint8_t)(sp >> 8);
	t[1] = (uint8_t)sp;
	t[2] = (uint8_t)(dp >> 8);
	t[3] = (uint8_t)dp;
	if (proto == IPPROTO_UDP) {
		t[4] = (uint8_t)((8 + plen) >> 8);
		t[5] = (uint8_t)(8 + plen);
	} else {
		t[4] = (uint8_t)(seq >> 24);
		t[5] = (uint8_t)(seq >> 16);
		t[6] = (uint8_t)(seq >> 8);
		t[7] = (uint8_t)seq;
		t[12] = 5 << 4;
		t[13] = flags;
	}
	if (plen)
		memcpy(b + 20 + l4, pl, plen);
	return tot;
}

static void feed(struct dnscap *c, const uint8_t *b, size_t n, struct got *g)
{
	static long tick;
	struct timeval tv = {.tv_sec = 1800000000 + tick++};
	dnscap_feed(c, 9, DLT_RAW, &tv, b, (uint32_t)n, (uint32_t)n, collect, g);
}

static void test_cap_tcp_reassembly(void **state)
{
	(void)state;
	struct dnscap *c;
	struct cirt_err e = {0};
	struct dnscap_opts o = {.max_tcp_streams = 2};
	assert_int_equal(dnscap_new(&o, &c, &e), 0);
	assert_int_equal(dnscap_add_offline(c, 9, false, NULL, NULL, &e), 0);
	struct got g = {0};
	uint8_t msg[2 + 34];
	static const uint8_t q[] = {0x12, 0x34, 1,   0,   0,   1,   0,   0,   0,   0,   0,   0,
	                            2,    'c',  '2', 8,   'c', 'i', 'r', 't', '-', 'l', 'a', 'b',
	                            4,    't',  'e', 's', 't', 0,   0,   1,   0,   1};
	msg[0] = 0;
	msg[1] = sizeof(q);
	memcpy(msg + 2, q, sizeof(q));
	uint8_t b[256];
	const char *cl = "172.17.0.5", *sv = "10.66.0.2";
	/* SYN, then the message in three segments, one retransmitted with overlap */
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40000, sv, 53, 999, 0x02, NULL, 0), &g);
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40000, sv, 53, 1000, 0x18, msg, 1), &g);
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40000, sv, 53, 1000, 0x18, msg, 10), &g);
	assert_int_equal(g.n, 0);
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40000, sv, 53, 1010, 0x18, msg + 10, sizeof(msg) - 10),
	     &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(js(g.v[0], "proto"), "tcp");
	assert_string_equal(js(g.v[0], "client"), "172.17.0.5:40000");
	assert_string_equal(qname(g.v[0]), "c2.cirt-lab.test");
	/* a gap: that half is given up, counted, nothing invented */
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40000, sv, 53, 2000, 0x18, msg, sizeof(msg)), &g);
	assert_int_equal(g.n, 1);
	struct dnscap_stats s;
	dnscap_get_stats(c, &s);
	assert_int_equal(s.tcp_lost, 1);
	/* a length prefix of 65535 and a trickle of bytes: held, bounded, and freed by FIN */
	feed(c, b, mkpkt(b, IPPROTO_TCP, sv, 53, cl, 40001, 5, 0x02, NULL, 0), &g);
	uint8_t big[2] = {0xff, 0xff};
	feed(c, b, mkpkt(b, IPPROTO_TCP, sv, 53, cl, 40001, 6, 0x18, big, 2), &g);
	/* a third half with a table of two takes the least recently active one's place (the
	 * given-up one: nothing more lost) */
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40002, sv, 53, 1, 0x02, NULL, 0), &g);
	/* garbage framed correctly: a record with an error, and the stream goes on */
	uint8_t junk[2 + 5] = {0, 5, 1, 2, 3, 4, 5};
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40002, sv, 53, 2, 0x18, junk, sizeof(junk)), &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(js(g.v[1], "error"), "message cut short");
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40002, sv, 53, 9, 0x19, msg, sizeof(msg)), &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(qname(g.v[2]), "c2.cirt-lab.test");
	dnscap_get_stats(c, &s);
	assert_int_equal(s.tcp_lost, 1);
	/* its FIN freed it; two more halves: the held 65535 one is evicted, and counted */
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40004, sv, 53, 1, 0x02, NULL, 0), &g);
	feed(c, b, mkpkt(b, IPPROTO_TCP, cl, 40005, sv, 53, 1, 0x02, NULL, 0), &g);
	dnscap_get_stats(c, &s);
	assert_int_equal(s.tcp_lost, 2);
	/* a UDP answer that is only a header claiming everything, and 3 bytes: records with
	 * errors; the roles come from the ports */
	uint8_t h[12] = {0xbe, 0xef, 0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	feed(c, b, mkpkt(b, IPPROTO_UDP, sv, 53, cl, 40003, 0, 0, h, sizeof(h)), &g);
	feed(c, b, mkpkt(b, IPPROTO_UDP, sv, 53, cl, 40003, 0, 0, h, 3), &g);
	assert_int_equal(g.n, 5);
	assert_string_equal(js(g.v[3], "kind"), "response");
	assert_string_equal(js(g.v[3], "error_section"), "question");
	assert_string_equal(js(g.v[4], "kind"), "response");
	assert_string_equal(js(g.v[4], "error_section"), "header");
	assert_true(json_is_null(json_object_get(g.v[4], "id")));
	/* an IP packet claiming more than was captured: cut */
	size_t n = mkpkt(b, IPPROTO_UDP, sv, 53, cl, 40003, 0, 0, q, sizeof(q));
	feed(c, b, n - 4, &g);
	assert_int_equal(g.n, 6);
	assert_true(jb(g.v[5], "cut"));
	/* not IP at all, and a frame too short for its headers */
	feed(c, (const uint8_t *)"\x60", 1, &g);
	feed(c, (const uint8_t *)"\x45\0\0", 3, &g);
	dnscap_get_stats(c, &s);
	assert_int_equal(s.not_ip, 2);
	assert_int_equal(s.messages, 6);
	assert_int_equal(s.tcp_lost, 2);
	got_free(&g);
	dnscap_free(c);
}

static void test_record_json_escapes(void **state)
{
	(void)state;
	struct dnscap *c;
	struct cirt_err e = {0};
	assert_int_equal(dnscap_new(NULL, &c, &e), 0);
	assert_int_equal(dnscap_add_offline(c, 9, false, NULL, NULL, &e), 0);
	struct got g = {0};
	uint8_t m[64], b[128];
	size_t n = put_header(m, 0, 1, 0, 0, 0);
	static const uint8_t lab[] = {6,   0x1b, '[', '2', 'J', 0, 0xff, 4, 't',
	                              'e', 's',  't', 0,   0,   1, 0,    1};
	memcpy(m + n, lab, sizeof(lab));
	n += sizeof(lab);
	feed(c, b, mkpkt(b, IPPROTO_UDP, "172.17.0.5", 40000, "10.66.0.2", 53, 0, 0, m, n), &g);
	assert_int_equal(g.n, 1);
	char *s = json_dumps(g.v[0], JSON_COMPACT);
	/* no raw control byte or invalid UTF-8 reaches the JSON text */
	assert_null(strchr(s, 0x1b));
	assert_null(strchr(s, (char)0xff));
	assert_non_null(strstr(s, "\\u001B[2J"));
	assert_non_null(strstr(s, "\\\\x00\\\\xff.test"));
	free(s);
	got_free(&g);
	dnscap_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_cname_chain),
	    cmocka_unit_test(test_real_types),
	    cmocka_unit_test(test_pointer_loops),
	    cmocka_unit_test(test_labels_and_truncation),
	    cmocka_unit_test(test_bad_records),
	    cmocka_unit_test(test_tcp_framing),
	    cmocka_unit_test(test_cap_bridge),
	    cmocka_unit_test(test_cap_custom_embedded),
	    cmocka_unit_test(test_cap_host_leaves_containers_out),
	    cmocka_unit_test(test_cap_tcp_reassembly),
	    cmocka_unit_test(test_record_json_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
