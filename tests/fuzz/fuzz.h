/* fuzz.h: what the libFuzzer targets share. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken invariant: say which, then crash so that libFuzzer keeps the input */
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			__builtin_trap();                                                          \
		}                                                                                  \
	} while (0)

/* Where targets that need files make them: $TMPDIR first (run.sh points it at a directory it
 * removes afterwards: libFuzzer ends without exit handlers), then /dev/shm, then /tmp. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static inline const char *fuzz_scratch(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

/* Write exactly these bytes to DIR/NAME (NAME NULL: DIR is the file's path). */
static inline void fuzz_put(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[1024];
	snprintf(path, sizeof(path), name ? "%s/%s" : "%s", dir, name ? name : "");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k <= 0)
			abort();
		p += k;
		n -= (size_t)k;
	}
	close(fd);
}

/* A private journal directory holding the input as one journal file, or as two split at the
 * first NUL when split is set (as cirt watch rotates them). Made once, removed at exit; the
 * second file of an earlier input is removed. Returns the directory; *ret_files says how many. */
static char fuzz_jdir_path[512];
static const char *const fuzz_jdir_names[2] = {"journal-20260101T000000.000000Z-0000.ndjson",
                                               "journal-20260101T000100.000000Z-0001.ndjson"};

static inline void fuzz_jdir_cleanup(void)
{
	char path[1024];
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_jdir_path, fuzz_jdir_names[i]);
		unlink(path);
	}
	rmdir(fuzz_jdir_path);
}

static inline const char *fuzz_journal_dir(const uint8_t *data, size_t size, int split,
                                           unsigned *ret_files)
{
	if (!fuzz_jdir_path[0]) {
		snprintf(fuzz_jdir_path, sizeof(fuzz_jdir_path), "%s/cirt-fuzz-journal-XXXXXX",
		         fuzz_scratch());
		if (!mkdtemp(fuzz_jdir_path))
			abort();
		atexit(fuzz_jdir_cleanup);
	}
	const uint8_t *nul = split ? memchr(data, '\0', size) : NULL;
	size_t n0 = nul ? (size_t)(nul - data) : size;
	fuzz_put(fuzz_jdir_path, fuzz_jdir_names[0], data, n0);
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", fuzz_jdir_path, fuzz_jdir_names[1]);
	if (nul)
		fuzz_put(fuzz_jdir_path, fuzz_jdir_names[1], nul + 1, size - n0 - 1);
	else
		unlink(path);
	*ret_files = nul ? 2 : 1;
	return fuzz_jdir_path;
}
