/* kevents_fallback.c: the kernel-events source without BPF: exec, fork and exit from the netlink
 * proc connector (details read from /proc at once, racing the process), sockets from sock_diag
 * dumps of every network namespace, polled. */
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>

#include "sources/kevents_abi.h"
#include "sources/kevents_int.h"
#include "sources/procfs.h"
#include "sources/sockdiag.h"

/* What is known of a live process: an exit (the process is gone by then) is told from it. */
struct pinfo {
	struct pinfo *next;
	int pid, ppid, vpid;
	int64_t uid, euid;
	uint32_t netns;
	char comm[17];
	char container[65];
	char *cgpath;
};

#define PTAB_SIZE 4096
#define PTAB_MAX (1u << 18) /* a fork bomb is not followed further */

/* a socket of a poll: the key (all but state and inode) says whether it is new */
struct fsock {
	uint32_t netns;
	uint8_t proto;
	uint8_t family;
	uint16_t sport;
	uint16_t dport;
	uint8_t src[16];
	uint8_t dst[16];
	/* not in the key */
	bool listen;
	bool closed; /* TIME_WAIT: its process is gone */
	uint32_t inode;
	int netns_pid; /* a process of the namespace */
};
#define FSOCK_KEY offsetof(struct fsock, listen)

struct kev_fb {
	int nl;
	int tfd;
	unsigned poll_ms;
	struct pinfo *ptab[PTAB_SIZE];
	size_t n_procs;
	struct fsock *prev;
	size_t n_prev;
	char *buf; /* netlink receive buffer */
	/* the current event's bytes */
	char *exe;
	char *args;
	size_t args_len;
};

static struct pinfo **pslot(struct kev_fb *f, int pid)
{
	struct pinfo **p = &f->ptab[(unsigned)pid % PTAB_SIZE];
	while (*p && (*p)->pid != pid)
		p = &(*p)->next;
	return p;
}

static void pinfo_free(struct pinfo *p)
{
	if (p) {
		free(p->cgpath);
		free(p);
	}
}

static void pforget(struct kev_fb *f, int pid)
{
	struct pinfo **p = pslot(f, pid);
	if (*p) {
		struct pinfo *dead = *p;
		*p = dead->next;
		pinfo_free(dead);
		f->n_procs--;
	}
}

/* keep p (owned) as what is known of its pid */
static struct pinfo *pkeep(struct kev_fb *f, struct pinfo *p)
{
	struct pinfo **s = pslot(f, p->pid);
	if (*s) {
		p->next = (*s)->next;
		pinfo_free(*s);
		*s = p;
		return p;
	}
	if (f->n_procs >= PTAB_MAX) {
		pinfo_free(p);
		return NULL;
	}
	p->next = NULL;
	*s = p;
	f->n_procs++;
	return p;
}

/* what /proc says of pid now; NULL when it is gone */
static struct pinfo *proc_read_info(int pid)
{
	struct procfs_stat st;
	if (!procfs_stat(pid, &st))
		return NULL;
	struct pinfo *p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->ppid = st.ppid;
	snprintf(p->comm, sizeof(p->comm), "%.16s", st.comm);
	p->uid = p->euid = -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	_cleanup_free_ char *status = NULL;
	if (read_file_max(AT_FDCWD, path, 64 * 1024, &status, NULL) == 0) {
		_cleanup_free_ char *uids = procfs_status_parse(status, "Uid");
		long r, e;
		if (uids && sscanf(uids, "%ld %ld", &r, &e) == 2) {
			p->uid = r;
			p->euid = e;
		}
		_cleanup_free_ char *nspid = procfs_status_parse(status, "NSpid");
		if (nspid) {
			const char *last = strrchr(nspid, '\t');
			if (!last)
				last = strrchr(nspid, ' ');
			p->vpid = atoi(last ? last + 1 : nspid);
		}
	}
	p->netns = (uint32_t)procfs_ns_inode(pid, "net");
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	_cleanup_free_ char *cg = NULL;
	if (read_file_max(AT_FDCWD, path, 64 * 1024, &cg, NULL) == 0) {
		char id[65];
		if (procfs_cgroup_find_container(cg, id, &p->cgpath))
			memcpy(p->container, id, sizeof(id));
		else
			p->cgpath = procfs_cgroup_parse(cg);
	}
	return p;
}

static void fill_proc(struct kev_event *e, const struct pinfo *p)
{
	e->pid = e->tid = p->pid;
	e->ppid = p->ppid;
	e->vpid = p->vpid;
	e->uid = p->uid;
	e->euid = p->euid;
	e->netns = p->netns;
	e->comm = (struct kev_bytes){p->comm, strlen(p->comm)};
	if (p->cgpath)
		e->cgname = (struct kev_bytes){p->cgpath, strlen(p->cgpath)};
	memcpy(e->container, p->container, sizeof(e->container));
}

static void event_init(struct kev *k, struct kev_event *e, enum kev_kind kind, uint64_t mono_ns)
{
	memset(e, 0, offsetof(struct kev_event, argv));
	e->argc = 0;
	memset(&e->args_full, 0, sizeof(*e) - offsetof(struct kev_event, args_full));
	e->kind = kind;
	e->uid = e->euid = -1;
	if (mono_ns)
		e->ts_ns = (uint64_t)((int64_t)mono_ns + k->mono_to_real);
	else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		e->ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
}

static int on_exec(struct kev *k, int pid, uint64_t ts)
{
	struct kev_fb *f = k->fb;
	struct kev_event e;
	event_init(k, &e, KEV_EXEC, ts);
	e.flags |= KEV_F_PROCFS;
	struct pinfo *p = proc_read_info(pid);
	free(f->exe);
	free(f->args);
	f->exe = f->args = NULL;
	f->args_len = 0;
	if (!p) {
		e.flags |= KEV_F_GONE;
		e.pid = e.tid = pid;
		struct pinfo **old = pslot(f, pid);
		if (*old) { /* what was known before the exec: its cgroup, at least */
			fill_proc(&e, *old);
			e.comm = (struct kev_bytes){NULL, 0};
		}
		return kev_deliver(k, &e);
	}
	p = pkeep(f, p);
	if (p)
		fill_proc(&e, p);
	else
		e.pid = e.tid = pid;
	f->exe = procfs_exe(pid);
	if (f->exe)
		e.exe = (struct kev_bytes){f->exe, strlen(f->exe)};
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	/* one byte more than kept tells a longer argv */
	if (read_file_max(AT_FDCWD, path, KEV_ARGS_MAX + 1, &f->args, &f->args_len) == 0) {
		if (f->args_len > KEV_ARGS_MAX) {
			f->args_len = KEV_ARGS_MAX;
			e.flags |= KEV_F_ARGV_TRUNC;
		}
		kev_split_argv(f->args, f->args_len, &e);
		e.args_full = f->args_len;
	}
	return kev_deliver(k, &e);
}

static int on_fork(struct kev *k, int parent, int child, uint64_t ts)
{
	struct kev_fb *f = k->fb;
	struct kev_event e;
	event_init(k, &e, KEV_FORK, ts);
	e.parent = parent;
	struct pinfo **pp = pslot(f, parent);
	struct pinfo *c = NULL;
	if (*pp) { /* the child starts as a copy of its parent: no need to race it in /proc */
		c = xcalloc(1, sizeof(*c));
		*c = **pp;
		c->next = NULL;
		c->cgpath = xstrdup0((*pp)->cgpath);
		c->pid = child;
		c->ppid = parent;
		c->vpid = 0;
	} else {
		e.flags |= KEV_F_PROCFS;
		c = proc_read_info(child);
	}
	if (!c) {
		e.flags |= KEV_F_GONE;
		e.pid = e.tid = child;
		e.ppid = parent;
		return kev_deliver(k, &e);
	}
	c = pkeep(f, c);
	if (c)
		fill_proc(&e, c);
	else {
		e.pid = e.tid = child;
		e.ppid = parent;
	}
	return kev_deliver(k, &e);
}

static int on_exit_ev(struct kev *k, int pid, uint32_t status, uint64_t ts)
{
	struct kev_fb *f = k->fb;
	struct kev_event e;
	event_init(k, &e, KEV_EXIT, ts);
	kev_exit_status(status, &e);
	struct pinfo **pp = pslot(f, pid);
	if (*pp)
		fill_proc(&e, *pp);
	else {
		e.pid = e.tid = pid;
		e.flags |= KEV_F_GONE;
	}
	int r = kev_deliver(k, &e);
	pforget(f, pid);
	return r;
}

static int handle_proc_event(struct kev *k, const struct proc_event *ev)
{
	switch (ev->what) {
	case PROC_EVENT_EXEC:
		/* a thread's exec makes it the leader: the tgid is the process */
		return on_exec(k, ev->event_data.exec.process_tgid, ev->timestamp_ns);
	case PROC_EVENT_FORK:
		if (ev->event_data.fork.child_pid != ev->event_data.fork.child_tgid)
			return 0; /* a new thread */
		return on_fork(k, ev->event_data.fork.parent_tgid, ev->event_data.fork.child_tgid,
		               ev->timestamp_ns);
	case PROC_EVENT_COMM: {
		/* busybox names itself after its applet once exec'd: later events show that */
		struct pinfo **pp = pslot(k->fb, ev->event_data.comm.process_tgid);
		if (*pp && ev->event_data.comm.process_pid == ev->event_data.comm.process_tgid)
			snprintf((*pp)->comm, sizeof((*pp)->comm), "%.16s",
			         ev->event_data.comm.comm);
		return 0;
	}
	case PROC_EVENT_EXIT:
		if (ev->event_data.exit.process_pid != ev->event_data.exit.process_tgid)
			return 0; /* a thread */
		return on_exit_ev(k, ev->event_data.exit.process_tgid,
		                  ev->event_data.exit.exit_code, ev->timestamp_ns);
	default:
		return 0;
	}
}

#define NL_BUF (64 * 1024)

static int read_netlink(struct kev *k, int *count, struct cirt_err *err)
{
	struct kev_fb *f = k->fb;
	for (;;) {
		struct sockaddr_nl from = {0};
		socklen_t fl = sizeof(from);
		ssize_t n =
		    recvfrom(f->nl, f->buf, NL_BUF, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno ==
			    ENOBUFS) { /* the socket overran: events lost, how many unknown */
				k->st.lost++;
				continue;
			}
			return err_set(err, CIRT_EXIT_RUNTIME, "proc connector: %s",
			               strerror(errno));
		}
		if (fl < sizeof(from) || from.nl_pid != 0)
			continue; /* only the kernel speaks here */
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)f->buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg)))
				continue;
			const struct cn_msg *cn = NLMSG_DATA(h);
			if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
				continue;
			size_t have = h->nlmsg_len - NLMSG_LENGTH(sizeof(struct cn_msg));
			struct proc_event ev;
			memset(&ev, 0, sizeof(ev));
			size_t take = cn->len < have ? cn->len : have;
			if (take < offsetof(struct proc_event, event_data))
				continue;
			memcpy(&ev, cn->data, take < sizeof(ev) ? take : sizeof(ev));
			int r = handle_proc_event(k, &ev);
			(*count)++;
			if (r) {
				k->cb_ret = r;
				return 0;
			}
		}
	}
}

/* Sockets */

static int fsock_cmp(const void *a, const void *b)
{
	return memcmp(a, b, FSOCK_KEY);
}

struct nspid {
	uint32_t ns;
	int pid;
};

static int nspid_cmp(const void *a, const void *b)
{
	const struct nspid *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

struct owner {
	uint32_t inode;
	int pid;
};

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;
	return (x->inode > y->inode) - (x->inode < y->inode);
}

/* every network namespace that has a process, with its processes, sorted */
static size_t namespaces(struct nspid **ret)
{
	int *pids = NULL;
	size_t n = procfs_all_pids(&pids), k = 0;
	struct nspid *v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		unsigned long ino = procfs_ns_inode(pids[i], "net");
		if (ino)
			v[k++] = (struct nspid){(uint32_t)ino, pids[i]};
	}
	free(pids);
	if (k > 1)
		qsort(v, k, sizeof(*v), nspid_cmp);
	*ret = v;
	return k;
}

static void push_sock(struct fsock **v, size_t *n, size_t *cap, const struct sockdiag_entry *s,
                      uint32_t ns, int pid)
{
	const char *st = s->f.state;
	bool udp = s->f.proto == IPPROTO_UDP;
	/* a half-open connection is not anyone's yet: seen again once accepted; an unconnected
	 * UDP socket sends anywhere, which a dump cannot tell */
	if (streq(st, "SYN_RECV") || streq(st, "NEW_SYN_RECV") || streq(st, "CLOSE") ||
	    (udp && !streq(st, "ESTABLISHED")))
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	struct fsock *f = &(*v)[(*n)++];
	memset(f, 0, sizeof(*f));
	f->netns = ns;
	f->proto = s->f.proto;
	f->family = s->f.orig.src.family;
	f->sport = s->f.orig.sport;
	f->dport = s->f.orig.dport;
	memcpy(f->src, s->f.orig.src.b, 16);
	memcpy(f->dst, s->f.orig.dst.b, 16);
	f->listen = streq(st, "LISTEN");
	f->closed = streq(st, "TIME_WAIT");
	f->inode = s->inode;
	f->netns_pid = pid;
}

/* a connection to a port the namespace listens on was accepted, not made */
static bool is_accepted(const struct fsock *c, const struct fsock *v, size_t n)
{
	static const uint8_t any[16] = {0};
	for (size_t i = 0; i < n; i++) {
		const struct fsock *l = &v[i];
		if (l->listen && l->netns == c->netns && l->proto == c->proto &&
		    l->sport == c->sport &&
		    (memcmp(l->src, any, 16) == 0 ||
		     (l->family == c->family && memcmp(l->src, c->src, 16) == 0)))
			return true;
	}
	return false;
}

static void addr_from(struct kev_addr *a, uint8_t family, const uint8_t b[16])
{
	a->family = family;
	memcpy(a->b, b, 16);
}

static int report(struct kev *k, const struct fsock *s, bool accepted, const struct owner *own,
                  size_t n_own)
{
	struct kev_fb *f = k->fb;
	struct kev_event e;
	event_init(k, &e, s->listen ? KEV_LISTEN : accepted ? KEV_ACCEPT : KEV_CONNECT, 0);
	e.proto = s->proto;
	e.sock_netns = s->netns;
	e.via = KEV_VIA_POLL;
	e.sport = s->sport;
	addr_from(&e.src, s->family, s->src);
	if (!s->listen) {
		e.dport = s->dport;
		addr_from(&e.dst, s->family, s->dst);
	}
	struct owner key = {.inode = s->inode};
	const struct owner *o =
	    s->inode && n_own ? bsearch(&key, own, n_own, sizeof(*own), owner_cmp) : NULL;
	if (!o) {
		e.flags |= KEV_F_NO_OWNER;
		return kev_deliver(k, &e);
	}
	/* the holder as it is now (an exec since its fork may not have been read yet); the
	 * table's last word if it is gone meanwhile */
	e.flags |= KEV_F_PROCFS;
	struct pinfo *p = proc_read_info(o->pid);
	if (p)
		pkeep(f, p);
	struct pinfo **pp = pslot(f, o->pid);
	if (*pp) {
		fill_proc(&e, *pp);
	} else {
		e.pid = e.tid = o->pid;
		e.flags |= KEV_F_GONE;
	}
	return kev_deliver(k, &e);
}

/* the socket inodes held by the processes of one namespace */
static size_t owners(const struct nspid *ns, size_t n_ns, uint32_t netns, struct owner **ret)
{
	struct owner *v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < n_ns; i++) {
		if (ns[i].ns != netns)
			continue;
		unsigned long *inodes = NULL;
		int *fds = NULL;
		size_t m = 0;
		procfs_socket_fds(ns[i].pid, &inodes, &fds, &m);
		v = xrealloc(v, (n + m + 1) * sizeof(*v));
		for (size_t j = 0; j < m; j++)
			v[n++] = (struct owner){(uint32_t)inodes[j], ns[i].pid};
		free(inodes);
		free(fds);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), owner_cmp);
	*ret = v;
	return n;
}

static int poll_sockets(struct kev *k, bool report_new, int *count)
{
	struct kev_fb *f = k->fb;
	struct nspid *ns = NULL;
	size_t n_ns = namespaces(&ns);
	struct fsock *cur = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < n_ns; i++) {
		if (i && ns[i].ns == ns[i - 1].ns)
			continue;
		int nsfd = procfs_open_ns(ns[i].pid, "net");
		if (nsfd < 0)
			continue;
		struct sockdiag_list l = {0};
		struct cirt_err e = {0};
		if (sockdiag_dump(nsfd, SOCKDIAG_ALL, &l, &e) == 0)
			for (size_t j = 0; j < l.n; j++)
				push_sock(&cur, &n, &cap, &l.v[j], ns[i].ns, ns[i].pid);
		sockdiag_list_free(&l);
		close(nsfd);
	}
	if (n > 1)
		qsort(cur, n, sizeof(*cur), fsock_cmp);
	k->st.polls++;
	int r = 0;
	if (report_new) {
		/* the owners are looked up once per namespace that has new sockets */
		uint32_t owners_ns = 0;
		struct owner *own = NULL;
		size_t n_own = 0;
		for (size_t i = 0; i < n && !r; i++) {
			if (i && fsock_cmp(&cur[i], &cur[i - 1]) == 0)
				continue;
			if (f->n_prev &&
			    bsearch(&cur[i], f->prev, f->n_prev, sizeof(*cur), fsock_cmp))
				continue;
			if (cur[i].inode && owners_ns != cur[i].netns) {
				free(own);
				n_own = owners(ns, n_ns, cur[i].netns, &own);
				owners_ns = cur[i].netns;
			}
			r = report(k, &cur[i], !cur[i].listen && is_accepted(&cur[i], cur, n),
			           owners_ns == cur[i].netns ? own : NULL,
			           owners_ns == cur[i].netns ? n_own : 0);
			(*count)++;
		}
		free(own);
	}
	free(ns);
	free(f->prev);
	f->prev = cur;
	f->n_prev = n;
	if (r)
		k->cb_ret = r;
	return 0;
}

static void prime_procs(struct kev_fb *f)
{
	int *pids = NULL;
	size_t n = procfs_all_pids(&pids);
	for (size_t i = 0; i < n; i++) {
		struct pinfo *p = proc_read_info(pids[i]);
		if (p)
			pkeep(f, p);
	}
	free(pids);
}

static void add_limits(struct kev *k, unsigned poll_ms)
{
	kev_limit(k, "exec: comm, exe, argv and cgroup are read from /proc after the event, "
	             "racing the process: a short-lived one may be gone (its details stay "
	             "empty) or may have exec'd again");
	kev_limit(k,
	          "sockets are polled every %u ms (sock_diag): a connection opened and "
	          "closed between two polls is not seen, and the time is the poll's",
	          poll_ms);
	kev_limit(k, "UDP datagrams without connect are not seen; UDP connects only while "
	             "connected at a poll");
	kev_limit(k, "a socket's process is the one holding its inode (/proc/PID/fd) at the "
	             "poll: a socket closed or passed on by then has none or the new holder");
	kev_limit(k, "accept or connect is told from the namespace's listening ports");
	kev_limit(k, "network namespaces without a process are not polled");
}

int kev_fb_open(struct kev *k, const struct kev_opts *o, struct cirt_err *err)
{
	struct kev_fb *f = xcalloc(1, sizeof(*f));
	f->nl = f->tfd = -1;
	k->fb = f;
	f->poll_ms = o->poll_ms ? o->poll_ms : 1000;
	f->buf = xmalloc(NL_BUF);
	unsigned proc_kinds =
	    KEV_KIND_BIT(KEV_EXEC) | KEV_KIND_BIT(KEV_FORK) | KEV_KIND_BIT(KEV_EXIT);
	unsigned sock_kinds =
	    KEV_KIND_BIT(KEV_CONNECT) | KEV_KIND_BIT(KEV_ACCEPT) | KEV_KIND_BIT(KEV_LISTEN);
	struct epoll_event ev = {.events = EPOLLIN};
	/* processes are followed in every mode: sockets name them from this table */
	f->nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	if (f->nl < 0)
		return err_set(err, errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "proc connector socket: %s", strerror(errno));
	int rcv = 4 << 20;
	if (setsockopt(f->nl, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(f->nl, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
	if (bind(f->nl, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_set(err, errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "proc connector bind: %s", strerror(errno));
	char req[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))];
	memset(req, 0, sizeof(req));
	struct nlmsghdr *h = (struct nlmsghdr *)req;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op));
	h->nlmsg_type = NLMSG_DONE;
	h->nlmsg_pid = 0;
	struct cn_msg *cn = NLMSG_DATA(h);
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(enum proc_cn_mcast_op);
	enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
	memcpy(cn->data, &op, sizeof(op));
	if (send(f->nl, req, h->nlmsg_len, 0) < 0)
		return err_set(err, errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		               "proc connector listen: %s", strerror(errno));
	if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, f->nl, &ev) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "epoll_ctl: %s", strerror(errno));
	prime_procs(f);
	if (k->kinds & sock_kinds) {
		f->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (f->tfd < 0)
			return err_set(err, CIRT_EXIT_RUNTIME, "timerfd: %s", strerror(errno));
		struct itimerspec it = {
		    .it_interval = {f->poll_ms / 1000, (long)(f->poll_ms % 1000) * 1000000},
		    .it_value = {f->poll_ms / 1000, (long)(f->poll_ms % 1000) * 1000000},
		};
		timerfd_settime(f->tfd, 0, &it, NULL);
		if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, f->tfd, &ev) < 0)
			return err_set(err, CIRT_EXIT_RUNTIME, "epoll_ctl: %s", strerror(errno));
		int dummy = 0;
		poll_sockets(k, false, &dummy); /* what exists now is not news */
	}
	(void)proc_kinds;
	kev_note(k, "processes from the netlink proc connector; sockets from sock_diag every %u ms",
	         f->poll_ms);
	add_limits(k, f->poll_ms);
	return 0;
}

int kev_fb_read(struct kev *k, struct cirt_err *err)
{
	struct kev_fb *f = k->fb;
	int count = 0;
	if (read_netlink(k, &count, err) < 0)
		return -1;
	if (k->cb_ret)
		return count;
	uint64_t ticks = 0;
	if (f->tfd >= 0 && read(f->tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks) && ticks)
		poll_sockets(k, true, &count);
	return count;
}

void kev_fb_close(struct kev *k)
{
	struct kev_fb *f = k->fb;
	if (!f)
		return;
	if (f->nl >= 0)
		close(f->nl);
	if (f->tfd >= 0)
		close(f->tfd);
	for (size_t i = 0; i < PTAB_SIZE; i++)
		while (f->ptab[i]) {
			struct pinfo *p = f->ptab[i];
			f->ptab[i] = p->next;
			pinfo_free(p);
		}
	free(f->prev);
	free(f->buf);
	free(f->exe);
	free(f->args);
	free(f);
	k->fb = NULL;
}
