/* kevents.c: the kernel-events source's front: picks the mode (BPF, else the fallback), counts,
 * attributes events to containers by cgroup, and hands them to the caller. */
#include "sources/kevents.h"

#include <sys/epoll.h>
#include <time.h>

#include "config.h"
#include "sources/kevents_int.h"
#include "sources/procfs.h"

static const char *const kind_names[KEV_KINDS] = {
    [KEV_EXEC] = "exec",       [KEV_FORK] = "fork",     [KEV_EXIT] = "exit",
    [KEV_CONNECT] = "connect", [KEV_ACCEPT] = "accept", [KEV_LISTEN] = "listen",
    [KEV_SEND] = "send",
};

const char *kev_kind_name(enum kev_kind k)
{
	return (unsigned)k < KEV_KINDS && kind_names[k] ? kind_names[k] : "unknown";
}

bool kev_kinds_parse(const char *csv, unsigned *ret)
{
	unsigned v = 0;
	_cleanup_free_ char *s = xstrdup(csv);
	char *save = NULL;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned i;
		if (streq(t, "all")) {
			v |= KEV_ALL_KINDS;
			continue;
		}
		for (i = 1; i < KEV_KINDS; i++)
			if (streq(t, kind_names[i]))
				break;
		if (i == KEV_KINDS)
			return false;
		v |= KEV_KIND_BIT(i);
	}
	if (!v)
		return false;
	*ret = v;
	return true;
}

const char *kev_mode_name(enum kev_mode m)
{
	switch (m) {
	case KEV_MODE_BPF:
		return "bpf";
	case KEV_MODE_FALLBACK:
		return "fallback";
	default:
		return "none";
	}
}

static void vpush(char ***v, size_t *n, const char *fmt, va_list ap)
{
	strv_vpushf_unique(v, n, fmt, ap);
}

void kev_limit(struct kev *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpush(&k->limits, &k->n_limits, fmt, ap);
	va_end(ap);
}

void kev_note(struct kev *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpush(&k->notes, &k->n_notes, fmt, ap);
	va_end(ap);
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void kev_resolve(struct kev *k, struct kev_event *e)
{
	if (e->container[0])
		return;
	uint64_t id = (e->flags & KEV_F_CG_V1) ? e->cgid_v1 : e->cgid;
	if (k->cg && kev_cgmap_lookup(k->cg, id, e->container))
		return;
	/* the cgroup is gone (or was never seen): its own name is the last word on it */
	char name[1024];
	size_t l = e->cgname.len < sizeof(name) - 1 ? e->cgname.len : sizeof(name) - 1;
	memcpy(name, e->cgname.p ? e->cgname.p : "", l);
	name[l] = '\0';
	if (kev_cgpath_container(name, e->container))
		e->flags |= KEV_F_CG_BY_NAME;
}

int kev_deliver(struct kev *k, struct kev_event *e)
{
	if ((unsigned)e->kind >= KEV_KINDS || !(k->kinds & KEV_KIND_BIT(e->kind)))
		return 0;
	k->st.events[e->kind]++;
	return k->cb ? k->cb(e, k->cb_data) : 0;
}

int kev_open(const struct kev_opts *opts, struct kev **ret, struct cirt_err *err)
{
	static const struct kev_opts defaults = {0};
	const struct kev_opts *o = opts ? opts : &defaults;
	struct kev *k = xcalloc(1, sizeof(*k));
	k->kinds = o->kinds ? (o->kinds & KEV_ALL_KINDS) : KEV_ALL_KINDS;
	k->raw = o->raw;
	k->raw_data = o->raw_data;
	k->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (k->epfd < 0) {
		int e = errno;
		free(k);
		return err_set(err, CIRT_EXIT_RUNTIME, "epoll_create1: %s", strerror(e));
	}
	k->mono_to_real = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	if (kev_hier_pick(o->cgroup_v2, &k->hier) == 0) {
		k->have_hier = true;
		k->cg = kev_cgmap_new(k->hier.mount);
		if (k->hier.v2)
			kev_note(k, "cgroups: the unified hierarchy (%s)", k->hier.mount);
		else
			kev_note(k, "cgroups: the v1 hierarchy of %s (%s)", k->hier.controllers,
			         k->hier.mount);
	} else {
		kev_limit(k, "no cgroup hierarchy is mounted: events are not attributed to "
		             "containers");
	}

	int r = -1;
	size_t notes_before = k->n_notes;
	if (o->no_bpf) {
		k->why = xstrdup("BPF not used (asked for the fallback)");
	} else {
#ifdef CIRT_HAVE_BPF
		struct cirt_err bpf_err = {0};
		r = kev_bpf_open(k, o, &bpf_err);
		if (r < 0) {
			k->why = xasprintf("BPF could not load: %s", bpf_err.msg);
			kev_bpf_close(k);
		}
#else
		k->why =
		    xstrdup("built without BPF (libbpf, clang or bpftool missing at build time)");
#endif
	}
	if (r == 0) {
		k->mode = KEV_MODE_BPF;
	} else {
		/* what BPF mode found out about the kernel is not this mode's business (but a
		 * tracefs it mounted stays mounted: that is said) */
		for (size_t i = 0; i < k->n_limits; i++)
			free(k->limits[i]);
		k->n_limits = 0;
		size_t kept = notes_before;
		for (size_t i = notes_before; i < k->n_notes; i++) {
			if (startswith(k->notes[i], "mounted "))
				k->notes[kept++] = k->notes[i];
			else
				free(k->notes[i]);
		}
		k->n_notes = kept;
		if (!k->have_hier)
			kev_limit(k, "no cgroup hierarchy is mounted: events are not attributed "
			             "to containers");
		struct cirt_err fb_err = {0};
		if (kev_fb_open(k, o, &fb_err) < 0) {
			int code = fb_err.code ? fb_err.code : CIRT_EXIT_RUNTIME;
			err_set(err, code, "kernel events: %s; the fallback: %s", k->why,
			        fb_err.msg);
			kev_close(k);
			return -1;
		}
		k->mode = KEV_MODE_FALLBACK;
	}
	*ret = k;
	return 0;
}

void kev_close(struct kev *k)
{
	if (!k)
		return;
#ifdef CIRT_HAVE_BPF
	kev_bpf_close(k);
#endif
	kev_fb_close(k);
	kev_cgmap_free(k->cg);
	if (k->epfd >= 0)
		close(k->epfd);
	for (size_t i = 0; i < k->n_limits; i++)
		free(k->limits[i]);
	free(k->limits);
	for (size_t i = 0; i < k->n_notes; i++)
		free(k->notes[i]);
	free(k->notes);
	free(k->why);
	free(k);
}

int kev_fd(const struct kev *k)
{
	return k ? k->epfd : -1;
}

int kev_read(struct kev *k, kev_cb cb, void *data, struct cirt_err *err)
{
	k->cb = cb;
	k->cb_data = data;
	k->cb_ret = 0;
	int r;
#ifdef CIRT_HAVE_BPF
	if (k->mode == KEV_MODE_BPF)
		r = kev_bpf_read(k, err);
	else
#endif
		r = kev_fb_read(k, err);
	k->cb = NULL;
	if (k->cb_ret)
		return k->cb_ret;
	return r;
}

int kev_poll(struct kev *k, int timeout_ms, kev_cb cb, void *data, struct cirt_err *err)
{
	struct epoll_event ev[4];
	int n = epoll_wait(k->epfd, ev, ARRAY_SIZE(ev), timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return err_set(err, CIRT_EXIT_RUNTIME, "epoll_wait: %s", strerror(errno));
	}
	if (n == 0)
		return 0;
	return kev_read(k, cb, data, err);
}

void kev_stats_get(struct kev *k, struct kev_stats *ret)
{
	*ret = k->st;
#ifdef CIRT_HAVE_BPF
	if (k->mode == KEV_MODE_BPF)
		kev_bpf_drops(k, ret->drops);
#endif
}

enum kev_mode kev_mode(const struct kev *k)
{
	return k ? k->mode : KEV_MODE_NONE;
}

const char *const *kev_limits(const struct kev *k, size_t *ret_n)
{
	*ret_n = k->n_limits;
	return (const char *const *)k->limits;
}

const char *const *kev_notes(const struct kev *k, size_t *ret_n)
{
	*ret_n = k->n_notes;
	return (const char *const *)k->notes;
}

const char *kev_why(const struct kev *k)
{
	return k->why;
}

size_t kev_prog_stats(struct kev *k, struct kev_prog_stat *out, size_t max)
{
#ifdef CIRT_HAVE_BPF
	if (k->mode == KEV_MODE_BPF)
		return kev_bpf_prog_stats(k, out, max);
#endif
	(void)out;
	(void)max;
	return 0;
}
