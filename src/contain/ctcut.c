/* ctcut.c: conntrack deletion for a contained container's addresses (libnetfilter_conntrack). */
#include "contain/ctcut.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

struct addr {
	int af;
	unsigned char b[16];
	int prefix; /* bits; 32/128 for a host */
};

struct cut {
	struct addr *mine;
	size_t n_mine;
	struct addr *allow;
	size_t n_allow;
	struct nf_conntrack **hits;
	size_t n_hits;
};

static bool parse_addr(const char *s, struct addr *a)
{
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s", s);
	char *slash = strchr(tmp, '/');
	a->prefix = -1;
	if (slash) {
		*slash = '\0';
		a->prefix = atoi(slash + 1);
	}
	memset(a->b, 0, sizeof(a->b));
	if (inet_pton(AF_INET, tmp, a->b) == 1) {
		a->af = AF_INET;
		if (a->prefix < 0)
			a->prefix = 32;
		return true;
	}
	if (inet_pton(AF_INET6, tmp, a->b) == 1) {
		a->af = AF_INET6;
		if (a->prefix < 0)
			a->prefix = 128;
		return true;
	}
	return false;
}

static bool in_net(const struct addr *net, int af, const unsigned char *b)
{
	if (net->af != af)
		return false;
	int bits = net->prefix;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((net->b[i] & mask) != (b[i] & mask))
			return false;
	}
	return true;
}

static bool any(const struct addr *v, size_t n, int af, const unsigned char *b)
{
	for (size_t i = 0; i < n; i++)
		if (in_net(&v[i], af, b))
			return true;
	return false;
}

static void tuple_addr(const struct nf_conntrack *ct, int af, bool reply, bool dst,
                       unsigned char out[16])
{
	memset(out, 0, 16);
	if (af == AF_INET) {
		enum nf_conntrack_attr at = reply ? (dst ? ATTR_REPL_IPV4_DST : ATTR_REPL_IPV4_SRC)
		                                  : (dst ? ATTR_ORIG_IPV4_DST : ATTR_ORIG_IPV4_SRC);
		const void *p = nfct_get_attr(ct, at);
		if (p)
			memcpy(out, p, 4);
	} else {
		enum nf_conntrack_attr at = reply ? (dst ? ATTR_REPL_IPV6_DST : ATTR_REPL_IPV6_SRC)
		                                  : (dst ? ATTR_ORIG_IPV6_DST : ATTR_ORIG_IPV6_SRC);
		const void *p = nfct_get_attr(ct, at);
		if (p)
			memcpy(out, p, 16);
	}
}

static int on_ct(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct cut *c = data;
	int af = nfct_get_attr_u8(ct, ATTR_L3PROTO);
	if (af != AF_INET && af != AF_INET6)
		return NFCT_CB_CONTINUE;
	unsigned char os[16], od[16], rs[16], rd[16];
	tuple_addr(ct, af, false, false, os);
	tuple_addr(ct, af, false, true, od);
	tuple_addr(ct, af, true, false, rs);
	tuple_addr(ct, af, true, true, rd);
	/* which side is the container, and who is the peer? (reply src: a DNAT'd inbound flow) */
	const unsigned char *peer = NULL;
	if (any(c->mine, c->n_mine, af, os))
		peer = od;
	else if (any(c->mine, c->n_mine, af, od))
		peer = os;
	else if (any(c->mine, c->n_mine, af, rs))
		peer = os;
	else if (any(c->mine, c->n_mine, af, rd))
		peer = rs;
	if (!peer || any(c->allow, c->n_allow, af, peer))
		return NFCT_CB_CONTINUE;
	c->hits = xrealloc(c->hits, (c->n_hits + 1) * sizeof(*c->hits));
	c->hits[c->n_hits++] = nfct_clone(ct);
	return NFCT_CB_CONTINUE;
}

static void fill(struct cut *c, const struct iso_spec *s)
{
	size_t nm = s->addr4.n + s->addr6.n, na = s->allow4.n + s->allow6.n;
	c->mine = xcalloc(nm + 1, sizeof(*c->mine));
	c->allow = xcalloc(na + 1, sizeof(*c->allow));
	const struct strv *m[2] = {&s->addr4, &s->addr6}, *a[2] = {&s->allow4, &s->allow6};
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < m[k]->n; i++)
			if (parse_addr(m[k]->v[i], &c->mine[c->n_mine]))
				c->n_mine++;
		for (size_t i = 0; i < a[k]->n; i++)
			if (parse_addr(a[k]->v[i], &c->allow[c->n_allow]))
				c->n_allow++;
	}
}

static void cut_free(struct cut *c)
{
	for (size_t i = 0; i < c->n_hits; i++)
		nfct_destroy(c->hits[i]);
	free(c->hits);
	free(c->mine);
	free(c->allow);
}

int ctcut_run(const struct iso_spec *s, bool dry_run, size_t *ret_n, struct cirt_err *err)
{
	struct cut c = {0};
	fill(&c, s);
	*ret_n = 0;
	if (!c.n_mine) {
		cut_free(&c);
		return 0;
	}
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	if (!h) {
		int e = errno;
		cut_free(&c);
		return err_set(err, e == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "conntrack: %s", strerror(e));
	}
	nfct_callback_register(h, NFCT_T_ALL, on_ct, &c);
	int rc = 0;
	/* both families: a dump of AF_UNSPEC is refused by older kernels */
	uint32_t fams[2] = {AF_INET, AF_INET6};
	for (int k = 0; k < 2 && rc == 0; k++) {
		if (nfct_query(h, NFCT_Q_DUMP, &fams[k]) < 0 && errno != ENOENT)
			rc =
			    err_set(err, CIRT_EXIT_RUNTIME, "conntrack: dump: %s", strerror(errno));
	}
	nfct_callback_unregister(h);
	size_t deleted = 0;
	for (size_t i = 0; rc == 0 && i < c.n_hits; i++) {
		if (dry_run) {
			deleted++;
			continue;
		}
		/* gone meanwhile (it timed out) is as good as deleted, but not counted */
		if (nfct_query(h, NFCT_Q_DESTROY, c.hits[i]) == 0)
			deleted++;
		else if (errno != ENOENT)
			rc = err_set(err, CIRT_EXIT_RUNTIME, "conntrack: delete: %s",
			             strerror(errno));
	}
	nfct_close(h);
	cut_free(&c);
	if (rc == 0)
		*ret_n = deleted;
	return rc;
}

int ctcut_count(const struct iso_spec *s, size_t *ret_n, struct cirt_err *err)
{
	return ctcut_run(s, true, ret_n, err);
}
