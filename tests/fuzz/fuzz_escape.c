/* fuzz_escape.c: term_escape and json_str on arbitrary bytes: the terminal copy holds no control
 * byte, no C1 control and no invalid UTF-8; the JSON string is always valid. */
#include <stdint.h>

#include "escape.h"
#include "output/output.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *t = term_escape_n(s, size);
	size_t tl = strlen(t);
	if (!utf8_valid(t, tl))
		__builtin_trap();
	for (size_t i = 0; i < tl; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c < 0x20 || c == 0x7f)
			__builtin_trap();
		if (c == 0xc2 && i + 1 < tl && (unsigned char)t[i + 1] < 0xa0)
			__builtin_trap();
	}
	/* escaping is injective enough that valid text without backslashes or controls is kept */
	if (utf8_valid(s, size) && tl == size && memcmp(s, t, size) != 0)
		__builtin_trap();
	free(t);
	json_t *j = json_strn(s, size);
	if (!json_is_string(j))
		__builtin_trap();
	char *d = json_dumps(j, JSON_ENCODE_ANY);
	if (!d)
		__builtin_trap();
	free(d);
	/* a table cell of the same string goes through the same escape */
	char *cell = out_cell(j);
	if (!utf8_valid(cell, strlen(cell)))
		__builtin_trap();
	free(cell);
	json_decref(j);
	return 0;
}
