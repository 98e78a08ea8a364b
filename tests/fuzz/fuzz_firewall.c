/* fuzz_firewall.c: the firewall parsers of cirt net: iptables-save text (either backend, IPv4 or
 * IPv6) and `nft -j list ruleset` JSON. Rule comments and chain names are set by whoever holds
 * CAP_NET_ADMIN on the host, a privileged container included. The first byte picks the parser. */
#include <stdint.h>

#include "sources/firewall.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned sel = data[0];
	char *text = xstrndup((const char *)data + 1, size - 1);
	struct fw_ruleset rs = {0};
	if (sel & 1) {
		json_t *j = json_loads(text, 0, NULL);
		static const char *const skip[] = {"ip nat", "ip6 filter", NULL};
		if (j)
			fw_parse_nft_json(&rs, j, (sel & 2) ? skip : NULL);
		json_decref(j);
	} else {
		fw_parse_iptables_save(&rs, (sel & 2) ? FW_IPT_LEGACY : FW_IPT_NFT,
		                       (sel & 4) ? 6 : 4, text);
	}
	for (size_t i = 0; i < rs.n_rules; i++) {
		json_t *o = fw_rule_to_json(&rs.rules[i]);
		char *s = json_dumps(o, JSON_COMPACT);
		if (!s)
			__builtin_trap(); /* every rule must come out as valid JSON */
		free(s);
		json_decref(o);
		/* no check of dport_lo <= dport_hi: an inverted range is kept as written, and the
		 * network map simply never matches it */
	}
	for (size_t i = 0; i < rs.n_chains; i++) {
		const struct fw_chain *c = &rs.chains[i];
		fw_chain_reachable(&rs, c);
		if (fw_chain_find(&rs, c->source, c->family, c->table, c->name) == NULL)
			__builtin_trap();
	}
	fw_ruleset_free(&rs);
	free(text);
	return 0;
}
