/* util.h: ownership helpers, the error type and small string/buffer helpers shared by every layer.
 */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exit codes: the one table. The enum, `cirt --help`, docs/reference.md and the README's
 * table (checked by a test) all come from it. */
#define CIRT_EXIT_TABLE(X)                                                                         \
	X(OK, 0, "ok, nothing found")                                                              \
	X(FOUND, 1,                                                                                \
	  "found: scan or locate matched, triage ranked a container high, verify saw tampering, "  \
	  "ps --verify or contain --status a disagreement")                                        \
	X(USAGE, 2, "usage error")                                                                 \
	X(UNREACHABLE, 3, "Docker daemon unreachable (no socket, connection refused)")             \
	X(PERM, 4, "permission denied")                                                            \
	X(TIMEOUT, 5, "the daemon did not answer in time (hung)")                                  \
	X(DAEMON, 6, "the daemon answered with an HTTP error (its message is shown)")              \
	X(BADANSWER, 7, "the daemon's answer was truncated, not JSON, or too large")               \
	X(NOTFOUND, 8, "no such container, or an ambiguous id prefix")                             \
	X(RUNTIME, 9, "any other runtime error")

enum cirt_exit {
#define CIRT_EXIT_ENUM_(NAME, CODE, TEXT) CIRT_EXIT_##NAME = CODE,
	CIRT_EXIT_TABLE(CIRT_EXIT_ENUM_)
#undef CIRT_EXIT_ENUM_
};

/* The exit codes with their meaning: an indented list, or a Markdown table. */
void cirt_exit_print(FILE *f, bool markdown);

/* An error travels up as a negative errno-style return plus this struct. */
struct cirt_err {
	int code; /* enum cirt_exit */
	char msg[1024];
};

/* Set the error (overwrites). Always returns -1 so callers can `return err_set(...)`. */
int err_set(struct cirt_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix context to an existing message: "inspect 'web1': <old>". Returns -1. */
int err_prefix(struct cirt_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Cleanup helpers (systemd/bubblewrap style). */
static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_(x) __attribute__((cleanup(x)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Take ownership out of a cleanup variable: the variable becomes NULL. */
#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) _tmp = *(pp);                                                    \
		*(pp) = NULL;                                                                      \
		_tmp;                                                                              \
	})
#define steal_fd(fdp)                                                                              \
	({                                                                                         \
		int _fd = *(fdp);                                                                  \
		*(fdp) = -1;                                                                       \
		_fd;                                                                               \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define streq(a, b) (strcmp((a), (b)) == 0)

/* Allocation that never returns NULL: out of memory is fatal for a CLI tool. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* strdup that maps NULL to NULL. */
char *xstrdup0(const char *s);

static inline bool startswith(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* An owned string vector, NULL-terminated once it holds anything (v[n] == NULL). */
struct strv {
	char **v;
	size_t n;
};
void strv_add(struct strv *s, const char *x); /* appends a copy */
bool strv_has(const struct strv *s, const char *x);
void strv_clear(struct strv *s); /* frees the strings and empties s */

/* Append a formatted string to a string vector (notes, warnings). */
void strv_vpushf(char ***v, size_t *n, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* The same, unless an equal string is already there. */
void strv_vpushf_unique(char ***v, size_t *n, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* One word for a POSIX shell: as it is when it holds only [A-Za-z0-9@%+=:,./_-], else in single
 * quotes (a ' inside becomes '\''); "" becomes ''. Caller frees. */
char *shell_quote(const char *s);
/* A NULL-terminated argv as one command line a human can paste ("iptables -w 10 -S 'a b'"),
 * each word through shell_quote. Caller frees. */
char *shell_join(char *const argv[]);

/* A growable byte buffer. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_append(struct buf *b, const void *p, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);
/* NUL-terminate without counting it in len. */
const char *buf_cstr(struct buf *b);

/* Read from fd until EOF or max bytes into a NUL-terminated string. Returns -errno. */
int read_fd_max(int fd, size_t max, char **ret, size_t *ret_len);
/* Read a whole small file (at most max bytes) into a NUL-terminated string. Returns -errno. */
int read_file_max(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* Parse a human duration ("90s", "10m", "2h", "1d", plain seconds) into seconds. -1 on error. */
long parse_duration(const char *s);

/* A size in bytes, the one rule of every size option (--max-size, --max-file-size ...): digits,
 * optionally '.' and at most 6 more digits, then optionally a unit K, M, G or T (binary: K is
 * 1024; an 'i' may follow it), then optionally 'B'; letters in either case. "4096", "512k",
 * "1.5G", "2GiB", "100MB", "64Ki" are sizes. A fraction needs a unit and is rounded down to whole
 * bytes. No sign, blank, exponent or hex. The value must lie in [min, max]. Errors are usage
 * errors naming opt: "--max-size: '12Q' is not a size (...)", "... is below the minimum of 64K",
 * "... is above the maximum of 64G", "... is too large" (beyond 64 bits). */
int parse_size(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *ret,
               struct cirt_err *err);

/* Current time in milliseconds since an arbitrary epoch (CLOCK_MONOTONIC). */
uint64_t now_ms(void);

/* Format seconds-since-epoch as UTC ISO 8601 into buf (>= 32 bytes). */
const char *fmt_utc(long long secs, char *buf, size_t n);

/* Human-readable bytes ("1.5MiB"). */
const char *fmt_bytes(uint64_t b, char *buf, size_t n);

/* An RFC 3339 time as Docker writes it ("2026-01-02T03:04:05.123456789Z", "+01:00" offsets,
 * fractions of any length) into ns since the epoch. false when it is not one (or before 1970). */
bool time_parse_rfc3339(const char *s, size_t len, int64_t *ret_ns);
/* ns since the epoch as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" into buf (>= 40 bytes). */
const char *fmt_utc_ns(int64_t ns, char *buf, size_t n);
