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
	for (char *save = NULL, *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
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
			int rank = (c1 - l == 1 && l[0] == '0' && !c1[1]) ? 3 : strstr(c1 + 1, "memory") ? 2 : 1;
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
	if (s)
		s[strcspn(s, "\n")] = '\0';
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
	} files[] = {{"net/tcp", "tcp", 4}, {"net/tcp6", "tcp", 6}, {"net/udp", "udp", 4}, {"net/udp6", "udp", 6}};
	struct procfs_sock *v = NULL;
	size_t n = 0;
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		_cleanup_free_ char *s = proc_read(pid, files[f].file, 64u << 20);
		if (!s)
			continue;
		char *save = NULL;
		strtok_r(s, "\n", &save); /* header */
		for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char local[64], remote[64];
			unsigned st;
			unsigned long inode;
			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			if (sscanf(line, " %*s %63s %63s %x %*s %*s %*s %*s %*s %lu", local, remote, &st, &inode) != 4)
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
