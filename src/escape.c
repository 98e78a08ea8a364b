/* escape.c: escaping of attacker-controlled text before it reaches a terminal or a JSON document.
 */
#include "escape.h"

#include "util.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned int cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0) {
		len = 2;
		cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3;
		cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* reject overlong forms, surrogates and out-of-range code points */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

int utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t l = utf8_seq(p + i, n - i);
		if (!l || (l == 1 && p[i] == 0))
			return 0;
		i += l;
	}
	return 1;
}

char *term_escape_n(const char *s, size_t n)
{
	struct buf b = {0};
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	if (!s)
		return xstrdup("");
	while (i < n) {
		unsigned char c = p[i];
		size_t l = utf8_seq(p + i, n - i);
		if (l == 0) {
			buf_printf(&b, "\\x%02x", c);
			i++;
			continue;
		}
		if (l == 1) {
			switch (c) {
			case '\n':
				buf_append(&b, "\\n", 2);
				break;
			case '\r':
				buf_append(&b, "\\r", 2);
				break;
			case '\t':
				buf_append(&b, "\\t", 2);
				break;
			case 0x1b:
				buf_append(&b, "\\e", 2);
				break;
			case '\\':
				buf_append(&b, "\\\\", 2);
				break;
			default:
				if (c < 0x20 || c == 0x7f)
					buf_printf(&b, "\\x%02x", c);
				else
					buf_append(&b, &p[i], 1);
			}
			i++;
			continue;
		}
		/* C1 controls (U+0080..U+009F) are as dangerous as ESC on many terminals */
		if (l == 2 && c == 0xC2 && p[i + 1] < 0xA0) {
			buf_printf(&b, "\\u%04x", p[i + 1]);
			i += 2;
			continue;
		}
		buf_append(&b, &p[i], l);
		i += l;
	}
	buf_cstr(&b);
	return b.data;
}

char *term_escape(const char *s)
{
	return term_escape_n(s, s ? strlen(s) : 0);
}

json_t *json_strn(const char *s, size_t n)
{
	if (!s)
		return json_null();
	if (utf8_valid(s, n))
		return json_stringn(s, n);
	struct buf b = {0};
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t l = utf8_seq(p + i, n - i);
		if (l == 0 || (l == 1 && p[i] == 0)) {
			buf_printf(&b, "\\x%02x", p[i]);
			i++;
		} else {
			buf_append(&b, &p[i], l);
			i += l;
		}
	}
	json_t *j = json_stringn(buf_cstr(&b), b.len);
	buf_free(&b);
	return j ? j : json_string("");
}

json_t *json_str(const char *s)
{
	return json_strn(s, s ? strlen(s) : 0);
}
