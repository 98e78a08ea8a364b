/* finding.c: severities, origins, check names, and the small text helpers checks share
 * (line excerpts, masking, line iteration). */
#include <strings.h>

#include "scan/check.h"

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *scan_sev_name(enum scan_sev s)
{
	return (unsigned)s < ARRAY_SIZE(sev_names) ? sev_names[s] : "unknown";
}

int scan_sev_parse(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(sev_names); i++)
		if (strcasecmp(s, sev_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *scan_origin_name(enum scan_origin o)
{
	switch (o) {
	case ORIGIN_IMAGE:
		return "image";
	case ORIGIN_ADDED:
		return "added";
	case ORIGIN_MOUNT:
		return "mount";
	default: /* not a file, or no image to compare with (--rootfs) */
		return NULL;
	}
}

const char *scan_kind_name(enum scan_kind k)
{
	switch (k) {
	case SCAN_HOST:
		return "host";
	case SCAN_CONTAINER:
		return "container";
	case SCAN_IMAGE:
		return "image";
	case SCAN_TARBALL:
		return "tarball";
	case SCAN_ROOTFS:
		return "rootfs";
	}
	return "unknown";
}

static const struct {
	const char *name;
	unsigned id;
} check_names[] = {
    {"backdoor", CHK_BACKDOOR}, {"webshell", CHK_WEBSHELL}, {"malware", CHK_MALWARE},
    {"secrets", CHK_SECRETS},   {"weakpass", CHK_WEAKPASS}, {"escape", CHK_ESCAPE},
    {"history", CHK_HISTORY},   {"runtime", CHK_RUNTIME},
};

const char *scan_check_name(unsigned id)
{
	for (size_t i = 0; i < ARRAY_SIZE(check_names); i++)
		if (check_names[i].id == id)
			return check_names[i].name;
	return NULL;
}

unsigned scan_checks_parse(const char *list, const char **ret_bad)
{
	static char bad[64];
	unsigned bits = 0;
	_cleanup_free_ char *dup = xstrdup(list);
	for (char *save = NULL, *t = strtok_r(dup, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save)) {
		unsigned b = 0;
		if (streq(t, "all"))
			b = CHK_ALL;
		else if (streq(t, "quick"))
			b = CHK_QUICK;
		for (size_t i = 0; !b && i < ARRAY_SIZE(check_names); i++)
			if (streq(t, check_names[i].name))
				b = check_names[i].id;
		if (!b) {
			snprintf(bad, sizeof(bad), "%s", t);
			if (ret_bad)
				*ret_bad = bad;
			return 0;
		}
		bits |= b;
	}
	if (!bits && ret_bad)
		*ret_bad = "";
	return bits;
}

void scan_result_clear(struct scan_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct scan_finding *f = &r->f[i];
		free(f->check);
		free(f->rule);
		free(f->path);
		free(f->reason);
		free(f->evidence);
		free(f->technique);
	}
	free(r->f);
	for (size_t i = 0; i < r->n_notes; i++)
		free(r->notes[i]);
	free(r->notes);
	memset(r, 0, sizeof(*r));
}

int scan_result_max_sev(const struct scan_result *r)
{
	int m = -1;
	for (size_t i = 0; i < r->n; i++)
		if ((int)r->f[i].sev > m)
			m = (int)r->f[i].sev;
	return m;
}

void scan_target_free(struct scan_target *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->id);
	free(t->image);
	free(t->image_id);
	free(t->state);
	json_decref(t->inspect);
	json_decref(t->config);
	json_decref(t->history);
	free(t->root);
	for (size_t i = 0; i < t->n_layers; i++)
		free(t->layers[i]);
	free(t->layers);
	free(t->upper);
	free(t->tarball);
	for (size_t i = 0; i < t->n_skip; i++)
		free(t->skip[i]);
	free(t->skip);
	free(t->base_root);
	for (size_t i = 0; i < t->n_base_layers; i++)
		free(t->base_layers[i]);
	free(t->base_layers);
	free(t->how);
	for (size_t i = 0; i < t->n_notes; i++)
		free(t->notes[i]);
	free(t->notes);
	free(t);
}

void scan_target_note(struct scan_target *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf(&t->notes, &t->n_notes, fmt, ap);
	va_end(ap);
}

bool scan_is_binary(const unsigned char *data, size_t len)
{
	return data && memchr(data, 0, len < 1024 ? len : 1024) != NULL;
}

char *scan_line_at(const unsigned char *data, size_t len, size_t off, size_t max,
                   unsigned *ret_line)
{
	if (off > len)
		off = len;
	size_t start = off, end = off;
	while (start > 0 && data[start - 1] != '\n')
		start--;
	while (end < len && data[end] != '\n')
		end++;
	if (ret_line) {
		unsigned line = 1;
		for (const unsigned char *p = data;
		     (p = memchr(p, '\n', (size_t)(data + start - p))); p++)
			line++;
		*ret_line = line;
	}
	/* a long line (minified code, binary data) is cut around the match */
	if (end - start > max) {
		size_t half = max / 4;
		size_t s = off - start > half ? off - half : start;
		if (s + max > end)
			s = end - max;
		start = s;
		end = s + max;
	}
	while (end > start &&
	       (data[end - 1] == '\r' || data[end - 1] == ' ' || data[end - 1] == '\t'))
		end--;
	while (start < end && (data[start] == ' ' || data[start] == '\t'))
		start++;
	return xstrndup((const char *)data + start, end - start);
}

char *scan_mask(const char *s, size_t n)
{
	if (n <= 8) {
		char *m = xmalloc(n + 1);
		memset(m, '*', n);
		m[n] = '\0';
		return m;
	}
	size_t keep_head = n >= 20 ? 4 : 2, keep_tail = n >= 20 ? 2 : 1;
	size_t stars = n - keep_head - keep_tail;
	if (stars > 16)
		stars = 16; /* the length itself says little; keep lines short */
	char *m = xmalloc(keep_head + stars + keep_tail + 1);
	memcpy(m, s, keep_head);
	memset(m + keep_head, '*', stars);
	memcpy(m + keep_head + stars, s + n - keep_tail, keep_tail);
	m[keep_head + stars + keep_tail] = '\0';
	return m;
}

void scan_lines_init(struct scan_lines *it, const unsigned char *data, size_t len)
{
	it->p = (const char *)data;
	it->end = (const char *)data + (data ? len : 0);
	it->no = 0;
}

bool scan_lines_next(struct scan_lines *it, const char **line, size_t *n)
{
	if (!it->p || it->p >= it->end)
		return false;
	const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	const char *e = nl ? nl : it->end;
	*line = it->p;
	*n = (size_t)(e - it->p);
	if (*n && (*line)[*n - 1] == '\r')
		(*n)--;
	it->p = nl ? nl + 1 : it->end;
	it->no++;
	return true;
}

char *scan_lines_next_content(struct scan_lines *it)
{
	const char *l;
	size_t n;
	while (scan_lines_next(it, &l, &n)) {
		size_t i = 0;
		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (i < n && l[i] != '#')
			return xstrndup(l + i, n - i);
	}
	return NULL;
}
