/* kevents.bpf.c: the kernel-events BPF program: exec, fork, exit, TCP and UDP connect, accept,
 * listen and the first UDP datagram per socket and destination, from tracepoints only, into one
 * ring buffer (records: kevents_abi.h); records that find the ring full are counted per kind. */
#include <linux/bpf.h>

#include "sources/bpf/kev_vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sources/kevents_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_LISTEN 10
#define S_IFMT 0170000
#define S_IFSOCK 0140000

/* set by user space before loading */
const volatile int cg_subsys = -1; /* index of the v1 subsystem whose cgroup is read; -1 none */
const volatile __u32 kinds = 0;    /* bit (1 << KEV_W_*) per kind wanted */
/* wake the reader only once this much waits (it also reads on a timer); 0: at every record */
const volatile __u64 wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* user space may resize it */
} events SEC(".maps");

/* records lost to a full ring, per kind */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KEV_W_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* an exec record is built here, then sent with its real length */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kev_w_exec);
} exec_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kev_w_task);
} task_buf SEC(".maps");

/* a socket syscall between its entry and its return, per thread */
struct call {
	__u64 sk;
	__s32 nr; /* the syscall's number, checked at its return */
	__u16 kind;
	__u16 family;
	__u16 dport;
	__u16 pad[3];
	__u8 daddr[16]; /* the address asked for */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct call);
} calls SEC(".maps");

/* TCP sockets that entered SYN_SENT outside connect(2) (io_uring, TCP fast open, a 32-bit
 * process), with the process that did it: reported when the handshake ends */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct kev_w_task);
} pending SEC(".maps");

/* UDP destinations already reported, per socket: only the first datagram is an event */
struct sent_key {
	__u64 sk;
	__u32 pid;
	__u16 sport;
	__u16 dport;
	__u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct sent_key);
	__type(value, __u8);
} sent SEC(".maps");

static __always_inline int wanted(__u32 kind)
{
	return (kinds >> kind) & 1;
}

static __always_inline void count_drop(__u32 kind)
{
	__u64 *c = bpf_map_lookup_elem(&drops, &kind);
	if (c)
		(*c)++; /* per CPU: no other writer */
}

/* a reader woken per record costs more than the record: wake it per batch */
static __always_inline __u64 rb_flags(void)
{
	if (!wakeup_bytes)
		return 0;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
	                                                                     : BPF_RB_NO_WAKEUP;
}

static __always_inline void task_fill(struct kev_w_task *t, struct task_struct *task)
{
	t->pid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	t->uid = BPF_CORE_READ(task, cred, uid.val);
	t->euid = BPF_CORE_READ(task, cred, euid.val);
	t->netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), &task->comm);

	/* the pid as the process's own pid namespace sees it: numbers[level] */
	struct pid *p = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	int nr = 0;
	if (p && level < 64)
		bpf_probe_read_kernel(&nr, sizeof(nr),
		                      (char *)p + bpf_core_field_offset(struct pid, numbers) +
		                          level * bpf_core_type_size(struct upid) +
		                          bpf_core_field_offset(struct upid, nr));
	t->vpid = nr;

	struct css_set *cs = BPF_CORE_READ(task, cgroups);
	struct kernfs_node *kn = BPF_CORE_READ(cs, dfl_cgrp, kn);
	t->cgid = BPF_CORE_READ(kn, id);
	t->cgid_v1 = 0;
	t->cgname_v1 = 0;
	t->pad = 0;
	int ss = cg_subsys;
	if (ss >= 0 && ss < KEV_CG_SUBSYS_MAX) {
		/* cgroup v1: bpf_get_current_cgroup_id() names the unified hierarchy's cgroup,
		 * where a v1 host leaves every process at the root; the subsystem's own cgroup is
		 * read */
		struct cgroup_subsys_state *css = 0;
		bpf_probe_read_kernel(&css, sizeof(css),
		                      (char *)cs + bpf_core_field_offset(struct css_set, subsys) +
		                          ss * sizeof(void *));
		struct kernfs_node *k1 = BPF_CORE_READ(css, cgroup, kn);
		if (k1) {
			kn = k1;
			t->cgid_v1 = BPF_CORE_READ(k1, id);
			t->cgname_v1 = 1;
		}
	}
	const char *name = BPF_CORE_READ(kn, name);
	long n = bpf_probe_read_kernel_str(t->cgname, sizeof(t->cgname), name);
	t->cgname_len = n > 0 ? n - 1 : 0;
}

static __always_inline void hdr_init(struct kev_w_hdr *h, __u16 kind, __u32 len)
{
	h->kind = kind;
	h->version = KEV_ABI_VERSION;
	h->len = len;
	h->ts = bpf_ktime_get_ns();
}

static __always_inline struct task_struct *current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

SEC("raw_tp/sched_process_exec")
int kev_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	__u32 zero = 0;
	struct kev_w_exec *e = bpf_map_lookup_elem(&exec_buf, &zero);
	if (!e)
		return 0;
	struct task_struct *task = current_task();
	task_fill(&e->h.task, task);

	long n = bpf_probe_read_kernel_str(e->data, KEV_PATH_MAX, BPF_CORE_READ(bprm, filename));
	__u32 plen = n > 0 ? n - 1 : 0;
	if (plen > KEV_PATH_MAX - 1)
		plen = KEV_PATH_MAX - 1;

	/* the new image's argv, as the kernel just copied it onto the new stack */
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long as = BPF_CORE_READ(mm, arg_start), ae = BPF_CORE_READ(mm, arg_end);
	__u64 full = ae > as ? ae - as : 0;
	__u32 alen = full > KEV_ARGS_MAX ? KEV_ARGS_MAX : full;
	if (alen && bpf_probe_read_user(e->data + plen, alen, (void *)as))
		alen = 0;
	e->path_len = plen;
	e->args_len = alen;
	e->args_full = full > 0xffffffffu ? 0xffffffffu : full;

	__u32 len = offsetof(struct kev_w_exec, data) + plen + alen;
	if (len > sizeof(*e))
		len = sizeof(*e);
	hdr_init(&e->h, KEV_W_EXEC, len);
	if (bpf_ringbuf_output(&events, e, len, rb_flags()))
		count_drop(KEV_W_EXEC);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int kev_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0; /* a new thread, not a process */
	struct kev_w_fork *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(KEV_W_FORK);
		return 0;
	}
	hdr_init(&e->h, KEV_W_FORK, sizeof(*e));
	task_fill(&e->h.task, child);
	e->parent = BPF_CORE_READ(parent, tgid);
	e->pad = 0;
	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

SEC("raw_tp/sched_process_exit")
int kev_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0; /* a thread; the process goes on */
	struct kev_w_exit *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(KEV_W_EXIT);
		return 0;
	}
	hdr_init(&e->h, KEV_W_EXIT, sizeof(*e));
	task_fill(&e->h.task, task);
	e->status = BPF_CORE_READ(task, exit_code);
	e->pad = 0;
	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

/* the socket behind a descriptor of the current process, or NULL */
static __always_inline struct sock *fd_sock(long fd)
{
	if (fd < 0 || fd > 0x7fffffff)
		return 0;
	struct fdtable *fdt = BPF_CORE_READ(current_task(), files, fdt);
	if ((unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return 0;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	struct socket *so = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(so, sk);
}

/* an IPv4 or IPv6 TCP or UDP socket: its protocol, else 0 */
static __always_inline __u8 inet_proto(struct sock *sk)
{
	if (!sk)
		return 0;
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam != AF_INET && fam != AF_INET6)
		return 0;
	__u8 proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ? proto : 0;
}

static __always_inline void sock_fill(struct kev_w_sock *e, struct sock *sk)
{
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->family = fam;
	e->proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	if (fam == AF_INET) {
		__be32 s = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__be32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(e->saddr, &s, 4);
		__builtin_memcpy(e->daddr, &d, 4);
	} else {
		bpf_core_read(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* who: the process, when it is not the current one (a handshake ending in softirq) */
static __always_inline void emit_sock(__u16 kind, struct sock *sk, const struct kev_w_task *who,
                                      int ret, __u8 via, const struct call *c)
{
	struct kev_w_sock *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(kind);
		return;
	}
	hdr_init(&e->h, kind, sizeof(*e));
	if (who)
		bpf_probe_read_kernel(&e->h.task, sizeof(e->h.task), who);
	else
		task_fill(&e->h.task, current_task());
	sock_fill(e, sk);
	/* the destination asked for: a failed connect may leave the socket's unset, an
	 * unconnected UDP socket has none */
	if (c && (kind == KEV_W_SEND || !e->dport)) {
		e->family = c->family;
		e->dport = c->dport;
		__builtin_memcpy(e->daddr, c->daddr, 16);
	}
	e->ret = ret;
	e->via = via;
	bpf_ringbuf_submit(e, rb_flags());
}

/* a struct sockaddr from the process: family, port, address into c; -1 if not inet */
static __always_inline int read_sockaddr(struct call *c, const void *uaddr)
{
	struct {
		__u16 family;
		__be16 port;
		__u32 flowinfo; /* sin_addr for AF_INET */
		__u8 addr6[16];
	} sa;
	__builtin_memset(&sa, 0, sizeof(sa));
	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa.family) + sizeof(sa.port) + 4, uaddr))
		return -1;
	__builtin_memset(c->daddr, 0, sizeof(c->daddr));
	if (sa.family == AF_INET) {
		__builtin_memcpy(c->daddr, &sa.flowinfo, 4);
	} else if (sa.family == AF_INET6) {
		if (bpf_probe_read_user(&sa, sizeof(sa), uaddr))
			return -1;
		__builtin_memcpy(c->daddr, sa.addr6, 16);
	} else {
		return -1;
	}
	c->family = sa.family;
	c->dport = bpf_ntohs(sa.port);
	return 0;
}

static __always_inline void call_start(__u16 kind, int nr, long fd, const void *uaddr)
{
	struct sock *sk = fd_sock(fd);
	__u8 proto = inet_proto(sk);
	if (!proto || (kind == KEV_W_SEND && proto != IPPROTO_UDP))
		return;
	struct call c;
	__builtin_memset(&c, 0, sizeof(c));
	if (read_sockaddr(&c, uaddr) < 0)
		return; /* AF_UNSPEC (a UDP disconnect), or unreadable */
	c.sk = (__u64)sk;
	c.nr = nr;
	c.kind = kind;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&calls, &tid, &c, BPF_ANY);
}

static __always_inline void call_end(int nr, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call *p = bpf_map_lookup_elem(&calls, &tid);
	if (!p)
		return;
	struct call c = *p;
	bpf_map_delete_elem(&calls, &tid);
	if (c.nr != nr)
		return; /* left over from a syscall whose return was not seen */
	struct sock *sk = (struct sock *)c.sk;
	if (c.kind == KEV_W_CONNECT) {
		emit_sock(KEV_W_CONNECT, sk, 0, (int)ret, KEV_VIA_SYSCALL, &c);
		return;
	}
	if (ret < 0)
		return;
	/* a UDP datagram to a destination this socket has not sent to yet */
	struct sent_key k;
	__builtin_memset(&k, 0, sizeof(k));
	k.sk = c.sk;
	k.pid = bpf_get_current_pid_tgid() >> 32;
	k.sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	k.dport = c.dport;
	__builtin_memcpy(k.daddr, c.daddr, 16);
	__u8 one = 1;
	if (bpf_map_update_elem(&sent, &k, &one, BPF_NOEXIST) == 0)
		emit_sock(KEV_W_SEND, sk, 0, 0, KEV_VIA_SYSCALL, &c);
}

/* the first message's address of a struct user_msghdr (sendmsg) or mmsghdr (sendmmsg) */
static __always_inline const void *msg_name(const void *umsg)
{
	void *name = 0;
	if (!umsg || bpf_probe_read_user(&name, sizeof(name), umsg))
		return 0;
	return name;
}

static __always_inline void accept_end(long ret)
{
	if (ret < 0)
		return;
	struct sock *sk = fd_sock(ret);
	if (inet_proto(sk) == IPPROTO_TCP)
		emit_sock(KEV_W_ACCEPT, sk, 0, 0, KEV_VIA_SYSCALL, 0);
}

SEC("raw_tp/inet_sock_set_state")
int kev_sock_state(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = (struct sock *)ctx->args[0];
	int oldstate = (int)ctx->args[1], newstate = (int)ctx->args[2];
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u64 key = (__u64)sk;
	if (newstate == TCP_SYN_SENT) {
		if (!wanted(KEV_W_CONNECT))
			return 0;
		/* inside connect(2): reported at its return, with the source port it chose */
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct call *c = bpf_map_lookup_elem(&calls, &tid);
		if (c && c->sk == key && c->kind == KEV_W_CONNECT)
			return 0;
		__u32 zero = 0;
		struct kev_w_task *t = bpf_map_lookup_elem(&task_buf, &zero);
		if (!t)
			return 0;
		task_fill(t, current_task());
		bpf_map_update_elem(&pending, &key, t, BPF_ANY);
	} else if (oldstate == TCP_SYN_SENT) {
		struct kev_w_task *t = bpf_map_lookup_elem(&pending, &key);
		if (!t)
			return 0;
		emit_sock(KEV_W_CONNECT, sk, t, newstate == TCP_ESTABLISHED ? 0 : -1, KEV_VIA_STATE,
		          0);
		bpf_map_delete_elem(&pending, &key);
	} else if (newstate == TCP_LISTEN && wanted(KEV_W_LISTEN)) {
		emit_sock(KEV_W_LISTEN, sk, 0, 0, KEV_VIA_STATE, 0);
	}
	return 0;
}

/* The classic syscall tracepoints (they need tracefs to attach; they cost nothing for other
 * syscalls' tracing) */

SEC("tp/syscalls/sys_enter_connect")
int kev_tp_enter_connect(struct kev_tp_sys_enter *ctx)
{
	call_start(KEV_W_CONNECT, ctx->nr, (long)ctx->args[0], (const void *)ctx->args[1]);
	return 0;
}

SEC("tp/syscalls/sys_exit_connect")
int kev_tp_exit_connect(struct kev_tp_sys_exit *ctx)
{
	call_end(ctx->nr, ctx->ret);
	return 0;
}

SEC("tp/syscalls/sys_exit_accept")
int kev_tp_exit_accept(struct kev_tp_sys_exit *ctx)
{
	accept_end(ctx->ret);
	return 0;
}

SEC("tp/syscalls/sys_exit_accept4")
int kev_tp_exit_accept4(struct kev_tp_sys_exit *ctx)
{
	accept_end(ctx->ret);
	return 0;
}

SEC("tp/syscalls/sys_enter_sendto")
int kev_tp_enter_sendto(struct kev_tp_sys_enter *ctx)
{
	call_start(KEV_W_SEND, ctx->nr, (long)ctx->args[0], (const void *)ctx->args[4]);
	return 0;
}

SEC("tp/syscalls/sys_exit_sendto")
int kev_tp_exit_sendto(struct kev_tp_sys_exit *ctx)
{
	call_end(ctx->nr, ctx->ret);
	return 0;
}

SEC("tp/syscalls/sys_enter_sendmsg")
int kev_tp_enter_sendmsg(struct kev_tp_sys_enter *ctx)
{
	call_start(KEV_W_SEND, ctx->nr, (long)ctx->args[0], msg_name((const void *)ctx->args[1]));
	return 0;
}

SEC("tp/syscalls/sys_exit_sendmsg")
int kev_tp_exit_sendmsg(struct kev_tp_sys_exit *ctx)
{
	call_end(ctx->nr, ctx->ret);
	return 0;
}

SEC("tp/syscalls/sys_enter_sendmmsg")
int kev_tp_enter_sendmmsg(struct kev_tp_sys_enter *ctx)
{
	call_start(KEV_W_SEND, ctx->nr, (long)ctx->args[0], msg_name((const void *)ctx->args[1]));
	return 0;
}

SEC("tp/syscalls/sys_exit_sendmmsg")
int kev_tp_exit_sendmmsg(struct kev_tp_sys_exit *ctx)
{
	call_end(ctx->nr, ctx->ret);
	return 0;
}

/* The raw syscall tracepoints, for when tracefs is not mounted: they run for every syscall and
 * pick theirs by number (x86-64 numbers; 32-bit processes are left out, as the classic
 * tracepoints leave them out) */
#if defined(__TARGET_ARCH_x86)
#define NR_CONNECT 42
#define NR_ACCEPT 43
#define NR_SENDTO 44
#define NR_SENDMSG 46
#define NR_ACCEPT4 288
#define NR_SENDMMSG 307
#define USER_CS_64 0x33

static __always_inline int native(struct pt_regs *regs)
{
	return (BPF_CORE_READ_BITFIELD_PROBED(regs, cs) & 0xffff) == USER_CS_64;
}

SEC("raw_tp/sys_enter")
int kev_raw_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = (long)ctx->args[1];
	if (nr != NR_CONNECT && nr != NR_SENDTO && nr != NR_SENDMSG && nr != NR_SENDMMSG)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	if (!native(regs))
		return 0;
	long fd = BPF_CORE_READ(regs, di);
	const void *a1 = (const void *)BPF_CORE_READ(regs, si);
	if (nr == NR_CONNECT) {
		if (wanted(KEV_W_CONNECT))
			call_start(KEV_W_CONNECT, nr, fd, a1);
	} else if (wanted(KEV_W_SEND)) {
		if (nr == NR_SENDTO)
			call_start(KEV_W_SEND, nr, fd, (const void *)BPF_CORE_READ(regs, r8));
		else
			call_start(KEV_W_SEND, nr, fd, msg_name(a1));
	}
	return 0;
}

SEC("raw_tp/sys_exit")
int kev_raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long ret = (long)ctx->args[1];
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr == NR_ACCEPT || nr == NR_ACCEPT4) {
		if (wanted(KEV_W_ACCEPT) && native(regs))
			accept_end(ret);
	} else if (nr == NR_CONNECT || nr == NR_SENDTO || nr == NR_SENDMSG || nr == NR_SENDMMSG) {
		call_end(nr, ret);
	}
	return 0;
}
#endif
