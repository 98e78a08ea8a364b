/* fuzz_boltdb.c: a bbolt file (libnetwork's local-kv.db) through the reader: every top-level
 * bucket and the buckets nested in them are walked, then libnetwork's networks are read into
 * the /networks shape and through the network map. The reader copies the input into a buffer of
 * exactly its size, so ASan sees any read past the file. */
#include <stdint.h>

#include "model/netmap.h"
#include "sources/boltdb.h"
#include "sources/ondisk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAMES 8

struct names {
	char *v[NAMES];
	size_t n;
	size_t keys;
};

static int collect(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, bool bucket,
                   void *ctx)
{
	struct names *nm = ctx;
	nm->keys++;
	if (bucket && (val || vlen))
		__builtin_trap(); /* a bucket has no value */
	if (!bucket && vlen && !val)
		__builtin_trap();
	/* touch every byte, so ASan checks the whole key and value */
	volatile uint8_t x = 0;
	for (size_t i = 0; i < klen; i++)
		x ^= key[i];
	for (size_t i = 0; i < vlen; i++)
		x ^= val[i];
	(void)x;
	if (bucket && nm->n < NAMES && klen > 0 && !memchr(key, '\0', klen))
		nm->v[nm->n++] = xstrndup((const char *)key, klen);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bolt *b = NULL;
	struct cirt_err e = {0};
	if (bolt_open_mem(data, size, &b, &e) == 0) {
		struct names top = {0};
		(void)bolt_foreach(b, NULL, 0, collect, &top, &e);
		for (size_t i = 0; i < top.n; i++) {
			struct names sub = {0};
			const char *p1[] = {top.v[i]};
			(void)bolt_foreach(b, p1, 1, collect, &sub, &e);
			for (size_t k = 0; k < sub.n; k++) {
				struct names leaf = {0};
				const char *p2[] = {top.v[i], sub.v[k]};
				(void)bolt_foreach(b, p2, 2, collect, &leaf, &e);
				for (size_t j = 0; j < leaf.n; j++)
					free(leaf.v[j]);
				free(sub.v[k]);
			}
			free(top.v[i]);
		}
		const char *first = NULL;
		if (bolt_damage(b, &first) && !first)
			__builtin_trap();
		bolt_close(b);
	} else if (!e.msg[0])
		__builtin_trap();

	json_t *notes = json_array(), *nets = NULL;
	if (ondisk_networks_mem(data, size, "fuzz", &nets, notes, &e) == 0) {
		struct netmap *m = xcalloc(1, sizeof(*m));
		netmap_parse_networks(m, nets);
		netmap_free(m);
		char *s = json_dumps(nets, JSON_COMPACT);
		if (!s)
			__builtin_trap();
		free(s);
		json_decref(nets);
	}
	json_decref(notes);
	return 0;
}
