/* daemonlog.c: dockerd's log lines from the host's text logs (see daemonlog.h). */
#include "sources/daemonlog.h"

#include <dirent.h>
#include <sys/stat.h>

#include "escape.h"
#include "sources/dockerlog.h"
#include "sources/rootfs.h"

#define LINE_MAX_LEN (64u << 10)

static void note(json_t *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(json_t *notes, const char *fmt, ...)
{
	if (!json_is_array(notes))
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	json_array_append_new(notes, json_str(s));
	free(s);
}

static const char *memmem_s(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle));
}

/* the value of key="..." or key=word in a logrus line; *ret_len its length */
static const char *field(const char *s, size_t len, const char *key, size_t *ret_len)
{
	size_t kl = strlen(key);
	for (const char *p = s; p && p + kl < s + len;) {
		p = memmem(p, (size_t)(s + len - p), key, kl);
		if (!p)
			return NULL;
		if ((p == s || p[-1] == ' ') && p[kl] == '=') {
			const char *v = p + kl + 1, *end = s + len;
			if (v < end && *v == '"') {
				const char *q = ++v;
				while (q < end && *q != '"')
					q += *q == '\\' && q + 1 < end ? 2 : 1;
				*ret_len = (size_t)(q - v);
				return v;
			}
			const char *q = v;
			while (q < end && *q != ' ')
				q++;
			*ret_len = (size_t)(q - v);
			return v;
		}
		p += kl;
	}
	return NULL;
}

bool daemonlog_parse(const char *s, size_t len, struct daemonlog_line *l)
{
	memset(l, 0, sizeof(*l));
	/* after a syslog prefix, only dockerd's own lines */
	const char *t = memmem_s(s, len, "time=\"");
	if (!t)
		return false;
	if (t != s) {
		const char *pre_end = t;
		if (!memmem_s(s, (size_t)(pre_end - s), "dockerd") &&
		    !memmem_s(s, (size_t)(pre_end - s), "docker["))
			return false;
	}
	size_t rest = len - (size_t)(t - s);
	size_t tl = 0, ml = 0, ll = 0;
	const char *tv = field(t, rest, "time", &tl);
	if (!tv || !time_parse_rfc3339(tv, tl, &l->time_ns))
		return false;
	const char *lv = field(t, rest, "level", &ll);
	const char *mv = field(t, rest, "msg", &ml);
	static char level[16];
	snprintf(level, sizeof(level), "%.*s", (int)(ll < 15 ? ll : 15), lv ? lv : "");
	l->level = level;
	l->msg = mv ? mv : "";
	l->msg_len = mv ? ml : 0;
	l->text = s;
	l->len = len;
	return true;
}

bool daemonlog_addr_parse(const struct daemonlog_line *l, struct daemonlog_addr *ret)
{
	const char *m = l->msg;
	size_t ml = l->msg_len;
	const char *p = memmem_s(m, ml, ".addSvcRecords(");
	bool add = p != NULL;
	if (!p)
		p = memmem_s(m, ml, ".deleteSvcRecords(");
	if (!p)
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->time_ns = l->time_ns;
	ret->add = add;
	/* "(d3a0f1a).addSvcRecords(" : the network's short id in parentheses before */
	if (p - m >= 9 && p[-1] == ')') {
		const char *o = p - 1;
		while (o > m && o[-1] != '(' && p - o < 15)
			o--;
		snprintf(ret->net, sizeof(ret->net), "%.*s", (int)(p - 1 - o), o);
	}
	const char *a = strchr(p, '(') + 1, *end = m + ml;
	const char *c1 = memchr(a, ',', (size_t)(end - a));
	if (!c1 || c1 - a <= 0 || c1 - a >= (long)sizeof(ret->who))
		return false;
	snprintf(ret->who, sizeof(ret->who), "%.*s", (int)(c1 - a), a);
	const char *b = c1 + 1;
	while (b < end && *b == ' ')
		b++;
	const char *c2 = b;
	while (c2 < end && *c2 != ',' && *c2 != ')' && *c2 != '/')
		c2++;
	if (c2 == b || c2 - b >= (long)sizeof(ret->addr))
		return false;
	snprintf(ret->addr, sizeof(ret->addr), "%.*s", (int)(c2 - b), b);
	return true;
}

struct each {
	const char *filter;
	daemonlog_fn fn;
	void *ud;
	const char *file;
	size_t lineno;
	int stop;
};

static int on_line(const char *s, size_t len, void *ud)
{
	struct each *e = ud;
	e->lineno++;
	if (e->filter && !memmem_s(s, len, e->filter))
		return 0;
	struct daemonlog_line l;
	if (!daemonlog_parse(s, len, &l))
		return 0;
	l.file = e->file;
	l.lineno = e->lineno;
	e->stop = e->fn(&l, e->ud);
	return e->stop;
}

static const char *const log_files[] = {
    "/var/log/docker.log", "/var/log/upstart/docker.log", "/var/log/daemon.log",
    "/var/log/syslog",     "/var/log/messages",
};

size_t daemonlog_each(const char *filter, daemonlog_fn fn, void *ud, json_t *notes)
{
	size_t files = 0;
	uint64_t bytes = 0;
	struct each e = {.filter = filter, .fn = fn, .ud = ud};
	for (size_t f = 0; f < ARRAY_SIZE(log_files) && !e.stop; f++) {
		/* the rotations first (oldest: the highest number), then the file itself */
		for (int i = 9; i >= 0 && !e.stop; i--) {
			for (int gz = 0; gz < 2; gz++) {
				_cleanup_free_ char *p =
				    i    ? xasprintf("%s.%d%s", log_files[f], i, gz ? ".gz" : "")
				    : gz ? NULL
				         : xstrdup(log_files[f]);
				if (!p)
					continue;
				struct stat st;
				if (rootfs_host_stat(p, &st, false) < 0)
					continue;
				if (bytes > DAEMONLOG_MAX_BYTES) {
					note(notes,
					     "daemon log '%s' not read: past %llu GiB of logs", p,
					     (unsigned long long)(DAEMONLOG_MAX_BYTES >> 30));
					continue;
				}
				e.file = p;
				e.lineno = 0;
				uint64_t b = 0;
				int r = dockerlog_lines(p, LINE_MAX_LEN, on_line, &e, &b);
				if (r < 0) {
					note(notes, "daemon log '%s': %s", p,
					     r == -EINVAL ? "not a regular file" : strerror(-r));
					continue;
				}
				bytes += b;
				files++;
			}
		}
	}
	/* systemd's journal keeps dockerd's lines in binary files this reader does not parse */
	static const char *const jdirs[] = {"/var/log/journal", "/run/log/journal"};
	for (size_t i = 0; i < ARRAY_SIZE(jdirs); i++) {
		DIR *d = rootfs_host_opendir(jdirs[i]);
		if (!d)
			continue;
		struct dirent *de;
		size_t n = 0;
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		closedir(d);
		if (n)
			note(notes,
			     "systemd journal files in '%s' were not read (binary): export them "
			     "with "
			     "journalctl --directory %s -u docker -o short-iso",
			     jdirs[i], jdirs[i]);
	}
	return files;
}
