/*
 * client6.c - IPv6 in the tunnel, the client's side (docs/protocol.md,
 * CONFIG6).
 *
 * After CONFIG the client asks (an empty CONFIG6) unless --no-ipv6; the
 * server answers once: empty when it has no IPv6 to give, else the
 * client's IPv6 address, the server's and the IPv6 routes, which
 * netconf6.c puts on the TUN. Only then does the TUN carry IPv6 both ways,
 * read here (client_read_tun6(), or client_gso.c's reader with
 * --offload) rather than by read_tun() in client.c, which carries IPv4
 * only. A server that never answers leaves the client with IPv4.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

/* A new connection: IPv6 waits for the new server's answer. */
void
client_ipv6_reset(struct client *c)
{
	c->v6 = false;
	c->v6_asked = false;
}

/* Logged in (CONFIG applied): ask for IPv6. */
void
client_ipv6_ask(struct client *c)
{
	if (c->opt->no_ipv6)
		return;
	if (frame_append(&c->tx, FRAME_CONFIG6, NULL, 0) == 0) {
		c->v6_asked = true;
		return;
	}
	log_warnx("no room to ask the server for IPv6: IPv4 only");
	netconf6_remove(&c->nc);      /* an earlier connection's */
}

void
client_on_config6(struct client *c, const struct frame *f)
{
	struct vpn_config6 c6;
	const char *why;
	char a[INET6_ADDRSTRLEN];

	c->v6_asked = false;          /* answered: a second one is an error */
	if (f->len == 0) {
		log_info("the server has no IPv6 in the tunnel: IPv4 only");
		netconf6_remove(&c->nc);  /* what an earlier server gave */
		return;
	}
	if (c->mtu < IPV6_MTU_MIN) {
		log_warnx("the server offers IPv6 but pushes an MTU of %u, less "
		          "than IPv6's %d: IPv4 only", c->mtu, IPV6_MTU_MIN);
		netconf6_remove(&c->nc);
		return;
	}
	if (config6_parse(f->payload, f->len, &c6, &why) == -1) {
		log_warnx("bad CONFIG6 from the server: %s; going on with IPv4 "
		          "only", why);
		netconf6_remove(&c->nc);
		return;
	}
	/* client_read_tun6()'s buffer (--offload has a larger one). */
	if (c->big == NULL && (c->big = malloc(VPN_MTU_MAX)) == NULL) {
		log_warn("allocating a packet buffer; IPv4 only");
		netconf6_remove(&c->nc);
		return;
	}
	if (netconf6_apply(&c->nc, &c6) == -1) {
		log_warnx("IPv6 could not be set up on %s (above); going on with "
		          "IPv4 only", c->nc.ifname);
		return;
	}
	c->v6 = true;
	log_info("IPv6 in the tunnel: address %s/%d, %u route%s",
	         inet_ntop(AF_INET6, &c6.addr, a, sizeof(a)), c6.prefixlen,
	         c6.nroutes, c6.nroutes == 1 ? "" : "s");
}

/*
 * Moves a batch of IPv4 and IPv6 packets from the TUN into tx. (Not
 * read_tun()'s way, straight into tx: that is task 10's to write; this
 * reads into c->big, which client_on_config6() made sure of.)
 */
void
client_read_tun6(struct client *c)
{
	unsigned v;

	for (int i = 0; i < BATCH_MAX; i++) {
		ssize_t n;

		if (c->tx.cap - c->tx.len < client_tun_room(c))
			return;              /* tx full: the TUN waits */
		n = read(c->tunfd, c->big, c->mtu);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			log_limited(&c->lim, "reading %s: %s", c->nc.ifname,
			            strerror(errno));
		if (n == -1)
			return;
		v = n > 0 ? c->big[0] >> 4 : 0;
		if ((v == 4 && n >= DATA_LEN_MIN) || (v == 6 && n >= DATA6_LEN_MIN)) {
			if (frame_append(&c->tx, FRAME_DATA, c->big, (size_t)n) == 0)
				c->pkts_out++;
		}
	}
}
