/* persist_cmd.c: what a line of shell text that something will run does: the shared classes of
 * shellpat.c (reverse shells, download-and-run, decoded payloads, LD_PRELOAD, miners) plus a
 * light split into simple commands (quotes, ; && || | & ` $( ) for what needs the command
 * word: a program run from a temporary or hidden directory, output written there, a program
 * started at every login, and in start-up files history tampering, traps, keyloggers, aliases
 * over sudo or ssh, PATH and interpreter hooks. */
#include <ctype.h>
#include <fnmatch.h>

#include "scan/persist.h"

#define MAX_WORDS 48
#define MAX_REDIR 8

/* One simple command: its words (quotes removed) and redirect targets. */
struct sh_cmd {
	char *w[MAX_WORDS];
	size_t n;
	char *redir[MAX_REDIR];
	size_t nr;
	bool background; /* ended by a single '&' */
	bool first;      /* the line's first command */
};

struct sh_line {
	struct sh_cmd c[16];
	size_t n;
	char buf[4200]; /* words, NUL-separated */
	size_t used;
};

static char *put_word(struct sh_line *l, const char *s, size_t n)
{
	if (l->used + n + 1 > sizeof(l->buf))
		return NULL;
	char *w = l->buf + l->used;
	memcpy(w, s, n);
	w[n] = '\0';
	l->used += n + 1;
	return w;
}

/* Split a line into simple commands. Unbalanced quotes end the word at the line's end. */
static void sh_split(const char *s, size_t len, struct sh_line *l)
{
	l->n = 0;
	l->used = 0;
	struct sh_cmd *c = &l->c[0];
	*c = (struct sh_cmd){.first = true};
	char word[1024];
	size_t wn = 0;
	bool have = false, redir_next = false;
	size_t i = 0;
#define END_WORD()                                                                                 \
	do {                                                                                       \
		if (have) {                                                                        \
			char *w_ = put_word(l, word, wn);                                          \
			if (w_ && redir_next && c->nr < MAX_REDIR)                                 \
				c->redir[c->nr++] = w_;                                            \
			else if (w_ && !redir_next && c->n < MAX_WORDS)                            \
				c->w[c->n++] = w_;                                                 \
			redir_next = false;                                                        \
		}                                                                                  \
		wn = 0;                                                                            \
		have = false;                                                                      \
	} while (0)
#define END_CMD(bg)                                                                                \
	do {                                                                                       \
		END_WORD();                                                                        \
		if (c->n || c->nr) {                                                               \
			c->background = (bg);                                                      \
			if (l->n + 1 >= ARRAY_SIZE(l->c))                                          \
				goto done;                                                         \
			c = &l->c[++l->n];                                                         \
			*c = (struct sh_cmd){0};                                                   \
		}                                                                                  \
	} while (0)
	while (i < len) {
		char ch = s[i];
		if (ch == '\'' || ch == '"') {
			/* a quoted part joins the current word */
			size_t j = i + 1;
			while (j < len && s[j] != ch) {
				if (ch == '"' && s[j] == '\\' && j + 1 < len)
					j++;
				j++;
			}
			for (size_t k = i + 1; k < j && k < len && wn < sizeof(word) - 1; k++)
				word[wn++] = s[k];
			have = true;
			i = j < len ? j + 1 : len;
			continue;
		}
		if (ch == '\\' && i + 1 < len) {
			if (wn < sizeof(word) - 1)
				word[wn++] = s[i + 1];
			have = true;
			i += 2;
			continue;
		}
		if (ch == '#' && !have) {
			break; /* a comment */
		}
		if (ch == ' ' || ch == '\t') {
			END_WORD();
			i++;
			continue;
		}
		if (ch == ';' || ch == '|' || ch == '`' || ch == '(' || ch == ')' || ch == '{' ||
		    ch == '}') {
			bool sep = ch != '{' && ch != '}';
			if (ch == '(' && have && wn && word[wn - 1] == '$')
				wn--; /* "$(" */
			if (!sep && have) {
				if (wn < sizeof(word) - 1)
					word[wn++] = ch;
				i++;
				continue;
			}
			END_CMD(false);
			i += (ch == '|' && i + 1 < len && s[i + 1] == '|') ? 2 : 1;
			continue;
		}
		if (ch == '&') {
			if (i + 1 < len && s[i + 1] == '&') {
				END_CMD(false);
				i += 2;
			} else if (i > 0 && s[i - 1] == '>') {
				i++; /* ">&" */
			} else if (i + 1 < len && s[i + 1] == '>') {
				END_WORD();
				redir_next = true; /* "&>" */
				i += 2;
			} else {
				END_CMD(true);
				i++;
			}
			continue;
		}
		if (ch == '>' || ch == '<') {
			/* "2>", ">>", ">|": the next word is a redirect target (only '>' matters)
			 */
			if (have && wn == 1 && isdigit((unsigned char)word[0]))
				wn = 0, have = false;
			END_WORD();
			bool out = ch == '>';
			i++;
			while (i < len && (s[i] == '>' || s[i] == '|'))
				i++;
			if (i < len && s[i] == '&') {
				i++; /* ">&2" */
				while (i < len && isdigit((unsigned char)s[i]))
					i++;
				continue;
			}
			if (i < len && s[i] == '(') {
				END_CMD(false); /* process substitution ">(...)" */
				i++;
				continue;
			}
			redir_next = out;
			if (!out) {
				/* an input redirect: skip its word */
				while (i < len && (s[i] == ' ' || s[i] == '\t'))
					i++;
				while (i < len && !strchr(" \t;|&)", s[i]))
					i++;
			}
			continue;
		}
		if (wn < sizeof(word) - 1)
			word[wn++] = ch;
		have = true;
		i++;
	}
	END_CMD(false);
done:;
#undef END_WORD
#undef END_CMD
}

/* The command word: past assignments and wrappers (sudo, nohup, exec, env ...) and their
 * options. */
static size_t cmd_start(const struct sh_cmd *c)
{
	static const char *const wrappers[] = {
	    "sudo",    "nohup", "exec", "env",    "setsid",  "nice",    "ionice", "command",
	    "builtin", "time",  "if",   "then",   "else",    "elif",    "do",     "while",
	    "until",   "!",     "doas", "stdbuf", "runuser", "timeout", NULL};
	/* options that take the next word as their argument */
	static const char *const with_arg[] = {"-u", "-g", "-U", "-C", "-p", "-r",
	                                       "-t", "-h", "-n", "-c", "-s", NULL};
	size_t k = 0;
	while (k < c->n) {
		const char *w = c->w[k];
		const char *eq = strchr(w, '=');
		bool assign =
		    eq && eq > w &&
		    strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
		        (size_t)(eq - w);
		bool wrap = false;
		for (const char *const *x = wrappers; *x && !wrap; x++)
			wrap = streq(w, *x);
		if (!assign && !wrap)
			break;
		k++;
		if (!wrap)
			continue;
		/* the wrapper's options, and timeout's or nice's numbers */
		while (k < c->n && (c->w[k][0] == '-' || isdigit((unsigned char)c->w[k][0]))) {
			bool arg = false;
			for (const char *const *o = with_arg; *o && !arg; o++)
				arg = streq(c->w[k], *o);
			k += arg && !streq(w, "nice") ? 2 : 1;
		}
	}
	return k;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool interpreter(const char *w)
{
	static const char *const names[] = {"sh",     "bash", "dash",    "ash",    "zsh",  "ksh",
	                                    "python", "perl", "ruby",    "php",    "node", "lua",
	                                    "source", ".",    "busybox", "nodejs", NULL};
	const char *b = base_name(w);
	for (const char *const *n = names; *n; n++) {
		size_t l = strlen(*n);
		if (strncmp(b, *n, l) == 0 &&
		    (!b[l] || strspn(b + l, "0123456789.") == strlen(b + l)))
			return true;
	}
	return false;
}

static bool in_tmp_dir(const char *p)
{
	static const char *const dirs[] = {"/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", NULL};
	for (const char *const *d = dirs; *d; d++)
		if (startswith(p, *d) && p[strlen(*d)] && p[strlen(*d)] != '*')
			return true;
	return false;
}

/* A hidden directory on a system path ("/usr/lib/.x/y", "/var/tmp/.cache/k"); the user's own
 * dot-directories are not counted. */
static bool hidden_system_path(const char *p)
{
	if (p[0] != '/' || startswith(p, "/home/") || startswith(p, "/root/"))
		return false;
	for (const char *s = p; (s = strstr(s, "/.")); s++)
		if (s[2] && s[2] != '/' && s[2] != '.' && strchr(s + 2, '/'))
			return true;
	return false;
}

/* A word naming a file in a temporary directory, or output redirected there; not the
 * argument of a test, a clean-up or a temporary-file maker. */
static bool tmp_in_line(const struct sh_line *l)
{
	static const char *const benign[] = {
	    "[",     "[[",     "test",  "rm",         "find",     "tmpreaper", "tmpwatch",
	    "shred", "unlink", "mkdir", "rmdir",      "mktemp",   "chown",     "chgrp",
	    "chmod", "ls",     "stat",  "restorecon", "tempfile", NULL};
	for (size_t i = 0; i < l->n; i++) {
		const struct sh_cmd *c = &l->c[i];
		size_t k = cmd_start(c);
		const char *cw = k < c->n ? base_name(c->w[k]) : "";
		bool skip = false;
		for (const char *const *b = benign; *b && !skip; b++)
			skip = streq(cw, *b);
		for (size_t w = k; w < c->n && !skip; w++)
			if (in_tmp_dir(c->w[w]))
				return true;
		for (size_t r = 0; r < c->nr; r++)
			if (in_tmp_dir(c->redir[r]))
				return true;
	}
	return false;
}

bool persist_tmp_path(const char *s)
{
	struct sh_line l;
	sh_split(s, strlen(s), &l);
	return tmp_in_line(&l);
}

/* ---- start-up file classes ---- */

static bool lc_has(const char *lc, const char *w)
{
	return strstr(lc, w) != NULL;
}

/* NAME=value or export NAME=value: the value (quotes removed), else NULL. */
static const char *assignment(const struct sh_line *l, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->c[i].n; k++) {
			const char *w = l->c[i].w[k];
			if (strncmp(w, name, nl) == 0 && w[nl] == '=')
				return w + nl + 1;
		}
	return NULL;
}

static bool words_has(const struct sh_line *l, const char *a, const char *b)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k + 1 < l->c[i].n; k++)
			if (streq(l->c[i].w[k], a) && (!b || streq(l->c[i].w[k + 1], b)))
				return true;
	return false;
}

static bool history_off(const struct sh_line *l, const char *lc)
{
	if (lc_has(lc, "set +o history") || words_has(l, "unset", "HISTFILE") ||
	    words_has(l, "unset", "HISTSAVE"))
		return true;
	const char *v;
	if ((v = assignment(l, "HISTFILE")) && (!*v || streq(v, "/dev/null")))
		return true;
	if ((v = assignment(l, "HISTSIZE")) && (!*v || streq(v, "0")))
		return true;
	if ((v = assignment(l, "HISTFILESIZE")) && (!*v || streq(v, "0")))
		return true;
	if ((v = assignment(l, "SAVEHIST")) && streq(v, "0"))
		return true;
	if ((v = assignment(l, "HISTIGNORE")) &&
	    (streq(v, "*") || strstr(v, ":*:") || startswith(v, "*:") || strstr(v, "[ ]*")))
		return true;
	return false;
}

static bool keylogger(const struct sh_line *l, const char *lc)
{
	if (lc_has(lc, "trap ") && lc_has(lc, "debug") &&
	    (lc_has(lc, "bash_command") || lc_has(lc, ">>") || lc_has(lc, "logger")))
		return true;
	const char *pc = assignment(l, "PROMPT_COMMAND");
	if (pc || lc_has(lc, "prompt_command=")) {
		static const char *const sinks[] = {"logger", "tee ",     "curl",      "wget",
		                                    "nc ",    "/dev/tcp", "/dev/udp",  ">>",
		                                    ">(",     "socat",    "history 1", NULL};
		for (const char *const *s = sinks; *s; s++)
			if (lc_has(lc, *s))
				return true;
	}
	/* a session recorder started from a start-up file */
	return words_has(l, "script", NULL) && (lc_has(lc, " -f") || lc_has(lc, " -a")) &&
	       (lc_has(lc, "/tmp/") || lc_has(lc, "/dev/shm") || lc_has(lc, " -q"));
}

/* trap 'cmd' SIGNAL...: the command, NULL when it is a reset, an ignore or a listing. */
static const char *trap_body(const struct sh_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct sh_cmd *c = &l->c[i];
		size_t k = cmd_start(c);
		if (k + 3 > c->n)
			continue; /* needs "trap", a command and at least one signal */
		if (!streq(c->w[k], "trap"))
			continue;
		const char *body = c->w[k + 1];
		if (!*body || streq(body, "-") || body[0] == '-')
			continue;
		return body;
	}
	return NULL;
}

static bool cmd_hijack(const struct sh_line *l, const char *lc)
{
	static const char *const guarded[] = {"sudo", "su",    "ssh", "passwd", "scp",
	                                      "doas", "login", "gpg", NULL};
	for (size_t i = 0; i < l->n; i++) {
		const struct sh_cmd *c = &l->c[i];
		for (size_t k = 0; k < c->n; k++) {
			const char *w = c->w[k];
			/* alias sudo='...' */
			if (k > 0 && streq(c->w[k - 1], "alias")) {
				const char *eq = strchr(w, '=');
				if (!eq)
					continue;
				for (const char *const *g = guarded; *g; g++) {
					size_t gl = strlen(*g);
					if ((size_t)(eq - w) != gl || strncmp(w, *g, gl) != 0)
						continue;
					const char *v = eq + 1;
					/* "sudo " (expand aliases after sudo), "ssh -X": harmless
					 */
					bool same =
					    strncmp(v, *g, gl) == 0 && !strpbrk(v, ";|>&`$");
					if (!same)
						return true;
				}
			}
		}
	}
	/* sudo() { ... } / function sudo { ... } */
	for (const char *const *g = guarded; *g; g++) {
		char a[32], b[32];
		snprintf(a, sizeof(a), "%s()", *g);
		snprintf(b, sizeof(b), "function %s", *g);
		const char *p = strstr(lc, a);
		if ((p && (p == lc || !isalnum((unsigned char)p[-1]))) ||
		    (startswith(lc + strspn(lc, " \t"), b) &&
		     !isalnum((unsigned char)lc[strspn(lc, " \t") + strlen(b)])))
			return true;
	}
	return false;
}

static bool path_hijack(const struct sh_line *l)
{
	const char *v = assignment(l, "PATH");
	if (!v)
		return false;
	if (v[0] == ':' || strstr(v, "::") || (*v && v[strlen(v) - 1] == ':'))
		return true;
	_cleanup_free_ char *d = xstrdup(v);
	for (char *save = NULL, *e = strtok_r(d, ":", &save); e; e = strtok_r(NULL, ":", &save))
		if (streq(e, ".") || startswith(e, "/tmp") || startswith(e, "/var/tmp") ||
		    startswith(e, "/dev/shm"))
			return true;
	return false;
}

static const char *interp_hook(const struct sh_line *l, bool *python)
{
	static const char *const vars[] = {"PYTHONSTARTUP", "PERL5OPT", "RUBYOPT", "BASH_ENV",
	                                   "ENV",           "PERL5DB",  NULL};
	*python = false;
	for (const char *const *v = vars; *v; v++)
		if (assignment(l, *v) && *assignment(l, *v)) {
			*python = streq(*v, "PYTHONSTARTUP");
			return *v;
		}
	const char *no = assignment(l, "NODE_OPTIONS");
	if (no && (strstr(no, "--require") || strstr(no, "-r ") || strstr(no, "--import")))
		return "NODE_OPTIONS";
	static const char *const paths[] = {"PYTHONPATH", "PERL5LIB", "RUBYLIB", "NODE_PATH", NULL};
	for (const char *const *v = paths; *v; v++) {
		const char *p = assignment(l, *v);
		if (p && (strstr(p, "/tmp") || strstr(p, "/dev/shm") || strstr(p, "/var/tmp"))) {
			*python = streq(*v, "PYTHONPATH");
			return *v;
		}
	}
	return NULL;
}

static bool ld_library_tmp(const struct sh_line *l)
{
	const char *v = assignment(l, "LD_LIBRARY_PATH");
	return v && (strstr(v, "/tmp") || strstr(v, "/dev/shm") || strstr(v, "/var/tmp") ||
	             hidden_system_path(v));
}

/* A program started by the line: an absolute path as the command word, or an interpreter with
 * a script path. Only for unindented lines (not inside a function or an if block). */
static const char *program_run(const struct sh_line *l, bool *background)
{
	*background = false;
	for (size_t i = 0; i < l->n; i++) {
		const struct sh_cmd *c = &l->c[i];
		size_t k = cmd_start(c);
		if (k >= c->n)
			continue;
		const char *w = c->w[k];
		if (c->background ||
		    (k > 0 && (streq(c->w[0], "nohup") || streq(c->w[0], "setsid"))))
			*background = true;
		if (w[0] == '/' && !startswith(w, "/etc/") && !streq(base_name(w), "[") &&
		    !streq(base_name(w), "test") && !streq(base_name(w), "true"))
			return w;
		if (interpreter(w) && !streq(w, ".") && !streq(w, "source"))
			for (size_t a = k + 1; a < c->n; a++) {
				if (c->w[a][0] == '-')
					continue;
				if (c->w[a][0] == '/' || startswith(c->w[a], "~/") ||
				    startswith(c->w[a], "./"))
					return c->w[a];
				break;
			}
		if (*background)
			return w;
	}
	return NULL;
}

static bool exec_tmp_or_hidden(const struct sh_line *l, bool *hidden)
{
	*hidden = false;
	for (size_t i = 0; i < l->n; i++) {
		const struct sh_cmd *c = &l->c[i];
		size_t k = cmd_start(c);
		if (k >= c->n)
			continue;
		const char *w = c->w[k];
		if (in_tmp_dir(w))
			return true;
		if (hidden_system_path(w)) {
			*hidden = true;
			return true;
		}
		if (interpreter(w))
			for (size_t a = k + 1; a < c->n; a++)
				if (in_tmp_dir(c->w[a]))
					return true;
	}
	return false;
}

static bool tty_spawn(const char *lc)
{
	return (lc_has(lc, "pty.spawn") || lc_has(lc, "pty.fork")) ||
	       (lc_has(lc, "script ") && lc_has(lc, "/dev/null") &&
	        (lc_has(lc, "bash") || lc_has(lc, "/bin/sh")) && lc_has(lc, "-c"));
}

/* sh -c 'CMD', bash -c "CMD": the command string, or NULL */
static const char *shell_c(const struct sh_line *l)
{
	static const char *const shells[] = {"sh", "bash", "dash", "ash", "zsh", "ksh", NULL};
	for (size_t i = 0; i < l->n; i++) {
		const struct sh_cmd *c = &l->c[i];
		size_t k = cmd_start(c);
		if (k >= c->n)
			continue;
		const char *b = base_name(c->w[k]);
		bool sh = false;
		for (const char *const *x = shells; *x && !sh; x++)
			sh = streq(b, *x);
		if (streq(b, "busybox") && k + 1 < c->n) {
			b = c->w[++k];
			for (const char *const *x = shells; *x && !sh; x++)
				sh = streq(b, *x);
		}
		if (!sh)
			continue;
		for (size_t a = k + 1; a + 1 < c->n; a++)
			if (c->w[a][0] == '-' && strchr(c->w[a], 'c'))
				return c->w[a + 1];
	}
	return NULL;
}

static bool classify(const char *line, size_t n, enum cmd_ctx ctx, struct cmd_hit *ret, int depth);

bool persist_cmd(const char *line, size_t n, enum cmd_ctx ctx, struct cmd_hit *ret)
{
	return classify(line, n, ctx, ret, 0);
}

static bool classify(const char *line, size_t n, enum cmd_ctx ctx, struct cmd_hit *ret, int depth)
{
	if (n > 4096)
		n = 4096;
	size_t i = 0;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == n || line[i] == '#')
		return false;
	char lc[4097];
	for (size_t k = 0; k < n; k++)
		lc[k] = (char)tolower((unsigned char)line[k]);
	lc[n] = '\0';
	if (memchr(line, '\0', n))
		return false; /* binary junk */
	struct sh_line l;
	sh_split(line, n, &l);
	struct cmd_hit best = {0};
	bool have = false;
#define TRY(cond, slug_, sev_, reason_)                                                            \
	do {                                                                                       \
		if ((!have || (sev_) > best.sev) && (cond)) {                                      \
			best = (struct cmd_hit){slug_, reason_, sev_};                             \
			have = true;                                                               \
		}                                                                                  \
	} while (0)
	/* in start-up files the specific classes come first: they name the technique */
	if (ctx == CTX_STARTUP) {
		TRY(history_off(&l, lc), "history_off", SEV_HIGH,
		    "turns shell history off (HISTFILE, HISTSIZE, set +o history): commands typed "
		    "later are not recorded");
		TRY(keylogger(&l, lc), "keylogger", SEV_HIGH,
		    "records every command typed (a trap on DEBUG, PROMPT_COMMAND to a log or the "
		    "network, a session recorder)");
		TRY(cmd_hijack(&l, lc), "cmd_hijack", SEV_HIGH,
		    "redefines sudo, su, ssh or passwd as an alias or function: a password trap");
		const char *body = trap_body(&l);
		struct cmd_hit inner;
		bool bad = body && persist_cmd(body, strlen(body), CTX_JOB, &inner) &&
		           inner.sev >= SEV_HIGH;
		TRY(body, "trap", bad ? SEV_HIGH : SEV_MEDIUM,
		    bad ? "sets a trap that runs a suspicious command when the shell gets a signal "
		          "or exits"
		        : "sets a trap: a command run when the shell gets a signal or exits");
		TRY(path_hijack(&l), "path_hijack", SEV_MEDIUM,
		    "puts the current or a temporary directory in PATH: a planted program "
		    "shadows a real one");
		bool py = false;
		const char *hook = interp_hook(&l, &py);
		TRY(hook && py, "python_startup", SEV_MEDIUM,
		    "sets PYTHONSTARTUP or PYTHONPATH: code run when Python starts");
		TRY(hook && !py, "interp_hook", SEV_MEDIUM,
		    "sets an interpreter hook (PERL5OPT, RUBYOPT, NODE_OPTIONS, BASH_ENV, ...): "
		    "code run when it starts");
		bool bg = false;
		const char *prog = line[0] != ' ' && line[0] != '\t' ? program_run(&l, &bg) : NULL;
		TRY(prog && bg, "background", SEV_MEDIUM,
		    "starts a program in the background at every login");
		TRY(prog, "program", SEV_MEDIUM, "runs a program at every login");
	}
	unsigned mask = SP_STARTUP | SP_BIT(SP_HISTORY_WIPE);
	if (ctx == CTX_STARTUP)
		mask |= SP_BIT(SP_LOG_WIPE);
	struct shellpat_hit sp;
	if (shellpat_classify(line, n, mask, &sp))
		TRY(true, sp.slug, sp.sev, sp.reason);
	bool hidden = false;
	TRY(exec_tmp_or_hidden(&l, &hidden), hidden ? "hidden_exec" : "tmp_exec", SEV_HIGH,
	    hidden ? "runs a program from a hidden directory"
	           : "runs a program or script from a temporary directory");
	TRY(tmp_in_line(&l), "tmp_path", SEV_HIGH,
	    "reads, writes or runs a file in a temporary directory");
	const char *inner_cmd = depth < 2 ? shell_c(&l) : NULL;
	struct cmd_hit inner_hit;
	if (inner_cmd && classify(inner_cmd, strlen(inner_cmd), CTX_JOB, &inner_hit, depth + 1))
		TRY(true, inner_hit.slug, inner_hit.sev, inner_hit.reason);
	TRY(ld_library_tmp(&l), "ld_preload", SEV_HIGH,
	    "sets LD_LIBRARY_PATH to a temporary or hidden directory: its libraries are loaded "
	    "first");
	if (ctx != CTX_STARTUP)
		TRY(tty_spawn(lc), "tty_spawn", SEV_MEDIUM, "spawns an interactive terminal");
#undef TRY
	if (!have)
		return false;
	*ret = best;
	return true;
}

/* ---- commands typed into a shell that set up persistence ---- */

static bool any_of(const char *w, const char *const *v)
{
	for (; *v; v++)
		if (streq(w, *v))
			return true;
	return false;
}

/* chmod modes that set the set-uid or set-gid bit: u+s, g+xs, 4755, 2755, 6755 */
static bool setid_mode(const char *m)
{
	if (strspn(m, "01234567") == strlen(m) && strlen(m) >= 4)
		return (m[strlen(m) - 4] - '0') & 6;
	return strchr(m, '+') && strchr(strchr(m, '+'), 's');
}

/* Files whose appending or overwriting installs persistence, by the technique's rule slug: by
 * name (".bashrc", not ".bashrc.bak") or by directory. */
static const char *persistence_target(const char *p)
{
	static const struct {
		const char *name, *slug;
	} names[] = {
	    {".bashrc", "startup_write"},
	    {".bash_profile", "startup_write"},
	    {".bash_login", "startup_write"},
	    {".profile", "startup_write"},
	    {".zshrc", "startup_write"},
	    {".zprofile", "startup_write"},
	    {"bash.bashrc", "profile_write"},
	    {"environment", "profile_write"},
	    {"ld.so.preload", "preload_write"},
	    {"sudoers", "sudoers_write"},
	    {"authorized_keys", "key_write"},
	    {"authorized_keys2", "key_write"},
	    {"crontab", "cron_install"},
	    {"rc.local", "rc_write"},
	    {"rc.common", "rc_write"},
	    {"passwd", "account_write"},
	    {"sitecustomize.py", "python_write"},
	    {"usercustomize.py", "python_write"},
	};
	static const struct {
		const char *dir, *slug;
	} dirs[] = {
	    {"/etc/profile.d/", "profile_write"},   {"/etc/sudoers.d/", "sudoers_write"},
	    {"/etc/pam.d/", "pam_write"},           {"/etc/cron.", "cron_install"},
	    {"/var/spool/cron/", "cron_install"},   {"/etc/init.d/", "rc_write"},
	    {"/etc/systemd/system/", "unit_write"}, {"/etc/udev/rules.d/", "udev_write"},
	};
	const char *b = base_name(p);
	if (streq(p, "/etc/profile"))
		return "profile_write";
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(b, names[i].name))
			return streq(b, "environment") && !strstr(p, "/etc/")   ? NULL
			       : streq(b, "passwd") && !streq(p, "/etc/passwd") ? NULL
			                                                        : names[i].slug;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (strstr(p, dirs[i].dir))
			return dirs[i].slug;
	if (persist_ends(b, ".pth"))
		return "python_write";
	return NULL;
}

/* A user's own start-up file is edited by its owner every day: low; the rest medium. */
static enum scan_sev write_sev(const char *slug)
{
	return streq(slug, "startup_write") ? SEV_LOW : SEV_MEDIUM;
}

static bool typed(const char *line, size_t n, struct cmd_hit *ret, int depth);

bool persist_typed(const char *line, size_t n, struct cmd_hit *ret)
{
	return typed(line, n, ret, 0);
}

static bool typed(const char *line, size_t n, struct cmd_hit *ret, int depth)
{
	if (n > 4096)
		n = 4096;
	struct sh_line l;
	sh_split(line, n, &l);
	const char *inner = depth < 2 ? shell_c(&l) : NULL;
	if (inner && typed(inner, strlen(inner), ret, depth + 1))
		return true;
	for (size_t i = 0; i < l.n; i++) {
		const struct sh_cmd *c = &l.c[i];
		size_t k = cmd_start(c);
		/* output written into a persistence file: echo ... >> ~/.bashrc, tee -a sudoers */
		for (size_t r = 0; r < c->nr; r++) {
			const char *slug = persistence_target(c->redir[r]);
			if (slug) {
				*ret = (struct cmd_hit){slug,
				                        "writes into a file that runs or grants "
				                        "something later",
				                        write_sev(slug)};
				return true;
			}
		}
		if (k >= c->n)
			continue;
		const char *w = base_name(c->w[k]);
		/* tee writes into each of its files; cp, mv and install into the last */
		bool tee = streq(w, "tee");
		if (tee || streq(w, "cp") || streq(w, "mv") || streq(w, "install"))
			for (size_t a = tee ? k + 1 : c->n - 1; a < c->n && a > k; a++) {
				const char *slug =
				    c->w[a][0] != '-' ? persistence_target(c->w[a]) : NULL;
				if (slug) {
					*ret = (struct cmd_hit){slug,
					                        "writes into a file that runs or "
					                        "grants something later",
					                        write_sev(slug)};
					return true;
				}
			}
		if (streq(w, "crontab")) {
			/* crontab FILE or crontab - installs a table; -l, -e, -r do not */
			bool install = false;
			for (size_t a = k + 1; a < c->n; a++)
				install |= c->w[a][0] != '-' || streq(c->w[a], "-");
			if (install) {
				*ret = (struct cmd_hit){"cron_install", "installs a crontab",
				                        SEV_MEDIUM};
				return true;
			}
		} else if (streq(w, "useradd") || streq(w, "adduser") || streq(w, "usermod")) {
			for (size_t a = k + 1; a + 1 < c->n; a++) {
				const char *o = c->w[a], *v = c->w[a + 1];
				bool root =
				    ((streq(o, "-u") || streq(o, "--uid")) && streq(v, "0")) ||
				    ((streq(o, "-g") || streq(o, "--gid")) &&
				     (streq(v, "0") || streq(v, "root"))) ||
				    ((streq(o, "-G") || streq(o, "-aG") || streq(o, "--groups")) &&
				     (strstr(v, "root") || strstr(v, "sudo") ||
				      strstr(v, "wheel") || strstr(v, "admin") ||
				      strstr(v, "docker")));
				if (root) {
					*ret = (struct cmd_hit){"account_root",
					                        "makes an account root or puts it "
					                        "in a privileged group",
					                        SEV_HIGH};
					return true;
				}
			}
		} else if (streq(w, "chmod")) {
			for (size_t a = k + 1; a < c->n; a++)
				if (c->w[a][0] != '-' && setid_mode(c->w[a])) {
					*ret = (struct cmd_hit){
					    "setid", "sets the set-uid or set-gid bit", SEV_MEDIUM};
					return true;
				}
		} else if (streq(w, "setcap")) {
			static const char *const caps[] = {"cap_setuid",
			                                   "cap_setgid",
			                                   "cap_sys_admin",
			                                   "cap_dac_override",
			                                   "cap_dac_read_search",
			                                   "cap_sys_ptrace",
			                                   "cap_sys_module",
			                                   "all",
			                                   NULL};
			for (size_t a = k + 1; a < c->n; a++)
				for (const char *const *x = caps; *x; x++)
					if (strstr(c->w[a], *x)) {
						*ret = (struct cmd_hit){
						    "setid",
						    "gives a file capabilities that amount to root",
						    SEV_MEDIUM};
						return true;
					}
		} else if (streq(w, "insmod") || (streq(w, "modprobe") && k + 1 < c->n &&
		                                  strstr(c->w[c->n - 1], ".ko"))) {
			*ret = (struct cmd_hit){"kmod_load", "loads a kernel module by hand",
			                        SEV_MEDIUM};
			return true;
		} else if (streq(w, "at") || streq(w, "batch")) {
			static const char *const read_only[] = {"-l", "-c", "-r", "-d", NULL};
			if (k + 1 < c->n && !any_of(c->w[k + 1], read_only)) {
				*ret = (struct cmd_hit){"at_job", "queues an at job", SEV_MEDIUM};
				return true;
			}
		} else if (streq(w, "systemd-run")) {
			for (size_t a = k + 1; a < c->n; a++)
				if (startswith(c->w[a], "--on-")) {
					*ret = (struct cmd_hit){"timer",
					                        "creates a transient systemd timer",
					                        SEV_MEDIUM};
					return true;
				}
		}
	}
	return false;
}

unsigned persist_lines(struct scan_job *j, struct scan_file *f, const char *prefix,
                       enum cmd_ctx ctx, const char *what)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n)) {
		struct cmd_hit h;
		if (!persist_cmd(l, n, ctx, &h))
			continue;
		if (++count > PERSIST_MAX_PER_FILE) {
			scan_note(j, "%s: more than %d suspicious lines, the rest not reported",
			          f->path, PERSIST_MAX_PER_FILE);
			break;
		}
		_cleanup_free_ char *rule = xasprintf("%s.%s", prefix, h.slug);
		_cleanup_free_ char *ev = xstrndup(l, n);
		scan_add(j, f, "backdoor", rule, h.sev, it.no, ev, "%s: %s", what, h.reason);
	}
	return count;
}

char *persist_first_line(struct scan_file *f, unsigned *ret_no)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	char *l = scan_lines_next_content(&it);
	*ret_no = l ? it.no : 0;
	return l;
}

bool persist_match(const char *const *globs, const char *path)
{
	for (; *globs; globs++)
		if (fnmatch(*globs, path, FNM_PATHNAME) == 0)
			return true;
	return false;
}

bool persist_ends(const char *name, const char *suffix)
{
	size_t a = strlen(name), b = strlen(suffix);
	return a > b && streq(name + a - b, suffix);
}
