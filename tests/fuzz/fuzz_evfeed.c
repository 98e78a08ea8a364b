/* fuzz_evfeed.c: the live side of `cirt watch`: the bytes of the daemon's /events stream (a
 * daemon under an attacker's control can send anything, split anywhere, lines of any length)
 * through the feed's line splitter, replay filter and event parser, and the records into the
 * address map the watcher attributes flows with. The first byte picks how the stream arrives
 * (in chunks of 1 to 127 bytes, or whole); the feed is detached, so no daemon is asked anything.
 * Start events get an address as the daemon's inspect would give one (from the container id),
 * so that the map's intervals open, close and end. */
#include <stdint.h>

#include "journal/addrmap.h"
#include "journal/evfeed.h"
#include "fuzz.h"

/* an address the container "got": 10.x.y.z from its id */
static void give_address(struct evrec *r)
{
	uint32_t h = 2166136261u;
	for (const char *p = r->c.id; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	char text[32];
	snprintf(text, sizeof(text), "10.%u.%u.%u", (h >> 16) & 3, (h >> 8) & 255, h & 255);
	r->c.addrs = realloc(r->c.addrs, sizeof(*r->c.addrs));
	CHECK(r->c.addrs);
	r->c.addrs[0].network = strdup("fuzz");
	CHECK(flow_addr_parse(text, &r->c.addrs[0].a));
	r->c.n_addrs = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t chunk = data[0] & 127;
	data++;
	size--;
	struct cirt_err err = {0};
	struct evfeed *f = evfeed_detached(&err);
	CHECK(f);
	for (size_t off = 0; off < size;) {
		size_t n = chunk && size - off > chunk ? chunk : size - off;
		evfeed_feed(f, (const char *)data + off, n);
		off += n;
	}
	struct evrec *list = evfeed_take(f);
	struct addrmap *am = addrmap_new();
	uint64_t last = 0;
	for (struct evrec *r = list; r; r = r->next) {
		/* only daemon events come out of a stream, each with its journal line */
		CHECK(r->kind == EVR_EVENT);
		CHECK(r->c.id && r->t_ns > 0 && r->op != EVM_NONE);
		CHECK(json_is_object(r->line));
		const char *t = json_string_value(json_object_get(r->line, "t"));
		const char *type = json_string_value(json_object_get(r->line, "type"));
		CHECK(t && type && !strcmp(type, "docker"));
		CHECK(json_string_value(json_object_get(r->line, "action")));
		/* the line as the journal writes it: one line of valid JSON */
		char *s = json_dumps(r->line, JSON_COMPACT);
		CHECK(s && !strchr(s, '\n'));
		json_t *back = json_loads(s, 0, NULL);
		CHECK(back);
		json_decref(back);
		free(s);
		/* a replay of what was seen is dropped: time never goes back */
		CHECK(r->t_ns >= last);
		last = r->t_ns;
		if (r->op == EVM_OPEN && !r->network)
			give_address(r);
		evrec_apply(am, r);
		int ci = addrmap_find(am, r->c.id);
		if (r->op == EVM_OPEN && r->c.n_addrs) {
			CHECK(ci >= 0);
			CHECK(addrmap_lookup(am, &r->c.addrs[0].a, r->t_ns) >= 0);
		}
		if (r->op == EVM_GONE && ci >= 0)
			CHECK(addrmap_open_count(am, ci) == 0);
	}
	evrec_free_list(list);
	addrmap_free(am);
	evfeed_stop(f);
	return 0;
}
