/*
 * tun-server - the server end of the one-way UDP tunnel (SEED task 4).
 *
 * Listens on UDP 9090. Each datagram should be one raw IPv4 packet: the
 * server prints where the datagram came from and the addresses inside,
 *
 *   10.9.0.5:43210 --> 0.0.0.0:9090  Inside: 192.168.53.99 --> 192.168.60.5
 *
 * and writes the packet into its own TUN interface (192.168.53.11/24). The
 * kernel then treats it as a packet that arrived on that interface and,
 * with ip_forward on, routes it to the private network.
 *
 *   tun-server [-v] [--name tun0] [--tun-addr A/P] [--port 9090]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "vpnlab.h"

struct server {
	int tun, sock;
	char ifname[IFNAMSIZ];
	struct sockaddr_in local;
	struct log_limit bad_dgram, io_err;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tun-server [-v] [--name NAME] [--tun-addr A/P] [--port PORT]\n"
	    "  Receives IPv4 packets in UDP datagrams, prints their outer and\n"
	    "  inner addresses and writes them into a TUN interface (SEED task 4).\n"
	    "  --name NAME      TUN interface name (default tun0)\n"
	    "  --tun-addr A/P   its address (default 192.168.53.11/24)\n"
	    "  --port PORT      UDP port to listen on (default %d)\n"
	    "  -v               debug logging\n", VL_UDP_TUNNEL_PORT);
}

/* Moves one datagram from the socket into the TUN device. -1: device gone. */
static int
server_to_tun(struct server *s)
{
	/* SOLUTION BEGIN: recvfrom() one datagram (MSG_TRUNC: one larger than
	 * the VL_IP_MAX buffer is seen, and dropped; EINTR or EAGAIN: return
	 * 0); drop what is not one IPv4 packet (tunnel_inner_check), each drop
	 * logged with what was wrong and who sent it (log_limited); print
	 * "FROM --> LOCAL  Inside: INNER" (addr_endpoint_str,
	 * tunnel_inner_str); write() the packet to the TUN (s->tun): the
	 * device gone (tunnel_dev_gone): log_warn() and return -1, another
	 * error: log it; return 0 */
	uint8_t pkt[VL_IP_MAX];
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	struct ipv4_hdr_info ip;
	const char *why;
	char fep[32], lep[32], inner[48];
	ssize_t n;

	n = recvfrom(s->sock, pkt, sizeof(pkt), MSG_TRUNC,
	             (struct sockaddr *)&from, &fromlen);
	if (n == -1) {
		if (errno != EINTR && errno != EAGAIN)
			log_limited(&s->io_err, "recvfrom on UDP %u failed: %s",
			            ntohs(s->local.sin_port), strerror(errno));
		return 0;
	}
	addr_endpoint_str(&from, fep, sizeof(fep));
	if ((size_t)n > sizeof(pkt)) {
		log_limited(&s->bad_dgram, "datagram from %s: %zd bytes, larger "
		            "than the %zu-byte buffer; dropped", fep, n,
		            sizeof(pkt));
		return 0;
	}
	if (tunnel_inner_check(pkt, (size_t)n, &ip, &why) == -1) {
		log_limited(&s->bad_dgram, "datagram from %s is not an IPv4 "
		            "packet (%zd bytes: %s); dropped", fep, n, why);
		return 0;
	}
	printf("%s --> %s  Inside: %s\n", fep,
	       addr_endpoint_str(&s->local, lep, sizeof(lep)),
	       tunnel_inner_str(&ip, inner, sizeof(inner)));
	if (write(s->tun, pkt, (size_t)n) == -1) {
		if (tunnel_dev_gone(errno)) {
			log_warn("write %s: the interface is gone", s->ifname);
			return -1;
		}
		log_limited(&s->io_err, "write %zd bytes to %s failed: %s", n,
		            s->ifname, strerror(errno));
	}
	/* SOLUTION STUB: log_warnx("task 4: receiving datagrams into the TUN is not written yet (task3-udp-tunnel/tun-server.c)"); return -1; */
	/* SOLUTION END */
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "tun-addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = "tun0", *addr = "192.168.53.11/24", *port = NULL;
	struct server s = { .tun = -1, .sock = -1 };
	char ep[32];
	int ch, verbosity = LL_INFO, ret = 1;

	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': port = optarg; break;
		case 'v': verbosity = LL_DEBUG; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(argv[0], verbosity);
	/* Packet lines go to stdout, one per datagram, as they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (addr_any_port(port ? port : "9090", &s.local) == -1)
		return 2;
	if (signals_init() == -1)
		return 1;

	s.tun = tunnel_dev_up(name, TUN_MODE_TUN, addr, NULL, 0, 0, false,
	                      s.ifname);
	if (s.tun == -1)
		goto out;
	if ((s.sock = udp_bind(&s.local, false)) == -1)
		goto out;
	log_info("%s %s up; listening on UDP %s", s.ifname, addr,
	         addr_endpoint_str(&s.local, ep, sizeof(ep)));

	while (!signals_stop_requested()) {
		if (server_to_tun(&s) == -1)
			goto out;
	}
	log_info("stopping on signal %d", signals_last());
	ret = 0;
out:
	if (s.sock != -1)
		close(s.sock);
	if (s.tun != -1)
		close(s.tun);
	return ret;
}
