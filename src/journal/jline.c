/* jline.c: flow lines of the journal, printed by hand for speed, and their jansson twin. */
#include "journal/jline.h"

#include <arpa/inet.h>
#include <time.h>

#include "journal/journal.h"

void jline_time(uint64_t ns, char out[32])
{
	static __thread time_t cached_sec = -1;
	static __thread char cached[80]; /* "YYYY-MM-DDTHH:MM:SS." */
	time_t s = (time_t)(ns / 1000000000ull);
	if (s != cached_sec) {
		struct tm tm;
		gmtime_r(&s, &tm);
		snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d.",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		         tm.tm_sec);
		cached_sec = s;
	}
	memcpy(out, cached, 20);
	unsigned us = (unsigned)((ns / 1000ull) % 1000000ull);
	for (int i = 25; i >= 20; i--) {
		out[i] = (char)('0' + us % 10);
		us /= 10;
	}
	out[26] = 'Z';
	out[27] = '\0';
}

static char *put_u(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_s(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static char *put_addr(char *p, const struct flow_addr *a)
{
	if (!a->family)
		return put_s(p, "null");
	*p++ = '"';
	if (a->family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_u(p, a->b[i]);
		}
	} else {
		char s[INET6_ADDRSTRLEN];
		flow_addr_str(a, s, sizeof(s));
		p = put_s(p, s);
	}
	*p++ = '"';
	return p;
}

static char *put_port(char *p, uint16_t port)
{
	return port ? put_u(p, port) : put_s(p, "null");
}

static char *put_tuple(char *p, const struct flow_tuple *t)
{
	p = put_s(p, "{\"src\":");
	p = put_addr(p, &t->src);
	p = put_s(p, ",\"sport\":");
	p = put_port(p, t->sport);
	p = put_s(p, ",\"dst\":");
	p = put_addr(p, &t->dst);
	p = put_s(p, ",\"dport\":");
	p = put_port(p, t->dport);
	*p++ = '}';
	return p;
}

/* flow_to_json's time: milliseconds */
static char *put_ms_time(char *p, uint64_t ns)
{
	char t[32];
	jline_time(ns, t);
	*p++ = '"';
	memcpy(p, t, 23); /* up to the milliseconds */
	p += 23;
	*p++ = 'Z';
	*p++ = '"';
	return p;
}

void jline_flow(struct buf *b, uint64_t t_ns, const char *event, const char *src_ref,
                const char *dst_ref, const struct jline_extra *x, const struct flow *f,
                const char *ioc)
{
	static const struct jline_extra none = {0};
	if (!x)
		x = &none;
	size_t need = 1024 + (src_ref ? strlen(src_ref) : 0) + (dst_ref ? strlen(dst_ref) : 0) +
	              (ioc ? strlen(ioc) : 0) + strlen(event) + (x->by ? strlen(x->by) : 0) +
	              (x->process ? strlen(x->process) : 0) +
	              (x->netns_owner ? strlen(x->netns_owner) : 0);
	if (b->cap - b->len < need) {
		b->cap = b->len + need + (b->cap > need ? b->cap : need);
		b->data = xrealloc(b->data, b->cap);
	}
	char *p = b->data + b->len;
	char t[32];
	jline_time(t_ns, t);
	p = put_s(p, "{\"t\":\"");
	p = put_s(p, t);
	p = put_s(p, "\",\"type\":\"flow\",\"event\":\"");
	p = put_s(p, event);
	*p++ = '"';
	if (src_ref) {
		p = put_s(p, ",\"src_container\":");
		p = put_s(p, src_ref);
	}
	if (dst_ref) {
		p = put_s(p, ",\"dst_container\":");
		p = put_s(p, dst_ref);
	}
	if (x->by) {
		p = put_s(p, ",\"by\":\"");
		p = put_s(p, x->by); /* one of three words: no escaping */
		*p++ = '"';
	}
	if (x->process) {
		p = put_s(p, ",\"process\":");
		p = put_s(p, x->process);
	}
	if (x->netns_owner) {
		p = put_s(p, ",\"netns_owner\":");
		p = put_s(p, x->netns_owner);
	}
	p = put_s(p, ",\"flow\":{\"proto\":\"");
	p = put_s(p, flow_proto_name(f->proto));
	*p++ = '"';
	if (f->state[0]) {
		/* the kernel's state names need no escaping; anything else is replaced */
		p = put_s(p, ",\"state\":\"");
		for (const char *s = f->state; *s && s < f->state + sizeof(f->state); s++)
			*p++ = (*s >= 'A' && *s <= 'Z') || *s == '_' || (*s >= '0' && *s <= '9')
			           ? *s
			           : '_';
		*p++ = '"';
	}
	p = put_s(p, ",\"original\":");
	p = put_tuple(p, &f->orig);
	if (f->reply.src.family) {
		p = put_s(p, ",\"reply\":");
		p = put_tuple(p, &f->reply);
	}
	p = put_s(p, flow_is_nat(f) ? ",\"nat\":true" : ",\"nat\":false");
	if (f->counted) {
		p = put_s(p, ",\"counters\":{\"orig_packets\":");
		p = put_u(p, f->packets[0]);
		p = put_s(p, ",\"orig_bytes\":");
		p = put_u(p, f->bytes[0]);
		p = put_s(p, ",\"reply_packets\":");
		p = put_u(p, f->packets[1]);
		p = put_s(p, ",\"reply_bytes\":");
		p = put_u(p, f->bytes[1]);
		*p++ = '}';
	}
	if (f->first_ns) {
		p = put_s(p, ",\"first_seen\":");
		p = put_ms_time(p, f->first_ns);
	}
	if (f->last_ns) {
		p = put_s(p, ",\"last_seen\":");
		p = put_ms_time(p, f->last_ns);
	}
	if (f->id || f->timeout) {
		p = put_s(p, ",\"conntrack_id\":");
		p = put_u(p, f->id);
		p = put_s(p, ",\"expires_in\":");
		p = put_u(p, f->timeout);
		if (f->mark) {
			p = put_s(p, ",\"mark\":");
			p = put_u(p, f->mark);
		}
	}
	*p++ = '}';
	if (ioc) {
		p = put_s(p, ",\"ioc\":");
		p = put_s(p, ioc);
	}
	*p++ = '}';
	b->len = (size_t)(p - b->data);
}

json_t *jline_flow_obj(const struct flow *f)
{
	json_t *o = flow_to_json(f);
	static const char *const drop_null[] = {"state", "reply", "counters", "first_seen",
	                                        "last_seen"};
	for (size_t i = 0; i < ARRAY_SIZE(drop_null); i++)
		if (json_is_null(json_object_get(o, drop_null[i])))
			json_object_del(o, drop_null[i]);
	json_t *m = json_object_get(o, "mark");
	if (m && json_integer_value(m) == 0)
		json_object_del(o, "mark");
	return o;
}

json_t *jline_flow_json(uint64_t t_ns, const char *event, json_t *src_ref, json_t *dst_ref,
                        const struct jline_extra *x, const struct flow *f, const char *ioc)
{
	json_t *l = journal_line_new(t_ns, "flow");
	json_object_set_new(l, "event", json_string(event));
	if (src_ref)
		json_object_set(l, "src_container", src_ref);
	if (dst_ref)
		json_object_set(l, "dst_container", dst_ref);
	if (x && x->by)
		json_object_set_new(l, "by", json_string(x->by));
	if (x && x->process)
		json_object_set_new(l, "process", json_loads(x->process, 0, NULL));
	if (x && x->netns_owner)
		json_object_set_new(l, "netns_owner", json_loads(x->netns_owner, 0, NULL));
	json_object_set_new(l, "flow", jline_flow_obj(f));
	if (ioc)
		json_object_set_new(l, "ioc", json_string(ioc));
	return l;
}
