/* weakpass.c: weak and empty passwords: /etc/shadow (and passwd) hashes tried with crypt_r
 * (libxcrypt: yescrypt, sha512crypt, sha256crypt, md5crypt, bcrypt, DES) against common
 * passwords, the target's own names and --wordlist; redis requirepass; tomcat users.
 * crypt_rn, not crypt_r: the sanitizer runtime intercepts crypt_r and, with --as-needed, can
 * leave libcrypt unlinked behind a NULL real function. */
#include <crypt.h>
#include <ctype.h>
#include <fnmatch.h>
#include <strings.h>

#include "scan/check.h"

static const char *const common[] = {
    "123456",     "password",    "12345678",   "qwerty",     "123456789",     "12345",
    "1234",       "111111",      "1234567",    "dragon",     "123123",        "baseball",
    "abc123",     "football",    "monkey",     "letmein",    "696969",        "shadow",
    "master",     "666666",      "qwertyuiop", "123321",     "mustang",       "1234567890",
    "michael",    "654321",      "superman",   "1qaz2wsx",   "7777777",       "121212",
    "000000",     "qazwsx",      "123qwe",     "killer",     "trustno1",      "jordan",
    "jennifer",   "zxcvbnm",     "asdfgh",     "hunter",     "buster",        "soccer",
    "harley",     "batman",      "andrew",     "tigger",     "sunshine",      "iloveyou",
    "charlie",    "robert",      "thomas",     "hockey",     "ranger",        "daniel",
    "starwars",   "112233",      "george",     "computer",   "michelle",      "jessica",
    "pepper",     "1111",        "zxcvbn",     "555555",     "11111111",      "131313",
    "freedom",    "777777",      "pass",       "maggie",     "159753",        "aaaaaa",
    "ginger",     "princess",    "joshua",     "cheese",     "amanda",        "summer",
    "love",       "ashley",      "nicole",     "chelsea",    "matthew",       "access",
    "yankees",    "987654321",   "dallas",     "austin",     "thunder",       "taylor",
    "matrix",     "root",        "toor",       "admin",      "administrator", "admin123",
    "admin@123",  "root123",     "root@123",   "Passw0rd",   "P@ssw0rd",      "P@ssword",
    "password1",  "password123", "changeme",   "default",    "guest",         "test",
    "test123",    "user",        "oracle",     "postgres",   "mysql",         "redis",
    "docker",     "ubuntu",      "debian",     "centos",     "alpine",        "raspberry",
    "welcome",    "welcome1",    "qwe123",     "1q2w3e4r",   "1q2w3e",        "abcd1234",
    "a123456",    "123456a",     "qwerty123",  "Aa123456",   "Admin@123",     "admin1234",
    "toor123",    "secret",      "server",     "linux",      "system",        "manager",
    "tomcat",     "s3cret",      "foobared",   "redis123",   "nagios",        "vagrant",
    "ansible",    "jenkins",     "git",        "ftp",        "support",       "service",
    "12qwaszx",   "zaq12wsx",    "huawei",     "huawei123",  "Huawei@123",    "1qaz@WSX",
    "qwe123!@#",  "abc@123",     "abc123456",  "888888",     "88888888",      "147258369",
    "5201314",    "woaini",      "woaini1314", "123456789a", "aa123456",      "qq123456",
    "a123456789", "1314520",     "letmein1",   "passw0rd",   "password!",     "Password1",
    "qwer1234",   "1qazxsw2",    "asdf1234",   "zxcv1234",   "pa55word",      "rootroot",
    "adminadmin", "123abc",      "abc",        "master123",  "hello",         "hello123",
    "super",      "tester",      "demo",       "sample",     "temp",          "temp123",
    "x",
};

const char *const *scan_common_passwords(size_t *n)
{
	*n = ARRAY_SIZE(common);
	return common;
}

static const char *const locations[] = {
    "/etc/shadow",
    "/etc/passwd",
    "/etc/redis.conf",
    "/etc/redis/*.conf",
    "/usr/local/etc/redis/*.conf",
    "/etc/tomcat*/tomcat-users.xml",
    "/usr/local/tomcat/conf/tomcat-users.xml",
    "/opt/tomcat/conf/tomcat-users.xml",
    NULL,
};

static bool in_list(const char *pw)
{
	for (size_t i = 0; i < ARRAY_SIZE(common); i++)
		if (streq(common[i], pw))
			return true;
	return false;
}

/* Names of the target that make likely passwords: image repository parts, container name. */
static void target_words(const struct scan_target *t, char ***v, size_t *n)
{
	const char *src[] = {t->name, t->image, NULL};
	for (const char *const *s = src; *s; s++) {
		if (!**s)
			continue;
		_cleanup_free_ char *d = xstrdup(*s);
		for (char *save = NULL, *w = strtok_r(d, "/:@.-_", &save); w;
		     w = strtok_r(NULL, "/:@.-_", &save)) {
			if (strlen(w) < 3 || strlen(w) > 64)
				continue;
			*v = xrealloc(*v, (*n + 2) * sizeof(**v));
			(*v)[(*n)++] = xstrdup(w);
			(*v)[(*n)++] = xasprintf("%s123", w);
		}
	}
}

struct crack {
	struct crypt_data cd;
	const char *hash;
	uint64_t deadline;
	bool cut;
	unsigned tried;
};

static bool try_pw(struct crack *c, const char *pw)
{
	if (c->cut)
		return false;
	if (now_ms() > c->deadline) {
		c->cut = true;
		return false;
	}
	c->tried++;
	const char *r = crypt_rn(pw, c->hash, &c->cd, (int)sizeof(c->cd));
	return r && r[0] != '*' && streq(r, c->hash);
}

/* Try every candidate; returns the password found (caller frees) or NULL. */
static char *crack_hash(struct scan_job *j, const char *user, const char *hash, bool *ret_cut)
{
	struct scan_engine *e = scan_job_engine(j);
	char *pw = NULL;
	if (scan_engine_crack_cached(e, hash, &pw, ret_cut))
		return pw;
	struct crack *c = xcalloc(1, sizeof(*c));
	c->hash = hash;
	const char *probe = crypt_rn("", hash, &c->cd, (int)sizeof(c->cd));
	if (!probe || probe[0] == '*') {
		/* a method libxcrypt does not know, or a malformed hash */
		free(c);
		*ret_cut = true;
		scan_engine_crack_store(e, hash, NULL, true);
		return NULL;
	}
	c->deadline = now_ms() + scan_engine_crack_ms(e);
	char *found = NULL;
	/* user-specific words first: cheap to try and often right */
	char **tw = NULL;
	size_t ntw = 0;
	target_words(scan_job_target(j), &tw, &ntw);
	tw = xrealloc(tw, (ntw + 4) * sizeof(*tw));
	tw[ntw++] = xstrdup(user);
	tw[ntw++] = xasprintf("%s123", user);
	tw[ntw++] = xasprintf("%s@123", user);
	for (size_t i = 0; i < ntw && !found; i++)
		if (try_pw(c, tw[i]))
			found = xstrdup(tw[i]);
	for (size_t i = 0; i < ARRAY_SIZE(common) && !found; i++)
		if (try_pw(c, common[i]))
			found = xstrdup(common[i]);
	size_t nw;
	const char *const *words = scan_engine_wordlist(e, &nw);
	for (size_t i = 0; i < nw && !found; i++)
		if (try_pw(c, words[i]))
			found = xstrdup(words[i]);
	for (size_t i = 0; i < ntw; i++)
		free(tw[i]);
	free(tw);
	*ret_cut = c->cut && !found;
	free(c);
	scan_engine_crack_store(e, hash, found, *ret_cut);
	return found;
}

static const char *hash_method(const char *h)
{
	if (startswith(h, "$y$"))
		return "yescrypt";
	if (startswith(h, "$gy$"))
		return "gost-yescrypt";
	if (startswith(h, "$7$"))
		return "scrypt";
	if (startswith(h, "$6$"))
		return "sha512crypt";
	if (startswith(h, "$5$"))
		return "sha256crypt";
	if (startswith(h, "$1$"))
		return "md5crypt";
	if (startswith(h, "$2b$") || startswith(h, "$2a$") || startswith(h, "$2y$"))
		return "bcrypt";
	if (strlen(h) == 13)
		return "DES";
	return "unknown";
}

/* name:hash:... lines (shadow, or passwd with the hash in field 2). */
static void check_accounts(struct scan_job *j, struct scan_file *f, bool shadow)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	scan_lines_init(&it, f->data, f->len);
	unsigned cracked = 0;
	while (scan_lines_next(&it, &l, &n)) {
		_cleanup_free_ char *s = xstrndup(l, n);
		char *c1 = strchr(s, ':');
		if (!c1 || c1 == s || *s == '#')
			continue;
		*c1 = '\0';
		char *hash = c1 + 1;
		char *c2 = strchr(hash, ':');
		if (!c2)
			continue;
		*c2 = '\0';
		const char *user = s;
		if (!*hash) {
			scan_add(j, f, "weakpass", "weakpass.empty_password", SEV_CRITICAL, it.no,
			         user, "account '%s' has an empty password: no password is asked",
			         user);
			continue;
		}
		/* locked, disabled, or kept elsewhere */
		if (*hash == '!' || *hash == '*' || (!shadow && streq(hash, "x")) ||
		    strlen(hash) < 13)
			continue;
		if (cracked >= 16)
			break;
		bool cut = false;
		_cleanup_free_ char *pw = crack_hash(j, user, hash, &cut);
		if (pw) {
			cracked++;
			_cleanup_free_ char *m = scan_mask(pw, strlen(pw));
			_cleanup_free_ char *ev =
			    xasprintf("%s: %s password %s", user, hash_method(hash), m);
			scan_add(j, f, "weakpass", "weakpass.weak_password", SEV_CRITICAL, it.no,
			         ev, "account '%s' has a common or guessable password", user);
		} else if (cut) {
			scan_note(j,
			          "%s: password of '%s' (%s) not fully tried: time budget or "
			          "method unsupported",
			          f->path, user, hash_method(hash));
		}
	}
}

static void check_redis(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	bool has_pass = false, exposed = false;
	unsigned exposed_line = 0;
	scan_lines_init(&it, f->data, f->len);
	for (char *p; (p = scan_lines_next_content(&it)); free(p)) {
		if (strncasecmp(p, "requirepass", 11) == 0 && isspace((unsigned char)p[11])) {
			char *v = p + 11 + strspn(p + 11, " \t\"");
			size_t vl = strcspn(v, " \t\"");
			v[vl] = '\0';
			has_pass = vl > 0;
			if (vl && in_list(v)) {
				_cleanup_free_ char *m = scan_mask(v, vl);
				_cleanup_free_ char *ev = xasprintf("requirepass %s", m);
				scan_add(j, f, "weakpass", "weakpass.redis", SEV_HIGH, it.no, ev,
				         "redis password is a common one");
			}
		} else if ((strncasecmp(p, "protected-mode", 14) == 0 && strstr(p, "no")) ||
		           (strncasecmp(p, "bind", 4) == 0 && strstr(p, "0.0.0.0"))) {
			exposed = true;
			exposed_line = it.no;
		}
	}
	if (!has_pass && exposed)
		scan_add(j, f, "weakpass", "weakpass.redis_no_password", SEV_HIGH, exposed_line,
		         NULL, "redis listens beyond localhost without a password");
}

static char *xml_attr(const char *tag, const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), "%s=", name);
	for (const char *p = tag; (p = strstr(p, key)); p++) {
		if (p > tag && !isspace((unsigned char)p[-1]))
			continue;
		const char *v = p + strlen(key);
		char q = *v;
		if (q != '"' && q != '\'')
			continue;
		const char *e = strchr(v + 1, q);
		if (e)
			return xstrndup(v + 1, (size_t)(e - v - 1));
	}
	return NULL;
}

static void check_tomcat(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n)) {
		_cleanup_free_ char *s = xstrndup(l, n);
		char *u = strstr(s, "<user ");
		if (!u)
			continue;
		_cleanup_free_ char *name = xml_attr(u, "username");
		_cleanup_free_ char *pw = xml_attr(u, "password");
		if (!name || !pw)
			continue;
		if (in_list(pw) || streq(pw, name) || !*pw) {
			_cleanup_free_ char *m = scan_mask(pw, strlen(pw));
			_cleanup_free_ char *ev = xasprintf("user %s password %s", name, m);
			scan_add(j, f, "weakpass", "weakpass.tomcat", SEV_HIGH, it.no, ev,
			         "tomcat user '%s' has a weak password", name);
		}
	}
}

static void on_file(struct scan_job *j, struct scan_file *f)
{
	if (!f->data)
		return;
	const char *p = f->path;
	if (streq(p, "/etc/shadow"))
		check_accounts(j, f, true);
	else if (streq(p, "/etc/passwd"))
		check_accounts(j, f, false);
	else if (fnmatch("*redis*.conf", f->name, 0) == 0)
		check_redis(j, f);
	else if (streq(f->name, "tomcat-users.xml"))
		check_tomcat(j, f);
}

const struct scan_check scan_check_weakpass = {
    .name = "weakpass",
    .id = CHK_WEAKPASS,
    .on_file = on_file,
    .locations = locations,
};
