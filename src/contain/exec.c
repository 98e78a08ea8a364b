/* exec.c: fork/exec of the firewall tools with argv arrays, captured output and a deadline. */
#include "contain/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define EXEC_MAX_OUT (8u << 20)

static const char *const search_dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};

char *exec_find(const char *name)
{
	if (!name || !*name || strchr(name, '/'))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(search_dirs); i++) {
		char *p = xasprintf("%s/%s", search_dirs[i], name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

bool exec_have(const char *name)
{
	char *p = exec_find(name);
	free(p);
	return p != NULL;
}

void exec_result_clear(struct exec_result *r)
{
	if (!r)
		return;
	buf_free(&r->out);
	buf_free(&r->err);
	r->status = 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void child(const char *path, char *const argv[], int in, int out, int errfd)
{
	/* the child only dup2s, closes and execs: async-signal-safe after fork */
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	signal(SIGPIPE, SIG_DFL);
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	execve(path, argv, envp);
	_exit(127);
}

int exec_run(char *const argv[], const char *stdin_data, int timeout_ms, struct exec_result *ret,
             struct cirt_err *err)
{
	memset(ret, 0, sizeof(*ret));
	_cleanup_free_ char *path = exec_find(argv[0]);
	if (!path)
		return err_set(err, CIRT_EXIT_RUNTIME,
		               "'%s' not found in /usr/sbin, /usr/bin, /sbin, /bin", argv[0]);
	int pin[2], pout[2], perr[2];
	if (pipe2(pin, O_CLOEXEC) < 0)
		return err_set(err, CIRT_EXIT_RUNTIME, "pipe: %s", strerror(errno));
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(pin[0]);
		close(pin[1]);
		return err_set(err, CIRT_EXIT_RUNTIME, "pipe: %s", strerror(errno));
	}
	if (pipe2(perr, O_CLOEXEC) < 0) {
		close(pin[0]);
		close(pin[1]);
		close(pout[0]);
		close(pout[1]);
		return err_set(err, CIRT_EXIT_RUNTIME, "pipe: %s", strerror(errno));
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			close(pin[i]);
			close(pout[i]);
			close(perr[i]);
		}
		return err_set(err, CIRT_EXIT_RUNTIME, "fork: %s", strerror(e));
	}
	if (pid == 0)
		child(path, argv, pin[0], pout[1], perr[1]);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	int fin = pin[1], fout = pout[0], ferr = perr[0];
	set_nonblock(fin);
	set_nonblock(fout);
	set_nonblock(ferr);
	size_t in_len = stdin_data ? strlen(stdin_data) : 0, in_off = 0;
	if (in_len == 0) {
		close(fin);
		fin = -1;
	}
	/* a tool that exits before reading its input must not kill us with SIGPIPE */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
	bool timed_out = false;
	while (fout >= 0 || ferr >= 0 || fin >= 0) {
		struct pollfd p[3];
		int n = 0, iin = -1, iout = -1, ierr = -1;
		if (fin >= 0) {
			iin = n;
			p[n++] = (struct pollfd){.fd = fin, .events = POLLOUT};
		}
		if (fout >= 0) {
			iout = n;
			p[n++] = (struct pollfd){.fd = fout, .events = POLLIN};
		}
		if (ferr >= 0) {
			ierr = n;
			p[n++] = (struct pollfd){.fd = ferr, .events = POLLIN};
		}
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		int r = poll(p, (nfds_t)n, (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (iin >= 0 && p[iin].revents) {
			ssize_t w = write(fin, stdin_data + in_off, in_len - in_off);
			if (w > 0)
				in_off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || in_off >= in_len) {
				close(fin);
				fin = -1;
			}
		}
		int *fds[2] = {&fout, &ferr};
		const int idx[2] = {iout, ierr};
		struct buf *bufs[2] = {&ret->out, &ret->err};
		for (int k = 0; k < 2; k++) {
			if (idx[k] < 0 || !p[idx[k]].revents)
				continue;
			char tmp[8192];
			ssize_t rd = read(*fds[k], tmp, sizeof(tmp));
			if (rd > 0) {
				if (bufs[k]->len + (size_t)rd <= EXEC_MAX_OUT)
					buf_append(bufs[k], tmp, (size_t)rd);
			} else if (rd == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(*fds[k]);
				*fds[k] = -1;
			}
		}
	}
	if (fin >= 0)
		close(fin);
	if (fout >= 0)
		close(fout);
	if (ferr >= 0)
		close(ferr);
	/* all pipes closed; the tool may still linger: the same deadline applies */
	int st = 0;
	for (;;) {
		if (timed_out)
			kill(pid, SIGKILL);
		pid_t w = waitpid(pid, &st, timed_out ? 0 : WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0) {
			if (mono_ms() >= deadline)
				timed_out = true;
			else
				usleep(5000);
		}
	}
	sigaction(SIGPIPE, &old, NULL);
	buf_cstr(&ret->out);
	buf_cstr(&ret->err);
	if (timed_out) {
		_cleanup_free_ char *cmd = shell_join(argv);
		return err_set(err, CIRT_EXIT_RUNTIME, "'%s' did not finish within %d s: killed",
		               cmd, (timeout_ms > 0 ? timeout_ms : 30000) / 1000);
	}
	if (WIFEXITED(st))
		ret->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		ret->status = 128 + WTERMSIG(st);
	if (ret->status == 127 && ret->out.len == 0 && ret->err.len == 0) {
		_cleanup_free_ char *cmd = shell_join(argv);
		return err_set(err, CIRT_EXIT_RUNTIME, "could not run '%s'", cmd);
	}
	return 0;
}
