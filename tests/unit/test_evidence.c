/* test_evidence.c: bundle paths, the /proc/net parsers, and bundle write + verify round
 * trips (directory and .tar.gz), including tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>
#include <zlib.h>

#include "evidence/bundle.h"
#include "evidence/collect.h"
#include "evidence/pgz.h"
#include "evidence/sockets.h"
#include "evidence/verify.h"
#include "json.h"

static void test_encode_path(void **state)
{
	char *s = bundle_encode_path("/a/b");
	assert_string_equal(s, "a/b");
	free(s);
	s = bundle_encode_path("//tmp//x/");
	assert_string_equal(s, "tmp/x");
	free(s);
	/* control characters, '%' and invalid UTF-8 are encoded reversibly; valid UTF-8 stays */
	s = bundle_encode_path("/tmp/evil\033[2J\nname");
	assert_string_equal(s, "tmp/evil%1B[2J%0Aname");
	free(s);
	s = bundle_encode_path("/a%b/\xff\xc3\xa9\\");
	assert_string_equal(s, "a%25b/%FF\xc3\xa9%5C");
	free(s);
	/* C1 controls in UTF-8 form are as dangerous as C0 ones */
	s = bundle_encode_path("/x\xc2\x9by");
	assert_string_equal(s, "x%C2%9By");
	free(s);
	assert_null(bundle_encode_path("/../etc/shadow"));
	assert_null(bundle_encode_path("/a/./b"));
	assert_null(bundle_encode_path("//"));
	assert_null(bundle_encode_path(""));
}

/* Recorded from /proc/<pid>/net/tcp and tcp6 of a lab container (kernel 6.x, x86_64). */
static const char tcp4[] = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                           "retrnsmt   uid  timeout inode\n"
                           "   0: 0B00007F:B2C3 00000000:0000 0A 00000000:00000000 00:00000000 "
                           "00000000     0        0 348210 1 0000000000000000 100 0 0 10 0\n"
                           "   1: 040015AC:A7FE 0200420A:0050 01 00000000:00000000 00:00000000 "
                           "00000000     0        0 349031 1 0000000000000000 20 4 30 10 -1\n";
static const char tcp6[] =
    "  sl  local_address                         remote_address                        st tx_queue "
    "rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 11111 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0000000000000000FFFF00000400A8C0:0050 0000000000000000FFFF00000100A8C0:D431 06 "
    "00000000:00000000 03:00000B4D 00000000     0        0 0 3 0000000000000000\n";
static const char unix_txt[] =
    "Num       RefCount Protocol Flags    Type St Inode Path\n"
    "0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/app.sock\n"
    "0000000000000000: 00000003 00000000 00000000 0001 03 23457\n";

static void test_sockets(void **state)
{
	json_t *a = json_array();
	assert_int_equal(ev_sockets_parse_inet(tcp4, "tcp", false, a), 2);
	json_t *s = json_array_get(a, 1);
	assert_string_equal(jstr(s, "local_address"), "172.21.0.4");
	assert_int_equal(jint(s, "local_port", 0), 43006);
	assert_string_equal(jstr(s, "remote_address"), "10.66.0.2");
	assert_int_equal(jint(s, "remote_port", 0), 80);
	assert_string_equal(jstr(s, "state"), "ESTABLISHED");
	assert_int_equal(jint(s, "inode", 0), 349031);
	assert_string_equal(jstr(json_array_get(a, 0), "state"), "LISTEN");
	assert_string_equal(jstr(json_array_get(a, 0), "local_address"), "127.0.0.11");
	json_array_clear(a);
	assert_int_equal(ev_sockets_parse_inet(tcp6, "tcp6", true, a), 2);
	assert_string_equal(jstr(json_array_get(a, 0), "local_address"), "::");
	s = json_array_get(a, 1);
	assert_string_equal(jstr(s, "local_address"), "::ffff:192.168.0.4");
	assert_string_equal(jstr(s, "remote_address"), "::ffff:192.168.0.1");
	assert_int_equal(jint(s, "remote_port", 0), 0xD431);
	assert_string_equal(jstr(s, "state"), "TIME_WAIT");
	json_array_clear(a);
	assert_int_equal(ev_sockets_parse_inet("header only\n", "udp", false, a), 0);
	assert_int_equal(ev_sockets_parse_inet("h\n   0: garbage\n", "udp", false, a), 0);
	assert_int_equal(ev_sockets_parse_unix(unix_txt, a), 2);
	assert_string_equal(jstr(json_array_get(a, 0), "path"), "/run/app.sock");
	assert_string_equal(jstr(json_array_get(a, 0), "state"), "UNCONNECTED");
	assert_true(json_is_null(json_object_get(json_array_get(a, 1), "path")));
	assert_string_equal(jstr(json_array_get(a, 1), "state"), "CONNECTED");
	json_decref(a);
}

static int rm_cb(const char *p, const struct stat *st, int f, struct FTW *ftw)
{
	return remove(p);
}

static char *tmpdir(void)
{
	char *t = xstrdup("/tmp/cirt-test-evidence-XXXXXX");
	assert_non_null(mkdtemp(t));
	return t;
}

static void make_bundle(const char *out, char *sha)
{
	struct bundle *b = NULL;
	struct cirt_err err = {0};
	assert_int_equal(bundle_create(out, &b, &err), 0);
	assert_int_equal(bundle_add_data(b, "a/one.txt", "test", "hello\n", 6, &err), 0);
	json_t *j = json_pack("{s:i}", "x", 1);
	assert_int_equal(bundle_add_json(b, "two.json", "test", j, &err), 0);
	json_decref(j);
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	struct bundle_copy c = {.max = 10};
	assert_int_equal(bundle_copy_fd(b, "deep/er/three", "test", fd, &c, &err), 0);
	close(fd);
	assert_int_equal(c.size, 10);
	assert_true(c.truncated);
	bundle_skip(b, "container:/x", "fifo");
	bundle_log(b, "a line with \033[31m an escape");
	assert_true(bundle_is_complete(b));
	assert_int_equal(bundle_finish(b, sha, &err), 0);
	bundle_free(b);
}

static void expect_problem(struct verify_report *r, const char *status, const char *path)
{
	size_t i;
	json_t *p;
	json_array_foreach(r->problems, i, p)
	{
		if (streq(jstr(p, "status"), status) && streq(jstr(p, "path"), path))
			return;
	}
	fail_msg("no %s problem for %s", status, path);
}

static void test_bundle_dir(void **state)
{
	_cleanup_free_ char *t = tmpdir();
	_cleanup_free_ char *out = xasprintf("%s/b", t);
	char sha[65];
	make_bundle(out, sha);
	struct verify_report r;
	struct cirt_err err = {0};
	assert_int_equal(bundle_verify(out, NULL, &r, &err), 0);
	assert_true(verify_clean(&r));
	assert_int_equal(r.n_listed, 4); /* three files and the custody log */
	assert_string_equal(r.bundle_sha256, sha);
	assert_true(r.complete);
	verify_report_clear(&r);
	/* the custody log escapes what it is given */
	char *log = NULL;
	_cleanup_free_ char *lp = xasprintf("%s/custody.log", out);
	assert_int_equal(read_file_max(AT_FDCWD, lp, 1 << 20, &log, NULL), 0);
	assert_non_null(strstr(log, "\\e[31m"));
	assert_null(strchr(log, '\033'));
	free(log);
	/* a bundle is never written over */
	struct bundle *b = NULL;
	assert_int_equal(bundle_create(out, &b, &err), -1);
	assert_int_equal(err.code, CIRT_EXIT_USAGE);

	/* tamper: one byte changed, one file removed, one added, one replaced by a symlink */
	_cleanup_free_ char *p1 = xasprintf("%s/a/one.txt", out);
	int fd = open(p1, O_WRONLY);
	assert_int_equal(pwrite(fd, "J", 1, 0), 1);
	close(fd);
	_cleanup_free_ char *p2 = xasprintf("%s/two.json", out);
	assert_int_equal(unlink(p2), 0);
	_cleanup_free_ char *p3 = xasprintf("%s/a/new\xff", out);
	fd = open(p3, O_WRONLY | O_CREAT, 0600);
	close(fd);
	_cleanup_free_ char *p4 = xasprintf("%s/deep/er/three", out);
	assert_int_equal(unlink(p4), 0);
	assert_int_equal(symlink("/etc/shadow", p4), 0);
	assert_int_equal(bundle_verify(out, NULL, &r, &err), 0);
	assert_false(verify_clean(&r));
	expect_problem(&r, "changed", "a/one.txt");
	expect_problem(&r, "missing", "two.json");
	expect_problem(&r, "added", "a/new\\xff");
	expect_problem(&r, "added", "deep/er/three");
	assert_int_equal(json_array_size(r.problems), 4);
	assert_int_equal(r.n_ok, 1);
	verify_report_clear(&r);
	/* no manifest: not verifiable, so not clean */
	_cleanup_free_ char *m = xasprintf("%s/manifest.json", out);
	assert_int_equal(unlink(m), 0);
	assert_int_equal(bundle_verify(out, NULL, &r, &err), 0);
	assert_false(verify_clean(&r));
	assert_non_null(r.manifest_problem);
	verify_report_clear(&r);
	nftw(t, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void bundle_archive(const char *suffix)
{
	_cleanup_free_ char *t = tmpdir();
	_cleanup_free_ char *out = xasprintf("%s/case%s", t, suffix);
	char sha[65];
	make_bundle(out, sha);
	/* the staging directory is gone, the hash is the archive's */
	int fd = open(out, O_RDONLY);
	assert_true(fd >= 0);
	char fsha[65];
	assert_int_equal(ev_sha256_fd(fd, fsha, NULL), 0);
	close(fd);
	assert_string_equal(fsha, sha);
	struct verify_report r;
	struct cirt_err err = {0};
	assert_int_equal(bundle_verify(out, NULL, &r, &err), 0);
	assert_true(r.archive);
	assert_true(verify_clean(&r));
	assert_int_equal(r.n_listed, 4);
	assert_string_equal(r.bundle_sha256, sha);
	verify_report_clear(&r);
	struct bundle *b = NULL;
	assert_int_equal(bundle_create(out, &b, &err), -1);
	/* a truncated archive cannot be read: an error, never "clean" */
	struct stat st;
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(truncate(out, st.st_size / 2), 0);
	int rc = bundle_verify(out, NULL, &r, &err);
	assert_true(rc < 0 || !verify_clean(&r));
	verify_report_clear(&r);
	nftw(t, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_bundle_archive(void **state)
{
	(void)state;
	bundle_archive(".tar.gz");
	bundle_archive(".tar.zst");
	assert_int_equal(bundle_kind_of("x.tgz"), BUNDLE_TGZ);
	assert_int_equal(bundle_kind_of("x.tzst"), BUNDLE_TZST);
	assert_int_equal(bundle_kind_of("x.tar"), BUNDLE_DIR);
}

struct sink {
	unsigned char *p;
	size_t n, cap;
};

static int sink_out(void *ud, const void *p, size_t n)
{
	struct sink *s = ud;
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2;
		s->p = xrealloc(s->p, s->cap);
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	return 0;
}

/* Every gzip member one after another, inflated: what gzip -d gives. */
static unsigned char *gunzip_all(const struct sink *s, size_t *ret_n)
{
	size_t cap = 8u << 20, n = 0;
	unsigned char *out = xmalloc(cap);
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = s->p;
	zs.avail_in = (uInt)s->n;
	size_t members = 0;
	while (zs.avail_in) {
		zs.next_out = out + n;
		zs.avail_out = (uInt)(cap - n);
		int r = inflate(&zs, Z_NO_FLUSH);
		n = cap - zs.avail_out;
		if (r == Z_STREAM_END) {
			members++;
			assert_int_equal(inflateReset(&zs), Z_OK);
			continue;
		}
		assert_int_equal(r, Z_OK);
	}
	inflateEnd(&zs);
	assert_true(members >= 1);
	*ret_n = n;
	return out;
}

/* Parallel gzip: the members, inflated in order, are the bytes written, across block
 * boundaries, with one thread or several, and an empty stream is a valid gzip file. */
static void test_pgz(void **state)
{
	(void)state;
	size_t len = (3u << 20) + 12345;
	unsigned char *data = xmalloc(len);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		/* half noise, half text: both kinds of block */
		data[i] = i < len / 2 ? (unsigned char)x : (unsigned char)("evidence "[i % 9]);
	}
	const unsigned threads[] = {1, 3};
	for (size_t t = 0; t < 2; t++) {
		struct sink s = {0};
		struct pgz *z = pgz_new(1, threads[t], sink_out, &s);
		size_t off = 0, step = 7;
		while (off < len) {
			size_t k = len - off < step ? len - off : step;
			assert_int_equal(pgz_write(z, data + off, k), 0);
			off += k;
			step = step * 3 % 400009 + 1;
		}
		assert_int_equal(pgz_close(z), 0);
		size_t n = 0;
		unsigned char *back = gunzip_all(&s, &n);
		assert_int_equal(n, len);
		assert_memory_equal(back, data, len);
		free(back);
		free(s.p);
	}
	struct sink s = {0};
	assert_int_equal(pgz_close(pgz_new(1, 2, sink_out, &s)), 0);
	size_t n = 1;
	unsigned char *back = gunzip_all(&s, &n);
	assert_int_equal(n, 0);
	free(back);
	free(s.p);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode_path), cmocka_unit_test(test_sockets),
	    cmocka_unit_test(test_bundle_dir),  cmocka_unit_test(test_bundle_archive),
	    cmocka_unit_test(test_pgz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
