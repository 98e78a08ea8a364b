/* merge.h (output): `cirt merge`'s answer on a terminal (the command's rows with a HOST column,
 * then every host's state) and, for triage, one HTML report: the fleet on top, a part per host. */
#pragma once

#include <jansson.h>
#include <stdio.h>

#include "analyses/merge.h"

/* The table of the merged document (analyses/merge.h's merge_doc), then the hosts. */
void merge_print_table(FILE *f, json_t *doc);

/* The HTML report's document (output/html.h) of a merged triage: the fleet's counts, its ranked
 * summary, its hosts and IOC contacts, then each host's own report as a part. New reference. */
json_t *merge_html_doc(json_t *doc, const struct merge_set *s, const char *command);

/* Write it to path (a temporary file beside it, then rename; mode 0600). */
int merge_write_html(const char *path, json_t *doc, const struct merge_set *s, const char *command,
                     struct cirt_err *err);
