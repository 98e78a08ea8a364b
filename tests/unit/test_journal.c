/* test_journal.c: the flow journal (times, rotation, pruning, the locked writer, the
 * time-ordered reader), the address map by time (reuse of an address), indicator lists, the
 * hand-formatted flow lines against flow_to_json, daemon events recorded from Docker 20.10, and
 * flows joined back from journal lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "journal/addrmap.h"
#include "journal/evfeed.h"
#include "journal/ioc.h"
#include "journal/jflows.h"
#include "journal/jline.h"
#include "journal/journal.h"
#include "json.h"

#define NS 1000000000ull

static struct flow_addr A(const char *s) {
	struct flow_addr a;
	if (!flow_addr_parse(s, &a))
		fail_msg("not an address: %s", s);
	return a;
}

/* an address that can be passed by pointer inline (a small ring of them) */
static const struct flow_addr *
PA(const char *s)
{
	static struct flow_addr ring[8];
	static unsigned k;
	struct flow_addr *a = &ring[k++ % 8];
	*a = A(s);
	return a;
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/cirt-test-journal-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return xstrdup(d);
}

static void rmrf(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' ||
			    (de->d_name[1] && strcmp(de->d_name, "..") != 0)) {
				char *p = xasprintf("%s/%s", dir, de->d_name);
				unlink(p);
				free(p);
			}
		closedir(d);
	}
	rmdir(dir);
}

static size_t count_files(const char *dir, uint64_t *total)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	*total = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "journal-", 8) != 0)
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		*total += (uint64_t)st.st_size;
		free(p);
		n++;
	}
	closedir(d);
	return n;
}

/* ---------------------------------------------------------------- times and sizes */

static void test_time_roundtrip(void **state)
{
	char b[40];
	uint64_t t;
	assert_string_equal(journal_time_str(0, b, sizeof(b)), "1970-01-01T00:00:00.000000Z");
	uint64_t v = 1795924521ull * NS + 720555436ull;
	journal_time_str(v, b, sizeof(b));
	assert_string_equal(b, "2026-11-29T03:55:21.720555Z");
	assert_true(journal_time_parse(b, &t));
	assert_int_equal(t, v - 436); /* microseconds kept */
	char f[32];
	jline_time(v, f);
	assert_string_equal(f, b);
	jline_time(v + 5 * 1000, f); /* same second: the cached prefix */
	assert_string_equal(f, "2026-11-29T03:55:21.720560Z");
	jline_time(v + NS, f);
	assert_string_equal(f, "2026-11-29T03:55:22.720555Z");

	assert_true(journal_time_parse("2026-11-29T03:55:21Z", &t));
	assert_int_equal(t, 1795924521ull * NS);
	assert_true(journal_time_parse("2026-11-29T04:55:21+01:00", &t));
	assert_int_equal(t, 1795924521ull * NS);
	assert_true(journal_time_parse("2026-11-29 03:55", &t));
	assert_int_equal(t, 1795924500ull * NS);
	assert_true(journal_time_parse("2026-11-29", &t));
	assert_int_equal(t, 1795910400ull * NS);
	assert_true(journal_time_parse("2024-02-29T00:00:00.5Z", &t));
	assert_int_equal(t % NS, 500000000ull);
	assert_false(journal_time_parse("2023-02-29", &t));
	assert_false(journal_time_parse("2026-13-01", &t));
	assert_false(journal_time_parse("2026-11-29T25:00:00Z", &t));
	assert_false(journal_time_parse("2026-11-29T00:00:00Zjunk", &t));
	assert_false(journal_time_parse("yesterday", &t));
	assert_false(journal_time_parse("", &t));
}

static void test_when(void **state)
{
	uint64_t now = 1795924521ull * NS, t;
	assert_true(journal_when_parse("10m", now, &t));
	assert_int_equal(t, now - 600 * NS);
	assert_true(journal_when_parse("2h", now, &t));
	assert_int_equal(t, now - 7200 * NS);
	assert_true(journal_when_parse("90", now, &t));
	assert_int_equal(t, now - 90 * NS);
	assert_true(journal_when_parse("2026-11-29T00:00:00Z", now, &t));
	assert_int_equal(t, 1795910400ull * NS);
	assert_false(journal_when_parse("10x", now, &t));
	assert_false(journal_when_parse("-5m", now, &t));
	assert_false(journal_when_parse("", now, &t));
}

/* ---------------------------------------------------------------- writer and reader */

static char *line_at(uint64_t t, unsigned i, size_t pad)
{
	char tb[40];
	journal_time_str(t, tb, sizeof(tb));
	char *p = xmalloc(pad + 1);
	memset(p, 'x', pad);
	p[pad] = '\0';
	char *l = xasprintf("{\"t\":\"%s\",\"type\":\"test\",\"i\":%u,\"pad\":\"%s\"}", tb, i, p);
	free(p);
	return l;
}

static void test_rotation_and_prune(void **state)
{
	char *dir = tmpdir();
	struct journal_writer *w = NULL;
	struct cirt_err e = {0};
	const uint64_t max = 64u << 10; /* files of 8 KiB */
	assert_int_equal(journal_open(dir, max, &w, &e), 0);
	/* a second writer on the same directory is refused, naming the first */
	struct journal_writer *w2 = NULL;
	struct cirt_err e2 = {0};
	assert_int_equal(journal_open(dir, max, &w2, &e2), -1);
	assert_non_null(strstr(e2.msg, "in use by another cirt watch"));
	char pid[32];
	snprintf(pid, sizeof(pid), "(pid %ld)", (long)getpid());
	assert_non_null(strstr(e2.msg, pid));

	/* lines of now: the reader skips files by the time in their names */
	uint64_t t0 = journal_now_ns() / 1000 * 1000;
	const unsigned N = 2000;
	for (unsigned i = 0; i < N; i++) {
		char *l = line_at(t0 + i * 1000000ull, i, 100);
		assert_int_equal(journal_append(w, l, strlen(l), &e), 0);
		free(l);
	}
	/* a line without its time is refused */
	assert_int_equal(journal_append(w, "{\"type\":\"x\"}", 12, &e), -1);
	const struct journal_stats *st = journal_writer_stats(w);
	assert_int_equal(st->lines, N);
	assert_true(st->files_opened > 8);
	assert_true(st->files_removed > 0);
	assert_int_equal(journal_close(w, &e), 0);
	uint64_t total;
	size_t nf = count_files(dir, &total);
	assert_true(nf <= JOURNAL_FILES + 1);
	assert_true(total <= max);

	/* the reader sees whole lines, oldest first, ending with the last one written */
	struct journal_reader *r = NULL;
	assert_int_equal(journal_reader_open(dir, 0, 0, &r, &e), 0);
	const char *l;
	size_t len;
	uint64_t t, prev = 0;
	unsigned n = 0, last = 0;
	while (journal_reader_next(r, &l, &len, &t, &e) > 0) {
		assert_true(t >= prev);
		prev = t;
		json_t *j = json_loadb(l, len, 0, NULL);
		assert_non_null(j); /* never a line cut by rotation */
		unsigned i = (unsigned)jint(j, "i", -1);
		if (n)
			assert_int_equal(i, last + 1);
		last = i;
		json_decref(j);
		n++;
	}
	assert_int_equal(last, N - 1);
	assert_true(n > 100 && n < N);
	assert_int_equal(journal_reader_stats(r)->bad, 0);
	journal_reader_close(r);

	/* a time range: only those lines */
	uint64_t since = t0 + (N - 50) * 1000000ull, until = t0 + (N - 41) * 1000000ull;
	assert_int_equal(journal_reader_open(dir, since, until, &r, &e), 0);
	n = 0;
	while (journal_reader_next(r, &l, &len, &t, &e) > 0) {
		assert_true(t >= since && t <= until);
		n++;
	}
	assert_int_equal(n, 10);
	journal_reader_close(r);
	rmrf(dir);
	free(dir);
}

static void test_reader_damage(void **state)
{
	char *dir = tmpdir();
	/* a file from a crashed writer: a garbage line, a line far too long, a cut last line */
	char *p = xasprintf("%s/journal-20261129T035521.000000Z-0000.ndjson", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	char *a = line_at(1795924521ull * NS, 1, 10);
	fprintf(f, "%s\nnot json at all\n", a);
	for (size_t i = 0; i < JOURNAL_MAX_LINE + 100; i++)
		fputc('y', f);
	char *b = line_at(1795924522ull * NS, 2, 10);
	fprintf(f, "\n%s\n%s", b, "{\"t\":\"2026-11-29T00:35:23.000000Z\",\"cut");
	fclose(f);
	char *p2 = xasprintf("%s/journal-20261129T035530.000000Z-0000.ndjson", dir);
	f = fopen(p2, "w");
	char *c = line_at(1795924530ull * NS, 3, 10);
	fprintf(f, "%s\n", c);
	fclose(f);
	struct journal_reader *r = NULL;
	struct cirt_err e = {0};
	assert_int_equal(journal_reader_open(dir, 0, 0, &r, &e), 0);
	const char *l;
	size_t len;
	uint64_t t;
	unsigned seen[4] = {0}, n = 0;
	while (journal_reader_next(r, &l, &len, &t, &e) > 0) {
		json_t *j = json_loadb(l, len, 0, NULL);
		assert_non_null(j);
		seen[n++] = (unsigned)jint(j, "i", 0);
		json_decref(j);
	}
	assert_int_equal(n, 3);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 2);
	assert_int_equal(seen[2], 3);
	assert_int_equal(journal_reader_stats(r)->bad, 3);
	journal_reader_close(r);
	/* a range after the first file's successor began: the first file is not opened */
	assert_int_equal(journal_reader_open(dir, 1795924530ull * NS + 121 * NS, 0, &r, &e), 0);
	while (journal_reader_next(r, &l, &len, &t, &e) > 0)
		;
	assert_int_equal(journal_reader_stats(r)->files, 2);
	assert_int_equal(journal_reader_stats(r)->files_read, 1);
	journal_reader_close(r);
	assert_int_equal(journal_reader_open(dir, 0, 1795924521ull * NS - 121 * NS, &r, &e), 0);
	while (journal_reader_next(r, &l, &len, &t, &e) > 0)
		;
	assert_int_equal(journal_reader_stats(r)->files_read, 0);
	journal_reader_close(r);
	free(a);
	free(b);
	free(c);
	free(p);
	free(p2);
	rmrf(dir);
	free(dir);

	assert_int_equal(journal_reader_open("/nonexistent/cirt-journal", 0, 0, &r, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_NOTFOUND);
	assert_non_null(strstr(e.msg, "cirt watch --journal"));
}

/* ---------------------------------------------------------------- address map */

static void test_addrmap_reuse(void **state)
{
	struct addrmap *m = addrmap_new();
	struct flow_addr ip = A("10.213.99.10");
	uint64_t t = 1795924521ull * NS;
	int old = addrmap_container(m, "aaaa", "wt-beacon", "img:1");
	addrmap_open(m, old, &ip, "wt-net", t);
	/* its flows, even a moment before the daemon's event (AM_EARLY_NS) */
	assert_int_equal(addrmap_lookup(m, &ip, t - NS), old);
	assert_int_equal(addrmap_lookup(m, &ip, t + 5 * NS), old);
	addrmap_close(m, old, "wt-net", t + 10 * NS);
	addrmap_gone(m, old, t + 11 * NS);
	/* destroyed but still held by its interval: its name survives for late lines */
	assert_non_null(addrmap_get(m, old));
	assert_string_equal(addrmap_get(m, old)->name, "wt-beacon");
	int neu = addrmap_container(m, "bbbb", "wt-new", "img:1");
	assert_int_not_equal(neu, old);
	addrmap_open(m, neu, &ip, "wt-net", t + 12 * NS);
	/* the early window never reaches back into the previous holder's time */
	assert_int_equal(addrmap_lookup(m, &ip, t + 9 * NS), old);
	assert_int_equal(addrmap_lookup(m, &ip, t + 10 * NS), neu);
	assert_int_equal(addrmap_lookup(m, &ip, t + 20 * NS), neu);
	assert_int_equal(addrmap_lookup(m, &ip, t - 10 * NS), -1);
	assert_int_equal(addrmap_lookup(m, PA("10.213.99.11"), t + 20 * NS), -1);
	assert_int_equal(addrmap_open_count(m, neu), 1);
	assert_int_equal(addrmap_open_count(m, old), 0);

	/* a missed disconnect: a new holder ends the old interval */
	struct flow_addr ip2 = A("fd00::5");
	int c = addrmap_container(m, "cccc", "c", NULL);
	int d = addrmap_container(m, "dddd", "d", NULL);
	addrmap_open(m, c, &ip2, "n6", t);
	addrmap_open(m, d, &ip2, "n6", t + 30 * NS);
	assert_int_equal(addrmap_lookup(m, &ip2, t + 29 * NS), c);
	assert_int_equal(addrmap_lookup(m, &ip2, t + 31 * NS), d);
	/* opening twice changes nothing */
	addrmap_open(m, d, &ip2, "n6", t + 40 * NS);
	assert_int_equal(addrmap_open_count(m, d), 1);

	/* a rename changes the reference copied into new lines */
	addrmap_container(m, "dddd", "d-renamed", NULL);
	assert_string_equal(jstr(addrmap_get(m, d)->ref, "name"), "d-renamed");
	assert_non_null(strstr(addrmap_get(m, d)->ref_json, "\"d-renamed\""));

	/* pruning forgets ended intervals, then the destroyed container */
	addrmap_prune(m, t + 100 * NS);
	assert_null(addrmap_get(m, old));
	assert_int_equal(addrmap_lookup(m, &ip, t + 20 * NS), neu);
	assert_int_equal(addrmap_lookup(m, &ip, t + 5 * NS), -1);
	addrmap_free(m);
}

static void test_cidr_and_subnets(void **state)
{
	struct flow_addr n;
	int p;
	assert_true(addrmap_parse_cidr("10.66.0.7/24", &n, &p));
	assert_int_equal(p, 24);
	char b[64];
	assert_string_equal(flow_addr_str(&n, b, sizeof(b)), "10.66.0.0");
	assert_true(addrmap_cidr_has(&n, p, PA("10.66.0.2")));
	assert_false(addrmap_cidr_has(&n, p, PA("10.66.1.2")));
	assert_true(addrmap_parse_cidr("10.66.0.2", &n, &p));
	assert_int_equal(p, 32);
	assert_false(addrmap_cidr_has(&n, p, PA("10.66.0.20")));
	assert_true(addrmap_parse_cidr("fd00:1::/33", &n, &p));
	assert_true(addrmap_cidr_has(&n, p, PA("fd00:1:7fff::1")));
	assert_false(addrmap_cidr_has(&n, p, PA("fd00:1:8000::1")));
	assert_false(addrmap_cidr_has(&n, p, PA("10.66.0.2")));
	assert_true(addrmap_parse_cidr("::ffff:10.1.2.3", &n, &p)); /* mapped: IPv4 */
	assert_int_equal(n.family, AF_INET);
	assert_false(addrmap_parse_cidr("10.0.0.0/33", &n, &p));
	assert_false(addrmap_parse_cidr("10.0.0.0/", &n, &p));
	assert_false(addrmap_parse_cidr("host.example", &n, &p));
	/* found by fuzz_ioc: prefixes that wrapped or were cut short were taken as others */
	assert_false(addrmap_parse_cidr("2001:db8::/4294967304", &n, &p)); /* (int) = 8 */
	assert_false(addrmap_parse_cidr("10.0.0.0/9223372036854775808", &n, &p));
	char longp[160];
	snprintf(longp, sizeof(longp), "10.1.2.3/%0119d8", 0); /* cut at 127: "/000..0" */
	assert_false(addrmap_parse_cidr(longp, &n, &p));
	assert_true(addrmap_parse_cidr("10.1.2.3/0008", &n, &p));
	assert_int_equal(p, 8);

	struct addrmap *m = addrmap_new();
	assert_true(addrmap_parse_cidr("172.21.0.0/16", &n, &p));
	addrmap_subnet(m, &n, p);
	addrmap_subnet(m, &n, p);
	assert_true(addrmap_in_subnets(m, PA("172.21.3.4")));
	assert_false(addrmap_in_subnets(m, PA("172.22.3.4")));
	addrmap_free(m);
}

static void test_ioc(void **state)
{
	char *dir = tmpdir();
	char *p = xasprintf("%s/ioc.txt", dir);
	FILE *f = fopen(p, "w");
	fprintf(
	    f, "# c2 servers\n\n10.66.0.0/24   # lab range\n  10.66.0.2 # the C2\n2001:db8::/32\n");
	fclose(f);
	struct ioc_list *l = NULL;
	struct cirt_err e = {0};
	assert_int_equal(ioc_load(p, &l, &e), 0);
	assert_int_equal(l->n, 3);
	const struct ioc_entry *h = ioc_match(l, PA("10.66.0.2"));
	assert_non_null(h);
	assert_string_equal(h->text, "10.66.0.2"); /* the most specific */
	assert_string_equal(h->comment, "the C2");
	assert_int_equal(h->line, 4);
	h = ioc_match(l, PA("10.66.0.9"));
	assert_string_equal(h->text, "10.66.0.0/24");
	assert_string_equal(h->comment, "lab range");
	assert_non_null(ioc_match(l, PA("2001:db8::1")));
	assert_null(ioc_match(l, PA("10.67.0.2")));
	ioc_free(l);

	f = fopen(p, "w");
	fprintf(f, "10.0.0.1\n10.0.0.300\n");
	fclose(f);
	assert_int_equal(ioc_load(p, &l, &e), -1);
	assert_int_equal(e.code, CIRT_EXIT_USAGE);
	assert_non_null(strstr(e.msg, "line 2"));
	assert_non_null(strstr(e.msg, "'10.0.0.300'"));
	f = fopen(p, "w");
	fprintf(f, "10.0.0.1 evil.example\n");
	fclose(f);
	assert_int_equal(ioc_load(p, &l, &e), -1);
	assert_non_null(strstr(e.msg, "line 1"));
	assert_int_equal(ioc_load("/nonexistent/ioc", &l, &e), -1);
	assert_non_null(strstr(e.msg, "No such file"));
	unlink(p);
	free(p);
	rmrf(dir);
	free(dir);
}

/* ---------------------------------------------------------------- flow lines */

/* Names and wildcard domains in an ioc list: parsing, what is refused, and matching. */
static void test_ioc_names(void **state)
{
	(void)state;
	char text[] = "# names from an alert\n"
	              "c2.cirt-lab.test   # the C2 by name\n"
	              "*.evil.example     # everything below\n"
	              "10.66.0.2\n"
	              "*.Deep.Evil.Example. # a more specific wildcard, any case, trailing dot\n"
	              "EXACT.example.\n"
	              "xn--bcher-kva.example\n"
	              "\xc3\xa9t\xc3\xa9.example # an IDN in UTF-8, kept as bytes\n"
	              "_dmarc.mail.example\n"
	              "*.tk\n"
	              "c2.cirt-lab.test # listed twice: the first line wins\n";
	struct ioc_list *l = NULL;
	struct cirt_err e = {0};
	assert_int_equal(ioc_parse("names.txt", text, strlen(text), &l, &e), 0);
	/* addresses as before, names apart */
	assert_int_equal(l->n, 1);
	assert_int_equal(l->n_names, 9);
	assert_non_null(ioc_match(l, PA("10.66.0.2")));
	assert_null(ioc_match(l, PA("10.66.0.3")));
	const struct ioc_entry *h;
#define M(s) ioc_match_name(l, (s), strlen(s))
	h = M("c2.cirt-lab.test");
	assert_non_null(h);
	assert_int_equal(h->kind, IOC_NAME);
	assert_int_equal(h->line, 2);
	assert_string_equal(h->comment, "the C2 by name");
	assert_ptr_equal(M("C2.CIRT-LAB.test."), h);
	/* an exact name is not a wildcard: neither its subdomains nor its parent */
	assert_null(M("x.c2.cirt-lab.test"));
	assert_null(M("cirt-lab.test"));
	/* a wildcard: every depth below, never the apex */
	h = M("a.evil.example");
	assert_non_null(h);
	assert_int_equal(h->kind, IOC_DOMAIN);
	assert_string_equal(h->text, "*.evil.example");
	assert_string_equal(h->name, "evil.example");
	assert_ptr_equal(M("x.y.z.EVIL.example."), h);
	assert_null(M("evil.example"));
	assert_null(M("evil.example."));
	assert_null(M("notevil.example"));
	assert_null(M("evil.example.com"));
	/* the longest domain wins */
	h = M("a.deep.evil.example");
	assert_string_equal(h->text, "*.Deep.Evil.Example.");
	assert_string_equal(h->name, "deep.evil.example");
	assert_string_equal(M("deep.evil.example")->text, "*.evil.example");
	assert_non_null(M("exact.example"));
	assert_non_null(M("xn--bcher-kva.example"));
	assert_non_null(M("\xc3\xa9t\xc3\xa9.example"));
	assert_null(M("\xc3\x89t\xc3\xa9.example")); /* no case folding beyond ASCII */
	assert_non_null(M("_dmarc.mail.example"));
	assert_non_null(M("anything.tk"));
	assert_null(M("tk"));
	/* a dot inside a label (DNS text "\\.") is no label boundary */
	assert_null(M("a\\.evil.example")); /* two labels: "a.evil", "example" */
	assert_null(M("evil\\.example"));
	assert_null(M("x.evil\\.example"));
	assert_null(M("c2.cirt-lab.test\\."));
	assert_null(M("."));
	assert_null(M(""));
	/* bytes a hostile query may hold never match by accident or crash */
	assert_null(ioc_match_name(l, "c2\0cirt-lab.test", 17));
	assert_null(ioc_match_name(NULL, "c2.cirt-lab.test", 16));
#undef M
	ioc_free(l);

	/* what stays refused: single words, numeric last labels, URLs, ports, empty labels, bad
	 * wildcards, too long */
	static const char *const bad[] = {"nonsense",
	                                  "not-an-ip",
	                                  "10.0.0.300",
	                                  "1.2.3.4.5",
	                                  "evil.123",
	                                  "http://evil.example",
	                                  "evil.example:443",
	                                  "evil..example",
	                                  ".evil.example",
	                                  "*.",
	                                  "*",
	                                  "*evil.example",
	                                  "a.*.example",
	                                  "evil.example/x",
	                                  "ev!l.example",
	                                  "10.0.0.0/33",
	                                  "evil.example..",
	                                  "*..example"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s\n", bad[i]);
		assert_int_equal(ioc_parse("bad.txt", buf, strlen(buf), &l, &e), -1);
		assert_int_equal(e.code, CIRT_EXIT_USAGE);
		/* the message the address-only list gave is still there */
		assert_non_null(strstr(e.msg, "is not an address or CIDR"));
	}
	char lab64[128];
	snprintf(lab64, sizeof(lab64), "%064d.example\n", 0);
	assert_int_equal(ioc_parse("bad.txt", lab64, strlen(lab64), &l, &e), -1);
	char lab63[128];
	snprintf(lab63, sizeof(lab63), "x%062d.example\n", 0);
	assert_int_equal(ioc_parse("ok.txt", lab63, strlen(lab63), &l, &e), 0);
	ioc_free(l);
	char longn[300];
	memset(longn, 'a', sizeof(longn));
	for (size_t i = 10; i < 260; i += 10)
		longn[i] = '.';
	longn[254] = '\n'; /* 254 bytes: too long */
	longn[255] = '\0';
	assert_int_equal(ioc_parse("bad.txt", longn, 255, &l, &e), -1);
	longn[253] = '\n'; /* 253: the longest */
	longn[254] = '\0';
	assert_int_equal(ioc_parse("ok.txt", longn, 254, &l, &e), 0);
	assert_int_equal(l->names[0].name_len, 253);
	ioc_free(l);
}

static void check_line(const struct flow *f, const char *src_name, const char *ioc_raw)
{
	json_t *ref = NULL;
	char *ref_text = NULL;
	if (src_name) {
		ref = json_pack("{s:s, s:s, s:s}", "id", "0123456789abcdef", "name", src_name,
		                "image", "img:1");
		ref_text = json_dumps(ref, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	}
	char *ioc_text = NULL;
	if (ioc_raw) {
		json_t *s = json_string(ioc_raw);
		ioc_text = json_dumps(s, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
		json_decref(s);
	}
	uint64_t t = 1795924521ull * NS + 123456789ull;
	struct buf b = {0};
	/* with a process and a namespace owner when there is a container */
	struct jline_extra x = {
	    .by = src_name ? "process" : "address",
	    .process = src_name
	                   ? "{\"pid\":7,\"comm\":\"nc\",\"exe\":\"/bin/nc\",\"argv\":[\"nc\","
	                     "\"\\u001b]\"],\"ppid\":1,\"parents\":[{\"pid\":1,\"comm\":\"sh\","
	                     "\"exe\":null}]}"
	                   : NULL,
	    .netns_owner = src_name ? "{\"id\":\"ffff\",\"name\":\"owner\"}" : NULL};
	jline_flow(&b, t, "new", ref_text, NULL, &x, f, ioc_text);
	json_t *fast = json_loadb(b.data, b.len, 0, NULL);
	assert_non_null(fast);
	json_t *slow = jline_flow_json(t, "new", ref, NULL, &x, f, ioc_raw);
	if (!json_equal(fast, slow)) {
		char *dump = json_dumps(slow, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fail_msg("fast line differs:\n%.*s\n%s", (int)b.len, b.data, dump);
	}
	/* and it reads back into the same flow */
	struct flow back;
	assert_true(jflow_parse_flow(json_object_get(fast, "flow"), &back));
	assert_true(flow_addr_eq(&back.orig.src, &f->orig.src));
	assert_true(flow_addr_eq(&back.orig.dst, &f->orig.dst));
	assert_int_equal(back.orig.sport, f->orig.sport);
	assert_int_equal(back.orig.dport, f->orig.dport);
	assert_int_equal(back.proto, f->proto);
	assert_int_equal(back.id, f->id);
	assert_int_equal(back.counted, f->counted);
	assert_int_equal(back.bytes[1], f->bytes[1]);
	/* the time at the start, fixed width, as the reader wants it */
	assert_true(b.len > 35 &&
	            memcmp(b.data, "{\"t\":\"2026-11-29T03:55:21.123456Z\",", 35) == 0);
	json_decref(fast);
	json_decref(slow);
	json_decref(ref);
	free(ref_text);
	free(ioc_text);
	buf_free(&b);
}

static void test_flow_lines(void **state)
{
	struct flow f = {.proto = IPPROTO_TCP};
	f.orig = (struct flow_tuple){
	    .src = A("172.21.0.3"), .dst = A("10.66.0.2"), .sport = 41234, .dport = 80};
	f.reply = (struct flow_tuple){
	    .src = A("10.66.0.2"), .dst = A("10.66.0.1"), .sport = 80, .dport = 41234};
	snprintf(f.state, sizeof(f.state), "SYN_SENT");
	f.id = 3457277149u;
	f.timeout = 120;
	f.first_ns = 1795924521ull * NS + 5 * 1000000ull;
	check_line(&f, "wt-beacon", NULL);
	check_line(&f, "evil\"name\\\x1b[31m", "10.66.0.0/24");
	f.counted = true;
	f.packets[0] = 3;
	f.bytes[0] = 180;
	f.packets[1] = 2;
	f.bytes[1] = 12345678901ull;
	f.last_ns = f.first_ns + 3 * NS;
	f.mark = 7;
	check_line(&f, NULL, NULL);
	struct flow g = {.proto = IPPROTO_UDP};
	g.orig = (struct flow_tuple){
	    .src = A("fd00::2"), .dst = A("2001:db8::1"), .sport = 5353, .dport = 53};
	check_line(&g, "v6", NULL);
	struct flow h = {.proto = IPPROTO_ICMP, .id = 1};
	h.orig = (struct flow_tuple){.src = A("10.0.0.1"), .dst = A("10.0.0.2")};
	snprintf(h.state, sizeof(h.state), "UNREPLIED");
	check_line(&h, "icmp", NULL);
}

/* ---------------------------------------------------------------- daemon events */

static void test_events_fixture(void **state)
{
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(read_file_max(AT_FDCWD, FIXTURES "/engine-20.10.24/events-wt-fix.ndjson",
	                               1 << 20, &data, &len),
	                 0);
	const char *id = "64d4c4fb90601d1d7a509ef97ea79306ef6d4c3e3ca8c463dba4c7ac841ba216";
	unsigned n = 0, opens = 0, closes = 0, gone = 0;
	bool exec_seen = false, rename_seen = false, die_seen = false, commit_seen = false;
	for (char *p = data; p && *p;) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		struct evrec *r = evfeed_parse_event(p, l);
		p = nl ? nl + 1 : NULL;
		if (!r)
			continue;
		n++;
		assert_int_equal(r->kind, EVR_EVENT);
		assert_string_equal(r->c.id, id);
		assert_true(r->t_ns > 1795000000ull * NS);
		const char *action = jstr(r->line, "action");
		assert_non_null(action);
		/* the line starts with its time, for the reader */
		char *s = json_dumps(r->line, JSON_COMPACT | JSON_PRESERVE_ORDER);
		assert_true(strncmp(s, "{\"t\":\"2026-", 11) == 0);
		free(s);
		assert_string_equal(jstr(jobj(r->line, "container"), "id"), id);
		if (r->op == EVM_OPEN)
			opens++;
		if (r->op == EVM_CLOSE_NET) {
			closes++;
			assert_string_equal(r->network, "wt-fixnet");
			assert_string_equal(action, "network_disconnect");
		}
		if (r->op == EVM_GONE)
			gone++;
		if (streq(action, "exec_start")) {
			exec_seen = true;
			assert_string_equal(jstr(r->line, "command"), "sh -c id; true");
			assert_non_null(jstr(r->line, "exec_id"));
		}
		if (streq(action, "rename")) {
			rename_seen = true;
			assert_string_equal(jstr(r->line, "old_name"), "wt-fix");
			assert_string_equal(r->c.name, "wt-fix2");
		}
		if (streq(action, "die")) {
			die_seen = true;
			assert_int_equal(jint(r->line, "exit_code", -1), 137);
			assert_string_equal(r->c.image, "cirt-lab/busybox:1");
		}
		if (streq(action, "commit"))
			commit_seen = true;
		/* labels and such stay, under "attributes" */
		if (streq(action, "start"))
			assert_string_equal(jstr(jobj(r->line, "attributes"), "cirt.lab"), "1");
		evrec_free(r);
	}
	free(data);
	assert_true(exec_seen && rename_seen && die_seen && commit_seen);
	assert_int_equal(opens, 3);  /* start, 2 network connects */
	assert_int_equal(closes, 3); /* the daemon sends a disconnect twice */
	assert_int_equal(gone, 1);
	assert_int_equal(
	    n, 19); /* every container event and connect/disconnect; not the network's own */
	assert_null(
	    evfeed_parse_event("{\"Type\":\"container\",\"Action\":\"health_status: healthy\","
	                       "\"Actor\":{\"ID\":\"x\"},\"timeNano\":1}",
	                       86));
	assert_null(evfeed_parse_event("garbage", 7));
	assert_null(evfeed_parse_event("{\"Type\":\"container\"}", 20));
}

/* ---------------------------------------------------------------- flows read back */

static void write_line(struct journal_writer *w, json_t *l)
{
	struct cirt_err e = {0};
	assert_int_equal(journal_append_json(w, l, &e), 0);
}

static bool match_c2(const struct flow *f, void *ud)
{
	return flow_addr_eq(&f->orig.dst, ud);
}

static void test_jflows_join(void **state)
{
	char *dir = tmpdir();
	struct journal_writer *w = NULL;
	struct cirt_err e = {0};
	assert_int_equal(journal_open(dir, 1 << 20, &w, &e), 0);
	uint64_t t =
	    (journal_now_ns() - 200 * NS) / 1000000 * 1000000; /* the lines keep milliseconds */
	json_t *ref =
	    json_pack("{s:s, s:s, s:s}", "id", "aaaa", "name", "wt-beacon", "image", "img:1");
	struct flow f = {.proto = IPPROTO_TCP, .id = 42};
	f.orig = (struct flow_tuple){
	    .src = A("10.213.99.10"), .dst = A("10.66.0.2"), .sport = 40000, .dport = 80};
	write_line(w, jline_flow_json(t, "new", ref, NULL, NULL, &f, NULL));
	struct flow other = f;
	other.orig.dst = A("10.66.0.3");
	other.id = 43;
	write_line(w, jline_flow_json(t + NS, "new", ref, NULL, NULL, &other, NULL));
	json_t *ev = journal_line_new(t + 2 * NS, "docker");
	json_object_set_new(ev, "action", json_string("destroy"));
	write_line(w, ev);
	struct flow end = f;
	end.first_ns = t;
	end.last_ns = t + 130 * NS;
	snprintf(end.state, sizeof(end.state), "TIME_WAIT");
	write_line(w, jline_flow_json(t + 130 * NS, "end", ref, NULL, NULL, &end, NULL));
	/* the same id and port later, from the address's next holder: another flow */
	json_t *ref2 =
	    json_pack("{s:s, s:s, s:s}", "id", "bbbb", "name", "wt-new", "image", "img:2");
	struct flow f2 = f;
	f2.orig.sport = 40001;
	write_line(w, jline_flow_json(t + 200 * NS, "new", ref2, NULL, NULL, &f2, "10.66.0.2"));
	assert_int_equal(journal_close(w, &e), 0);

	struct flow_addr c2 = A("10.66.0.2");
	const char *needles[] = {"10.66.0.2"};
	struct jflows jf = {0};
	assert_int_equal(jflows_read(dir, 0, 0, needles, 1, match_c2, &c2, 100, &jf, &e), 0);
	assert_int_equal(jf.n, 2);
	assert_string_equal(jf.v[0].src.name, "wt-beacon");
	assert_string_equal(jf.v[0].src.image, "img:1");
	assert_true(jf.v[0].began && jf.v[0].ended);
	assert_int_equal(jf.v[0].f.first_ns, t);
	assert_int_equal(jf.v[0].f.last_ns, t + 130 * NS);
	assert_string_equal(jf.v[0].f.state, "TIME_WAIT");
	assert_false(jf.v[0].alerted);
	assert_string_equal(jf.v[1].src.name, "wt-new");
	assert_true(jf.v[1].began && !jf.v[1].ended);
	assert_true(jf.v[1].alerted);
	jflows_clear(&jf);
	/* a time range that holds only the end line still names the container */
	assert_int_equal(
	    jflows_read(dir, t + 100 * NS, t + 150 * NS, needles, 1, match_c2, &c2, 100, &jf, &e),
	    0);
	assert_int_equal(jf.n, 1);
	assert_string_equal(jf.v[0].src.name, "wt-beacon");
	assert_false(jf.v[0].began);
	assert_int_equal(jf.v[0].f.first_ns, t);
	jflows_clear(&jf);
	/* bounded */
	assert_int_equal(jflows_read(dir, 0, 0, NULL, 0, NULL, NULL, 1, &jf, &e), 0);
	assert_int_equal(jf.n, 1);
	assert_true(jf.truncated);
	jflows_clear(&jf);
	json_decref(ref);
	json_decref(ref2);
	rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_roundtrip),
	    cmocka_unit_test(test_when),
	    cmocka_unit_test(test_rotation_and_prune),
	    cmocka_unit_test(test_reader_damage),
	    cmocka_unit_test(test_addrmap_reuse),
	    cmocka_unit_test(test_cidr_and_subnets),
	    cmocka_unit_test(test_ioc),
	    cmocka_unit_test(test_ioc_names),
	    cmocka_unit_test(test_flow_lines),
	    cmocka_unit_test(test_events_fixture),
	    cmocka_unit_test(test_jflows_join),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
