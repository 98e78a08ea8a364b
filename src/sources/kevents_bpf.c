/* kevents_bpf.c: the kernel-events source's BPF mode: loads the embedded program (libbpf
 * skeleton, CO-RE), attaches what this kernel has, and reads the ring buffer. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/vfs.h>

#include "config.h"
#include "kevents.skel.h"
#include "sources/kevents_abi.h"
#include "sources/kevents_int.h"

#define TRACEFS_MAGIC 0x74726163
#define DEBUGFS_MAGIC 0x64626720

enum sysmode { ANY, CLASSIC, RAW };

/* every program of kevents.bpf.c: the tracepoint it needs, the kinds it serves, and what is
 * not seen without it */
static const struct progdef {
	const char *prog;
	const char *tp; /* "category:name" (the raw ones: only the name counts) */
	bool raw;
	enum sysmode mode;
	unsigned kinds;
	const char *loses;
} progs[] = {
    {"kev_exec", "sched:sched_process_exec", true, ANY, KEV_KIND_BIT(KEV_EXEC), "execs"},
    {"kev_fork", "sched:sched_process_fork", true, ANY, KEV_KIND_BIT(KEV_FORK), "forks"},
    {"kev_exit", "sched:sched_process_exit", true, ANY, KEV_KIND_BIT(KEV_EXIT), "exits"},
    {"kev_sock_state", "sock:inet_sock_set_state", true, ANY,
     KEV_KIND_BIT(KEV_CONNECT) | KEV_KIND_BIT(KEV_LISTEN),
     "TCP listens, and TCP connects made outside connect(2)"},
    {"kev_tp_enter_connect", "syscalls:sys_enter_connect", false, CLASSIC,
     KEV_KIND_BIT(KEV_CONNECT), "UDP connects (TCP connects are seen at the handshake)"},
    {"kev_tp_exit_connect", "syscalls:sys_exit_connect", false, CLASSIC, KEV_KIND_BIT(KEV_CONNECT),
     "UDP connects (TCP connects are seen at the handshake)"},
    {"kev_tp_exit_accept", "syscalls:sys_exit_accept", false, CLASSIC, KEV_KIND_BIT(KEV_ACCEPT),
     "accepts through accept(2)"},
    {"kev_tp_exit_accept4", "syscalls:sys_exit_accept4", false, CLASSIC, KEV_KIND_BIT(KEV_ACCEPT),
     "accepts through accept4(2)"},
    {"kev_tp_enter_sendto", "syscalls:sys_enter_sendto", false, CLASSIC, KEV_KIND_BIT(KEV_SEND),
     "UDP datagrams sent with sendto(2)"},
    {"kev_tp_exit_sendto", "syscalls:sys_exit_sendto", false, CLASSIC, KEV_KIND_BIT(KEV_SEND),
     "UDP datagrams sent with sendto(2)"},
    {"kev_tp_enter_sendmsg", "syscalls:sys_enter_sendmsg", false, CLASSIC, KEV_KIND_BIT(KEV_SEND),
     "UDP datagrams sent with sendmsg(2)"},
    {"kev_tp_exit_sendmsg", "syscalls:sys_exit_sendmsg", false, CLASSIC, KEV_KIND_BIT(KEV_SEND),
     "UDP datagrams sent with sendmsg(2)"},
    {"kev_tp_enter_sendmmsg", "syscalls:sys_enter_sendmmsg", false, CLASSIC, KEV_KIND_BIT(KEV_SEND),
     "UDP datagrams sent with sendmmsg(2)"},
    {"kev_tp_exit_sendmmsg", "syscalls:sys_exit_sendmmsg", false, CLASSIC, KEV_KIND_BIT(KEV_SEND),
     "UDP datagrams sent with sendmmsg(2)"},
    {"kev_raw_enter", "raw_syscalls:sys_enter", true, RAW,
     KEV_KIND_BIT(KEV_CONNECT) | KEV_KIND_BIT(KEV_SEND),
     "UDP connects and UDP datagrams (TCP connects are seen at the handshake)"},
    {"kev_raw_exit", "raw_syscalls:sys_exit", true, RAW,
     KEV_KIND_BIT(KEV_CONNECT) | KEV_KIND_BIT(KEV_ACCEPT) | KEV_KIND_BIT(KEV_SEND),
     "accepts, UDP connects and UDP datagrams"},
};

struct kev_bpf {
	struct kevents_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[ARRAY_SIZE(progs)];
	int ncpu;
	uint64_t *percpu; /* ncpu values, for reading the drop counters */
	int tfd;          /* the batch timer */
	int stats_fd;     /* BPF_ENABLE_STATS: the kernel times programs while it is open */
};

/* libbpf reports through a global callback: keep its first warning for the error message */
static char libbpf_msg[512]; /* the first warning about a program or map, else the first */
static bool libbpf_named;    /* libbpf_msg names a program or map */
static char libbpf_prog[64]; /* the program the first warning naming one was about */
static FILE *libbpf_log;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (libbpf_log) {
		va_list aq;
		va_copy(aq, ap);
		vfprintf(libbpf_log, fmt, aq);
		va_end(aq);
	}
	if (level != LIBBPF_WARN)
		return 0;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	/* "Failed to bump RLIMIT_MEMLOCK" and the like come first and say little */
	bool names = strstr(line, "prog '") || strstr(line, "map '");
	if (strstr(line, "RLIMIT_MEMLOCK") && !strstr(line, "Couldn't load"))
		return 0; /* a newer kernel accounts BPF memory without it */
	if (!libbpf_msg[0] || (names && !libbpf_named)) {
		snprintf(libbpf_msg, sizeof(libbpf_msg), "%s", line);
		libbpf_named = names;
	}
	const char *p = strstr(line, "prog '");
	if (p && !libbpf_prog[0]) {
		p += 6;
		size_t l = strcspn(p, "'");
		snprintf(libbpf_prog, sizeof(libbpf_prog), "%.*s", (int)(l < 63 ? l : 63), p);
	}
	return 0;
}

static int prog_index(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++)
		if (streq(progs[i].prog, name))
			return (int)i;
	return -1;
}

static bool fs_is(const char *path, long magic)
{
	struct statfs s;
	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

/* The classic syscall tracepoints attach through tracefs, where libbpf looks for it (1.1:
 * /sys/kernel/debug/tracing if that exists, else /sys/kernel/tracing). */
static bool tracefs_ready(struct kev *k, bool may_mount)
{
	const char *dir = access("/sys/kernel/debug/tracing", F_OK) == 0
	                      ? "/sys/kernel/debug/tracing"
	                      : "/sys/kernel/tracing";
	if (fs_is(dir, TRACEFS_MAGIC))
		return true;
	if (!may_mount || strcmp(dir, "/sys/kernel/tracing") != 0)
		return false;
	if (mount("nodev", dir, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return false;
	kev_note(k, "mounted tracefs at %s", dir);
	return true;
}

static bool classic_tp_exists(const char *tp)
{
	const char *base = access("/sys/kernel/debug/tracing", F_OK) == 0
	                       ? "/sys/kernel/debug/tracing"
	                       : "/sys/kernel/tracing";
	char path[256];
	const char *colon = strchr(tp, ':');
	if (!colon)
		return false;
	snprintf(path, sizeof(path), "%s/events/%.*s/%s/id", base, (int)(colon - tp), tp,
	         colon + 1);
	return access(path, R_OK) == 0;
}

/* a raw tracepoint exists when the kernel's BTF has its btf_trace_NAME typedef */
static bool raw_tp_exists(const struct btf *vmlinux, const char *tp)
{
	const char *name = strchr(tp, ':');
	name = name ? name + 1 : tp;
	char t[128];
	snprintf(t, sizeof(t), "btf_trace_%s", name);
	return !vmlinux || btf__find_by_name_kind(vmlinux, t, BTF_KIND_TYPEDEF) >= 0;
}

/* the index of the hierarchy's controller in the kernel's enum cgroup_subsys_id */
static int subsys_index(const struct btf *vmlinux, const char *controllers)
{
	if (!vmlinux)
		return -1;
	int id = btf__find_by_name_kind(vmlinux, "cgroup_subsys_id", BTF_KIND_ENUM);
	if (id < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(vmlinux, id);
	const struct btf_enum *v = btf_enum(t);
	_cleanup_free_ char *s = xstrdup(controllers);
	char *save = NULL;
	for (char *c = strtok_r(s, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		char want[64];
		/* v1's blkio is the io controller */
		snprintf(want, sizeof(want), "%s_cgrp_id", streq(c, "blkio") ? "io" : c);
		for (unsigned i = 0; i < btf_vlen(t); i++)
			if (streq(btf__name_by_offset(vmlinux, v[i].name_off), want) &&
			    v[i].val >= 0 && v[i].val < KEV_CG_SUBSYS_MAX)
				return v[i].val;
	}
	return -1;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct kev *k = ctx;
	struct kev_event e;
	if (k->raw)
		k->raw(data, len, k->raw_data);
	if (kev_decode(data, len, &e) < 0) {
		k->st.bad++;
		return 0;
	}
	e.ts_ns = (uint64_t)((int64_t)e.ts_ns + k->mono_to_real);
	kev_resolve(k, &e);
	int r = kev_deliver(k, &e);
	if (r) {
		k->cb_ret = r;
		return -ECANCELED; /* stops ring_buffer__consume */
	}
	return 0;
}

static void add_limits(struct kev *k)
{
	kev_limit(k,
	          "exec: the path is the one given to execve (a relative path stays "
	          "relative); argv is cut after %d bytes",
	          KEV_ARGS_MAX);
	if (k->kinds & KEV_KIND_BIT(KEV_SEND))
		kev_limit(k, "UDP without connect: the first datagram per socket and destination "
		             "through sendto, sendmsg or sendmmsg (its first message); later ones "
		             "are not events");
	kev_limit(k, "io_uring and 32-bit processes: their TCP connects are seen at the "
	             "handshake; their accepts, UDP connects and datagrams are not");
}

/* Open the skeleton and load the programs wanted (not disabled[]); wanted[] says which loaded. */
static int load(struct kev *k, struct kev_bpf *b, int ss, unsigned ring_kb, bool classic,
                const struct btf *vmlinux, const bool disabled[], bool wanted[],
                struct cirt_err *err)
{
	libbpf_msg[0] = libbpf_prog[0] = '\0';
	libbpf_named = false;
	memset(wanted, 0, ARRAY_SIZE(progs) * sizeof(*wanted));
	b->skel = kevents_bpf__open();
	if (!b->skel)
		return err_set(err, CIRT_EXIT_RUNTIME, "open the BPF object: %s",
		               libbpf_msg[0] ? libbpf_msg : strerror(errno));
	b->skel->rodata->cg_subsys = ss;
	unsigned wire = 0;
	for (unsigned i = 1; i < KEV_KINDS; i++)
		if (k->kinds & KEV_KIND_BIT(i))
			wire |= 1u << i; /* enum kev_kind and enum kev_w_kind agree */
	b->skel->rodata->kinds = wire;
	b->skel->rodata->wakeup_bytes = (uint64_t)ring_kb * 1024 / 4;
	if (bpf_map__set_max_entries(b->skel->maps.events, ring_kb * 1024) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "ring buffer size %u KiB refused", ring_kb);
	size_t n_wanted = 0;
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		const struct progdef *p = &progs[i];
		struct bpf_program *prog = bpf_object__find_program_by_name(b->skel->obj, p->prog);
		bool want = prog && !disabled[i] && (p->kinds & k->kinds) &&
		            (p->mode == ANY || (p->mode == CLASSIC) == classic);
#if !defined(__x86_64__)
		if (p->mode == RAW)
			want = false;
#endif
		if (want && !(p->raw ? raw_tp_exists(vmlinux, p->tp) : classic_tp_exists(p->tp))) {
			kev_limit(k, "tracepoint %s is missing: %s are not seen", p->tp, p->loses);
			want = false;
		}
		if (prog)
			bpf_program__set_autoload(prog, want);
		wanted[i] = want;
		n_wanted += want;
	}
	if (!n_wanted)
		return err_set(err, CIRT_EXIT_RUNTIME, "none of the tracepoints it needs exists");
	if (kevents_bpf__load(b->skel) < 0) {
		int e = errno;
		return err_set(err, e == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "load: %s%s%s%s", strerror(e), libbpf_msg[0] ? " (" : "", libbpf_msg,
		               libbpf_msg[0] ? ")" : "");
	}
	return 0;
}

int kev_bpf_open(struct kev *k, const struct kev_opts *o, struct cirt_err *err)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "no kernel BTF at /sys/kernel/btf/vmlinux (CO-RE needs it)");
	unsigned ring_kb = o->ring_kb ? o->ring_kb : 4096;
	if (ring_kb < 4 || (ring_kb & (ring_kb - 1)) || ring_kb > (1u << 20))
		return err_set(err, CIRT_EXIT_USAGE,
		               "ring buffer size %u KiB: not a power of two between 4 and 1048576",
		               ring_kb);
	libbpf_log = o->libbpf_log;
	libbpf_set_print(libbpf_print);

	struct kev_bpf *b = xcalloc(1, sizeof(*b));
	b->tfd = b->stats_fd = -1;
	k->bpf = b;
	if (o->bpf_stats) {
		b->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (b->stats_fd < 0)
			kev_note(k, "the kernel would not time the programs: %s", strerror(errno));
	}
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		kev_note(k, "could not read the kernel's BTF to check tracepoints beforehand");

	int ss = -1;
	if (k->have_hier && !k->hier.v2) {
		ss = subsys_index(vmlinux, k->hier.controllers);
		if (ss < 0) {
			kev_limit(k,
			          "the kernel does not name the controller %s: attributed by the "
			          "unified hierarchy instead",
			          k->hier.controllers);
			struct kev_hier h2;
			if (kev_hier_pick(true, &h2) == 0 && h2.v2) {
				k->hier = h2;
				kev_cgmap_free(k->cg);
				k->cg = kev_cgmap_new(h2.mount);
			}
		}
	}
	bool classic = !o->raw_syscalls && tracefs_ready(k, o->mount_tracefs);
	kev_note(k, "syscalls through %s",
	         classic ? "the classic syscall tracepoints (tracefs)"
	                 : "the raw sys_enter/sys_exit tracepoints (tracefs is not mounted, or "
	                   "asked)");
#if !defined(__x86_64__)
	if (!classic)
		kev_limit(k, "raw syscall tracepoints are only read on x86-64: UDP connects, "
		             "datagrams and accepts are not seen");
#endif
	/* a program this kernel refuses (a field or helper it lacks) is left out and named; the
	 * others still load */
	bool disabled[ARRAY_SIZE(progs)] = {0}, wanted[ARRAY_SIZE(progs)] = {0};
	int r;
	for (int attempt = 0;; attempt++) {
		r = load(k, b, ss, ring_kb, classic, vmlinux, disabled, wanted, err);
		if (r == 0 || err->code == CIRT_EXIT_PERM || err->code == CIRT_EXIT_USAGE ||
		    attempt == 4)
			break;
		int bad = prog_index(libbpf_prog);
		if (bad < 0 || !wanted[bad])
			break;
		disabled[bad] = true;
		kev_limit(k, "tracepoint %s: the kernel refused its program (%s): %s are not seen",
		          progs[bad].tp, libbpf_msg, progs[bad].loses);
		kevents_bpf__destroy(b->skel);
		b->skel = NULL;
	}
	btf__free(vmlinux);
	if (r < 0)
		return r;
	size_t n_att = 0;
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		if (!wanted[i])
			continue;
		struct bpf_program *prog =
		    bpf_object__find_program_by_name(b->skel->obj, progs[i].prog);
		libbpf_msg[0] = '\0';
		struct bpf_link *l = bpf_program__attach(prog);
		if (!l) {
			kev_limit(k, "tracepoint %s did not attach (%s): %s are not seen",
			          progs[i].tp, libbpf_msg[0] ? libbpf_msg : strerror(errno),
			          progs[i].loses);
			continue;
		}
		b->links[i] = l;
		n_att++;
	}
	if (!n_att)
		return err_set(err, CIRT_EXIT_RUNTIME, "no tracepoint attached: %s", libbpf_msg);
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_record, k, NULL);
	if (!b->rb)
		return err_set(err, CIRT_EXIT_RUNTIME, "ring buffer: %s", strerror(errno));
	struct epoll_event ev = {.events = EPOLLIN};
	if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(b->rb), &ev) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "epoll_ctl: %s", strerror(errno));
	/* the program wakes the reader once a quarter of the ring waits; this timer reads the
	 * rest at most batch_ms later */
	unsigned batch_ms = o->batch_ms ? o->batch_ms : 50;
	b->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (b->tfd < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "timerfd: %s", strerror(errno));
	struct itimerspec it = {
	    .it_interval = {batch_ms / 1000, (long)(batch_ms % 1000) * 1000000},
	    .it_value = {batch_ms / 1000, (long)(batch_ms % 1000) * 1000000},
	};
	timerfd_settime(b->tfd, 0, &it, NULL);
	if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, b->tfd, &ev) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "epoll_ctl: %s", strerror(errno));
	kev_note(k, "events read in batches: at most %u ms late", batch_ms);
	b->ncpu = libbpf_num_possible_cpus();
	if (b->ncpu < 1)
		b->ncpu = 1;
	b->percpu = xcalloc((size_t)b->ncpu, sizeof(*b->percpu));
	kev_note(k, "ring buffer %u KiB", ring_kb);
	add_limits(k);
	return 0;
}

int kev_bpf_read(struct kev *k, struct cirt_err *err)
{
	uint64_t ticks;
	if (k->bpf->tfd >= 0 && read(k->bpf->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return err_set(err, CIRT_EXIT_RUNTIME, "batch timer: %s", strerror(errno));
	int r = ring_buffer__consume(k->bpf->rb);
	if (r == -ECANCELED && k->cb_ret)
		return k->cb_ret;
	if (r < 0 && r != -EINTR)
		return err_set(err, CIRT_EXIT_RUNTIME, "ring buffer: %s", strerror(-r));
	return r < 0 ? 0 : r;
}

void kev_bpf_drops(struct kev *k, uint64_t drops[KEV_KINDS])
{
	struct kev_bpf *b = k->bpf;
	if (!b || !b->skel)
		return;
	for (uint32_t kind = 0; kind < KEV_KINDS; kind++) {
		memset(b->percpu, 0, (size_t)b->ncpu * sizeof(*b->percpu));
		if (bpf_map__lookup_elem(b->skel->maps.drops, &kind, sizeof(kind), b->percpu,
		                         (size_t)b->ncpu * sizeof(*b->percpu), 0) < 0)
			continue;
		uint64_t sum = 0;
		for (int c = 0; c < b->ncpu; c++)
			sum += b->percpu[c];
		drops[kind] = sum;
	}
}

size_t kev_bpf_prog_stats(struct kev *k, struct kev_prog_stat *out, size_t max)
{
	struct kev_bpf *b = k->bpf;
	size_t n = 0;
	for (size_t i = 0; b && i < ARRAY_SIZE(progs); i++) {
		if (!b->links[i])
			continue;
		if (n < max) {
			struct bpf_prog_info info;
			uint32_t len = sizeof(info);
			memset(&info, 0, sizeof(info));
			struct bpf_program *p =
			    bpf_object__find_program_by_name(b->skel->obj, progs[i].prog);
			out[n] = (struct kev_prog_stat){progs[i].tp, 0, 0};
			if (p && bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) == 0) {
				out[n].runs = info.run_cnt;
				out[n].ns = info.run_time_ns;
			}
		}
		n++;
	}
	return n;
}

void kev_bpf_close(struct kev *k)
{
	struct kev_bpf *b = k->bpf;
	if (!b)
		return;
	ring_buffer__free(b->rb);
	if (b->tfd >= 0)
		close(b->tfd);
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++)
		bpf_link__destroy(b->links[i]);
	kevents_bpf__destroy(b->skel);
	free(b->percpu);
	free(b);
	k->bpf = NULL;
}
