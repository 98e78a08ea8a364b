/* html.h: the self-contained HTML incident report (no external scripts, fonts or styles). */
#pragma once

#include <jansson.h>
#include <stdio.h>

#include "util.h"

/* Render a report document to f. The document (the JSON of `cirt triage --json`) has:
 *   "title", "cirt_version", "command", "hostname", "generated" (strings),
 *   "summary": [{container, id, score, reasons: [..], next: [..]}],
 *   "topology_svg": "<svg ...>" (optional, produced by cirt itself),
 *   "tables": [{id, title, columns: [{key, title}], rows: [{...}]}],
 *   "notes": [".."],
 *   "summary_title": the summary's heading (optional), a summary entry's "host" (optional),
 *   "sections": [{id, title, meta, cards, summary, topology_svg, tables, notes}] (optional: parts
 *   of the page of their own after the tables, one per host of a fleet; ids unique in the page)
 * Every string is HTML-escaped; the SVG is embedded after its <script> and on* attributes are
 * refused, so a hostile name cannot run code in the reader's browser. */
int html_report(FILE *f, json_t *doc, struct cirt_err *err);

/* Render it to path: a temporary file beside it (mode 0600), synced, then renamed; errors
 * say "WHAT 'PATH': reason". */
int html_report_file(const char *path, json_t *doc, const char *what, struct cirt_err *err);

/* HTML-escape s into b. */
void html_escape(struct buf *b, const char *s);
