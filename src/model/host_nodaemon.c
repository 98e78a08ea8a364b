/* host_nodaemon.c: the host snapshot when the daemon is dead, hung or not to be trusted: the
 * daemon's records on disk, checked against the processes actually running in each cgroup. */
#include <fcntl.h>

#include "escape.h"
#include "model/host.h"
#include "model/host_int.h"
#include "sources/cgscan.h"
#include "sources/ondisk.h"
#include "sources/procfs.h"

/* The pid of the container's init process as the host shows it now (0: none runs). runc's
 * record is preferred when its pid still runs in the container's cgroup with the same start
 * time (a pid can be reused); else the earliest process of the cgroup. */
static int live_pid(struct container *c, const struct cg_container *cg, int rec_pid)
{
	/* the daemon's record names the cgroup's own init process: the two agree, and runc's
	 * state (a large file per container) has nothing to add */
	if (cg && rec_pid > 0 && rec_pid == cg->init_pid)
		return rec_pid;
	struct ondisk_runc rs;
	if (ondisk_runc_state(NULL, c->id, &rs)) {
		struct procfs_stat st;
		if (cg_container_has_pid(cg, rs.pid) && procfs_stat(rs.pid, &st) &&
		    st.starttime == rs.start)
			return rs.pid;
		if (cg)
			container_note(
			    c, "runc's init pid %d is gone or reused: using pid %d of its cgroup",
			    rs.pid, cg->init_pid);
	}
	return cg ? cg->init_pid : 0;
}

static void set_state(struct container *c, const char *state, bool running)
{
	free(c->state);
	c->state = xstrdup(state);
	c->running = running;
	if (!running) {
		c->paused = false;
		c->pid = 0;
	}
}

/* The record is what the daemon last wrote; the processes are what runs now. */
static void reconcile(struct container *c, const struct cg_container *cg, bool have_scan)
{
	if (!have_scan) {
		container_note(c, "state as recorded on disk: the process table could not be read");
		return;
	}
	int rec_pid = c->pid;
	bool rec_running = c->running;
	int pid = live_pid(c, cg, c->running ? rec_pid : 0);
	if (pid > 0) {
		if (!rec_running) {
			container_note(c, "its record says '%s' but pid %d runs in its cgroup",
			               c->state, pid);
			set_state(c, "running", true);
		} else if (rec_pid != pid) {
			container_note(
			    c, "its record says pid %d; the init process in its cgroup is %d",
			    rec_pid, pid);
		}
		c->pid = pid;
		return;
	}
	if (rec_running) {
		container_note(
		    c,
		    "its record says running (pid %d) but no process is in its cgroup: it stopped "
		    "while the daemon was away",
		    rec_pid);
		set_state(c, "exited", false);
	}
}

static void fix_unknown_mode(struct container *c)
{
	if (c->mode_raw && streq(c->mode_raw, "unknown"))
		c->mode = NETMODE_UNKNOWN;
}

static void add_notes(struct container *c, json_t *notes)
{
	size_t i;
	json_t *n;
	json_array_foreach(notes, i, n)
	{
		if (json_is_string(n))
			container_note(c, "%s", json_string_value(n));
	}
}

/* argv of a process from /proc/<pid>/cmdline, as a JSON array (for Path/Args). */
static json_t *proc_args(int pid)
{
	char path[64];
	char *s = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	json_t *a = json_array();
	if (read_file_max(AT_FDCWD, path, 64 * 1024, &s, &len) < 0)
		return a;
	for (size_t i = 0; i < len;) {
		size_t l = strnlen(s + i, len - i);
		json_array_append_new(a, json_strn(s + i, l));
		i += l + 1;
	}
	free(s);
	return a;
}

/* A container no daemon record names: only its processes (and maybe containerd's bundle) say
 * it exists. Built in the inspect shape so the model's parser reads it like any other. */
static json_t *synth_inspect(const struct cg_container *cg, unsigned long host_netns, json_t *notes)
{
	json_t *j = json_object();
	json_object_set_new(j, "Id", json_string(cg->id));
	char *bpath = NULL;
	json_t *bundle = ondisk_oci_bundle(cg->id, &bpath);
	json_t *ann = jobj(bundle, "annotations");
	const char *cname = jstr(ann, "io.kubernetes.cri.container-name");
	const char *pod = jstr(ann, "io.kubernetes.cri.sandbox-name");
	if (cname && pod)
		json_object_set_new(j, "Name", json_sprintf("/%s/%s", pod, cname));
	else
		json_object_set_new(j, "Name", json_string(cname ? cname : ""));
	json_t *cfg = json_object();
	const char *img = jstr(ann, "io.kubernetes.cri.image-name");
	if (img)
		json_object_set_new(cfg, "Image", json_string(img));
	json_object_set_new(cfg, "Hostname",
	                    json_string(jstr(bundle, "hostname") ? jstr(bundle, "hostname") : ""));
	json_object_set_new(j, "Config", cfg);
	json_t *args = jarr(jobj(bundle, "process"), "args");
	args = args ? json_incref(args) : proc_args(cg->init_pid);
	if (json_array_size(args) > 0) {
		json_object_set(j, "Path", json_array_get(args, 0));
		json_t *rest = json_array();
		for (size_t i = 1; i < json_array_size(args); i++)
			json_array_append(rest, json_array_get(args, i));
		json_object_set_new(j, "Args", rest);
	}
	json_decref(args);
	json_t *st = json_object();
	json_object_set_new(st, "Status", json_string("running"));
	json_object_set_new(st, "Running", json_true());
	json_object_set_new(st, "Pid", json_integer(cg->init_pid));
	json_object_set_new(j, "State", st);
	unsigned long ns = procfs_ns_inode(cg->init_pid, "net");
	json_t *hc = json_object();
	json_object_set_new(hc, "NetworkMode",
	                    json_string(ns && ns == host_netns ? "host" : "unknown"));
	json_object_set_new(j, "HostConfig", hc);
	const char *rootp = jstr(jobj(bundle, "root"), "path");
	if (rootp) {
		json_t *gd = json_object(), *data = json_object();
		json_object_set_new(data, "MergedDir", json_string(rootp));
		json_object_set_new(gd, "Data", data);
		json_object_set_new(j, "GraphDriver", gd);
	}
	char note[256];
	snprintf(note, sizeof(note),
	         "no daemon record: found through the cgroup of pid %d (%s, %zu process%s)%s",
	         cg->init_pid, cg->engine, cg->n_pids, cg->n_pids == 1 ? "" : "es",
	         bundle ? "; command and root from containerd's bundle" : "");
	json_array_append_new(notes, json_string(note));
	if (!ns || ns != host_netns)
		json_array_append_new(
		    notes,
		    json_string("network mode and addresses unknown without a daemon record"));
	free(bpath);
	json_decref(bundle);
	return j;
}

static int cmp_container(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : strcmp(x->id, y->id);
}

/* h->c is allocated for every record and process group up front */
static void push(struct host *h, struct container *c)
{
	h->c[h->n++] = *c;
	memset(c, 0, sizeof(*c));
}

int host_load_nodaemon(const struct host_load_opts *o, struct host **ret, struct cirt_err *err)
{
	struct host *h = xcalloc(1, sizeof(*h));
	h->daemonless = true;
	_cleanup_free_ char *root = ondisk_docker_root();
	struct cg_scan own = {0};
	struct cirt_err e = {0}, le = {0};
	/* the records' directory is listed while another thread may still read /proc */
	char **ids = NULL;
	size_t nids = 0;
	bool listed = ondisk_list(root, &ids, &nids, &le) == 0;
	const struct cg_scan *scan = o->scan        ? o->scan
	                             : o->scan_wait ? o->scan_wait(o->scan_ud)
	                                            : NULL;
	bool have_scan = true;
	if (!scan) {
		have_scan = cg_scan(NULL, &own, &e) == 0;
		scan = &own;
	}
	host_warn(
	    h,
	    "running without the daemon: containers read from '%s/containers', the runtime's state "
	    "and the processes' cgroups",
	    root);
	if (!have_scan)
		host_warn(h, "processes: %s", e.msg);
	if (!listed)
		host_warn(h, "daemon records: %s: containers found only through their processes",
		          le.msg);
	bool all = o->all || o->n_refs;
	/* without --all only what runs is shown: the records of containers without a process
	 * would be reconciled to 'exited' and left out, so they are not read at all */
	struct host_rec *recs = xcalloc(nids + 1, sizeof(*recs));
	size_t nr = 0;
	for (size_t i = 0; i < nids; i++) {
		if (all || !have_scan || cg_scan_find(scan, ids[i]))
			recs[nr++].id = steal_pointer(&ids[i]);
	}
	ondisk_list_free(ids, nids);
	host_read_records(root, recs, nr);
	h->c = xcalloc(nr + scan->n + 1, sizeof(*h->c));
	bool *seen = xcalloc(scan->n + 1, sizeof(*seen));
	for (size_t i = 0; i < nr; i++) {
		struct container c;
		if (!recs[i].doc) {
			host_warn(h, "%s", recs[i].why);
			continue;
		}
		if (container_from_inspect(recs[i].doc, &c) < 0)
			continue;
		add_notes(&c, recs[i].notes);
		fix_unknown_mode(&c);
		const struct cg_container *cg = cg_scan_find(scan, c.id);
		if (cg)
			seen[cg - scan->v] = true;
		reconcile(&c, cg, have_scan);
		if (cg && c.running && (o->needs & HOST_NEED_PROC))
			c.cgroup = xstrdup(cg->cgroup);
		if (!all && !c.running) {
			container_clear(&c);
			continue;
		}
		push(h, &c);
	}
	for (size_t i = 0; i < nr; i++)
		host_rec_clear(&recs[i]);
	free(recs);
	unsigned long host_netns = procfs_ns_inode(getpid(), "net");
	for (size_t i = 0; i < scan->n; i++) {
		if (seen[i] || scan->v[i].init_pid <= 0)
			continue;
		json_t *notes = json_array();
		json_t *j = synth_inspect(&scan->v[i], host_netns, notes);
		struct container c;
		if (container_from_inspect(j, &c) == 0) {
			add_notes(&c, notes);
			fix_unknown_mode(&c);
			if (o->needs & HOST_NEED_PROC)
				c.cgroup = xstrdup(scan->v[i].cgroup);
			push(h, &c);
		}
		json_decref(j);
		json_decref(notes);
	}
	free(seen);
	cg_scan_free(&own);
	if (h->n > 1)
		qsort(h->c, h->n, sizeof(*h->c), cmp_container);
	for (size_t r = 0; r < o->n_refs; r++) {
		struct container *c;
		if (host_find(h, o->refs[r], &c, err) < 0) {
			host_free(h);
			return -1;
		}
	}
	host_finish(h, o->needs & HOST_NEED_NET);
	host_link_shared(h);
	if (o->needs & HOST_DROP_DOC)
		for (size_t i = 0; i < h->n; i++) {
			json_decref(h->c[i].inspect);
			h->c[i].inspect = NULL;
		}
	*ret = h;
	return 0;
}
