/* addrmap.c: address -> container over time: a hash of addresses, each with its intervals. */
#include "journal/addrmap.h"

#include <sys/socket.h>

#include "escape.h"
#include "util.h"

struct am_iv {
	int ci;
	char *network;
	uint64_t from, until;
};

struct am_node {
	struct flow_addr a;
	struct am_iv *iv;
	size_t n;
	struct am_node *next;
};

struct am_subnet {
	struct flow_addr net;
	int prefix;
};

struct addrmap {
	struct am_container *c;
	size_t nc;
	struct am_node **tab;
	size_t nbuckets, naddrs, nivs;
	struct am_subnet *sn;
	size_t nsn;
};

static uint32_t addr_hash(const struct flow_addr *a)
{
	uint32_t h = 2166136261u ^ a->family;
	size_t n = a->family == AF_INET6 ? 16 : 4;
	for (size_t i = 0; i < n; i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h ^ (h >> 15);
}

struct addrmap *addrmap_new(void)
{
	struct addrmap *m = xcalloc(1, sizeof(*m));
	m->nbuckets = 1024;
	m->tab = xcalloc(m->nbuckets, sizeof(*m->tab));
	return m;
}

static void container_free(struct am_container *c)
{
	free(c->id);
	free(c->name);
	free(c->image);
	json_decref(c->ref);
	free(c->ref_json);
	memset(c, 0, sizeof(*c));
}

void addrmap_free(struct addrmap *m)
{
	if (!m)
		return;
	for (size_t b = 0; b < m->nbuckets; b++) {
		struct am_node *n = m->tab[b];
		while (n) {
			struct am_node *next = n->next;
			for (size_t i = 0; i < n->n; i++)
				free(n->iv[i].network);
			free(n->iv);
			free(n);
			n = next;
		}
	}
	free(m->tab);
	for (size_t i = 0; i < m->nc; i++)
		container_free(&m->c[i]);
	free(m->c);
	free(m->sn);
	free(m);
}

static void set_ref(struct am_container *c)
{
	json_decref(c->ref);
	c->ref = json_object();
	json_object_set_new(c->ref, "id", json_str(c->id));
	json_object_set_new(c->ref, "name", json_str(c->name));
	json_object_set_new(c->ref, "image", json_str(c->image));
	free(c->ref_json);
	c->ref_json = json_dumps(c->ref, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
}

int addrmap_find(const struct addrmap *m, const char *id)
{
	if (!id)
		return -1;
	for (size_t i = 0; i < m->nc; i++)
		if (m->c[i].used && streq(m->c[i].id, id))
			return (int)i;
	return -1;
}

int addrmap_container(struct addrmap *m, const char *id, const char *name, const char *image)
{
	int ci = addrmap_find(m, id);
	if (ci < 0) {
		size_t i;
		for (i = 0; i < m->nc; i++)
			if (!m->c[i].used)
				break;
		if (i == m->nc) {
			m->c = xrealloc(m->c, (m->nc + 1) * sizeof(*m->c));
			memset(&m->c[m->nc], 0, sizeof(*m->c));
			m->nc++;
		}
		struct am_container *c = &m->c[i];
		c->used = true;
		c->id = xstrdup(id);
		c->name = xstrdup0(name);
		c->image = xstrdup0(image);
		set_ref(c);
		return (int)i;
	}
	struct am_container *c = &m->c[ci];
	bool changed = false;
	if (name && (!c->name || !streq(c->name, name))) {
		free(c->name);
		c->name = xstrdup(name);
		changed = true;
	}
	if (image && (!c->image || !streq(c->image, image))) {
		free(c->image);
		c->image = xstrdup(image);
		changed = true;
	}
	if (changed)
		set_ref(c);
	/* an id seen again after its destroy event (a replayed event): alive as far as we know */
	return ci;
}

const struct am_container *addrmap_get(const struct addrmap *m, int ci)
{
	return ci >= 0 && (size_t)ci < m->nc && m->c[ci].used ? &m->c[ci] : NULL;
}

void addrmap_ref(struct addrmap *m, int ci)
{
	if (ci >= 0 && (size_t)ci < m->nc)
		m->c[ci].refs++;
}

static void maybe_free(struct addrmap *m, int ci)
{
	struct am_container *c = &m->c[ci];
	if (c->used && c->gone && c->refs == 0)
		container_free(c);
}

void addrmap_unref(struct addrmap *m, int ci)
{
	if (ci < 0 || (size_t)ci >= m->nc || !m->c[ci].refs)
		return;
	m->c[ci].refs--;
	maybe_free(m, ci);
}

static struct am_node *node_get(const struct addrmap *m, const struct flow_addr *a)
{
	for (struct am_node *n = m->tab[addr_hash(a) & (m->nbuckets - 1)]; n; n = n->next)
		if (flow_addr_eq(&n->a, a))
			return n;
	return NULL;
}

static void grow(struct addrmap *m)
{
	size_t nb = m->nbuckets * 2;
	struct am_node **t = xcalloc(nb, sizeof(*t));
	for (size_t b = 0; b < m->nbuckets; b++) {
		struct am_node *n = m->tab[b];
		while (n) {
			struct am_node *next = n->next;
			size_t k = addr_hash(&n->a) & (nb - 1);
			n->next = t[k];
			t[k] = n;
			n = next;
		}
	}
	free(m->tab);
	m->tab = t;
	m->nbuckets = nb;
}

static struct am_node *node_add(struct addrmap *m, const struct flow_addr *a)
{
	struct am_node *n = node_get(m, a);
	if (n)
		return n;
	if (m->naddrs + 1 > m->nbuckets)
		grow(m);
	n = xcalloc(1, sizeof(*n));
	n->a = *a;
	size_t k = addr_hash(a) & (m->nbuckets - 1);
	n->next = m->tab[k];
	m->tab[k] = n;
	m->naddrs++;
	return n;
}

static bool same_net(const char *a, const char *b)
{
	return (!a && !b) || (a && b && streq(a, b));
}

void addrmap_open(struct addrmap *m, int ci, const struct flow_addr *a, const char *network,
                  uint64_t t_ns)
{
	if (!addrmap_get(m, ci) || !flow_addr_is_set(a))
		return;
	struct am_node *n = node_add(m, a);
	uint64_t from = t_ns > AM_EARLY_NS ? t_ns - AM_EARLY_NS : 0;
	for (size_t i = 0; i < n->n; i++) {
		struct am_iv *iv = &n->iv[i];
		if (iv->until == AM_OPEN && iv->ci == ci) {
			if (!same_net(iv->network, network) && network) {
				free(iv->network);
				iv->network = xstrdup(network);
			}
			return;
		}
	}
	for (size_t i = 0; i < n->n; i++) {
		struct am_iv *iv = &n->iv[i];
		/* someone else still holds it: they must have let it go (an event we missed) */
		if (iv->until == AM_OPEN)
			iv->until = t_ns > iv->from ? t_ns : iv->from + 1;
		if (iv->until > from && iv->until <= t_ns)
			from = iv->until;
	}
	n->iv = xrealloc(n->iv, (n->n + 1) * sizeof(*n->iv));
	n->iv[n->n].ci = ci;
	n->iv[n->n].network = xstrdup0(network);
	n->iv[n->n].from = from;
	n->iv[n->n].until = AM_OPEN;
	n->n++;
	m->nivs++;
	m->c[ci].refs++;
}

void addrmap_close(struct addrmap *m, int ci, const char *network, uint64_t t_ns)
{
	for (size_t b = 0; b < m->nbuckets; b++)
		for (struct am_node *n = m->tab[b]; n; n = n->next)
			for (size_t i = 0; i < n->n; i++) {
				struct am_iv *iv = &n->iv[i];
				if (iv->ci != ci || iv->until != AM_OPEN)
					continue;
				if (network && iv->network && !streq(iv->network, network))
					continue;
				iv->until = t_ns > iv->from ? t_ns : iv->from + 1;
			}
}

void addrmap_gone(struct addrmap *m, int ci, uint64_t t_ns)
{
	if (!addrmap_get(m, ci))
		return;
	addrmap_close(m, ci, NULL, t_ns);
	m->c[ci].gone = true;
	maybe_free(m, ci);
}

int addrmap_lookup(const struct addrmap *m, const struct flow_addr *a, uint64_t t_ns)
{
	const struct am_node *n = node_get(m, a);
	if (!n)
		return -1;
	const struct am_iv *best = NULL;
	for (size_t i = 0; i < n->n; i++) {
		const struct am_iv *iv = &n->iv[i];
		if (iv->from <= t_ns && t_ns < iv->until && (!best || iv->from > best->from))
			best = iv;
	}
	return best ? best->ci : -1;
}

size_t addrmap_open_count(const struct addrmap *m, int ci)
{
	size_t k = 0;
	for (size_t b = 0; b < m->nbuckets; b++)
		for (struct am_node *n = m->tab[b]; n; n = n->next)
			for (size_t i = 0; i < n->n; i++)
				k += n->iv[i].ci == ci && n->iv[i].until == AM_OPEN;
	return k;
}

size_t addrmap_open_containers(const struct addrmap *m, int **ret)
{
	int *v = NULL;
	size_t k = 0;
	for (size_t ci = 0; ci < m->nc; ci++)
		if (m->c[ci].used && addrmap_open_count(m, (int)ci)) {
			v = xrealloc(v, (k + 1) * sizeof(*v));
			v[k++] = (int)ci;
		}
	*ret = v;
	return k;
}

void addrmap_prune(struct addrmap *m, uint64_t before_ns)
{
	for (size_t b = 0; b < m->nbuckets; b++) {
		struct am_node **pp = &m->tab[b];
		while (*pp) {
			struct am_node *n = *pp;
			size_t k = 0;
			for (size_t i = 0; i < n->n; i++) {
				if (n->iv[i].until != AM_OPEN && n->iv[i].until < before_ns) {
					int ci = n->iv[i].ci;
					free(n->iv[i].network);
					m->nivs--;
					addrmap_unref(m, ci);
					continue;
				}
				n->iv[k++] = n->iv[i];
			}
			n->n = k;
			if (k == 0) {
				*pp = n->next;
				free(n->iv);
				free(n);
				m->naddrs--;
				continue;
			}
			pp = &n->next;
		}
	}
	for (size_t i = 0; i < m->nc; i++)
		maybe_free(m, (int)i);
	while (m->nc && !m->c[m->nc - 1].used)
		m->nc--;
}

size_t addrmap_n_intervals(const struct addrmap *m)
{
	return m->nivs;
}

size_t addrmap_n_containers(const struct addrmap *m)
{
	size_t k = 0;
	for (size_t i = 0; i < m->nc; i++)
		k += m->c[i].used;
	return k;
}

bool addrmap_parse_cidr(const char *s, struct flow_addr *ret_net, int *ret_prefix)
{
	if (!s || !*s)
		return false;
	char buf[128];
	/* a longer text is no address: cut short, its prefix would change meaning */
	if (strlen(s) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	int prefix = -1;
	if (slash) {
		*slash = '\0';
		char *end;
		errno = 0;
		long p = strtol(slash + 1, &end, 10);
		/* checked before the cast: 4294967304 is not /8 */
		if (*end || end == slash + 1 || errno || p < 0 || p > 128)
			return false;
		prefix = (int)p;
	}
	struct flow_addr a;
	if (!flow_addr_parse(buf, &a))
		return false;
	int max = a.family == AF_INET ? 32 : 128;
	if (prefix < 0)
		prefix = max;
	if (prefix > max)
		return false;
	/* the network part only: 10.1.2.3/8 means 10.0.0.0/8 */
	for (int i = 0; i < 16; i++) {
		int bits = prefix - i * 8;
		if (bits >= 8)
			continue;
		a.b[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
	*ret_net = a;
	*ret_prefix = prefix;
	return true;
}

bool addrmap_cidr_has(const struct flow_addr *net, int prefix, const struct flow_addr *a)
{
	if (net->family != a->family)
		return false;
	int full = prefix / 8, rest = prefix % 8;
	if (memcmp(net->b, a->b, (size_t)full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (net->b[full] & mask) == (a->b[full] & mask);
}

void addrmap_subnet(struct addrmap *m, const struct flow_addr *net, int prefix)
{
	for (size_t i = 0; i < m->nsn; i++)
		if (m->sn[i].prefix == prefix && flow_addr_eq(&m->sn[i].net, net))
			return;
	m->sn = xrealloc(m->sn, (m->nsn + 1) * sizeof(*m->sn));
	m->sn[m->nsn].net = *net;
	m->sn[m->nsn].prefix = prefix;
	m->nsn++;
}

bool addrmap_in_subnets(const struct addrmap *m, const struct flow_addr *a)
{
	for (size_t i = 0; i < m->nsn; i++)
		if (addrmap_cidr_has(&m->sn[i].net, m->sn[i].prefix, a))
			return true;
	return false;
}
