/* netgraph.h: the network map as Graphviz DOT text (output/svg.h renders it). */
#pragma once

#include "model/netmap.h"
#include "util.h"

/* DOT text of the map: host NICs, bridges (one cluster each, with their containers and the veths
 * on the edges), host-mode, none and container:X containers, MASQUERADE and published-port edges
 * to the outside. Every name is escaped. Caller frees. */
char *netgraph_dot(const struct netmap *m);
