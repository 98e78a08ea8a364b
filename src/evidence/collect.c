/* collect.c: the collection, in order of volatility (RFC 3227): processes, sockets and conntrack,
 * executables, memory, runtime state; then configuration, logs, changed files, image; then the
 * optional export and commit. Every step is written to the custody log as it ends. */
#include <ctype.h>
#include <libgen.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "escape.h"
#include "evidence/evidence.h"
#include "priv.h"
#include "sources/ondisk.h"
#include "sources/rootfs.h"

void collect_result_clear(struct collect_result *r)
{
	free(r->bundle);
	json_decref(r->summary);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------------ daemon-side steps */

static int save_get(struct ev *e, const char *api, const char *rel, const char *what, json_t **keep)
{
	json_t *j = NULL;
	struct cirt_err derr = {0};
	if (docker_get_json(e->d, api, &j, &derr) < 0) {
		ev_note(e, "%s: %s", what, derr.msg);
		return 0;
	}
	_cleanup_free_ char *src = xasprintf("daemon: GET %s", api);
	int r = bundle_add_json(e->b, rel, src, j, e->err);
	if (keep && r == 0)
		*keep = j;
	else
		json_decref(j);
	return r;
}

static int step_runtime(struct ev *e)
{
	if (!e->d) {
		ev_note(e, "no daemon: its stats and 'docker top' were not taken (the /proc walk "
		           "stands alone)");
		bundle_log(e->b, "step runtime: skipped (no daemon)");
		return 0;
	}
	_cleanup_free_ char *stats = xasprintf("/containers/%s/stats?stream=false", e->c->id);
	_cleanup_free_ char *top = xasprintf("/containers/%s/top?ps_args=-ef", e->c->id);
	json_t *tj = NULL;
	if (save_get(e, stats, "volatile/stats.json", "stats", NULL) < 0 ||
	    save_get(e, top, "volatile/top.json", "top (docker top)", &tj) < 0)
		return -1;
	/* the daemon's ps and our cgroup walk should see the same processes */
	json_t *titles = jarr(tj, "Titles");
	size_t col = SIZE_MAX, i;
	json_t *t;
	json_array_foreach(titles, i, t)
	{
		if (json_is_string(t) && streq(json_string_value(t), "PID"))
			col = i;
	}
	size_t n_top = 0, missing = 0;
	json_array_foreach(jarr(tj, "Processes"), i, t)
	{
		const char *ps = json_string_value(json_array_get(t, col));
		if (!ps)
			continue;
		n_top++;
		int pid = atoi(ps);
		bool have = false;
		for (size_t k = 0; k < e->n_procs; k++)
			have |= e->procs[k].pid == pid;
		if (!have) {
			missing++;
			ev_note(e,
			        "docker top lists pid %d, which the /proc walk did not collect "
			        "(started since?)",
			        pid);
		}
	}
	json_decref(tj);
	bundle_log(e->b,
	           "step runtime: ok (stats snapshot; docker top: %zu processes, %zu not in the "
	           "/proc walk)",
	           n_top, missing);
	return 0;
}

struct logsink {
	struct ev *e;
	struct bfile *f[3];
	struct docker_demux dm;
	bool failed;
};

static bool on_log_frame(int stream, const char *data, size_t len, void *ud)
{
	struct logsink *k = ud;
	if (stream != DOCKER_STDOUT && stream != DOCKER_STDERR)
		return true;
	if (bfile_write(k->f[stream], data, len, k->e->err) < 0) {
		k->failed = true;
		return false;
	}
	k->e->bytes += len;
	return true;
}

static bool on_log_data(const char *data, size_t len, void *ud)
{
	struct logsink *k = ud;
	return docker_demux_feed(&k->dm, data, len);
}

/* Without the daemon: the json-file driver's own files (LogPath and its rotations), copied as
 * they are on disk; each line is a JSON object with the stream and the daemon's timestamp. */
static int step_logs_disk(struct ev *e)
{
	const char *lp = jstr(e->c->inspect, "LogPath");
	const char *drv = jstr(jobj(jobj(e->c->inspect, "HostConfig"), "LogConfig"), "Type");
	_cleanup_free_ char *local = NULL;
	if (drv && streq(drv, "local")) {
		/* the local driver's file: <data root>/containers/<id>/local-logs/container.log */
		_cleanup_free_ char *root = ondisk_docker_root();
		local = xasprintf("%s/containers/%s/local-logs/container.log", root, e->c->id);
		lp = local;
	}
	if (!lp || !*lp) {
		ev_note(e,
		        "logs: log driver '%s' keeps no file the host can read without the "
		        "daemon",
		        drv ? drv : "?");
		return 0;
	}
	size_t copied = 0;
	uint64_t bytes = 0;
	/* the current file, then .1 .. .N (older); a bounded look */
	for (int i = 0; i <= 99; i++) {
		_cleanup_free_ char *p = i ? xasprintf("%s.%d", lp, i) : xstrdup(lp);
		_cleanup_close_ int fd = rootfs_host_open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0) {
			if (i == 0)
				ev_note(e, "logs: '%s': %s", p, strerror(-fd));
			if (i > 0)
				break;
			continue;
		}
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			ev_note(e, "logs: '%s' is not a regular file: not copied", p);
			continue;
		}
		const char *base = local ? "local.log" : "json-file.log";
		_cleanup_free_ char *rel = i ? xasprintf("container/logs/%s.%d", base, i)
		                             : xasprintf("container/logs/%s", base);
		_cleanup_free_ char *src = xasprintf("disk: %s (the %s log driver's file)", p,
		                                     local ? "local" : "json-file");
		struct bundle_copy bc = {.bytes_total = &e->bytes};
		if (bundle_copy_fd(e->b, rel, src, fd, &bc, e->err) < 0)
			return -1;
		copied++;
		bytes += bc.size;
	}
	char a[32];
	bundle_log(e->b, "step logs: ok (%zu %s log file(s), %s, read from disk: no daemon)",
	           copied, local ? "local" : "json-file", fmt_bytes(bytes, a, sizeof(a)));
	return 0;
}

static int step_logs(struct ev *e)
{
	if (!e->d)
		return step_logs_disk(e);
	struct logsink k = {.e = e};
	_cleanup_free_ char *api =
	    xasprintf("/containers/%s/logs?stdout=1&stderr=1&timestamps=1", e->c->id);
	_cleanup_free_ char *src_o = xasprintf("daemon: GET %s (stdout)", api);
	_cleanup_free_ char *src_e = xasprintf("daemon: GET %s (stderr)", api);
	if (bundle_file_open(e->b, "container/logs/stdout.log", src_o, &k.f[1], e->err) < 0)
		return -1;
	if (bundle_file_open(e->b, "container/logs/stderr.log", src_e, &k.f[2], e->err) < 0) {
		bfile_abort(k.f[1]);
		return -1;
	}
	docker_demux_init(&k.dm, e->c->tty, on_log_frame, &k);
	long status = 0;
	struct cirt_err derr = {0};
	int r = docker_stream(e->d, api, 0, on_log_data, &k, &status, &derr);
	if (k.failed) {
		bfile_abort(k.f[1]);
		bfile_abort(k.f[2]);
		return -1;
	}
	if (r < 0 || status != 200 || k.dm.bad) {
		bfile_abort(k.f[1]);
		bfile_abort(k.f[2]);
		ev_note(e, "logs: %s",
		        r < 0 ? derr.msg
		        : k.dm.bad
		            ? "the stream is not multiplexed as expected"
		            : "the daemon answered an error (log driver without read support?)");
		return 0;
	}
	if (e->c->tty)
		bfile_note(
		    k.f[1], "note",
		    json_string("a tty container: stdout and stderr are merged by the terminal"));
	uint64_t so = bfile_size(k.f[1]), se = bfile_size(k.f[2]);
	if (bfile_close(k.f[1], NULL, e->err) < 0) {
		bfile_abort(k.f[2]);
		return -1;
	}
	if (bfile_close(k.f[2], NULL, e->err) < 0)
		return -1;
	char a[32], b[32];
	bundle_log(e->b, "step logs: ok (stdout %s, stderr %s, with the daemon's timestamps)",
	           fmt_bytes(so, a, sizeof(a)), fmt_bytes(se, b, sizeof(b)));
	return 0;
}

static int step_config(struct ev *e)
{
	if (bundle_add_json(e->b, "container/inspect.json",
	                    e->d ? "daemon: GET /containers/{id}/json (when collection began)"
	                    : e->o->image_root
	                        ? "disk image: the daemon's records (config.v2.json, "
	                          "hostconfig.json) in the shape of an inspect answer, "
	                          "addresses recovered from the image's traces"
	                        : "disk: the daemon's records (config.v2.json, "
	                          "hostconfig.json) in the shape of an inspect answer, "
	                          "checked against /proc",
	                    e->c->inspect, e->err) < 0)
		return -1;
	if (!e->d) {
		/* the records themselves, byte for byte */
		_cleanup_free_ char *root = ondisk_docker_root();
		static const char *const recs[] = {"config.v2.json", "hostconfig.json"};
		for (size_t i = 0; i < ARRAY_SIZE(recs); i++) {
			_cleanup_free_ char *p =
			    xasprintf("%s/containers/%s/%s", root, e->c->id, recs[i]);
			_cleanup_close_ int fd =
			    rootfs_host_open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
			struct stat st;
			if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
				ev_note(e, "record '%s' not copied: %s", p,
				        fd < 0 ? strerror(-fd) : "not a regular file");
				continue;
			}
			_cleanup_free_ char *rel = xasprintf("container/%s", recs[i]);
			_cleanup_free_ char *src = xasprintf("disk: %s", p);
			struct bundle_copy bc = {.max = 64u << 20};
			if (bundle_copy_fd(e->b, rel, src, fd, &bc, e->err) < 0)
				return -1;
		}
	}
	bundle_log(e->b, "step inspect: ok%s", e->d ? "" : " (the daemon's records on disk)");
	return step_logs(e);
}

static int step_image(struct ev *e)
{
	if (!e->c->image_id) {
		ev_note(e, "no image id in the inspect answer");
		return 0;
	}
	if (!e->d) {
		/* the image store's config file: its sha256 is the image id */
		_cleanup_free_ char *root = ondisk_docker_root();
		const char *drv = jstr(jobj(e->c->inspect, "GraphDriver"), "Name");
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		struct cirt_err ierr = {0};
		json_t *notes = json_array();
		int r = ondisk_image_config(root, drv ? drv : "overlay2", e->c->image_id, &text,
		                            &len, notes, &ierr);
		size_t i;
		json_t *n;
		json_array_foreach(notes, i, n)
		{
			ev_note(e, "%s", json_string_value(n));
		}
		json_decref(notes);
		if (r < 0) {
			ev_note(e, "image config: %s", ierr.msg);
			return 0;
		}
		if (bundle_add_data(e->b, "container/image-config.json",
		                    "disk: the image store's config (imagedb/content/sha256/<id>)",
		                    text, len, e->err) < 0)
			return -1;
		bundle_log(e->b, "step image: ok (config and history of %s, from the image store)",
		           e->c->image_id);
		return 0;
	}
	_cleanup_free_ char *q = docker_urlencode(e->c->image_id);
	_cleanup_free_ char *a = xasprintf("/images/%s/json", q);
	_cleanup_free_ char *h = xasprintf("/images/%s/history", q);
	if (save_get(e, a, "container/image-inspect.json", "image inspect", NULL) < 0 ||
	    save_get(e, h, "container/image-history.json", "image history", NULL) < 0)
		return -1;
	bundle_log(e->b, "step image: ok (config and history of %s)", e->c->image_id);
	return 0;
}

struct exportsink {
	struct ev *e;
	struct bfile *f;
	bool failed;
	uint64_t last;
};

static bool on_export(const char *data, size_t len, void *ud)
{
	struct exportsink *k = ud;
	if (bfile_write(k->f, data, len, k->e->err) < 0) {
		k->failed = true;
		return false;
	}
	k->e->bytes += len;
	if (bfile_size(k->f) - k->last >= (8u << 20)) {
		k->last = bfile_size(k->f);
		ev_progress(k->e->p, "export", 0, 0, k->e->bytes);
	}
	return true;
}

static int step_export(struct ev *e)
{
	_cleanup_free_ char *api = xasprintf("/containers/%s/export", e->c->id);
	_cleanup_free_ char *src = xasprintf(
	    "daemon: GET %s (the container's filesystem as a tar, hashed as it streamed)", api);
	struct exportsink k = {.e = e};
	if (bundle_file_open(e->b, "container/export.tar", src, &k.f, e->err) < 0)
		return -1;
	long status = 0;
	struct cirt_err derr = {0};
	int r = docker_stream(e->d, api, 0, on_export, &k, &status, &derr);
	if (k.failed) {
		bfile_abort(k.f);
		return -1;
	}
	if (r < 0 || status != 200) {
		bfile_abort(k.f);
		_cleanup_free_ char *m = xasprintf(
		    "export failed: %s", r < 0 ? derr.msg : "the daemon answered an error");
		bundle_incomplete(e->b, m);
		return 0;
	}
	uint64_t size = bfile_size(k.f);
	char sha[65], b[32];
	if (bfile_close(k.f, sha, e->err) < 0)
		return -1;
	json_object_set_new(e->summary, "export_sha256", json_string(sha));
	json_object_set_new(e->summary, "export_bytes", json_integer((json_int_t)size));
	bundle_log(e->b, "step export: ok (%s, sha256 %s)", fmt_bytes(size, b, sizeof(b)), sha);
	return 0;
}

/* repository names allow [a-z0-9] with separators: everything else becomes '-' */
static char *repo_part(const char *s)
{
	struct buf b = {0};
	for (const unsigned char *p = (const unsigned char *)s; *p && b.len < 64; p++) {
		char ch = (char)tolower(*p);
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			buf_append(&b, &ch, 1);
		else if (b.len && b.data[b.len - 1] != '-')
			buf_append(&b, "-", 1);
	}
	while (b.len && b.data[b.len - 1] == '-')
		b.data[--b.len] = '\0';
	if (!b.len)
		buf_append(&b, "case", 4);
	return b.data;
}

static int step_commit(struct ev *e, const char *host, const char *utc)
{
	_cleanup_free_ char *part = repo_part(e->o->case_id ? e->o->case_id : e->c->name);
	_cleanup_free_ char *repo = xasprintf("cirt-evidence/%s", part);
	char tag[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(tag, sizeof(tag), "%Y%m%dT%H%M%SZ", &tm);
	json_t *labels = json_object();
	json_object_set_new(labels, "cirt.case", json_str(e->o->case_id ? e->o->case_id : ""));
	json_object_set_new(labels, "cirt.source-container", json_str(e->c->id));
	json_object_set_new(labels, "cirt.source-name", json_str(e->c->name));
	json_object_set_new(labels, "cirt.collected-utc", json_string(utc));
	json_object_set_new(labels, "cirt.version", json_string(CIRT_VERSION));
	json_object_set_new(labels, "cirt.host", json_str(host));
	json_t *cfg = json_object();
	json_object_set(cfg, "Labels", labels);
	_cleanup_free_ char *body = json_dumps(cfg, JSON_COMPACT);
	json_decref(cfg);
	_cleanup_free_ char *qr = docker_urlencode(repo);
	_cleanup_free_ char *comment = xasprintf("cirt %s evidence of %s, case %s", CIRT_VERSION,
	                                         e->c->id, e->o->case_id ? e->o->case_id : "-");
	_cleanup_free_ char *qc = docker_urlencode(comment);
	_cleanup_free_ char *api =
	    xasprintf("/commit?container=%s&repo=%s&tag=%s&comment=%s&author=cirt&pause=%d",
	              e->c->id, qr, tag, qc, e->o->commit_pause ? 1 : 0);
	if (e->o->notice) {
		_cleanup_free_ char *m =
		    e->o->commit_pause
		        ? xasprintf("committing '%s' as %s:%s: the daemon pauses the container "
		                    "during the commit "
		                    "(docker commit's default; --no-pause to keep it running)",
		                    e->c->name, repo, tag)
		        : xasprintf("committing '%s' as %s:%s without pausing it: the image may be "
		                    "inconsistent",
		                    e->c->name, repo, tag);
		e->o->notice(e->o->notice_ud, m);
	}
	bundle_log(e->b, "step commit: POST /commit %s:%s (pause=%s)", repo, tag,
	           e->o->commit_pause ? "true" : "false");
	/* a commit of a large container takes longer than a query: its own client and timeout */
	struct docker *d2 = NULL;
	struct docker_opts dopts = {.host = e->o->docker_host,
	                            .timeout_ms =
	                                e->o->timeout_ms > 1800000 ? e->o->timeout_ms : 1800000};
	json_t *res = NULL;
	struct cirt_err derr = {0};
	int r = docker_open(&dopts, &d2, &derr);
	if (r == 0)
		r = docker_post(d2, api, body, &res, &derr);
	docker_close(d2);
	if (r < 0) {
		json_decref(labels);
		_cleanup_free_ char *m = xasprintf("commit failed: %s", derr.msg);
		bundle_incomplete(e->b, m);
		return 0;
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "image_id", json_str(jstr(res, "Id")));
	json_object_set_new(doc, "reference", json_sprintf("%s:%s", repo, tag));
	json_object_set_new(doc, "paused_during_commit", json_boolean(e->o->commit_pause));
	json_object_set_new(doc, "labels", labels);
	json_object_set_new(e->summary, "commit_image", json_sprintf("%s:%s", repo, tag));
	json_object_set_new(e->summary, "commit_id", json_str(jstr(res, "Id")));
	_cleanup_free_ char *id = term_escape(jstr(res, "Id") ? jstr(res, "Id") : "?");
	json_decref(res);
	r = bundle_add_json(e->b, "container/commit.json", "daemon: POST /commit", doc, e->err);
	json_decref(doc);
	if (r < 0)
		return -1;
	bundle_log(e->b, "step commit: ok (%s:%s, image %s)", repo, tag, id);
	return 0;
}

/* ------------------------------------------------------------------ privileges */

/* The volatile steps needed the namespaces and conntrack (sys_admin, net_admin); what follows
 * reads the container's files, its records and its logs, which its owner wrote: keep only the
 * reading powers. An archive is renamed into its directory at the end: when that directory is
 * another user's, writing there needs dac_override. */
static void drop_privileges(struct ev *e)
{
	int keep[4] = {CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_SYS_PTRACE};
	size_t n = 3;
	if (bundle_is_archive(e->b)) {
		_cleanup_free_ char *d = xstrdup(e->o->out);
		struct stat st;
		if (stat(dirname(d), &st) < 0 || st.st_uid != geteuid())
			keep[n++] = CAP_DAC_OVERRIDE;
	}
	_cleanup_free_ char *desc = NULL;
	struct cirt_err pe = {0};
	if (priv_drop(keep, n, &desc, &pe) < 0)
		ev_note(e, "privileges not dropped: %s", pe.msg);
	else
		bundle_log(e->b, "privileges: %s, before reading the container's files", desc);
}

/* ------------------------------------------------------------------ custody */

static json_t *operator_info(void)
{
	json_t *o = json_object();
	uid_t uid = getuid(), euid = geteuid();
	struct passwd *pw = getpwuid(uid);
	json_object_set_new(o, "uid", json_integer(uid));
	json_object_set_new(o, "euid", json_integer(euid));
	json_object_set_new(o, "user", json_str(pw ? pw->pw_name : NULL));
	const char *su = getenv("SUDO_USER");
	json_object_set_new(o, "sudo_user", json_str(su));
	char login[256];
	json_object_set_new(o, "login",
	                    getlogin_r(login, sizeof(login)) == 0 ? json_str(login) : json_null());
	const char *tty = ttyname(0);
	json_object_set_new(o, "tty", json_str(tty));
	const char *ssh = getenv("SSH_CONNECTION");
	json_object_set_new(o, "ssh_connection", json_str(ssh));
	char cwd[4096];
	json_object_set_new(o, "cwd", json_str(getcwd(cwd, sizeof(cwd))));
	json_object_set_new(o, "pid", json_integer(getpid()));
	return o;
}

/* The imaged host's own name and machine id, read inside the image. */
static json_t *image_host_info(const char *image_root)
{
	json_t *o = json_object();
	json_object_set_new(o, "image_root", json_str(image_root));
	static const char *const files[][2] = {{"hostname", "/etc/hostname"},
	                                       {"machine_id", "/etc/machine-id"}};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *s = NULL;
		if (rootfs_host_read(files[i][1], 256, &s, NULL) == 0) {
			s[strcspn(s, "\n")] = '\0';
			json_object_set_new(o, files[i][0], json_str(s));
			free(s);
		}
	}
	return o;
}

static json_t *host_info(char *name, size_t n)
{
	json_t *o = json_object();
	if (gethostname(name, n) < 0)
		snprintf(name, n, "?");
	name[n - 1] = '\0';
	json_object_set_new(o, "hostname", json_str(name));
	char *mid = NULL;
	if (read_file_max(AT_FDCWD, "/etc/machine-id", 128, &mid, NULL) == 0) {
		mid[strcspn(mid, "\n")] = '\0';
		json_object_set_new(o, "machine_id", json_str(mid));
		free(mid);
	}
	char *rel = NULL;
	if (read_file_max(AT_FDCWD, "/proc/sys/kernel/osrelease", 256, &rel, NULL) == 0) {
		rel[strcspn(rel, "\n")] = '\0';
		json_object_set_new(o, "kernel", json_str(rel));
		free(rel);
	}
	return o;
}

static bool under(const char *path, const char *dir)
{
	_cleanup_free_ char *rd = dir ? realpath(dir, NULL) : NULL;
	if (!rd)
		return false;
	size_t l = strlen(rd);
	/* a container given the whole host (-v /:/host) sees everything: no place is better */
	if (streq(rd, "/"))
		return false;
	return strncmp(path, rd, l) == 0 && (path[l] == '/' || path[l] == '\0');
}

/* Writing the bundle where the container sees it would change the evidence (and hand it to the
 * intruder): refuse its layers, its root and every host directory mounted into it. */
static int check_out(struct container *c, const struct collect_opts *o, struct cirt_err *err)
{
	const char *out = o->out;
	_cleanup_free_ char *d = xstrdup(out);
	char *sl = strrchr(d, '/');
	if (sl == d)
		d[1] = '\0';
	else if (sl)
		*sl = '\0';
	else {
		free(d);
		d = xstrdup(".");
	}
	_cleanup_free_ char *parent = realpath(d, NULL);
	if (!parent)
		return 0; /* bundle_create says what is wrong with it */
	const char *why = NULL;
	/* from a disk image, the container's paths are inside the image: the image is the evidence
	 */
	if (o->image_root && under(parent, o->image_root))
		why = "the disk image";
	else if (o->image_root)
		;
	else if (under(parent, c->upper_dir) || under(parent, c->merged_dir))
		why = "its filesystem";
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", c->pid);
	if (!why && c->pid > 0 && under(parent, root))
		why = "its filesystem";
	for (size_t i = 0; !why && !o->image_root && i < c->n_mounts; i++)
		if (c->mounts[i].source && under(parent, c->mounts[i].source))
			why = "a directory mounted into it";
	if (why)
		return err_set(err, CIRT_EXIT_USAGE,
		               "collect '%s': bundle '%s' would be inside %s: write it elsewhere",
		               c->name, out, why);
	return 0;
}

static void ev_clear(struct ev *e)
{
	for (size_t i = 0; i < e->n_procs; i++) {
		free(e->procs[i].comm);
		json_decref(e->procs[i].j);
	}
	free(e->procs);
	json_decref(e->summary);
}

static int fatal(struct ev *e, struct cirt_err *err)
{
	bundle_log(e->b, "FAILED in step %s: %s", e->step ? e->step : "?", err->msg);
	err_prefix(err, "collect '%s': step %s", e->c->name, e->step ? e->step : "?");
	size_t l = strlen(err->msg);
	snprintf(err->msg + l, sizeof(err->msg) - l,
	         "; the bundle has no manifest: partial evidence left in '%s'",
	         bundle_leftover(e->b));
	return -1;
}

int evidence_collect(struct docker *d, struct container *c, const struct collect_opts *o,
                     struct collect_result *ret, struct cirt_err *err)
{
	memset(ret, 0, sizeof(*ret));
	_cleanup_bundle_ struct bundle *b = NULL;
	if (check_out(c, o, err) < 0)
		return -1;
	if (bundle_create(o->out, &b, err) < 0)
		return err_prefix(err, "collect '%s'", c->name);
	_cleanup_(ev_clear) struct ev e = {
	    .b = b, .d = d, .c = c, .o = o, .p = o->progress, .err = err, .summary = json_object()};
	e.was_running = (c->running || c->paused) && c->pid > 0;
	if (e.was_running)
		e.init_start = ev_start_ticks(c->pid);
	if (e.was_running && !e.init_start)
		e.was_running = false; /* it stopped between inspect and now */
	char started[32], hostname[256];
	ev_utc_now(started, sizeof(started));
	json_t *op = operator_info(), *hi = host_info(hostname, sizeof(hostname));

	/* the custody log's header: who, where, what, when */
	bundle_log(b, "cirt %s collect: custody log", CIRT_VERSION);
	bundle_log(b, "command: %s", o->command_line ? o->command_line : "?");
	bundle_log(b, "case: %s", o->case_id ? o->case_id : "(none given)");
	bundle_log(
	    b, "operator: uid %d (%s)%s%s, tty %s, cwd %s", (int)getuid(),
	    jstr(op, "user") ? jstr(op, "user") : "?", jstr(op, "sudo_user") ? ", sudo from " : "",
	    jstr(op, "sudo_user") ? jstr(op, "sudo_user") : "",
	    jstr(op, "tty") ? jstr(op, "tty") : "none", jstr(op, "cwd") ? jstr(op, "cwd") : "?");
	if (jstr(op, "ssh_connection"))
		bundle_log(b, "ssh connection: %s", jstr(op, "ssh_connection"));
	bundle_log(b, "host: %s (machine-id %s, kernel %s)", hostname,
	           jstr(hi, "machine_id") ? jstr(hi, "machine_id") : "?",
	           jstr(hi, "kernel") ? jstr(hi, "kernel") : "?");
	json_t *img = o->image_root ? image_host_info(o->image_root) : NULL;
	if (img) {
		_cleanup_free_ char *dr = ondisk_docker_root();
		bundle_log(
		    b,
		    "source: a disk image of a host, mounted at %s (offline: taken from the "
		    "image, nothing from the running machine); imaged host %s (machine-id %s); "
		    "data root %s",
		    o->image_root, jstr(img, "hostname") ? jstr(img, "hostname") : "?",
		    jstr(img, "machine_id") ? jstr(img, "machine_id") : "?", dr);
		json_object_set_new(img, "data_root", json_str(dr));
	}
	if (d)
		bundle_log(b, "docker: %s, API %s", docker_host(d), docker_api_version(d));
	else if (img)
		bundle_log(b, "docker: none (a disk image): the daemon's records and layers in the "
		              "image");
	else
		bundle_log(b, "docker: not contacted (--no-daemon): the daemon's records on disk, "
		              "runc's state and /proc");
	bundle_log(b, "container: %s (%s), image %s, state %s, init pid %d", c->name, c->id,
	           c->image ? c->image : "?", c->state ? c->state : "?", c->pid);
	bundle_log(b, "bundle: %s%s", o->out,
	           bundle_is_archive(b) ? " (archive, staged in a directory beside it)" : "");
	bundle_log(b, "started: %s", started);
	bundle_log(b,
	           "method: read-only from the %s (%s); no docker exec, "
	           "nothing written in the container, O_NOATIME where permitted",
	           o->image_root ? "disk image" : "host",
	           o->image_root
	               ? "the writable layer and the daemon's records in the image, every path "
	                 "resolved inside it"
	           : d ? "/proc, the writable layer, the Engine API"
	               : "/proc, the writable layer, the daemon's records on disk");

	json_t *meta_c = json_object();
	json_object_set_new(meta_c, "id", json_str(c->id));
	json_object_set_new(meta_c, "name", json_str(c->name));
	json_object_set_new(meta_c, "image", json_str(c->image));
	json_object_set_new(meta_c, "image_id", json_str(c->image_id));
	json_object_set_new(meta_c, "state_at_start", json_str(c->state));
	json_object_set_new(meta_c, "pid_at_start", json_integer(c->pid));
	bundle_meta(b, "cirt_version", json_string(CIRT_VERSION));
	bundle_meta(b, "case", json_str(o->case_id));
	bundle_meta(b, "container", meta_c);
	bundle_meta(b, "operator", op);
	bundle_meta(b, "host", hi);
	if (img)
		bundle_meta(b, "disk_image", img);
	bundle_meta(b, "command", json_str(o->command_line));
	bundle_meta(b, "started", json_string(started));

	struct {
		const char *name;
		int (*fn)(struct ev *);
		bool volatile_;
		bool want;
	} steps[] = {
	    {"processes", ev_processes, true, true},
	    {"network", ev_network, true, true},
	    {"binaries", ev_binaries, true, true},
	    {"memory", ev_memory, true, o->memory_all || o->n_memory_pids > 0},
	    {"runtime", step_runtime, true, true},
	    {"config", step_config, false, true},
	    {"files", ev_files, false, true},
	    {"image", step_image, false, true},
	    {"export", step_export, false, o->export_fs},
	};
	if (!e.was_running) {
		bundle_log(
		    b, "the container is not running: no processes, sockets or memory to collect");
		ev_note(&e, "container '%s' is not running: volatile evidence does not exist",
		        c->name);
	}
	bool dropped = false;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		if (!steps[i].want || (steps[i].volatile_ && (!e.was_running || e.gone)))
			continue;
		if (!steps[i].volatile_ && !dropped) {
			drop_privileges(&e);
			dropped = true;
		}
		e.step = steps[i].name;
		ev_progress(e.p, e.step, 0, 0, e.bytes);
		if (steps[i].fn(&e) < 0) {
			return fatal(&e, err);
		}
		if (e.was_running)
			ev_alive(&e);
		ev_test_hook(e.step);
	}
	if (o->commit) {
		e.step = "commit";
		ev_progress(e.p, e.step, 0, 0, e.bytes);
		if (step_commit(&e, hostname, started) < 0) {
			return fatal(&e, err);
		}
	}
	/* the final state: a container that stopped (or restarted) meanwhile makes the bundle
	 * incomplete */
	e.step = "final";
	json_t *j = NULL;
	_cleanup_free_ char *api = xasprintf("/containers/%s/json", c->id);
	struct cirt_err derr = {0};
	if (!d) {
		/* no daemon to ask: the init process is the same one, or it is not */
		bundle_log(b, "state at the end: %s (%s)",
		           !e.was_running            ? "not running"
		           : !e.gone && ev_alive(&e) ? "init process still running"
		                                     : "init process gone",
		           o->image_root ? "a disk image: as recorded" : "from /proc; no daemon");
	} else if (docker_get_json(d, api, &j, &derr) == 0) {
		bool running = jbool(jobj(j, "State"), "Running");
		long long pid = jint(jobj(j, "State"), "Pid", 0);
		if (e.was_running && !e.gone && (!running || pid != c->pid)) {
			e.gone = true;
			bundle_incomplete(b,
			                  "the container stopped or restarted during collection");
		}
		bundle_log(
		    b, "state at the end: %s, pid %lld",
		    jstr(jobj(j, "State"), "Status") ? jstr(jobj(j, "State"), "Status") : "?", pid);
		int r = bundle_add_json(b, "container/inspect-end.json",
		                        "daemon: GET /containers/{id}/json (when collection ended)",
		                        j, err);
		json_decref(j);
		if (r < 0) {
			return fatal(&e, err);
		}
	} else {
		bundle_log(b, "state at the end: inspect failed: %s", derr.msg);
		if (e.was_running && !e.gone && derr.code == CIRT_EXIT_NOTFOUND) {
			e.gone = true;
			bundle_incomplete(b, "the container was removed during collection");
		}
	}
	char finished[32];
	ev_utc_now(finished, sizeof(finished));
	bundle_meta(b, "finished", json_string(finished));
	bundle_meta(b, "summary", json_incref(e.summary));
	bundle_log(b, "finished: %s, %s", finished,
	           bundle_is_complete(b) ? "complete" : "INCOMPLETE");
	e.step = "manifest";
	char sha[65];
	if (bundle_finish(b, sha, err) < 0) {
		err_prefix(err, "collect '%s'", c->name);
		_cleanup_free_ char *tail = xasprintf(
		    "; no manifest was written: partial evidence left in '%s'", bundle_leftover(b));
		size_t l = strlen(err->msg);
		snprintf(err->msg + l, sizeof(err->msg) - l, "%s", tail);
		return -1;
	}
	ret->bundle = xstrdup(o->out);
	memcpy(ret->sha256, sha, 65);
	ret->complete = bundle_is_complete(b);
	ret->summary = steal_pointer(&e.summary);
	return 0;
}
