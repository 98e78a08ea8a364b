/* test_merge.c: `cirt merge`: the command told from the answer's shape, each command's merged
 * rows with the host on them, hosts without an answer (unreachable, failed, missing, hostile or
 * broken JSON), answers of two cirt versions, results directories on disk (confined reads, a FIFO,
 * SHA256SUMS checked, collect's bundle against its hash), the fleet HTML report, 100 hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "analyses/merge.h"
#include "evidence/bundle.h"
#include "json.h"
#include "output/html.h"
#include "output/merge.h"

static char *fixture(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/merge/%s", FIXTURES, name);
	char *s = NULL;
	assert_int_equal(read_file_max(AT_FDCWD, path, 1 << 24, &s, len), 0);
	return s;
}

static void add_fixture(struct merge_set *s, const char *host, const char *name, const char *status)
{
	size_t len;
	char *t = fixture(name, &len);
	merge_add(s, host, t, len, status, status ? strlen(status) : 0);
	free(t);
}

static json_t *row_of(json_t *doc, const char *key, size_t i)
{
	return json_array_get(jarr(doc, key), i);
}

/* how many rows of doc[key] have host and container */
static size_t rows_with(json_t *doc, const char *key, const char *host, const char *container)
{
	size_t n = 0, i;
	json_t *r;
	json_array_foreach(jarr(doc, key), i, r) if (jstr(r, "host") &&
	                                             streq(jstr(r, "host"), host) &&
	                                             jstr(r, "container") &&
	                                             streq(jstr(r, "container"), container)) n++;
	return n;
}

static json_t *host_of(json_t *doc, const char *name)
{
	size_t i;
	json_t *h;
	json_array_foreach(jarr(doc, "hosts"), i, h) if (streq(jstr(h, "host"), name)) return h;
	return NULL;
}

/* What the table prints, as a string. */
static char *table_text(json_t *doc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	merge_print_table(f, doc);
	fclose(f);
	return out;
}

static void test_detect(void **state)
{
	(void)state;
	const char *names[] = {"locate-0.1.0.json", "triage-0.1.0.json",  "scan-0.1.0.json",
	                       "ps-0.1.0.json",     "collect-0.1.0.json", "locate-old.json",
	                       "locate-new.json",   "triage-old.json"};
	enum merge_kind want[] = {MERGE_LOCATE,  MERGE_TRIAGE, MERGE_SCAN,   MERGE_PS,
	                          MERGE_COLLECT, MERGE_LOCATE, MERGE_LOCATE, MERGE_TRIAGE};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t len;
		char *t = fixture(names[i], &len);
		json_t *doc = json_loadb(t, len, 0, NULL);
		assert_non_null(doc);
		assert_int_equal(merge_detect(doc), want[i]);
		json_decref(doc);
		free(t);
	}
	/* ps --verify, SARIF, a list, a bare value: none of the merged answers */
	const char *other[] = {
	    "{\"docker_host\":\"x\",\"containers_checked\":3,\"disagreements\":[]}",
	    "{\"$schema\":\"sarif\",\"version\":\"2.1.0\",\"runs\":[]}", "[]", "3", "{}"};
	for (size_t i = 0; i < ARRAY_SIZE(other); i++) {
		json_t *doc = json_loads(other[i], JSON_DECODE_ANY, NULL);
		assert_non_null(doc);
		assert_int_equal(merge_detect(doc), MERGE_UNKNOWN);
		json_decref(doc);
	}
}

static void test_locate(void **state)
{
	(void)state;
	struct merge_set *s = merge_set_new();
	add_fixture(
	    s, "node2", "locate-0.1.0.json",
	    "{\"host\":\"node2\",\"status\":\"found\",\"rc\":1,\"cirt_version\":\"0.1.0\"}");
	add_fixture(s, "node1", "locate-0.1.0.json", NULL);
	const char *unreach = "{\"host\":\"node3\",\"status\":\"unreachable\",\"rc\":null,\"msg\":"
	                      "\"ssh: connect to host 127.0.0.1 port 22179: Connection refused\"}";
	merge_add(s, "node3", NULL, 0, unreach, strlen(unreach));
	merge_add(s, "node10", NULL, 0, NULL, 0);
	struct cirt_err err = {0};
	assert_int_equal(merge_finish(s, &err), 0);
	assert_int_equal(s->kind, MERGE_LOCATE);
	/* natural order of names */
	assert_string_equal(s->v[0].name, "node1");
	assert_string_equal(s->v[3].name, "node10");
	json_t *doc = merge_doc(s);
	assert_string_equal(jstr(doc, "command"), "locate");
	assert_string_equal(jstr(jobj(doc, "query"), "addr"), "10.66.0.2");
	/* every container in contact once per host, with its time range */
	const char *beacons[] = {"lab-beacon", "lab-beacon-default"};
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(rows_with(doc, "contacts", "node1", beacons[k]), 1);
		assert_int_equal(rows_with(doc, "contacts", "node2", beacons[k]), 1);
		assert_int_equal(rows_with(doc, "contacts", "node3", beacons[k]), 0);
	}
	assert_int_equal(json_array_size(jarr(doc, "contacts")), 12);
	json_t *c = row_of(doc, "contacts", 0);
	assert_string_equal(jstr(c, "host"), "node1");
	assert_non_null(jstr(c, "first_seen"));
	assert_true(strcmp(jstr(c, "first_seen"), jstr(c, "last_seen")) <= 0);
	assert_int_equal(jint(c, "flows", 0), 2);
	/* the hosts: found, found, error (why), missing */
	assert_string_equal(jstr(host_of(doc, "node1"), "state"), "found");
	assert_string_equal(jstr(host_of(doc, "node2"), "state"), "found");
	assert_string_equal(jstr(host_of(doc, "node2"), "cirt_version"), "0.1.0");
	json_t *h3 = host_of(doc, "node3");
	assert_string_equal(jstr(h3, "state"), "error");
	assert_non_null(strstr(jstr(h3, "error"), "unreachable: ssh: connect"));
	assert_string_equal(jstr(host_of(doc, "node10"), "state"), "missing");
	json_t *counts = jobj(doc, "counts");
	assert_int_equal(jint(counts, "hosts", 0), 4);
	assert_int_equal(jint(counts, "found", 0), 2);
	assert_int_equal(jint(counts, "errors", 0), 1);
	assert_int_equal(jint(counts, "missing", 0), 1);
	size_t problems = 0;
	assert_int_equal(merge_status(doc, &problems), 1);
	assert_int_equal(problems, 2);
	char *t = table_text(doc);
	assert_non_null(strstr(t, "HOST"));
	assert_non_null(strstr(t, "on 2 of 4 hosts"));
	assert_non_null(strstr(t, "node3"));
	free(t);
	json_decref(doc);
	merge_set_free(s);
}

static void test_versions(void **state)
{
	(void)state;
	struct merge_set *s = merge_set_new();
	add_fixture(s, "old", "locate-old.json",
	            "{\"status\":\"found\",\"rc\":1,\"cirt_version\":\"0.1.0\"}");
	add_fixture(s, "new", "locate-new.json",
	            "{\"status\":\"found\",\"rc\":1,\"cirt_version\":\"0.2.0\"}");
	struct cirt_err err = {0};
	assert_int_equal(merge_finish(s, &err), 0);
	json_t *doc = merge_doc(s);
	/* both answered, the same containers; the old one's times come from seen_at alone */
	assert_int_equal(rows_with(doc, "contacts", "old", "lab-beacon"), 1);
	assert_int_equal(rows_with(doc, "contacts", "new", "lab-beacon"), 1);
	assert_int_equal(json_array_size(jarr(doc, "contacts")), 12);
	json_t *r;
	size_t i;
	json_array_foreach(jarr(doc, "contacts"), i, r)
	{
		assert_non_null(jstr(r, "last_seen"));
		if (streq(jstr(r, "host"), "old"))
			assert_null(jstr(r, "image"));
		else
			assert_string_equal(jstr(r, "image"), "cirt-lab/busybox:1");
	}
	/* the difference is said */
	assert_int_equal(s->n_warnings, 1);
	assert_non_null(strstr(s->warnings[0], "cirt versions differ"));
	assert_int_equal(jint(jobj(doc, "counts"), "errors", -1), 0);
	json_decref(doc);
	merge_set_free(s);

	/* a triage of an older cirt: no level, no why: the level comes from the score */
	s = merge_set_new();
	add_fixture(s, "a", "triage-old.json", NULL);
	add_fixture(s, "b", "triage-0.1.0.json", NULL);
	assert_int_equal(merge_finish(s, &err), 0);
	doc = merge_doc(s);
	json_array_foreach(jarr(doc, "summary"), i, r)
	{
		assert_non_null(jstr(r, "level"));
		assert_true(json_is_array(jarr(r, "why")));
	}
	/* one ranked list: by score, then host */
	long long last = 1LL << 40;
	json_array_foreach(jarr(doc, "summary"), i, r)
	{
		assert_int_equal(jint(r, "fleet_rank", 0), (long long)i + 1);
		assert_true(jint(r, "score", 0) <= last);
		last = jint(r, "score", 0);
	}
	assert_int_equal(json_array_size(jarr(doc, "summary")), 20);
	json_decref(doc);
	merge_set_free(s);
}

static void test_mixed(void **state)
{
	(void)state;
	struct merge_set *s = merge_set_new();
	add_fixture(s, "web1", "locate-0.1.0.json", NULL);
	add_fixture(s, "web2", "triage-0.1.0.json", NULL);
	add_fixture(s, "web3", "locate-0.1.0.json", NULL);
	struct cirt_err err = {0};
	assert_int_equal(merge_finish(s, &err), -1);
	assert_int_equal(err.code, CIRT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "'web1' has locate, 'web2' has triage"));
	merge_set_free(s);
	/* no host at all */
	s = merge_set_new();
	assert_int_equal(merge_finish(s, &err), -1);
	merge_set_free(s);
}

/* Hostile and broken answers: each is that host's error or is taken for what it holds; the
 * others still merge, nothing raw reaches the terminal. */
static void test_hostile(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "not json",
	    "{\"query\":{},\"findings\":[",
	    "null",
	    "[1,2,3]",
	    "{\"query\":{},\"findings\":[],\"query\":{}}",
	    "{\"a\":\"\xff\xfe\"}",
	    "{\"summary\":\"everything\",\"counts\":{}}",
	    "{\"x\":1}",
	};
	struct merge_set *s = merge_set_new();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char name[32];
		snprintf(name, sizeof(name), "bad%zu", i);
		merge_add(s, name, bad[i], strlen(bad[i]), NULL, 0);
	}
	/* deep nesting */
	size_t deep = 100000;
	char *d = xmalloc(2 * deep + 1);
	memset(d, '[', deep);
	memset(d + deep, ']', deep);
	d[2 * deep] = '\0';
	merge_add(s, "deep", d, 2 * deep, NULL, 0);
	free(d);
	/* wrong types everywhere, escape sequences and markup in names, absurd numbers and times */
	const char *odd =
	    "{\"query\":{\"addr\":\"10.66.0.2\"},\"found\":\"yes\",\"findings\":[1,\"x\",null,"
	    "{\"container\":5,\"flow\":[],\"seen_at\":\"garbage\",\"sources\":\"socket\"},"
	    "{\"container\":{\"name\":\"\\u001b[31mred\\u001b]0;title\\u0007<script>alert(1)</"
	    "script>\","
	    "\"id\":7},\"flow\":{\"first_seen\":\"99999-01-01T00:00:00Z\",\"last_seen\":"
	    "\"1969-12-31T23:59:59Z\"},\"seen_at\":\"2026-02-30T10:00:00Z\",\"sources\":[1,{},"
	    "\"socket\"],"
	    "\"process\":{\"comm\":\"\\u009b2J\"}}],\"containers\":{\"a\":1}}";
	merge_add(s, "odd", odd, strlen(odd), NULL, 0);
	const char *badst[] = {"{\"status\":", "[\"ok\"]", "{\"status\":\"ok\",\"rc\":9}",
	                       "{\"status\":7,\"rc\":\"1\",\"msg\":[\"x\"]}"};
	for (size_t i = 0; i < ARRAY_SIZE(badst); i++) {
		char name[32];
		snprintf(name, sizeof(name), "status%zu", i);
		size_t len;
		char *t = fixture("locate-0.1.0.json", &len);
		merge_add(s, name, t, len, badst[i], strlen(badst[i]));
		free(t);
	}
	add_fixture(s, "good", "locate-0.1.0.json", NULL);
	struct cirt_err err = {0};
	assert_int_equal(merge_finish(s, &err), 0);
	assert_int_equal(s->kind, MERGE_LOCATE);
	for (size_t i = 0; i < s->n; i++) {
		const struct merge_host *h = &s->v[i];
		if (startswith(h->name, "bad") || streq(h->name, "deep")) {
			assert_false(h->answered);
			assert_non_null(h->error);
		}
		if (startswith(h->name, "status"))
			assert_non_null(h->error); /* an answer, but the run says it failed */
	}
	json_t *doc = merge_doc(s);
	assert_non_null(doc);
	char *js = json_dumps(doc, JSON_COMPACT);
	assert_non_null(js);
	free(js);
	assert_int_equal(rows_with(doc, "contacts", "good", "lab-beacon"), 1);
	assert_string_equal(jstr(host_of(doc, "status2"), "state"), "partial");
	assert_string_equal(jstr(host_of(doc, "odd"), "state"), "found");
	/* the terminal gets no escape byte, C1 control or raw markup-free guarantee */
	char *t = table_text(doc);
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		assert_true(*p >= 0x20 || *p == '\n');
	assert_null(strstr(t, "\xc2\x9b"));
	free(t);
	json_decref(doc);
	merge_set_free(s);
}

/* ------------------------------------------------------------------ on disk */

static void put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void put_fixture(const char *dir, const char *name, const char *fx)
{
	size_t len;
	char *t = fixture(fx, &len);
	put(dir, name, t);
	free(t);
}

static char *sub(const char *a, const char *b)
{
	char *p = xasprintf("%s/%s", a, b);
	mkdir(p, 0700);
	return p;
}

static void sha_of(const char *path, char hex[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	uint64_t size;
	assert_int_equal(ev_sha256_fd(fd, hex, &size), 0);
	close(fd);
}

static void rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_disk(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/cirt-test-merge-XXXXXX";
	char *top = mkdtemp(tmpl);
	assert_non_null(top);
	/* h1: an answer, its status, a fetched file and its hash */
	char *h1 = sub(top, "h1");
	put_fixture(h1, MERGE_RESULT_FILE, "locate-0.1.0.json");
	put(h1, MERGE_STATUS_FILE, "{\"host\":\"h1\",\"status\":\"found\",\"rc\":1}");
	char *f1 = sub(h1, "files");
	put(f1, "report.txt", "hello\n");
	char *rp = xasprintf("%s/report.txt", f1), hex[65], line[256];
	sha_of(rp, hex);
	snprintf(line, sizeof(line), "%s  files/report.txt\n", hex);
	put(h1, MERGE_SUMS_FILE, line);
	/* h2: its answer is a FIFO (reading it must not hang) */
	char *h2 = sub(top, "h2");
	char *fifo = xasprintf("%s/%s", h2, MERGE_RESULT_FILE);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* h3: sums naming what is outside, a changed file, a symlink out, a broken line */
	char *h3 = sub(top, "h3");
	put_fixture(h3, MERGE_RESULT_FILE, "locate-0.1.0.json");
	char *f3 = sub(h3, "files");
	put(f3, "a.txt", "tampered\n");
	char *ln = xasprintf("%s/passwd", f3);
	assert_int_equal(symlink("/etc/passwd", ln), 0);
	char sums[1024];
	char zero[65];
	memset(zero, '0', 64);
	zero[64] = '\0';
	snprintf(sums, sizeof(sums),
	         "%s  files/a.txt\n%s  ../../etc/passwd\n%s  files/passwd\nnot a line\n%s  "
	         "files/none\n",
	         hex, zero, zero, zero);
	put(h3, MERGE_SUMS_FILE, sums);
	/* h4: nothing; a hidden directory and a stray file are not hosts; a lone HOST.json is */
	free(sub(top, "h4"));
	free(sub(top, ".cache"));
	put(top, "notes.txt", "x");
	put_fixture(top, "loose.json", "locate-0.1.0.json");

	struct merge_set *s = NULL;
	struct cirt_err err = {0};
	char *paths[] = {top};
	assert_int_equal(merge_load(paths, 1, &s, &err), 0);
	assert_int_equal(s->n, 5);
	json_t *doc = merge_doc(s);
	json_t *j1 = host_of(doc, "h1"), *j2 = host_of(doc, "h2"), *j3 = host_of(doc, "h3");
	assert_string_equal(jstr(j1, "state"), "found");
	assert_int_equal(jint(j1, "files_checked", 0), 1);
	assert_int_equal(jint(j1, "files_bad", -1), 0);
	assert_string_equal(jstr(j2, "state"), "error");
	assert_non_null(strstr(jstr(j2, "error"), "not a regular file"));
	assert_int_equal(jint(j3, "files_checked", 0), 4);
	assert_int_equal(jint(j3, "files_bad", 0), 5); /* four entries and the broken line */
	assert_string_equal(jstr(host_of(doc, "h4"), "state"), "missing");
	assert_string_equal(jstr(host_of(doc, "loose"), "state"), "found");
	size_t problems;
	assert_int_equal(merge_status(doc, &problems), 1);
	assert_int_equal(problems, 3); /* h2, h3 (its broken line), h4 */
	json_decref(doc);
	merge_set_free(s);

	/* one host's directory, and one lone file, named directly */
	char *lf = xasprintf("%s/loose.json", top);
	char *two[] = {h1, lf};
	assert_int_equal(merge_load(two, 2, &s, &err), 0);
	assert_int_equal(s->n, 2);
	assert_string_equal(s->v[0].name, "h1");
	assert_string_equal(s->v[1].name, "loose");
	merge_set_free(s);
	/* a path that is not there, a directory without results */
	char *none[] = {(char *)"/nonexistent/cirt-results"};
	assert_int_equal(merge_load(none, 1, &s, &err), -1);
	char *h4 = xasprintf("%s/h4", top);
	char *empty[] = {h4};
	assert_int_equal(merge_load(empty, 1, &s, &err), -1);
	assert_non_null(strstr(err.msg, "holds no results"));

	/* collect: the bundle fetched from each host against the hash cirt printed there */
	char *ctop = sub(top, "collect");
	for (int i = 0; i < 2; i++) {
		char *h = sub(ctop, i ? "tampered" : "intact");
		char *fd = sub(h, "files");
		put(fd, "bundle.tar.gz", "the bundle's bytes\n");
		char *bp = xasprintf("%s/bundle.tar.gz", fd);
		char bh[65];
		sha_of(bp, bh);
		snprintf(line, sizeof(line), "%s  files/bundle.tar.gz\n", bh);
		put(h, MERGE_SUMS_FILE, line);
		size_t len;
		char *t = fixture("collect-0.1.0.json", &len);
		json_t *cj = json_loadb(t, len, 0, NULL);
		free(t);
		json_object_set_new(cj, "bundle", json_string("/tmp/cirt.x/out/bundle.tar.gz"));
		json_object_set_new(cj, "sha256", json_string(i ? zero : bh));
		char *cs = json_dumps(cj, 0);
		put(h, MERGE_RESULT_FILE, cs);
		free(cs);
		json_decref(cj);
		free(bp);
		free(fd);
		free(h);
	}
	char *cp[] = {ctop};
	assert_int_equal(merge_load(cp, 1, &s, &err), 0);
	doc = merge_doc(s);
	assert_string_equal(jstr(doc, "command"), "collect");
	json_t *b0 = row_of(doc, "bundles", 0), *b1 = row_of(doc, "bundles", 1);
	assert_string_equal(jstr(b0, "host"), "intact");
	assert_true(json_is_true(json_object_get(b0, "verified")));
	assert_string_equal(jstr(b1, "host"), "tampered");
	assert_true(json_is_false(json_object_get(b1, "verified")));
	assert_int_equal(jint(jobj(doc, "counts"), "unverified", 0), 1);
	assert_int_equal(merge_status(doc, &problems), 1);
	json_decref(doc);
	merge_set_free(s);

	rm_rf(top);
	free(h1), free(f1), free(rp), free(h2), free(fifo), free(h3), free(f3), free(ln), free(lf),
	    free(h4), free(ctop);
}

/* ------------------------------------------------------------------ triage HTML, scan, ps */

static void test_triage_html(void **state)
{
	(void)state;
	struct merge_set *s = merge_set_new();
	add_fixture(s, "alpha", "triage-0.1.0.json", NULL);
	size_t len;
	char *t = fixture("triage-0.1.0.json", &len);
	json_t *hostile = json_loadb(t, len, 0, NULL);
	free(t);
	json_object_set_new(json_array_get(jarr(hostile, "summary"), 0), "container",
	                    json_string("<img src=x onerror=alert(1)>"));
	char *ht = json_dumps(hostile, 0);
	json_decref(hostile);
	merge_add(s, "<b>beta</b>", ht, strlen(ht), NULL, 0);
	free(ht);
	const char *timeout =
	    "{\"status\":\"timeout\",\"msg\":\"killed after cirt_timeout=600 seconds\"}";
	merge_add(s, "gamma", NULL, 0, timeout, strlen(timeout));
	struct cirt_err err = {0};
	assert_int_equal(merge_finish(s, &err), 0);
	json_t *doc = merge_doc(s);
	assert_int_equal(jint(jobj(doc, "counts"), "containers", 0),
	                 2 * 20); /* the sum of each host's own count */
	assert_true(json_array_size(jarr(doc, "ioc_connections")) > 0);
	json_t *h = merge_html_doc(doc, s, "cirt merge results --html x");
	char *out = NULL;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);
	assert_int_equal(html_report(f, h, &err), 0);
	fclose(f);
	assert_non_null(strstr(out, "Fleet summary"));
	assert_non_null(strstr(out, "id=\"host-1\""));
	assert_non_null(strstr(out, "id=\"host-3\""));
	assert_non_null(strstr(out, "id=\"h1-connections\""));
	assert_non_null(strstr(out, "id=\"h2-connections\""));
	assert_non_null(strstr(out, "killed after cirt_timeout=600 seconds"));
	assert_null(strstr(out, "<img src=x"));
	assert_null(strstr(out, "<b>beta"));
	assert_non_null(strstr(out, "&lt;b&gt;beta&lt;/b&gt;"));
	/* one script: the page's own */
	assert_null(strstr(strstr(out, "<script>") + 1, "<script>"));
	free(out);
	json_decref(h);
	json_decref(doc);
	merge_set_free(s);
}

static void test_scan_ps(void **state)
{
	(void)state;
	struct merge_set *s = merge_set_new();
	add_fixture(s, "a", "scan-0.1.0.json", NULL);
	add_fixture(s, "b", "scan-0.1.0.json", NULL);
	struct cirt_err err = {0};
	assert_int_equal(merge_finish(s, &err), 0);
	json_t *doc = merge_doc(s);
	assert_int_equal(json_array_size(jarr(doc, "findings")), 16);
	assert_string_equal(jstr(row_of(doc, "findings", 0), "severity"), "critical");
	assert_string_equal(jstr(row_of(doc, "findings", 0), "target"), "planted-run");
	assert_int_equal(json_array_size(jarr(doc, "targets")), 4);
	char *t = table_text(doc);
	assert_non_null(strstr(t, "SEVERITY"));
	free(t);
	json_decref(doc);
	merge_set_free(s);

	s = merge_set_new();
	add_fixture(s, "a", "ps-0.1.0.json", NULL);
	add_fixture(s, "b", "ps-0.1.0.json", NULL);
	assert_int_equal(merge_finish(s, &err), 0);
	doc = merge_doc(s);
	assert_int_equal(json_array_size(jarr(doc, "containers")), 8);
	json_t *c = row_of(doc, "containers", 0);
	assert_string_equal(jstr(c, "host"), "a");
	assert_non_null(jstr(c, "id"));
	assert_non_null(jobj(c, "network"));
	size_t problems;
	assert_int_equal(merge_status(doc, &problems), 0);
	assert_int_equal(problems, 0);
	t = table_text(doc);
	assert_non_null(strstr(t, "8 containers"));
	free(t);
	json_decref(doc);
	merge_set_free(s);
}

/* 100 hosts' worth: every row and count there (bench/merge measures the time). */
static void test_many(void **state)
{
	(void)state;
	size_t len;
	char *t = fixture("locate-0.1.0.json", &len);
	struct merge_set *s = merge_set_new();
	for (int i = 0; i < 100; i++) {
		char name[32];
		snprintf(name, sizeof(name), "host%03d", i);
		merge_add(s, name, t, len, NULL, 0);
	}
	free(t);
	struct cirt_err err = {0};
	assert_int_equal(merge_finish(s, &err), 0);
	json_t *doc = merge_doc(s);
	assert_int_equal(jint(jobj(doc, "counts"), "hosts", 0), 100);
	assert_int_equal(jint(jobj(doc, "counts"), "found", 0), 100);
	assert_int_equal(json_array_size(jarr(doc, "contacts")), 600);
	assert_int_equal(rows_with(doc, "contacts", "host042", "lab-beacon"), 1);
	json_decref(doc);
	merge_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_detect),      cmocka_unit_test(test_locate),
	    cmocka_unit_test(test_versions),    cmocka_unit_test(test_mixed),
	    cmocka_unit_test(test_hostile),     cmocka_unit_test(test_disk),
	    cmocka_unit_test(test_triage_html), cmocka_unit_test(test_scan_ps),
	    cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
