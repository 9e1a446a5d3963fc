/*
 * udp.c - the UDP socket a plain tunnel endpoint sends and receives on.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vpnlab.h"

int
udp_bind(const struct sockaddr_in *local, bool nonblock)
{
	char ep[32];
	int fd, one = 1;

	addr_endpoint_str(local, ep, sizeof(ep));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC |
	            (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd == -1) {
		log_warn("udp socket for %s", ep);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1) {
		log_warn("setsockopt SO_REUSEADDR on %s", ep);
		goto bad;
	}
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) == -1) {
		log_warn("bind udp %s (is another tunnel already running?)", ep);
		goto bad;
	}
	return fd;
bad:
	close(fd);
	return -1;
}
