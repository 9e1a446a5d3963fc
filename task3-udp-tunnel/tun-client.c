/*
 * tun-client - the client end of the one-way UDP tunnel (SEED task 3).
 *
 * Creates a TUN interface (192.168.53.99/24), routes the private network
 * 192.168.60.0/24 into it, and sends every packet the kernel hands it to
 * the VPN server as the payload of one UDP datagram (SEED's wire format:
 * the raw IPv4 packet, nothing else, to port 9090).
 *
 *   tun-client [-v] [--name tun0] [--tun-addr A/P] [--route NET/P]... [SERVER[:PORT]]
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

#define MAX_ROUTES 8

struct client {
	int tun, sock;
	char ifname[IFNAMSIZ];
	struct sockaddr_in server;
	struct log_limit tun_err, send_err;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tun-client [-v] [--name NAME] [--tun-addr A/P] "
	    "[--route NET/P]... [SERVER[:PORT]]\n"
	    "  Sends every packet routed into the TUN interface to the VPN\n"
	    "  server, one IPv4 packet per UDP datagram (SEED task 3).\n"
	    "  --name NAME      TUN interface name (default tun0)\n"
	    "  --tun-addr A/P   its address (default 192.168.53.99/24)\n"
	    "  --route NET/P    route NET/P into the tunnel (repeatable;\n"
	    "                   default 192.168.60.0/24)\n"
	    "  SERVER[:PORT]    the VPN server (default 10.9.0.11:%d)\n"
	    "  -v               debug logging: one line per packet\n",
	    VL_UDP_TUNNEL_PORT);
}

/*
 * Moves one packet from the TUN device to the server. Returns -1 only when
 * the device is gone; every other failure is logged (rate limited) and the
 * packet dropped.
 */
static int
tun_to_server(struct client *c)
{
	/* SOLUTION BEGIN: read() one packet from the TUN (c->tun) into a buffer
	 * that holds the largest IPv4 packet (VL_IP_MAX): EINTR or EAGAIN:
	 * return 0; the device gone (tunnel_dev_gone): log_warn() and return
	 * -1; another error: log it (log_limited) and return 0. Drop, with a
	 * log line, what is not one IPv4 packet (tunnel_inner_check); sendto()
	 * the rest to the server (c->server), logging a failed send */
	uint8_t pkt[VL_IP_MAX];
	struct ipv4_hdr_info ip;
	const char *why;
	char line[VL_SUMMARY_MAX];
	ssize_t n;

	n = read(c->tun, pkt, sizeof(pkt));
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		if (tunnel_dev_gone(errno)) {
			log_warn("read %s: the interface is gone", c->ifname);
			return -1;
		}
		log_limited(&c->tun_err, "read %s failed (%s): nothing sent",
		            c->ifname, strerror(errno));
		return 0;
	}
	if (tunnel_inner_check(pkt, (size_t)n, &ip, &why) == -1) {
		/* The kernel also routes IPv6 here if asked to: not ours. */
		log_limited(&c->tun_err, "%s: dropped a %zd-byte packet: %s",
		            c->ifname, n, why);
		return 0;
	}
	if (log_verbosity() >= LL_DEBUG)
		log_debug("%s ==> %s", c->ifname,
		          ipv4_summary(pkt, (size_t)n, line, sizeof(line)));
	if (sendto(c->sock, pkt, (size_t)n, 0, (struct sockaddr *)&c->server,
	           sizeof(c->server)) == -1)
		log_limited(&c->send_err, "sendto server failed (%s): %zd-byte "
		            "packet dropped", strerror(errno), n);
	/* SOLUTION STUB: log_warnx("task 3: sending TUN packets to the server is not written yet (task3-udp-tunnel/tun-client.c)"); return -1; */
	/* SOLUTION END */
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "tun-addr", required_argument, NULL, 'a' },
		{ "route", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = "tun0", *addr = "192.168.53.99/24";
	const char *routes[MAX_ROUTES] = { "192.168.60.0/24" };
	size_t nroutes = 0;
	struct sockaddr_in any = { .sin_family = AF_INET };
	struct client c = { .tun = -1, .sock = -1 };
	char sep[32];
	uint16_t lport;
	int ch, verbosity = LL_INFO, ret = 1;

	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'a': addr = optarg; break;
		case 'r':
			if (nroutes == MAX_ROUTES)
				fatalx("at most %d --route options", MAX_ROUTES);
			routes[nroutes++] = optarg;
			break;
		case 'v': verbosity = LL_DEBUG; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	log_init(argv[0], verbosity);
	if (nroutes == 0)
		nroutes = 1;
	if (addr_parse_endpoint(optind < argc ? argv[optind] : "10.9.0.11",
	                        VL_UDP_TUNNEL_PORT, &c.server) == -1)
		return 2;
	if (signals_init() == -1)
		return 1;

	/* SOLUTION BEGIN: c.tun: the TUN device (TUN_MODE_TUN) with its address
	 * addr, up, and the routes (routes, nroutes) to the private network
	 * through it, its name in c.ifname: tunnel_dev_up() (common/tunnel.h)
	 * does it all; -1 when it failed (it says why) */
	c.tun = tunnel_dev_up(name, TUN_MODE_TUN, addr, routes, nroutes, 0,
	                      false, c.ifname);
	/* SOLUTION STUB: c.tun = -1; log_warnx("task 3: the TUN device and its route are not set up yet (task3-udp-tunnel/tun-client.c)"); */
	/* SOLUTION END */
	if (c.tun == -1)
		goto out;
	if ((c.sock = udp_bind(&any, false)) == -1 ||
	    tunnel_local_port(c.sock, &lport) == -1)
		goto out;
	log_info("%s %s up, routes into it: %zu; sending from 0.0.0.0:%u to %s",
	         c.ifname, addr, nroutes, lport,
	         addr_endpoint_str(&c.server, sep, sizeof(sep)));

	while (!signals_stop_requested()) {
		if (tun_to_server(&c) == -1)
			goto out;
	}
	log_info("stopping on signal %d", signals_last());
	ret = 0;
out:
	if (c.sock != -1)
		close(c.sock);
	if (c.tun != -1)
		close(c.tun);
	return ret;
}
