/*
 * roothelper.c - the keepers: small processes forked before the privilege
 * drop (before any key, password or socket exists) that keep one root
 * power the program gave up (nftables, routes, the resolver) and use it
 * only as its requests allow. nat.c, roam.c and dnsconf.c each give the
 * keeper its loop; this file holds what they share:
 *
 *   roothelper_start   fork, the keeper's end of a pipe (the program
 *                      writes, the keeper reads) or of a SOCK_SEQPACKET
 *                      pair at fd 3, every other descriptor above stdio
 *                      closed, the stop signals a service manager sends
 *                      the whole group ignored; the program gets its end.
 *                      When the program exits, however it exits, that end
 *                      closes and the keeper reads EOF and cleans up.
 *   roothelper_run     runs a program (nft, resolvectl, resolvconf) with
 *                      an argument vector, never a shell, its input on
 *                      stdin, and no descriptor but stdio: not the
 *                      keeper's fd 3, not the input pipe's other end, not
 *                      what the program had open when it calls this.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "minivpn.h"

extern char **environ;

int
roothelper_start(const char *name, int kind, roothelper_fn *fn, void *arg)
{
	int sv[2], mine, theirs;
	pid_t pid;

	if (kind == ROOTHELPER_SEQPACKET
	    ? socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)
	    : pipe2(sv, O_CLOEXEC)) {
		log_warn("%s: %s", name, kind == ROOTHELPER_SEQPACKET ?
		         "socketpair" : "pipe");
		return -1;
	}
	/* pipe: sv[0] reads (the keeper's), sv[1] writes (the program's). */
	theirs = sv[kind == ROOTHELPER_SEQPACKET ? 1 : 0];
	mine = sv[kind == ROOTHELPER_SEQPACKET ? 0 : 1];
	pid = fork();
	if (pid == -1) {
		log_warn("%s: fork", name);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* dup2 clears FD_CLOEXEC on fd 3 (and does nothing when theirs
		 * is 3 already): set it again, so that what the keeper runs
		 * does not inherit the keeper's end. */
		if ((theirs != 3 && dup2(theirs, 3) == -1) ||
		    fcntl(3, F_SETFD, FD_CLOEXEC) == -1 ||
		    close_range(4, ~0u, 0) == -1)
			_exit(1);
		(void)prctl(PR_SET_NAME, name);
		/* The group's signals are the program's to act on; the keeper
		 * outlives it long enough to clean up, then ends at EOF. */
		if (signal(SIGTERM, SIG_IGN) == SIG_ERR ||
		    signal(SIGINT, SIG_IGN) == SIG_ERR ||
		    signal(SIGHUP, SIG_IGN) == SIG_ERR ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
			log_warn("%s: setting up the keeper", name);
			_exit(1);
		}
		fn(3, arg);
		_exit(0);
	}
	close(theirs);
	return mine;
}

int
roothelper_run(char *const argv[], const char *input, const char *what)
{
	posix_spawn_file_actions_t fa;
	int p[2] = { -1, -1 }, st, err;
	size_t len = input != NULL ? strlen(input) : 0, off = 0;
	pid_t pid;

	/* A program gone early must be an error here, not a SIGPIPE. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    (input != NULL && pipe2(p, O_CLOEXEC) == -1)) {
		log_warn("%s: pipe", what);
		return -1;
	}
	if ((err = posix_spawn_file_actions_init(&fa)) == 0) {
		if (input != NULL)
			err = posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
		/* Only stdio: nothing the caller holds, CLOEXEC or not. */
		if (err == 0)
			err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
		if (err == 0)
			err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	if (input != NULL)
		close(p[0]);
	if (err != 0) {
		errno = err;
		log_warn("%s: running %s%s", what, argv[0],
		         err == ENOENT ? " (is it installed?)" : "");
		if (input != NULL)
			close(p[1]);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(p[1], input + off, len - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			log_warn("%s: writing to %s", what, argv[0]);
			break;
		}
		off += (size_t)w;
	}
	if (input != NULL)
		close(p[1]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			log_warn("%s: waitpid(%s)", what, argv[0]);
			return -1;
		}
	if (off < len || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		log_warnx("%s: %s %s failed (exit status %d)", what, argv[0],
		          argv[1] != NULL ? argv[1] : "",
		          WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}
