/*
 * session_gso.c - the offload extension on the server's side of a session:
 * the client's OFFLOAD request, its GSO frames, and plain packets into a
 * TUN that has virtio_net_hdrs (--offload).
 *
 * A GSO frame is held to the same rules as a DATA frame (docs/protocol.md):
 * a packet within bounds, the client's own source address, and on top of
 * that a superpacket header that agrees with the packet (vnet_check()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "session.h"

/* The client asks for offloads once, after CONFIG; it gets what our TUN
 * takes of it (0 when the server runs without --offload). */
int
session_on_offload(struct session *s, const struct frame *f)
{
	s->offload_asked = true;
	s->offload = offload_parse(f) & s->loop->offload;
	if (offload_append(&s->tx, s->offload) == -1) {
		session_close(s, VPN_ERR_INTERNAL, "no room for OFFLOAD");
		return -1;
	}
	log_info("%s: offloads asked for: %s; granted: %s", s->name,
	         offload_names(offload_parse(f)), offload_names(s->offload));
	return 0;
}

void
session_on_gso(struct session *s, const struct frame *f)
{
	struct vnet_gso g;
	uint8_t *pkt;
	size_t len;
	const char *why;
	struct in_addr src;
	char a[INET_ADDRSTRLEN], own[INET_ADDRSTRLEN];

	if (gso_parse(f, s->loop->mtu, &g, &pkt, &len, &why) == -1) {
		s->drops++;
		log_limited(&s->lim_bad, "%s: dropped a GSO packet: %s", s->name, why);
		return;
	}
	memcpy(&src, pkt + 12, 4);
	if (src.s_addr != s->addr.s_addr) {
		s->drops++;
		inet_ntop(AF_INET, &src, a, sizeof(a));
		inet_ntop(AF_INET, &s->addr, own, sizeof(own));
		log_limited(&s->lim_spoof, "%s: dropped a packet from %s: not the "
		            "client's address %s", s->name, a, own);
		return;
	}
	if (gso_to_tun(s->loop->tunfd, s->loop->vnet, s->loop->offload, pkt, len,
	               &g, s->loop->scratch) == -1) {
		s->drops++;
		log_limited(s->loop->lim_tun, "%s: writing %zu bytes to %s: %s",
		            s->name, len, s->loop->tunname, strerror(errno));
		return;
	}
	s->pkts_in++;
}

/* A plain packet into the TUN, with an empty header if it has them. */
ssize_t
session_tun_write(struct session *s, const uint8_t *pkt, size_t len)
{
	if (s->loop->vnet)
		return tun_write_vnet(s->loop->tunfd, NULL, pkt, len);
	return write(s->loop->tunfd, pkt, len);
}
