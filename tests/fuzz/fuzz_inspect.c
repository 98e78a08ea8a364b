/* fuzz_inspect.c: Engine API inspect answers (one object, or an array of them) into the model:
 * container_from_inspect, the container:X join, lookups, and back to JSON. */
#include <stdint.h>

#include "model/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!j)
		return 0;
	struct host h = {0};
	size_t n = json_is_array(j) ? json_array_size(j) : 1;
	if (n > 64)
		n = 64;
	h.c = xcalloc(n + 1, sizeof(*h.c));
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_is_array(j) ? json_array_get(j, i) : j;
		if (container_from_inspect(item, &h.c[h.n]) == 0)
			h.n++;
	}
	host_link_shared(&h);
	for (size_t i = 0; i < h.n; i++) {
		struct container *c = &h.c[i];
		json_t *o = container_to_json(c);
		char *s = json_dumps(o, JSON_COMPACT);
		if (!s)
			__builtin_trap(); /* every string the model emits must be valid JSON */
		free(s);
		json_decref(o);
		struct container *f;
		struct cirt_err e = {0};
		if (host_find(&h, c->id, &f, &e) == 0 && !streq(f->id, c->id) &&
		    !streq(f->name, c->id))
			__builtin_trap();
		host_find(&h, c->name, &f, &e);
		for (size_t k = 0; k < c->n_eps; k++)
			if (c->eps[k].ipv4 && !container_has_ip(c, c->eps[k].ipv4)) {
				char norm[64];
				if (ip_normalize(c->eps[k].ipv4, norm, sizeof(norm)))
					__builtin_trap(); /* a valid address it holds must match
					                     itself */
			}
	}
	for (size_t i = 0; i < h.n; i++)
		container_clear(&h.c[i]);
	free(h.c);
	h.c = NULL;
	h.n = 0;
	host_free(NULL);
	json_decref(j);
	return 0;
}
