/*
 * frame-inject - send hand-made Ethernet frames out of an interface.
 *
 *   frame-inject IFNAME HEX [HEX...]
 *
 * Each HEX argument is one whole frame (destination MAC first; spaces,
 * ':' and '.' ignored), sent with a packet socket. Sent out of a TAP
 * interface, it is what the program holding the TAP reads: the task 9
 * check uses it to hand tap-arp truncated and foreign ARP frames.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>

#include "vpnlab.h"


int
main(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint8_t frame[VL_FRAME_MAX];
	int fd, ret = 1;

	log_init(argv[0], LL_INFO);
	if (argc < 3) {
		fprintf(stderr, "usage: frame-inject IFNAME HEX...\n");
		return 2;
	}
	if ((sll.sll_ifindex = (int)if_nametoindex(argv[1])) == 0) {
		log_warn("no interface %s", argv[1]);
		return 1;
	}
	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("packet socket (needs CAP_NET_RAW)");
		return 1;
	}
	sll.sll_halen = 6;
	for (int i = 2; i < argc; i++) {
		ssize_t n = hex_decode(argv[i], frame, sizeof(frame));

		if (n == -1)
			goto out;
		if (sendto(fd, frame, (size_t)n, 0, (struct sockaddr *)&sll,
		           sizeof(sll)) == -1) {
			log_warn("send %zd-byte frame out of %s", n, argv[1]);
			goto out;
		}
	}
	ret = 0;
out:
	close(fd);
	return ret;
}
