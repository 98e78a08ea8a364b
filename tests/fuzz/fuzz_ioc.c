/* fuzz_ioc.c: the indicator list of --ioc (watch, triage, report): a file the operator got from
 * somewhere else (a threat feed, a colleague, a ticket), one address, CIDR, domain name or
 * wildcard domain a line, '#' comments. Every entry parsed must then match what it was written
 * with: an address its network, a name itself (in upper case and with a trailing dot too), a
 * wildcard a name below it, never its own apex. */
#include <errno.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
		for (size_t i = 0; i < l->n_names; i++) {
			const struct ioc_entry *e = &l->names[i];
			CHECK(e->name && e->name_len >= 1 && e->name_len <= 253 &&
			      strlen(e->name) == e->name_len && !strchr(e->name, '\\'));
			CHECK(e->kind == IOC_NAME || e->kind == IOC_DOMAIN);
			char q[600];
			if (e->kind == IOC_NAME) {
				const struct ioc_entry *m = ioc_match_name(l, e->name, e->name_len);
				CHECK(m && m->kind == IOC_NAME && m->name_len == e->name_len &&
				      memcmp(m->name, e->name, e->name_len) == 0);
				/* any case, a trailing dot */
				size_t n = e->name_len;
				for (size_t k = 0; k < n; k++)
					q[k] = e->name[k] >= 'a' && e->name[k] <= 'z'
					           ? (char)(e->name[k] - 'a' + 'A')
					           : e->name[k];
				q[n] = '.';
				CHECK(ioc_match_name(l, q, n + 1) == m);
			} else {
				int n = snprintf(q, sizeof(q), "x.%s", e->name);
				const struct ioc_entry *m = ioc_match_name(l, q, (size_t)n);
				CHECK(m);
				/* the apex is not below itself: a match for it is some other entry
				 */
				m = ioc_match_name(l, e->name, e->name_len);
				CHECK(m != e);
			}
		}
		struct flow_addr a = {0};
		if (flow_addr_parse("10.66.0.2", &a))
			ioc_match(l, &a);
		ioc_match_name(l, "c2.cirt-lab.test", 16);
		ioc_free(l);
	} else if (!err.msg[0]) {
		__builtin_trap(); /* a refusal says why */
	}
	free(text);
	return 0;
}
