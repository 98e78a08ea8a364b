/* runtime.c: traces in a running container's processes (/proc): a deleted or added binary,
 * a program run from a temporary directory, a shell on a socket, a traced process, LD_PRELOAD,
 * and processes named like miners, tunnels and scanners. */
#include <dirent.h>
#include <fcntl.h>

#include "scan/check.h"
#include "sources/procfs.h"
#include "sources/rootfs.h"

#define MAX_PIDS 4096

static const char *const shells[] = {"sh",   "bash",    "ash",  "dash", "zsh",  "ksh",
                                     "mksh", "busybox", "tcsh", "csh",  "fish", NULL};
static const char *const miners[] = {"xmrig",        "xmr-stak",    "minerd",  "cpuminer",
                                     "ccminer",      "kdevtmpfsi",  "kinsing", "nanominer",
                                     "t-rex",        "lolminer",    "nbminer", "ethminer",
                                     "phoenixminer", "xmrig-notls", NULL};
static const char *const tunnels[] = {"frpc",  "frps",      "ngrok",   "chisel",   "gost",
                                      "npc",   "nps",       "iox",     "ligolo",   "ligolo-ng",
                                      "ew",    "earthworm", "rathole", "revsocks", "reGeorg",
                                      "venom", "pystinger", NULL};
static const char *const scanners[] = {"masscan", "zmap",  "nmap",   "fscan",  "hydra",
                                       "medusa",  "zgrab", "nuclei", "sqlmap", NULL};

static bool in_list(const char *const *v, const char *s)
{
	for (; s && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

static bool in_tmp(const char *p)
{
	return startswith(p, "/tmp/") || startswith(p, "/var/tmp/") || startswith(p, "/dev/shm/");
}

static char *proc_link(int pid, const char *what)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* argv joined with spaces (bounded). */
static char *cmdline(int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	char *s = NULL;
	size_t len = 0;
	if (read_file_max(AT_FDCWD, path, 4096, &s, &len) < 0)
		return NULL;
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '\0')
			s[i] = ' ';
	return s;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* The value of LD_PRELOAD in the process environment, or NULL. */
static char *env_preload(int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	char *s = NULL;
	size_t len = 0;
	if (read_file_max(AT_FDCWD, path, 256 * 1024, &s, &len) < 0)
		return NULL;
	char *r = NULL;
	for (size_t off = 0; off < len; off += strlen(s + off) + 1)
		if (startswith(s + off, "LD_PRELOAD=") && s[off + 11]) {
			r = xstrdup(s + off + 11);
			break;
		}
	free(s);
	return r;
}

static void check_pid(struct scan_job *j, int pid, int upper_fd)
{
	_cleanup_free_ char *exe = proc_link(pid, "exe");
	_cleanup_free_ char *comm = procfs_comm(pid);
	_cleanup_free_ char *cl = cmdline(pid);
	if (!comm)
		return; /* gone meanwhile */
	const char *ev = cl && *cl ? cl : comm;
	if (exe) {
		size_t el = strlen(exe);
		static const char del[] = " (deleted)";
		bool deleted = el > sizeof(del) - 1 && streq(exe + el - (sizeof(del) - 1), del);
		if (deleted) {
			exe[el - (sizeof(del) - 1)] = '\0';
			scan_add_pid(j, pid, exe, "runtime", "runtime.deleted_binary", SEV_CRITICAL,
			             ev, "process runs a program that was deleted from disk (%s)",
			             comm);
		} else {
			struct stat st;
			if (upper_fd >= 0 && rootfs_lstat(upper_fd, exe, &st) == 0)
				scan_add_pid(
				    j, pid, exe, "runtime", "runtime.exe_added", SEV_HIGH, ev,
				    "process runs a program added or changed since the image (%s)",
				    comm);
		}
		if (in_tmp(exe))
			scan_add_pid(j, pid, exe, "runtime", "runtime.exe_in_tmp", SEV_HIGH, ev,
			             "process runs a program from a temporary directory");
	}
	if (in_list(shells, comm)) {
		for (int fd = 0; fd <= 2; fd++) {
			char what[16];
			snprintf(what, sizeof(what), "fd/%d", fd);
			_cleanup_free_ char *target = proc_link(pid, what);
			if (target && startswith(target, "socket:")) {
				_cleanup_free_ char *e2 =
				    xasprintf("fd %d -> %s: %s", fd, target, ev);
				scan_add_pid(j, pid, exe, "runtime", "runtime.socket_shell",
				             SEV_CRITICAL, e2,
				             "a shell reads or writes a network socket: a reverse "
				             "or bind shell");
				break;
			}
		}
	}
	_cleanup_free_ char *tracer = procfs_status_field(pid, "TracerPid");
	if (tracer && atoi(tracer) > 0) {
		_cleanup_free_ char *e2 = xasprintf("TracerPid %s: %s", tracer, ev);
		scan_add_pid(j, pid, exe, "runtime", "runtime.traced", SEV_HIGH, e2,
		             "process is being traced (ptrace)");
	}
	_cleanup_free_ char *pre = env_preload(pid);
	if (pre) {
		_cleanup_free_ char *e2 = xasprintf("LD_PRELOAD=%s", pre);
		scan_add_pid(j, pid, exe, "runtime", "runtime.ld_preload", SEV_HIGH, e2,
		             "process runs with LD_PRELOAD: an injected library");
	}
	/* named like a known tool: by comm or by the program's file name */
	char *save = NULL, *argv0 = cl ? strtok_r(cl, " ", &save) : NULL;
	const char *names[] = {comm, exe ? base(exe) : NULL, argv0 ? base(argv0) : NULL};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *n = names[i];
		if (!n)
			continue;
		if (in_list(miners, n)) {
			scan_add_pid(j, pid, exe, "runtime", "runtime.miner_process", SEV_CRITICAL,
			             n, "process named like a coin miner");
			break;
		}
		if (in_list(tunnels, n)) {
			scan_add_pid(j, pid, exe, "runtime", "runtime.tunnel_process", SEV_HIGH, n,
			             "process named like a proxy or tunnel tool");
			break;
		}
		if (in_list(scanners, n)) {
			scan_add_pid(j, pid, exe, "runtime", "runtime.scanner_process", SEV_MEDIUM,
			             n, "process named like a network scanner or brute-forcer");
			break;
		}
	}
}

static void on_target(struct scan_job *j)
{
	const struct scan_target *t = scan_job_target(j);
	if (t->kind != SCAN_CONTAINER || t->pid <= 0 || !t->id)
		return;
	_cleanup_close_ int upper_fd = t->upper ? rootfs_open_root(t->upper) : -1;
	/* the container's cgroup lists its processes: no walk over every process of the host (which
	 * costs a /proc read per host process and per container when many are scanned) */
	int *pids = NULL;
	size_t np = 0;
	if (procfs_cgroup_pids(t->pid, &pids, &np) == 0) {
		size_t checked = 0;
		for (size_t i = 0; i < np && checked < MAX_PIDS; i++) {
			_cleanup_free_ char *cg = procfs_cgroup(pids[i]);
			char id[65];
			/* exact: the same container id, as the walk below requires */
			if (!cg || !procfs_cgroup_container_id(cg, id) || !streq(id, t->id))
				continue;
			checked++;
			check_pid(j, pids[i], upper_fd);
		}
		free(pids);
		if (checked >= MAX_PIDS)
			scan_note(j, "more than %d processes: the rest not examined", MAX_PIDS);
		if (checked)
			return;
	}
	DIR *d = opendir("/proc");
	if (!d) {
		scan_note(j, "/proc: %s: processes not examined", strerror(errno));
		return;
	}
	struct dirent *de;
	size_t seen = 0;
	while ((de = readdir(d)) && seen < MAX_PIDS) {
		int pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		_cleanup_free_ char *cg = procfs_cgroup(pid);
		char id[65];
		if (!cg || !procfs_cgroup_container_id(cg, id) || !streq(id, t->id))
			continue;
		seen++;
		check_pid(j, pid, upper_fd);
	}
	closedir(d);
	if (seen >= MAX_PIDS)
		scan_note(j, "more than %d processes: the rest not examined", MAX_PIDS);
	if (!seen)
		scan_note(j, "no process of the container found in /proc");
}

const struct scan_check scan_check_runtime = {
    .name = "runtime",
    .id = CHK_RUNTIME,
    .on_target = on_target,
};
