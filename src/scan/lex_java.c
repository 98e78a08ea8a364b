/* lex_java.c: JSP and JSPX pages: the Java code of scriptlets (<% %>, <%! %>, <%= %>) and of
 * <jsp:scriptlet>, <jsp:declaration>, <jsp:expression> elements (XML entities and CDATA undone)
 * is copied into a code view, Java's \uXXXX escapes decoded as the compiler does, then lexed as
 * Java. Directives, JSP comments and markup keep only their newlines. */
#include <string.h>
#include <strings.h>

#include "scan/lex.h"
#include "util.h"

/* Append code, decoding Java unicode escapes (a backslash preceded by an even number of
 * backslashes, then u+ and four hex digits). A decoded newline becomes a space: the view keeps
 * the file's lines. */
static void add_java(struct view *v, const char *s, size_t n)
{
	size_t i = 0, run = 0;
	while (i < n) {
		if (s[i] == '\\' && run % 2 == 0 && i + 1 < n && s[i + 1] == 'u') {
			size_t j = i + 1;
			while (j < n && s[j] == 'u')
				j++;
			if (j + 4 <= n && lex_hexval(s[j]) >= 0 && lex_hexval(s[j + 1]) >= 0 &&
			    lex_hexval(s[j + 2]) >= 0 && lex_hexval(s[j + 3]) >= 0) {
				uint32_t cp = 0;
				for (int k = 0; k < 4; k++)
					cp = cp << 4 | (uint32_t)lex_hexval(s[j + k]);
				char b[4];
				size_t bn;
				if (cp == '\n' || cp == '\r')
					cp = ' ';
				if (cp < 0x80) {
					b[0] = (char)cp;
					bn = 1;
				} else if (cp < 0x800) {
					b[0] = (char)(0xC0 | cp >> 6);
					b[1] = (char)(0x80 | (cp & 0x3F));
					bn = 2;
				} else {
					b[0] = (char)(0xE0 | cp >> 12);
					b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
					b[2] = (char)(0x80 | (cp & 0x3F));
					bn = 3;
				}
				view_add(v, b, bn);
				i = j + 4;
				run = 0;
				continue;
			}
		}
		run = s[i] == '\\' ? run + 1 : 0;
		view_add(v, s + i, 1);
		i++;
	}
}

/* Append XML text as code: entities decoded, CDATA markers dropped. */
static void add_xml_code(struct view *v, const char *s, size_t n)
{
	struct view tmp = {0};
	size_t i = 0;
	while (i < n) {
		if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
			const char *e = memmem(s + i + 9, n - i - 9, "]]>", 3);
			size_t stop = e ? (size_t)(e - s) : n;
			view_add(&tmp, s + i + 9, stop - i - 9);
			i = e ? stop + 3 : n;
			continue;
		}
		if (s[i] == '&') {
			static const struct {
				const char *e;
				char c;
			} ents[] = {{"&lt;", '<'},
			            {"&gt;", '>'},
			            {"&amp;", '&'},
			            {"&quot;", '"'},
			            {"&apos;", '\''}};
			bool done = false;
			for (size_t k = 0; k < ARRAY_SIZE(ents) && !done; k++) {
				size_t l = strlen(ents[k].e);
				if (n - i >= l && memcmp(s + i, ents[k].e, l) == 0) {
					view_add(&tmp, &ents[k].c, 1);
					i += l;
					done = true;
				}
			}
			if (!done && n - i > 3 && s[i + 1] == '#') {
				size_t j = i + 2;
				uint32_t cp = 0;
				bool hex = j < n && (s[j] == 'x' || s[j] == 'X');
				if (hex)
					j++;
				size_t d0 = j;
				for (; j < n && j - d0 < 7; j++) {
					int h =
					    hex ? lex_hexval(s[j])
					        : (s[j] >= '0' && s[j] <= '9' ? s[j] - '0' : -1);
					if (h < 0)
						break;
					cp = cp * (hex ? 16 : 10) + (uint32_t)h;
				}
				if (j < n && s[j] == ';' && j > d0 && cp < 0x80 && cp != '\n') {
					char c = (char)cp;
					view_add(&tmp, &c, 1);
					i = j + 1;
					done = true;
				}
			}
			if (done)
				continue;
		}
		view_add(&tmp, s + i, 1);
		i++;
	}
	if (tmp.n)
		add_java(v, tmp.p, tmp.n);
	free(tmp.p);
}

static const struct {
	const char *open, *close;
	bool expr;
} jsp_elems[] = {
    {"<jsp:scriptlet>", "</jsp:scriptlet>", false},
    {"<jsp:declaration>", "</jsp:declaration>", false},
    {"<jsp:expression>", "</jsp:expression>", true},
};

int lex_jsp(struct lex *L, const unsigned char *data, size_t len)
{
	const char *s = (const char *)data, *end = s + len, *p = s;
	struct view v = {0};
	bool any = false;
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt) {
			view_lines(&v, p, (size_t)(end - p));
			break;
		}
		view_lines(&v, p, (size_t)(lt - p));
		size_t left = (size_t)(end - lt);
		if (left >= 2 && lt[1] == '%') {
			if (left >= 4 && memcmp(lt, "<%--", 4) == 0) {
				const char *e = memmem(lt + 4, left - 4, "--%>", 4);
				const char *stop = e ? e + 4 : end;
				view_lines(&v, lt, (size_t)(stop - lt));
				L->comments++;
				p = stop;
				continue;
			}
			const char *c = lt + 2;
			bool directive = c < end && *c == '@';
			bool expr = c < end && *c == '=';
			if (c < end && (*c == '@' || *c == '=' || *c == '!'))
				c++;
			const char *e = c < end ? memmem(c, (size_t)(end - c), "%>", 2) : NULL;
			const char *ce = e ? e : end;
			if (directive) {
				view_lines(&v, c, (size_t)(ce - c));
			} else {
				any = true;
				if (expr)
					view_add(&v, "(", 1);
				add_java(&v, c, (size_t)(ce - c));
				view_add(&v, expr ? ");" : ";", expr ? 2 : 1);
			}
			p = e ? e + 2 : end;
			continue;
		}
		bool elem = false;
		for (size_t k = 0; k < ARRAY_SIZE(jsp_elems) && !elem; k++) {
			size_t ol = strlen(jsp_elems[k].open);
			if (left < ol || strncasecmp(lt, jsp_elems[k].open, ol) != 0)
				continue;
			const char *c = lt + ol;
			const char *e = lex_memcasemem(c, (size_t)(end - c), jsp_elems[k].close);
			const char *ce = e ? e : end;
			any = true;
			if (jsp_elems[k].expr)
				view_add(&v, "(", 1);
			add_xml_code(&v, c, (size_t)(ce - c));
			view_add(&v, jsp_elems[k].expr ? ");" : ";", jsp_elems[k].expr ? 2 : 1);
			p = e ? e + strlen(jsp_elems[k].close) : end;
			elem = true;
		}
		if (!elem)
			p = lt + 1;
	}
	if (!any) {
		free(v.p);
		return -1;
	}
	L->own_view = v.p;
	L->view = v.p;
	L->view_len = v.n;
	lex_clike(L, LANG_JAVA);
	return 0;
}
