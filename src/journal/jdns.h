/* jdns.h: the DNS lines of cirt watch's journal read back, for names and wildcard domains: which
 * container looked up which name, when, through which server, the CNAME chain the answer
 * followed and the addresses at its end. Only lookups where the asked name or a name of its
 * chain matches an entry of a name list are kept. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "journal/ioc.h"
#include "journal/jread.h"
#include "util.h"

/* One answered (or refused) lookup:
 * {"t", "type":"dns", "container", "by", "process", "netns", "client", "server", "forwarded",
 *  "qname", "qtype", "rcode", "answers": [{"name", "type", "ttl", "data"}]} */
struct jlookup {
	uint64_t t;
	struct jcontainer c; /* id NULL: none (the host, or not known) */
	char by[8];          /* "process", "netns"; "" when the line has none */
	struct jproc proc;   /* pid 0: none */
	unsigned long netns;
	char *client, *server; /* "ip:port" */
	bool forwarded;        /* Docker's embedded resolver asking upstream for the container */
	char *qname, *qtype, *rcode;
	char **chain; /* qname, then each CNAME target the answer followed */
	size_t n_chain;
	struct flow_addr *addrs; /* A and AAAA answers for the chain's last name */
	size_t n_addrs;
	uint32_t ttl;                /* the smallest TTL among them (0: none) */
	const struct ioc_entry *ioc; /* the entry that matched */
	size_t matched;              /* the index in chain of the name that matched it */
};

struct jlookups {
	struct jlookup *v; /* in journal order */
	size_t n;
	bool truncated;     /* more than max matched */
	uint64_t dns_lines; /* DNS lines in the range, matching or not */
	uint64_t bad_lines; /* DNS lines that could not be used (broken JSON, no name) */
	struct journal_read_stats st;
};

/* The DNS lines of DIR in [since, until] (0: unbounded) whose name or chain matches one of the
 * names of list (its addresses are not used), at most max. */
int jdns_read(const char *dir, uint64_t since_ns, uint64_t until_ns, const struct ioc_list *list,
              size_t max, struct jlookups *ret, struct cirt_err *err);
/* One DNS line (already parsed JSON) into l, matched against list (NULL: keep any). false when
 * it is not a usable DNS line, or does not match. */
bool jlookup_parse(json_t *line, uint64_t t, const struct ioc_list *list, struct jlookup *l);
void jlookup_clear(struct jlookup *l);
void jlookups_clear(struct jlookups *x);
