/*
 * control.c - the server's control socket: who is connected, and
 * disconnecting a user (minivpn-server --status, --disconnect USER).
 *
 * A unix stream socket (--control PATH, e.g. /run/minivpn/server.sock),
 * mode 0600 and owned by root, made before privileges are dropped; each
 * connection's peer must also be uid 0 (SO_PEERCRED), so that neither the
 * file's mode nor a directory left open lets another user in. A request is
 * one line, the answer some lines of text, then the server closes:
 *
 *   status            "# user tunnel peer since bytes-in bytes-out
 *                      packets-in packets-out", then one line per
 *                      logged-in session, then "clients N"
 *   disconnect USER   "disconnected USER" or "error: no session of USER"
 *   drain             "draining": clients told to move, then exit (drain.c)
 *
 * Requests are rare and come from root only; the event loop answers each
 * at once, waiting at most CONTROL_WAIT_MS for the request line and as
 * long again whenever the answer fills the socket buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

#define CONTROL_WAIT_MS 500
#define CONTROL_LINE_MAX 128

static int
control_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		log_warnx("control socket path %s: longer than %zu bytes", path,
		          sizeof(sun->sun_path) - 1);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

int
control_listen(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd;

	if (control_addr(path, &sun) == -1)
		return -1;
	/* A socket left by a server that stopped: ours to replace. One that
	 * answers is another server's, and anything else at that path is not
	 * a socket to replace either. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("control socket %s: exists and is not a socket", path);
			return -1;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd != -1 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			log_warnx("control socket %s: another server is listening "
			          "on it", path);
			return -1;
		}
		if (fd != -1)
			close(fd);
		if (unlink(path) == -1) {
			log_warn("removing the old control socket %s", path);
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		log_warn("socket(AF_UNIX)");
		return -1;
	}
	/* 0600 from the start: no window in which the socket is open to all,
	 * and no chmod by name afterwards, which would follow a symlink put
	 * in its place */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("binding the control socket %s", path);
		goto bad;
	}
	umask(old);
	if (listen(fd, 8) == -1) {
		log_warn("listen(%s)", path);
		goto bad;
	}
	log_info("control socket %s (root only)", path);
	return fd;
bad:
	close(fd);
	return -1;
}

/* Writes all of buf to fd (non-blocking, like every socket the event loop
 * accepts): a full socket buffer - a long status - is waited for, at most
 * CONTROL_WAIT_MS each time. 0, or -1 when the peer is gone or stalls. */
static int
put(int fd, const char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (len > 0) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN) {
			if (poll(&p, 1, CONTROL_WAIT_MS) <= 0) {
				log_warnx("control socket: the client does not read; "
				          "answer cut short");
				return -1;
			}
			continue;
		}
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static void
put_status(struct server *srv, int fd)
{
	char line[320], addr[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN], since[32];
	char addr6[INET6_ADDRSTRLEN];
	unsigned n = 0;
	struct tm tm;

	snprintf(line, sizeof(line), "# user tunnel peer since bytes-in "
	         "bytes-out packets-in packets-out tunnel6\n");
	put(fd, line, strlen(line));
	for (unsigned i = 0; i < srv->max_conns; i++) {
		const struct session *s = srv->sess[i];

		if (s == NULL || s->state != SS_ACTIVE)
			continue;
		inet_ntop(AF_INET, &s->addr, addr, sizeof(addr));
		inet_ntop(AF_INET, &s->peer.sin_addr, peer, sizeof(peer));
		if (gmtime_r(&s->since, &tm) == NULL ||
		    strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(since, sizeof(since), "?");
		/* The IPv6 address last: scripts reading the columns before it
		 * are not disturbed. "-": no IPv6 for this client. */
		if (!s->v6)
			snprintf(addr6, sizeof(addr6), "-");
		else
			inet_ntop(AF_INET6, &s->addr6, addr6, sizeof(addr6));
		snprintf(line, sizeof(line), "%s %s %s:%u %s %llu %llu %llu %llu %s\n",
		         s->user, addr, peer, ntohs(s->peer.sin_port), since,
		         (unsigned long long)s->bytes_in,
		         (unsigned long long)s->bytes_out,
		         (unsigned long long)s->pkts_in,
		         (unsigned long long)s->pkts_out, addr6);
		if (put(fd, line, strlen(line)) == -1)
			return;
		n++;
	}
	snprintf(line, sizeof(line), "clients %u\n", n);
	put(fd, line, strlen(line));
}

static void
do_disconnect(struct server *srv, int fd, const char *user)
{
	char line[CONTROL_LINE_MAX + 32];

	for (unsigned i = 0; i < srv->max_conns; i++) {
		struct session *s = srv->sess[i];

		if (s == NULL || s->state != SS_ACTIVE || strcmp(s->user, user) != 0)
			continue;
		log_info("%s: disconnected by the administrator", s->name);
		/* AUTH: the client stops instead of coming straight back (its
		 * unit does not restart it on exit status 3); to keep the user
		 * out, lock the account too (minivpn-passwd lock). */
		session_close(s, VPN_ERR_AUTH, "disconnected by the administrator");
		snprintf(line, sizeof(line), "disconnected %s\n", user);
		put(fd, line, strlen(line));
		return;
	}
	snprintf(line, sizeof(line), "error: no session of %s\n", user);
	put(fd, line, strlen(line));
}

/* Reads the request line; 0, or -1 when none came in time. */
static int
get_line(int fd, char *line, size_t len)
{
	size_t n = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t end = now_ms() + CONTROL_WAIT_MS;

	while (n + 1 < len) {
		int left = (int)(end - now_ms());
		ssize_t r;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		r = recv(fd, line + n, len - 1 - n, 0);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		n += (size_t)r;
		line[n] = '\0';
		if (strchr(line, '\n') != NULL) {
			*strchr(line, '\n') = '\0';
			return 0;
		}
	}
	return -1;
}

void
control_accept(struct server *srv)
{
	char line[CONTROL_LINE_MAX];
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fd;

	fd = accept4(srv->ctlfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept on the control socket");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == -1) {
		log_warn("control socket: SO_PEERCRED");
		goto out;
	}
	if (cred.uid != 0) {
		log_warnx("control socket: refused uid %u (pid %d): root only",
		          (unsigned)cred.uid, (int)cred.pid);
		goto out;
	}
	if (get_line(fd, line, sizeof(line)) == -1) {
		log_warnx("control socket: no request line from pid %d",
		          (int)cred.pid);
		goto out;
	}
	if (strcmp(line, "status") == 0) {
		put_status(srv, fd);
	} else if (strcmp(line, "drain") == 0) {
		server_drain(srv, "control socket");
		put(fd, "draining\n", 9);
	} else if (strncmp(line, "disconnect ", 11) == 0 &&
	           login_user_valid((const uint8_t *)line + 11, strlen(line + 11))) {
		do_disconnect(srv, fd, line + 11);
	} else {
		log_warnx("control socket: unknown request from pid %d", (int)cred.pid);
		put(fd, "error: unknown request\n", 23);
	}
out:
	close(fd);
}

int
control_request(const char *path, const char *request)
{
	struct sockaddr_un sun;
	char buf[4096];
	bool failed = false;
	size_t got = 0;
	ssize_t r;
	int fd;

	if (control_addr(path, &sun) == -1)
		return 1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("socket(AF_UNIX)");
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("connecting to the control socket %s (is the server "
		         "running with --control %s? root only)", path, path);
		close(fd);
		return 1;
	}
	put(fd, request, strlen(request));
	put(fd, "\n", 1);
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r) {
			log_warn("writing to stdout");
			failed = true;
			break;
		}
		if (got == 0 && r >= 6 && memcmp(buf, "error:", 6) == 0)
			failed = true;
		got += (size_t)r;
	}
	if (r == -1) {
		log_warn("reading from the control socket %s", path);
		failed = true;
	}
	close(fd);
	if (r == 0 && got == 0) {
		log_warnx("the server closed the control connection without an "
		          "answer (root only: see its log)");
		failed = true;
	}
	if (fflush(stdout) == EOF)
		failed = true;
	return failed ? 1 : 0;
}
