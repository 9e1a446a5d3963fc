/*
 * fuzz_packet.c - libFuzzer target for common/packet.c.
 *
 * Every parser and summary is fed the same bytes, as a TUN (IPv4 or IPv6)
 * and as a TAP (Ethernet) would hand them over. AddressSanitizer catches any read
 * past the end; the parsers must also never call a packet good whose
 * lengths do not fit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vpnlab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[VL_SUMMARY_MAX];
	struct ipv4_hdr_info ip;
	struct ipv6_hdr_info ip6;
	struct icmp_info ic;
	struct l4_ports p;
	struct eth_info eth;
	struct arp_info arp;
	const char *why;
	uint8_t *b = malloc(size ? size : 1);   /* exact size: overreads show */

	if (!b)
		return 0;
	memcpy(b, data, size);
	if (ipv4_parse(b, size, &ip, &why) == 0) {
		if (ip.ihl < 20 || ip.total_len > size || ip.payload + ip.payload_len > b + size)
			abort();
		(void)icmp_parse(ip.payload, ip.payload_len, &ic, &why);
		(void)udp_parse(ip.payload, ip.payload_len, &p, &why);
		if (tcp_parse(ip.payload, ip.payload_len, &p, &why) == 0 &&
		    p.hdr_len > ip.payload_len)
			abort();
	}
	if (ipv6_parse(b, size, &ip6, &why) == 0) {
		if (ip6.total_len != 40 + (size_t)ip6.payload_len ||
		    ip6.total_len > size || ip6.payload != b + 40 ||
		    (ip6.payload_len == 0 && size > 40))
			abort();
		(void)udp_parse(ip6.payload, ip6.payload_len, &p, &why);
		if (tcp_parse(ip6.payload, ip6.payload_len, &p, &why) == 0 &&
		    p.hdr_len > ip6.payload_len)
			abort();
	}
	ipv4_summary(b, size, line, sizeof(line));
	if (eth_parse(b, size, &eth, &why) == 0)
		(void)arp_parse(eth.payload, eth.payload_len, &arp, &why);
	eth_summary(b, size, line, sizeof(line));
	(void)inet_checksum(b, size);
	free(b);
	return 0;
}
