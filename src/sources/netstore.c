/* netstore.c: libnetwork's endpoint and sandbox records, live and carved (see netstore.h). */
#include "sources/netstore.h"

#include "escape.h"
#include "json.h"
#include "sources/boltdb.h"
#include "sources/ondisk.h"

#define PFX "docker/network/v1.0/"
#define MAX_RECORDS 100000

struct rec {
	char *key;
	json_t *val; /* the record's JSON (libkv's 8-byte index dropped) */
	bool live;
	uint64_t page;
};

struct collect {
	struct rec *v;
	size_t n;
	bool live;
	uint64_t page;
};

static bool wanted(const uint8_t *k, size_t kl)
{
	static const char *const kinds[] = {PFX "endpoint/", PFX "bridge-endpoint/",
	                                    PFX "sandbox/"};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		size_t l = strlen(kinds[i]);
		if (kl > l && memcmp(k, kinds[i], l) == 0)
			return true;
	}
	return false;
}

static void keep(struct collect *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	if (!wanted(k, kl) || vl < 8 || vl > (4u << 20) || c->n >= MAX_RECORDS || kl > 512)
		return;
	json_t *j = json_loadb((const char *)v + 8, vl - 8, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return;
	}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = (struct rec){
	    .key = xstrndup((const char *)k, kl), .val = j, .live = c->live, .page = c->page};
}

static int live_cb(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, bool bucket, void *ctx)
{
	if (!bucket)
		keep(ctx, k, kl, v, vl);
	return 0;
}

static int carve_cb(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, uint64_t page,
                    void *ctx)
{
	struct collect *c = ctx;
	c->page = page;
	keep(c, k, kl, v, vl);
	return 0;
}

/* "10.232.0.2/24" -> addr, prefix */
static void split_cidr(const char *s, json_t *o, const char *akey, const char *pkey)
{
	if (!s || !*s)
		return;
	const char *sl = strchr(s, '/');
	json_object_set_new(o, akey, json_strn(s, sl ? (size_t)(sl - s) : strlen(s)));
	if (sl && pkey)
		json_object_set_new(o, pkey, json_integer(atoi(sl + 1)));
}

static const char *key_part(const char *key, const char *kind, int n)
{
	/* PFX kind "/" a "/" b "/" */
	static char out[80];
	const char *p = key + strlen(PFX) + strlen(kind) + 1;
	for (int i = 0; i < n && p; i++) {
		p = strchr(p, '/');
		p = p ? p + 1 : NULL;
	}
	if (!p)
		return NULL;
	size_t l = strcspn(p, "/");
	if (!l || l >= sizeof(out))
		return NULL;
	memcpy(out, p, l);
	out[l] = '\0';
	return out;
}

static const char *container_of(const struct collect *c, const char *sandbox, const char *eid)
{
	/* the sandbox by its id, else any sandbox listing the endpoint; live ones first */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n; i++) {
			const struct rec *r = &c->v[i];
			if (!startswith(r->key, PFX "sandbox/"))
				continue;
			const char *cid = jstr(r->val, "ContainerID");
			if (!cid)
				continue;
			if (pass == 0 && sandbox && jstr(r->val, "ID") &&
			    streq(jstr(r->val, "ID"), sandbox))
				return cid;
			if (pass == 1 && eid) {
				size_t k;
				json_t *e;
				json_array_foreach(jarr(r->val, "Eps"), k, e)
				{
					if (jstr(e, "Eid") && streq(jstr(e, "Eid"), eid))
						return cid;
				}
			}
		}
	return NULL;
}

static json_t *ports_of(const struct collect *c, const char *eid)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct rec *r = &c->v[i];
		if (!startswith(r->key, PFX "bridge-endpoint/") || !jstr(r->val, "id") ||
		    !streq(jstr(r->val, "id"), eid))
			continue;
		json_t *out = json_array();
		size_t k;
		json_t *pm;
		json_array_foreach(jarr(r->val, "PortMapping"), k, pm)
		{
			json_t *o = json_object();
			long long proto = jint(pm, "Proto", 0);
			json_object_set_new(o, "proto", json_string(proto == 17 ? "udp" : "tcp"));
			json_object_set_new(o, "port", json_integer(jint(pm, "Port", 0)));
			json_object_set_new(o, "host_ip", json_str(jstr(pm, "HostIP")));
			json_object_set_new(o, "host_port", json_integer(jint(pm, "HostPort", 0)));
			json_array_append_new(out, o);
		}
		return out;
	}
	return json_array();
}

static bool same(json_t *a, json_t *b)
{
	const char *ka[] = {"endpoint_id", "addr", "name"};
	for (size_t i = 0; i < ARRAY_SIZE(ka); i++) {
		const char *x = jstr(a, ka[i]), *y = jstr(b, ka[i]);
		if (!!x != !!y || (x && !streq(x, y)))
			return false;
	}
	return true;
}

static int endpoints_from(struct bolt *b, json_t **ret, json_t *notes, struct cirt_err *err)
{
	static const char *const path[] = {"libnetwork"};
	struct collect c = {.live = true};
	int r = bolt_foreach(b, path, 1, live_cb, &c, err);
	if (r < 0 && err->code != CIRT_EXIT_NOTFOUND)
		json_array_append_new(notes, json_sprintf("endpoint records: %s", err->msg));
	c.live = false;
	bolt_carve(b, carve_cb, &c);
	json_t *out = json_array();
	for (size_t i = 0; i < c.n; i++) {
		const struct rec *x = &c.v[i];
		if (!startswith(x->key, PFX "endpoint/"))
			continue;
		json_t *o = json_object();
		const char *eid = jstr(x->val, "id");
		json_object_set_new(o, "endpoint_id", json_str(eid));
		const char *nid = key_part(x->key, "endpoint", 0);
		json_object_set_new(o, "network_id", json_str(nid));
		json_object_set_new(o, "name", json_str(jstr(x->val, "name")));
		json_t *ifc = jobj(x->val, "ep_iface");
		split_cidr(jstr(ifc, "addr"), o, "addr", "prefix");
		split_cidr(jstr(ifc, "addrv6"), o, "addr6", NULL);
		json_object_set_new(o, "mac", json_str(jstr(ifc, "mac")));
		const char *sb = jstr(x->val, "sandbox");
		json_object_set_new(o, "sandbox_id", json_str(sb && *sb ? sb : NULL));
		json_object_set_new(o, "container_id", json_str(container_of(&c, sb, eid)));
		json_object_set_new(o, "live", json_boolean(x->live));
		json_object_set_new(o, "page", json_integer((json_int_t)x->page));
		json_object_set_new(o, "ports", eid ? ports_of(&c, eid) : json_array());
		/* the live copy is read first: a carved copy of it says nothing new */
		bool dup = false;
		size_t k;
		json_t *prev;
		json_array_foreach(out, k, prev)
		{
			if (same(prev, o)) {
				dup = true;
				break;
			}
		}
		if (dup)
			json_decref(o);
		else
			json_array_append_new(out, o);
	}
	for (size_t i = 0; i < c.n; i++) {
		free(c.v[i].key);
		json_decref(c.v[i].val);
	}
	free(c.v);
	const char *first;
	size_t dmg = bolt_damage(b, &first);
	if (dmg)
		json_array_append_new(
		    notes, json_sprintf("endpoint records: %zu damaged pages skipped (first: "
		                        "%s)",
		                        dmg, first));
	*ret = out;
	return 0;
}

int netstore_endpoints_mem(const void *data, size_t len, json_t **ret, json_t *notes,
                           struct cirt_err *err)
{
	_cleanup_bolt_ struct bolt *b = NULL;
	if (bolt_open_mem(data, len, &b, err) < 0)
		return -1;
	return endpoints_from(b, ret, notes, err);
}

int netstore_endpoints(const char *docker_root, json_t **ret, json_t *notes, struct cirt_err *err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", docker_root, ONDISK_NETWORK_STORE);
	_cleanup_bolt_ struct bolt *b = NULL;
	if (bolt_open(path, &b, err) < 0)
		return -1;
	return endpoints_from(b, ret, notes, err);
}
