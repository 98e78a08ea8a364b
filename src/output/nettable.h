/* nettable.h: `cirt net` for a terminal: the map's tables and a capture plan in words. */
#pragma once

#include <jansson.h>
#include <stdio.h>

#include "analyses/capplan.h"
#include "model/netmap.h"

/* doc: netmap_to_json(m), as filtered by the caller (containers by --name). */
void net_print_table(FILE *out, const struct netmap *m, json_t *doc);
void capture_plan_print(FILE *out, const struct capture_plan *p);
