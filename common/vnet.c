/*
 * vnet.c - TUN offloads: superpackets with a virtio_net_hdr.
 *
 * A TUN opened with IFF_VNET_HDR puts a 10-byte virtio_net_hdr before
 * every packet, both ways. Once TUNSETOFFLOAD allows it, the kernel hands
 * over TCP (and UDP) "superpackets" of up to 64 KiB that it has not cut
 * into MTU-sized segments yet, with a checksum left partial (only the
 * pseudo-header sum), and takes such superpackets back. One read, one
 * write and one crypto pass per 64 KiB instead of per 1500 bytes.
 *
 * Everything about a superpacket is checked before it is used, whether
 * the header came from our kernel or from a peer across the tunnel: the
 * numbers a header gives are only a claim about the packet behind it.
 * vnet_check() keeps from a header only its kind (none, TCP, UDP), the
 * partial-checksum and ECN flags and the segment size, and derives the
 * rest (where the transport header starts and ends, where its checksum
 * is) from the packet itself, as wireguard-go does; the kernel is then
 * given only what was derived (vnet_to_kernel()).
 *
 * vnet_segment() cuts a superpacket into ordinary packets, with their
 * IPv4 and TCP/UDP checksums computed, for a peer or a TUN that cannot
 * take superpackets.
 *
 * IPv6 is never a superpacket here; vnet_finish6() only completes the
 * partial checksum the kernel may leave in an IPv6 packet it hands over.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include "vpnlab.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5   /* older kernel headers lack it */
#endif

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static int
invalid(const char **why, const char *fmt, ...)
{
	static char reason[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	*why = reason;
	return -1;
}

int
tun_open_vnet(const char *name, char ifname[IFNAMSIZ])
{
	struct ifreq ifr;
	int fd, sz = VNET_HDR_LEN;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= IFNAMSIZ) {
		log_warnx("interface name \"%s\" is too long", name);
		return -1;
	}
	/* A name without a number gets one from the kernel, as tun_open(). */
	if (strchr(name, '%') == NULL && name[0] != '\0' &&
	    (name[strlen(name) - 1] < '0' || name[strlen(name) - 1] > '9')) {
		if (strlen(name) + 2 >= IFNAMSIZ) {
			log_warnx("interface name \"%s\" is too long", name);
			return -1;
		}
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s%%d", name);
	} else {
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		log_warn("open /dev/net/tun");
		return -1;
	}
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		log_warn("ioctl TUNSETIFF (TUN interface %s with IFF_VNET_HDR)",
		         ifr.ifr_name);
		close(fd);
		return -1;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) == -1 ||
	    ioctl(fd, TUNSETOFFLOAD, 0UL) == -1) {
		log_warn("ioctl TUNSETVNETHDRSZ/TUNSETOFFLOAD on %s", ifr.ifr_name);
		close(fd);
		return -1;
	}
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	return fd;
}

/*
 * Lets the kernel hand over (and take) superpackets: checksum offload and
 * TCP segmentation of IPv4 always, UDP segmentation where the kernel has
 * it (6.2 and later) unless IPv6 is carried too (ipv6). Returns the
 * VNET_OFF_* bits in force, or -1.
 */
int
tun_set_offload(int fd, bool on, bool ipv6)
{
	unsigned long tcp = TUN_F_CSUM | TUN_F_TSO4;

	if (!on)
		return ioctl(fd, TUNSETOFFLOAD, 0UL) == -1 ? -1 : 0;
	/* IPv6 superpackets are never asked for (no TSO6): IPv6 is carried
	 * packet by packet. UDP segmentation comes for both families or
	 * neither (the kernel's rule), so not at all when IPv6 is carried. */
	if (ipv6 && ioctl(fd, TUNSETOFFLOAD, tcp) == 0)
		return VNET_OFF_TCP4;
	if (!ipv6 && ioctl(fd, TUNSETOFFLOAD, tcp | TUN_F_USO4 | TUN_F_USO6) == 0)
		return VNET_OFF_TCP4 | VNET_OFF_UDP4;
	if (errno == EINVAL && ioctl(fd, TUNSETOFFLOAD, tcp) == 0)
		return VNET_OFF_TCP4;
	log_warn("ioctl TUNSETOFFLOAD");
	return -1;
}

/*
 * Checks g (kind, flags, gso_size as claimed) against the IPv4 packet of
 * len bytes and fills in the layout fields from the packet. Segments may
 * be at most mtu bytes, and at most VNET_SEGS_MAX of them. Returns 0, or
 * -1 with *why set.
 */
int
vnet_check(struct vnet_gso *g, const uint8_t *pkt, size_t len, size_t mtu,
           const char **why)
{
	struct ipv4_hdr_info ip;
	size_t l4len, payload, segs;

	if (g->flags & ~(VNET_F_CSUM_PARTIAL | VNET_F_ECN))
		return invalid(why, "offload flags 0x%02x not known", g->flags);
	if (ipv4_parse(pkt, len, &ip, why) == -1)
		return -1;
	if (ip.total_len != len)
		return invalid(why, "offload packet of %zu bytes, its IPv4 length "
		               "says %u", len, ip.total_len);
	g->csum_start = ip.ihl;
	g->hdr_len = ip.ihl;
	l4len = len - ip.ihl;
	/* Not cut into segments, so it must fit the MTU as a DATA packet. */
	if (g->type == VNET_GSO_NONE && len > mtu)
		return invalid(why, "unsegmented packet of %zu bytes, larger than "
		               "the MTU %zu", len, mtu);
	if (g->type == VNET_GSO_NONE && !(g->flags & VNET_F_CSUM_PARTIAL)) {
		if (g->gso_size != 0 || (g->flags & VNET_F_ECN))
			return invalid(why, "segment size or ECN without segmentation");
		return 0;
	}
	if (ipv4_is_fragment(&ip))
		return invalid(why, "offload on an IPv4 fragment");
	if (g->type == VNET_GSO_TCP4 ||
	    (g->type == VNET_GSO_NONE && ip.proto == 6)) {
		size_t thl;

		if (ip.proto != 6)
			return invalid(why, "TCP offload on IP protocol %u", ip.proto);
		if (l4len < 20)
			return invalid(why, "TCP header truncated: %zu bytes", l4len);
		thl = (size_t)(pkt[ip.ihl + 12] >> 4) * 4;
		if (thl < 20 || thl > l4len)
			return invalid(why, "TCP header length %zu in a %zu-byte "
			               "segment", thl, l4len);
		g->csum_off = 16;
		g->hdr_len = (uint16_t)(ip.ihl + thl);
	} else if (g->type == VNET_GSO_UDP4 ||
	           (g->type == VNET_GSO_NONE && ip.proto == 17)) {
		if (ip.proto != 17)
			return invalid(why, "UDP offload on IP protocol %u", ip.proto);
		if (l4len < 8)
			return invalid(why, "UDP header truncated: %zu bytes", l4len);
		g->csum_off = 6;
		g->hdr_len = (uint16_t)(ip.ihl + 8);
	} else if (g->type == VNET_GSO_NONE) {
		return invalid(why, "checksum offload on IP protocol %u", ip.proto);
	} else {
		return invalid(why, "offload kind %u not known", g->type);
	}
	if (g->type == VNET_GSO_NONE) {
		if (g->gso_size != 0 || (g->flags & VNET_F_ECN))
			return invalid(why, "segment size or ECN without segmentation");
		return 0;
	}
	if (g->type == VNET_GSO_UDP4 && (g->flags & VNET_F_ECN))
		return invalid(why, "ECN flag on UDP segmentation");
	/* The kernel leaves the checksum of a superpacket partial. */
	if (!(g->flags & VNET_F_CSUM_PARTIAL))
		return invalid(why, "segmentation without a partial checksum");
	payload = len - g->hdr_len;
	if (g->gso_size == 0 || payload == 0)
		return invalid(why, "segment size %u for %zu bytes of payload",
		               g->gso_size, payload);
	if (g->hdr_len + (size_t)g->gso_size > mtu)
		return invalid(why, "segments of %zu bytes, larger than the MTU %zu",
		               g->hdr_len + (size_t)g->gso_size, mtu);
	segs = (payload + g->gso_size - 1) / g->gso_size;
	if (segs > VNET_SEGS_MAX)
		return invalid(why, "%zu segments, at most %d", segs, VNET_SEGS_MAX);
	return 0;
}

/*
 * A header the kernel wrote before a packet it read (hdr: VNET_HDR_LEN
 * bytes, in the kernel's byte order). Returns 0 with g filled, or -1.
 */
int
vnet_from_kernel(const uint8_t *hdr, const uint8_t *pkt, size_t len,
                 size_t mtu, struct vnet_gso *g, const char **why)
{
	struct virtio_net_hdr h;

	memcpy(&h, hdr, sizeof(h));
	memset(g, 0, sizeof(*g));
	switch (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:  g->type = VNET_GSO_NONE; break;
	case VIRTIO_NET_HDR_GSO_TCPV4: g->type = VNET_GSO_TCP4; break;
	case VIRTIO_NET_HDR_GSO_UDP_L4: g->type = VNET_GSO_UDP4; break;
	default:
		return invalid(why, "kernel offload kind %u not handled", h.gso_type);
	}
	if (h.gso_type & VIRTIO_NET_HDR_GSO_ECN)
		g->flags |= VNET_F_ECN;
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		g->flags |= VNET_F_CSUM_PARTIAL;
	if (g->type != VNET_GSO_NONE)
		g->gso_size = h.gso_size;
	if (vnet_check(g, pkt, len, mtu, why) == -1)
		return -1;
	/* Where the kernel says the checksum is must be where we found it. */
	if ((g->flags & VNET_F_CSUM_PARTIAL) &&
	    (h.csum_start != g->csum_start || h.csum_offset != g->csum_off))
		return invalid(why, "kernel checksum at %u+%u, packet says %u+%u",
		               h.csum_start, h.csum_offset, g->csum_start,
		               g->csum_off);
	return 0;
}

/* The header for the kernel, from a checked g only (or all zeros: NULL). */
void
vnet_to_kernel(const struct vnet_gso *g, uint8_t hdr[VNET_HDR_LEN])
{
	struct virtio_net_hdr h;

	memset(&h, 0, sizeof(h));
	if (g != NULL && (g->flags & VNET_F_CSUM_PARTIAL)) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = g->csum_start;
		h.csum_offset = g->csum_off;
	}
	if (g != NULL && g->type != VNET_GSO_NONE) {
		h.gso_type = g->type == VNET_GSO_TCP4 ? VIRTIO_NET_HDR_GSO_TCPV4
		                                      : VIRTIO_NET_HDR_GSO_UDP_L4;
		if (g->flags & VNET_F_ECN)
			h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		h.gso_size = g->gso_size;
		h.hdr_len = g->hdr_len;
	}
	memcpy(hdr, &h, VNET_HDR_LEN);
}

/* Writes one packet with its header (g NULL: a plain one) into the TUN. */
ssize_t
tun_write_vnet(int fd, const struct vnet_gso *g, const uint8_t *pkt,
               size_t len)
{
	uint8_t hdr[VNET_HDR_LEN];
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)pkt, .iov_len = len },
	};

	vnet_to_kernel(g, hdr);
	return writev(fd, iov, 2);
}

/* The one's-complement sum of n bytes, added to sum (not folded). */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	while (n >= 2) {
		sum += (unsigned)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n)
		sum += (unsigned)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The transport checksum of the l4len bytes at l4 (IPv4 pseudo-header
 * from ip), with the checksum field counted as zero. */
static uint16_t
l4_csum(const uint8_t *ip, const uint8_t *l4, size_t l4len, size_t off)
{
	uint64_t sum = csum_add(0, ip + 12, 8);   /* source, destination */

	sum += ip[9];
	sum += l4len;
	sum = csum_add(sum, l4, off);
	sum = csum_add(sum, l4 + off + 2, l4len - off - 2);
	return csum_fold(sum);
}

uint16_t
ipv4_hdr_csum(const uint8_t *ip, size_t ihl)
{
	uint64_t sum = csum_add(0, ip, 10);

	return csum_fold(csum_add(sum, ip + 12, ihl - 12));
}

/* Fills in the complete transport checksum of a checked packet. */
static void
finish_csum(uint8_t *pkt, size_t len, const struct vnet_gso *g, uint8_t proto)
{
	uint16_t c = l4_csum(pkt, pkt + g->csum_start, len - g->csum_start,
	                     g->csum_off);

	if (proto == 17 && c == 0)
		c = 0xffff;               /* 0 would mean "no checksum" */
	put16(pkt + g->csum_start + g->csum_off, c);
}

/*
 * Cuts the checked superpacket pkt (vnet_check()) into ordinary IPv4
 * packets with complete checksums, each handed to emit (valid during the
 * call only); scratch must hold a segment (hdr_len + gso_size bytes, at
 * most the MTU given to vnet_check()). A packet that is not a superpacket
 * is emitted as it is, its partial checksum completed (pkt is changed).
 * Returns the number of packets emitted.
 */
unsigned
vnet_segment(uint8_t *pkt, size_t len, const struct vnet_gso *g,
             uint8_t *scratch,
             void (*emit)(void *arg, const uint8_t *p, size_t n), void *arg)
{
	size_t ihl = g->csum_start, hl = g->hdr_len, at;
	uint8_t proto = pkt[9];
	uint32_t seq = 0;
	unsigned id = get16(pkt + 4), i = 0;

	if (g->type == VNET_GSO_NONE) {
		if (g->flags & VNET_F_CSUM_PARTIAL)
			finish_csum(pkt, len, g, proto);
		emit(arg, pkt, len);
		return 1;
	}
	if (g->type == VNET_GSO_TCP4)
		seq = get32(pkt + ihl + 4);
	for (at = hl; at < len; at += g->gso_size, i++) {
		size_t n = len - at < g->gso_size ? len - at : g->gso_size;
		bool last = at + n == len;

		memcpy(scratch, pkt, hl);
		memcpy(scratch + hl, pkt + at, n);
		/* IPv4: length, a new id per segment (as the kernel), checksum */
		put16(scratch + 2, (uint16_t)(hl + n));
		put16(scratch + 4, (uint16_t)(id + i));
		put16(scratch + 10, 0);
		put16(scratch + 10, ipv4_hdr_csum(scratch, ihl));
		if (g->type == VNET_GSO_TCP4) {
			uint32_t s = seq + (uint32_t)(at - hl);
			uint8_t *th = scratch + ihl;

			put32(th + 4, s);
			if (!last)
				th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
			if (i > 0)
				th[13] &= (uint8_t)~TCP_CWR;
		} else {
			put16(scratch + ihl + 4, (uint16_t)(8 + n));
		}
		finish_csum(scratch, hl + n, g, proto);
		emit(arg, scratch, hl + n);
	}
	return i;
}

/*
 * An IPv6 packet read from a vnet TUN. IPv6 superpackets are never asked
 * for (TSO6 and USO stay off while IPv6 is carried), but the kernel may
 * still leave a TCP or UDP checksum partial (TUN_F_CSUM): the transport
 * checksum field then holds only the pseudo-header sum. Only a transport
 * header right after the fixed header is taken (no extension headers), at
 * the place the packet itself says: csum_start 40, csum_offset 16 (TCP) or
 * 6 (UDP), as vnet_from_kernel() checks for IPv4.
 *
 * RFC 8200, section 8.1, the pseudo-header: source and destination
 * address, the upper-layer packet length (32 bits), 3 zero bytes and the
 * next header.
 */
int
vnet_finish6(const uint8_t *hdr, uint8_t *pkt, size_t len, const char **why)
{
	struct virtio_net_hdr h;
	struct ipv6_hdr_info ip;
	size_t l4len, off, min;
	uint64_t sum;
	uint16_t c;

	memcpy(&h, hdr, sizeof(h));
	if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return invalid(why, "IPv6 superpacket: kernel offload kind 0x%02x, "
		               "segment size %u (TSO6 and USO are off for IPv6)",
		               h.gso_type, h.gso_size);
	if (ipv6_parse(pkt, len, &ip, why) == -1)
		return -1;
	if (ip.total_len != len)
		return invalid(why, "IPv6 packet of %zu bytes, its payload length "
		               "says %zu", len, ip.total_len);
	if (!(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (ip.next == 6) {
		off = 16;
		min = 40 + 20;
	} else if (ip.next == 17) {
		off = 6;
		min = 40 + 8;
	} else {
		return invalid(why, "checksum offload on IPv6 next header %u (TCP "
		               "or UDP only, no extension headers)", ip.next);
	}
	if (h.csum_start != 40 || h.csum_offset != off)
		return invalid(why, "kernel checksum at %u+%u, the IPv6 %s packet "
		               "says 40+%zu", h.csum_start, h.csum_offset,
		               ip.next == 6 ? "TCP" : "UDP", off);
	if (len < min)
		return invalid(why, "IPv6 %s packet of %zu bytes, its header needs "
		               "%zu", ip.next == 6 ? "TCP" : "UDP", len, min);
	l4len = len - 40;
	sum = csum_add(0, pkt + 8, 32);             /* source, destination */
	sum += (l4len >> 16) + (l4len & 0xffff);    /* upper-layer length */
	sum += ip.next;
	sum = csum_add(sum, pkt + 40, off);
	sum = csum_add(sum, pkt + 40 + off + 2, l4len - off - 2);
	c = csum_fold(sum);
	if (ip.next == 17 && c == 0)
		c = 0xffff;               /* 0 would mean "no checksum" */
	put16(pkt + 40 + off, c);
	return 0;
}
