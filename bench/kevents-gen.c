/* kevents-gen.c: bounded load generator for bench/kevents, run inside a network namespace of the
 * bench's own: TCP connections over loopback to a listener of its own (connect, accept, close with
 * RST so no TIME_WAIT piles up) at one rate, and execs of /bin/true at another, for a given time.
 * Nothing leaves the namespace: it refuses to run where any interface but loopback exists.
 *
 *   kevents-gen CONN_RATE EXEC_RATE SECONDS
 *
 * Bounds: CONN_RATE <= 20000/s, EXEC_RATE <= 2000/s, SECONDS <= 30. Prints one line:
 *   connects=N connect_failed=N accepts=N execs=N exec_failed=N seconds=S */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static atomic_ulong accepts;
static atomic_int done;
static int lfd;

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* sleep until the n-th slot of a period after t0 */
static void pace(uint64_t t0, uint64_t n, uint64_t period)
{
	uint64_t due = t0 + n * period, now = mono_ns();
	if (now + 20000 < due) {
		struct timespec ts = {.tv_sec = (time_t)((due - now) / 1000000000ull),
		                      .tv_nsec = (long)((due - now) % 1000000000ull)};
		nanosleep(&ts, NULL);
	}
}

static void *acceptor(void *arg)
{
	(void)arg;
	while (!atomic_load(&done)) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0) {
			atomic_fetch_add(&accepts, 1);
			close(c);
		}
	}
	return NULL;
}

struct execs {
	long rate, secs;
	unsigned long ok, failed;
};

static void *execer(void *arg)
{
	struct execs *x = arg;
	uint64_t total = (uint64_t)x->rate * (uint64_t)x->secs, period = 1000000000ull / (uint64_t)x->rate;
	uint64_t t0 = mono_ns();
	char *argv[] = {"/bin/true", "kevents-gen", NULL};
	for (uint64_t i = 0; i < total; i++) {
		pace(t0, i, period);
		pid_t pid;
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0) {
			x->failed++;
			continue;
		}
		int st;
		waitpid(pid, &st, 0);
		x->ok++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: kevents-gen CONN_RATE EXEC_RATE SECONDS\n");
		return 2;
	}
	long crate = atol(argv[1]), erate = atol(argv[2]), secs = atol(argv[3]);
	if (crate < 0 || crate > 20000 || erate < 0 || erate > 2000 || secs < 1 || secs > 30) {
		fprintf(stderr, "kevents-gen: CONN_RATE 0..20000, EXEC_RATE 0..2000, SECONDS 1..30\n");
		return 2;
	}
	/* nothing can leave a namespace whose only interface is loopback */
	FILE *dev = fopen("/proc/self/net/dev", "re");
	char line[512];
	int ifaces = 0, others = 0;
	while (dev && fgets(line, sizeof(line), dev)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue; /* the two header lines */
		*colon = '\0';
		char *name = line + strspn(line, " ");
		ifaces++;
		others += strcmp(name, "lo") != 0;
	}
	if (dev)
		fclose(dev);
	if (!ifaces || others) {
		fprintf(stderr, "kevents-gen: run me in a network namespace of my own, with loopback "
		                "only (ip netns exec)\n");
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4096) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("kevents-gen: listener");
		return 1;
	}
	pthread_t at, et;
	pthread_create(&at, NULL, acceptor, NULL);
	struct execs x = {.rate = erate, .secs = secs};
	if (erate)
		pthread_create(&et, NULL, execer, &x);
	unsigned long ok = 0, failed = 0;
	uint64_t t0 = mono_ns();
	if (crate) {
		uint64_t total = (uint64_t)crate * (uint64_t)secs, period = 1000000000ull / (uint64_t)crate;
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		for (uint64_t i = 0; i < total; i++) {
			pace(t0, i, period);
			int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
				failed++;
			} else {
				ok++;
				setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			}
			if (c >= 0)
				close(c);
		}
	}
	if (erate)
		pthread_join(et, NULL);
	double el = (double)(mono_ns() - t0) / 1e9;
	/* let the acceptor drain the backlog, then wake it */
	usleep(200 * 1000);
	atomic_store(&done, 1);
	shutdown(lfd, SHUT_RDWR);
	pthread_join(at, NULL);
	printf("connects=%lu connect_failed=%lu accepts=%lu execs=%lu exec_failed=%lu seconds=%.2f\n", ok,
	       failed, (unsigned long)atomic_load(&accepts), x.ok, x.failed, el);
	return 0;
}
