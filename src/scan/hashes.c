/* hashes.c: a SHA-256 IOC list ("<64 hex> [name]" per line, '#' comments), sorted for lookup. */
#include <ctype.h>
#include <fcntl.h>

#include "scan/engine.h"

struct hash_entry {
	unsigned char d[32];
	char *name;
};

struct hashes {
	struct hash_entry *v;
	size_t n;
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(((const struct hash_entry *)a)->d, ((const struct hash_entry *)b)->d, 32);
}

int hashes_load(const char *path, struct hashes **ret, struct cirt_err *err)
{
	char *s = NULL;
	size_t len = 0;
	int r = read_file_max(AT_FDCWD, path, 256u << 20, &s, &len);
	if (r < 0)
		return err_set(err,
		               r == -ENOENT || r == -EISDIR ? CIRT_EXIT_USAGE : CIRT_EXIT_RUNTIME,
		               "--hashes: '%s': %s", path, strerror(-r));
	struct hashes *h = xcalloc(1, sizeof(*h));
	size_t cap = 0;
	unsigned lineno = 0;
	char *save = NULL;
	for (char *p = s, *line; (line = strtok_r(p, "\n", &save)); p = NULL) {
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#' || *line == '\r')
			continue;
		struct hash_entry e = {0};
		size_t i = 0;
		for (; i < 64; i++) {
			int v = hexval((unsigned char)line[i]);
			if (v < 0)
				break;
			e.d[i / 2] = (unsigned char)(e.d[i / 2] << 4 | v);
		}
		if (i != 64 || (line[64] && !isspace((unsigned char)line[64]))) {
			free(s);
			hashes_free(h);
			return err_set(err, CIRT_EXIT_USAGE,
			               "--hashes: '%s' line %u: not a SHA-256 (64 hex digits)",
			               path, lineno);
		}
		char *name = line + 64;
		while (*name && isspace((unsigned char)*name))
			name++;
		size_t nl = strcspn(name, "\r");
		e.name = xstrndup(name, nl);
		if (h->n == cap) {
			cap = cap ? cap * 2 : 64;
			h->v = xrealloc(h->v, cap * sizeof(*h->v));
		}
		h->v[h->n++] = e;
	}
	free(s);
	if (!h->n) {
		hashes_free(h);
		return err_set(err, CIRT_EXIT_USAGE, "--hashes: '%s' holds no SHA-256", path);
	}
	qsort(h->v, h->n, sizeof(*h->v), cmp_entry);
	*ret = h;
	return 0;
}

void hashes_free(struct hashes *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].name);
	free(h->v);
	free(h);
}

size_t hashes_count(const struct hashes *h)
{
	return h ? h->n : 0;
}

const char *hashes_lookup(const struct hashes *h, const unsigned char d[32])
{
	struct hash_entry key = {.name = NULL}; /* only d is compared */
	memcpy(key.d, d, 32);
	const struct hash_entry *e = bsearch(&key, h->v, h->n, sizeof(*h->v), cmp_entry);
	return e ? e->name : NULL;
}
