/* persist_hooks.c: code that other programs run for the intruder: package manager hooks and
 * maintainer scripts (T1546.016), git hooks and git settings that run commands (T1546), web
 * server modules and PHP auto-prepend or handler tricks (T1505), the dynamic linker's library
 * path (T1574.006), certificate authorities added to the trust store (T1553.004) and browser
 * extensions forced by policy (T1176.001). */
#include <strings.h>

#include "scan/persist.h"

static const char *const apt_globs[] = {
    "/etc/apt/apt.conf",      "/etc/apt/apt.conf.d/*",     "/etc/dpkg/dpkg.cfg",
    "/etc/dpkg/dpkg.cfg.d/*", "/etc/apk/commit_hooks.d/*", "/usr/share/libalpm/hooks/*",
    "/etc/pacman.d/hooks/*",  "/usr/lib/yum-plugins/*",    "/etc/yum/pluginconf.d/*",
    "/etc/dnf/plugins/*",     "/usr/lib/zypp/plugins/*/*", NULL,
};

static const char *const maint_globs[] = {
    "/var/lib/dpkg/info/*.preinst", "/var/lib/dpkg/info/*.postinst", "/var/lib/dpkg/info/*.prerm",
    "/var/lib/dpkg/info/*.postrm",  "/var/lib/dpkg/info/*.config",   NULL,
};

static const char *const ldconf_globs[] = {"/etc/ld.so.conf", "/etc/ld.so.conf.d/*", NULL};

static const char *const ca_globs[] = {
    "/usr/local/share/ca-certificates/*",
    "/usr/local/share/ca-certificates/*/*",
    "/etc/pki/ca-trust/source/anchors/*",
    "/usr/share/pki/ca-trust-source/anchors/*",
    "/etc/ca-certificates/trust-source/anchors/*",
    "/etc/pki/trust/anchors/*",
    NULL,
};

static const char *const web_conf_globs[] = {
    "/etc/apache2/*",
    "/etc/apache2/*/*",
    "/etc/httpd/*",
    "/etc/httpd/*/*",
    "/usr/local/apache2/conf/*",
    "/usr/local/apache2/conf/*/*",
    "/etc/nginx/*",
    "/etc/nginx/*/*",
    "/usr/local/nginx/conf/*",
    "/usr/local/etc/nginx/*",
    NULL,
};

static const char *const php_ini_globs[] = {
    "/etc/php/*/*/php.ini",
    "/etc/php/*/*/conf.d/*",
    "/etc/php/*/mods-available/*",
    "/etc/php.ini",
    "/etc/php.d/*",
    "/usr/local/etc/php/php.ini",
    "/usr/local/etc/php/conf.d/*",
    "/etc/php*/php.ini",
    "/etc/php*/conf.d/*",
    NULL,
};

static const char *const browser_globs[] = {
    "/etc/opt/chrome/policies/managed/*",
    "/etc/chromium/policies/managed/*",
    "/etc/chromium-browser/policies/managed/*",
    "/etc/opt/edge/policies/managed/*",
    "/etc/brave/policies/managed/*",
    "/etc/firefox/policies/*",
    "/usr/lib/firefox/distribution/*",
    "/usr/lib/firefox-esr/distribution/*",
    "/usr/lib64/firefox/distribution/*",
    "/opt/google/chrome/extensions/*",
    "/usr/share/google-chrome/extensions/*",
    "/usr/share/chromium/extensions/*",
    NULL,
};

/* ---- installers ---- */

/* Every "quoted" command of an apt/dpkg hook setting: DPkg::Post-Invoke {"cmd"; "cmd";}; or a
 * dpkg.cfg "pre-invoke=cmd" line. */
static void check_apt(struct scan_job *j, struct scan_file *f)
{
	bool yum = persist_ends(f->name, ".py") || strstr(f->path, "yum") ||
	           strstr(f->path, "dnf") || strstr(f->path, "zypp");
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	bool in_hook = false;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n) && count < PERSIST_MAX_PER_FILE) {
		_cleanup_free_ char *s = xstrndup(l, n);
		char *p = s + strspn(s, " \t");
		if (*p == '#' || startswith(p, "//"))
			continue;
		if (strcasestr(p, "Invoke") || strcasestr(p, "Pre-Install-Pkgs") ||
		    strcasestr(p, "Exec =") || strcasestr(p, "Exec=") ||
		    startswith(p, "pre-invoke") || startswith(p, "post-invoke"))
			in_hook = true;
		const char *cmd = NULL;
		if (startswith(p, "pre-invoke=") || startswith(p, "post-invoke="))
			cmd = strchr(p, '=') + 1;
		else if (startswith(p, "Exec") && strchr(p, '='))
			cmd = strchr(p, '=') + 1; /* pacman hooks */
		_cleanup_free_ char *quoted = NULL;
		if (!cmd && in_hook && !yum) {
			char *q = strchr(p, '"'), *e = q ? strrchr(q + 1, '"') : NULL;
			if (q && e && e > q + 1) {
				quoted = xstrndup(q + 1, (size_t)(e - q - 1));
				cmd = quoted;
			}
		}
		if (strchr(p, '}'))
			in_hook = false;
		struct cmd_hit h;
		const char *what = yum ? p : cmd;
		if (!what || !persist_cmd(what, strlen(what), CTX_JOB, &h))
			continue;
		_cleanup_free_ char *rule = xasprintf("backdoor.hook.installer.%s", h.slug);
		scan_add(j, f, "backdoor", rule, h.sev, it.no, p,
		         "package manager hook (run as root at every install or update): %s",
		         h.reason);
		count++;
	}
	if (!count && scan_origin(j, f) == ORIGIN_ADDED) {
		unsigned no = 0;
		_cleanup_free_ char *fl = persist_first_line(f, &no);
		if (fl && (strcasestr(fl, "invoke") || strstr(f->path, "hook") || yum))
			scan_add(j, f, "backdoor", "backdoor.hook.installer.added", SEV_MEDIUM, no,
			         fl, "package manager hook added or changed since the image");
	}
}

/* Maintainer scripts: only the unmistakable classes (they use /tmp and run programs by
 * nature). */
static void check_maintainer(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n) && count < 5) {
		struct shellpat_hit h;
		unsigned mask = SP_BIT(SP_REVERSE_SHELL) | SP_BIT(SP_DOWNLOAD_EXEC) |
		                SP_BIT(SP_BASE64_EXEC) | SP_BIT(SP_MINER);
		if (!shellpat_classify(l, n, mask, &h) || h.sev < SEV_HIGH)
			continue;
		_cleanup_free_ char *rule = xasprintf("backdoor.hook.maintainer.%s", h.slug);
		_cleanup_free_ char *ev = xstrndup(l, n);
		scan_add(j, f, "backdoor", rule, h.sev, it.no, ev,
		         "package maintainer script (run as root when the package changes): %s",
		         h.reason);
		count++;
	}
}

/* ---- git ---- */

static void check_git_hook(struct scan_job *j, struct scan_file *f)
{
	if (persist_ends(f->name, ".sample") || !f->data || scan_is_binary(f->data, f->len))
		return;
	if (persist_lines(j, f, "backdoor.hook.git", CTX_JOB, "git hook"))
		return;
	unsigned no = 0;
	_cleanup_free_ char *fl = persist_first_line(f, &no);
	if (fl && (f->st.st_mode & 0111))
		scan_add(j, f, "backdoor", "backdoor.hook.git", SEV_LOW, no, fl,
		         "git hook: a program run by git commands in this repository");
}

static void check_gitconfig(struct scan_job *j, struct scan_file *f)
{
	static const char *const keys[] = {"hookspath", "fsmonitor", "sshcommand", "pager",
	                                   "editor",    "askpass",   "gpgprogram", NULL};
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	for (unsigned count = 0; count < PERSIST_MAX_PER_FILE;) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p)
			break;
		char *eq = strchr(p, '=');
		if (!eq || *p == ';' || *p == '[')
			continue;
		_cleanup_free_ char *key = xstrndup(p, (size_t)(eq - p));
		char *ke = key + strlen(key);
		while (ke > key && (ke[-1] == ' ' || ke[-1] == '\t'))
			*--ke = '\0';
		bool known = false;
		for (const char *const *k = keys; *k && !known; k++)
			known = strcasecmp(key, *k) == 0;
		if (!known)
			continue;
		const char *v = eq + 1 + strspn(eq + 1, " \t\"");
		struct cmd_hit h;
		bool hooks = strcasecmp(key, "hookspath") == 0;
		bool cmd = persist_cmd(v, strlen(v), CTX_JOB, &h);
		bool tmpdir = hooks && (persist_tmp_path(v) || startswith(v, "/tmp") ||
		                        startswith(v, "/dev/shm"));
		if (!cmd && !tmpdir)
			continue;
		scan_add(j, f, "backdoor", "backdoor.hook.git_config", SEV_HIGH, it.no, p,
		         "git runs a command from its settings (%s)%s%s", key, cmd ? ": " : "",
		         cmd ? h.reason : "");
		count++;
	}
}

/* ---- web servers ---- */

static void check_web_conf(struct scan_job *j, struct scan_file *f)
{
	static const char *const mod_dirs[] = {
	    "/usr/lib/apache2/modules/", "/usr/lib64/httpd/modules/",
	    "/usr/lib/httpd/modules/",   "/usr/local/apache2/modules/",
	    "/usr/lib/nginx/modules/",   "/usr/share/nginx/modules/",
	    "/usr/lib64/nginx/modules/", "/etc/nginx/modules/",
	    "/usr/local/nginx/modules/", "/usr/lib/php/",
	    "/usr/lib64/php/",           NULL};
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	for (unsigned count = 0; count < PERSIST_MAX_PER_FILE;) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p)
			break;
		bool apache =
		    strncasecmp(p, "LoadModule", 10) == 0 || strncasecmp(p, "LoadFile", 8) == 0;
		bool nginx = startswith(p, "load_module");
		if (!apache && !nginx)
			continue;
		/* the path: the last word (nginx: before ';') */
		char *e = p + strlen(p);
		while (e > p && (e[-1] == ';' || e[-1] == ' ' || e[-1] == '"'))
			*--e = '\0';
		char *path = strrchr(p, ' ');
		char *tab = strrchr(p, '\t');
		if (tab > path)
			path = tab;
		path = path ? path + 1 : p;
		path += *path == '"';
		if (path[0] != '/')
			continue; /* relative to the server root: its own modules */
		bool usual = false;
		for (const char *const *d = mod_dirs; *d && !usual; d++)
			usual = startswith(path, *d);
		if (usual)
			continue;
		scan_add(j, f, "backdoor", "backdoor.web.module", SEV_HIGH, it.no, p,
		         "the web server loads a module from outside its module directories");
		count++;
	}
}

static bool php_ext_bad(const char *ext)
{
	static const char *const ok[] = {".php",  ".phtml", ".php3", ".php4", ".php5", ".php7",
	                                 ".php8", ".phps",  ".phar", ".inc",  NULL};
	for (const char *const *o = ok; *o; o++)
		if (strcasecmp(ext, *o) == 0 || strcasecmp(ext, *o + 1) == 0)
			return false;
	return true;
}

/* php.ini, .user.ini, .htaccess */
static void check_php(struct scan_job *j, struct scan_file *f, bool htaccess)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	for (unsigned count = 0; count < PERSIST_MAX_PER_FILE;) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p)
			break;
		if (*p == ';')
			continue;
		char *a = strcasestr(p, "auto_prepend_file");
		if (!a)
			a = strcasestr(p, "auto_append_file");
		if (a) {
			char *v = a + 16 + (a[5] == 'p' ? 1 : 0);
			v += strspn(v, " \t=\"'");
			size_t vl = strcspn(v, " \t\"';");
			if (!vl || !strncasecmp(v, "none", vl))
				continue;
			_cleanup_free_ char *val = xstrndup(v, vl);
			bool bad = persist_tmp_path(val) || startswith(val, "/tmp") ||
			           strstr(val, "/upload") || strstr(val, "/.") ||
			           strstr(val, "://");
			scan_add(j, f, "backdoor", "backdoor.web.php_prepend",
			         bad ? SEV_HIGH : SEV_MEDIUM, it.no, p,
			         "PHP runs '%s' before or after every script", val);
			count++;
			continue;
		}
		if (!htaccess)
			continue;
		bool addtype =
		    strncasecmp(p, "AddType", 7) == 0 || strncasecmp(p, "AddHandler", 10) == 0;
		if (addtype && strcasestr(p, "php")) {
			/* the extensions after the handler name */
			bool bad = false;
			_cleanup_free_ char *d = xstrdup(p);
			int k = 0;
			for (char *save = NULL, *t = strtok_r(d, " \t", &save); t;
			     t = strtok_r(NULL, " \t", &save), k++)
				if (k >= 2 && php_ext_bad(t))
					bad = true;
			if (bad) {
				scan_add(j, f, "backdoor", "backdoor.web.php_handler", SEV_HIGH,
				         it.no, p,
				         "files that are not PHP scripts are run as PHP (an upload "
				         "becomes a web shell)");
				count++;
			}
		} else if (strncasecmp(p, "SetHandler", 10) == 0 && strcasestr(p, "php")) {
			scan_add(j, f, "backdoor", "backdoor.web.php_handler", SEV_MEDIUM, it.no, p,
			         "every file of this directory is run as PHP");
			count++;
		}
	}
}

/* ---- dynamic linker ---- */

static void check_ldconf(struct scan_job *j, struct scan_file *f)
{
	struct scan_lines it;
	scan_lines_init(&it, f->data, f->len);
	unsigned count = 0;
	for (;;) {
		_cleanup_free_ char *p = scan_lines_next_content(&it);
		if (!p || count >= PERSIST_MAX_PER_FILE)
			break;
		if (startswith(p, "include"))
			continue;
		char user[128];
		bool home = scan_job_home_user(j, p, user, sizeof(user), NULL);
		bool hidden = strstr(p, "/.") != NULL;
		if (!persist_tmp_path(p) && !startswith(p, "/tmp") && !startswith(p, "/dev/shm") &&
		    !startswith(p, "/var/tmp") && !home && !hidden)
			continue;
		scan_add(j, f, "backdoor", "backdoor.ld_so_conf", SEV_HIGH, it.no, p,
		         "the dynamic linker searches a writable or hidden directory for libraries "
		         "first");
		count++;
	}
	if (!count && scan_origin(j, f) == ORIGIN_ADDED) {
		unsigned no = 0;
		_cleanup_free_ char *fl = persist_first_line(f, &no);
		if (fl)
			scan_add(j, f, "backdoor", "backdoor.ld_so_conf_added", SEV_MEDIUM, no, fl,
			         "library search path added or changed since the image");
	}
}

/* ---- trust store, browsers ---- */

static void check_ca(struct scan_job *j, struct scan_file *f)
{
	if (!memmem(f->data, f->len, "-----BEGIN CERTIFICATE", 22) &&
	    !memmem(f->data, f->len, "-----BEGIN TRUSTED CERTIFICATE", 30) &&
	    !(f->len > 2 && f->data[0] == 0x30))
		return;
	scan_add(j, f, "backdoor", "backdoor.ca.local_root", SEV_MEDIUM, 0, NULL,
	         "a certificate authority added to the system's trust store: it can vouch for any "
	         "site");
}

static void check_browser(struct scan_job *j, struct scan_file *f)
{
	bool forced = memmem(f->data, f->len, "ExtensionInstallForcelist", 25) ||
	              memmem(f->data, f->len, "force_installed", 15) ||
	              (memmem(f->data, f->len, "\"Extensions\"", 12) &&
	               memmem(f->data, f->len, "\"Install\"", 9));
	bool external = strstr(f->path, "/extensions/") && persist_ends(f->name, ".json") &&
	                (memmem(f->data, f->len, "external_crx", 12) ||
	                 memmem(f->data, f->len, "external_update_url", 19));
	if (!forced && !external)
		return;
	scan_add(j, f, "backdoor",
	         forced ? "backdoor.browser.forced_extension"
	                : "backdoor.browser.external_extension",
	         SEV_MEDIUM, 0, NULL, "%s",
	         forced ? "browser policy installs an extension that users cannot remove"
	                : "an extension installed into the browser from outside its store");
}

bool persist_hooks(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	if (!S_ISREG(f->st.st_mode) || !f->data)
		return false;
	if (persist_match(apt_globs, p))
		check_apt(j, f);
	else if (persist_match(maint_globs, p))
		check_maintainer(j, f);
	else if (strstr(p, "/.git/hooks/"))
		check_git_hook(j, f);
	else if (streq(p, "/etc/gitconfig") || streq(f->name, ".gitconfig") ||
	         persist_ends(p, "/.git/config") || persist_ends(p, "/.config/git/config"))
		check_gitconfig(j, f);
	else if (persist_match(web_conf_globs, p))
		check_web_conf(j, f);
	else if (persist_match(php_ini_globs, p) || streq(f->name, ".user.ini"))
		check_php(j, f, false);
	else if (streq(f->name, ".htaccess"))
		check_php(j, f, true);
	else if (persist_match(ldconf_globs, p))
		check_ldconf(j, f);
	else if (persist_match(ca_globs, p))
		check_ca(j, f);
	else if (persist_match(browser_globs, p))
		check_browser(j, f);
	else
		return false;
	return true;
}
