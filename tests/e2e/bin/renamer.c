/* renamer.c: a process that lies about itself, for hostile-proc.bats. Built static at test time
 * (gcc -static) and bind-mounted into a FROM-scratch container as /renamer.
 *
 *   /renamer PADDING...   rename: comm to COMM below, the whole argv area to CMDLINE below, then
 *                         listen on 127.0.0.1:7777 (so `cirt conns` names it) and sleep
 *   /renamer -s PADDING   spin: rename itself again and again (a new lie every millisecond),
 *                         for tools racing its /proc files
 *
 * Both stop on their own after 600 s: every loop is bounded. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* at most 15 bytes: an escape sequence, a newline, and what ps would show */
#define COMM "\033[2J\nkworker/0"
/* a terminal title escape, a screen clear, a newline and invalid UTF-8 behind a fake sshd */
#define CMDLINE "sshd: root@pts/0\033]0;owned\007\033[2J\nfake line \377\376"

static void set_argv(char *start, size_t room, const char *s, size_t n)
{
	memset(start, 0, room);
	memcpy(start, s, n < room - 1 ? n : room - 1);
}

int main(int argc, char **argv)
{
	char *start = argv[0];
	char *end = argv[argc - 1] + strlen(argv[argc - 1]);
	size_t room = (size_t)(end - start) + 1;
	if (argc > 1 && strcmp(argv[1], "-s") == 0) {
		static const char *const lies[] = {"\033[31mred\033[0m", "", "a\nb\nc",
		                                   "\377\376\375", "x"};
		struct timespec ms = {0, 1000000};
		for (long i = 0; i < 600000; i++) {
			const char *l = lies[i % 5];
			prctl(PR_SET_NAME, l, 0, 0, 0);
			set_argv(start, room, l, strlen(l));
			nanosleep(&ms, NULL);
		}
		return 0;
	}
	prctl(PR_SET_NAME, COMM, 0, 0, 0);
	set_argv(start, room, CMDLINE, sizeof(CMDLINE) - 1);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7777)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0) {
		perror("listen");
		return 1;
	}
	puts("ready");
	fflush(stdout);
	sleep(600);
	return 0;
}
