/* ioc.c: indicator lists: parsing, longest-prefix matching of addresses, and names and wildcard
 * domains looked up in a hash by each suffix of a queried name. */
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

static void entries_free(struct ioc_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].comment);
		free(v[i].name);
	}
	free(v);
}

void ioc_free(struct ioc_list *l)
{
	if (!l)
		return;
	entries_free(l->v, l->n);
	entries_free(l->names, l->n_names);
	free(l->slots);
	free(l->path);
	free(l);
}

/* A domain name or "*." and one (ioc.h says which shapes), lower-cased without the "*." and the
 * trailing dot; NULL when t is no such name. */
static char *name_parse(const char *t, enum ioc_kind *ret_kind, size_t *ret_len)
{
	enum ioc_kind kind = IOC_NAME;
	if (t[0] == '*' && t[1] == '.') {
		kind = IOC_DOMAIN;
		t += 2;
	}
	size_t n = strlen(t);
	if (n && t[n - 1] == '.')
		n--;
	if (!n || n > 253)
		return NULL;
	size_t lab = 0, dots = 0;
	bool digits_only = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c == '.') {
			if (!lab)
				return NULL;
			lab = 0;
			dots++;
			digits_only = true;
			continue;
		}
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80;
		if (!ok || ++lab > 63)
			return NULL;
		if (c < '0' || c > '9')
			digits_only = false;
	}
	if (!lab || digits_only || (kind == IOC_NAME && !dots))
		return NULL;
	char *out = xstrndup(t, n);
	for (size_t i = 0; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	*ret_kind = kind;
	*ret_len = n;
	return out;
}

static uint64_t name_hash(enum ioc_kind kind, const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ull ^ (uint64_t)kind;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static const struct ioc_entry *name_lookup(const struct ioc_list *l, enum ioc_kind kind,
                                           const char *s, size_t n)
{
	size_t mask = l->n_slots - 1;
	for (size_t i = name_hash(kind, s, n) & mask;; i = (i + 1) & mask) {
		size_t k = l->slots[i];
		if (!k)
			return NULL;
		const struct ioc_entry *e = &l->names[k - 1];
		if (e->kind == kind && e->name_len == n && memcmp(e->name, s, n) == 0)
			return e;
	}
}

/* The hash over names: twice as many slots as names at least; a name listed twice is found as
 * its first line. */
static void names_index(struct ioc_list *l)
{
	if (!l->n_names)
		return;
	size_t ns = 8;
	while (ns < 2 * l->n_names)
		ns *= 2;
	l->slots = xcalloc(ns, sizeof(*l->slots));
	l->n_slots = ns;
	for (size_t k = 0; k < l->n_names; k++) {
		const struct ioc_entry *e = &l->names[k];
		if (name_lookup(l, e->kind, e->name, e->name_len))
			continue;
		size_t i = name_hash(e->kind, e->name, e->name_len) & (ns - 1);
		while (l->slots[i])
			i = (i + 1) & (ns - 1);
		l->slots[i] = k + 1;
	}
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
			struct flow_addr net = {0};
			int prefix = 0;
			enum ioc_kind kind = IOC_ADDR;
			char *name = NULL;
			size_t name_len = 0;
			bool ok = !(rest && *rest);
			if (ok && !addrmap_parse_cidr(t, &net, &prefix))
				ok = (name = name_parse(t, &kind, &name_len)) != NULL;
			if (!ok) {
				_cleanup_free_ char *shown = xstrndup(t, 80);
				ioc_free(l);
				return err_set(err, CIRT_EXIT_USAGE,
				               "ioc file '%s' line %u: '%s%s%s' is not an address "
				               "or CIDR, nor a domain name (one per line, "
				               "'#' starts a comment)",
				               path, lineno, shown, rest && *rest ? " " : "",
				               rest && *rest ? rest : "");
			}
			if (l->n + l->n_names >= IOC_MAX_ENTRIES) {
				free(name);
				ioc_free(l);
				return err_set(err, CIRT_EXIT_USAGE,
				               "ioc file '%s': more than %u entries", path,
				               IOC_MAX_ENTRIES);
			}
			struct ioc_entry *e;
			if (kind == IOC_ADDR) {
				l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
				e = &l->v[l->n++];
			} else {
				l->names = xrealloc(l->names, (l->n_names + 1) * sizeof(*l->names));
				e = &l->names[l->n_names++];
			}
			memset(e, 0, sizeof(*e));
			e->net = net;
			e->prefix = prefix;
			e->kind = kind;
			e->name = name;
			e->name_len = name_len;
			e->text = xstrdup(t);
			char *c = comment ? trim(comment) : NULL;
			e->comment = c && *c ? xstrdup(c) : NULL;
			e->line = lineno;
		}
		p = nl ? nl + 1 : NULL;
	}
	names_index(l);
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

const struct ioc_entry *ioc_match_name(const struct ioc_list *l, const char *name, size_t len)
{
	if (!l || !l->n_names || !len || len > 1024)
		return NULL;
	char buf[1024];
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		buf[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	/* one trailing dot, unless it is "\." (a dot inside the last label) */
	if (buf[len - 1] == '.') {
		size_t bs = 0;
		while (bs < len - 1 && buf[len - 2 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			len--;
	}
	if (!len)
		return NULL;
	const struct ioc_entry *e = name_lookup(l, IOC_NAME, buf, len);
	if (e)
		return e;
	/* each domain the name lies strictly below, the longest first */
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\\') {
			i++;
			continue;
		}
		if (buf[i] == '.' && (e = name_lookup(l, IOC_DOMAIN, buf + i + 1, len - i - 1)))
			return e;
	}
	return NULL;
}
