/* util.c: allocation, error and buffer helpers. */
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <time.h>

int err_set(struct cirt_err *err, int code, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	return -1;
}

int err_prefix(struct cirt_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char pre[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	char old[sizeof(err->msg)];
	memcpy(old, err->msg, sizeof(old));
	size_t pl = strlen(pre);
	if (pl + 2 >= sizeof(err->msg))
		pl = sizeof(err->msg) - 3;
	memcpy(err->msg, pre, pl);
	memcpy(err->msg + pl, ": ", 2);
	size_t room = sizeof(err->msg) - pl - 2;
	size_t ol = strnlen(old, room - 1);
	memcpy(err->msg + pl + 2, old, ol);
	err->msg[pl + 2 + ol] = '\0';
	return -1;
}

static void oom(void)
{
	static const char m[] = "cirt: out of memory\n";
	ssize_t r = write(2, m, sizeof(m) - 1);
	(void)r;
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *xstrdup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *p;
	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	if (!b->data || b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_append(b, s, strlen(s));
	free(s);
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

const char *buf_cstr(struct buf *b)
{
	if (!b->data)
		buf_append(b, "", 0);
	return b->data;
}

int read_fd_max(int fd, size_t max, char **ret, size_t *ret_len)
{
	struct buf b = {0};
	char tmp[8192];
	while (b.len < max) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			buf_free(&b);
			return e;
		}
		if (n == 0)
			break;
		size_t take = (size_t)n;
		if (b.len + take > max)
			take = max - b.len;
		buf_append(&b, tmp, take);
	}
	buf_cstr(&b);
	if (ret_len)
		*ret_len = b.len;
	*ret = b.data;
	return 0;
}

int read_file_max(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return read_fd_max(fd, max, ret, ret_len);
}

long parse_duration(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	double mult = 1;
	if (*end) {
		if (streq(end, "s"))
			mult = 1;
		else if (streq(end, "m"))
			mult = 60;
		else if (streq(end, "h"))
			mult = 3600;
		else if (streq(end, "d"))
			mult = 86400;
		else
			return -1;
	}
	return (long)(v * mult);
}

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *fmt_utc(long long secs, char *buf, size_t n)
{
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

const char *fmt_bytes(uint64_t b, char *buf, size_t n)
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	size_t u = 0;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%llu%s", (unsigned long long)b, units[u]);
	else
		snprintf(buf, n, "%.1f%s", v, units[u]);
	return buf;
}

void strv_vpushf(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap);
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

void strv_vpushf_unique(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap);
	for (size_t i = 0; i < *n; i++)
		if (streq((*v)[i], s)) {
			free(s);
			return;
		}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

void strv_add(struct strv *s, const char *x)
{
	s->v = xrealloc(s->v, (s->n + 2) * sizeof(*s->v));
	s->v[s->n++] = xstrdup(x);
	s->v[s->n] = NULL;
}

bool strv_has(const struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i], x))
			return true;
	return false;
}

void strv_clear(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

char *shell_quote(const char *s)
{
	static const char safe[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-";
	if (*s && strspn(s, safe) == strlen(s))
		return xstrdup(s);
	struct buf b = {0};
	buf_append(&b, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			buf_printf(&b, "'\\''");
		else
			buf_append(&b, p, 1);
	}
	buf_append(&b, "'", 1);
	buf_cstr(&b);
	return b.data;
}

char *shell_join(char *const argv[])
{
	struct buf b = {0};
	for (size_t i = 0; argv[i]; i++) {
		_cleanup_free_ char *q = shell_quote(argv[i]);
		buf_printf(&b, "%s%s", i ? " " : "", q);
	}
	return b.data ? b.data : xstrdup("");
}

/* "64K", "1 byte", "1000 bytes": the largest binary unit that divides v exactly. */
static const char *size_str(uint64_t v, char *out, size_t n)
{
	int u = 0; /* 0: bytes, 1: K ... 4: T */
	while (u < 4 && v && v % (1ull << (10 * (u + 1))) == 0)
		u++;
	if (u)
		snprintf(out, n, "%llu%c", (unsigned long long)(v >> (10 * u)), "KMGT"[u - 1]);
	else
		snprintf(out, n, "%llu byte%s", (unsigned long long)v, v == 1 ? "" : "s");
	return out;
}

int parse_size(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *ret,
               struct cirt_err *err)
{
	static const char units[] = "kmgt";
	const char *p = s ? s : "";
	uint64_t whole = 0, frac = 0, scale = 1;
	bool overflow = false;
	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (whole > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			whole = whole * 10 + d;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			goto bad;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1000000) /* a millionth of a unit is finer than anyone means */
				goto bad;
			frac = frac * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
	}
	unsigned shift = 0;
	const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
	if (u) {
		shift = 10 * (unsigned)(u - units + 1);
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	/* a fraction of a byte is no size; of a unit it is rounded down to whole bytes */
	if (*p || (scale > 1 && !shift))
		goto bad;
	if (overflow || whole > UINT64_MAX >> shift)
		return err_set(err, CIRT_EXIT_USAGE, "%s: '%s' is too large", opt, s);
	/* frac < 10^6 < 2^20 and shift <= 40: no overflow; the fraction is below 2^shift and the
	 * low shift bits of whole << shift are zero, so the sum fits as well */
	uint64_t v = (whole << shift) + (frac << shift) / scale;
	char lim[48];
	if (v < min)
		return err_set(err, CIRT_EXIT_USAGE, "%s: '%s' is below the minimum of %s", opt, s,
		               size_str(min, lim, sizeof(lim)));
	if (v > max)
		return err_set(err, CIRT_EXIT_USAGE, "%s: '%s' is above the maximum of %s", opt, s,
		               size_str(max, lim, sizeof(lim)));
	*ret = v;
	return 0;
bad:
	return err_set(err, CIRT_EXIT_USAGE, "%s: '%s' is not a size (e.g. 4096, 512K, 1.5G, 2GiB)",
	               opt, s ? s : "");
}

void cirt_exit_print(FILE *f, bool markdown)
{
	static const struct {
		int code;
		const char *text;
	} t[] = {
#define CIRT_EXIT_ROW_(NAME, CODE, TEXT) {CODE, TEXT},
	    CIRT_EXIT_TABLE(CIRT_EXIT_ROW_)
#undef CIRT_EXIT_ROW_
	};
	if (markdown)
		fprintf(f, "| code | meaning |\n|---|---|\n");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		fprintf(f, markdown ? "| %d | %s |\n" : "  %d  %s\n", t[i].code, t[i].text);
}

static bool num2(const char *s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

bool time_parse_rfc3339(const char *s, size_t len, int64_t *ret_ns)
{
	int Y, M, D, h, mi, sec;
	if (len < 20 || !num2(s, 4, &Y) || s[4] != '-' || !num2(s + 5, 2, &M) || s[7] != '-' ||
	    !num2(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !num2(s + 11, 2, &h) || s[13] != ':' || !num2(s + 14, 2, &mi) || s[16] != ':' ||
	    !num2(s + 17, 2, &sec))
		return false;
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	size_t i = 19;
	int64_t frac = 0;
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		int64_t scale = 100000000;
		size_t start = ++i;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
		if (i == start)
			return false;
	}
	int64_t off = 0;
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		/* UTC: off stays 0 */
	} else if (i + 6 <= len && (s[i] == '+' || s[i] == '-')) {
		int oh, om;
		if (!num2(s + i + 1, 2, &oh) || s[i + 3] != ':' || !num2(s + i + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return false;
		off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
	} else {
		return false;
	}
	struct tm tm = {.tm_year = Y - 1900,
	                .tm_mon = M - 1,
	                .tm_mday = D,
	                .tm_hour = h,
	                .tm_min = mi,
	                .tm_sec = sec};
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*ret_ns = ((int64_t)t - off) * 1000000000 + frac;
	return *ret_ns >= 0;
}

const char *fmt_utc_ns(int64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char d[32];
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%09lldZ", d, (long long)(ns % 1000000000));
	return buf;
}
