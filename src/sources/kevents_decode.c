/* kevents_decode.c: one ring-buffer record of the kernel-events BPF program into a struct
 * kev_event, checking every length against the bytes actually there. */
#include <netinet/in.h>
#include <sys/socket.h>

#include "sources/kevents.h"
#include "sources/kevents_abi.h"

void kev_exit_status(uint32_t status, struct kev_event *e)
{
	int sig = (int)(status & 0x7f);
	e->core_dumped = sig && (status & 0x80);
	if (sig == 0) {
		e->exit_code = (int)((status >> 8) & 0xff);
		e->exit_signal = 0;
	} else {
		e->exit_code = -1;
		e->exit_signal = sig;
	}
}

void kev_split_argv(const char *p, size_t len, struct kev_event *e)
{
	e->argc = 0;
	size_t i = 0;
	while (i < len) {
		const char *s = p + i;
		const char *nul = memchr(s, '\0', len - i);
		size_t l = nul ? (size_t)(nul - s) : len - i;
		if (e->argc == KEV_ARGV_MAX) {
			e->flags |= KEV_F_ARGV_TRUNC;
			break;
		}
		e->argv[e->argc++] = (struct kev_bytes){s, l};
		i += l + 1;
	}
}

/* an address as the kernel keeps it; an IPv4-mapped IPv6 one becomes IPv4 */
static void addr_set(struct kev_addr *a, uint16_t family, const uint8_t b[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->b, b, 4);
	} else if (family == AF_INET6) {
		if (memcmp(b, mapped, sizeof(mapped)) == 0) {
			a->family = AF_INET;
			memcpy(a->b, b + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->b, b, 16);
		}
	}
}

/* bytes up to the first NUL within max */
static size_t bounded_len(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max);
	return nul ? (size_t)(nul - s) : max;
}

/* fields of a record at any alignment (the bytes may come from anywhere) */
static uint16_t rd16(const char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void task_decode(const char *rec, struct kev_event *e)
{
	struct kev_w_task t;
	memcpy(&t, rec + offsetof(struct kev_w_hdr, task), sizeof(t));
	const char *base = rec + offsetof(struct kev_w_hdr, task);
	e->pid = (int)(t.pid & 0x7fffffff);
	e->tid = (int)(t.tid & 0x7fffffff);
	e->ppid = (int)(t.ppid & 0x7fffffff);
	e->vpid = (int)(t.vpid & 0x7fffffff);
	e->uid = t.uid;
	e->euid = t.euid;
	e->netns = t.netns;
	e->cgid = t.cgid;
	e->cgid_v1 = t.cgid_v1;
	const char *comm = base + offsetof(struct kev_w_task, comm);
	e->comm = (struct kev_bytes){comm, bounded_len(comm, sizeof(t.comm))};
	const char *cg = base + offsetof(struct kev_w_task, cgname);
	size_t cl = t.cgname_len < sizeof(t.cgname) ? t.cgname_len : sizeof(t.cgname);
	e->cgname = (struct kev_bytes){cg, bounded_len(cg, cl)};
	if (t.cgname_v1)
		e->flags |= KEV_F_CG_V1;
}

int kev_decode(const void *rec, size_t len, struct kev_event *e)
{
	memset(e, 0, offsetof(struct kev_event, argv));
	e->argc = 0;
	memset(&e->args_full, 0, sizeof(*e) - offsetof(struct kev_event, args_full));
	const char *r = rec;
	if (!rec || len < sizeof(struct kev_w_hdr))
		return -EBADMSG;
	uint32_t hlen = rd32(r + offsetof(struct kev_w_hdr, len));
	uint16_t kind = rd16(r + offsetof(struct kev_w_hdr, kind));
	if (rd16(r + offsetof(struct kev_w_hdr, version)) != KEV_ABI_VERSION || hlen > len ||
	    hlen < sizeof(struct kev_w_hdr))
		return -EBADMSG;
	len = hlen; /* the ring may pad a record: its own length counts */
	e->kind = (enum kev_kind)kind;
	e->ts_ns = rd64(r + offsetof(struct kev_w_hdr, ts));
	task_decode(r, e);
	switch (kind) {
	case KEV_W_EXEC: {
		size_t head = offsetof(struct kev_w_exec, data);
		if (len < head)
			return -EBADMSG;
		uint16_t plen = rd16(r + offsetof(struct kev_w_exec, path_len));
		uint16_t alen = rd16(r + offsetof(struct kev_w_exec, args_len));
		if (plen > KEV_PATH_MAX || alen > KEV_ARGS_MAX || (size_t)plen + alen != len - head)
			return -EBADMSG;
		const char *data = r + head;
		e->exe = (struct kev_bytes){data, bounded_len(data, plen)};
		/* NUL-separated strings; the last one's NUL may have been cut off */
		kev_split_argv(data + plen, alen, e);
		e->args_full = rd32(r + offsetof(struct kev_w_exec, args_full));
		if (e->args_full > alen)
			e->flags |= KEV_F_ARGV_TRUNC;
		return 0;
	}
	case KEV_W_FORK:
		if (len != sizeof(struct kev_w_fork))
			return -EBADMSG;
		e->parent = (int)(rd32(r + offsetof(struct kev_w_fork, parent)) & 0x7fffffff);
		return 0;
	case KEV_W_EXIT:
		if (len != sizeof(struct kev_w_exit))
			return -EBADMSG;
		kev_exit_status(rd32(r + offsetof(struct kev_w_exit, status)), e);
		return 0;
	case KEV_W_CONNECT:
	case KEV_W_ACCEPT:
	case KEV_W_LISTEN:
	case KEV_W_SEND: {
		if (len != sizeof(struct kev_w_sock))
			return -EBADMSG;
		struct kev_w_sock s;
		memcpy(&s, r, sizeof(s));
		if ((s.family != AF_INET && s.family != AF_INET6) ||
		    (s.proto != IPPROTO_TCP && s.proto != IPPROTO_UDP) ||
		    (s.via != KEV_VIA_SYSCALL && s.via != KEV_VIA_STATE))
			return -EBADMSG;
		e->proto = s.proto;
		e->sock_netns = s.netns;
		e->ret = s.ret;
		e->via = s.via == KEV_VIA_SYSCALL ? KEV_VIA_SYSCALL_RET : KEV_VIA_TCP_STATE;
		e->sport = s.sport;
		e->dport = s.dport;
		addr_set(&e->src, s.family, s.saddr);
		if (kind != KEV_W_LISTEN)
			addr_set(&e->dst, s.family, s.daddr);
		return 0;
	}
	default:
		return -EBADMSG;
	}
}
