/* secrets.c: credentials left behind: keys and tokens (rules/secrets.yar), credential files
 * (.git-credentials, .netrc, .pgpass, docker and kube configs, ...) and secret-looking
 * environment variables of a container or image. Evidence is always masked. */
#include <ctype.h>
#include <fnmatch.h>
#include <strings.h>

#include "json.h"
#include "scan/check.h"

#define MAX_PER_FILE 20

static const char *const locations[] = {
    "/root/.git-credentials",
    "/home/*/.git-credentials",
    "/root/.netrc",
    "/home/*/.netrc",
    "/root/.pgpass",
    "/home/*/.pgpass",
    "/root/.docker/config.json",
    "/home/*/.docker/config.json",
    "/root/.kube/config",
    "/home/*/.kube/config",
    "/root/.aws/credentials",
    "/home/*/.aws/credentials",
    "/root/.my.cnf",
    "/home/*/.my.cnf",
    "/root/.ssh/id_*",
    "/home/*/.ssh/id_*",
    "/etc/ssh/ssh_host_*_key",
    NULL,
};

/* The line around a match with the matched bytes masked. */
static char *masked_line(const unsigned char *d, size_t len, size_t off, size_t mlen,
                         unsigned *ret_line)
{
	free(scan_line_at(d, len, off, 8, ret_line)); /* for the line number only */
	/* "name = value" matches: only the value is secret */
	for (size_t i = 0; i < mlen; i++)
		if (d[off + i] == '=' || d[off + i] == ':') {
			size_t k = i + 1;
			while (k < mlen &&
			       (d[off + k] == ' ' || d[off + k] == '"' || d[off + k] == '\''))
				k++;
			if (k < mlen) {
				off += k;
				mlen -= k;
			}
			break;
		}
	size_t ls = off, le = off + mlen;
	while (ls > 0 && d[ls - 1] != '\n' && off - ls < 60)
		ls--;
	while (le < len && d[le] != '\n' && le - (off + mlen) < 40)
		le++;
	_cleanup_free_ char *m = scan_mask((const char *)d + off, mlen);
	_cleanup_free_ char *pre = xstrndup((const char *)d + ls, off - ls);
	_cleanup_free_ char *post = xstrndup((const char *)d + off + mlen, le - off - mlen);
	char *s = xasprintf("%s%s%s", pre, m, post);
	/* trim blanks and a CR */
	char *p = s + strspn(s, " \t");
	size_t n = strlen(p);
	while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	char *r = xstrndup(p, n);
	free(s);
	return r;
}

/* A packaged example or test fixture, by location: below /usr or /opt, in a documentation,
 * example, sample, demo or test directory (or named so). Such keys ship in every copy of the
 * package: public, not this system's secret. */
static bool example_location(const char *path)
{
	if (!startswith(path, "/usr/") && !startswith(path, "/opt/"))
		return false;
	static const char *const words[] = {"example",  "sample", "demo", "test", "fixture", "doc",
	                                    "snakeoil", "dummy",  "fake", "spec", NULL};
	_cleanup_free_ char *lc = xstrdup(path);
	for (char *c = lc; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (const char *const *w = words; *w; w++)
		for (const char *p = lc; (p = strstr(p, *w)); p++) {
			/* at the start of a component or after a separator: "tests", "test_data",
			 * "tomcat10-examples", "example.key" */
			char b = p[-1];
			if (b == '/' || b == '-' || b == '_' || b == '.')
				return true;
		}
	/* perl's t/ */
	return strstr(lc, "/t/") != NULL;
}

static void report_hit(struct scan_job *j, struct scan_file *f, const struct scan_hit *h)
{
	_cleanup_free_ char *rule = xasprintf("secrets.%s", h->rule);
	enum scan_sev sev = h->sev >= 0 ? (enum scan_sev)h->sev : SEV_HIGH;
	/* shipped unchanged by a package (the dpkg database says), or an example by location */
	const char *pkg = NULL;
	_cleanup_free_ char *why = NULL;
	int owned = scan_job_dpkg_owner(j, f->path, &pkg);
	if (owned == 1 && scan_job_dpkg_intact(j, f) == 1)
		why = xasprintf("shipped unchanged by package %s: the same in every installation, "
		                "not this system's secret",
		                pkg);
	else if (owned != 1 && streq(h->rule, "private_key") && example_location(f->path))
		why = xstrdup("a packaged example or test key (by its location): public, not this "
		              "system's secret");
	else if (owned == 1 && streq(h->rule, "private_key") && example_location(f->path))
		why = xasprintf("a packaged example or test key of package %s", pkg);
	if (why && sev > SEV_LOW)
		sev = SEV_LOW;
	/* an SSH host key is the system's own identity, where a system is: in an image it is
	 * baked in, shared by every container made from it */
	if (!why && streq(h->rule, "private_key") &&
	    fnmatch("/etc/ssh/ssh_host_*", f->path, 0) == 0) {
		const struct scan_target *t = scan_job_target(j);
		bool baked = t->kind == SCAN_IMAGE || t->kind == SCAN_TARBALL ||
		             (t->kind == SCAN_CONTAINER && scan_origin(j, f) == ORIGIN_IMAGE);
		why = xstrdup(baked ? "an SSH host key baked into the image: every container made "
		                      "from it has the same one"
		                    : "the system's SSH host key");
		sev = baked ? SEV_MEDIUM : SEV_LOW;
	}
	unsigned line = 0;
	_cleanup_free_ char *ev = NULL;
	if (streq(h->rule, "private_key")) {
		/* the header line says what it is and holds nothing secret */
		size_t hl = 0;
		while (h->off + hl < f->len && f->data[h->off + hl] != '\n' &&
		       f->data[h->off + hl] != '\r' && hl < 80)
			hl++;
		free(
		    scan_line_at(f->data, f->len, h->off, 8, &line)); /* for the line number only */
		ev = xstrndup((const char *)f->data + h->off, hl);
	} else if (h->len) {
		ev = masked_line(f->data, f->len, h->off, h->len, &line);
	}
	if (scan_is_binary(f->data, f->len))
		line = 0;
	scan_add(j, f, "secrets", rule, sev, line, ev, "%s%s%s", h->desc ? h->desc : h->rule,
	         why ? ": " : "", why ? why : "");
}

/* A value after a key on one line ("password secret", "password=secret"): masked. */
static void report_kv(struct scan_job *j, struct scan_file *f, const char *key, const char *rule,
                      enum scan_sev sev, const char *reason)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	size_t kl = strlen(key);
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n) && count < MAX_PER_FILE) {
		_cleanup_free_ char *s = xstrndup(l, n);
		for (char *p = s; (p = strcasestr(p, key)); p += kl) {
			if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
				continue;
			char *v = p + kl;
			v += strspn(v, " \t=:\"'");
			size_t vl = strcspn(v, " \t\"',");
			if (!vl)
				continue;
			_cleanup_free_ char *m = scan_mask(v, vl);
			_cleanup_free_ char *ev = xasprintf("%.*s%s", (int)(v - s), s, m);
			scan_add(j, f, "secrets", rule, sev, it.no, ev, "%s", reason);
			count++;
			break;
		}
	}
}

static bool match(const char *pat, const char *path)
{
	return fnmatch(pat, path, FNM_PATHNAME) == 0;
}

static bool home_file(const char *path, const char *rel)
{
	char a[256], b[256];
	snprintf(a, sizeof(a), "/root/%s", rel);
	snprintf(b, sizeof(b), "/home/*/%s", rel);
	return match(a, path) || match(b, path);
}

static void on_file(struct scan_job *j, struct scan_file *f)
{
	size_t yara_hits = 0;
	for (size_t i = 0; i < f->n_hits; i++)
		if (streq(f->hits[i].ns, "secrets") && f->data && yara_hits++ < MAX_PER_FILE)
			report_hit(j, f, &f->hits[i]);
	if (!f->data || yara_hits)
		return;
	const char *p = f->path;
	if (home_file(p, ".git-credentials")) {
		struct scan_lines it;
		const char *l;
		size_t n;
		scan_lines_init(&it, f->data, f->len);
		while (scan_lines_next(&it, &l, &n)) {
			/* scheme://user:password@host */
			_cleanup_free_ char *s = xstrndup(l, n);
			const char *ss = strstr(s, "://");
			const char *at = ss ? strrchr(ss, '@') : NULL;
			const char *sep = at ? memchr(ss + 3, ':', (size_t)(at - ss - 3)) : NULL;
			if (!sep)
				continue;
			_cleanup_free_ char *m = scan_mask(sep + 1, (size_t)(at - sep - 1));
			_cleanup_free_ char *ev =
			    xasprintf("%.*s%s%s", (int)(sep + 1 - s), s, m, at);
			scan_add(j, f, "secrets", "secrets.git_credentials", SEV_HIGH, it.no, ev,
			         "stored git credentials (password in clear)");
		}
	} else if (home_file(p, ".netrc")) {
		report_kv(j, f, "password", "secrets.netrc", SEV_HIGH, "password in .netrc");
	} else if (home_file(p, ".pgpass")) {
		struct scan_lines it;
		const char *l;
		size_t n;
		scan_lines_init(&it, f->data, f->len);
		while (scan_lines_next(&it, &l, &n)) {
			const char *c = l;
			int colons = 0;
			for (size_t i = 0; i < n; i++)
				if (l[i] == ':' && ++colons == 4)
					c = l + i + 1;
			if (colons < 4 || *l == '#' || c >= l + n)
				continue;
			_cleanup_free_ char *m = scan_mask(c, (size_t)(l + n - c));
			_cleanup_free_ char *ev = xasprintf("%.*s%s", (int)(c - l), l, m);
			scan_add(j, f, "secrets", "secrets.pgpass", SEV_HIGH, it.no, ev,
			         "PostgreSQL password file");
		}
	} else if (home_file(p, ".docker/config.json")) {
		report_kv(j, f, "\"auth\"", "secrets.docker_auth", SEV_HIGH,
		          "registry credentials in docker config");
	} else if (home_file(p, ".kube/config")) {
		report_kv(j, f, "token", "secrets.kubeconfig", SEV_HIGH,
		          "Kubernetes credentials (token)");
		report_kv(j, f, "client-key-data", "secrets.kubeconfig", SEV_HIGH,
		          "Kubernetes credentials (client key)");
	} else if (home_file(p, ".aws/credentials")) {
		scan_add(j, f, "secrets", "secrets.aws_credentials_file", SEV_MEDIUM, 0, NULL,
		         "AWS credentials file (no key recognised in it)");
	} else if (home_file(p, ".my.cnf")) {
		report_kv(j, f, "password", "secrets.mysql_password", SEV_MEDIUM,
		          "MySQL client password");
	}
}

/* Environment variables whose name says secret and whose value is set. */
static bool secret_name(const char *name, size_t n)
{
	static const char *const words[] = {"PASSWORD",   "PASSWD",   "SECRET",     "TOKEN",
	                                    "API_KEY",    "APIKEY",   "ACCESS_KEY", "PRIVATE_KEY",
	                                    "CREDENTIAL", "AUTH_KEY", NULL};
	char up[256];
	if (n >= sizeof(up))
		n = sizeof(up) - 1;
	for (size_t i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	up[n] = '\0';
	for (const char *const *w = words; *w; w++)
		if (strstr(up, *w))
			return true;
	return false;
}

static void on_target(struct scan_job *j)
{
	const struct scan_target *t = scan_job_target(j);
	json_t *env = NULL;
	if (t->kind == SCAN_CONTAINER)
		env = jarr(jobj(t->inspect, "Config"), "Env");
	else if (t->kind == SCAN_IMAGE || t->kind == SCAN_TARBALL)
		env = jarr(t->config, "Env");
	size_t i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		const char *eq = s ? strchr(s, '=') : NULL;
		if (!eq || !eq[1] || !secret_name(s, (size_t)(eq - s)))
			continue;
		/* a reference to a file or a placeholder is not the secret itself */
		if (strstr(s, "_FILE=") || eq[1] == '$')
			continue;
		_cleanup_free_ char *m = scan_mask(eq + 1, strlen(eq + 1));
		_cleanup_free_ char *ev = xasprintf("%.*s=%s", (int)(eq - s), s, m);
		scan_add(
		    j, NULL, "secrets", "secrets.env", SEV_MEDIUM, 0, ev,
		    "secret-looking environment variable (readable by anyone who can inspect)");
	}
}

const struct scan_check scan_check_secrets = {
    .name = "secrets",
    .id = CHK_SECRETS,
    .on_target = on_target,
    .on_file = on_file,
    .locations = locations,
};
