/* lex_vb.c: VBScript (classic ASP) and VB.NET: ' and Rem comments dropped, "" inside strings,
 * &H hex numbers, " _" line continuations; a line end or ':' ends a statement (T_EOS). Also the
 * page front end shared with ASP.NET (lex_asp): <% %> blocks, <script runat="server"> blocks,
 * WebHandler/WebService files, the language named by the page directive. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "scan/lex.h"
#include "util.h"

static void eos(struct lex *L, size_t off, uint32_t line)
{
	if (L->n && L->t[L->n - 1].kind == T_EOS)
		return;
	struct tok *t = lex_push(L, T_EOS, off, 0, line);
	if (t)
		t->flags |= TF_SYNTH;
}

static bool rem_at(const char *p, const char *end)
{
	return end - p >= 3 && strncasecmp(p, "rem", 3) == 0 &&
	       (end - p == 3 || p[3] == ' ' || p[3] == '\t' || p[3] == '\n' || p[3] == '\r');
}

void lex_vb(struct lex *L)
{
	const char *base = L->view, *p = base, *end = base + L->view_len;
	uint32_t line = 1;
	bool stmt_start = true;
	while (p < end && !L->truncated) {
		unsigned char c = (unsigned char)*p;
		size_t off = (size_t)(p - base);
		if (c == '\n') {
			eos(L, off, line);
			line++;
			p++;
			stmt_start = true;
			continue;
		}
		if (c == ':' && !(p + 1 < end && p[1] == '=')) {
			eos(L, off, line);
			p++;
			stmt_start = true;
			continue;
		}
		if (isspace(c)) {
			p++;
			continue;
		}
		/* " _" at a line end continues the statement */
		if (c == '_' && (p == base || isspace((unsigned char)p[-1]))) {
			const char *q = p + 1;
			while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q == end || *q == '\n') {
				if (q < end)
					line++;
				p = q < end ? q + 1 : end;
				continue;
			}
		}
		if (c == '\'' || (stmt_start && rem_at(p, end))) {
			const char *q = memchr(p, '\n', (size_t)(end - p));
			p = q ? q : end;
			L->comments++;
			continue;
		}
		stmt_start = false;
		if (c == '"') {
			struct tok *t = lex_push(L, T_STR, off, 0, line);
			uint32_t s0 = lex_str_begin(L);
			const char *q = p + 1;
			while (q < end) {
				if (*q == '"') {
					if (q + 1 < end && q[1] == '"') {
						lex_str_addc(L, '"');
						q += 2;
						continue;
					}
					q++;
					break;
				}
				if (*q == '\n')
					break; /* VB strings do not span lines */
				lex_str_addc(L, *q++);
			}
			if (t)
				t->len = (uint32_t)(q - p);
			lex_str_end(L, t, s0);
			p = q;
			continue;
		}
		if (c == '&' && p + 2 < end &&
		    (p[1] == 'H' || p[1] == 'h' || p[1] == 'O' || p[1] == 'o') &&
		    isxdigit((unsigned char)p[2])) {
			bool hex = p[1] == 'H' || p[1] == 'h';
			const char *q = p + 2;
			uint64_t v = 0;
			for (; q < end &&
			       (hex ? isxdigit((unsigned char)*q) : (*q >= '0' && *q <= '7'));
			     q++)
				v = hex ? v << 4 | (uint64_t)lex_hexval(*q)
				        : v * 8 + (uint64_t)(*q - '0');
			while (q < end && (*q == '&' || *q == '%'))
				q++;
			struct tok *t = lex_push(L, T_NUM, off, (size_t)(q - p), line);
			if (t)
				t->sv = (uint32_t)v;
			p = q;
			continue;
		}
		if (c == '&' && p + 1 < end && p[1] >= '0' && p[1] <= '7' &&
		    (L->n == 0 || L->t[L->n - 1].kind == T_OP || L->t[L->n - 1].kind == T_EOS)) {
			/* &141: an octal number where a value starts (chr(&141)) */
			const char *q = p + 1;
			uint64_t v = 0;
			for (; q < end && *q >= '0' && *q <= '7'; q++)
				v = v * 8 + (uint64_t)(*q - '0');
			struct tok *t = lex_push(L, T_NUM, off, (size_t)(q - p), line);
			if (t)
				t->sv = (uint32_t)v;
			p = q;
			continue;
		}
		if (isdigit(c) || (c == '.' && p + 1 < end && isdigit((unsigned char)p[1]))) {
			const char *q = p;
			uint64_t v = 0;
			for (; q < end && isdigit((unsigned char)*q); q++)
				v = v * 10 + (uint64_t)(*q - '0');
			while (q < end && (isalnum((unsigned char)*q) || *q == '.' || *q == '#' ||
			                   *q == '!' || *q == '@' || *q == '%'))
				q++;
			struct tok *t = lex_push(L, T_NUM, off, (size_t)(q - p), line);
			if (t)
				t->sv = (uint32_t)v;
			p = q;
			continue;
		}
		if (isalpha(c) || c == '_' || c >= 0x80) {
			const char *q = p + 1;
			while (q < end && (isalnum((unsigned char)*q) || *q == '_' ||
			                   (unsigned char)*q >= 0x80))
				q++;
			/* type characters: Left$(...) */
			if (q < end && *q == '$')
				q++;
			struct tok *t = lex_push(L, T_NAME, off, (size_t)(q - p), line);
			(void)t;
			/* a Rem after a statement separator is handled at the line start; a Rem
			 * after "Then" is rare */
			p = q;
			continue;
		}
		if (c == '[') {
			/* [bracketed identifier] */
			const char *q = memchr(p, ']', (size_t)(end - p));
			if (q && q - p < 256 && !memchr(p, '\n', (size_t)(q - p))) {
				lex_push(L, T_NAME, off + 1, (size_t)(q - p - 1), line);
				p = q + 1;
				continue;
			}
		}
		if (c == '#') {
			/* date literal #1/2/2000# */
			const char *q = memchr(p + 1, '#', (size_t)(end - p - 1));
			if (q && q - p < 40 && !memchr(p, '\n', (size_t)(q - p))) {
				p = q + 1;
				continue;
			}
		}
		uint32_t op = c;
		size_t n = 1;
		static const char *const vb_ops[] = {
		    "<>", "<=", ">=", "&=", "+=", "-=", ":=", "<<", ">>", NULL};
		for (const char *const *o = vb_ops; *o; o++)
			if (end - p >= 2 && memcmp(p, *o, 2) == 0) {
				op = OP2((*o)[0], (*o)[1]);
				n = 2;
				break;
			}
		lex_push_op(L, op, off, n, line, 0);
		p += n;
	}
	eos(L, L->view_len, line);
}

/* ---- ASP and ASP.NET pages ---- */

/* The language a directive or script tag names (attribute Language=...), LANG_NONE if none. */
static enum lex_lang lang_attr(const char *s, size_t n)
{
	const char *a = lex_memcasemem(s, n, "language");
	if (!a)
		return LANG_NONE;
	const char *p = a + 8, *end = s + n;
	while (p < end && (isspace((unsigned char)*p) || *p == '=' || *p == '"' || *p == '\''))
		p++;
	size_t left = (size_t)(end - p);
	if ((left >= 2 && strncasecmp(p, "c#", 2) == 0) ||
	    (left >= 6 && strncasecmp(p, "csharp", 6) == 0) ||
	    (left >= 2 && strncasecmp(p, "cs", 2) == 0 &&
	     (left == 2 || !isalpha((unsigned char)p[2]))))
		return LANG_CS;
	if ((left >= 2 && strncasecmp(p, "js", 2) == 0) ||
	    (left >= 7 && strncasecmp(p, "jscript", 7) == 0) ||
	    (left >= 10 && strncasecmp(p, "javascript", 10) == 0))
		return LANG_JS;
	if (left >= 2 && strncasecmp(p, "vb", 2) == 0)
		return LANG_VB;
	return LANG_NONE;
}

static int lex_asp_page(struct lex *L, enum lex_page page, const unsigned char *data, size_t len);

static int b64v(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* UTF-7 (RFC 2152) to UTF-8: "+AGUAdgBhAGw-" is "eval". A page with <%@ codepage=65000 %> is
 * read by IIS this way. */
static char *utf7_decode(const char *s, size_t n, size_t *ret_n)
{
	struct view v = {0};
	struct lex tmp = {0}; /* for lex_str_utf8 */
	for (size_t i = 0; i < n;) {
		if (s[i] != '+') {
			view_add(&v, s + i, 1);
			i++;
			continue;
		}
		i++;
		if (i < n && s[i] == '-') {
			view_add(&v, "+", 1);
			i++;
			continue;
		}
		uint32_t acc = 0, hi = 0;
		int bits = 0;
		for (; i < n && b64v((unsigned char)s[i]) >= 0; i++) {
			acc = acc << 6 | (uint32_t)b64v((unsigned char)s[i]);
			bits += 6;
			if (bits < 16)
				continue;
			bits -= 16;
			uint32_t u = acc >> bits & 0xFFFF;
			if (u >= 0xD800 && u < 0xDC00) {
				hi = u;
				continue;
			}
			if (hi && u >= 0xDC00 && u < 0xE000)
				u = 0x10000 + ((hi - 0xD800) << 10) + (u - 0xDC00);
			hi = 0;
			tmp.alen = 0;
			lex_str_utf8(&tmp, u);
			view_add(&v, tmp.arena, tmp.alen);
		}
		if (i < n && s[i] == '-')
			i++;
	}
	free(tmp.arena);
	*ret_n = v.n;
	return v.p;
}

static bool directive_says(const char *s, size_t len, const char *what)
{
	for (const char *d = s; d && d < s + len;) {
		d = memmem(d, (size_t)(s + len - d), "<%@", 3);
		if (!d)
			return false;
		const char *e = memmem(d, (size_t)(s + len - d), "%>", 2);
		if (!e)
			return false;
		char buf[256];
		size_t k = 0;
		for (const char *c = d; c < e && k + 1 < sizeof(buf); c++)
			if (*c != ' ' && *c != '\t' && *c != '"' && *c != '\'')
				buf[k++] = (char)tolower((unsigned char)*c);
		buf[k] = '\0';
		if (strstr(buf, what))
			return true;
		d = e;
	}
	return false;
}

int lex_asp(struct lex *L, enum lex_page page, const unsigned char *data, size_t len)
{
	if (directive_says((const char *)data, len, "codepage=65000")) {
		size_t n = 0;
		char *dec = utf7_decode((const char *)data, len, &n);
		if (!dec)
			return -1;
		/* lex the decoded page; the view owns a copy */
		int r = lex_asp_page(L, page, (const unsigned char *)dec, n);
		free(dec);
		return r;
	}
	return lex_asp_page(L, page, data, len);
}

static int lex_asp_page(struct lex *L, enum lex_page page, const unsigned char *data, size_t len)
{
	const char *s = (const char *)data, *end = s + len, *p = s;
	L->encoded = directive_says(s, len, ".encode") || memmem(s, len, "#@~^", 4) != NULL;
	enum lex_lang lang = LANG_NONE;
	/* the language: the page directive, else the first server script block, else the page
	 * kind's default */
	for (const char *d = s; d && d < end;) {
		d = memmem(d, (size_t)(end - d), "<%@", 3);
		if (!d)
			break;
		const char *e = memmem(d, (size_t)(end - d), "%>", 2);
		if (!e)
			break;
		enum lex_lang l = lang_attr(d, (size_t)(e - d));
		if (l) {
			lang = l;
			break;
		}
		d = e;
	}
	if (!lang) {
		const char *sc = lex_memcasemem(s, len, "runat");
		if (sc) {
			const char *st = sc;
			while (st > s && *st != '<' && sc - st < 200)
				st--;
			const char *gt = memchr(sc, '>', (size_t)(end - sc));
			if (gt)
				lang = lang_attr(st, (size_t)(gt - st));
		}
	}
	if (!lang)
		lang = page == PAGE_ASPX ? LANG_CS : LANG_VB;
	L->lang = lang;
	const char *sep = lang == LANG_VB ? ":" : ";";
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
			bool expr = c < end && (*c == '=' || *c == ':' || *c == '#');
			if (directive || expr)
				c++;
			const char *e = c < end ? memmem(c, (size_t)(end - c), "%>", 2) : NULL;
			const char *ce = e ? e : end;
			if (directive) {
				view_lines(&v, c, (size_t)(ce - c));
				p = e ? e + 2 : end;
				/* a handler or web service: the rest of the file is code */
				size_t dl = (size_t)(ce - c);
				if (lex_memcasemem(c, dl, "WebHandler") ||
				    lex_memcasemem(c, dl, "WebService")) {
					view_add(&v, sep, 1);
					view_add(&v, p, (size_t)(end - p));
					any = true;
					p = end;
				}
				continue;
			}
			any = true;
			if (expr)
				view_add(&v, "(", 1);
			view_add(&v, c, (size_t)(ce - c));
			if (expr)
				view_add(&v, ")", 1);
			view_add(&v, sep, 1);
			p = e ? e + 2 : end;
			continue;
		}
		if (left > 8 && strncasecmp(lt, "<script", 7) == 0) {
			const char *gt = memchr(lt, '>', left);
			if (gt && lex_memcasemem(lt, (size_t)(gt - lt), "runat")) {
				const char *c = gt + 1;
				const char *e = lex_memcasemem(c, (size_t)(end - c), "</script");
				const char *ce = e ? e : end;
				view_lines(&v, lt, (size_t)(c - lt));
				view_add(&v, sep, 1);
				view_add(&v, c, (size_t)(ce - c));
				view_add(&v, sep, 1);
				any = true;
				p = ce;
				continue;
			}
		}
		view_add(&v, " ", 0);
		p = lt + 1;
	}
	if (!any) {
		free(v.p);
		return -1;
	}
	L->own_view = v.p;
	L->view = v.p;
	L->view_len = v.n;
	if (lang == LANG_VB)
		lex_vb(L);
	else
		lex_clike(L, lang);
	return 0;
}
