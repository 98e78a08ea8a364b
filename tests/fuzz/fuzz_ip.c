/* fuzz_ip.c: ip_normalize on arbitrary text: whatever it accepts, it renders canonically and
 * a second pass changes nothing. */
#include <arpa/inet.h>
#include <stdint.h>

#include "flow.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	if (ip_normalize(s, a, sizeof(a))) {
		if (!ip_normalize(a, b, sizeof(b)) || strcmp(a, b) != 0)
			__builtin_trap();
		unsigned char bin[16];
		if (inet_pton(AF_INET, a, bin) != 1 && inet_pton(AF_INET6, a, bin) != 1)
			__builtin_trap();
	}
	/* a short output buffer must fail cleanly, never overflow */
	char tiny[8];
	ip_normalize(s, tiny, sizeof(tiny));
	free(s);
	return 0;
}
