/* dataflow.c: the data-flow pass over one file's tokens: variables per function scope, the walk
 * over statements and blocks, expressions (terms, operators, calls, members, indexing), constant
 * folding of disguised strings, and the path a value took. What a call does is dfcall.c's. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scan/df_int.h"
#include "scan/scan.h"
#include "util.h"

#define MAX_DEPTH 96
#define MAX_PASSES 5
#define MAX_VARS (1u << 16)
#define MAX_STEPS (1u << 15)
#define ARENA_MAX (4u << 20)

static const char *const tech_slugs[N_TECH] = {
    "eval_request", "exec_request",  "class_loader", "crypt_loader", "dynamic_call",
    "obfuscated",   "reverse_shell", "tunnel",       "file_manager", "uploader",
    "db_manager",   "eval_remote",   "ld_preload",
};

const char *df_tech_slug(enum df_tech t)
{
	return (unsigned)t < N_TECH ? tech_slugs[t] : "unknown";
}

/* ---- values ---- */

struct dval dv_none(void)
{
	return (struct dval){.step = -1, .step2 = -1, .fn = -1};
}

void dv_merge(struct dval *a, const struct dval *b)
{
	if (a->step < 0 && (b->fl & V_TAINT))
		a->step = b->step;
	if (a->step2 < 0 && (b->fl & V_PATH2))
		a->step2 = b->step2;
	a->fl |= b->fl;
	if (a->fn < 0)
		a->fn = b->fn;
	if (!a->cls)
		a->cls = b->cls;
	if (!a->meth)
		a->meth = b->meth;
	if (a->s && (!b->s || a->sn != b->sn || memcmp(a->s, b->s, a->sn) != 0))
		a->s = NULL;
	a->isnum = a->isnum && b->isnum && a->num == b->num;
}

/* ---- arena for folded strings ---- */

struct arena_blk {
	struct arena_blk *next;
	size_t used, cap;
	char data[];
};

const char *df_strdup(struct df *d, const char *s, size_t n)
{
	if (d->arena_used + n + 1 > ARENA_MAX)
		return NULL;
	struct arena_blk *b = d->arena;
	if (!b || b->used + n + 1 > b->cap) {
		size_t cap = n + 1 > 16384 ? n + 1 : 16384;
		b = xmalloc(sizeof(*b) + cap);
		b->next = d->arena;
		b->used = 0;
		b->cap = cap;
		d->arena = b;
	}
	char *p = b->data + b->used;
	memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	d->arena_used += n + 1;
	return p;
}

/* ---- names and variables ---- */

bool df_name_eq(const struct df *d, const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	if (an != bn)
		return false;
	return d->ci ? strncasecmp(a, b, an) == 0 : memcmp(a, b, an) == 0;
}

static uint32_t name_hash(const struct df *d, int32_t scope, const char *s, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)scope;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint32_t)(d->ci ? tolower((unsigned char)s[i]) : (unsigned char)s[i])) *
		    16777619u;
	return h;
}

static void rehash(struct df *d)
{
	size_t nb = d->nbucket ? d->nbucket * 2 : 256;
	free(d->bucket);
	d->bucket = xmalloc(nb * sizeof(*d->bucket));
	for (size_t i = 0; i < nb; i++)
		d->bucket[i] = -1;
	d->nbucket = nb;
	for (size_t i = 0; i < d->nv; i++) {
		size_t b = d->vars[i].hash & (nb - 1);
		d->vars[i].next = d->bucket[b];
		d->bucket[b] = (int32_t)i;
	}
}

struct dvar *df_var(struct df *d, int32_t scope, const char *name, size_t n, bool create)
{
	if (!n)
		return NULL;
	uint32_t h = name_hash(d, scope, name, n);
	if (d->nbucket) {
		for (int32_t k = d->bucket[h & (d->nbucket - 1)]; k >= 0; k = d->vars[k].next) {
			struct dvar *v = &d->vars[k];
			if (v->hash == h && v->scope == scope && v->nlen == n &&
			    (d->ci ? strncasecmp(v->name, name, n) == 0
			           : memcmp(v->name, name, n) == 0))
				return v;
		}
	}
	if (!create || d->nv >= MAX_VARS)
		return NULL;
	if (d->nv == d->cv) {
		d->cv = d->cv ? d->cv * 2 : 256;
		d->vars = xrealloc(d->vars, d->cv * sizeof(*d->vars));
	}
	if (d->nv >= d->nbucket)
		rehash(d);
	struct dvar *v = &d->vars[d->nv];
	*v = (struct dvar){.name = name,
	                   .nlen = (uint32_t)n,
	                   .hash = h,
	                   .scope = scope,
	                   .v = dv_none(),
	                   .elstep = -1};
	size_t b = h & (d->nbucket - 1);
	v->next = d->bucket[b];
	d->bucket[b] = (int32_t)d->nv;
	d->nv++;
	return v;
}

static const struct dfn *scope_fn(const struct df *d, int32_t scope)
{
	return scope > 0 && (size_t)scope <= d->nf ? &d->fns[scope - 1] : NULL;
}

/* A variable as code in the current scope sees it: the scope, then (closures, and every
 * language but PHP) the enclosing scopes. */
static struct dvar *lookup(struct df *d, const char *name, size_t n)
{
	int32_t s = d->scope;
	for (int hops = 0; hops < 16; hops++) {
		struct dvar *v = df_var(d, s, name, n, false);
		if (v && v->global)
			return df_var(d, 0, name, n, false);
		if (v && v->assigned)
			return v;
		const struct dfn *f = scope_fn(d, s);
		if (!f)
			break;
		if (d->lang == LANG_PHP && !f->closure)
			break;
		s = f->parent;
	}
	return NULL;
}

/* The variable an assignment writes: an existing one in an enclosing scope (fields, globals,
 * captured variables), else a new one in the current scope. */
static struct dvar *target(struct df *d, const char *name, size_t n)
{
	if (d->lang != LANG_PHP) {
		struct dvar *v = lookup(d, name, n);
		if (v)
			return v;
	} else {
		struct dvar *v = df_var(d, d->scope, name, n, false);
		if (v && v->global)
			return df_var(d, 0, name, n, true);
	}
	return df_var(d, d->scope, name, n, true);
}

int32_t df_step(struct df *d, size_t t0, size_t t1, int32_t prev)
{
	if (d->ns >= MAX_STEPS || t0 >= d->L->n)
		return prev;
	if (d->ns == d->cs) {
		d->cs = d->cs ? d->cs * 2 : 64;
		d->steps = xrealloc(d->steps, d->cs * sizeof(*d->steps));
	}
	if (t1 > d->L->n)
		t1 = d->L->n;
	d->steps[d->ns] = (struct dstep){
	    .line = d->L->t[t0].line, .t0 = (uint32_t)t0, .t1 = (uint32_t)t1, .prev = prev};
	return (int32_t)d->ns++;
}

void df_assign_var(struct dvar *var, struct df *d, const struct dval *v, size_t t0, size_t t1)
{
	if (!var)
		return;
	struct dval *o = &var->v;
	uint32_t ever = var->ever;
	var->ever |= v->fl;
	if (var->ever != ever)
		d->changed = true;
	if ((v->fl & V_TAINT) && o->step < 0)
		o->step = df_step(d, t0, t1, v->step);
	if ((v->fl & V_PATH2) && o->step2 < 0)
		o->step2 = df_step(d, t0, t1, v->step2 >= 0 ? v->step2 : v->step);
	o->fl |= v->fl;
	if (v->fn >= 0 && o->fn != v->fn) {
		if (o->fn < 0)
			d->changed = true;
		o->fn = v->fn;
	}
	if (v->cls && !o->cls) {
		o->cls = v->cls;
		d->changed = true;
	}
	if (v->meth && !o->meth) {
		o->meth = v->meth;
		d->changed = true;
	}
	/* constants follow the order of the code: the last assignment read wins */
	if (v->s && !var->had_const) {
		var->had_const = true;
		d->changed = true;
	}
	o->s = v->s;
	o->sn = v->sn;
	o->isnum = v->isnum;
	o->num = v->num;
	var->assigned = true;
}

static int32_t step_for(struct df *d, int32_t cur, size_t t0, size_t t1, int32_t prev)
{
	/* the same statement stores the same thing on every pass: one step */
	if (cur >= 0 && d->steps[cur].t0 == t0 && d->steps[cur].prev == prev)
		return cur;
	return df_step(d, t0, t1, prev);
}

void df_assign_strong(struct dvar *var, struct df *d, const struct dval *v, size_t t0, size_t t1)
{
	if (!var)
		return;
	if (var->global) {
		df_assign_var(var, d, v, t0, t1);
		return;
	}
	struct dval *o = &var->v;
	uint32_t ever = var->ever;
	var->ever |= v->fl;
	if (var->ever != ever || (v->fn >= 0 && o->fn != v->fn && o->fn < 0))
		d->changed = true;
	struct dval n = *v;
	n.step = (v->fl & V_TAINT) ? step_for(d, o->step, t0, t1, v->step) : -1;
	n.step2 = (v->fl & V_PATH2)
	              ? step_for(d, o->step2, t0, t1, v->step2 >= 0 ? v->step2 : v->step)
	              : -1;
	*o = n;
	var->assigned = true;
}

void df_wild(struct df *d, const struct dval *v)
{
	struct dval *w = &d->wild[d->scope];
	uint32_t fl = w->fl;
	int32_t fn = w->fn;
	if (w->fl == 0 && w->fn < 0 && !w->s) {
		*w = *v;
	} else {
		dv_merge(w, v);
	}
	w->s = NULL;
	if (w->fl != fl || w->fn != fn)
		d->changed = true;
}

/* ---- tokens ---- */

static const struct tok *T(const struct df *d, size_t i)
{
	return &d->L->t[i];
}

static bool op(const struct df *d, size_t i, uint32_t o)
{
	return tok_is_op(d->L, i, o);
}

static bool name_is(const struct df *d, size_t i, const char *s)
{
	if (i >= d->L->n || T(d, i)->kind != T_NAME)
		return false;
	size_t n;
	const char *x = tok_name(d->L, T(d, i), &n);
	/* keywords and library names are case-insensitive in PHP and VB */
	bool ci = d->lang == LANG_PHP || d->lang == LANG_VB;
	return strlen(s) == n && (ci ? strncasecmp(x, s, n) == 0 : memcmp(x, s, n) == 0);
}

static bool is_opener(const struct df *d, size_t i)
{
	const struct tok *t = T(d, i);
	return t->kind == T_OP && (t->op == '(' || t->op == '[' || t->op == '{');
}

/* The closer matching an opener at i, if it lies before e; else e. */
static size_t close_of(const struct df *d, size_t i, size_t e)
{
	int32_t m = T(d, i)->match;
	return m > (int32_t)i && (size_t)m < e ? (size_t)m : e;
}

/* Past the token at i, skipping a whole bracket group. */
static size_t skip(const struct df *d, size_t i, size_t e)
{
	if (is_opener(d, i)) {
		size_t c = close_of(d, i, e);
		return c < e ? c + 1 : e;
	}
	return i + 1;
}

static const char *lower_dup(struct df *d, const char *s, size_t n)
{
	char buf[128];
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	return df_strdup(d, buf, n);
}

/* ---- paths and findings ---- */

static void snippet(const struct df *d, size_t t0, size_t t1, struct buf *b)
{
	const struct lex *L = d->L;
	if (t1 > L->n)
		t1 = L->n;
	if (t0 >= t1)
		return;
	size_t a = T(d, t0)->off, z = 0;
	if (T(d, t0)->kind == T_VAR && a > 0 && L->view[a - 1] == '$')
		a--;
	for (size_t k = t0; k < t1; k++) {
		size_t end = T(d, k)->off + T(d, k)->len;
		if (end > z && end <= L->view_len)
			z = end;
	}
	if (z <= a || a >= L->view_len)
		return;
	const size_t max = 72;
	size_t out = 0;
	bool sp = false;
	buf_append(b, "`", 1);
	for (size_t k = a; k < z; k++) {
		unsigned char c = (unsigned char)L->view[k];
		if (isspace(c) || c < 0x20 || c == 0x7f) {
			sp = out > 0;
			continue;
		}
		if (out >= max) {
			buf_append(b, "...", 3);
			break;
		}
		if (sp) {
			buf_append(b, " ", 1);
			out++;
			sp = false;
		}
		buf_append(b, (const char *)&c, 1);
		out++;
	}
	buf_append(b, "`", 1);
}

static char *path_text(const struct df *d, int32_t step, size_t t0, size_t t1)
{
	int32_t chain[8];
	int n = 0, total = 0;
	for (int32_t s = step; s >= 0 && total < 64; s = d->steps[s].prev, total++) {
		if (n < 8)
			chain[n++] = s;
		else {
			/* keep the source end: shift out the one nearest the sink */
			memmove(chain + 1, chain + 2, 6 * sizeof(*chain));
			chain[7] = s;
		}
	}
	struct buf b = {0};
	uint32_t last_line = 0;
	for (int k = n - 1; k >= 0; k--) {
		const struct dstep *st = &d->steps[chain[k]];
		if (st->line == last_line && k != n - 1)
			continue;
		buf_printf(&b, "line %u ", st->line);
		snippet(d, st->t0, st->t1, &b);
		buf_append(&b, " -> ", 4);
		last_line = st->line;
	}
	if (t0 < d->L->n) {
		buf_printf(&b, "line %u ", T(d, t0)->line);
		snippet(d, t0, t1, &b);
	}
	buf_cstr(&b);
	return b.data ? b.data : xstrdup("");
}

void df_find(struct df *d, enum df_tech t, int sev, const struct dval *v, size_t t0, size_t t1,
             const char *fmt, ...)
{
	struct df_finding *f = &d->res->f[t];
	if (d->res->have[t] && f->sev >= sev)
		return;
	int32_t step = -1;
	if (v)
		step = (v->fl & V_TAINT) && v->step >= 0 ? v->step
		       : v->step2 >= 0                   ? v->step2
		                                         : v->step;
	free(f->path);
	free(f->reason);
	f->path = path_text(d, step, t0, t1);
	va_list ap;
	va_start(ap, fmt);
	f->reason = xvasprintf(fmt, ap);
	va_end(ap);
	f->sev = sev;
	f->line = t0 < d->L->n ? T(d, t0)->line : 0;
	d->res->have[t] = true;
}

/* ---- function definitions ---- */

static bool c_not_fn_name(const struct df *d, size_t i)
{
	static const char *const kw[] = {
	    "if",      "for",    "while", "switch", "catch", "return",       "new",     "else",
	    "do",      "try",    "throw", "using",  "lock",  "foreach",      "fixed",   "typeof",
	    "sizeof",  "nameof", "base",  "this",   "super", "synchronized", "checked", "unchecked",
	    "default", "await",  "in",    "is",     "as",    "case",         NULL};
	for (const char *const *k = kw; *k; k++)
		if (name_is(d, i, *k))
			return true;
	return false;
}

/* The first token of a definition whose name (or keyword) is at i: back over modifiers, types
 * and annotations. */
static size_t decl_start(const struct df *d, size_t i)
{
	size_t k = i;
	while (k > 0) {
		const struct tok *t = T(d, k - 1);
		if (t->kind == T_NAME ||
		    (t->kind == T_OP &&
		     (t->op == '.' || t->op == '<' || t->op == '>' || t->op == '[' ||
		      t->op == ']' || t->op == '@' || t->op == ',' || t->op == '?'))) {
			if (t->kind == T_NAME &&
			    (name_is(d, k - 1, "return") || name_is(d, k - 1, "else") ||
			     name_is(d, k - 1, "new") || name_is(d, k - 1, "End") ||
			     name_is(d, k - 1, "Exit")))
				break;
			k--;
			if (i - k > 32)
				break;
			continue;
		}
		break;
	}
	return k;
}

static void add_param(struct dfn *f, size_t tok)
{
	if (f->np < DF_MAX_ARGS)
		f->param[f->np++] = (uint32_t)tok;
}

/* Parameters: PHP, the variables of each top-level segment (before any default); C family, the
 * last name of each segment (before any default); VB, the first name that is not a keyword. */
static void params(const struct df *d, struct dfn *f)
{
	if (f->p1 <= f->p0)
		return;
	size_t seg_last = SIZE_MAX;
	bool seen_eq = false, seen_first = false, req_type = false;
	int angle = 0;
	for (size_t k = f->p0 + 1; k <= f->p1; k++) {
		const struct tok *t = T(d, k);
		bool end = k == f->p1 || (t->kind == T_OP && t->op == ',' && angle == 0);
		if (end) {
			if (d->lang != LANG_PHP && d->lang != LANG_VB && seg_last != SIZE_MAX) {
				/* a parameter typed ServletRequest, HttpRequest: the request object
				 */
				if (req_type && f->np < DF_MAX_ARGS)
					f->reqparam |= 1u << f->np;
				add_param(f, seg_last);
			}
			seg_last = SIZE_MAX;
			seen_eq = seen_first = req_type = false;
			continue;
		}
		if (t->kind == T_NAME && seg_last != SIZE_MAX) {
			size_t n;
			const char *nm = tok_name(d->L, T(d, seg_last), &n);
			if (lex_memcasemem(nm, n, "Request") && !lex_memcasemem(nm, n, "Wrapper"))
				req_type = true;
		}
		if (is_opener(d, k)) {
			k = close_of(d, k, f->p1);
			continue;
		}
		if (t->kind == T_OP) {
			if (t->op == '=')
				seen_eq = true;
			else if (t->op == '<')
				angle++;
			else if (t->op == '>' && angle > 0)
				angle--;
			else if (t->op == OP3('.', '.', '.'))
				f->variadic = true;
			continue;
		}
		if (seen_eq)
			continue;
		if (d->lang == LANG_PHP && t->kind == T_VAR && !seen_first) {
			add_param(f, k);
			seen_first = true;
		} else if (d->lang == LANG_VB && t->kind == T_NAME && !seen_first) {
			if (name_is(d, k, "ByVal") || name_is(d, k, "ByRef") ||
			    name_is(d, k, "Optional") || name_is(d, k, "ParamArray"))
				continue;
			add_param(f, k);
			seen_first = true;
		} else if (t->kind == T_NAME && angle == 0) {
			seg_last = k;
		}
	}
}

static void add_fn(struct df *d, struct dfn *f, size_t *cap)
{
	size_t name = f->p0 > 0 ? f->p0 - 1 : 0;
	for (size_t k = name > 12 ? name - 12 : 0; k < name; k++)
		if (name_is(d, k, "WebMethod") && d->lang != LANG_PHP && d->lang != LANG_JAVA)
			f->webmethod = true;
	if (d->nf == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		d->fns = xrealloc(d->fns, *cap * sizeof(*d->fns));
	}
	f->scope = (int32_t)d->nf + 1;
	f->ret = dv_none();
	params(d, f);
	d->fns[d->nf++] = *f;
}

static void find_functions(struct df *d)
{
	const struct lex *L = d->L;
	size_t cap = 0;
	for (size_t i = 0; i < L->n; i++) {
		const struct tok *t = T(d, i);
		if (t->kind != T_NAME)
			continue;
		struct dfn f = {0};
		if (d->lang == LANG_VB) {
			bool fn = name_is(d, i, "Function"), sub = name_is(d, i, "Sub"),
			     prop = name_is(d, i, "Property");
			if (!fn && !sub && !prop)
				continue;
			if (i > 0 && (name_is(d, i - 1, "End") || name_is(d, i - 1, "Exit") ||
			              name_is(d, i - 1, "Declare")))
				continue;
			size_t k = i + 1;
			if (prop &&
			    (name_is(d, k, "Get") || name_is(d, k, "Let") || name_is(d, k, "Set")))
				k++;
			if (k >= L->n || T(d, k)->kind != T_NAME)
				continue;
			f.name = tok_name(L, T(d, k), &f.nlen);
			f.at = decl_start(d, i);
			k++;
			if (op(d, k, '(')) {
				f.p0 = k;
				f.p1 = close_of(d, k, L->n);
				k = f.p1 < L->n ? f.p1 + 1 : L->n;
			} else {
				f.p0 = f.p1 = k;
			}
			f.b0 = k;
			const char *kind = fn ? "Function" : sub ? "Sub" : "Property";
			/* to its End; a definition without one ends where the next begins */
			f.b1 = f.end = L->n;
			for (size_t j = k; j + 1 < L->n; j++) {
				if (name_is(d, j, "End") && name_is(d, j + 1, kind)) {
					f.b1 = j;
					f.end = j + 2;
					break;
				}
				if ((name_is(d, j, "Function") || name_is(d, j, "Sub")) &&
				    !name_is(d, j - 1, "End") && !name_is(d, j - 1, "Exit") &&
				    !name_is(d, j - 1, "Declare")) {
					f.b1 = f.end = j;
					break;
				}
			}
			add_fn(d, &f, &cap);
			i = f.b0 > i ? f.b0 - 1 : i; /* bodies do not nest in VB; keep scanning */
			continue;
		}
		bool kw_fn = name_is(d, i, "function") &&
		             (d->lang == LANG_PHP || d->lang == LANG_JS || d->lang == LANG_CS);
		size_t k = i + 1;
		if (kw_fn) {
			if (op(d, k, '&'))
				k++;
			if (k < L->n && T(d, k)->kind == T_NAME) {
				f.name = tok_name(L, T(d, k), &f.nlen);
				k++;
			}
			if (!op(d, k, '('))
				continue;
			f.closure = f.name == NULL;
			f.at = f.closure ? i : decl_start(d, i);
		} else if (d->lang != LANG_PHP && op(d, k, '(') && i > 0 && !c_not_fn_name(d, i) &&
		           (T(d, i - 1)->kind == T_NAME || op(d, i - 1, ']') ||
		            op(d, i - 1, '>')) &&
		           !c_not_fn_name(d, i - 1)) {
			f.name = tok_name(L, T(d, i), &f.nlen);
			f.at = decl_start(d, i);
		} else {
			continue;
		}
		f.p0 = k;
		f.p1 = close_of(d, k, L->n);
		if (f.p1 >= L->n)
			continue;
		size_t b = f.p1 + 1;
		/* PHP "use (...)" and return types; Java "throws X, Y"; C# ": base(...)" */
		for (int guard = 0; b < L->n && guard < 64 && !op(d, b, '{'); guard++) {
			if (op(d, b, ';') || op(d, b, '}') || op(d, b, OP2('=', '>')) ||
			    op(d, b, '=') ||
			    (T(d, b)->kind == T_OP && T(d, b)->op != ':' && T(d, b)->op != ',' &&
			     T(d, b)->op != '(' && T(d, b)->op != '.' && T(d, b)->op != '?' &&
			     T(d, b)->op != '\\' && T(d, b)->op != '[' && T(d, b)->op != ']' &&
			     T(d, b)->op != '<' && T(d, b)->op != '>' && T(d, b)->op != '|'))
				break;
			b = skip(d, b, L->n);
		}
		if (!op(d, b, '{'))
			continue;
		f.b0 = b + 1;
		f.b1 = close_of(d, b, L->n);
		f.end = f.b1 < L->n ? f.b1 + 1 : L->n;
		add_fn(d, &f, &cap);
	}
	/* PHP classes, for constructors */
	size_t ccap = 0;
	for (size_t i = 0; d->lang == LANG_PHP && i + 2 < L->n; i++) {
		if (!name_is(d, i, "class") || T(d, i + 1)->kind != T_NAME)
			continue;
		size_t k = i + 2;
		while (k < L->n && !op(d, k, '{') && !op(d, k, ';') && k - i < 64)
			k++;
		if (!op(d, k, '{'))
			continue;
		if (d->nclasses == ccap) {
			ccap = ccap ? ccap * 2 : 8;
			d->classes = xrealloc(d->classes, ccap * sizeof(*d->classes));
		}
		struct dclass *c = &d->classes[d->nclasses++];
		c->name = tok_name(L, T(d, i + 1), &c->nlen);
		c->b0 = k + 1;
		c->b1 = close_of(d, k, L->n);
	}
	for (size_t k = 0; k < d->nf; k++)
		for (size_t c = 0; c < d->nclasses; c++)
			if (d->fns[k].at >= d->classes[c].b0 && d->fns[k].at < d->classes[c].b1)
				d->fns[k].method = true;
	/* enclosing scopes: definitions come in token order, a stack of open ones */
	int32_t stack[64];
	int sp = 0;
	for (size_t k = 0; k < d->nf; k++) {
		struct dfn *f = &d->fns[k];
		while (sp > 0 && d->fns[stack[sp - 1]].end <= f->at)
			sp--;
		f->parent = sp > 0 ? d->fns[stack[sp - 1]].scope : 0;
		if (sp < 64)
			stack[sp++] = (int32_t)k;
	}
	d->fn_at = xmalloc((L->n + 1) * sizeof(*d->fn_at));
	for (size_t k = 0; k <= L->n; k++)
		d->fn_at[k] = -1;
	for (size_t k = d->nf; k-- > 0;)
		if (d->fn_at[d->fns[k].at] < 0 || d->fns[k].closure)
			d->fn_at[d->fns[k].at] = (int32_t)k;
}

int32_t df_ctor_find(struct df *d, const char *cls, size_t n)
{
	for (size_t c = 0; c < d->nclasses; c++) {
		const struct dclass *k = &d->classes[c];
		if (k->nlen != n || strncasecmp(k->name, cls, n) != 0)
			continue;
		for (int32_t f = df_fn_find(d, "__construct", 11, 0); f >= 0;
		     f = df_fn_find(d, "__construct", 11, f + 1))
			if (d->fns[f].at >= k->b0 && d->fns[f].at < k->b1)
				return f;
		return -1;
	}
	return -1;
}

static uint32_t fn_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint32_t)tolower((unsigned char)s[i])) * 16777619u;
	return h;
}

static void fn_index(struct df *d)
{
	size_t nb = 64;
	while (nb < d->nf * 2)
		nb *= 2;
	d->fn_nb = nb;
	d->fn_head = xmalloc(nb * sizeof(*d->fn_head));
	d->fn_next = xmalloc((d->nf + 1) * sizeof(*d->fn_next));
	for (size_t b = 0; b < nb; b++)
		d->fn_head[b] = -1;
	/* pushed from the last, so each chain runs in definition order */
	for (size_t k = d->nf; k-- > 0;) {
		const struct dfn *f = &d->fns[k];
		if (!f->name)
			continue;
		size_t b = fn_hash(f->name, f->nlen) & (nb - 1);
		d->fn_next[k] = d->fn_head[b];
		d->fn_head[b] = (int32_t)k;
	}
}

int32_t df_fn_find(struct df *d, const char *name, size_t n, int32_t from)
{
	if (!d->fn_head || !n)
		return -1;
	bool ci = d->lang == LANG_PHP || d->lang == LANG_VB;
	for (int32_t k = d->fn_head[fn_hash(name, n) & (d->fn_nb - 1)]; k >= 0; k = d->fn_next[k]) {
		const struct dfn *f = &d->fns[k];
		if (k >= from && f->nlen == n &&
		    (ci ? strncasecmp(f->name, name, n) == 0 : memcmp(f->name, name, n) == 0))
			return k;
	}
	return -1;
}

/* Walk a function's body in its scope. */
static void walk_fn(struct df *d, int32_t k)
{
	struct dfn *f = &d->fns[k];
	int32_t saved = d->scope;
	int saved_cond = d->cond;
	d->scope = f->scope;
	d->cond = 0;
	df_walk(d, f->b0, f->b1);
	d->cond = saved_cond;
	if (d->lang == LANG_VB && f->name) {
		/* VB returns what is assigned to the function's name */
		struct dvar *r = df_var(d, f->scope, f->name, f->nlen, false);
		if (r) {
			uint32_t before = f->ret.fl;
			dv_merge(&f->ret, &r->v);
			if (f->ret.fl != before)
				d->changed = true;
		}
	}
	d->scope = saved;
}

struct dval df_call_user(struct df *d, int32_t k, const struct dval *args, size_t nargs, size_t t0,
                         size_t t1)
{
	struct dfn *f = &d->fns[k];
	for (size_t a = 0; a < nargs; a++) {
		int pi = a < (size_t)f->np ? (int)a : f->variadic && f->np ? f->np - 1 : -1;
		if (pi < 0)
			break;
		if (!args[a].fl && args[a].fn < 0 && !args[a].s && !args[a].cls)
			continue;
		size_t pn;
		const char *pname = tok_name(d->L, T(d, f->param[pi]), &pn);
		struct dvar *v = df_var(d, f->scope, pname, pn, true);
		struct dval a2 = args[a];
		df_assign_var(v, d, &a2, t0, t1);
	}
	struct dval r = f->ret;
	r.s = NULL;
	return r;
}

/* ---- stores ---- */

static bool php_superglobal_tok(const struct df *d, size_t i)
{
	size_t n;
	const char *s = tok_name(d->L, T(d, i), &n);
	return df_php_superglobal(s, n);
}

/* "$name[KEY]" with a constant key at i ('['): the element's variable name "name\x01KEY" in buf;
 * 0 when the key is not constant. */
static size_t const_key(const struct df *d, size_t i, size_t e, const char *name, size_t n,
                        char *buf, size_t cap)
{
	if (i + 2 >= e || !op(d, i, '[') || !op(d, i + 2, ']'))
		return 0;
	const struct tok *k = T(d, i + 1);
	const char *ks;
	size_t kl;
	if (k->kind == T_STR) {
		ks = tok_str(d->L, k);
		kl = k->sl;
	} else if (k->kind == T_NUM || k->kind == T_NAME) {
		ks = tok_name(d->L, k, &kl);
	} else {
		return 0;
	}
	if (n + kl + 1 > cap)
		return 0;
	memcpy(buf, name, n);
	buf[n] = '\x01';
	memcpy(buf + n + 1, ks, kl);
	return n + 1 + kl;
}

void df_store(struct df *d, size_t i, size_t e, const struct dval *v)
{
	const struct lex *L = d->L;
	size_t t0 = d->st0 < d->st1 ? d->st0 : i, t1 = d->st0 < d->st1 ? d->st1 : e;
	while (i < e && T(d, i)->kind == T_OP && (T(d, i)->op == '&' || T(d, i)->op == '@'))
		i++;
	if (i >= e)
		return;
	if (d->lang == LANG_PHP) {
		const struct tok *t = T(d, i);
		if (t->kind == T_NAME && (name_is(d, i, "list") || name_is(d, i, "array")) &&
		    op(d, i + 1, '(')) {
			i++;
			t = T(d, i);
		}
		if (t->kind == T_OP && (t->op == '[' || t->op == '(')) {
			/* list($a, $b) = ..., [$a, 'k' => $b] = ... */
			size_t c = close_of(d, i, e);
			for (size_t k = i + 1; k < c; k++)
				if (T(d, k)->kind == T_VAR && !op(d, k + 1, '['))
					df_store(d, k, k + 1, v);
			return;
		}
		if (t->kind == T_OP && t->op == '$') {
			/* $$name = v: a variable the value of $name names */
			struct dval nv = df_expr(d, i + 1, e);
			if (nv.s) {
				df_assign_var(target(d, df_strdup(d, nv.s, nv.sn) ?: "", nv.sn), d,
				              v, t0, t1);
			} else {
				df_wild(d, v); /* register_globals by hand, ${"s".$i} = ... */
			}
			return;
		}
		if (t->kind == T_VAR) {
			size_t n;
			const char *s = tok_name(L, t, &n);
			if (n == 4 && memcmp(s, "this", 4) == 0 && op(d, i + 1, OP2('-', '>')) &&
			    i + 2 < e && T(d, i + 2)->kind == T_NAME) {
				const char *pn = tok_name(L, T(d, i + 2), &n);
				df_assign_var(df_var(d, -1, pn, n, true), d, v, t0, t1);
				return;
			}
			/* $GLOBALS['x'] is the file's $x */
			bool glob = false;
			size_t j = i + 1;
			if (n == 7 && memcmp(s, "GLOBALS", 7) == 0 && op(d, i + 1, '[') &&
			    i + 3 < e && T(d, i + 2)->kind == T_STR && op(d, i + 3, ']')) {
				const struct tok *k = T(d, i + 2);
				s = tok_str(L, k);
				n = k->sl;
				glob = true;
				j = i + 4;
			}
			if (n == 8 && memcmp(s, "_SESSION", 8) == 0)
				glob = true;
			if (!glob && php_superglobal_tok(d, i))
				return;
			struct dvar *var = glob ? df_var(d, 0, s, n, true) : target(d, s, n);
			char kbuf[128];
			size_t kn = const_key(d, j, e, s, n, kbuf, sizeof(kbuf));
			if (kn && var) {
				/* $a['k'] = v: the element, and what the array's elements carry */
				struct dval w = *v;
				if (j + 3 < e) {
					w.s = NULL;
					w.isnum = false;
				}
				const char *kname = df_strdup(d, kbuf, kn);
				struct dvar *el = !kname ? NULL
				                  : glob ? df_var(d, 0, kname, kn, true)
				                         : target(d, kname, kn);
				if (el && j + 3 < e)
					el->v.s = NULL;
				df_assign_var(el, d, &w, t0, t1);
				var = glob ? df_var(d, 0, s, n, true)
				           : target(d, s, n); /* may have moved */
				if ((v->fl & V_TAINT) && var->elstep < 0)
					var->elstep = df_step(d, t0, t1, v->step);
				if ((var->elfl | v->fl) != var->elfl) {
					var->elfl |= v->fl;
					d->changed = true;
				}
				var->assigned = true;
				return;
			}
			if (j == e && !glob && (d->cond == 0 || d->strong)) {
				df_assign_strong(var, d, v, t0, t1);
				return;
			}
			if (j < e) {
				/* an element or a property: the whole merges; no constant survives,
				 * except a string built char by char ($s[$i] = ...) which we cannot
				 * follow */
				struct dval w = *v;
				w.s = NULL;
				w.isnum = false;
				df_assign_var(var, d, &w, t0, t1);
				if (op(d, j, OP2('-', '>')) && j + 1 < e &&
				    T(d, j + 1)->kind == T_NAME) {
					const char *pn = tok_name(L, T(d, j + 1), &n);
					df_assign_var(df_var(d, -1, pn, n, true), d, &w, t0, t1);
				}
				return;
			}
			df_assign_var(var, d, v, t0, t1);
		}
		if (t->kind == T_NAME && op(d, i + 1, OP2(':', ':')) && i + 2 < e &&
		    T(d, i + 2)->kind == T_VAR) {
			size_t n;
			const char *pn = tok_name(L, T(d, i + 2), &n);
			df_assign_var(df_var(d, -1, pn, n, true), d, v, t0, t1);
		}
		return;
	}
	/* VB: the first name after keywords; C family: the chain ending the left side */
	size_t root = SIZE_MAX, field = SIZE_MAX;
	if (d->lang == LANG_VB) {
		static const char *const skipw[] = {
		    "Dim",      "Set",    "Let",    "Const",  "Private",   "Public", "ReDim",
		    "Preserve", "Static", "Shared", "Friend", "Protected", NULL};
		for (size_t k = i; k < e && root == SIZE_MAX; k++) {
			const char *const *w = skipw;
			for (; *w; w++)
				if (name_is(d, k, *w))
					break;
			if (*w)
				continue;
			if (T(d, k)->kind == T_NAME)
				root = k;
			else
				break;
		}
		if (root != SIZE_MAX && (name_is(d, root, "Me") || name_is(d, root, "MyBase")) &&
		    op(d, root + 1, '.') && root + 2 < e && T(d, root + 2)->kind == T_NAME)
			root = root + 2;
		if (root != SIZE_MAX && op(d, root + 1, '.') && root + 2 < e &&
		    T(d, root + 2)->kind == T_NAME)
			field = root + 2;
	} else {
		size_t k = e;
		while (k > i && is_opener(d, k - 1) == false && T(d, k - 1)->kind == T_OP &&
		       (T(d, k - 1)->op == ']' || T(d, k - 1)->op == ')') &&
		       T(d, k - 1)->match >= 0 && (size_t)T(d, k - 1)->match >= i)
			k = (size_t)T(d, k - 1)->match;
		if (k > i && T(d, k - 1)->kind == T_NAME) {
			size_t r = k - 1;
			field = r;
			while (r >= i + 2 && op(d, r - 1, '.') && T(d, r - 2)->kind == T_NAME)
				r -= 2;
			root = r;
			if ((name_is(d, root, "this") || name_is(d, root, "base")) && root + 2 < k)
				root += 2;
		}
	}
	if (root == SIZE_MAX)
		return;
	size_t n;
	const char *s = tok_name(L, T(d, root), &n);
	if (df_name_eq(d, s, n, "Session") || df_name_eq(d, s, n, "session") ||
	    df_name_eq(d, s, n, "Application") || df_name_eq(d, s, n, "application")) {
		df_assign_var(df_var(d, 0, "session", 7, true), d, v, t0, t1);
		return;
	}
	struct dvar *var = target(d, s, n);
	if ((field == SIZE_MAX || field == root) && (d->cond == 0 || d->strong) &&
	    var->scope == d->scope) {
		df_assign_strong(var, d, v, t0, t1);
		return;
	}
	if (field != SIZE_MAX && field != root) {
		struct dval w = *v;
		w.s = NULL;
		df_assign_var(var, d, &w, t0, t1);
		if (var)
			var->v.s = NULL;
		const char *fs = tok_name(L, T(d, field), &n);
		df_assign_var(df_var(d, -1, fs, n, true), d, &w, t0, t1);
		return;
	}
	df_assign_var(var, d, v, t0, t1);
}

/* ---- expressions ---- */

static bool spend(struct df *d, size_t n)
{
	d->work += n;
	if (d->work > d->budget)
		d->budget_out = true;
	return !d->budget_out;
}

#define OP4(a, b, c, e) (OP3(a, b, c) | OP1(e) << 24)

static uint32_t assign_op(const struct df *d, size_t i, bool vb_stmt)
{
	const struct tok *t = T(d, i);
	if (t->kind != T_OP)
		return 0;
	switch (t->op) {
	case '=':
		return d->lang != LANG_VB || vb_stmt ? '=' : 0;
	case OP2('+', '='):
	case OP2('-', '='):
	case OP2('*', '='):
	case OP2('/', '='):
	case OP2('.', '='):
	case OP2('%', '='):
	case OP2('&', '='):
	case OP2('|', '='):
	case OP2('^', '='):
	case OP3('<', '<', '='):
	case OP3('>', '>', '='):
	case OP3('*', '*', '='):
	case OP3('?', '?', '='):
	case OP4('>', '>', '>', '='):
		return t->op;
	}
	return 0;
}

enum binop { B_NONE, B_CONCAT, B_XOR, B_BOOL, B_ARITH, B_ADD, B_MERGE };

static enum binop classify_op(const struct df *d, size_t i, size_t *ret_next)
{
	const struct tok *t = T(d, i);
	*ret_next = i + 1;
	if (t->kind == T_NAME) {
		static const char *const bw[] = {"and",     "or",     "xor", "instanceof",
		                                 "AndAlso", "OrElse", "Is",  "IsNot",
		                                 "Like",    "is",     "as",  NULL};
		for (const char *const *w = bw; *w; w++)
			if (name_is(d, i, *w)) {
				if (name_is(d, i, "instanceof") || name_is(d, i, "is") ||
				    name_is(d, i, "as") || name_is(d, i, "IsNot")) {
					/* the type after it is no value */
					size_t k = i + 1;
					while (k < d->L->n && (T(d, k)->kind == T_NAME ||
					                       op(d, k, '.') || op(d, k, '\\')))
						k++;
					*ret_next = k;
					return name_is(d, i, "as") && d->lang == LANG_CS ? B_MERGE
					                                                 : B_BOOL;
				}
				if (d->lang == LANG_VB && name_is(d, i, "Xor"))
					return B_XOR;
				return B_BOOL;
			}
		if (d->lang == LANG_VB &&
		    (name_is(d, i, "Mod") || name_is(d, i, "And") || name_is(d, i, "Or")))
			return name_is(d, i, "Mod") ? B_ARITH : B_BOOL;
		return B_NONE;
	}
	if (t->kind != T_OP)
		return B_NONE;
	switch (t->op) {
	case '.':
		return d->lang == LANG_PHP ? B_CONCAT : B_NONE;
	case '+':
		return d->lang == LANG_PHP ? B_ADD : B_CONCAT;
	case '&':
		return d->lang == LANG_VB ? B_CONCAT : B_ARITH;
	case '^':
		return B_XOR;
	case OP2('=', '='):
	case OP2('!', '='):
	case OP3('=', '=', '='):
	case OP3('!', '=', '='):
	case '<':
	case '>':
	case OP2('<', '='):
	case OP2('>', '='):
	case OP2('<', '>'):
	case OP3('<', '=', '>'):
	case OP2('&', '&'):
	case OP2('|', '|'):
	case '=':
		return B_BOOL;
	case '-':
	case '*':
	case '/':
	case '%':
	case OP2('*', '*'):
	case OP2('<', '<'):
	case OP2('>', '>'):
	case OP3('>', '>', '>'):
	case '|':
	case '\\':
		return B_ARITH;
	case OP2('?', '?'):
	case OP2('-', '>'):
	case OP2('=', '>'):
	case ',':
	case ':':
		return B_MERGE;
	}
	return B_NONE;
}

static void fold_concat(struct df *d, struct dval *a, const struct dval *b0)
{
	/* a number in a concatenation is its decimal spelling: 'v' . 0 is "v0" */
	char nb[24]; /* b's spelling: b points into it below */
	struct dval bn = *b0;
	const struct dval *b = b0;
	if (bn.isnum && !bn.s) {
		int k = snprintf(nb, sizeof(nb), "%lld", (long long)bn.num);
		bn.s = nb;
		bn.sn = (uint32_t)k;
		b = &bn;
	}
	if (a->isnum && !a->s) {
		char na[24];
		int k = snprintf(na, sizeof(na), "%lld", (long long)a->num);
		a->s = df_strdup(d, na, (size_t)k);
		a->sn = a->s ? (uint32_t)k : 0;
	}
	bool lit_a = a->s != NULL, lit_b = b->s != NULL;
	if (a->s && b->s && a->sn + b->sn <= DF_MAX_CONST) {
		char buf[DF_MAX_CONST];
		memcpy(buf, a->s, a->sn);
		memcpy(buf + a->sn, b->s, b->sn);
		a->s = df_strdup(d, buf, a->sn + b->sn);
		a->sn = a->s ? a->sn + b->sn : 0;
		a->fl |= V_OBF; /* a name spelt in pieces */
	} else {
		a->s = NULL;
	}
	uint32_t fl = a->fl | b->fl;
	if ((lit_a && (b->fl & V_TAINT)) || (lit_b && (a->fl & V_TAINT)))
		fl |= V_AFFIX;
	/* where the request's part starts: after something fixed, or from the start */
	bool head_fixed = (a->fl & V_FIXHEAD) || (!(a->fl & V_TAINT) && !(a->s && a->sn == 0));
	fl &= ~(uint32_t)V_FIXHEAD;
	if (head_fixed && (fl & V_TAINT))
		fl |= V_FIXHEAD;
	struct dval bb = *b;
	bb.s = NULL;
	const char *s = a->s;
	uint32_t sn = a->sn;
	dv_merge(a, &bb);
	a->fl = fl;
	a->s = s;
	a->sn = sn;
	a->isnum = false;
	if (!a->s)
		a->fl &= ~0u;
}

static void fold_xor(struct df *d, struct dval *a, const struct dval *b)
{
	if (a->s && b->s) {
		size_t n = a->sn < b->sn ? a->sn : b->sn;
		char buf[DF_MAX_CONST];
		if (n > sizeof(buf))
			n = sizeof(buf);
		for (size_t k = 0; k < n; k++)
			buf[k] = (char)(a->s[k] ^ b->s[k]);
		struct dval r = *a;
		dv_merge(&r, b);
		r.s = df_strdup(d, buf, n);
		r.sn = r.s ? (uint32_t)n : 0;
		r.fl |= V_OBF;
		*a = r;
		return;
	}
	if (a->isnum && b->isnum) {
		a->num ^= b->num;
		return;
	}
	bool key = !(a->isnum || b->isnum) || (a->fl | b->fl);
	dv_merge(a, b);
	a->s = NULL;
	a->isnum = false;
	if (key)
		a->fl |= V_CRYPT;
}

/* A call's arguments: the top-level segments of the group [g0, g1]. */
static void parse_args(struct df *d, size_t g0, size_t g1, struct callsite *c, struct dval *store)
{
	c->args = store;
	c->nargs = 0;
	if (g1 <= g0 + 1 || g1 > d->L->n)
		return;
	size_t a = g0 + 1, k = a;
	while (k <= g1) {
		if (k < g1 && !op(d, k, ',')) {
			k = skip(d, k, g1);
			continue;
		}
		struct dval v = df_expr(d, a, k);
		if (c->nargs < DF_MAX_ARGS) {
			c->arg_t0[c->nargs] = a;
			c->arg_t1[c->nargs] = k;
			store[c->nargs++] = v;
		} else {
			dv_merge(&store[DF_MAX_ARGS - 1], &v);
		}
		if (k == g1)
			break;
		a = ++k;
	}
}

static struct dval postfix(struct df *d, struct dval v, size_t chain0, size_t *pp, size_t e,
                           const char *last, size_t lastn);

static bool is_type_group(const struct df *d, size_t g0, size_t g1)
{
	/* (String), (byte[]), (System.Reflection.Assembly), (Class<?>), (int) */
	if (g1 <= g0 + 1 || T(d, g0 + 1)->kind != T_NAME)
		return false;
	for (size_t k = g0 + 1; k < g1; k++) {
		const struct tok *t = T(d, k);
		if (t->kind == T_NAME)
			continue;
		if (t->kind == T_OP &&
		    (t->op == '.' || t->op == '[' || t->op == ']' || t->op == '<' || t->op == '>' ||
		     t->op == '?' || t->op == '\\'))
			continue;
		return false;
	}
	return true;
}

static bool starts_term(const struct df *d, size_t i, size_t e)
{
	if (i >= e)
		return false;
	const struct tok *t = T(d, i);
	if (t->kind == T_NAME) {
		size_t nx;
		return classify_op(d, i, &nx) == B_NONE;
	}
	if (t->kind == T_OP)
		return t->op == '(' || t->op == '$' || t->op == '@' || t->op == '!' || t->op == '~';
	return t->kind != T_EOS;
}

/* The value named by "new X(...)" (also VB's New, PHP's new class). */
static struct dval new_expr(struct df *d, size_t *pp, size_t e)
{
	const struct lex *L = d->L;
	size_t p = *pp + 1;
	struct dval v = dv_none();
	const char *nm = NULL;
	size_t nn = 0;
	if (p < e && T(d, p)->kind == T_VAR) {
		/* new $class(...): a class the code names at run time */
		struct dval cv = df_expr(d, p, p + 1);
		p++;
		if (cv.s) {
			nm = cv.s;
			nn = cv.sn;
		}
	}
	while (p < e) {
		const struct tok *t = T(d, p);
		if (t->kind == T_NAME) {
			nm = tok_name(L, t, &nn);
			p++;
		} else if (t->kind == T_OP && (t->op == '.' || t->op == '\\')) {
			p++;
		} else if (t->kind == T_OP && t->op == '<' && d->lang != LANG_PHP) {
			int depth = 0;
			for (; p < e; p++) {
				if (op(d, p, '<'))
					depth++;
				else if (op(d, p, '>'))
					depth--;
				else if (op(d, p, OP2('>', '>')))
					depth -= 2;
				if (depth <= 0)
					break;
			}
			p++;
		} else {
			break;
		}
	}
	if (nm && nn == 5 && strncasecmp(nm, "class", 5) == 0 && d->lang == LANG_PHP)
		nm = NULL;
	/* arrays: new byte[n], new String[] {...} */
	bool arr = false;
	while (op(d, p, '[')) {
		size_t c = close_of(d, p, e);
		if (c > p + 1)
			dv_merge(&v, &(struct dval){0});
		(void)df_expr(d, p + 1, c);
		p = c < e ? c + 1 : e;
		arr = true;
	}
	if (op(d, p, '(') && !arr) {
		size_t c = close_of(d, p, e);
		struct dval store[DF_MAX_ARGS];
		struct callsite cs = {
		    .name = nm, .nlen = nn, .form = FORM_NEW, .t0 = *pp, .t1 = c < e ? c + 1 : e};
		parse_args(d, p, c, &cs, store);
		p = c < e ? c + 1 : e;
		if (nm)
			v = df_call(d, &cs);
		else
			for (size_t k = 0; k < cs.nargs; k++)
				dv_merge(&v, &store[k]);
	}
	if (op(d, p, '{')) {
		/* an array initializer, an object initializer, or an anonymous class body */
		size_t c = close_of(d, p, e);
		bool block = false;
		for (size_t k = p + 1; k < c; k = skip(d, k, c))
			if (op(d, k, ';'))
				block = true;
		if (block || (d->fn_at && c > p + 1 && d->fn_at[p + 1] >= 0)) {
			df_walk(d, p + 1, c);
		} else {
			struct dval store[DF_MAX_ARGS];
			struct callsite tmp = {0};
			parse_args(d, p, c, &tmp, store);
			for (size_t k = 0; k < tmp.nargs; k++)
				dv_merge(&v, &store[k]);
		}
		p = c < e ? c + 1 : e;
	}
	if (name_is(d, p, "With") && op(d, p + 1, '{'))
		p = skip(d, p + 1, e);
	if (nm && !v.cls)
		v.cls = lower_dup(d, nm, nn);
	*pp = p;
	return postfix(d, v, *pp, pp, e, nm, nn);
}

/* A variable of the file ($GLOBALS['x'], $_SESSION), its element when a constant key follows
 * at *pp. */
static struct dval global_read(struct df *d, const char *s, size_t n, size_t *pp, size_t e)
{
	struct dval v = dv_none();
	struct dvar *g = df_var(d, 0, s, n, false);
	char kbuf[128];
	size_t kn = const_key(d, *pp, e, s, n, kbuf, sizeof(kbuf));
	struct dvar *el = kn ? df_var(d, 0, kbuf, kn, false) : NULL;
	if (el) {
		*pp += 3;
		return el->v;
	}
	if (g) {
		v = g->v;
		if (!kn && (g->elfl & ~v.fl)) {
			if (v.step < 0 && (g->elfl & V_TAINT))
				v.step = g->elstep;
			v.fl |= g->elfl;
			v.s = NULL;
		}
	}
	return v;
}

/* A PHP variable as a value: superglobals, $GLOBALS, $_SESSION, locals. */
static struct dval php_var(struct df *d, size_t *pp, size_t e)
{
	const struct lex *L = d->L;
	size_t p = *pp, n;
	const char *s = tok_name(L, T(d, p), &n);
	struct dval v = dv_none();
	p++;
	if (df_php_superglobal(s, n)) {
		v.fl = V_REQ;
		if (n == 6 && memcmp(s, "_FILES", 6) == 0)
			v.fl |= V_UPLOAD;
		if (n == 18 && memcmp(s, "HTTP_RAW_POST_DATA", 18) == 0)
			v.fl |= V_BODY;
	} else if ((n == 7 && memcmp(s, "_SERVER", 7) == 0) ||
	           (n == 16 && memcmp(s, "HTTP_SERVER_VARS", 16) == 0)) {
		if (op(d, p, '[')) {
			size_t c = close_of(d, p, e);
			struct dval k = df_expr(d, p + 1, c);
			if (!k.s || df_php_server_key(k.s, k.sn))
				v.fl = V_REQ;
			p = c < e ? c + 1 : e;
		} else {
			v.fl = V_REQ;
		}
	} else if (n == 7 && memcmp(s, "GLOBALS", 7) == 0) {
		if (op(d, p, '[')) {
			size_t c = close_of(d, p, e);
			struct dval k = df_expr(d, p + 1, c);
			p = c < e ? c + 1 : e;
			if (k.s && df_php_superglobal(k.s, k.sn)) {
				v.fl = V_REQ | (k.fl & V_OBF);
			} else if (k.s) {
				v = global_read(d, k.s, k.sn, &p, e);
			} else if (k.fl & V_TAINT) {
				v.fl = V_REQ;
			}
		}
	} else if (n == 8 && memcmp(s, "_SESSION", 8) == 0) {
		v = global_read(d, s, n, &p, e);
	} else if (n == 4 && memcmp(s, "this", 4) == 0) {
		/* $this->prop: the property, across the file */
	} else {
		struct dvar *var = lookup(d, s, n);
		char kbuf[128];
		size_t kn = const_key(d, p, e, s, n, kbuf, sizeof(kbuf));
		struct dvar *el = kn ? lookup(d, kbuf, kn) : NULL;
		if (el) {
			/* $a['k'] where that element was stored */
			v = el->v;
			p += 3;
		} else if (var) {
			v = var->v;
			if (!kn && (var->elfl & ~v.fl)) {
				/* the whole array, or an element by a computed key */
				if (v.step < 0 && (var->elfl & V_TAINT))
					v.step = var->elstep;
				v.fl |= var->elfl;
				v.s = NULL;
			}
		} else if (d->wild[d->scope].fl || d->wild[d->scope].fn >= 0) {
			v = d->wild[d->scope];
		}
	}
	*pp = p;
	return postfix(d, v, *pp - 1, pp, e, s, n);
}

/* A name in the C family or VB: a variable, a class, the Request object, a call. */
static struct dval name_primary(struct df *d, size_t *pp, size_t e)
{
	const struct lex *L = d->L;
	size_t p = *pp, n;
	const char *s = tok_name(L, T(d, p), &n);
	struct dval v = dv_none();
	size_t start = p;
	p++;
	if (df_name_eq(d, s, n, "Request") ||
	    (d->lang != LANG_JAVA && n == 7 && strncasecmp(s, "request", 7) == 0)) {
		v.cls = "request";
		if (op(d, p, '(') || op(d, p, '[')) {
			size_t c = close_of(d, p, e);
			struct dval store[DF_MAX_ARGS];
			struct callsite tmp = {0};
			parse_args(d, p, c, &tmp, store);
			v = dv_none();
			v.fl = V_REQ;
			p = c < e ? c + 1 : e;
		}
	} else if ((n == 7 && strncasecmp(s, "session", 7) == 0) ||
	           (n == 11 && strncasecmp(s, "application", 11) == 0)) {
		struct dvar *g = df_var(d, 0, "session", 7, false);
		if (g)
			v = g->v;
		if (op(d, p, '(') || op(d, p, '[')) {
			size_t c = close_of(d, p, e);
			(void)df_expr(d, p + 1, c);
			p = c < e ? c + 1 : e;
		}
	} else if (op(d, p, '(')) {
		struct dvar *var = d->lang == LANG_VB ? lookup(d, s, n) : NULL;
		size_t c = close_of(d, p, e);
		if (var && df_fn_find(d, s, n, 0) < 0) {
			/* VB: arr(i) */
			(void)df_expr(d, p + 1, c);
			v = var->v;
			v.s = NULL;
		} else {
			struct dval store[DF_MAX_ARGS];
			struct callsite cs = {.name = s,
			                      .nlen = n,
			                      .form = FORM_FUNC,
			                      .t0 = start,
			                      .t1 = c < e ? c + 1 : e};
			parse_args(d, p, c, &cs, store);
			v = df_call(d, &cs);
		}
		p = c < e ? c + 1 : e;
	} else {
		struct dvar *var = lookup(d, s, n);
		if (var)
			v = var->v;
		else if (d->lang == LANG_VB && df_fn_find(d, s, n, 0) >= 0 && !op(d, p, '.')) {
			/* VB calls a function without parentheses */
			struct callsite cs = {
			    .name = s, .nlen = n, .form = FORM_FUNC, .t0 = start, .t1 = p};
			struct dval store[1];
			cs.args = store;
			v = df_call(d, &cs);
		}
	}
	*pp = p;
	return postfix(d, v, start, pp, e, s, n);
}

static struct dval array_lit(struct df *d, size_t g0, size_t g1)
{
	struct dval v = dv_none();
	struct dval store[DF_MAX_ARGS];
	struct callsite tmp = {0};
	if (g1 > d->L->n || g1 <= g0 + 1) {
		v.s = NULL;
		return v;
	}
	/* elements, each "value" or "key => value": the values are what the array holds */
	size_t a = g0 + 1;
	for (size_t k = a; k <= g1;) {
		if (k < g1 && !op(d, k, ',')) {
			k = skip(d, k, g1);
			continue;
		}
		size_t arrow = SIZE_MAX;
		for (size_t j = a; j < k; j = skip(d, j, k))
			if (op(d, j, OP2('=', '>'))) {
				arrow = j;
				break;
			}
		struct dval el;
		if (arrow != SIZE_MAX) {
			(void)df_expr(d, a, arrow);
			el = df_expr(d, arrow + 1, k);
		} else {
			el = df_expr(d, a, k);
		}
		if (k > a) {
			if (tmp.nargs < DF_MAX_ARGS)
				store[tmp.nargs++] = el;
			else
				dv_merge(&store[DF_MAX_ARGS - 1], &el);
		}
		if (k == g1)
			break;
		a = ++k;
	}
	for (size_t k = 0; k < tmp.nargs; k++)
		dv_merge(&v, &store[k]);
	v.s = NULL;
	if (tmp.nargs == 1 && store[0].s) {
		/* a one-element list keeps its string: array('assert') */
		v.s = store[0].s;
		v.sn = store[0].sn;
	}
	/* callable arrays: array($obj, 'method') names the method */
	if (tmp.nargs == 2 && store[1].s && !v.meth)
		v.meth = df_strdup(d, store[1].s, store[1].sn > 64 ? 64 : store[1].sn);
	return v;
}

static struct dval primary(struct df *d, size_t *pp, size_t e)
{
	const struct lex *L = d->L;
	size_t p = *pp;
	struct dval v = dv_none();
	if (p >= e)
		return v;
	const struct tok *t = T(d, p);
	switch (t->kind) {
	case T_STR:
		v.s = tok_str(L, t);
		v.sn = t->sl;
		if (t->flags & TF_BLOB)
			v.fl |= V_BLOB;
		if (t->flags & TF_ESCAPE)
			v.fl |= V_OBF;
		if (t->sl > 20 && lex_memcasemem(v.s, t->sl, "msxsl:script"))
			v.fl |= V_XSLSCRIPT;
		*pp = p + 1;
		return postfix(d, v, p, pp, e, NULL, 0);
	case T_NUM:
		v.isnum = true;
		v.num = t->sv;
		*pp = p + 1;
		return v;
	case T_VAR:
		return php_var(d, pp, e);
	case T_EOS:
		*pp = p + 1;
		return v;
	case T_OP:
		break;
	default: {
		/* T_NAME */
		if (name_is(d, p, "new") || (d->lang == LANG_VB && name_is(d, p, "New")))
			return new_expr(d, pp, e);
		int32_t fk = d->fn_at ? d->fn_at[p] : -1;
		if (name_is(d, p, "static") && d->lang == LANG_PHP && p + 1 < e &&
		    (name_is(d, p + 1, "function") || name_is(d, p + 1, "fn"))) {
			p++;
			fk = d->fn_at[p];
		}
		if (fk >= 0 && d->fns[fk].closure) {
			walk_fn(d, fk);
			v.fn = fk;
			*pp = d->fns[fk].end < e ? d->fns[fk].end : e;
			return postfix(d, v, p, pp, e, NULL, 0);
		}
		if (d->lang == LANG_PHP) {
			size_t n;
			const char *s = tok_name(L, t, &n);
			if (name_is(d, p, "fn") && op(d, p + 1, '(')) {
				/* fn($x) => expr */
				size_t c = close_of(d, p + 1, e);
				size_t b = c < e ? c + 1 : e;
				while (b < e && !op(d, b, OP2('=', '>')))
					b++;
				v = df_expr(d, b + 1 < e ? b + 1 : e, e);
				*pp = e;
				return v;
			}
			if ((name_is(d, p, "array") || name_is(d, p, "list")) &&
			    op(d, p + 1, '(')) {
				size_t c = close_of(d, p + 1, e);
				v = array_lit(d, p + 1, c);
				*pp = c < e ? c + 1 : e;
				return postfix(d, v, p, pp, e, NULL, 0);
			}
			if ((name_is(d, p, "isset") || name_is(d, p, "empty") ||
			     name_is(d, p, "exit") || name_is(d, p, "die")) &&
			    op(d, p + 1, '(')) {
				size_t c = close_of(d, p + 1, e);
				(void)df_expr(d, p + 2, c);
				*pp = c < e ? c + 1 : e;
				return dv_none();
			}
			if (name_is(d, p, "include") || name_is(d, p, "include_once") ||
			    name_is(d, p, "require") || name_is(d, p, "require_once")) {
				struct dval arg = df_expr(d, p + 1, e);
				struct callsite cs = {.name = s,
				                      .nlen = n,
				                      .form = FORM_FUNC,
				                      .args = &arg,
				                      .nargs = 1,
				                      .t0 = p,
				                      .t1 = e};
				cs.arg_t0[0] = p + 1;
				cs.arg_t1[0] = e;
				*pp = e;
				return df_call(d, &cs);
			}
			if (name_is(d, p, "print") || name_is(d, p, "clone") ||
			    name_is(d, p, "yield") || name_is(d, p, "throw") ||
			    name_is(d, p, "echo")) {
				v = df_expr(d, p + 1, e);
				*pp = e;
				return v;
			}
			/* namespaced names: \Foo\bar(), Foo\Bar::x() */
			while (op(d, p + 1, '\\') && p + 2 < e && T(d, p + 2)->kind == T_NAME) {
				p += 2;
				s = tok_name(L, T(d, p), &n);
			}
			size_t start = *pp;
			if (op(d, p + 1, '(')) {
				size_t c = close_of(d, p + 1, e);
				struct dval store[DF_MAX_ARGS];
				struct callsite cs = {.name = s,
				                      .nlen = n,
				                      .form = FORM_FUNC,
				                      .t0 = start,
				                      .t1 = c < e ? c + 1 : e};
				parse_args(d, p + 1, c, &cs, store);
				v = df_call(d, &cs);
				*pp = c < e ? c + 1 : e;
				return postfix(d, v, start, pp, e, s, n);
			}
			if (op(d, p + 1, OP2(':', ':'))) {
				*pp = p + 1;
				return postfix(d, v, start, pp, e, s, n);
			}
			/* a constant, or a bare word used as a string (old PHP: $_GET[cmd]) */
			if (!name_is(d, p, "true") && !name_is(d, p, "false") &&
			    !name_is(d, p, "null")) {
				v.s = s;
				v.sn = (uint32_t)n;
			}
			*pp = p + 1;
			return v;
		}
		if (name_is(d, p, "true") || name_is(d, p, "false") || name_is(d, p, "null") ||
		    name_is(d, p, "Nothing") || name_is(d, p, "Empty")) {
			*pp = p + 1;
			return v;
		}
		if ((name_is(d, p, "typeof") || name_is(d, p, "GetType")) && op(d, p + 1, '(')) {
			size_t c = close_of(d, p + 1, e), n;
			if (c > p + 2 && T(d, c - 1)->kind == T_NAME) {
				const char *s = tok_name(L, T(d, c - 1), &n);
				v.cls = lower_dup(d, s, n);
			}
			*pp = c < e ? c + 1 : e;
			return postfix(d, v, p, pp, e, NULL, 0);
		}
		if (name_is(d, p, "this") || name_is(d, p, "Me") || name_is(d, p, "base") ||
		    name_is(d, p, "super") || name_is(d, p, "MyBase")) {
			*pp = p + 1;
			if (op(d, p + 1, '.') && p + 2 < e && T(d, p + 2)->kind == T_NAME &&
			    !op(d, p + 3, '(')) {
				/* this.field */
				*pp = p + 2;
				return name_primary(d, pp, e);
			}
			return postfix(d, v, p, pp, e, NULL, 0);
		}
		if (name_is(d, p, "await") || name_is(d, p, "ref") || name_is(d, p, "out") ||
		    name_is(d, p, "AddressOf") || name_is(d, p, "ByVal") ||
		    name_is(d, p, "final") || name_is(d, p, "var") || name_is(d, p, "let") ||
		    name_is(d, p, "const")) {
			*pp = p + 1;
			return primary(d, pp, e);
		}
		return name_primary(d, pp, e);
	}
	}
	/* operators that start a term */
	switch (t->op) {
	case '(': {
		size_t c = close_of(d, p, e);
		if (is_type_group(d, p, c) && starts_term(d, c + 1, e) &&
		    (d->lang != LANG_PHP || T(d, p + 1)->kind == T_NAME)) {
			size_t n;
			const char *s = tok_name(L, T(d, c - 1), &n);
			if (T(d, c - 1)->kind != T_NAME)
				s = NULL;
			*pp = c + 1;
			struct dval inner = primary(d, pp, e);
			if (d->lang == LANG_PHP && s &&
			    (df_name_eq(d, s, n, "int") || df_name_eq(d, s, n, "integer") ||
			     df_name_eq(d, s, n, "bool") || df_name_eq(d, s, n, "boolean") ||
			     df_name_eq(d, s, n, "float") || df_name_eq(d, s, n, "double")))
				return dv_none();
			if (s && !inner.cls && d->lang != LANG_PHP)
				inner.cls = lower_dup(d, s, n);
			return inner;
		}
		v = df_expr(d, p + 1, c);
		*pp = c < e ? c + 1 : e;
		return postfix(d, v, p, pp, e, NULL, 0);
	}
	case '[': {
		size_t c = close_of(d, p, e);
		v = array_lit(d, p, c);
		*pp = c < e ? c + 1 : e;
		return postfix(d, v, p, pp, e, NULL, 0);
	}
	case '{': {
		size_t c = close_of(d, p, e);
		bool block = false;
		for (size_t k = p + 1; k < c; k = skip(d, k, c))
			if (op(d, k, ';'))
				block = true;
		if (block)
			df_walk(d, p + 1, c);
		else
			v = array_lit(d, p, c);
		*pp = c < e ? c + 1 : e;
		return v;
	}
	case '$': {
		/* $$name, ${'na'.'me'} */
		size_t q = p + 1;
		struct dval nv;
		if (op(d, q, '(') || op(d, q, '{')) {
			size_t c = close_of(d, q, e);
			nv = df_expr(d, q + 1, c);
			q = c < e ? c + 1 : e;
		} else if (q < e && (T(d, q)->kind == T_VAR || op(d, q, '$'))) {
			size_t q2 = q;
			nv = primary(d, &q2, q + 1 < e && T(d, q)->kind == T_VAR ? q + 1 : e);
			q = q2;
		} else {
			*pp = q;
			return v;
		}
		if (nv.s && df_php_superglobal(nv.s, nv.sn)) {
			v.fl = V_REQ | (nv.fl & V_OBF);
		} else if (nv.s && nv.sn == 7 && memcmp(nv.s, "_SERVER", 7) == 0) {
			v.fl = V_REQ | (nv.fl & V_OBF);
		} else if (nv.s) {
			struct dvar *var = lookup(d, nv.s, nv.sn);
			if (var)
				v = var->v;
			else if (d->wild[d->scope].fl || d->wild[d->scope].fn >= 0)
				v = d->wild[d->scope];
		} else if (nv.fl & V_TAINT) {
			v.fl = V_REQ;
			v.step = nv.step;
		}
		*pp = q;
		return postfix(d, v, p, pp, e, NULL, 0);
	}
	case '\\':
		*pp = p + 1;
		return primary(d, pp, e);
	default:
		*pp = p + 1;
		return v;
	}
}

static struct dval index_val(struct df *d, struct dval v, const struct dval *k)
{
	if (v.s && k->isnum && k->num >= 0 && (uint64_t)k->num < v.sn) {
		struct dval r = v;
		r.s = df_strdup(d, v.s + k->num, 1);
		r.sn = r.s ? 1 : 0;
		r.fl |= V_OBF;
		return r;
	}
	if ((v.fl & V_UPLOAD) && k->s &&
	    ((k->sn == 4 && memcmp(k->s, "name", 4) == 0) ||
	     (k->sn == 4 && memcmp(k->s, "type", 4) == 0) ||
	     (k->sn == 4 && memcmp(k->s, "size", 4) == 0) ||
	     (k->sn == 5 && memcmp(k->s, "error", 5) == 0)))
		v.fl &= ~(uint32_t)V_UPLOAD;
	if (v.cls && streq(v.cls, "request")) {
		v.fl |= V_REQ;
		v.cls = NULL;
	}
	v.s = NULL;
	v.isnum = false;
	return v;
}

static struct dval postfix(struct df *d, struct dval v, size_t chain0, size_t *pp, size_t e,
                           const char *last, size_t lastn)
{
	const struct lex *L = d->L;
	size_t p = *pp;
	for (int guard = 0; p < e && guard < 4096; guard++) {
		if (!spend(d, 1))
			break;
		const struct tok *t = T(d, p);
		if (t->kind != T_OP)
			break;
		uint32_t o = t->op;
		if (o == '[' || (o == '{' && d->lang == LANG_PHP && p > 0 &&
		                 (T(d, p - 1)->kind == T_VAR || op(d, p - 1, ']')))) {
			size_t c = close_of(d, p, e);
			struct dval k = c > p + 1 ? df_expr(d, p + 1, c) : dv_none();
			v = index_val(d, v, &k);
			p = c < e ? c + 1 : e;
			continue;
		}
		if (o == '(') {
			/* a call of a value: $f(...), $a['x'](...), (expr)(...), a delegate */
			size_t c = close_of(d, p, e);
			struct dval store[DF_MAX_ARGS];
			struct dval callee = v;
			struct callsite cs = {.form = FORM_FUNC,
			                      .fv = &callee,
			                      .t0 = chain0,
			                      .t1 = c < e ? c + 1 : e};
			parse_args(d, p, c, &cs, store);
			if (v.cls && streq(v.cls, "request")) {
				v = dv_none();
				v.fl = V_REQ;
			} else {
				v = df_call(d, &cs);
			}
			p = c < e ? c + 1 : e;
			continue;
		}
		bool arrow = o == OP2('-', '>') || o == OP3('?', '-', '>');
		bool dot = (o == '.' && d->lang != LANG_PHP) || o == OP2('?', '.') ||
		           o == OP2(':', ':') || arrow;
		if (!dot)
			break;
		if (o == OP2('-', '>') && d->lang != LANG_PHP)
			break; /* a Java lambda */
		size_t m = p + 1;
		if (m >= e)
			break;
		const struct tok *mt = T(d, m);
		const char *mn = NULL;
		size_t mnl = 0;
		struct dval dynname = dv_none();
		bool dyn = false;
		if (mt->kind == T_NAME) {
			mn = tok_name(L, mt, &mnl);
			m++;
		} else if (mt->kind == T_VAR && d->lang == LANG_PHP) {
			if (o == OP2(':', ':')) {
				/* Class::$prop */
				mn = tok_name(L, mt, &mnl);
				struct dvar *pv = df_var(d, -1, mn, mnl, false);
				if (pv)
					dv_merge(&v, &pv->v);
				p = m + 1;
				continue;
			}
			size_t q = m;
			dynname = php_var(d, &q, q + 1);
			dyn = true;
			m = q;
		} else if (mt->kind == T_OP && mt->op == '{' && d->lang == LANG_PHP) {
			size_t c = close_of(d, m, e);
			dynname = df_expr(d, m + 1, c);
			dyn = true;
			m = c < e ? c + 1 : e;
		} else if (mt->kind == T_OP && mt->op == '<') {
			/* obj.<T>m() */
			while (m < e && !op(d, m, '>'))
				m++;
			p = m;
			continue;
		} else {
			break;
		}
		if (dyn && dynname.s) {
			mn = dynname.s;
			mnl = dynname.sn;
			dyn = false;
		}
		bool reqm = mn && v.cls && streq(v.cls, "request") && df_request_member(mn, mnl);
		if (op(d, m, '(') && reqm) {
			/* Request.Form("x"), Request.BinaryRead(n) */
			size_t c = close_of(d, m, e);
			(void)df_expr(d, m + 1, c);
			bool body = mnl == 10 && strncasecmp(mn, "BinaryRead", 10) == 0;
			v = dv_none();
			v.fl = V_REQ | (body ? V_BODY : 0);
			p = c < e ? c + 1 : e;
		} else if (op(d, m, '(')) {
			size_t c = close_of(d, m, e);
			struct dval store[DF_MAX_ARGS];
			struct dval recv = v;
			struct callsite cs = {.name = mn,
			                      .nlen = mnl,
			                      .form = FORM_METHOD,
			                      .recv = &recv,
			                      .recv_t0 = chain0,
			                      .recv_t1 = p,
			                      .recv_name = last,
			                      .recv_nlen = lastn,
			                      .t0 = chain0,
			                      .t1 = c < e ? c + 1 : e,
			                      .obf = dynname.s && (dynname.fl & V_OBF)};
			if (dyn) {
				cs.name = NULL;
				cs.fv = &dynname;
			}
			parse_args(d, m, c, &cs, store);
			v = df_call(d, &cs);
			p = c < e ? c + 1 : e;
		} else if (mn) {
			/* a member */
			if (reqm) {
				bool body =
				    (mnl == 11 && strncasecmp(mn, "InputStream", 11) == 0) ||
				    (mnl == 10 && strncasecmp(mn, "BinaryRead", 10) == 0) ||
				    (mnl == 24 &&
				     strncasecmp(mn, "GetBufferlessInputStream", 24) == 0);
				v = dv_none();
				v.fl = V_REQ | (body ? V_BODY : 0);
			} else if (mnl == 7 && strncasecmp(mn, "Request", 7) == 0 &&
			           d->lang != LANG_PHP) {
				v = dv_none();
				v.cls = "request";
			} else if (d->lang == LANG_PHP && arrow) {
				struct dvar *pv = df_var(d, -1, mn, mnl, false);
				if (pv)
					dv_merge(&v, &pv->v);
				v.s = NULL;
			} else if (mnl == 5 && memcmp(mn, "class", 5) == 0 && last) {
				v.cls = lower_dup(d, last, lastn);
			} else if (!v.fl && !v.cls && d->lang != LANG_PHP) {
				/* a static field of a class, or a field of this object */
				struct dvar *fv = df_var(d, -1, mn, mnl, false);
				if (fv)
					v = fv->v;
			}
			v.isnum = false;
			p = m;
		} else {
			/* $obj->$name: a property named at run time */
			v.s = NULL;
			p = m;
		}
		last = mn;
		lastn = mnl;
	}
	/* postfix ++ and --, C#'s null-forgiving ! */
	while (p < e && (op(d, p, OP2('+', '+')) || op(d, p, OP2('-', '-'))))
		p++;
	*pp = p;
	return v;
}

/* Evaluate [i, e): the value of an expression, with the effects of every call and assignment
 * in it. vb_stmt: VB's '=' assigns (a statement), else it compares. */
static struct dval expr_in(struct df *d, size_t i, size_t e, bool vb_stmt)
{
	struct dval acc = dv_none();
	if (i >= e || !spend(d, e - i))
		return acc;
	if (++d->depth > MAX_DEPTH) {
		d->depth--;
		return acc;
	}
	/* assignment and ternaries first (lowest precedence) */
	size_t asg = SIZE_MAX, q = SIZE_MAX;
	for (size_t k = i; k < e; k = skip(d, k, e)) {
		if (assign_op(d, k, vb_stmt) && asg == SIZE_MAX && k > i) {
			asg = k;
			break;
		}
		if (op(d, k, '?') && q == SIZE_MAX)
			q = k;
		if (op(d, k, OP2('=', '>')) && d->lang != LANG_PHP)
			break; /* a lambda's body is no assignment target */
	}
	if (asg != SIZE_MAX && (q == SIZE_MAX || q > asg)) {
		uint32_t aop = T(d, asg)->op;
		struct dval v = expr_in(d, asg + 1, e, false);
		if (aop != '=') {
			size_t i2 = i;
			struct dval old = primary(d, &i2, asg);
			if (aop == OP2('.', '=') || (aop == OP2('+', '=') && d->lang != LANG_PHP) ||
			    (aop == OP2('&', '=') && d->lang == LANG_VB))
				fold_concat(d, &old, &v);
			else if (aop == OP2('^', '='))
				fold_xor(d, &old, &v);
			else {
				dv_merge(&old, &v);
				old.s = NULL;
			}
			v = old;
		}
		df_store(d, i, asg, &v);
		d->depth--;
		return v;
	}
	if (q != SIZE_MAX) {
		(void)expr_in(d, i, q, false);
		size_t c = SIZE_MAX;
		for (size_t k = q + 1; k < e; k = skip(d, k, e))
			if (op(d, k, ':')) {
				c = k;
				break;
			}
		if (c == SIZE_MAX) {
			acc = expr_in(d, q + 1, e, false);
		} else {
			acc = c == q + 1 ? expr_in(d, i, q, false) : expr_in(d, q + 1, c, false);
			struct dval b = expr_in(d, c + 1, e, false);
			dv_merge(&acc, &b);
		}
		d->depth--;
		return acc;
	}
	bool have = false, boolish = false;
	enum binop last = B_NONE;
	uint32_t lastop = 0;
	size_t p = i;
	while (p < e && !d->budget_out) {
		bool neg = false, bnot = false;
		for (;;) {
			if (p >= e)
				break;
			const struct tok *t = T(d, p);
			if (t->kind == T_OP &&
			    (t->op == '@' || t->op == '&' || t->op == '+' || t->op == '-' ||
			     t->op == OP2('+', '+') || t->op == OP2('-', '-') ||
			     t->op == OP3('.', '.', '.'))) {
				p++;
				continue;
			}
			if (t->kind == T_OP && t->op == '!') {
				neg = true;
				p++;
				continue;
			}
			if (t->kind == T_OP && t->op == '~') {
				bnot = true;
				p++;
				continue;
			}
			if (d->lang == LANG_VB && name_is(d, p, "Not")) {
				neg = true;
				p++;
				continue;
			}
			break;
		}
		if (p >= e)
			break;
		size_t before = p;
		struct dval term = primary(d, &p, e);
		if (p == before)
			p++;
		if (bnot && term.s && term.sn <= DF_MAX_CONST) {
			char buf[DF_MAX_CONST];
			for (size_t k = 0; k < term.sn; k++)
				buf[k] = (char)~term.s[k];
			term.s = df_strdup(d, buf, term.sn);
			term.fl |= V_OBF;
		}
		if (neg)
			boolish = true;
		if (!have) {
			acc = term;
			have = true;
		} else {
			switch (last) {
			case B_CONCAT:
				if (d->lang != LANG_PHP && d->lang != LANG_VB && acc.isnum &&
				    term.isnum && !acc.s && !term.s)
					acc.num += term.num; /* 1 + 2 in the C family */
				else
					fold_concat(d, &acc, &term);
				break;
			case B_XOR:
				fold_xor(d, &acc, &term);
				break;
			case B_ADD:
			case B_ARITH:
				if (acc.isnum && term.isnum) {
					switch (lastop) {
					case '+':
						acc.num += term.num;
						break;
					case '-':
						acc.num -= term.num;
						break;
					case '*':
						acc.num *= term.num;
						break;
					default:
						acc.isnum = false;
					}
					break;
				}
				dv_merge(&acc, &term);
				acc.s = NULL;
				acc.isnum = false;
				break;
			default:
				dv_merge(&acc, &term);
				acc.s = NULL;
				acc.isnum = false;
				break;
			}
		}
		if (p >= e)
			break;
		size_t nx;
		enum binop b = classify_op(d, p, &nx);
		if (b == B_BOOL)
			boolish = true;
		lastop = T(d, p)->kind == T_OP ? T(d, p)->op : 0;
		if (b != B_NONE)
			p = nx;
		last = b;
	}
	d->depth--;
	if (boolish)
		return dv_none();
	return acc;
}

struct dval df_expr(struct df *d, size_t i, size_t e)
{
	return expr_in(d, i, e, false);
}

/* ---- statements ---- */

/* One statement [i, e): declarators and expressions separated by top-level commas. */
static void stmt(struct df *d, size_t i, size_t e)
{
	size_t s0 = d->st0, s1 = d->st1;
	d->st0 = i;
	d->st1 = e;
	size_t a = i;
	for (size_t k = i; k <= e; k = k < e ? skip(d, k, e) : e + 1) {
		if (k < e && !op(d, k, ','))
			continue;
		if (k > a)
			(void)expr_in(d, a, k, d->lang == LANG_VB);
		a = k + 1;
	}
	d->st0 = s0;
	d->st1 = s1;
}

/* The end of a statement starting at i: a ';' (or T_EOS) at this level, a closing brace, or the
 * start of a named definition. */
static size_t stmt_end(const struct df *d, size_t i, size_t e)
{
	for (size_t k = i; k < e;) {
		const struct tok *t = T(d, k);
		if (t->kind == T_EOS)
			return k;
		if (t->kind == T_OP && (t->op == ';' || t->op == '}'))
			return k;
		if (k > i && d->fn_at[k] >= 0 && !d->fns[d->fn_at[k]].closure)
			return k;
		k = skip(d, k, e);
	}
	return e;
}

static void foreach_php(struct df *d, size_t g0, size_t g1)
{
	size_t as = SIZE_MAX;
	for (size_t k = g0 + 1; k < g1; k = skip(d, k, g1))
		if (name_is(d, k, "as")) {
			as = k;
			break;
		}
	if (as == SIZE_MAX) {
		(void)df_expr(d, g0 + 1, g1);
		return;
	}
	struct dval coll = df_expr(d, g0 + 1, as); /* array('_POST'): its one string stays */
	size_t arrow = SIZE_MAX;
	for (size_t k = as + 1; k < g1; k = skip(d, k, g1))
		if (op(d, k, OP2('=', '>')))
			arrow = k;
	size_t s0 = d->st0, s1 = d->st1;
	d->st0 = g0 + 1;
	d->st1 = g1;
	d->strong = true;
	if (arrow != SIZE_MAX) {
		/* keys are names the code compares, seldom code to run: they only name functions */
		struct dval key = dv_none();
		if (coll.fl & V_TAINT) {
			key.fl = V_KEY;
			key.step2 = coll.step;
		}
		df_store(d, as + 1, arrow, &key);
		df_store(d, arrow + 1, g1, &coll);
	} else {
		df_store(d, as + 1, g1, &coll);
	}
	d->strong = false;
	d->st0 = s0;
	d->st1 = s1;
}

/* for (T x : coll), foreach (var x in coll), For Each x In coll */
static bool foreach_in(struct df *d, size_t g0, size_t g1, const char *word)
{
	size_t at = SIZE_MAX;
	for (size_t k = g0 + 1; k < g1; k = skip(d, k, g1))
		if ((word && name_is(d, k, word)) || (!word && op(d, k, ':'))) {
			at = k;
			break;
		}
	if (at == SIZE_MAX)
		return false;
	struct dval coll = df_expr(d, at + 1, g1);
	coll.s = NULL;
	size_t s0 = d->st0, s1 = d->st1;
	d->st0 = g0 + 1;
	d->st1 = g1;
	d->strong = true;
	df_store(d, g0 + 1, at, &coll);
	d->strong = false;
	d->st0 = s0;
	d->st1 = s1;
	return true;
}

static void ret_merge(struct df *d, const struct dval *v)
{
	const struct dfn *f = scope_fn(d, d->scope);
	if (!f)
		return;
	struct dfn *w = &d->fns[f->scope - 1];
	uint32_t before = w->ret.fl;
	int32_t fn = w->ret.fn;
	const char *cls = w->ret.cls;
	dv_merge(&w->ret, v);
	if (w->ret.fl != before || w->ret.fn != fn || w->ret.cls != cls)
		d->changed = true;
}

static bool is_kw(const struct df *d, size_t i, const char *const *list)
{
	for (; *list; list++)
		if (name_is(d, i, *list))
			return true;
	return false;
}

/* One VB statement [s, end): If/While headers, For Each, Dim ... As New, Return, an
 * assignment, or a call without parentheses. */
static void vb_stmt(struct df *d, size_t s, size_t end, int nest)
{
	static const char *const skipline[] = {
	    "End",       "Next",     "Loop",      "Wend",      "Exit",    "Option",   "On",
	    "Resume",    "GoTo",     "Randomize", "Erase",     "Stop",    "Class",    "Imports",
	    "Namespace", "Module",   "Structure", "Interface", "Enum",    "Inherits", "Implements",
	    "Case",      "Event",    "Declare",   "Try",       "Finally", "Catch",    "With",
	    "Using",     "SyncLock", NULL};
	if (s >= end || nest > 4)
		return;
	/* blocks: what is assigned inside a branch or loop merges with what was there */
	if ((name_is(d, s, "End") && (name_is(d, s + 1, "If") || name_is(d, s + 1, "Select"))) ||
	    name_is(d, s, "Next") || name_is(d, s, "Wend") || name_is(d, s, "Loop")) {
		if (d->cond > 0)
			d->cond--;
		return;
	}
	if (name_is(d, s, "If") || name_is(d, s, "ElseIf") || name_is(d, s, "While") ||
	    name_is(d, s, "Do") || (name_is(d, s, "Select") && name_is(d, s + 1, "Case"))) {
		size_t th = s + 1;
		while (th < end && !name_is(d, th, "Then"))
			th = skip(d, th, end);
		(void)df_expr(d, s + 1, th);
		if (!name_is(d, s, "ElseIf") && (th + 1 >= end || !name_is(d, s, "If"))) {
			d->cond++; /* a block If, a loop, a Select */
			return;
		}
		/* If c Then a Else b */
		size_t el = th + 1;
		while (el < end && !name_is(d, el, "Else"))
			el = skip(d, el, end);
		d->cond++;
		if (th + 1 < end)
			vb_stmt(d, th + 1, el, nest + 1);
		if (el + 1 < end)
			vb_stmt(d, el + 1, end, nest + 1);
		d->cond--;
		return;
	}
	if (name_is(d, s, "Else")) {
		d->cond++;
		vb_stmt(d, s + 1, end, nest + 1);
		d->cond--;
		return;
	}
	if (name_is(d, s, "For")) {
		d->cond++; /* until Next */
		if (name_is(d, s + 1, "Each")) {
			size_t in = s + 2;
			while (in < end && !name_is(d, in, "In"))
				in++;
			if (in < end) {
				struct dval coll = df_expr(d, in + 1, end);
				coll.s = NULL;
				df_store(d, s + 2, in, &coll);
			}
		}
		return;
	}
	if (is_kw(d, s, skipline))
		return;
	size_t b = s;
	bool ret = false;
	while (b < end &&
	       (name_is(d, b, "Call") || name_is(d, b, "Dim") || name_is(d, b, "Private") ||
	        name_is(d, b, "Public") || name_is(d, b, "Const") || name_is(d, b, "ReDim") ||
	        name_is(d, b, "Static") || name_is(d, b, "Shared") || name_is(d, b, "Protected") ||
	        name_is(d, b, "Friend") || name_is(d, b, "Return"))) {
		ret = ret || name_is(d, b, "Return");
		b++;
	}
	if (b >= end)
		return;
	/* Dim x As New T(...) */
	size_t as = SIZE_MAX;
	bool has_eq = false;
	for (size_t k = b; k < end; k = skip(d, k, end)) {
		if (assign_op(d, k, true))
			has_eq = true;
		if (name_is(d, k, "As") && name_is(d, k + 1, "New") && as == SIZE_MAX)
			as = k;
	}
	if (as != SIZE_MAX && !has_eq) {
		size_t q = as + 1;
		struct dval v = new_expr(d, &q, end);
		df_store(d, b, as, &v);
		return;
	}
	if (ret) {
		struct dval v = df_expr(d, b, end);
		ret_merge(d, &v);
		return;
	}
	if (has_eq || T(d, b)->kind != T_NAME) {
		stmt(d, b, end);
		return;
	}
	/* a call without parentheses: Execute Request("x"), sh.Run cmd, 0 */
	size_t q = b + 1;
	while (q + 1 < end && op(d, q, '.') && T(d, q + 1)->kind == T_NAME)
		q += 2;
	if (q >= end || op(d, q, '(') || op(d, q, '.') || !starts_term(d, q, end)) {
		(void)expr_in(d, b, end, true);
		return;
	}
	size_t n;
	const char *mn = tok_name(d->L, T(d, q - 1), &n);
	struct dval store[DF_MAX_ARGS];
	struct callsite cs = {.name = mn, .nlen = n, .form = FORM_FUNC, .t0 = b, .t1 = end};
	struct dval recv = dv_none();
	if (q > b + 1) {
		size_t r = b;
		recv = name_primary(d, &r, q - 2);
		cs.form = FORM_METHOD;
		cs.recv = &recv;
		cs.recv_t0 = b;
		cs.recv_t1 = q - 2;
		cs.recv_name = tok_name(d->L, T(d, q - 3), &cs.recv_nlen);
	}
	cs.args = store;
	cs.nargs = 0;
	size_t a = q;
	for (size_t k = q; k <= end; k = k < end ? skip(d, k, end) : end + 1) {
		if (k < end && !op(d, k, ','))
			continue;
		struct dval v = df_expr(d, a, k);
		if (cs.nargs < DF_MAX_ARGS) {
			cs.arg_t0[cs.nargs] = a;
			cs.arg_t1[cs.nargs] = k;
			store[cs.nargs++] = v;
		}
		a = k + 1;
	}
	(void)df_call(d, &cs);
}

/* VB: statements end at T_EOS; blocks are keywords, walked flat. */
static void walk_vb(struct df *d, size_t i, size_t e)
{
	while (i < e && !d->budget_out) {
		if (d->fn_at[i] >= 0 && d->fns[d->fn_at[i]].name) {
			int32_t k = d->fn_at[i];
			walk_fn(d, k);
			i = d->fns[k].end > i ? d->fns[k].end : i + 1;
			continue;
		}
		size_t end = i;
		while (end < e && T(d, end)->kind != T_EOS) {
			if (end > i && d->fn_at[end] >= 0 && d->fns[d->fn_at[end]].name)
				break;
			end = skip(d, end, e);
		}
		size_t s = i;
		i = end < e && T(d, end)->kind == T_EOS ? end + 1 : end;
		if (s >= end || !spend(d, end - s))
			continue;
		size_t s0 = d->st0, s1 = d->st1;
		d->st0 = s;
		d->st1 = end;
		vb_stmt(d, s, end, 0);
		d->st0 = s0;
		d->st1 = s1;
	}
}

void df_walk(struct df *d, size_t i, size_t e)
{
	if (++d->depth > MAX_DEPTH) {
		d->depth--;
		return;
	}
	if (d->lang == LANG_VB) {
		walk_vb(d, i, e);
		d->depth--;
		return;
	}
	static const char *const cond[] = {"if",   "elseif", "while", "switch", "synchronized",
	                                   "lock", "fixed",  "with",  "match",  NULL};
	static const char *const branch[] = {"else", "do", "try", "finally", NULL};
	static const char *const skipw[] = {"public",  "private",   "protected", "abstract",
	                                    "final",   "static",    "readonly",  "unsafe",
	                                    "checked", "unchecked", "default",   NULL};
	static const char *const altend[] = {"endif",     "endwhile",   "endfor", "endforeach",
	                                     "endswitch", "enddeclare", NULL};
	static const char *const toend[] = {"use",      "import",    "package", "goto", "break",
	                                    "continue", "namespace", "declare", NULL};
	/* the statement after a header without braces is conditional; PHP's "if (...):" opens a
	 * block that "endif;" closes */
	bool next_cond = false, hdr_else = false;
	int alt = 0;
	while (i < e && !d->budget_out && spend(d, 1)) {
		const struct tok *t = T(d, i);
		int32_t fk = d->fn_at[i];
		if (fk >= 0 && !d->fns[fk].closure) {
			walk_fn(d, fk);
			i = d->fns[fk].end > i ? d->fns[fk].end : i + 1;
			next_cond = false;
			continue;
		}
		if (t->kind == T_OP) {
			if (t->op == '{') {
				size_t c = close_of(d, i, e);
				d->cond++;
				df_walk(d, i + 1, c);
				d->cond--;
				i = c < e ? c + 1 : e;
				next_cond = false;
				continue;
			}
			if (t->op == ':' && next_cond && d->lang == LANG_PHP) {
				/* if (...): ... endif; (else: and elseif (...): stay in it) */
				if (!hdr_else) {
					d->cond++;
					alt++;
				}
				next_cond = false;
				i++;
				continue;
			}
			if (t->op == ';' || t->op == '}' || t->op == ')' || t->op == ']' ||
			    t->op == ':') {
				i++;
				continue;
			}
			if (t->op == '@' && d->lang != LANG_PHP && i + 1 < e &&
			    T(d, i + 1)->kind == T_NAME) {
				/* an annotation */
				i += 2;
				while (op(d, i, '.') && i + 1 < e)
					i += 2;
				if (op(d, i, '('))
					i = skip(d, i, e);
				continue;
			}
			if (t->op == '#' && op(d, i + 1, '[')) {
				i = skip(d, i + 1, e);
				continue;
			}
		}
		if (t->kind == T_NAME) {
			if (is_kw(d, i, altend)) {
				if (alt > 0) {
					alt--;
					d->cond--;
				}
				i++;
				continue;
			}
			if (is_kw(d, i, cond) && op(d, i + 1, '(')) {
				size_t c = close_of(d, i + 1, e);
				hdr_else = name_is(d, i, "elseif");
				stmt(d, i + 2, c);
				i = c < e ? c + 1 : e;
				next_cond = true;
				continue;
			}
			if (name_is(d, i, "foreach") && op(d, i + 1, '(')) {
				size_t c = close_of(d, i + 1, e);
				d->cond++;
				if (d->lang == LANG_PHP)
					foreach_php(d, i + 1, c);
				else if (!foreach_in(d, i + 1, c, "in"))
					(void)df_expr(d, i + 2, c);
				d->cond--;
				i = c < e ? c + 1 : e;
				next_cond = true;
				continue;
			}
			if (name_is(d, i, "for") && op(d, i + 1, '(')) {
				size_t c = close_of(d, i + 1, e);
				d->cond++;
				if (!(d->lang == LANG_JAVA && foreach_in(d, i + 1, c, NULL)) &&
				    !(d->lang == LANG_JS && foreach_in(d, i + 1, c, "in")) &&
				    !(d->lang == LANG_JS && foreach_in(d, i + 1, c, "of"))) {
					size_t a = i + 2;
					for (size_t k = a; k <= c;
					     k = k < c ? skip(d, k, c) : c + 1) {
						if (k < c && !op(d, k, ';'))
							continue;
						stmt(d, a, k);
						a = k + 1;
					}
				}
				d->cond--;
				i = c < e ? c + 1 : e;
				next_cond = true;
				continue;
			}
			if (name_is(d, i, "using") && op(d, i + 1, '(')) {
				size_t c = close_of(d, i + 1, e);
				stmt(d, i + 2, c);
				i = c < e ? c + 1 : e;
				continue;
			}
			if (name_is(d, i, "catch") && op(d, i + 1, '(')) {
				i = skip(d, i + 1, e);
				next_cond = true;
				continue;
			}
			if (name_is(d, i, "case")) {
				size_t k = i + 1;
				while (k < e && !op(d, k, ':') && !op(d, k, ';'))
					k = skip(d, k, e);
				i = k + 1;
				continue;
			}
			if (name_is(d, i, "class") || name_is(d, i, "interface") ||
			    name_is(d, i, "trait") || name_is(d, i, "enum") ||
			    name_is(d, i, "struct") ||
			    (name_is(d, i, "namespace") && d->lang != LANG_PHP)) {
				size_t k = i + 1;
				while (k < e && !op(d, k, '{') && !op(d, k, ';'))
					k = skip(d, k, e);
				if (op(d, k, '{')) {
					size_t c = close_of(d, k, e);
					df_walk(d, k + 1, c);
					i = c < e ? c + 1 : e;
				} else {
					i = k + 1;
				}
				continue;
			}
			if (name_is(d, i, "namespace") && d->lang == LANG_PHP) {
				size_t k = i + 1;
				while (k < e && !op(d, k, '{') && !op(d, k, ';'))
					k++;
				i = op(d, k, '{') ? k : k + 1;
				continue;
			}
			if (is_kw(d, i, toend) && !op(d, i + 1, '(') && !op(d, i + 1, '=')) {
				size_t k = stmt_end(d, i, e);
				i = k + 1;
				continue;
			}
			if (name_is(d, i, "global") && d->lang == LANG_PHP) {
				size_t k = stmt_end(d, i, e);
				for (size_t j = i + 1; j < k; j++)
					if (T(d, j)->kind == T_VAR) {
						size_t n;
						const char *s = tok_name(d->L, T(d, j), &n);
						struct dvar *v = df_var(d, d->scope, s, n, true);
						if (v && d->scope != 0)
							v->global = true;
					}
				i = k + 1;
				continue;
			}
			if (is_kw(d, i, branch) && !op(d, i + 1, '(') && !op(d, i + 1, '=')) {
				hdr_else = name_is(d, i, "else");
				i++;
				next_cond = true;
				continue;
			}
			if (is_kw(d, i, skipw) && !op(d, i + 1, '(') && !op(d, i + 1, '=') &&
			    !op(d, i + 1, OP2(':', ':'))) {
				i++;
				continue;
			}
		}
		/* a statement: conditional after a header without braces */
		bool c1 = next_cond;
		next_cond = false;
		if (c1)
			d->cond++;
		if (t->kind == T_NAME && (name_is(d, i, "return") || name_is(d, i, "yield"))) {
			size_t k = stmt_end(d, i, e);
			size_t s0 = d->st0, s1 = d->st1;
			d->st0 = i;
			d->st1 = k;
			struct dval v = df_expr(d, i + 1, k);
			ret_merge(d, &v);
			d->st0 = s0;
			d->st1 = s1;
			i = k < e ? k + 1 : e;
		} else if (t->kind == T_NAME && (name_is(d, i, "echo") || name_is(d, i, "print") ||
		                                 name_is(d, i, "throw"))) {
			size_t k = stmt_end(d, i, e);
			stmt(d, i + 1, k);
			i = k < e ? k + 1 : e;
		} else {
			size_t k = stmt_end(d, i, e);
			if (k == i) {
				i++;
			} else {
				stmt(d, i, k);
				i = k;
			}
		}
		if (c1)
			d->cond--;
	}
	while (alt-- > 0)
		d->cond--;
	d->depth--;
}

/* ---- the pass ---- */

void df_analyze(const struct lex *L, struct df_result *ret)
{
	df_analyze_nested(L, ret, 0);
}

void df_analyze_nested(const struct lex *L, struct df_result *ret, int nest)
{
	*ret = (struct df_result){0};
	if (!L || !L->n)
		return;
	struct df d = {.L = L, .lang = L->lang, .ci = L->lang == LANG_VB, .res = ret, .nest = nest};
	d.budget = (uint64_t)L->n * 48 + 200000;
	find_functions(&d);
	fn_index(&d);
	d.wild = xcalloc(d.nf + 1, sizeof(*d.wild));
	for (size_t k = 0; k <= d.nf; k++)
		d.wild[k] = dv_none();
	for (size_t k = 0; k < d.nf; k++) {
		/* parameters are variables of their function, even before a call binds them */
		const struct dfn *f = &d.fns[k];
		for (int a = 0; a < f->np; a++) {
			size_t n;
			const char *pn = tok_name(L, &L->t[f->param[a]], &n);
			struct dvar *pv = df_var(&d, f->scope, pn, n, true);
			if (pv)
				pv->assigned = true;
		}
		for (int a = 0; a < f->np; a++) {
			if (!(f->reqparam & (1u << a)))
				continue;
			size_t n;
			const char *pn = tok_name(L, &L->t[f->param[a]], &n);
			struct dval v = dv_none();
			v.cls = "request";
			df_assign_var(df_var(&d, f->scope, pn, n, true), &d, &v, f->param[a],
			              f->param[a] + 1);
		}
		for (int a = 0; f->webmethod && a < f->np; a++) {
			size_t n;
			const char *pn = tok_name(L, &L->t[f->param[a]], &n);
			struct dval v = dv_none();
			v.fl = V_REQ;
			df_assign_var(df_var(&d, f->scope, pn, n, true), &d, &v, f->param[a],
			              f->param[a] + 1);
		}
	}
	for (unsigned pass = 0; pass < MAX_PASSES; pass++) {
		d.pass = pass;
		d.changed = false;
		d.scope = 0;
		d.depth = 0;
		/* every pass sees at least what the one before saw: keep the last pass's findings
		 * (a sink reached early by a decoded value, later by request data, is one finding)
		 */
		struct df_result prev = *ret;
		memset(ret->f, 0, sizeof(ret->f));
		memset(ret->have, 0, sizeof(ret->have));
		df_walk(&d, 0, L->n);
		for (int t = 0; t < N_TECH; t++) {
			if (d.budget_out && prev.have[t] && !ret->have[t]) {
				ret->f[t] = prev.f[t];
				ret->have[t] = true;
				prev.f[t] = (struct df_finding){0};
			}
			free(prev.f[t].path);
			free(prev.f[t].reason);
		}
		ret->passes = pass + 1;
		if (!d.changed || d.budget_out)
			break;
	}
	if (L->encoded)
		df_find(&d, TECH_OBFUSCATED, SEV_HIGH, NULL, 0, 1,
		        "ASP runs server script hidden by the Script Encoder (#@~^...^#~@)");
	df_finish(&d);
	ret->cut = d.budget_out;
	free(d.vars);
	free(d.bucket);
	free(d.fns);
	free(d.classes);
	free(d.fn_at);
	free(d.fn_head);
	free(d.fn_next);
	free(d.steps);
	free(d.wild);
	for (struct arena_blk *b = d.arena, *nx; b; b = nx) {
		nx = b->next;
		free(b);
	}
}

void df_result_free(struct df_result *r)
{
	for (int t = 0; t < N_TECH; t++) {
		free(r->f[t].path);
		free(r->f[t].reason);
	}
	*r = (struct df_result){0};
}
