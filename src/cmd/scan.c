/* scan.c: `cirt scan`: backdoors, webshells, malware, secrets, weak passwords, escape risks and
 * intruder traces in containers, images, `docker save` tarballs and directories, offline. */
#include <unistd.h>

#include "cmd/cmd.h"
#include "escape.h"
#include "json.h"
#include "output/output.h"
#include "output/scantable.h"
#include "scan/job.h"

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

enum { OPT_IMAGE = 256, OPT_ROOTFS, OPT_CHECKS, OPT_FAIL_ON, OPT_CRACK_TIME };

static int on_opt(struct ctx *x, int key, const char *arg, void *st)
{
	struct scan_args *a = st;
	const char *bad = NULL;
	switch (key) {
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
			                 "malware, secrets, weakpass, escape, history, runtime)",
			                 bad);
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
	case OPT_CRACK_TIME: {
		char *end;
		long v = strtol(arg, &end, 10);
		if (end == arg || *end || v < 1 || v > 3600)
			return cmd_usage(
			    x, "scan: --crack-time: '%s' is not a number of seconds from 1 to 3600",
			    arg);
		a->so.crack_ms = (unsigned)v * 1000;
		break;
	}
	}
	return 0;
}

static const struct cmd_choice fmt_choices[] = {
    {"table", FMT_TABLE}, {"json", FMT_JSON}, {"sarif", FMT_SARIF}, {0}};
static const struct cmd_choice sev_choices[] = {{"info", SEV_INFO},         {"low", SEV_LOW},
                                                {"medium", SEV_MEDIUM},     {"high", SEV_HIGH},
                                                {"critical", SEV_CRITICAL}, {0}};

#define A struct scan_args
static const struct cmd_opt scan_opts[] = {
    OPT_BOOL("all", 'a',
             "every container, running or stopped (with --root: and every image of the image's "
             "store)",
             A, all),
    OPT_CALL("image", OPT_IMAGE, "IMAGE",
             "an image (its layers), or a `docker save` tarball when IMAGE is a file; repeatable"),
    OPT_CALL("rootfs", OPT_ROOTFS, "DIR", "a directory holding a root filesystem; repeatable"),
    OPT_CALL("checks", OPT_CHECKS, "LIST",
             "only these checks: backdoor,webshell,malware,secrets,weakpass,escape,history,runtime "
             "(default all)"),
    OPT_BOOL("quick", 0,
             "cheap checks at known locations only (escape, runtime, history, backdoor and "
             "credential files): no full content scan",
             A, so.quick),
    OPT_STR("rules", 0, "DIR",
            "also match the YARA rules in DIR (*.yar, *.yara); meta severity/description/check "
            "are used",
            A, so.rules_dir),
    OPT_STR("hashes", 0, "FILE",
            "report files whose SHA-256 is in FILE (one hex digest per line, optional name after "
            "it)",
            A, so.hashes),
    OPT_STR("wordlist", 0, "FILE", "more passwords to try on /etc/shadow hashes (one per line)", A,
            so.wordlist),
    OPT_CHOICE("format", 0, "FMT", "table (default), json, or sarif (SARIF 2.1.0)", A, fmt,
               fmt_choices),
    OPT_CALL("fail-on", OPT_FAIL_ON, "SEV",
             "exit 1 only for findings at or above SEV: info, low, medium, high, critical, or "
             "never (default info)"),
    OPT_CHOICE("min-severity", 0, "SEV", "leave out findings below SEV", A, min_sev, sev_choices),
    OPT_SIZE("max-size", 0, "SIZE",
             "read at most this much of a file, larger files are listed as skipped (default 256M; "
             "K, M, G)",
             A, so.max_size, 1, 64L << 30),
    OPT_UINT("max-depth", 0, "N", "enter at most N directory levels (default 64)", A, so.max_depth,
             1, 4096),
    OPT_UINT("threads", 0, "N", "worker threads (default: every online CPU)", A, so.threads, 1,
             1024),
    OPT_BOOL("xdev", 0,
             "stay on the container's root filesystem: volumes and bind mounts are not entered", A,
             so.xdev),
    OPT_FALSE("no-progress", 0, "no progress line on a terminal", A, progress),
    OPT_CALL("crack-time", OPT_CRACK_TIME, "SECONDS",
             "time spent guessing each password hash (default 3)"),
    OPT_STR("baseline", 0, "DIR|IMAGE",
            "with --rootfs: what the directory started as (a directory or an image): files absent "
            "there or different are marked added since the image",
            A, baseline),
    {0},
};
#undef A

/* The daemon's client for the scan layer, opened on first use. */
static int docker_of(void *x, struct docker **ret)
{
	return ctx_docker(x, ret);
}

/* A warning; ud non-NULL while the progress line may be on the terminal: clear it first. */
static void warn(void *ud, const char *msg)
{
	_cleanup_free_ char *m = term_escape(msg);
	fprintf(stderr, "%scirt: warning: %s\n", ud ? "\r\033[K" : "", m);
}

static int scan_run(struct ctx *x, int argc, char **argv)
{
	struct scan_args a = {.fmt = FMT_TABLE, .progress = true};
	int i = cmd_parse(x, &cmd_scan, argc, argv, on_opt, &a);
	_cleanup_free_ char **images = a.images, **rootfs = a.rootfs;
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
	if (a.progress && isatty(STDERR_FILENO))
		a.so.progress = scan_print_progress;
	/* rules and lists first: bad input fails before anything is read */
	struct scan_engine *eng = NULL;
	if (scan_engine_new(&a.so, &eng, &x->err) < 0)
		return -1;
	size_t n_bad_rules = 0;
	const char *const *bad_rules = scan_engine_rule_errors(eng, &n_bad_rules);
	for (size_t k = 0; k < n_bad_rules; k++) {
		_cleanup_free_ char *m = term_escape(bad_rules[k]);
		fprintf(stderr, "cirt: warning: --rules: %s: file left out\n", m);
	}
	struct scan_job j = {0};
	struct scan_job_env env = {.no_daemon = x->no_daemon,
	                           .offline = x->root != NULL,
	                           .docker = docker_of,
	                           .docker_ud = x,
	                           .warn = warn};
	int ret = -1;
	if (((nrefs || a.all) && scan_job_add_containers(&j, &env, refs, nrefs, &x->err) < 0) ||
	    scan_job_add_images(&j, &env, images, a.n_images, &x->err) < 0 ||
	    (a.all && x->root && scan_job_add_all_images(&j, &x->err) < 0) ||
	    scan_job_add_rootfs(&j, &env, rootfs, a.n_rootfs, a.baseline, &x->err) < 0)
		goto out;
	/* everything below reads what the container's owner wrote: keep only the reading powers */
	scan_job_drop_privileges(&j, &env);
	env.warn_ud = a.so.progress ? &a : NULL;
	scan_job_run(&j, eng, &env, a.min_sev, &x->err);
	if (a.so.progress)
		fprintf(stderr, "\r\033[K");
	if (a.fmt == FMT_TABLE)
		scan_print_table(stdout, &j);
	else {
		json_t *doc = scan_job_json(&j, eng, a.fmt == FMT_SARIF);
		json_t *off = ctx_offline_json(x);
		/* SARIF keeps its extras in the log's property bag */
		if (off && a.fmt == FMT_SARIF && !jobj(doc, "properties"))
			json_object_set_new(doc, "properties", json_object());
		if (off)
			json_object_set_new(a.fmt == FMT_SARIF ? jobj(doc, "properties") : doc,
			                    "offline", off);
		out_json(stdout, doc);
		json_decref(doc);
	}
	ret = j.failed ? -1 : a.fail_on >= 0 && j.worst >= a.fail_on ? 1 : 0;
out:
	scan_job_clear(&j);
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
    .flags = CMD_NODAEMON | CMD_OFFLINE,
};
