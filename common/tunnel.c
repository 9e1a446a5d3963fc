/*
 * tunnel.c - the pieces every plain UDP tunnel endpoint shares (tasks 3-9).
 *
 * The wire format is SEED's: one whole IPv4 packet per UDP datagram, no
 * header of our own, server port 9090. So a datagram is "good" exactly when
 * its bytes are one IPv4 packet: the version is 4, the header is complete,
 * and the total length in the header is the datagram's length. Anything
 * else came from somebody who does not speak the protocol (or from a
 * program with a buffer too small for the packet) and is dropped with the
 * reason said once, rate limited.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "vpnlab.h"

int
tunnel_dev_up(const char *name, enum tun_mode mode, const char *addr,
              const char *const *routes, size_t nroutes, int mtu,
              bool nonblock, char ifname[IFNAMSIZ])
{
	struct in_addr a;
	int fd, plen;

	fd = tun_open(name, mode, nonblock, ifname);
	if (fd == -1)
		return -1;
	if (addr) {
		if (addr_parse_prefix(addr, &a, &plen) == -1 ||
		    nl_addr_add(ifname, a, plen) == -1)
			goto bad;
	}
	if (nl_link_up(ifname, mtu) == -1)
		goto bad;
	for (size_t i = 0; i < nroutes; i++) {
		if (addr_parse_prefix(routes[i], &a, &plen) == -1 ||
		    nl_route_add(a, plen, NULL, ifname) == -1)
			goto bad;
	}
	return fd;
bad:
	/* Closing the descriptor removes the interface, its address and
	 * every route through it: nothing to undo by hand. */
	close(fd);
	return -1;
}

int
tunnel_inner_check(const uint8_t *buf, size_t n, struct ipv4_hdr_info *ip,
                   const char **why)
{
	static char reason[96];

	if (ipv4_parse(buf, n, ip, why) == -1)
		return -1;
	if (ip->total_len != n) {
		snprintf(reason, sizeof(reason), "%zu bytes, but the IPv4 total "
		         "length says %u", n, ip->total_len);
		if (why)
			*why = reason;
		return -1;
	}
	return 0;
}

const char *
tunnel_inner_str(const struct ipv4_hdr_info *ip, char *buf, size_t len)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &ip->src, s, sizeof(s)))
		strcpy(s, "?");
	if (!inet_ntop(AF_INET, &ip->dst, d, sizeof(d)))
		strcpy(d, "?");
	snprintf(buf, len, "%s --> %s", s, d);
	return buf;
}

bool
tunnel_same_peer(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr &&
	       a->sin_port == b->sin_port;
}

bool
tunnel_dev_gone(int err)
{
	/* EBADFD: the interface was deleted under us (ip link del);
	 * EIO: the device was detached. Neither comes back by retrying. */
	return err == EBADFD || err == EIO;
}

int
tunnel_local_port(int sock, uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(sock, (struct sockaddr *)&sa, &len) == -1) {
		log_warn("getsockname on the tunnel socket");
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return 0;
}
