/* kevents_int.h: what the parts of the kernel-events source share (kevents.c, the BPF mode, the
 * fallback, the cgroup map); not for other modules. */
#pragma once

#include <limits.h>

#include "sources/kevents.h"

/* The cgroup hierarchy events are attributed by. */
struct kev_hier {
	bool v2;               /* the unified hierarchy (else a v1 one with a controller) */
	char mount[PATH_MAX];  /* where it is mounted */
	char controllers[256]; /* v1: its controllers, comma-separated ("pids", "cpu,cpuacct") */
};

/* Pick from /proc/self/mountinfo: a v1 hierarchy with a controller when one is mounted (Docker
 * then puts containers there), else the unified one (force_v2: the unified one if mounted).
 * -ENOENT when none is mounted. */
int kev_hier_pick(bool force_v2, struct kev_hier *ret);
/* The same from a mountinfo text (tested). */
int kev_hier_parse(const char *mountinfo, bool force_v2, struct kev_hier *ret);

/* cgroup kernfs id -> container id, from a walk of a hierarchy's directories (their inode
 * number is the kernfs id). Ids of removed cgroups are kept: an event of a container that is
 * gone keeps its last known container. */
struct kev_cgmap;
struct kev_cgmap *kev_cgmap_new(const char *mount);
void kev_cgmap_free(struct kev_cgmap *m);
/* true with ret set ("" for a cgroup outside any container), false if the id is not found even
 * after a rescan (rescans are at most one per 10 ms; an id not found after one is remembered). */
bool kev_cgmap_lookup(struct kev_cgmap *m, uint64_t id, char ret[65]);
/* The container id a cgroup path names: its first component holding a 64-hex id (the runtime
 * made that one; deeper ones may be made from inside the container). */
bool kev_cgpath_container(const char *path, char ret[65]);
size_t kev_cgmap_size(const struct kev_cgmap *m);

struct kev_bpf;
struct kev_fb;

struct kev {
	enum kev_mode mode;
	unsigned kinds;
	int epfd;
	int64_t mono_to_real; /* add to CLOCK_MONOTONIC ns for CLOCK_REALTIME ns */
	struct kev_stats st;
	char **limits;
	size_t n_limits;
	char **notes;
	size_t n_notes;
	char *why; /* why the fallback runs */
	struct kev_hier hier;
	bool have_hier;
	struct kev_cgmap *cg;
	struct kev_bpf *bpf;
	struct kev_fb *fb;
	void (*raw)(const void *rec, size_t len, void *data);
	void *raw_data;
	/* during a read */
	kev_cb cb;
	void *cb_data;
	int cb_ret;
};

void kev_limit(struct kev *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kev_note(struct kev *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Count e, give it to the callback; nonzero: the callback's value (stop). */
int kev_deliver(struct kev *k, struct kev_event *e);
/* Fill e->container from the cgroup map (BPF events), or from the cgroup's name. */
void kev_resolve(struct kev *k, struct kev_event *e);

int kev_bpf_open(struct kev *k, const struct kev_opts *o, struct cirt_err *err);
int kev_bpf_read(struct kev *k, struct cirt_err *err);
void kev_bpf_drops(struct kev *k, uint64_t drops[KEV_KINDS]);
void kev_bpf_close(struct kev *k);
size_t kev_bpf_prog_stats(struct kev *k, struct kev_prog_stat *out, size_t max);

int kev_fb_open(struct kev *k, const struct kev_opts *o, struct cirt_err *err);
int kev_fb_read(struct kev *k, struct cirt_err *err);
void kev_fb_close(struct kev *k);
