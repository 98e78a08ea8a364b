/* report.h: the triage document (analyses/triage.h) as a terminal page and as the HTML report's
 * document (tables for output/html.h); shared by `cirt triage` and `cirt report`. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util.h"

struct netmap;

/* The summary first, then connections, network oddities, findings, changed files, the inventory
 * and notes. Long tables are cut at max_rows (0: every row) with a line saying how many more. */
void report_print(FILE *f, json_t *triage, size_t max_rows);

/* Draw the network map (analyses/triage.h's triage_map) into the document as SVG, its
 * "topology_svg" for the HTML report; when it cannot be drawn, a note says why. */
void report_add_topology(json_t *triage, const struct netmap *m);

/* The document html_report renders: the triage document with its tables. New reference. */
json_t *report_html_doc(json_t *triage);

/* Write the HTML report to path (a temporary file beside it, then rename; mode 0600). */
int report_write_html(const char *path, json_t *triage, struct cirt_err *err);
