/* fuzz_procfs.c: the /proc parsers (cgroup, status, stat) and container id extraction, on text a
 * process can shape (its comm is in stat and status; cgroup paths come from the runtime). */
#include <stdint.h>

#include "sources/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	char *cg = procfs_cgroup_parse(s);
	char id[65];
	if (procfs_cgroup_container_id(cg, id) && strlen(id) != 64)
		__builtin_trap();
	procfs_cgroup_engine(cg);
	free(cg);
	char *path = NULL;
	if (procfs_cgroup_find_container(s, id, &path) &&
	    (!path || strlen(id) != 64 || !strstr(path, id)))
		__builtin_trap();
	free(path);
	free(procfs_status_parse(s, "PPid"));
	free(procfs_status_parse(s, "Name"));
	struct procfs_stat st;
	if (procfs_stat_parse(s, &st) && (st.pid <= 0 || strlen(st.comm) >= sizeof(st.comm)))
		__builtin_trap();
	free(s);
	return 0;
}
