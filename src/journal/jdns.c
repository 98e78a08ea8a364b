/* jdns.c: DNS lookups read back from the journal and matched against names. */
#include "journal/jdns.h"

#include <strings.h>

#include "json.h"

#define JDNS_CHAIN_MAX 16
#define JDNS_ADDRS_MAX 64

void jlookup_clear(struct jlookup *l)
{
	jcontainer_clear(&l->c);
	jproc_clear(&l->proc);
	free(l->client);
	free(l->server);
	free(l->qname);
	free(l->qtype);
	free(l->rcode);
	for (size_t i = 0; i < l->n_chain; i++)
		free(l->chain[i]);
	free(l->chain);
	free(l->addrs);
	memset(l, 0, sizeof(*l));
}

void jlookups_clear(struct jlookups *x)
{
	for (size_t i = 0; i < x->n; i++)
		jlookup_clear(&x->v[i]);
	free(x->v);
	memset(x, 0, sizeof(*x));
}

/* DNS names compare without case, and with or without one trailing dot. */
static bool name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static bool in_chain(const struct jlookup *l, const char *name)
{
	for (size_t i = 0; i < l->n_chain; i++)
		if (name_eq(l->chain[i], name))
			return true;
	return false;
}

/* The CNAME chain from qname, then the addresses of its last name (of any name of the chain
 * when the last one has none: a server may answer with the target's records under another
 * spelling). */
static void follow(json_t *answers, struct jlookup *l)
{
	l->chain = xcalloc(JDNS_CHAIN_MAX, sizeof(*l->chain));
	l->chain[l->n_chain++] = xstrdup(l->qname);
	size_t n = json_array_size(answers);
	for (bool more = true; more && l->n_chain < JDNS_CHAIN_MAX;) {
		more = false;
		for (size_t i = 0; i < n; i++) {
			json_t *a = json_array_get(answers, i);
			const char *type = jstr(a, "type"), *name = jstr(a, "name"),
			           *data = jstr(a, "data");
			if (!type || !name || !data || !streq(type, "CNAME") ||
			    !name_eq(name, l->chain[l->n_chain - 1]) || in_chain(l, data))
				continue;
			l->chain[l->n_chain++] = xstrdup(data);
			more = true;
			break;
		}
	}
	for (int pass = 0; pass < 2 && !l->n_addrs; pass++)
		for (size_t i = 0; i < n && l->n_addrs < JDNS_ADDRS_MAX; i++) {
			json_t *a = json_array_get(answers, i);
			const char *type = jstr(a, "type"), *name = jstr(a, "name"),
			           *data = jstr(a, "data");
			struct flow_addr addr;
			if (!type || !name || !data || !(streq(type, "A") || streq(type, "AAAA")) ||
			    !(pass == 0 ? name_eq(name, l->chain[l->n_chain - 1])
			                : in_chain(l, name)) ||
			    !flow_addr_parse(data, &addr))
				continue;
			if (!l->addrs)
				l->addrs = xcalloc(JDNS_ADDRS_MAX, sizeof(*l->addrs));
			bool dup = false;
			for (size_t k = 0; k < l->n_addrs && !dup; k++)
				dup = flow_addr_eq(&l->addrs[k], &addr);
			if (dup)
				continue;
			l->addrs[l->n_addrs++] = addr;
			long long ttl = jint(a, "ttl", 0);
			if (ttl > 0 && ttl <= UINT32_MAX && (!l->ttl || (uint32_t)ttl < l->ttl))
				l->ttl = (uint32_t)ttl;
		}
}

bool jlookup_parse(json_t *j, uint64_t t, const struct ioc_list *list, struct jlookup *l)
{
	memset(l, 0, sizeof(*l));
	const char *type = jstr(j, "type"), *qname = jstr(j, "qname");
	if (!type || !streq(type, "dns") || !qname || !*qname)
		return false;
	l->t = t;
	l->qname = xstrdup(qname);
	follow(jarr(j, "answers"), l);
	if (list) {
		for (size_t i = 0; i < l->n_chain && !l->ioc; i++)
			if ((l->ioc = ioc_match_name(list, l->chain[i], strlen(l->chain[i]))))
				l->matched = i;
		if (!l->ioc) {
			jlookup_clear(l);
			return false;
		}
	}
	jcontainer_parse(json_object_get(j, "container"), &l->c);
	const char *by = jstr(j, "by");
	if (by && (streq(by, "process") || streq(by, "netns") || streq(by, "address")))
		snprintf(l->by, sizeof(l->by), "%s", by);
	jproc_parse(json_object_get(j, "process"), &l->proc);
	long long ns = jint(j, "netns", 0);
	l->netns = ns > 0 ? (unsigned long)ns : 0;
	l->client = xstrdup0(jstr(j, "client"));
	l->server = xstrdup0(jstr(j, "server"));
	l->forwarded = jbool(j, "forwarded");
	l->qtype = xstrdup0(jstr(j, "qtype"));
	l->rcode = xstrdup0(jstr(j, "rcode"));
	return true;
}

int jdns_read(const char *dir, uint64_t since_ns, uint64_t until_ns, const struct ioc_list *list,
              size_t max, struct jlookups *ret, struct cirt_err *err)
{
	_cleanup_journal_reader_ struct journal_reader *r = NULL;
	if (journal_reader_open(dir, since_ns, until_ns, &r, err) < 0)
		return -1;
	struct jlookups out = {0};
	size_t cap = 0;
	const char *line;
	size_t len;
	uint64_t t;
	int k;
	while ((k = journal_reader_next(r, &line, &len, &t, err)) > 0) {
		if (!strstr(line, "\"type\":\"dns\""))
			continue;
		out.dns_lines++;
		json_t *j = json_loadb(line, len, 0, NULL);
		if (!j || !jstr(j, "qname")) {
			out.bad_lines++;
			json_decref(j);
			continue;
		}
		struct jlookup l;
		if (jlookup_parse(j, t, list, &l)) {
			if (out.n >= max) {
				out.truncated = true;
				jlookup_clear(&l);
			} else {
				if (out.n == cap) {
					cap = cap ? cap * 2 : 32;
					out.v = xrealloc(out.v, cap * sizeof(*out.v));
				}
				out.v[out.n++] = l;
			}
		}
		json_decref(j);
	}
	out.st = *journal_reader_stats(r);
	if (k < 0) {
		jlookups_clear(&out);
		return -1;
	}
	*ret = out;
	return 0;
}
