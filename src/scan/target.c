/* target.c: what to scan and how its files are reached: a running container through its root
 * as the host sees it, a stopped one through its overlay2 layers, an image through its layers
 * or a `docker save` tarball, or a plain directory. */
#include <sys/stat.h>

#include "scan/engine.h"
#include "sources/docker.h"
#include "sources/ondisk.h"
#include "sources/rootfs.h"

static const char *const sensitive_sources[] = {"/",
                                                "/etc",
                                                "/root",
                                                "/home",
                                                "/usr",
                                                "/var",
                                                "/var/lib",
                                                "/var/lib/docker",
                                                "/var/lib/containerd",
                                                "/var/lib/kubelet",
                                                "/boot",
                                                "/lib",
                                                "/lib64",
                                                "/opt",
                                                "/srv",
                                                "/run",
                                                "/var/run",
                                                "/proc",
                                                "/sys",
                                                "/dev",
                                                NULL};

static void push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static size_t split_layers(const char *lower, char ***v, size_t *n)
{
	if (!lower || !*lower)
		return 0;
	_cleanup_free_ char *d = xstrdup(lower);
	size_t added = 0;
	for (char *save = NULL, *t = strtok_r(d, ":", &save); t;
	     t = strtok_r(NULL, ":", &save), added++)
		push(v, n, xstrdup(t));
	return added;
}

/* The image's build history (API form, newest step first; without the daemon the config's own
 * list from the image store, oldest first); a note when unreadable. */
static void load_history(struct docker *d, struct scan_target *t, const char *image,
                         const char *driver)
{
	if (!image)
		return;
	struct cirt_err e = {0};
	json_t *h = NULL;
	if (!d) {
		_cleanup_free_ char *root = ondisk_docker_root();
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		json_t *notes = json_array();
		if (ondisk_image_config(root, driver ? driver : "overlay2", image, &text, &len,
		                        notes, &e) < 0) {
			scan_target_note(t, "image history: %s", e.msg);
		} else {
			json_t *cfg = json_loadb(text, len, 0, NULL);
			h = json_incref(jarr(cfg, "history"));
			json_decref(cfg);
		}
		size_t i;
		json_t *n;
		json_array_foreach(notes, i, n)
		{
			scan_target_note(t, "%s", json_string_value(n));
		}
		json_decref(notes);
	} else {
		_cleanup_free_ char *enc = docker_urlencode(image);
		_cleanup_free_ char *path = xasprintf("/images/%s/history", enc);
		if (docker_get_json(d, path, &h, &e) < 0) {
			scan_target_note(t, "image history: %s", e.msg);
			return;
		}
	}
	if (!json_is_array(h)) {
		json_decref(h);
		return;
	}
	t->history = h;
}

static bool is_mountpoint(const char *dir)
{
	struct stat a, b;
	_cleanup_free_ char *parent = xasprintf("%s/..", dir);
	return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

int scan_target_container(struct docker *d, json_t *ins, struct scan_target **ret,
                          struct cirt_err *err)
{
	struct scan_target *t = xcalloc(1, sizeof(*t));
	t->kind = SCAN_CONTAINER;
	t->inspect = json_incref(ins);
	const char *name = jstr(ins, "Name");
	t->name = xstrdup(name ? (name[0] == '/' ? name + 1 : name) : "?");
	t->id = xstrdup0(jstr(ins, "Id"));
	t->image = xstrdup0(jstr(jobj(ins, "Config"), "Image"));
	t->image_id = xstrdup0(jstr(ins, "Image"));
	json_t *st = jobj(ins, "State");
	t->state = xstrdup(jstr(st, "Status") ? jstr(st, "Status") : "unknown");
	/* from a disk image (--root) a recorded pid is not a process of this machine */
	if (jbool(st, "Running") && !rootfs_host_root())
		t->pid = (int)jint(st, "Pid", 0);
	json_t *gd = jobj(ins, "GraphDriver");
	const char *driver = jstr(gd, "Name");
	json_t *data = jobj(gd, "Data");
	const char *upper = jstr(data, "UpperDir"), *lower = jstr(data, "LowerDir"),
	           *merged = jstr(data, "MergedDir");
	bool overlay = driver && streq(driver, "overlay2");
	if (t->pid > 0) {
		t->root = xasprintf("/proc/%d/root", t->pid);
		t->upper = overlay ? xstrdup0(upper) : NULL;
		t->how = xasprintf("running: its root as the host sees it (/proc/%d/root)", t->pid);
		if (!overlay)
			scan_target_note(
			    t,
			    "storage driver '%s': findings are not marked as added since the image",
			    driver ? driver : "?");
		/* a host directory mounted in is the host's, not the container's: not walked */
		size_t i;
		json_t *m;
		json_array_foreach(jarr(ins, "Mounts"), i, m)
		{
			const char *src = jstr(m, "Source"), *dst = jstr(m, "Destination"),
			           *type = jstr(m, "Type");
			if (!src || !dst || !type || !streq(type, "bind"))
				continue;
			for (const char *const *s = sensitive_sources; *s; s++)
				if (streq(*s, src)) {
					push(&t->skip, &t->n_skip, xstrdup(dst));
					break;
				}
		}
	} else {
		if (!overlay || !upper) {
			int r = err_set(err, CIRT_EXIT_RUNTIME,
			                "container '%s' is not running and its storage driver '%s' "
			                "is not overlay2: "
			                "its files cannot be read",
			                t->name, driver ? driver : "?");
			scan_target_free(t);
			return r;
		}
		if (merged && !rootfs_host_root() && is_mountpoint(merged)) {
			t->root = xstrdup(merged);
			t->upper = xstrdup(upper);
			t->how = xasprintf("%s: its mounted overlay (%s)", t->state, merged);
		} else {
			push(&t->layers, &t->n_layers, xstrdup(upper));
			split_layers(lower, &t->layers, &t->n_layers);
			t->top_is_upper = true;
			t->how = xasprintf("%s: its overlay2 layers (%zu, upper first)", t->state,
			                   t->n_layers);
		}
		if (json_array_size(jarr(ins, "Mounts")))
			scan_target_note(
			    t, "not running: its volumes and bind mounts are not scanned");
	}
	load_history(d, t, t->image_id, driver);
	*ret = t;
	return 0;
}

int scan_target_image(struct docker *d, const char *ref, struct scan_target **ret,
                      struct cirt_err *err)
{
	struct stat st;
	if (stat(ref, &st) == 0 && S_ISREG(st.st_mode))
		return scan_target_tarball(ref, ret, err);
	_cleanup_free_ char *enc = docker_urlencode(ref);
	_cleanup_free_ char *path = xasprintf("/images/%s/json", enc);
	json_t *ins = NULL;
	json_t *notes = json_array();
	if (!d) {
		/* without the daemon: its image store on disk */
		_cleanup_free_ char *root = ondisk_docker_root();
		if (ondisk_image_inspect(root, "overlay2", ref, &ins, notes, err) < 0) {
			json_decref(notes);
			return err_prefix(err, "image '%s'", ref);
		}
	} else if (docker_get_json(d, path, &ins, err) < 0) {
		json_decref(notes);
		return err_prefix(err, "image '%s'", ref);
	}
	struct scan_target *t = xcalloc(1, sizeof(*t));
	t->kind = SCAN_IMAGE;
	t->inspect = ins;
	t->name = xstrdup(ref);
	t->id = xstrdup0(jstr(ins, "Id"));
	t->image = xstrdup(ref);
	t->image_id = xstrdup0(t->id);
	t->config = json_incref(jobj(ins, "Config"));
	json_t *gd = jobj(ins, "GraphDriver");
	const char *driver = jstr(gd, "Name");
	json_t *data = jobj(gd, "Data");
	const char *upper = jstr(data, "UpperDir");
	if (!driver || !streq(driver, "overlay2") || !upper) {
		int r = err_set(err, CIRT_EXIT_RUNTIME,
		                "image '%s': storage driver '%s' is not overlay2: scan a `docker "
		                "save` tarball instead",
		                ref, driver ? driver : "?");
		scan_target_free(t);
		return r;
	}
	push(&t->layers, &t->n_layers, xstrdup(upper));
	split_layers(jstr(data, "LowerDir"), &t->layers, &t->n_layers);
	t->how = xasprintf("image: its overlay2 layers (%zu, top first)%s", t->n_layers,
	                   d ? "" : ", from the image store on disk");
	size_t i;
	json_t *n;
	json_array_foreach(notes, i, n)
	{
		scan_target_note(t, "%s", json_string_value(n));
	}
	json_decref(notes);
	if (d)
		load_history(d, t, t->id, driver);
	else
		t->history = json_incref(jarr(ins, "History"));
	*ret = t;
	return 0;
}

int scan_target_tarball(const char *path, struct scan_target **ret, struct cirt_err *err)
{
	json_t *config = NULL;
	char *tags = NULL;
	if (tarball_meta(path, &config, &tags, err) < 0)
		return -1;
	struct scan_target *t = xcalloc(1, sizeof(*t));
	t->kind = SCAN_TARBALL;
	t->name = xstrdup(path);
	t->tarball = xstrdup(path);
	t->image = tags;
	t->config = json_incref(jobj(config, "config"));
	t->history = json_incref(jarr(config, "history"));
	t->inspect = config;
	t->how = xasprintf("docker save tarball%s%s", tags ? ": " : "", tags ? tags : "");
	*ret = t;
	return 0;
}

int scan_target_rootfs(const char *dir, struct scan_target **ret, struct cirt_err *err)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return err_set(err,
		               errno == ENOENT   ? CIRT_EXIT_USAGE
		               : errno == EACCES ? CIRT_EXIT_PERM
		                                 : CIRT_EXIT_RUNTIME,
		               "--rootfs: '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(err, CIRT_EXIT_USAGE, "--rootfs: '%s' is not a directory", dir);
	struct scan_target *t = xcalloc(1, sizeof(*t));
	t->kind = SCAN_ROOTFS;
	t->name = xstrdup(dir);
	t->root = xstrdup(dir);
	t->how = xstrdup("directory tree (a root filesystem)");
	*ret = t;
	return 0;
}

struct scan_target *scan_target_host(void)
{
	struct scan_target *t = xcalloc(1, sizeof(*t));
	t->kind = SCAN_HOST;
	t->name = xstrdup("host");
	t->how = xstrdup("the docker daemon's exposure");
	return t;
}

int scan_target_set_baseline(struct docker *d, struct scan_target *t, const char *ref,
                             struct cirt_err *err)
{
	struct stat st;
	bool exists = stat(ref, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		t->base_root = xstrdup(ref);
		free(t->how);
		t->how = xasprintf(
		    "directory tree (a root filesystem), compared with the directory %s", ref);
		return 0;
	}
	if (exists)
		return err_set(err, CIRT_EXIT_USAGE,
		               "--baseline: '%s' is not a directory: give a directory or an image",
		               ref);
	struct scan_target *img = NULL;
	if (scan_target_image(d, ref, &img, err) < 0)
		return err_prefix(err, "--baseline");
	t->base_layers = steal_pointer(&img->layers);
	t->n_base_layers = img->n_layers;
	img->n_layers = 0;
	free(t->how);
	t->how =
	    xasprintf("directory tree (a root filesystem), compared with image %s (%zu layer%s)",
	              ref, t->n_base_layers, t->n_base_layers == 1 ? "" : "s");
	scan_target_free(img);
	return 0;
}
