/* fuzz_demux.c: the stdout/stderr stream demultiplexer of logs/attach, fed in arbitrary pieces:
 * what it yields per stream must not depend on how the bytes were cut. */
#include <stdint.h>

#include "sources/docker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct split {
	struct buf s[3];
};

static bool on_frame(int stream, const char *d, size_t len, void *ud)
{
	struct split *sp = ud;
	if (stream < 0 || stream > 2)
		__builtin_trap();
	buf_append(&sp->s[stream], d, len);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	bool raw = data[0] & 1;
	size_t step = data[1] ? data[1] : 1;
	data += 2;
	size -= 2;
	struct split whole = {0}, pieces = {0};
	struct docker_demux m1, m2;
	docker_demux_init(&m1, raw, on_frame, &whole);
	bool ok1 = docker_demux_feed(&m1, (const char *)data, size);
	docker_demux_init(&m2, raw, on_frame, &pieces);
	bool ok2 = true;
	for (size_t off = 0; off < size && ok2;) {
		size_t n = size - off < step ? size - off : step;
		ok2 = docker_demux_feed(&m2, (const char *)data + off, n);
		off += n;
		step = step * 7 % 251 + 1;
	}
	if (ok1 != ok2 || m1.bad != m2.bad)
		__builtin_trap();
	size_t total = 0;
	for (int s = 0; s < 3; s++) {
		if (whole.s[s].len != pieces.s[s].len ||
		    (whole.s[s].len &&
		     memcmp(whole.s[s].data, pieces.s[s].data, whole.s[s].len) != 0))
			__builtin_trap();
		total += whole.s[s].len;
		buf_free(&whole.s[s]);
		buf_free(&pieces.s[s]);
	}
	if (total > size) /* payload never exceeds what came in */
		__builtin_trap();
	return 0;
}
