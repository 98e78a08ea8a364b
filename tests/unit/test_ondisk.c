/* test_ondisk.c: daemonless mode's parsers: the daemon's records (recorded from a real Engine
 * 20.10.24 data root: tests/unit/fixtures/engine-20.10.24/docker-root), runc's state, and the
 * /proc cgroup and stat parsers that find containers by their processes. */
#include <fcntl.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "model/host.h"
#include "model/host_int.h"
#include "sources/layerdiff.h"
#include "sources/ondisk.h"
#include "sources/procfs.h"

#define ROOT FIXTURES "/engine-20.10.24/docker-root"
#define BRIDGE_ID "c4517142c24319aa46a6ada7aed55ce39ee7c01efa30fcfc467e6bb931eff923"
#define SHARED_ID "a6942dd250c0477a37da770f334b54e012c9d3fbb68458ffb8f8ab753d9cb612"
#define CUSTOM_ID "4ca6f2b1ea0cc0aa09db8170a81f81ee8ddabbcdd66488e42d93eda4046b5972"

static void load(const char *id, struct container *c, json_t **ret_j)
{
	json_t *notes = json_array();
	json_t *j = NULL;
	struct cirt_err e = {0};
	if (ondisk_inspect(ROOT, id, &j, notes, &e) < 0)
		fail_msg("ondisk_inspect %s: %s", id, e.msg);
	assert_int_equal(json_array_size(notes), 0);
	json_decref(notes);
	assert_int_equal(container_from_inspect(j, c), 0);
	if (ret_j)
		*ret_j = j;
	else
		json_decref(j);
}

static void test_list(void **state)
{
	char **ids = NULL;
	size_t n = 0;
	struct cirt_err e = {0};
	assert_int_equal(ondisk_list(ROOT, &ids, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ids[0], CUSTOM_ID); /* sorted */
	assert_string_equal(ids[1], SHARED_ID);
	assert_string_equal(ids[2], BRIDGE_ID);
	ondisk_list_free(ids, n);
	assert_int_equal(ondisk_list(ROOT "/nowhere", &ids, &n, &e), -1);
	assert_true(strstr(e.msg, "nowhere") != NULL);
}

static void test_bridge_record(void **state)
{
	struct container c;
	json_t *j;
	load(BRIDGE_ID, &c, &j);
	assert_string_equal(c.name, "lab-bridge");
	assert_string_equal(c.state, "running");
	assert_true(c.running);
	assert_true(c.pid > 0);
	assert_int_equal(c.mode, NETMODE_BRIDGE);
	assert_string_equal(c.image, "cirt-lab/busybox:1");
	assert_true(startswith(c.image_id, "sha256:"));
	assert_int_equal(c.n_eps, 1);
	assert_string_equal(c.eps[0].network, "bridge");
	assert_string_equal(c.eps[0].ipv4, "172.17.0.2");
	assert_string_equal(c.eps[0].mac, "02:42:ac:11:00:02");
	assert_string_equal(c.eps[0].gateway, "172.17.0.1");
	assert_int_equal(c.n_ports, 2);
	assert_int_equal(c.ports[0].container_port, 80);
	assert_int_equal(c.ports[0].host_port, 18080);
	assert_string_equal(c.cmd, "httpd -f -p 80 -h /www");
	/* the layer store gives the same directories the daemon's inspect shows, under this root */
	json_t *want = json_load_file(ROOT "/graphdriver-lab-bridge.json", 0, NULL);
	assert_non_null(want);
	const char *keys[] = {"UpperDir", "MergedDir", "WorkDir", "LowerDir"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *w = jstr(jobj(want, "Data"), keys[i]);
		const char *g = jstr(jobj(jobj(j, "GraphDriver"), "Data"), keys[i]);
		assert_non_null(w);
		assert_non_null(g);
		/* "/var/lib/docker" there is ROOT here, in every directory of a colon list */
		struct buf b = {0};
		for (const char *p = w; *p;) {
			if (startswith(p, "/var/lib/docker")) {
				buf_printf(&b, "%s", ROOT);
				p += strlen("/var/lib/docker");
			} else
				buf_append(&b, p++, 1);
		}
		assert_string_equal(g, buf_cstr(&b));
		buf_free(&b);
	}
	json_decref(want);
	assert_string_equal(jstr(jobj(j, "GraphDriver"), "Name"), "overlay2");
	json_decref(j);
	container_clear(&c);
}

static void test_shared_and_custom(void **state)
{
	struct host h = {0};
	h.c = xcalloc(2, sizeof(*h.c));
	load(SHARED_ID, &h.c[0], NULL);
	load(BRIDGE_ID, &h.c[1], NULL);
	h.n = 2;
	assert_int_equal(h.c[0].mode, NETMODE_CONTAINER);
	host_link_shared(&h);
	assert_string_equal(h.c[0].mode_target_name, "lab-bridge");
	assert_true(h.c[0].eps_shared);
	assert_string_equal(h.c[0].eps[0].ipv4, "172.17.0.2");
	for (size_t i = 0; i < h.n; i++)
		container_clear(&h.c[i]);
	free(h.c);

	struct container c;
	load(CUSTOM_ID, &c, NULL);
	assert_int_equal(c.mode, NETMODE_CUSTOM);
	assert_string_equal(c.mode_raw, "cirt-lab-net");
	assert_string_equal(c.eps[0].network, "cirt-lab-net");
	container_clear(&c);
}

static void test_parse_edge_cases(void **state)
{
	json_t *notes = json_array();
	/* not JSON, not an object, no ID: not a record */
	assert_null(ondisk_inspect_parse("{", 1, NULL, 0, notes));
	assert_null(ondisk_inspect_parse("[]", 2, NULL, 0, notes));
	assert_null(ondisk_inspect_parse("{\"ID\":\"a/b\"}", 12, NULL, 0, notes));
	assert_int_equal(json_array_size(notes), 3);
	json_array_clear(notes);
	/* no hostconfig: the mode is guessed from the only network, and said so */
	const char *cfg =
	    "{\"ID\":\"abc\",\"Name\":\"/x\",\"State\":{\"Running\":false,"
	    "\"StartedAt\":\"2026-01-01T00:00:00Z\"},\"NetworkSettings\":{\"Networks\":"
	    "{\"host\":{}}},\"MountPoints\":{\"/data\":{\"Name\":\"vol1\",\"RW\":true}}}";
	json_t *j = ondisk_inspect_parse(cfg, strlen(cfg), NULL, 0, notes);
	assert_non_null(j);
	assert_string_equal(jstr(jobj(j, "State"), "Status"), "exited");
	assert_string_equal(jstr(jobj(j, "HostConfig"), "NetworkMode"), "host");
	assert_int_equal(json_array_size(notes), 2);
	json_t *m = json_array_get(jarr(j, "Mounts"), 0);
	assert_string_equal(jstr(m, "Type"), "volume");
	assert_string_equal(jstr(m, "Destination"), "/data");
	struct container c;
	assert_int_equal(container_from_inspect(j, &c), 0);
	assert_int_equal(c.mode, NETMODE_HOST);
	assert_false(c.running);
	assert_int_equal(c.pid, 0);
	container_clear(&c);
	json_decref(j);
	/* never started: created; paused */
	const char *created = "{\"ID\":\"abc\",\"State\":{\"StartedAt\":\"0001-01-01T00:00:00Z\"}}";
	j = ondisk_inspect_parse(created, strlen(created), "{}", 2, notes);
	assert_string_equal(jstr(jobj(j, "State"), "Status"), "created");
	json_decref(j);
	const char *paused =
	    "{\"ID\":\"abc\",\"State\":{\"Running\":true,\"Paused\":true,\"Pid\":7}}";
	j = ondisk_inspect_parse(paused, strlen(paused), "{\"NetworkMode\":7}", 17, notes);
	assert_string_equal(jstr(jobj(j, "State"), "Status"), "paused");
	json_decref(j);
	json_decref(notes);
}

static void test_runc_state(void **state)
{
	struct ondisk_runc rs;
	const char *ok = "{\"id\":\"x\",\"init_process_pid\":8457,\"init_process_start\":47926}";
	assert_true(ondisk_runc_parse(ok, strlen(ok), &rs));
	assert_int_equal(rs.pid, 8457);
	assert_int_equal(rs.start, 47926);
	const char *bad[] = {"{\"init_process_pid\":-1}", "{\"init_process_pid\":\"12\"}", "[]",
	                     "nope", "{\"init_process_pid\":99999999999}"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(ondisk_runc_parse(bad[i], strlen(bad[i]), &rs));
}

static void test_cgroup_forms(void **state)
{
	static const char id[] = "c2a1dd9ee0703705d9291cc98b4ea23eab2a5d1beb8d99e631fa50a5cd1c664e";
	char got[65];
	char *path = NULL;
	struct {
		const char *text;
		const char *engine;
	} forms[] = {
	    {"0::/docker/"
	     "c2a1dd9ee0703705d9291cc98b4ea23eab2a5d1beb8d99e631fa50a5cd1c664e\n",
	     "docker"},
	    {"0::/system.slice/"
	     "docker-c2a1dd9ee0703705d9291cc98b4ea23eab2a5d1beb8d99e631fa50a5cd1c664e.scope\n",
	     "docker"},
	    {"11:memory:/kubepods/besteffort/pod0f2a1c3e-1111-2222-3333-444455556666/"
	     "c2a1dd9ee0703705d9291cc98b4ea23eab2a5d1beb8d99e631fa50a5cd1c664e\n0::/\n",
	     "kubernetes"},
	    {"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f2a1c3e.slice/"
	     "cri-containerd-c2a1dd9ee0703705d9291cc98b4ea23eab2a5d1beb8d99e631fa50a5cd1c664e."
	     "scope\n",
	     "kubernetes"},
	    {"0::/machine.slice/"
	     "crio-c2a1dd9ee0703705d9291cc98b4ea23eab2a5d1beb8d99e631fa50a5cd1c664e.scope\n",
	     "cri-o"},
	    /* moved out of the container in the unified hierarchy, still in it for pids: found */
	    {"8:pids:/docker/c2a1dd9ee0703705d9291cc98b4ea23eab2a5d1beb8d99e631fa50a5cd1c664e\n0::/"
	     "\n",
	     "docker"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		assert_true(procfs_cgroup_find_container(forms[i].text, got, &path));
		assert_string_equal(got, id);
		assert_string_equal(procfs_cgroup_engine(path), forms[i].engine);
		free(path);
		path = NULL;
	}
	/* not containers: a 32-hex sandbox, the root, a 65-hex run */
	assert_false(procfs_cgroup_find_container(
	    "4:memory:/process_api/d2c83be846f355ba2dde6195d4eaf095\n0::/\n", got, &path));
	assert_false(procfs_cgroup_find_container("0::/\n", got, &path));
	assert_false(procfs_cgroup_find_container(
	    "0::/x/0c2a1dd9ee0703705d9291cc98b4ea23eab2a5d1beb8d99e631fa50a5cd1c664e\n", got,
	    &path));
	assert_null(path);
	/* the unified line is preferred by the path reader too */
	char *cg = procfs_cgroup_parse("4:memory:/a\n0::/b\n");
	assert_string_equal(cg, "/b");
	free(cg);
}

/* An empty file DIR/REL in a layer made by the test. */
static void layer_file(const char *dir, const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(close(open(p, O_CREAT | O_WRONLY, 0644)), 0);
}

/* An overlayfs whiteout DIR/REL: REL is deleted in the layers below. */
static void layer_whiteout(const char *dir, const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(mknod(p, S_IFCHR | 0, makedev(0, 0)), 0);
}

/* The change list from layers made here: a file added, one changed, one deleted (a whiteout),
 * a directory added with its content, one deleted below and made again (added), a symlink to a
 * host path (listed, never followed), a copy with nothing changed (not listed), a directory made
 * again (opaque) and a tree deeper than the bound (cut, named). */
static void test_layerdiff(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/cirt-layerdiff-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	char up[128], lo1[128], lo2[128], p[8192];
	snprintf(up, sizeof(up), "%s/upper", tmpl);
	snprintf(lo1, sizeof(lo1), "%s/l1", tmpl);
	snprintf(lo2, sizeof(lo2), "%s/l2", tmpl);
	const char *const dirs[] = {up, lo1, lo2};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(mkdir(dirs[i], 0755), 0);
		snprintf(p, sizeof(p), "%s/etc", dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	/* l2 (bottom): passwd, old; l1 (above): old deleted by a whiteout */
	layer_file(lo2, "etc/passwd");
	layer_file(lo2, "etc/old");
	layer_file(lo1, "etc/gone");
	layer_whiteout(lo1, "etc/old");
	/* upper: passwd changed, new added, gone deleted, old made again (added: l1 deleted it),
	 * /opt/x added, a link */
	layer_file(up, "etc/passwd");
	snprintf(p, sizeof(p), "%s/etc/passwd", up);
	FILE *pf = fopen(p, "w");
	assert_non_null(pf);
	fputs("root:x:0:0::/root:/bin/sh\n", pf); /* a new size: changed */
	fclose(pf);
	layer_file(up, "etc/new");
	layer_whiteout(up, "etc/gone");
	layer_file(up, "etc/old");
	snprintf(p, sizeof(p), "%s/opt", up);
	assert_int_equal(mkdir(p, 0755), 0);
	layer_file(up, "opt/x");
	snprintf(p, sizeof(p), "%s/etc/shadow.lnk", up);
	assert_int_equal(symlink("/etc", p), 0);
	/* the daemon's test is on stat fields: a copy in the writable layer with the same mode,
	 * size and time is no change, nor a directory with nothing changed below it */
	layer_file(lo2, "etc/same");
	layer_file(up, "etc/same");
	snprintf(p, sizeof(p), "%s/etc/same", lo2);
	struct stat sst;
	assert_int_equal(stat(p, &sst), 0);
	snprintf(p, sizeof(p), "%s/etc/same", up);
	struct timespec ts[2] = {sst.st_atim, sst.st_mtim};
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	snprintf(p, sizeof(p), "%s/srv", lo2);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/srv", up);
	assert_int_equal(mkdir(p, 0755), 0);
	/* a directory deleted and made again (opaque): what the image had there is deleted */
	const char *const wdirs[] = {lo2, up};
	for (size_t k = 0; k < 2; k++) {
		snprintf(p, sizeof(p), "%s/www", wdirs[k]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	snprintf(p, sizeof(p), "%s/www/sub", lo2);
	assert_int_equal(mkdir(p, 0755), 0);
	layer_file(lo2, "www/sub/f");
	layer_file(lo2, "www/index.html");
	layer_file(up, "www/new");
	snprintf(p, sizeof(p), "%s/www", up);
	assert_int_equal(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
	/* a tree of LAYERDIFF_MAX_DEPTH + 5 directories */
	size_t l = (size_t)snprintf(p, sizeof(p), "%s/deep", up);
	assert_int_equal(mkdir(p, 0755), 0);
	for (int i = 0; i < LAYERDIFF_MAX_DEPTH + 5; i++) {
		l += (size_t)snprintf(p + l, sizeof(p) - l, "/d");
		assert_int_equal(mkdir(p, 0755), 0);
	}
	char lower[300];
	snprintf(lower, sizeof(lower), "%s:%s", lo1, lo2);
	json_t *ch = NULL, *notes = json_array();
	struct cirt_err e = {0};
	assert_int_equal(layerdiff(up, lower, 0, &ch, notes, &e), 0);
	struct buf b = {0};
	size_t i;
	json_t *c;
	json_array_foreach(ch, i, c)
	{
		const char *path = jstr(c, "Path");
		if (!startswith(path, "/deep/d/d/d/d"))
			buf_printf(&b, "%lld %s\n", jint(c, "Kind", -1), path);
	}
	assert_string_equal(buf_cstr(&b), "1 /deep\n"
	                                  "1 /deep/d\n"
	                                  "1 /deep/d/d\n"
	                                  "1 /deep/d/d/d\n"
	                                  "0 /etc\n"
	                                  "2 /etc/gone\n"
	                                  "1 /etc/new\n"
	                                  "1 /etc/old\n"
	                                  "0 /etc/passwd\n"
	                                  "1 /etc/shadow.lnk\n"
	                                  "1 /opt\n"
	                                  "1 /opt/x\n"
	                                  "0 /www\n"
	                                  "2 /www/index.html\n"
	                                  "1 /www/new\n"
	                                  "2 /www/sub\n");
	buf_free(&b);
	/* the deepest path listed has LAYERDIFF_MAX_DEPTH components, and the cut is a note */
	size_t deepest = 0;
	json_array_foreach(ch, i, c)
	{
		size_t n = 0;
		for (const char *q = jstr(c, "Path"); *q; q++)
			n += *q == '/';
		if (n > deepest)
			deepest = n;
	}
	assert_int_equal(deepest, LAYERDIFF_MAX_DEPTH);
	assert_int_equal(json_array_size(notes), 1);
	assert_non_null(strstr(json_string_value(json_array_get(notes, 0)), "deeper than"));
	json_decref(ch);
	json_decref(notes);
	/* an upper that is not there is an error, not an empty list */
	snprintf(p, sizeof(p), "%s/none", tmpl);
	assert_int_equal(layerdiff(p, NULL, 0, &ch, NULL, &e), -1);
	assert_non_null(strstr(e.msg, "writable layer"));
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
}

static void test_stat(void **state)
{
	struct procfs_stat st;
	const char *s = "4242 (evil) 1) (x) S 4241 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 "
	                "0 123456 1000 10";
	assert_true(procfs_stat_parse(s, &st));
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.comm, "evil) 1) (x");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 4241);
	assert_int_equal(st.starttime, 123456);
	assert_false(procfs_stat_parse("4242 (short) S 1 2", &st));
	assert_false(procfs_stat_parse("x (y) S", &st));
	char *v = procfs_status_parse("Name:\tsleep\nPPid:\t17\n", "PPid");
	assert_string_equal(v, "17");
	free(v);
	assert_null(procfs_status_parse("Name:\tsleep\n", "PPid"));
}

/* The records on disk checked against the daemon's list of the same moment: every recorded
 * container agrees; a list that says otherwise (state, label, address, port, name, mount)
 * names what differs, so the daemon's own inspect is asked instead. */
static void test_record_against_list(void **state)
{
	(void)state;
	json_error_t je;
	json_t *list = json_load_file(FIXTURES "/engine-20.10.24/containers-list.json", 0, &je);
	assert_non_null(list);
	size_t i, checked = 0;
	json_t *item;
	json_array_foreach(list, i, item)
	{
		const char *id = jstr(item, "Id");
		json_t *doc = NULL, *notes = json_array();
		struct cirt_err e = {0};
		if (ondisk_inspect(ROOT, id, &doc, notes, &e) < 0) {
			json_decref(notes);
			continue; /* not among the recorded ones */
		}
		char *d = host_record_disagrees(item, doc);
		if (d)
			fail_msg("%s: %s", jstr(item, "Id"), d);
		checked++;
		const char *const edits[][3] = {
		    {"State", NULL, "exited"},
		    {"Labels", "x", "y"},
		    {"Names", NULL, "/other"},
		    {"Command", NULL, "sh -c evil"},
		};
		for (size_t k = 0; k < ARRAY_SIZE(edits); k++) {
			json_t *copy = json_deep_copy(item);
			if (streq(edits[k][0], "Labels"))
				json_object_set_new(json_object_get(copy, "Labels"), edits[k][1],
				                    json_string(edits[k][2]));
			else if (streq(edits[k][0], "Names"))
				json_object_set_new(copy, "Names", json_pack("[s]", edits[k][2]));
			else
				json_object_set_new(copy, edits[k][0], json_string(edits[k][2]));
			d = host_record_disagrees(copy, doc);
			assert_non_null(d);
			free(d);
			json_decref(copy);
		}
		/* an address the record does not hold */
		json_t *copy = json_deep_copy(item);
		const char *net;
		json_t *ep;
		json_object_foreach(jobj(jobj(copy, "NetworkSettings"), "Networks"), net, ep)
		    json_object_set_new(ep, "IPAddress", json_string("10.99.99.99"));
		if (json_object_size(jobj(jobj(copy, "NetworkSettings"), "Networks"))) {
			d = host_record_disagrees(copy, doc);
			assert_non_null(d);
			assert_non_null(strstr(d, "network"));
			free(d);
		}
		json_decref(copy);
		json_decref(doc);
		json_decref(notes);
	}
	assert_int_equal(checked, 3);
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_bridge_record),
	    cmocka_unit_test(test_shared_and_custom),
	    cmocka_unit_test(test_parse_edge_cases),
	    cmocka_unit_test(test_runc_state),
	    cmocka_unit_test(test_cgroup_forms),
	    cmocka_unit_test(test_stat),
	    cmocka_unit_test(test_layerdiff),
	    cmocka_unit_test(test_record_against_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
