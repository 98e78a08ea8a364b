/* journal.h: the flow journal on disk: NDJSON lines in size-bounded, rotated files (a writer that
 * never splits or loses a line on rotation or shutdown), and a reader that walks the files in
 * time order with bounded memory. Every line is a JSON object whose first key is "t", a UTC
 * timestamp "YYYY-MM-DDTHH:MM:SS.ffffffZ", so a reader can filter by time without parsing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util.h"

#define JOURNAL_DEFAULT_DIR "/var/lib/cirt/journal"
#define JOURNAL_DEFAULT_MAX_SIZE (1024ull << 20) /* the whole journal: 1 GiB */
#define JOURNAL_MIN_MAX_SIZE (64ull << 10)
#define JOURNAL_FILES 8             /* one file holds at most max_size / 8 */
#define JOURNAL_MAX_LINE (1u << 20) /* longer lines are refused (writer) or skipped (reader) */
#define JOURNAL_TIME_LEN 27         /* "2026-01-02T03:04:05.123456Z" */

/* ---------------------------------------------------------------- time */

/* CLOCK_REALTIME in ns since the epoch. */
uint64_t journal_now_ns(void);
/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" into out (>= 32 bytes). */
const char *journal_time_str(uint64_t ns, char *out, size_t n);
/* Parse an absolute time: RFC 3339 ("2026-01-02T03:04:05Z", fractions, "+01:00" offsets) or
 * "YYYY-MM-DD HH:MM[:SS]" (UTC), or "YYYY-MM-DD" (midnight UTC). false when it is none of these. */
bool journal_time_parse(const char *s, uint64_t *ret_ns);
/* A --since/--until value: a duration ago ("10m", "2h", "90s", "1d") or an absolute time. */
bool journal_when_parse(const char *s, uint64_t now_ns, uint64_t *ret_ns);

/* ---------------------------------------------------------------- writer */

struct journal_writer;

struct journal_stats {
	uint64_t lines, bytes;  /* written by this writer */
	unsigned files_opened;  /* including the first */
	unsigned files_removed; /* oldest files deleted to stay under max_size */
	uint64_t bytes_removed;
	unsigned syncs;
};

/* Create DIR (mode 0700) if needed, lock it (one writer per directory: a second one is an
 * error naming the holder's pid) and start a new file. max_size bounds the whole directory. */
int journal_open(const char *dir, uint64_t max_size, struct journal_writer **ret,
                 struct cirt_err *err);
/* Queue one line (without its newline). The line must start with {"t":"<time>". Lines go to
 * the file in order; a file never ends inside a line. */
int journal_append(struct journal_writer *w, const char *line, size_t len, struct cirt_err *err);
/* Build a line from an object (the "t" key first) and append it. Steals obj. */
int journal_append_json(struct journal_writer *w, json_t *obj, struct cirt_err *err);
/* write() what is queued. */
int journal_flush(struct journal_writer *w, struct cirt_err *err);
/* Flush and fdatasync. */
int journal_sync(struct journal_writer *w, struct cirt_err *err);
bool journal_dirty(const struct journal_writer *w);
/* Flush, fsync, close and unlock. Safe with NULL. Returns -1 when the last write failed. */
int journal_close(struct journal_writer *w, struct cirt_err *err);
const struct journal_stats *journal_writer_stats(const struct journal_writer *w);
const char *journal_current_file(const struct journal_writer *w);

/* A JSON object with its first key "t" set to the given time, ready for more keys. */
json_t *journal_line_new(uint64_t t_ns, const char *type);

/* ---------------------------------------------------------------- reader */

struct journal_reader;

struct journal_read_stats {
	size_t files;      /* journal files in the directory */
	size_t files_read; /* those whose time range met the query */
	uint64_t lines;    /* lines read from those files */
	uint64_t in_range; /* lines whose time is in [since, until] */
	uint64_t bad;      /* lines without a readable time, too long, or cut short */
	uint64_t first_ns; /* time of the oldest line in the journal (0: empty) */
};

/* Open DIR for reading the lines with since_ns <= t <= until_ns (0: unbounded). Files are read
 * oldest first; files that cannot hold such lines are skipped unread. A missing directory is an
 * error (CIRT_EXIT_NOTFOUND) that says how to create a journal. */
int journal_reader_open(const char *dir, uint64_t since_ns, uint64_t until_ns,
                        struct journal_reader **ret, struct cirt_err *err);
/* Next line in range: 1 with *line (NUL-terminated, valid until the next call), *len and *t_ns;
 * 0 at the end; -1 on a read error. Lines may be slightly out of time order (a writer holds a
 * flow for a moment while it learns whose address it was): sort what you keep. */
int journal_reader_next(struct journal_reader *r, const char **line, size_t *len, uint64_t *t_ns,
                        struct cirt_err *err);
const struct journal_read_stats *journal_reader_stats(const struct journal_reader *r);
void journal_reader_close(struct journal_reader *r);
static inline void journal_reader_closep(struct journal_reader **r)
{
	journal_reader_close(*r);
}
#define _cleanup_journal_reader_ _cleanup_(journal_reader_closep)
