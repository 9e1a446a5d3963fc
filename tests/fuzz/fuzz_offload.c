/*
 * fuzz_offload.c - libFuzzer target for the offload extension: the GSO
 * frame's header and packet (gso_parse(), vnet_check()), a virtio_net_hdr
 * as the kernel writes it (vnet_from_kernel()), and what is done with a
 * packet that passed: cut into segments (each at most the MTU, each a
 * valid IPv4 packet) or queued for a peer.
 *
 * The first byte picks the path and the MTU; the rest is the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
