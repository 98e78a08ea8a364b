/* ioc.c: indicator lists: parsing and longest-prefix matching. */
#include "journal/ioc.h"

#include <ctype.h>
#include <fcntl.h>

#include "journal/addrmap.h"

#define IOC_MAX_ENTRIES 1000000u
#define IOC_MAX_FILE (64u << 20)

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

void ioc_free(struct ioc_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].text);
		free(l->v[i].comment);
	}
	free(l->v);
	free(l->path);
	free(l);
}

int ioc_load(const char *path, struct ioc_list **ret, struct cirt_err *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = read_file_max(AT_FDCWD, path, IOC_MAX_FILE, &data, &len);
	if (r < 0)
		return err_set(err, CIRT_EXIT_USAGE, "ioc file '%s': %s", path, strerror(-r));
	return ioc_parse(path, data, len, ret, err);
}

int ioc_parse(const char *path, char *data, size_t len, struct ioc_list **ret, struct cirt_err *err)
{
	if (memchr(data, '\0', len))
		return err_set(err, CIRT_EXIT_USAGE, "ioc file '%s': not a text file", path);
	struct ioc_list *l = xcalloc(1, sizeof(*l));
	l->path = xstrdup(path);
	unsigned lineno = 0;
	/* strtok_r would skip empty lines and so miscount: split by hand */
	for (char *p = data; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		char *comment = strchr(p, '#');
		if (comment)
			*comment++ = '\0';
		char *t = trim(p);
		if (*t) {
			/* "ADDR # comment" or "ADDR   label"? only the first word is the address */
			char *sp = t + strcspn(t, " \t");
			char *rest = NULL;
			if (*sp) {
				*sp = '\0';
				rest = trim(sp + 1);
			}
			struct flow_addr net;
			int prefix;
			if (!addrmap_parse_cidr(t, &net, &prefix) || (rest && *rest)) {
				_cleanup_free_ char *shown = xstrndup(t, 80);
				ioc_free(l);
				return err_set(err, CIRT_EXIT_USAGE,
				               "ioc file '%s' line %u: '%s%s%s' is not an address "
				               "or CIDR (one per line, "
				               "'#' starts a comment)",
				               path, lineno, shown, rest && *rest ? " " : "",
				               rest && *rest ? rest : "");
			}
			if (l->n >= IOC_MAX_ENTRIES) {
				ioc_free(l);
				return err_set(err, CIRT_EXIT_USAGE,
				               "ioc file '%s': more than %u entries", path,
				               IOC_MAX_ENTRIES);
			}
			l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
			struct ioc_entry *e = &l->v[l->n++];
			e->net = net;
			e->prefix = prefix;
			e->text = xstrdup(t);
			char *c = comment ? trim(comment) : NULL;
			e->comment = c && *c ? xstrdup(c) : NULL;
			e->line = lineno;
		}
		p = nl ? nl + 1 : NULL;
	}
	*ret = l;
	return 0;
}

const struct ioc_entry *ioc_match(const struct ioc_list *l, const struct flow_addr *a)
{
	const struct ioc_entry *best = NULL;
	for (size_t i = 0; l && i < l->n; i++)
		if (addrmap_cidr_has(&l->v[i].net, l->v[i].prefix, a) &&
		    (!best || l->v[i].prefix > best->prefix))
			best = &l->v[i];
	return best;
}
