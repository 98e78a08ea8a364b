/* lex.c: what the script lexers share: the token array and string arena, language detection from
 * a file's name and content, bracket matching, and the C-family lexer (Java, C#, JScript). */
#include "scan/lex.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const char *const lang_names[] = {"none", "php", "java", "vbscript", "csharp", "jscript"};
static const char *const page_names[] = {"none", "php", "jsp", "asp", "aspx"};

const char *lex_lang_name(enum lex_lang l)
{
	return (unsigned)l < ARRAY_SIZE(lang_names) ? lang_names[l] : "none";
}

const char *lex_page_name(enum lex_page p)
{
	return (unsigned)p < ARRAY_SIZE(page_names) ? page_names[p] : "none";
}

/* ---- tokens and arena ---- */

struct tok *lex_push(struct lex *L, enum tok_kind k, size_t off, size_t len, uint32_t line)
{
	if (L->n >= LEX_MAX_TOKENS) {
		L->truncated = true;
		return NULL;
	}
	if (L->n == L->cap) {
		L->cap = L->cap ? L->cap * 2 : 1024;
		if (L->cap > LEX_MAX_TOKENS)
			L->cap = LEX_MAX_TOKENS;
		L->t = xrealloc(L->t, L->cap * sizeof(*L->t));
	}
	struct tok *t = &L->t[L->n++];
	*t = (struct tok){.off = (uint32_t)off,
	                  .len = (uint32_t)len,
	                  .line = line,
	                  .kind = (uint8_t)k,
	                  .match = -1};
	return t;
}

void lex_push_op(struct lex *L, uint32_t op, size_t off, size_t len, uint32_t line, uint8_t flags)
{
	struct tok *t = lex_push(L, T_OP, off, len, line);
	if (t) {
		t->op = op;
		t->flags |= flags;
	}
}

static void arena_reserve(struct lex *L, size_t n)
{
	if (L->alen + n + 1 <= L->acap)
		return;
	size_t c = L->acap ? L->acap : 4096;
	while (c < L->alen + n + 1)
		c *= 2;
	L->arena = xrealloc(L->arena, c);
	L->acap = c;
}

uint32_t lex_str_begin(struct lex *L)
{
	arena_reserve(L, 0);
	return (uint32_t)L->alen;
}

void lex_str_add(struct lex *L, const void *p, size_t n)
{
	arena_reserve(L, n);
	memcpy(L->arena + L->alen, p, n);
	L->alen += n;
}

void lex_str_addc(struct lex *L, char c)
{
	arena_reserve(L, 1);
	L->arena[L->alen++] = c;
}

void lex_str_utf8(struct lex *L, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		if (cp > 0x10FFFF)
			cp = 0xFFFD;
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	lex_str_add(L, b, n);
}

/* Does a decoded string look like an encoded payload: long, one word of base64 or hex, or
 * mostly escapes? */
static bool looks_blob(const char *s, size_t n)
{
	if (n < 64)
		return false;
	size_t b64 = 0, hex = 0, digit = 0, upper = 0, lower = 0, nl = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '+' || c == '/' || c == '=' || c == '_' || c == '-')
			b64++;
		else if (c == '\n' || c == '\r')
			nl++;
		if (isxdigit(c))
			hex++;
		digit += isdigit(c) != 0;
		upper += isupper(c) != 0;
		lower += islower(c) != 0;
	}
	/* one word of base64 (wrapped at most), mixing cases and digits as encoded bytes do; paths
	 * and identifiers have dots, spaces or one case */
	return (b64 + nl == n && nl * 32 <= n && digit && upper && lower) || hex == n;
}

void lex_str_end(struct lex *L, struct tok *t, uint32_t start)
{
	arena_reserve(L, 0);
	L->arena[L->alen++] = '\0';
	if (!t)
		return;
	t->sv = start;
	t->sl = (uint32_t)(L->alen - 1 - start);
	if (looks_blob(L->arena + start, t->sl) || ((t->flags & TF_ESCAPE) && t->sl >= 48))
		t->flags |= TF_BLOB;
}

int lex_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *lex_memcasemem(const char *h, size_t hn, const char *needle)
{
	size_t n = strlen(needle);
	if (!n || hn < n)
		return NULL;
	int lo = tolower((unsigned char)needle[0]), up = toupper((unsigned char)needle[0]);
	for (const char *p = h, *last = h + hn - n; p <= last; p++) {
		if (*p != lo && *p != up)
			continue;
		if (strncasecmp(p, needle, n) == 0)
			return p;
	}
	return NULL;
}

bool tok_is(const struct lex *L, size_t i, const char *s)
{
	if (i >= L->n)
		return false;
	const struct tok *t = &L->t[i];
	if (t->kind != T_NAME)
		return false;
	size_t n = strlen(s), tn;
	const char *tx = tok_name(L, t, &tn);
	if (tn != n)
		return false;
	bool ci = L->lang == LANG_VB || L->lang == LANG_PHP;
	return ci ? strncasecmp(tx, s, n) == 0 : memcmp(tx, s, n) == 0;
}

bool tok_is_op(const struct lex *L, size_t i, uint32_t op)
{
	return i < L->n && L->t[i].kind == T_OP && L->t[i].op == op;
}

static bool is_open(uint32_t op)
{
	return op == '(' || op == '[' || op == '{';
}

static uint32_t closer(uint32_t op)
{
	return op == '(' ? ')' : op == '[' ? ']' : '}';
}

void lex_match(struct lex *L)
{
	size_t *st = NULL, sn = 0, scap = 0;
	for (size_t i = 0; i < L->n; i++) {
		struct tok *t = &L->t[i];
		if (t->kind != T_OP)
			continue;
		if (is_open(t->op)) {
			if (sn == scap) {
				scap = scap ? scap * 2 : 256;
				st = xrealloc(st, scap * sizeof(*st));
			}
			st[sn++] = i;
		} else if (t->op == ')' || t->op == ']' || t->op == '}') {
			/* tolerate a stray closer: look a few levels down for its opener */
			size_t k = sn;
			while (k > 0 && sn - k < 8 && closer(L->t[st[k - 1]].op) != t->op)
				k--;
			if (k == 0 || closer(L->t[st[k - 1]].op) != t->op)
				continue;
			size_t o = st[k - 1];
			L->t[o].match = (int32_t)i;
			t->match = (int32_t)o;
			sn = k - 1;
		}
	}
	free(st);
}

void lex_free(struct lex *L)
{
	free(L->own_view);
	free(L->t);
	free(L->arena);
	*L = (struct lex){0};
}

/* ---- views ---- */

void view_add(struct view *v, const char *s, size_t n)
{
	if (v->n + n + 1 > v->cap) {
		size_t c = v->cap ? v->cap : 4096;
		while (c < v->n + n + 1)
			c *= 2;
		v->p = xrealloc(v->p, c);
		v->cap = c;
	}
	memcpy(v->p + v->n, s, n);
	v->n += n;
	v->p[v->n] = '\0';
}

void view_lines(struct view *v, const char *s, size_t n)
{
	for (const char *p = s, *end = s + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		view_add(v, "\n", 1);
}

/* ---- detection ---- */

static const char *ext_of(const char *name)
{
	const char *d = strrchr(name, '.');
	return d && d != name ? d + 1 : NULL;
}

static bool in_set(const char *e, const char *const *set)
{
	for (; e && *set; set++)
		if (strcasecmp(e, *set) == 0)
			return true;
	return false;
}

static const char *const php_ext[] = {"php",   "php2", "php3", "php4", "php5",   "php7", "php8",
                                      "phtml", "pht",  "phpt", "inc",  "module", NULL};
static const char *const jsp_ext[] = {"jsp", "jspx", "jspf", "jhtml", NULL};
static const char *const asp_ext[] = {"asp", "asa", "cer", "cdx", NULL};
static const char *const aspx_ext[] = {"aspx", "ashx",   "asmx", "ascx",
                                       "asax", "master", "svc",  NULL};
static const char *const img_ext[] = {"jpg", "jpeg", "png", "gif", "bmp", "ico", "webp", NULL};

static bool is_image(const unsigned char *d, size_t n)
{
	return (n >= 4 && memcmp(d, "GIF8", 4) == 0) || (n >= 4 && memcmp(d, "\x89PNG", 4) == 0) ||
	       (n >= 3 && memcmp(d, "\xff\xd8\xff", 3) == 0) || (n >= 2 && memcmp(d, "BM", 2) == 0);
}

/* "<?php" or "<?=" anywhere (code appended to a picture). */
static bool php_open_anywhere(const unsigned char *d, size_t n)
{
	for (const unsigned char *p = d, *end = d + n; (p = memchr(p, '<', (size_t)(end - p)));
	     p++) {
		size_t left = (size_t)(end - p);
		if (left >= 3 && p[1] == '?' && left >= 6 &&
		    strncasecmp((const char *)p + 2, "php", 3) == 0 && isspace(p[5]))
			return true;
	}
	return false;
}

/* Guess JSP or ASP for a "<%" page without a telling extension. */
static enum lex_page guess_percent_page(const unsigned char *d, size_t n)
{
	size_t m = n < 4096 ? n : 4096;
	const char *s = (const char *)d;
	if (memmem(s, m, "import=", 7) || memmem(s, m, "java.", 5) ||
	    memmem(s, m, "request.get", 11) || memmem(s, m, "contentType=", 12) ||
	    memmem(s, m, "pageEncoding", 12))
		return PAGE_JSP;
	if (memmem(s, m, "C#", 2) || memmem(s, m, "c#", 2) || memmem(s, m, "System.", 7) ||
	    memmem(s, m, "WebHandler", 10) || memmem(s, m, "runat", 5) ||
	    memmem(s, m, "Inherits", 8))
		return PAGE_ASPX;
	return PAGE_ASP;
}

enum lex_lang lex_detect(const char *name, const unsigned char *data, size_t len,
                         enum lex_page *ret_page)
{
	*ret_page = PAGE_NONE;
	if (!data || len < 4 || memcmp(data, "\177ELF", 4) == 0)
		return LANG_NONE;
	const char *e = ext_of(name);
	/* "shell.php.jpg" (Apache runs any name with a .php part), "shell.asp;.jpg" (IIS 6) */
	bool php_part = strcasestr(name, ".php.") || strcasestr(name, ".phtml.");
	bool asp_part = strcasestr(name, ".asp;") || strcasestr(name, ".aspx;") ||
	                strcasestr(name, ".cer;") || strcasestr(name, ".asa;");
	if (in_set(e, php_ext) || php_part) {
		if (strcasecmp(e, "inc") == 0 || strcasecmp(e, "module") == 0 || php_part) {
			if (!memmem(data, len, "<?", 2))
				return LANG_NONE;
		}
		*ret_page = PAGE_PHP;
		return LANG_PHP;
	}
	if (in_set(e, jsp_ext)) {
		*ret_page = PAGE_JSP;
		return LANG_JAVA;
	}
	if (in_set(e, asp_ext) || asp_part) {
		*ret_page = strcasestr(name, ".aspx;") ? PAGE_ASPX : PAGE_ASP;
		return LANG_VB; /* the page directive may say otherwise */
	}
	if (in_set(e, aspx_ext)) {
		*ret_page = PAGE_ASPX;
		return LANG_CS;
	}
	if (is_image(data, len) || in_set(e, img_ext)) {
		if (php_open_anywhere(data, len)) {
			*ret_page = PAGE_PHP;
			return LANG_PHP;
		}
		return LANG_NONE;
	}
	/* any other name: code only when the file starts as code */
	size_t i = 0;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && i < 256 && isspace(data[i]))
		i++;
	if (len - i < 5 || data[i] != '<')
		return LANG_NONE;
	const char *s = (const char *)data + i;
	if (s[1] == '?' && (s[2] == '=' || strncasecmp(s + 2, "php", 3) == 0)) {
		*ret_page = PAGE_PHP;
		return LANG_PHP;
	}
	if (s[1] == '%') {
		*ret_page = guess_percent_page(data, len);
		return *ret_page == PAGE_JSP    ? LANG_JAVA
		       : *ret_page == PAGE_ASPX ? LANG_CS
		                                : LANG_VB;
	}
	if (strncmp(s, "<jsp:", 5) == 0) {
		*ret_page = PAGE_JSP;
		return LANG_JAVA;
	}
	return LANG_NONE;
}

int lex_run(struct lex *L, enum lex_lang lang, enum lex_page page, const unsigned char *data,
            size_t len)
{
	*L = (struct lex){.lang = lang, .page = page};
	if (len > LEX_MAX_INPUT) {
		len = LEX_MAX_INPUT;
		L->truncated = true;
	}
	L->image = is_image(data, len);
	int r;
	switch (page) {
	case PAGE_PHP:
		L->view = (const char *)data;
		L->view_len = len;
		lex_php(L, L->image);
		r = 0;
		break;
	case PAGE_JSP:
		r = lex_jsp(L, data, len);
		break;
	case PAGE_ASP:
	case PAGE_ASPX:
		r = lex_asp(L, page, data, len);
		break;
	default:
		r = -1;
	}
	if (r < 0 || L->n == 0)
		return -1;
	/* every token inside the code it was read from (a string cut by the end of the file) */
	for (size_t i = 0; i < L->n; i++) {
		struct tok *t = &L->t[i];
		if (t->off > L->view_len)
			t->off = (uint32_t)L->view_len;
		if ((size_t)t->off + t->len > L->view_len)
			t->len = (uint32_t)(L->view_len - t->off);
	}
	lex_match(L);
	return 0;
}

/* ---- the C family ---- */

static bool ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static const char *const c_ops[] = {
    ">>>=", "<<=", ">>=", ">>>", "===", "!==", "...", "->", "=>", "::", "++",
    "--",   "&&",  "||",  "==",  "!=",  "<=",  ">=",  "+=", "-=", "*=", "/=",
    "%=",   "&=",  "|=",  "^=",  "<<",  ">>",  "??",  "?.", NULL};

static size_t match_op(const char *p, const char *end, const char *const *ops, uint32_t *ret)
{
	for (const char *const *o = ops; *o; o++) {
		size_t n = strlen(*o);
		if ((size_t)(end - p) >= n && memcmp(p, *o, n) == 0) {
			uint32_t v = 0;
			for (size_t k = 0; k < n && k < 4; k++)
				v |= (uint32_t)(unsigned char)(*o)[k] << (8 * k);
			*ret = v;
			return n;
		}
	}
	*ret = (unsigned char)*p;
	return 1;
}

/* One escape after a backslash at p (p[0] == '\\'); returns the bytes consumed. */
static size_t c_escape(struct lex *L, const char *p, const char *end, enum lex_lang lang)
{
	if (p + 1 >= end)
		return 1;
	char c = p[1];
	switch (c) {
	case 'n':
		lex_str_addc(L, '\n');
		return 2;
	case 't':
		lex_str_addc(L, '\t');
		return 2;
	case 'r':
		lex_str_addc(L, '\r');
		return 2;
	case 'b':
		lex_str_addc(L, '\b');
		return 2;
	case 'f':
		lex_str_addc(L, '\f');
		return 2;
	case 'u': {
		/* Java allows several u's */
		const char *q = p + 1;
		while (q < end && *q == 'u')
			q++;
		uint32_t cp = 0;
		int k = 0;
		for (; k < 4 && q + k < end && lex_hexval(q[k]) >= 0; k++)
			cp = cp << 4 | (uint32_t)lex_hexval(q[k]);
		if (k < 4) {
			lex_str_addc(L, 'u');
			return 2;
		}
		lex_str_utf8(L, cp);
		return (size_t)(q + 4 - p);
	}
	case 'x':
		if (lang != LANG_JAVA) {
			uint32_t cp = 0;
			int k = 0;
			int maxk = lang == LANG_CS ? 4 : 2;
			for (; k < maxk && p + 2 + k < end && lex_hexval(p[2 + k]) >= 0; k++)
				cp = cp << 4 | (uint32_t)lex_hexval(p[2 + k]);
			if (k) {
				if (cp < 0x100 && lang == LANG_JS)
					lex_str_addc(L, (char)cp);
				else
					lex_str_utf8(L, cp);
				return 2 + (size_t)k;
			}
		}
		lex_str_addc(L, 'x');
		return 2;
	default:
		if (c >= '0' && c <= '7') {
			uint32_t v = 0;
			size_t k = 0;
			for (; k < 3 && p + 1 + k < end && p[1 + k] >= '0' && p[1 + k] <= '7'; k++)
				v = v * 8 + (uint32_t)(p[1 + k] - '0');
			lex_str_addc(L, (char)(v & 0xFF));
			return 1 + k;
		}
		lex_str_addc(L, c);
		return 2;
	}
}

static bool js_regex_ok(const struct lex *L)
{
	if (L->n == 0)
		return true;
	const struct tok *t = &L->t[L->n - 1];
	if (t->kind == T_OP)
		return !(t->op == ')' || t->op == ']' || t->op == '}');
	if (t->kind == T_NAME) {
		const char *s = L->view + t->off;
		return (t->len == 6 && memcmp(s, "return", 6) == 0) ||
		       (t->len == 6 && memcmp(s, "typeof", 6) == 0);
	}
	return false;
}

void lex_clike(struct lex *L, enum lex_lang lang)
{
	const char *base = L->view, *p = base, *end = base + L->view_len;
	uint32_t line = 1;
	uint8_t nlb = 0;
	while (p < end && !L->truncated) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n') {
			line++;
			nlb = TF_NLB;
			p++;
			continue;
		}
		if (isspace(c)) {
			p++;
			continue;
		}
		/* comments */
		if (c == '/' && p + 1 < end && p[1] == '/') {
			const char *q = memchr(p, '\n', (size_t)(end - p));
			p = q ? q : end;
			L->comments++;
			continue;
		}
		if (c == '/' && p + 1 < end && p[1] == '*') {
			const char *q = p + 2;
			for (; q + 1 < end && !(q[0] == '*' && q[1] == '/'); q++)
				if (*q == '\n')
					line++;
			p = q + 1 < end ? q + 2 : end;
			L->comments++;
			continue;
		}
		/* C# preprocessor lines */
		if (c == '#' && lang == LANG_CS) {
			const char *q = memchr(p, '\n', (size_t)(end - p));
			p = q ? q : end;
			continue;
		}
		size_t off = (size_t)(p - base);
		uint32_t tline = line;
		/* strings */
		bool verbatim = false;
		const char *q = p;
		if (lang == LANG_CS && (c == '@' || c == '$')) {
			/* @"..", $"..", $@"..", @$".." */
			const char *r = p;
			while (r < end && (*r == '@' || *r == '$') && r - p < 2) {
				if (*r == '@')
					verbatim = true;
				r++;
			}
			if (r < end && *r == '"' && r > p)
				q = r;
		}
		if (*q == '"' || *q == '\'' || (*q == '`' && lang == LANG_JS)) {
			char quote = *q;
			bool block =
			    lang == LANG_JAVA && end - q >= 3 && memcmp(q, "\"\"\"", 3) == 0;
			struct tok *t = lex_push(L, T_STR, off, 0, tline);
			uint32_t s0 = lex_str_begin(L);
			uint8_t fl = nlb;
			const char *r = q + (block ? 3 : 1);
			while (r < end) {
				if (block && end - r >= 3 && memcmp(r, "\"\"\"", 3) == 0) {
					r += 3;
					break;
				}
				if (!block && *r == quote) {
					if (verbatim && r + 1 < end && r[1] == quote) {
						lex_str_addc(L, quote);
						r += 2;
						continue;
					}
					r++;
					break;
				}
				if (*r == '\\' && !verbatim) {
					if (r + 1 < end && (r[1] == 'x' || r[1] == 'u' ||
					                    (r[1] >= '0' && r[1] <= '7')))
						fl |= TF_ESCAPE;
					if (r + 1 < end && r[1] == '\n')
						line++;
					r += c_escape(L, r, end, lang);
					continue;
				}
				if (*r == '\n') {
					line++;
					/* an unterminated one-line string ends at the line */
					if (!block && !verbatim && quote != '`') {
						r++;
						break;
					}
				}
				lex_str_addc(L, *r);
				r++;
			}
			if (t) {
				t->len = (uint32_t)(r - p);
				t->flags |= fl;
				/* a char literal 'x' is a number in Java and C# */
				if (quote == '\'' && lang != LANG_JS && L->alen - s0 <= 4) {
					uint32_t v = L->alen > s0 ? (unsigned char)L->arena[s0] : 0;
					lex_str_end(L, NULL, s0);
					L->alen = s0;
					t->kind = T_NUM;
					t->sv = v;
					t->flags |= 0x80; /* char */
				} else {
					lex_str_end(L, t, s0);
				}
			} else {
				lex_str_end(L, NULL, s0);
			}
			p = r;
			nlb = 0;
			continue;
		}
		if (c == '/' && lang == LANG_JS && js_regex_ok(L)) {
			const char *r = p + 1;
			bool cls = false;
			for (; r < end && *r != '\n'; r++) {
				if (*r == '\\') {
					r++;
					continue;
				}
				if (*r == '[')
					cls = true;
				else if (*r == ']')
					cls = false;
				else if (*r == '/' && !cls)
					break;
			}
			if (r < end && *r == '/') {
				r++;
				while (r < end && isalpha((unsigned char)*r))
					r++;
				struct tok *t = lex_push(L, T_STR, off, (size_t)(r - p), tline);
				uint32_t s0 = lex_str_begin(L);
				lex_str_add(L, p, (size_t)(r - p));
				lex_str_end(L, t, s0);
				p = r;
				nlb = 0;
				continue;
			}
		}
		if (ident_start(c) || (c == '@' && p + 1 < end &&
		                       ident_start((unsigned char)p[1]) && lang == LANG_CS)) {
			if (c == '@') {
				p++;
				off++;
			}
			const char *r = p + 1;
			while (r < end && ident_char((unsigned char)*r))
				r++;
			struct tok *t = lex_push(L, T_NAME, off, (size_t)(r - p), tline);
			if (t)
				t->flags |= nlb;
			p = r;
			nlb = 0;
			continue;
		}
		if (isdigit(c) || (c == '.' && p + 1 < end && isdigit((unsigned char)p[1]))) {
			const char *r = p;
			uint64_t v = 0;
			if (c == '0' && r + 1 < end && (r[1] == 'x' || r[1] == 'X')) {
				r += 2;
				for (; r < end && (isxdigit((unsigned char)*r) || *r == '_'); r++)
					if (*r != '_')
						v = v << 4 | (uint64_t)lex_hexval(*r);
			} else {
				for (; r < end && (isdigit((unsigned char)*r) || *r == '_'); r++)
					if (*r != '_')
						v = v * 10 + (uint64_t)(*r - '0');
			}
			while (r < end && (isalnum((unsigned char)*r) || *r == '.'))
				r++;
			struct tok *t = lex_push(L, T_NUM, off, (size_t)(r - p), tline);
			if (t) {
				t->sv = (uint32_t)v;
				t->flags |= nlb;
			}
			p = r;
			nlb = 0;
			continue;
		}
		uint32_t op;
		size_t n = match_op(p, end, c_ops, &op);
		lex_push_op(L, op, off, n, tline, nlb);
		p += n;
		nlb = 0;
	}
}
