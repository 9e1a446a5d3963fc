/*
 * vpn-client - the client end of the two-way UDP tunnel (SEED task 5).
 *
 * The TUN interface 192.168.53.99/24 with routes into it (192.168.60.0/24
 * by default), and the relay loop: packets from the TUN device to the
 * server, datagrams from the server (and only from it) into the TUN device.
 *
 *   vpn-client [-v] [--name tun0] [--tun-addr A/P] [--route NET/P]... [SERVER[:PORT]]
 */
#include <stdio.h>
#include <unistd.h>

#include "relay.h"

static const char usage[] =
    "usage: vpn-client [-v] [--name NAME] [--tun-addr A/P] [--route NET/P]...\n"
    "                  [SERVER[:PORT]]\n"
    "  A two-way UDP tunnel to vpn-server (SEED task 5): one IPv4 packet\n"
    "  per UDP datagram.\n"
    "  --name NAME      TUN interface name (default tun0)\n"
    "  --tun-addr A/P   its address (default 192.168.53.99/24)\n"
    "  --route NET/P    route NET/P into the tunnel (repeatable;\n"
    "                   default 192.168.60.0/24)\n"
    "  SERVER[:PORT]    the VPN server (default 10.9.0.11:9090)\n"
    "  -v               debug logging\n"
    "  Prints one line per packet: 'From tun    ==>: SRC --> DST  to SERVER'\n"
    "  and 'From socket <==: SRC --> DST  from SERVER'.\n";

int
main(int argc, char **argv)
{
	struct relay_opts o = {
		.name = "tun0", .addr = "192.168.53.99/24", .peer = "10.9.0.11",
		.routes = { "192.168.60.0/24" }, .verbosity = LL_INFO,
	};
	struct sockaddr_in any = { .sin_family = AF_INET };
	struct relay r = { .tun = -1, .sock = -1 };
	char sep[32];
	uint16_t lport;
	int ret = 1;

	relay_opts_parse(argc, argv, &o, usage);
	if (o.nroutes == 0)
		o.nroutes = 1;      /* the default route above */
	if (o.port) {
		fputs("vpn-client: --port is the server's option; give "
		      "SERVER:PORT\n", stderr);
		return 2;
	}
	if (addr_parse_endpoint(o.peer, VL_UDP_TUNNEL_PORT, &r.peer) == -1)
		return 2;
	r.have_peer = true;
	if (signals_init() == -1)
		return 1;

	r.tun = tunnel_dev_up(o.name, TUN_MODE_TUN, o.addr, o.routes,
	                      o.nroutes, 0, false, r.ifname);
	if (r.tun == -1)
		goto out;
	if ((r.sock = udp_bind(&any, false)) == -1 ||
	    tunnel_local_port(r.sock, &lport) == -1)
		goto out;
	r.local = any;
	r.local.sin_port = htons(lport);
	log_info("%s %s up, %zu route(s) into it; UDP 0.0.0.0:%u <-> server %s",
	         r.ifname, o.addr, o.nroutes, lport,
	         addr_endpoint_str(&r.peer, sep, sizeof(sep)));

	if (relay_run(&r) == 0)
		ret = 0;
out:
	if (r.sock != -1)
		close(r.sock);
	if (r.tun != -1)
		close(r.tun);
	return ret;
}
