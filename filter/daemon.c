/*
 * daemon.c - detach from the terminal, and the pid file
 *
 * The fork happens right after the configuration is read, before the
 * resolver starts its threads (threads do not survive fork) and before the
 * pid file is written (so it holds the pid that keeps running).  The
 * parent waits on a pipe for the child's "ready" byte.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "xmalloc.h"

/* The write end of the readiness pipe in the child; -1 elsewhere. */
static int daemon_ready_fd = -1;

static void __attribute__((noreturn))
daemon_parent(pid_t child, int fd)
{
	char byte;
	ssize_t n;
	int status;

	do
		n = read(fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);
	/* the child exited (or crashed) before it was ready */
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			_exit(1);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

int
daemon_start(char **error_r)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		*error_r = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		*error_r = xasprintf("fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		daemon_parent(pid, fds[0]);
	}
	close(fds[0]);
	daemon_ready_fd = fds[1];
	setsid();
	if (chdir("/") < 0)
		log_warn("chdir /: %s", strerror(errno));
	return 0;
}

void
daemon_ready(void)
{
	int null;

	if (daemon_ready_fd < 0)
		return;
	log_detach();
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	(void)!write(daemon_ready_fd, "", 1);
	close(daemon_ready_fd);
	daemon_ready_fd = -1;
}

int
pidfile_write(const char *path, char **error_r)
{
	char text[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		*error_r = xasprintf("PidFile %s: %s", path, strerror(errno));
		return -1;
	}
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (write(fd, text, (size_t)n) != n) {
		*error_r = xasprintf("PidFile %s: write: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		*error_r = xasprintf("PidFile %s: close: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void
pidfile_remove(const char *path)
{
	char text[32] = "";
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n > 0 && strtol(text, NULL, 10) == (long)getpid() && unlink(path) < 0)
		log_warn("PidFile %s: cannot remove: %s", path, strerror(errno));
}
