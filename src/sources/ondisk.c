/* ondisk.c: the daemon's container records and the runtime's state, read with jansson. */
#include "sources/ondisk.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>

#include "escape.h"
#include "json.h"
#include "sources/boltdb.h"
#include "sources/rootfs.h"

#include <openssl/sha.h>

#define CONFIG_MAX (32u << 20)
#define SMALL_MAX (4u << 20)
#define MAX_LAYERS 256

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

static bool is_id(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* A layer or cache id read from the layer store: one path component, nothing else. */
static bool is_component(const char *s)
{
	if (!s || !*s || strlen(s) > 128 || streq(s, ".") || streq(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

static json_t *load_json_file(const char *path, size_t max, int *ret_errno, json_error_t *je)
{
	char *text = NULL;
	size_t len = 0;
	int r = rootfs_host_read(path, max, &text, &len);
	if (r < 0) {
		*ret_errno = -r;
		return NULL;
	}
	*ret_errno = 0;
	json_t *j = json_loadb(text, len, 0, je);
	free(text);
	return j;
}

static char *data_root_override; /* --data-root */

void ondisk_set_docker_root(const char *dir)
{
	free(data_root_override);
	data_root_override = dir ? xstrdup(dir) : NULL;
}

char *ondisk_docker_root(void)
{
	if (data_root_override) {
		char *out = xstrdup(data_root_override);
		size_t l = strlen(out);
		while (l > 1 && out[l - 1] == '/')
			out[--l] = '\0';
		return out;
	}
	int e;
	json_error_t je;
	json_t *j = load_json_file("/etc/docker/daemon.json", 1u << 20, &e, &je);
	const char *r = jstr(j, "data-root");
	if (!r)
		r = jstr(j, "graph"); /* the name before Engine 17.05 */
	char *out = xstrdup(r && r[0] == '/' ? r : ONDISK_DOCKER_ROOT);
	json_decref(j);
	/* "/var/lib/docker/" and "/var/lib/docker" are the same root */
	size_t l = strlen(out);
	while (l > 1 && out[l - 1] == '/')
		out[--l] = '\0';
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ondisk_list(const char *root, char ***ret, size_t *ret_n, struct cirt_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers", root);
	DIR *d = rootfs_host_opendir(dir);
	if (!d)
		return err_set(
		    err, errno == EACCES || errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		    "read '%s': %s", dir, strerror(errno));
	char **ids = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < (1u << 20)) {
		if (!is_id(de->d_name))
			continue;
		ids = xrealloc(ids, (n + 1) * sizeof(*ids));
		ids[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(ids, n, sizeof(*ids), cmp_str);
	*ret = ids;
	*ret_n = n;
	return 0;
}

void ondisk_list_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* The daemon's State.Status, which it computes and never stores. */
static const char *state_status(json_t *st)
{
	if (jbool(st, "Running")) {
		if (jbool(st, "Paused"))
			return "paused";
		if (jbool(st, "Restarting"))
			return "restarting";
		return "running";
	}
	if (jbool(st, "RemovalInProgress"))
		return "removing";
	if (jbool(st, "Dead"))
		return "dead";
	const char *started = jstr(st, "StartedAt");
	if (!started || startswith(started, "0001-01-01"))
		return "created";
	return "exited";
}

/* config.v2.json keeps mounts as MountPoints {destination: {...}}; inspect has Mounts [...]. */
static json_t *mounts_from_mountpoints(json_t *mps)
{
	json_t *out = json_array();
	const char *dest;
	json_t *m;
	json_object_foreach(mps, dest, m)
	{
		if (!json_is_object(m))
			continue;
		json_t *o = json_object();
		const char *name = jstr(m, "Name");
		const char *type = jstr(m, "Type");
		if (!type || !*type)
			type = name && *name ? "volume" : "bind";
		json_object_set_new(o, "Type", json_string(type));
		if (name && *name)
			json_object_set_new(o, "Name", json_string(name));
		json_object_set_new(o, "Source",
		                    json_string(jstr(m, "Source") ? jstr(m, "Source") : ""));
		json_object_set_new(
		    o, "Destination",
		    json_string(jstr(m, "Destination") ? jstr(m, "Destination") : dest));
		if (jstr(m, "Driver") && *jstr(m, "Driver"))
			json_object_set_new(o, "Driver", json_string(jstr(m, "Driver")));
		json_object_set_new(o, "Mode", json_string(jstr(m, "Mode") ? jstr(m, "Mode") : ""));
		json_object_set_new(o, "RW", json_boolean(jbool(m, "RW")));
		json_object_set_new(
		    o, "Propagation",
		    json_string(jstr(m, "Propagation") ? jstr(m, "Propagation") : ""));
		json_array_append_new(out, o);
	}
	return out;
}

/* Without hostconfig.json the mode is guessed from the one network the container is on. */
static const char *mode_from_networks(json_t *nets)
{
	if (!json_is_object(nets) || json_object_size(nets) != 1)
		return NULL;
	void *it = json_object_iter(nets);
	const char *k = it ? json_object_iter_key(it) : NULL;
	if (!k)
		return NULL;
	return streq(k, "bridge") ? "default" : k;
}

json_t *ondisk_inspect_parse(const char *config, size_t config_len, const char *hostconfig,
                             size_t hostconfig_len, json_t *notes)
{
	json_error_t je;
	if (!config)
		return NULL;
	json_t *j = json_loadb(config, config_len, 0, &je);
	if (!json_is_object(j)) {
		note(notes, "config.v2.json: %s", j ? "not a JSON object" : je.text);
		json_decref(j);
		return NULL;
	}
	const char *id = jstr(j, "ID");
	if (!id || !*id || strlen(id) > 128 || strchr(id, '/')) {
		note(notes, "config.v2.json: no usable ID");
		json_decref(j);
		return NULL;
	}
	json_object_set_new(j, "Id", json_string(id));
	json_object_del(j, "ID");
	json_object_del(j, "StreamConfig");

	json_t *st = jobj(j, "State");
	if (st)
		json_object_set_new(st, "Status", json_string(state_status(st)));
	else
		note(notes, "config.v2.json: no State");

	json_t *hc = NULL;
	if (hostconfig) {
		hc = json_loadb(hostconfig, hostconfig_len, 0, &je);
		if (!json_is_object(hc)) {
			note(notes, "hostconfig.json: %s", hc ? "not a JSON object" : je.text);
			json_decref(hc);
			hc = NULL;
		}
	} else {
		note(notes, "hostconfig.json: missing");
	}
	if (!hc) {
		hc = json_object();
		const char *guess =
		    mode_from_networks(jobj(jobj(j, "NetworkSettings"), "Networks"));
		if (guess) {
			json_object_set_new(hc, "NetworkMode", json_string(guess));
			note(notes, "network mode guessed from its only network '%s'", guess);
		} else {
			json_object_set_new(hc, "NetworkMode", json_string("unknown"));
			note(notes, "network mode unknown");
		}
	}
	json_object_set_new(j, "HostConfig", hc);

	json_t *mps = jobj(j, "MountPoints");
	json_object_set_new(j, "Mounts", mps ? mounts_from_mountpoints(mps) : json_array());
	json_object_del(j, "MountPoints");

	json_t *gd = json_object();
	const char *drv = jstr(j, "Driver");
	json_object_set_new(gd, "Name", drv ? json_string(drv) : json_null());
	json_object_set_new(gd, "Data", json_null());
	json_object_set_new(j, "GraphDriver", gd);
	return j;
}

/* First line of a small file, trimmed; NULL when unreadable. */
static char *read_token(const char *path)
{
	char *s = NULL;
	if (rootfs_host_read(path, 4096, &s, NULL) < 0)
		return NULL;
	s[strcspn(s, "\r\n")] = '\0';
	return s;
}

/* ------------------------------------------------------------------ the layer store */

struct chain_memo {
	char *parent; /* "sha256:<chain id>" as read from a container's parent file */
	char *lower;  /* the directories of that chain, top first ("" when none could be read) */
	char *note;   /* what could not be read on the way, or NULL */
};

struct ondisk_cache {
	pthread_mutex_t mu;
	struct chain_memo *v;
	size_t n;
};

struct ondisk_cache *ondisk_cache_new(void)
{
	struct ondisk_cache *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

void ondisk_cache_free(struct ondisk_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].parent);
		free(c->v[i].lower);
		free(c->v[i].note);
	}
	free(c->v);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* The image's layers below a container, from its parent chain id: each layer's cache-id, then
 * that layer's parent. lower gets "dir:dir:..." appended; a note says where the walk stopped. */
static void chain_dirs(const char *root, const char *driver, const char *parent_in,
                       struct buf *lower, char **ret_note)
{
	char *parent = xstrdup(parent_in);
	int depth = 0;
	while (parent && startswith(parent, "sha256:") && is_component(parent + 7) &&
	       depth++ < MAX_LAYERS) {
		_cleanup_free_ char *ldir =
		    xasprintf("%s/image/%s/layerdb/sha256/%s", root, driver, parent + 7);
		_cleanup_free_ char *cp = xasprintf("%s/cache-id", ldir);
		_cleanup_free_ char *cache = read_token(cp);
		free(parent);
		parent = NULL;
		if (!is_component(cache)) {
			*ret_note = xasprintf("layer store: no usable '%s'", cp);
			break;
		}
		buf_printf(lower, "%s%s/%s/%s/diff", lower->len ? ":" : "", root, driver, cache);
		_cleanup_free_ char *np = xasprintf("%s/parent", ldir);
		parent = read_token(np);
	}
	if (depth > MAX_LAYERS && !*ret_note)
		*ret_note = xasprintf("layer store: more than %d layers, lower directories cut",
		                      MAX_LAYERS);
	free(parent);
}

/* chain_dirs through the cache: containers of one image share their chain. */
static void chain_dirs_cached(struct ondisk_cache *c, const char *root, const char *driver,
                              const char *parent, struct buf *lower, json_t *notes)
{
	if (!c) {
		_cleanup_free_ char *n = NULL;
		chain_dirs(root, driver, parent, lower, &n);
		if (n)
			note(notes, "%s", n);
		return;
	}
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n; i++)
		if (streq(c->v[i].parent, parent)) {
			if (*c->v[i].lower)
				buf_printf(lower, "%s%s", lower->len ? ":" : "", c->v[i].lower);
			if (c->v[i].note)
				note(notes, "%s", c->v[i].note);
			pthread_mutex_unlock(&c->mu);
			return;
		}
	pthread_mutex_unlock(&c->mu);
	/* read outside the lock: two threads may read the same chain once each, no harm */
	struct buf own = {0};
	char *n = NULL;
	chain_dirs(root, driver, parent, &own, &n);
	if (own.len)
		buf_printf(lower, "%s%s", lower->len ? ":" : "", buf_cstr(&own));
	if (n)
		note(notes, "%s", n);
	pthread_mutex_lock(&c->mu);
	if (c->n < 4096) {
		c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
		c->v[c->n++] = (struct chain_memo){.parent = xstrdup(parent),
		                                   .lower = xstrdup(own.len ? buf_cstr(&own) : ""),
		                                   .note = n};
		n = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	free(n);
	buf_free(&own);
}

/* overlay2: the container's own layer (mount-id) and the image's layers below it. */
static void layer_dirs(const char *root, const char *id, const char *driver, json_t *gd,
                       json_t *notes, struct ondisk_cache *cache)
{
	if (!driver || !streq(driver, "overlay2")) {
		note(notes, "graph driver '%s': layer directories not derived",
		     driver ? driver : "?");
		return;
	}
	_cleanup_free_ char *mdir = xasprintf("%s/image/%s/layerdb/mounts/%s", root, driver, id);
	_cleanup_free_ char *mp = xasprintf("%s/mount-id", mdir);
	_cleanup_free_ char *mount_id = read_token(mp);
	if (!is_component(mount_id)) {
		note(notes, "layer store: no usable '%s'", mp);
		return;
	}
	json_t *data = json_object();
	json_object_set_new(data, "MergedDir",
	                    json_sprintf("%s/%s/%s/merged", root, driver, mount_id));
	json_object_set_new(data, "UpperDir",
	                    json_sprintf("%s/%s/%s/diff", root, driver, mount_id));
	json_object_set_new(data, "WorkDir", json_sprintf("%s/%s/%s/work", root, driver, mount_id));
	struct buf lower = {0};
	_cleanup_free_ char *ip = xasprintf("%s/init-id", mdir);
	_cleanup_free_ char *init_id = read_token(ip);
	if (is_component(init_id))
		buf_printf(&lower, "%s/%s/%s/diff", root, driver, init_id);
	_cleanup_free_ char *pp = xasprintf("%s/parent", mdir);
	_cleanup_free_ char *parent = read_token(pp);
	if (parent)
		chain_dirs_cached(cache, root, driver, parent, &lower, notes);
	if (lower.len)
		json_object_set_new(data, "LowerDir", json_string(buf_cstr(&lower)));
	buf_free(&lower);
	json_object_set(gd, "Data", data);
	json_decref(data);
}

int ondisk_inspect(const char *root, const char *id, json_t **ret, json_t *notes,
                   struct cirt_err *err)
{
	return ondisk_inspect_cached(root, id, NULL, ret, notes, err);
}

int ondisk_inspect_cached(const char *root, const char *id, struct ondisk_cache *cache,
                          json_t **ret, json_t *notes, struct cirt_err *err)
{
	if (!is_id(id))
		return err_set(err, CIRT_EXIT_NOTFOUND, "'%s' is not a container id", id);
	_cleanup_free_ char *cp = xasprintf("%s/containers/%s/config.v2.json", root, id);
	_cleanup_free_ char *hp = xasprintf("%s/containers/%s/hostconfig.json", root, id);
	_cleanup_free_ char *config = NULL, *hostconfig = NULL;
	size_t cl = 0, hl = 0;
	int r = rootfs_host_read(cp, CONFIG_MAX, &config, &cl);
	if (r < 0)
		return err_set(err, r == -EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "read '%s': %s", cp, strerror(-r));
	r = rootfs_host_read(hp, CONFIG_MAX, &hostconfig, &hl);
	if (r < 0 && r != -ENOENT)
		note(notes, "read '%s': %s", hp, strerror(-r));
	json_t *j = ondisk_inspect_parse(config, cl, r < 0 ? NULL : hostconfig, hl, notes);
	if (!j)
		return err_set(err, CIRT_EXIT_BADANSWER, "'%s' is not a container record", cp);
	if (!streq(jstr(j, "Id"), id))
		note(notes, "record in directory %.12s names another id", id);
	layer_dirs(root, id, jstr(j, "Driver"), jobj(j, "GraphDriver"), notes, cache);
	/* the daemon shows a local volume's path; the record leaves it empty */
	size_t i;
	json_t *m;
	json_array_foreach(jarr(j, "Mounts"), i, m)
	{
		const char *name = jstr(m, "Name");
		const char *src = jstr(m, "Source");
		const char *drv = jstr(m, "Driver");
		if (streq(jstr(m, "Type") ? jstr(m, "Type") : "", "volume") && is_component(name) &&
		    (!src || !*src) && (!drv || streq(drv, "local")))
			json_object_set_new(m, "Source",
			                    json_sprintf("%s/volumes/%s/_data", root, name));
	}
	*ret = j;
	return 0;
}

bool ondisk_runc_parse(const char *text, size_t len, struct ondisk_runc *ret)
{
	json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
	long long pid = jint(j, "init_process_pid", 0);
	long long start = jint(j, "init_process_start", 0);
	json_decref(j);
	if (pid <= 0 || pid > INT32_MAX || start < 0)
		return false;
	ret->pid = (int)pid;
	ret->start = (unsigned long long)start;
	return true;
}

bool ondisk_runc_state(const char *runc_root, const char *id, struct ondisk_runc *ret)
{
	/* docker's runc root, then containerd's own (Kubernetes, ctr) */
	static const char *const roots[] = {ONDISK_RUNC_ROOT, "/run/containerd/runc/k8s.io",
	                                    "/run/containerd/runc/default"};
	if (!is_id(id))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		if (runc_root && i > 0)
			break;
		_cleanup_free_ char *p =
		    xasprintf("%s/%s/state.json", runc_root ? runc_root : roots[i], id);
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if (read_file_max(AT_FDCWD, p, SMALL_MAX, &text, &len) < 0)
			continue;
		if (ondisk_runc_parse(text, len, ret))
			return true;
	}
	return false;
}

json_t *ondisk_oci_bundle(const char *id, char **ret_path)
{
	static const char *const bases[] = {
	    "/run/docker/containerd/daemon/io.containerd.runtime.v2.task",
	    "/run/containerd/io.containerd.runtime.v2.task",
	    "/run/containerd/io.containerd.runtime.v1.linux",
	    "/run/docker/containerd/daemon/io.containerd.runtime.v1.linux",
	};
	if (!is_id(id))
		return NULL;
	for (size_t b = 0; b < ARRAY_SIZE(bases); b++) {
		DIR *d = opendir(bases[b]);
		if (!d)
			continue;
		struct dirent *de;
		int guard = 0;
		json_t *found = NULL;
		while (!found && (de = readdir(d)) && guard++ < 1024) {
			/* one directory per containerd namespace: moby, k8s.io, default, ... */
			if (de->d_name[0] == '.' || !is_component(de->d_name))
				continue;
			char *p = xasprintf("%s/%s/%s/config.json", bases[b], de->d_name, id);
			int e;
			json_error_t je;
			found = load_json_file(p, SMALL_MAX, &e, &je);
			if (json_is_object(found) && ret_path) {
				*ret_path = p;
				p = NULL;
			} else if (!json_is_object(found)) {
				json_decref(found);
				found = NULL;
			}
			free(p);
		}
		closedir(d);
		if (found)
			return found;
	}
	return NULL;
}

/* ------------------------------------------------------------------ the image store */

static char *sha256_hex(const void *p, size_t n)
{
	unsigned char md[32];
	SHA256(p, n, md);
	char *s = xmalloc(65);
	for (int i = 0; i < 32; i++)
		snprintf(s + 2 * i, 3, "%02x", md[i]);
	return s;
}

int ondisk_image_id(const char *root, const char *driver, const char *ref, char **ret,
                    struct cirt_err *err)
{
	const char *hex = startswith(ref, "sha256:") ? ref + 7 : ref;
	if (is_id(hex)) {
		*ret = xstrdup(hex);
		return 0;
	}
	_cleanup_free_ char *p = xasprintf("%s/image/%s/repositories.json", root, driver);
	int e = 0;
	json_error_t je;
	json_t *j = load_json_file(p, CONFIG_MAX, &e, &je);
	if (!j)
		return err_set(err, e == EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "image store: read '%s': %s", p, e ? strerror(e) : je.text);
	/* "name:tag" as given, else with ":latest"; a short id prefix of 12 or more is matched
	 * against every tagged image */
	_cleanup_free_ char *tagged = strchr(strrchr(ref, '/') ? strrchr(ref, '/') : ref, ':')
	                                  ? xstrdup(ref)
	                                  : xasprintf("%s:latest", ref);
	const char *found = NULL;
	const char *repo;
	json_t *tags;
	json_object_foreach(jobj(j, "Repositories"), repo, tags)
	{
		const char *t;
		json_t *v;
		json_object_foreach(tags, t, v)
		{
			const char *id = json_string_value(v);
			if (!id)
				continue;
			if (streq(t, tagged) || (strlen(hex) >= 12 && startswith(id, "sha256:") &&
			                         startswith(id + 7, hex)))
				found = id;
		}
	}
	if (found && startswith(found, "sha256:") && is_id(found + 7))
		*ret = xstrdup(found + 7);
	json_decref(j);
	if (!found)
		return err_set(err, CIRT_EXIT_NOTFOUND, "image '%s' is not in the image store %s",
		               ref, p);
	if (!*ret)
		return err_set(err, CIRT_EXIT_BADANSWER, "image store: '%s' maps to a bad id", ref);
	return 0;
}

int ondisk_image_config(const char *root, const char *driver, const char *image_id, char **ret,
                        size_t *ret_len, json_t *notes, struct cirt_err *err)
{
	const char *hex = startswith(image_id, "sha256:") ? image_id + 7 : image_id;
	if (!is_id(hex))
		return err_set(err, CIRT_EXIT_NOTFOUND, "'%s' is not an image id", image_id);
	_cleanup_free_ char *p =
	    xasprintf("%s/image/%s/imagedb/content/sha256/%s", root, driver, hex);
	int r = rootfs_host_read(p, CONFIG_MAX, ret, ret_len);
	if (r < 0)
		return err_set(err, r == -EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_NOTFOUND,
		               "image store: read '%s': %s", p, strerror(-r));
	/* the id is the hash of this file: anything else is a changed record */
	_cleanup_free_ char *h = sha256_hex(*ret, *ret_len);
	if (!streq(h, hex))
		note(notes, "image config %s hashes to %s: the record was changed on disk", p, h);
	return 0;
}

int ondisk_image_inspect(const char *root, const char *driver, const char *ref, json_t **ret,
                         json_t *notes, struct cirt_err *err)
{
	_cleanup_free_ char *id = NULL, *text = NULL;
	size_t len = 0;
	if (ondisk_image_id(root, driver, ref, &id, err) < 0 ||
	    ondisk_image_config(root, driver, id, &text, &len, notes, err) < 0)
		return -1;
	json_error_t je;
	json_t *cfg = json_loadb(text, len, 0, &je);
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		return err_set(err, CIRT_EXIT_BADANSWER, "image %.12s: config is not JSON: %s", id,
		               je.text);
	}
	/* the layers, top first: chain ids from the diff ids, then each one's cache directory */
	json_t *diffs = jarr(jobj(cfg, "rootfs"), "diff_ids");
	size_t n = json_array_size(diffs);
	if (n > MAX_LAYERS) {
		note(notes, "image %.12s: %zu layers, only the first %d read", id, n, MAX_LAYERS);
		n = MAX_LAYERS;
	}
	char **dirs = xcalloc(n + 1, sizeof(char *));
	_cleanup_free_ char *chain = NULL;
	size_t nd = 0;
	for (size_t i = 0; i < n; i++) {
		const char *d = json_string_value(json_array_get(diffs, i));
		if (!d || !startswith(d, "sha256:") || !is_id(d + 7)) {
			note(notes, "image %.12s: layer %zu has no usable diff id", id, i);
			break;
		}
		char *next;
		if (!chain) {
			next = xstrdup(d + 7);
		} else {
			_cleanup_free_ char *s = xasprintf("sha256:%s %s", chain, d);
			next = sha256_hex(s, strlen(s));
		}
		free(chain);
		chain = next;
		_cleanup_free_ char *cp =
		    xasprintf("%s/image/%s/layerdb/sha256/%s/cache-id", root, driver, chain);
		_cleanup_free_ char *cache = read_token(cp);
		if (!is_component(cache)) {
			note(notes, "layer store: no usable '%s'", cp);
			break;
		}
		dirs[nd++] = xasprintf("%s/%s/%s/diff", root, driver, cache);
	}
	json_t *j = json_object();
	json_object_set_new(j, "Id", json_sprintf("sha256:%s", id));
	json_object_set_new(j, "Config", json_incref(jobj(cfg, "config")));
	json_object_set_new(j, "History", json_incref(jarr(cfg, "history")));
	json_object_set_new(j, "Created", json_incref(json_object_get(cfg, "created")));
	json_t *gd = json_object(), *data = json_object();
	json_object_set_new(gd, "Name", json_string(driver));
	if (nd) {
		json_object_set_new(data, "UpperDir", json_string(dirs[nd - 1]));
		struct buf lower = {0};
		for (size_t i = nd - 1; i-- > 0;)
			buf_printf(&lower, "%s%s", lower.len ? ":" : "", dirs[i]);
		if (lower.len)
			json_object_set_new(data, "LowerDir", json_string(buf_cstr(&lower)));
		buf_free(&lower);
	}
	json_object_set_new(gd, "Data", data);
	json_object_set_new(j, "GraphDriver", gd);
	for (size_t i = 0; i < nd; i++)
		free(dirs[i]);
	free(dirs);
	json_decref(cfg);
	*ret = j;
	return 0;
}

/* The string members of a JSON object (others dropped), as a new object; {} for NULL. */
static json_t *string_values(json_t *obj)
{
	json_t *a = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		if (json_is_string(v))
			json_object_set_new(a, k, json_str(json_string_value(v)));
	}
	return a;
}

/* ------------------------------------------------------------------ networks (libnetwork store) */

#define NET_PREFIX "docker/network/v1.0/network/"
#define NET_RECORD_MAX (4u << 20)
#define NET_MAX 65536 /* networks kept from one store */
#define IPAM_MAX 256  /* address pools per family */

/* A JSON value stored as a JSON string inside the record (ipamV4Config, ipamV4Info, IPAMData). */
static json_t *inner_json(json_t *o, const char *key)
{
	const char *s = jstr(o, key);
	if (!s || !*s)
		return NULL;
	json_error_t je;
	return json_loads(s, 0, &je);
}

/* "172.17.0.1/16" -> "172.17.0.1" */
static json_t *addr_only(const char *cidr)
{
	const char *sl = strchr(cidr, '/');
	return json_strn(cidr, sl ? (size_t)(sl - cidr) : strlen(cidr));
}

/* The daemon's buildIpamResources: the user's configuration (pools asked for) when there is
 * one, else what the IPAM driver allocated (pool and gateway). */
static void ipam_family(json_t *rec, const char *conf_key, const char *info_key, json_t *out,
                        const char *netname, json_t *notes)
{
	size_t before = json_array_size(out);
	json_t *conf = inner_json(rec, conf_key);
	if (jstr(rec, conf_key) && *jstr(rec, conf_key) && !json_is_array(conf))
		note(notes, "network '%s': %s is not a list", netname, conf_key);
	size_t n = json_array_size(conf);
	for (size_t i = 0; i < n && i < IPAM_MAX; i++) {
		json_t *c = json_array_get(conf, i);
		const char *pool = jstr(c, "PreferredPool");
		if (!pool || !*pool)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "Subnet", json_str(pool));
		const char *sub = jstr(c, "SubPool"), *gw = jstr(c, "Gateway");
		if (sub && *sub)
			json_object_set_new(o, "IPRange", json_str(sub));
		if (gw && *gw)
			json_object_set_new(o, "Gateway", json_str(gw));
		json_t *aux = jobj(c, "AuxAddresses");
		if (aux && json_object_size(aux))
			json_object_set_new(o, "AuxiliaryAddresses", string_values(aux));
		json_array_append_new(out, o);
	}
	json_decref(conf);
	if (json_array_size(out) > before)
		return;
	json_t *info = inner_json(rec, info_key);
	if (jstr(rec, info_key) && *jstr(rec, info_key) && !json_is_array(info))
		note(notes, "network '%s': %s is not a list", netname, info_key);
	n = json_array_size(info);
	for (size_t i = 0; i < n && i < IPAM_MAX; i++) {
		json_t *data = inner_json(json_array_get(info, i), "IPAMData");
		const char *pool = jstr(data, "Pool"), *gw = jstr(data, "Gateway");
		if (!pool || !*pool) {
			note(notes, "network '%s': %s entry %zu has no pool", netname, info_key, i);
			json_decref(data);
			continue;
		}
		json_t *o = json_object();
		json_object_set_new(o, "Subnet", json_str(pool));
		if (gw && *gw)
			json_object_set_new(o, "Gateway", addr_only(gw));
		json_array_append_new(out, o);
		json_decref(data);
	}
	json_decref(info);
}

static bool is_hex_id(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static json_t *copy_or(json_t *v, json_t *dflt)
{
	if (v && (json_is_object(v) || json_is_null(v))) {
		json_decref(dflt);
		return json_deep_copy(v);
	}
	return dflt;
}

/* rec: a parsed record (borrowed). */
static json_t *network_from_record(json_t *rec, json_t *notes)
{
	const char *id = jstr(rec, "id"), *name = jstr(rec, "name");
	if (!id || !is_hex_id(id, strlen(id)) || !name || !*name) {
		note(notes, "network record '%.64s': no valid id or name", id ? id : "?");
		return NULL;
	}
	json_t *o = json_object();
	json_object_set_new(o, "Name", json_str(name));
	json_object_set_new(o, "Id", json_str(id));
	const char *created = jstr(rec, "created");
	if (created)
		json_object_set_new(o, "Created", json_str(created));
	const char *scope = jstr(rec, "scope");
	json_object_set_new(o, "Scope", json_str(scope && *scope ? scope : "local"));
	const char *type = jstr(rec, "networkType");
	json_object_set_new(o, "Driver", json_str(type ? type : ""));
	json_object_set_new(o, "EnableIPv6", json_boolean(jbool(rec, "enableIPv6")));

	json_t *ipam = json_object();
	const char *ipt = jstr(rec, "ipamType");
	json_object_set_new(ipam, "Driver", json_str(ipt && *ipt ? ipt : "default"));
	json_object_set_new(ipam, "Options",
	                    copy_or(json_object_get(rec, "ipamOptions"), json_null()));
	json_t *cfg = json_array();
	ipam_family(rec, "ipamV4Config", "ipamV4Info", cfg, name, notes);
	ipam_family(rec, "ipamV6Config", "ipamV6Info", cfg, name, notes);
	json_object_set_new(ipam, "Config", cfg);
	json_object_set_new(o, "IPAM", ipam);

	json_object_set_new(o, "Internal", json_boolean(jbool(rec, "internal")));
	json_object_set_new(o, "Attachable", json_boolean(jbool(rec, "attachable")));
	json_object_set_new(o, "Ingress", json_boolean(jbool(rec, "ingress")));
	json_t *cf = json_object();
	const char *cfrom = jstr(rec, "configFrom");
	json_object_set_new(cf, "Network", json_str(cfrom ? cfrom : ""));
	json_object_set_new(o, "ConfigFrom", cf);
	json_object_set_new(o, "ConfigOnly", json_boolean(jbool(rec, "configOnly")));
	json_object_set_new(o, "Containers", json_object());

	/* the driver's options: the string values of generic["com.docker.network.generic"] */
	json_object_set_new(
	    o, "Options", string_values(jobj(jobj(rec, "generic"), "com.docker.network.generic")));
	json_object_set_new(o, "Labels", string_values(jobj(rec, "labels")));
	return o;
}

json_t *ondisk_network_parse(const char *text, size_t len, json_t *notes)
{
	json_error_t je;
	json_t *rec = json_loadb(text, len, 0, &je);
	if (!json_is_object(rec)) {
		note(notes, "network record: not a JSON object (%s)", rec ? "wrong type" : je.text);
		json_decref(rec);
		return NULL;
	}
	json_t *o = network_from_record(rec, notes);
	json_decref(rec);
	return o;
}

struct net_walk {
	json_t *list;
	json_t *notes;
	const char *what;
	size_t seen;
};

static int net_cb(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, bool bucket,
                  void *ctx)
{
	struct net_walk *w = ctx;
	const size_t pl = strlen(NET_PREFIX);
	if (bucket || klen < pl || memcmp(key, NET_PREFIX, pl) != 0)
		return 0;
	const char *kid = (const char *)key + pl;
	size_t kidlen = klen - pl;
	if (kidlen > 0 && kid[kidlen - 1] == '/')
		kidlen--;
	if (!is_hex_id(kid, kidlen)) {
		json_t *k = json_strn((const char *)key, klen < 200 ? klen : 200);
		note(w->notes, "%s: unexpected network key %s", w->what, json_string_value(k));
		json_decref(k);
		return 0;
	}
	if (++w->seen > NET_MAX) {
		if (w->seen == NET_MAX + 1)
			note(w->notes, "%s: more than %d networks, the rest left out", w->what,
			     NET_MAX);
		return 0;
	}
	/* libkv's value: an 8-byte index, then the record */
	if (vlen < 8 || vlen - 8 > NET_RECORD_MAX) {
		note(w->notes, "%s: network %.12s: record of %zu bytes", w->what, kid, vlen);
		return 0;
	}
	json_error_t je;
	json_t *rec = json_loadb((const char *)val + 8, vlen - 8, 0, &je);
	if (!json_is_object(rec)) {
		note(w->notes, "%s: network %.12s: not a JSON object (%s)", w->what, kid,
		     rec ? "wrong type" : je.text);
		json_decref(rec);
		return 0;
	}
	bool deleting = jbool(rec, "inDelete");
	json_t *n = network_from_record(rec, w->notes);
	json_decref(rec);
	if (!n)
		return 0;
	const char *id = jstr(n, "Id");
	if (strncmp(id, kid, 64) != 0) {
		note(w->notes, "%s: network %.12s: the record is of network %.12s", w->what, kid,
		     id);
		json_decref(n);
		return 0;
	}
	if (deleting) {
		note(w->notes, "%s: network '%s' (%.12s) was being deleted; left out", w->what,
		     jstr(n, "Name"), kid);
		json_decref(n);
		return 0;
	}
	json_array_append_new(w->list, n);
	return 0;
}

static int cmp_net_name(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(jstr(x, "Name"), jstr(y, "Name"));
	return c ? c : strcmp(jstr(x, "Id"), jstr(y, "Id"));
}

static int networks_from(struct bolt *b, const char *what, json_t **ret, json_t *notes,
                         struct cirt_err *err)
{
	static const char *const path[] = {"libnetwork"};
	struct net_walk w = {.list = json_array(), .notes = notes, .what = what};
	int r = bolt_foreach(b, path, 1, net_cb, &w, err);
	if (r < 0) {
		json_decref(w.list);
		return err_prefix(err, "read '%s'", what);
	}
	const char *first;
	size_t dmg = bolt_damage(b, &first);
	if (dmg)
		note(notes, "%s: %zu damaged page%s or record%s skipped (first: %s)", what, dmg,
		     dmg == 1 ? "" : "s", dmg == 1 ? "" : "s", first);
	/* sorted by name, as `docker network ls` shows them */
	size_t n = json_array_size(w.list);
	json_t **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(w.list, i));
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_net_name);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	json_decref(w.list);
	*ret = out;
	return 0;
}

int ondisk_networks_mem(const void *data, size_t len, const char *what, json_t **ret, json_t *notes,
                        struct cirt_err *err)
{
	_cleanup_bolt_ struct bolt *b = NULL;
	if (bolt_open_mem(data, len, &b, err) < 0)
		return err_prefix(err, "read '%s'", what);
	return networks_from(b, what, ret, notes, err);
}

int ondisk_networks(const char *docker_root, json_t **ret, json_t *notes, struct cirt_err *err)
{
	_cleanup_free_ char *path = xasprintf(
	    "%s/%s", docker_root ? docker_root : ONDISK_DOCKER_ROOT, ONDISK_NETWORK_STORE);
	_cleanup_bolt_ struct bolt *b = NULL;
	if (bolt_open(path, &b, err) < 0)
		return -1;
	return networks_from(b, path, ret, notes, err);
}
