/* fuzz_timeline.c: `cirt timeline` on a journal anyone who can write its directory may have
 * edited: the whole command (option parsing, the container filter's two passes, sorting, the
 * table's rows with their escaping, or --json) on journal files from the input (one, or two
 * split at the first NUL). The first byte picks the options. The command must end with 0, or -1
 * and a message; what it prints must be safe for a terminal (no control byte but newline; the
 * table also no DEL and no C1 control) and, with --json, one valid JSON document. */
#include <stdint.h>
#include <sys/mman.h>

#include "cmd/cmd.h"
#include "fuzz.h"

static int devnull = -1, out = -1, saved_out = -1, saved_err = -1;

static void capture(bool on)
{
	fflush(stdout);
	fflush(stderr);
	if (on) {
		if (ftruncate(out, 0) < 0 || lseek(out, 0, SEEK_SET) < 0)
			abort();
		dup2(out, 1);
		dup2(devnull, 2);
	} else {
		dup2(saved_out, 1);
		dup2(saved_err, 2);
	}
}

/* what was printed (NUL-terminated; the caller frees it) */
static char *printed(size_t *ret_n)
{
	off_t n = lseek(out, 0, SEEK_END);
	char *b = malloc((size_t)n + 1);
	if (!b || n < 0 || pread(out, b, (size_t)n, 0) != n)
		abort();
	b[n] = '\0';
	*ret_n = (size_t)n;
	return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (devnull < 0) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		out = memfd_create("timeline-out", MFD_CLOEXEC);
		saved_out = dup(1);
		saved_err = dup(2);
		if (devnull < 0 || out < 0 || saved_out < 0 || saved_err < 0)
			abort();
	}
	unsigned sel = data[0], files = 0;
	const char *dir = fuzz_journal_dir(data + 1, size - 1, sel & 1, &files);
	/* the options: the container filter by name and by id prefix, flows or not, a small limit,
	 * a time range */
	char *argv[16];
	int argc = 0;
	argv[argc++] = "timeline";
	argv[argc++] = "--journal";
	argv[argc++] = (char *)dir;
	if (sel & 2)
		argv[argc++] = "--json";
	if (sel & 4)
		argv[argc++] = "--no-flows";
	if (sel & 8) {
		argv[argc++] = "--limit";
		argv[argc++] = "3";
	}
	if (sel & 16) {
		argv[argc++] = "--since";
		argv[argc++] = "2026-01-01T00:00:30Z";
	}
	if (sel & 32) {
		argv[argc++] = "--until";
		argv[argc++] = "2026-01-01T00:02:00Z";
	}
	if (sel & 64)
		argv[argc++] = (sel & 128) ? "web" : "ab";
	argv[argc] = NULL;
	struct ctx x = {.timeout_ms = 1000, .argv = argv, .argc = argc};
	capture(true);
	int r = cmd_timeline.run(&x, argc, argv);
	capture(false);
	CHECK(r == 0 || (r == -1 && x.err.msg[0] && x.err.code));
	CHECK(!x.d); /* the journal alone: the daemon is never asked */
	size_t n;
	char *o = printed(&n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)o[i];
		CHECK(c >= 0x20 || c == '\n');
		if (sel & 2)
			continue; /* JSON escapes C0 controls; DEL and C1 are valid in its strings
			           */
		CHECK(c != 0x7f);
		/* U+0080..U+009F, which terminals may take as controls */
		CHECK(!(c == 0xc2 && i + 1 < n && (unsigned char)o[i + 1] >= 0x80 &&
		        (unsigned char)o[i + 1] <= 0x9f));
	}
	if ((sel & 2) && r == 0) {
		json_t *doc = json_loadb(o, n, 0, NULL);
		CHECK(json_is_object(doc) && json_is_array(json_object_get(doc, "entries")));
		json_decref(doc);
	}
	free(o);
	return 0;
}
