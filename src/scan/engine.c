/* engine.c: one scan of one target: target-level checks, then a single parallel pass over its
 * files feeding YARA, the IOC digests and every file check; findings collected and sorted. */
#include <ctype.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>

#include <sys/xattr.h>

#include "scan/engine.h"
#include "scan/facts.h"
#include "scan/lroot.h"
#include "scan/rules.h"
#include "scan/walker.h"
#include "sources/rootfs.h"

#define DEFAULT_MAX_SIZE (256ull << 20)
#define DEFAULT_MAX_DEPTH 64
#define MAX_NOTES 40
#define EVIDENCE_MAX 200

static const struct scan_check *const all_checks[] = {
    &scan_check_escape,   &scan_check_runtime, &scan_check_history,
    &scan_check_backdoor, &scan_check_persist, &scan_check_webshell,
    &scan_check_malware,  &scan_check_secrets, &scan_check_weakpass,
};

struct crack_entry {
	char *hash;
	char *pw;
	bool cut;
};

struct scan_engine {
	struct scan_opts o;
	struct rules *rules;
	struct hashes *hashes;
	char **words;
	size_t n_words;
	pthread_mutex_t crack_mu;
	struct crack_entry *crack;
	size_t n_crack;
	const struct scan_check *checks[ARRAY_SIZE(all_checks)];
	size_t n_checks;
	const char **only;      /* quick mode: every selected check's locations */
	const char **only_data; /* ... of which the content is read (not marked '!') */
};

struct wstate {
	struct rules_scanner *sc;
	unsigned char *buf;
	size_t cap;
};

struct scan_job {
	struct scan_engine *e;
	struct scan_target *t;
	pthread_mutex_t mu;
	struct scan_finding *f;
	size_t n, cap;
	char **notes;
	size_t n_notes, notes_dropped;
	atomic_uint_fast64_t files, dirs, bytes, symlinks, special, big, deep, fs, errors, findings;
	char *first_big, *first_deep, *first_fs;
	int upper_fd;
	struct lroot tree; /* the target's files outside the walk (accounts, dpkg) */
	struct lroot base; /* --baseline: what "added since the image" compares with */
	struct facts *facts;
	struct wstate *ws;
	unsigned nws;
	uint64_t t0;
};

/* ---- engine ---- */

static int load_wordlist(const char *path, char ***ret, size_t *ret_n, struct cirt_err *err)
{
	char *s = NULL;
	size_t len = 0;
	int r = read_file_max(AT_FDCWD, path, 64u << 20, &s, &len);
	if (r < 0)
		return err_set(err,
		               r == -ENOENT || r == -EISDIR ? CIRT_EXIT_USAGE : CIRT_EXIT_RUNTIME,
		               "--wordlist: '%s': %s", path, strerror(-r));
	char **v = NULL;
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t ll = strlen(l);
		if (ll && l[ll - 1] == '\r')
			l[--ll] = '\0';
		if (!ll)
			continue;
		if (n % 1024 == 0)
			v = xrealloc(v, (n + 1024) * sizeof(*v));
		v[n++] = xstrdup(l);
	}
	free(s);
	*ret = v;
	*ret_n = n;
	return 0;
}

int scan_engine_new(const struct scan_opts *o, struct scan_engine **ret, struct cirt_err *err)
{
	struct scan_engine *e = xcalloc(1, sizeof(*e));
	e->o = *o;
	if (!e->o.checks)
		e->o.checks = e->o.quick ? CHK_QUICK : CHK_ALL;
	if (!e->o.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		e->o.threads = n > 0 ? (unsigned)n : 1;
	}
	if (!e->o.max_size)
		e->o.max_size = DEFAULT_MAX_SIZE;
	if (!e->o.max_depth)
		e->o.max_depth = DEFAULT_MAX_DEPTH;
	if (!e->o.crack_ms)
		e->o.crack_ms = 3000;
	pthread_mutex_init(&e->crack_mu, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(all_checks); i++)
		if (e->o.checks & all_checks[i]->id)
			e->checks[e->n_checks++] = all_checks[i];
	if (e->o.quick) {
		size_t n = 0;
		for (size_t i = 0; i < e->n_checks; i++)
			for (const char *const *l = e->checks[i]->locations; l && *l; l++)
				n++;
		e->only = xcalloc(n + 1, sizeof(*e->only));
		e->only_data = xcalloc(n + 1, sizeof(*e->only_data));
		size_t nd = 0;
		n = 0;
		for (size_t i = 0; i < e->n_checks; i++)
			for (const char *const *l = e->checks[i]->locations; l && *l; l++) {
				/* '!' marks a location read for its metadata only */
				e->only[n++] = **l == '!' ? *l + 1 : *l;
				if (**l != '!')
					e->only_data[nd++] = *l;
			}
	}
	const char *ns[4];
	size_t nns = 0;
	if (e->o.checks & CHK_WEBSHELL)
		ns[nns++] = "webshell";
	if (e->o.checks & CHK_MALWARE)
		ns[nns++] = "malware";
	if (e->o.checks & CHK_SECRETS)
		ns[nns++] = "secrets";
	ns[nns] = NULL;
	if ((nns || e->o.rules_dir) && rules_compile(ns, e->o.rules_dir, &e->rules, err) < 0)
		goto fail;
	if (e->o.hashes && hashes_load(e->o.hashes, &e->hashes, err) < 0)
		goto fail;
	if (e->o.wordlist && load_wordlist(e->o.wordlist, &e->words, &e->n_words, err) < 0)
		goto fail;
	*ret = e;
	return 0;
fail:
	scan_engine_free(e);
	return -1;
}

void scan_engine_free(struct scan_engine *e)
{
	if (!e)
		return;
	rules_free(e->rules);
	hashes_free(e->hashes);
	for (size_t i = 0; i < e->n_words; i++)
		free(e->words[i]);
	free(e->words);
	for (size_t i = 0; i < e->n_crack; i++) {
		free(e->crack[i].hash);
		free(e->crack[i].pw);
	}
	free(e->crack);
	pthread_mutex_destroy(&e->crack_mu);
	free(e->only);
	free(e->only_data);
	free(e);
}

size_t scan_engine_rule_count(const struct scan_engine *e)
{
	return rules_count(e->rules);
}

const char *const *scan_engine_rule_errors(const struct scan_engine *e, size_t *ret_n)
{
	return rules_errors(e->rules, ret_n);
}

const char *const *scan_engine_wordlist(struct scan_engine *e, size_t *n)
{
	*n = e->n_words;
	return (const char *const *)e->words;
}

unsigned scan_engine_crack_ms(struct scan_engine *e)
{
	return e->o.crack_ms;
}

bool scan_engine_crack_cached(struct scan_engine *e, const char *hash, char **ret_pw, bool *ret_cut)
{
	bool found = false;
	pthread_mutex_lock(&e->crack_mu);
	for (size_t i = 0; i < e->n_crack; i++)
		if (streq(e->crack[i].hash, hash)) {
			*ret_pw = xstrdup0(e->crack[i].pw);
			*ret_cut = e->crack[i].cut;
			found = true;
			break;
		}
	pthread_mutex_unlock(&e->crack_mu);
	return found;
}

void scan_engine_crack_store(struct scan_engine *e, const char *hash, const char *pw, bool cut)
{
	pthread_mutex_lock(&e->crack_mu);
	e->crack = xrealloc(e->crack, (e->n_crack + 1) * sizeof(*e->crack));
	e->crack[e->n_crack++] = (struct crack_entry){xstrdup(hash), xstrdup0(pw), cut};
	pthread_mutex_unlock(&e->crack_mu);
}

bool scan_engine_has_hashes(struct scan_engine *e)
{
	return e->hashes != NULL;
}

const char *scan_engine_hash_lookup(struct scan_engine *e, const unsigned char digest[32])
{
	return e->hashes ? hashes_lookup(e->hashes, digest) : NULL;
}

/* ---- findings ---- */

const struct scan_target *scan_job_target(struct scan_job *j)
{
	return j->t;
}

struct scan_engine *scan_job_engine(struct scan_job *j)
{
	return j->e;
}

enum scan_origin scan_origin(struct scan_job *j, struct scan_file *f)
{
	if (f->origin_pending) {
		f->origin_pending = false;
		struct stat st;
		if (lroot_ok(&j->base))
			f->origin = baseline_origin(&j->base, f);
		else
			f->origin = j->upper_fd >= 0 && rootfs_lstat(j->upper_fd, f->path, &st) == 0
			                ? ORIGIN_ADDED
			                : ORIGIN_IMAGE;
	}
	return f->origin;
}

const struct scan_account *scan_job_account(struct scan_job *j, unsigned uid)
{
	return facts_account(j->facts, uid);
}

const struct scan_account *scan_job_account_named(struct scan_job *j, const char *name)
{
	return facts_account_named(j->facts, name);
}

const struct scan_group *scan_job_groups(struct scan_job *j, size_t *ret_n)
{
	return facts_groups(j->facts, ret_n);
}

bool scan_job_home_user(struct scan_job *j, const char *path, char *user, size_t n,
                        const char **ret_rel)
{
	return facts_home_user(j->facts, path, user, n, ret_rel);
}

bool scan_job_exists(struct scan_job *j, const char *path, struct stat *st)
{
	return lroot_ok(&j->tree) && lroot_lstat(&j->tree, path, st, NULL) == 0;
}

int scan_job_dpkg_owner(struct scan_job *j, const char *path, const char **ret_pkg)
{
	return j->facts ? facts_dpkg_owner(j->facts, path, ret_pkg) : -1;
}

int scan_job_dpkg_intact(struct scan_job *j, const struct scan_file *f)
{
	if (!j->facts || !f->data || (uint64_t)f->len != (uint64_t)f->st.st_size)
		return -1;
	unsigned char md5[16];
	unsigned int dl = 0;
	if (EVP_Digest(f->data, f->len, md5, &dl, EVP_md5(), NULL) != 1 || dl != 16)
		return -1;
	return facts_dpkg_md5(j->facts, f->path, md5);
}

/* One line, at most EVIDENCE_MAX bytes, cut on a UTF-8 boundary. */
static char *one_line(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strcspn(s, "\n");
	if (n > EVIDENCE_MAX) {
		n = EVIDENCE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return xstrndup(s, n);
}

static void add(struct scan_job *j, const struct scan_finding *nf)
{
	pthread_mutex_lock(&j->mu);
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 32;
		j->f = xrealloc(j->f, j->cap * sizeof(*j->f));
	}
	j->f[j->n++] = *nf;
	pthread_mutex_unlock(&j->mu);
	atomic_fetch_add(&j->findings, 1);
}

static void vadd(struct scan_job *j, struct scan_file *f, const char *check, const char *rule,
                 enum scan_sev sev, unsigned line, const char *evidence, const char *technique,
                 const char *fmt, va_list ap) __attribute__((format(printf, 9, 0)));
static void vadd(struct scan_job *j, struct scan_file *f, const char *check, const char *rule,
                 enum scan_sev sev, unsigned line, const char *evidence, const char *technique,
                 const char *fmt, va_list ap)
{
	struct scan_finding nf = {
	    .check = xstrdup(check),
	    .rule = xstrdup(rule),
	    .sev = sev,
	    .path = f ? xstrdup(f->path) : NULL,
	    .line = line,
	    .origin = f ? scan_origin(j, f) : ORIGIN_NONE,
	    .evidence = one_line(evidence),
	    .technique = xstrdup0(technique ? technique : scan_rule_technique(rule)),
	};
	nf.reason = xvasprintf(fmt, ap);
	add(j, &nf);
}

void scan_add(struct scan_job *j, struct scan_file *f, const char *check, const char *rule,
              enum scan_sev sev, unsigned line, const char *evidence, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(j, f, check, rule, sev, line, evidence, NULL, fmt, ap);
	va_end(ap);
}

void scan_add_pid(struct scan_job *j, int pid, const char *path, const char *check,
                  const char *rule, enum scan_sev sev, const char *evidence, const char *fmt, ...)
{
	struct scan_finding nf = {
	    .check = xstrdup(check),
	    .rule = xstrdup(rule),
	    .sev = sev,
	    .path = xstrdup0(path),
	    .pid = pid,
	    .evidence = one_line(evidence),
	    .technique = xstrdup0(scan_rule_technique(rule)),
	};
	va_list ap;
	va_start(ap, fmt);
	nf.reason = xvasprintf(fmt, ap);
	va_end(ap);
	add(j, &nf);
}

void scan_add_hit(struct scan_job *j, struct scan_file *f, const char *check,
                  const char *rule_prefix, const struct scan_hit *h, enum scan_sev dflt)
{
	_cleanup_free_ char *rule = xasprintf("%s.%s", rule_prefix, h->rule);
	_cleanup_free_ char *ev = NULL;
	unsigned line = 0;
	if (f->data && scan_is_binary(f->data, f->len)) {
		size_t n = h->len > 64 ? 64 : h->len;
		_cleanup_free_ char *bytes = xstrndup((const char *)f->data + h->off, n);
		ev = xasprintf("offset 0x%zx: %s", h->off, bytes);
	} else if (f->data) {
		ev = scan_line_at(f->data, f->len, h->off, 160, &line);
	}
	scan_add_t(j, f, check, rule, h->sev >= 0 ? (enum scan_sev)h->sev : dflt, line, ev,
	           h->technique, "%s", h->desc ? h->desc : h->rule);
}

void scan_add_t(struct scan_job *j, struct scan_file *f, const char *check, const char *rule,
                enum scan_sev sev, unsigned line, const char *evidence, const char *technique,
                const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(j, f, check, rule, sev, line, evidence, technique, fmt, ap);
	va_end(ap);
}

void scan_note(struct scan_job *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&j->mu);
	bool dup = false;
	for (size_t i = 0; i < j->n_notes && !dup; i++)
		dup = streq(j->notes[i], s);
	if (!dup && j->n_notes < MAX_NOTES) {
		j->notes = xrealloc(j->notes, (j->n_notes + 1) * sizeof(*j->notes));
		j->notes[j->n_notes++] = s;
		s = NULL;
	} else if (!dup) {
		j->notes_dropped++;
	}
	pthread_mutex_unlock(&j->mu);
	free(s);
}

/* ---- the pass ---- */

unsigned scan_job_threads(struct scan_job *j)
{
	return j->nws;
}

uint64_t scan_job_max_size(struct scan_job *j)
{
	return j->e->o.max_size;
}

const char *const *scan_job_only(struct scan_job *j)
{
	return j->e->o.quick ? j->e->only : NULL;
}

bool scan_job_wants_data(struct scan_job *j, const char *path)
{
	return !j->e->o.quick || walk_file_wanted(j->e->only_data, path);
}

static void set_first(struct scan_job *j, char **slot, const char *path)
{
	pthread_mutex_lock(&j->mu);
	if (!*slot)
		*slot = xstrdup(path);
	pthread_mutex_unlock(&j->mu);
}

void scan_job_count(struct scan_job *j, const struct stat *st, uint64_t bytes_read, bool too_big,
                    const char *path)
{
	if (S_ISREG(st->st_mode))
		atomic_fetch_add(&j->files, 1);
	else if (S_ISLNK(st->st_mode))
		atomic_fetch_add(&j->symlinks, 1);
	else
		atomic_fetch_add(&j->special, 1);
	atomic_fetch_add(&j->bytes, bytes_read);
	if (too_big) {
		atomic_fetch_add(&j->big, 1);
		set_first(j, &j->first_big, path);
	}
}

void scan_job_count_dir(struct scan_job *j)
{
	atomic_fetch_add(&j->dirs, 1);
}

void scan_job_tick(void *ud)
{
	struct scan_job *j = ud;
	if (!j->e->o.progress)
		return;
	struct scan_progress p = {
	    .files = atomic_load(&j->files),
	    .bytes = atomic_load(&j->bytes),
	    .findings = atomic_load(&j->findings),
	    .elapsed_ms = now_ms() - j->t0,
	    .target = j->t->name,
	};
	j->e->o.progress(j->e->o.progress_ud, &p);
}

void scan_job_file(struct scan_job *j, unsigned worker, struct scan_file *f)
{
	struct wstate *w = &j->ws[worker];
	f->hits = NULL;
	f->n_hits = 0;
	if (f->data && w->sc) {
		/* the external variables shared rule sets expect */
		char ext[34] = "", owner[24];
		const char *dot = strrchr(f->name, '.');
		if (dot && dot != f->name && strlen(dot) < sizeof(ext))
			for (size_t k = 0; dot[k]; k++)
				ext[k] = (char)tolower((unsigned char)dot[k]);
		const struct scan_account *a = facts_account(j->facts, (unsigned)f->st.st_uid);
		snprintf(owner, sizeof(owner), "%u", (unsigned)f->st.st_uid);
		struct rules_vars v = {
		    .filename = f->name,
		    .filepath = f->path,
		    .extension = ext,
		    .filetype = rules_filetype(f->data, f->len),
		    .owner = a ? a->name : owner,
		};
		rules_scanner_set_vars(w->sc, &v);
		const char *what = NULL;
		if (rules_scan(w->sc, f->data, f->len, &f->hits, &f->n_hits, &what) < 0)
			scan_note(j, "%s: %s", f->path, what);
	}
	if (f->data && j->e->hashes) {
		unsigned int dl = 0;
		f->have_sha256 =
		    EVP_Digest(f->data, f->len, f->sha256, &dl, EVP_sha256(), NULL) == 1 &&
		    dl == 32;
	}
	for (size_t i = 0; i < j->e->n_checks; i++)
		if (j->e->checks[i]->on_file)
			j->e->checks[i]->on_file(j, f);
}

/* Read a whole file (at most max bytes) into the worker's buffer, NUL-terminated. */
static int read_all(int fd, struct wstate *w, uint64_t hint, uint64_t max, size_t *ret_len)
{
	size_t want = (size_t)(hint < max ? hint : max) + 1;
	if (w->cap < want) {
		free(w->buf);
		w->cap = want < 65536 ? 65536 : want;
		w->buf = xmalloc(w->cap);
	}
	size_t len = 0;
	for (;;) {
		if (len + 1 == w->cap) {
			if (len >= max)
				break;
			size_t ncap = w->cap * 2 > max + 1 ? (size_t)max + 1 : w->cap * 2;
			w->buf = xrealloc(w->buf, ncap);
			w->cap = ncap;
		}
		ssize_t r = read(fd, w->buf + len, w->cap - 1 - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	w->buf[len] = '\0';
	*ret_len = len;
	return 0;
}

/* File capabilities (security.capability: struct vfs_cap_data, little-endian). */
static void read_caps(int fd, struct scan_file *f)
{
	unsigned char v[24];
	ssize_t n = fgetxattr(fd, "security.capability", v, sizeof(v));
	if (n < 12)
		return;
	uint32_t magic =
	    (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24;
	uint64_t lo =
	    (uint64_t)v[4] | (uint64_t)v[5] << 8 | (uint64_t)v[6] << 16 | (uint64_t)v[7] << 24;
	uint64_t hi = 0;
	if (n >= 20 && (magic & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_1)
		hi = (uint64_t)v[12] | (uint64_t)v[13] << 8 | (uint64_t)v[14] << 16 |
		     (uint64_t)v[15] << 24;
	f->caps = lo | hi << 32;
	f->caps_effective = magic & VFS_CAP_FLAGS_EFFECTIVE;
}

static void on_entry(void *ud, unsigned worker, const struct walk_entry *e)
{
	struct scan_job *j = ud;
	struct wstate *w = &j->ws[worker];
	const struct scan_target *t = j->t;
	struct scan_file f = {.path = e->path, .name = e->name, .st = e->st, .layer = e->layer};
	if (t->n_layers)
		f.origin = t->top_is_upper && e->layer == 0 ? ORIGIN_ADDED : ORIGIN_IMAGE;
	else if (t->kind == SCAN_ROOTFS) {
		f.origin = ORIGIN_UNKNOWN;
		f.origin_pending = lroot_ok(&j->base); /* compared with --baseline */
	} else if (e->mount)
		f.origin = ORIGIN_MOUNT;
	else
		f.origin_pending = true;
	char link[4096];
	uint64_t got = 0;
	bool big = false;
	if (S_ISREG(e->st.st_mode)) {
		if ((uint64_t)e->st.st_size > j->e->o.max_size) {
			big = true;
		} else if (!scan_job_wants_data(j, e->path)) {
			/* quick mode: metadata only */
		} else {
			_cleanup_close_ int fd = walk_open(e);
			size_t len = 0;
			int r = fd < 0 ? fd
			               : read_all(fd, w, (uint64_t)e->st.st_size, j->e->o.max_size,
			                          &len);
			if (r < 0) {
				atomic_fetch_add(&j->errors, 1);
				scan_note(j, "%s: %s", e->path, strerror(-r));
			} else {
				f.data = w->buf;
				f.len = len;
				got = len;
			}
			if (fd >= 0 &&
			    ((e->st.st_mode & 0111) || startswith(e->path, "/tmp/") ||
			     startswith(e->path, "/var/tmp/") || startswith(e->path, "/dev/shm/")))
				read_caps(fd, &f);
		}
	} else if (S_ISLNK(e->st.st_mode)) {
		if (walk_readlink(e, link, sizeof(link)) == 0)
			f.link = link;
	}
	scan_job_count(j, &e->st, got, big, e->path);
	if (!S_ISREG(e->st.st_mode) && !S_ISLNK(e->st.st_mode))
		return; /* devices, FIFOs, sockets: counted, never opened */
	scan_job_file(j, worker, &f);
	/* one huge file should not pin its buffer for the rest of the pass */
	if (w->cap > (64u << 20)) {
		free(w->buf);
		w->buf = NULL;
		w->cap = 0;
	}
}

static void on_skip(void *ud, const char *path, enum walk_skip why, int err)
{
	struct scan_job *j = ud;
	switch (why) {
	case WALK_SKIP_DEPTH:
		atomic_fetch_add(&j->deep, 1);
		set_first(j, &j->first_deep, path);
		break;
	case WALK_SKIP_FS:
		/* pseudo filesystems (devpts, mqueue, ...) are skipped silently; volumes are worth
		 * a note */
		atomic_fetch_add(&j->fs, 1);
		if (j->e->o.xdev)
			scan_note(j, "%s: not entered (another filesystem, --xdev)", path);
		break;
	case WALK_SKIP_PATH:
		if (!streq(path, "/proc") && !streq(path, "/sys"))
			scan_note(j,
			          "%s: not entered (a host directory mounted into the container)",
			          path);
		break;
	case WALK_SKIP_ERROR:
		atomic_fetch_add(&j->errors, 1);
		scan_note(j, "%s: %s", path, strerror(err));
		break;
	}
}

static int walk_target(struct scan_job *j, struct cirt_err *err)
{
	struct scan_target *t = j->t;
	size_t nroots = t->n_layers ? t->n_layers : 1;
	int *roots = xcalloc(nroots, sizeof(int));
	int r = 0;
	for (size_t i = 0; i < nroots; i++)
		roots[i] = -1;
	for (size_t i = 0; i < nroots; i++) {
		const char *dir = t->n_layers ? t->layers[i] : t->root;
		roots[i] = rootfs_open_root(dir);
		if (roots[i] < 0) {
			/* gone: the container stopped or was removed meanwhile (the caller may look
			 * again) */
			int code = roots[i] == -EACCES || roots[i] == -EPERM   ? CIRT_EXIT_PERM
			           : roots[i] == -ENOENT || roots[i] == -ESRCH ? CIRT_EXIT_NOTFOUND
			                                                       : CIRT_EXIT_RUNTIME;
			r = err_set(err, code, "open '%s': %s", dir, strerror(-roots[i]));
			goto out;
		}
	}
	size_t nskip = 2 + t->n_skip;
	char **skip = xcalloc(nskip, sizeof(*skip));
	skip[0] = "/proc";
	skip[1] = "/sys";
	for (size_t i = 0; i < t->n_skip; i++)
		skip[2 + i] = t->skip[i];
	struct walk_opts wo = {
	    .roots = roots,
	    .n_roots = nroots,
	    .overlay = t->n_layers > 0,
	    .threads = j->nws,
	    .max_depth = j->e->o.max_depth,
	    .xdev = j->e->o.xdev,
	    .skip = skip,
	    .n_skip = nskip,
	    .only = scan_job_only(j),
	    .on_entry = on_entry,
	    .on_skip = on_skip,
	    .ud = j,
	    .tick_ms = 200,
	    .tick = scan_job_tick,
	};
	struct walk_stats ws = {0};
	r = walk_run(&wo, &ws, err);
	atomic_store(&j->dirs, ws.dirs);
	free(skip);
out:
	for (size_t i = 0; i < nroots; i++)
		if (roots[i] >= 0)
			close(roots[i]);
	free(roots);
	return r;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct scan_finding *x = a, *y = b;
	if (x->sev != y->sev)
		return (int)y->sev - (int)x->sev;
	int r = strcmp(x->path ? x->path : "", y->path ? y->path : "");
	if (r)
		return r;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	r = strcmp(x->rule, y->rule);
	if (r)
		return r;
	return x->pid - y->pid;
}

int scan_target_run(struct scan_engine *e, struct scan_target *t, struct scan_result *ret,
                    struct cirt_err *err)
{
	struct scan_job *j = xcalloc(1, sizeof(*j));
	j->e = e;
	j->t = t;
	j->upper_fd = -1;
	j->t0 = now_ms();
	pthread_mutex_init(&j->mu, NULL);
	j->nws = e->o.threads;
	j->ws = xcalloc(j->nws, sizeof(*j->ws));
	for (unsigned i = 0; e->rules && i < j->nws; i++) {
		j->ws[i].sc = rules_scanner_new(e->rules);
		if (!j->ws[i].sc)
			scan_note(
			    j,
			    "yara: cannot create a scanner: files were not matched against rules");
	}
	for (size_t i = 0; i < t->n_notes; i++)
		scan_note(j, "%s", t->notes[i]);
	size_t n_rule_errors = 0;
	const char *const *rule_errors = rules_errors(e->rules, &n_rule_errors);
	for (size_t i = 0; i < n_rule_errors; i++)
		scan_note(j, "rules: %s (file left out)", rule_errors[i]);
	const char *bad = NULL;
	if (t->kind != SCAN_HOST && !t->tarball && (t->root || t->n_layers)) {
		int fr = lroot_open(&j->tree, t->root, t->layers, t->n_layers, &bad);
		if (fr < 0)
			scan_note(j, "'%s': %s: accounts and packages not read", bad,
			          strerror(-fr));
	}
	j->facts = facts_new(&j->tree);
	if (t->base_root || t->n_base_layers) {
		int br = lroot_open(&j->base, t->base_root, t->base_layers, t->n_base_layers, &bad);
		if (br < 0)
			scan_note(j,
			          "baseline '%s': %s: findings are not marked as added since the "
			          "image",
			          bad, strerror(-br));
	}
	if (t->upper && !t->n_layers) {
		j->upper_fd = rootfs_open_root(t->upper);
		if (j->upper_fd < 0)
			scan_note(j,
			          "upper layer '%s': %s: findings are not marked as added since "
			          "the image",
			          t->upper, strerror(-j->upper_fd));
	}
	for (size_t i = 0; i < e->n_checks; i++)
		if (e->checks[i]->on_target)
			e->checks[i]->on_target(j);
	int r = 0;
	/* a target may bring facts only (the host; a container known from inspect alone) */
	if (t->kind != SCAN_HOST && (t->root || t->n_layers || t->tarball)) {
		if (t->tarball)
			r = tarball_scan(j, t->tarball, err);
		else
			r = walk_target(j, err);
	}
	scan_job_tick(j);
	if (j->upper_fd >= 0)
		close(j->upper_fd);
	facts_free(j->facts);
	lroot_close(&j->tree);
	lroot_close(&j->base);
	for (unsigned i = 0; i < j->nws; i++) {
		rules_scanner_free(j->ws[i].sc);
		free(j->ws[i].buf);
	}
	free(j->ws);
	uint64_t big = atomic_load(&j->big), deep = atomic_load(&j->deep);
	if (big) {
		char tmp[32];
		scan_note(j, "%llu file%s larger than %s not read (--max-size), e.g. %s",
		          (unsigned long long)big, big == 1 ? "" : "s",
		          fmt_bytes(e->o.max_size, tmp, sizeof(tmp)), j->first_big);
	}
	if (deep)
		scan_note(
		    j, "%llu director%s deeper than %u levels not entered (--max-depth), e.g. %s",
		    (unsigned long long)deep, deep == 1 ? "y" : "ies", e->o.max_depth,
		    j->first_deep);
	if (j->notes_dropped)
		scan_note(j, "... and %zu more notes", j->notes_dropped);
	free(j->first_big);
	free(j->first_deep);
	free(j->first_fs);
	if (j->n)
		qsort(j->f, j->n, sizeof(*j->f), cmp_finding);
	*ret = (struct scan_result){
	    .f = j->f,
	    .n = j->n,
	    .notes = j->notes,
	    .n_notes = j->n_notes,
	    .st =
	        {
	            .files = atomic_load(&j->files),
	            .dirs = atomic_load(&j->dirs),
	            .bytes = atomic_load(&j->bytes),
	            .symlinks = atomic_load(&j->symlinks),
	            .special = atomic_load(&j->special),
	            .skipped_size = big,
	            .skipped_depth = deep,
	            .skipped_fs = atomic_load(&j->fs),
	            .errors = atomic_load(&j->errors),
	            .elapsed_ms = now_ms() - j->t0,
	        },
	};
	pthread_mutex_destroy(&j->mu);
	free(j);
	if (r < 0) {
		scan_result_clear(ret);
		return -1;
	}
	return 0;
}
