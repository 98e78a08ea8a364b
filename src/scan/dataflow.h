/* dataflow.h: a light data-flow pass over one file's tokens (lex.h). It follows values from
 * request sources (PHP superglobals and php://input, request.getParameter, Request.Form, ...)
 * through assignments, concatenation, array elements, function parameters and returns, decoders
 * and decryption into the places that run code or commands, load classes, or open sockets and
 * files, and names the technique it saw, with the path ("line 3 `$a = $_POST['x']` -> line 9
 * `eval($a)`"). Flow-insensitive inside a function (every assignment counts), scoped per
 * function, iterated to a fixed point (bounded); linear in the tokens per pass. */
#pragma once

#include <stdint.h>

#include "scan/lex.h"

enum df_tech {
	TECH_EVAL_REQUEST,  /* request data evaluated as code (eval, assert, include, callbacks) */
	TECH_EXEC_REQUEST,  /* request data run as an OS command */
	TECH_CLASS_LOADER,  /* request bytes loaded as a class or assembly */
	TECH_CRYPT_LOADER,  /* a decrypted request payload evaluated or loaded */
	TECH_DYNAMIC_CALL,  /* a function or method named by the request is called */
	TECH_OBFUSCATED,    /* decoded or disguised code or function names run */
	TECH_REVERSE_SHELL, /* a process wired to a socket, commands read from a socket */
	TECH_TUNNEL,        /* the request body forwarded to a host and port it names */
	TECH_FILE_MANAGER,  /* files listed, read, written, deleted at request-chosen paths */
	TECH_UPLOADER,    /* request data written into a file the request names, or into a script */
	TECH_DB_MANAGER,  /* SQL from the request run as is */
	TECH_EVAL_REMOTE, /* code fetched from a URL evaluated */
	TECH_LD_PRELOAD,  /* LD_PRELOAD set before a mail/error_log call (disable_functions bypass)
	                   */
	N_TECH
};
const char *df_tech_slug(enum df_tech t);

struct df_finding {
	int sev;       /* enum scan_sev */
	unsigned line; /* the sink's line */
	char *path;    /* "line 3 `...` -> line 9 `...`" */
	char *reason;  /* one line */
};

struct df_result {
	struct df_finding f[N_TECH];
	bool have[N_TECH];
	unsigned passes;
	bool cut; /* the work budget ran out: the file was not followed to the end */
};

/* Analyse the tokens; findings per technique (the first and strongest path each). ret is
 * filled (zeroed first); free it with df_result_free. */
void df_analyze(const struct lex *L, struct df_result *ret);
/* The same for code a file spells in a string and evaluates (nest: how deep). */
void df_analyze_nested(const struct lex *L, struct df_result *ret, int nest);
void df_result_free(struct df_result *r);

/* ---- the API tables (dfapi.c) ---- */

/* What a known function, method or constructor is. */
enum df_role {
	R_SOURCE = 1, /* returns request data */
	R_CLEAN,      /* returns something harmless (a number, a boolean, a hash) */
	R_SANITIZE,   /* makes a value safe for a command or a path */
	R_DECODE,     /* base64, gz, rot13, hex, url, ... */
	R_CRYPT,      /* decryption */
	R_EVAL,       /* runs code */
	R_EXEC,       /* runs a command (and returns a process) */
	R_LOAD,       /* loads a class or assembly from bytes */
	R_INCLUDE,    /* PHP include/require */
	R_CALLBACK,   /* calls the function named by argument cb with the others */
	R_PREG,       /* preg_replace and friends: /e evaluates the replacement */
	R_REFLECT,    /* names a function or method: Class.forName, getMethod, ReflectionFunction */
	R_INVOKE,     /* calls what its receiver names: Method.invoke, ReflectionFunction::invoke */
	R_SOCKET,     /* makes a socket (args: host/port) */
	R_CONNECT,    /* connects its receiver or first argument (args: host/port) */
	R_SEND,       /* writes argument data into its receiver or first argument */
	R_READINTO,   /* reads its receiver into argument buffers: in.read(buf) */
	R_MUTATE,     /* puts its arguments into its receiver: sb.append(x), list.add(x) */
	R_OUTPARAM,   /* fills the argument at cb with its other arguments: parse_str($q, $out) */
	R_PROCESS,    /* makes or wires a process without running a command string */
	R_FILE_READ,
	R_FILE_WRITE,
	R_FILE_DELETE,
	R_FILE_LIST,
	R_UPLOAD,
	R_SQL,
	R_OBJECT,  /* CreateObject("ProgID"), new ActiveXObject(...): its value names the class */
	R_EXTRACT, /* extract($_POST): every unknown variable becomes request data */
	R_PUTENV,
	R_MAILER, /* mail, error_log: start a program (an LD_PRELOAD library loads) */
	R_PASS,   /* returns what it is given (PHP string and array functions) */
};

#define DF_LANG_PHP (1u << LANG_PHP)
#define DF_LANG_JAVA (1u << LANG_JAVA)
#define DF_LANG_VB (1u << LANG_VB)
#define DF_LANG_CS (1u << LANG_CS)
#define DF_LANG_JS (1u << LANG_JS)
#define DF_LANG_NET (DF_LANG_CS | DF_LANG_JS | DF_LANG_VB)
#define DF_LANG_ALL 0xffu

enum df_form {
	FORM_FUNC = 1,   /* f(x) */
	FORM_METHOD = 2, /* x.f(y), X::f(y) */
	FORM_NEW = 4,    /* new F(x) */
	FORM_ANY = 7,
};

struct df_api {
	const char *name;
	uint8_t langs;
	uint8_t form;
	uint8_t role;
	uint8_t pad;
	uint16_t args;    /* the arguments that matter (bit i: argument i); 0xffff every one */
	int8_t cb;        /* R_CALLBACK, R_OUTPARAM: the argument; -1 otherwise */
	const char *recv; /* the receiver's name or object class must contain this (NULL: any) */
};

/* The entries for a name in a language (case-insensitively), at most max, in table order. */
size_t df_api_find(enum lex_lang lang, const char *name, size_t n, const struct df_api **out,
                   size_t max);
/* Is this a PHP superglobal that carries request data ($_GET, $_POST, $_REQUEST, $_COOKIE,
 * $_FILES, the old $HTTP_*_VARS)? */
bool df_php_superglobal(const char *name, size_t n);
/* $_SERVER keys the client controls: HTTP_*, QUERY_STRING, REQUEST_URI, PATH_INFO, ... */
bool df_php_server_key(const char *key, size_t n);
/* ASP.NET/ASP Request members that carry client data (Form, QueryString, Item, ...). */
bool df_request_member(const char *name, size_t n);
/* Is this name a keyword that is never a variable or function? */
bool df_keyword(enum lex_lang lang, const char *name, size_t n);
