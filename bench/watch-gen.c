/* watch-gen.c: bounded load generator for bench/watch. Opens short TCP connection attempts from
 * the host to ONE address (a bench container on a lab network: the caller checks it) at a given
 * rate for a given time: non-blocking connect() to a closed port, then close. Each attempt is one
 * new conntrack entry (SYN_SENT, then CLOSE after the container's RST). Prints what it did.
 *
 *   watch-gen ADDR PORT RATE SECONDS
 *
 * Bounds: RATE <= 50000/s, SECONDS <= 30, so at most 1.5 M attempts; ADDR must be a private IPv4
 * address (the caller passes a container's address). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: watch-gen ADDR PORT RATE SECONDS\n");
		return 2;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "watch-gen: bad address\n");
		return 2;
	}
	uint32_t a = ntohl(sa.sin_addr.s_addr);
	/* 172.16/12 or 10/8 only (docker networks); never anything routable */
	if (!((a >> 20) == (172u << 4 | 1) || (a >> 24) == 10)) {
		fprintf(stderr, "watch-gen: %s is not a private docker-network address: refused\n", argv[1]);
		return 2;
	}
	long rate = atol(argv[3]), secs = atol(argv[4]);
	if (rate < 1 || rate > 50000 || secs < 1 || secs > 30) {
		fprintf(stderr, "watch-gen: RATE 1..50000, SECONDS 1..30\n");
		return 2;
	}
	uint64_t total = (uint64_t)rate * (uint64_t)secs, done = 0, failed = 0;
	uint64_t t0 = mono_ns(), period = 1000000000ull / (uint64_t)rate;
	while (done + failed < total) {
		uint64_t due = t0 + (done + failed) * period, now = mono_ns();
		if (now < due) {
			struct timespec ts = {.tv_sec = (time_t)((due - now) / 1000000000ull),
					      .tv_nsec = (long)((due - now) % 1000000000ull)};
			if ((due - now) > 50000)
				nanosleep(&ts, NULL);
			continue;
		}
		/* too slow to keep the pace: the behind-schedule attempts still happen, as fast as possible */
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			failed++;
			continue;
		}
		int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		if (r == 0 || errno == EINPROGRESS)
			done++;
		else
			failed++;
		close(fd);
	}
	double el = (double)(mono_ns() - t0) / 1e9;
	printf("attempts=%llu failed=%llu seconds=%.3f achieved_rate=%.0f\n", (unsigned long long)done,
	       (unsigned long long)failed, el, (double)(done + failed) / el);
	return 0;
}
