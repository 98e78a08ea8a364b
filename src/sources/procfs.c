/* procfs.c: small, bounded readers of /proc/<pid>/... files. */
#include "sources/procfs.h"

#include <ctype.h>
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
