/* lex.h: small lexers for server-side script languages (PHP; Java in JSP/JSPX; VBScript in classic
 * ASP; C#, VB.NET and JScript in ASP.NET pages). Each turns a file into one token stream of code
 * only: comments are dropped, markup outside code blocks is dropped, string literals become
 * STR tokens with their decoded contents. The data-flow pass (dataflow.h) reads these tokens,
 * so a comment or a piece of HTML can never look like code.
 *
 * Tokens point into a "view": for PHP the file itself; for the others a copy holding only the
 * code blocks (entities and Java \u escapes decoded) with every newline kept, so a token's
 * line is the file's line. Linear time; memory bounded by LEX_MAX_TOKENS and the view size. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lex_lang {
	LANG_NONE = 0,
	LANG_PHP,
	LANG_JAVA, /* JSP, JSPX */
	LANG_VB,   /* VBScript (classic ASP), VB.NET (ASP.NET) */
	LANG_CS,   /* C# (ASP.NET) */
	LANG_JS,   /* JScript (classic ASP), JScript.NET (ASP.NET) */
};
const char *lex_lang_name(enum lex_lang l);

/* The page kind a file was read as, for rule names: php, jsp, asp, aspx. */
enum lex_page { PAGE_NONE = 0, PAGE_PHP, PAGE_JSP, PAGE_ASP, PAGE_ASPX };
const char *lex_page_name(enum lex_page p);

enum tok_kind {
	T_NAME = 1, /* identifier or keyword */
	T_VAR,      /* PHP variable: text without '$' */
	T_STR,      /* string literal: decoded contents in the arena */
	T_NUM,      /* number: value in num */
	T_OP,       /* punctuation: op holds up to 4 chars */
	T_EOS,      /* end of statement where the language has no ';' (VB lines, block ends) */
};

/* Pack an operator's characters: OP('-','>') */
#define OP1(a) ((uint32_t)(unsigned char)(a))
#define OP2(a, b) (OP1(a) | OP1(b) << 8)
#define OP3(a, b, c) (OP2(a, b) | OP1(c) << 16)

#define TF_SYNTH 0x01  /* made by the lexer (interpolation, block boundaries) */
#define TF_NLB 0x02    /* a newline before it */
#define TF_BLOB 0x04   /* a long string that looks encoded (base64, hex, escapes) */
#define TF_ESCAPE 0x08 /* a string spelled with escapes (\x41, \101, \u0041) */
#define TF_ANAME 0x10  /* T_NAME spelt in the arena (sv, sl), not in the view */

struct tok {
	uint32_t off, len; /* text in the view */
	uint32_t line;     /* 1-based */
	uint8_t kind;
	uint8_t flags;
	uint16_t pad;
	uint32_t op;   /* T_OP */
	int32_t match; /* matching bracket's index for ( [ { and ) ] }, -1 when unmatched */
	uint32_t sv;   /* T_STR: arena offset; T_NUM: value (low 32 bits) */
	uint32_t sl;   /* T_STR: decoded length */
};

#define LEX_MAX_TOKENS (1u << 19)
#define LEX_MAX_INPUT (8u << 20)

struct lex {
	enum lex_lang lang;
	enum lex_page page;
	const char *view; /* code text the tokens point into */
	size_t view_len;
	char *own_view; /* allocated view (NULL when it is the file) */
	struct tok *t;
	size_t n, cap;
	char *arena; /* decoded string contents (NUL after each) */
	size_t alen, acap;
	bool truncated;    /* token cap reached: the rest was not read */
	bool image;        /* the file looks like an image (code appended to a picture) */
	unsigned comments; /* comments dropped */
	bool encoded; /* server script in the Script Encoder's format (#@~^...^#~@): unreadable */
};

/* The language and page kind of a file, from its name and content; LANG_NONE when it cannot be
 * server-side code. Cheap: an extension test and a bounded look at the content. */
enum lex_lang lex_detect(const char *name, const unsigned char *data, size_t len,
                         enum lex_page *ret_page);
/* Lex a file as lang/page. Returns 0, or -1 when nothing could be read (no code block). */
int lex_run(struct lex *L, enum lex_lang lang, enum lex_page page, const unsigned char *data,
            size_t len);
void lex_free(struct lex *L);

/* Helpers for the lexers and the data-flow pass. */
static inline const char *tok_text(const struct lex *L, const struct tok *t)
{
	return L->view + t->off;
}
static inline const char *tok_str(const struct lex *L, const struct tok *t)
{
	return L->arena + t->sv;
}
/* A name's text and length (T_NAME, T_VAR). */
static inline const char *tok_name(const struct lex *L, const struct tok *t, size_t *ret_n)
{
	if (t->flags & TF_ANAME) {
		*ret_n = t->sl;
		return L->arena + t->sv;
	}
	*ret_n = t->len;
	return L->view + t->off;
}
/* Is token i the name s (case-insensitively where the language is)? */
bool tok_is(const struct lex *L, size_t i, const char *s);
bool tok_is_op(const struct lex *L, size_t i, uint32_t op);

/* Shared by the lexers (lex.c). */
struct tok *lex_push(struct lex *L, enum tok_kind k, size_t off, size_t len, uint32_t line);
void lex_push_op(struct lex *L, uint32_t op, size_t off, size_t len, uint32_t line, uint8_t flags);
/* Start a decoded string in the arena; append bytes; finish into token t. */
uint32_t lex_str_begin(struct lex *L);
void lex_str_add(struct lex *L, const void *p, size_t n);
void lex_str_addc(struct lex *L, char c);
void lex_str_end(struct lex *L, struct tok *t, uint32_t start);
/* Append a UTF-8 encoding of code point cp. */
void lex_str_utf8(struct lex *L, uint32_t cp);
/* Match brackets over the whole token array (after lexing). */
void lex_match(struct lex *L);
int lex_hexval(int c);
/* Case-insensitive search for the NUL-terminated needle in h[0..hn). */
const char *lex_memcasemem(const char *h, size_t hn, const char *needle);

/* The C family (Java, C#, JScript): lex view[0..len) (a code view). */
void lex_clike(struct lex *L, enum lex_lang lang);
/* VBScript / VB.NET over a code view. */
void lex_vb(struct lex *L);
/* PHP over the whole file (HTML outside <?php ?> skipped). */
void lex_php(struct lex *L, bool strict_open);

/* Code views (blocks of a page, markup dropped, newlines kept). */
struct view {
	char *p;
	size_t n, cap;
};
void view_add(struct view *v, const char *s, size_t n);
/* Copy the newlines of s[0..n) only. */
void view_lines(struct view *v, const char *s, size_t n);
/* JSP and JSPX pages (lex_java.c). */
int lex_jsp(struct lex *L, const unsigned char *data, size_t len);
/* Classic ASP and ASP.NET pages (lex_vb.c, lex_cs.c): the language from the page directive. */
int lex_asp(struct lex *L, enum lex_page page, const unsigned char *data, size_t len);
