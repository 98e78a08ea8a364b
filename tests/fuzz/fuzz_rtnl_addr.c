/* fuzz_rtnl_addr.c: raw rtnetlink answers through the address (RTM_NEWADDR) and route
 * (RTM_NEWROUTE) parsers of cirt net. The first byte picks the parser. */
#include <stdint.h>

#include "sources/rtnl_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	void *buf = xmalloc(size);
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1) {
		struct rtnl_routes r = {0};
		rtnl_parse_routes(buf, size - 1, &r);
		rtnl_routes_free(&r);
	} else {
		struct rtnl_addrs a = {0};
		rtnl_parse_addrs(buf, size - 1, &a);
		rtnl_addrs_free(&a);
	}
	free(buf);
	return 0;
}
