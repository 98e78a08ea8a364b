/* rules.c: generation and application of the isolation rules (see rules.h for the layout). */
#include "contain/rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>

#include "contain/exec.h"

#define TOOL_TIMEOUT_MS 30000

const char *fw_backend_name(enum fw_backend b)
{
	switch (b) {
	case FW_IPTABLES:
		return "iptables";
	case FW_NFT:
		return "nft";
	default:
		return "auto";
	}
}

int fw_backend_parse(const char *s)
{
	if (streq(s, "auto"))
		return FW_AUTO;
	if (streq(s, "iptables"))
		return FW_IPTABLES;
	if (streq(s, "nft") || streq(s, "nftables"))
		return FW_NFT;
	return -1;
}

void iso_spec_clear(struct iso_spec *s)
{
	strv_clear(&s->addr4);
	strv_clear(&s->addr6);
	strv_clear(&s->veths);
	strv_clear(&s->allow4);
	strv_clear(&s->allow6);
}

char *fw_chain(const char *id)
{
	return xasprintf("CIRT-%.20s", id);
}

char *fw_table(const char *id)
{
	return xasprintf("cirt-%s", id);
}

char *fw_tag(const char *id)
{
	return xasprintf("cirt:%s", id);
}

bool fw_cidr_normalize(const char *in, char *out, size_t n, bool *ret_v6)
{
	if (!in || !*in || strlen(in) > 64)
		return false;
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s", in);
	char *slash = strchr(tmp, '/');
	long prefix = -1;
	if (slash) {
		*slash = '\0';
		char *end;
		if (!slash[1] || !isdigit((unsigned char)slash[1]))
			return false;
		prefix = strtol(slash + 1, &end, 10);
		if (*end)
			return false;
	}
	unsigned char b[16];
	int af;
	size_t bytes;
	if (inet_pton(AF_INET, tmp, b) == 1) {
		af = AF_INET;
		bytes = 4;
	} else if (inet_pton(AF_INET6, tmp, b) == 1) {
		af = AF_INET6;
		bytes = 16;
	} else
		return false;
	long maxp = (long)bytes * 8;
	if (prefix < 0)
		prefix = maxp;
	if (prefix > maxp)
		return false;
	for (size_t i = 0; i < bytes; i++) {
		long bit0 = (long)i * 8;
		if (bit0 >= prefix)
			b[i] = 0;
		else if (bit0 + 8 > prefix)
			b[i] &= (unsigned char)(0xff << (8 - (prefix - bit0)));
	}
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(af, b, a, sizeof(a)))
		return false;
	snprintf(out, n, "%s/%ld", a, prefix);
	if (ret_v6)
		*ret_v6 = af == AF_INET6;
	return true;
}

bool fw_ifname_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 15)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.@-", *p))
			return false;
	return true;
}

bool fw_line_is_ours(const char *line, const char *id)
{
	_cleanup_free_ char *q = xasprintf("--comment \"cirt:%s\"", id);
	_cleanup_free_ char *u = xasprintf("--comment cirt:%s", id);
	const char *p = strstr(line, q);
	if (p)
		return true;
	p = strstr(line, u);
	return p && (p[strlen(u)] == ' ' || p[strlen(u)] == '\0' || p[strlen(u)] == '\n');
}

/* ------------------------------------------------------------------ text */

static void ipt_jump(struct buf *b, const char *hook, const char *match, const char *tag,
                     const char *chain)
{
	buf_printf(b, "-I %s 1 %s -m comment --comment %s -j %s\n", hook, match, tag, chain);
}

char *fw_ipt_apply_text(const struct iso_spec *s, const struct strv *existing)
{
	_cleanup_free_ char *chain = fw_chain(s->id);
	_cleanup_free_ char *tag = fw_tag(s->id);
	struct buf b = {0};
	buf_printf(&b, "*filter\n:%s - [0:0]\n", chain);
	/* allowed peers RETURN to the hook chain, which then meets any other container's jump:
	 * an allowed address that is itself isolated stays unreachable */
	for (size_t i = 0; i < s->addr4.n; i++)
		for (size_t k = 0; k < s->allow4.n; k++) {
			buf_printf(&b, "-A %s -s %s/32 -d %s -m comment --comment %s -j RETURN\n",
			           chain, s->addr4.v[i], s->allow4.v[k], tag);
			buf_printf(&b, "-A %s -s %s -d %s/32 -m comment --comment %s -j RETURN\n",
			           chain, s->allow4.v[k], s->addr4.v[i], tag);
		}
	buf_printf(&b, "-A %s -m comment --comment %s -j DROP\n", chain, tag);
	for (size_t i = 0; existing && i < existing->n; i++) {
		const char *l = existing->v[i];
		if (startswith(l, "-A "))
			buf_printf(&b, "-D %s\n", l + 3);
	}
	/* -I ... 1 in reverse of the wanted order */
	for (size_t i = 0; s->physdev && i < s->veths.n; i++) {
		_cleanup_free_ char *m = xasprintf("-m physdev --physdev-in %s", s->veths.v[i]);
		ipt_jump(&b, "INPUT", m, tag, chain);
		ipt_jump(&b, "DOCKER-USER", m, tag, chain);
	}
	for (size_t i = 0; i < s->addr4.n; i++) {
		_cleanup_free_ char *src = xasprintf("-s %s/32", s->addr4.v[i]);
		_cleanup_free_ char *dst = xasprintf("-d %s/32", s->addr4.v[i]);
		ipt_jump(&b, "OUTPUT", dst, tag, chain);
		ipt_jump(&b, "INPUT", src, tag, chain);
		ipt_jump(&b, "DOCKER-USER", dst, tag, chain);
		ipt_jump(&b, "DOCKER-USER", src, tag, chain);
	}
	buf_printf(&b, "COMMIT\n");
	buf_cstr(&b);
	return b.data;
}

char *fw_ipt_remove_text(const char *id, const struct strv *existing, bool chain_exists)
{
	if ((!existing || existing->n == 0) && !chain_exists)
		return NULL;
	_cleanup_free_ char *chain = fw_chain(id);
	struct buf b = {0};
	buf_printf(&b, "*filter\n");
	for (size_t i = 0; existing && i < existing->n; i++)
		if (startswith(existing->v[i], "-A "))
			buf_printf(&b, "-D %s\n", existing->v[i] + 3);
	if (chain_exists)
		buf_printf(&b, "-F %s\n-X %s\n", chain, chain);
	buf_printf(&b, "COMMIT\n");
	buf_cstr(&b);
	return b.data;
}

static void nft_set(struct buf *b, const struct strv *v, bool quote)
{
	buf_printf(b, "{ ");
	for (size_t i = 0; i < v->n; i++)
		buf_printf(b, quote ? "%s\"%s\"" : "%s%s", i ? ", " : "", v->v[i]);
	buf_printf(b, " }");
}

/* "table F NAME" + "delete table F NAME": the table is gone afterwards whether or not it
 * existed (nft 1.0.6 has no "destroy"), in the same atomic transaction as what follows */
static void nft_reset(struct buf *b, const char *family, const char *table)
{
	buf_printf(b, "table %s %s\ndelete table %s %s\n", family, table, family, table);
}

char *fw_nft_l2_text(const struct iso_spec *s)
{
	_cleanup_free_ char *table = fw_table(s->id);
	_cleanup_free_ char *tag = fw_tag(s->id);
	struct buf b = {0};
	nft_reset(&b, "bridge", table);
	buf_printf(&b, "table bridge %s {\n", table);
	static const char *const dirs[2][4] = {
	    /* chain, hook, interface match, address direction */
	    {"from_container", "prerouting", "iifname", "daddr"},
	    {"to_container", "postrouting", "oifname", "saddr"},
	};
	bool any_allow = s->allow4.n || s->allow6.n;
	for (int d = 0; d < 2; d++) {
		buf_printf(
		    &b, "  chain %s {\n    type filter hook %s priority filter; policy accept;\n",
		    dirs[d][0], dirs[d][1]);
		if (any_allow) {
			buf_printf(&b, "    %s ", dirs[d][2]);
			nft_set(&b, &s->veths, true);
			buf_printf(&b, " ether type arp accept comment \"%s\"\n", tag);
		}
		if (s->allow4.n) {
			buf_printf(&b, "    %s ", dirs[d][2]);
			nft_set(&b, &s->veths, true);
			buf_printf(&b, " ip %s ", dirs[d][3]);
			nft_set(&b, &s->allow4, false);
			buf_printf(&b, " accept comment \"%s\"\n", tag);
		}
		if (s->allow6.n) {
			buf_printf(&b, "    %s ", dirs[d][2]);
			nft_set(&b, &s->veths, true);
			buf_printf(&b,
			           " icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } "
			           "accept comment \"%s\"\n",
			           tag);
			buf_printf(&b, "    %s ", dirs[d][2]);
			nft_set(&b, &s->veths, true);
			buf_printf(&b, " ip6 %s ", dirs[d][3]);
			nft_set(&b, &s->allow6, false);
			buf_printf(&b, " accept comment \"%s\"\n", tag);
		}
		buf_printf(&b, "    %s ", dirs[d][2]);
		nft_set(&b, &s->veths, true);
		buf_printf(&b, " counter drop comment \"%s\"\n  }\n", tag);
	}
	buf_printf(&b, "}\n");
	buf_cstr(&b);
	return b.data;
}

/* one family (ip/ip6) of the L3 nft chains */
static void nft_l3_family(struct buf *b, const char *fam, const struct strv *addrs,
                          const struct strv *allow, const char *tag, bool fwd, bool in, bool out)
{
	if (!addrs->n)
		return;
	/* forward: both directions; input: from the container; output: to the container */
	const char *dirs[2][2] = {{"saddr", "daddr"}, {"daddr", "saddr"}};
	for (int d = 0; d < 2; d++) {
		if ((d == 0 && !(fwd || in)) || (d == 1 && !(fwd || out)))
			continue;
		if (allow->n) {
			buf_printf(b, "    %s %s ", fam, dirs[d][0]);
			nft_set(b, addrs, false);
			buf_printf(b, " %s %s ", fam, dirs[d][1]);
			nft_set(b, allow, false);
			buf_printf(b, " accept comment \"%s\"\n", tag);
		}
		buf_printf(b, "    %s %s ", fam, dirs[d][0]);
		nft_set(b, addrs, false);
		buf_printf(b, " counter drop comment \"%s\"\n", tag);
	}
}

char *fw_nft_l3_text(const struct iso_spec *s)
{
	_cleanup_free_ char *table = fw_table(s->id);
	_cleanup_free_ char *tag = fw_tag(s->id);
	struct buf b = {0};
	nft_reset(&b, "inet", table);
	buf_printf(&b, "table inet %s {\n", table);
	static const char *const hooks[3] = {"forward", "input", "output"};
	for (int h = 0; h < 3; h++) {
		buf_printf(
		    &b,
		    "  chain %s {\n    type filter hook %s priority filter - 10; policy accept;\n",
		    hooks[h], hooks[h]);
		nft_l3_family(&b, "ip", &s->addr4, &s->allow4, tag, h == 0, h == 1, h == 2);
		nft_l3_family(&b, "ip6", &s->addr6, &s->allow6, tag, h == 0, h == 1, h == 2);
		buf_printf(&b, "  }\n");
	}
	buf_printf(&b, "}\n");
	buf_cstr(&b);
	return b.data;
}

char *fw_nft_remove_text(const char *family, const char *id)
{
	_cleanup_free_ char *table = fw_table(id);
	struct buf b = {0};
	nft_reset(&b, family, table);
	buf_cstr(&b);
	return b.data;
}

/* ------------------------------------------------------------------ tools */

static int run_tool(char *const argv[], const char *in, struct exec_result *r, struct cirt_err *err)
{
	if (exec_run(argv, in, TOOL_TIMEOUT_MS, r, err) < 0)
		return -1;
	return 0;
}

static char *first_line(const struct buf *b)
{
	if (!b->len)
		return xstrdup("");
	const char *s = b->data;
	size_t n = strcspn(s, "\n");
	/* nft prints "Error: ..." then the offending line: keep both */
	if (s[n] == '\n' && s[n + 1]) {
		size_t m = strcspn(s + n + 1, "\n");
		return xasprintf("%.*s: %.*s", (int)n, s, (int)m, s + n + 1);
	}
	return xstrndup(s, n);
}

/* A tool's standard output when it ran and exited 0; NULL otherwise. */
static char *tool_output(char *const argv[])
{
	struct exec_result r;
	struct cirt_err e = {0};
	char *out = NULL;
	if (run_tool(argv, NULL, &r, &e) == 0 && r.status == 0)
		out = xstrdup(r.out.data ? r.out.data : "");
	exec_result_clear(&r);
	return out;
}

/* Feed TEXT to a tool on its standard input; a non-zero exit is an error naming its message. */
static int tool_feed(char *const argv[], const char *text, struct cirt_err *err)
{
	struct exec_result r;
	if (run_tool(argv, text, &r, err) < 0)
		return -1;
	int rc = 0;
	if (r.status != 0) {
		_cleanup_free_ char *m = first_line(&r.err);
		rc = err_set(err, CIRT_EXIT_RUNTIME, "%s failed (exit %d): %s", argv[0], r.status,
		             m);
	}
	exec_result_clear(&r);
	return rc;
}

enum fw_backend fw_detect(void)
{
	char *const argv[] = {"iptables", "-w", "10", "-S", "DOCKER-USER", NULL};
	_cleanup_free_ char *out = tool_output(argv);
	return out ? FW_IPTABLES : FW_NFT;
}

bool fw_br_netfilter(void)
{
	_cleanup_free_ char *v = NULL;
	if (read_file_max(AT_FDCWD, "/proc/sys/net/bridge/bridge-nf-call-iptables", 16, &v, NULL) <
	        0 ||
	    !v)
		return false;
	return v[0] == '1';
}

static void each_line(const char *text, void (*fn)(const char *line, void *ud), void *ud)
{
	const char *p = text;
	while (p && *p) {
		size_t n = strcspn(p, "\n");
		_cleanup_free_ char *l = xstrndup(p, n);
		fn(l, ud);
		p += n;
		if (*p)
			p++;
	}
}

struct scan_all {
	const char *id;
	const char *chain;
	struct strv *hooks, *rules;
	bool exists;
};

static void scan_line(const char *line, void *ud)
{
	struct scan_all *u = ud;
	static const char *const hooks[] = {"-A DOCKER-USER ", "-A INPUT ", "-A OUTPUT "};
	if (startswith(line, "-N ") && streq(line + 3, u->chain)) {
		u->exists = true;
		return;
	}
	if (!startswith(line, "-A ") || !fw_line_is_ours(line, u->id))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++)
		if (startswith(line, hooks[i])) {
			strv_add(u->hooks, line);
			return;
		}
	if (u->rules && startswith(line + 3, u->chain) && line[3 + strlen(u->chain)] == ' ')
		strv_add(u->rules, line);
}

int fw_ipt_scan(const char *id, struct strv *ret_lines, bool *ret_chain_exists,
                struct strv *ret_chain_rules, struct cirt_err *err)
{
	*ret_chain_exists = false;
	if (!exec_have("iptables"))
		return 0;
	/* one listing of the whole filter table: our jumps in the hooks, and our chain */
	char *const argv[] = {"iptables", "-w", "10", "-S", NULL};
	struct exec_result r;
	if (run_tool(argv, NULL, &r, err) < 0)
		return -1;
	if (r.status != 0) {
		_cleanup_free_ char *m = first_line(&r.err);
		exec_result_clear(&r);
		return err_set(err, CIRT_EXIT_RUNTIME, "iptables -S failed: %s", m);
	}
	_cleanup_free_ char *chain = fw_chain(id);
	struct scan_all u = {
	    .id = id, .chain = chain, .hooks = ret_lines, .rules = ret_chain_rules};
	each_line(r.out.data, scan_line, &u);
	exec_result_clear(&r);
	*ret_chain_exists = u.exists;
	return 0;
}

char *fw_nft_list(const char *family, const char *id)
{
	if (!exec_have("nft"))
		return NULL;
	_cleanup_free_ char *table = fw_table(id);
	char *const argv[] = {"nft", "list", "table", (char *)family, table, NULL};
	return tool_output(argv);
}

int fw_ipt_restore(const char *text, struct cirt_err *err)
{
	char *const argv[] = {"iptables-restore", "-w", "10", "--noflush", NULL};
	return tool_feed(argv, text, err);
}

int fw_nft_apply(const char *text, struct cirt_err *err)
{
	char *const argv[] = {"nft", "-f", "-", NULL};
	return tool_feed(argv, text, err);
}

static bool ipt_is_nft(void)
{
	char *const argv[] = {"iptables", "-V", NULL};
	_cleanup_free_ char *out = tool_output(argv);
	return out && strstr(out, "nf_tables");
}

static char *nft_chain_list(const char *name)
{
	char *const argv[] = {"nft", "list", "chain", "ip", "filter", (char *)name, NULL};
	return tool_output(argv);
}

void fw_base_chains_missing(struct strv *ret)
{
	if (!exec_have("nft") || !ipt_is_nft())
		return;
	static const char *const hooks[] = {"INPUT", "OUTPUT"};
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		_cleanup_free_ char *l = nft_chain_list(hooks[i]);
		if (!l)
			strv_add(ret, hooks[i]);
	}
}

bool fw_base_chain_drop_if_empty(const char *name, bool dry_run, json_t *changes)
{
	_cleanup_free_ char *l = nft_chain_list(name);
	if (!l)
		return false;
	/* a listing with no rule: table, chain, type line, closing braces */
	size_t lines = 0;
	for (const char *p = l; *p; p++)
		if (*p == '\n')
			lines++;
	if (lines > 5)
		return false;
	_cleanup_free_ char *text = xasprintf("delete chain ip filter %s\n", name);
	if (changes)
		json_array_append_new(changes, fw_change("nft", text));
	if (dry_run)
		return true;
	struct cirt_err e = {0};
	return fw_nft_apply(text, &e) == 0;
}

json_t *fw_change(const char *tool, const char *text)
{
	json_t *o = json_object();
	json_t *argv = json_array();
	if (streq(tool, "iptables-restore")) {
		const char *a[] = {"iptables-restore", "-w", "10", "--noflush"};
		for (size_t i = 0; i < ARRAY_SIZE(a); i++)
			json_array_append_new(argv, json_string(a[i]));
	} else {
		const char *a[] = {"nft", "-f", "-"};
		for (size_t i = 0; i < ARRAY_SIZE(a); i++)
			json_array_append_new(argv, json_string(a[i]));
	}
	json_object_set_new(o, "kind", json_string("firewall"));
	json_object_set_new(o, "argv", argv);
	json_object_set_new(o, "stdin", json_string(text));
	return o;
}

int fw_remove_all(const char *id, bool dry_run, json_t *ret_changes, bool *ret_removed,
                  struct cirt_err *err)
{
	*ret_removed = false;
	struct strv lines = {0};
	bool chain = false;
	if (fw_ipt_scan(id, &lines, &chain, NULL, err) < 0) {
		strv_clear(&lines);
		return -1;
	}
	_cleanup_free_ char *ipt = fw_ipt_remove_text(id, &lines, chain);
	strv_clear(&lines);
	if (ipt) {
		*ret_removed = true;
		if (ret_changes)
			json_array_append_new(ret_changes, fw_change("iptables-restore", ipt));
		if (!dry_run && fw_ipt_restore(ipt, err) < 0)
			return -1;
	}
	static const char *const fams[] = {"bridge", "inet"};
	for (size_t i = 0; i < ARRAY_SIZE(fams); i++) {
		_cleanup_free_ char *l = fw_nft_list(fams[i], id);
		if (!l)
			continue;
		*ret_removed = true;
		_cleanup_free_ char *t = fw_nft_remove_text(fams[i], id);
		if (ret_changes)
			json_array_append_new(ret_changes, fw_change("nft", t));
		if (!dry_run && fw_nft_apply(t, err) < 0)
			return -1;
	}
	return 0;
}
