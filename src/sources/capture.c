/* capture.c: libpcap on many interfaces at once (poll over their descriptors), and pcap files. */
#include "sources/capture.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- parsing */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void parse_ip(uint16_t ethertype, const uint8_t *d, uint32_t len, struct capture_packet *p)
{
	struct flow *f = &p->f;
	uint8_t proto;
	const uint8_t *l4;
	uint32_t l4len;
	if (ethertype == 0x0800) {
		if (len < 20 || (d[0] >> 4) != 4)
			return;
		uint32_t ihl = (uint32_t)(d[0] & 0x0f) * 4;
		if (ihl < 20 || len < ihl)
			return;
		proto = d[9];
		flow_addr_set(&f->orig.src, AF_INET, d + 12);
		flow_addr_set(&f->orig.dst, AF_INET, d + 16);
		/* a later fragment has no ports */
		if (be16(d + 6) & 0x1fff) {
			f->proto = proto;
			p->parsed = true;
			return;
		}
		l4 = d + ihl;
		l4len = len - ihl;
	} else if (ethertype == 0x86dd) {
		if (len < 40 || (d[0] >> 4) != 6)
			return;
		proto = d[6];
		flow_addr_set(&f->orig.src, AF_INET6, d + 8);
		flow_addr_set(&f->orig.dst, AF_INET6, d + 24);
		l4 = d + 40;
		l4len = len - 40;
		/* walk the common extension headers to the transport header */
		for (int i = 0; i < 8 && (proto == 0 || proto == 43 || proto == 60); i++) {
			if (l4len < 8)
				break;
			uint32_t hl = ((uint32_t)l4[1] + 1) * 8;
			if (hl > l4len)
				break;
			proto = l4[0];
			l4 += hl;
			l4len -= hl;
		}
	} else
		return;
	f->proto = proto;
	p->parsed = true;
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	     proto == IPPROTO_UDPLITE) &&
	    l4len >= 4) {
		f->orig.sport = be16(l4);
		f->orig.dport = be16(l4 + 2);
	}
}

void capture_parse(int linktype, const uint8_t *d, uint32_t caplen, struct capture_packet *p)
{
	memset(&p->f, 0, sizeof(p->f));
	p->parsed = false;
	p->has_mac = false;
	switch (linktype) {
	case DLT_EN10MB: {
		if (caplen < 14)
			return;
		memcpy(p->dst_mac, d, 6);
		memcpy(p->src_mac, d + 6, 6);
		p->has_mac = true;
		uint32_t off = 12;
		uint16_t et = be16(d + off);
		/* up to two VLAN tags (802.1Q, 802.1ad) */
		for (int i = 0; i < 2 && (et == 0x8100 || et == 0x88a8) && caplen >= off + 6; i++) {
			off += 4;
			et = be16(d + off);
		}
		off += 2;
		if (caplen < off)
			return;
		parse_ip(et, d + off, caplen - off, p);
		return;
	}
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return;
		parse_ip(be16(d + 14), d + 16, caplen - 16, p);
		return;
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return;
		parse_ip(be16(d), d + 20, caplen - 20, p);
		return;
	case DLT_RAW:
	case 101: /* LINKTYPE_RAW as some systems report it */
		if (caplen < 1)
			return;
		parse_ip((d[0] >> 4) == 6 ? 0x86dd : 0x0800, d, caplen, p);
		return;
	default:
		return;
	}
}

/* ---------------------------------------------------------------- live capture */

struct run_ctx {
	capture_cb cb;
	void *ud;
	size_t iface;
	int linktype;
	bool stop;
	struct capture_iface_stats *st;
};

static void on_pkt(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct run_ctx *c = (struct run_ctx *)user;
	if (c->stop)
		return;
	struct capture_packet p;
	memset(&p, 0, sizeof(p));
	p.iface = c->iface;
	p.ts = h->ts;
	p.caplen = h->caplen;
	p.len = h->len;
	p.data = bytes;
	p.linktype = c->linktype;
	capture_parse(c->linktype, bytes, h->caplen, &p);
	c->st->packets++;
	if (!c->cb(&p, c->ud))
		c->stop = true;
}

struct compiled {
	int linktype;
	struct bpf_program prog;
};

static void set_error(struct capture_iface_stats *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(struct capture_iface_stats *s, const char *fmt, ...)
{
	free(s->error);
	va_list ap;
	va_start(ap, fmt);
	s->error = xvasprintf(fmt, ap);
	va_end(ap);
}

static void drain(pcap_t *p, struct run_ctx *c, struct capture_iface_stats *st)
{
	/* a bounded number of batches: a flood must not keep us here past the deadline */
	for (int k = 0; k < 64 && !c->stop; k++) {
		int r = pcap_dispatch(p, 256, on_pkt, (u_char *)c);
		if (r < 0) {
			st->failed = true;
			set_error(st, "%s", pcap_geterr(p));
			return;
		}
		if (r == 0)
			return;
	}
}

int capture_run(const struct capture_iface *ifs, size_t n, const struct capture_opts *o,
                capture_cb cb, void *ud, struct capture_iface_stats *stats, struct cirt_err *err)
{
	memset(stats, 0, n * sizeof(*stats));
	pcap_t **hs = xcalloc(n + 1, sizeof(*hs));
	struct pollfd *pfd = xcalloc(n + 1, sizeof(*pfd));
	struct compiled progs[8];
	size_t nprogs = 0;
	size_t nopen = 0, nperm = 0;
	int rc = -1;
	int snap = o->snaplen > 0 ? o->snaplen : 262144;
	for (size_t i = 0; i < n; i++) {
		pfd[i].fd = -1;
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		pcap_t *p = pcap_create(ifs[i].name, ebuf);
		if (!p) {
			set_error(&stats[i], "%s", ebuf);
			continue;
		}
		pcap_set_snaplen(p, snap);
		pcap_set_promisc(p, ifs[i].promisc ? 1 : 0);
		/* blocks are handed over at least every 100 ms: --first answers quickly */
		pcap_set_timeout(p, 100);
		pcap_set_buffer_size(p, (int)(o->buffer_bytes ? o->buffer_bytes : 4u << 20));
		int r = pcap_activate(p);
		if (r < 0) {
			if (r == PCAP_ERROR_PERM_DENIED) {
				nperm++;
				set_error(&stats[i],
				          "permission denied (capture needs root or CAP_NET_RAW)");
			} else if (r == PCAP_ERROR_NO_SUCH_DEVICE)
				set_error(&stats[i], "no such interface (gone)");
			else
				set_error(&stats[i], "%s", pcap_geterr(p));
			pcap_close(p);
			continue;
		}
		int lt = pcap_datalink(p);
		struct bpf_program *prog = NULL;
		for (size_t k = 0; k < nprogs; k++)
			if (progs[k].linktype == lt)
				prog = &progs[k].prog;
		if (!prog) {
			if (nprogs == ARRAY_SIZE(progs)) {
				set_error(&stats[i], "too many link types");
				pcap_close(p);
				continue;
			}
			if (pcap_compile(p, &progs[nprogs].prog, o->filter, 1,
			                 PCAP_NETMASK_UNKNOWN) < 0) {
				err_set(err, CIRT_EXIT_USAGE, "capture filter '%s': %s", o->filter,
				        pcap_geterr(p));
				pcap_close(p);
				goto out;
			}
			progs[nprogs].linktype = lt;
			prog = &progs[nprogs++].prog;
		}
		char eb2[PCAP_ERRBUF_SIZE];
		if (pcap_setfilter(p, prog) < 0 || pcap_setnonblock(p, 1, eb2) < 0 ||
		    pcap_get_selectable_fd(p) < 0) {
			set_error(&stats[i], "%s", pcap_geterr(p));
			pcap_close(p);
			continue;
		}
		int fd = pcap_get_selectable_fd(p);
		fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
		hs[i] = p;
		pfd[i].fd = fd;
		pfd[i].events = POLLIN;
		stats[i].opened = true;
		stats[i].linktype = lt;
		nopen++;
	}
	if (!nopen) {
		if (nperm)
			err_set(err, CIRT_EXIT_PERM,
			        "capture: permission denied (needs root or CAP_NET_RAW)");
		else
			err_set(err, CIRT_EXIT_RUNTIME, "capture: no interface could be opened%s%s",
			        n ? ": " : "", n && stats[0].error ? stats[0].error : "");
		goto out;
	}
	if (o->on_ready)
		o->on_ready(nopen, ud);
	struct run_ctx c = {.cb = cb, .ud = ud};
	uint64_t deadline = now_ms() + (uint64_t)(o->seconds > 0 ? o->seconds : 0) * 1000;
	while (!c.stop) {
		uint64_t now = now_ms();
		if (now >= deadline)
			break;
		uint64_t left = deadline - now;
		int pr = poll(pfd, (nfds_t)n, (int)(left < 200 ? left : 200));
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, CIRT_EXIT_RUNTIME, "capture: poll: %s", strerror(errno));
			goto out;
		}
		for (size_t i = 0; i < n && !c.stop; i++) {
			if (!hs[i] || !pfd[i].revents)
				continue;
			c.iface = i;
			c.linktype = stats[i].linktype;
			c.st = &stats[i];
			drain(hs[i], &c, &stats[i]);
			if ((pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) || stats[i].failed) {
				/* the interface went down or was deleted: its container is gone */
				stats[i].failed = true;
				if (!stats[i].error)
					set_error(&stats[i],
					          "the interface went down or disappeared");
				pfd[i].fd = -1;
			}
		}
	}
	/* what is still queued arrived within the time asked for */
	for (size_t i = 0; i < n && !c.stop; i++) {
		if (!hs[i] || pfd[i].fd < 0)
			continue;
		c.iface = i;
		c.linktype = stats[i].linktype;
		c.st = &stats[i];
		drain(hs[i], &c, &stats[i]);
	}
	for (size_t i = 0; i < n; i++) {
		struct pcap_stat ps;
		if (hs[i] && pcap_stats(hs[i], &ps) == 0) {
			stats[i].received = ps.ps_recv;
			stats[i].dropped = ps.ps_drop;
			stats[i].if_dropped = ps.ps_ifdrop;
		}
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		if (hs[i])
			pcap_close(hs[i]);
	for (size_t k = 0; k < nprogs; k++)
		pcap_freecode(&progs[k].prog);
	free(hs);
	free(pfd);
	return rc;
}

void capture_stats_clear(struct capture_iface_stats *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].error);
		s[i].error = NULL;
	}
}

/* ---------------------------------------------------------------- pcap files */

struct capture_writer {
	pcap_t *dead;
	pcap_dumper_t *d;
	int linktype;
};

int capture_writer_open(int dirfd, const char *name, int linktype, int snaplen,
                        struct capture_writer **ret, struct cirt_err *err)
{
	if (!*name || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
		return err_set(err, CIRT_EXIT_RUNTIME, "pcap file name '%s' is not a plain name",
		               name);
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(
		    err, errno == EACCES || errno == EPERM ? CIRT_EXIT_PERM : CIRT_EXIT_RUNTIME,
		    "create '%s': %s", name, strerror(errno));
	FILE *f = fdopen(fd, "wb");
	if (!f) {
		int e = errno;
		close(fd);
		return err_set(err, CIRT_EXIT_RUNTIME, "create '%s': %s", name, strerror(e));
	}
	pcap_t *dead = pcap_open_dead(linktype, snaplen > 0 ? snaplen : 262144);
	if (!dead) {
		fclose(f);
		return err_set(err, CIRT_EXIT_RUNTIME, "pcap_open_dead: out of memory");
	}
	pcap_dumper_t *d = pcap_dump_fopen(dead, f);
	if (!d) {
		err_set(err, CIRT_EXIT_RUNTIME, "write '%s': %s", name, pcap_geterr(dead));
		fclose(f);
		pcap_close(dead);
		return -1;
	}
	struct capture_writer *w = xcalloc(1, sizeof(*w));
	w->dead = dead;
	w->d = d;
	w->linktype = linktype;
	*ret = w;
	return 0;
}

int capture_writer_write(struct capture_writer *w, const struct capture_packet *p)
{
	if (p->linktype != w->linktype)
		return -1;
	struct pcap_pkthdr h = {.ts = p->ts, .caplen = p->caplen, .len = p->len};
	pcap_dump((u_char *)w->d, &h, p->data);
	return 0;
}

int capture_writer_close(struct capture_writer *w, struct cirt_err *err)
{
	if (!w)
		return 0;
	int rc = 0;
	if (pcap_dump_flush(w->d) < 0 || ferror(pcap_dump_file(w->d)))
		rc = err_set(err, CIRT_EXIT_RUNTIME, "write pcap file: %s", strerror(errno));
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
	return rc;
}

int capture_writer_linktype(const struct capture_writer *w)
{
	return w->linktype;
}
