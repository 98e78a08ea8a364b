/* firewall.c: run iptables-save / ip6tables-save (both backends) and `nft -j list ruleset`,
 * and parse what they print into one list of chains and rules. */
#include "sources/firewall.h"

#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "escape.h"
#include "json.h"

#define FW_MAX_OUTPUT (64u << 20)
#define FW_TIMEOUT_MS 10000

const char *fw_source_name(enum fw_source s)
{
	switch (s) {
	case FW_IPT_NFT:
		return "iptables-nft";
	case FW_IPT_LEGACY:
		return "iptables-legacy";
	case FW_NFT:
		return "nftables";
	default:
		return "unknown";
	}
}

void fw_note(struct fw_ruleset *rs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&rs->notes, &rs->n_notes, fmt, ap);
	va_end(ap);
}

static void rule_clear(struct fw_rule *r)
{
	free(r->table);
	free(r->chain);
	free(r->text);
	free(r->src);
	free(r->dst);
	free(r->in_if);
	free(r->out_if);
	free(r->proto);
	free(r->verdict);
	free(r->to_addr);
	free(r->comment);
	free(r->vmap_targets);
}

void fw_ruleset_free(struct fw_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_rules; i++)
		rule_clear(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->n_chains; i++) {
		free(rs->chains[i].nft_family);
		free(rs->chains[i].table);
		free(rs->chains[i].name);
		free(rs->chains[i].policy);
		free(rs->chains[i].hook);
	}
	free(rs->chains);
	for (size_t i = 0; i < rs->n_notes; i++)
		free(rs->notes[i]);
	free(rs->notes);
	memset(rs, 0, sizeof(*rs));
}

static struct fw_chain *add_chain(struct fw_ruleset *rs, enum fw_source src, int family,
                                  const char *table, const char *name)
{
	rs->chains = xrealloc(rs->chains, (rs->n_chains + 1) * sizeof(*rs->chains));
	struct fw_chain *c = &rs->chains[rs->n_chains++];
	memset(c, 0, sizeof(*c));
	c->source = src;
	c->family = family;
	c->table = xstrdup(table);
	c->name = xstrdup(name);
	rs->present |= 1u << src;
	return c;
}

static struct fw_rule *add_rule(struct fw_ruleset *rs, enum fw_source src, int family,
                                const char *table, const char *chain)
{
	rs->rules = xrealloc(rs->rules, (rs->n_rules + 1) * sizeof(*rs->rules));
	struct fw_rule *r = &rs->rules[rs->n_rules++];
	memset(r, 0, sizeof(*r));
	r->source = src;
	r->family = family;
	r->tfamily = family;
	r->table = xstrdup(table);
	r->chain = xstrdup(chain);
	return r;
}

const struct fw_chain *fw_chain_find(const struct fw_ruleset *rs, enum fw_source src, int family,
                                     const char *table, const char *name)
{
	for (size_t i = 0; i < rs->n_chains; i++) {
		const struct fw_chain *c = &rs->chains[i];
		if (c->source == src && c->family == family && streq(c->table, table) &&
		    streq(c->name, name))
			return c;
	}
	return NULL;
}

/* ------------------------------------------------------------------ iptables-save */

/* Split one iptables-save line into words; "quoted strings" keep spaces, \" and \\ unescape. */
static char **split_words(const char *line, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		struct buf w = {0};
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				buf_append(&w, p, 1);
				p++;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ' ' && *p != '\t') {
				buf_append(&w, p, 1);
				p++;
			}
		}
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = w.data ? w.data : xstrdup("");
	}
	*ret_n = n;
	return v;
}

static void free_words(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void parse_ports(const char *s, int *lo, int *hi)
{
	char *end;
	long a = strtol(s, &end, 10);
	if (end == s || a < 0 || a > 65535)
		return;
	long b = a;
	if (*end == ':' || *end == '-') {
		const char *q = end + 1;
		b = strtol(q, &end, 10);
		if (end == q || b < a || b > 65535)
			b = a;
	}
	*lo = (int)a;
	*hi = (int)b;
}

/* "172.17.0.2:80", "172.17.0.2-172.17.0.9:80-90", "[fd00::2]:80", "fd00::2", ":80" */
static void parse_nat_to(struct fw_rule *r, const char *s)
{
	char addr[128] = "";
	const char *port = NULL;
	if (*s == '[') {
		const char *e = strchr(s, ']');
		if (!e)
			return;
		snprintf(addr, sizeof(addr), "%.*s", (int)(e - s - 1), s + 1);
		if (e[1] == ':')
			port = e + 2;
	} else if (r->family == 6 || strchr(s, ':') != strrchr(s, ':')) {
		snprintf(addr, sizeof(addr), "%s", s);
	} else {
		const char *c = strchr(s, ':');
		snprintf(addr, sizeof(addr), "%.*s", c ? (int)(c - s) : (int)strlen(s), s);
		if (c)
			port = c + 1;
	}
	char *dash = strchr(addr, '-');
	if (dash)
		*dash = '\0';
	free(r->to_addr);
	r->to_addr = addr[0] ? xstrdup(addr) : NULL;
	if (port) {
		int lo = 0, hi = 0;
		parse_ports(port, &lo, &hi);
		r->to_port = lo;
	}
}

static const char *const ipt_builtin[] = {"PREROUTING", "INPUT",       "FORWARD",
                                          "OUTPUT",     "POSTROUTING", NULL};

static bool is_builtin(const char *name)
{
	for (size_t i = 0; ipt_builtin[i]; i++)
		if (streq(name, ipt_builtin[i]))
			return true;
	return false;
}

static void parse_ipt_rule(struct fw_ruleset *rs, enum fw_source src, int family, const char *table,
                           const char *line)
{
	size_t n;
	char **w = split_words(line, &n);
	if (n < 2) {
		free_words(w, n);
		return;
	}
	struct fw_rule *r = add_rule(rs, src, family, table, w[1]);
	r->text = xstrdup(line);
	bool neg = false;
	for (size_t i = 2; i < n; i++) {
		const char *o = w[i];
		const char *v = i + 1 < n ? w[i + 1] : NULL;
		if (streq(o, "!")) {
			neg = true;
			continue;
		}
		bool used = true;
		if ((streq(o, "-s") || streq(o, "--source")) && v) {
			free(r->src);
			r->src = xstrdup(v);
			r->src_neg = neg;
		} else if ((streq(o, "-d") || streq(o, "--destination")) && v) {
			free(r->dst);
			r->dst = xstrdup(v);
			r->dst_neg = neg;
		} else if ((streq(o, "-i") || streq(o, "--in-interface")) && v) {
			free(r->in_if);
			r->in_if = xstrdup(v);
			r->in_neg = neg;
		} else if ((streq(o, "-o") || streq(o, "--out-interface")) && v) {
			free(r->out_if);
			r->out_if = xstrdup(v);
			r->out_neg = neg;
		} else if ((streq(o, "-p") || streq(o, "--protocol")) && v) {
			free(r->proto);
			r->proto = xstrdup(v);
		} else if ((streq(o, "--dport") || streq(o, "--destination-port") ||
		            streq(o, "--dports")) &&
		           v) {
			if (!neg)
				parse_ports(v, &r->dport_lo, &r->dport_hi);
		} else if (streq(o, "--dst-type") && v) {
			r->dst_local = !neg && streq(v, "LOCAL");
		} else if ((streq(o, "-j") || streq(o, "--jump") || streq(o, "-g") ||
		            streq(o, "--goto")) &&
		           v) {
			free(r->verdict);
			r->verdict = xstrdup(v);
		} else if ((streq(o, "--to-destination") || streq(o, "--to-source")) && v) {
			parse_nat_to(r, v);
		} else if (streq(o, "--to-ports") && v) {
			int lo = 0, hi = 0;
			parse_ports(v, &lo, &hi);
			r->to_port = lo;
		} else if (streq(o, "--comment") && v) {
			free(r->comment);
			r->comment = xstrdup(v);
		} else {
			used = false;
		}
		if (used)
			i++;
		neg = false;
	}
	free_words(w, n);
}

int fw_parse_iptables_save(struct fw_ruleset *rs, enum fw_source src, int family, const char *text)
{
	char table[64] = "";
	const char *p = text;
	size_t lines = 0;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		_cleanup_free_ char *line = xstrndup(p, len);
		p += len + (e ? 1 : 0);
		lines++;
		if (line[0] == '*') {
			snprintf(table, sizeof(table), "%s", line + 1);
		} else if (line[0] == ':' && table[0]) {
			char name[256], policy[32];
			if (sscanf(line + 1, "%255s %31s", name, policy) == 2) {
				struct fw_chain *c = add_chain(rs, src, family, table, name);
				if (!streq(policy, "-"))
					c->policy = xstrdup(policy);
				if (is_builtin(name)) {
					c->hook = xstrdup(name);
					for (char *q = c->hook; *q; q++)
						*q = (char)tolower((unsigned char)*q);
				}
			}
		} else if (startswith(line, "-A ") && table[0]) {
			parse_ipt_rule(rs, src, family, table, line);
		}
	}
	/* a verdict naming a chain of the same table is a jump */
	for (size_t i = 0; i < rs->n_rules; i++) {
		struct fw_rule *r = &rs->rules[i];
		if (r->source == src && r->family == family && r->verdict &&
		    fw_chain_find(rs, src, family, r->table, r->verdict))
			r->jump = true;
	}
	return (int)lines;
}

/* ------------------------------------------------------------------ nft -j */

static int nft_family(const char *f)
{
	if (!f)
		return 0;
	if (streq(f, "ip"))
		return 4;
	if (streq(f, "ip6"))
		return 6;
	return 0;
}

/* nft-like text of an expression operand */
static void nft_value(struct buf *b, json_t *v)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		bool plain = *s && strspn(s, "0123456789abcdefABCDEF.:/") == strlen(s);
		buf_printf(b, plain ? "%s" : "\"%s\"", s);
	} else if (json_is_integer(v)) {
		buf_printf(b, "%lld", (long long)json_integer_value(v));
	} else if (json_is_object(v) && jobj(v, "prefix")) {
		json_t *p = jobj(v, "prefix");
		buf_printf(b, "%s/%lld", jstr(p, "addr") ? jstr(p, "addr") : "?",
		           jint(p, "len", 0));
	} else if (json_is_object(v) && jarr(v, "range")) {
		json_t *r = jarr(v, "range");
		nft_value(b, json_array_get(r, 0));
		buf_printf(b, "-");
		nft_value(b, json_array_get(r, 1));
	} else if (json_is_array(v) || (json_is_object(v) && jarr(v, "set"))) {
		json_t *a = json_is_array(v) ? v : jarr(v, "set");
		size_t i;
		json_t *x;
		buf_printf(b, "{ ");
		json_array_foreach(a, i, x)
		{
			if (i)
				buf_printf(b, ", ");
			nft_value(b, x);
		}
		buf_printf(b, " }");
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		buf_printf(b, "%s", s ? s : "?");
		free(s);
	}
}

static char *nft_value_str(json_t *v)
{
	struct buf b = {0};
	nft_value(&b, v);
	return b.data ? b.data : xstrdup("");
}

/* plain text of an address operand: "a.b.c.d", "a.b.c.d/len" (sets and maps stay text) */
static char *nft_addr(json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_object(v) && jobj(v, "prefix")) {
		json_t *p = jobj(v, "prefix");
		return xasprintf("%s/%lld", jstr(p, "addr") ? jstr(p, "addr") : "",
		                 jint(p, "len", 0));
	}
	return nft_value_str(v);
}

static void nft_match(struct fw_rule *r, json_t *m, struct buf *t)
{
	json_t *left = jobj(m, "left");
	json_t *right = json_object_get(m, "right");
	const char *op = jstr(m, "op");
	bool neg = op && streq(op, "!=");
	json_t *meta = jobj(left, "meta");
	json_t *payload = jobj(left, "payload");
	json_t *fib = jobj(left, "fib");
	json_t *ct = jobj(left, "ct");
	if (meta && jstr(meta, "key")) {
		const char *k = jstr(meta, "key");
		buf_printf(t, "%s ", k);
		if ((streq(k, "iifname") || streq(k, "iif")) && json_is_string(right)) {
			free(r->in_if);
			r->in_if = xstrdup(json_string_value(right));
			r->in_neg = neg;
		} else if ((streq(k, "oifname") || streq(k, "oif")) && json_is_string(right)) {
			free(r->out_if);
			r->out_if = xstrdup(json_string_value(right));
			r->out_neg = neg;
		} else if (streq(k, "l4proto") && json_is_string(right) && !neg) {
			free(r->proto);
			r->proto = xstrdup(json_string_value(right));
		}
	} else if (payload && jstr(payload, "protocol") && jstr(payload, "field")) {
		const char *proto = jstr(payload, "protocol"), *field = jstr(payload, "field");
		buf_printf(t, "%s %s ", proto, field);
		bool l3 = streq(proto, "ip") || streq(proto, "ip6");
		if (l3 && r->family == 0)
			r->family = streq(proto, "ip") ? 4 : 6;
		if (l3 && streq(field, "saddr")) {
			free(r->src);
			r->src = nft_addr(right);
			r->src_neg = neg;
		} else if (l3 && streq(field, "daddr")) {
			free(r->dst);
			r->dst = nft_addr(right);
			r->dst_neg = neg;
		} else if (!l3 && streq(field, "dport")) {
			free(r->proto);
			r->proto = xstrdup(proto);
			if (!neg && json_is_integer(right)) {
				r->dport_lo = r->dport_hi = (int)json_integer_value(right);
			} else if (!neg && jarr(right, "range")) {
				r->dport_lo = (int)json_integer_value(
				    json_array_get(jarr(right, "range"), 0));
				r->dport_hi = (int)json_integer_value(
				    json_array_get(jarr(right, "range"), 1));
			}
		}
	} else if (fib) {
		buf_printf(t, "fib ");
		json_t *fl = jarr(fib, "flags");
		size_t i;
		json_t *x;
		json_array_foreach(fl, i, x)
		{
			if (json_is_string(x))
				buf_printf(t, "%s ", json_string_value(x));
		}
		buf_printf(t, "%s ", jstr(fib, "result") ? jstr(fib, "result") : "?");
		if (json_is_string(right) && streq(json_string_value(right), "local") && !neg)
			r->dst_local = true;
	} else if (ct && jstr(ct, "key")) {
		buf_printf(t, "ct %s ", jstr(ct, "key"));
	} else {
		char *s = nft_value_str(left);
		buf_printf(t, "%s ", s);
		free(s);
	}
	if (op && !streq(op, "==") && !streq(op, "in"))
		buf_printf(t, "%s ", op);
	char *s = nft_value_str(right);
	buf_printf(t, "%s ", s);
	free(s);
}

static void set_verdict(struct fw_rule *r, const char *v, bool jump)
{
	free(r->verdict);
	r->verdict = xstrdup(v);
	r->jump = jump;
}

static void nft_nat(struct fw_rule *r, const char *kind, json_t *arg, struct buf *t)
{
	char upper[16];
	snprintf(upper, sizeof(upper), "%s", kind);
	for (char *q = upper; *q; q++)
		*q = (char)toupper((unsigned char)*q);
	set_verdict(r, upper, false);
	buf_printf(t, "%s", kind);
	json_t *addr = json_object_get(arg, "addr");
	json_t *port = json_object_get(arg, "port");
	if (addr || port)
		buf_printf(t, " to ");
	if (addr) {
		free(r->to_addr);
		r->to_addr = json_is_string(addr) ? xstrdup(json_string_value(addr)) : NULL;
		char *s = nft_value_str(addr);
		bool v6 = json_is_string(addr) && strchr(s, ':');
		buf_printf(t, v6 && port ? "[%s]" : "%s", s);
		free(s);
	}
	if (port) {
		if (json_is_integer(port))
			r->to_port = (int)json_integer_value(port);
		else if (jarr(port, "range"))
			r->to_port =
			    (int)json_integer_value(json_array_get(jarr(port, "range"), 0));
		char *s = nft_value_str(port);
		buf_printf(t, ":%s", s);
		free(s);
	}
	buf_printf(t, " ");
}

struct nft_map {
	char *key; /* "family table name" */
	char *targets;
};

static void nft_rule(struct fw_ruleset *rs, json_t *o, int family, const struct nft_map *maps,
                     size_t n_maps)
{
	const char *table = jstr(o, "table"), *chain = jstr(o, "chain");
	if (!table || !chain)
		return;
	struct fw_rule *r = add_rule(rs, FW_NFT, family, table, chain);
	struct buf t = {0};
	json_t *expr = jarr(o, "expr");
	size_t i;
	json_t *e;
	json_array_foreach(expr, i, e)
	{
		const char *k;
		json_t *arg;
		json_object_foreach(e, k, arg)
		{
			if (streq(k, "match")) {
				nft_match(r, arg, &t);
			} else if (streq(k, "counter")) {
				buf_printf(&t, "counter ");
			} else if (streq(k, "dnat") || streq(k, "snat") || streq(k, "masquerade") ||
			           streq(k, "redirect")) {
				nft_nat(r, k, arg, &t);
			} else if (streq(k, "accept") || streq(k, "drop") || streq(k, "return") ||
			           streq(k, "reject") || streq(k, "continue")) {
				char up[16];
				snprintf(up, sizeof(up), "%s", k);
				for (char *q = up; *q; q++)
					*q = (char)toupper((unsigned char)*q);
				set_verdict(r, up, false);
				buf_printf(&t, "%s ", k);
			} else if ((streq(k, "jump") || streq(k, "goto")) && jstr(arg, "target")) {
				set_verdict(r, jstr(arg, "target"), true);
				buf_printf(&t, "%s %s ", k, jstr(arg, "target"));
			} else if (streq(k, "vmap")) {
				set_verdict(r, "VMAP", false);
				char *key = nft_value_str(json_object_get(arg, "key"));
				const char *data = jstr(arg, "data");
				buf_printf(&t, "%s vmap %s ", key, data ? data : "{...}");
				free(key);
				if (data && data[0] == '@') {
					_cleanup_free_ char *mk = xasprintf(
					    "%s %s %s", jstr(o, "family") ? jstr(o, "family") : "",
					    table, data + 1);
					/* a rule with two vmaps (or a map listed twice): the last
					 */
					for (size_t m = 0; m < n_maps; m++)
						if (streq(maps[m].key, mk) && maps[m].targets) {
							free(r->vmap_targets);
							r->vmap_targets = xstrdup(maps[m].targets);
						}
				}
			} else if (streq(k, "xt")) {
				/* an iptables-nft extension: nft cannot show its parameters */
				r->opaque = true;
				const char *nm = jstr(arg, "name") ? jstr(arg, "name") : "?";
				if (jstr(arg, "type") && streq(jstr(arg, "type"), "target"))
					set_verdict(r, nm, false);
				buf_printf(&t, "xt %s %s ",
				           jstr(arg, "type") ? jstr(arg, "type") : "?", nm);
			} else {
				buf_printf(&t, "%s ", k);
			}
		}
	}
	const char *cm = jstr(o, "comment");
	if (cm) {
		r->comment = xstrdup(cm);
		buf_printf(&t, "comment \"%s\" ", cm);
	}
	if (t.len && t.data[t.len - 1] == ' ')
		t.data[--t.len] = '\0';
	r->text = t.data ? t.data : xstrdup("");
}

static bool skipped(const char *const *skip, const char *family, const char *table)
{
	for (size_t i = 0; skip && skip[i]; i++) {
		const char *sp = strchr(skip[i], ' ');
		if (sp && strlen(family) == (size_t)(sp - skip[i]) &&
		    strncmp(skip[i], family, strlen(family)) == 0 && streq(sp + 1, table))
			return true;
	}
	return false;
}

int fw_parse_nft_json(struct fw_ruleset *rs, json_t *root, const char *const *skip)
{
	json_t *items = jarr(root, "nftables");
	if (!items)
		return -1;
	struct nft_map *maps = NULL;
	size_t n_maps = 0;
	size_t i;
	json_t *it;
	/* maps first: a vmap rule names its map, whose elements say where it jumps */
	json_array_foreach(items, i, it)
	{
		json_t *m = jobj(it, "map");
		if (!m || !jstr(m, "family") || !jstr(m, "table") || !jstr(m, "name"))
			continue;
		struct buf tg = {0};
		json_t *elems = jarr(m, "elem");
		size_t k;
		json_t *el;
		json_array_foreach(elems, k, el)
		{
			json_t *verdict = json_array_get(el, 1);
			json_t *j =
			    jobj(verdict, "jump") ? jobj(verdict, "jump") : jobj(verdict, "goto");
			if (jstr(j, "target"))
				buf_printf(&tg, "%s%s", tg.len ? " " : "", jstr(j, "target"));
		}
		maps = xrealloc(maps, (n_maps + 1) * sizeof(*maps));
		maps[n_maps].key =
		    xasprintf("%s %s %s", jstr(m, "family"), jstr(m, "table"), jstr(m, "name"));
		maps[n_maps].targets = tg.data;
		n_maps++;
	}
	json_array_foreach(items, i, it)
	{
		json_t *c = jobj(it, "chain");
		json_t *r = jobj(it, "rule");
		json_t *o = c ? c : r;
		if (!o)
			continue;
		const char *fam = jstr(o, "family"), *table = jstr(o, "table");
		if (!fam || !table || skipped(skip, fam, table))
			continue;
		if (c) {
			if (!jstr(c, "name"))
				continue;
			struct fw_chain *ch =
			    add_chain(rs, FW_NFT, nft_family(fam), table, jstr(c, "name"));
			ch->nft_family = xstrdup(fam);
			if (jstr(c, "hook"))
				ch->hook = xstrdup(jstr(c, "hook"));
			if (jstr(c, "policy"))
				ch->policy = xstrdup(jstr(c, "policy"));
		} else {
			nft_rule(rs, r, nft_family(fam), maps, n_maps);
		}
	}
	for (size_t m = 0; m < n_maps; m++) {
		free(maps[m].key);
		free(maps[m].targets);
	}
	free(maps);
	return 0;
}

/* ------------------------------------------------------------------ reachability */

static bool word_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ' ');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, w, n) == 0)
			return true;
		p = e ? e + 1 : p + l;
	}
	return false;
}

static ssize_t chain_index(const struct fw_ruleset *rs, enum fw_source src, int tfamily,
                           const char *table, const char *name)
{
	for (size_t i = 0; i < rs->n_chains; i++) {
		const struct fw_chain *c = &rs->chains[i];
		if (c->source == src && c->family == tfamily && streq(c->table, table) &&
		    streq(c->name, name))
			return (ssize_t)i;
	}
	return -1;
}

const struct fw_chain *fw_rule_chain(const struct fw_ruleset *rs, const struct fw_rule *r)
{
	ssize_t i = chain_index(rs, r->source, r->tfamily, r->table, r->chain);
	return i < 0 ? NULL : &rs->chains[i];
}

bool *fw_reachability(const struct fw_ruleset *rs)
{
	size_t nc = rs->n_chains;
	bool *reach = xcalloc(nc + 1, sizeof(*reach));
	for (size_t i = 0; i < nc; i++)
		reach[i] = rs->chains[i].hook != NULL;
	/* the edges once (rule's chain -> the chains it jumps to), then a fixpoint over them */
	struct edge {
		size_t from, to;
	} *e = NULL;
	size_t ne = 0;
	for (size_t k = 0; k < rs->n_rules; k++) {
		const struct fw_rule *r = &rs->rules[k];
		if (!r->verdict || (!r->jump && !r->vmap_targets))
			continue;
		ssize_t from = chain_index(rs, r->source, r->tfamily, r->table, r->chain);
		if (from < 0)
			continue;
		for (size_t i = 0; i < nc; i++) {
			const struct fw_chain *x = &rs->chains[i];
			if (x->source != r->source || x->family != r->tfamily ||
			    !streq(x->table, r->table))
				continue;
			if ((r->jump && streq(x->name, r->verdict)) ||
			    (r->vmap_targets && word_in(r->vmap_targets, x->name))) {
				e = xrealloc(e, (ne + 1) * sizeof(*e));
				e[ne++] = (struct edge){(size_t)from, i};
			}
		}
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t k = 0; k < ne; k++)
			if (reach[e[k].from] && !reach[e[k].to]) {
				reach[e[k].to] = true;
				changed = true;
			}
	}
	free(e);
	return reach;
}

bool fw_chain_reachable(const struct fw_ruleset *rs, const struct fw_chain *c)
{
	if (c->hook)
		return true;
	bool *reach = fw_reachability(rs);
	bool ok = reach[c - rs->chains];
	free(reach);
	return ok;
}

/* ------------------------------------------------------------------ running the tools */

static char *find_tool(const char *name)
{
	static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char *p = xasprintf("%s/%s", dirs[i], name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	const char *path = getenv("PATH");
	if (!path)
		return NULL;
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/')
			continue; /* a relative PATH entry would run whatever the cwd holds */
		char *p = xasprintf("%s/%s", d, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

struct run {
	const char *tool;
	const char *args[4];
	char *path;
	pid_t pid;
	int fd_out, fd_err;
	struct buf out, errb;
	int status;
	bool started, reaped, too_big, timed_out;
};

extern char **environ;

static bool run_start(struct run *r)
{
	r->fd_out = r->fd_err = -1;
	r->path = find_tool(r->tool);
	if (!r->path)
		return false;
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return false;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return false;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	char *argv[6] = {r->path};
	for (size_t i = 0; i < 4 && r->args[i]; i++)
		argv[i + 1] = (char *)r->args[i];
	/* a fixed environment: the tools' output must not depend on the caller's locale */
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	int e = posix_spawn(&r->pid, r->path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (e != 0) {
		close(po[0]);
		close(pe[0]);
		errno = e;
		return false;
	}
	r->fd_out = po[0];
	r->fd_err = pe[0];
	r->started = true;
	return true;
}

/* Read every started command's output at once, bounded in size and time, then reap them. */
static void run_collect(struct run *rs, size_t n)
{
	uint64_t deadline = now_ms() + FW_TIMEOUT_MS;
	char chunk[65536];
	for (;;) {
		struct pollfd pf[16];
		int *which[16];
		struct run *owner[16];
		nfds_t np = 0;
		for (size_t i = 0; i < n && np + 2 <= ARRAY_SIZE(pf); i++) {
			if (rs[i].fd_out >= 0) {
				pf[np] = (struct pollfd){.fd = rs[i].fd_out, .events = POLLIN};
				which[np] = &rs[i].fd_out;
				owner[np++] = &rs[i];
			}
			if (rs[i].fd_err >= 0) {
				pf[np] = (struct pollfd){.fd = rs[i].fd_err, .events = POLLIN};
				which[np] = &rs[i].fd_err;
				owner[np++] = &rs[i];
			}
		}
		if (np == 0)
			break;
		uint64_t now = now_ms();
		if (now >= deadline) {
			for (nfds_t k = 0; k < np; k++) {
				if (!owner[k]->timed_out)
					kill(owner[k]->pid, SIGKILL);
				owner[k]->timed_out = true;
				close(*which[k]);
				*which[k] = -1;
			}
			break;
		}
		int pr = poll(pf, np, (int)(deadline - now));
		if (pr < 0 && errno != EINTR)
			break;
		for (nfds_t k = 0; pr > 0 && k < np; k++) {
			if (!pf[k].revents)
				continue;
			ssize_t got = read(pf[k].fd, chunk, sizeof(chunk));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				close(*which[k]);
				*which[k] = -1;
				continue;
			}
			struct run *r = owner[k];
			struct buf *b = which[k] == &r->fd_out ? &r->out : &r->errb;
			if (b->len + (size_t)got > FW_MAX_OUTPUT) {
				r->too_big = true;
				kill(r->pid, SIGKILL);
				close(*which[k]);
				*which[k] = -1;
				continue;
			}
			buf_append(b, chunk, (size_t)got);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!rs[i].started || rs[i].reaped)
			continue;
		if (rs[i].fd_out >= 0)
			close(rs[i].fd_out);
		if (rs[i].fd_err >= 0)
			close(rs[i].fd_err);
		rs[i].fd_out = rs[i].fd_err = -1;
		int st = 0;
		while (waitpid(rs[i].pid, &st, 0) < 0 && errno == EINTR)
			;
		rs[i].status = st;
		rs[i].reaped = true;
	}
}

static void run_free(struct run *r)
{
	free(r->path);
	buf_free(&r->out);
	buf_free(&r->errb);
}

/* The first line of a tool's stderr, for a note. */
static char *first_line(struct buf *b)
{
	if (!b->len)
		return xstrdup("no message");
	const char *s = buf_cstr(b);
	const char *e = strchr(s, '\n');
	return xstrndup(s, e ? (size_t)(e - s) : strlen(s));
}

/* Did the run succeed? Otherwise a note says why. */
static bool run_ok(struct fw_ruleset *rs, struct run *r)
{
	if (!r->started) {
		if (!r->path)
			fw_note(rs, "%s: not installed", r->tool);
		else
			fw_note(rs, "%s: cannot run: %s", r->tool, strerror(errno));
		return false;
	}
	if (r->timed_out) {
		fw_note(rs, "%s: no answer within %d s, killed", r->tool, FW_TIMEOUT_MS / 1000);
		return false;
	}
	if (r->too_big) {
		fw_note(rs, "%s: output larger than %u MiB, ignored", r->tool, FW_MAX_OUTPUT >> 20);
		return false;
	}
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0) {
		_cleanup_free_ char *l = first_line(&r->errb);
		fw_note(rs, "%s failed (status %d): %s", r->tool,
		        WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128 + WTERMSIG(r->status),
		        l);
		return false;
	}
	return true;
}

/* Legacy x_tables exist in this namespace only when the kernel lists a table: checking first
 * avoids running (and module-loading) the legacy tool on hosts that never used it. */
static bool legacy_tables(const char *procfile)
{
	_cleanup_free_ char *s = NULL;
	size_t n = 0;
	if (read_file_max(AT_FDCWD, procfile, 4096, &s, &n) < 0)
		return false;
	return n > 0;
}

enum { R_NFT4, R_NFT6, R_LEG4, R_LEG6, R_NFTJ, R_N };

struct fw_job {
	struct run runs[R_N];
	bool want[R_N];
	bool plain;
};

struct fw_job *fw_start(void)
{
	struct fw_job *job = xcalloc(1, sizeof(*job));
	struct run *runs = job->runs;
	runs[R_NFT4].tool = "iptables-nft-save";
	runs[R_NFT6].tool = "ip6tables-nft-save";
	runs[R_LEG4].tool = "iptables-legacy-save";
	runs[R_LEG6].tool = "ip6tables-legacy-save";
	runs[R_NFTJ].tool = "nft";
	runs[R_NFTJ].args[0] = "-j";
	runs[R_NFTJ].args[1] = "list";
	runs[R_NFTJ].args[2] = "ruleset";
	bool *want = job->want;
	want[R_NFT4] = want[R_NFT6] = want[R_NFTJ] = true;
	want[R_LEG4] = legacy_tables("/proc/net/ip_tables_names");
	want[R_LEG6] = legacy_tables("/proc/net/ip6_tables_names");
	/* an iptables without the -nft/-legacy names: iptables-save says which one it is */
	_cleanup_free_ char *probe = find_tool("iptables-nft-save");
	if (!probe) {
		_cleanup_free_ char *p2 = find_tool("iptables-legacy-save");
		if (!p2) {
			job->plain = true;
			runs[R_NFT4].tool = "iptables-save";
			runs[R_NFT6].tool = "ip6tables-save";
			want[R_LEG4] = want[R_LEG6] = false;
		}
	}
	for (size_t i = 0; i < R_N; i++) {
		runs[i].fd_out = runs[i].fd_err = -1;
		if (want[i])
			run_start(&runs[i]);
	}
	return job;
}

void fw_job_free(struct fw_job *job)
{
	if (!job)
		return;
	run_collect(job->runs, R_N); /* drains and reaps whatever still runs */
	for (size_t i = 0; i < R_N; i++)
		run_free(&job->runs[i]);
	free(job);
}

int fw_load(struct fw_ruleset *ret, struct cirt_err *err)
{
	return fw_finish(fw_start(), ret, err);
}

int fw_finish(struct fw_job *job, struct fw_ruleset *ret, struct cirt_err *err)
{
	memset(ret, 0, sizeof(*ret));
	struct run *runs = job->runs;
	const bool *want = job->want;
	bool plain = job->plain;
	run_collect(runs, R_N);
	/* R_NFT4/R_NFT6 come before R_NFTJ: the tables they printed are known when nft's are read
	 */
	const char *skip[16] = {0};
	size_t ns = 0;
	char *skip_own[16] = {0};
	for (size_t i = 0; i < R_N; i++) {
		struct run *r = &runs[i];
		if (!want[i])
			continue;
		if (!run_ok(ret, r))
			continue;
		const char *text = buf_cstr(&r->out);
		if (i == R_NFTJ) {
			json_error_t je;
			json_t *root =
			    json_loadb(r->out.data ? r->out.data : "", r->out.len, 0, &je);
			if (!root) {
				fw_note(ret, "nft -j list ruleset: not JSON: %s", je.text);
				continue;
			}
			if (fw_parse_nft_json(ret, root, skip) == 0)
				ret->read[FW_NFT] = true;
			else
				fw_note(ret, "nft -j list ruleset: no \"nftables\" array");
			json_decref(root);
			continue;
		}
		int family = (i == R_NFT6 || i == R_LEG6) ? 6 : 4;
		enum fw_source src = (i == R_LEG4 || i == R_LEG6) ? FW_IPT_LEGACY : FW_IPT_NFT;
		if (plain && !strstr(text, "(nf_tables)"))
			src = FW_IPT_LEGACY;
		fw_parse_iptables_save(ret, src, family, text);
		ret->read[src] = true;
		/* tables iptables-nft wrote are read from its own output: nft shows them only as
		 * "xt" */
		if (src == FW_IPT_NFT) {
			for (const char *p = text; p && *p;) {
				if (*p == '*' && ns + 1 < ARRAY_SIZE(skip)) {
					const char *e = strchr(p, '\n');
					size_t l = e ? (size_t)(e - p - 1) : strlen(p + 1);
					skip_own[ns] = xasprintf(
					    "%s %.*s", family == 4 ? "ip" : "ip6", (int)l, p + 1);
					skip[ns] = skip_own[ns];
					ns++;
				}
				p = strchr(p, '\n');
				if (p)
					p++;
			}
		}
	}
	for (size_t i = 0; i < ns; i++)
		free(skip_own[i]);
	for (size_t i = 0; i < R_N; i++)
		run_free(&runs[i]);
	free(job);
	(void)err;
	return 0;
}

/* ------------------------------------------------------------------ JSON */

json_t *fw_rule_to_json(const struct fw_rule *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "backend", json_string(fw_source_name(r->source)));
	json_object_set_new(o, "family", r->family ? json_integer(r->family) : json_null());
	json_object_set_new(o, "table", json_str(r->table));
	json_object_set_new(o, "chain", json_str(r->chain));
	json_object_set_new(o, "rule", json_str(r->text));
	json_object_set_new(o, "verdict", json_str(r->verdict));
	if (r->comment)
		json_object_set_new(o, "comment", json_str(r->comment));
	return o;
}
