/*
 * net.c - TCP sockets for the TLS transport.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "minivpn.h"

#define CONNECT_TIMEOUT 10   /* s */

int
fd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		log_warn("fcntl(O_NONBLOCK) on fd %d", fd);
		return -1;
	}
	return 0;
}

/*
 * Every packet is its own small write on a VPN: Nagle's algorithm would hold
 * an interactive packet back waiting for an ACK. Batching is done by us,
 * where we know when the TUN queue is empty.
 */
int
tcp_tune(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1) {
		log_warn("setsockopt(TCP_NODELAY)");
		return -1;
	}
	return 0;
}

/* backlog: connections the kernel holds before accept (a burst of
 * reconnecting clients must not overflow it: SOMAXCONN by default). */
int
tcp_listen(const struct sockaddr_in *local, unsigned backlog)
{
	char where[32];
	int one = 1, fd;

	addr_endpoint_str(local, where, sizeof(where));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("socket(TCP) for %s", where);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1) {
		log_warn("setsockopt(SO_REUSEADDR) on %s", where);
		goto bad;
	}
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) == -1) {
		log_warn("bind %s", where);
		goto bad;
	}
	if (listen(fd, (int)backlog) == -1) {
		log_warn("listen on %s", where);
		goto bad;
	}
	return fd;
bad:
	close(fd);
	return -1;
}

/*
 * Resolves host (or takes connect_addr, when the name is not in DNS as in
 * the lab) and connects, trying each address in turn. Writes the address
 * it reached into peer. Returns a blocking socket, or -1.
 */
int
tcp_connect(const char *host, uint16_t port, const char *connect_addr,
            char *peer, size_t peerlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8], addr[INET6_ADDRSTRLEN];
	const char *target = connect_addr ? connect_addr : host;
	struct timeval tmo = { .tv_sec = CONNECT_TIMEOUT };
	int fd = -1, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (connect_addr)
		hints.ai_flags = AI_NUMERICHOST;
	snprintf(portstr, sizeof(portstr), "%u", port);
	err = getaddrinfo(target, portstr, &hints, &res);
	if (err != 0) {
		log_warnx("resolving %s: %s", target,
		          err == EAI_SYSTEM ? strerror(errno) : gai_strerror(err));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		void *a = ai->ai_family == AF_INET
		    ? (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		    : (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		inet_ntop(ai->ai_family, a, addr, sizeof(addr));
		snprintf(peer, peerlen, "%s%s%s:%u", ai->ai_family == AF_INET6
		         ? "[" : "", addr, ai->ai_family == AF_INET6 ? "]" : "",
		         port);
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd == -1) {
			log_warn("socket for %s", peer);
			continue;
		}
		/* On Linux SO_SNDTIMEO bounds connect() too: no 2-minute hang. */
		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo)) == -1)
			log_warn("setsockopt(SO_SNDTIMEO)");
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		log_warn("connecting to %s (%s)", peer, host);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd != -1 && tcp_tune(fd) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* True when s is an IPv4 or IPv6 address literal, not a host name. */
bool
addr_is_literal(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}
