/*
 * session_gso.c - the offload extension on the server's side of a session:
 * the client's OFFLOAD request, its GSO frames, and plain packets into a
 * TUN that has virtio_net_hdrs (--offload).
 *
 * A GSO frame is held to the same rules as a DATA frame (docs/protocol.md),
 * by the same code, and on top of that its superpacket header must agree
 * with the packet (vnet_check()).
 */
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
	/* Superpackets from the TUN cannot wait (it is shared): room for a
	 * burst of them, or no offloads. */
	if (s->offload != 0 && fbuf_grow(&s->tx, TX_BUF_OFFLOAD_LEN) == -1)
		s->offload = 0;
	if (offload_append(&s->tx, s->offload) == -1) {
		session_close(s, VPN_ERR_INTERNAL, "no room for OFFLOAD");
		return -1;
	}
	log_info("%s: offloads asked for: %s; granted: %s", s->name,
	         offload_names(offload_parse(f)), offload_names(s->offload));
	return 0;
}

/*
 * A GSO frame: its header checked against its packet, then the packet goes
 * the way of a DATA frame (session_on_data(): the IPv4 checks and the
 * client's own source address, in one place), with s->gso telling
 * session_tun_write() how to write it.
 */
void
session_on_gso(struct session *s, const struct frame *f)
{
	struct vnet_gso g;
	struct frame data;
	uint8_t *pkt;
	size_t len;
	const char *why;

	if (gso_parse(f, s->loop->mtu, &g, &pkt, &len, &why) == -1) {
		s->drops++;
		log_limited(&s->lim_bad, "%s: dropped a GSO packet: %s", s->name, why);
		return;
	}
	data = (struct frame){ .type = FRAME_DATA, .len = len, .payload = pkt };
	s->gso = &g;
	session_on_data(s, &data);
	s->gso = NULL;
}

/* A packet into the TUN: a checked superpacket (s->gso) whole or cut, a
 * plain one with an empty header if the TUN has them. */
ssize_t
session_tun_write(struct session *s, const uint8_t *pkt, size_t len)
{
	if (s->gso != NULL)
		return gso_to_tun(s->loop->tunfd, s->loop->vnet, s->loop->offload,
		                  (uint8_t *)(uintptr_t)pkt, len, s->gso,
		                  s->loop->scratch) == -1 ? -1 : (ssize_t)len;
	if (s->loop->vnet)
		return tun_write_vnet(s->loop->tunfd, NULL, pkt, len);
	return write(s->loop->tunfd, pkt, len);
}
