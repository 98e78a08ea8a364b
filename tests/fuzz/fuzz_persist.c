/* fuzz_persist.c: the persistence checks read files an intruder wrote: the input becomes, at once,
 * a crontab, a unit, a start-up file, sudoers, a PAM stack, /etc/passwd and /etc/group, a udev
 * rule, an apt hook and a .pth file of one root, scanned by the backdoor and history checks;
 * and each of its lines goes through the command classifier in both contexts. */
#include <sys/stat.h>

#include "scan/persist.h"
#include "scan/scan.h"
#include "fuzz.h"

static const char *const places[] = {
    "/var/spool/cron/crontabs/root",
    "/etc/systemd/system/x.service",
    "/root/.bashrc",
    "/etc/sudoers",
    "/etc/pam.d/sshd",
    "/etc/passwd",
    "/etc/group",
    "/etc/udev/rules.d/70-x.rules",
    "/etc/apt/apt.conf.d/99x",
    "/usr/lib/python3/dist-packages/x.pth",
    "/etc/rc.local",
    "/etc/ssh/sshd_config",
    "/var/spool/cron/atjobs/a0001",
    "/etc/modprobe.d/x.conf",
    "/root/.bash_history",
};

static char root[512];
static struct scan_engine *eng;

static void mkparents(const char *path)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* each line, in both contexts */
	const char *d = (const char *)data;
	for (size_t i = 0; i < size;) {
		const char *nl = memchr(d + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (d + i)) : size - i;
		struct cmd_hit h;
		if (persist_cmd(d + i, n, CTX_JOB, &h))
			CHECK(h.slug && h.reason && h.sev <= SEV_CRITICAL);
		if (persist_cmd(d + i, n, CTX_STARTUP, &h))
			CHECK(h.slug && h.reason && h.sev <= SEV_CRITICAL);
		i += n + 1;
	}
	if (!eng) {
		snprintf(root, sizeof(root), "%s/cirt-fuzz-persist.%d", fuzz_scratch(),
		         (int)getpid());
		mkdir(root, 0755);
		for (size_t k = 0; k < sizeof(places) / sizeof(*places); k++) {
			char p[1024];
			snprintf(p, sizeof(p), "%s%s", root, places[k]);
			mkparents(p);
		}
		struct scan_opts o = {.checks = CHK_BACKDOOR | CHK_HISTORY, .threads = 1};
		struct cirt_err err = {0};
		CHECK(scan_engine_new(&o, &eng, &err) == 0);
	}
	for (size_t k = 0; k < sizeof(places) / sizeof(*places); k++) {
		char p[1024];
		snprintf(p, sizeof(p), "%s%s", root, places[k]);
		FILE *f = fopen(p, "we");
		CHECK(f != NULL);
		if (size)
			CHECK(fwrite(data, 1, size, f) == size);
		fclose(f);
	}
	struct scan_target *t = NULL;
	struct cirt_err err = {0};
	CHECK(scan_target_rootfs(root, &t, &err) == 0);
	struct scan_result r = {0};
	CHECK(scan_target_run(eng, t, &r, &err) == 0);
	for (size_t i = 0; i < r.n; i++)
		CHECK(r.f[i].rule && r.f[i].reason && r.f[i].sev <= SEV_CRITICAL);
	scan_result_clear(&r);
	scan_target_free(t);
	return 0;
}
