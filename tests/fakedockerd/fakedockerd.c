/*
 * fakedockerd -- a deliberately misbehaving stand-in for the Docker Engine
 * API, used only by cirt's end-to-end tests.  It is never installed.
 *
 *   fakedockerd --socket PATH --mode MODE [--pidfile F]
 *
 * It listens on a unix socket and answers HTTP/1.1 (keep-alive, one forked
 * child per connection) in the way MODE says, so the tests can check that
 * cirt survives hung, broken, hostile or huge daemons:
 *
 *   ok          /_ping, /version, /containers/json -> []
 *   oldapi      like ok, but /_ping and /version report API 1.24
 *   hang        read the request, never answer, keep the connection open
 *   noaccept    listen() but never accept()
 *   garbage     200 application/json with an HTML body
 *   truncated   Content-Length: 100, 20 bytes sent, then close
 *   wrongtypes  well-formed JSON whose fields have the wrong types
 *   error500    500 {"message":"fake daemon error: something broke"}
 *   notfound    404 {"message":"No such container: x"}
 *   huge        a 2 GiB chunked JSON array
 *   drip        headers, then one body byte per second, forever
 *   escapes     a container whose name/image hold terminal escape sequences
 *   lying       lists only an invented running container (pid: the fake daemon's own) and,
 *               when $FAKE_REAL_ID is set, that real container with pid 1; one bridge network
 *               on docker0 (for cirt ps --verify)
 *   events      one running container (fake-ev, 10.213.98.2 on fakenet); /events sends one
 *               exec_start event at once, timed now, then holds the stream open (chunked);
 *               with until= in the query it sends nothing and ends the stream
 *
 * In every mode except ok/oldapi/hang/noaccept, /_ping answers normally.
 * A "/v1.NN" prefix on the path is ignored.  Each request line is logged to
 * stderr.  SIGTERM/SIGINT stop the daemon and remove the socket (and the
 * pidfile, which is written once the socket is listening).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, strcasestr, ppoll, accept4 */
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define API_VERSION "1.41"
#define HUGE_TOTAL (2ULL << 30) /* 2 GiB of body */

static const char *mode = "ok";
static volatile sig_atomic_t stop;
static int req_has_until; /* the request's query holds until= (events mode) */
static pid_t kids[1024];  /* live connection handlers, killed on exit */
static size_t nkids;

/* SIGCHLD only interrupts ppoll() so that children get reaped. */
static void on_signal(int sig)
{
	if (sig != SIGCHLD)
		stop = 1;
}

static void reap(int flags)
{
	pid_t pid;
	while ((pid = waitpid(-1, NULL, flags)) > 0 || (pid < 0 && errno == EINTR))
		for (size_t i = 0; i < nkids; i++)
			if (kids[i] == pid)
				kids[i] = kids[--nkids];
}

/* Send everything; -1 once the peer is gone (EPIPE, reset). */
static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_str(int fd, const char *s)
{
	return send_all(fd, s, strlen(s));
}

/* A complete, properly framed response.  extra: more header lines or "". */
static int respond(int fd, int head_only, int status, const char *reason, const char *ctype,
                   const char *extra, const char *body)
{
	char hdr[1024];
	int n = snprintf(hdr, sizeof hdr,
	                 "HTTP/1.1 %d %s\r\n"
	                 "Content-Type: %s\r\n"
	                 "Api-Version: " API_VERSION "\r\n"
	                 "Server: Docker/20.10.24 (linux)\r\n"
	                 "%s"
	                 "Content-Length: %zu\r\n\r\n",
	                 status, reason, ctype, extra, strlen(body));
	if (n < 0 || (size_t)n >= sizeof hdr)
		return -1;
	if (send_all(fd, hdr, (size_t)n) < 0)
		return -1;
	return head_only ? 0 : send_str(fd, body);
}

static int json(int fd, int head_only, int status, const char *reason, const char *body)
{
	return respond(fd, head_only, status, reason, "application/json", "", body);
}

static int ping(int fd, int head_only)
{
	const char *v = strcmp(mode, "oldapi") == 0 ? "1.24" : API_VERSION;
	char resp[256];
	/* Api-Version differs per mode, so build the headers by hand. */
	snprintf(resp, sizeof resp,
	         "HTTP/1.1 200 OK\r\nApi-Version: %s\r\n"
	         "Content-Type: text/plain; charset=utf-8\r\n"
	         "Docker-Experimental: false\r\nOstype: linux\r\n"
	         "Server: Docker/20.10.24 (linux)\r\n"
	         "Content-Length: 2\r\n\r\n%s",
	         v, head_only ? "" : "OK");
	return send_str(fd, resp);
}

/* Body sent forever in huge/drip mode, one element at a time. */
static const char ELEM[] = "{\"Id\":\"a\"},";

static int stream_huge(int fd)
{
	static char chunk[64 * 1024];
	size_t per = sizeof chunk / (sizeof ELEM - 1), clen = per * (sizeof ELEM - 1);
	for (size_t i = 0; i < per; i++)
		memcpy(chunk + i * (sizeof ELEM - 1), ELEM, sizeof ELEM - 1);
	if (send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	                 "Api-Version: " API_VERSION "\r\n"
	                 "Transfer-Encoding: chunked\r\n\r\n1\r\n[\r\n") < 0)
		return -1;
	char size[32];
	int sn = snprintf(size, sizeof size, "%zx\r\n", clen);
	for (unsigned long long sent = 0; sent < HUGE_TOTAL; sent += clen) {
		if (send_all(fd, size, (size_t)sn) < 0 || send_all(fd, chunk, clen) < 0 ||
		    send_str(fd, "\r\n") < 0)
			return -1; /* client gave up: that is the point */
	}
	return send_str(fd, "b\r\n{\"Id\":\"a\"}]\r\n0\r\n\r\n");
}

static int drip(int fd)
{
	if (send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	                 "Api-Version: " API_VERSION "\r\n"
	                 "Content-Length: 1000000000\r\n\r\n[") < 0)
		return -1;
	for (size_t i = 0;; i = (i + 1) % (sizeof ELEM - 1)) {
		sleep(1);
		if (send_all(fd, &ELEM[i], 1) < 0)
			return -1;
	}
}

#define ESC_ID "e5c0000000000000000000000000000000000000000000000000000000000001"
#define ESC_NAME "\"/evil\\u001b[31mRED\\u001b]0;title\\u0007\\nline2\""
#define ESC_IMAGE "\"img\\u001b[2J\""

/* If path is /containers/<id>/json, copy <id> into id and return 1. */
static int inspect_path(const char *path, char *id, size_t idsz)
{
	const char *p = path + strlen("/containers/"), *slash;
	if (strncmp(path, "/containers/", 12) != 0 || !(slash = strchr(p, '/')) || slash == p ||
	    strcmp(slash, "/json") != 0 || (size_t)(slash - p) >= idsz)
		return 0;
	memcpy(id, p, (size_t)(slash - p));
	id[slash - p] = '\0';
	return 1;
}

#define EV_ID "fe00000000000000000000000000000000000000000000000000000000000001"

/* events mode: one event, then an open stream until the client or the daemon goes away. */
static int events_stream(int fd)
{
	if (send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	                 "Api-Version: " API_VERSION "\r\nTransfer-Encoding: chunked\r\n\r\n") < 0)
		return -1;
	if (req_has_until) /* a bounded replay: our one event is always "now", after it */
		return send_str(fd, "0\r\n\r\n");
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char ev[1024], chunk[1100];
	int n = snprintf(
	    ev, sizeof ev,
	    "{\"status\":\"exec_start: fake-cmd --flag\",\"id\":\"" EV_ID "\","
	    "\"from\":\"fake/image:1\",\"Type\":\"container\","
	    "\"Action\":\"exec_start: fake-cmd --flag\",\"Actor\":{\"ID\":\"" EV_ID "\","
	    "\"Attributes\":{\"execID\":\"ex1\",\"image\":\"fake/image:1\","
	    "\"name\":\"fake-ev\"}},\"scope\":\"local\",\"time\":%lld,\"timeNano\":%lld}\n",
	    (long long)ts.tv_sec, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	int cn = snprintf(chunk, sizeof chunk, "%x\r\n%s\r\n", n, ev);
	if (send_all(fd, chunk, (size_t)cn) < 0)
		return -1;
	for (;;) { /* hold until the client leaves */
		char b[256];
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			return -1;
		if (p.revents && recv(fd, b, sizeof b, 0) <= 0)
			return -1;
	}
}

/* Answer one request; -1 means close the connection. */
static int answer(int fd, const char *method, const char *path)
{
	int head = strcmp(method, "HEAD") == 0;
	char id[256], body[512];
	int is_inspect = inspect_path(path, id, sizeof id);

	if (strcmp(path, "/_ping") == 0)
		return ping(fd, head);

	if (strcmp(mode, "garbage") == 0)
		return json(fd, head, 200, "OK", "<html>oops</html>");
	if (strcmp(mode, "truncated") == 0) {
		send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		             "Content-Length: 100\r\n\r\n[{\"Id\":\"abc\",\"Names\"");
		return -1;
	}
	if (strcmp(mode, "wrongtypes") == 0) {
		if (strcmp(path, "/containers/json") == 0)
			return json(
			    fd, head, 200, "OK",
			    "[{\"Id\":12345,\"Names\":\"/notarray\",\"Image\":[\"x\"],"
			    "\"State\":{\"Status\":\"running\"},\"Status\":7,"
			    "\"Ports\":\"80/tcp\",\"Labels\":\"nope\",\"Created\":\"yesterday\","
			    "\"NetworkSettings\":null,\"Mounts\":42}]");
		if (is_inspect)
			return json(fd, head, 200, "OK",
			            "{\"Id\":12345,\"Name\":[\"x\"],\"State\":\"running\","
			            "\"Config\":\"img\",\"HostConfig\":[],\"Created\":false,"
			            "\"NetworkSettings\":null,\"Mounts\":42}");
		return json(fd, head, 200, "OK", "{\"ApiVersion\":141,\"Version\":null}");
	}
	if (strcmp(mode, "error500") == 0)
		return json(fd, head, 500, "Internal Server Error",
		            "{\"message\":\"fake daemon error: something broke\"}");
	if (strcmp(mode, "notfound") == 0)
		return json(fd, head, 404, "Not Found", "{\"message\":\"No such container: x\"}");
	if (strcmp(mode, "huge") == 0)
		return head ? json(fd, 1, 200, "OK", "") : stream_huge(fd);
	if (strcmp(mode, "drip") == 0)
		return drip(fd);
	if (strcmp(mode, "escapes") == 0) {
		if (strcmp(path, "/containers/json") == 0)
			return json(fd, head, 200, "OK",
			            "[{\"Id\":\"" ESC_ID "\",\"Names\":[" ESC_NAME "],"
			            "\"Image\":" ESC_IMAGE ",\"State\":\"running\","
			            "\"Status\":\"Up 1 second\",\"Ports\":[],\"Labels\":{},"
			            "\"HostConfig\":{\"NetworkMode\":\"none\"},"
			            "\"NetworkSettings\":{\"Networks\":{}},\"Mounts\":[]}]");
		if (is_inspect && (strcmp(id, ESC_ID) == 0 || strncmp(ESC_ID, id, strlen(id)) == 0))
			return json(fd, head, 200, "OK",
			            "{\"Id\":\"" ESC_ID "\",\"Name\":" ESC_NAME ","
			            "\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":0},"
			            "\"Config\":{\"Image\":" ESC_IMAGE "},"
			            "\"HostConfig\":{\"NetworkMode\":\"none\"},"
			            "\"NetworkSettings\":{\"Networks\":{}}}");
	}
	if (strcmp(mode, "lying") == 0) {
		static const char lie_id[] =
		    "11e0000000000000000000000000000000000000000000000000000000000001";
		const char *real = getenv("FAKE_REAL_ID");
		int real_ok = real && strlen(real) == 64 && strspn(real, "0123456789abcdef") == 64;
		char big[2048];
		if (strcmp(path, "/networks") == 0)
			return json(
			    fd, head, 200, "OK",
			    "[{\"Name\":\"bridge\",\"Id\":"
			    "\"b000000000000000000000000000000000000000000000000000000000000001\","
			    "\"Driver\":\"bridge\",\"Options\":{\"com.docker.network.bridge.name\":"
			    "\"docker0\"}}]");
		if (strcmp(path, "/containers/json?all=1") == 0 ||
		    strcmp(path, "/containers/json") == 0) {
			snprintf(big, sizeof big,
			         "[{\"Id\":\"%s\",\"Names\":[\"/"
			         "invented\"],\"State\":\"running\"}%s%s%s]",
			         lie_id, real_ok ? ",{\"Id\":\"" : "", real_ok ? real : "",
			         real_ok
			             ? "\",\"Names\":[\"/real-wrong-pid\"],\"State\":\"running\"}"
			             : "");
			return json(fd, head, 200, "OK", big);
		}
		if (is_inspect && (strcmp(id, lie_id) == 0 || (real_ok && strcmp(id, real) == 0))) {
			int pid = strcmp(id, lie_id) == 0 ? (int)getppid() : 1;
			snprintf(big, sizeof big,
			         "{\"Id\":\"%s\",\"Name\":\"/"
			         "%s\",\"State\":{\"Status\":\"running\",\"Running\":true,"
			         "\"Pid\":%d},\"Config\":{\"Image\":\"x\"},\"HostConfig\":{"
			         "\"NetworkMode\":\"none\"},"
			         "\"NetworkSettings\":{\"Networks\":{}}}",
			         id, strcmp(id, lie_id) == 0 ? "invented" : "real-wrong-pid", pid);
			return json(fd, head, 200, "OK", big);
		}
	}
	if (strcmp(mode, "events") == 0) {
		if (strcmp(path, "/events") == 0)
			return events_stream(fd);
		if (strcmp(path, "/containers/json") == 0)
			return json(
			    fd, head, 200, "OK",
			    "[{\"Id\":\"" EV_ID
			    "\",\"Names\":[\"/fake-ev\"],\"Image\":\"fake/image:1\","
			    "\"State\":\"running\",\"Status\":\"Up\",\"Ports\":[],\"Labels\":{},"
			    "\"HostConfig\":{\"NetworkMode\":\"fakenet\"},\"NetworkSettings\":{"
			    "\"Networks\":"
			    "{\"fakenet\":{\"IPAddress\":\"10.213.98.2\",\"IPPrefixLen\":24}}},"
			    "\"Mounts\":[]}]");
		if (is_inspect && strcmp(id, EV_ID) == 0)
			return json(fd, head, 200, "OK",
			            "{\"Id\":\"" EV_ID "\",\"Name\":\"/fake-ev\","
			            "\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":0,"
			            "\"StartedAt\":\"2026-01-01T00:00:00Z\"},"
			            "\"Config\":{\"Image\":\"fake/image:1\"},"
			            "\"HostConfig\":{\"NetworkMode\":\"fakenet\"},"
			            "\"NetworkSettings\":{\"Networks\":{\"fakenet\":{\"IPAddress\":"
			            "\"10.213.98.2\","
			            "\"IPPrefixLen\":24}}}}");
		if (strcmp(path, "/networks") == 0)
			return json(fd, head, 200, "OK",
			            "[{\"Name\":\"fakenet\",\"Id\":\"fn1\",\"IPAM\":{\"Config\":"
			            "[{\"Subnet\":\"10.213.98.0/24\"}]}}]");
		if (strncmp(path, "/exec/", 6) == 0)
			return json(
			    fd, head, 200, "OK",
			    "{\"ID\":\"ex1\",\"ProcessConfig\":{\"entrypoint\":\"fake-cmd\","
			    "\"arguments\":[\"--flag\"],\"privileged\":true,\"user\":\"root\","
			    "\"tty\":false}}");
	}
	/* ok, oldapi, and the well-behaved rest of escapes */
	if (strcmp(path, "/version") == 0)
		return json(fd, head, 200, "OK",
		            strcmp(mode, "oldapi") == 0
		                ? "{\"ApiVersion\":\"1.24\",\"Version\":\"1.12.6\"}"
		                : "{\"ApiVersion\":\"" API_VERSION "\",\"Version\":\"20.10.24\"}");
	if (strcmp(path, "/containers/json") == 0)
		return json(fd, head, 200, "OK", "[]");
	if (is_inspect) {
		snprintf(body, sizeof body, "{\"message\":\"No such container: %.200s\"}", id);
		return json(fd, head, 404, "Not Found", body);
	}
	return json(fd, head, 404, "Not Found", "{\"message\":\"page not found\"}");
}

/* Serve one connection: keep-alive loop over requests.  Runs in a child. */
static void serve(int fd)
{
	char buf[16384];
	size_t have = 0;
	for (;;) {
		char *end;
		while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
			if (have == sizeof buf - 1)
				return; /* header too large: just drop it */
			ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return;
			have += (size_t)n;
		}
		*end = '\0';
		size_t hlen = (size_t)(end - buf) + 4;

		/* Request line: METHOD SP TARGET SP VERSION */
		char method[16] = "", target[4096] = "", version[16] = "";
		char *eol = strstr(buf, "\r\n");
		if (eol)
			*eol = '\0';
		fprintf(stderr, "fakedockerd[%s]: %s\n", mode, buf);
		if (sscanf(buf, "%15s %4095s %15s", method, target, version) != 3)
			return;

		/* Headers we care about: Content-Length (skip body), Connection. */
		unsigned long long clen = 0;
		int close_after = strcmp(version, "HTTP/1.1") != 0;
		for (char *h = eol ? eol + 2 : end, *next; h < end; h = next) {
			char *e = strstr(h, "\r\n");
			next = e ? e + 2 : end;
			if (e)
				*e = '\0';
			if (strncasecmp(h, "Content-Length:", 15) == 0)
				clen = strtoull(h + 15, NULL, 10);
			else if (strncasecmp(h, "Connection:", 11) == 0)
				close_after = strcasestr(h + 11, "close") != NULL;
		}
		memmove(buf, buf + hlen, have - hlen);
		have -= hlen;
		while (clen > 0) { /* discard a request body */
			if (have == 0) {
				ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					return;
				have = (size_t)n;
			}
			size_t take = clen < have ? (size_t)clen : have;
			memmove(buf, buf + take, have - take);
			have -= take;
			clen -= take;
		}

		if (strcmp(mode, "hang") == 0) {
			/* Never answer; hold the connection until the client leaves. */
			for (;;) {
				ssize_t n = recv(fd, buf, sizeof buf, 0);
				if (n == 0 || (n < 0 && errno != EINTR))
					return;
			}
		}

		/* Strip a "/v1.NN" API version prefix and the query string. */
		char *path = target;
		if (path[0] == '/' && path[1] == 'v') {
			char *p = path + 2;
			while ((*p >= '0' && *p <= '9') || *p == '.')
				p++;
			if (p > path + 2 && *p == '/')
				path = p;
		}
		req_has_until = strstr(path, "until=") != NULL;
		path[strcspn(path, "?")] = '\0';

		if (answer(fd, method, path) < 0 || close_after)
			return;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: fakedockerd --socket PATH --mode MODE [--pidfile F]\n"
	                "modes: ok oldapi hang noaccept garbage truncated wrongtypes\n"
	                "       error500 notfound huge drip escapes events\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const modes[] = {
	    "ok",       "oldapi",   "hang", "noaccept", "garbage", "truncated", "wrongtypes",
	    "error500", "notfound", "huge", "drip",     "escapes", "lying",     "events"};
	const char *sock_path = NULL, *pidfile = NULL;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--socket") == 0)
			sock_path = argv[++i];
		else if (strcmp(argv[i], "--mode") == 0)
			mode = argv[++i];
		else if (strcmp(argv[i], "--pidfile") == 0)
			pidfile = argv[++i];
		else
			usage();
	}
	size_t m = 0;
	while (m < sizeof modes / sizeof *modes && strcmp(mode, modes[m]) != 0)
		m++;
	if (!sock_path || m == sizeof modes / sizeof *modes)
		usage();

	/* Our signals are blocked except while waiting in ppoll(): no races. */
	static const int sigs[] = {SIGTERM, SIGINT, SIGCHLD};
	sigset_t block, waitmask;
	sigemptyset(&block);
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_NOCLDSTOP};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(sock_path) >= sizeof addr.sun_path) {
		fprintf(stderr, "fakedockerd: socket path too long\n");
		return 1;
	}
	strcpy(addr.sun_path, sock_path);
	unlink(sock_path);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(lfd, 16) < 0) {
		perror("fakedockerd: listen");
		return 1;
	}
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
			perror("fakedockerd: pidfile");
			unlink(sock_path);
			return 1;
		}
	}
	fprintf(stderr, "fakedockerd[%s]: listening on %s\n", mode, sock_path);
	pid_t parent = getpid();
	int accepting = strcmp(mode, "noaccept") != 0;

	while (!stop) {
		struct pollfd pfd = {.fd = lfd, .events = POLLIN};
		int r = ppoll(&pfd, accepting ? 1 : 0, NULL, &waitmask);
		reap(WNOHANG);
		if (r <= 0)
			continue; /* EINTR: re-check stop */
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		if (nkids == sizeof kids / sizeof *kids) {
			fprintf(stderr, "fakedockerd: too many connections\n");
			close(cfd);
			continue;
		}
		fprintf(stderr, "fakedockerd[%s]: accepted a connection\n", mode);
		pid_t pid = fork();
		if (pid == 0) {
			/* Die with the parent; default signal handling. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			for (size_t i = 0; i < 3; i++)
				signal(sigs[i], SIG_DFL);
			sigprocmask(SIG_UNBLOCK, &block, NULL);
			close(lfd);
			serve(cfd);
			close(cfd);
			_exit(0);
		}
		if (pid < 0)
			perror("fakedockerd: fork");
		else
			kids[nkids++] = pid;
		close(cfd);
	}
	for (size_t i = 0; i < nkids; i++) /* not yet reaped: pid still ours */
		kill(kids[i], SIGKILL);
	reap(0);
	close(lfd);
	unlink(sock_path);
	if (pidfile)
		unlink(pidfile);
	fprintf(stderr, "fakedockerd[%s]: stopped\n", mode);
	return 0;
}
