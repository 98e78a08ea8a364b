/* merge.c: reading per-host results for `cirt merge`: the paths given, each host's answer, status
 * and fetched files (hashed against the host's SHA256SUMS), the command they answer, what differs
 * between hosts. Every file under a results directory is untrusted (written from what a host
 * sent): read confined to the host's directory, regular files only, bounded. */
#include "analyses/merge.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "escape.h"
#include "evidence/bundle.h"
#include "json.h"
#include "pool.h"
#include "sources/rootfs.h"

#define MAX_STATUS (1u << 20)
#define MAX_SUMS (16u << 20)
#define MAX_SUM_LINES 100000

struct merge_set *merge_set_new(void)
{
	return xcalloc(1, sizeof(struct merge_set));
}

static void host_clear(struct merge_host *h)
{
	free(h->name);
	free(h->path);
	free(h->error);
	json_decref(h->doc);
	json_decref(h->status);
	json_decref(h->files);
}

void merge_set_free(struct merge_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		host_clear(&s->v[i]);
	free(s->v);
	for (size_t i = 0; i < s->n_warnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	free(s);
}

static const char *const kind_names[] = {
    [MERGE_UNKNOWN] = "unknown", [MERGE_LOCATE] = "locate", [MERGE_TRIAGE] = "triage",
    [MERGE_SCAN] = "scan",       [MERGE_PS] = "ps",         [MERGE_COLLECT] = "collect",
};

const char *merge_kind_name(enum merge_kind k)
{
	return k <= MERGE_COLLECT ? kind_names[k] : "unknown";
}

/* The shapes, most specific first: locate and triage documents also hold "containers". */
enum merge_kind merge_detect(json_t *doc)
{
	if (!json_is_object(doc))
		return MERGE_UNKNOWN;
	if (jobj(doc, "query") && (jarr(doc, "findings") || jarr(doc, "containers")))
		return MERGE_LOCATE;
	if (jarr(doc, "summary") && (jobj(doc, "counts") || jstr(doc, "source")))
		return MERGE_TRIAGE;
	if (jarr(doc, "targets") && jobj(doc, "summary"))
		return MERGE_SCAN;
	if (jstr(doc, "bundle") && jstr(doc, "sha256"))
		return MERGE_COLLECT;
	if (jarr(doc, "containers") &&
	    (json_object_get(doc, "docker_host") || json_object_get(doc, "daemonless")))
		return MERGE_PS;
	return MERGE_UNKNOWN;
}

static void host_error(struct merge_host *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void host_error(struct merge_host *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	if (h->error) {
		char *both = xasprintf("%s; %s", h->error, m);
		free(m);
		m = both;
	}
	free(h->error);
	h->error = m;
}

/* The answer's text into h->doc, or the reason it is not one. */
static void take_answer(struct merge_host *h, const char *text, size_t len)
{
	if (len == 0) {
		host_error(h, "%s is empty", MERGE_RESULT_FILE);
		return;
	}
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		host_error(h, "%s is not JSON (line %d: %s)", MERGE_RESULT_FILE, je.line, je.text);
		return;
	}
	enum merge_kind k = merge_detect(doc);
	if (k == MERGE_UNKNOWN) {
		json_decref(doc);
		host_error(h,
		           "%s is not an answer of cirt triage, locate, scan, ps or collect with "
		           "--json",
		           MERGE_RESULT_FILE);
		return;
	}
	h->doc = doc;
	h->kind = k;
	h->answered = true;
}

/* Whether status.json says the run failed: anything but "ok" or "found" with cirt's exit 0 or 1. */
static bool status_failed(json_t *st)
{
	const char *what = jstr(st, "status");
	long long rc = jint(st, "rc", -1);
	return !what || !(streq(what, "ok") || streq(what, "found")) || rc > 1;
}

/* status.json: the run's outcome as the playbook saw it. A failure is the host's error (with an
 * answer too, the answer is partial: collect of a container that stopped prints one, exit 9). */
static void take_status(struct merge_host *h, const char *text, size_t len)
{
	json_error_t je;
	json_t *st = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!st) {
		host_error(h, "%s is not JSON (line %d: %s)", MERGE_STATUS_FILE, je.line, je.text);
		return;
	}
	if (!json_is_object(st)) {
		json_decref(st);
		host_error(h, "%s is not a JSON object", MERGE_STATUS_FILE);
		return;
	}
	h->status = st;
	if (!status_failed(st))
		return;
	const char *what = jstr(st, "status");
	long long rc = jint(st, "rc", -1);
	const char *msg = jstr(st, "msg");
	if (rc >= 0)
		host_error(h, "%s (exit status %lld)%s%s", what ? what : "failed", rc,
		           msg ? ": " : "", msg ? msg : "");
	else
		host_error(h, "%s%s%s", what ? what : "failed", msg ? ": " : "", msg ? msg : "");
}

void merge_add(struct merge_set *s, const char *host, const char *text, size_t len,
               const char *status, size_t status_len)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	struct merge_host *h = &s->v[s->n++];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(host);
	h->path = xstrdup(host);
	h->files = json_array();
	if (text)
		take_answer(h, text, len);
	if (status)
		take_status(h, status, status_len);
	if (!text && !status)
		host_error(h, "no result: neither %s nor %s", MERGE_RESULT_FILE, MERGE_STATUS_FILE);
	h->missing = !text && (!h->status || !status_failed(h->status)) && !(status && !h->status);
}

/* ------------------------------------------------------------------ reading from disk */

static bool is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* One line of SHA256SUMS checked: the file (inside the host's directory) hashed again. */
static void check_sum(struct merge_host *h, int rootfd, const char *hex, const char *path)
{
	json_t *o = json_object();
	json_object_set_new(o, "path", json_str(path));
	json_object_set_new(o, "sha256", json_string(hex));
	const char *problem = NULL;
	char actual[65] = "";
	bool bad_name = !*path || path[0] == '/' || streq(path, "..") || startswith(path, "../") ||
	                strstr(path, "/../") ||
	                (strlen(path) >= 3 && streq(path + strlen(path) - 3, "/.."));
	struct stat st;
	int fd = bad_name ? -EINVAL : rootfs_open_regular(rootfd, path, &st);
	if (bad_name)
		problem = "not a path inside the host's directory";
	else if (fd == -ENOENT)
		problem = "missing";
	else if (fd < 0)
		problem = fd == -EINVAL ? "not a regular file" : "unreadable";
	else {
		uint64_t size;
		if (ev_sha256_fd(fd, actual, &size) < 0)
			problem = "unreadable";
		else if (!streq(actual, hex))
			problem = "does not match its hash";
		close(fd);
	}
	json_object_set_new(o, "actual", actual[0] ? json_string(actual) : json_null());
	json_object_set_new(o, "ok", json_boolean(!problem));
	json_object_set_new(o, "problem", problem ? json_string(problem) : json_null());
	json_array_append_new(h->files, o);
	if (problem)
		h->files_bad++;
}

/* SHA256SUMS as sha256sum writes it: "<64 hex>  <path>" (or " *<path>"), one a line. */
static void check_sums(struct merge_host *h, int rootfd, char *text, size_t len)
{
	size_t lines = 0;
	for (char *p = text, *end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		*e = '\0';
		if (e > p && e[-1] == '\r')
			e[-1] = '\0';
		if (*p && ++lines > MAX_SUM_LINES) {
			host_error(h, "%s: more than %d lines: the rest is not checked",
			           MERGE_SUMS_FILE, MAX_SUM_LINES);
			break;
		}
		if (*p && (strlen(p) < 67 || !is_hex64(p) || p[64] != ' ' ||
		           (p[65] != ' ' && p[65] != '*'))) {
			host_error(h, "%s: line %zu is not \"<sha256>  <path>\"", MERGE_SUMS_FILE,
			           lines);
			h->files_bad++;
		} else if (*p) {
			char hex[65];
			memcpy(hex, p, 64);
			hex[64] = '\0';
			check_sum(h, rootfd, hex, p + 66);
		}
		p = e + 1;
	}
}

/* A regular file given by the user (never a FIFO or device: O_NONBLOCK, then fstat). */
static int read_regular(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	return read_fd_max(fd, max + 1, ret, ret_len);
}

static const char *read_problem(int r)
{
	return r == -EFBIG    ? "larger than 256 MiB"
	       : r == -EINVAL ? "not a regular file"
	                      : strerror(-r);
}

/* Read one host: its directory (answer, status, sums) or its lone JSON file. */
static void read_host(struct merge_host *h, bool is_dir)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (!is_dir) {
		int r = read_regular(AT_FDCWD, h->path, MERGE_MAX_FILE, &text, &len);
		if (r == 0 && len > MERGE_MAX_FILE)
			r = -EFBIG;
		if (r < 0)
			host_error(h, "cannot read it: %s", read_problem(r));
		else
			take_answer(h, text, len);
		return;
	}
	_cleanup_close_ int rootfd = rootfs_open_root(h->path);
	if (rootfd < 0) {
		host_error(h, "cannot open its directory: %s", strerror(-rootfd));
		return;
	}
	_cleanup_free_ char *st = NULL;
	size_t st_len = 0;
	int rs = rootfs_read_file(rootfd, MERGE_STATUS_FILE, MAX_STATUS + 1, &st, &st_len);
	if (rs == 0 && st_len > MAX_STATUS)
		host_error(h, "%s is larger than 1 MiB", MERGE_STATUS_FILE);
	else if (rs == 0)
		take_status(h, st, st_len);
	else if (rs != -ENOENT)
		host_error(h, "%s: %s", MERGE_STATUS_FILE, read_problem(rs));
	int ra = rootfs_read_file(rootfd, MERGE_RESULT_FILE, MERGE_MAX_FILE + 1, &text, &len);
	if (ra == 0 && len > MERGE_MAX_FILE)
		host_error(h, "%s is larger than 256 MiB", MERGE_RESULT_FILE);
	else if (ra == 0)
		take_answer(h, text, len);
	else if (ra != -ENOENT)
		host_error(h, "%s: %s", MERGE_RESULT_FILE, read_problem(ra));
	if (ra == -ENOENT && rs == -ENOENT)
		host_error(h, "no result: neither %s nor %s", MERGE_RESULT_FILE, MERGE_STATUS_FILE);
	else if (ra == -ENOENT && !h->error)
		host_error(h, "no result: %s is missing", MERGE_RESULT_FILE);
	h->missing = ra == -ENOENT && (rs == -ENOENT || (h->status && !status_failed(h->status)));
	_cleanup_free_ char *sums = NULL;
	size_t sl = 0;
	int rh = rootfs_read_file(rootfd, MERGE_SUMS_FILE, MAX_SUMS + 1, &sums, &sl);
	if (rh == 0 && sl > MAX_SUMS)
		host_error(h, "%s is larger than 16 MiB: not checked", MERGE_SUMS_FILE);
	else if (rh == 0)
		check_sums(h, rootfd, sums, sl);
	else if (rh != -ENOENT)
		host_error(h, "%s: %s", MERGE_SUMS_FILE, read_problem(rh));
}

struct load_job {
	struct merge_host *h;
	bool is_dir;
};

static void load_one(void *ud, unsigned worker, void *job)
{
	(void)ud, (void)worker;
	struct load_job *j = job;
	read_host(j->h, j->is_dir);
}

static void add_source(struct merge_set *s, struct load_job **jobs, const char *name,
                       const char *path, bool is_dir)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	struct merge_host *h = &s->v[s->n++];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(name);
	h->path = xstrdup(path);
	h->files = json_array();
	*jobs = xrealloc(*jobs, s->n * sizeof(**jobs));
	(*jobs)[s->n - 1].is_dir = is_dir;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a > b && streq(s + a - b, suffix);
}

/* The last component of a path, trailing slashes ignored ("results/web1/" -> "web1"). */
static char *base_name(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t b = n;
	while (b > 0 && path[b - 1] != '/')
		b--;
	char *s = xstrndup(path + b, n - b);
	if (streq(s, ".") || streq(s, "..") || !*s) {
		free(s);
		char *rp = realpath(path, NULL);
		const char *slash = rp ? strrchr(rp, '/') : NULL;
		s = xstrdup(slash && slash[1] ? slash + 1 : rp ? rp : path);
		free(rp);
	}
	return s;
}

static int name_cmp(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* A results directory: every subdirectory and NAME.json directly in it is one host. */
static int add_results_dir(struct merge_set *s, struct load_job **jobs, const char *path,
                           struct cirt_err *err)
{
	DIR *d = opendir(path);
	if (!d)
		return err_set(err, errno == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "merge: '%s': %s", path, strerror(errno));
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	size_t found = 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", path, names[i]);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			add_source(s, jobs, names[i], p, true);
			found++;
		} else if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		           ends_with(names[i], ".json")) {
			_cleanup_free_ char *h = xstrndup(names[i], strlen(names[i]) - 5);
			add_source(s, jobs, h, p, false);
			found++;
		}
		free(names[i]);
	}
	free(names);
	if (!found)
		return err_set(err, CIRT_EXIT_USAGE,
		               "merge: '%s' holds no results (a directory per host, holding %s or "
		               "%s, or HOST.json files)",
		               path, MERGE_RESULT_FILE, MERGE_STATUS_FILE);
	return 0;
}

static bool has_entry(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	return lstat(p, &st) == 0;
}

int merge_load(char *const *paths, size_t n, struct merge_set **ret, struct cirt_err *err)
{
	struct merge_set *s = merge_set_new();
	_cleanup_free_ struct load_job *jobs = NULL;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			int e = errno;
			merge_set_free(s);
			return err_set(err, e == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_USAGE,
			               "merge: '%s': %s", paths[i], strerror(e));
		}
		_cleanup_free_ char *name = base_name(paths[i]);
		if (S_ISREG(st.st_mode)) {
			if (ends_with(name, ".json"))
				name[strlen(name) - 5] = '\0';
			add_source(s, &jobs, name, paths[i], false);
		} else if (!S_ISDIR(st.st_mode)) {
			merge_set_free(s);
			return err_set(err, CIRT_EXIT_USAGE,
			               "merge: '%s' is neither a results directory nor a JSON file",
			               paths[i]);
		} else if (has_entry(paths[i], MERGE_RESULT_FILE) ||
		           has_entry(paths[i], MERGE_STATUS_FILE))
			add_source(s, &jobs, name, paths[i], true);
		else if (add_results_dir(s, &jobs, paths[i], err) < 0) {
			merge_set_free(s);
			return -1;
		}
	}
	/* every host read on its own: parsing is most of the time, and it parallelises */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (unsigned)ncpu;
	if (threads > s->n)
		threads = s->n ? (unsigned)s->n : 1;
	struct pool *p = pool_new(threads, load_one, NULL);
	/* add_source grows jobs with s->v: jobs is NULL only while s->n is 0 */
	for (size_t i = 0; jobs && i < s->n; i++) {
		jobs[i].h = &s->v[i];
		pool_push(p, &jobs[i], 0);
	}
	pool_wait(p, 0, NULL, NULL);
	pool_free(p);
	if (merge_finish(s, err) < 0) {
		merge_set_free(s);
		return -1;
	}
	*ret = s;
	return 0;
}

/* ------------------------------------------------------------------ the set as a whole */

static int host_cmp(const void *a, const void *b)
{
	const struct merge_host *x = a, *y = b;
	int c = strverscmp(x->name, y->name);
	return c ? c : strcmp(x->path, y->path);
}

static void warn_add(struct merge_set *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn_add(struct merge_set *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_vpushf_unique(&s->warnings, &s->n_warnings, fmt, ap);
	va_end(ap);
}

/* A value hosts should share (the cirt version, the binary's hash, locate's query): name the
 * first two that differ. */
static void differs(struct merge_set *s, const char *what, json_t *(*get)(struct merge_host *))
{
	const struct merge_host *first = NULL;
	json_t *v0 = NULL;
	for (size_t i = 0; i < s->n; i++) {
		json_t *v = get(&s->v[i]);
		if (!v)
			continue;
		if (!v0) {
			v0 = v;
			first = &s->v[i];
		} else if (!json_equal(v0, v)) {
			_cleanup_free_ char *a = json_dumps(v0, JSON_COMPACT | JSON_ENCODE_ANY);
			_cleanup_free_ char *b = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			warn_add(s, "%s differ: '%s' has %s, '%s' has %s", what, first->name,
			         a ? a : "?", s->v[i].name, b ? b : "?");
			return;
		}
	}
}

static json_t *get_version(struct merge_host *h)
{
	json_t *v = json_object_get(h->status, "cirt_version");
	if (!json_is_string(v))
		v = json_object_get(h->doc, "cirt_version");
	return json_is_string(v) ? v : NULL;
}

static json_t *get_binary(struct merge_host *h)
{
	json_t *v = json_object_get(h->status, "binary_sha256");
	return json_is_string(v) ? v : NULL;
}

static json_t *get_query(struct merge_host *h)
{
	return h->kind == MERGE_LOCATE ? jobj(h->doc, "query") : NULL;
}

int merge_finish(struct merge_set *s, struct cirt_err *err)
{
	if (!s->n)
		return err_set(err, CIRT_EXIT_USAGE, "merge: no host results to merge");
	qsort(s->v, s->n, sizeof(*s->v), host_cmp);
	const struct merge_host *first = NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct merge_host *h = &s->v[i];
		if (i && streq(h->name, s->v[i - 1].name))
			warn_add(s, "host '%s' appears twice ('%s' and '%s')", h->name,
			         s->v[i - 1].path, h->path);
		if (!h->answered)
			continue;
		if (!first) {
			first = h;
			s->kind = h->kind;
		} else if (h->kind != s->kind)
			return err_set(
			    err, CIRT_EXIT_USAGE,
			    "merge: results of different commands: '%s' has %s, '%s' has "
			    "%s: merge one command's results at a time",
			    first->name, merge_kind_name(first->kind), h->name,
			    merge_kind_name(h->kind));
	}
	differs(s, "cirt versions", get_version);
	differs(s, "cirt binaries (SHA-256)", get_binary);
	differs(s, "locate queries", get_query);
	return 0;
}
