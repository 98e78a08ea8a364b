/* firewall.h: the host's packet filter and NAT rules, read from iptables-save (nf_tables and
 * legacy backends, IPv4 and IPv6) and from `nft -j list ruleset` (native nftables tables such
 * as Engine 29's docker-bridges), parsed into one flat list of rules. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum fw_source {
	FW_IPT_NFT = 0,    /* iptables-nft: xtables rules kept in nf_tables */
	FW_IPT_LEGACY = 1, /* iptables-legacy: the old x_tables kernel interface */
	FW_NFT = 2,        /* native nftables tables (nft), not written by iptables-nft */
	FW_NSOURCES
};
const char *fw_source_name(enum fw_source s);

struct fw_chain {
	enum fw_source source;
	int family;       /* 4 or 6; 0 for an nft family that is neither (inet, bridge, ...) */
	char *nft_family; /* nft: "ip", "ip6", "inet", ...; NULL for iptables */
	char *table;
	char *name;
	char *policy; /* base chains: ACCEPT/DROP ("accept"/"drop" for nft); NULL for user chains */
	char *hook;   /* nft base chains: "prerouting", ...; iptables built-ins: the chain's name */
};

struct fw_rule {
	enum fw_source source;
	int family;  /* 4 or 6 as its addresses say (0: nft inet/bridge/arp tables, no address) */
	int tfamily; /* the family of its table and chain (fw_chain.family): 0 for nft inet */
	char *table;
	char *chain;
	char *text; /* one line: the rule as iptables-save printed it, or rebuilt from nft JSON */
	/* what was understood of it (NULL / 0 when absent) */
	char *src; /* "172.17.0.0/16", "172.17.0.2/32", "192.0.2.2" */
	bool src_neg;
	char *dst;
	bool dst_neg;
	char *in_if;
	bool in_neg;
	char *out_if;
	bool out_neg;
	char *proto; /* "tcp", "udp", ... */
	int dport_lo, dport_hi;
	bool dst_local; /* -m addrtype --dst-type LOCAL, or fib daddr type local */
	char *verdict;  /* upper case for statements (ACCEPT DROP RETURN DNAT SNAT MASQUERADE
	                   REDIRECT  REJECT LOG ...), the chain's name for a jump/goto, "VMAP" for an
	                   nft verdict  map, NULL when none */
	bool jump;      /* verdict names a chain */
	char *to_addr;  /* DNAT/SNAT target address (no port) */
	int to_port;    /* DNAT/REDIRECT target port (first of a range), 0 when unchanged */
	char *comment;
	char *vmap_targets; /* nft verdict map: the chains its elements jump to, space-separated */
	bool opaque; /* nft "xt" expression: an iptables-nft rule whose details nft cannot show */
};

struct fw_ruleset {
	struct fw_rule *rules;
	size_t n_rules;
	struct fw_chain *chains;
	size_t n_chains;
	unsigned present;       /* bit (1 << source) for every source that holds a chain */
	bool read[FW_NSOURCES]; /* the source could be read (tool present, ran, parsed) */
	char **notes;           /* what could not be read and why */
	size_t n_notes;
};

/* Read everything: iptables-nft-save, iptables-legacy-save, ip6tables-*-save (legacy only
 * when the kernel has legacy tables), and `nft -j list ruleset` for tables that iptables-nft
 * does not own. Tools are looked up in /usr/sbin, /sbin, /usr/bin, /bin before $PATH. A missing
 * tool or a failing one becomes a note, not an error: the rest is still reported. */
int fw_load(struct fw_ruleset *ret, struct cirt_err *err);
/* The same in two steps, so the tools run while the caller waits for something else (the
 * daemon): fw_start runs them, fw_finish reads and parses their output and frees the job;
 * fw_job_free reaps an unfinished job (after an error). */
struct fw_job;
struct fw_job *fw_start(void);
int fw_finish(struct fw_job *job, struct fw_ruleset *ret, struct cirt_err *err);
void fw_job_free(struct fw_job *job);
void fw_ruleset_free(struct fw_ruleset *rs);

/* Parsers (exposed for unit tests). */
int fw_parse_iptables_save(struct fw_ruleset *rs, enum fw_source src, int family, const char *text);
/* skip: nft families+tables already read through iptables-nft ("ip nat", "ip6 filter"),
 * NULL-terminated; may be NULL. */
int fw_parse_nft_json(struct fw_ruleset *rs, json_t *root, const char *const *skip);

void fw_note(struct fw_ruleset *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const struct fw_chain *fw_chain_find(const struct fw_ruleset *rs, enum fw_source src, int family,
                                     const char *table, const char *name);
/* Is the chain reached from a hook (a built-in or base chain, or a chain jumped to from one)? */
bool fw_chain_reachable(const struct fw_ruleset *rs, const struct fw_chain *c);
/* The same for every chain at once: an array parallel to rs->chains (caller frees). */
bool *fw_reachability(const struct fw_ruleset *rs);
/* The chain a rule sits in, NULL when its chain was not listed. */
const struct fw_chain *fw_rule_chain(const struct fw_ruleset *rs, const struct fw_rule *r);

json_t *fw_rule_to_json(const struct fw_rule *r);
