/* fuzz_list.c: the daemon's container list (GET /containers/json) as host_load indexes it, and
 * reference lookups (name, id, prefix) on that index. */
#include <stdint.h>

#include "model/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first line is a reference to look up, the rest the list */
	const char *p = (const char *)data;
	const char *nl = memchr(p, '\n', size);
	size_t rl = nl ? (size_t)(nl - p) : 0;
	char *ref = xstrndup(p, rl);
	json_t *list = json_loadb(p + (nl ? rl + 1 : 0), size - (nl ? rl + 1 : 0), 0, NULL);
	struct host idx = {0}, warn = {0};
	host_list_index(list, &idx, &warn);
	struct container *c;
	struct cirt_err e = {0};
	if (host_find(&idx, ref, &c, &e) == 0 && (c < idx.c || c >= idx.c + idx.n))
		__builtin_trap();
	for (size_t i = 0; i < idx.n; i++)
		container_clear(&idx.c[i]);
	free(idx.c);
	for (size_t i = 0; i < warn.n_warnings; i++)
		free(warn.warnings[i]);
	free(warn.warnings);
	json_decref(list);
	free(ref);
	return 0;
}
