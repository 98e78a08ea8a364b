/* capplan.h: where a container's packets can be seen on this host (before and after NAT),
 * which source address an outside sensor sees, and the exact tcpdump commands to capture them. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/netmap.h"

struct capture_point {
	char *interface;
	char *stage;   /* "veth", "bridge", "egress", "host", "namespace" */
	char *filter;  /* BPF; "" when every packet there is the container's */
	char **argv;   /* tcpdump argv (NULL-terminated) */
	char *command; /* the same, shell-quoted */
	char *sees;    /* one sentence: what this capture shows and what it misses */
};

struct capture_plan {
	const struct container *c;
	const struct container *owner; /* whose namespace it is (itself, or X for container:X) */
	char *mode_line;
	struct capture_point *points;
	size_t n_points;
	ssize_t primary;      /* the command to run first; -1 when there is none */
	char *dst;            /* the destination the route was looked up for, NULL: default route */
	char *egress;         /* interface its traffic leaves the host by */
	char *outside_source; /* the source address an outside sensor sees */
	bool nat;             /* MASQUERADE rewrites the source on the way out */
	char *outside_note;   /* how that was decided */
	char *situation;      /* the seed's first/second situation, one sentence, or NULL */
	char **notes;
	size_t n_notes;
};

/* Plan the capture of c (from m->h). dst, when set, is the remote address the responder cares
 * about: the route to it (as forwarded from the container) decides the egress and NAT source;
 * it is also added to the filters. pcap names are "<container>-<interface>.pcap". */
int capture_plan_build(const struct netmap *m, const struct container *c, const char *dst,
                       struct capture_plan **ret, struct cirt_err *err);
void capture_plan_free(struct capture_plan *p);
json_t *capture_plan_to_json(const struct capture_plan *p);
