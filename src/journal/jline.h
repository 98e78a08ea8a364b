/* jline.h: the journal's flow lines, formatted fast: `cirt watch` writes one or two per flow at
 * up to tens of thousands a second, so the hot path prints into a buffer instead of building
 * jansson objects. The JSON is the same as flow_to_json() gives (keys without value dropped);
 * jline_flow_json() builds it with jansson, for checking the two agree. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "flow.h"
#include "util.h"

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" (27 bytes + NUL) into out, fast for times in the same second. */
void jline_time(uint64_t ns, char out[32]);

/* How a flow line's container was found, and the process that made it. */
struct jline_extra {
	const char *by;          /* "process", "netns", "address" (NULL: the key is left out) */
	const char *process;     /* compact JSON object, or NULL */
	const char *netns_owner; /* compact JSON object {"id","name"}, or NULL */
};

/* Append one flow line (with its newline omitted) to b:
 *   {"t":..,"type":"flow","event":EVENT[,"src_container":SRC][,"dst_container":DST][,"by":BY]
 *    [,"process":{..}][,"netns_owner":{..}],"flow":{..}[,"ioc":IOC]}
 * src_ref/dst_ref are compact JSON objects (or NULL), ioc a JSON string literal (or NULL); x may
 * be NULL. */
void jline_flow(struct buf *b, uint64_t t_ns, const char *event, const char *src_ref,
                const char *dst_ref, const struct jline_extra *x, const struct flow *f,
                const char *ioc);
/* The same line built with jansson from flow_to_json() (process and netns_owner parsed). */
json_t *jline_flow_json(uint64_t t_ns, const char *event, json_t *src_ref, json_t *dst_ref,
                        const struct jline_extra *x, const struct flow *f, const char *ioc);
/* flow_to_json without the keys that say nothing (null state, reply, counters, times; mark 0). */
json_t *jline_flow_obj(const struct flow *f);
