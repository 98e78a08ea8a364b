/* fuzz_ondisk.c: the daemon's records on disk (config.v2.json, then a NUL, then hostconfig.json;
 * or runc's state.json) through the daemonless parser and into the model. */
#include <stdint.h>

#include "model/host.h"
#include "sources/ondisk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nul = memchr(p, '\0', size);
	size_t cl = nul ? (size_t)(nul - p) : size;
	const char *hc = nul ? nul + 1 : NULL;
	size_t hl = nul ? size - cl - 1 : 0;
	json_t *notes = json_array();
	json_t *j = ondisk_inspect_parse(p, cl, hc, hl, notes);
	if (j) {
		struct container c;
		if (container_from_inspect(j, &c) == 0) {
			json_t *o = container_to_json(&c);
			char *s = json_dumps(o, JSON_COMPACT);
			if (!s)
				__builtin_trap();
			free(s);
			json_decref(o);
			container_clear(&c);
		}
		json_decref(j);
	}
	json_decref(notes);
	struct ondisk_runc rs;
	if (ondisk_runc_parse(p, cl, &rs) && rs.pid <= 0)
		__builtin_trap();
	return 0;
}
