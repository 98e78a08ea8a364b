/* state.c: the containment state file: atomic writes, an exclusive lock, small accessors. */
#include "contain/state.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/file.h>
#include <sys/stat.h>

#define STATE_FILE "contain.json"
#define STATE_VERSION 1

const char *state_dir(void)
{
	const char *d = getenv("CIRT_STATE_DIR");
	return d && *d ? d : "/var/lib/cirt";
}

char *state_path(const char *name)
{
	return xasprintf("%s/%s", state_dir(), name);
}

static int mkdir_p(const char *dir, struct cirt_err *err)
{
	_cleanup_free_ char *d = xstrdup(dir);
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return err_set(err,
			               errno == EACCES || errno == EPERM ? CIRT_EXIT_PERM
			                                                 : CIRT_EXIT_RUNTIME,
			               "create '%s': %s", d, strerror(errno));
		*p = '/';
	}
	if (mkdir(d, 0700) < 0 && errno != EEXIST)
		return err_set(
		    err, errno == EACCES || errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		    "create '%s': %s", d, strerror(errno));
	return 0;
}

int state_lock(struct cirt_err *err)
{
	if (mkdir_p(state_dir(), err) < 0)
		return -1;
	_cleanup_free_ char *p = state_path("contain.lock");
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(
		    err, errno == EACCES || errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		    "open '%s': %s", p, strerror(errno));
	for (int i = 0; i < 3000; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		usleep(10000);
	}
	int e = errno;
	close(fd);
	return err_set(err, CIRT_EXIT_RUNTIME, "lock '%s': %s", p,
	               e == EWOULDBLOCK ? "another cirt holds it for more than 30 s" : strerror(e));
}

static json_t *empty_state(void)
{
	json_t *d = json_object();
	json_object_set_new(d, "version", json_integer(STATE_VERSION));
	json_object_set_new(d, "containers", json_object());
	return d;
}

int state_load(json_t **ret, struct cirt_err *err)
{
	_cleanup_free_ char *p = state_path(STATE_FILE);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = read_file_max(AT_FDCWD, p, 64u << 20, &data, &len);
	if (r == -ENOENT) {
		*ret = empty_state();
		return 0;
	}
	if (r < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "read '%s': %s", p, strerror(-r));
	json_error_t je;
	json_t *d = json_loadb(data, len, 0, &je);
	if (!d)
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "'%s' is not valid JSON (%s, line %d): left untouched", p, je.text,
		               je.line);
	if (!json_is_object(d) ||
	    json_integer_value(json_object_get(d, "version")) != STATE_VERSION ||
	    !json_is_object(json_object_get(d, "containers"))) {
		json_decref(d);
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "'%s' is not a cirt state file of version %d: left untouched", p,
		               STATE_VERSION);
	}
	*ret = d;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int write_atomic(const char *path, const char *data, size_t len, struct cirt_err *err)
{
	_cleanup_free_ char *dcopy = xstrdup(path);
	const char *dir = dirname(dcopy);
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "create a temporary file beside '%s': %s",
		               path, strerror(errno));
	int r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, 0600) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return err_set(err, CIRT_EXIT_RUNTIME, "write '%s': %s", path, strerror(-r));
	}
	/* the rename itself must reach the disk */
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}

int state_save(json_t *doc, struct cirt_err *err)
{
	_cleanup_free_ char *p = state_path(STATE_FILE);
	_cleanup_free_ char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!s)
		return err_set(err, CIRT_EXIT_RUNTIME, "serialize the state");
	size_t n = strlen(s);
	_cleanup_free_ char *nl = xasprintf("%s\n", s);
	return write_atomic(p, nl, n + 1, err);
}

json_t *state_all(json_t *doc)
{
	return json_object_get(doc, "containers");
}

json_t *state_get(json_t *doc, const char *id)
{
	json_t *r = json_object_get(state_all(doc), id);
	return json_is_object(r) ? r : NULL;
}

json_t *state_get_or_add(json_t *doc, const char *id, const char *name)
{
	json_t *r = state_get(doc, id);
	if (r) {
		if (name)
			json_object_set_new(r, "name", json_string(name));
		return r;
	}
	r = json_object();
	json_object_set_new(r, "id", json_string(id));
	json_object_set_new(r, "name", json_string(name ? name : ""));
	json_object_set_new(r, "actions", json_array());
	json_object_set(state_all(doc), id, r);
	json_decref(r);
	return r;
}

void state_del(json_t *doc, const char *id)
{
	json_object_del(state_all(doc), id);
}

int state_action_index(json_t *rec, const char *type)
{
	json_t *acts = json_object_get(rec, "actions");
	for (size_t i = json_array_size(acts); i-- > 0;) {
		const char *t = json_string_value(json_object_get(json_array_get(acts, i), "type"));
		if (t && streq(t, type))
			return (int)i;
	}
	return -1;
}

json_t *state_action(json_t *rec, const char *type)
{
	int i = state_action_index(rec, type);
	return i < 0 ? NULL : json_array_get(json_object_get(rec, "actions"), (size_t)i);
}

bool state_collected(const char *id)
{
	if (!id || strchr(id, '/') || !*id)
		return false;
	_cleanup_free_ char *p = xasprintf("%s/collected/%s", state_dir(), id);
	return access(p, F_OK) == 0;
}
