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

char *procfs_cgroup(int pid)
{
	_cleanup_free_ char *s = proc_read(pid, "cgroup", 64 * 1024);
	if (!s)
		return NULL;
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
		if (streq(line, "0") && !*ctrls)
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

char *procfs_status_field(int pid, const char *key)
{
	_cleanup_free_ char *s = proc_read(pid, "status", 64 * 1024);
	if (!s)
		return NULL;
	size_t kl = strlen(key);
	for (char *save = NULL, *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			const char *v = line + kl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return xstrdup(v);
		}
	}
	return NULL;
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

int procfs_socket_inodes(int pid, unsigned long **inodes, int **fds, size_t *n)
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
