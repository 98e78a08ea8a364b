/* ioc.h: a list of indicator addresses and CIDRs (one per line, '#' comments) and matching
 * flows against it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "flow.h"
#include "util.h"

struct ioc_entry {
	struct flow_addr net;
	int prefix;
	char *text;    /* as written, e.g. "10.66.0.0/24" */
	char *comment; /* the line's comment, or NULL */
	unsigned line;
};

struct ioc_list {
	struct ioc_entry *v;
	size_t n;
	char *path;
};

/* Read FILE: a bad line is a usage error naming the file, the line and the text. Empty lines
 * and lines with only a comment are skipped. At most 1,000,000 entries. */
int ioc_load(const char *path, struct ioc_list **ret, struct cirt_err *err);
/* The same from the file's contents: data[len] must be a NUL (read_file_max gives that); data is
 * modified. path only names the file in errors. */
int ioc_parse(const char *path, char *data, size_t len, struct ioc_list **ret,
              struct cirt_err *err);
void ioc_free(struct ioc_list *l);
/* The most specific entry containing a, or NULL. */
const struct ioc_entry *ioc_match(const struct ioc_list *l, const struct flow_addr *a);
