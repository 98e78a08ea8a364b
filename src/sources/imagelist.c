/* imagelist.c: the image store's images and tags (see imagelist.h). */
#include "sources/imagelist.h"

#include <dirent.h>

#include "json.h"
#include "sources/rootfs.h"

#define MAX_IMAGES 100000

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct image_ref *x = a, *y = b;
	return strcmp(x->ref, y->ref);
}

int imagelist_read(const char *root, const char *driver, struct image_ref **ret, size_t *ret_n,
                   struct cirt_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/image/%s/imagedb/content/sha256", root, driver);
	DIR *d = rootfs_host_opendir(dir);
	if (!d)
		return err_set(err, errno == ENOENT ? CIRT_EXIT_NOTFOUND : CIRT_EXIT_RUNTIME,
		               "image store: read '%s': %s", dir, strerror(errno));
	/* tags: repositories.json {"Repositories": {repo: {"repo:tag": "sha256:id"}}} */
	_cleanup_free_ char *rp = xasprintf("%s/image/%s/repositories.json", root, driver);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	json_t *repos = rootfs_host_read(rp, 32u << 20, &text, &len) == 0
	                    ? json_loadb(text, len, 0, NULL)
	                    : NULL;
	struct image_ref *v = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < MAX_IMAGES) {
		if (!is_hex64(de->d_name))
			continue;
		char *best = NULL;
		const char *repo, *tag;
		json_t *tags, *id;
		json_object_foreach(jobj(repos, "Repositories"), repo, tags)
		{
			json_object_foreach(tags, tag, id)
			{
				const char *s = json_string_value(id);
				if (!s || !startswith(s, "sha256:") || !streq(s + 7, de->d_name) ||
				    startswith(tag, repo) == false || strchr(tag, '@'))
					continue;
				if (!best || strcmp(tag, best) < 0) {
					free(best);
					best = xstrdup(tag);
				}
			}
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].id = xstrdup(de->d_name);
		v[n].ref = best ? best : xasprintf("sha256:%s", de->d_name);
		n++;
	}
	closedir(d);
	json_decref(repos);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_ref);
	*ret = v;
	*ret_n = n;
	return 0;
}

void imagelist_free(struct image_ref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].ref);
	}
	free(v);
}
