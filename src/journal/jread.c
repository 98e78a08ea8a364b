/* jread.c: containers, processes and exec lines read back from the journal. */
#include "journal/jread.h"

#include "json.h"

#define JPROC_ARGV_MAX 256
#define JPROC_PARENTS_MAX 64

void jcontainer_parse(json_t *o, struct jcontainer *c)
{
	memset(c, 0, sizeof(*c));
	if (!json_is_object(o) || !jstr(o, "id") || !*jstr(o, "id"))
		return;
	c->id = xstrdup(jstr(o, "id"));
	c->name = xstrdup0(jstr(o, "name"));
	c->image = xstrdup0(jstr(o, "image"));
}

void jcontainer_copy(struct jcontainer *dst, const struct jcontainer *src)
{
	dst->id = xstrdup0(src->id);
	dst->name = xstrdup0(src->name);
	dst->image = xstrdup0(src->image);
}

void jcontainer_clear(struct jcontainer *c)
{
	free(c->id);
	free(c->name);
	free(c->image);
	memset(c, 0, sizeof(*c));
}

static int pid_of(json_t *o, const char *key)
{
	long long v = jint(o, key, 0);
	return v > 0 && v <= INT32_MAX ? (int)v : 0;
}

bool jproc_parse(json_t *o, struct jproc *p)
{
	memset(p, 0, sizeof(*p));
	p->uid = -1;
	if (!json_is_object(o) || !(p->pid = pid_of(o, "pid")))
		return false;
	p->ppid = pid_of(o, "ppid");
	long long uid = jint(o, "uid", -1);
	p->uid = uid >= 0 && uid <= UINT32_MAX ? (long)uid : -1;
	p->comm = xstrdup0(jstr(o, "comm"));
	p->exe = xstrdup0(jstr(o, "exe"));
	json_t *a = jarr(o, "argv");
	if (a) {
		size_t n = json_array_size(a), k = 0;
		p->argv = xcalloc((n < JPROC_ARGV_MAX ? n : JPROC_ARGV_MAX) + 1, sizeof(*p->argv));
		for (size_t i = 0; i < n && k < JPROC_ARGV_MAX; i++) {
			json_t *s = json_array_get(a, i);
			if (json_is_string(s))
				p->argv[k++] =
				    xstrndup(json_string_value(s), json_string_length(s));
		}
		p->argc = k;
		p->argv_truncated = jbool(o, "argv_truncated") || k < n;
	}
	json_t *ps = jarr(o, "parents");
	size_t n = json_array_size(ps);
	for (size_t i = 0; i < n && p->n_parents < JPROC_PARENTS_MAX; i++) {
		json_t *e = json_array_get(ps, i);
		int pid = pid_of(e, "pid");
		if (!pid)
			continue;
		if (!p->parents)
			p->parents = xcalloc(n < JPROC_PARENTS_MAX ? n : JPROC_PARENTS_MAX,
			                     sizeof(*p->parents));
		p->parents[p->n_parents++] = (struct jparent){
		    .pid = pid, .comm = xstrdup0(jstr(e, "comm")), .exe = xstrdup0(jstr(e, "exe"))};
	}
	return true;
}

void jproc_copy(struct jproc *dst, const struct jproc *src)
{
	*dst = *src;
	dst->comm = xstrdup0(src->comm);
	dst->exe = xstrdup0(src->exe);
	if (src->argv) {
		dst->argv = xcalloc(src->argc + 1, sizeof(*dst->argv));
		for (size_t i = 0; i < src->argc; i++)
			dst->argv[i] = xstrdup(src->argv[i]);
	}
	if (src->n_parents) {
		dst->parents = xcalloc(src->n_parents, sizeof(*dst->parents));
		for (size_t i = 0; i < src->n_parents; i++)
			dst->parents[i] = (struct jparent){.pid = src->parents[i].pid,
			                                   .comm = xstrdup0(src->parents[i].comm),
			                                   .exe = xstrdup0(src->parents[i].exe)};
	}
}

void jproc_clear(struct jproc *p)
{
	free(p->comm);
	free(p->exe);
	for (size_t i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	for (size_t i = 0; i < p->n_parents; i++) {
		free(p->parents[i].comm);
		free(p->parents[i].exe);
	}
	free(p->parents);
	memset(p, 0, sizeof(*p));
}

bool jexec_parse(json_t *j, uint64_t t, struct jexec *e)
{
	memset(e, 0, sizeof(*e));
	const char *type = jstr(j, "type");
	if (!type || !streq(type, "exec") || !jproc_parse(j, &e->p))
		return false;
	e->t = t;
	jcontainer_parse(json_object_get(j, "container"), &e->c);
	long long ns = jint(j, "netns", 0);
	e->netns = ns > 0 ? (unsigned long)ns : 0;
	return true;
}

void jexec_clear(struct jexec *e)
{
	jcontainer_clear(&e->c);
	jproc_clear(&e->p);
}

void jexecs_clear(struct jexecs *x)
{
	for (size_t i = 0; i < x->n; i++)
		jexec_clear(&x->v[i]);
	free(x->v);
	memset(x, 0, sizeof(*x));
}

int jexecs_read(const char *dir, uint64_t since_ns, uint64_t until_ns, const char *const *needles,
                size_t n_needles, size_t max, struct jexecs *ret, struct cirt_err *err)
{
	_cleanup_journal_reader_ struct journal_reader *r = NULL;
	if (journal_reader_open(dir, since_ns, until_ns, &r, err) < 0)
		return -1;
	struct jexecs out = {0};
	size_t cap = 0;
	const char *line;
	size_t len;
	uint64_t t;
	int k;
	while ((k = journal_reader_next(r, &line, &len, &t, err)) > 0) {
		if (!strstr(line, "\"type\":\"exec\""))
			continue;
		bool any = n_needles == 0;
		for (size_t i = 0; i < n_needles && !any; i++)
			any = needles[i] && strstr(line, needles[i]);
		if (!any)
			continue;
		if (out.n >= max) {
			out.truncated = true;
			continue;
		}
		json_t *j = json_loadb(line, len, 0, NULL);
		struct jexec e;
		if (j && jexec_parse(j, t, &e)) {
			if (out.n == cap) {
				cap = cap ? cap * 2 : 64;
				out.v = xrealloc(out.v, cap * sizeof(*out.v));
			}
			out.v[out.n++] = e;
		}
		json_decref(j);
	}
	out.st = *journal_reader_stats(r);
	if (k < 0) {
		jexecs_clear(&out);
		return -1;
	}
	*ret = out;
	return 0;
}
