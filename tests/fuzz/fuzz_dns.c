/* fuzz_dns.c: DNS from anyone who can send a packet to or from a container: the message parser
 * (dns_parse, dns_parse_tcp) and the DNS capture source's whole frame path (dnscap_feed: link
 * header, IPv4/IPv6 and their extension headers, UDP, TCP reassembly, the host namespace's
 * filtering, the embedded resolver's linking, records into JSON). The first byte picks:
 *   0: one UDP message;  1: a TCP stream of length-prefixed messages;
 *   2: frames, each [flags][length, 2 bytes][frame]: flags bit 0 the host namespace (else a
 *      container's), bits 1-2 the link type (cooked v2, cooked, Ethernet, raw IP).
 * Checks: what a parse reports agrees with itself (complete only without an error, counts and
 * offsets within the message, names within their bounds and NUL-terminated), a CNAME chain ends,
 * and every record is one valid JSON document. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns.h"
#include "fuzz.h"
#include "sources/dnscap.h"

static void check_name(const struct dns_name *n)
{
	CHECK(n->len >= 1 && n->len < DNS_NAME_TEXT_MAX);
	CHECK(n->text[n->len] == '\0');
	CHECK(n->wire >= 1 && n->wire <= DNS_NAME_WIRE_MAX);
	CHECK(n->labels <= 127);
}

static void check_msg(const struct dns_msg *m, int rc, size_t size)
{
	CHECK((rc == 0) == m->complete);
	CHECK((rc == 0) == (m->error == DNS_OK));
	if (rc)
		CHECK(m->error == (enum dns_error) - rc && m->error_at <= size);
	CHECK(m->nq <= DNS_MAX_QUESTIONS && m->nan <= DNS_MAX_ANSWERS);
	if (rc == 0) {
		CHECK(m->nq == (m->qdcount < DNS_MAX_QUESTIONS ? m->qdcount : DNS_MAX_QUESTIONS));
		CHECK(m->nan + m->an_more == m->ancount);
		CHECK(m->ns_seen == m->nscount && m->ar_seen == m->arcount);
		CHECK(m->trailing <= size);
	}
	for (size_t i = 0; i < m->nq; i++)
		check_name(&m->q[i].name);
	for (size_t i = 0; i < m->nan; i++) {
		const struct dns_rr *r = &m->an[i];
		check_name(&r->name);
		CHECK((size_t)r->rdata_off + r->rdlen <= size);
		CHECK(!r->family || (r->family == AF_INET && r->rdlen == 4) ||
		      (r->family == AF_INET6 && r->rdlen == 16));
		if (r->has_target)
			check_name(&r->target);
	}
	const struct dns_name *chain[DNS_MAX_ANSWERS + 1];
	const struct dns_rr *addrs[DNS_MAX_ANSWERS];
	size_t na;
	size_t nc = dns_answer_chain(m, chain, DNS_MAX_ANSWERS + 1, addrs, DNS_MAX_ANSWERS, &na);
	CHECK(nc <= m->nan + 1 && (nc > 0) == (m->nq > 0) && na <= m->nan);
}

static void on_record(const struct dnscap_record *r, void *ud)
{
	(void)ud;
	CHECK(r->msg && (r->proto == 6 || r->proto == 17));
	json_t *o = dnscap_record_json(r);
	char *s = json_dumps(o, JSON_COMPACT);
	CHECK(s);
	json_error_t je;
	json_t *back = json_loads(s, 0, &je);
	CHECK(back);
	json_decref(back);
	free(s);
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned mode = data[0] % 3;
	data++;
	size--;
	struct dns_msg *m = malloc(sizeof(*m));
	CHECK(m);
	if (mode == 0) {
		int rc = dns_parse(data, size, m);
		check_msg(m, rc, size);
	} else if (mode == 1) {
		for (size_t off = 0; off < size;) {
			size_t used = 0;
			int rc = dns_parse_tcp(data + off, size - off, m, &used);
			if (rc == -DNS_E_INCOMPLETE) {
				CHECK(used > size - off);
				break;
			}
			CHECK(used >= 2 && used <= size - off);
			if (rc != -DNS_E_TCP_EMPTY)
				check_msg(m, rc, used - 2);
			off += used;
		}
	} else {
		static const int lts[4] = {DLT_LINUX_SLL2, DLT_LINUX_SLL, DLT_EN10MB, DLT_RAW};
		struct dnscap *c = NULL;
		struct cirt_err err = {0};
		struct dnscap_opts o = {.max_tcp_streams = 4};
		CHECK(dnscap_new(&o, &c, &err) == 0);
		/* the host as the lab has it: lo, docker0 with a veth, the C2 veth */
		struct rtnl_link lv[3] = {
		    {.ifindex = 1}, {.ifindex = 5}, {.ifindex = 23, .master = 5}};
		snprintf(lv[0].name, sizeof(lv[0].name), "lo");
		snprintf(lv[1].name, sizeof(lv[1].name), "docker0");
		snprintf(lv[2].name, sizeof(lv[2].name), "veth6711606");
		struct rtnl_addr av[2] = {
		    {.ifindex = 5, .family = AF_INET, .addr = {172, 17, 0, 1}},
		    {.ifindex = 6, .family = AF_INET, .addr = {10, 66, 0, 1}}};
		struct rtnl_links links = {.v = lv, .n = 3};
		struct rtnl_addrs addrs = {.v = av, .n = 2};
		CHECK(dnscap_add_offline(c, 1, true, &links, &addrs, &err) == 0);
		CHECK(dnscap_add_offline(c, 2, false, &links, NULL, &err) == 0);
		struct timeval tv = {.tv_sec = 1800000000};
		for (size_t off = 0; size - off >= 3;) {
			uint8_t fl = data[off];
			size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
			off += 3;
			if (n > size - off)
				n = size - off;
			dnscap_feed(c, fl & 1 ? 1 : 2, lts[(fl >> 1) & 3], &tv, data + off,
			            (uint32_t)n, (uint32_t)n, on_record, NULL);
			off += n;
			tv.tv_usec += 1000;
		}
		struct dnscap_stats st;
		dnscap_get_stats(c, &st);
		CHECK(st.parse_errors <= st.messages && st.netns == 2);
		dnscap_free(c);
	}
	free(m);
	return 0;
}
