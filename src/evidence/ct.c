/* ct.c: conntrack entries of the container's addresses, dumped from the host's table with
 * libnetfilter_conntrack (a minimal reader for `collect`; `conns` has its own source module). */
#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>

#include "escape.h"
#include "evidence/evidence.h"

#define MAX_ENTRIES 200000

struct ct_dump {
	unsigned char (*addrs)[17]; /* family byte + address */
	size_t n_addrs;
	struct buf text;
	json_t *list;
	size_t n;
	size_t seen;
};

static bool addr_match(const struct ct_dump *d, int fam, const void *a)
{
	size_t l = fam == AF_INET ? 4 : 16;
	for (size_t i = 0; i < d->n_addrs; i++)
		if (d->addrs[i][0] == fam && memcmp(d->addrs[i] + 1, a, l) == 0)
			return true;
	return false;
}

static void tuple(json_t *o, const struct nf_conntrack *ct, int fam, bool reply)
{
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	const void *src, *dst;
	if (fam == AF_INET) {
		src = nfct_get_attr(ct, reply ? ATTR_REPL_IPV4_SRC : ATTR_ORIG_IPV4_SRC);
		dst = nfct_get_attr(ct, reply ? ATTR_REPL_IPV4_DST : ATTR_ORIG_IPV4_DST);
	} else {
		src = nfct_get_attr(ct, reply ? ATTR_REPL_IPV6_SRC : ATTR_ORIG_IPV6_SRC);
		dst = nfct_get_attr(ct, reply ? ATTR_REPL_IPV6_DST : ATTR_ORIG_IPV6_DST);
	}
	json_object_set_new(
	    o, "src", src && inet_ntop(fam, src, s, sizeof(s)) ? json_string(s) : json_null());
	json_object_set_new(
	    o, "dst", dst && inet_ntop(fam, dst, t, sizeof(t)) ? json_string(t) : json_null());
	if (nfct_attr_is_set(ct, reply ? ATTR_REPL_PORT_SRC : ATTR_ORIG_PORT_SRC) > 0) {
		json_object_set_new(o, "sport",
		                    json_integer(ntohs(nfct_get_attr_u16(
		                        ct, reply ? ATTR_REPL_PORT_SRC : ATTR_ORIG_PORT_SRC))));
		json_object_set_new(o, "dport",
		                    json_integer(ntohs(nfct_get_attr_u16(
		                        ct, reply ? ATTR_REPL_PORT_DST : ATTR_ORIG_PORT_DST))));
	}
}

static int on_ct(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *ud)
{
	struct ct_dump *d = ud;
	d->seen++;
	if (d->n >= MAX_ENTRIES)
		return NFCT_CB_CONTINUE;
	int fam = nfct_get_attr_u8(ct, ATTR_L3PROTO);
	if (fam != AF_INET && fam != AF_INET6)
		return NFCT_CB_CONTINUE;
	const enum nf_conntrack_attr keys4[] = {ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV4_DST,
	                                        ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV4_DST};
	const enum nf_conntrack_attr keys6[] = {ATTR_ORIG_IPV6_SRC, ATTR_ORIG_IPV6_DST,
	                                        ATTR_REPL_IPV6_SRC, ATTR_REPL_IPV6_DST};
	bool hit = false;
	for (int i = 0; i < 4 && !hit; i++) {
		const void *a = nfct_get_attr(ct, fam == AF_INET ? keys4[i] : keys6[i]);
		hit = a && addr_match(d, fam, a);
	}
	if (!hit)
		return NFCT_CB_CONTINUE;
	char line[1024];
	nfct_snprintf(line, sizeof(line), ct, NFCT_T_UNKNOWN, NFCT_O_DEFAULT,
	              NFCT_OF_SHOW_LAYER3 | NFCT_OF_ID);
	buf_printf(&d->text, "%s\n", line);
	json_t *o = json_object();
	json_object_set_new(o, "family", json_string(fam == AF_INET ? "ipv4" : "ipv6"));
	uint8_t l4 = nfct_get_attr_u8(ct, ATTR_L4PROTO);
	json_object_set_new(o, "proto",
	                    json_string(l4 == IPPROTO_TCP      ? "tcp"
	                                : l4 == IPPROTO_UDP    ? "udp"
	                                : l4 == IPPROTO_ICMP   ? "icmp"
	                                : l4 == IPPROTO_ICMPV6 ? "icmpv6"
	                                                       : "other"));
	json_object_set_new(o, "proto_number", json_integer(l4));
	if (l4 == IPPROTO_TCP && nfct_attr_is_set(ct, ATTR_TCP_STATE) > 0) {
		static const char *const st[] = {
		    "NONE",       "SYN_SENT", "SYN_RECV",  "ESTABLISHED", "FIN_WAIT",
		    "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",       "SYN_SENT2"};
		uint8_t s = nfct_get_attr_u8(ct, ATTR_TCP_STATE);
		json_object_set_new(o, "tcp_state", json_string(s < ARRAY_SIZE(st) ? st[s] : "?"));
	}
	if (nfct_attr_is_set(ct, ATTR_TIMEOUT) > 0)
		json_object_set_new(o, "timeout",
		                    json_integer(nfct_get_attr_u32(ct, ATTR_TIMEOUT)));
	if (nfct_attr_is_set(ct, ATTR_MARK) > 0)
		json_object_set_new(o, "mark", json_integer(nfct_get_attr_u32(ct, ATTR_MARK)));
	if (nfct_attr_is_set(ct, ATTR_ID) > 0)
		json_object_set_new(o, "id", json_integer(nfct_get_attr_u32(ct, ATTR_ID)));
	json_t *orig = json_object(), *repl = json_object();
	tuple(orig, ct, fam, false);
	tuple(repl, ct, fam, true);
	json_object_set_new(o, "original", orig);
	json_object_set_new(o, "reply", repl);
	json_object_set_new(o, "line", json_str(line));
	json_array_append_new(d->list, o);
	d->n++;
	(void)type;
	return NFCT_CB_CONTINUE;
}

int ev_conntrack(struct ev *e, char *const *addrs, size_t n_addrs, size_t *ret_n)
{
	struct ct_dump d = {.list = json_array()};
	d.addrs = xcalloc(n_addrs + 1, sizeof(*d.addrs));
	json_t *want = json_array();
	for (size_t i = 0; i < n_addrs; i++) {
		unsigned char *a = d.addrs[d.n_addrs];
		if (inet_pton(AF_INET, addrs[i], a + 1) == 1)
			a[0] = AF_INET;
		else if (inet_pton(AF_INET6, addrs[i], a + 1) == 1)
			a[0] = AF_INET6;
		else
			continue;
		d.n_addrs++;
		json_array_append_new(want, json_str(addrs[i]));
	}
	*ret_n = 0;
	char errmsg[256] = "";
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	if (!h) {
		snprintf(errmsg, sizeof(errmsg), "open conntrack netlink: %s", strerror(errno));
	} else {
		nfct_callback_register(h, NFCT_T_ALL, on_ct, &d);
		uint32_t family = AF_UNSPEC;
		if (nfct_query(h, NFCT_Q_DUMP, &family) < 0)
			snprintf(errmsg, sizeof(errmsg), "dump conntrack: %s", strerror(errno));
		nfct_close(h);
	}
	free(d.addrs);
	int r = 0;
	if (errmsg[0]) {
		ev_note(e, "conntrack: %s (module not loaded, or no CAP_NET_ADMIN?)", errmsg);
		json_decref(d.list);
		json_decref(want);
		buf_free(&d.text);
		return 0;
	}
	if (d.n >= MAX_ENTRIES)
		ev_note(e, "conntrack: more than %d entries matched: the rest were left out",
		        MAX_ENTRIES);
	r = bundle_add_data(e->b, "volatile/conntrack.txt",
	                    "host: conntrack table (libnetfilter_conntrack)",
	                    d.text.data ? d.text.data : "", d.text.len, e->err);
	buf_free(&d.text);
	if (r == 0) {
		json_t *doc = json_object();
		json_object_set_new(
		    doc, "source",
		    json_string("host conntrack table, entries whose original or reply "
		                "tuple holds one of the addresses"));
		json_object_set_new(doc, "addresses", json_incref(want));
		json_object_set_new(doc, "table_entries_seen", json_integer((json_int_t)d.seen));
		json_object_set_new(doc, "entries", d.list);
		d.list = NULL;
		r = bundle_add_json(e->b, "volatile/conntrack.json", "host: conntrack table", doc,
		                    e->err);
		json_decref(doc);
	}
	json_decref(d.list);
	json_decref(want);
	*ret_n = d.n;
	return r;
}
