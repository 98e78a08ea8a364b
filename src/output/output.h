/* output.h: one emitter for both the terminal table and JSON; every string is escaped. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct out_col {
	const char *header;
	const char *key; /* key in each row object; arrays are joined with "," */
};

/* Print rows (a JSON array of objects) as an aligned table. Strings from containers or the
 * daemon are escaped (control characters, invalid UTF-8). */
void out_table(FILE *f, json_t *rows, const struct out_col *cols, size_t ncols);
/* Print a JSON document, indented, followed by a newline. */
void out_json(FILE *f, json_t *doc);
/* Render one JSON value as escaped display text (caller frees). */
char *out_cell(json_t *v);
/* Write untrusted text to a stream: escaped when the stream is a terminal (or always when
 * force is set), raw otherwise (keeping pipes byte-exact for evidence). */
void out_text(FILE *f, const char *s, size_t n, bool force_escape);
/* Whether colour may be used on f (a tty, NO_COLOR unset, not disabled). */
bool out_color(FILE *f);
void out_set_color(bool enabled);
