/*
 * relay.h - the event loop both ends of the two-way UDP tunnel share.
 *
 * One loop (poll) waits on two descriptors: the TUN device and the UDP
 * socket. A packet read from the TUN device goes to the peer in one
 * datagram; a datagram from the peer that holds one IPv4 packet is written
 * into the TUN device. The only difference between client and server is
 * who the peer is: the client is told (the server's address), the server
 * learns it from the datagrams it receives, and follows the client when
 * it comes back from another port (a restarted client, task 6).
 */
#ifndef RELAY_H
#define RELAY_H

#include "vpnlab.h"

struct relay {
	int tun, sock;
	char ifname[IFNAMSIZ];
	struct sockaddr_in local;   /* for printing */
	struct sockaddr_in peer;    /* client: the server; server: the client */
	bool have_peer;
	bool learn_peer;            /* server: take the peer from datagrams */
	struct log_limit bad_dgram, bad_peer, io_err, no_peer;
};

/*
 * Relays packets both ways until a signal asks to stop (returns 0) or the
 * TUN device disappears (returns -1). Bad input is logged, rate limited,
 * and dropped; it never ends the loop.
 */
int relay_run(struct relay *r);

/* Shared option parsing: the device and its routes, the peer, verbosity. */
#define RELAY_MAX_ROUTES 8
struct relay_opts {
	const char *name, *addr, *peer, *port;
	const char *routes[RELAY_MAX_ROUTES];
	size_t nroutes;
	int verbosity;
};
/* Parses argv for a program whose positional argument is optional peer.
 * Exits with status 2 (and the usage) on a bad command line. */
void relay_opts_parse(int argc, char **argv, struct relay_opts *o,
                      const char *usage);

#endif /* RELAY_H */
