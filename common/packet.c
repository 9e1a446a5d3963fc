/*
 * packet.c - bounds-checked parsing of IPv4, IPv6, ICMP, UDP, TCP, Ethernet,
 * ARP.
 *
 * Packets come from the network and from students' programs: any of them
 * may be short, lie about their lengths or be something else entirely.
 * Every parser checks a length before it reads a field, never casts the
 * buffer to a struct, and on failure says what was wrong through *why.
 * Multi-byte fields are read big-endian through get16() (vpnlab.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "vpnlab.h"

/* A reason with figures in it; one buffer is enough since callers log it
 * before parsing the next packet. */
static char why_buf[128];

static int
invalid(const char **why, const char *fmt, ...) FMT(2, 3);

static int
invalid(const char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	if (why)
		*why = why_buf;
	return -1;
}

/*
 * RFC 791, section 3.1:
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options                    |    Padding    |
 */
int
ipv4_parse(const uint8_t *buf, size_t len, struct ipv4_hdr_info *ip,
           const char **why)
{
	memset(ip, 0, sizeof(*ip));
	if (len < 1)
		return invalid(why, "empty packet");
	ip->version = buf[0] >> 4;
	if (ip->version != 4)
		return invalid(why, "IP version %u, not 4 (first byte 0x%02x)",
		               ip->version, buf[0]);
	if (len < 20)
		return invalid(why, "truncated: %zu bytes, an IPv4 header needs 20",
		               len);
	ip->ihl = (uint8_t)((buf[0] & 0x0f) * 4);
	if (ip->ihl < 20)
		return invalid(why, "IPv4 header length %u bytes, less than 20",
		               ip->ihl);
	ip->tos = buf[1];
	ip->total_len = get16(buf + 2);
	ip->id = get16(buf + 4);
	ip->frag = get16(buf + 6);
	ip->ttl = buf[8];
	ip->proto = buf[9];
	ip->checksum = get16(buf + 10);
	memcpy(&ip->src, buf + 12, 4);
	memcpy(&ip->dst, buf + 16, 4);
	if (ip->total_len < ip->ihl)
		return invalid(why, "IPv4 total length %u is less than its header "
		               "length %u", ip->total_len, ip->ihl);
	if (ip->ihl > len)
		return invalid(why, "truncated: %zu bytes, the IPv4 header says "
		               "it has %u", len, ip->ihl);
	if (ip->total_len > len)
		return invalid(why, "truncated: %zu bytes, the IPv4 total length "
		               "says %u", len, ip->total_len);
	ip->payload = buf + ip->ihl;
	ip->payload_len = (size_t)(ip->total_len - ip->ihl);
	return 0;
}

bool
ipv4_is_fragment(const struct ipv4_hdr_info *ip)
{
	return (ip->frag & 0x3fff) != 0;   /* MF flag or a non-zero offset */
}

/*
 * RFC 8200, section 3:
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                   Source Address (16 bytes)                   |
 *   |                Destination Address (16 bytes)                 |
 *
 * A payload length of 0 with bytes after the header would be a jumbogram
 * (RFC 2675: the length is in a hop-by-hop option); a tunnel with an MTU
 * of at most 9000 never carries one, so it is refused, not looked into.
 */
int
ipv6_parse(const uint8_t *buf, size_t len, struct ipv6_hdr_info *ip,
           const char **why)
{
	memset(ip, 0, sizeof(*ip));
	if (len < 1)
		return invalid(why, "empty packet");
	ip->version = buf[0] >> 4;
	if (ip->version != 6)
		return invalid(why, "IP version %u, not 6 (first byte 0x%02x)",
		               ip->version, buf[0]);
	if (len < 40)
		return invalid(why, "truncated: %zu bytes, an IPv6 header needs 40",
		               len);
	ip->tclass = (uint8_t)((buf[0] & 0x0f) << 4 | buf[1] >> 4);
	ip->flow = get32(buf) & 0xfffff;
	ip->payload_len = get16(buf + 4);
	ip->next = buf[6];
	ip->hlim = buf[7];
	memcpy(&ip->src, buf + 8, 16);
	memcpy(&ip->dst, buf + 24, 16);
	if (ip->payload_len == 0 && len > 40)
		return invalid(why, "IPv6 payload length 0 with %zu bytes after "
		               "the header: a jumbogram, not handled", len - 40);
	if (40 + (size_t)ip->payload_len > len)
		return invalid(why, "truncated: %zu bytes, the IPv6 payload length "
		               "says %u after the 40-byte header", len,
		               ip->payload_len);
	ip->total_len = 40 + (size_t)ip->payload_len;
	ip->payload = buf + 40;
	return 0;
}

/*
 * RFC 792, echo or echo reply:
 *   |     Type      |     Code      |          Checksum             |
 *   |           Identifier          |        Sequence Number        |
 *   |     Data ...
 */
int
icmp_parse(const uint8_t *buf, size_t len, struct icmp_info *ic,
           const char **why)
{
	memset(ic, 0, sizeof(*ic));
	if (len < 8)
		return invalid(why, "truncated: %zu bytes, an ICMP header needs 8",
		               len);
	ic->type = buf[0];
	ic->code = buf[1];
	ic->checksum = get16(buf + 2);
	ic->id = get16(buf + 4);
	ic->seq = get16(buf + 6);
	ic->data = buf + 8;
	ic->data_len = len - 8;
	return 0;
}

/* RFC 768: | Source Port | Destination Port | Length | Checksum | */
int
udp_parse(const uint8_t *buf, size_t len, struct l4_ports *p, const char **why)
{
	uint16_t ulen;

	memset(p, 0, sizeof(*p));
	if (len < 8)
		return invalid(why, "truncated: %zu bytes, a UDP header needs 8",
		               len);
	p->sport = get16(buf);
	p->dport = get16(buf + 2);
	ulen = get16(buf + 4);
	if (ulen < 8 || ulen > len)
		return invalid(why, "UDP length %u does not fit the %zu bytes "
		               "received", ulen, len);
	p->hdr_len = 8;
	return 0;
}

/*
 * RFC 793: | Source Port | Destination Port | Sequence | Acknowledgment |
 *          | Offset | Flags | Window | Checksum | Urgent | Options ...
 */
int
tcp_parse(const uint8_t *buf, size_t len, struct l4_ports *p, const char **why)
{
	memset(p, 0, sizeof(*p));
	if (len < 20)
		return invalid(why, "truncated: %zu bytes, a TCP header needs 20",
		               len);
	p->sport = get16(buf);
	p->dport = get16(buf + 2);
	p->hdr_len = (size_t)(buf[12] >> 4) * 4;
	p->tcp_flags = buf[13];
	if (p->hdr_len < 20 || p->hdr_len > len)
		return invalid(why, "TCP data offset %zu bytes does not fit the "
		               "%zu bytes received", p->hdr_len, len);
	return 0;
}

/* Ethernet II: | destination MAC (6) | source MAC (6) | EtherType (2) | */
int
eth_parse(const uint8_t *buf, size_t len, struct eth_info *eth,
          const char **why)
{
	memset(eth, 0, sizeof(*eth));
	if (len < VL_ETH_HDR)
		return invalid(why, "truncated: %zu bytes, an Ethernet header "
		               "needs %d", len, VL_ETH_HDR);
	memcpy(eth->dst, buf, 6);
	memcpy(eth->src, buf + 6, 6);
	eth->type = get16(buf + 12);
	eth->payload = buf + VL_ETH_HDR;
	eth->payload_len = len - VL_ETH_HDR;
	return 0;
}

/*
 * RFC 826, for Ethernet and IPv4:
 *   | HTYPE=1 | PTYPE=0x0800 | HLEN=6 | PLEN=4 | OPER |
 *   | SHA (6) | SPA (4) | THA (6) | TPA (4) |
 */
int
arp_parse(const uint8_t *buf, size_t len, struct arp_info *arp,
          const char **why)
{
	memset(arp, 0, sizeof(*arp));
	if (len < 28)
		return invalid(why, "truncated: %zu bytes, an Ethernet/IPv4 ARP "
		               "packet needs 28", len);
	if (get16(buf) != 1 || get16(buf + 2) != 0x0800 || buf[4] != 6 ||
	    buf[5] != 4)
		return invalid(why, "ARP for hardware type %u, protocol 0x%04x "
		               "(only Ethernet/IPv4 is handled)", get16(buf),
		               get16(buf + 2));
	arp->op = get16(buf + 6);
	memcpy(arp->sha, buf + 8, 6);
	memcpy(&arp->spa, buf + 14, 4);
	memcpy(arp->tha, buf + 18, 6);
	memcpy(&arp->tpa, buf + 24, 4);
	return 0;
}

/* RFC 1071: the ones' complement of the ones' complement sum of 16-bit words. */
uint16_t
inet_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

const char *
mac_str(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	         mac[2], mac[3], mac[4], mac[5]);
	return out;
}

static const char *
icmp_type_name(uint8_t type)
{
	switch (type) {
	case 0: return "echo reply";
	case 3: return "unreachable";
	case 5: return "redirect";
	case 8: return "echo request";
	case 11: return "time exceeded";
	default: return NULL;
	}
}

static const char *
tcp_flags_str(uint8_t f, char out[8])
{
	static const char names[] = "FSRPAU";
	size_t n = 0;

	for (int i = 0; i < 6; i++)
		if (f & (1u << i))
			out[n++] = names[i] == 'A' ? '.' : names[i];
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
	return out;
}

const char *
ipv4_summary(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	struct ipv4_hdr_info ip;
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	const char *why = NULL;

	if (len >= 40 && buf[0] >> 4 == 6) {
		/* IPv6, as a TUN outside the lab sees: addresses and next header. */
		char s6[INET6_ADDRSTRLEN], d6[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, buf + 8, s6, sizeof(s6));
		inet_ntop(AF_INET6, buf + 24, d6, sizeof(d6));
		snprintf(out, outlen, "IP6 %s > %s: next header %u, payload length %u",
		         s6, d6, buf[6], get16(buf + 4));
		return out;
	}
	if (ipv4_parse(buf, len, &ip, &why) == -1) {
		snprintf(out, outlen, "invalid packet, %zu bytes: %s", len, why);
		return out;
	}
	inet_ntop(AF_INET, &ip.src, s, sizeof(s));
	inet_ntop(AF_INET, &ip.dst, d, sizeof(d));
	if ((ip.frag & 0x1fff) != 0) {
		snprintf(out, outlen, "IP %s > %s: fragment id %u, offset %u, "
		         "length %zu", s, d, ip.id, (ip.frag & 0x1fff) * 8,
		         ip.payload_len);
		return out;
	}
	switch (ip.proto) {
	case IPPROTO_ICMP: {
		struct icmp_info ic;
		const char *name;

		if (icmp_parse(ip.payload, ip.payload_len, &ic, &why) == -1)
			snprintf(out, outlen, "IP %s > %s: ICMP, %s", s, d, why);
		else if ((name = icmp_type_name(ic.type)) &&
		         (ic.type == 0 || ic.type == 8))
			snprintf(out, outlen, "IP %s > %s: ICMP %s, id %u, seq %u, "
			         "length %zu", s, d, name, ic.id, ic.seq,
			         ip.payload_len);
		else if (name)
			snprintf(out, outlen, "IP %s > %s: ICMP %s, code %u, length "
			         "%zu", s, d, name, ic.code, ip.payload_len);
		else
			snprintf(out, outlen, "IP %s > %s: ICMP type %u, code %u, "
			         "length %zu", s, d, ic.type, ic.code, ip.payload_len);
		break;
	}
	case IPPROTO_UDP: {
		struct l4_ports p;

		if ((ip.frag & 0x2000) && ip.payload_len >= 4)  /* first fragment */
			snprintf(out, outlen, "IP %s.%u > %s.%u: UDP, first fragment "
			         "id %u, %zu bytes here", s, get16(ip.payload), d,
			         get16(ip.payload + 2), ip.id, ip.payload_len);
		else if (udp_parse(ip.payload, ip.payload_len, &p, &why) == -1)
			snprintf(out, outlen, "IP %s > %s: UDP, %s", s, d, why);
		else
			snprintf(out, outlen, "IP %s.%u > %s.%u: UDP, length %u",
			         s, p.sport, d, p.dport,
			         (unsigned)(get16(ip.payload + 4) - 8));
		break;
	}
	case IPPROTO_TCP: {
		struct l4_ports p;
		char f[8];

		if (tcp_parse(ip.payload, ip.payload_len, &p, &why) == -1)
			snprintf(out, outlen, "IP %s > %s: TCP, %s", s, d, why);
		else
			snprintf(out, outlen, "IP %s.%u > %s.%u: Flags [%s], "
			         "length %zu", s, p.sport, d, p.dport,
			         tcp_flags_str(p.tcp_flags, f),
			         ip.payload_len - p.hdr_len);
		break;
	}
	default:
		snprintf(out, outlen, "IP %s > %s: protocol %u, length %zu", s, d,
		         ip.proto, ip.payload_len);
	}
	return out;
}

const char *
eth_summary(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
	struct eth_info eth;
	const char *why = NULL;
	char sm[18], dm[18];

	if (eth_parse(buf, len, &eth, &why) == -1) {
		snprintf(out, outlen, "invalid frame, %zu bytes: %s", len, why);
		return out;
	}
	mac_str(eth.src, sm);
	mac_str(eth.dst, dm);
	if (eth.type == 0x0806) {
		struct arp_info arp;
		char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN], m[18];

		if (arp_parse(eth.payload, eth.payload_len, &arp, &why) == -1) {
			snprintf(out, outlen, "%s > %s, ARP, %s", sm, dm, why);
			return out;
		}
		inet_ntop(AF_INET, &arp.spa, spa, sizeof(spa));
		inet_ntop(AF_INET, &arp.tpa, tpa, sizeof(tpa));
		if (arp.op == 1)
			snprintf(out, outlen, "%s > %s, ARP, Request who-has %s "
			         "tell %s", sm, dm, tpa, spa);
		else if (arp.op == 2)
			snprintf(out, outlen, "%s > %s, ARP, Reply %s is-at %s", sm,
			         dm, spa, mac_str(arp.sha, m));
		else
			snprintf(out, outlen, "%s > %s, ARP, op %u", sm, dm, arp.op);
		return out;
	}
	if (eth.type == 0x0800) {
		char inner[VL_SUMMARY_MAX];

		ipv4_summary(eth.payload, eth.payload_len, inner, sizeof(inner));
		snprintf(out, outlen, "%s > %s, %s", sm, dm, inner);
		return out;
	}
	snprintf(out, outlen, "%s > %s, ethertype 0x%04x, length %zu", sm, dm,
	         eth.type, len);
	return out;
}
