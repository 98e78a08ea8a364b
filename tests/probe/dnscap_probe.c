/* dnscap_probe.c: runs the DNS capture source (src/sources/dnscap.c) for the e2e tests: every
 * DNS message seen in the namespaces given, as one JSON line each, for a bounded time.
 *   dnscap_probe [--seconds N] [--host] [--pid PID]... [--max-tcp N]
 * stdout, one JSON object a line: {"event":"dns", <dnscap_record_json>} per message,
 * {"event":"added"|"removed"|"error"|"ready"|"stats", ...} for the rest; "ready" once the
 * namespaces of the command line are open, "stats" last. Commands on stdin, one a line:
 * "add PID", "add-host", "remove INODE", "stats", "quit". Stops after N seconds (default 60,
 * at most 3600), on SIGTERM/SIGINT or on "quit". */
#include <getopt.h>
#include <poll.h>
#include <signal.h>

#include "sources/dnscap.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(o);
}

static void event_err(const char *what, const struct cirt_err *e)
{
	print(json_pack("{s:s, s:s, s:i}", "event", "error", "message", what ? what : e->msg,
	                "code", e->code));
}

static void on_record(const struct dnscap_record *r, void *ud)
{
	(void)ud;
	json_t *o = json_pack("{s:s}", "event", "dns");
	json_t *rec = dnscap_record_json(r);
	json_object_update(o, rec);
	json_decref(rec);
	print(o);
}

static void print_stats(struct dnscap *c)
{
	struct dnscap_stats s;
	dnscap_get_stats(c, &s);
	print(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "event",
	                "stats", "netns", (json_int_t)s.netns, "packets", (json_int_t)s.packets,
	                "messages", (json_int_t)s.messages, "parse_errors",
	                (json_int_t)s.parse_errors, "cut", (json_int_t)s.cut, "not_ip",
	                (json_int_t)s.not_ip, "host_passing", (json_int_t)s.host_passing,
	                "tcp_lost", (json_int_t)s.tcp_lost, "received", (json_int_t)s.received,
	                "dropped", (json_int_t)s.dropped, "if_dropped", (json_int_t)s.if_dropped));
}

static void add_pid(struct dnscap *c, long pid, bool host)
{
	struct cirt_err e = {0};
	uint64_t ino = 0;
	int r = host ? dnscap_add_host(c, &ino, &e) : dnscap_add_pid(c, (pid_t)pid, &ino, &e);
	if (r < 0) {
		event_err(NULL, &e);
		return;
	}
	print(json_pack("{s:s, s:I, s:I, s:b}", "event", "added", "netns", (json_int_t)ino, "pid",
	                (json_int_t)(host ? getpid() : pid), "host", host));
}

/* One command line from stdin; false to stop. */
static bool command(struct dnscap *c, char *line)
{
	line[strcspn(line, "\r\n")] = '\0';
	char *arg = strchr(line, ' ');
	if (arg)
		*arg++ = '\0';
	if (streq(line, "quit"))
		return false;
	if (streq(line, "stats"))
		print_stats(c);
	else if (streq(line, "add-host"))
		add_pid(c, 1, true);
	else if (streq(line, "add") && arg && *arg)
		add_pid(c, strtol(arg, NULL, 10), false);
	else if (streq(line, "remove") && arg && *arg) {
		unsigned long long ino = strtoull(arg, NULL, 10);
		int r = dnscap_remove(c, ino);
		print(json_pack("{s:s, s:I, s:b, s:b}", "event", "removed", "netns",
		                (json_int_t)ino, "ok", r == 0, "still_captured",
		                dnscap_has(c, ino)));
	} else {
		struct cirt_err e = {0};
		err_set(&e, CIRT_EXIT_USAGE, "unknown command '%s'", line);
		event_err(NULL, &e);
	}
	return true;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	long seconds = 60;
	bool host = false;
	size_t max_tcp = 0;
	long pids[64];
	size_t npids = 0;
	static const struct option lo[] = {{"seconds", required_argument, NULL, 's'},
	                                   {"host", no_argument, NULL, 'H'},
	                                   {"pid", required_argument, NULL, 'p'},
	                                   {"max-tcp", required_argument, NULL, 't'},
	                                   {NULL, 0, NULL, 0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			seconds = strtol(optarg, NULL, 10);
			break;
		case 'H':
			host = true;
			break;
		case 'p':
			if (npids < ARRAY_SIZE(pids))
				pids[npids++] = strtol(optarg, NULL, 10);
			break;
		case 't':
			max_tcp = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr,
			        "usage: dnscap_probe [--seconds N] [--host] [--pid PID]...\n");
			return 2;
		}
	}
	if (seconds < 1 || seconds > 3600) {
		fprintf(stderr, "dnscap_probe: --seconds must be 1..3600\n");
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct dnscap *c = NULL;
	struct cirt_err e = {0};
	struct dnscap_opts o = {.max_tcp_streams = max_tcp};
	if (dnscap_new(&o, &c, &e) < 0) {
		fprintf(stderr, "dnscap_probe: %s\n", e.msg);
		return 1;
	}
	if (host)
		add_pid(c, 1, true);
	for (size_t i = 0; i < npids; i++)
		add_pid(c, pids[i], false);
	print(json_pack("{s:s}", "event", "ready"));

	uint64_t deadline = now_ms() + (uint64_t)seconds * 1000u;
	bool in_open = true;
	char line[256];
	size_t ll = 0;
	while (!stop) {
		uint64_t now = now_ms();
		if (now >= deadline)
			break;
		struct pollfd pfd[2] = {{.fd = dnscap_fd(c), .events = POLLIN},
		                        {.fd = in_open ? 0 : -1, .events = POLLIN}};
		uint64_t left = deadline - now;
		int pr = poll(pfd, 2, (int)(left < 200 ? left : 200));
		if (pr < 0)
			continue; /* EINTR: a signal; the loop condition says */
		if (pfd[0].revents && dnscap_process(c, on_record, NULL, &e) < 0)
			event_err(NULL, &e);
		if (pfd[1].revents) {
			ssize_t n = read(0, line + ll, sizeof(line) - 1 - ll);
			if (n <= 0) {
				in_open = false;
				continue;
			}
			ll += (size_t)n;
			line[ll] = '\0';
			char *nl;
			bool go = true;
			while (go && (nl = memchr(line, '\n', ll))) {
				*nl = '\0';
				go = command(c, line);
				size_t used = (size_t)(nl - line) + 1;
				memmove(line, nl + 1, ll - used);
				ll -= used;
				line[ll] = '\0';
			}
			if (!go)
				break;
			if (ll == sizeof(line) - 1)
				ll = 0; /* an overlong line is dropped */
		}
	}
	/* what the kernel still holds arrived before we stopped */
	if (dnscap_process(c, on_record, NULL, &e) < 0)
		event_err(NULL, &e);
	print_stats(c);
	dnscap_free(c);
	return 0;
}
