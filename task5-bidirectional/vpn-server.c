/*
 * vpn-server - the server end of the two-way UDP tunnel (SEED task 5).
 *
 * UDP 9090 and the TUN interface 192.168.53.11/24 (with routes into it
 * for networks behind the client, task 8), and the relay loop. The client
 * is whoever last sent a well-formed packet: a restarted client (new
 * port) is followed. The plain tunnel has no authentication, so anyone
 * who can send a datagram can become "the client": task 10 fixes that.
 *
 *   vpn-server [-v] [--name tun0] [--tun-addr A/P] [--route NET/P]... [--port 9090]
 */
#include <stdio.h>
#include <unistd.h>

#include "relay.h"

static const char usage[] =
    "usage: vpn-server [-v] [--name NAME] [--tun-addr A/P] [--route NET/P]...\n"
    "                  [--port PORT]\n"
    "  The server of the two-way UDP tunnel (SEED task 5); learns the\n"
    "  client's address from its datagrams.\n"
    "  --name NAME      TUN interface name (default tun0)\n"
    "  --tun-addr A/P   its address (default 192.168.53.11/24)\n"
    "  --route NET/P    also route NET/P into the tunnel, e.g. a network\n"
    "                   behind the client (repeatable; default none)\n"
    "  --port PORT      UDP port (default 9090)\n"
    "  -v               debug logging\n"
    "  Prints 'client is IP:PORT' when it learns the client, and one line\n"
    "  per packet as vpn-client does.\n";

int
main(int argc, char **argv)
{
	struct relay_opts o = {
		.name = "tun0", .addr = "192.168.53.11/24", .port = "9090",
		.verbosity = LL_INFO,
	};
	struct relay r = { .tun = -1, .sock = -1, .learn_peer = true };
	char lep[32];
	int ret = 1;

	relay_opts_parse(argc, argv, &o, usage);
	if (o.peer) {
		fputs(usage, stderr);
		return 2;
	}
	if (addr_any_port(o.port, &r.local) == -1)
		return 2;
	if (signals_init() == -1)
		return 1;

	r.tun = tunnel_dev_up(o.name, TUN_MODE_TUN, o.addr, o.routes,
	                      o.nroutes, 0, false, r.ifname);
	if (r.tun == -1)
		goto out;
	if ((r.sock = udp_bind(&r.local, false)) == -1)
		goto out;
	log_info("%s %s up, %zu extra route(s); listening on UDP %s", r.ifname,
	         o.addr, o.nroutes, addr_endpoint_str(&r.local, lep, sizeof(lep)));

	if (relay_run(&r) == 0)
		ret = 0;
out:
	if (r.sock != -1)
		close(r.sock);
	if (r.tun != -1)
		close(r.tun);
	return ret;
}
