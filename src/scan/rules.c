/* rules.c: compile YARA rules once and scan buffers with per-thread scanners. The built-in files
 * are compiled into three sets, and each file is matched against the one that can match it:
 * ELF programs against "<ns>-elf.yar" and the general files; other files against the general
 * files and "<ns>-text.yar", plus the webshell rules when the file holds a script marker ("<?",
 * "<%", "<jsp:"; every webshell rule asks for one). The results are those of all the rules
 * over every file; most files are just matched against fewer strings. User rules go in every
 * set. */
#include "scan/rules.h"

#include <dirent.h>
#include <yara.h>

#define SCAN_TIMEOUT_S 60

enum rule_class { CLASS_ANY, CLASS_ELF, CLASS_TEXT, CLASS_SCRIPT };
enum rule_set { SET_ELF, SET_TEXT, SET_SCRIPT, N_SETS };

/* The class of a built-in file from its name, and its namespace (the name without suffix). */
static enum rule_class rule_class(const char *file, char *ns, size_t n)
{
	size_t l = strlen(file);
	enum rule_class c = CLASS_ANY;
	if (l > 4 && streq(file + l - 4, "-elf")) {
		c = CLASS_ELF;
		l -= 4;
	} else if (l > 5 && streq(file + l - 5, "-text")) {
		c = CLASS_TEXT;
		l -= 5;
	}
	snprintf(ns, n, "%.*s", (int)l, file);
	if (streq(ns, "webshell"))
		c = CLASS_SCRIPT; /* every rule there asks for a script marker */
	return c;
}

static bool in_set(enum rule_class c, enum rule_set set)
{
	switch (c) {
	case CLASS_ANY:
		return true;
	case CLASS_ELF:
		return set == SET_ELF;
	case CLASS_TEXT:
		return set != SET_ELF;
	case CLASS_SCRIPT:
		return set == SET_SCRIPT;
	}
	return false;
}

struct rules {
	YR_RULES *yr[N_SETS];
	size_t n;
	char **errors; /* user rule files left out: "path:line: message" */
	size_t n_errors;
};

struct rules_scanner {
	YR_SCANNER *sc[N_SETS];
	struct scan_hit *hits;
	size_t n, cap;
	struct rules_vars vars;
};

/* The external variables of shared rule sets (LOKI, THOR and rule sets written for them). */
static const char *const externals[] = {"filename", "filepath", "extension",
                                        "filetype", "owner",    NULL};

struct compile_ctx {
	const char *file;
	char *msg; /* the first error: "file:line: message" */
	/* ... and its parts, for the usage error when no file compiles */
	char efile[4096], etext[512];
	int eline;
};

static void on_compile(int level, const char *file_name, int line, const YR_RULE *rule,
                       const char *msg, void *ud)
{
	struct compile_ctx *c = ud;
	(void)rule;
	if (level != YARA_ERROR_LEVEL_ERROR || c->msg)
		return;
	const char *f = file_name ? file_name : c->file;
	c->msg = xasprintf("%s:%d: %s", f, line, msg);
	snprintf(c->efile, sizeof(c->efile), "%s", f);
	snprintf(c->etext, sizeof(c->etext), "%s", msg);
	c->eline = line;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static YR_COMPILER *new_compiler(struct compile_ctx *cc)
{
	YR_COMPILER *comp = NULL;
	if (yr_compiler_create(&comp) != ERROR_SUCCESS)
		return NULL;
	yr_compiler_set_callback(comp, on_compile, cc);
	for (const char *const *x = externals; *x; x++)
		yr_compiler_define_string_variable(comp, *x, "");
	return comp;
}

/* Add one user file: 0, or -1 with cc->msg set. */
static int add_user_file(YR_COMPILER *comp, const char *path, struct compile_ctx *cc)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(cc->efile, sizeof(cc->efile), "%s", path);
		snprintf(cc->etext, sizeof(cc->etext), "%s", strerror(errno));
		cc->eline = 0;
		cc->msg = xasprintf("%s: %s", path, cc->etext);
		return -1;
	}
	cc->file = path;
	int errors = yr_compiler_add_file(comp, f, "user", path);
	fclose(f);
	if (errors && !cc->msg) {
		snprintf(cc->efile, sizeof(cc->efile), "%s", path);
		snprintf(cc->etext, sizeof(cc->etext), "does not compile");
		cc->eline = 0;
		cc->msg = xasprintf("%s: does not compile", path);
	}
	return errors || cc->msg ? -1 : 0;
}

/* The *.yar and *.yara files of dir, sorted. */
static int user_files(const char *dir, char ***ret, size_t *ret_n, struct cirt_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return err_set(
		    err, errno == ENOENT || errno == ENOTDIR ? CIRT_EXIT_USAGE : CIRT_EXIT_RUNTIME,
		    "--rules: '%s': %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if ((l > 4 && streq(de->d_name + l - 4, ".yar")) ||
		    (l > 5 && streq(de->d_name + l - 5, ".yara"))) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xasprintf("%s/%s", dir, de->d_name);
		}
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	if (!n)
		return err_set(err, CIRT_EXIT_USAGE, "--rules: '%s' holds no *.yar or *.yara file",
		               dir);
	*ret = names;
	*ret_n = n;
	return 0;
}

/* Which user files compile, together: each is added to a trial compiler; one that fails is
 * left out (its first error recorded) and the trial goes on with a fresh compiler holding the
 * files kept so far. All failing is a usage error. */
static int select_user_files(char **files, size_t n, bool *keep, struct rules *rs,
                             struct cirt_err *err)
{
	struct compile_ctx cc = {0};
	YR_COMPILER *comp = new_compiler(&cc);
	if (!comp)
		return err_set(err, CIRT_EXIT_RUNTIME, "yara: cannot create a compiler");
	size_t kept = 0;
	char efile[4096] = "", etext[512] = "";
	int eline = 0;
	for (size_t i = 0; i < n; i++) {
		cc.msg = NULL;
		if (add_user_file(comp, files[i], &cc) == 0) {
			keep[i] = true;
			kept++;
			continue;
		}
		keep[i] = false;
		rs->errors = xrealloc(rs->errors, (rs->n_errors + 1) * sizeof(*rs->errors));
		rs->errors[rs->n_errors++] = cc.msg;
		if (!efile[0]) {
			memcpy(efile, cc.efile, sizeof(efile));
			memcpy(etext, cc.etext, sizeof(etext));
			eline = cc.eline;
		}
		/* a compiler that saw an error cannot take more rules: start again */
		yr_compiler_destroy(comp);
		comp = new_compiler(&cc);
		if (!comp)
			return err_set(err, CIRT_EXIT_RUNTIME, "yara: cannot create a compiler");
		for (size_t k = 0; k < i; k++) {
			cc.msg = NULL;
			if (keep[k] && add_user_file(comp, files[k], &cc) < 0) {
				keep[k] = false; /* (cannot happen: it compiled before) */
				kept--;
				free(cc.msg);
			}
		}
	}
	yr_compiler_destroy(comp);
	if (!kept)
		return err_set(err, CIRT_EXIT_USAGE, "rules '%s' line %d: %s", efile, eline, etext);
	return 0;
}

static bool in_list(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

/* One compiler run: the built-in namespaces asked for, of the classes in the set, and the user
 * files kept. */
static int compile_set(const char *const *builtin_ns, char **files, const bool *keep,
                       size_t n_files, enum rule_set set, YR_RULES **ret, struct cirt_err *err)
{
	struct compile_ctx cc = {0};
	YR_COMPILER *comp = new_compiler(&cc);
	if (!comp)
		return err_set(err, CIRT_EXIT_RUNTIME, "yara: cannot create a compiler");
	int r = 0;
	for (size_t i = 0; i < rules_builtin_count && r == 0; i++) {
		char ns[64];
		enum rule_class c = rule_class(rules_builtin[i].ns, ns, sizeof(ns));
		if (!in_list(builtin_ns, ns) || !in_set(c, set))
			continue;
		cc.file = rules_builtin[i].ns;
		if (yr_compiler_add_string(comp, rules_builtin[i].text, ns) != 0 || cc.msg) {
			/* a built-in rule that does not compile is a bug, not bad input */
			r = err_set(err, CIRT_EXIT_RUNTIME, "built-in rules: %s",
			            cc.msg ? cc.msg : rules_builtin[i].ns);
		}
	}
	for (size_t i = 0; i < n_files && r == 0; i++)
		if (keep[i] && add_user_file(comp, files[i], &cc) < 0)
			r = err_set(err, CIRT_EXIT_RUNTIME, "rules: %s", cc.msg);
	if (r == 0 && yr_compiler_get_rules(comp, ret) != ERROR_SUCCESS)
		r = err_set(err, CIRT_EXIT_RUNTIME, "yara: cannot build the rules");
	free(cc.msg);
	yr_compiler_destroy(comp);
	return r;
}

int rules_compile(const char *const *builtin_ns, const char *user_dir, struct rules **ret,
                  struct cirt_err *err)
{
	if (yr_initialize() != ERROR_SUCCESS)
		return err_set(err, CIRT_EXIT_RUNTIME, "yara: cannot initialize");
	struct rules *rs = xcalloc(1, sizeof(*rs));
	char **files = NULL;
	size_t n_files = 0;
	bool *keep = NULL;
	int r = 0;
	if (user_dir) {
		r = user_files(user_dir, &files, &n_files, err);
		if (r == 0) {
			keep = xcalloc(n_files, sizeof(*keep));
			r = select_user_files(files, n_files, keep, rs, err);
		}
	}
	for (int set = 0; set < N_SETS && r == 0; set++)
		r = compile_set(builtin_ns, files, keep, n_files, (enum rule_set)set, &rs->yr[set],
		                err);
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	free(keep);
	if (r < 0) {
		rules_free(rs);
		return -1;
	}
	/* distinct rules: those of the script set plus the ELF-only ones */
	YR_RULE *rule;
	yr_rules_foreach(rs->yr[SET_SCRIPT], rule)
	{
		rs->n++;
	}
	for (size_t i = 0; i < rules_builtin_count; i++) {
		char ns[64];
		if (rule_class(rules_builtin[i].ns, ns, sizeof(ns)) != CLASS_ELF ||
		    !in_list(builtin_ns, ns))
			continue;
		for (const char *p = rules_builtin[i].text; (p = strstr(p, "\nrule ")); p++)
			rs->n++;
	}
	*ret = rs;
	return 0;
}

void rules_free(struct rules *r)
{
	if (!r)
		return;
	for (int i = 0; i < N_SETS; i++)
		if (r->yr[i])
			yr_rules_destroy(r->yr[i]);
	for (size_t i = 0; i < r->n_errors; i++)
		free(r->errors[i]);
	free(r->errors);
	free(r);
	yr_finalize();
}

size_t rules_count(const struct rules *r)
{
	return r ? r->n : 0;
}

const char *const *rules_errors(const struct rules *r, size_t *ret_n)
{
	*ret_n = r ? r->n_errors : 0;
	return r ? (const char *const *)r->errors : NULL;
}

static YR_SCANNER *new_scanner(YR_RULES *yr)
{
	YR_SCANNER *sc = NULL;
	if (yr_scanner_create(yr, &sc) != ERROR_SUCCESS)
		return NULL;
	yr_scanner_set_timeout(sc, SCAN_TIMEOUT_S);
	/* the first match of each string is enough for a finding */
	yr_scanner_set_flags(sc, SCAN_FLAGS_FAST_MODE);
	return sc;
}

struct rules_scanner *rules_scanner_new(struct rules *r)
{
	struct rules_scanner *s = xcalloc(1, sizeof(*s));
	for (int i = 0; i < N_SETS; i++)
		if (!(s->sc[i] = new_scanner(r->yr[i]))) {
			rules_scanner_free(s);
			return NULL;
		}
	return s;
}

void rules_scanner_free(struct rules_scanner *s)
{
	if (!s)
		return;
	for (int i = 0; i < N_SETS; i++)
		if (s->sc[i])
			yr_scanner_destroy(s->sc[i]);
	free(s->hits);
	free(s);
}

/* "<?", "<%" or "<jsp:" anywhere: a PHP, ASP or JSP script could be in it. */
static bool script_marker(const unsigned char *d, size_t len)
{
	for (const unsigned char *p = d, *end = d + len; (p = memchr(p, '<', (size_t)(end - p)));
	     p++) {
		size_t left = (size_t)(end - p);
		if (left >= 2 && (p[1] == '?' || p[1] == '%'))
			return true;
		if (left >= 5 && memcmp(p, "<jsp:", 5) == 0)
			return true;
	}
	return false;
}

static int on_scan(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud)
{
	struct rules_scanner *s = ud;
	if (msg != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	YR_RULE *rule = data;
	struct scan_hit h = {.ns = rule->ns->name, .rule = rule->identifier, .sev = -1};
	YR_META *m;
	yr_rule_metas_foreach(rule, m)
	{
		if (m->type != META_TYPE_STRING)
			continue;
		if (streq(m->identifier, "description"))
			h.desc = m->string;
		else if (streq(m->identifier, "severity"))
			h.sev = scan_sev_parse(m->string);
		else if (streq(m->identifier, "check"))
			h.check = m->string;
		else if ((streq(m->identifier, "technique") ||
		          streq(m->identifier, "mitre_attack") ||
		          streq(m->identifier, "mitre_att") || streq(m->identifier, "attack_id")) &&
		         scan_technique_valid(m->string))
			h.technique = m->string;
	}
	/* the longest match among the rule's strings is the evidence (the most telling one,
	 * not a short marker like "<%"); the earliest on a tie */
	bool have = false;
	YR_STRING *str;
	yr_rule_strings_foreach(rule, str)
	{
		/* libyara 4.2 allocates YR_MATCH at 4-byte alignment (its notebook does not align):
		 * copy each one out instead of reading fields through a misaligned pointer */
		const YR_MATCH *mp = ctx->matches[str->idx].head;
		while (mp) {
			YR_MATCH mt;
			memcpy(&mt, (const void *)mp, sizeof(mt));
			mp = mt.next;
			if (mt.is_private)
				continue;
			size_t off = (size_t)(mt.base + mt.offset);
			size_t ml = (size_t)mt.match_length;
			if (!have || ml > h.len || (ml == h.len && off < h.off)) {
				h.off = off;
				h.len = ml;
				have = true;
			}
		}
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->hits = xrealloc(s->hits, s->cap * sizeof(*s->hits));
	}
	s->hits[s->n++] = h;
	return CALLBACK_CONTINUE;
}

void rules_scanner_set_vars(struct rules_scanner *s, const struct rules_vars *v)
{
	s->vars = v ? *v : (struct rules_vars){0};
}

const char *rules_filetype(const unsigned char *d, size_t len)
{
	static const struct {
		const char *magic;
		size_t n;
		const char *type;
	} types[] = {
	    {"\177ELF", 4, "ELF"},
	    {"MZ", 2, "EXE"},
	    {"PK\003\004", 4, "ZIP"},
	    {"\037\213", 2, "GZIP"},
	    {"BZh", 3, "BZIP2"},
	    {"\3757zXZ\0", 6, "XZ"},
	    {"7z\274\257\047\034", 6, "7Z"},
	    {"Rar!", 4, "RAR"},
	    {"%PDF", 4, "PDF"},
	    {"{\\rtf", 5, "RTF"},
	    {"\211PNG", 4, "PNG"},
	    {"\377\330\377", 3, "JPEG"},
	    {"GIF8", 4, "GIF"},
	    {"\320\317\021\340", 4, "OLE"},
	    {"\312\376\272\276", 4, "JCLASS"},
	    {"\317\372\355\376", 4, "MACHO"},
	    {"\316\372\355\376", 4, "MACHO"},
	    {"#!", 2, "SCRIPT"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (len >= types[i].n && memcmp(d, types[i].magic, types[i].n) == 0)
			return types[i].type;
	return "";
}

int rules_scan(struct rules_scanner *s, const unsigned char *data, size_t len,
               struct scan_hit **hits, size_t *n, const char **what)
{
	s->n = 0;
	enum rule_set set = len >= 4 && memcmp(data, "\177ELF", 4) == 0 ? SET_ELF
	                    : script_marker(data, len)                  ? SET_SCRIPT
	                                                                : SET_TEXT;
	YR_SCANNER *sc = s->sc[set];
	const char *vals[] = {s->vars.filename, s->vars.filepath, s->vars.extension,
	                      s->vars.filetype, s->vars.owner};
	for (size_t i = 0; i < ARRAY_SIZE(vals); i++)
		yr_scanner_define_string_variable(sc, externals[i], vals[i] ? vals[i] : "");
	yr_scanner_set_callback(sc, on_scan, s);
	int r = yr_scanner_scan_mem(sc, data, len);
	*hits = s->hits;
	*n = s->n;
	if (r == ERROR_SUCCESS)
		return 0;
	*what = r == ERROR_SCAN_TIMEOUT          ? "yara timed out"
	        : r == ERROR_INSUFFICIENT_MEMORY ? "yara ran out of memory"
	                                         : "yara scan failed";
	return -1;
}
