/* scantable.h: `cirt scan` on a terminal: the findings per target, and the progress line. */
#pragma once

#include <stdio.h>

#include "scan/job.h"

/* Every target of a run (the host only when the daemon itself is exposed). */
void scan_print_table(FILE *out, const struct scan_job *j);
/* A scan_opts.progress callback: one line on stderr, rewritten in place. */
void scan_print_progress(void *ud, const struct scan_progress *p);
