/* lex_php.c: the PHP lexer. HTML outside <?php ?> (and <?= ?>, short tags, <script
 * language="php">) is skipped; comments are dropped; strings are decoded. A double-quoted string,
 * a heredoc or a backtick command with variables in it becomes the concatenation it means:
 * "a $x[k] {$y->z}" lexes as ( "a " . $x['k'] . " " . $y->z ), and `cmd $x` as
 * shell_exec( ( "cmd " . $x ) ), so the data-flow pass sees through them. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "scan/lex.h"
#include "util.h"

static const char *const php_ops[] = {
    "<<=", ">>=", "**=", "...", "<=>", "===", "!==", "?\?=", "?->", "**", "->", "=>",
    "::",  "++",  "--",  "&&",  "||",  "==",  "!=",  "<>",   "<=",  ">=", "+=", "-=",
    "*=",  "/=",  ".=",  "%=",  "&=",  "|=",  "^=",  "<<",   ">>",  "??", NULL};

struct php {
	struct lex *L;
	const char *base, *end;
	uint32_t line;
	int depth; /* recursion through {$...} */
};

static bool id_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static bool id_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

static void synth_op(struct php *x, uint32_t op, const char *at)
{
	lex_push_op(x->L, op, (size_t)(at - x->base), 0, x->line, TF_SYNTH);
}

static void synth_str(struct php *x, const char *at, const char *s, size_t n, uint8_t fl)
{
	struct tok *t = lex_push(x->L, T_STR, (size_t)(at - x->base), n ? n : 0, x->line);
	uint32_t s0 = lex_str_begin(x->L);
	lex_str_add(x->L, s, n);
	if (t)
		t->flags |= TF_SYNTH | fl;
	lex_str_end(x->L, t, s0);
}

static const char *code(struct php *x, const char *p, bool stop_brace);

/* One escape in a double-quoted string or heredoc; appends to the arena. */
static const char *dq_escape(struct php *x, const char *p, const char *end, uint8_t *fl)
{
	struct lex *L = x->L;
	if (p + 1 >= end) {
		lex_str_addc(L, '\\');
		return p + 1;
	}
	char c = p[1];
	switch (c) {
	case 'n':
		lex_str_addc(L, '\n');
		return p + 2;
	case 't':
		lex_str_addc(L, '\t');
		return p + 2;
	case 'r':
		lex_str_addc(L, '\r');
		return p + 2;
	case 'v':
		lex_str_addc(L, '\v');
		return p + 2;
	case 'e':
		lex_str_addc(L, 27);
		return p + 2;
	case 'f':
		lex_str_addc(L, '\f');
		return p + 2;
	case '\\':
	case '$':
	case '"':
		lex_str_addc(L, c);
		return p + 2;
	case 'x':
		if (p + 2 < end && lex_hexval(p[2]) >= 0) {
			int v = lex_hexval(p[2]);
			const char *q = p + 3;
			if (q < end && lex_hexval(*q) >= 0)
				v = v * 16 + lex_hexval(*q++);
			lex_str_addc(L, (char)v);
			*fl |= TF_ESCAPE;
			return q;
		}
		break;
	case 'u':
		if (p + 2 < end && p[2] == '{') {
			uint32_t cp = 0;
			const char *q = p + 3;
			for (; q < end && lex_hexval(*q) >= 0 && q - p < 12; q++)
				cp = cp << 4 | (uint32_t)lex_hexval(*q);
			if (q < end && *q == '}') {
				lex_str_utf8(L, cp);
				*fl |= TF_ESCAPE;
				return q + 1;
			}
		}
		break;
	default:
		if (c >= '0' && c <= '7') {
			int v = 0;
			const char *q = p + 1;
			for (int k = 0; k < 3 && q < end && *q >= '0' && *q <= '7'; k++)
				v = v * 8 + (*q++ - '0');
			lex_str_addc(L, (char)v);
			*fl |= TF_ESCAPE;
			return q;
		}
	}
	lex_str_addc(L, '\\');
	return p + 1;
}

/* Code inside a string ({$expr}, ${expr}): up to its closing brace, never past the string's
 * end (a brace missing in a binary blob must not swallow the file). */
static const char *code_in(struct php *x, const char *p, const char *end)
{
	const char *save = x->end;
	x->end = end;
	p = code(x, p, true);
	x->end = save;
	return p;
}

/* The body of an interpolating string [p, end) (quotes excluded). at: where the literal starts
 * (token offsets). Emits one T_STR when nothing is interpolated, else ( "a" . $b . "c" ). */
static void interpolated(struct php *x, const char *at, const char *p, const char *end)
{
	struct lex *L = x->L;
	struct view lit = {0}; /* the literal piece being read */
	bool any = false;
	uint8_t fl = 0;
	uint32_t line0 = x->line;
	while (p < end && !L->truncated) {
		char c = *p;
		bool var =
		    c == '$' && p + 1 < end && (id_start((unsigned char)p[1]) || p[1] == '{');
		bool brace = c == '{' && p + 1 < end && p[1] == '$';
		if (!var && !brace) {
			if (c == '\\') {
				uint32_t s0 = lex_str_begin(L);
				const char *q = dq_escape(x, p, end, &fl);
				view_add(&lit, L->arena + s0, L->alen - s0);
				L->alen = s0;
				p = q;
				continue;
			}
			if (c == '\n')
				x->line++;
			view_add(&lit, p, 1);
			p++;
			continue;
		}
		synth_op(x, any ? '.' : '(', at);
		any = true;
		synth_str(x, at, lit.p ? lit.p : "", lit.n, fl);
		lit.n = 0;
		fl = 0;
		synth_op(x, '.', p);
		if (brace) {
			/* {$expr}: real code up to the matching brace */
			synth_op(x, '(', p);
			p = code_in(x, p + 1, end);
			synth_op(x, ')', p);
			if (p < end && *p == '}')
				p++;
		} else if (p[1] == '{') {
			/* ${name} or ${expr} */
			const char *q = p + 2, *r = q;
			while (r < end && id_char((unsigned char)*r))
				r++;
			if (r < end && *r == '}' && r > q) {
				struct tok *v = lex_push(L, T_VAR, (size_t)(q - x->base),
				                         (size_t)(r - q), x->line);
				if (v)
					v->flags |= TF_SYNTH;
				p = r + 1;
			} else {
				synth_op(x, '$', p);
				synth_op(x, '(', p);
				p = code_in(x, q, end);
				synth_op(x, ')', p);
				if (p < end && *p == '}')
					p++;
			}
		} else {
			const char *q = p + 1, *r = q;
			while (r < end && id_char((unsigned char)*r))
				r++;
			struct tok *v =
			    lex_push(L, T_VAR, (size_t)(q - x->base), (size_t)(r - q), x->line);
			if (v)
				v->flags |= TF_SYNTH;
			p = r;
			if (p < end && *p == '[') {
				/* $a[key], $a[0], $a[$i] */
				const char *k = p + 1, *ke = k;
				while (ke < end && *ke != ']' && *ke != '"' && ke - k < 256)
					ke++;
				if (ke < end && *ke == ']') {
					synth_op(x, '[', p);
					if (*k == '$') {
						struct tok *kv =
						    lex_push(L, T_VAR, (size_t)(k + 1 - x->base),
						             (size_t)(ke - k - 1), x->line);
						if (kv)
							kv->flags |= TF_SYNTH;
					} else {
						synth_str(x, k, k, (size_t)(ke - k), 0);
					}
					synth_op(x, ']', ke);
					p = ke + 1;
				}
			} else if (end - p > 2 && p[0] == '-' && p[1] == '>' &&
			           id_start((unsigned char)p[2])) {
				synth_op(x, OP2('-', '>'), p);
				const char *n = p + 2, *ne = n;
				while (ne < end && id_char((unsigned char)*ne))
					ne++;
				struct tok *nt = lex_push(L, T_NAME, (size_t)(n - x->base),
				                          (size_t)(ne - n), x->line);
				if (nt)
					nt->flags |= TF_SYNTH;
				p = ne;
			}
		}
	}
	if (!any) {
		/* the closing quote, when there is one */
		size_t tl = (size_t)(end - at) + (end < x->end ? 1 : 0);
		struct tok *t = lex_push(L, T_STR, (size_t)(at - x->base), tl, line0);
		uint32_t s0 = lex_str_begin(L);
		if (lit.n)
			lex_str_add(L, lit.p, lit.n);
		if (t)
			t->flags |= fl;
		lex_str_end(L, t, s0);
	} else {
		if (lit.n) {
			synth_op(x, '.', end);
			synth_str(x, end, lit.p, lit.n, fl);
		}
		synth_op(x, ')', end);
	}
	free(lit.p);
}

/* A heredoc or nowdoc starting at p ("<<<"). Returns past its closing marker. */
static const char *heredoc(struct php *x, const char *p)
{
	const char *end = x->end, *q = p + 3;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	bool now = false, quoted = false;
	if (q < end && (*q == '\'' || *q == '"')) {
		now = *q == '\'';
		quoted = true;
		q++;
	}
	const char *id = q;
	while (q < end && id_char((unsigned char)*q))
		q++;
	size_t idn = (size_t)(q - id);
	if (!idn)
		return NULL;
	if (quoted && q < end)
		q++;
	const char *nl = memchr(q, '\n', (size_t)(end - q));
	if (!nl)
		return NULL;
	const char *body = nl + 1;
	x->line++;
	/* the closing marker: a line whose first non-blank characters are the id, not followed by
	 * an identifier character */
	const char *ls = body, *close = NULL, *after = end;
	while (ls < end) {
		const char *s = ls;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(end - s) >= idn && memcmp(s, id, idn) == 0 &&
		    (s + idn == end || !id_char((unsigned char)s[idn]))) {
			close = ls;
			after = s + idn;
			break;
		}
		const char *e = memchr(ls, '\n', (size_t)(end - ls));
		if (!e)
			break;
		ls = e + 1;
	}
	const char *bend = close ? close : end;
	/* the newline before the marker is not part of the text */
	const char *tend = bend > body && bend[-1] == '\n' ? bend - 1 : bend;
	uint32_t l0 = x->line;
	if (now) {
		struct tok *t =
		    lex_push(x->L, T_STR, (size_t)(p - x->base), (size_t)(after - p), l0);
		uint32_t s0 = lex_str_begin(x->L);
		lex_str_add(x->L, body, (size_t)(tend - body));
		lex_str_end(x->L, t, s0);
	} else {
		interpolated(x, p, body, tend);
	}
	/* count the body's lines */
	x->line = l0;
	for (const char *c = body; c < bend; c++)
		if (*c == '\n')
			x->line++;
	return after;
}

/* PHP code from p until "?>" (returns past it) or, with stop_brace, an unmatched '}' (returns
 * at it). */
static const char *code(struct php *x, const char *p, bool stop_brace)
{
	struct lex *L = x->L;
	const char *end = x->end;
	int braces = 0;
	uint8_t nlb = 0;
	if (++x->depth > 16) {
		/* absurd nesting of "{${"...: skip to the brace */
		while (p < end && *p != '}')
			p++;
		x->depth--;
		return p;
	}
	while (p < end && !L->truncated) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n') {
			x->line++;
			nlb = TF_NLB;
			p++;
			continue;
		}
		if (isspace(c)) {
			p++;
			continue;
		}
		if (c == '?' && p + 1 < end && p[1] == '>') {
			synth_op(x, ';', p);
			p += 2;
			break;
		}
		if (c == '#' || (c == '/' && p + 1 < end && p[1] == '/')) {
			if (c == '#' && p + 1 < end && p[1] == '[') {
				/* PHP 8 attribute: code */
				lex_push_op(L, '#', (size_t)(p - x->base), 1, x->line, nlb);
				p++;
				continue;
			}
			/* a line comment ends at the line or at "?>" */
			L->comments++;
			while (p < end && *p != '\n' && !(*p == '?' && p + 1 < end && p[1] == '>'))
				p++;
			continue;
		}
		if (c == '/' && p + 1 < end && p[1] == '*') {
			L->comments++;
			const char *q = p + 2;
			for (; q + 1 < end && !(q[0] == '*' && q[1] == '/'); q++)
				if (*q == '\n')
					x->line++;
			p = q + 1 < end ? q + 2 : end;
			continue;
		}
		size_t off = (size_t)(p - x->base);
		if (c == '$' && p + 1 < end && id_start((unsigned char)p[1])) {
			const char *q = p + 2;
			while (q < end && id_char((unsigned char)*q))
				q++;
			struct tok *t = lex_push(L, T_VAR, off + 1, (size_t)(q - p - 1), x->line);
			if (t)
				t->flags |= nlb;
			p = q;
			nlb = 0;
			continue;
		}
		if (id_start(c)) {
			const char *q = p + 1;
			while (q < end && id_char((unsigned char)*q))
				q++;
			struct tok *t = lex_push(L, T_NAME, off, (size_t)(q - p), x->line);
			if (t)
				t->flags |= nlb;
			p = q;
			nlb = 0;
			continue;
		}
		if (isdigit(c) || (c == '.' && p + 1 < end && isdigit((unsigned char)p[1]))) {
			const char *q = p;
			uint64_t v = 0;
			if (c == '0' && q + 1 < end && (q[1] == 'x' || q[1] == 'X')) {
				for (q += 2; q < end && (isxdigit((unsigned char)*q) || *q == '_');
				     q++)
					if (*q != '_')
						v = v << 4 | (uint64_t)lex_hexval(*q);
			} else if (c == '0' && q + 1 < end && (q[1] == 'b' || q[1] == 'B')) {
				for (q += 2; q < end && (*q == '0' || *q == '1' || *q == '_'); q++)
					if (*q != '_')
						v = v << 1 | (uint64_t)(*q - '0');
			} else if (c == '0' && q + 1 < end && isdigit((unsigned char)q[1])) {
				for (q++; q < end && *q >= '0' && *q <= '7'; q++)
					v = v * 8 + (uint64_t)(*q - '0');
			} else {
				for (; q < end && (isdigit((unsigned char)*q) || *q == '_'); q++)
					if (*q != '_')
						v = v * 10 + (uint64_t)(*q - '0');
			}
			while (q < end && (isalnum((unsigned char)*q) || *q == '.' || *q == '_'))
				q++;
			struct tok *t = lex_push(L, T_NUM, off, (size_t)(q - p), x->line);
			if (t) {
				t->sv = (uint32_t)v;
				t->flags |= nlb;
			}
			p = q;
			nlb = 0;
			continue;
		}
		if (c == '\'') {
			struct tok *t = lex_push(L, T_STR, off, 0, x->line);
			uint32_t s0 = lex_str_begin(L);
			const char *q = p + 1;
			while (q < end && *q != '\'') {
				if (*q == '\\' && q + 1 < end && (q[1] == '\\' || q[1] == '\'')) {
					lex_str_addc(L, q[1]);
					q += 2;
					continue;
				}
				if (*q == '\n')
					x->line++;
				lex_str_addc(L, *q++);
			}
			if (q < end)
				q++;
			if (t) {
				t->len = (uint32_t)(q - p);
				t->flags |= nlb;
			}
			lex_str_end(L, t, s0);
			p = q;
			nlb = 0;
			continue;
		}
		if (c == '"' || c == '`') {
			/* find the end first (escapes skipped), then decode */
			const char *q = p + 1;
			while (q < end && *q != (char)c) {
				if (*q == '\\' && q + 1 < end)
					q++;
				q++;
			}
			if (c == '`') {
				/* `cmd` is shell_exec("cmd"): the name is spelt in the arena */
				struct tok *t = lex_push(L, T_NAME, off, 1, x->line);
				uint32_t s0 = lex_str_begin(L);
				lex_str_add(L, "shell_exec", 10);
				lex_str_end(L, NULL, s0);
				if (t) {
					t->flags |= TF_SYNTH | TF_ANAME | nlb;
					t->sv = s0;
					t->sl = 10;
				}
				synth_op(x, '(', p);
			}
			interpolated(x, p, p + 1, q);
			if (c == '`')
				synth_op(x, ')', q);
			p = q < end ? q + 1 : end;
			nlb = 0;
			continue;
		}
		if (c == '<' && end - p > 3 && p[1] == '<' && p[2] == '<') {
			const char *q = heredoc(x, p);
			if (q) {
				p = q;
				nlb = 0;
				continue;
			}
		}
		if (c == '{')
			braces++;
		if (c == '}' && stop_brace && braces-- == 0)
			break;
		uint32_t op = c;
		size_t n = 1;
		for (const char *const *o = php_ops; *o; o++) {
			size_t k = strlen(*o);
			if ((size_t)(end - p) >= k && memcmp(p, *o, k) == 0) {
				op = 0;
				for (size_t i = 0; i < k; i++)
					op |= (uint32_t)(unsigned char)(*o)[i] << (8 * i);
				n = k;
				break;
			}
		}
		lex_push_op(L, op, off, n, x->line, nlb);
		p += n;
		nlb = 0;
	}
	x->depth--;
	return p;
}

/* The next PHP opening at or after p: returns where code starts, or NULL. */
static const char *next_open(struct php *x, const char *p, bool strict, bool *ret_echo,
                             const char **ret_tag)
{
	const char *end = x->end;
	for (; (p = memchr(p, '<', (size_t)(end - p))); p++) {
		size_t left = (size_t)(end - p);
		*ret_tag = p;
		if (left >= 2 && p[1] == '?') {
			if (left >= 5 && strncasecmp(p + 2, "php", 3) == 0 &&
			    (left == 5 || isspace((unsigned char)p[5]))) {
				*ret_echo = false;
				return p + 5;
			}
			if (left >= 3 && p[2] == '=' && !strict) {
				*ret_echo = true;
				return p + 3;
			}
			/* short tags, also "<?eval(...)"; not "<?xml" */
			if (!strict && (left == 2 || isspace((unsigned char)p[2]) ||
			                ((isalpha((unsigned char)p[2]) || p[2] == '@' ||
			                  p[2] == '$' || p[2] == '_') &&
			                 !(left >= 5 && strncasecmp(p + 2, "xml", 3) == 0)))) {
				*ret_echo = false;
				return p + 2;
			}
		}
		if (!strict && left > 30 && strncasecmp(p, "<script", 7) == 0) {
			const char *gt = memchr(p, '>', left < 120 ? left : 120);
			if (gt && memmem(p, (size_t)(gt - p), "php", 3)) {
				*ret_echo = false;
				return gt + 1;
			}
		}
	}
	return NULL;
}

void lex_php(struct lex *L, bool strict_open)
{
	struct php x = {.L = L, .base = L->view, .end = L->view + L->view_len, .line = 1};
	const char *p = x.base;
	while (p < x.end && !L->truncated) {
		bool echo = false;
		const char *tag = NULL;
		const char *q = next_open(&x, p, strict_open, &echo, &tag);
		if (!q)
			break;
		for (const char *c = p; c < q; c++)
			if (*c == '\n')
				x.line++;
		if (echo) {
			synth_op(&x, '(', q);
		}
		/* "<script language=php>" blocks end at "</script>": lex up to there */
		const char *stop = NULL;
		if (tag && tag[1] == 's') {
			stop = lex_memcasemem(q, (size_t)(x.end - q), "</script");
			if (stop) {
				const char *save_end = x.end;
				x.end = stop;
				(void)code(&x, q, false);
				x.end = save_end;
				synth_op(&x, ';', stop);
				p = stop + 8;
				continue;
			}
		}
		p = code(&x, q, false);
		if (echo) {
			/* "<?= expr ?>": the ';' made at "?>" ends it: put ')' before it */
			if (L->n && L->t[L->n - 1].kind == T_OP && L->t[L->n - 1].op == ';' &&
			    (L->t[L->n - 1].flags & TF_SYNTH)) {
				L->t[L->n - 1].op = ')';
				synth_op(&x, ';', p);
			} else {
				synth_op(&x, ')', p);
			}
		}
	}
}
