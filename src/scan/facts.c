/* facts.c: a target's accounts (read before the pass) and its dpkg database (read on first use,
 * under a lock): package lists, md5sums and conffiles indexed by a 64-bit hash of the path. */
#include "scan/facts.h"

#include <ctype.h>

#define MAX_ACCOUNT_FILE (8u << 20)
#define MAX_LIST_FILE (32u << 20)

struct dentry {
	uint64_t h;   /* 0: empty slot */
	uint32_t pkg; /* index in pkgs, UINT32_MAX: none */
	bool has_md5;
	unsigned char md5[16];
};

struct facts {
	const struct lroot *tree;
	char *passwd, *group; /* the files; accounts point into them */
	struct scan_account *acct;
	size_t n_acct;
	struct scan_group *grp;
	size_t n_grp;
	/* dpkg */
	pthread_mutex_t mu;
	int dpkg; /* 0 not loaded, 1 loaded, -1 none */
	char **pkgs;
	size_t n_pkgs;
	struct dentry *tab;
	size_t cap, used;
};

/* ---- accounts ---- */

/* Split a line into at most n ':'-fields in place; returns the count. */
static size_t split(char *s, char **f, size_t n)
{
	size_t k = 0;
	while (k < n) {
		f[k++] = s;
		s = strchr(s, ':');
		if (!s)
			break;
		*s++ = '\0';
	}
	return k;
}

static bool parse_uint(const char *s, unsigned *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > 0xffffffffu || *s == '-')
		return false;
	*ret = (unsigned)v;
	return true;
}

static void load_accounts(struct facts *fc)
{
	size_t len = 0;
	if (lroot_read(fc->tree, "/etc/passwd", MAX_ACCOUNT_FILE, &fc->passwd, &len) == 0) {
		for (char *save = NULL, *l = strtok_r(fc->passwd, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			char *f[7] = {0};
			if (split(l, f, 7) < 7 || !f[0][0])
				continue;
			struct scan_account a = {
			    .name = f[0], .pw = f[1], .home = f[5], .shell = f[6]};
			if (!parse_uint(f[2], &a.uid) || !parse_uint(f[3], &a.gid))
				continue;
			fc->acct = xrealloc(fc->acct, (fc->n_acct + 1) * sizeof(*fc->acct));
			fc->acct[fc->n_acct++] = a;
		}
	}
	if (lroot_read(fc->tree, "/etc/group", MAX_ACCOUNT_FILE, &fc->group, &len) == 0) {
		for (char *save = NULL, *l = strtok_r(fc->group, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			char *f[4] = {0};
			if (split(l, f, 4) < 4 || !f[0][0])
				continue;
			struct scan_group g = {.name = f[0]};
			if (!parse_uint(f[2], &g.gid))
				continue;
			const char **m = NULL;
			size_t nm = 0;
			for (char *s2 = NULL, *u = strtok_r(f[3], ",", &s2); u;
			     u = strtok_r(NULL, ",", &s2)) {
				u += strspn(u, " \t");
				if (!*u)
					continue;
				m = xrealloc(m, (nm + 1) * sizeof(*m));
				m[nm++] = u;
			}
			g.members = m;
			g.n_members = nm;
			fc->grp = xrealloc(fc->grp, (fc->n_grp + 1) * sizeof(*fc->grp));
			fc->grp[fc->n_grp++] = g;
		}
	}
}

struct facts *facts_new(const struct lroot *tree)
{
	struct facts *fc = xcalloc(1, sizeof(*fc));
	fc->tree = lroot_ok(tree) ? tree : NULL;
	pthread_mutex_init(&fc->mu, NULL);
	if (fc->tree)
		load_accounts(fc);
	else
		fc->dpkg = -1;
	return fc;
}

void facts_free(struct facts *fc)
{
	if (!fc)
		return;
	free(fc->passwd);
	free(fc->group);
	free(fc->acct);
	for (size_t i = 0; i < fc->n_grp; i++)
		free((void *)fc->grp[i].members);
	free(fc->grp);
	for (size_t i = 0; i < fc->n_pkgs; i++)
		free(fc->pkgs[i]);
	free(fc->pkgs);
	free(fc->tab);
	pthread_mutex_destroy(&fc->mu);
	free(fc);
}

const struct scan_account *facts_account(const struct facts *fc, unsigned uid)
{
	for (size_t i = 0; fc && i < fc->n_acct; i++)
		if (fc->acct[i].uid == uid)
			return &fc->acct[i];
	return NULL;
}

const struct scan_account *facts_account_named(const struct facts *fc, const char *name)
{
	for (size_t i = 0; fc && i < fc->n_acct; i++)
		if (streq(fc->acct[i].name, name))
			return &fc->acct[i];
	return NULL;
}

const struct scan_group *facts_groups(const struct facts *fc, size_t *ret_n)
{
	*ret_n = fc ? fc->n_grp : 0;
	return fc ? fc->grp : NULL;
}

/* Homes that are system directories: a dotfile there is not a user's. */
static bool system_home(const char *h)
{
	static const char *const sys[] = {"",         "/",        "/nonexistent", "/dev", "/bin",
	                                  "/sbin",    "/usr/bin", "/usr/sbin",    "/usr", "/var",
	                                  "/etc",     "/proc",    "/lib",         "/run", "/tmp",
	                                  "/var/tmp", "/sys",     "/dev/null",    NULL};
	for (const char *const *s = sys; *s; s++)
		if (streq(h, *s))
			return true;
	return false;
}

bool facts_home_user(const struct facts *fc, const char *path, char *user, size_t n,
                     const char **ret_rel)
{
	/* the deepest matching home wins: /var/www/app (deploy) over /var/www (www-data) */
	size_t best = 0;
	const char *who = NULL;
	for (size_t i = 0; fc && i < fc->n_acct; i++) {
		const char *h = fc->acct[i].home;
		size_t hl = strlen(h);
		while (hl > 1 && h[hl - 1] == '/')
			hl--;
		if (system_home(h) || hl <= best || strncmp(path, h, hl) != 0 || path[hl] != '/')
			continue;
		best = hl;
		who = fc->acct[i].name;
	}
	if (!who && startswith(path, "/root/")) {
		best = 5;
		who = "root";
	}
	if (!who && startswith(path, "/home/")) {
		const char *s = path + 6;
		size_t l = strcspn(s, "/");
		if (l && s[l] == '/') {
			snprintf(user, n, "%.*s", (int)l, s);
			if (ret_rel)
				*ret_rel = s + l + 1;
			return true;
		}
	}
	if (!who)
		return false;
	snprintf(user, n, "%s", who);
	if (ret_rel)
		*ret_rel = path + best + 1;
	return true;
}

/* ---- dpkg ---- */

static uint64_t hash_path(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	/* finalizer (splitmix64) so that the low bits index well */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h ? h : 1;
}

static struct dentry *slot(struct facts *fc, uint64_t h, bool create)
{
	if (create && (fc->used + 1) * 2 > fc->cap) {
		size_t ncap = fc->cap ? fc->cap * 2 : 4096;
		struct dentry *nt = xcalloc(ncap, sizeof(*nt));
		for (size_t i = 0; i < fc->cap; i++) {
			if (!fc->tab[i].h)
				continue;
			size_t k = fc->tab[i].h & (ncap - 1);
			while (nt[k].h)
				k = (k + 1) & (ncap - 1);
			nt[k] = fc->tab[i];
		}
		free(fc->tab);
		fc->tab = nt;
		fc->cap = ncap;
	}
	if (!fc->cap)
		return NULL;
	size_t k = h & (fc->cap - 1);
	while (fc->tab[k].h && fc->tab[k].h != h)
		k = (k + 1) & (fc->cap - 1);
	if (!fc->tab[k].h) {
		if (!create)
			return NULL;
		fc->tab[k] = (struct dentry){.h = h, .pkg = UINT32_MAX};
		fc->used++;
	}
	return &fc->tab[k];
}

static bool parse_md5(const char *s, unsigned char out[16])
{
	for (int i = 0; i < 16; i++) {
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]))
			return false;
		char b[3] = {s[2 * i], s[2 * i + 1], 0};
		out[i] = (unsigned char)strtoul(b, NULL, 16);
	}
	return true;
}

/* "<md5>  <path without the leading slash>" lines */
static void index_md5sums(struct facts *fc, char *text)
{
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		unsigned char md5[16];
		if (strlen(l) < 35 || !parse_md5(l, md5))
			continue;
		const char *p = l + 32;
		p += strspn(p, " ");
		_cleanup_free_ char *abs = xasprintf("/%s", p);
		struct dentry *d = slot(fc, hash_path(abs, strlen(abs)), true);
		memcpy(d->md5, md5, 16);
		d->has_md5 = true;
	}
}

/* status: " /etc/x <md5>" lines under "Conffiles:" */
static void index_conffiles(struct facts *fc, char *text)
{
	bool in = false;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (l[0] != ' ') {
			in = startswith(l, "Conffiles:");
			continue;
		}
		if (!in)
			continue;
		char *p = l + 1;
		size_t pl = strcspn(p, " ");
		const char *m = p + pl + strspn(p + pl, " ");
		unsigned char md5[16];
		if (p[0] != '/' || strlen(m) < 32 || !parse_md5(m, md5))
			continue;
		struct dentry *d = slot(fc, hash_path(p, pl), true);
		if (!d->has_md5) {
			memcpy(d->md5, md5, 16);
			d->has_md5 = true;
		}
	}
}

static void load_dpkg(struct facts *fc)
{
	char **names = NULL;
	size_t n = 0;
	if (!fc->tree || lroot_list(fc->tree, "/var/lib/dpkg/info", &names, &n) < 0) {
		fc->dpkg = -1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		bool list = l > 5 && streq(names[i] + l - 5, ".list");
		bool sums = l > 8 && streq(names[i] + l - 8, ".md5sums");
		if (!list && !sums)
			continue;
		_cleanup_free_ char *path = xasprintf("/var/lib/dpkg/info/%s", names[i]);
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if (lroot_read(fc->tree, path, MAX_LIST_FILE, &text, &len) < 0)
			continue;
		if (sums) {
			index_md5sums(fc, text);
			continue;
		}
		uint32_t pkg = (uint32_t)fc->n_pkgs;
		fc->pkgs = xrealloc(fc->pkgs, (fc->n_pkgs + 1) * sizeof(*fc->pkgs));
		fc->pkgs[fc->n_pkgs++] = xstrndup(names[i], l - 5);
		for (char *save = NULL, *p = strtok_r(text, "\n", &save); p;
		     p = strtok_r(NULL, "\n", &save)) {
			if (p[0] != '/')
				continue;
			struct dentry *d = slot(fc, hash_path(p, strlen(p)), true);
			if (d->pkg == UINT32_MAX)
				d->pkg = pkg;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	_cleanup_free_ char *status = NULL;
	size_t slen = 0;
	if (lroot_read(fc->tree, "/var/lib/dpkg/status", MAX_LIST_FILE, &status, &slen) == 0)
		index_conffiles(fc, status);
	fc->dpkg = fc->n_pkgs ? 1 : -1;
}

static const struct dentry *lookup(struct facts *fc, const char *path)
{
	pthread_mutex_lock(&fc->mu);
	if (!fc->dpkg)
		load_dpkg(fc);
	pthread_mutex_unlock(&fc->mu);
	if (fc->dpkg < 0)
		return NULL;
	/* the table is complete and no longer written: lookups need no lock */
	const struct dentry *d = slot(fc, hash_path(path, strlen(path)), false);
	if (d)
		return d;
	/* merged /usr: packages may name /bin/x for /usr/bin/x, and the other way round */
	static const char *const pairs[][2] = {
	    {"/usr/bin/", "/bin/"},     {"/usr/sbin/", "/sbin/"},   {"/usr/lib/", "/lib/"},
	    {"/usr/lib64/", "/lib64/"}, {"/usr/lib32/", "/lib32/"}, {"/usr/libx32/", "/libx32/"}};
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
		for (int dir = 0; dir < 2; dir++) {
			const char *from = pairs[i][dir], *to = pairs[i][!dir];
			if (!startswith(path, from))
				continue;
			_cleanup_free_ char *alt = xasprintf("%s%s", to, path + strlen(from));
			d = slot(fc, hash_path(alt, strlen(alt)), false);
			if (d)
				return d;
		}
	return NULL;
}

int facts_dpkg_owner(struct facts *fc, const char *path, const char **ret_pkg)
{
	const struct dentry *d = lookup(fc, path);
	if (fc->dpkg < 0)
		return -1;
	if (!d || d->pkg == UINT32_MAX)
		return 0;
	if (ret_pkg)
		*ret_pkg = fc->pkgs[d->pkg];
	return 1;
}

int facts_dpkg_md5(struct facts *fc, const char *path, const unsigned char md5[16])
{
	const struct dentry *d = lookup(fc, path);
	if (!d || !d->has_md5)
		return -1;
	return memcmp(d->md5, md5, 16) == 0 ? 1 : 0;
}
