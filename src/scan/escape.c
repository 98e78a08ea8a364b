/* escape.c: how a container could reach its host, from inspect and /proc: privileged mode,
 * dangerous capabilities, runtime sockets and sensitive host paths mounted, host namespaces,
 * no seccomp or AppArmor, devices, writable cgroup or sysfs; and for the host itself, a daemon
 * on TCP without TLS or a world-writable socket. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <strings.h>

#include "json.h"
#include "scan/check.h"
#include "sources/procfs.h"

/* Capability numbers (linux/capability.h) of what docker grants by default. */
static const char *const cap_names[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

static const char *const docker_default_caps[] = {
    "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
    "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
    NULL};

struct dangerous {
	const char *cap;
	enum scan_sev sev;
	const char *why;
};

static const struct dangerous dangerous_caps[] = {
    {"SYS_ADMIN", SEV_CRITICAL, "mount, cgroup release_agent and many other ways out"},
    {"SYS_MODULE", SEV_CRITICAL, "loads kernel modules into the host kernel"},
    {"SYS_RAWIO", SEV_HIGH, "raw I/O on host devices and memory"},
    {"DAC_READ_SEARCH", SEV_HIGH, "open_by_handle_at reads any host file (shocker)"},
    {"BPF", SEV_HIGH, "loads eBPF programs into the host kernel"},
    {"SYS_PTRACE", SEV_MEDIUM,
     "traces processes it can see (with the host pid namespace: host processes)"},
    {"NET_ADMIN", SEV_MEDIUM, "reconfigures networking, firewall rules and interfaces"},
    {"MAC_ADMIN", SEV_HIGH, "changes the mandatory access control policy"},
    {"PERFMON", SEV_MEDIUM, "perf events on the host kernel"},
    {"SYS_BOOT", SEV_MEDIUM, "reboots the host (kexec)"},
    {"SYSLOG", SEV_LOW, "reads the kernel log and addresses"},
    {"SYS_TIME", SEV_LOW, "sets the host clock"},
};

static const char *const runtime_sockets[] = {
    "docker.sock",     "containerd.sock",  "crio.sock",      "podman.sock",
    "dockershim.sock", "cri-dockerd.sock", "buildkitd.sock", NULL};

static const char *const sensitive_paths[] = {"/",
                                              "/etc",
                                              "/root",
                                              "/var/lib/kubelet",
                                              "/proc",
                                              "/sys",
                                              "/dev",
                                              "/var/lib/docker",
                                              "/var/run",
                                              "/run",
                                              "/boot",
                                              "/lib/modules",
                                              "/home",
                                              "/usr",
                                              "/etc/kubernetes",
                                              "/var/lib/containerd",
                                              "/var/log",
                                              "/sys/fs/cgroup",
                                              NULL};

static void cap_norm(const char *in, char *out, size_t n)
{
	if (strncasecmp(in, "CAP_", 4) == 0)
		in += 4;
	size_t i = 0;
	for (; in[i] && i + 1 < n; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	out[i] = '\0';
}

static bool in_strv(const char *const *v, const char *s)
{
	for (; *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

static void report_caps(struct scan_job *j, json_t *hc, int pid, bool host_pid)
{
	const char *from[ARRAY_SIZE(dangerous_caps)] = {0};
	size_t i;
	json_t *c;
	json_array_foreach(jarr(hc, "CapAdd"), i, c)
	{
		if (!json_is_string(c))
			continue;
		char name[64];
		cap_norm(json_string_value(c), name, sizeof(name));
		if (streq(name, "ALL")) {
			scan_add(j, NULL, "escape", "escape.cap_all", SEV_CRITICAL, 0,
			         "CapAdd: ALL", "every capability added: as good as privileged");
			return;
		}
		for (size_t k = 0; k < ARRAY_SIZE(dangerous_caps); k++)
			if (streq(name, dangerous_caps[k].cap))
				from[k] = "CapAdd";
	}
	/* what the init process really holds (covers capabilities granted another way) */
	if (pid > 0) {
		_cleanup_free_ char *eff = procfs_status_field(pid, "CapEff");
		unsigned long long bits = eff ? strtoull(eff, NULL, 16) : 0;
		for (size_t b = 0; b < ARRAY_SIZE(cap_names); b++) {
			if (!(bits & (1ull << b)) || in_strv(docker_default_caps, cap_names[b]))
				continue;
			for (size_t k = 0; k < ARRAY_SIZE(dangerous_caps); k++)
				if (streq(cap_names[b], dangerous_caps[k].cap) && !from[k])
					from[k] = "CapEff";
		}
	}
	for (size_t k = 0; k < ARRAY_SIZE(dangerous_caps); k++) {
		if (!from[k])
			continue;
		const struct dangerous *d = &dangerous_caps[k];
		enum scan_sev sev = d->sev;
		if (streq(d->cap, "SYS_PTRACE") && host_pid)
			sev = SEV_HIGH;
		char rule[64], ev[96];
		snprintf(rule, sizeof(rule), "escape.cap_%s", d->cap);
		for (char *p = rule; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(ev, sizeof(ev), "%s: %s", from[k], d->cap);
		scan_add(j, NULL, "escape", rule, sev, 0, ev, "capability %s: %s", d->cap, d->why);
	}
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void report_mounts(struct scan_job *j, json_t *ins)
{
	size_t i;
	json_t *m;
	json_array_foreach(jarr(ins, "Mounts"), i, m)
	{
		const char *src = jstr(m, "Source"), *dst = jstr(m, "Destination"),
		           *type = jstr(m, "Type");
		bool rw = jbool(m, "RW");
		if (!src || !dst)
			continue;
		_cleanup_free_ char *ev = xasprintf("%s:%s%s", src, dst, rw ? "" : ":ro");
		if (in_strv(runtime_sockets, basename_of(src)) ||
		    in_strv(runtime_sockets, basename_of(dst))) {
			scan_add(j, NULL, "escape", "escape.runtime_socket", SEV_CRITICAL, 0, ev,
			         "container runtime socket mounted: full control of the host's "
			         "containers");
			continue;
		}
		if (type && !streq(type, "bind"))
			continue;
		bool sensitive = in_strv(sensitive_paths, src) || startswith(src, "/proc/") ||
		                 startswith(src, "/sys/") || startswith(src, "/dev/") ||
		                 startswith(src, "/etc/") || startswith(src, "/root/") ||
		                 startswith(src, "/boot/") || startswith(src, "/var/lib/docker/");
		if (!sensitive)
			continue;
		enum scan_sev sev = streq(src, "/") || (rw && !startswith(src, "/proc/") &&
		                                        !startswith(src, "/dev/"))
		                        ? SEV_CRITICAL
		                        : SEV_HIGH;
		if (!streq(src, "/") && !in_strv(sensitive_paths, src) && !rw)
			sev = SEV_MEDIUM; /* one read-only host file, e.g. /etc/localtime */
		if (streq(src, "/etc/localtime") || streq(src, "/etc/timezone"))
			continue;
		scan_add(j, NULL, "escape", "escape.host_mount", sev, 0, ev,
		         "sensitive host path mounted%s", rw ? " read-write" : " read-only");
	}
}

static void report_namespaces(struct scan_job *j, json_t *hc)
{
	static const struct {
		const char *key, *rule;
		enum scan_sev sev;
		const char *why;
	} ns[] = {
	    {"PidMode", "escape.host_pid", SEV_HIGH,
	     "shares the host pid namespace: sees and signals host processes"},
	    {"NetworkMode", "escape.host_network", SEV_MEDIUM, "shares the host network stack"},
	    {"IpcMode", "escape.host_ipc", SEV_MEDIUM, "shares the host IPC namespace"},
	    {"UTSMode", "escape.host_uts", SEV_LOW, "shares the host UTS namespace (hostname)"},
	    {"UsernsMode", "escape.host_userns", SEV_LOW, "opted out of user namespace remapping"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		const char *v = jstr(hc, ns[i].key);
		if (!v || !streq(v, "host"))
			continue;
		/* user namespace remapping off is the default: only say so when the daemon remaps
		 */
		if (streq(ns[i].key, "UsernsMode"))
			continue;
		char ev[64];
		snprintf(ev, sizeof(ev), "%s: host", ns[i].key);
		scan_add(j, NULL, "escape", ns[i].rule, ns[i].sev, 0, ev, "%s", ns[i].why);
	}
}

static bool host_apparmor(void)
{
	char *s = NULL;
	bool on =
	    read_file_max(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", 16, &s, NULL) == 0 &&
	    s && s[0] == 'Y';
	free(s);
	return on;
}

static void report_security(struct scan_job *j, json_t *ins, json_t *hc, int pid, bool privileged)
{
	bool no_seccomp = false, no_apparmor = false;
	const char *seccomp_ev = NULL;
	size_t i;
	json_t *o;
	json_array_foreach(jarr(hc, "SecurityOpt"), i, o)
	{
		const char *s = json_string_value(o);
		if (!s)
			continue;
		if (streq(s, "seccomp=unconfined") || streq(s, "seccomp:unconfined")) {
			no_seccomp = true;
			seccomp_ev = "SecurityOpt: seccomp=unconfined";
		}
		if (streq(s, "apparmor=unconfined") || streq(s, "apparmor:unconfined"))
			no_apparmor = true;
	}
	if (pid > 0 && !no_seccomp) {
		_cleanup_free_ char *sc = procfs_status_field(pid, "Seccomp");
		if (sc && streq(sc, "0")) {
			no_seccomp = true;
			seccomp_ev = "Seccomp: 0 in /proc/<pid>/status";
		}
	}
	if (no_seccomp && !privileged)
		scan_add(j, NULL, "escape", "escape.no_seccomp", SEV_HIGH, 0, seccomp_ev,
		         "no seccomp filter: every system call reaches the host kernel");
	const char *aa = jstr(ins, "AppArmorProfile");
	bool unprofiled = false;
	if (aa && streq(aa, "unconfined"))
		no_apparmor = true;
	else if (!no_apparmor && aa && !*aa && host_apparmor())
		unprofiled = true;
	if (no_apparmor && !privileged)
		scan_add(j, NULL, "escape", "escape.no_apparmor", SEV_MEDIUM, 0,
		         "apparmor=unconfined",
		         "AppArmor confinement switched off for this container");
	else if (unprofiled && !privileged)
		scan_add(j, NULL, "escape", "escape.no_apparmor", SEV_MEDIUM, 0,
		         "AppArmorProfile: none",
		         "no AppArmor profile on a host that enforces AppArmor");
	json_array_foreach(jarr(hc, "Devices"), i, o)
	{
		const char *dev = jstr(o, "PathOnHost");
		if (dev)
			scan_add(j, NULL, "escape", "escape.host_device", SEV_HIGH, 0, dev,
			         "host device passed into the container");
	}
}

/* Cgroup or sysfs mounted read-write inside the container (release_agent, uevent_helper). */
static void report_proc_mounts(struct scan_job *j, int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	_cleanup_free_ char *s = NULL;
	if (read_file_max(AT_FDCWD, path, 1 << 20, &s, NULL) < 0)
		return;
	bool cg = false, sys = false;
	for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		/* id parent maj:min root mountpoint options ... - fstype source superopts */
		char *f[6];
		char *p = l;
		size_t k = 0;
		for (; k < 6 && p; k++) {
			f[k] = p;
			p = strchr(p, ' ');
			if (p)
				*p++ = '\0';
		}
		char *dash = p ? strstr(p, "- ") : NULL;
		if (k < 6 || !dash)
			continue;
		char *fstype = dash + 2;
		char *sp = strchr(fstype, ' ');
		if (sp)
			*sp = '\0';
		bool rw = startswith(f[5], "rw");
		if (rw && (streq(fstype, "cgroup") || streq(fstype, "cgroup2")) && !cg) {
			cg = true;
			scan_add(j, NULL, "escape", "escape.cgroup_writable", SEV_HIGH, 0, f[4],
			         "cgroup filesystem writable inside the container (release_agent "
			         "escape)");
		}
		if (rw && streq(fstype, "sysfs") && !sys) {
			sys = true;
			scan_add(j, NULL, "escape", "escape.sysfs_writable", SEV_HIGH, 0, f[4],
			         "sysfs writable inside the container");
		}
	}
}

static void container(struct scan_job *j, const struct scan_target *t)
{
	json_t *ins = t->inspect, *hc = jobj(t->inspect, "HostConfig");
	bool privileged = jbool(hc, "Privileged");
	if (privileged)
		scan_add(j, NULL, "escape", "escape.privileged", SEV_CRITICAL, 0,
		         "HostConfig.Privileged: true",
		         "privileged container: every capability, every device, no confinement");
	const char *pm = jstr(hc, "PidMode");
	bool host_pid = pm && streq(pm, "host");
	if (!privileged)
		report_caps(j, hc, t->pid, host_pid);
	report_mounts(j, ins);
	report_namespaces(j, hc);
	report_security(j, ins, hc, t->pid, privileged);
	if (t->pid > 0)
		report_proc_mounts(j, t->pid);
}

/* The daemon listening on TCP without TLS, and a socket anyone may write to. */
static void host(struct scan_job *j)
{
	struct stat st;
	if (stat("/var/run/docker.sock", &st) == 0 && (st.st_mode & S_IWOTH)) {
		char ev[64];
		snprintf(ev, sizeof(ev), "/var/run/docker.sock mode %04o",
		         (unsigned)(st.st_mode & 07777));
		scan_add(j, NULL, "escape", "escape.socket_world_writable", SEV_CRITICAL, 0, ev,
		         "any local user controls the docker daemon");
	}
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		int pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		_cleanup_free_ char *comm = procfs_comm(pid);
		if (!comm || !streq(comm, "dockerd"))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		char *cl = NULL;
		size_t len = 0;
		if (read_file_max(AT_FDCWD, path, 64 * 1024, &cl, &len) < 0)
			continue;
		bool tls = false;
		const char *tcp = NULL;
		for (size_t off = 0; off < len; off += strlen(cl + off) + 1) {
			const char *a = cl + off;
			if (streq(a, "--tlsverify") || startswith(a, "--tlsverify="))
				tls = !strstr(a, "=false");
			const char *u = strstr(a, "tcp://");
			if (u && !tcp)
				tcp = u;
		}
		if (tcp && !tls) {
			_cleanup_free_ char *ev = xasprintf("dockerd -H %s", tcp);
			scan_add_pid(
			    j, pid, NULL, "escape", "escape.daemon_tcp", SEV_CRITICAL, ev,
			    "docker daemon listens on TCP without TLS client verification");
		}
		free(cl);
	}
	closedir(d);
	/* the same, configured in daemon.json */
	_cleanup_free_ char *cfg = NULL;
	if (read_file_max(AT_FDCWD, "/etc/docker/daemon.json", 1 << 20, &cfg, NULL) == 0) {
		json_t *jc = json_loads(cfg, 0, NULL);
		bool tls = jbool(jc, "tlsverify");
		size_t i;
		json_t *h;
		json_array_foreach(jarr(jc, "hosts"), i, h)
		{
			const char *s = json_string_value(h);
			if (s && startswith(s, "tcp://") && !tls) {
				_cleanup_free_ char *ev =
				    xasprintf("/etc/docker/daemon.json hosts: %s", s);
				scan_add(j, NULL, "escape", "escape.daemon_tcp", SEV_CRITICAL, 0,
				         ev,
				         "docker daemon configured on TCP without TLS client "
				         "verification");
			}
		}
		json_decref(jc);
	}
}

static void on_target(struct scan_job *j)
{
	const struct scan_target *t = scan_job_target(j);
	if (t->kind == SCAN_HOST)
		host(j);
	else if (t->kind == SCAN_CONTAINER)
		container(j, t);
}

const struct scan_check scan_check_escape = {
    .name = "escape",
    .id = CHK_ESCAPE,
    .on_target = on_target,
};
