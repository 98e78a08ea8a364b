/* persist_sched.c: scheduled and supervised jobs: cron tables and cron directories (T1053.003),
 * at jobs (T1053.002), systemd services, timers, drop-ins, generators and transient units
 * (T1543.002, T1053.006). */
#include "scan/persist.h"

static const char *const cron_globs[] = {
    "/etc/crontab",       "/etc/cron.d/*",      "/etc/cron.hourly/*",
    "/etc/cron.daily/*",  "/etc/cron.weekly/*", "/etc/cron.monthly/*",
    "/etc/cron.yearly/*", "/var/spool/cron/*",  "/var/spool/cron/*/*",
    "/etc/crontabs/*",    "/etc/anacrontab",    "/usr/lib/cron/tabs/*",
    "/var/cron/tabs/*",   "/etc/periodic/*/*",  NULL,
};

static const char *const at_globs[] = {
    "/var/spool/cron/atjobs/*", "/var/spool/at/*", "/var/spool/atjobs/*", "/var/at/jobs/*", NULL,
};

static const char *const unit_globs[] = {
    "/etc/systemd/system/*",           "/etc/systemd/system/*/*",
    "/lib/systemd/system/*",           "/lib/systemd/system/*/*",
    "/usr/lib/systemd/system/*",       "/usr/lib/systemd/system/*/*",
    "/usr/local/lib/systemd/system/*", "/etc/systemd/user/*",
    "/etc/systemd/user/*/*",           "/usr/lib/systemd/user/*",
    "/run/systemd/system/*",           "/run/systemd/transient/*",
    "/run/systemd/transient/*/*",      "/run/user/*/systemd/transient/*",
    "/run/user/*/systemd/user/*",      NULL,
};

static const char *const generator_globs[] = {
    "/etc/systemd/system-generators/*",
    "/usr/local/lib/systemd/system-generators/*",
    "/lib/systemd/system-generators/*",
    "/usr/lib/systemd/system-generators/*",
    "/etc/systemd/user-generators/*",
    "/run/systemd/system-generators/*",
    NULL,
};

/* ---- cron ---- */

/* The command of a cron line: past the schedule (five fields or @keyword) and, in a system
 * table, the user; anacrontab: period, delay and name. The whole line when it has no schedule
 * (a script in cron.daily, a malformed line: cron may still be fed it). */
static const char *cron_command(const char *l, bool system, bool anacron)
{
	const char *p = l + strspn(l, " \t");
	if (*p == '#' || !*p)
		return p;
	/* NAME=value: an environment setting */
	size_t nl = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	if (nl && (p[nl] == '=' || (p[nl] == ' ' && p[nl + strspn(p + nl, " ")] == '=')))
		return p;
	size_t fields;
	if (*p == '@')
		fields = 1;
	else if (anacron)
		fields = 3;
	else if (strchr("0123456789*", *p))
		fields = 5;
	else
		return p;
	if (system && !anacron)
		fields++;
	const char *q = p;
	for (size_t k = 0; k < fields && *q; k++) {
		q += strcspn(q, " \t");
		q += strspn(q, " \t");
	}
	return *q ? q : p;
}

static void check_cron(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	bool table = streq(p, "/etc/crontab") || startswith(p, "/etc/cron.d/") ||
	             startswith(p, "/var/spool/cron/") || startswith(p, "/etc/crontabs/") ||
	             streq(p, "/etc/anacrontab") || startswith(p, "/usr/lib/cron/tabs/") ||
	             startswith(p, "/var/cron/tabs/");
	bool system = streq(p, "/etc/crontab") || startswith(p, "/etc/cron.d/");
	bool anacron = streq(p, "/etc/anacrontab");
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n) && count < PERSIST_MAX_PER_FILE) {
		struct cmd_hit h;
		size_t i = strspn(l, " \t");
		_cleanup_free_ char *ev = xstrndup(l, n);
		const char *cmd = table ? cron_command(ev, system, anacron) : ev;
		if (persist_cmd(cmd, strlen(cmd), CTX_JOB, &h)) {
			_cleanup_free_ char *rule = xasprintf("backdoor.cron.%s", h.slug);
			scan_add(j, f, "backdoor", rule, h.sev, it.no, ev, "cron job: %s",
			         h.reason);
			count++;
		} else if (n - i >= 7 && strncmp(l + i, "@reboot", 7) == 0) {
			scan_add(j, f, "backdoor", "backdoor.cron.reboot", SEV_MEDIUM, it.no, ev,
			         "cron job run at every boot (@reboot)");
			count++;
		}
	}
	if (count || scan_origin(j, f) != ORIGIN_ADDED)
		return;
	unsigned no = 0;
	_cleanup_free_ char *first = persist_first_line(f, &no);
	if (first)
		scan_add(j, f, "backdoor", "backdoor.cron.added", SEV_MEDIUM, no, first,
		         "cron table added or changed since the image");
}

/* ---- at ---- */

/* The preamble atd writes before the job's own commands. */
static bool at_preamble(const char *l, size_t n)
{
	static const char *const lead[] = {"#",         "umask ",          "cd ",
	                                   "}",         "echo 'Execution", "exit 1",
	                                   "${SHELL:-", "marcinDELIMITER", NULL};
	size_t i = strspn(l, " \t");
	for (const char *const *p = lead; *p; p++)
		if (n - i >= strlen(*p) && strncmp(l + i, *p, strlen(*p)) == 0)
			return true;
	/* NAME=value; export NAME */
	const char *exp = memmem(l, n, "; export ", 9);
	return exp && memchr(l, '=', (size_t)(exp - l)) != NULL;
}

static void check_at(struct scan_job *j, struct scan_file *f)
{
	if (f->name[0] == '.')
		return; /* .SEQ, .lockfile */
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0, first_no = 0;
	char *first = NULL;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n)) {
		if (!n || at_preamble(l, n))
			continue;
		if (!first) {
			first = xstrndup(l, n);
			first_no = it.no;
		}
		struct cmd_hit h;
		if (count < PERSIST_MAX_PER_FILE && persist_cmd(l, n, CTX_JOB, &h)) {
			_cleanup_free_ char *rule = xasprintf("backdoor.at.%s", h.slug);
			_cleanup_free_ char *ev = xstrndup(l, n);
			scan_add(j, f, "backdoor", rule, h.sev, it.no, ev, "at job: %s", h.reason);
			count++;
		}
	}
	if (!count && first)
		scan_add(j, f, "backdoor", "backdoor.at.job", SEV_MEDIUM, first_no, first,
		         "a pending at job: a command queued to run once, later");
	free(first);
}

/* ---- systemd ---- */

static bool unit_dir_path(const char *p)
{
	static const char *const dirs[] = {"/lib/systemd/",           "/usr/lib/systemd/",
	                                   "/etc/systemd/",           "/run/systemd/",
	                                   "/usr/local/lib/systemd/", NULL};
	for (const char *const *d = dirs; *d; d++)
		if (startswith(p, *d))
			return true;
	return streq(p, "/dev/null");
}

/* A user's own unit (under the home directory, or in a user's runtime directory): packaged
 * user units (/usr/lib/systemd/user) are not. */
static bool user_unit(struct scan_job *j, const char *path)
{
	char user[128];
	const char *rel = NULL;
	return (scan_job_home_user(j, path, user, sizeof(user), &rel) &&
	        (startswith(rel, ".config/systemd/user/") ||
	         startswith(rel, ".local/share/systemd/user/"))) ||
	       (startswith(path, "/run/user/") && strstr(path, "/systemd/user/"));
}

/* A systemd time span in seconds ("1d", "1h 30min", "90", "500ms"); -1 when not one. */
static double time_span(const char *v)
{
	static const struct {
		const char *unit;
		double secs;
	} units[] = {
	    {"usec", 1e-6},   {"us", 1e-6},        {"msec", 1e-3},      {"ms", 1e-3},
	    {"seconds", 1},   {"second", 1},       {"sec", 1},          {"s", 1},
	    {"minutes", 60},  {"minute", 60},      {"min", 60},         {"m", 60},
	    {"hours", 3600},  {"hour", 3600},      {"hr", 3600},        {"h", 3600},
	    {"days", 86400},  {"day", 86400},      {"d", 86400},        {"weeks", 604800},
	    {"week", 604800}, {"w", 604800},       {"months", 2629800}, {"month", 2629800},
	    {"M", 2629800},   {"years", 31557600}, {"year", 31557600},  {"y", 31557600},
	};
	double total = 0;
	bool any = false;
	const char *p = v;
	while (*p) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		char *end;
		double x = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
		p += strspn(p, " \t");
		size_t ul = strcspn(p, " \t0123456789.");
		double mul = 1;
		if (ul) {
			bool known = false;
			for (size_t i = 0; i < ARRAY_SIZE(units) && !known; i++)
				if (strlen(units[i].unit) == ul &&
				    strncmp(p, units[i].unit, ul) == 0) {
					mul = units[i].secs;
					known = true;
				}
			if (!known)
				return -1;
			p += ul;
		}
		total += x * mul;
		any = true;
	}
	return any ? total : -1;
}

/* A timer that fires every minute or more often: a calendar with a wildcard minute, or a
 * monotonic span of a minute or less. */
static bool every_minute(const char *key, const char *v)
{
	if (streq(key, "OnCalendar")) {
		if (streq(v, "minutely") || strstr(v, "*:*") || strstr(v, "*:0/") ||
		    strstr(v, "*:00/"))
			return true;
		return false;
	}
	if (streq(key, "OnUnitActiveSec") || streq(key, "OnUnitInactiveSec")) {
		double secs = time_span(v);
		return secs >= 0 && secs <= 60;
	}
	return false;
}

static void check_unit(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	bool transient = strstr(p, "/systemd/transient/") != NULL;
	bool user = user_unit(j, p);
	if (S_ISLNK(f->st.st_mode)) {
		/* an enablement link (x.wants/y.service) or an alias pointing out of the unit
		 * directories */
		if (f->link && f->link[0] == '/' && !unit_dir_path(f->link))
			scan_add(j, f, "backdoor", "backdoor.systemd.link_outside", SEV_HIGH, 0,
			         f->link,
			         "systemd unit is a link to a file outside the unit directories");
		return;
	}
	bool dropin = persist_ends(f->name, ".conf") && strstr(p, ".d/");
	bool timer = persist_ends(f->name, ".timer");
	static const char *const exts[] = {".service", ".timer", ".socket",
	                                   ".path",    ".mount", NULL};
	bool unit = dropin;
	for (const char *const *e = exts; *e && !unit; e++)
		unit = persist_ends(f->name, *e);
	if (!unit || !f->data)
		return;
	struct scan_lines it;
	const char *l;
	size_t n;
	unsigned count = 0;
	bool has_exec = false, fast = false;
	char *when = NULL;
	scan_lines_init(&it, f->data, f->len);
	while (scan_lines_next(&it, &l, &n) && count < PERSIST_MAX_PER_FILE) {
		size_t i = strspn(l, " \t");
		const char *k = l + i;
		size_t kn = n - i;
		const char *eq = memchr(k, '=', kn);
		if (!eq || *k == '#' || *k == ';')
			continue;
		_cleanup_free_ char *key = xstrndup(k, (size_t)(eq - k));
		char *ke = key + strlen(key);
		while (ke > key && (ke[-1] == ' ' || ke[-1] == '\t'))
			*--ke = '\0';
		_cleanup_free_ char *val = xstrndup(eq + 1, (size_t)(k + kn - eq - 1));
		char *v = val + strspn(val, " \t");
		_cleanup_free_ char *ev = xstrndup(k, kn);
		if (startswith(key, "On") && timer) {
			fast |= every_minute(key, v);
			if (!when)
				when = xasprintf("%s=%s", key, v);
			continue;
		}
		if (streq(key, "Environment") || streq(key, "EnvironmentFile") ||
		    streq(key, "PassEnvironment")) {
			struct cmd_hit h;
			bool pre = strstr(v, "LD_PRELOAD=") || strstr(v, "LD_LIBRARY_PATH=");
			bool tmp = streq(key, "EnvironmentFile") &&
			           persist_tmp_path(v + (v[0] == '-' ? 1 : 0));
			if (pre || tmp) {
				scan_add(
				    j, f, "backdoor",
				    pre ? "backdoor.systemd.ld_preload"
				        : "backdoor.systemd.exec_tmp",
				    SEV_HIGH, it.no, ev,
				    pre ? "systemd unit: sets LD_PRELOAD for its program"
				        : "systemd unit: reads its environment from a temporary "
				          "directory");
				count++;
			} else if (persist_cmd(v, strlen(v), CTX_JOB, &h) && h.sev >= SEV_HIGH) {
				_cleanup_free_ char *rule =
				    xasprintf("backdoor.systemd.%s", h.slug);
				scan_add(j, f, "backdoor", rule, h.sev, it.no, ev,
				         "systemd unit: %s", h.reason);
				count++;
			}
			continue;
		}
		if (!startswith(key, "Exec"))
			continue;
		has_exec = true;
		/* prefixes: "-", "@", "+", "!", ":" */
		v += strspn(v, "-@+!:");
		struct cmd_hit h;
		if (!persist_cmd(v, strlen(v), CTX_JOB, &h))
			continue;
		/* the temporary-directory classes keep their historic rule name */
		const char *slug = startswith(h.slug, "tmp_") ? "exec_tmp" : h.slug;
		_cleanup_free_ char *rule = xasprintf("backdoor.systemd.%s", slug);
		scan_add(j, f, "backdoor", rule, h.sev, it.no, ev, "systemd unit: %s", h.reason);
		count++;
	}
	unsigned no = 0;
	_cleanup_free_ char *fl = persist_first_line(f, &no);
	bool local =
	    (startswith(p, "/etc/systemd/system/") || startswith(p, "/etc/systemd/user/")) &&
	    !dropin;
	if (timer && (transient || user || local)) {
		_cleanup_free_ char *ev = xstrdup(when ? when : fl ? fl : "");
		scan_add(j, f, "backdoor",
		         transient ? "backdoor.systemd.timer_transient" : "backdoor.systemd.timer",
		         fast ? SEV_HIGH : SEV_MEDIUM, 0, ev,
		         "%s systemd timer (a scheduled job)%s",
		         transient ? "transient"
		         : user    ? "user"
		                   : "locally defined",
		         fast ? ", firing every minute" : "");
		count++;
	} else if (!count && has_exec && (transient || user)) {
		scan_add(j, f, "backdoor",
		         transient ? "backdoor.systemd.transient" : "backdoor.systemd.user_unit",
		         SEV_MEDIUM, no, fl,
		         transient ? "transient systemd unit (made by systemd-run) runs a program"
		                   : "user systemd unit runs a program whenever the user logs in");
		count++;
	}
	free(when);
	if (!count && has_exec && scan_origin(j, f) == ORIGIN_ADDED)
		scan_add(j, f, "backdoor", "backdoor.systemd.added", SEV_MEDIUM, no, fl,
		         "systemd unit added or changed since the image");
}

static void check_generator(struct scan_job *j, struct scan_file *f)
{
	if (!S_ISREG(f->st.st_mode) || !f->data)
		return;
	unsigned hits = persist_lines(j, f, "backdoor.systemd.generator", CTX_JOB,
	                              "systemd generator (run as root at every boot)");
	if (hits)
		return;
	bool local = startswith(f->path, "/etc/") || startswith(f->path, "/usr/local/") ||
	             startswith(f->path, "/run/");
	if (local || scan_origin(j, f) == ORIGIN_ADDED) {
		unsigned no = 0;
		_cleanup_free_ char *fl =
		    scan_is_binary(f->data, f->len) ? NULL : persist_first_line(f, &no);
		scan_add(j, f, "backdoor", "backdoor.systemd.generator", SEV_MEDIUM, no, fl,
		         "systemd generator outside the packaged directories: runs as root at "
		         "every boot");
	}
}

bool persist_sched(struct scan_job *j, struct scan_file *f)
{
	const char *p = f->path;
	if (persist_match(at_globs, p)) {
		if (f->data)
			check_at(j, f);
		return true;
	}
	if (persist_match(cron_globs, p)) {
		if (f->data)
			check_cron(j, f);
		return true;
	}
	if (persist_match(generator_globs, p)) {
		check_generator(j, f);
		return true;
	}
	char user[128];
	const char *rel = NULL;
	if (persist_match(unit_globs, p) || (scan_job_home_user(j, p, user, sizeof(user), &rel) &&
	                                     (startswith(rel, ".config/systemd/user/") ||
	                                      startswith(rel, ".local/share/systemd/user/")))) {
		check_unit(j, f);
		return true;
	}
	return false;
}
