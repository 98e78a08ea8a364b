/* jflows.c: read flows back from the journal and join each conntrack entry's lines. */
#include "journal/jflows.h"

#include <netinet/in.h>

#include "json.h"

void jflow_clear(struct jflow *j)
{
	jcontainer_clear(&j->src);
	jcontainer_clear(&j->dst);
	jproc_clear(&j->proc);
	jcontainer_clear(&j->netns_owner);
}

void jflows_clear(struct jflows *j)
{
	for (size_t i = 0; i < j->n; i++)
		jflow_clear(&j->v[i]);
	free(j->v);
	memset(j, 0, sizeof(*j));
}

void jflow_parse_attribution(json_t *line, struct jflow *j)
{
	const char *by = jstr(line, "by");
	if (j->by[0] || !by ||
	    !(streq(by, "process") || streq(by, "netns") || streq(by, "address")))
		return;
	snprintf(j->by, sizeof(j->by), "%s", by);
	/* the process and the rule are the connecting side's when it is a container's, else
	 * the answering side's (an accept) */
	j->proc_side = j->src.id ? 0 : j->dst.id ? 1 : 0;
	if (!j->proc.pid)
		jproc_parse(json_object_get(line, "process"), &j->proc);
	if (!j->netns_owner.id)
		jcontainer_parse(json_object_get(line, "netns_owner"), &j->netns_owner);
}

static int proto_num(const char *s)
{
	static const struct {
		const char *n;
		int p;
	} t[] = {{"tcp", IPPROTO_TCP},       {"udp", IPPROTO_UDP},   {"icmp", IPPROTO_ICMP},
	         {"icmpv6", IPPROTO_ICMPV6}, {"sctp", IPPROTO_SCTP}, {"udplite", IPPROTO_UDPLITE},
	         {"dccp", IPPROTO_DCCP},     {"gre", IPPROTO_GRE}};
	for (size_t i = 0; s && i < ARRAY_SIZE(t); i++)
		if (streq(s, t[i].n))
			return t[i].p;
	return 0;
}

static bool parse_tuple(json_t *o, struct flow_tuple *t)
{
	if (!json_is_object(o))
		return false;
	const char *s = jstr(o, "src"), *d = jstr(o, "dst");
	if (!s || !d || !flow_addr_parse(s, &t->src) || !flow_addr_parse(d, &t->dst))
		return false;
	long long sp = jint(o, "sport", 0), dp = jint(o, "dport", 0);
	t->sport = sp > 0 && sp < 65536 ? (uint16_t)sp : 0;
	t->dport = dp > 0 && dp < 65536 ? (uint16_t)dp : 0;
	return true;
}

static uint64_t iso_ns(json_t *v)
{
	uint64_t t = 0;
	if (json_is_string(v) && journal_time_parse(json_string_value(v), &t))
		return t;
	return 0;
}

bool jflow_parse_flow(json_t *o, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	if (!json_is_object(o) || !parse_tuple(json_object_get(o, "original"), &f->orig))
		return false;
	f->proto = (uint8_t)proto_num(jstr(o, "proto"));
	json_t *r = json_object_get(o, "reply");
	if (json_is_object(r) && !parse_tuple(r, &f->reply))
		memset(&f->reply, 0, sizeof(f->reply));
	const char *st = jstr(o, "state");
	if (st)
		snprintf(f->state, sizeof(f->state), "%s", st);
	json_t *c = jobj(o, "counters");
	if (c) {
		f->counted = true;
		f->packets[0] = (uint64_t)jint(c, "orig_packets", 0);
		f->bytes[0] = (uint64_t)jint(c, "orig_bytes", 0);
		f->packets[1] = (uint64_t)jint(c, "reply_packets", 0);
		f->bytes[1] = (uint64_t)jint(c, "reply_bytes", 0);
	}
	f->first_ns = iso_ns(json_object_get(o, "first_seen"));
	f->last_ns = iso_ns(json_object_get(o, "last_seen"));
	f->id = (uint32_t)jint(o, "conntrack_id", 0);
	f->timeout = (uint32_t)jint(o, "expires_in", 0);
	f->mark = (uint32_t)jint(o, "mark", 0);
	return true;
}

static bool same_key(const struct flow *a, const struct flow *b)
{
	return a->id == b->id && a->proto == b->proto && flow_addr_eq(&a->orig.src, &b->orig.src) &&
	       flow_addr_eq(&a->orig.dst, &b->orig.dst) && a->orig.sport == b->orig.sport &&
	       a->orig.dport == b->orig.dport;
}

static uint32_t key_hash(const struct flow *f)
{
	uint32_t h = 2166136261u ^ f->id;
	for (int i = 0; i < 16; i++)
		h = (h ^ f->orig.src.b[i] ^ (uint32_t)f->orig.dst.b[i] << 8) * 16777619u;
	h = (h ^ f->orig.sport ^ (uint32_t)f->orig.dport << 16) * 16777619u;
	return h ^ f->proto;
}

struct index {
	uint32_t *slot; /* index + 1; 0 empty */
	size_t cap;
};

static void index_put(struct index *ix, const struct jflow *v, size_t n, size_t i);

static void index_grow(struct index *ix, const struct jflow *v, size_t n)
{
	free(ix->slot);
	ix->cap = ix->cap ? ix->cap * 2 : 1024;
	ix->slot = xcalloc(ix->cap, sizeof(*ix->slot));
	for (size_t i = 0; i < n; i++)
		index_put(ix, v, n, i);
}

static void index_put(struct index *ix, const struct jflow *v, size_t n, size_t i)
{
	size_t k = key_hash(&v[i].f) & (ix->cap - 1);
	while (ix->slot[k])
		k = (k + 1) & (ix->cap - 1);
	ix->slot[k] = (uint32_t)(i + 1);
}

static struct jflow *index_get(const struct index *ix, struct jflow *v, const struct flow *f)
{
	if (!ix->cap)
		return NULL;
	for (size_t k = key_hash(f) & (ix->cap - 1); ix->slot[k]; k = (k + 1) & (ix->cap - 1))
		if (same_key(&v[ix->slot[k] - 1].f, f))
			return &v[ix->slot[k] - 1];
	return NULL;
}

int jflows_read(const char *dir, uint64_t since_ns, uint64_t until_ns, const char *const *needles,
                size_t n_needles, jflow_match_fn match, void *ud, size_t max, struct jflows *ret,
                struct cirt_err *err)
{
	_cleanup_journal_reader_ struct journal_reader *r = NULL;
	if (journal_reader_open(dir, since_ns, until_ns, &r, err) < 0)
		return -1;
	struct jflows out = {0};
	struct index ix = {0};
	size_t cap = 0;
	const char *line;
	size_t len;
	uint64_t t;
	int k;
	while ((k = journal_reader_next(r, &line, &len, &t, err)) > 0) {
		if (!strstr(line, "\"type\":\"flow\""))
			continue;
		bool any = n_needles == 0;
		for (size_t i = 0; i < n_needles && !any; i++)
			any = needles[i] && strstr(line, needles[i]);
		if (!any)
			continue;
		json_t *j = json_loadb(line, len, 0, NULL);
		struct flow f;
		if (!j || !jflow_parse_flow(json_object_get(j, "flow"), &f) ||
		    (match && !match(&f, ud))) {
			json_decref(j);
			continue;
		}
		const char *ev = jstr(j, "event");
		bool is_end = ev && streq(ev, "end");
		struct jflow *jf = f.id ? index_get(&ix, out.v, &f) : NULL;
		if (!jf) {
			if (out.n >= max) {
				out.truncated = true;
				json_decref(j);
				continue;
			}
			if (out.n == cap) {
				cap = cap ? cap * 2 : 256;
				out.v = xrealloc(out.v, cap * sizeof(*out.v));
			}
			jf = &out.v[out.n++];
			memset(jf, 0, sizeof(*jf));
			jf->f = f;
			jf->f.first_ns = jf->f.last_ns = 0;
			if ((out.n + 1) * 2 > ix.cap)
				index_grow(&ix, out.v, out.n);
			else
				index_put(&ix, out.v, out.n, out.n - 1);
		}
		if (!jf->src.id)
			jcontainer_parse(json_object_get(j, "src_container"), &jf->src);
		if (!jf->dst.id)
			jcontainer_parse(json_object_get(j, "dst_container"), &jf->dst);
		jflow_parse_attribution(j, jf);
		if (jstr(j, "ioc"))
			jf->alerted = true;
		if (is_end) {
			jf->ended = true;
			jf->f.last_ns = f.last_ns ? f.last_ns : t;
			if (f.first_ns && !jf->f.first_ns)
				jf->f.first_ns = f.first_ns;
			if (f.counted) {
				jf->f.counted = true;
				memcpy(jf->f.packets, f.packets, sizeof(f.packets));
				memcpy(jf->f.bytes, f.bytes, sizeof(f.bytes));
			}
			if (f.state[0])
				memcpy(jf->f.state, f.state, sizeof(f.state));
			jf->f.timeout = 0;
		} else {
			if (ev && streq(ev, "new")) {
				jf->began = true;
				jf->f.first_ns = f.first_ns ? f.first_ns : t;
			}
			/* an open flow was last seen at least when its line was written */
			if (!jf->ended && t > jf->f.last_ns)
				jf->f.last_ns = t;
		}
		json_decref(j);
	}
	free(ix.slot);
	out.st = *journal_reader_stats(r);
	if (k < 0) {
		jflows_clear(&out);
		return -1;
	}
	*ret = out;
	return 0;
}
