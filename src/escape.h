/* escape.h: make untrusted strings (from containers or the daemon) safe for terminals and JSON. */
#pragma once

#include <jansson.h>
#include <stddef.h>

/* Terminal-safe copy: control characters, DEL, C1 controls and invalid UTF-8 become
 * visible escapes (\n, \t, \e, \xNN); backslash is doubled. Never NULL; caller frees. */
char *term_escape(const char *s);
char *term_escape_n(const char *s, size_t n);

/* A JSON string that is always valid UTF-8: invalid bytes become the text \xNN.
 * NULL input gives json null. */
json_t *json_str(const char *s);
json_t *json_strn(const char *s, size_t n);

/* True when s is valid UTF-8 of length n. */
int utf8_valid(const char *s, size_t n);
