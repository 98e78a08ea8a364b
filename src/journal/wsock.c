/* wsock.c: the socket events table: open addressing keyed by protocol, destination and ports
 * (the source address is compared, not hashed, so that an unbound UDP socket's wildcard source
 * finds its flows). */
#include "journal/wsock.h"

#include <netinet/in.h>

#include "util.h"

struct wstab {
	struct wptab *procs;
	struct wsock *v;
	size_t cap, n;
	uint64_t dropped;
};

struct wstab *wstab_new(struct wptab *procs)
{
	struct wstab *t = xcalloc(1, sizeof(*t));
	t->procs = procs;
	t->cap = 4096;
	t->v = xcalloc(t->cap, sizeof(*t->v));
	return t;
}

void wstab_free(struct wstab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i].used)
			wproc_unref(t->procs, t->v[i].p);
	free(t->v);
	free(t);
}

size_t wstab_size(const struct wstab *t)
{
	return t->n;
}

uint64_t wstab_dropped(const struct wstab *t)
{
	return t->dropped;
}

static uint32_t key_hash(uint8_t proto, const struct flow_addr *dst, uint16_t sport, uint16_t dport)
{
	uint32_t h = 2166136261u ^ proto;
	for (int i = 0; i < 16; i++)
		h = (h ^ dst->b[i]) * 16777619u;
	h = (h ^ sport) * 16777619u;
	h = (h ^ dport) * 16777619u;
	return h ^ (h >> 13);
}

static size_t home_of(const struct wstab *t, const struct wsock *s)
{
	return key_hash(s->proto, &s->dst, s->sport, s->dport) & (t->cap - 1);
}

static bool same_key(const struct wsock *e, uint8_t proto, const struct flow_addr *src,
                     uint16_t sport, const struct flow_addr *dst, uint16_t dport)
{
	return e->proto == proto && e->sport == sport && e->dport == dport &&
	       flow_addr_eq(&e->dst, dst) && (e->any_src || flow_addr_eq(&e->src, src));
}

static void del_at(struct wstab *t, size_t i)
{
	wproc_unref(t->procs, t->v[i].p);
	t->v[i].used = 0;
	t->v[i].p = NULL;
	t->n--;
	for (size_t j = (i + 1) & (t->cap - 1); t->v[j].used; j = (j + 1) & (t->cap - 1)) {
		size_t h = home_of(t, &t->v[j]);
		bool between = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (between)
			continue;
		t->v[i] = t->v[j];
		t->v[j].used = 0;
		t->v[j].p = NULL;
		i = j;
	}
}

void wstab_take(struct wstab *t, struct wsock *s)
{
	if (s && s->used)
		del_at(t, (size_t)(s - t->v));
}

static uint64_t ttl_ms(const struct wsock *s)
{
	return s->proto == IPPROTO_UDP ? WSOCK_TTL_UDP_MS : WSOCK_TTL_TCP_MS;
}

void wstab_sweep(struct wstab *t, uint64_t now_ms)
{
	for (size_t i = 0; i < t->cap;) {
		struct wsock *e = &t->v[i];
		if (e->used && e->seen_ms + ttl_ms(e) <= now_ms) {
			del_at(t, i); /* may shift a later entry into slot i: look at it again */
			continue;
		}
		i++;
	}
}

static void grow(struct wstab *t)
{
	struct wsock *old = t->v;
	size_t oc = t->cap;
	t->cap *= 2;
	t->v = xcalloc(t->cap, sizeof(*t->v));
	for (size_t i = 0; i < oc; i++)
		if (old[i].used) {
			size_t k = home_of(t, &old[i]);
			while (t->v[k].used)
				k = (k + 1) & (t->cap - 1);
			t->v[k] = old[i];
		}
	free(old);
}

void wstab_add(struct wstab *t, const struct wsock *s, uint64_t now_ms)
{
	size_t i = home_of(t, s);
	for (; t->v[i].used; i = (i + 1) & (t->cap - 1)) {
		struct wsock *e = &t->v[i];
		if (e->kind == s->kind && e->netns == s->netns && e->any_src == s->any_src &&
		    same_key(e, s->proto, &s->src, s->sport, &s->dst, s->dport)) {
			struct wproc *old = e->p;
			*e = *s;
			e->used = 1;
			e->seen_ms = now_ms;
			wproc_ref(e->p);
			wproc_unref(t->procs, old);
			return;
		}
	}
	if (t->n >= WSOCK_MAX) {
		wstab_sweep(t, now_ms);
		if (t->n >= WSOCK_MAX) {
			t->dropped++;
			return;
		}
	}
	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	i = home_of(t, s);
	while (t->v[i].used)
		i = (i + 1) & (t->cap - 1);
	struct wsock *e = &t->v[i];
	*e = *s;
	e->used = 1;
	e->seen_ms = now_ms;
	wproc_ref(e->p);
	t->n++;
}

/* the most recent entry for the key whose kind passes (accept: only accepts; else: the rest) */
static struct wsock *lookup(struct wstab *t, uint8_t proto, const struct flow_addr *src,
                            uint16_t sport, const struct flow_addr *dst, uint16_t dport,
                            uint64_t netns, bool accept)
{
	struct wsock *best = NULL;
	for (size_t i = key_hash(proto, dst, sport, dport) & (t->cap - 1); t->v[i].used;
	     i = (i + 1) & (t->cap - 1)) {
		struct wsock *e = &t->v[i];
		if ((e->kind == WSOCK_ACCEPT) != accept || (netns && e->netns != netns) ||
		    !same_key(e, proto, src, sport, dst, dport))
			continue;
		/* an exact source beats a wildcard one, then the newer wins */
		if (!best || (best->any_src && !e->any_src) ||
		    (best->any_src == e->any_src && e->t_ns > best->t_ns))
			best = e;
	}
	return best;
}

struct wsock *wstab_find(struct wstab *t, uint8_t proto, const struct flow_addr *src,
                         uint16_t sport, const struct flow_addr *dst, uint16_t dport,
                         uint64_t netns, uint64_t now_ms)
{
	struct wsock *s = lookup(t, proto, src, sport, dst, dport, netns, false);
	if (s)
		s->seen_ms = now_ms;
	return s;
}

struct wsock *wstab_match_flow(struct wstab *t, const struct flow *f, bool *ret_accept,
                               uint64_t now_ms)
{
	if (!t->n)
		return NULL;
	struct wsock *s =
	    lookup(t, f->proto, &f->orig.src, f->orig.sport, &f->orig.dst, f->orig.dport, 0, false);
	bool acc = false;
	if (!s && f->reply.src.family) {
		s = lookup(t, f->proto, &f->reply.src, f->reply.sport, &f->reply.dst,
		           f->reply.dport, 0, true);
		acc = s != NULL;
	}
	if (!s && !f->reply.src.family) {
		/* no reply tuple known: the mirror of the original */
		s = lookup(t, f->proto, &f->orig.dst, f->orig.dport, &f->orig.src, f->orig.sport, 0,
		           true);
		acc = s != NULL;
	}
	if (s)
		s->seen_ms = now_ms;
	*ret_accept = acc;
	return s;
}
