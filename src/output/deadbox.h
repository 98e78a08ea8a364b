/* deadbox.h (output): `cirt --root DIR locate ADDR`'s answer as a JSON document and as tables
 * (who held the address and when, then who mentioned or talked to it). */
#pragma once

#include <jansson.h>
#include <stdio.h>

#include "analyses/deadbox.h"

/* offline: the document's "offline" object (stolen; NULL for none). */
json_t *deadbox_locate_doc_json(const struct deadbox_locate *r, json_t *offline);
void deadbox_locate_print(FILE *out, const struct deadbox_locate *r);
