/* ioc.h: a list of indicators (addresses, CIDRs, domain names and wildcard domains; one per line,
 * '#' comments) and matching flows and queried names against it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "flow.h"
#include "util.h"

/*
 * Names: a word that is no address or CIDR is a domain name when it has the shape of one:
 * labels of 1 to 63 bytes joined by dots, 253 bytes at most, letters, digits, '-' and '_' (and
 * bytes from 0x80 up, an IDN written in UTF-8: kept as bytes and never converted, so it matches
 * only a query in the same bytes; write IDNs in their "xn--" form), a last label that is not all
 * digits (so "10.0.0.300" stays a bad address, not a name), and at least one dot: a single word
 * ("nonsense") stays an error. One trailing dot is allowed. Letters are compared without case.
 *   evil.example      that name exactly (not its subdomains);
 *   *.evil.example    every name below evil.example, at any depth, but NOT evil.example itself
 *                     (as DNS wildcards and certificate names do): list both lines for both.
 */
enum ioc_kind {
	IOC_ADDR,   /* an address or CIDR: net, prefix */
	IOC_NAME,   /* one name: name */
	IOC_DOMAIN, /* "*.DOMAIN": every name below name */
};

struct ioc_entry {
	struct flow_addr net;
	int prefix;
	char *text;    /* as written, e.g. "10.66.0.0/24" or "*.Evil.example." */
	char *comment; /* the line's comment, or NULL */
	unsigned line;
	enum ioc_kind kind;
	char *name; /* IOC_NAME, IOC_DOMAIN: lower case, no "*." and no trailing dot; else NULL */
	size_t name_len;
};

struct ioc_list {
	struct ioc_entry *v; /* addresses and CIDRs (IOC_ADDR), in file order */
	size_t n;
	struct ioc_entry *names; /* names and wildcard domains, in file order */
	size_t n_names;
	char *path;
	size_t *slots; /* hash of names: index + 1 into names, 0 empty */
	size_t n_slots;
};

/* Read FILE: a bad line is a usage error naming the file, the line and the text. Empty lines
 * and lines with only a comment are skipped. At most 1,000,000 entries. */
int ioc_load(const char *path, struct ioc_list **ret, struct cirt_err *err);
/* The same from the file's contents: data[len] must be a NUL (read_file_max gives that); data is
 * modified. path only names the file in errors. */
int ioc_parse(const char *path, char *data, size_t len, struct ioc_list **ret,
              struct cirt_err *err);
void ioc_free(struct ioc_list *l);
static inline void ioc_freep(struct ioc_list **l)
{
	ioc_free(*l);
}
/* The most specific address entry containing a, or NULL. */
const struct ioc_entry *ioc_match(const struct ioc_list *l, const struct flow_addr *a);
/* The entry a queried name matches, or NULL: the exact name first, else the wildcard of the
 * longest domain the name lies below. name is len bytes in DNS presentation form as dns.h gives
 * it ("\." is a dot inside a label, never a label boundary), any case, one trailing dot
 * allowed. For an answer, match each name of its CNAME chain. */
const struct ioc_entry *ioc_match_name(const struct ioc_list *l, const char *name, size_t len);
