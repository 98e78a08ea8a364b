/* resolve.c: a CONTAINER argument (name, full id or unique id prefix) to one container. */
#include <ctype.h>

#include "escape.h"
#include "model/host.h"

int host_find(struct host *h, const char *ref, struct container **ret, struct cirt_err *err)
{
	if (!ref || !*ref)
		return err_set(err, CIRT_EXIT_USAGE, "empty container name");
	const char *name = ref[0] == '/' ? ref + 1 : ref;
	for (size_t i = 0; i < h->n; i++)
		if (streq(h->c[i].id, ref)) {
			*ret = &h->c[i];
			return 0;
		}
	for (size_t i = 0; i < h->n; i++)
		if (streq(h->c[i].name, name)) {
			*ret = &h->c[i];
			return 0;
		}
	bool hex = true;
	for (const char *p = ref; *p; p++)
		if (!isxdigit((unsigned char)*p))
			hex = false;
	struct container *found = NULL;
	size_t matches = 0;
	if (hex)
		for (size_t i = 0; i < h->n; i++)
			if (startswith(h->c[i].id, ref)) {
				found = &h->c[i];
				matches++;
			}
	_cleanup_free_ char *shown = term_escape(ref);
	if (matches > 1)
		return err_set(err, CIRT_EXIT_NOTFOUND,
		               "'%s' is ambiguous: %zu containers have ids starting with it", shown,
		               matches);
	if (!found)
		return err_set(err, CIRT_EXIT_NOTFOUND, "no such container: '%s'", shown);
	*ret = found;
	return 0;
}
