/* fuzz_report.c: `cirt report BUNDLE` (triage_bundle) on an evidence bundle from elsewhere: a
 * .tar.gz whoever had it may have changed. The input is the archive's bytes (tar or tar.gz, as
 * libarchive reads them); its manifest, inspect answer, process table, sockets, conntrack entries
 * and change list are all untrusted JSON. The document must come back, or an error with a
 * message. */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "analyses/triage.h"
#include "fuzz.h"

static char path[512];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		snprintf(path, sizeof(path), "%s/cirt-fuzz-report-%ld.tar.gz", fuzz_scratch(),
		         (long)getpid());
		atexit(cleanup);
	}
	fuzz_put(path, NULL, data, size);
	struct triage_opts o = {.command = "cirt report fuzz"};
	json_t *doc = NULL;
	struct cirt_err err = {0};
	if (triage_bundle(path, &o, &doc, &err) == 0) {
		CHECK(json_is_object(doc));
		char *s = json_dumps(doc, JSON_COMPACT);
		CHECK(s);
		free(s);
		json_decref(doc);
	} else {
		CHECK(err.msg[0]);
		CHECK(!doc);
	}
	return 0;
}
