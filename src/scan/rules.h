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
 * Every compiler knows the external variables filename, filepath, extension, filetype and
 * owner. A user file that does not compile (a syntax error, an unknown module or variable, a
 * rule name another file already used) is left out and named in rules_errors(); when none
 * compiles, CIRT_EXIT_USAGE with the first one's file and line. */
int rules_compile(const char *const *builtin_ns, const char *user_dir, struct rules **ret,
                  struct cirt_err *err);
void rules_free(struct rules *r);
size_t rules_count(const struct rules *r);
/* The user files left out: "path:line: message" each. */
const char *const *rules_errors(const struct rules *r, size_t *ret_n);

/* The external variables' values for the next scans (NULL fields: ""): the file's name, its
 * path in the target, its extension in lower case with the dot (".php", "" when none), its
 * type by magic bytes (rules_filetype), its owner's user name. The scanner keeps the pointers:
 * they must live until the scan. */
struct rules_vars {
	const char *filename, *filepath, *extension, *filetype, *owner;
};
/* "ELF", "EXE", "ZIP", "GZIP", "BZIP2", "XZ", "7Z", "RAR", "PDF", "RTF", "PNG", "JPEG", "GIF",
 * "OLE", "JCLASS", "MACHO", "SCRIPT" (a #! line), or "" */
const char *rules_filetype(const unsigned char *d, size_t len);

struct rules_scanner *rules_scanner_new(struct rules *r);
void rules_scanner_set_vars(struct rules_scanner *s, const struct rules_vars *v);
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
