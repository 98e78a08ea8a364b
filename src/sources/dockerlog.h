/* dockerlog.h: a container's logs read from the files its log driver left on disk, without the
 * daemon: the json-file driver (<LogPath>, rotations <LogPath>.1 .. .N, gzip-compressed ones
 * <LogPath>.N.gz) and the local driver (<container dir>/local-logs/container.log, its rotations
 * and their .gz: records framed by a 4-byte big-endian size before and after a protobuf LogEntry
 * {1 source, 2 time_nano, 3 line, 4 partial}). Files are read through rootfs_host_* (inside the
 * image root with --root), oldest first; every record is bounded and a damaged one is skipped
 * with a note, the rest still read. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define DOCKERLOG_MAX_LINE (1u << 20)    /* a record past this is damage */
#define DOCKERLOG_MAX_FILES 100          /* rotations looked at */
#define DOCKERLOG_MAX_BYTES (4ull << 30) /* of all files of one container */

enum { DOCKERLOG_STDOUT = 1, DOCKERLOG_STDERR = 2 };

struct dockerlog_entry {
	int64_t time_ns;  /* the daemon's timestamp */
	int stream;       /* DOCKERLOG_STDOUT or DOCKERLOG_STDERR */
	const char *line; /* without its newline; not NUL-terminated inside */
	size_t len;
	bool partial;     /* a piece of a longer line (the daemon splits at 16 KiB) */
	const char *file; /* which file it came from */
};

/* Return 0 to go on, anything else to stop (returned by dockerlog_read). */
typedef int (*dockerlog_fn)(const struct dockerlog_entry *e, void *ud);

/* driver: HostConfig.LogConfig.Type ("json-file", "local"; NULL: json-file when log_path is set);
 * log_path: LogPath of the record (json-file); container_dir: <data root>/containers/<id> (local).
 * -1 with err (CIRT_EXIT_NOTFOUND) when the driver keeps no file or none exists. ret_files (may
 * be NULL) gets the number of files read. */
int dockerlog_read(const char *driver, const char *log_path, const char *container_dir,
                   dockerlog_fn fn, void *ud, json_t *notes, size_t *ret_files,
                   struct cirt_err *err);

/* Parse one json-file line / one local-driver record (exposed for tests and fuzzing). false when
 * it is not a usable record. */
bool dockerlog_parse_json(const char *s, size_t len, struct dockerlog_entry *e, json_t **keep);
bool dockerlog_parse_local(const uint8_t *p, size_t len, struct dockerlog_entry *e);

/* Every line (without its newline; longer than max_line: cut to it) of a host file, plain or
 * gzip-compressed (by a .gz name), read through rootfs_host_*; only a regular file. fn returns
 * non-zero to stop. -errno (-EINVAL: not a regular file) when it cannot be opened; else 0, with
 * the bytes read in *ret_bytes (may be NULL). */
typedef int (*dockerlog_line_fn)(const char *line, size_t len, void *ud);
int dockerlog_lines(const char *path, size_t max_line, dockerlog_line_fn fn, void *ud,
                    uint64_t *ret_bytes);
