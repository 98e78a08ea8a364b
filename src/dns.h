/* dns.h: a DNS message parser (RFC 1035) for untrusted bytes: header, questions, answers. */
#pragma once

/*
 * Total over any input: every read is bounds-checked, compression pointers must point strictly
 * backwards (each jump lands before the previous one: loops and forward or out-of-range
 * pointers are refused, and the number of jumps is bounded), names are at most 255 bytes on the
 * wire, labels at most 63 (the 0x40 and 0x80 label types are refused).
 *
 * What a broken message still gives is kept: the header, then every question and answer parsed
 * before the error, with the error, its offset and its section in the message. An answer whose
 * data does not fit its type (an A record of 5 bytes) is kept, flagged `bad`, and parsing goes
 * on (its rdlength says where the next record starts).
 *
 * Names are text in presentation form without the final dot ("c2.cirt-lab.test", the root is
 * "."): labels joined by '.', a '.' or '\' inside a label written "\." and "\\" so that label
 * boundaries stay unambiguous, every other byte as it was sent (control bytes, NUL, invalid
 * UTF-8, IDNA "xn--" labels as they are): use `len`, never strlen, and escape for the terminal
 * or JSON (term_escape_n, json_strn) when printing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_WIRE_MAX 255 /* RFC 1035 3.1, length bytes and the root included */
#define DNS_LABEL_MAX 63
#define DNS_NAME_TEXT_MAX 512 /* worst case: 253 bytes, each escaped, plus dots */
#define DNS_MAX_QUESTIONS 4   /* kept; more are walked and counted */
#define DNS_MAX_ANSWERS 32    /* kept; more are walked and counted */
#define DNS_HEADER_LEN 12

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_DNAME = 39,
	DNS_T_OPT = 41,
	DNS_T_HTTPS = 65,
	DNS_T_ANY = 255,
};

enum dns_error {
	DNS_OK = 0,
	DNS_E_SHORT,      /* the message ends inside a header, name or record */
	DNS_E_PTR,        /* a compression pointer forward, to itself, or out of the message */
	DNS_E_PTR_HOPS,   /* too many compression pointers in one name */
	DNS_E_LABEL_TYPE, /* a label type other than 0 (length) and 3 (pointer) */
	DNS_E_NAME_LONG,  /* a name over 255 bytes */
	DNS_E_RDATA,      /* a name in a record's data runs past its rdlength */
	DNS_E_INCOMPLETE, /* TCP: the length prefix asks for more bytes than there are */
	DNS_E_TCP_EMPTY,  /* TCP: a length prefix of 0 */
	DNS__E_COUNT,
};

enum dns_section { DNS_S_HEADER, DNS_S_QUESTION, DNS_S_ANSWER, DNS_S_AUTHORITY, DNS_S_ADDITIONAL };

struct dns_name {
	uint16_t len;  /* bytes in text (without the NUL after them) */
	uint16_t wire; /* length on the wire, after decompression */
	uint8_t labels;
	char text[DNS_NAME_TEXT_MAX];
};

struct dns_question {
	struct dns_name name;
	uint16_t type, qclass; /* qclass's top bit is mDNS's unicast-response flag, kept as sent */
};

struct dns_rr {
	struct dns_name name;
	uint16_t type, rclass;
	uint32_t ttl; /* as sent (RFC 2181 reads a TTL with its top bit set as 0) */
	uint16_t rdlen;
	uint32_t rdata_off; /* where the data starts in the message */
	int family;         /* A: AF_INET, AAAA: AF_INET6 (addr holds it), else 0 */
	uint8_t addr[16];
	bool has_target; /* CNAME, NS, PTR, DNAME: target holds the name */
	struct dns_name target;
	bool bad; /* the data does not fit the type (an A record that is not 4 bytes) */
};

struct dns_msg {
	size_t len; /* the message's length */
	uint16_t id;
	uint16_t flags; /* as sent: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE */
	uint16_t qdcount, ancount, nscount, arcount; /* as the header claims */
	struct dns_question q[DNS_MAX_QUESTIONS];
	size_t nq;
	struct dns_rr an[DNS_MAX_ANSWERS];
	size_t nan;
	size_t an_more;          /* answers walked but not kept (beyond DNS_MAX_ANSWERS) */
	size_t ns_seen, ar_seen; /* authority and additional records walked */
	bool edns;               /* an OPT record in the additional section */
	uint16_t edns_size;      /* its UDP payload size */
	uint8_t edns_rcode_hi;   /* its extended RCODE (the upper 8 bits) */
	bool complete;           /* every record the header counts was parsed */
	size_t trailing;         /* bytes after the last record */
	enum dns_error error;    /* the first error, DNS_OK when none */
	enum dns_section error_section;
	size_t error_at; /* its offset in the message */
};

/* Parse one message of len bytes (a UDP payload). 0 when the whole message parsed, else
 * -error: the header (when it was there: len >= 12) and the records before the error are in
 * m all the same. Bytes after the last record are counted in m->trailing, not an error. */
int dns_parse(const uint8_t *p, size_t len, struct dns_msg *m);

/* One message from a TCP stream: a 2-byte length, then the message. 0 with *ret_used (2 +
 * length) when it parsed, -DNS_E_INCOMPLETE with *ret_used = the bytes needed when p holds less,
 * or another -error (*ret_used is then 2 + length too: the stream can go on after it). */
int dns_parse_tcp(const uint8_t *p, size_t len, struct dns_msg *m, size_t *ret_used);

static inline bool dns_is_response(const struct dns_msg *m)
{
	return m->flags & 0x8000;
}
static inline unsigned dns_opcode(const struct dns_msg *m)
{
	return (m->flags >> 11) & 0xf;
}
static inline bool dns_truncated(const struct dns_msg *m)
{
	return m->flags & 0x0200;
}
/* The RCODE, extended by EDNS when the message has an OPT record. */
static inline unsigned dns_rcode(const struct dns_msg *m)
{
	return (unsigned)(m->flags & 0xf) | ((unsigned)m->edns_rcode_hi << 4);
}

/* "A", "AAAA", "CNAME", ... or NULL for a type without a name here (print "TYPE<n>"). */
const char *dns_type_name(uint16_t type);
/* "NOERROR", "NXDOMAIN", ... or NULL (print the number). */
const char *dns_rcode_name(unsigned rcode);
/* "IN", "CH", "HS", "ANY" or NULL. */
const char *dns_class_name(uint16_t qclass);
const char *dns_strerror(enum dns_error e);
const char *dns_section_name(enum dns_section s);

/* Names equal as DNS compares them: ASCII letters without case, every other byte exact. */
bool dns_name_eq(const struct dns_name *a, const struct dns_name *b);

/* Follow the answer's CNAME chain from the first question's name: names[0] is that name, then
 * each CNAME target in order (at most max names; a loop ends the chain), and addrs the A and
 * AAAA records of the last name. Returns the number of names (0 without a question); *ret_naddrs
 * the number of addresses (at most max_addrs). */
size_t dns_answer_chain(const struct dns_msg *m, const struct dns_name **names, size_t max,
                        const struct dns_rr **addrs, size_t max_addrs, size_t *ret_naddrs);
