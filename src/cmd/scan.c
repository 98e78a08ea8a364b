/* scan.c: `cirt scan`: backdoors, webshells, malware, secrets, weak passwords, escape risks and
 * intruder traces in containers, images, `docker save` tarballs and directories, offline. */
#include <ctype.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "escape.h"
#include "output/output.h"
#include "priv.h"
#include "scan/scan.h"

enum {
	OPT_IMAGE = 256,
	OPT_ROOTFS,
	OPT_CHECKS,
	OPT_QUICK,
	OPT_RULES,
	OPT_HASHES,
	OPT_WORDLIST,
	OPT_FORMAT,
	OPT_FAIL_ON,
	OPT_MIN_SEV,
	OPT_MAX_SIZE,
	OPT_MAX_DEPTH,
	OPT_THREADS,
	OPT_XDEV,
	OPT_NO_PROGRESS,
	OPT_CRACK_TIME,
	OPT_BASELINE,
};

static const struct cmd_opt scan_opts[] = {
    {"all", 'a', NULL, "every container, running or stopped"},
    {"image", OPT_IMAGE, "IMAGE",
     "an image (its layers), or a `docker save` tarball when IMAGE is a file; repeatable"},
    {"rootfs", OPT_ROOTFS, "DIR", "a directory holding a root filesystem; repeatable"},
    {"checks", OPT_CHECKS, "LIST",
     "only these checks: backdoor,webshell,malware,secrets,weakpass,escape,history,runtime "
     "(default all)"},
    {"quick", OPT_QUICK, NULL,
     "cheap checks at known locations only (escape, runtime, history, backdoor and credential "
     "files): no full content scan"},
    {"rules", OPT_RULES, "DIR",
     "also match the YARA rules in DIR (*.yar, *.yara); meta severity/description/check are used"},
    {"hashes", OPT_HASHES, "FILE",
     "report files whose SHA-256 is in FILE (one hex digest per line, optional name after it)"},
    {"wordlist", OPT_WORDLIST, "FILE",
     "more passwords to try on /etc/shadow hashes (one per line)"},
    {"format", OPT_FORMAT, "FMT", "table (default), json, or sarif (SARIF 2.1.0)"},
    {"fail-on", OPT_FAIL_ON, "SEV",
     "exit 1 only for findings at or above SEV: info, low, medium, high, critical, or never "
     "(default info)"},
    {"min-severity", OPT_MIN_SEV, "SEV", "leave out findings below SEV"},
    {"max-size", OPT_MAX_SIZE, "SIZE",
     "read at most this much of a file, larger files are listed as skipped (default 256M; K, M, "
     "G)"},
    {"max-depth", OPT_MAX_DEPTH, "N", "enter at most N directory levels (default 64)"},
    {"threads", OPT_THREADS, "N", "worker threads (default: every online CPU)"},
    {"xdev", OPT_XDEV, NULL,
     "stay on the container's root filesystem: volumes and bind mounts are not entered"},
    {"no-progress", OPT_NO_PROGRESS, NULL, "no progress line on a terminal"},
    {"crack-time", OPT_CRACK_TIME, "SECONDS", "time spent guessing each password hash (default 3)"},
    {"baseline", OPT_BASELINE, "DIR|IMAGE",
     "with --rootfs: what the directory started as (a directory or an image): files absent "
     "there or different are marked added since the image"},
    {0},
};

enum fmt { FMT_TABLE, FMT_JSON, FMT_SARIF };

struct scan_args {
	bool all;
	char **images, **rootfs;
	size_t n_images, n_rootfs;
	struct scan_opts so;
	enum fmt fmt;
	int fail_on; /* -1: never */
	int min_sev;
	bool progress;
	const char *baseline;
};

static long long parse_size(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return -1;
	double mul = 1;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		mul = 1024.0;
		end++;
		break;
	case 'M':
		mul = 1024.0 * 1024;
		end++;
		break;
	case 'G':
		mul = 1024.0 * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'B' || *end == 'b' || (*end == 'i' && end[1] == 'B'))
		end += *end == 'i' ? 2 : 1;
	if (*end || v * mul > 64.0 * 1024 * 1024 * 1024)
		return -1;
	return (long long)(v * mul);
}

static int parse_uint(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > max)
		return -1;
	return (int)v;
}

static int on_opt(struct ctx *x, int key, const char *arg, void *st)
{
	struct scan_args *a = st;
	int v;
	long long sz;
	const char *bad = NULL;
	switch (key) {
	case 'a':
		a->all = true;
		break;
	case OPT_IMAGE:
		a->images = xrealloc(a->images, (a->n_images + 1) * sizeof(*a->images));
		a->images[a->n_images++] = (char *)arg;
		break;
	case OPT_ROOTFS:
		a->rootfs = xrealloc(a->rootfs, (a->n_rootfs + 1) * sizeof(*a->rootfs));
		a->rootfs[a->n_rootfs++] = (char *)arg;
		break;
	case OPT_CHECKS:
		a->so.checks = scan_checks_parse(arg, &bad);
		if (!a->so.checks)
			return cmd_usage(x,
			                 "scan: --checks: '%s' is not a check (backdoor, webshell, "
			                 "malware, secrets, "
			                 "weakpass, escape, history, runtime)",
			                 bad);
		break;
	case OPT_QUICK:
		a->so.quick = true;
		break;
	case OPT_RULES:
		a->so.rules_dir = arg;
		break;
	case OPT_HASHES:
		a->so.hashes = arg;
		break;
	case OPT_WORDLIST:
		a->so.wordlist = arg;
		break;
	case OPT_FORMAT:
		if (streq(arg, "table"))
			a->fmt = FMT_TABLE;
		else if (streq(arg, "json"))
			a->fmt = FMT_JSON;
		else if (streq(arg, "sarif"))
			a->fmt = FMT_SARIF;
		else
			return cmd_usage(x, "scan: --format: '%s' is not one of table, json, sarif",
			                 arg);
		break;
	case OPT_FAIL_ON:
		if (streq(arg, "never") || streq(arg, "none")) {
			a->fail_on = -1;
			break;
		}
		a->fail_on = scan_sev_parse(arg);
		if (a->fail_on < 0)
			return cmd_usage(x,
			                 "scan: --fail-on: '%s' is not a severity (info, low, "
			                 "medium, high, critical, never)",
			                 arg);
		break;
	case OPT_MIN_SEV:
		a->min_sev = scan_sev_parse(arg);
		if (a->min_sev < 0)
			return cmd_usage(x,
			                 "scan: --min-severity: '%s' is not a severity (info, low, "
			                 "medium, high, critical)",
			                 arg);
		break;
	case OPT_MAX_SIZE:
		sz = parse_size(arg);
		if (sz < 1)
			return cmd_usage(
			    x, "scan: --max-size: '%s' is not a size (e.g. 512K, 256M, 1G)", arg);
		a->so.max_size = (uint64_t)sz;
		break;
	case OPT_MAX_DEPTH:
		v = parse_uint(arg, 4096);
		if (v < 0)
			return cmd_usage(
			    x, "scan: --max-depth: '%s' is not a number from 1 to 4096", arg);
		a->so.max_depth = (unsigned)v;
		break;
	case OPT_THREADS:
		v = parse_uint(arg, 1024);
		if (v < 0)
			return cmd_usage(x, "scan: --threads: '%s' is not a number from 1 to 1024",
			                 arg);
		a->so.threads = (unsigned)v;
		break;
	case OPT_XDEV:
		a->so.xdev = true;
		break;
	case OPT_NO_PROGRESS:
		a->progress = false;
		break;
	case OPT_CRACK_TIME:
		v = parse_uint(arg, 3600);
		if (v < 0)
			return cmd_usage(
			    x, "scan: --crack-time: '%s' is not a number of seconds from 1 to 3600",
			    arg);
		a->so.crack_ms = (unsigned)v * 1000;
		break;
	case OPT_BASELINE:
		a->baseline = arg;
		break;
	}
	return 0;
}

/* The progress line on a terminal (stderr). */
static void progress(void *ud, const struct scan_progress *p)
{
	(void)ud;
	char b[32], r[32];
	double secs = p->elapsed_ms ? p->elapsed_ms / 1000.0 : 0.001;
	_cleanup_free_ char *name = term_escape(p->target ? p->target : "");
	fprintf(stderr, "\r\033[Kscanning %.40s: %llu files, %s, %s/s, %llu finding%s", name,
	        (unsigned long long)p->files, fmt_bytes(p->bytes, b, sizeof(b)),
	        fmt_bytes((uint64_t)(p->bytes / secs), r, sizeof(r)),
	        (unsigned long long)p->findings, p->findings == 1 ? "" : "s");
	fflush(stderr);
}

static void filter(struct scan_result *r, int min_sev)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		if ((int)r->f[i].sev >= min_sev) {
			r->f[k++] = r->f[i];
			continue;
		}
		struct scan_result one = {.f = xmalloc(sizeof(*r->f)), .n = 1};
		one.f[0] = r->f[i];
		scan_result_clear(&one);
	}
	r->n = k;
}

static const struct out_col cols[] = {
    {"SEVERITY", "severity"}, {"RULE", "rule"},     {"LOCATION", "location"},
    {"ORIGIN", "origin"},     {"REASON", "reason"}, {"EVIDENCE", "evidence"},
};

static void print_table(const struct scan_target *t, const struct scan_result *r)
{
	size_t by[SEV_CRITICAL + 1] = {0};
	for (size_t i = 0; i < r->n; i++)
		by[r->f[i].sev]++;
	_cleanup_free_ char *name = term_escape(t->name);
	printf("== %s %s", scan_kind_name(t->kind), name);
	if (t->id && t->kind != SCAN_TARBALL)
		printf(" (%.12s%s%s)", t->id + (startswith(t->id, "sha256:") ? 7 : 0),
		       t->state ? ", " : "", t->state ? t->state : "");
	printf(": %zu finding%s", r->n, r->n == 1 ? "" : "s");
	if (r->n) {
		printf(" (");
		bool first = true;
		for (int s = SEV_CRITICAL; s >= SEV_INFO; s--)
			if (by[s]) {
				printf("%s%zu %s", first ? "" : ", ", by[s],
				       scan_sev_name((enum scan_sev)s));
				first = false;
			}
		printf(")");
	}
	printf(" ==\n");
	if (t->kind != SCAN_HOST) {
		_cleanup_free_ char *how = term_escape(t->how ? t->how : "");
		char bytes[32];
		printf("   %llu files, %s in %.1f s; %s\n", (unsigned long long)r->st.files,
		       fmt_bytes(r->st.bytes, bytes, sizeof(bytes)), r->st.elapsed_ms / 1000.0,
		       how);
	}
	for (size_t i = 0; i < r->n_notes; i++) {
		_cleanup_free_ char *n = term_escape(r->notes[i]);
		printf("   note: %s\n", n);
	}
	if (!r->n) {
		printf("\n");
		return;
	}
	json_t *rows = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct scan_finding *f = &r->f[i];
		json_t *row = json_object();
		json_object_set_new(row, "severity", json_string(scan_sev_name(f->sev)));
		json_object_set_new(row, "rule", json_str(f->rule));
		char *loc;
		if (f->path && f->line)
			loc = xasprintf("%s:%u", f->path, f->line);
		else if (f->path && f->pid)
			loc = xasprintf("pid %d %s", f->pid, f->path);
		else if (f->path)
			loc = xstrdup(f->path);
		else if (f->pid)
			loc = xasprintf("pid %d", f->pid);
		else
			loc = NULL;
		json_object_set_new(row, "location", json_str(loc));
		free(loc);
		const char *o = scan_origin_name(f->origin);
		json_object_set_new(
		    row, "origin", o && f->origin != ORIGIN_UNKNOWN ? json_string(o) : json_null());
		json_object_set_new(row, "reason", json_str(f->reason));
		json_object_set_new(row, "evidence", json_str(f->evidence));
		json_array_append_new(rows, row);
	}
	out_table(stdout, rows, cols, ARRAY_SIZE(cols));
	json_decref(rows);
	printf("\n");
}

/* Inspect a container again after its files vanished: 0 with a fresh target, 1 when it was
 * removed, -1 when that cannot be told. */
static int retarget(struct ctx *x, struct scan_target **t)
{
	struct docker *d = NULL;
	json_t *j = NULL;
	struct cirt_err e = {0};
	struct host *h = NULL;
	if (x->no_daemon) {
		/* its records on disk and its cgroup, read again */
		char *ref = (*t)->id;
		struct host_load_opts o = {.all = true, .refs = &ref, .n_refs = 1};
		struct container *c = NULL;
		if (host_load_nodaemon(&o, &h, &e) < 0 || host_find(h, ref, &c, &e) < 0) {
			host_free(h);
			return e.code == CIRT_EXIT_NOTFOUND ? 1 : -1;
		}
		j = json_incref(c->inspect);
		host_free(h);
	} else {
		if (ctx_docker(x, &d) < 0)
			return -1;
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", (*t)->id);
		if (docker_get_json(d, path, &j, &e) < 0)
			return e.code == CIRT_EXIT_NOTFOUND ? 1 : -1;
	}
	struct scan_target *nt = NULL;
	int r = scan_target_container(d, j, &nt, &e);
	json_decref(j);
	if (r < 0)
		return -1;
	scan_target_free(*t);
	*t = nt;
	return 0;
}

static void add_target(struct scan_target ***v, size_t *n, struct scan_target *t)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = t;
}

static int scan_run(struct ctx *x, int argc, char **argv)
{
	struct scan_args a = {.fmt = FMT_TABLE, .progress = true};
	int i = cmd_parse(x, &cmd_scan, argc, argv, on_opt, &a);
	_cleanup_free_ char **images = NULL, **rootfs = NULL;
	int ret = 0;
	struct scan_engine *eng = NULL;
	struct scan_target **targets = NULL;
	struct scan_result *results = NULL;
	size_t nt = 0;
	struct host *h = NULL;
	/* up here: the gotos to out below would otherwise skip its initialisation, and its cleanup
	 * would free whatever the stack held (clang refuses to compile that; gcc does not) */
	_cleanup_free_ char *privs = NULL;
	images = a.images;
	rootfs = a.rootfs;
	if (i < 0)
		return i;
	if (x->json)
		a.fmt = a.fmt == FMT_SARIF ? FMT_SARIF : FMT_JSON;
	char **refs = argv + i;
	size_t nrefs = (size_t)(argc - i);
	if (!nrefs && !a.all && !a.n_images && !a.n_rootfs)
		return cmd_usage(
		    x, "scan: name a CONTAINER, or use --all, --image IMAGE or --rootfs DIR");
	if (nrefs && a.all)
		return cmd_usage(x, "scan: --all and CONTAINER names do not go together");
	if (a.baseline && !a.n_rootfs)
		return cmd_usage(x, "scan: --baseline goes with --rootfs DIR");
	if (a.progress && isatty(STDERR_FILENO)) {
		a.so.progress = progress;
	}
	/* rules and lists first: bad input fails before anything is read */
	if (scan_engine_new(&a.so, &eng, &x->err) < 0)
		return -1;
	size_t n_bad_rules = 0;
	const char *const *bad_rules = scan_engine_rule_errors(eng, &n_bad_rules);
	for (size_t k = 0; k < n_bad_rules; k++) {
		_cleanup_free_ char *m = term_escape(bad_rules[k]);
		fprintf(stderr, "cirt: warning: --rules: %s: file left out\n", m);
	}
	if (nrefs || a.all) {
		struct docker *d = NULL;
		struct host_load_opts o = {
		    .all = true, .refs = nrefs ? refs : NULL, .n_refs = nrefs};
		if (x->no_daemon ? host_load_nodaemon(&o, &h, &x->err) < 0
		                 : ctx_docker(x, &d) < 0 || host_load(d, &o, &h, &x->err) < 0) {
			ret = -1;
			goto out;
		}
		print_warnings(h);
		add_target(&targets, &nt, scan_target_host());
		for (size_t k = 0; k < h->n; k++) {
			struct container *c = &h->c[k];
			/* the records on disk list every container: keep the ones named */
			bool named = !nrefs;
			for (size_t r = 0; r < nrefs && !named; r++) {
				struct container *f = NULL;
				struct cirt_err fe = {0};
				named = host_find(h, refs[r], &f, &fe) == 0 && f == c;
			}
			if (!named)
				continue;
			struct scan_target *t = NULL;
			struct cirt_err e = {0};
			if (scan_target_container(d, c->inspect, &t, &e) < 0) {
				_cleanup_free_ char *m = term_escape(e.msg);
				fprintf(stderr, "cirt: warning: %s\n", m);
				if (!x->err.code)
					x->err = e;
				continue;
			}
			if (x->no_daemon)
				for (size_t q = 0; q < c->n_notes; q++)
					scan_target_note(t, "%s", c->notes[q]);
			add_target(&targets, &nt, t);
		}
	}
	for (size_t k = 0; k < a.n_images; k++) {
		struct scan_target *t = NULL;
		struct docker *d = NULL;
		struct stat st;
		bool file = stat(a.images[k], &st) == 0 && S_ISREG(st.st_mode);
		if (!file && !x->no_daemon && ctx_docker(x, &d) < 0) {
			ret = -1;
			goto out;
		}
		if (scan_target_image(d, a.images[k], &t, &x->err) < 0) {
			ret = -1;
			goto out;
		}
		add_target(&targets, &nt, t);
	}
	for (size_t k = 0; k < a.n_rootfs; k++) {
		struct scan_target *t = NULL;
		if (scan_target_rootfs(a.rootfs[k], &t, &x->err) < 0) {
			ret = -1;
			goto out;
		}
		add_target(&targets, &nt, t);
		struct docker *d = NULL;
		struct stat bst;
		if (a.baseline && stat(a.baseline, &bst) != 0 && !x->no_daemon &&
		    ctx_docker(x, &d) < 0) {
			ret = -1;
			goto out;
		}
		if (a.baseline && scan_target_set_baseline(d, t, a.baseline, &x->err) < 0) {
			ret = -1;
			goto out;
		}
	}
	/* everything below reads what the container's owner wrote: keep only the reading powers */
	static const int keep[] = {CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_SYS_PTRACE};
	struct cirt_err pe = {0};
	if (priv_drop(keep, ARRAY_SIZE(keep), &privs, &pe) < 0) {
		_cleanup_free_ char *m = term_escape(pe.msg);
		fprintf(stderr, "cirt: warning: %s\n", m);
	}
	results = xcalloc(nt + 1, sizeof(*results));
	bool failed = x->err.code != 0;
	int worst = -1;
	for (size_t k = 0; k < nt; k++) {
		struct cirt_err e = {0};
		int r = scan_target_run(eng, targets[k], &results[k], &e);
		if (r < 0 && e.code == CIRT_EXIT_NOTFOUND && targets[k]->kind == SCAN_CONTAINER) {
			/* it stopped or went away since it was listed: look again, once */
			int again = retarget(x, &targets[k]);
			if (again == 0) {
				e = (struct cirt_err){0};
				r = scan_target_run(eng, targets[k], &results[k], &e);
			} else if (again == 1) {
				if (a.so.progress)
					fprintf(stderr, "\r\033[K");
				_cleanup_free_ char *m = term_escape(targets[k]->name);
				fprintf(stderr,
				        "cirt: warning: container '%s' was removed during the "
				        "scan: left out\n",
				        m);
				continue;
			}
		}
		if (r < 0) {
			if (a.so.progress)
				fprintf(stderr, "\r\033[K");
			err_prefix(&e, "scan %s '%s'", scan_kind_name(targets[k]->kind),
			           targets[k]->name);
			_cleanup_free_ char *m = term_escape(e.msg);
			fprintf(stderr, "cirt: warning: %s\n", m);
			if (!failed)
				x->err = e;
			failed = true;
			continue;
		}
		filter(&results[k], a.min_sev);
		int m = scan_result_max_sev(&results[k]);
		if (m > worst)
			worst = m;
	}
	if (a.so.progress)
		fprintf(stderr, "\r\033[K");
	if (a.fmt == FMT_SARIF) {
		json_t *doc = scan_sarif(targets, results, nt);
		out_json(stdout, doc);
		json_decref(doc);
	} else if (a.fmt == FMT_JSON) {
		json_t *doc = json_object(), *arr = json_array();
		size_t total = 0;
		for (size_t k = 0; k < nt; k++) {
			json_array_append_new(arr, scan_result_json(targets[k], &results[k]));
			total += results[k].n;
		}
		json_object_set_new(doc, "targets", arr);
		json_t *sum = json_object();
		json_object_set_new(sum, "targets", json_integer((json_int_t)nt));
		json_object_set_new(sum, "findings", json_integer((json_int_t)total));
		json_object_set_new(sum, "max_severity",
		                    worst >= 0 ? json_string(scan_sev_name((enum scan_sev)worst))
		                               : json_null());
		json_object_set_new(sum, "rules",
		                    json_integer((json_int_t)scan_engine_rule_count(eng)));
		json_object_set_new(sum, "privileges", json_str(privs));
		json_object_set_new(doc, "summary", sum);
		out_json(stdout, doc);
		json_decref(doc);
	} else {
		for (size_t k = 0; k < nt; k++) {
			/* the host line only when the daemon itself is exposed */
			if (targets[k]->kind == SCAN_HOST && !results[k].n)
				continue;
			print_table(targets[k], &results[k]);
		}
	}
	if (failed)
		ret = -1;
	else
		ret = a.fail_on >= 0 && worst >= a.fail_on ? 1 : 0;
out:
	for (size_t k = 0; k < nt; k++) {
		if (results)
			scan_result_clear(&results[k]);
		scan_target_free(targets[k]);
	}
	free(results);
	free(targets);
	host_free(h);
	scan_engine_free(eng);
	return ret;
}

const struct cmd cmd_scan = {
    .name = "scan",
    .args = "[CONTAINER...]",
    .summary = "scan containers, images, tarballs or directories for backdoors, webshells, "
               "malware, secrets, "
               "weak passwords, escape risks and intruder traces (offline, read-only)",
    .opts = scan_opts,
    .run = scan_run,
    .flags = CMD_NODAEMON,
};
