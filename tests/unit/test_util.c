/* test_util.c: escaping, address normalization, the stream demultiplexer, durations and the
 * confined path resolution, shell quoting, string vectors and sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "escape.h"
#include "flow.h"
#include "model/host.h"
#include "sources/docker.h"
#include "sources/rootfs.h"

static void test_term_escape(void **state)
{
	char *s = term_escape("a\033[31mb\nc\\d\x07");
	assert_string_equal(s, "a\\e[31mb\\nc\\\\d\\x07");
	free(s);
	/* invalid UTF-8 and C1 controls are shown, never passed through */
	s = term_escape("x\xff\xc2\x9by");
	assert_string_equal(s, "x\\xff\\u009by");
	free(s);
	s = term_escape("caf\xc3\xa9");
	assert_string_equal(s, "caf\xc3\xa9");
	free(s);
	s = term_escape(NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_json_str(void **state)
{
	json_t *j = json_str("ok\xff");
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "ok\\xff");
	json_decref(j);
	j = json_str(NULL);
	assert_true(json_is_null(j));
	json_decref(j);
}

static void test_ip_normalize(void **state)
{
	char b[64];
	assert_true(ip_normalize("172.19.0.2", b, sizeof(b)));
	assert_string_equal(b, "172.19.0.2");
	assert_true(ip_normalize("::ffff:172.19.0.2", b, sizeof(b)));
	assert_string_equal(b, "172.19.0.2");
	assert_true(ip_normalize("[2001:DB8::0001]", b, sizeof(b)));
	assert_string_equal(b, "2001:db8::1");
	assert_false(ip_normalize("172.19.0", b, sizeof(b)));
	assert_false(ip_normalize("172.19.0.2x", b, sizeof(b)));
	assert_false(ip_normalize("", b, sizeof(b)));
	/* exact, never a substring: .2 does not match .20 */
	struct container c = {0};
	struct endpoint e = {.ipv4 = "172.19.0.20"};
	c.eps = &e;
	c.n_eps = 1;
	assert_false(container_has_ip(&c, "172.19.0.2"));
	assert_true(container_has_ip(&c, "172.19.0.20"));
	assert_true(container_has_ip(&c, "::ffff:172.19.0.20"));
}

struct frames {
	char out[64], err[64];
	size_t no, ne;
};

static bool collect(int stream, const char *d, size_t n, void *ud)
{
	struct frames *f = ud;
	if (stream == DOCKER_STDOUT) {
		memcpy(f->out + f->no, d, n);
		f->no += n;
	} else {
		memcpy(f->err + f->ne, d, n);
		f->ne += n;
	}
	return true;
}

static void test_demux(void **state)
{
	static const char s[] = "\x01\0\0\0\0\0\0\x04"
	                        "out1"
	                        "\x02\0\0\0\0\0\0\x04"
	                        "err1"
	                        "\x01\0\0\0\0\0\0\x02"
	                        "o2";
	struct frames f = {0};
	struct docker_demux m;
	docker_demux_init(&m, false, collect, &f);
	/* fed one byte at a time: headers and payloads split anywhere */
	for (size_t i = 0; i < sizeof(s) - 1; i++)
		assert_true(docker_demux_feed(&m, s + i, 1));
	assert_int_equal(f.no, 6);
	assert_memory_equal(f.out, "out1o2", 6);
	assert_int_equal(f.ne, 4);
	assert_memory_equal(f.err, "err1", 4);
	/* a stream that is not multiplexed is detected */
	struct frames g = {0};
	docker_demux_init(&m, false, collect, &g);
	assert_false(docker_demux_feed(&m, "hello world\n", 12));
	assert_true(m.bad);
	/* TTY containers: raw */
	docker_demux_init(&m, true, collect, &g);
	assert_true(docker_demux_feed(&m, "raw", 3));
	assert_int_equal(g.no, 3);
}

static void test_duration(void **state)
{
	assert_int_equal(parse_duration("90"), 90);
	assert_int_equal(parse_duration("90s"), 90);
	assert_int_equal(parse_duration("10m"), 600);
	assert_int_equal(parse_duration("2h"), 7200);
	assert_int_equal(parse_duration("1d"), 86400);
	assert_int_equal(parse_duration("1.5m"), 90);
	assert_int_equal(parse_duration("x"), -1);
	assert_int_equal(parse_duration("5y"), -1);
	assert_int_equal(parse_duration("-3"), -1);
}

static void check_quote(const char *in, const char *want)
{
	char *s = shell_quote(in);
	assert_string_equal(s, want);
	free(s);
}

static void test_shell_quote(void **state)
{
	check_quote("br-0832ec91d049", "br-0832ec91d049");
	/* the whole safe set stays bare */
	check_quote("aZ09@%+=:,./_-", "aZ09@%+=:,./_-");
	check_quote("host 172.21.0.3", "'host 172.21.0.3'");
	check_quote("it's $(x)", "'it'\\''s $(x)'");
	check_quote("''", "''\\'''\\'''");
	check_quote("", "''");
	/* everything a shell reads specially is quoted */
	check_quote("a;b", "'a;b'");
	check_quote("*", "'*'");
	check_quote("~root", "'~root'");
	check_quote("a\nb", "'a\nb'");
	check_quote("\\", "'\\'");
	check_quote("!x", "'!x'");
}

static void test_shell_join(void **state)
{
	char *const a[] = {"iptables-restore", "-w", "10", "it's", NULL};
	char *s = shell_join(a);
	assert_string_equal(s, "iptables-restore -w 10 'it'\\''s'");
	free(s);
	char *const empty[] = {NULL};
	s = shell_join(empty);
	assert_string_equal(s, "");
	free(s);
	char *const one[] = {"", NULL};
	s = shell_join(one);
	assert_string_equal(s, "''");
	free(s);
}

static void test_strv(void **state)
{
	struct strv v = {0};
	assert_false(strv_has(&v, "a"));
	strv_add(&v, "a");
	strv_add(&v, "b");
	assert_int_equal(v.n, 2);
	assert_true(strv_has(&v, "b"));
	assert_false(strv_has(&v, "c"));
	assert_null(v.v[2]); /* NULL-terminated: an argv */
	strv_clear(&v);
	assert_int_equal(v.n, 0);
	assert_null(v.v);
	strv_clear(&v); /* twice is fine */
}

/* A size that must be accepted (any bounds): its value. */
static uint64_t size_ok(const char *s)
{
	uint64_t v = 0;
	struct cirt_err e = {0};
	if (parse_size("--max-size", s, 0, UINT64_MAX, &v, &e) < 0)
		fail_msg("'%s' refused: %s", s, e.msg);
	return v;
}

static void size_bad(const char *s, uint64_t min, uint64_t max, const char *want)
{
	uint64_t v = 12345;
	struct cirt_err e = {0};
	assert_int_equal(parse_size("--max-size", s, min, max, &v, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_USAGE);
	assert_int_equal(v, 12345); /* untouched on error */
	if (!strstr(e.msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", s ? s : "(null)", e.msg, want);
}

static void test_parse_size_units(void **state)
{
	assert_int_equal(size_ok("0"), 0);
	assert_int_equal(size_ok("4096"), 4096);
	assert_int_equal(size_ok("007"), 7);
	assert_int_equal(size_ok("100B"), 100);
	assert_int_equal(size_ok("100b"), 100);
	/* every unit, binary, in either case, with or without i and B */
	const char *k[] = {"1K", "1k", "1KB", "1kb", "1KiB", "1kib", "1KIB", "1Ki", "1ki", "1kB"};
	for (size_t i = 0; i < ARRAY_SIZE(k); i++)
		assert_int_equal(size_ok(k[i]), 1024);
	assert_int_equal(size_ok("256M"), 256ull << 20);
	assert_int_equal(size_ok("256mb"), 256ull << 20);
	assert_int_equal(size_ok("2GiB"), 2ull << 30);
	assert_int_equal(size_ok("2g"), 2ull << 30);
	assert_int_equal(size_ok("3T"), 3ull << 40);
	assert_int_equal(size_ok("3tib"), 3ull << 40);
	/* fractions of a unit, rounded down to whole bytes */
	assert_int_equal(size_ok("1.5G"), 3ull << 29);
	assert_int_equal(size_ok("0.5K"), 512);
	assert_int_equal(size_ok("1.7K"), 1740); /* 1740.8 */
	assert_int_equal(size_ok("0.000001K"), 0);
	assert_int_equal(size_ok("1.000001T"), (1ull << 40) + 1099511);
}

static void test_parse_size_bounds(void **state)
{
	uint64_t v = 0;
	struct cirt_err e = {0};
	/* both ends are inclusive */
	assert_int_equal(parse_size("--max-size", "64K", 64 << 10, UINT64_MAX, &v, &e), 0);
	assert_int_equal(v, 64 << 10);
	assert_int_equal(parse_size("--max-size", "64G", 1, 64ull << 30, &v, &e), 0);
	assert_int_equal(v, 64ull << 30);
	size_bad("65535", 64 << 10, UINT64_MAX, "--max-size: '65535' is below the minimum of 64K");
	size_bad("0", 1, UINT64_MAX, "'0' is below the minimum of 1 byte");
	size_bad("0.5", 1, UINT64_MAX, "is not a size");
	size_bad("64.1G", 1, 64ull << 30, "'64.1G' is above the maximum of 64G");
	size_bad("1T", 1, 64ull << 30, "is above the maximum of 64G");
	size_bad("1001", 0, 1000, "is above the maximum of 1000 bytes");
	size_bad("3M", 0, 2049ull << 10, "is above the maximum of 2049K");
}

static void test_parse_size_overflow(void **state)
{
	/* the largest 64-bit value is a size; one more is not */
	assert_int_equal(size_ok("18446744073709551615"), UINT64_MAX);
	assert_int_equal(size_ok("16777215T"), UINT64_MAX - ((1ull << 40) - 1));
	size_bad("18446744073709551616", 0, UINT64_MAX, "'18446744073709551616' is too large");
	size_bad("99999999999999999999999", 0, UINT64_MAX, "is too large");
	size_bad("16777216T", 0, UINT64_MAX, "is too large");
	size_bad("17179869184G", 0, UINT64_MAX, "is too large");
	/* the fraction is added without overflow: 2^64 - 2^40 + floor(0.999999 * 2^40) */
	assert_int_equal(size_ok("16777215.999999T"), UINT64_MAX - 1099511);
	size_bad("18446744073709551615B", 0, UINT64_MAX - 1, "above the maximum");
}

static void test_parse_size_garbage(void **state)
{
	const char *bad[] = {
	    "",           "M",     "K1",   "12Q",  "-1M", "+1M",        " 1M",  "1M ",
	    "1 M",        "1e3",   "0x10", "1.5",  ".5G", "1.G",        "1.5B", "1..5G",
	    "1.1234567G", "1iB",   "1KBB", "1bib", "1Bi", "1KiBi",      "inf",  "nan",
	    "1,5G",       "1_000", "1MM",  "1P",   "1\n", "1\xc2\xa0M",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[64];
		snprintf(want, sizeof(want), "--max-size: '%s' is not a size", bad[i]);
		size_bad(bad[i], 0, UINT64_MAX, want);
	}
	size_bad(NULL, 0, UINT64_MAX, "--max-size: '' is not a size");
}

/* A fake container root with traps: absolute and relative symlinks to host files, a loop. */
static char root[64];

static int make_root(void **state)
{
	snprintf(root, sizeof(root), "/tmp/cirt-rootfs-XXXXXX");
	assert_non_null(mkdtemp(root));
	char p[512];
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/passwd", root);
	FILE *f = fopen(p, "w");
	fputs("root:x:0:0:container:/root:/bin/sh\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/abs", root);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	snprintf(p, sizeof(p), "%s/rel", root);
	assert_int_equal(symlink("../../../../../../etc/hostname", p), 0);
	snprintf(p, sizeof(p), "%s/good", root);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/loop", root);
	assert_int_equal(symlink("loop", p), 0);
	snprintf(p, sizeof(p), "%s/fifo", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	return 0;
}

static int drop_root(void **state)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void check_confined(bool fallback)
{
	rootfs_force_fallback(fallback);
	int rfd = rootfs_open_root(root);
	assert_true(rfd >= 0);
	char *s = NULL;
	/* a link inside the root resolves inside the root */
	assert_int_equal(rootfs_read_file(rfd, "/good", 4096, &s, NULL), 0);
	assert_non_null(strstr(s, "container"));
	free(s);
	/* links aimed at host files land inside the root, where there is no such file */
	assert_int_equal(rootfs_read_file(rfd, "/abs", 4096, &s, NULL), -ENOENT);
	assert_int_equal(rootfs_read_file(rfd, "rel", 4096, &s, NULL), -ENOENT);
	assert_int_equal(rootfs_read_file(rfd, "../../../etc/hostname", 4096, &s, NULL), -ENOENT);
	assert_int_equal(rootfs_read_file(rfd, "/loop", 4096, &s, NULL), -ELOOP);
	/* a FIFO is never opened for reading (that would hang) */
	struct stat st;
	assert_int_equal(rootfs_open_regular(rfd, "/fifo", &st), -EINVAL);
	assert_true(S_ISFIFO(st.st_mode));
	/* lstat does not follow */
	assert_int_equal(rootfs_lstat(rfd, "/abs", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	close(rfd);
	rootfs_force_fallback(false);
}

static void test_rootfs_openat2(void **state)
{
	check_confined(false);
}

static void test_rootfs_fallback(void **state)
{
	check_confined(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_term_escape),
	    cmocka_unit_test(test_json_str),
	    cmocka_unit_test(test_ip_normalize),
	    cmocka_unit_test(test_demux),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_shell_quote),
	    cmocka_unit_test(test_shell_join),
	    cmocka_unit_test(test_strv),
	    cmocka_unit_test(test_parse_size_units),
	    cmocka_unit_test(test_parse_size_bounds),
	    cmocka_unit_test(test_parse_size_overflow),
	    cmocka_unit_test(test_parse_size_garbage),
	    cmocka_unit_test_setup_teardown(test_rootfs_openat2, make_root, drop_root),
	    cmocka_unit_test_setup_teardown(test_rootfs_fallback, make_root, drop_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
