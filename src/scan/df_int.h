/* df_int.h: the data-flow pass's internals, shared by dataflow.c (variables, statements and
 * expressions) and dfcall.c (what a call does: user functions, the library's roles, sinks and
 * the techniques they reveal). Not for other modules: they use dataflow.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scan/dataflow.h"

/* What a value carries. */
enum {
	V_REQ = 1u << 0,        /* request data */
	V_BODY = 1u << 1,       /* the raw request body (php://input, getInputStream, BinaryRead) */
	V_DEC = 1u << 2,        /* passed through a decoder (base64, gz, rot13, hex, url) */
	V_CRYPT = 1u << 3,      /* decrypted, or XOR-ed with a key */
	V_BLOB = 1u << 4,       /* made from a long encoded literal */
	V_OBF = 1u << 5,        /* a string spelt in disguise (escapes, chr(), rot13, pieces) */
	V_SOCKET = 1u << 6,     /* a socket, or data read from one */
	V_PROCESS = 1u << 7,    /* a process, its pipes or its output */
	V_REMOTE = 1u << 8,     /* fetched from a URL */
	V_UPLOAD = 1u << 9,     /* an uploaded file's temporary path */
	V_AFFIX = 1u << 10,     /* concatenated with literal text */
	V_NET = 1u << 11,       /* a socket whose address came from the request */
	V_FILE = 1u << 12,      /* a file opened for writing */
	V_SQL = 1u << 13,       /* a database connection or result */
	V_SCRIPT = 1u << 14,    /* a file opened for writing whose name is a server-side script */
	V_RPATH = 1u << 15,     /* the content of a file the request names */
	V_FIXHEAD = 1u << 16,   /* request data after a fixed start: 'dir/' . $_GET['f'] */
	V_REQFILE = 1u << 17,   /* a file handle whose name the request chose */
	V_KEY = 1u << 18,       /* a key of request data (foreach ($_POST as $k => ...)) */
	V_XSLSCRIPT = 1u << 19, /* an XSL stylesheet with a script block */
};
/* A path the request chooses: request data from its start (not an upload's temporary name,
 * not a name inside a fixed directory). */
#define DF_REQ_PATH(v) (((v)->fl & (V_TAINT | V_REQFILE)) && !((v)->fl & (V_UPLOAD | V_FIXHEAD)))
#define V_TAINT (V_REQ | V_BODY)
/* the facts a step of the path is kept for (other than the request) */
#define V_PATH2 (V_DEC | V_CRYPT | V_BLOB | V_OBF | V_SOCKET | V_PROCESS | V_REMOTE | V_KEY)

#define DF_MAX_CONST 512 /* longest constant string folded */
#define DF_MAX_ARGS 16

struct dval {
	uint32_t fl;
	int32_t step;     /* path of the request taint, -1 none */
	int32_t step2;    /* path of the other facts, -1 none */
	int32_t fn;       /* a function it names (closure or user function), -1 none */
	const char *s;    /* constant string, NULL when unknown */
	uint32_t sn;      /* its length */
	const char *cls;  /* object class or ProgID, lower case, NULL when unknown */
	const char *meth; /* a reflected function or method name, NULL when none */
	int64_t num;      /* constant number, when isnum */
	bool isnum;
};

struct dvar {
	const char *name;
	uint32_t nlen, hash;
	int32_t scope, next;
	bool assigned;
	bool global;    /* PHP "global $x": the file's variable */
	bool had_const; /* a constant reached it (a parameter bound to "assert": one more pass) */
	uint32_t ever;  /* every fact it was ever given (the fixed point's measure) */
	uint32_t elfl;  /* PHP: what elements stored under constant keys carry ($a['k'] = ...) */
	int32_t elstep;
	struct dval v;
};

struct dfn {
	const char *name; /* NULL for a closure */
	size_t nlen;
	size_t at;             /* first token of the definition */
	size_t p0, p1;         /* parameter list: '(' and ')' (VB: may be absent, p0 == p1) */
	size_t b0, b1;         /* body tokens [b0, b1) */
	size_t end;            /* first token after the definition */
	int32_t scope, parent; /* its scope (1 + index), the enclosing one */
	bool closure;          /* anonymous: sees the enclosing scope's variables */
	bool method;           /* PHP: defined in a class body (called as $obj->f(), not f()) */
	bool webmethod;        /* an ASP.NET [WebMethod]: its parameters come from the request */
	uint32_t param[DF_MAX_ARGS]; /* token index of each parameter's name */
	uint32_t reqparam;           /* parameters typed as a request (bit per parameter) */
	int np;
	bool variadic;
	struct dval ret;
};

struct dstep {
	uint32_t line;
	uint32_t t0, t1; /* tokens shown */
	int32_t prev;
};

struct arena_blk;

struct df {
	const struct lex *L;
	enum lex_lang lang;
	bool ci; /* names are case-insensitive (VB); PHP functions are too (see df_name_eq) */
	struct dvar *vars;
	size_t nv, cv;
	int32_t *bucket;
	size_t nbucket;
	struct dfn *fns;
	size_t nf;
	struct dclass {
		const char *name;
		size_t nlen, b0, b1;
	} * classes; /* PHP classes: where each body is (its own __construct) */
	size_t nclasses;
	int32_t *fn_at;             /* token -> function defined there, -1 */
	int32_t *fn_head, *fn_next; /* functions by name: hash chains in definition order */
	size_t fn_nb;
	struct dstep *steps;
	size_t ns, cs;
	struct arena_blk *arena;
	size_t arena_used;
	struct dval *wild; /* per scope: what variables no assignment names hold (extract($_POST),
	                    * $$name = ...): an unassigned variable reads it */
	int32_t scope;     /* current scope: 0 the file, 1 + function index */
	bool changed;
	unsigned pass;
	int depth;
	size_t st0, st1; /* statement being evaluated */
	int cond;        /* inside a branch or loop of the function: assignments merge */
	int nest;        /* code read from a string the file evaluates: how deep */
	bool strong;     /* the next store replaces (a foreach variable) */
	bool budget_out; /* work budget spent: stop */
	uint64_t work, budget;
	struct df_result *res;
	/* facts of the whole file, decided at the end */
	struct {
		unsigned cats; /* bit per R_FILE_*, R_UPLOAD: reached with a request path */
		int32_t step;
		size_t t0, t1;
		bool write_req; /* request data written to a request-chosen file */
	} fm;
	struct {
		bool seen;
		int32_t step;
		size_t t0, t1;
	} sql, putenv_ld, mailer;
};

/* dataflow.c */
struct dval dv_none(void);
void dv_merge(struct dval *a, const struct dval *b);
const char *df_strdup(struct df *d, const char *s, size_t n);
int32_t df_step(struct df *d, size_t t0, size_t t1, int32_t prev);
struct dval df_expr(struct df *d, size_t i, size_t e);
void df_walk(struct df *d, size_t i, size_t e);
/* Merge v into the variable a simple expression [i, e) names ($x, x, $x['k'], x.y: x). */
void df_store(struct df *d, size_t i, size_t e, const struct dval *v);
struct dvar *df_var(struct df *d, int32_t scope, const char *name, size_t n, bool create);
void df_assign_var(struct dvar *var, struct df *d, const struct dval *v, size_t t0, size_t t1);
/* The same, replacing the variable's value (straight-line code: the last assignment holds). */
void df_assign_strong(struct dvar *var, struct df *d, const struct dval *v, size_t t0, size_t t1);
bool df_name_eq(const struct df *d, const char *a, size_t an, const char *b);
/* Record a finding for technique t (the strongest per technique is kept). */
void df_find(struct df *d, enum df_tech t, int sev, const struct dval *v, size_t t0, size_t t1,
             const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Merge v into the current scope's unnamed variables. */
void df_wild(struct df *d, const struct dval *v);
/* Finish: the file-level techniques (file manager, ...). */
void df_finish(struct df *d);

/* dfcall.c */
struct callsite {
	const char *name; /* callee's name, NULL for a dynamic call (see fv) */
	size_t nlen;
	int form;                /* FORM_FUNC, FORM_METHOD or FORM_NEW */
	const struct dval *recv; /* the receiver's value (methods) or NULL */
	size_t recv_t0, recv_t1; /* the receiver's tokens (store back into it) */
	const char *recv_name;   /* its spelling (last name of the chain), or NULL */
	size_t recv_nlen;
	struct dval *args;
	size_t nargs;
	size_t arg_t0[DF_MAX_ARGS], arg_t1[DF_MAX_ARGS];
	size_t t0, t1;         /* the whole call */
	bool obf;              /* the callee's name was disguised */
	const struct dval *fv; /* dynamic calls: the callee's value */
};
struct dval df_call(struct df *d, struct callsite *c);
/* A PHP class's constructor, -1 if none. */
int32_t df_ctor_find(struct df *d, const char *cls, size_t n);
/* A user function (or method) by name, -1 if none. */
int32_t df_fn_find(struct df *d, const char *name, size_t n, int32_t from);
/* Bind arguments to a user function's parameters; returns its return value. */
struct dval df_call_user(struct df *d, int32_t fn, const struct dval *args, size_t nargs, size_t t0,
                         size_t t1);
