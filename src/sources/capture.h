/* capture.h: live packet capture with libpcap on a set of interfaces at once, one BPF filter for
 * all, bounded in time; and pcap files (readable by tcpdump and Wireshark) to keep packets in. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "flow.h"
#include "util.h"

struct capture_iface {
	const char *name; /* interface to open (host namespace) */
	bool promisc;     /* needed on a bridge to see frames bridged between its ports */
};

/* What one interface gave; filled by capture_run. */
struct capture_iface_stats {
	bool opened;
	bool failed;       /* opened, then lost (the interface disappeared: its container exited) */
	char *error;       /* why it did not open or why it failed (owned) */
	int linktype;      /* DLT_* */
	uint64_t packets;  /* delivered to the callback */
	uint64_t received; /* pcap_stats ps_recv */
	uint64_t dropped;  /* ps_drop: the buffer was full */
	uint64_t if_dropped; /* ps_ifdrop: dropped by the interface */
};

struct capture_packet {
	size_t iface; /* index into the interfaces given */
	struct timeval ts;
	uint32_t caplen, len;
	const uint8_t *data;
	int linktype;
	bool parsed;   /* an IPv4/IPv6 packet: f holds proto and the tuple as sent */
	struct flow f; /* orig = this packet's src -> dst */
	uint8_t src_mac[6], dst_mac[6];
	bool has_mac;
};

/* Return false to stop the capture. */
typedef bool (*capture_cb)(const struct capture_packet *p, void *ud);

struct capture_opts {
	const char
	    *filter; /* BPF filter expression (pcap-filter(7)), compiled once per link type */
	int seconds; /* how long to capture */
	int snaplen; /* 0: 262144 */
	size_t buffer_bytes; /* per interface; 0: 4 MiB */
	/* called once every handle is open, before the first packet (for "capturing on ..." notes)
	 */
	void (*on_ready)(size_t n_open, void *ud);
};

/* Capture on every interface given until opts->seconds pass or cb returns false. An interface
 * that cannot be opened, or disappears, is recorded in its stats and the others go on. Fails
 * only when no interface could be opened at all (permission: CIRT_EXIT_PERM) or the filter does
 * not compile (CIRT_EXIT_USAGE). stats must hold n entries; free them with
 * capture_stats_clear. */
int capture_run(const struct capture_iface *ifs, size_t n, const struct capture_opts *o,
                capture_cb cb, void *ud, struct capture_iface_stats *stats, struct cirt_err *err);
void capture_stats_clear(struct capture_iface_stats *s, size_t n);

/* Parse a frame of the given link type into p->f (used by capture_run; exposed for tests). */
void capture_parse(int linktype, const uint8_t *data, uint32_t caplen, struct capture_packet *p);

/* A pcap file created exclusively (never overwriting, never through a symlink), mode 0600. */
struct capture_writer;
int capture_writer_open(int dirfd, const char *name, int linktype, int snaplen,
                        struct capture_writer **ret, struct cirt_err *err);
int capture_writer_write(struct capture_writer *w, const struct capture_packet *p);
/* Flush and close; -1 with err when the data could not be written completely. NULL is fine. */
int capture_writer_close(struct capture_writer *w, struct cirt_err *err);
int capture_writer_linktype(const struct capture_writer *w);
