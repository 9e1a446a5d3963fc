/*
 * password.c - where the client's password comes from. Never argv, which
 * every user can read in `ps` and /proc/PID/cmdline. In this order:
 *
 *   --password-file FILE   first line of FILE (warned about if other users
 *                          may read it)
 *   MINIVPN_PASSWORD       the environment; the variable is wiped from our
 *                          memory after reading (/proc/PID/environ shows
 *                          only to the same user and root)
 *   the terminal           a prompt on /dev/tty with echo switched off
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "minivpn.h"

#define PASSWORD_ENV "MINIVPN_PASSWORD"

/* Set by a signal while the prompt waits, so echo is switched back on
 * before we go (the default action would leave the terminal silent). */
static volatile sig_atomic_t interrupted;

static void
on_prompt_signal(int sig)
{
	interrupted = sig;
}

/* Reads one line into out without its newline. Returns 0, or -1. */
static int
read_line(int fd, char *out, size_t len, const char *what)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r == -1 && errno == EINTR && interrupted) {
			log_warnx("interrupted (signal %d)", (int)interrupted);
			OPENSSL_cleanse(out, len);
			return -1;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			log_warn("reading the password from %s", what);
			return -1;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= len) {
			log_warnx("the password from %s is longer than %zu bytes",
			          what, len - 1);
			OPENSSL_cleanse(out, len);
			return -1;
		}
		out[n++] = c;
	}
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	return 0;
}

static int
from_file(const char *file, char *out, size_t len)
{
	struct stat st;
	int fd, ret;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("opening password file %s", file);
		return -1;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077))
		log_warnx("warning: password file %s can be read by other users "
		          "(chmod 600 it)", file);
	ret = read_line(fd, out, len, file);
	close(fd);
	return ret;
}

static int
from_tty(const char *user, char *out, size_t len)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, saved[4];
	struct termios old, quiet;
	char prompt[80];
	int fd, ret;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd == -1) {
		log_warn("no password given (--password-file or " PASSWORD_ENV
		         ") and no terminal to ask on");
		return -1;
	}
	if (tcgetattr(fd, &old) == -1) {
		log_warn("tcgetattr(/dev/tty)");
		close(fd);
		return -1;
	}
	/* No SA_RESTART: a signal interrupts the read, and we restore echo. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_prompt_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 4; i++)
		(void)sigaction(sigs[i], &sa, &saved[i]);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1) {
		log_warn("switching terminal echo off");
		for (size_t i = 0; i < 4; i++)
			(void)sigaction(sigs[i], &saved[i], NULL);
		close(fd);
		return -1;
	}
	snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
	ret = write(fd, prompt, strlen(prompt)) < 0 ? -1 : 0;
	if (ret == 0)
		ret = read_line(fd, out, len, "the terminal");
	if (tcsetattr(fd, TCSAFLUSH, &old) == -1)
		log_warn("restoring terminal echo");
	for (size_t i = 0; i < 4; i++)
		(void)sigaction(sigs[i], &saved[i], NULL);
	if (write(fd, "\n", 1) < 0)
		log_warn("writing to the terminal");
	close(fd);
	return ret;
}

int
password_read(const char *file, const char *user, char *out, size_t len)
{
	char *env;

	if (file != NULL)
		return from_file(file, out, len);
	env = getenv(PASSWORD_ENV);
	if (env != NULL) {
		size_t n = strlen(env);

		if (n + 1 > len) {
			log_warnx(PASSWORD_ENV " is longer than %zu bytes", len - 1);
			return -1;
		}
		memcpy(out, env, n + 1);
		OPENSSL_cleanse(env, n);
		if (unsetenv(PASSWORD_ENV) == -1)
			log_warn("unsetenv(" PASSWORD_ENV ")");
		return 0;
	}
	return from_tty(user, out, len);
}
