/* procfs.c: small, bounded readers of /proc/<pid>/... files. */
#include "sources/procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

unsigned long procfs_ns_inode(int pid, const char *ns)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns);
	if (stat(path, &st) < 0)
		return 0;
	return (unsigned long)st.st_ino;
}

int procfs_open_ns(int pid, const char *ns)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static char *proc_read(int pid, const char *what, size_t max)
{
	char path[64];
	char *s = NULL;
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	if (read_file_max(AT_FDCWD, path, max, &s, NULL) < 0)
		return NULL;
	return s;
}

char *procfs_cgroup_parse(const char *text)
{
	if (!text)
		return NULL;
	_cleanup_free_ char *s = xstrdup(text);
	char *best = NULL;
	int best_rank = 0;
	for (char *save = NULL, *line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* hierarchy-ID:controllers:path */
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1;
		int rank = 1;
		if (c1 - line == 1 && line[0] == '0' && !*ctrls)
			rank = 4;
		else if (strstr(ctrls, "memory"))
			rank = 3;
		else if (strstr(ctrls, "pids"))
			rank = 2;
		if (rank > best_rank) {
			free(best);
			best = xstrdup(c2 + 1);
			best_rank = rank;
		}
	}
	return best;
}

bool procfs_cgroup_find_container(const char *text, char id[65], char **ret_path)
{
	/* every hierarchy is looked at, the unified one first: a process moved out of the
	 * container's cgroup in one hierarchy still gives itself away in another */
	if (!text)
		return false;
	bool found = false;
	int best_rank = 0;
	for (const char *line = text; *line;) {
		const char *eol = strchr(line, '\n');
		size_t ll = eol ? (size_t)(eol - line) : strlen(line);
		_cleanup_free_ char *l = xstrndup(line, ll);
		char *c1 = strchr(l, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		char cand[65];
		if (c2 && procfs_cgroup_container_id(c2 + 1, cand)) {
			*c2 = '\0';
			int rank = (c1 - l == 1 && l[0] == '0' && !c1[1]) ? 3
			           : strstr(c1 + 1, "memory")             ? 2
			                                                  : 1;
			if (rank > best_rank) {
				best_rank = rank;
				memcpy(id, cand, 65);
				if (ret_path) {
					free(*ret_path);
					*ret_path = xstrdup(c2 + 1);
				}
				found = true;
			}
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	return found;
}

char *procfs_cgroup(int pid)
{
	_cleanup_free_ char *s = proc_read(pid, "cgroup", 64 * 1024);
	return procfs_cgroup_parse(s);
}

bool procfs_cgroup_container_id(const char *path, char out[65])
{
	if (!path)
		return false;
	/* scan for the last run of exactly 64 hex characters */
	const char *found = NULL;
	for (const char *p = path; *p; p++) {
		if (!isxdigit((unsigned char)*p))
			continue;
		const char *q = p;
		while (isxdigit((unsigned char)*q))
			q++;
		if (q - p == 64)
			found = p;
		p = q - 1;
	}
	if (!found)
		return false;
	memcpy(out, found, 64);
	out[64] = '\0';
	return true;
}

char *procfs_comm(int pid)
{
	char *s = proc_read(pid, "comm", 256);
	/* the kernel ends it with one newline; a process may put more in its name */
	size_t n = s ? strlen(s) : 0;
	if (n && s[n - 1] == '\n')
		s[n - 1] = '\0';
	return s;
}

char *procfs_status_parse(const char *text, const char *key)
{
	if (!text || !key)
		return NULL;
	size_t kl = strlen(key);
	for (const char *line = text; *line;) {
		const char *eol = strchr(line, '\n');
		size_t ll = eol ? (size_t)(eol - line) : strlen(line);
		if (ll > kl && strncmp(line, key, kl) == 0 && line[kl] == ':') {
			const char *v = line + kl + 1;
			const char *end = line + ll;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			return xstrndup(v, (size_t)(end - v));
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	return NULL;
}

char *procfs_status_field(int pid, const char *key)
{
	_cleanup_free_ char *s = proc_read(pid, "status", 64 * 1024);
	return procfs_status_parse(s, key);
}

bool procfs_stat_parse(const char *text, struct procfs_stat *ret)
{
	/* "pid (comm) state ppid ...": comm may hold spaces and ')', so the last ')' ends it */
	if (!text)
		return false;
	const char *open = strchr(text, '(');
	const char *close = strrchr(text, ')');
	if (!open || !close || close < open)
		return false;
	struct procfs_stat st = {0};
	char *end;
	errno = 0;
	long pid = strtol(text, &end, 10);
	if (errno || end == text || pid <= 0 || pid > INT32_MAX)
		return false;
	st.pid = (int)pid;
	size_t cl = (size_t)(close - open - 1);
	if (cl >= sizeof(st.comm))
		cl = sizeof(st.comm) - 1;
	memcpy(st.comm, open + 1, cl);
	st.comm[cl] = '\0';
	/* fields after comm: 3 state, 4 ppid, ... 22 starttime */
	const char *p = close + 1;
	int field = 2;
	while (*p && field < 22) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		field++;
		const char *tok = p;
		while (*p && *p != ' ')
			p++;
		if (field == 3)
			st.state = *tok;
		else if (field == 4) {
			long v = strtol(tok, NULL, 10);
			st.ppid = v > 0 && v <= INT32_MAX ? (int)v : 0;
		} else if (field == 22)
			st.starttime = strtoull(tok, NULL, 10);
	}
	if (field < 22)
		return false;
	*ret = st;
	return true;
}

bool procfs_stat(int pid, struct procfs_stat *ret)
{
	_cleanup_free_ char *s = proc_read(pid, "stat", 4096);
	return procfs_stat_parse(s, ret);
}

const char *procfs_cgroup_engine(const char *path)
{
	if (!path)
		return "unknown";
	if (strstr(path, "kubepods"))
		return "kubernetes";
	if (strstr(path, "docker"))
		return "docker";
	if (strstr(path, "crio"))
		return "cri-o";
	if (strstr(path, "containerd"))
		return "containerd";
	if (strstr(path, "libpod"))
		return "podman";
	return "unknown";
}

/* Every numeric entry of /proc, bounded: pid_max cannot exceed 4 Mi. */
size_t procfs_all_pids(int **ret)
{
	DIR *d = opendir("/proc");
	int *v = NULL;
	size_t n = 0, cap = 0;
	if (!d) {
		*ret = NULL;
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)) && n < (4u << 20)) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT32_MAX)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = (int)pid;
	}
	closedir(d);
	*ret = v;
	return n;
}

size_t procfs_pids_by_comm(const char *comm, int **ret)
{
	int *all;
	size_t n = procfs_all_pids(&all), k = 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *c = procfs_comm(all[i]);
		if (c && streq(c, comm))
			all[k++] = all[i];
	}
	if (!k) {
		free(all);
		all = NULL;
	}
	*ret = all;
	return k;
}

size_t procfs_pids_in_ns(const char *ns, unsigned long inode, int **ret)
{
	int *all;
	size_t n = procfs_all_pids(&all), k = 0;
	for (size_t i = 0; inode && i < n; i++)
		if (procfs_ns_inode(all[i], ns) == inode)
			all[k++] = all[i];
	if (!k) {
		free(all);
		all = NULL;
	}
	*ret = all;
	return k;
}

char **procfs_argv(int pid)
{
	char path[64];
	char *s = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (read_file_max(AT_FDCWD, path, 64 * 1024, &s, &len) < 0 || len == 0) {
		free(s);
		return NULL;
	}
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0')
			n++;
	if (s[len - 1] != '\0')
		n++;
	char **v = xcalloc(n + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < len && k < n; i += strlen(s + i) + 1)
		v[k++] = xstrdup(s + i);
	free(s);
	return v;
}

void procfs_argv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

size_t procfs_socket_inodes(int pid, unsigned long **ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	DIR *d = opendir(path);
	unsigned long *v = NULL;
	size_t n = 0;
	if (d) {
		struct dirent *de;
		/* bounded: a process has at most its fd limit of entries */
		while ((de = readdir(d)) && n < (1u << 20)) {
			char lnk[352], tgt[64];
			if (de->d_name[0] == '.')
				continue;
			snprintf(lnk, sizeof(lnk), "%s/%s", path, de->d_name);
			ssize_t l = readlink(lnk, tgt, sizeof(tgt) - 1);
			if (l <= 0)
				continue;
			tgt[l] = '\0';
			unsigned long ino;
			if (sscanf(tgt, "socket:[%lu]", &ino) == 1) {
				v = xrealloc(v, (n + 1) * sizeof(*v));
				v[n++] = ino;
			}
		}
		closedir(d);
	}
	*ret = v;
	return n;
}

size_t procfs_inet_sockets(int pid, struct procfs_sock **ret)
{
	static const struct {
		const char *file;
		const char *proto;
		int family;
	} files[] = {{"net/tcp", "tcp", 4},
	             {"net/tcp6", "tcp", 6},
	             {"net/udp", "udp", 4},
	             {"net/udp6", "udp", 6}};
	struct procfs_sock *v = NULL;
	size_t n = 0;
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		_cleanup_free_ char *s = proc_read(pid, files[f].file, 64u << 20);
		if (!s)
			continue;
		char *save = NULL;
		strtok_r(s, "\n", &save); /* header */
		for (char *line = strtok_r(NULL, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char local[64], remote[64];
			unsigned st;
			unsigned long inode;
			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			if (sscanf(line, " %*s %63s %63s %x %*s %*s %*s %*s %*s %lu", local, remote,
			           &st, &inode) != 4)
				continue;
			const char *lp = strchr(local, ':'), *rp = strchr(remote, ':');
			if (!lp || !rp)
				continue;
			v = xrealloc(v, (n + 1) * sizeof(*v));
			struct procfs_sock *k = &v[n++];
			memset(k, 0, sizeof(*k));
			snprintf(k->proto, sizeof(k->proto), "%s", files[f].proto);
			k->family = files[f].family;
			k->local_port = (int)strtol(lp + 1, NULL, 16);
			k->remote_port = (int)strtol(rp + 1, NULL, 16);
			k->state = (int)st;
			k->inode = inode;
		}
	}
	*ret = v;
	return n;
}

static int cmp_cproc(const void *a, const void *b)
{
	const struct procfs_cproc *x = a, *y = b;
	int r = strcmp(x->id, y->id);
	return r ? r : (x->pid > y->pid) - (x->pid < y->pid);
}

int procfs_container_procs(struct procfs_cproc **ret, size_t *ret_n)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	struct procfs_cproc *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT32_MAX)
			continue;
		_cleanup_free_ char *cg = procfs_cgroup((int)pid);
		char id[65];
		if (!procfs_cgroup_container_id(cg, id))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].pid = (int)pid;
		memcpy(v[n].id, id, sizeof(id));
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_cproc);
	*ret = v;
	*ret_n = n;
	return 0;
}

int procfs_socket_fds(int pid, unsigned long **inodes, int **fds, size_t *n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	DIR *d = fdopendir(dfd);
	if (!d) {
		int e = -errno;
		close(dfd);
		return e;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char link[64];
		ssize_t l = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		if (l < 8)
			continue;
		link[l] = '\0';
		if (strncmp(link, "socket:[", 8) != 0)
			continue;
		char *end;
		unsigned long ino = strtoul(link + 8, &end, 10);
		if (*end != ']')
			continue;
		*inodes = xrealloc(*inodes, (*n + 1) * sizeof(**inodes));
		*fds = xrealloc(*fds, (*n + 1) * sizeof(**fds));
		(*inodes)[*n] = ino;
		(*fds)[*n] = atoi(de->d_name);
		(*n)++;
	}
	closedir(d);
	return 0;
}

char *procfs_exe(int pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	ssize_t l = readlink(path, buf, sizeof(buf) - 1);
	if (l <= 0)
		return NULL;
	buf[l] = '\0';
	return xstrdup(buf);
}

char *procfs_cmdline(int pid, size_t max)
{
	char path[64];
	char *s = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (read_file_max(AT_FDCWD, path, max, &s, &len) < 0)
		return NULL;
	while (len && s[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0')
			s[i] = ' ';
	s[len] = '\0';
	if (!len) {
		free(s);
		return NULL;
	}
	return s;
}

int procfs_nspid(int pid)
{
	_cleanup_free_ char *v = procfs_status_field(pid, "NSpid");
	if (!v)
		return 0;
	const char *last = v;
	for (const char *p = v; *p; p++)
		if ((*p == ' ' || *p == '\t') && p[1] && p[1] != ' ' && p[1] != '\t')
			last = p + 1;
	return atoi(last);
}

long procfs_euid(int pid)
{
	_cleanup_free_ char *v = procfs_status_field(pid, "Uid");
	long real, eff;
	if (!v || sscanf(v, "%ld %ld", &real, &eff) != 2)
		return -1;
	return eff;
}

static long field_after(const char *text, const char *line_prefix, const char *key)
{
	size_t lp = strlen(line_prefix);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, line_prefix, lp) != 0)
			continue;
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char line[256];
		snprintf(line, sizeof(line), "%.*s",
		         (int)(len < sizeof(line) - 1 ? len : sizeof(line) - 1), l);
		char pat[64];
		snprintf(pat, sizeof(pat), " %s ", key);
		const char *k = strstr(line, pat);
		return k ? atol(k + strlen(pat)) : -1;
	}
	return -1;
}

int procfs_sockstat(int pid, struct procfs_sockstat *ret)
{
	_cleanup_free_ char *v4 = proc_read(pid, "net/sockstat", 4096);
	_cleanup_free_ char *v6 = proc_read(pid, "net/sockstat6", 4096);
	if (!v4 || !v6)
		return -ENOENT;
	long t4 = field_after(v4, "TCP: ", "inuse"), tw = field_after(v4, "TCP: ", "tw");
	long u4 = field_after(v4, "UDP: ", "inuse");
	long t6 = field_after(v6, "TCP6: ", "inuse"), u6 = field_after(v6, "UDP6: ", "inuse");
	if (t4 < 0 || tw < 0 || u4 < 0 || t6 < 0 || u6 < 0)
		return -EINVAL;
	ret->tcp = t4 + t6;
	ret->tw = tw;
	ret->udp = u4 + u6;
	return 0;
}

static void read_procs_tree(int dirfd, int depth, int **v, size_t *n)
{
	char *s = NULL;
	if (read_file_max(dirfd, "cgroup.procs", 1 << 20, &s, NULL) == 0) {
		for (char *p = s; *p;) {
			char *end;
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			if (pid > 0 && pid <= INT32_MAX && *n < 65536) {
				*v = xrealloc(*v, (*n + 1) * sizeof(**v));
				(*v)[(*n)++] = (int)pid;
			}
			p = end;
			while (*p == '\n')
				p++;
		}
		free(s);
	}
	if (depth >= 8)
		return;
	int dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		int sub =
		    openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		read_procs_tree(sub, depth + 1, v, n);
		close(sub);
	}
	closedir(d);
}

/* Does a v1 mount's super options hold every controller of "cpu,cpuacct"? */
static bool has_controllers(const char *superopts, const char *ctrls)
{
	_cleanup_free_ char *c = xstrdup(ctrls);
	for (char *save = NULL, *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t l = strlen(t);
		bool found = false;
		for (const char *o = superopts; o && *o;) {
			const char *comma = strchr(o, ',');
			size_t ol = comma ? (size_t)(comma - o) : strlen(o);
			if (ol == l && strncmp(o, t, l) == 0)
				found = true;
			o = comma ? comma + 1 : NULL;
		}
		if (!found)
			return false;
	}
	return true;
}

int procfs_cgroup_pids(int pid, int **ret, size_t *ret_n)
{
	_cleanup_free_ char *cg = proc_read(pid, "cgroup", 64 * 1024);
	_cleanup_free_ char *mi = NULL;
	if (!cg || read_file_max(AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &mi, NULL) < 0)
		return -ENOENT;
	for (char *s1 = NULL, *line = strtok_r(cg, "\n", &s1); line;
	     line = strtok_r(NULL, "\n", &s1)) {
		/* hierarchy-ID:controllers:path */
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		const char *ctrls = c1 + 1, *path = c2 + 1;
		bool v2 = streq(line, "0") && !*ctrls;
		if (!v2 && !*ctrls)
			continue;
		for (const char *l = mi; l && *l;) {
			const char *nl = strchr(l, '\n');
			_cleanup_free_ char *ml = nl ? xstrndup(l, (size_t)(nl - l)) : xstrdup(l);
			l = nl ? nl + 1 : NULL;
			char *sep = strstr(ml, " - ");
			if (!sep)
				continue;
			*sep = '\0';
			char fstype[32] = "", src[64] = "", opts[512] = "";
			if (sscanf(sep + 3, "%31s %63s %511s", fstype, src, opts) < 3)
				continue;
			if (v2 ? !streq(fstype, "cgroup2")
			       : (!streq(fstype, "cgroup") || !has_controllers(opts, ctrls)))
				continue;
			char root[512], mnt[512];
			if (sscanf(ml, "%*s %*s %*s %511s %511s", root, mnt) != 2)
				continue;
			/* a mount of a sub-tree (inside a cgroup namespace) only holds paths below
			 * its root */
			const char *rel = path;
			if (!streq(root, "/")) {
				size_t rl = strlen(root);
				if (strncmp(path, root, rl) != 0 || (path[rl] && path[rl] != '/'))
					continue;
				rel = path + rl;
			}
			_cleanup_free_ char *dir = xasprintf("%s%s", mnt, rel);
			int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0)
				continue;
			int *v = NULL;
			size_t n = 0;
			read_procs_tree(dfd, 0, &v, &n);
			close(dfd);
			if (n) {
				*ret = v;
				*ret_n = n;
				return 0;
			}
			free(v);
		}
	}
	return -ENOENT;
}
