/* kevents_probe.c: opens the kernel-events source (src/sources/kevents.c) for a bounded time and
 * prints what it sees as JSON lines, for the kevents e2e tests and bench/kevents:
 *   {"ready":true,"mode":...,"why":...,"notes":[...],"limits":[...]}   once attached
 *   {"kind":"exec",...}                                                one per event
 *   {"end":true,"stats":{...},"cpu_ms":...}                            at the end
 * Options: --seconds N (default 10; SIGTERM/SIGINT end it sooner), --no-bpf, --ring-kb N,
 * --poll-ms N, --kinds LIST, --raw-syscalls, --mount-tracefs, --cgroup-v2, --count-only (no event
 * lines), --libbpf-log (libbpf's messages on stderr), --stall-ms N (read nothing for N ms once
 * attached: the ring fills), --save-records DIR (BPF: each raw record whose bytes hold
 * --save-match TEXT into DIR/KIND-N.bin, for fixtures and fuzz seeds), --match-netns INODE (the end
 * line counts, per kind, the events of that network namespace: "matched"), --bpf-stats (the end
 * line has the programs' run counts and kernel time: "bpf"). */
#include <arpa/inet.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>

#include "escape.h"
#include "sources/kevents.h"

static volatile sig_atomic_t stop;

struct saver {
	const char *dir;
	const char *match;
	unsigned n;
};

static void save_record(const void *rec, size_t len, void *data)
{
	struct saver *sv = data;
	uint16_t kind;
	if (len < sizeof(kind) || sv->n >= 2000)
		return;
	if (sv->match && !memmem(rec, len, sv->match, strlen(sv->match)))
		return;
	memcpy(&kind, rec, sizeof(kind));
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s-%u.bin", sv->dir, kev_kind_name(kind), sv->n++);
	FILE *f = fopen(path, "we");
	if (f) {
		fwrite(rec, 1, len, f);
		fclose(f);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static json_t *bytes(struct kev_bytes b)
{
	return b.p ? json_strn(b.p, b.len) : json_null();
}

static json_t *addr(const struct kev_addr *a)
{
	char s[INET6_ADDRSTRLEN];
	if (!a->family || !inet_ntop(a->family, a->b, s, sizeof(s)))
		return json_null();
	return json_string(s);
}

static json_t *strv(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_str(v[i]));
	return a;
}

static const char *via_name(enum kev_via v)
{
	switch (v) {
	case KEV_VIA_SYSCALL_RET:
		return "syscall";
	case KEV_VIA_TCP_STATE:
		return "tcp-state";
	case KEV_VIA_POLL:
		return "poll";
	default:
		return NULL;
	}
}

static json_t *flags(uint32_t f)
{
	static const char *const names[] = {"procfs",         "gone",     "argv-truncated",
	                                    "cgroup-by-name", "no-owner", "cgroup-v1"};
	json_t *a = json_array();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (f & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

struct pctx {
	bool count_only;
	uint32_t netns; /* --match-netns: count the events of this network namespace */
	uint64_t matched[KEV_KINDS];
};

static int print_event(const struct kev_event *e, void *data)
{
	struct pctx *c = data;
	if (c->netns && (e->netns == c->netns || e->sock_netns == c->netns))
		c->matched[e->kind]++;
	if (c->count_only)
		return 0;
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(kev_kind_name(e->kind)));
	json_object_set_new(o, "ts", json_integer((json_int_t)e->ts_ns));
	json_object_set_new(o, "pid", json_integer(e->pid));
	json_object_set_new(o, "tid", json_integer(e->tid));
	json_object_set_new(o, "ppid", json_integer(e->ppid));
	json_object_set_new(o, "vpid", json_integer(e->vpid));
	json_object_set_new(o, "uid", json_integer(e->uid));
	json_object_set_new(o, "euid", json_integer(e->euid));
	json_object_set_new(o, "comm", bytes(e->comm));
	json_object_set_new(o, "netns", json_integer(e->netns));
	json_object_set_new(o, "cgid", json_integer((json_int_t)e->cgid));
	json_object_set_new(o, "cgid_v1", json_integer((json_int_t)e->cgid_v1));
	json_object_set_new(o, "cgname", bytes(e->cgname));
	json_object_set_new(o, "container", json_string(e->container));
	json_object_set_new(o, "flags", flags(e->flags));
	switch (e->kind) {
	case KEV_EXEC: {
		json_object_set_new(o, "exe", bytes(e->exe));
		json_t *a = json_array();
		for (size_t i = 0; i < e->argc; i++)
			json_array_append_new(a, bytes(e->argv[i]));
		json_object_set_new(o, "argv", a);
		json_object_set_new(o, "args_full", json_integer((json_int_t)e->args_full));
		break;
	}
	case KEV_FORK:
		json_object_set_new(o, "parent", json_integer(e->parent));
		break;
	case KEV_EXIT:
		json_object_set_new(o, "exit_code", json_integer(e->exit_code));
		json_object_set_new(o, "exit_signal", json_integer(e->exit_signal));
		json_object_set_new(o, "core_dumped", json_boolean(e->core_dumped));
		break;
	default:
		json_object_set_new(o, "proto", json_string(e->proto == 6 ? "tcp" : "udp"));
		json_object_set_new(o, "src", addr(&e->src));
		json_object_set_new(o, "sport", json_integer(e->sport));
		json_object_set_new(o, "dst", addr(&e->dst));
		json_object_set_new(o, "dport", json_integer(e->dport));
		json_object_set_new(o, "sock_netns", json_integer(e->sock_netns));
		json_object_set_new(o, "ret", json_integer(e->ret));
		json_object_set_new(o, "via",
		                    via_name(e->via) ? json_string(via_name(e->via)) : json_null());
		break;
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s) {
		puts(s);
		free(s);
	}
	return 0;
}

static int64_t ms_of(struct timeval tv)
{
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"seconds", required_argument, NULL, 's'},
	    {"no-bpf", no_argument, NULL, 'n'},
	    {"ring-kb", required_argument, NULL, 'r'},
	    {"poll-ms", required_argument, NULL, 'p'},
	    {"kinds", required_argument, NULL, 'k'},
	    {"raw-syscalls", no_argument, NULL, 'R'},
	    {"mount-tracefs", no_argument, NULL, 'm'},
	    {"cgroup-v2", no_argument, NULL, '2'},
	    {"count-only", no_argument, NULL, 'c'},
	    {"libbpf-log", no_argument, NULL, 'l'},
	    {"stall-ms", required_argument, NULL, 'S'},
	    {"save-records", required_argument, NULL, 'd'},
	    {"save-match", required_argument, NULL, 'M'},
	    {"match-netns", required_argument, NULL, 'N'},
	    {"bpf-stats", no_argument, NULL, 'B'},
	    {NULL, 0, NULL, 0},
	};
	struct kev_opts o = {0};
	long seconds = 10, stall_ms = 0;
	struct saver sv = {0};
	struct pctx pc = {0};
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			seconds = atol(optarg);
			break;
		case 'n':
			o.no_bpf = true;
			break;
		case 'r':
			o.ring_kb = (unsigned)atol(optarg);
			break;
		case 'p':
			o.poll_ms = (unsigned)atol(optarg);
			break;
		case 'k':
			if (!kev_kinds_parse(optarg, &o.kinds)) {
				fprintf(stderr, "kevents_probe: bad --kinds '%s'\n", optarg);
				return 2;
			}
			break;
		case 'R':
			o.raw_syscalls = true;
			break;
		case 'm':
			o.mount_tracefs = true;
			break;
		case '2':
			o.cgroup_v2 = true;
			break;
		case 'c':
			pc.count_only = true;
			break;
		case 'l':
			o.libbpf_log = stderr;
			break;
		case 'S':
			stall_ms = atol(optarg);
			break;
		case 'd':
			sv.dir = optarg;
			o.raw = save_record;
			o.raw_data = &sv;
			break;
		case 'M':
			sv.match = optarg;
			break;
		case 'N':
			pc.netns = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'B':
			o.bpf_stats = true;
			break;
		default:
			return 2;
		}
	}
	if (seconds < 1 || seconds > 3600) {
		fprintf(stderr, "kevents_probe: --seconds between 1 and 3600\n");
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct cirt_err err = {0};
	struct kev *k = NULL;
	if (kev_open(&o, &k, &err) < 0) {
		fprintf(stderr, "kevents_probe: %s\n", err.msg);
		return err.code ? err.code : 9;
	}
	size_t nl, nn;
	const char *const *limits = kev_limits(k, &nl);
	const char *const *notes = kev_notes(k, &nn);
	json_t *ready = json_pack("{s:b,s:s,s:o,s:o,s:o}", "ready", 1, "mode",
	                          kev_mode_name(kev_mode(k)), "why", json_str(kev_why(k)), "notes",
	                          strv(notes, nn), "limits", strv(limits, nl));
	char *rs = json_dumps(ready, JSON_COMPACT);
	json_decref(ready);
	puts(rs);
	free(rs);

	struct rusage ru0;
	getrusage(RUSAGE_SELF, &ru0);
	if (stall_ms > 0) {
		struct timespec ts = {stall_ms / 1000, (stall_ms % 1000) * 1000000};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop)
			;
	}
	time_t end = time(NULL) + seconds;
	int rc = 0;
	while (!stop) {
		time_t now = time(NULL);
		if (now >= end)
			break;
		int left = (int)(end - now) * 1000;
		if (kev_poll(k, left > 500 ? 500 : left, print_event, &pc, &err) < 0) {
			fprintf(stderr, "kevents_probe: %s\n", err.msg);
			rc = 9;
			break;
		}
	}
	/* what is still in the ring */
	kev_read(k, print_event, &pc, &err);
	struct rusage ru1;
	getrusage(RUSAGE_SELF, &ru1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct kev_stats st;
	kev_stats_get(k, &st);
	json_t *ev = json_object(), *dr = json_object(), *ma = json_object();
	uint64_t total = 0, dropped = 0;
	for (int i = 1; i < KEV_KINDS; i++) {
		json_object_set_new(ev, kev_kind_name(i), json_integer((json_int_t)st.events[i]));
		json_object_set_new(dr, kev_kind_name(i), json_integer((json_int_t)st.drops[i]));
		json_object_set_new(ma, kev_kind_name(i), json_integer((json_int_t)pc.matched[i]));
		total += st.events[i];
		dropped += st.drops[i];
	}
	int64_t cpu =
	    ms_of(ru1.ru_utime) - ms_of(ru0.ru_utime) + ms_of(ru1.ru_stime) - ms_of(ru0.ru_stime);
	int64_t wall =
	    (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	json_t *fin = json_pack(
	    "{s:b,s:s,s:{s:o,s:o,s:I,s:I,s:I,s:I,s:I},s:I,s:I,s:I,s:I}", "end", 1, "mode",
	    kev_mode_name(kev_mode(k)), "stats", "events", ev, "drops", dr, "total",
	    (json_int_t)total, "dropped", (json_int_t)dropped, "lost", (json_int_t)st.lost, "bad",
	    (json_int_t)st.bad, "polls", (json_int_t)st.polls, "cpu_ms", (json_int_t)cpu,
	    "cpu_user_ms", (json_int_t)(ms_of(ru1.ru_utime) - ms_of(ru0.ru_utime)), "cpu_sys_ms",
	    (json_int_t)(ms_of(ru1.ru_stime) - ms_of(ru0.ru_stime)), "wall_ms", (json_int_t)wall);
	struct kev_prog_stat ps[32];
	size_t nps = kev_prog_stats(k, ps, ARRAY_SIZE(ps));
	if (o.bpf_stats && nps) {
		json_t *progs = json_object();
		uint64_t runs = 0, ns = 0;
		for (size_t i = 0; i < nps && i < ARRAY_SIZE(ps); i++) {
			json_object_set_new(progs, ps[i].tracepoint,
			                    json_pack("{s:I,s:I}", "runs", (json_int_t)ps[i].runs,
			                              "ns", (json_int_t)ps[i].ns));
			runs += ps[i].runs;
			ns += ps[i].ns;
		}
		json_object_set_new(fin, "bpf",
		                    json_pack("{s:I,s:I,s:o}", "runs", (json_int_t)runs, "ns",
		                              (json_int_t)ns, "programs", progs));
	}
	if (pc.netns)
		json_object_set_new(fin, "matched", ma);
	else
		json_decref(ma);
	char *fs = json_dumps(fin, JSON_COMPACT);
	json_decref(fin);
	puts(fs);
	free(fs);
	kev_close(k);
	return rc;
}
