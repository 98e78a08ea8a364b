/* locate.h: which container (and process, and flow) talked to an address, to a name, or to any
 * indicator of a list: live sockets, conntrack (flows that already ended, and the NAT view
 * reversed), live capture and cirt watch's journal (past flows; DNS lookups for names), joined
 * by the one join of attrib.h, each finding saying which source saw it and which rule named its
 * container. Returns structs; prints nothing. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyses/attrib.h"
#include "flow.h"
#include "journal/ioc.h"
#include "journal/jdns.h"
#include "journal/jflows.h"
#include "model/host.h"
#include "model/sockets.h"
#include "util.h"

struct locate_query {
	bool has_addr; /* ADDR[:PORT] */
	struct flow_addr addr;
	uint16_t port; /* 0: any */
	uint8_t proto; /* 0: TCP and UDP */
	bool has_seen; /* --seen-from HOSTIP[:PORT]: the address an outside sensor saw */
	struct flow_addr seen;
	uint16_t seen_port;  /* 0: any */
	int capture_seconds; /* 0: no capture */
	bool first;          /* capture: stop at the first packet of a container */
	int pcap_dirfd;      /* capture: where per-container pcap files go; -1: none */
	bool pids_fresh;     /* the host was loaded with host_load_list (see sockets_opts) */
	void (*progress)(const char *msg, void *ud); /* "capturing ..." notes; may be NULL */
	void *progress_ud;
	const char
	    *journal_dir; /* --since: also the flows `cirt watch` recorded there; NULL: not */
	uint64_t since_ns, until_ns; /* the journal's time range (until 0: now) */
	/* indicators: a NAME (a list of one name or wildcard domain) or --ioc FILE: addresses and
	 * CIDRs match directly, names through the journal's DNS lookups (journal_dir must be
	 * set); NULL: none */
	const struct ioc_list *ioc;
	const char *name; /* the NAME asked for, as typed (ioc holds it); NULL: --ioc or none */
	bool names_only;  /* the indicators are names alone: no DNS record is an error */
};

/* One flow of one container, with every source that saw it. */
struct locate_finding {
	unsigned sources;    /* 1 << FLOW_SRC_* */
	struct container *c; /* NULL: no running container (the host, or one that exited) */
	const struct proc_info *proc;        /* NULL when no process is known */
	enum attr_by by;                     /* the rule that named c */
	const struct container *netns_owner; /* c joined this container's namespace */
	const struct ioc_entry *ioc;         /* the indicator the flow matched; NULL */
	const struct alookup
	    *resolved;             /* matched through a name: the lookup that gave its address */
	struct flow f;             /* orig: the container's side first when it is the originator */
	uint64_t seen_ns;          /* when the source saw it (realtime ns) */
	bool seen_estimated;       /* seen_ns derived from a conntrack timeout, not observed */
	uint64_t captured_packets; /* capture: packets of this flow in the pcap file */
	char iface[IF_NAMESIZE];   /* capture: the interface the packets were on */
	const char *pcap_file;     /* capture: the file holding this container's packets */
	char *note;                /* why there is no container, and such */
};

struct locate_iface {
	char name[IF_NAMESIZE];
	bool bridge;
	char *containers; /* names of the containers it carries, comma-separated */
	bool opened, failed;
	char *error;
	uint64_t packets, dropped, if_dropped;
};

struct locate_pcap {
	struct container *c;
	char *file;
	uint64_t packets;
	void *writer; /* struct capture_writer, open during the capture */
};

struct locate_result {
	struct locate_finding *v;
	size_t n;
	char **warnings;
	size_t n_warnings;
	struct sockets *socks;       /* owns the proc_info of socket and conntrack findings */
	struct sockets *socks_after; /* the post-capture lookups */

	/* what each source did */
	size_t sock_namespaces, sock_scanned;
	bool ct_ok;
	char *ct_error;
	size_t ct_entries;
	bool cap_ran;
	bool cap_ok;
	char *cap_error;
	char *cap_filter;
	struct locate_iface *ifaces;
	size_t n_ifaces;
	uint64_t cap_packets, cap_dropped, cap_unattributed;
	struct locate_pcap *pcaps;
	size_t n_pcaps;

	/* the journal source (--since) */
	bool j_ran, j_ok;
	char *j_error;
	size_t j_files, j_files_read, j_lines, j_flows;
	uint64_t j_first_ns; /* the journal's oldest line */
	uint64_t j_bad;      /* lines without a readable time, cut short or too long */

	/* names: the journal's DNS lookups of the indicator names */
	bool dns_ran, dns_ok;
	char *dns_error;
	uint64_t dns_lines; /* DNS lines in the range, matching or not */
	uint64_t dns_bad;   /* DNS lines that could not be used */
	struct jlookups lk;
	struct jflows jf;
	struct jexecs jx;
	struct attrib *at; /* the join: owns the containers and processes only the journal names */
};

/* Does the flow match the query (exact addresses, ports, protocol, the addresses and CIDRs of
 * the indicators; not their names)? A socket's flow has only its original tuple (local ->
 * remote). */
bool locate_flow_matches(const struct locate_query *q, const struct flow *f);

/* Start reading conntrack (which needs no container) in the background, while the caller
 * loads the host; q must stay valid until locate_run. */
struct locate_pre;
struct locate_pre *locate_prepare(const struct locate_query *q);
void locate_pre_free(struct locate_pre *p);
/* The pass over /proc of the socket prefetch locate_prepare started (pre: a struct locate_pre),
 * once it is done: it serves the host's loader (host_load_opts.scan_wait). NULL: none. */
const struct cg_scan *locate_pre_scan(void *pre);

/* Run every source (pre: from locate_prepare, or NULL). Source failures become warnings and the
 * others still answer; fails only when nothing could be asked at all, or when the query is names
 * alone and the journal cannot say what they resolved to (CIRT_EXIT_NOTFOUND). */
int locate_run(struct host *h, const struct locate_query *q, struct locate_pre *pre,
               struct locate_result **ret, struct cirt_err *err);
void locate_result_free(struct locate_result *r);
