/* audit.c: append-only audit log: one JSON line per change, written with O_APPEND and fsync. */
#include "contain/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "contain/state.h"
#include "escape.h"

json_t *audit_who(int argc, char **argv)
{
	json_t *w = json_object();
	uid_t uid = getuid();
	struct passwd *pw = getpwuid(uid);
	json_object_set_new(w, "user", json_str(pw ? pw->pw_name : NULL));
	json_object_set_new(w, "uid", json_integer(uid));
	/* the kernel's login uid stays the same through sudo and su: the human behind root */
	_cleanup_free_ char *lu = NULL;
	if (read_file_max(AT_FDCWD, "/proc/self/loginuid", 32, &lu, NULL) == 0 && lu) {
		long long v = strtoll(lu, NULL, 10);
		if (v >= 0 && v != 4294967295LL) {
			json_object_set_new(w, "login_uid", json_integer(v));
			struct passwd *lp = getpwuid((uid_t)v);
			if (lp)
				json_object_set_new(w, "login_user", json_str(lp->pw_name));
		}
	}
	const char *su = getenv("SUDO_USER");
	if (su && *su)
		json_object_set_new(w, "sudo_user", json_str(su));
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1) == 0)
		json_object_set_new(w, "host", json_str(host));
	json_object_set_new(w, "pid", json_integer(getpid()));
	json_object_set_new(w, "cirt_version", json_string(CIRT_VERSION));
	json_t *a = json_array();
	for (int i = 0; i < argc; i++)
		json_array_append_new(a, json_str(argv[i]));
	json_object_set_new(w, "argv", a);
	return w;
}

int audit_append(json_t *who, json_t *entry, struct cirt_err *err)
{
	json_t *line = json_object();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char t[64];
	size_t n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + n, sizeof(t) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	json_object_set_new(line, "time", json_string(t));
	json_object_update(line, who);
	json_object_update(line, entry);
	_cleanup_free_ char *s = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(line);
	if (!s)
		return err_set(err, CIRT_EXIT_RUNTIME, "audit: cannot serialize the entry");
	_cleanup_free_ char *p = state_path("audit.log");
	_cleanup_close_ int fd =
	    open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "audit: open '%s': %s", p, strerror(errno));
	_cleanup_free_ char *l = xasprintf("%s\n", s);
	size_t len = strlen(l);
	/* one write on an O_APPEND descriptor: concurrent writers never interleave inside a line */
	ssize_t w;
	do
		w = write(fd, l, len);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != len)
		return err_set(err, CIRT_EXIT_RUNTIME, "audit: write '%s': %s", p,
		               w < 0 ? strerror(errno) : "short write");
	if (fsync(fd) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "audit: fsync '%s': %s", p, strerror(errno));
	return 0;
}
