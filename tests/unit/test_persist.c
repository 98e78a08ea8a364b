/* test_persist.c: the persistence checks by ATT&CK technique: every sample of
 * tests/samples/persist (a root built with the bad file gives its rule and technique, the
 * negative twin stays clean), the command classifier, kernel modules and file capabilities,
 * --baseline, the technique table, YARA external variables and per-file compile errors, and
 * packaged example keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "scan/persist.h"
#include "scan/scan.h"
#include "sources/docker.h"

/* ---- helpers ---- */

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cirt-test-persist.XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return xstrdup(d);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rmtree(char *d)
{
	nftw(d, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
}

/* Write data (n bytes) at root+rel with mode, making the parents. */
static void put(const char *root, const char *rel, const void *data, size_t n, mode_t mode)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	/* chmod after write: set-id bits survive */
	assert_int_equal(chmod(path, mode), 0);
}

static void puts_(const char *root, const char *rel, const char *text)
{
	put(root, rel, text, strlen(text), 0644);
}

static struct scan_engine *engine(unsigned checks, const char *rules)
{
	struct scan_opts o = {.checks = checks, .threads = 2, .rules_dir = rules};
	struct scan_engine *e = NULL;
	struct cirt_err err = {0};
	if (scan_engine_new(&o, &e, &err) < 0)
		fail_msg("engine: %s", err.msg);
	return e;
}

static struct scan_result scan_dir(struct scan_engine *e, const char *dir, const char *baseline)
{
	struct scan_target *t = NULL;
	struct cirt_err err = {0};
	assert_int_equal(scan_target_rootfs(dir, &t, &err), 0);
	if (baseline && scan_target_set_baseline(NULL, t, baseline, &err) < 0)
		fail_msg("baseline: %s", err.msg);
	struct scan_result r = {0};
	assert_int_equal(scan_target_run(e, t, &r, &err), 0);
	scan_target_free(t);
	return r;
}

static const struct scan_finding *find(const struct scan_result *r, const char *rule,
                                       const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if ((!rule || streq(r->f[i].rule, rule)) &&
		    (!path || (r->f[i].path && streq(r->f[i].path, path))))
			return &r->f[i];
	return NULL;
}

static char *dump(const struct scan_result *r)
{
	struct buf b = {0};
	for (size_t i = 0; i < r->n; i++)
		buf_printf(&b, "  %s %s %s:%u\n", scan_sev_name(r->f[i].sev), r->f[i].rule,
		           r->f[i].path ? r->f[i].path : "-", r->f[i].line);
	buf_cstr(&b);
	return b.data ? b.data : xstrdup("  (none)\n");
}

static char *slurp(const char *path, size_t *len)
{
	char *s = NULL;
	if (read_file_max(AT_FDCWD, path, 1 << 20, &s, len) < 0)
		fail_msg("cannot read %s", path);
	return s;
}

/* ---- every sample and its negative twin ---- */

static void test_samples(void **state)
{
	(void)state;
	size_t mlen = 0;
	char *manifest = slurp(SAMPLES "/MANIFEST", &mlen);
	struct scan_engine *e = engine(CHK_BACKDOOR | CHK_HISTORY, NULL);
	unsigned cases = 0, failures = 0;
	for (char *save = NULL, *l = strtok_r(manifest, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (l[0] == '#')
			continue;
		char *f[7];
		size_t k = 0;
		for (char *s2 = NULL, *t = strtok_r(l, "\t", &s2); t && k < 7;
		     t = strtok_r(NULL, "\t", &s2))
			f[k++] = t;
		assert_int_equal(k, 7);
		const char *id = f[0], *tech = f[1], *rule = f[2], *bad = f[3];
		const char *good = streq(f[4], "-") ? bad : f[4];
		mode_t bm = (mode_t)strtol(f[5], NULL, 8), gm = (mode_t)strtol(f[6], NULL, 8);
		cases++;
		for (int twin = 0; twin < 2; twin++) {
			char sample[1024];
			snprintf(sample, sizeof(sample), "%s/%s.%s", SAMPLES, id,
			         twin ? "good" : "bad");
			size_t n = 0;
			_cleanup_free_ char *text = slurp(sample, &n);
			char *root = tmpdir();
			const char *path = twin ? good : bad;
			put(root, path, text, n, twin ? gm : bm);
			struct scan_result r = scan_dir(e, root, NULL);
			if (!twin) {
				const struct scan_finding *x = find(&r, rule, path);
				if (!x || !x->technique || !streq(x->technique, tech)) {
					_cleanup_free_ char *d = dump(&r);
					print_error("%s: want %s (%s) on %s, got:\n%s", id, rule,
					            tech, path, d);
					failures++;
				} else if (!scan_technique_name(tech)) {
					print_error("%s: technique %s has no name\n", id, tech);
					failures++;
				}
			} else if (find(&r, NULL, path)) {
				_cleanup_free_ char *d = dump(&r);
				print_error("%s: the negative twin %s is not clean:\n%s", id, path,
				            d);
				failures++;
			}
			scan_result_clear(&r);
			rmtree(root);
		}
	}
	scan_engine_free(e);
	free(manifest);
	assert_true(cases >= 60);
	assert_int_equal(failures, 0);
}

/* ---- the command classifier ---- */

static void test_classifier(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		enum cmd_ctx ctx;
		const char *slug; /* NULL: no class */
	} cases[] = {
	    {"/tmp/x", CTX_JOB, "tmp_exec"},
	    {"sudo -u www-data /dev/shm/.k/run", CTX_JOB, "tmp_exec"},
	    {"/bin/sh /var/tmp/job.sh", CTX_JOB, "tmp_exec"},
	    {"echo hi >> /tmp/log", CTX_JOB, "tmp_path"},
	    {"/bin/touch /tmp/marker", CTX_JOB, "tmp_path"},
	    {"/bin/sh -c 'id > /tmp/out 2>&1'", CTX_JOB, "tmp_path"},
	    {"/usr/lib/.cache/k", CTX_JOB, "hidden_exec"},
	    {"bash -c \"{echo,aWQK}|{base64,-d}|{bash,-i}\"", CTX_JOB, "base64_exec"},
	    /* clean-ups, tests and temporary file makers are not a use of /tmp */
	    {"find /tmp -type f -atime +10 -delete", CTX_JOB, NULL},
	    {"rm -rf /tmp/cache/*", CTX_JOB, NULL},
	    {"[ -d \"/tmp/.X11-unix\" ] && chmod 1777 /tmp/.X11-unix", CTX_JOB, NULL},
	    {"tmp=$(mktemp /tmp/x.XXXXXX)", CTX_JOB, NULL},
	    {"/usr/bin/backup --to /srv/backup", CTX_JOB, NULL},
	    /* start-up files */
	    {"unset HISTFILE", CTX_STARTUP, "history_off"},
	    {"export HISTSIZE=0", CTX_STARTUP, "history_off"},
	    {"HISTSIZE=1000", CTX_STARTUP, NULL},
	    {"HISTCONTROL=ignoreboth", CTX_STARTUP, NULL},
	    {"HISTIGNORE='*'", CTX_STARTUP, "history_off"},
	    {"history -c", CTX_STARTUP, "history_wipe"},
	    {"trap 'echo $BASH_COMMAND >> /root/.k' DEBUG", CTX_STARTUP, "keylogger"},
	    {"trap '' INT", CTX_STARTUP, NULL},
	    {"trap 'rm -f \"$tmp\"' EXIT", CTX_STARTUP, "trap"},
	    {"alias sudo='sudo '", CTX_STARTUP, NULL},
	    {"alias ssh='ssh -A'", CTX_STARTUP, NULL},
	    {"sudo() { echo -n \"password: \"; read -s p; echo $p >> /tmp/.p; }", CTX_STARTUP,
	     "cmd_hijack"},
	    {"PATH=$PATH:/usr/local/go/bin", CTX_STARTUP, NULL},
	    {"export PATH=/tmp/.bin:$PATH", CTX_STARTUP, "path_hijack"},
	    {"export PYTHONSTARTUP=~/.pystartup", CTX_STARTUP, "python_startup"},
	    {"export NODE_OPTIONS='--require /opt/x.js'", CTX_STARTUP, "interp_hook"},
	    {"/opt/tools/motd.sh", CTX_STARTUP, "program"},
	    {"  /opt/tools/motd.sh", CTX_STARTUP, NULL}, /* indented: inside a block */
	    {"nohup ~/.local/bin/agent &", CTX_STARTUP, "background"},
	    {"[ -x /usr/bin/lesspipe ] && eval \"$(SHELL=/bin/sh lesspipe)\"", CTX_STARTUP, NULL},
	    {". /etc/bash_completion", CTX_STARTUP, NULL},
	    {"# set +o history", CTX_STARTUP, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cmd_hit h;
		bool m = persist_cmd(cases[i].line, strlen(cases[i].line), cases[i].ctx, &h);
		if (!cases[i].slug) {
			if (m)
				fail_msg("'%s' matched %s", cases[i].line, h.slug);
			continue;
		}
		if (!m)
			fail_msg("'%s' did not match (want %s)", cases[i].line, cases[i].slug);
		if (!streq(h.slug, cases[i].slug))
			fail_msg("'%s': %s, want %s", cases[i].line, h.slug, cases[i].slug);
	}
}

/* commands typed into a shell that set persistence up */
static void test_typed(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		const char *slug;
	} cases[] = {
	    {"crontab /tmp/persistevil", "cron_install"},
	    {"crontab -l", NULL},
	    {"crontab -e", NULL},
	    {"useradd -o -u 0 -g 0 toor", "account_root"},
	    {"useradd -m bob", NULL},
	    {"usermod -aG wheel eve", "account_root"},
	    {"usermod -aG audio eve", NULL},
	    {"chmod u+s /tmp/hello", "setid"},
	    {"chmod g+xs /tmp/x", "setid"},
	    {"chmod 2755 /srv/x", "setid"},
	    {"chmod 755 /srv/x", NULL},
	    {"setcap cap_setuid=ep /tmp/cap", "setid"},
	    {"setcap cap_net_bind_service=+ep /usr/bin/node", NULL},
	    {"insmod rootkit.ko", "kmod_load"},
	    {"echo /usr/lib/x.so > /etc/ld.so.preload", "preload_write"},
	    {"echo 'alias ls=ls' >> ~/.bashrc", "startup_write"},
	    {"cp .bashrc .bashrc.bak", NULL},
	    {"cp /etc/sudoers /tmp/sudoers.bak", NULL},
	    {"sudo sh -c \"echo Defaults '!'tty_tickets >> /etc/sudoers\"", "sudoers_write"},
	    {"echo 'bob ALL=(ALL) NOPASSWD: ALL' | sudo tee /etc/sudoers.d/bob", "sudoers_write"},
	    {"cat key.pub >> ~/.ssh/authorized_keys", "key_write"},
	    {"echo id | at now + 1 minute", "at_job"},
	    {"at -l", NULL},
	    {"systemd-run --on-calendar '*:0/1' /bin/true", "timer"},
	    {"systemd-run --scope top", NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cmd_hit h;
		bool m = persist_typed(cases[i].line, strlen(cases[i].line), &h);
		if (!cases[i].slug) {
			if (m)
				fail_msg("'%s' matched %s", cases[i].line, h.slug);
			continue;
		}
		if (!m)
			fail_msg("'%s' did not match (want %s)", cases[i].line, cases[i].slug);
		if (!streq(h.slug, cases[i].slug))
			fail_msg("'%s': %s, want %s", cases[i].line, h.slug, cases[i].slug);
	}
}

/* ---- metadata: kernel modules, capabilities ---- */

/* A minimal x86-64 ELF relocatable object with a .modinfo string: what a .ko starts like. */
static size_t fake_module(unsigned char *buf, size_t n)
{
	memset(buf, 0, n);
	memcpy(buf, "\177ELF\002\001\001", 7);
	buf[16] = 1; /* ET_REL, little-endian */
	buf[18] = 62;
	const char modinfo[] = "license=GPL\0vermagic=6.1.0-13-amd64 SMP preempt mod_unload\0";
	memcpy(buf + 64, modinfo, sizeof(modinfo));
	return 64 + sizeof(modinfo);
}

static void test_kernel_module(void **state)
{
	(void)state;
	unsigned char ko[256];
	size_t n = fake_module(ko, sizeof(ko));
	struct scan_engine *e = engine(CHK_BACKDOOR, NULL);
	char *root = tmpdir();
	put(root, "/tmp/.m/rk.ko", ko, n, 0644);
	put(root, "/lib/modules/6.1.0-13-amd64/kernel/drivers/net/dummy.ko", ko, n, 0644);
	/* an executable with the same strings is not a module */
	ko[16] = 2;
	put(root, "/opt/tool", ko, n, 0755);
	struct scan_result r = scan_dir(e, root, NULL);
	const struct scan_finding *x = find(&r, "backdoor.kmod.outside", "/tmp/.m/rk.ko");
	assert_non_null(x);
	assert_string_equal(x->technique, "T1547.006");
	assert_null(find(&r, NULL, "/lib/modules/6.1.0-13-amd64/kernel/drivers/net/dummy.ko"));
	assert_null(find(&r, NULL, "/opt/tool"));
	scan_result_clear(&r);
	rmtree(root);
	scan_engine_free(e);
}

static void test_capabilities(void **state)
{
	(void)state;
	struct scan_engine *e = engine(CHK_BACKDOOR, NULL);
	char *root = tmpdir();
	put(root, "/tmp/cap", "#!/bin/true\n", 12, 0755);
	put(root, "/usr/bin/ping", "#!/bin/true\n", 12, 0755);
	/* struct vfs_cap_data, revision 2: cap_setuid (7) effective+permitted; cap_net_raw (13) */
	unsigned char setuid_cap[20] = {0x01, 0x00, 0x00, 0x02, 0x80};
	unsigned char net_raw[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20};
	char p1[1100], p2[1100];
	snprintf(p1, sizeof(p1), "%s/tmp/cap", root);
	snprintf(p2, sizeof(p2), "%s/usr/bin/ping", root);
	assert_int_equal(setxattr(p1, "security.capability", setuid_cap, sizeof(setuid_cap), 0), 0);
	assert_int_equal(setxattr(p2, "security.capability", net_raw, sizeof(net_raw), 0), 0);
	struct scan_result r = scan_dir(e, root, NULL);
	const struct scan_finding *x = find(&r, "backdoor.setuid.capability", "/tmp/cap");
	assert_non_null(x);
	assert_string_equal(x->evidence, "cap_setuid+ep");
	assert_string_equal(x->technique, "T1548.001");
	assert_null(find(&r, NULL, "/usr/bin/ping"));
	scan_result_clear(&r);
	rmtree(root);
	scan_engine_free(e);
}

/* ---- --baseline ---- */

static void test_baseline(void **state)
{
	(void)state;
	struct scan_engine *e = engine(CHK_BACKDOOR, NULL);
	char *base = tmpdir(), *now = tmpdir();
	const char *job = "0 3 * * * root /usr/bin/backup\n";
	puts_(base, "/etc/cron.d/backup", job);
	puts_(now, "/etc/cron.d/backup", job);
	/* added, changed (same size), and a mode change */
	puts_(now, "/etc/cron.d/sync", "*/5 * * * * root /usr/bin/rsync -a /srv /mnt\n");
	puts_(base, "/etc/cron.d/rotate", "0 4 * * * root /usr/sbin/logrotate /etc/a.conf\n");
	puts_(now, "/etc/cron.d/rotate", "0 4 * * * root /usr/sbin/logrotate /etc/b.conf\n");
	put(base, "/usr/local/bin/tool", "#!/bin/true\n", 12, 0755);
	put(now, "/usr/local/bin/tool", "#!/bin/true\n", 12, 04755);
	struct scan_result r = scan_dir(e, now, base);
	const struct scan_finding *x = find(&r, "backdoor.cron.added", "/etc/cron.d/sync");
	assert_non_null(x);
	assert_int_equal(x->origin, ORIGIN_ADDED);
	assert_non_null(find(&r, "backdoor.cron.added", "/etc/cron.d/rotate"));
	assert_null(find(&r, NULL, "/etc/cron.d/backup"));
	x = find(&r, "backdoor.setuid.added", "/usr/local/bin/tool");
	assert_non_null(x);
	char *d = dump(&r);
	assert_int_equal(r.n, 3);
	free(d);
	scan_result_clear(&r);
	/* without a baseline the same tree has no origin: nothing is "added" */
	r = scan_dir(e, now, NULL);
	assert_null(find(&r, "backdoor.cron.added", NULL));
	scan_result_clear(&r);
	rmtree(base);
	rmtree(now);
	scan_engine_free(e);
}

/* cloud-init's sudoers for the image's default user: expected there, not when it changed */
static void test_cloud_sudoers(void **state)
{
	(void)state;
	struct scan_engine *e = engine(CHK_BACKDOOR, NULL);
	char *base = tmpdir(), *now = tmpdir();
	const char *p = "/etc/sudoers.d/90-cloud-init-users";
	puts_(base, p, "# Created by cloud-init\ndebian ALL=(ALL) NOPASSWD:ALL\n");
	puts_(now, p, "# Created by cloud-init\ndebian ALL=(ALL) NOPASSWD:ALL\n");
	struct scan_result r = scan_dir(e, now, NULL);
	const struct scan_finding *x = find(&r, "backdoor.sudo.nopasswd_all", p);
	assert_non_null(x);
	assert_int_equal(x->sev, SEV_LOW);
	scan_result_clear(&r);
	puts_(now, p, "# Created by cloud-init\nmallory ALL=(ALL) NOPASSWD:ALL\n");
	r = scan_dir(e, now, base);
	x = find(&r, "backdoor.sudo.nopasswd_all", p);
	assert_non_null(x);
	assert_int_equal(x->sev, SEV_HIGH);
	scan_result_clear(&r);
	rmtree(base);
	rmtree(now);
	scan_engine_free(e);
}

/* ---- the technique table ---- */

static void test_techniques(void **state)
{
	(void)state;
	assert_string_equal(scan_rule_technique("backdoor.cron.reverse_shell"), "T1053.003");
	assert_string_equal(scan_rule_technique("backdoor.profile.history_off"), "T1562.003");
	assert_string_equal(scan_rule_technique("backdoor.rc.history_off"), "T1562.003");
	assert_string_equal(scan_rule_technique("backdoor.systemd.timer_transient"), "T1053.006");
	assert_string_equal(scan_rule_technique("backdoor.systemd.exec_tmp"), "T1543.002");
	assert_string_equal(scan_rule_technique("webshell.php_eval_request"), "T1505.003");
	assert_string_equal(scan_rule_technique("history.image.download_exec"), "T1105");
	assert_null(scan_rule_technique("user.my_rule"));
	assert_string_equal(scan_technique_name("T1546.018"),
	                    "Event Triggered Execution: Python Startup Hooks");
	assert_true(scan_technique_valid("T1053"));
	assert_true(scan_technique_valid("T1053.003"));
	assert_false(scan_technique_valid("T105"));
	assert_false(scan_technique_valid("T1053.03"));
	assert_false(scan_technique_valid("persistence"));
	/* SARIF carries it on the rule and the result */
	struct scan_finding f = {.check = "backdoor",
	                         .rule = "backdoor.cron.tmp_exec",
	                         .sev = SEV_HIGH,
	                         .path = "/etc/crontab",
	                         .line = 1,
	                         .reason = "r",
	                         .technique = "T1053.003"};
	struct scan_result res = {.f = &f, .n = 1};
	struct scan_target t = {.kind = SCAN_ROOTFS, .name = "x"};
	struct scan_target *tp = &t;
	json_t *doc = scan_sarif(&tp, &res, 1);
	json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
	json_t *rule = json_array_get(
	    json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules"), 0);
	assert_string_equal(jstr(json_object_get(rule, "properties"), "technique"), "T1053.003");
	json_t *result = json_array_get(json_object_get(run, "results"), 0);
	assert_string_equal(jstr(json_object_get(result, "properties"), "technique"), "T1053.003");
	json_decref(doc);
	json_t *fj = scan_finding_json(&f);
	assert_string_equal(jstr(fj, "technique_name"), "Scheduled Task/Job: Cron");
	json_decref(fj);
}

/* ---- YARA external variables, and rule files that do not compile ---- */

static void test_yara_externals(void **state)
{
	(void)state;
	char *rules = tmpdir();
	puts_(
	    rules, "/vars.yar",
	    "rule by_name { meta: technique = \"T1505.003\" condition: filename == \"cmd.jsp\" }\n"
	    "rule by_path { condition: filepath matches /^\\/srv\\/app\\// and extension == "
	    "\".jsp\" }\n"
	    "rule by_type { strings: $a = \"marker\" condition: filetype == \"SCRIPT\" and $a }\n"
	    "rule by_owner { condition: owner == \"svc\" and filename == \"owned\" }\n");
	puts_(rules, "/zz-broken.yar", "rule broken {\n  condition: $missing\n}\n");
	puts_(rules, "/zz-unknown.yar", "rule uses_md5 { condition: md5 == \"x\" }\n");
	struct scan_engine *e = engine(CHK_MALWARE, rules);
	size_t n = 0;
	const char *const *errs = scan_engine_rule_errors(e, &n);
	assert_int_equal(n, 2);
	assert_non_null(strstr(errs[0], "zz-broken.yar:3: undefined string"));
	assert_non_null(strstr(errs[1], "zz-unknown.yar:1: "));
	char *root = tmpdir();
	puts_(root, "/srv/app/cmd.jsp", "<% out.println(1); %>\n");
	puts_(root, "/opt/run", "#!/bin/sh\n# marker\n");
	puts_(root, "/etc/passwd", "root:x:0:0::/root:/bin/sh\nsvc:x:4242:4242::/srv:/bin/sh\n");
	put(root, "/srv/owned", "x", 1, 0644);
	char owned[1100];
	snprintf(owned, sizeof(owned), "%s/srv/owned", root);
	assert_int_equal(chown(owned, 4242, 4242), 0);
	struct scan_result r = scan_dir(e, root, NULL);
	const struct scan_finding *x = find(&r, "user.by_name", "/srv/app/cmd.jsp");
	assert_non_null(x);
	assert_string_equal(x->technique, "T1505.003"); /* from the rule's meta */
	assert_non_null(find(&r, "user.by_path", "/srv/app/cmd.jsp"));
	assert_non_null(find(&r, "user.by_type", "/opt/run"));
	assert_non_null(find(&r, "user.by_owner", "/srv/owned"));
	/* the notes say which files were left out */
	bool noted = false;
	for (size_t i = 0; i < r.n_notes; i++)
		noted |= strstr(r.notes[i], "zz-broken.yar:3:") != NULL;
	assert_true(noted);
	scan_result_clear(&r);
	scan_engine_free(e);
	/* a directory where nothing compiles is still a usage error */
	char *bad = tmpdir();
	puts_(bad, "/only.yar", "rule broken {\n  condition: $missing\n}\n");
	struct scan_opts o = {.checks = CHK_MALWARE, .threads = 1, .rules_dir = bad};
	struct cirt_err err = {0};
	assert_int_equal(scan_engine_new(&o, &e, &err), -1);
	assert_int_equal(err.code, CIRT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "only.yar' line 3: undefined string"));
	rmtree(bad);
	rmtree(root);
	rmtree(rules);
}

/* ---- a private key in a packaged example ---- */

static const char key[] = "-----BEGIN PRIVATE KEY-----\n"
                          "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
                          "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
                          "-----END PRIVATE KEY-----\n";

static void test_example_key(void **state)
{
	(void)state;
	struct scan_engine *e = engine(CHK_SECRETS, NULL);
	char *root = tmpdir();
	const struct scan_finding *x = NULL;
	puts_(root, "/usr/share/doc/libfoo/examples/server.key", key);
	puts_(root, "/root/server.key", key);
	puts_(root, "/etc/ssh/ssh_host_rsa_key", key);
	struct scan_result r = scan_dir(e, root, NULL);
	/* a host's own SSH key: low in a directory tree (an image would have it baked in) */
	x = find(&r, "secrets.private_key", "/etc/ssh/ssh_host_rsa_key");
	assert_non_null(x);
	assert_int_equal(x->sev, SEV_LOW);
	x = find(&r, "secrets.private_key", "/usr/share/doc/libfoo/examples/server.key");
	assert_non_null(x);
	assert_true(x->sev < SEV_MEDIUM);
	assert_non_null(strstr(x->reason, "example"));
	x = find(&r, "secrets.private_key", "/root/server.key");
	assert_non_null(x);
	assert_int_equal(x->sev, SEV_HIGH);
	scan_result_clear(&r);
	rmtree(root);
	/* with a dpkg database: the key a package ships unchanged is that package's, not ours;
	 * the same path changed is a secret again */
	root = tmpdir();
	const char *p = "/usr/share/foo/certs/server.pem";
	puts_(root, p, key);
	puts_(root, "/var/lib/dpkg/info/foo.list", "/.\n/usr\n/usr/share/foo/certs/server.pem\n");
	unsigned char md5[16];
	unsigned dl = 0;
	EVP_Digest(key, strlen(key), md5, &dl, EVP_md5(), NULL);
	char line[128];
	int o = 0;
	for (int i = 0; i < 16; i++)
		o += snprintf(line + o, sizeof(line) - (size_t)o, "%02x", md5[i]);
	snprintf(line + o, sizeof(line) - (size_t)o, "  usr/share/foo/certs/server.pem\n");
	puts_(root, "/var/lib/dpkg/info/foo.md5sums", line);
	r = scan_dir(e, root, NULL);
	x = find(&r, "secrets.private_key", p);
	assert_non_null(x);
	assert_true(x->sev < SEV_MEDIUM);
	assert_non_null(strstr(x->reason, "package foo"));
	scan_result_clear(&r);
	char changed[sizeof(key)];
	memcpy(changed, key, sizeof(key));
	changed[40] = changed[40] == 'A' ? 'B' : 'A';
	puts_(root, p, changed);
	r = scan_dir(e, root, NULL);
	x = find(&r, "secrets.private_key", p);
	assert_non_null(x);
	assert_int_equal(x->sev, SEV_HIGH);
	scan_result_clear(&r);
	rmtree(root);
	scan_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_samples),        cmocka_unit_test(test_classifier),
	    cmocka_unit_test(test_typed),          cmocka_unit_test(test_kernel_module),
	    cmocka_unit_test(test_capabilities),   cmocka_unit_test(test_baseline),
	    cmocka_unit_test(test_cloud_sudoers),  cmocka_unit_test(test_techniques),
	    cmocka_unit_test(test_yara_externals), cmocka_unit_test(test_example_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
