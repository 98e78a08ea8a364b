/* rules.h: YARA rules (libyara): the built-in rules (the rules directory) compiled into the binary,
 * plus a user directory, compiled once; one scanner per worker thread. */
#pragma once

#include <stddef.h>

#include "scan/check.h"
#include "util.h"

struct rules;
struct rules_scanner;

/* Compile the built-in rules (only the namespaces asked for: "webshell", "malware",
 * "secrets"; NULL-terminated) and every *.yar / *.yara file of user_dir (namespace "user").
 * A user rule that does not compile gives CIRT_EXIT_USAGE with its file and line. */
int rules_compile(const char *const *builtin_ns, const char *user_dir, struct rules **ret,
                  struct cirt_err *err);
void rules_free(struct rules *r);
size_t rules_count(const struct rules *r);

struct rules_scanner *rules_scanner_new(struct rules *r);
void rules_scanner_free(struct rules_scanner *s);
/* Scan a buffer (an ELF program with the rule set for programs, anything else with the other);
 * matches replace *hits (owned by the scanner, valid until the next scan).
 * Returns 0, or -1 on a timeout or scan error (what names it). */
int rules_scan(struct rules_scanner *s, const unsigned char *data, size_t len,
               struct scan_hit **hits, size_t *n, const char **what);

/* The built-in rule sources (generated from the rules directory at build time). */
struct rules_source {
	const char *ns; /* file name without .yar */
	const char *text;
};
extern const struct rules_source rules_builtin[];
extern const size_t rules_builtin_count;
