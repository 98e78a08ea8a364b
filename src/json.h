/* json.h: small typed accessors over jansson values that never crash on a wrong type. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

/* Each takes any json_t (NULL included) and looks key up only when o is an object. */
const char *jstr(json_t *o, const char *key); /* NULL when missing or not a string */
/* The integer at key; dflt when missing, not a number, or a real outside long long. */
long long jint(json_t *o, const char *key, long long dflt);
bool jbool(json_t *o, const char *key);       /* true only for JSON true */
json_t *jobj(json_t *o, const char *key);     /* NULL unless an object */
json_t *jarr(json_t *o, const char *key);     /* NULL unless an array */
json_t *jpath(json_t *o, const char *dotted); /* "NetworkSettings.Networks"; NULL when missing */
