/* rules.h: the firewall rules that isolate one container: text for iptables-restore and nft,
 * generated from one spec, applied and removed through the tools (fork/exec, never a shell).
 *
 * Three layers, each owned by one container and named after its id:
 *  - L2, always: nft table `bridge cirt-<id>`: every frame entering the bridge from the
 *    container's host-side veth (hook prerouting) or leaving the bridge into it (hook
 *    postrouting) is dropped, except ARP and IP to/from --allow addresses. Bridge-family hooks
 *    see same-bridge traffic whether or not br_netfilter is loaded, and routed traffic too.
 *  - L3, backend iptables (Docker's iptables integration: DOCKER-USER exists): a chain
 *    CIRT-<20 hex of id> (RETURN for allowed peers, then DROP), jumped to from DOCKER-USER
 *    (forwarded), INPUT (to the host) and OUTPUT (from the host) for the container's addresses,
 *    and from DOCKER-USER/INPUT for its veth (-m physdev) when br_netfilter hands bridged
 *    frames to iptables. Every rule carries the comment cirt:<id>.
 *  - L3, backend nft (Docker's native nftables, or no DOCKER-USER): table `inet cirt-<id>`
 *    with forward/input/output chains doing the same by address.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h" /* struct strv */

enum fw_backend { FW_AUTO = 0, FW_IPTABLES, FW_NFT };
const char *fw_backend_name(enum fw_backend b);
/* "iptables"/"nft" -> backend; FW_AUTO for "auto"; -1 when unknown. */
int fw_backend_parse(const char *s);

struct iso_spec {
	char id[65];
	struct strv addr4, addr6;   /* the container's addresses */
	struct strv veths;          /* host-side veth names */
	struct strv allow4, allow6; /* CIDRs, normalized (network/prefix) */
	bool physdev; /* br_netfilter hands bridged IPv4 to iptables: match the veth too */
};
void iso_spec_clear(struct iso_spec *s);

/* Names: iptables chain "CIRT-<20 hex>", nft tables "cirt-<id>", the rule comment "cirt:<id>". */
char *fw_chain(const char *id);
char *fw_table(const char *id);
char *fw_tag(const char *id);

/* Normalize an --allow value: ADDR or ADDR/PREFIX, IPv4 or IPv6, host bits cleared.
 * Writes "10.0.0.0/24" or "2001:db8::/64" into out; *ret_v6 tells the family. */
bool fw_cidr_normalize(const char *in, char *out, size_t n, bool *ret_v6);
/* Is a name safe to put in a rule (interface names: [A-Za-z0-9_.@-], 1..15 chars)? */
bool fw_ifname_ok(const char *s);

/* Lines of `iptables -S CHAIN` that carry our tag (exact: "cirt:<id>" as a whole comment). */
bool fw_line_is_ours(const char *line, const char *id);

/* --- text generation (pure; unit-tested) --- */
/* iptables-restore --noflush input that (re)creates the chain and its jumps atomically,
 * deleting the jumps listed in existing (lines from iptables -S, "-A CHAIN ..."). */
char *fw_ipt_apply_text(const struct iso_spec *s, const struct strv *existing);
/* iptables-restore --noflush input that deletes the existing jumps and the chain (if it exists);
 * NULL when there is nothing to remove. */
char *fw_ipt_remove_text(const char *id, const struct strv *existing, bool chain_exists);
/* nft -f input that replaces (atomically) the table bridge cirt-<id>. */
char *fw_nft_l2_text(const struct iso_spec *s);
/* nft -f input that replaces the table inet cirt-<id> (backend nft). */
char *fw_nft_l3_text(const struct iso_spec *s);
/* nft -f input that deletes table FAMILY cirt-<id> whether or not it exists. */
char *fw_nft_remove_text(const char *family, const char *id);

/* --- tools --- */
/* Which backend Docker uses here: iptables when `iptables -S DOCKER-USER` works, else nft. */
enum fw_backend fw_detect(void);
/* br_netfilter on: /proc/sys/net/bridge/bridge-nf-call-iptables is 1. */
bool fw_br_netfilter(void);
/* Our jump lines in DOCKER-USER, INPUT and OUTPUT, and whether our chain exists. Missing
 * DOCKER-USER is not an error (nothing of ours can be there). */
int fw_ipt_scan(const char *id, struct strv *ret_lines, bool *ret_chain_exists,
                struct strv *ret_chain_rules, struct cirt_err *err);
/* The listing of an nft table (NULL when it does not exist). */
char *fw_nft_list(const char *family, const char *id);
/* Run iptables-restore -w 10 --noflush (stdin: text) or nft -f - (stdin: text). */
int fw_ipt_restore(const char *text, struct cirt_err *err);
int fw_nft_apply(const char *text, struct cirt_err *err);

/* iptables-nft creates its base chains (INPUT, OUTPUT) in nftables only when a rule first
 * needs them. Which of the hooks we jump from do not exist yet (empty for legacy iptables)? */
void fw_base_chains_missing(struct strv *ret);
/* Delete the iptables-nft base chain NAME of table ip filter if it holds no rule (nft refuses a
 * chain with rules). Returns true when it was deleted (or dry_run and it would be). */
bool fw_base_chain_drop_if_empty(const char *name, bool dry_run, json_t *changes);

/* The whole change for one spec as JSON for dry-run/audit: [{"tool","argv","stdin"}...]. */
json_t *fw_change(const char *tool, const char *text);

/* Remove every rule, chain and table of ours for this id, whatever the state file says.
 * ret_changes (may be NULL) gets the changes made (or that would be made, with dry_run).
 * *ret_removed tells whether anything was there. */
int fw_remove_all(const char *id, bool dry_run, json_t *ret_changes, bool *ret_removed,
                  struct cirt_err *err);
