/* jflows.h: flows read back from the journal: the lines of one conntrack entry (new, existing,
 * end) joined into one flow with its first and last time and the containers it was attributed
 * to when it was recorded (which may have been removed since). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "journal/journal.h"
#include "util.h"

struct jcontainer {
	char *id, *name, *image; /* id NULL: no container */
};

struct jflow {
	struct flow
	    f; /* first_ns: when it began (new line); last_ns: when it ended or was last seen */
	struct jcontainer src; /* holder of the original source address */
	struct jcontainer
	    dst; /* holder of the original destination (or, after DNAT, the reply source) */
	bool began,
	    ended;    /* a "new" / an "end" line was read (else it was open when watch started) */
	bool alerted; /* the flow matched an --ioc entry of the watcher */
};

/* Which flows to keep. */
typedef bool (*jflow_match_fn)(const struct flow *f, void *ud);

struct jflows {
	struct jflow *v;
	size_t n;
	bool truncated; /* more than max matched */
	struct journal_read_stats st;
};

/* Read DIR's lines of type "flow" in [since, until], keep those match() accepts (a line that
 * does not contain one of the needles, when given, is skipped before it is parsed), and join the
 * lines of one conntrack entry. At most max flows. */
int jflows_read(const char *dir, uint64_t since_ns, uint64_t until_ns, const char *const *needles,
                size_t n_needles, jflow_match_fn match, void *ud, size_t max, struct jflows *ret,
                struct cirt_err *err);
void jflows_clear(struct jflows *j);

/* A flow object as written by flow_to_json, back into a struct flow. false when unusable. */
bool jflow_parse_flow(json_t *o, struct flow *ret);
void jcontainer_clear(struct jcontainer *c);
