/* jflows.h: flows read back from the journal: the lines of one conntrack entry (new, existing,
 * end) joined into one flow with its first and last time and the containers it was attributed
 * to when it was recorded (which may have been removed since), with the process and the rule
 * ("by") when the watcher knew them. Lines of an older watcher carry no "by": they were
 * attributed by address. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "journal/journal.h"
#include "journal/jread.h"
#include "util.h"

struct jflow {
	struct flow
	    f; /* first_ns: when it began (new line); last_ns: when it ended or was last seen */
	struct jcontainer src; /* holder of the original source address */
	struct jcontainer
	    dst; /* holder of the original destination (or, after DNAT, the reply source) */
	bool began,
	    ended;    /* a "new" / an "end" line was read (else it was open when watch started) */
	bool alerted; /* the flow matched an --ioc entry of the watcher */
	/* how the watcher attributed it: "by" ("process", "netns", "address"; "" on lines that
	 * have none: "address"), the process a kernel event named (pid 0: none) and, for a
	 * container that joined another's namespace, that namespace's owner. They describe the
	 * side of proc_side: 0 the source (src, the connecting side), 1 the destination. */
	char by[8];
	struct jproc proc;
	struct jcontainer netns_owner;
	int proc_side;
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
/* The attribution fields of one flow line (by, process, netns_owner) into j, when j has none
 * yet. */
void jflow_parse_attribution(json_t *line, struct jflow *j);
void jflow_clear(struct jflow *j);
