/* test_kevents.c: the kernel-events decoder (sources/kevents_decode.c) on records the BPF program
 * wrote on the lab (kernel 6.18, fixtures/kevents-6.18: a container's shell, nc, nslookup, tftp,
 * an IPv6 loopback listen/connect/accept, argv with escapes and invalid UTF-8, a SIGSEGV), then on
 * every way a record can be cut or lie; the cgroup hierarchy choice and the cgroup map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "sources/kevents.h"
#include "sources/kevents_abi.h"
#include "sources/kevents_int.h"

#define FIX FIXTURES "/kevents-6.18"
#define CT "592c2c80b55b5c3ea7d7af577a2c0fa8218f485a5c904837b6b5da345502626a"

static size_t load(const char *name, uint8_t **ret)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIX, name);
	char *s = NULL;
	size_t n = 0;
	assert_int_equal(read_file_max(AT_FDCWD, path, 1 << 16, &s, &n), 0);
	*ret = (uint8_t *)s;
	return n;
}

static bool bytes_eq(struct kev_bytes b, const char *s)
{
	return b.len == strlen(s) && memcmp(b.p, s, b.len) == 0;
}

static void addr_is(const struct kev_addr *a, int family, const char *text)
{
	char s[INET6_ADDRSTRLEN];
	assert_int_equal(a->family, family);
	assert_non_null(inet_ntop(family, a->b, s, sizeof(s)));
	assert_string_equal(s, text);
}

static struct kev_event ev;

static void test_exec(void **state)
{
	(void)state;
	uint8_t *r;
	size_t n = load("exec-172.bin", &r);
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.kind, KEV_EXEC);
	assert_int_equal(ev.pid, 32263);
	assert_int_equal(ev.ppid, 32241);
	assert_int_equal(ev.vpid, 1); /* the container's init */
	assert_true(bytes_eq(ev.comm, "sh"));
	assert_true(bytes_eq(ev.exe, "/bin/sh"));
	assert_true(bytes_eq(ev.cgname, CT));
	assert_true(ev.flags & KEV_F_CG_V1);
	assert_int_equal(ev.cgid_v1, 431);
	assert_int_equal(ev.cgid, 918);
	assert_int_equal(ev.argc, 3);
	assert_true(bytes_eq(ev.argv[0], "sh"));
	assert_true(bytes_eq(ev.argv[1], "-c"));
	assert_true(ev.argv[2].len > 100 && memcmp(ev.argv[2].p, "echo hi | nc", 12) == 0);
	assert_false(ev.flags & KEV_F_ARGV_TRUNC);
	assert_string_equal(ev.container, ""); /* the source fills it, not the decoder */
	free(r);

	/* bytes as they were: the escape, the invalid byte and the newline are the consumer's */
	n = load("exec-399.bin", &r);
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.argc, 2);
	assert_true(bytes_eq(ev.argv[1], "esc\033[31m bad\377 nl\nend"));
	free(r);

	/* busybox applets exec /proc/self/exe */
	n = load("exec-181.bin", &r);
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_true(bytes_eq(ev.exe, "/proc/self/exe"));
	assert_int_equal(ev.argc, 5);
	assert_true(bytes_eq(ev.argv[3], "10.66.0.2"));
	assert_int_equal(ev.args_full, 21);
	free(r);
}

static void test_fork_exit(void **state)
{
	(void)state;
	uint8_t *r;
	size_t n = load("fork-175.bin", &r);
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.kind, KEV_FORK);
	assert_int_equal(ev.pid, 32315);
	assert_int_equal(ev.parent, 32263);
	assert_int_equal(ev.ppid, 32263);
	free(r);

	n = load("exit-405.bin", &r); /* sh -c 'kill -SEGV $$' */
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.kind, KEV_EXIT);
	assert_int_equal(ev.pid, 32403);
	assert_int_equal(ev.exit_signal, 11);
	assert_int_equal(ev.exit_code, -1);
	free(r);

	n = load("exit-2.bin", &r);
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.exit_code, 0);
	assert_int_equal(ev.exit_signal, 0);
	free(r);

	struct kev_event e = {0};
	kev_exit_status(3 << 8, &e);
	assert_int_equal(e.exit_code, 3);
	kev_exit_status(0x80 | 6, &e);
	assert_int_equal(e.exit_signal, 6);
	assert_true(e.core_dumped);
}

static void test_sockets(void **state)
{
	(void)state;
	uint8_t *r;
	size_t n = load("connect-182.bin", &r);
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.kind, KEV_CONNECT);
	assert_int_equal(ev.proto, IPPROTO_TCP);
	addr_is(&ev.src, AF_INET, "172.17.0.5");
	addr_is(&ev.dst, AF_INET, "10.66.0.2");
	assert_int_equal(ev.dport, 80);
	assert_true(ev.sport > 1024);
	assert_int_equal(ev.via, KEV_VIA_SYSCALL_RET);
	assert_int_equal(ev.ret, 0);
	assert_true(bytes_eq(ev.comm, "nc"));
	assert_int_equal(ev.sock_netns, ev.netns);
	free(r);

	n = load("connect-201.bin", &r); /* nslookup: a UDP connect */
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.proto, IPPROTO_UDP);
	addr_is(&ev.dst, AF_INET, "10.66.0.2");
	free(r);

	n = load("send-209.bin", &r); /* tftp: sendto without connect */
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.kind, KEV_SEND);
	addr_is(&ev.src, AF_INET, "0.0.0.0");
	addr_is(&ev.dst, AF_INET, "10.66.0.2");
	assert_int_equal(ev.dport, 80);
	free(r);

	n = load("listen-334.bin", &r);
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.kind, KEV_LISTEN);
	addr_is(&ev.src, AF_INET6, "::");
	assert_int_equal(ev.sport, 8080);
	assert_int_equal(ev.dst.family, 0);
	assert_int_equal(ev.via, KEV_VIA_TCP_STATE);
	free(r);

	n = load("connect-389.bin", &r);
	assert_int_equal(kev_decode(r, n, &ev), 0);
	addr_is(&ev.dst, AF_INET6, "::1");
	assert_int_equal(ev.dport, 8080);
	uint16_t sport = ev.sport;
	free(r);

	n = load("accept-390.bin", &r);
	assert_int_equal(kev_decode(r, n, &ev), 0);
	assert_int_equal(ev.kind, KEV_ACCEPT);
	assert_int_equal(ev.sport, 8080);
	assert_int_equal(ev.dport, sport);
	free(r);

	/* an IPv4-mapped IPv6 address is IPv4 */
	n = load("accept-183.bin", &r);
	struct kev_w_sock s;
	memcpy(&s, r, sizeof(s));
	s.family = AF_INET6;
	uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 66, 0, 1};
	memcpy(s.daddr, mapped, 16);
	assert_int_equal(kev_decode(&s, sizeof(s), &ev), 0);
	addr_is(&ev.dst, AF_INET, "10.66.0.1");
	free(r);
}

static void test_bad(void **state)
{
	(void)state;
	uint8_t *r;
	size_t n = load("exec-181.bin", &r);
	uint8_t *c = xmalloc(n + 64);
	/* every cut short of the whole record is refused */
	for (size_t i = 0; i < n; i++) {
		memcpy(c, r, i);
		assert_int_equal(kev_decode(c, i, &ev), -EBADMSG);
	}
	assert_int_equal(kev_decode(NULL, 0, &ev), -EBADMSG);
	struct kev_w_exec *x = (struct kev_w_exec *)c;
	/* lengths that lie */
	memcpy(c, r, n);
	x->path_len++;
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	memcpy(c, r, n);
	x->path_len = KEV_PATH_MAX + 1;
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	memcpy(c, r, n);
	x->h.len = (uint32_t)n + 1;
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	memcpy(c, r, n);
	x->h.version = 2;
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	memcpy(c, r, n);
	x->h.kind = 0;
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	x->h.kind = KEV_W_KINDS;
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	/* the ring's padding after a record: its own length counts */
	memcpy(c, r, n);
	memset(c + n, 0xaa, 64);
	assert_int_equal(kev_decode(c, n + 64, &ev), 0);
	assert_int_equal(ev.argc, 5);
	/* a cgroup name length past its field, argv without its last NUL */
	memcpy(c, r, n);
	x->h.task.cgname_len = 60000;
	x->data[n - offsetof(struct kev_w_exec, data) - 1] = 'X';
	assert_int_equal(kev_decode(c, n, &ev), 0);
	assert_int_equal(ev.cgname.len, 64);
	assert_true(bytes_eq(ev.argv[4], "80X"));
	free(r);

	n = load("connect-182.bin", &r);
	struct kev_w_sock *s = (struct kev_w_sock *)c;
	memcpy(c, r, n);
	s->family = 1; /* AF_UNIX */
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	memcpy(c, r, n);
	s->proto = 1;
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	memcpy(c, r, n);
	s->via = 9;
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	memcpy(c, r, n);
	s->h.kind = KEV_W_FORK; /* a socket record's length for a fork */
	assert_int_equal(kev_decode(c, n, &ev), -EBADMSG);
	free(r);
	free(c);
}

static void test_argv_split(void **state)
{
	(void)state;
	struct kev_event e;
	memset(&e, 0, sizeof(e));
	kev_split_argv("a\0\0b", 4, &e);
	assert_int_equal(e.argc, 3);
	assert_int_equal(e.argv[1].len, 0);
	assert_true(bytes_eq(e.argv[2], "b"));
	/* more strings than kept */
	char many[KEV_ARGV_MAX * 2 + 10];
	memset(many, 0, sizeof(many));
	for (size_t i = 0; i < sizeof(many); i += 2)
		many[i] = 'x';
	memset(&e, 0, sizeof(e));
	kev_split_argv(many, sizeof(many), &e);
	assert_int_equal(e.argc, KEV_ARGV_MAX);
	assert_true(e.flags & KEV_F_ARGV_TRUNC);
}

static const char mountinfo_hybrid[] =
    "25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "31 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "33 31 0:28 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "36 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "37 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "38 31 0:33 /docker /mnt/pids\\040bind rw,relatime - cgroup cgroup rw,pids\n";

static void test_hierarchy(void **state)
{
	(void)state;
	struct kev_hier h;
	/* memory wins over cpu; the pids bind mount of a subtree is not a hierarchy's root */
	assert_int_equal(kev_hier_parse(mountinfo_hybrid, false, &h), 0);
	assert_false(h.v2);
	assert_string_equal(h.mount, "/sys/fs/cgroup/memory");
	assert_string_equal(h.controllers, "memory");
	assert_int_equal(kev_hier_parse(mountinfo_hybrid, true, &h), 0);
	assert_true(h.v2);
	assert_string_equal(h.mount, "/sys/fs/cgroup/unified");
	assert_int_equal(
	    kev_hier_parse("40 1 0:35 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", false, &h), 0);
	assert_true(h.v2);
	assert_int_equal(kev_hier_parse("1 0 0:1 / / rw - ext4 /dev/root rw\n", false, &h),
	                 -ENOENT);
	assert_int_equal(
	    kev_hier_parse("9 1 0:9 / /c\\040g rw - cgroup cgroup rw,cpu,cpuacct\n", false, &h), 0);
	assert_string_equal(h.mount, "/c g");
	assert_string_equal(h.controllers, "cpu,cpuacct");
	assert_int_equal(kev_hier_parse("garbage\n\n - - -\n", false, &h), -ENOENT);
}

static void test_cgpath(void **state)
{
	(void)state;
	char id[65];
	assert_true(kev_cgpath_container("/docker/" CT, id));
	assert_string_equal(id, CT);
	assert_true(kev_cgpath_container("/system.slice/docker-" CT ".scope", id));
	assert_string_equal(id, CT);
	/* a cgroup made inside a container, named like another one, does not move it */
	assert_true(kev_cgpath_container(
	    "/docker/" CT "/1111111111111111111111111111111111111111111111111111111111111111", id));
	assert_string_equal(id, CT);
	assert_true(kev_cgpath_container(
	    "/kubepods/besteffort/pod5f0e1b6c-1d2a-4f7e-9a1b-3c4d5e6f7a8b/" CT, id));
	assert_string_equal(id, CT);
	assert_false(kev_cgpath_container("/user.slice/user-0.slice", id));
	assert_false(kev_cgpath_container("", id));
	assert_false(kev_cgpath_container(NULL, id));
}

static void test_cgmap(void **state)
{
	(void)state;
	char root[] = "/tmp/cirt-kev-XXXXXX";
	assert_non_null(mkdtemp(root));
	char p[512];
	snprintf(p, sizeof(p), "%s/docker", root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/docker/" CT, root);
	assert_int_equal(mkdir(p, 0700), 0);
	struct stat ct, sub, dock, top;
	assert_int_equal(stat(p, &ct), 0);
	snprintf(p, sizeof(p), "%s/docker/" CT "/inner", root);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(stat(p, &sub), 0);
	snprintf(p, sizeof(p), "%s/docker", root);
	assert_int_equal(stat(p, &dock), 0);
	assert_int_equal(stat(root, &top), 0);

	struct kev_cgmap *m = kev_cgmap_new(root);
	char id[65];
	assert_true(kev_cgmap_lookup(m, ct.st_ino, id));
	assert_string_equal(id, CT);
	assert_true(kev_cgmap_lookup(m, sub.st_ino, id)); /* below a container: that container */
	assert_string_equal(id, CT);
	assert_true(kev_cgmap_lookup(m, dock.st_ino, id));
	assert_string_equal(id, "");
	assert_true(kev_cgmap_lookup(m, top.st_ino, id));
	assert_string_equal(id, "");
	assert_false(kev_cgmap_lookup(m, 0, id));

	/* a cgroup made after the walk is found by the rescan a miss makes */
	snprintf(p, sizeof(p), "%s/late", root);
	assert_int_equal(mkdir(p, 0700), 0);
	struct stat late;
	assert_int_equal(stat(p, &late), 0);
	usleep(20 * 1000);
	assert_true(kev_cgmap_lookup(m, late.st_ino, id));
	/* removed cgroups keep their last known container */
	rmdir(p);
	snprintf(p, sizeof(p), "%s/docker/" CT "/inner", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/docker/" CT, root);
	rmdir(p);
	usleep(20 * 1000);
	assert_true(kev_cgmap_lookup(m, ct.st_ino, id));
	assert_string_equal(id, CT);
	snprintf(p, sizeof(p), "%s/docker", root);
	rmdir(p);
	rmdir(root);
	kev_cgmap_free(m);
}

static void test_kinds(void **state)
{
	(void)state;
	unsigned k;
	assert_true(kev_kinds_parse("exec,connect", &k));
	assert_int_equal(k, KEV_KIND_BIT(KEV_EXEC) | KEV_KIND_BIT(KEV_CONNECT));
	assert_true(kev_kinds_parse("all", &k));
	assert_int_equal(k, KEV_ALL_KINDS);
	assert_false(kev_kinds_parse("exec,bogus", &k));
	assert_false(kev_kinds_parse("", &k));
	assert_string_equal(kev_kind_name(KEV_SEND), "send");
	assert_string_equal(kev_kind_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exec),       cmocka_unit_test(test_fork_exit),
	    cmocka_unit_test(test_sockets),    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_argv_split), cmocka_unit_test(test_hierarchy),
	    cmocka_unit_test(test_cgpath),     cmocka_unit_test(test_cgmap),
	    cmocka_unit_test(test_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
