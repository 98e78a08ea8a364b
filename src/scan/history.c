/* history.c: what was typed and how the image was built: shell and client histories inside the
 * target (reverse shells, downloads, log and history wiping) and the image's build history
 * (downloads from raw IPs, piped installers, miners). */
#include <fnmatch.h>

#include "json.h"
#include "scan/check.h"
#include "scan/persist.h"

#define MAX_PER_FILE 30

static const char *const locations[] = {
    "/root/.bash_history",
    "/root/.ash_history",
    "/root/.sh_history",
    "/root/.zsh_history",
    "/root/.history",
    "/root/.mysql_history",
    "/root/.python_history",
    "/root/.psql_history",
    "/root/.rediscli_history",
    "/root/.sqlite_history",
    "/root/.node_repl_history",
    "/root/.local/share/fish/fish_history",
    "/home/*/.bash_history",
    "/home/*/.ash_history",
    "/home/*/.sh_history",
    "/home/*/.zsh_history",
    "/home/*/.history",
    "/home/*/.mysql_history",
    "/home/*/.python_history",
    "/home/*/.psql_history",
    "/home/*/.rediscli_history",
    "/home/*/.sqlite_history",
    "/home/*/.node_repl_history",
    "/home/*/.local/share/fish/fish_history",
    NULL,
};

/* below a home directory: any home, not only /root and /home (www-data's /var/www, a
 * service's /var/lib/NAME) */
static const char *const names[] = {
    ".bash_history",
    ".ash_history",
    ".sh_history",
    ".zsh_history",
    ".zhistory",
    ".history",
    ".ksh_history",
    ".mysql_history",
    ".python_history",
    ".psql_history",
    ".rediscli_history",
    ".sqlite_history",
    ".node_repl_history",
    ".local/share/fish/fish_history",
    NULL,
};

static bool is_history(struct scan_job *j, const char *path, bool *shell)
{
	char user[128];
	const char *rel = NULL;
	bool hit = false;
	/* a cheap test first: the name of some history file */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	bool named = false;
	for (const char *const *n = names; *n && !named; n++) {
		const char *nb = strrchr(*n, '/');
		named = streq(base, nb ? nb + 1 : *n);
	}
	if (!named)
		return false;
	for (const char *const *l = locations; *l && !hit; l++)
		hit = fnmatch(*l, path, FNM_PATHNAME) == 0;
	if (!hit && scan_job_home_user(j, path, user, sizeof(user), &rel))
		for (const char *const *n = names; *n && !hit; n++)
			hit = streq(rel, *n);
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	*shell = streq(b, ".bash_history") || streq(b, ".ash_history") || streq(b, ".sh_history") ||
	         streq(b, ".zsh_history") || streq(b, ".zhistory") || streq(b, ".history") ||
	         streq(b, ".ksh_history") || streq(b, "fish_history");
	return hit;
}

static void on_file(struct scan_job *j, struct scan_file *f)
{
	bool shell = false;
	if (!is_history(j, f->path, &shell))
		return;
	if (S_ISLNK(f->st.st_mode)) {
		if (f->link && streq(f->link, "/dev/null"))
			scan_add(
			    j, f, "history", "history.disabled", SEV_MEDIUM, 0, f->link,
			    "history file is a link to /dev/null: history is being thrown away");
		return;
	}
	if (!f->data)
		return;
	/* emptied (echo "" > it, cat /dev/null > it, truncate -s0): nothing left but blanks */
	if (shell && S_ISREG(f->st.st_mode) && f->len <= 64 &&
	    strspn((const char *)f->data, " \t\r\n") == f->len) {
		scan_add(j, f, "history", "history.cleared", SEV_LOW, 0, NULL,
		         "shell history is empty: it may have been cleared");
		return;
	}
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n)) {
		/* zsh extended history ": 1700000000:0;cmd", fish "- cmd: cmd" */
		if (n > 2 && l[0] == ':' && l[1] == ' ') {
			const char *semi = memchr(l, ';', n);
			if (semi) {
				n -= (size_t)(semi + 1 - l);
				l = semi + 1;
			}
		} else if (n > 7 && strncmp(l, "- cmd: ", 7) == 0) {
			l += 7;
			n -= 7;
		}
		struct shellpat_hit h;
		struct cmd_hit typed;
		if (!shellpat_classify(l, n, SP_ALL & ~SP_BIT(SP_PROMPT_COMMAND), &h)) {
			if (!persist_typed(l, n, &typed))
				continue;
			/* persistence set up by hand */
			h = (struct shellpat_hit){SP_NONE, typed.slug, typed.reason, typed.sev};
			if (++count > MAX_PER_FILE)
				break;
			_cleanup_free_ char *rule = xasprintf("history.persist.%s", typed.slug);
			_cleanup_free_ char *ev = xstrndup(l, n);
			scan_add(j, f, "history", rule, h.sev, it.no, ev, "typed in a shell: %s",
			         h.reason);
			continue;
		}
		if (++count > MAX_PER_FILE) {
			scan_note(j, "%s: more than %d suspicious lines, the rest not reported",
			          f->path, MAX_PER_FILE);
			break;
		}
		_cleanup_free_ char *rule = xasprintf("history.%s", h.slug);
		_cleanup_free_ char *ev = xstrndup(l, n);
		scan_add(j, f, "history", rule, h.sev, it.no, ev, "typed in a shell: %s", h.reason);
	}
}

/* Build arguments lead a RUN step's text ("|2 USER=x PASS=y /bin/sh -c ..."): their values
 * are often secrets, so they are masked in evidence. */
static char *mask_build_args(const char *cb)
{
	if (cb[0] != '|')
		return xstrdup(cb);
	char *end;
	long n = strtol(cb + 1, &end, 10);
	if (end == cb + 1 || *end != ' ' || n <= 0 || n > 100)
		return xstrdup(cb);
	struct buf b = {0};
	buf_printf(&b, "|%ld", n);
	const char *p = end;
	for (long k = 0; k < n && *p == ' '; k++) {
		p++;
		size_t tl = strcspn(p, " ");
		const char *eq = memchr(p, '=', tl);
		if (!eq) {
			buf_printf(&b, " %.*s", (int)tl, p);
		} else {
			_cleanup_free_ char *m = scan_mask(eq + 1, tl - (size_t)(eq + 1 - p));
			buf_printf(&b, " %.*s=%s", (int)(eq - p), p, m);
		}
		p += tl;
	}
	buf_printf(&b, "%s", p);
	return (char *)buf_cstr(&b);
}

/* The image's build steps. */
static void on_target(struct scan_job *j)
{
	const struct scan_target *t = scan_job_target(j);
	if (!json_is_array(t->history))
		return;
	size_t i;
	json_t *h;
	/* history lists the newest step first (API) or the oldest (config); number them oldest = 1
	 */
	size_t n = json_array_size(t->history);
	bool newest_first = t->kind != SCAN_TARBALL;
	json_array_foreach(t->history, i, h)
	{
		const char *cb = jstr(h, "CreatedBy");
		if (!cb)
			cb = jstr(h, "created_by");
		if (!cb)
			continue;
		struct shellpat_hit hit;
		unsigned mask = SP_BIT(SP_REVERSE_SHELL) | SP_BIT(SP_DOWNLOAD_EXEC) |
		                SP_BIT(SP_DOWNLOAD) | SP_BIT(SP_BASE64_EXEC) | SP_BIT(SP_MINER) |
		                SP_BIT(SP_LD_PRELOAD);
		if (!shellpat_classify(cb, strlen(cb), mask, &hit))
			continue;
		size_t step = newest_first ? n - i : i + 1;
		_cleanup_free_ char *rule = xasprintf("history.image.%s", hit.slug);
		_cleanup_free_ char *shown = mask_build_args(cb);
		_cleanup_free_ char *ev = xasprintf("step %zu: %s", step, shown);
		scan_add(j, NULL, "history", rule, hit.sev, 0, ev, "image build step: %s",
		         hit.reason);
	}
}

const struct scan_check scan_check_history = {
    .name = "history",
    .id = CHK_HISTORY,
    .on_target = on_target,
    .on_file = on_file,
    .locations = locations,
};
