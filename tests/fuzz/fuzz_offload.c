/*
 * fuzz_offload.c - libFuzzer target for the offload extension: the GSO
 * frame's header and packet (gso_parse(), vnet_check()), a virtio_net_hdr
 * as the kernel writes it (vnet_from_kernel()), and what is done with a
 * packet that passed: cut into segments (each at most the MTU, each a
 * valid IPv4 packet) or queued for a peer.
 *
 * The first byte picks the path and the MTU; the rest is the input. Every
 * input is also, whole, a virtio_net_hdr and an IPv6 packet for
 * vnet_finish6(): a checksum it completes must verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_net.h>

#include "minivpn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t mtu;

static void
check_segment(void *arg, const uint8_t *p, size_t n)
{
	struct ipv4_hdr_info ip;
	const char *why;

	(void)arg;
	if (n > mtu || ipv4_parse(p, n, &ip, &why) == -1 || ip.total_len != n)
		abort();
}

/* The ones' complement sum of n bytes added to sum, folded. */
static uint16_t
sum16(const uint8_t *p, size_t n, uint64_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (unsigned)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (unsigned)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* data as the kernel's header and an IPv6 packet, in a buffer of exactly
 * the packet's size (overreads show). */
static void
finish6(const uint8_t *data, size_t size)
{
	const char *why;
	uint8_t *pkt;
	size_t len;

	if (size < VNET_HDR_LEN)
		return;
	len = size - VNET_HDR_LEN;
	pkt = malloc(len ? len : 1);
	if (!pkt)
		return;
	memcpy(pkt, data + VNET_HDR_LEN, len);
	/* byte 0 of a virtio_net_hdr is its flags */
	if (vnet_finish6(data, pkt, len, &why) == 0 &&
	    (data[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		/* taken: TCP or UDP with its whole header, its sum now right */
		uint64_t pseudo;

		if (len < 40 || (pkt[6] != 6 && pkt[6] != 17) ||
		    len < (pkt[6] == 6 ? 60u : 48u))
			abort();
		pseudo = (uint64_t)sum16(pkt + 8, 32, 0) + (len - 40) + pkt[6];
		if (sum16(pkt + 40, len - 40, pseudo) != 0xffff)
			abort();
	}
	free(pkt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[VNET_HDR_LEN + FRAME_LEN_MAX];
	static uint8_t scratch[VPN_MTU_MAX];
	static struct fbuf tx;
	struct vnet_gso g;
	struct frame f;
	const char *why;
	uint8_t *pkt;
	size_t len;
	unsigned dropped = 0;

	finish6(data, size);
	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	if (!tx.data && fbuf_init(&tx, TX_BUF_LEN) == -1)
		abort();
	mtu = (data[0] & 0x40) ? VPN_MTU_DEFAULT : VPN_MTU_MIN;
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 0x80) {
		/* a GSO frame's payload from a peer */
		f.type = FRAME_GSO;
		f.len = size - 1;
		f.payload = buf;
		if (f.len < GSO_LEN_MIN || gso_parse(&f, mtu, &g, &pkt, &len, &why) == -1)
			return 0;
	} else {
		/* the kernel's header, then the packet */
		if (size - 1 < VNET_HDR_LEN)
			return 0;
		pkt = buf + VNET_HDR_LEN;
		len = size - 1 - VNET_HDR_LEN;
		if (vnet_from_kernel(buf, pkt, len, mtu, &g, &why) == -1)
			return 0;
	}
	/* What vnet_check() let through must lie inside the packet. */
	if ((g.flags & VNET_F_CSUM_PARTIAL) &&
	    (g.hdr_len > len || (size_t)g.csum_start + g.csum_off + 2 > len))
		abort();
	tx.off = tx.len = 0;
	(void)gso_queue(&tx, data[0] & 3, pkt, len, &g, scratch, &dropped);
	if (g.type == VNET_GSO_NONE || g.hdr_len + (size_t)g.gso_size <= mtu)
		(void)vnet_segment(pkt, len, &g, scratch, check_segment, NULL);
	else
		abort();
	return 0;
}
