/*
 * client_gso.c - the offload extension on the client (--offload).
 *
 * The TUN is opened with virtio_net_hdrs but its offloads stay off until
 * the server grants them: until then the kernel hands over ordinary
 * packets, which go out as DATA frames as without --offload. After CONFIG
 * the client asks (OFFLOAD with what its TUN can take); the server answers
 * once with what it grants, and from then on a TUN read may be a 64 KiB
 * superpacket, sent as one GSO frame. A GSO frame from the server is
 * checked as one from a client is (gso_parse()) before it reaches the TUN.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "client.h"

int
client_tun_open_vnet(struct client *c)
{
	int bits;

	c->tunfd = tun_open_vnet(c->opt->tun, c->nc.ifname);
	if (c->tunfd == -1)
		return -1;
	c->vnet = true;
	c->big = malloc(VNET_PKT_MAX);
	c->scratch = malloc(VPN_MTU_MAX);
	if (c->big == NULL || c->scratch == NULL) {
		log_warn("allocating the offload buffers");
		return -1;
	}
	/* What the kernel takes, then off again until the server agrees. */
	bits = tun_set_offload(c->tunfd, true, false);
	if (bits == -1 || tun_set_offload(c->tunfd, false, false) == -1)
		return -1;
	c->tun_bits = (unsigned)bits;
	return 0;
}

/* A new connection starts without offloads. */
void
client_offload_reset(struct client *c)
{
	if (c->vnet && c->offload != 0)
		(void)tun_set_offload(c->tunfd, false, false);
	c->offload = 0;
	c->offload_asked = false;
}

/* Logged in (CONFIG applied): ask for what our TUN can take. */
void
client_offload_ask(struct client *c)
{
	if (!c->vnet || c->tun_bits == 0)
		return;
	if (offload_append(&c->tx, c->tun_bits) == 0)
		c->offload_asked = true;
}

void
client_on_offload(struct client *c, const struct frame *f)
{
	unsigned granted = offload_parse(f) & c->tun_bits;

	c->offload_asked = false;   /* answered: a second one is an error */
	/* With IPv6 in the tunnel (CONFIG6 was answered first) the TUN
	 * makes no UDP superpackets (tun_set_offload()); the server's are
	 * still taken, and cut here (gso_to_tun()). */
	if (c->v6)
		granted &= OFFLOAD_TCP4;
	if (granted != 0 && tun_set_offload(c->tunfd, true, c->v6) == -1)
		granted = 0;
	c->offload = granted;
	/* Superpackets of 64 KiB: their records go out in 64 KiB writes. */
	if (granted != 0)
		(void)tls_coalesce_writes(c->ssl, TLS_COALESCE_LEN);
	log_info("offloads granted by the server: %s", offload_names(granted));
}

void
client_on_gso(struct client *c, const struct frame *f)
{
	struct vnet_gso g;
	uint8_t *pkt;
	size_t len;
	const char *why;

	if (gso_parse(f, c->mtu, &g, &pkt, &len, &why) == -1) {
		log_limited(&c->lim, "dropped a GSO packet from the server: %s", why);
		return;
	}
	if (gso_to_tun(c->tunfd, true, c->offload, pkt, len, &g, c->scratch) == -1)
		log_limited(&c->lim, "writing %zu bytes to %s: %s", len, c->nc.ifname,
		            strerror(errno));
	else
		c->pkts_in++;
}

ssize_t
client_tun_write(struct client *c, const uint8_t *pkt, size_t len)
{
	if (c->vnet)
		return tun_write_vnet(c->tunfd, NULL, pkt, len);
	return write(c->tunfd, pkt, len);
}

/* Room tx must have before the TUN is read: a packet, or a superpacket. */
size_t
client_tun_room(const struct client *c)
{
	if (c->offload != 0)
		return FRAME_HDR_LEN + GSO_HDR_LEN + VNET_PKT_MAX;
	return FRAME_HDR_LEN + (c->vnet ? VPN_MTU_MAX : c->mtu);
}

/* Moves a batch from a vnet TUN into tx: GSO frames once granted, DATA
 * frames before (the kernel then gives ordinary packets). Each read goes
 * straight into tx, after room for a frame and a GSO header, and is
 * committed there (gso_commit(), frame_commit_from()); only a superpacket
 * to be cut into segments is moved out to c->big first. */
void
client_read_tun_vnet(struct client *c)
{
	uint8_t hdr[VNET_HDR_LEN];
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_len = VNET_PKT_MAX },
	};
	struct vnet_gso g;
	const char *why;
	unsigned dropped = 0;

	for (int i = 0; i < BATCH_MAX; i++) {
		uint8_t *slot = NULL, *pkt;
		ssize_t n;
		size_t len;

		if (c->tx.cap - c->tx.len >= client_tun_room(c))
			slot = frame_reserve(&c->tx, GSO_HDR_LEN + VNET_PKT_MAX);
		if (slot == NULL)
			return;              /* tx full: the TUN waits */
		pkt = slot + GSO_HDR_LEN;
		iov[1].iov_base = pkt;
		n = readv(c->tunfd, iov, 2);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_limited(&c->lim, "reading %s: %s", c->nc.ifname,
				            strerror(errno));
			return;
		}
		if (n < VNET_HDR_LEN + DATA_LEN_MIN)
			continue;
		len = (size_t)n - VNET_HDR_LEN;
		if ((pkt[0] >> 4) == 6 && c->v6) {
			/* IPv6 (client6.c): one packet, its checksum completed */
			if (len > c->mtu)
				log_limited(&c->lim, "%s: dropped an IPv6 packet of %zu "
				            "bytes: larger than the MTU %u", c->nc.ifname,
				            len, c->mtu);
			else if (vnet_finish6(hdr, pkt, len, &why) == -1)
				log_limited(&c->lim, "%s: dropped an IPv6 packet: %s",
				            c->nc.ifname, why);
			else {
				frame_commit_from(&c->tx, FRAME_DATA, pkt, len);
				c->pkts_out++;
			}
			continue;
		}
		if ((pkt[0] >> 4) != 4)
			continue;            /* not IPv4, nor IPv6 granted */
		if (vnet_from_kernel(hdr, pkt, len, c->mtu, &g, &why) == -1) {
			log_limited(&c->lim, "%s: dropped a packet: %s", c->nc.ifname, why);
			continue;
		}
		if (gso_commit(&c->tx, c->offload, slot, len, &g)) {
			c->pkts_out++;
			continue;
		}
		memcpy(c->big, pkt, len);
		c->pkts_out += gso_queue(&c->tx, c->offload, c->big, len, &g,
		                         c->scratch, &dropped);
	}
}
