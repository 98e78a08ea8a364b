/* exec.h: run a firewall tool (iptables, nft, ...) by fork/exec with an argv array, never a shell.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct exec_result {
	int status;     /* exit status (0..255), or 128+signal when killed */
	struct buf out; /* stdout */
	struct buf err; /* stderr */
};

/* Run argv[0] (looked up in /usr/sbin:/usr/bin:/sbin:/bin only, not $PATH) with a clean
 * environment (PATH as above, LC_ALL=C), feeding stdin_data (may be NULL) on its standard
 * input, capturing stdout and stderr (each capped at 8 MiB), killing it after timeout_ms.
 * Returns 0 when the program ran (whatever its exit status: see ret->status), -1 with err set
 * when it could not be started, or timed out. ret is always filled and must be cleared. */
int exec_run(char *const argv[], const char *stdin_data, int timeout_ms, struct exec_result *ret,
             struct cirt_err *err);
void exec_result_clear(struct exec_result *r);

/* Full path of a tool, or NULL when it is not installed (caller frees). */
char *exec_find(const char *name);

/* Is the tool installed (exec_find without the path)? */
bool exec_have(const char *name);
