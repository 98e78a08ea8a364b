/* sockdiag.h: the TCP and UDP sockets of one network namespace (NETLINK_SOCK_DIAG, inet_diag),
 * read through a netlink socket opened inside that namespace: nothing runs in the container. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "util.h"

struct sockdiag_entry {
	struct flow f;    /* proto, orig = local -> remote, state ("LISTEN", "UNCONN", ...) */
	uint32_t inode;   /* 0 for sockets no file holds any more (TIME_WAIT, SYN_RECV) */
	uint32_t uid;     /* owner as the host sees it */
	uint32_t rqueue;  /* LISTEN: accept backlog; otherwise bytes not yet read */
	uint32_t wqueue;  /* LISTEN: backlog limit; otherwise bytes not yet acknowledged */
	uint32_t ifindex; /* bound device (SO_BINDTODEVICE), 0 when none */
};

struct sockdiag_list {
	struct sockdiag_entry *v;
	size_t n;
};

enum sockdiag_protos {
	SOCKDIAG_TCP = 1 << 0,
	SOCKDIAG_UDP = 1 << 1,
	SOCKDIAG_ALL = SOCKDIAG_TCP | SOCKDIAG_UDP,
};

/* Dump every socket of the given protocols (IPv4 and IPv6, every state) of the namespace nsfd
 * refers to (-1: the caller's). Appends to *ret (which may already hold entries). A failure
 * leaves *ret as it was. */
int sockdiag_dump(int nsfd, unsigned protos, struct sockdiag_list *ret, struct cirt_err *err);
void sockdiag_list_free(struct sockdiag_list *l);

/* "ESTABLISHED", "LISTEN", ... for a TCP state; UDP uses "UNCONN" and "ESTABLISHED". */
const char *sockdiag_tcp_state_name(int state);
