/* fuzz_journal.c: the flow journal read back (locate --since, triage, timeline): NDJSON files that
 * anyone who can write the journal directory can edit, or that a crash cut short. The input is
 * written as one journal file (or two, split at the first NUL) in a private directory and read
 * with the real reader; the first byte picks the query (time range, needles, match, limit). */
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>

#include "journal/jflows.h"
#include "journal/journal.h"
#include "fuzz.h"

static bool dport80(const struct flow *f, void *ud)
{
	(void)ud;
	return f->orig.dport == 80;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned sel = data[0], files = 0;
	const char *dir = fuzz_journal_dir(data + 1, size - 1, sel & 1, &files);

	/* 2026-01-01T00:00:30Z and 2026-01-01T00:02:00Z */
	uint64_t since = (sel & 2) ? 1767225630ull * 1000000000ull : 0;
	uint64_t until = (sel & 4) ? 1767225720ull * 1000000000ull : 0;
	struct cirt_err err = {0};

	/* the lines themselves: whole, in range, starting with their time */
	struct journal_reader *r = NULL;
	if (journal_reader_open(dir, since, until, &r, &err) < 0)
		abort();
	const char *line;
	size_t len;
	uint64_t t;
	while (journal_reader_next(r, &line, &len, &t, &err) > 0) {
		/* a NUL inside a line is kept (JSON parsing refuses it later) */
		CHECK(strlen(line) <= len);
		CHECK(!memchr(line, '\n', len));
		CHECK(strncmp(line, "{\"t\":\"", 6) == 0);
		CHECK(!since || t >= since);
		CHECK(!until || t <= until);
	}
	const struct journal_read_stats *st = journal_reader_stats(r);
	CHECK(!(st->in_range > st->lines || st->files != files));
	journal_reader_close(r);

	/* the flows, as locate and triage read them */
	static const char *const needles[] = {"10.66.0.2", "\"dport\":80"};
	size_t max = (sel & 8) ? 3 : 100000;
	struct jflows jf = {0};
	if (jflows_read(dir, since, until, (sel & 16) ? needles : NULL, (sel & 16) ? 2 : 0,
	                (sel & 32) ? dport80 : NULL, NULL, max, &jf, &err) < 0)
		abort();
	CHECK(!(jf.n > max || (jf.n && !jf.v)));
	for (size_t i = 0; i < jf.n; i++) {
		const struct jflow *f = &jf.v[i];
		CHECK(!(!flow_addr_is_set(&f->f.orig.src) || !flow_addr_is_set(&f->f.orig.dst) ||
		        ((sel & 32) && f->f.orig.dport != 80)));
		CHECK(!((f->src.name || f->src.image) && !f->src.id));
		char b[128];
		flow_addr_str(&f->f.orig.src, b, sizeof(b));
	}
	jflows_clear(&jf);
	return 0;
}
