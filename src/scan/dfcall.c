/* dfcall.c: what a call does in the data-flow pass: user functions get their arguments; library
 * functions act by role (dfapi.c): sources, decoders and decryption (folded when the input is a
 * constant), sinks (code, commands, class loading, includes), callbacks and reflection, sockets,
 * files and SQL. Sinks reached by request data, decoded blobs, sockets or disguised names
 * become findings; the file-level techniques (file manager, uploader) are decided at the end. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "scan/check.h"
#include "scan/df_int.h"
#include "util.h"

static const char *page_word(const struct df *d)
{
	switch (d->L->page) {
	case PAGE_PHP:
		return "PHP";
	case PAGE_JSP:
		return "JSP";
	case PAGE_ASP:
		return "ASP";
	case PAGE_ASPX:
		return "ASP.NET";
	default:
		return "the script";
	}
}

static bool ci_contains(const char *h, size_t hn, const char *needle)
{
	return h && lex_memcasemem(h, hn, needle) != NULL;
}

static bool recv_matches(const struct callsite *c, const char *want)
{
	if (!want)
		return true;
	if (c->recv_name && ci_contains(c->recv_name, c->recv_nlen, want))
		return true;
	if (c->recv && c->recv->cls && ci_contains(c->recv->cls, strlen(c->recv->cls), want))
		return true;
	return false;
}

static struct dval args_union(const struct callsite *c, unsigned mask)
{
	struct dval v = dv_none();
	for (size_t k = 0; k < c->nargs; k++)
		if (mask & (1u << (k < 15 ? k : 14)))
			dv_merge(&v, &c->args[k]);
	if ((mask & 0x8000) && c->recv)
		dv_merge(&v, c->recv);
	v.s = NULL;
	v.isnum = false;
	return v;
}

static bool name_eq(const struct callsite *c, const char *s)
{
	return c->name && strlen(s) == c->nlen && strncasecmp(c->name, s, c->nlen) == 0;
}

static bool str_starts(const struct dval *v, const char *prefix)
{
	size_t n = strlen(prefix);
	return v->s && v->sn >= n && strncasecmp(v->s, prefix, n) == 0;
}

static bool script_name(const struct dval *v)
{
	static const char *const ext[] = {".php",  ".phtml", ".php5", ".php7", ".phar",
	                                  ".jsp",  ".jspx",  ".asp",  ".aspx", ".ashx",
	                                  ".asmx", ".cer",   ".asa",  NULL};
	if (!v->s)
		return false;
	for (const char *const *e = ext; *e; e++) {
		size_t n = strlen(*e);
		if (v->sn >= n && strncasecmp(v->s + v->sn - n, *e, n) == 0)
			return true;
	}
	return false;
}

/* ---- constant folding of decoders ---- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

static size_t b64_decode(const char *s, size_t n, char *out, size_t max)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n && o < max; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xFF);
		}
	}
	return o;
}

static void set_const(struct df *d, struct dval *v, const char *s, size_t n)
{
	v->s = df_strdup(d, s, n);
	v->sn = v->s ? (uint32_t)n : 0;
	if (v->s)
		v->fl |= V_OBF;
}

/* Fold a decoder over constant input (names and short strings only). */
static void fold_decode(struct df *d, const struct callsite *c, struct dval *v)
{
	char buf[DF_MAX_CONST];
	const struct dval *a0 = c->nargs > 0 ? &c->args[0] : NULL;
	if (name_eq(c, "chr") || name_eq(c, "ChrW") || name_eq(c, "ChrB") || name_eq(c, "Chr")) {
		if (a0 && a0->isnum) {
			buf[0] = (char)(a0->num & 0xFF);
			set_const(d, v, buf, 1);
		}
		return;
	}
	if (name_eq(c, "fromCharCode")) {
		size_t n = 0;
		for (size_t k = 0; k < c->nargs && n < sizeof(buf); k++) {
			if (!c->args[k].isnum)
				return;
			buf[n++] = (char)(c->args[k].num & 0xFF);
		}
		set_const(d, v, buf, n);
		return;
	}
	if (name_eq(c, "reverse") && c->recv && c->recv->s && c->recv->sn <= sizeof(buf)) {
		for (size_t k = 0; k < c->recv->sn; k++)
			buf[k] = c->recv->s[c->recv->sn - 1 - k];
		set_const(d, v, buf, c->recv->sn);
		return;
	}
	if (!a0 || !a0->s)
		return;
	const char *s = a0->s;
	size_t n = a0->sn;
	if (name_eq(c, "pack")) {
		if (c->nargs < 2 || !c->args[1].s || !(str_starts(a0, "H") || str_starts(a0, "h")))
			return;
		s = c->args[1].s;
		n = c->args[1].sn;
		size_t o = 0;
		for (size_t k = 0; k + 1 < n && o < sizeof(buf); k += 2) {
			int hi = lex_hexval(s[k]), lo = lex_hexval(s[k + 1]);
			if (hi < 0 || lo < 0)
				return;
			buf[o++] = (char)(hi << 4 | lo);
		}
		set_const(d, v, buf, o);
		return;
	}
	if (name_eq(c, "str_rot13")) {
		if (n > sizeof(buf))
			return;
		for (size_t k = 0; k < n; k++) {
			char ch = s[k];
			if (ch >= 'a' && ch <= 'z')
				ch = (char)('a' + (ch - 'a' + 13) % 26);
			else if (ch >= 'A' && ch <= 'Z')
				ch = (char)('A' + (ch - 'A' + 13) % 26);
			buf[k] = ch;
		}
		set_const(d, v, buf, n);
		return;
	}
	if (name_eq(c, "strrev") || name_eq(c, "StrReverse")) {
		if (n > sizeof(buf))
			return;
		for (size_t k = 0; k < n; k++)
			buf[k] = s[n - 1 - k];
		set_const(d, v, buf, n);
		return;
	}
	if (name_eq(c, "hex2bin")) {
		size_t o = 0;
		for (size_t k = 0; k + 1 < n && o < sizeof(buf); k += 2) {
			int hi = lex_hexval(s[k]), lo = lex_hexval(s[k + 1]);
			if (hi < 0 || lo < 0)
				return;
			buf[o++] = (char)(hi << 4 | lo);
		}
		set_const(d, v, buf, o);
		return;
	}
	if (name_eq(c, "urldecode") || name_eq(c, "rawurldecode") || name_eq(c, "UrlDecode") ||
	    name_eq(c, "unescape")) {
		size_t o = 0;
		for (size_t k = 0; k < n && o < sizeof(buf); k++) {
			if (s[k] == '%' && k + 2 < n && lex_hexval(s[k + 1]) >= 0 &&
			    lex_hexval(s[k + 2]) >= 0) {
				buf[o++] = (char)(lex_hexval(s[k + 1]) << 4 | lex_hexval(s[k + 2]));
				k += 2;
			} else {
				buf[o++] = s[k] == '+' && !name_eq(c, "rawurldecode") ? ' ' : s[k];
			}
		}
		set_const(d, v, buf, o);
		return;
	}
	if (name_eq(c, "base64_decode") || name_eq(c, "decode") || name_eq(c, "decodeBuffer") ||
	    name_eq(c, "parseBase64Binary") || name_eq(c, "decodeBase64") ||
	    name_eq(c, "FromBase64String")) {
		/* only short ones: names and commands; a long one is a payload (V_BLOB) */
		if (n > DF_MAX_CONST * 4 / 3)
			return;
		size_t o = b64_decode(s, n, buf, sizeof(buf));
		set_const(d, v, buf, o);
	}
}

/* Fold the string functions obfuscators use to spell names: str_replace('x', '', 'axsxsxexrxt'),
 * strtolower('SYSTEM'), trim(' eval '), substr('xxassert', 2), implode('', array(...)). */
static void fold_pass(struct df *d, const struct callsite *c, struct dval *v)
{
	char buf[DF_MAX_CONST];
	const struct dval *a0 = c->nargs > 0 ? &c->args[0] : NULL;
	if (!a0)
		return;
	if ((name_eq(c, "str_replace") || name_eq(c, "str_ireplace")) && c->nargs >= 3 && a0->s &&
	    c->args[1].s && c->args[2].s && a0->sn > 0) {
		const struct dval *from = a0, *to = &c->args[1], *in = &c->args[2];
		size_t o = 0;
		for (size_t k = 0; k < in->sn;) {
			bool hit = k + from->sn <= in->sn &&
			           (name_eq(c, "str_ireplace")
			                ? strncasecmp(in->s + k, from->s, from->sn) == 0
			                : memcmp(in->s + k, from->s, from->sn) == 0);
			if (hit) {
				if (o + to->sn > sizeof(buf))
					return;
				memcpy(buf + o, to->s, to->sn);
				o += to->sn;
				k += from->sn;
			} else {
				if (o + 1 > sizeof(buf))
					return;
				buf[o++] = in->s[k++];
			}
		}
		set_const(d, v, buf, o);
		return;
	}
	if (!a0->s || a0->sn > sizeof(buf))
		return;
	size_t n = a0->sn;
	if (name_eq(c, "strtolower") || name_eq(c, "strtoupper")) {
		for (size_t k = 0; k < n; k++)
			buf[k] =
			    (char)(name_eq(c, "strtolower") ? tolower((unsigned char)a0->s[k])
			                                    : toupper((unsigned char)a0->s[k]));
		set_const(d, v, buf, n);
	} else if (name_eq(c, "trim") && c->nargs == 1) {
		size_t a = 0, z = n;
		while (a < z && isspace((unsigned char)a0->s[a]))
			a++;
		while (z > a && isspace((unsigned char)a0->s[z - 1]))
			z--;
		set_const(d, v, a0->s + a, z - a);
	} else if (name_eq(c, "substr") && c->nargs >= 2 && c->args[1].isnum) {
		int64_t st = c->args[1].num,
		        ln = c->nargs > 2 && c->args[2].isnum ? c->args[2].num : (int64_t)n;
		if (st < 0)
			st += (int64_t)n;
		if (st < 0 || st > (int64_t)n)
			return;
		if (ln < 0)
			ln += (int64_t)n - st;
		if (ln < 0)
			return;
		if (st + ln > (int64_t)n)
			ln = (int64_t)n - st;
		set_const(d, v, a0->s + st, (size_t)ln);
	} else if (name_eq(c, "strval") || name_eq(c, "sprintf")) {
		if (c->nargs == 1)
			set_const(d, v, a0->s, n);
	}
}

/* ---- sinks ---- */

static void sink_code(struct df *d, const struct callsite *c, const struct dval *v, bool obfname)
{
	const char *lw = page_word(d);
	int nl = (int)(c->nlen > 40 ? 40 : c->nlen);
	const char *nm = c->name ? c->name : "?";
	if (v->fl & V_TAINT) {
		if (v->fl & V_CRYPT)
			df_find(d, TECH_CRYPT_LOADER, SEV_CRITICAL, v, c->t0, c->t1,
			        "%s decrypts request data and evaluates it (%.*s)", lw, nl, nm);
		else if (obfname)
			df_find(d, TECH_OBFUSCATED, SEV_CRITICAL, v, c->t0, c->t1,
			        "%s evaluates request data through a disguised name (%.*s)", lw, nl,
			        nm);
		else
			df_find(d, TECH_EVAL_REQUEST, SEV_CRITICAL, v, c->t0, c->t1,
			        "%s evaluates request data as code (%.*s)", lw, nl, nm);
	} else if (v->fl & V_SOCKET) {
		df_find(d, TECH_REVERSE_SHELL, SEV_CRITICAL, v, c->t0, c->t1,
		        "%s evaluates code read from a socket (%.*s)", lw, nl, nm);
	} else if (v->fl & V_RPATH) {
		df_find(d, TECH_EVAL_REQUEST, SEV_HIGH, v, c->t0, c->t1,
		        "%s evaluates the content of a file the request names (%.*s)", lw, nl, nm);
	} else if (v->fl & V_REMOTE) {
		df_find(d, TECH_EVAL_REMOTE, SEV_HIGH, v, c->t0, c->t1,
		        "%s evaluates code fetched from a URL (%.*s)", lw, nl, nm);
	} else if (v->fl & V_CRYPT) {
		df_find(d, TECH_CRYPT_LOADER, SEV_HIGH, v, c->t0, c->t1,
		        "%s evaluates decrypted data (%.*s)", lw, nl, nm);
	} else if (v->fl & (V_DEC | V_BLOB)) {
		df_find(d, TECH_OBFUSCATED, SEV_HIGH, v, c->t0, c->t1,
		        "%s evaluates decoded or encoded code (%.*s)", lw, nl, nm);
	} else if (obfname) {
		df_find(d, TECH_OBFUSCATED, SEV_HIGH, v, c->t0, c->t1,
		        "%s calls %.*s through a disguised name", lw, nl, nm);
	}
}

static void sink_exec(struct df *d, const struct callsite *c, const struct dval *v, bool obfname)
{
	const char *lw = page_word(d);
	int nl = (int)(c->nlen > 40 ? 40 : c->nlen);
	const char *nm = c->name ? c->name : "?";
	/* a socket among the arguments: proc_open($cmd, [0 => $sock, ...]) */
	struct dval all = args_union(c, 0xffff);
	if (v->fl & V_TAINT) {
		if (obfname)
			df_find(
			    d, TECH_OBFUSCATED, SEV_CRITICAL, v, c->t0, c->t1,
			    "%s runs a command from the request through a disguised name (%.*s)",
			    lw, nl, nm);
		else
			df_find(d, TECH_EXEC_REQUEST, SEV_CRITICAL, v, c->t0, c->t1,
			        "%s runs a command taken from the request (%.*s)", lw, nl, nm);
	} else if (all.fl & V_SOCKET) {
		df_find(d, TECH_REVERSE_SHELL, SEV_CRITICAL, &all, c->t0, c->t1,
		        "%s wires a process to a socket (%.*s)", lw, nl, nm);
	} else if (v->fl & (V_DEC | V_BLOB | V_CRYPT)) {
		df_find(d, TECH_OBFUSCATED, SEV_HIGH, v, c->t0, c->t1,
		        "%s runs a decoded command (%.*s)", lw, nl, nm);
	} else if (obfname) {
		df_find(d, TECH_OBFUSCATED, SEV_HIGH, v, c->t0, c->t1,
		        "%s calls %.*s through a disguised name", lw, nl, nm);
	}
	/* a constant command: a reverse shell or a download-and-run line */
	for (size_t k = 0; k < c->nargs; k++) {
		const struct dval *a = &c->args[k];
		if (!a->s || a->sn < 8)
			continue;
		struct shellpat_hit h;
		if (!shellpat_classify(a->s, a->sn,
		                       SP_BIT(SP_REVERSE_SHELL) | SP_BIT(SP_DOWNLOAD_EXEC) |
		                           SP_BIT(SP_BASE64_EXEC),
		                       &h))
			continue;
		if (h.kind == SP_REVERSE_SHELL)
			df_find(d, TECH_REVERSE_SHELL, SEV_CRITICAL, a, c->t0, c->t1,
			        "%s runs a reverse shell (%.*s)", lw, nl, nm);
		else if (h.kind == SP_DOWNLOAD_EXEC)
			df_find(d, TECH_EVAL_REMOTE, SEV_HIGH, a, c->t0, c->t1,
			        "%s downloads and runs a program (%.*s)", lw, nl, nm);
		else
			df_find(d, TECH_OBFUSCATED, SEV_HIGH, a, c->t0, c->t1,
			        "%s runs a base64-decoded shell command (%.*s)", lw, nl, nm);
	}
}

static void sink_load(struct df *d, const struct callsite *c, const struct dval *v)
{
	const char *lw = page_word(d);
	int nl = (int)(c->nlen > 40 ? 40 : c->nlen);
	const char *nm = c->name ? c->name : "?";
	if (name_eq(c, "loadClass")) {
		/* a class by name: BCEL's "$$BCEL$$..." carries the class in its name */
		if (c->nargs && str_starts(&c->args[0], "$$BCEL$$"))
			df_find(d, TECH_CLASS_LOADER, (v->fl & V_TAINT) ? SEV_CRITICAL : SEV_HIGH,
			        v, c->t0, c->t1, "%s loads a class from BCEL-encoded bytes (%.*s)",
			        lw, nl, nm);
		else if (v->fl & V_TAINT)
			df_find(d, TECH_DYNAMIC_CALL, SEV_HIGH, v, c->t0, c->t1,
			        "%s loads a class the request names (%.*s)", lw, nl, nm);
		return;
	}
	if (v->fl & V_TAINT) {
		if (v->fl & V_CRYPT)
			df_find(d, TECH_CRYPT_LOADER, SEV_CRITICAL, v, c->t0, c->t1,
			        "%s decrypts request bytes and loads them as code (%.*s)", lw, nl,
			        nm);
		else
			df_find(d, TECH_CLASS_LOADER, SEV_CRITICAL, v, c->t0, c->t1,
			        "%s loads request bytes as code (%.*s)", lw, nl, nm);
	} else if (v->fl & V_CRYPT) {
		df_find(d, TECH_CRYPT_LOADER, SEV_HIGH, v, c->t0, c->t1,
		        "%s loads decrypted bytes as code (%.*s)", lw, nl, nm);
	} else if (v->fl & (V_DEC | V_BLOB)) {
		df_find(d, TECH_CLASS_LOADER, SEV_HIGH, v, c->t0, c->t1,
		        "%s loads code from an embedded encoded blob (%.*s)", lw, nl, nm);
	}
}

static void sink_include(struct df *d, const struct callsite *c, const struct dval *v)
{
	const char *lw = page_word(d);
	int nl = (int)(c->nlen > 40 ? 40 : c->nlen);
	const char *nm = c->name ? c->name : "?";
	/* a URL scheme spelt in the expression: include 'data:...' . $x */
	bool data_uri = false, input = false;
	for (size_t k = c->t0; k < c->t1 && k < d->L->n; k++) {
		const struct tok *t = &d->L->t[k];
		if (t->kind != T_STR)
			continue;
		const char *s = tok_str(d->L, t);
		if (t->sl >= 5 && (strncasecmp(s, "data:", 5) == 0 ||
		                   (t->sl >= 7 && strncasecmp(s, "data://", 7) == 0)))
			data_uri = true;
		if (t->sl >= 11 && strncasecmp(s, "php://input", 11) == 0)
			input = true;
	}
	if (str_starts(v, "php://input") || (v->fl & V_BODY) || input)
		df_find(d, TECH_EVAL_REQUEST, SEV_CRITICAL, v, c->t0, c->t1,
		        "%s runs the request body as code (%.*s php://input)", lw, nl, nm);
	else if ((str_starts(v, "data:") || data_uri) && (v->fl & (V_TAINT | V_DEC | V_BLOB)))
		df_find(d, TECH_OBFUSCATED, (v->fl & V_TAINT) ? SEV_CRITICAL : SEV_HIGH, v, c->t0,
		        c->t1, "%s runs code from a data: URI (%.*s)", lw, nl, nm);
	else if (str_starts(v, "http://") || str_starts(v, "https://") || str_starts(v, "ftp://") ||
	         (v->fl & V_REMOTE))
		df_find(d, TECH_EVAL_REMOTE, SEV_HIGH, v, c->t0, c->t1,
		        "%s runs code from a URL (%.*s)", lw, nl, nm);
	else if (v->fl & V_UPLOAD)
		df_find(d, TECH_EVAL_REQUEST, SEV_CRITICAL, v, c->t0, c->t1,
		        "%s runs an uploaded file as code (%.*s)", lw, nl, nm);
	else if ((v->fl & V_TAINT) && !(v->fl & V_AFFIX))
		df_find(d, TECH_EVAL_REQUEST, SEV_HIGH, v, c->t0, c->t1,
		        "%s runs a file the request names (%.*s)", lw, nl, nm);
	else if ((v->fl & V_DEC) && (v->fl & (V_BLOB | V_CRYPT)))
		df_find(d, TECH_OBFUSCATED, SEV_HIGH, v, c->t0, c->t1,
		        "%s runs decoded code (%.*s)", lw, nl, nm);
}

/* Code spelt as a constant and evaluated: read it as code too (eval('system($_GET[c]);'),
 * Execute("eval request(""x"")"), a script control's ExecuteStatement). Two levels at most. */
static void sink_const_code(struct df *d, const struct callsite *c, const struct dval *v,
                            enum lex_lang lang)
{
	if (!v->s || v->sn < 6 || v->sn > (64u << 10) || d->nest >= 2)
		return;
	struct buf b = {0};
	enum lex_page page = PAGE_ASP;
	if (lang == LANG_PHP) {
		buf_append(&b, "<?php ", 6);
		page = PAGE_PHP;
	} else if (lang == LANG_VB) {
		buf_append(&b, "<%", 2);
	} else if (lang == LANG_JS) {
		buf_printf(&b, "<%%@ Page Language=\"JScript\"%%><%%");
		page = PAGE_ASPX;
	} else {
		return;
	}
	buf_append(&b, v->s, v->sn);
	if (lang != LANG_PHP)
		buf_append(&b, "%>", 2);
	struct lex L2;
	if (lex_run(&L2, lang, page, (const unsigned char *)b.data, b.len) == 0) {
		struct df_result r;
		df_analyze_nested(&L2, &r, d->nest + 1);
		for (int t = 0; t < N_TECH; t++)
			if (r.have[t] && r.f[t].sev >= SEV_MEDIUM)
				df_find(d, (enum df_tech)t, r.f[t].sev, v, c->t0, c->t1,
				        "%s, in code spelt in a string and run by %.*s: %s",
				        r.f[t].reason, (int)(c->nlen > 40 ? 40 : c->nlen),
				        c->name ? c->name : "?", r.f[t].path);
		df_result_free(&r);
	}
	lex_free(&L2);
	buf_free(&b);
}

/* The language of code an evaluator runs. */
static enum lex_lang eval_lang(const struct df *d, const struct callsite *c)
{
	if (d->lang == LANG_PHP)
		return LANG_PHP;
	if (d->lang == LANG_VB && !(c->recv && c->recv->cls))
		return LANG_VB;
	if (c->recv && c->recv->cls && strstr(c->recv->cls, "scriptcontrol"))
		return LANG_VB; /* its Language is VBScript unless set otherwise */
	return LANG_JS;         /* JScript eval, ScriptEngine (JavaScript) */
}

/* ---- file-level facts ---- */

static void fm_note(struct df *d, unsigned cat, const struct dval *path, const struct callsite *c)
{
	if (!DF_REQ_PATH(path))
		return;
	if (!d->fm.cats) {
		d->fm.step = path->step;
		d->fm.t0 = c->t0;
		d->fm.t1 = c->t1;
	}
	d->fm.cats |= 1u << cat;
}

static void uploader(struct df *d, const struct callsite *c, const struct dval *path,
                     const struct dval *data, int sev)
{
	const char *lw = page_word(d);
	if ((data->fl & V_AFFIX) && !(data->fl & V_UPLOAD))
		return; /* request values inside text the code writes (a config file, a log) */
	if (script_name(path) || (path->fl & V_SCRIPT))
		df_find(d, TECH_UPLOADER, SEV_HIGH, data, c->t0, c->t1,
		        "%s writes request data into a server-side script", lw);
	else if ((path->fl & (V_TAINT | V_REQFILE)) && !(path->fl & V_UPLOAD) &&
	         (!(data->fl & V_UPLOAD) || DF_REQ_PATH(path)))
		/* request content anywhere the request says; an upload only where the request says
		 * from the start (not a name inside the application's upload directory) */
		df_find(d, TECH_UPLOADER, sev, data, c->t0, c->t1,
		        "%s writes request data into a file the request names", lw);
}

static void store_arg(struct df *d, const struct callsite *c, size_t k, const struct dval *v)
{
	if (k < c->nargs && c->arg_t1[k] > c->arg_t0[k])
		df_store(d, c->arg_t0[k], c->arg_t1[k], v);
}

static void store_recv(struct df *d, const struct callsite *c, const struct dval *v)
{
	if (c->recv && c->recv_t1 > c->recv_t0)
		df_store(d, c->recv_t0, c->recv_t1, v);
}

/* A file opened for writing: a handle, not data; it remembers whether the request chose it. */
static struct dval file_handle(const struct dval *path, const struct dval *name)
{
	struct dval v = dv_none();
	v.fl = V_FILE | (script_name(name) ? V_SCRIPT : 0);
	if (path->fl & V_TAINT)
		v.fl |= V_REQFILE | (path->fl & (V_FIXHEAD | V_UPLOAD | V_AFFIX));
	v.step2 = path->step;
	return v;
}

static int path_len(const struct df *d, int32_t step)
{
	int n = 0;
	for (; step >= 0 && n < 64; step = d->steps[step].prev)
		n++;
	return n;
}

/* ---- roles ---- */

static struct dval call_resolved(struct df *d, struct callsite *c);

/* Call what a callback value names, with the arguments args. */
static struct dval call_value(struct df *d, const struct callsite *outer, const struct dval *cb,
                              struct dval *args, size_t nargs)
{
	/* the callback gets elements, matches or keys of what it is given: every parameter may
	 * hold any of it */
	struct dval all = dv_none(), spread[DF_MAX_ARGS];
	for (size_t k = 0; k < nargs; k++)
		dv_merge(&all, &args[k]);
	all.s = nargs == 1 ? args[0].s : NULL;
	all.sn = nargs == 1 ? args[0].sn : 0;
	size_t n = nargs > 4 ? nargs : 4;
	if (n > DF_MAX_ARGS)
		n = DF_MAX_ARGS;
	for (size_t k = 0; k < n; k++)
		spread[k] = all;
	struct callsite c2 = {.form = FORM_FUNC,
	                      .args = spread,
	                      .nargs = nargs ? n : 0,
	                      .t0 = outer->t0,
	                      .t1 = outer->t1,
	                      .fv = cb};
	return df_call(d, &c2);
}

static struct dval role(struct df *d, struct callsite *c, const struct df_api *a)
{
	struct dval sel = args_union(c, a->args);
	struct dval v = dv_none();
	const char *lw = page_word(d);
	switch (a->role) {
	case R_SOURCE:
		v.fl = V_REQ;
		if (name_eq(c, "getInputStream") || name_eq(c, "getReader"))
			v.fl |= V_BODY;
		return v;
	case R_CLEAN:
		return v;
	case R_PASS:
		v = sel;
		fold_pass(d, c, &v);
		if (name_eq(c, "getenv") && c->nargs >= 1 && c->args[0].s &&
		    df_php_server_key(c->args[0].s, c->args[0].sn)) {
			v = dv_none();
			v.fl = V_REQ; /* getenv('HTTP_X_CMD') */
		}
		if (name_eq(c, "filter_var") && c->nargs >= 3 && c->args[2].s) {
			/* filter_var($x, FILTER_CALLBACK, array('options' => 'assert')) */
			struct dval cb = c->args[2];
			(void)call_value(d, c, &cb, c->args, 1);
		}
		return v;
	case R_SANITIZE:
		sel.fl &= ~(uint32_t)V_TAINT;
		return sel;
	case R_DECODE:
		v = sel;
		v.fl |= V_DEC;
		fold_decode(d, c, &v);
		return v;
	case R_CRYPT:
		v = sel;
		v.fl |= V_CRYPT;
		return v;
	case R_EVAL:
		if (name_eq(c, "transformNode") || name_eq(c, "transformNodeToObject")) {
			/* XSLT: a stylesheet with an msxsl:script block runs code */
			const struct dval *sty = c->nargs ? &c->args[0] : &sel;
			const struct dval *doc = c->recv ? c->recv : &sel;
			if (sty->fl & V_TAINT)
				df_find(d, TECH_EVAL_REQUEST, SEV_CRITICAL, sty, c->t0, c->t1,
				        "%s runs an XSL stylesheet from the request (msxsl:script)",
				        lw);
			else if ((sty->fl & V_XSLSCRIPT) && (doc->fl & V_TAINT))
				df_find(
				    d, TECH_EVAL_REQUEST, SEV_CRITICAL, doc, c->t0, c->t1,
				    "%s hands request data to script embedded in an XSL stylesheet "
				    "(msxsl:script)",
				    lw);
			else if (sty->fl & V_XSLSCRIPT)
				df_find(
				    d, TECH_OBFUSCATED, SEV_HIGH, sty, c->t0, c->t1,
				    "%s runs script embedded in an XSL stylesheet (msxsl:script)",
				    lw);
			return sel;
		}
		sink_code(d, c, &sel, c->obf);
		for (size_t k = 0; k < c->nargs && k < 15; k++)
			if ((a->args & (1u << k)) && c->args[k].s)
				sink_const_code(d, c, &c->args[k], eval_lang(d, c));
		if (name_eq(c, "create_function"))
			return dv_none(); /* a lambda's name: the body was the sink */
		return sel;
	case R_EXEC: {
		sink_exec(d, c, &sel, c->obf);
		if (a->cb >= 0 && (size_t)a->cb < c->nargs) {
			/* proc_open's $pipes */
			struct dval pv = dv_none();
			pv.fl = V_PROCESS;
			store_arg(d, c, (size_t)a->cb, &pv);
		}
		v = sel;
		v.fl |= V_PROCESS;
		return v;
	}
	case R_LOAD:
		sink_load(d, c, &sel);
		return sel;
	case R_INCLUDE:
		if (c->nargs)
			sink_include(d, c, &c->args[0]);
		return sel;
	case R_CALLBACK: {
		if (a->cb < 0 || (size_t)a->cb >= c->nargs)
			return sel;
		const struct dval cb = c->args[a->cb];
		struct dval rest[DF_MAX_ARGS];
		size_t nr = 0;
		for (size_t k = 0; k < c->nargs; k++)
			if (k != (size_t)a->cb)
				rest[nr++] = c->args[k];
		if (name_eq(c, "call_user_func_array") || name_eq(c, "forward_static_call_array")) {
			/* the array holds the arguments */
		}
		(void)call_value(d, c, &cb, rest, nr);
		return sel;
	}
	case R_PREG: {
		if (c->nargs < 2)
			return sel;
		const struct dval *pat = &c->args[0], *rep = &c->args[1];
		bool e_mod = false;
		if (a->cb >= 0) {
			/* mb_ereg_replace: the options argument */
			e_mod = (size_t)a->cb < c->nargs && c->args[a->cb].s &&
			        memchr(c->args[a->cb].s, 'e', c->args[a->cb].sn);
		} else if (pat->s && pat->sn >= 2) {
			char open = pat->s[0];
			char close = open == '('   ? ')'
			             : open == '{' ? '}'
			             : open == '[' ? ']'
			             : open == '<' ? '>'
			                           : open;
			if (!isalnum((unsigned char)open) && open != '\\') {
				const char *end = pat->s + pat->sn;
				const char *q = end;
				while (q > pat->s + 1 && q[-1] != close)
					q--;
				for (const char *m = q; m < end; m++)
					if (*m == 'e')
						e_mod = true;
			}
		}
		if (e_mod) {
			struct callsite c2 = *c;
			sink_code(d, &c2, rep, c->obf);
			sink_const_code(d, &c2, rep, LANG_PHP);
		} else if (!pat->s && (pat->fl & V_TAINT) && (rep->fl & V_TAINT)) {
			df_find(
			    d, TECH_EVAL_REQUEST, SEV_LOW, rep, c->t0, c->t1,
			    "%s lets the request choose a regular expression and its replacement "
			    "(preg_replace /e)",
			    lw);
		}
		return sel;
	}
	case R_REFLECT: {
		size_t k = 0;
		while (k < c->nargs && k < 15 && !(a->args & (1u << k)))
			k++;
		const struct dval *nm = k < c->nargs ? &c->args[k] : NULL;
		bool cls =
		    name_eq(c, "forName") || name_eq(c, "GetType") || name_eq(c, "ReflectionClass");
		if (c->recv)
			v.cls = c->recv->cls;
		if (nm && nm->s) {
			size_t n = nm->sn > 96 ? 96 : nm->sn;
			char buf[128];
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)tolower((unsigned char)nm->s[i]);
			if (cls) {
				v.cls = df_strdup(d, buf, n);
			} else {
				v.meth = df_strdup(d, nm->s, n);
				if (nm->fl & V_OBF)
					v.fl |= V_OBF;
			}
		} else if (nm && (nm->fl & V_TAINT)) {
			v.fl |= V_REQ;
			v.step = nm->step;
		}
		if (name_eq(c, "InvokeMember") && v.meth) {
			/* type.InvokeMember("Start", flags, binder, target, args) */
			struct dval recv = dv_none();
			recv.cls = v.cls;
			struct callsite c2 = {.name = v.meth,
			                      .nlen = strlen(v.meth),
			                      .form = FORM_METHOD,
			                      .recv = &recv,
			                      .recv_name = v.cls,
			                      .recv_nlen = v.cls ? strlen(v.cls) : 0,
			                      .args = c->nargs > 4 ? &c->args[4] : NULL,
			                      .nargs = c->nargs > 4 ? 1 : 0,
			                      .t0 = c->t0,
			                      .t1 = c->t1,
			                      .obf = (v.fl & V_OBF) != 0};
			return call_resolved(d, &c2);
		}
		return v;
	}
	case R_INVOKE: {
		const struct dval *r = c->recv;
		if (!r)
			return sel;
		if (name_eq(c, "set") && r->meth && strcmp(r->meth, "_bytecodes") == 0) {
			df_find(d, TECH_CLASS_LOADER, (sel.fl & V_TAINT) ? SEV_CRITICAL : SEV_HIGH,
			        &sel, c->t0, c->t1,
			        "%s plants class bytes in TemplatesImpl._bytecodes", lw);
			return sel;
		}
		if (name_eq(c, "set"))
			return sel;
		if (r->fl & V_TAINT)
			df_find(d, TECH_DYNAMIC_CALL, (sel.fl & V_TAINT) ? SEV_CRITICAL : SEV_HIGH,
			        r, c->t0, c->t1, "%s invokes a method the request names (%.*s)", lw,
			        (int)c->nlen, c->name);
		if (r->meth) {
			/* Method.invoke(target, args...), MethodInfo.Invoke(target, object[]),
			 * ReflectionFunction::invoke(args...) */
			bool skip_target = d->lang != LANG_PHP;
			struct dval inner[DF_MAX_ARGS];
			size_t ni = 0;
			for (size_t k = skip_target ? 1 : 0; k < c->nargs && ni < DF_MAX_ARGS; k++)
				inner[ni++] = c->args[k];
			/* the target object is the receiver: pb.start() through invoke(pb) */
			struct dval recv = skip_target && c->nargs ? c->args[0] : dv_none();
			recv.s = NULL;
			recv.cls = r->cls;
			struct callsite c2 = {.name = r->meth,
			                      .nlen = strlen(r->meth),
			                      .form = d->lang == LANG_PHP ? FORM_FUNC : FORM_METHOD,
			                      .recv = d->lang == LANG_PHP ? NULL : &recv,
			                      .recv_name = r->cls,
			                      .recv_nlen = r->cls ? strlen(r->cls) : 0,
			                      .args = inner,
			                      .nargs = ni,
			                      .t0 = c->t0,
			                      .t1 = c->t1,
			                      .obf = (r->fl & V_OBF) != 0};
			v = call_resolved(d, &c2);
			dv_merge(&v, &sel);
			return v;
		}
		if (sel.fl & V_CRYPT)
			df_find(d, TECH_CRYPT_LOADER, SEV_HIGH, &sel, c->t0, c->t1,
			        "%s invokes a reflected method on decrypted data", lw);
		return sel;
	}
	case R_SOCKET:
		v.fl = V_SOCKET;
		if (sel.fl & V_TAINT) {
			v.fl |= V_NET;
			v.step = sel.step;
		}
		return v;
	case R_CONNECT: {
		struct dval s = dv_none();
		s.fl = V_SOCKET | ((sel.fl & V_TAINT) ? V_NET : 0);
		s.step = sel.step;
		if (a->cb >= 0)
			store_arg(d, c, (size_t)a->cb, &s);
		else
			store_recv(d, c, &s);
		return dv_none();
	}
	case R_SEND: {
		const struct dval *h =
		    a->cb >= 0 ? ((size_t)a->cb < c->nargs ? &c->args[a->cb] : NULL) : c->recv;
		if (!h)
			return dv_none();
		if (h->fl & V_SOCKET) {
			if ((sel.fl & V_TAINT) && (h->fl & V_NET))
				df_find(
				    d, TECH_TUNNEL, SEV_CRITICAL, &sel, c->t0, c->t1,
				    "%s forwards request data to a host and port the request names",
				    lw);
			else if (sel.fl & V_PROCESS)
				df_find(d, TECH_REVERSE_SHELL, SEV_CRITICAL, &sel, c->t0, c->t1,
				        "%s sends a process's output to a socket", lw);
		} else if ((h->fl & V_PROCESS) && (sel.fl & V_SOCKET)) {
			df_find(d, TECH_REVERSE_SHELL, SEV_CRITICAL, &sel, c->t0, c->t1,
			        "%s feeds data read from a socket to a process", lw);
		} else if ((h->fl & V_FILE) && (sel.fl & (V_TAINT | V_UPLOAD))) {
			uploader(d, c, h, &sel, SEV_HIGH);
		} else if (sel.fl) {
			/* a stream or buffer: it now holds the data */
			struct dval w = sel;
			if (a->cb >= 0)
				store_arg(d, c, (size_t)a->cb, &w);
			else
				store_recv(d, c, &w);
		}
		return dv_none();
	}
	case R_READINTO: {
		struct dval src = c->recv ? *c->recv : dv_none();
		src.s = NULL;
		for (size_t k = 0; k < c->nargs; k++)
			if (!c->args[k].isnum)
				store_arg(d, c, k, &src);
		return src;
	}
	case R_MUTATE: {
		struct dval w = sel;
		if (c->recv) {
			w = *c->recv;
			for (size_t k = 0; k < c->nargs; k++)
				dv_merge(&w, &c->args[k]);
			w.s = NULL;
			struct dval add = args_union(c, 0x7fff);
			if (add.fl || add.fn >= 0)
				store_recv(d, c, &add);
		}
		return w;
	}
	case R_OUTPARAM:
		if (a->cb >= 0 && (size_t)a->cb < c->nargs) {
			if (name_eq(c, "array_push") || name_eq(c, "array_unshift")) {
				struct dval add = args_union(c, 0x7ffe);
				store_arg(d, c, 0, &add);
			} else {
				store_arg(d, c, (size_t)a->cb, &sel);
			}
		} else if ((sel.fl & V_TAINT) &&
		           (name_eq(c, "parse_str") || name_eq(c, "mb_parse_str"))) {
			df_wild(d, &sel); /* parse_str($query) with no array: every variable */
		}
		return name_eq(c, "preg_match") || name_eq(c, "preg_match_all") ? dv_none() : sel;
	case R_PROCESS:
		v = c->recv ? *c->recv : dv_none();
		v.fl |= V_PROCESS;
		v.s = NULL;
		if (v.fl & V_TAINT)
			sink_exec(d, c, &v, false);
		return v;
	case R_FILE_READ: {
		const struct dval *p = c->nargs ? &c->args[0] : &sel;
		if (str_starts(p, "php://input")) {
			v.fl = V_REQ | V_BODY;
			return v;
		}
		if (str_starts(p, "http://") || str_starts(p, "https://") ||
		    str_starts(p, "ftp://")) {
			v.fl = V_REMOTE;
			return v;
		}
		if (name_eq(c, "fopen") && c->nargs > 1 && c->args[1].s &&
		    strpbrk(c->args[1].s, "waxc+")) {
			fm_note(d, R_FILE_WRITE, &sel, c);
			return file_handle(&sel, p);
		}
		if (name_eq(c, "fopen") && str_starts(p, "php://"))
			return v; /* php://stdin, php://memory */
		fm_note(d, R_FILE_READ, &sel, c);
		if (d->lang != LANG_PHP)
			return sel; /* a reader object: what is read from it follows */
		/* the content of a file, not the request's data: what matters is whether the
		 * request chose the file */
		if ((p->fl & V_TAINT) && !(p->fl & V_AFFIX)) {
			v.fl = V_RPATH;
			v.step = -1;
			v.step2 = p->step;
		}
		return v;
	}
	case R_FILE_WRITE: {
		fm_note(d, R_FILE_WRITE, &sel, c);
		size_t pk = 0;
		while (pk + 1 < c->nargs && pk < 14 && !(a->args & (1u << pk)))
			pk++;
		const struct dval *p = c->nargs ? &c->args[pk] : &sel;
		if (name_eq(c, "file_put_contents") && c->nargs > 1 &&
		    (c->args[1].fl & (V_TAINT | V_UPLOAD)))
			uploader(d, c, &c->args[0], &c->args[1], SEV_HIGH);
		if ((name_eq(c, "copy") || name_eq(c, "rename")) && c->nargs > 1 &&
		    (c->args[0].fl & V_UPLOAD))
			uploader(d, c, &c->args[1], &c->args[0], SEV_MEDIUM);
		return file_handle(&sel, p);
	}
	case R_FILE_DELETE:
	case R_FILE_LIST:
		fm_note(d, a->role, &sel, c);
		return sel;
	case R_UPLOAD: {
		fm_note(d, R_UPLOAD, &sel, c);
		const struct dval *dst = c->nargs > 1 && name_eq(c, "move_uploaded_file")
		                             ? &c->args[1]
		                         : c->nargs ? &c->args[0]
		                                    : &sel;
		struct dval data = c->recv ? *c->recv : dv_none();
		if (name_eq(c, "move_uploaded_file") && c->nargs)
			data = c->args[0];
		if (data.fl & (V_TAINT | V_UPLOAD))
			uploader(d, c, dst, &data, SEV_MEDIUM);
		return sel;
	}
	case R_SQL:
		if ((sel.fl & V_TAINT) && !(sel.fl & V_AFFIX) && !d->sql.seen) {
			d->sql.seen = true;
			d->sql.step = sel.step;
			d->sql.t0 = c->t0;
			d->sql.t1 = c->t1;
		}
		v.fl = V_SQL;
		return v;
	case R_OBJECT: {
		const struct dval *p = c->nargs ? &c->args[0] : NULL;
		if (p && p->s) {
			char buf[96];
			size_t n = p->sn < sizeof(buf) ? p->sn : sizeof(buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)tolower((unsigned char)p->s[i]);
			v.cls = df_strdup(d, buf, n);
		}
		return v;
	}
	case R_EXTRACT:
		if ((sel.fl & V_TAINT) || name_eq(c, "import_request_variables")) {
			struct dval w = sel;
			w.fl |= V_REQ;
			df_wild(d, &w);
		}
		return dv_none();
	case R_PUTENV: {
		bool ld = false;
		for (size_t k = c->t0; k < c->t1 && k < d->L->n; k++) {
			const struct tok *t = &d->L->t[k];
			if (t->kind == T_STR && t->sl >= 10 &&
			    strncasecmp(tok_str(d->L, t), "LD_PRELOAD", 10) == 0)
				ld = true;
		}
		if (ld && !d->putenv_ld.seen) {
			d->putenv_ld.seen = true;
			d->putenv_ld.t0 = c->t0;
			d->putenv_ld.t1 = c->t1;
		}
		return dv_none();
	}
	case R_MAILER:
		if (!d->mailer.seen) {
			d->mailer.seen = true;
			d->mailer.t0 = c->t0;
			d->mailer.t1 = c->t1;
		}
		return dv_none();
	}
	return sel;
}

/* A call by name, once user functions have been tried. */
static struct dval call_resolved(struct df *d, struct callsite *c)
{
	const struct df_api *ents[8];
	size_t n = c->name ? df_api_find(d->lang, c->name, c->nlen, ents, 8) : 0;
	const struct df_api *use[8];
	size_t nu = 0;
	/* entries whose receiver matches come first; the others only if none does */
	for (int pass = 0; pass < 2 && nu == 0; pass++)
		for (size_t k = 0; k < n; k++) {
			const struct df_api *a = ents[k];
			int form = c->form;
			if (!(a->form & form))
				continue;
			if (pass == 0 ? !a->recv || !recv_matches(c, a->recv) : a->recv != NULL)
				continue;
			use[nu++] = a;
		}
	if (!nu && d->lang == LANG_PHP) {
		/* a function or method of another file or extension: what it returns is its own
		 * (a database row, a setting), not what it was given */
		return dv_none();
	}
	if (!nu) {
		/* unknown: what goes in comes out */
		struct dval v = args_union(c, 0x7fff);
		if (c->recv) {
			struct dval r = *c->recv;
			r.s = NULL;
			r.meth = NULL;
			dv_merge(&v, &r);
		}
		return v;
	}
	struct dval v = dv_none();
	for (size_t k = 0; k < nu; k++) {
		struct dval r = role(d, c, use[k]);
		if (k == 0)
			v = r;
		else
			dv_merge(&v, &r);
	}
	return v;
}

struct dval df_call(struct df *d, struct callsite *c)
{
	if (!c->name) {
		/* a dynamic call: what does the callee value name? */
		const struct dval *f = c->fv;
		struct dval v = args_union(c, 0x7fff);
		if (!f)
			return v;
		if (f->fn >= 0 && (size_t)f->fn < d->nf)
			return df_call_user(d, f->fn, c->args, c->nargs, c->t0, c->t1);
		if (f->s && f->sn > 0 && f->sn < 128) {
			struct callsite c2 = *c;
			c2.name = f->s;
			c2.nlen = f->sn;
			c2.fv = NULL;
			c2.obf = (f->fl & V_OBF) != 0;
			/* "Class::method" strings */
			const char *dc = memmem(f->s, f->sn, "::", 2);
			if (dc) {
				c2.name = dc + 2;
				c2.nlen = f->sn - (size_t)(dc + 2 - f->s);
				c2.form = FORM_METHOD;
			}
			return df_call(d, &c2);
		}
		if (f->meth) {
			/* array($obj, 'method') */
			struct callsite c2 = *c;
			c2.name = f->meth;
			c2.nlen = strlen(f->meth);
			c2.fv = NULL;
			c2.form = FORM_METHOD;
			c2.recv = f;
			return df_call(d, &c2);
		}
		if (f->cls && d->lang == LANG_PHP) {
			/* an object called as a function: its __invoke */
			int32_t k = df_fn_find(d, "__invoke", 8, 0);
			if (k >= 0)
				return df_call_user(d, k, c->args, c->nargs, c->t0, c->t1);
		}
		bool args_req = (v.fl & V_TAINT) != 0;
		if (d->lang == LANG_PHP)
			v = dv_none(); /* an unknown callee: like a function of another file */
		/* a function the request names: short paths only (a long one runs through the
		 * application's own tables of callbacks) */
		if ((f->fl & (V_TAINT | V_KEY)) && c->form != FORM_METHOD &&
		    path_len(d, (f->fl & V_TAINT) ? f->step : f->step2) <= 4)
			df_find(d, TECH_DYNAMIC_CALL, args_req ? SEV_CRITICAL : SEV_HIGH, f, c->t0,
			        c->t1, "%s calls a function the request names", page_word(d));
		else if ((f->fl & (V_DEC | V_CRYPT)) && !(f->fl & V_TAINT) &&
		         c->form != FORM_METHOD)
			df_find(d, TECH_OBFUSCATED, SEV_HIGH, f, c->t0, c->t1,
			        "%s calls a function whose name it decodes", page_word(d));
		return v;
	}
	/* java.beans.Expression/Statement(target, "exec", args): a method call by name */
	if (c->form == FORM_NEW && d->lang == LANG_JAVA &&
	    (name_eq(c, "Expression") || name_eq(c, "Statement")) && c->nargs >= 2 &&
	    c->args[1].s && c->args[1].sn < 64) {
		struct dval recv = c->args[0];
		struct dval inner = c->nargs > 2 ? c->args[2] : dv_none();
		struct callsite c2 = {.name = c->args[1].s,
		                      .nlen = c->args[1].sn,
		                      .form = FORM_METHOD,
		                      .recv = &recv,
		                      .args = &inner,
		                      .nargs = c->nargs > 2 ? 1 : 0,
		                      .t0 = c->t0,
		                      .t1 = c->t1,
		                      .obf = (c->args[1].fl & V_OBF) != 0};
		return call_resolved(d, &c2);
	}
	/* new String(bytes): the same text */
	if (c->form == FORM_NEW && (d->lang == LANG_JAVA || d->lang == LANG_CS) &&
	    (name_eq(c, "String") || name_eq(c, "string")) && c->nargs >= 1) {
		struct dval v = c->args[0];
		if (c->nargs > 1)
			v.s = NULL;
		return v;
	}
	/* ReflectionClass('C')->newInstance(...): C's constructor */
	if (d->lang == LANG_PHP && c->form == FORM_METHOD && c->recv && c->recv->cls &&
	    (name_eq(c, "newInstance") || name_eq(c, "newInstanceArgs"))) {
		int32_t ct = df_ctor_find(d, c->recv->cls, strlen(c->recv->cls));
		if (ct >= 0)
			(void)df_call_user(d, ct, c->args, c->nargs, c->t0, c->t1);
		struct dval o = dv_none();
		o.cls = c->recv->cls;
		return o;
	}
	/* user functions and methods of this file */
	int32_t k = -1;
	if (c->form == FORM_NEW) {
		k = d->lang == LANG_PHP ? df_ctor_find(d, c->name, c->nlen)
		                        : df_fn_find(d, c->name, c->nlen, 0);
	} else {
		k = df_fn_find(d, c->name, c->nlen, 0);
	}
	/* PHP: f() is a function, $o->f() and C::f() a method */
	while (k >= 0 && d->lang == LANG_PHP && c->form != FORM_NEW &&
	       d->fns[k].method != (c->form == FORM_METHOD))
		k = df_fn_find(d, c->name, c->nlen, k + 1);
	if (k >= 0) {
		struct dval v = dv_none();
		bool first = true;
		for (int guard = 0; k >= 0 && guard < 8; guard++) {
			struct dval r = df_call_user(d, k, c->args, c->nargs, c->t0, c->t1);
			if (first)
				v = r;
			else
				dv_merge(&v, &r);
			first = false;
			const struct dfn *f = &d->fns[k];
			k = c->form == FORM_NEW && d->lang == LANG_PHP
			        ? -1
			        : df_fn_find(d, f->name, f->nlen, k + 1);
			while (k >= 0 && d->lang == LANG_PHP &&
			       d->fns[k].method != (c->form == FORM_METHOD))
				k = df_fn_find(d, c->name, c->nlen, k + 1);
		}
		if (c->form == FORM_NEW && c->name && !v.cls) {
			char buf[96];
			size_t n = c->nlen < sizeof(buf) ? c->nlen : sizeof(buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)tolower((unsigned char)c->name[i]);
			v.cls = df_strdup(d, buf, n);
		}
		/* a method of the file shadows the library's, except the superclass's own
		 * (super.defineClass) */
		if (!(c->recv_name && (strncmp(c->recv_name, "super", 5) == 0)))
			return v;
	}
	return call_resolved(d, c);
}

void df_finish(struct df *d)
{
	const char *lw = page_word(d);
	unsigned cats = d->fm.cats;
	int n = __builtin_popcount(cats);
	if (n >= 3) {
		struct dval v = dv_none();
		v.fl = V_REQ;
		v.step = d->fm.step;
		df_find(d, TECH_FILE_MANAGER, n >= 4 ? SEV_HIGH : SEV_MEDIUM, &v, d->fm.t0,
		        d->fm.t1,
		        "%s lists, reads, writes or deletes files at paths the request names "
		        "(a file manager)",
		        lw);
	}
	if (d->sql.seen) {
		struct dval v = dv_none();
		v.fl = V_REQ;
		v.step = d->sql.step;
		df_find(d, TECH_DB_MANAGER, SEV_LOW, &v, d->sql.t0, d->sql.t1,
		        "%s runs SQL taken from the request as is (a database manager)", lw);
	}
	if (d->putenv_ld.seen && d->mailer.seen)
		df_find(d, TECH_LD_PRELOAD, SEV_HIGH, NULL, d->putenv_ld.t0, d->putenv_ld.t1,
		        "%s sets LD_PRELOAD and starts a program through mail()/error_log() "
		        "(a disable_functions bypass)",
		        lw);
}
