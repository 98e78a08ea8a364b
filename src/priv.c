/* priv.c: capability dropping through capget/capset and prctl (no libcap). */
#include "priv.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static const char *const cap_names[] = {
    "cap_chown",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_linux_immutable",
    "cap_net_bind_service",
    "cap_net_broadcast",
    "cap_net_admin",
    "cap_net_raw",
    "cap_ipc_lock",
    "cap_ipc_owner",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_chroot",
    "cap_sys_ptrace",
    "cap_sys_pacct",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_nice",
    "cap_sys_resource",
    "cap_sys_time",
    "cap_sys_tty_config",
    "cap_mknod",
    "cap_lease",
    "cap_audit_write",
    "cap_audit_control",
    "cap_setfcap",
    "cap_mac_override",
    "cap_mac_admin",
    "cap_syslog",
    "cap_wake_alarm",
    "cap_block_suspend",
    "cap_audit_read",
    "cap_perfmon",
    "cap_bpf",
    "cap_checkpoint_restore",
};

const char *priv_cap_name(int cap)
{
	return cap >= 0 && (size_t)cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

static int last_cap(void)
{
	char *s = NULL;
	int n = 40;
	if (read_file_max(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &s, NULL) == 0) {
		int v = atoi(s);
		if (v > 0 && v < 64)
			n = v;
	}
	free(s);
	return n;
}

static size_t thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 100000)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int drop(const int *keep, size_t n_keep, bool whole, char **ret_desc, struct cirt_err *err)
{
	uint64_t want = 0;
	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] >= 0 && keep[i] < 64)
			want |= 1ull << keep[i];
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};
	if (syscall(SYS_capget, &hdr, data) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "capget: %s", strerror(errno));
	uint64_t prm = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "no_new_privs: %s", strerror(errno));
	if (!prm) {
		if (ret_desc)
			*ret_desc =
			    xstrdup("no capabilities held: nothing to drop (no_new_privs set)");
		goto out;
	}
	size_t nt = whole ? thread_count() : 1;
	if (nt != 1)
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "cannot drop capabilities: %zu threads run (capabilities are per "
		               "thread)",
		               nt);
	/* the bounding set first: dropping from it needs CAP_SETPCAP, which goes next */
	int lc = last_cap();
	for (int c = 0; c <= lc; c++)
		if (!(want & (1ull << c)) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return err_set(err, CIRT_EXIT_RUNTIME, "drop %s from the bounding set: %s",
			               priv_cap_name(c) ? priv_cap_name(c) : "?", strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_set(err, CIRT_EXIT_RUNTIME, "clear ambient capabilities: %s",
		               strerror(errno));
	uint64_t keep_set = prm & want;
	for (int i = 0; i < 2; i++) {
		data[i].effective = data[i].permitted = (uint32_t)(keep_set >> (32 * i));
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "capset: %s", strerror(errno));
	if (ret_desc) {
		struct buf b = {0};
		for (int c = 0; c < 64; c++)
			if (keep_set & (1ull << c))
				buf_printf(&b, "%s%s", b.len ? "," : "",
				           priv_cap_name(c) ? priv_cap_name(c) : "?");
		*ret_desc = xasprintf("capabilities dropped to %s (bounding set too; no_new_privs)",
		                      b.len ? buf_cstr(&b) : "none");
		buf_free(&b);
	}
out:
	return 0;
}

int priv_drop(const int *keep, size_t n_keep, char **ret_desc, struct cirt_err *err)
{
	if (drop(keep, n_keep, true, ret_desc, err) < 0)
		return -1;
	const char *s = getenv("CIRT_TEST_STOP_AFTER");
	if (s && streq(s, "privdrop"))
		raise(SIGSTOP);
	return 0;
}

int priv_drop_thread(const int *keep, size_t n_keep, struct cirt_err *err)
{
	if (drop(keep, n_keep, false, NULL, err) < 0)
		return -1;
	/* once per process: a test reads every thread's status at the first drop */
	static atomic_flag stopped = ATOMIC_FLAG_INIT;
	const char *s = getenv("CIRT_TEST_STOP_AFTER");
	if (s && streq(s, "privdrop-thread") && !atomic_flag_test_and_set(&stopped))
		raise(SIGSTOP);
	return 0;
}
