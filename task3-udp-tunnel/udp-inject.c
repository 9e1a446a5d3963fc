/*
 * udp-inject - send hand-made UDP datagrams, for the bad-input tests.
 *
 *   udp-inject [--from-port PORT] DEST:PORT HEX [HEX...]
 *
 * Each HEX argument is one datagram, written as hex digits ("45000014...";
 * spaces, ':' and '.' are ignored). The checks use it to send a tunnel
 * endpoint what a careless or hostile peer would: a datagram that is not
 * IPv4, a truncated packet, a packet from the wrong address.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "vpnlab.h"



int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from-port", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_in dst, local = { .sin_family = AF_INET };
	uint8_t buf[VL_IP_MAX];
	char ep[32];
	int ch, fd;

	log_init(argv[0], LL_INFO);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (addr_any_port(optarg, &local) == -1)
				return 2;
			break;
		case 'h':
			printf("usage: udp-inject [--from-port PORT] DEST:PORT HEX...\n");
			return 0;
		default:
			return 2;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: udp-inject [--from-port PORT] DEST:PORT HEX...\n");
		return 2;
	}
	if (addr_parse_endpoint(argv[optind], VL_UDP_TUNNEL_PORT, &dst) == -1)
		return 2;
	if ((fd = udp_bind(&local, false)) == -1)
		return 1;
	for (int i = optind + 1; i < argc; i++) {
		ssize_t n = hex_decode(argv[i], buf, sizeof(buf));

		if (n == -1) {
			close(fd);
			return 2;
		}
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&dst,
		           sizeof(dst)) == -1) {
			log_warn("sendto %s", addr_endpoint_str(&dst, ep, sizeof(ep)));
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}
