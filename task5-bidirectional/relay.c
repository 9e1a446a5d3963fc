/*
 * relay.c - the two-way tunnel's event loop (SEED task 5).
 *
 * Why poll() and not two blocking reads: a read() on the TUN device would
 * block while datagrams wait on the socket, and the other way round. SEED
 * suggests select(); poll() is the same idea without FD_SETSIZE limits.
 * Each ready descriptor gets one packet per turn, so neither direction can
 * starve the other.
 *
 * What the loop prints to stdout, one line per packet (SEED's format, with
 * the outer address added):
 *   From tun    ==>: 192.168.53.99 --> 192.168.60.5  to 10.9.0.11:9090
 *   From socket <==: 192.168.60.5 --> 192.168.53.99  from 10.9.0.11:9090
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "relay.h"

void
relay_opts_parse(int argc, char **argv, struct relay_opts *o,
                 const char *usage)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "tun-addr", required_argument, NULL, 'a' },
		{ "route", required_argument, NULL, 'r' },
		{ "port", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': o->name = optarg; break;
		case 'a': o->addr = optarg; break;
		case 'p': o->port = optarg; break;
		case 'r':
			if (o->nroutes == RELAY_MAX_ROUTES) {
				fprintf(stderr, "at most %d --route options\n",
				        RELAY_MAX_ROUTES);
				exit(2);
			}
			o->routes[o->nroutes++] = optarg;
			break;
		case 'v': o->verbosity = LL_DEBUG; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (argc - optind > 1) {
		fputs(usage, stderr);
		exit(2);
	}
	if (optind < argc)
		o->peer = argv[optind];
	log_init(argv[0], o->verbosity);
	/* Packet lines go to stdout as they happen, even into a log file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* TUN -> peer: one packet the kernel routed into the tunnel. */
static int
relay_from_tun(struct relay *r)
{
	/* SOLUTION BEGIN: read() a packet from the TUN (r->tun; EINTR or EAGAIN:
	 * return 0; the device gone: log_warn() and return -1; another error:
	 * log it and return 0); drop, with a log line, what is not IPv4
	 * (tunnel_inner_check), and, while no peer is known (!r->have_peer: the
	 * server before its first client), everything; print
	 * "From tun    ==>: INNER  to PEER" and sendto() it to the peer
	 * (r->peer: the server, or the client the server last heard from),
	 * logging a failed send; return 0 */
	uint8_t pkt[VL_IP_MAX];
	struct ipv4_hdr_info ip;
	const char *why;
	char inner[48], pep[32];
	ssize_t n;

	n = read(r->tun, pkt, sizeof(pkt));
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		if (tunnel_dev_gone(errno)) {
			log_warn("read %s: the interface is gone", r->ifname);
			return -1;
		}
		log_limited(&r->io_err, "read %s failed (%s): nothing sent",
		            r->ifname, strerror(errno));
		return 0;
	}
	if (tunnel_inner_check(pkt, (size_t)n, &ip, &why) == -1) {
		log_limited(&r->io_err, "%s: dropped a %zd-byte packet that is "
		            "not IPv4: %s", r->ifname, n, why);
		return 0;
	}
	if (!r->have_peer) {
		log_limited(&r->no_peer, "%s: no client has spoken yet, so no "
		            "one to send %s to; dropped", r->ifname,
		            tunnel_inner_str(&ip, inner, sizeof(inner)));
		return 0;
	}
	printf("From tun    ==>: %s  to %s\n",
	       tunnel_inner_str(&ip, inner, sizeof(inner)),
	       addr_endpoint_str(&r->peer, pep, sizeof(pep)));
	if (sendto(r->sock, pkt, (size_t)n, 0, (struct sockaddr *)&r->peer,
	           sizeof(r->peer)) == -1)
		log_limited(&r->io_err, "sendto %s failed (%s): %zd-byte packet "
		            "dropped", pep, strerror(errno), n);
	/* SOLUTION STUB: log_warnx("task 5: TUN -> peer is not written yet (task5-bidirectional/relay.c)"); return -1; */
	/* SOLUTION END */
	return 0;
}

/* peer -> TUN: one datagram, if it is one IPv4 packet from the peer. */
static int
relay_from_sock(struct relay *r)
{
	/* SOLUTION BEGIN: recvfrom() a datagram (MSG_TRUNC; EINTR or EAGAIN:
	 * return 0); drop it, logging what was wrong and who sent it
	 * (log_limited), when the client gets it from anyone but its server
	 * (!r->learn_peer and not tunnel_same_peer), when it is larger than the
	 * buffer, or when it is not one IPv4 packet (tunnel_inner_check). The
	 * server (r->learn_peer) learns the peer here, from a well-formed
	 * packet only (r->peer, r->have_peer; log_info the new or moved
	 * client). Print "From socket <==: INNER  from SENDER" and write() it to
	 * the TUN (the device gone: log_warn() and return -1); return 0 */
	uint8_t pkt[VL_IP_MAX];
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	struct ipv4_hdr_info ip;
	const char *why;
	char inner[48], fep[32], pep[32];
	ssize_t n;

	n = recvfrom(r->sock, pkt, sizeof(pkt), MSG_TRUNC,
	             (struct sockaddr *)&from, &fromlen);
	if (n == -1) {
		if (errno != EINTR && errno != EAGAIN)
			log_limited(&r->io_err, "recvfrom failed: %s",
			            strerror(errno));
		return 0;
	}
	addr_endpoint_str(&from, fep, sizeof(fep));
	if (!r->learn_peer && !tunnel_same_peer(&from, &r->peer)) {
		log_limited(&r->bad_peer, "datagram from %s, not from the "
		            "server %s; dropped", fep,
		            addr_endpoint_str(&r->peer, pep, sizeof(pep)));
		return 0;
	}
	if ((size_t)n > sizeof(pkt)) {
		log_limited(&r->bad_dgram, "datagram from %s: %zd bytes, larger "
		            "than the %zu-byte buffer; dropped", fep, n,
		            sizeof(pkt));
		return 0;
	}
	if (tunnel_inner_check(pkt, (size_t)n, &ip, &why) == -1) {
		log_limited(&r->bad_dgram, "datagram from %s is not an IPv4 "
		            "packet (%zd bytes: %s); dropped", fep, n, why);
		return 0;
	}
	if (r->learn_peer && (!r->have_peer || !tunnel_same_peer(&from, &r->peer))) {
		/* Only a well-formed packet may move the peer: stray junk
		 * from elsewhere must not hijack the return path. */
		if (r->have_peer)
			log_info("client moved from %s to %s",
			         addr_endpoint_str(&r->peer, pep, sizeof(pep)), fep);
		else
			log_info("client is %s", fep);
		r->peer = from;
		r->have_peer = true;
	}
	printf("From socket <==: %s  from %s\n",
	       tunnel_inner_str(&ip, inner, sizeof(inner)), fep);
	if (write(r->tun, pkt, (size_t)n) == -1) {
		if (tunnel_dev_gone(errno)) {
			log_warn("write %s: the interface is gone", r->ifname);
			return -1;
		}
		log_limited(&r->io_err, "write %zd bytes to %s failed: %s", n,
		            r->ifname, strerror(errno));
	}
	/* SOLUTION STUB: log_warnx("task 5: peer -> TUN is not written yet (task5-bidirectional/relay.c)"); return -1; */
	/* SOLUTION END */
	return 0;
}

int
relay_run(struct relay *r)
{
	/* SOLUTION BEGIN: one loop, until signals_stop_requested(), that waits on
	 * both fds at once (poll or select, no timeout: never a busy loop; EINTR:
	 * go round again; another error: log_warn() and return -1) and serves
	 * every one that is ready in the same round (an error or hang-up counts
	 * as ready: the read says what is wrong): relay_from_tun() for the TUN,
	 * relay_from_sock() for the socket, returning -1 when either does */
	struct pollfd pfd[2] = {
		{ .fd = r->tun, .events = POLLIN },
		{ .fd = r->sock, .events = POLLIN },
	};

	while (!signals_stop_requested()) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll on %s and the UDP socket", r->ifname);
			return -1;
		}
		/* POLLERR/POLLHUP too: the read then says what is wrong. */
		if (pfd[0].revents && relay_from_tun(r) == -1)
			return -1;
		if (pfd[1].revents && relay_from_sock(r) == -1)
			return -1;
	}
	/* SOLUTION STUB: log_warnx("task 5: the event loop is not written yet (task5-bidirectional/relay.c)"); (void)relay_from_tun; (void)relay_from_sock; return -1; */
	/* SOLUTION END */
	log_info("stopping on signal %d", signals_last());
	return 0;
}
