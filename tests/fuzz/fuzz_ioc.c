/* fuzz_ioc.c: the indicator list of --ioc (watch, triage, report): a file the operator got from
 * somewhere else (a threat feed, a colleague, a ticket), one address or CIDR a line, '#' comments.
 * Every entry parsed must then match the address it was written with. */
#include <errno.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>

#include "journal/ioc.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1); /* ioc_parse wants the NUL that read_file_max adds */
	memcpy(text, data, size);
	text[size] = '\0';
	struct ioc_list *l = NULL;
	struct cirt_err err = {0};
	if (ioc_parse("fuzz.txt", text, size, &l, &err) == 0) {
		for (size_t i = 0; i < l->n; i++) {
			const struct ioc_entry *e = &l->v[i];
			CHECK(!(!e->text[0] || e->prefix < 0 ||
			        e->prefix > (e->net.family == AF_INET ? 32 : 128)));
			/* the prefix is the one written, never a truncated or wrapped number */
			const char *sl = strchr(e->text, '/');
			if (sl) {
				errno = 0;
				unsigned long long p = strtoull(sl + 1, NULL, 10);
				CHECK(!(errno || p != (unsigned long long)e->prefix));
			}
			/* the network's own address is in it: the best match is this entry or a
			 * more specific one */
			const struct ioc_entry *m = ioc_match(l, &e->net);
			CHECK(!(!m || m->prefix < e->prefix));
		}
		struct flow_addr a = {0};
		if (flow_addr_parse("10.66.0.2", &a))
			ioc_match(l, &a);
		ioc_free(l);
	} else if (!err.msg[0]) {
		__builtin_trap(); /* a refusal says why */
	}
	free(text);
	return 0;
}
