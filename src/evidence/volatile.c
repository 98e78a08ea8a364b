/* volatile.c: the container's processes, read from /proc on the host: status, command line,
 * environment, cwd, executable (recovered through /proc/<pid>/exe when deleted), descriptors,
 * maps, namespaces, cgroup, credentials and the process tree. Nothing runs inside the container. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "escape.h"
#include "evidence/evidence.h"
#include "json.h"

#define MAX_PROCS 4096
#define MAX_FDS 16384
#define SMALL (4u << 20)
#define LARGE (64u << 20)

void ev_note(struct ev *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	bundle_log(e->b, "  note (%s): %s", e->step ? e->step : "-", s);
	json_t *notes = json_object_get(e->summary, "notes");
	if (!notes) {
		notes = json_array();
		json_object_set_new(e->summary, "notes", notes);
	}
	json_array_append_new(notes, json_str(s));
	free(s);
}

static char *slurp(const char *path, size_t max, size_t *len)
{
	char *s = NULL;
	int r = read_file_max(AT_FDCWD, path, max, &s, len);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return s;
}

char *ev_proc_copy(struct ev *e, const char *procpath, const char *rel, size_t max, size_t *ret_len,
                   bool *fatal)
{
	size_t len = 0;
	char *s = slurp(procpath, max, &len);
	if (!s)
		return NULL;
	_cleanup_free_ char *src = xasprintf("host:%s", procpath);
	if (bundle_add_data(e->b, rel, src, s, len, e->err) < 0) {
		free(s);
		*fatal = true;
		errno = EIO;
		return NULL;
	}
	if (ret_len)
		*ret_len = len;
	return s;
}

unsigned long long ev_start_ticks(int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	_cleanup_free_ char *s = slurp(path, 4096, NULL);
	if (!s)
		return 0;
	char *p = strrchr(s, ')');
	if (!p)
		return 0;
	p++;
	unsigned long long v = 0;
	/* after "(comm)": field 3 is the state; start time is field 22 */
	for (int field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return 0;
		if (field == 22)
			v = strtoull(p, NULL, 10);
		while (*p && *p != ' ')
			p++;
	}
	return v;
}

bool ev_alive(struct ev *e)
{
	if (!e->was_running)
		return false;
	if (e->gone)
		return false;
	if (e->c->pid > 0 && ev_start_ticks(e->c->pid) == e->init_start && e->init_start)
		return true;
	e->gone = true;
	_cleanup_free_ char *m = xasprintf("the container's init process (pid %d) had ended when "
	                                   "step '%s' finished: the container stopped; "
	                                   "what was collected before is kept",
	                                   e->c->pid, e->step ? e->step : "?");
	bundle_incomplete(e->b, m);
	return false;
}

/* ------------------------------------------------------------------ the process table */

static bool in_container(int pid, const char *id)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	_cleanup_free_ char *s = slurp(path, 64 * 1024, NULL);
	return s && strstr(s, id);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Every process whose cgroup names the container (docker exec'd ones too), and its init. */
static int *list_pids(struct ev *e, size_t *ret_n)
{
	size_t n = 0, cap = 64;
	int *v = xmalloc(cap * sizeof(*v));
	DIR *d = opendir("/proc");
	bool have_init = false;
	struct dirent *de;
	while (d && (de = readdir(d)) && n < MAX_PROCS) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		int pid = atoi(de->d_name);
		if (pid <= 0 || !in_container(pid, e->c->id))
			continue;
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = pid;
		have_init |= pid == e->c->pid;
	}
	if (d)
		closedir(d);
	if (!have_init && e->c->pid > 0 && n < MAX_PROCS) {
		if (n == cap)
			v = xrealloc(v, (cap += 1) * sizeof(*v));
		v[n++] = e->c->pid;
	}
	qsort(v, n, sizeof(*v), cmp_int);
	*ret_n = n;
	return v;
}

/* NUL-separated strings; a run of NULs at the end is one terminator (a process that rewrote its
 * argv area leaves it zeroed; ps shows no empty arguments there either; the raw file is kept). */
static json_t *split_nul(const char *s, size_t n)
{
	json_t *a = json_array();
	while (n && s[n - 1] == '\0')
		n--;
	if (n)
		n++; /* the last string's own terminator */
	size_t start = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0') {
			json_array_append_new(a, json_strn(s + start, i - start));
			start = i + 1;
		}
	if (start < n)
		json_array_append_new(a, json_strn(s + start, n - start));
	return a;
}

static const char *status_val(const char *status, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	for (const char *p = status; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);
		if (ll > kl && strncmp(p, key, kl) == 0 && p[kl] == ':') {
			const char *v = p + kl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vl = ll - (size_t)(v - p);
			if (vl >= n)
				vl = n - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return out;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static json_t *int_list(const char *s)
{
	json_t *a = json_array();
	char *end;
	while (s && *s) {
		long long v = strtoll(s, &end, 10);
		if (end == s)
			break;
		json_array_append_new(a, json_integer(v));
		s = end;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	return a;
}

static char *read_link(const char *path)
{
	char buf[4096];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

static long long btime(void)
{
	static long long bt = -1;
	if (bt >= 0)
		return bt;
	_cleanup_free_ char *s = slurp("/proc/stat", 1 << 20, NULL);
	const char *p = s ? strstr(s, "\nbtime ") : NULL;
	bt = p ? atoll(p + 7) : 0;
	return bt;
}

static json_t *from_status(const char *status)
{
	json_t *o = json_object();
	char v[1024];
	static const char *const strs[] = {"Name",
	                                   "State",
	                                   "Umask",
	                                   "Seccomp",
	                                   "NoNewPrivs",
	                                   "CapInh",
	                                   "CapPrm",
	                                   "CapEff",
	                                   "CapBnd",
	                                   "CapAmb",
	                                   "Speculation_Store_Bypass"};
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		if (status_val(status, strs[i], v, sizeof(v)))
			json_object_set_new(o, strs[i], json_str(v));
	static const char *const lists[] = {"Uid", "Gid", "Groups", "NSpid", "NSpgid", "NSsid"};
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (status_val(status, lists[i], v, sizeof(v)))
			json_object_set_new(o, lists[i], int_list(v));
	static const char *const nums[] = {"PPid", "TracerPid", "Threads", "VmRSS", "VmSize"};
	for (size_t i = 0; i < ARRAY_SIZE(nums); i++)
		if (status_val(status, nums[i], v, sizeof(v)))
			json_object_set_new(o, nums[i], json_integer(atoll(v)));
	return o;
}

static json_t *read_fds(int pid, size_t *ret_n)
{
	json_t *a = json_array();
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	DIR *d = opendir(dir);
	if (!d)
		return a;
	struct dirent *de;
	size_t n = 0;
	while ((de = readdir(d)) && n < MAX_FDS) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char p[320];
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		_cleanup_free_ char *t = read_link(p);
		json_t *o = json_object();
		json_object_set_new(o, "fd", json_integer(atoi(de->d_name)));
		json_object_set_new(o, "target", json_str(t));
		unsigned long long ino;
		if (t && sscanf(t, "socket:[%llu]", &ino) == 1)
			json_object_set_new(o, "socket_inode", json_integer((json_int_t)ino));
		if (t && strstr(t, " (deleted)"))
			json_object_set_new(o, "deleted", json_true());
		json_array_append_new(a, o);
		n++;
	}
	closedir(d);
	*ret_n = n;
	return a;
}

static json_t *read_ns(int pid)
{
	static const char *const names[] = {
	    "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children",
	    "user",   "uts"};
	json_t *o = json_object();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char p[96];
		snprintf(p, sizeof(p), "/proc/%d/ns/%s", pid, names[i]);
		_cleanup_free_ char *t = read_link(p);
		if (t)
			json_object_set_new(o, names[i], json_str(t));
	}
	return o;
}

/* One process: raw copies of its /proc files, and the facts in JSON. */
static int one_process(struct ev *e, struct ev_proc *pr, size_t *files)
{
	int pid = pr->pid;
	json_t *j = pr->j = json_object();
	json_object_set_new(j, "pid", json_integer(pid));
	json_t *errs = json_object();
	bool fatal = false;
	char src[96], rel[96];
	/* the raw files are the evidence; the JSON is derived from the same bytes */
	static const char *const raw[] = {"status",   "stat",         "cmdline", "environ",
	                                  "cgroup",   "maps",         "limits",  "mountinfo",
	                                  "loginuid", "oom_score_adj"};
	char *content[ARRAY_SIZE(raw)] = {0};
	size_t len[ARRAY_SIZE(raw)] = {0};
	for (size_t i = 0; i < ARRAY_SIZE(raw); i++) {
		snprintf(src, sizeof(src), "/proc/%d/%s", pid, raw[i]);
		snprintf(rel, sizeof(rel), "volatile/proc/%d/%s", pid, raw[i]);
		content[i] = ev_proc_copy(e, src, rel, streq(raw[i], "maps") ? LARGE : SMALL,
		                          &len[i], &fatal);
		if (fatal)
			break;
		if (!content[i]) {
			json_object_set_new(errs, raw[i], json_string(strerror(errno)));
			if (errno == ENOENT || errno == ESRCH)
				pr->gone = true;
		} else
			(*files)++;
	}
	if (!fatal) {
		if (content[0]) {
			json_t *st = from_status(content[0]);
			json_object_update(j, st);
			json_decref(st);
			pr->ppid = (int)jint(j, "PPid", 0);
			const char *nm = jstr(j, "Name");
			pr->comm = xstrdup(nm ? nm : "?");
		}
		if (content[1]) {
			pr->start_ticks = ev_start_ticks(pid);
			long tck = sysconf(_SC_CLK_TCK);
			if (pr->start_ticks && tck > 0 && btime() > 0) {
				char t[32];
				json_object_set_new(
				    j, "start_time",
				    json_string(fmt_utc(
				        btime() +
				            (long long)(pr->start_ticks / (unsigned long long)tck),
				        t, sizeof(t))));
			}
		}
		if (content[2])
			json_object_set_new(j, "cmdline", split_nul(content[2], len[2]));
		if (content[3])
			json_object_set_new(j, "environ", split_nul(content[3], len[3]));
		if (content[4]) {
			json_t *lines = json_array();
			for (char *save = NULL, *l = strtok_r(content[4], "\n", &save); l;
			     l = strtok_r(NULL, "\n", &save))
				json_array_append_new(lines, json_str(l));
			json_object_set_new(j, "cgroup", lines);
		}
		char p[96];
		snprintf(p, sizeof(p), "/proc/%d/cwd", pid);
		_cleanup_free_ char *cwd = read_link(p);
		json_object_set_new(j, "cwd", json_str(cwd));
		snprintf(p, sizeof(p), "/proc/%d/root", pid);
		_cleanup_free_ char *root = read_link(p);
		json_object_set_new(j, "root", json_str(root));
		snprintf(p, sizeof(p), "/proc/%d/exe", pid);
		_cleanup_free_ char *exe = read_link(p);
		json_t *ex = json_object();
		json_object_set_new(ex, "link", json_str(exe));
		if (!exe)
			json_object_set_new(ex, "error", json_string(strerror(errno)));
		json_object_set_new(ex, "deleted", json_boolean(exe && strstr(exe, " (deleted)")));
		json_object_set_new(j, "exe", ex);
		size_t nfd = 0;
		json_object_set_new(j, "fds", read_fds(pid, &nfd));
		json_object_set_new(j, "namespaces", read_ns(pid));
		json_object_set_new(j, "raw", json_sprintf("volatile/proc/%d/", pid));
	}
	if (json_object_size(errs))
		json_object_set_new(j, "errors", errs);
	else
		json_decref(errs);
	for (size_t i = 0; i < ARRAY_SIZE(raw); i++)
		free(content[i]);
	return fatal ? -1 : 0;
}

/* ------------------------------------------------------------------ the tree */

static void tree_print(struct ev *e, struct buf *b, size_t i, int depth, bool *done)
{
	if (done[i] || depth > 64)
		return;
	done[i] = true;
	struct ev_proc *p = &e->procs[i];
	json_t *cmd = json_object_get(p->j, "cmdline");
	struct buf c = {0};
	size_t k;
	json_t *a;
	json_array_foreach(cmd, k, a) buf_printf(&c, "%s%s", k ? " " : "", json_string_value(a));
	_cleanup_free_ char *cmdline = term_escape(c.len ? c.data : (p->comm ? p->comm : "?"));
	buf_free(&c);
	json_t *nspid = json_object_get(p->j, "NSpid");
	json_t *uid = json_object_get(p->j, "Uid");
	json_t *ex = json_object_get(p->j, "exe");
	_cleanup_free_ char *exe = term_escape(jstr(ex, "link") ? jstr(ex, "link") : "?");
	buf_printf(b, "%-8d %-8d %-8lld %-6lld %*s%s  [%s]\n", p->pid, p->ppid,
	           (long long)json_integer_value(json_array_get(
	               nspid, json_array_size(nspid) ? json_array_size(nspid) - 1 : 0)),
	           (long long)json_integer_value(json_array_get(uid, 1)), depth * 2, "", cmdline,
	           exe);
	for (size_t j = 0; j < e->n_procs; j++)
		if (!done[j] && e->procs[j].ppid == p->pid)
			tree_print(e, b, j, depth + 1, done);
}

static int write_tree(struct ev *e)
{
	struct buf b = {0};
	buf_printf(&b, "%-8s %-8s %-8s %-6s %s\n", "PID", "PPID", "NSPID", "EUID",
	           "COMMAND  [EXE]");
	bool *done = xcalloc(e->n_procs + 1, sizeof(bool));
	for (size_t i = 0; i < e->n_procs; i++) {
		bool has_parent = false;
		for (size_t j = 0; j < e->n_procs; j++)
			if (e->procs[j].pid == e->procs[i].ppid && j != i)
				has_parent = true;
		if (!has_parent)
			tree_print(e, &b, i, 0, done);
	}
	for (size_t i = 0; i < e->n_procs; i++)
		tree_print(e, &b, i, 0, done);
	free(done);
	int r = bundle_add_data(e->b, "volatile/proctree.txt", "cirt: /proc (PPid links)",
	                        b.data ? b.data : "", b.len, e->err);
	buf_free(&b);
	return r;
}

int ev_processes(struct ev *e)
{
	size_t n = 0;
	_cleanup_free_ int *pids = list_pids(e, &n);
	e->procs = xcalloc(n + 1, sizeof(*e->procs));
	size_t files = 0, gone = 0;
	for (size_t i = 0; i < n; i++) {
		struct ev_proc *pr = &e->procs[e->n_procs++];
		pr->pid = pids[i];
		if (one_process(e, pr, &files) < 0)
			return -1;
		if (pr->gone)
			gone++;
		ev_progress(e->p, "processes", i + 1, n, e->bytes);
	}
	if (write_tree(e) < 0)
		return -1;
	json_object_set_new(e->summary, "processes", json_integer((json_int_t)e->n_procs));
	bundle_log(e->b, "step processes: ok (%zu processes, %zu /proc files%s)", e->n_procs, files,
	           gone ? ", some ended while being read" : "");
	if (gone)
		ev_note(e, "%zu process(es) ended while being read", gone);
	return 0;
}

/* ------------------------------------------------------------------ executables */

struct seen_exe {
	dev_t dev;
	ino_t ino;
	char *rel;
	char sha[65];
	uint64_t size;
};

int ev_binaries(struct ev *e)
{
	struct seen_exe *seen = xcalloc(e->n_procs + 1, sizeof(*seen));
	size_t ns = 0, copied = 0, deleted = 0, failed = 0;
	int rc = 0;
	uint64_t cap = e->o->max_file_size;
	for (size_t i = 0; i < e->n_procs && rc == 0; i++) {
		struct ev_proc *pr = &e->procs[i];
		json_t *ex = json_object_get(pr->j, "exe");
		if (!ex)
			continue;
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/exe", pr->pid);
		/* the magic link opens the very inode the process runs, even after it was unlinked
		 */
		int fd = open(p, O_RDONLY | O_NOATIME | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 && errno == EPERM)
			fd = open(p, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			json_object_set_new(
			    ex, "copy_error",
			    json_string(fd < 0 ? strerror(errno) : "not a regular file"));
			if (fd >= 0)
				close(fd);
			failed++;
			continue;
		}
		if (ev_start_ticks(pr->pid) != pr->start_ticks) {
			/* the pid now belongs to another process: its binary is not this one's */
			json_object_set_new(
			    ex, "copy_error",
			    json_string("process ended before its binary was read"));
			close(fd);
			failed++;
			continue;
		}
		bool del = json_is_true(json_object_get(ex, "deleted"));
		struct seen_exe *s = NULL;
		for (size_t k = 0; k < ns; k++)
			if (seen[k].dev == st.st_dev && seen[k].ino == st.st_ino)
				s = &seen[k];
		if (!s) {
			s = &seen[ns++];
			s->dev = st.st_dev;
			s->ino = st.st_ino;
			s->rel = xasprintf("volatile/proc/%d/exe", pr->pid);
			_cleanup_free_ char *src = xasprintf(
			    "host:%s%s", p, del ? " (binary deleted from disk: recovered)" : "");
			struct bundle_copy c = {.max = cap,
			                        .progress = e->p,
			                        .step = "binaries",
			                        .bytes_total = &e->bytes};
			if (bundle_copy_fd(e->b, s->rel, src, fd, &c, e->err) < 0) {
				close(fd);
				rc = -1;
				break;
			}
			memcpy(s->sha, c.sha256, 65);
			s->size = c.size;
			copied++;
			if (c.truncated)
				json_object_set_new(ex, "truncated_at",
				                    json_integer((json_int_t)cap));
		}
		close(fd);
		json_object_set_new(ex, "sha256", json_string(s->sha));
		json_object_set_new(ex, "size", json_integer((json_int_t)s->size));
		json_object_set_new(ex, "copy", json_string(s->rel));
		json_object_set_new(ex, "inode", json_integer((json_int_t)st.st_ino));
		if (del) {
			deleted++;
			json_object_set_new(ex, "recovered_from", json_string(p));
			_cleanup_free_ char *link = term_escape(jstr(ex, "link"));
			ev_note(e,
			        "pid %d runs a deleted binary (%s): recovered through %s into %s, "
			        "sha256 %s",
			        pr->pid, link, p, s->rel, s->sha);
		}
	}
	for (size_t k = 0; k < ns; k++)
		free(seen[k].rel);
	free(seen);
	if (rc < 0)
		return -1;
	/* the facts are written once they carry the executables' hashes (the raw files came first)
	 */
	json_t *list = json_array();
	for (size_t i = 0; i < e->n_procs; i++)
		json_array_append(list, e->procs[i].j);
	json_t *doc = json_object();
	json_object_set_new(doc, "container", json_str(e->c->id));
	json_object_set_new(
	    doc, "source",
	    json_string("/proc on the host: every process whose cgroup names the container"));
	json_object_set_new(doc, "processes", list);
	int r = bundle_add_json(e->b, "volatile/processes.json", "cirt: /proc", doc, e->err);
	json_decref(doc);
	if (r < 0)
		return -1;
	json_object_set_new(e->summary, "deleted_binaries_recovered",
	                    json_integer((json_int_t)deleted));
	bundle_log(e->b,
	           "step binaries: ok (%zu distinct executables copied, %zu deleted from disk and "
	           "recovered, %zu unreadable)",
	           copied, deleted, failed);
	return 0;
}

void ev_test_hook(const char *step)
{
	const char *s = getenv("CIRT_TEST_STOP_AFTER");
	if (s && streq(s, step))
		raise(SIGSTOP);
}
