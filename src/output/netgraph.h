/* netgraph.h: the network map as Graphviz DOT text (output/svg.h renders it). */
#pragma once

#include "model/netmap.h"
#include "util.h"

/* DOT text of the map: host NICs, bridges (one cluster each, with their containers and the veths
 * on the edges), host-mode, none and container:X containers, MASQUERADE and published-port edges
 * to the outside. Every name is escaped. only (a shell glob, or NULL for all) limits the containers
 * drawn; a veth whose containers are all left out is left out too. Caller frees. */
char *netgraph_dot(const struct netmap *m, const char *only);
