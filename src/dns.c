/* dns.c: the DNS message parser: bounded name decompression, questions, answers, EDNS. */
#include "dns.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

/* Far more than a real name needs (a name has at most 127 labels, and a compressor jumps once
 * per name), so that a chain of pointers cannot make one name cost much. */
#define DNS_MAX_HOPS 64

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Read the name at off. *ret_next: where the record goes on after it (after its first pointer,
 * or after its root label). Every pointer must land before the previous jump target (before the
 * name's start for the first one): targets strictly decrease, so the walk ends. */
static enum dns_error read_name(const uint8_t *msg, size_t len, size_t off, struct dns_name *out,
                                size_t *ret_next)
{
	size_t pos = off, next = 0, lowest = off, wire = 0, t = 0;
	unsigned hops = 0, labels = 0;
	bool jumped = false;
	for (;;) {
		if (pos >= len)
			return DNS_E_SHORT;
		uint8_t c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			if (len - pos < 2)
				return DNS_E_SHORT;
			size_t target = ((size_t)(c & 0x3f) << 8) | msg[pos + 1];
			if (target >= lowest)
				return DNS_E_PTR;
			if (++hops > DNS_MAX_HOPS)
				return DNS_E_PTR_HOPS;
			if (!jumped) {
				next = pos + 2;
				jumped = true;
			}
			lowest = target;
			pos = target;
			continue;
		}
		if (c & 0xc0)
			return DNS_E_LABEL_TYPE;
		if (c == 0) {
			wire++;
			if (!jumped)
				next = pos + 1;
			break;
		}
		if (len - pos - 1 < c)
			return DNS_E_SHORT;
		wire += 1u + c;
		if (wire + 1 > DNS_NAME_WIRE_MAX)
			return DNS_E_NAME_LONG;
		if (labels)
			out->text[t++] = '.';
		for (size_t i = 0; i < c; i++) {
			char b = (char)msg[pos + 1 + i];
			if (b == '.' || b == '\\')
				out->text[t++] = '\\';
			out->text[t++] = b;
		}
		labels++;
		pos += 1u + c;
	}
	/* 253 label bytes, each escaped, and the dots between at most 127 labels: under 512 */
	if (!labels)
		out->text[t++] = '.';
	out->text[t] = '\0';
	out->len = (uint16_t)t;
	out->wire = (uint16_t)wire;
	out->labels = (uint8_t)labels;
	*ret_next = next;
	return DNS_OK;
}

static int fail(struct dns_msg *m, enum dns_error e, enum dns_section s, size_t at)
{
	if (m->error == DNS_OK) {
		m->error = e;
		m->error_section = s;
		m->error_at = at;
	}
	return -(int)e;
}

/* A name inside a record's data [off, end): it may point back into the message, but its own
 * bytes must stay inside the data. */
static enum dns_error rdata_name(const uint8_t *p, size_t end, size_t off, struct dns_name *out)
{
	size_t next;
	enum dns_error e = read_name(p, end, off, out, &next);
	if (e == DNS_E_SHORT)
		return DNS_E_RDATA;
	return e;
}

/* One resource record at *off; kept in rr when rr is not NULL. */
static enum dns_error read_rr(const uint8_t *p, size_t len, size_t *off, struct dns_rr *rr,
                              struct dns_msg *m, enum dns_section sec)
{
	struct dns_rr tmp = {0};
	struct dns_rr *r = rr ? rr : &tmp;
	size_t next;
	enum dns_error e = read_name(p, len, *off, &r->name, &next);
	if (e)
		return e;
	if (len - next < 10) {
		*off = next;
		return DNS_E_SHORT;
	}
	r->type = rd16(p + next);
	r->rclass = rd16(p + next + 2);
	r->ttl = rd32(p + next + 4);
	r->rdlen = rd16(p + next + 8);
	r->rdata_off = (uint32_t)(next + 10);
	r->family = 0;
	r->has_target = false;
	r->bad = false;
	size_t d = next + 10;
	if (len - d < r->rdlen) {
		*off = d;
		return DNS_E_SHORT;
	}
	size_t end = d + r->rdlen;
	*off = end;
	if (sec == DNS_S_ADDITIONAL && r->type == DNS_T_OPT && !m->edns) {
		m->edns = true;
		m->edns_size = r->rclass;
		m->edns_rcode_hi = (uint8_t)(r->ttl >> 24);
	}
	if (!rr && sec != DNS_S_ANSWER)
		return DNS_OK; /* authority and additional: walked for their length only */
	switch (r->type) {
	case DNS_T_A:
		if (r->rdlen == 4) {
			r->family = AF_INET;
			memcpy(r->addr, p + d, 4);
		} else
			r->bad = true;
		break;
	case DNS_T_AAAA:
		if (r->rdlen == 16) {
			r->family = AF_INET6;
			memcpy(r->addr, p + d, 16);
		} else
			r->bad = true;
		break;
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
	case DNS_T_DNAME:
		/* a bad name here spoils this record alone: rdlength says where the next starts */
		if (rdata_name(p, end, d, &r->target) != DNS_OK)
			r->bad = true;
		else
			r->has_target = true;
		break;
	default:
		break;
	}
	return DNS_OK;
}

int dns_parse(const uint8_t *p, size_t len, struct dns_msg *m)
{
	memset(m, 0, offsetof(struct dns_msg, q));
	m->nq = m->nan = m->an_more = m->ns_seen = m->ar_seen = 0;
	m->edns = false;
	m->edns_size = 0;
	m->edns_rcode_hi = 0;
	m->complete = false;
	m->trailing = 0;
	m->error = DNS_OK;
	m->error_section = DNS_S_HEADER;
	m->error_at = 0;
	m->len = len;
	if (len < DNS_HEADER_LEN)
		return fail(m, DNS_E_SHORT, DNS_S_HEADER, len);
	m->id = rd16(p);
	m->flags = rd16(p + 2);
	m->qdcount = rd16(p + 4);
	m->ancount = rd16(p + 6);
	m->nscount = rd16(p + 8);
	m->arcount = rd16(p + 10);
	size_t off = DNS_HEADER_LEN;
	/* a count the message cannot hold ends in DNS_E_SHORT at its end: at most len/5 questions
	 * or len/11 records are ever walked */
	struct dns_question tmp = {0}; /* questions beyond the kept ones are read into it */
	for (unsigned i = 0; i < m->qdcount; i++) {
		struct dns_question *q = m->nq < DNS_MAX_QUESTIONS ? &m->q[m->nq] : &tmp;
		size_t next, at = off;
		enum dns_error e = read_name(p, len, off, &q->name, &next);
		if (e)
			return fail(m, e, DNS_S_QUESTION, at);
		if (len - next < 4)
			return fail(m, DNS_E_SHORT, DNS_S_QUESTION, next);
		q->type = rd16(p + next);
		q->qclass = rd16(p + next + 2);
		off = next + 4;
		if (q != &tmp)
			m->nq++;
	}
	for (unsigned i = 0; i < m->ancount; i++) {
		struct dns_rr *r = m->nan < DNS_MAX_ANSWERS ? &m->an[m->nan] : NULL;
		size_t at = off;
		enum dns_error e = read_rr(p, len, &off, r, m, DNS_S_ANSWER);
		if (e)
			return fail(m, e, DNS_S_ANSWER, e == DNS_E_SHORT ? off : at);
		if (r)
			m->nan++;
		else
			m->an_more++;
	}
	for (unsigned i = 0; i < m->nscount; i++) {
		size_t at = off;
		enum dns_error e = read_rr(p, len, &off, NULL, m, DNS_S_AUTHORITY);
		if (e)
			return fail(m, e, DNS_S_AUTHORITY, e == DNS_E_SHORT ? off : at);
		m->ns_seen++;
	}
	for (unsigned i = 0; i < m->arcount; i++) {
		size_t at = off;
		enum dns_error e = read_rr(p, len, &off, NULL, m, DNS_S_ADDITIONAL);
		if (e)
			return fail(m, e, DNS_S_ADDITIONAL, e == DNS_E_SHORT ? off : at);
		m->ar_seen++;
	}
	m->complete = true;
	m->trailing = len - off;
	return 0;
}

int dns_parse_tcp(const uint8_t *p, size_t len, struct dns_msg *m, size_t *ret_used)
{
	if (len < 2) {
		*ret_used = 2;
		return -DNS_E_INCOMPLETE;
	}
	size_t n = rd16(p);
	*ret_used = 2 + n;
	if (n == 0) {
		dns_parse(p, 0, m);
		m->error = DNS_E_TCP_EMPTY;
		return -DNS_E_TCP_EMPTY;
	}
	if (len - 2 < n)
		return -DNS_E_INCOMPLETE;
	return dns_parse(p + 2, n, m);
}

const char *dns_type_name(uint16_t type)
{
	switch (type) {
	case DNS_T_A:
		return "A";
	case DNS_T_NS:
		return "NS";
	case DNS_T_CNAME:
		return "CNAME";
	case DNS_T_SOA:
		return "SOA";
	case DNS_T_PTR:
		return "PTR";
	case DNS_T_MX:
		return "MX";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_AAAA:
		return "AAAA";
	case DNS_T_SRV:
		return "SRV";
	case DNS_T_DNAME:
		return "DNAME";
	case DNS_T_OPT:
		return "OPT";
	case 64:
		return "SVCB";
	case DNS_T_HTTPS:
		return "HTTPS";
	case DNS_T_ANY:
		return "ANY";
	default:
		return NULL;
	}
}

const char *dns_rcode_name(unsigned rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	                                    "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	                                    "NXRRSET", "NOTAUTH", "NOTZONE"};
	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	if (rcode == 16)
		return "BADVERS";
	return NULL;
}

const char *dns_class_name(uint16_t qclass)
{
	switch (qclass) {
	case 1:
		return "IN";
	case 3:
		return "CH";
	case 4:
		return "HS";
	case 255:
		return "ANY";
	default:
		return NULL;
	}
}

const char *dns_strerror(enum dns_error e)
{
	switch (e) {
	case DNS_OK:
		return "ok";
	case DNS_E_SHORT:
		return "message cut short";
	case DNS_E_PTR:
		return "compression pointer forward, looping or out of range";
	case DNS_E_PTR_HOPS:
		return "too many compression pointers";
	case DNS_E_LABEL_TYPE:
		return "unknown label type";
	case DNS_E_NAME_LONG:
		return "name longer than 255 bytes";
	case DNS_E_RDATA:
		return "name runs past its record's data";
	case DNS_E_INCOMPLETE:
		return "tcp message incomplete";
	case DNS_E_TCP_EMPTY:
		return "tcp message of length 0";
	default:
		return "unknown error";
	}
}

const char *dns_section_name(enum dns_section s)
{
	switch (s) {
	case DNS_S_HEADER:
		return "header";
	case DNS_S_QUESTION:
		return "question";
	case DNS_S_ANSWER:
		return "answer";
	case DNS_S_AUTHORITY:
		return "authority";
	case DNS_S_ADDITIONAL:
		return "additional";
	default:
		return "?";
	}
}

bool dns_name_eq(const struct dns_name *a, const struct dns_name *b)
{
	if (a->len != b->len)
		return false;
	for (size_t i = 0; i < a->len; i++) {
		unsigned char x = (unsigned char)a->text[i], y = (unsigned char)b->text[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

size_t dns_answer_chain(const struct dns_msg *m, const struct dns_name **names, size_t max,
                        const struct dns_rr **addrs, size_t max_addrs, size_t *ret_naddrs)
{
	*ret_naddrs = 0;
	if (!m->nq || !max)
		return 0;
	size_t n = 0;
	names[n++] = &m->q[0].name;
	/* each step takes a CNAME owned by the current name; a name already in the chain ends it */
	for (;;) {
		const struct dns_name *cur = names[n - 1];
		const struct dns_name *nx = NULL;
		for (size_t i = 0; i < m->nan && !nx; i++)
			if (m->an[i].type == DNS_T_CNAME && m->an[i].has_target &&
			    dns_name_eq(&m->an[i].name, cur))
				nx = &m->an[i].target;
		if (!nx || n == max)
			break;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = dns_name_eq(names[k], nx);
		if (seen)
			break;
		names[n++] = nx;
	}
	const struct dns_name *last = names[n - 1];
	for (size_t i = 0; i < m->nan && *ret_naddrs < max_addrs; i++)
		if (m->an[i].family && dns_name_eq(&m->an[i].name, last))
			addrs[(*ret_naddrs)++] = &m->an[i];
	return n;
}
