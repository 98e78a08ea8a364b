/* locate.h (output): `cirt locate`'s answer as a JSON document, and as a table (flows of one
 * container and process to the same peer grouped unless all) with a summary. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "analyses/locate.h"

/* pcap_dir: where --pcap-dir wrote the capture files (names them in full), or NULL. */
json_t *locate_doc_json(const struct locate_result *r, const struct locate_query *q,
                        const char *pcap_dir);
void locate_print_table(FILE *out, const struct locate_result *r, const struct locate_query *q,
                        const char *pcap_dir, bool all);
/* One end's attribution as JSON: {"by", "netns_owner": {name, id} or null}. */
json_t *attrib_netns_owner_json(const struct container *owner);
/* A DNS lookup of the journal: {time, container, by, process, netns, client, server, forwarded,
 * qname, qtype, rcode, chain, addresses, ttl, indicator}. */
json_t *alookup_json(const struct alookup *l);
