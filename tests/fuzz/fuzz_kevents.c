/* fuzz_kevents.c: the kernel-events decoder (kev_decode: one BPF ring-buffer record into an
 * event) on any bytes, checking that every piece of the event lies inside the record; and, on the
 * same bytes as text, the cgroup hierarchy choice from mountinfo and the container id of a cgroup
 * path. Seeds: records the BPF program wrote on the lab, and the lab's own mountinfo. */
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "sources/kevents.h"
#include "sources/kevents_int.h"

static struct kev_event e;

static void inside(const uint8_t *buf, size_t size, struct kev_bytes b, size_t max)
{
	if (!b.p) {
		CHECK(b.len == 0);
		return;
	}
	CHECK(b.len <= max);
	CHECK((const uint8_t *)b.p >= buf && (const uint8_t *)b.p + b.len <= buf + size);
	/* read every byte: ASan stops at the first one past the record */
	volatile uint8_t sum = 0;
	for (size_t i = 0; i < b.len; i++)
		sum += (uint8_t)b.p[i];
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: a read past the end is ASan's */
	uint8_t *buf = xmalloc(size ? size : 1);
	memcpy(buf, data, size);
	int r = kev_decode(buf, size, &e);
	if (r == 0) {
		CHECK(e.kind >= KEV_EXEC && e.kind < KEV_KINDS);
		CHECK(e.argc <= KEV_ARGV_MAX);
		CHECK(e.pid >= 0 && e.ppid >= 0 && e.tid >= 0);
		inside(buf, size, e.comm, 16);
		inside(buf, size, e.cgname, 128);
		inside(buf, size, e.exe, 512);
		size_t total = 0;
		for (size_t i = 0; i < e.argc; i++) {
			inside(buf, size, e.argv[i], 2048);
			total += e.argv[i].len;
		}
		CHECK(total <= 2048);
		CHECK(e.container[0] == '\0');
		if (e.kind >= KEV_CONNECT) {
			CHECK(e.proto == IPPROTO_TCP || e.proto == IPPROTO_UDP);
			CHECK(e.src.family == AF_INET || e.src.family == AF_INET6);
		}
	} else {
		CHECK(r == -EBADMSG);
	}
	free(buf);

	char *s = xstrndup((const char *)data, size);
	struct kev_hier h;
	if (kev_hier_parse(s, size & 1, &h) == 0) {
		CHECK(h.mount[0] != '\0' && strlen(h.mount) < sizeof(h.mount));
		CHECK(h.v2 || h.controllers[0]);
	}
	char id[65];
	if (kev_cgpath_container(s, id))
		CHECK(strlen(id) == 64);
	free(s);
	return 0;
}
