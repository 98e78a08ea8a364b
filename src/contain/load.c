/* load.c: the containers containment works on, inspected one by one. */
#include "contain/load.h"

#include "contain/contain.h"
#include "escape.h"

int contain_host_load(struct docker *d, char *const *refs, size_t n, struct host **ret,
                      struct cirt_err *err)
{
	struct host *h = xcalloc(1, sizeof(*h));
	h->c = xcalloc(n + 1, sizeof(*h->c));
	h->docker_host = xstrdup(docker_host(d));
	for (size_t i = 0; i < n; i++) {
		const char *ref = refs[i][0] == '/' ? refs[i] + 1 : refs[i];
		_cleanup_free_ char *q = docker_urlencode(ref);
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", q);
		json_t *j = NULL;
		struct cirt_err e = {0};
		if (docker_get_json(d, path, &j, &e) < 0) {
			if (e.code == CIRT_EXIT_NOTFOUND)
				continue;
			if (strstr(e.msg, "Multiple IDs found")) {
				_cleanup_free_ char *en = term_escape(ref);
				err_set(err, CIRT_EXIT_NOTFOUND,
				        "'%s' is ambiguous: several containers have ids starting "
				        "with it",
				        en);
			} else
				*err = e;
			host_free(h);
			return -1;
		}
		bool dup = false;
		for (size_t k = 0; k < h->n; k++)
			if (jstr(j, "Id") && streq(h->c[k].id, jstr(j, "Id")))
				dup = true;
		if (!dup && container_from_inspect(j, &h->c[h->n]) == 0)
			h->n++;
		json_decref(j);
	}
	/* a container:X member is explained by X: load X too */
	for (size_t i = 0, n0 = h->n; i < n0; i++) {
		const char *t = h->c[i].mode == NETMODE_CONTAINER ? h->c[i].mode_target : NULL;
		bool have = false;
		for (size_t k = 0; t && k < h->n; k++)
			if (streq(h->c[k].id, t))
				have = true;
		if (!t || have || strchr(t, '/') || strchr(t, '?'))
			continue;
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", t);
		json_t *j = NULL;
		struct cirt_err e = {0};
		if (docker_get_json(d, path, &j, &e) < 0)
			continue;
		h->c = xrealloc(h->c, (h->n + 1) * sizeof(*h->c));
		if (container_from_inspect(j, &h->c[h->n]) == 0)
			h->n++;
		json_decref(j);
	}
	h->api_version = xstrdup(docker_api_version(d));
	host_load_net(h);
	host_link_shared(h);
	*ret = h;
	return 0;
}

int contain_host_for_records(struct docker *d, const char *ref, struct host **ret,
                             const char **ret_id, struct cirt_err *err)
{
	*ret_id = NULL;
	if (ref) {
		if (contain_host_load(d, (char *const *)&ref, 1, ret, err) < 0)
			return -1;
		if ((*ret)->n == 0) {
			_cleanup_free_ char *e = term_escape(ref);
			host_free(*ret);
			*ret = NULL;
			return err_set(err, CIRT_EXIT_NOTFOUND, "no such container: '%s'", e);
		}
		*ret_id = (*ret)->c[0].id;
		return 0;
	}
	json_t *recs = NULL;
	if (contain_records(&recs, err) < 0)
		return -1;
	char **ids = xcalloc(json_object_size(recs) + 1, sizeof(*ids));
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(recs, k, v)
	{
		ids[n++] = (char *)k;
	}
	int r = contain_host_load(d, ids, n, ret, err);
	free(ids);
	json_decref(recs);
	return r;
}
