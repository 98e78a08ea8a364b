/* ondisk.c: the daemon's container records and the runtime's state, read with jansson. */
#include "sources/ondisk.h"

#include <dirent.h>
#include <fcntl.h>

#include "escape.h"
#include "sources/docker.h"

#include <openssl/sha.h>

#define CONFIG_MAX (32u << 20)
#define SMALL_MAX (4u << 20)
#define MAX_LAYERS 256

static void note(json_t *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(json_t *notes, const char *fmt, ...)
{
	if (!json_is_array(notes))
		return;
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
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
	int r = read_file_max(AT_FDCWD, path, max, &text, &len);
	if (r < 0) {
		*ret_errno = -r;
		return NULL;
	}
	*ret_errno = 0;
	json_t *j = json_loadb(text, len, 0, je);
	free(text);
	return j;
}

char *ondisk_docker_root(void)
{
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
	DIR *d = opendir(dir);
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
	if (read_file_max(AT_FDCWD, path, 4096, &s, NULL) < 0)
		return NULL;
	s[strcspn(s, "\r\n")] = '\0';
	return s;
}

/* overlay2: the container's own layer (mount-id) and the image's layers below it. */
static void layer_dirs(const char *root, const char *id, const char *driver, json_t *gd,
                       json_t *notes)
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
	char *parent = read_token(pp);
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
			note(notes, "layer store: no usable '%s'", cp);
			break;
		}
		buf_printf(&lower, "%s%s/%s/%s/diff", lower.len ? ":" : "", root, driver, cache);
		_cleanup_free_ char *np = xasprintf("%s/parent", ldir);
		parent = read_token(np);
	}
	if (depth > MAX_LAYERS)
		note(notes, "layer store: more than %d layers, lower directories cut", MAX_LAYERS);
	free(parent);
	if (lower.len)
		json_object_set_new(data, "LowerDir", json_string(buf_cstr(&lower)));
	buf_free(&lower);
	json_object_set(gd, "Data", data);
	json_decref(data);
}

int ondisk_inspect(const char *root, const char *id, json_t **ret, json_t *notes,
                   struct cirt_err *err)
{
	if (!is_id(id))
		return err_set(err, CIRT_EXIT_NOTFOUND, "'%s' is not a container id", id);
	_cleanup_free_ char *cp = xasprintf("%s/containers/%s/config.v2.json", root, id);
	_cleanup_free_ char *hp = xasprintf("%s/containers/%s/hostconfig.json", root, id);
	_cleanup_free_ char *config = NULL, *hostconfig = NULL;
	size_t cl = 0, hl = 0;
	int r = read_file_max(AT_FDCWD, cp, CONFIG_MAX, &config, &cl);
	if (r < 0)
		return err_set(err, r == -EACCES ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "read '%s': %s", cp, strerror(-r));
	r = read_file_max(AT_FDCWD, hp, CONFIG_MAX, &hostconfig, &hl);
	if (r < 0 && r != -ENOENT)
		note(notes, "read '%s': %s", hp, strerror(-r));
	json_t *j = ondisk_inspect_parse(config, cl, r < 0 ? NULL : hostconfig, hl, notes);
	if (!j)
		return err_set(err, CIRT_EXIT_BADANSWER, "'%s' is not a container record", cp);
	if (!streq(jstr(j, "Id"), id))
		note(notes, "record in directory %.12s names another id", id);
	layer_dirs(root, id, jstr(j, "Driver"), jobj(j, "GraphDriver"), notes);
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
			if (streq(t, tagged) ||
			    (strlen(hex) >= 12 && startswith(id, "sha256:") && startswith(id + 7, hex)))
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
	int r = read_file_max(AT_FDCWD, p, CONFIG_MAX, ret, ret_len);
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
