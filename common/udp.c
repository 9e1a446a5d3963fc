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
	int fd;

	addr_endpoint_str(local, ep, sizeof(ep));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC |
	            (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd == -1) {
		log_warn("udp socket for %s", ep);
		return -1;
	}
	/* No SO_REUSEADDR: for UDP it would let a second tunnel bind the same
	 * port and silently take half the traffic. */
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) == -1) {
		log_warn("bind udp %s (is another tunnel already running?)", ep);
		goto bad;
	}
	return fd;
bad:
	close(fd);
	return -1;
}
