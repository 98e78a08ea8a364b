/* job.c: the targets of one `cirt scan`, scanned in turn, and their document. */
#include "scan/job.h"

#include <linux/capability.h>
#include <sys/stat.h>

#include "escape.h"
#include "priv.h"
#include "sources/docker.h"
#include "sources/imagelist.h"
#include "sources/ondisk.h"

static void warn(const struct scan_job_env *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(const struct scan_job_env *e, const char *fmt, ...)
{
	if (!e->warn)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (m)
		e->warn(e->warn_ud, m);
}

static void add_target(struct scan_job *j, struct scan_target *t)
{
	j->t = xrealloc(j->t, (j->n + 1) * sizeof(*j->t));
	j->t[j->n++] = t;
}

int scan_job_add_containers(struct scan_job *j, const struct scan_job_env *e, char *const *refs,
                            size_t n_refs, struct cirt_err *err)
{
	struct docker *d = NULL;
	struct host_load_opts o = {.all = true, .refs = n_refs ? refs : NULL, .n_refs = n_refs};
	if (e->offline     ? host_load_offline(&o, &j->h, err) < 0
	    : e->no_daemon ? host_load_nodaemon(&o, &j->h, err) < 0
	                   : e->docker(e->docker_ud, &d) < 0 || host_load(d, &o, &j->h, err) < 0)
		return -1;
	struct host *h = j->h;
	for (size_t k = 0; k < h->n_warnings; k++)
		warn(e, "%s", h->warnings[k]);
	/* the daemon's exposure is the running host's: a disk image has no process or socket */
	if (!e->offline)
		add_target(j, scan_target_host());
	for (size_t k = 0; k < h->n; k++) {
		struct container *c = &h->c[k];
		/* the records on disk list every container: keep the ones named */
		bool named = !n_refs;
		for (size_t r = 0; r < n_refs && !named; r++) {
			struct container *f = NULL;
			struct cirt_err fe = {0};
			named = host_find(h, refs[r], &f, &fe) == 0 && f == c;
		}
		if (!named)
			continue;
		struct scan_target *t = NULL;
		struct cirt_err te = {0};
		if (scan_target_container(d, c->inspect, &t, &te) < 0) {
			warn(e, "%s", te.msg);
			if (!err->code)
				*err = te;
			j->failed = true;
			continue;
		}
		if (e->no_daemon)
			for (size_t q = 0; q < c->n_notes; q++)
				scan_target_note(t, "%s", c->notes[q]);
		add_target(j, t);
	}
	return 0;
}

int scan_job_add_images(struct scan_job *j, const struct scan_job_env *e, char *const *images,
                        size_t n, struct cirt_err *err)
{
	for (size_t k = 0; k < n; k++) {
		struct scan_target *t = NULL;
		struct docker *d = NULL;
		struct stat st;
		bool file = stat(images[k], &st) == 0 && S_ISREG(st.st_mode);
		if (!file && !e->no_daemon && e->docker(e->docker_ud, &d) < 0)
			return -1;
		if (scan_target_image(d, images[k], &t, err) < 0)
			return -1;
		add_target(j, t);
	}
	return 0;
}

int scan_job_add_all_images(struct scan_job *j, struct cirt_err *err)
{
	_cleanup_free_ char *root = ondisk_docker_root();
	struct image_ref *v = NULL;
	size_t n = 0;
	if (imagelist_read(root, "overlay2", &v, &n, err) < 0)
		return -1;
	int r = 0;
	for (size_t k = 0; k < n && r == 0; k++) {
		struct scan_target *t = NULL;
		r = scan_target_image(NULL, v[k].ref, &t, err);
		if (r == 0)
			add_target(j, t);
	}
	imagelist_free(v, n);
	return r;
}

int scan_job_add_rootfs(struct scan_job *j, const struct scan_job_env *e, char *const *dirs,
                        size_t n, const char *baseline, struct cirt_err *err)
{
	for (size_t k = 0; k < n; k++) {
		struct scan_target *t = NULL;
		if (scan_target_rootfs(dirs[k], &t, err) < 0)
			return -1;
		add_target(j, t);
		if (!baseline)
			continue;
		/* a directory, or else an image of the daemon's */
		struct docker *d = NULL;
		struct stat st;
		if (stat(baseline, &st) != 0 && !e->no_daemon && e->docker(e->docker_ud, &d) < 0)
			return -1;
		if (scan_target_set_baseline(d, t, baseline, err) < 0)
			return -1;
	}
	return 0;
}

void scan_job_drop_privileges(struct scan_job *j, const struct scan_job_env *e)
{
	static const int keep[] = {CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_SYS_PTRACE};
	struct cirt_err pe = {0};
	if (priv_drop(keep, ARRAY_SIZE(keep), &j->privs, &pe) < 0)
		warn(e, "%s", pe.msg);
}

/* Inspect a container again after its files vanished: 0 with a fresh target, 1 when it was
 * removed, -1 when that cannot be told. */
static int retarget(const struct scan_job_env *e, struct scan_target **t)
{
	struct docker *d = NULL;
	json_t *j = NULL;
	struct cirt_err err = {0};
	struct host *h = NULL;
	if (e->offline)
		return -1; /* a disk image does not change: nothing to look at again */
	if (e->no_daemon) {
		/* its records on disk and its cgroup, read again */
		char *ref = (*t)->id;
		struct host_load_opts o = {.all = true, .refs = &ref, .n_refs = 1};
		struct container *c = NULL;
		if (host_load_nodaemon(&o, &h, &err) < 0 || host_find(h, ref, &c, &err) < 0) {
			host_free(h);
			return err.code == CIRT_EXIT_NOTFOUND ? 1 : -1;
		}
		j = json_incref(c->inspect);
		host_free(h);
	} else {
		if (e->docker(e->docker_ud, &d) < 0)
			return -1;
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", (*t)->id);
		if (docker_get_json(d, path, &j, &err) < 0)
			return err.code == CIRT_EXIT_NOTFOUND ? 1 : -1;
	}
	struct scan_target *nt = NULL;
	int r = scan_target_container(d, j, &nt, &err);
	json_decref(j);
	if (r < 0)
		return -1;
	scan_target_free(*t);
	*t = nt;
	return 0;
}

static void filter(struct scan_result *r, int min_sev)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		if ((int)r->f[i].sev >= min_sev) {
			r->f[k++] = r->f[i];
			continue;
		}
		struct scan_result one = {.f = xmalloc(sizeof(*r->f)), .n = 1};
		one.f[0] = r->f[i];
		scan_result_clear(&one);
	}
	r->n = k;
}

void scan_job_run(struct scan_job *j, struct scan_engine *eng, const struct scan_job_env *e,
                  int min_sev, struct cirt_err *err)
{
	j->r = xcalloc(j->n + 1, sizeof(*j->r));
	j->worst = -1;
	for (size_t k = 0; k < j->n; k++) {
		struct cirt_err te = {0};
		int r = scan_target_run(eng, j->t[k], &j->r[k], &te);
		if (r < 0 && te.code == CIRT_EXIT_NOTFOUND && j->t[k]->kind == SCAN_CONTAINER) {
			/* it stopped or went away since it was listed: look again, once */
			int again = retarget(e, &j->t[k]);
			if (again == 0) {
				te = (struct cirt_err){0};
				r = scan_target_run(eng, j->t[k], &j->r[k], &te);
			} else if (again == 1) {
				warn(e, "container '%s' was removed during the scan: left out",
				     j->t[k]->name);
				continue;
			}
		}
		if (r < 0) {
			err_prefix(&te, "scan %s '%s'", scan_kind_name(j->t[k]->kind),
			           j->t[k]->name);
			warn(e, "%s", te.msg);
			if (!j->failed)
				*err = te;
			j->failed = true;
			continue;
		}
		filter(&j->r[k], min_sev);
		int m = scan_result_max_sev(&j->r[k]);
		if (m > j->worst)
			j->worst = m;
	}
}

json_t *scan_job_json(const struct scan_job *j, const struct scan_engine *eng, bool sarif)
{
	if (sarif)
		return scan_sarif(j->t, j->r, j->n);
	json_t *doc = json_object(), *arr = json_array();
	size_t total = 0;
	for (size_t k = 0; k < j->n; k++) {
		json_array_append_new(arr, scan_result_json(j->t[k], &j->r[k]));
		total += j->r[k].n;
	}
	json_object_set_new(doc, "targets", arr);
	json_t *sum = json_object();
	json_object_set_new(sum, "targets", json_integer((json_int_t)j->n));
	json_object_set_new(sum, "findings", json_integer((json_int_t)total));
	json_object_set_new(sum, "max_severity",
	                    j->worst >= 0 ? json_string(scan_sev_name((enum scan_sev)j->worst))
	                                  : json_null());
	json_object_set_new(sum, "rules", json_integer((json_int_t)scan_engine_rule_count(eng)));
	json_object_set_new(sum, "privileges", json_str(j->privs));
	json_object_set_new(doc, "summary", sum);
	return doc;
}

void scan_job_clear(struct scan_job *j)
{
	for (size_t k = 0; k < j->n; k++) {
		if (j->r)
			scan_result_clear(&j->r[k]);
		scan_target_free(j->t[k]);
	}
	free(j->r);
	free(j->t);
	host_free(j->h);
	free(j->privs);
	memset(j, 0, sizeof(*j));
}
