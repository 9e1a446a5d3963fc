/*
 * linesrv.c - a telnet-like line service for Host V.
 *
 * SEED's tasks 5 and 6 telnet from U to V through the tunnel and type while
 * the tunnel is broken. This service stands in for telnetd: it accepts TCP
 * connections, echoes every line back prefixed with "echo: ", and appends
 * "PEER LINE" to a log file, so a check can see exactly what arrived and
 * when. Many clients at once, one poll() loop.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "vpnlab.h"

#define MAX_CLIENTS 32
#define LINE_MAX_LEN 1024

struct client {
	int fd;
	char peer[32];
	char line[LINE_MAX_LEN];
	size_t used;
};

struct linesrv {
	int listen_fd;
	FILE *log;
	struct client clients[MAX_CLIENTS];
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: lab-linesrv [--port N] [--log FILE] [-v]\n"
	        "  A line echo service (telnet stand-in) for Host V.\n"
	        "  Every line received is echoed as \"echo: LINE\" and logged as\n"
	        "  \"PEER LINE\" to FILE (default: standard output).\n");
}

static void
client_close(struct client *c)
{
	log_info("%s disconnected", c->peer);
	close(c->fd);
	c->fd = -1;
}

static void
client_line(struct linesrv *s, struct client *c, const char *line)
{
	char reply[LINE_MAX_LEN + 8];
	int n;

	fprintf(s->log, "%s %s\n", c->peer, line);
	fflush(s->log);
	n = snprintf(reply, sizeof(reply), "echo: %s\n", line);
	/* Never block on one slow peer: an echo that does not fit is dropped. */
	if (n > 0 && send(c->fd, reply, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == -1)
		log_warn("send to %s (echo dropped)", c->peer);
}

static void
client_read(struct linesrv *s, struct client *c)
{
	ssize_t n = recv(c->fd, c->line + c->used, sizeof(c->line) - 1 - c->used, 0);
	char *nl;

	if (n == -1 && errno == EINTR)
		return;
	if (n <= 0) {
		if (n == -1)
			log_warn("recv from %s", c->peer);
		client_close(c);
		return;
	}
	c->used += (size_t)n;
	c->line[c->used] = '\0';
	/* memchr, not strchr: a NUL byte from the peer must not hide a line. */
	while ((nl = memchr(c->line, '\n', c->used)) != NULL) {
		*nl = '\0';
		if (nl > c->line && nl[-1] == '\r')
			nl[-1] = '\0';
		client_line(s, c, c->line);
		c->used -= (size_t)(nl + 1 - c->line);
		memmove(c->line, nl + 1, c->used + 1);
	}
	if (c->used == sizeof(c->line) - 1) {   /* an overlong line: pass it on */
		client_line(s, c, c->line);
		c->used = 0;
	}
}

static void
accept_one(struct linesrv *s)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = accept4(s->listen_fd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);

	if (fd == -1) {
		if (errno != EINTR)
			log_warn("accept");
		return;
	}
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];
		if (c->fd != -1)
			continue;
		c->fd = fd;
		c->used = 0;
		addr_endpoint_str(&sa, c->peer, sizeof(c->peer));
		log_info("%s connected", c->peer);
		return;
	}
	log_warnx("too many clients (%d); refusing one", MAX_CLIENTS);
	close(fd);
}

static int
listen_on(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1) {
		log_warn("setsockopt SO_REUSEADDR");
		goto bad;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		log_warn("bind tcp port %u", port);
		goto bad;
	}
	if (listen(fd, 16) == -1) {
		log_warn("listen");
		goto bad;
	}
	return fd;
bad:
	close(fd);
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct linesrv s = { .log = stdout };
	struct pollfd pfd[MAX_CLIENTS + 1];
	long port = 23;
	int opt, verbosity = LL_INFO;

	log_init(argv[0], verbosity);
	while ((opt = getopt_long(argc, argv, "p:l:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': {
			char *end;

			port = strtol(optarg, &end, 10);
			if (*end != '\0' || end == optarg || port < 1 || port > 65535)
				fatalx("--port %s: give a port from 1 to 65535", optarg);
			break;
		}
		case 'l':
			if ((s.log = fopen(optarg, "a")) == NULL)
				fatal("open log %s", optarg);
			break;
		case 'v':
			verbosity = LL_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	log_init(argv[0], verbosity);
	if (signals_init() == -1)
		return 1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		s.clients[i].fd = -1;
	if ((s.listen_fd = listen_on((uint16_t)port)) == -1)
		return 1;
	log_info("listening on tcp port %ld", port);

	while (!signals_stop_requested()) {
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = s.listen_fd, .events = POLLIN };
		for (int i = 0; i < MAX_CLIENTS; i++)
			pfd[n++] = (struct pollfd){ .fd = s.clients[i].fd, .events = POLLIN };
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLIN)
			accept_one(&s);
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (s.clients[i].fd != -1 && pfd[i + 1].revents)
				client_read(&s, &s.clients[i]);
	}
	log_info("stopping on signal %d", signals_last());
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s.clients[i].fd != -1)
			close(s.clients[i].fd);
	close(s.listen_fd);
	if (s.log != stdout)
		fclose(s.log);
	return 0;
}
