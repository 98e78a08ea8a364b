/* supertimeline.h (output): the dead-box super-timeline as a table, a JSON document and the
 * bodyfile format (TSK 3: MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime) that mactime
 * and log2timeline/plaso read. */
#pragma once

#include <jansson.h>
#include <stdio.h>

#include "analyses/supertimeline.h"

/* offline: the document's "offline" object (stolen; NULL for none). Events from index from. */
json_t *supertl_doc_json(const struct supertl *t, size_t from, json_t *offline);
void supertl_print_table(FILE *out, const struct supertl *t, size_t from);
/* One line per file of a writable layer (its four times), one per other event (its time in all
 * four: mactime shows it once, as "macb"). Names are escaped and hold no '|'. */
void supertl_print_bodyfile(FILE *out, const struct supertl *t, size_t from);
