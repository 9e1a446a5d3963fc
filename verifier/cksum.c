/*
 * cksum.c - Internet checksums (RFC 1071), checked on captured frames.
 *
 * The verifier carries its own checksum code on purpose: common/ holds
 * code that students write (the fake ICMP responder computes checksums),
 * and a judge must not share a bug with what it judges. (get16() and
 * get32() do come from vpnlab.h: they are kit code outside every region.)
 *
 * Only the IPv4 header and ICMP checksums are checked. TCP and UDP
 * checksums are left alone: on veth and TUN the kernel offloads them
 * (CHECKSUM_PARTIAL), so a capture on the sending side shows a partial
 * sum that is not wrong, only not yet filled in. ICMP and the IPv4
 * header are always computed in software before the packet is seen.
 */
#include <stdio.h>

#include <pcap/pcap.h>

#include "vpnlab.h"
#include "verify.h"

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_VLAN  0x8100   /* 802.1Q */
#define ETHERTYPE_QINQ  0x88a8   /* 802.1ad */
#define ETH_HDR_LEN     14
#define VLAN_TAG_LEN    4
#define SLL_HDR_LEN     16       /* DLT_LINUX_SLL: protocol at offset 14 */
#define SLL2_HDR_LEN    20       /* DLT_LINUX_SLL2: protocol at offset 0 */
#define NULL_HDR_LEN    4        /* DLT_NULL/DLT_LOOP: address family */
#define BSD_AF_INET     2
#define IPV4_HDR_MIN    20
#define IPPROTO_ICMP_   1
#define ICMP_HDR_LEN    8

uint32_t
cksum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += get16(p + i);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (i < len) {                  /* odd length: pad with a zero byte */
		sum += (uint32_t)(p[i] << 8);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

uint16_t
cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Finds where the IPv4 header starts in a frame of link type dlt. Returns
 * the offset, or -1 when the frame carries something else (ARP, IPv6) or
 * the link type is not one we read.
 */
static long
ipv4_offset(int dlt, const uint8_t *pkt, size_t caplen)
{
	size_t off;
	uint16_t type;
	uint32_t af;

	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < ETH_HDR_LEN)
			return -1;
		type = get16(pkt + 12);
		off = ETH_HDR_LEN;
		/* Up to two VLAN tags (802.1ad outer, 802.1Q inner). */
		for (int tags = 0; tags < 2 && (type == ETHERTYPE_VLAN ||
		    type == ETHERTYPE_QINQ); tags++) {
			if (caplen < off + VLAN_TAG_LEN)
				return -1;
			type = get16(pkt + off + 2);
			off += VLAN_TAG_LEN;
		}
		return type == ETHERTYPE_IPV4 ? (long)off : -1;
	case DLT_RAW:
	case DLT_IPV4:
		return caplen >= 1 && pkt[0] >> 4 == 4 ? 0 : -1;
	case DLT_LINUX_SLL:
		if (caplen < SLL_HDR_LEN)
			return -1;
		return get16(pkt + 14) == ETHERTYPE_IPV4 ? SLL_HDR_LEN : -1;
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HDR_LEN)
			return -1;
		return get16(pkt) == ETHERTYPE_IPV4 ? SLL2_HDR_LEN : -1;
	case DLT_NULL:          /* family in the writer's byte order */
	case DLT_LOOP:          /* family in network byte order */
		if (caplen < NULL_HDR_LEN)
			return -1;
		af = get32(pkt);
		if (af == BSD_AF_INET || (dlt == DLT_NULL &&
		    af == (uint32_t)BSD_AF_INET << 24))
			return NULL_HDR_LEN;
		return -1;
	default:
		return -1;
	}
}

/*
 * RFC 791, section 3.1 (the fields read here):
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                 Source, Destination, Options ...              |
 *
 * RFC 792: an ICMP message starts with Type, Code, Checksum (16 bits),
 * the checksum covering the whole ICMP message.
 */
enum cksum_result
cksum_check_frame(int dlt, const uint8_t *pkt, size_t caplen, char *why,
                  size_t whylen)
{
	long off = ipv4_offset(dlt, pkt, caplen);
	const uint8_t *ip, *icmp;
	size_t avail, ihl, total, icmp_len;
	uint16_t wire, want;

	if (off < 0)
		return CK_NOT_IPV4;
	ip = pkt + off;
	avail = caplen - (size_t)off;
	if (avail < 1 || ip[0] >> 4 != 4)
		return CK_NOT_IPV4;
	if (avail < IPV4_HDR_MIN)
		return CK_TRUNCATED;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < IPV4_HDR_MIN) {
		snprintf(why, whylen, "IPv4 header length field says %zu bytes, "
		         "less than 20", ihl);
		return CK_BAD;
	}
	if (avail < ihl)
		return CK_TRUNCATED;
	wire = get16(ip + 10);
	if (cksum_fold(cksum_add(0, ip, ihl)) != 0) {
		want = cksum_fold(cksum_add(cksum_add(0, ip, 10), ip + 12,
		                            ihl - 12));
		snprintf(why, whylen, "bad IPv4 header checksum: 0x%04x on the "
		         "wire, 0x%04x expected", wire, want);
		return CK_BAD;
	}
	total = get16(ip + 2);
	if (total < ihl) {
		snprintf(why, whylen, "IPv4 total length %zu is shorter than its "
		         "%zu-byte header", total, ihl);
		return CK_BAD;
	}
	if (ip[9] != IPPROTO_ICMP_)
		return CK_OK;
	/* More fragments, or a fragment offset: the ICMP message is not here whole. */
	if ((get16(ip + 6) & 0x3fff) != 0 || avail < total)
		return CK_HDR_ONLY;
	icmp = ip + ihl;
	icmp_len = total - ihl;
	if (icmp_len < ICMP_HDR_LEN) {
		snprintf(why, whylen, "ICMP message of %zu bytes, shorter than "
		         "its 8-byte header", icmp_len);
		return CK_BAD;
	}
	wire = get16(icmp + 2);
	if (cksum_fold(cksum_add(0, icmp, icmp_len)) != 0) {
		want = cksum_fold(cksum_add(cksum_add(0, icmp, 2), icmp + 4,
		                            icmp_len - 4));
		snprintf(why, whylen, "bad ICMP checksum: 0x%04x on the wire, "
		         "0x%04x expected", wire, want);
		return CK_BAD;
	}
	return CK_OK;
}
