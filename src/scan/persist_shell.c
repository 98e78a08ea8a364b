/* persist_shell.c: shell start-up files, system-wide and in every home directory (T1546.004,
 * with traps T1546.005, history tampering T1562.003, keyloggers T1056.001, PATH and linker
 * hooks T1574), environment files, and Python start-up hooks: .pth files, sitecustomize and
 * usercustomize (T1546.018). */
#include <ctype.h>

#include "scan/persist.h"

static const char *const system_startup[] = {
    "/etc/profile",
    "/etc/profile.d/*",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/bash.bash_logout",
    "/etc/zshrc",
    "/etc/zsh/*",
    "/etc/zprofile",
    "/etc/zshenv",
    "/etc/zlogin",
    "/etc/zlogout",
    "/etc/csh.cshrc",
    "/etc/csh.login",
    "/etc/csh.logout",
    "/etc/ksh.kshrc",
    "/etc/mkshrc",
    "/etc/fish/config.fish",
    "/etc/fish/conf.d/*",
    "/etc/bash_completion.d/*",
    "/etc/skel/.*",
    "/etc/environment",
    "/etc/security/pam_env.conf",
    "/etc/login.defs.d/*",
    "/etc/sh.shrc",
    "/etc/shinit",
    NULL,
};

/* below a home directory */
static const char *const user_startup[] = {
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".bash_aliases",
    ".profile",
    ".zshrc",
    ".zprofile",
    ".zshenv",
    ".zlogin",
    ".zlogout",
    ".cshrc",
    ".tcshrc",
    ".login",
    ".logout",
    ".kshrc",
    ".mkshrc",
    ".shrc",
    ".bash_completion",
    ".config/fish/config.fish",
    ".config/fish/conf.d/*",
    ".pam_environment",
    ".ssh/environment",
    ".oh-my-zsh/custom/*",
    NULL,
};

/* ---- shell start-up ---- */

static void check_startup(struct scan_job *j, struct scan_file *f, const char *user)
{
	_cleanup_free_ char *what =
	    user ? xasprintf("shell start-up file of %s", user) : xstrdup("shell start-up file");
	persist_lines(j, f, "backdoor.profile", CTX_STARTUP, what);
}

/* ---- Python ---- */

/* What a line of Python does that a start-up hook has no business doing. */
static const char *python_danger(const char *l, size_t n)
{
	static const char *const bad[] = {"os.system",
	                                  "os.popen",
	                                  "subprocess",
	                                  "pty.spawn",
	                                  "exec(",
	                                  "eval(",
	                                  "compile(",
	                                  "b64decode",
	                                  "base64",
	                                  "socket",
	                                  "urllib",
	                                  "urlopen",
	                                  "requests.",
	                                  "os.exec",
	                                  "os.spawn",
	                                  "ctypes",
	                                  "marshal.loads",
	                                  "zlib.decompress",
	                                  "codecs.decode",
	                                  "/tmp/",
	                                  "/dev/shm",
	                                  "os.fork",
	                                  "os.dup2",
	                                  "__import__('os')",
	                                  "__import__(\"os\")",
	                                  "commands.getoutput",
	                                  "http.client",
	                                  "bytes.fromhex",
	                                  NULL};
	_cleanup_free_ char *s = xstrndup(l, n);
	for (const char *const *b = bad; *b; b++)
		if (strstr(s, *b))
			return *b;
	return NULL;
}

/* .pth lines that packaging tools write themselves (namespace packages, setuptools' distutils
 * shim, virtualenv, coverage). */
static bool pth_known(const char *l, size_t n)
{
	static const char *const ok[] = {"_distutils_hack",
	                                 "sys._getframe(1).f_locals['sitedir']",
	                                 "import _virtualenv",
	                                 "coverage.process_startup",
	                                 "importlib.util.module_from_spec",
	                                 "types.ModuleType",
	                                 "import _pydevd",
	                                 NULL};
	_cleanup_free_ char *s = xstrndup(l, n);
	for (const char *const *o = ok; *o; o++)
		if (strstr(s, *o))
			return true;
	return false;
}

static void check_pth(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n) && count < PERSIST_MAX_PER_FILE) {
		/* site.py runs the lines that start with "import" followed by a blank */
		if (n < 7 || strncmp(l, "import", 6) != 0 || (l[6] != ' ' && l[6] != '\t'))
			continue;
		_cleanup_free_ char *ev = xstrndup(l, n);
		const char *why = python_danger(l, n);
		if (why) {
			scan_add(j, f, "backdoor", "backdoor.python.pth", SEV_HIGH, it.no, ev,
			         "Python .pth file runs code at every interpreter start (%s)", why);
			count++;
		} else if (!pth_known(l, n)) {
			scan_add(j, f, "backdoor", "backdoor.python.pth_import", SEV_LOW, it.no, ev,
			         "Python .pth file runs an import at every interpreter start");
			count++;
		}
	}
}

static void check_customize(struct scan_job *j, struct scan_file *f)
{
	bool user = streq(f->name, "usercustomize.py");
	bool packaged =
	    startswith(f->path, "/etc/python") || startswith(f->path, "/usr/lib/python");
	struct scan_lines it;
	const char *l;
	size_t n;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n)) {
		size_t i = strspn(l, " \t");
		if (i < n && l[i] == '#')
			continue;
		const char *why = python_danger(l, n);
		if (!why)
			continue;
		_cleanup_free_ char *ev = xstrndup(l, n);
		scan_add(j, f, "backdoor", "backdoor.python.customize", SEV_HIGH, it.no, ev,
		         "%s runs code at every Python start (%s)", f->name, why);
		return;
	}
	if (packaged && !user)
		return;
	unsigned no = 0;
	_cleanup_free_ char *fl = persist_first_line(f, &no);
	if (!fl)
		return;
	scan_add(j, f, "backdoor", "backdoor.python.customize", user ? SEV_MEDIUM : SEV_LOW, no, fl,
	         "%s: a Python start-up hook%s", f->name,
	         user ? " in a user's site directory" : " outside the system's Python");
}

bool persist_shell(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	char user[128];
	const char *rel = NULL;
	if (persist_match(system_startup, p)) {
		if (f->data && S_ISREG(f->st.st_mode))
			check_startup(j, f, NULL);
		return true;
	}
	if (scan_job_home_user(j, p, user, sizeof(user), &rel) &&
	    persist_match(user_startup, rel)) {
		if (f->data && S_ISREG(f->st.st_mode))
			check_startup(j, f, user);
		return true;
	}
	if (!S_ISREG(f->st.st_mode) || !f->data)
		return false;
	if (persist_ends(f->name, ".pth") && !scan_is_binary(f->data, f->len) &&
	    (strstr(p, "-packages/") || strstr(p, "/site-python/"))) {
		/* (model weights are called .pth too: only Python's site directories count) */
		check_pth(j, f);
		return true;
	}
	if (streq(f->name, "sitecustomize.py") || streq(f->name, "usercustomize.py")) {
		check_customize(j, f);
		return true;
	}
	return false;
}
