/* fuzz_rtnl.c: raw rtnetlink answers (RTM_NEWLINK dumps) through the link parser: attribute
 * walking, nested IFLA_LINKINFO, names and addresses of any length. */
#include <stdint.h>

#include "sources/rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* netlink messages are 4-byte aligned in the kernel's buffer: keep that */
	void *buf = xmalloc(size ? size : 1);
	memcpy(buf, data, size);
	struct rtnl_links l = {0};
	rtnl_parse_links(buf, size, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct rtnl_link *k = &l.v[i];
		char mac[64];
		rtnl_mac_str(k, mac, sizeof(mac));
		if (strnlen(k->name, sizeof(k->name)) >= sizeof(k->name) ||
		    strnlen(k->kind, sizeof(k->kind)) >= sizeof(k->kind))
			__builtin_trap();
		if (k->mac_len < 0 || (size_t)k->mac_len > sizeof(k->mac))
			__builtin_trap();
		rtnl_link_by_index(&l, k->link);
		rtnl_link_by_name(&l, k->name);
	}
	rtnl_links_free(&l);
	free(buf);
	return 0;
}
