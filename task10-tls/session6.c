/*
 * session6.c - IPv6 in the tunnel, the server's side of a session: the
 * client's CONFIG6 question, and its IPv6 packets.
 *
 * A client that asks (an empty CONFIG6 after CONFIG) is answered once:
 * empty when the server has no --pool6, else its IPv6 address (the pool6
 * plus its IPv4 address's offset), the server's and the IPv6 routes. From
 * then on its DATA frames may carry IPv6 packets, held to the rules IPv4
 * ones are (session.c): the source must be the client's own address, and
 * other clients are out of reach unless --client-to-client. A client that
 * never asks never sees IPv6.
 */
#include <arpa/inet.h>
#include <string.h>

#include "session.h"

int
session_on_config6(struct session *s, const struct frame *f)
{
	struct vpn_config6 c6;
	uint8_t msg[CONFIG6_LEN_MAX] = { 0 };
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;

	s->v6_asked = true;
	if (f->len != 0) {
		session_close(s, VPN_ERR_PROTOCOL, "a CONFIG6 question carries "
		              "nothing");
		return -1;
	}
	if (s->loop->v6 != NULL) {
		c6 = *s->loop->v6;
		c6.addr = pool6_addr(&c6.server, c6.prefixlen,
		                     ntohl(s->addr.s_addr) & s->loop->v6_hostmask);
		n = config6_encode(&c6, msg);
	}
	if (frame_append(&s->tx, FRAME_CONFIG6, msg, n) == -1) {
		session_close(s, VPN_ERR_INTERNAL, "no room for CONFIG6");
		return -1;
	}
	if (n == 0) {
		log_debug("%s: asked for IPv6; none here (no --pool6)", s->name);
		return 0;
	}
	s->v6 = true;
	s->addr6 = c6.addr;
	log_info("%s: IPv6 address %s", s->name,
	         inet_ntop(AF_INET6, &s->addr6, a, sizeof(a)));
	return 0;
}

static bool
in_pool6(const struct session_loop *loop, const struct in6_addr *a)
{
	uint32_t off;

	return pool6_offset(&loop->v6->server, loop->v6->prefixlen, a, &off) == 0;
}

/* An IPv6 packet in a DATA frame, from a client that was given IPv6. */
void
session_on_data6(struct session *s, const struct frame *f)
{
	struct ipv6_hdr_info ip;
	const char *why;
	char src[INET6_ADDRSTRLEN], own[INET6_ADDRSTRLEN];

	if (ipv6_parse(f->payload, f->len, &ip, &why) == -1) {
		s->drops++;
		log_limited(&s->lim_bad, "%s: dropped a packet: %s", s->name, why);
		return;
	}
	if (memcmp(&ip.src, &s->addr6, sizeof(ip.src)) != 0) {
		s->drops++;
		/* A client's kernel talking to its link (router solicitations,
		 * multicast listener reports) is not spoofing: a router drops
		 * that without a word. */
		if ((IN6_IS_ADDR_LINKLOCAL(&ip.src) ||
		     IN6_IS_ADDR_UNSPECIFIED(&ip.src)) &&
		    IN6_IS_ADDR_MULTICAST(&ip.dst))
			return;
		inet_ntop(AF_INET6, &ip.src, src, sizeof(src));
		inet_ntop(AF_INET6, &s->addr6, own, sizeof(own));
		log_limited(&s->lim_spoof, "%s: dropped an IPv6 packet from %s: "
		            "not the client's address %s", s->name, src, own);
		return;
	}
	if (!s->loop->client_to_client && in_pool6(s->loop, &ip.dst) &&
	    memcmp(&ip.dst, &s->loop->v6->server, sizeof(ip.dst)) != 0) {
		session_drop_c2c(s, inet_ntop(AF_INET6, &ip.dst, src, sizeof(src)));
		return;
	}
	session_deliver(s, f->payload, ip.total_len);
}
