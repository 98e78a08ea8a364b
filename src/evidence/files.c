/* files.c: the change list (the seed's `docker diff`) and a copy of every added or changed
 * regular file, read from the container's writable layer through confined resolution
 * (sources/rootfs.h): symlinks are recorded, never followed; devices, FIFOs and sockets are
 * skipped; files over the size cap are skipped; every skip is recorded with its reason. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "escape.h"
#include "evidence/evidence.h"
#include "sources/layerdiff.h"
#include "sources/docker.h"
#include "sources/rootfs.h"

static json_t *ts(const struct timespec *t)
{
	char b[32];
	fmt_utc((long long)t->tv_sec, b, sizeof(b));
	b[strlen(b) - 1] = '\0'; /* drop the Z to add the nanoseconds */
	return json_sprintf("%s.%09ldZ", b, t->tv_nsec);
}

static const char *type_name(mode_t m)
{
	if (S_ISREG(m))
		return "file";
	if (S_ISDIR(m))
		return "directory";
	if (S_ISLNK(m))
		return "symlink";
	if (S_ISFIFO(m))
		return "fifo";
	if (S_ISSOCK(m))
		return "socket";
	if (S_ISCHR(m))
		return "char-device";
	if (S_ISBLK(m))
		return "block-device";
	return "unknown";
}

static void set_stat(json_t *o, const struct stat *st)
{
	json_object_set_new(o, "type", json_string(type_name(st->st_mode)));
	json_object_set_new(o, "mode", json_sprintf("%04o", (unsigned)(st->st_mode & 07777)));
	json_object_set_new(o, "uid", json_integer(st->st_uid));
	json_object_set_new(o, "gid", json_integer(st->st_gid));
	json_object_set_new(o, "size", json_integer((json_int_t)st->st_size));
	json_object_set_new(o, "inode", json_integer((json_int_t)st->st_ino));
	json_object_set_new(o, "nlink", json_integer((json_int_t)st->st_nlink));
	json_object_set_new(o, "mtime", ts(&st->st_mtim));
	json_object_set_new(o, "ctime", ts(&st->st_ctim));
	json_object_set_new(o, "atime", ts(&st->st_atim));
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		json_object_set_new(o, "rdev",
		                    json_sprintf("%u:%u", major(st->st_rdev), minor(st->st_rdev)));
	if (S_ISREG(st->st_mode) && (uint64_t)st->st_blocks * 512 < (uint64_t)st->st_size)
		json_object_set_new(o, "sparse", json_true());
}

struct fstats {
	size_t copied, skipped, deleted, dirs, total;
	uint64_t bytes;
};

static void skip(struct ev *e, struct fstats *fs, json_t *o, const char *path, const char *why)
{
	json_object_set_new(o, "skipped", json_string(why));
	_cleanup_free_ char *src = xasprintf("container:%s", path);
	bundle_skip(e->b, src, why);
	fs->skipped++;
}

static int one_change(struct ev *e, int root, const char *path, json_t *o, struct fstats *fs)
{
	struct stat st;
	int r = rootfs_lstat(root, path, &st);
	if (r < 0) {
		_cleanup_free_ char *why = xasprintf("cannot be read: %s", strerror(-r));
		skip(e, fs, o, path,
		     r == -ENOENT ? "gone: removed after the change list was taken" : why);
		return 0;
	}
	set_stat(o, &st);
	if (S_ISDIR(st.st_mode)) {
		fs->dirs++;
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		_cleanup_close_ int lfd = rootfs_open_nofollow(root, path);
		char t[4096];
		ssize_t n = lfd >= 0 ? readlinkat(lfd, "", t, sizeof(t) - 1) : -1;
		t[n > 0 ? n : 0] = '\0';
		json_object_set_new(o, "link_target", json_str(t));
		_cleanup_free_ char *why = xasprintf("symlink to '%s': recorded, not followed", t);
		skip(e, fs, o, path, why);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		_cleanup_free_ char *why =
		    xasprintf("%s: not copied (reading it could block or reach a device)",
		              type_name(st.st_mode));
		skip(e, fs, o, path, why);
		return 0;
	}
	uint64_t cap = e->o->max_file_size;
	if ((uint64_t)st.st_size > cap) {
		char a[32], b[32];
		_cleanup_free_ char *why = xasprintf(
		    "size %s exceeds --max-file-size %s%s",
		    fmt_bytes((uint64_t)st.st_size, a, sizeof(a)), fmt_bytes(cap, b, sizeof(b)),
		    (uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size ? " (sparse)" : "");
		skip(e, fs, o, path, why);
		return 0;
	}
	struct stat st2;
	int fd = rootfs_open_regular(root, path, &st2);
	if (fd < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev) {
		if (fd >= 0)
			close(fd);
		_cleanup_free_ char *why = xasprintf("changed while being read: %s",
		                                     fd < 0 ? strerror(-fd) : "another inode");
		skip(e, fs, o, path, why);
		return 0;
	}
	_cleanup_free_ char *enc = bundle_encode_path(path);
	if (!enc) {
		close(fd);
		skip(e, fs, o, path, "path has no usable name");
		return 0;
	}
	_cleanup_free_ char *rel = xasprintf("files/%s", enc);
	_cleanup_free_ char *src = xasprintf("container:%s", path);
	struct bundle_copy c = {
	    .max = cap, .progress = e->p, .step = "files", .bytes_total = &e->bytes};
	r = bundle_copy_fd(e->b, rel, src, fd, &c, e->err);
	close(fd);
	if (r < 0) {
		if (bundle_failed(e->b))
			return -1;
		/* a name collision inside the bundle: keep going, say so */
		skip(e, fs, o, path, e->err->msg);
		return 0;
	}
	json_object_set_new(o, "bundle_path", json_string(rel));
	json_object_set_new(o, "sha256", json_string(c.sha256));
	json_object_set_new(o, "copied_size", json_integer((json_int_t)c.size));
	if (c.truncated)
		json_object_set_new(o, "truncated",
		                    json_string("grew past --max-file-size while being read"));
	if (c.read_errno)
		json_object_set_new(o, "read_error", json_string(strerror(c.read_errno)));
	fs->copied++;
	fs->bytes += c.size;
	return 0;
}

/* The writable layer is the exact source of the change list, and stays readable when the
 * container stops; without one (other storage drivers) the merged view, then /proc/<pid>/root. */
static int open_root(struct ev *e, char **ret_desc)
{
	struct container *c = e->c;
	if (c->upper_dir) {
		int fd = rootfs_open_root(c->upper_dir);
		if (fd >= 0) {
			*ret_desc = xasprintf("writable layer %s", c->upper_dir);
			return fd;
		}
	}
	if (c->merged_dir && (c->running || c->paused)) {
		int fd = rootfs_open_root(c->merged_dir);
		if (fd >= 0) {
			*ret_desc = xasprintf("merged root %s", c->merged_dir);
			return fd;
		}
	}
	if (c->pid > 0) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/root", c->pid);
		int fd = rootfs_open_root(p);
		if (fd >= 0) {
			*ret_desc = xasprintf("%s", p);
			return fd;
		}
	}
	return -1;
}

int ev_files(struct ev *e)
{
	_cleanup_free_ char *path = xasprintf("/containers/%s/changes", e->c->id);
	json_t *j = NULL;
	struct cirt_err derr = {0};
	int got;
	if (!e->d) {
		/* no daemon: the same list from the writable layer against the image's layers */
		json_t *data = jobj(jobj(e->c->inspect, "GraphDriver"), "Data");
		json_t *notes = json_array();
		got = e->c->upper_dir
		          ? layerdiff(e->c->upper_dir, jstr(data, "LowerDir"), 0, &j, notes, &derr)
		          : err_set(&derr, CIRT_EXIT_RUNTIME,
		                    "no writable layer known (not overlay2?)");
		size_t i;
		json_t *n;
		json_array_foreach(notes, i, n)
		{
			ev_note(e, "change list: %s", json_string_value(n));
		}
		json_decref(notes);
		if (got == 0)
			bundle_log(e->b,
			           "change list: computed from the writable layer %s (no daemon)",
			           e->c->upper_dir);
	} else {
		got = docker_get_json(e->d, path, &j, &derr);
	}
	if (got < 0) {
		ev_note(e, "change list: %s", derr.msg);
		_cleanup_free_ char *m =
		    xasprintf("the change list could not be read: %s", derr.msg);
		bundle_incomplete(e->b, m);
		return 0;
	}
	if (!json_is_array(j) && !json_is_null(j)) {
		json_decref(j);
		bundle_incomplete(e->b, "the change list is not a JSON array");
		return 0;
	}
	_cleanup_free_ char *desc = NULL;
	_cleanup_close_ int root = open_root(e, &desc);
	if (root < 0)
		ev_note(e,
		        "no readable root for the container's files: only the change list is kept");
	struct fstats fs = {0};
	fs.total = json_array_size(j);
	json_t *list = json_array();
	size_t i;
	json_t *ch;
	int rc = 0;
	json_array_foreach(j, i, ch)
	{
		const char *p = jstr(ch, "Path");
		long long kind = jint(ch, "Kind", -1);
		if (!p)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "kind",
		                    json_string(kind == 0   ? "C"
		                                : kind == 1 ? "A"
		                                : kind == 2 ? "D"
		                                            : "?"));
		json_object_set_new(o, "path", json_str(p));
		json_array_append_new(list, o);
		if (kind == 2) {
			fs.deleted++;
			continue;
		}
		if (root < 0) {
			skip(e, &fs, o, p, "no readable root");
			continue;
		}
		if (one_change(e, root, p, o, &fs) < 0) {
			rc = -1;
			break;
		}
		ev_progress(e->p, "files", i + 1, fs.total, e->bytes);
	}
	json_decref(j);
	if (rc == 0) {
		json_t *doc = json_object();
		json_object_set_new(doc, "container", json_str(e->c->id));
		json_object_set_new(doc, "root", json_str(desc));
		json_object_set_new(doc, "max_file_size",
		                    json_integer((json_int_t)e->o->max_file_size));
		json_object_set_new(doc, "changes", list);
		list = NULL;
		rc = bundle_add_json(e->b, "container/changes.json",
		                     "daemon: /containers/{id}/changes, with lstat of each path",
		                     doc, e->err);
		json_decref(doc);
	}
	json_decref(list);
	if (rc < 0)
		return -1;
	char b[32];
	json_object_set_new(e->summary, "changes", json_integer((json_int_t)fs.total));
	json_object_set_new(e->summary, "files_copied", json_integer((json_int_t)fs.copied));
	json_object_set_new(e->summary, "files_bytes", json_integer((json_int_t)fs.bytes));
	json_object_set_new(e->summary, "files_skipped", json_integer((json_int_t)fs.skipped));
	_cleanup_free_ char *d = term_escape(desc ? desc : "none");
	bundle_log(e->b,
	           "step files: ok (%zu changes: %zu files copied, %s; %zu skipped; %zu deleted; "
	           "%zu directories; from %s)",
	           fs.total, fs.copied, fmt_bytes(fs.bytes, b, sizeof(b)), fs.skipped, fs.deleted,
	           fs.dirs, d);
	return 0;
}
