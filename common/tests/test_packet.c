/*
 * test_packet.c - unit tests of common/packet.c and addr.c (cmocka).
 *
 * Table-driven: each line is a packet (often a broken one) and what the
 * parser must say about it. The broken ones are the point: a parser that
 * reads past the end of a short packet fails here under AddressSanitizer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "vpnlab.h"

/* A 28-byte ICMP echo request 192.168.53.99 -> 192.168.53.1, id 0x1234, seq 1. */
static const uint8_t echo_req[] = {
	0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00,
	192, 168, 53, 99, 192, 168, 53, 1,
	0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01,
};

/* Copies p into a heap buffer of exactly len bytes, so ASan sees overreads. */
static uint8_t *
exact(const uint8_t *p, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);
	assert_non_null(b);
	memcpy(b, p, len);
	return b;
}

static void
test_ipv4_good(void **state)
{
	struct ipv4_hdr_info ip;
	const char *why = NULL;
	char s[INET_ADDRSTRLEN];
	uint8_t *b = exact(echo_req, sizeof(echo_req));

	assert_int_equal(ipv4_parse(b, sizeof(echo_req), &ip, &why), 0);
	assert_int_equal(ip.ihl, 20);
	assert_int_equal(ip.total_len, 28);
	assert_int_equal(ip.proto, IPPROTO_ICMP);
	assert_int_equal(ip.payload_len, 8);
	assert_ptr_equal(ip.payload, b + 20);
	assert_string_equal(inet_ntop(AF_INET, &ip.src, s, sizeof(s)), "192.168.53.99");
	assert_string_equal(inet_ntop(AF_INET, &ip.dst, s, sizeof(s)), "192.168.53.1");
	assert_false(ipv4_is_fragment(&ip));
	free(b);
}

static const struct bad_case {
	int line;
	size_t len;             /* bytes of echo_req to use, after patching */
	int patch_at;           /* -1: no patch */
	uint8_t patch;
	const char *why;        /* a substring the reason must contain */
} bad_cases[] = {
	{ __LINE__, 0, -1, 0, "empty" },
	{ __LINE__, 1, -1, 0, "truncated: 1 bytes" },
	{ __LINE__, 19, -1, 0, "needs 20" },
	{ __LINE__, 27, -1, 0, "total length says 28" },
	{ __LINE__, 28, 0, 0x65, "version 6" },
	{ __LINE__, 28, 0, 0x00, "version 0" },
	{ __LINE__, 28, 0, 0x44, "less than 20" },
	{ __LINE__, 28, 0, 0x48, "less than its header" },
	{ __LINE__, 28, 0, 0x4f, "less than its header" },
	{ __LINE__, 28, 3, 0x10, "less than its header" },
	{ __LINE__, 28, 3, 0xff, "total length says 255" },
	{ __LINE__, 22, 0, 0x46, "the IPv4 header says it has 24" },
};

static void
test_ipv4_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t pkt[sizeof(echo_req)];
		struct ipv4_hdr_info ip;
		const char *why = NULL;

		memcpy(pkt, echo_req, sizeof(pkt));
		if (c->patch_at >= 0)
			pkt[c->patch_at] = c->patch;
		uint8_t *b = exact(pkt, c->len);
		if (ipv4_parse(b, c->len, &ip, &why) != -1)
			fail_msg("case at line %d: parsed, should have failed", c->line);
		assert_non_null(why);
		if (strstr(why, c->why) == NULL)
			fail_msg("case at line %d: reason \"%s\" lacks \"%s\"",
			         c->line, why, c->why);
		free(b);
	}
}

/* A 48-byte ICMPv6 echo request fd00:53::2 -> fd00:53::1, traffic class
 * 0xa5, flow label 0x12345, hop limit 64, id 0x1234, seq 1. */
static const uint8_t echo6_req[] = {
	0x6a, 0x51, 0x23, 0x45, 0x00, 0x08, 58, 64,
	0xfd, 0x00, 0x00, 0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	0xfd, 0x00, 0x00, 0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	128, 0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01,
};

static void
test_ipv6_good(void **state)
{
	struct ipv6_hdr_info ip;
	const char *why = NULL;
	char s[INET6_ADDRSTRLEN];
	uint8_t *b = exact(echo6_req, sizeof(echo6_req));

	assert_int_equal(ipv6_parse(b, sizeof(echo6_req), &ip, &why), 0);
	assert_int_equal(ip.version, 6);
	assert_int_equal(ip.tclass, 0xa5);
	assert_int_equal(ip.flow, 0x12345);
	assert_int_equal(ip.payload_len, 8);
	assert_int_equal(ip.total_len, 48);
	assert_int_equal(ip.next, 58);
	assert_int_equal(ip.hlim, 64);
	assert_ptr_equal(ip.payload, b + 40);
	assert_string_equal(inet_ntop(AF_INET6, &ip.src, s, sizeof(s)), "fd00:53::2");
	assert_string_equal(inet_ntop(AF_INET6, &ip.dst, s, sizeof(s)), "fd00:53::1");
	free(b);

	/* junk after the packet is left to the caller (total_len says) */
	uint8_t longer[sizeof(echo6_req) + 5];
	memcpy(longer, echo6_req, sizeof(echo6_req));
	memset(longer + sizeof(echo6_req), 0xee, 5);
	b = exact(longer, sizeof(longer));
	assert_int_equal(ipv6_parse(b, sizeof(longer), &ip, &why), 0);
	assert_int_equal(ip.total_len, 48);
	free(b);

	/* the header alone, no payload: not a jumbogram */
	b = exact(echo6_req, 40);
	b[4] = b[5] = 0;
	assert_int_equal(ipv6_parse(b, 40, &ip, &why), 0);
	assert_int_equal(ip.total_len, 40);
	free(b);
}

/* Broken IPv6 packets: echo6_req, patched, cut to len bytes. */
static const struct bad_case bad6_cases[] = {
	{ __LINE__, 0, -1, 0, "empty" },
	{ __LINE__, 1, -1, 0, "truncated: 1 bytes, an IPv6 header needs 40" },
	{ __LINE__, 39, -1, 0, "truncated: 39 bytes, an IPv6 header needs 40" },
	{ __LINE__, 47, -1, 0, "truncated: 47 bytes, the IPv6 payload length says 8" },
	{ __LINE__, 48, 0, 0x45, "version 4" },
	{ __LINE__, 48, 0, 0x0a, "version 0" },
	{ __LINE__, 48, 0, 0x7a, "version 7" },
	{ __LINE__, 48, 5, 0x09, "payload length says 9" },
	{ __LINE__, 48, 4, 0x01, "payload length says 264" },
	{ __LINE__, 48, 5, 0x00, "payload length 0 with 8 bytes after the header: a jumbogram" },
};

static void
test_ipv6_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bad6_cases) / sizeof(bad6_cases[0]); i++) {
		const struct bad_case *c = &bad6_cases[i];
		uint8_t pkt[sizeof(echo6_req)];
		struct ipv6_hdr_info ip;
		const char *why = NULL;

		memcpy(pkt, echo6_req, sizeof(pkt));
		if (c->patch_at >= 0)
			pkt[c->patch_at] = c->patch;
		uint8_t *b = exact(pkt, c->len);
		if (ipv6_parse(b, c->len, &ip, &why) != -1)
			fail_msg("case at line %d: parsed, should have failed", c->line);
		assert_non_null(why);
		if (strstr(why, c->why) == NULL)
			fail_msg("case at line %d: reason \"%s\" lacks \"%s\"",
			         c->line, why, c->why);
		free(b);
	}
}

static void
test_fragment(void **state)
{
	uint8_t pkt[sizeof(echo_req)];
	struct ipv4_hdr_info ip;
	const char *why;

	memcpy(pkt, echo_req, sizeof(pkt));
	pkt[6] = 0x20;                           /* MF */
	assert_int_equal(ipv4_parse(pkt, sizeof(pkt), &ip, &why), 0);
	assert_true(ipv4_is_fragment(&ip));
	pkt[6] = 0x00; pkt[7] = 0x10;            /* offset 128 */
	assert_int_equal(ipv4_parse(pkt, sizeof(pkt), &ip, &why), 0);
	assert_true(ipv4_is_fragment(&ip));
}

static void
test_l4_truncated(void **state)
{
	static const uint8_t tcp_hdr[20] = { 0, 23, 0x9c, 0x40, [12] = 0x50, [13] = 0x12 };
	struct icmp_info ic;
	struct l4_ports p;
	const char *why = NULL;
	uint8_t *b;

	for (size_t n = 0; n < 8; n++) {
		b = exact(echo_req + 20, n);
		assert_int_equal(icmp_parse(b, n, &ic, &why), -1);
		assert_int_equal(udp_parse(b, n, &p, &why), -1);
		free(b);
	}
	for (size_t n = 0; n < 20; n++) {
		b = exact(tcp_hdr, n);
		assert_int_equal(tcp_parse(b, n, &p, &why), -1);
		free(b);
	}
	b = exact(tcp_hdr, 20);
	assert_int_equal(tcp_parse(b, 20, &p, &why), 0);
	assert_int_equal(p.sport, 23);
	assert_int_equal(p.dport, 40000);
	assert_int_equal(p.tcp_flags, 0x12);
	b[12] = 0xf0;                             /* data offset 60 > 20 bytes */
	assert_int_equal(tcp_parse(b, 20, &p, &why), -1);
	assert_non_null(strstr(why, "data offset 60"));
	free(b);
}

static void
test_udp_length(void **state)
{
	uint8_t u[12] = { 0x23, 0x82, 0x23, 0x82, 0x00, 0x0c };
	struct l4_ports p;
	const char *why;

	assert_int_equal(udp_parse(u, sizeof(u), &p, &why), 0);
	assert_int_equal(p.sport, 9090);
	u[5] = 0x40;                              /* claims 64 bytes */
	assert_int_equal(udp_parse(u, sizeof(u), &p, &why), -1);
	u[5] = 0x04;                              /* less than its header */
	assert_int_equal(udp_parse(u, sizeof(u), &p, &why), -1);
}

static void
test_checksum(void **state)
{
	uint8_t pkt[sizeof(echo_req)];
	uint16_t sum;

	memcpy(pkt, echo_req, sizeof(pkt));
	sum = inet_checksum(pkt, 20);
	memcpy(pkt + 10, &sum, 2);
	assert_int_equal(inet_checksum(pkt, 20), 0);   /* intact header sums to 0 */
	pkt[15] ^= 1;
	assert_int_not_equal(inet_checksum(pkt, 20), 0);
	/* RFC 1071's odd-length rule: a trailing byte is padded with zero. */
	static const uint8_t odd[] = { 0x01, 0x02, 0x03 };
	assert_int_equal(ntohs(inet_checksum(odd, 3)), (uint16_t)~(0x0102 + 0x0300));
}

static void
test_arp_eth(void **state)
{
	uint8_t f[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06,
		0, 1, 0x08, 0x00, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 192, 168, 53, 99,
		0, 0, 0, 0, 0, 0, 192, 168, 53, 33,
	};
	struct eth_info eth;
	struct arp_info arp;
	const char *why;
	char line[VL_SUMMARY_MAX];

	assert_int_equal(eth_parse(f, sizeof(f), &eth, &why), 0);
	assert_int_equal(eth.type, 0x0806);
	assert_int_equal(arp_parse(eth.payload, eth.payload_len, &arp, &why), 0);
	assert_int_equal(arp.op, 1);
	eth_summary(f, sizeof(f), line, sizeof(line));
	assert_non_null(strstr(line, "Request who-has 192.168.53.33 tell 192.168.53.99"));
	for (size_t n = 0; n < sizeof(f); n++) {   /* every truncation is safe */
		uint8_t *b = exact(f, n);
		eth_summary(b, n, line, sizeof(line));
		free(b);
	}
	assert_int_equal(arp_parse(eth.payload, 27, &arp, &why), -1);
	f[15] = 6;                                  /* hardware type 6 */
	assert_int_equal(arp_parse(f + 14, 28, &arp, &why), -1);
}

static void
test_summary_every_truncation(void **state)
{
	char line[VL_SUMMARY_MAX];

	ipv4_summary(echo_req, sizeof(echo_req), line, sizeof(line));
	assert_string_equal(line, "IP 192.168.53.99 > 192.168.53.1: ICMP echo "
	                    "request, id 4660, seq 1, length 8");
	for (size_t n = 0; n < sizeof(echo_req); n++) {
		uint8_t *b = exact(echo_req, n);
		ipv4_summary(b, n, line, sizeof(line));
		assert_non_null(strstr(line, "invalid packet"));
		free(b);
	}
}

static void
test_summary_l4(void **state)
{
	/* UDP 10.9.0.5:40000 -> 10.9.0.11:9090 with 4 bytes of data. */
	uint8_t u[32] = {
		0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 9, 0, 5, 10, 9, 0, 11,
		0x9c, 0x40, 0x23, 0x82, 0, 12, 0, 0, 'a', 'b', 'c', 'd',
	};
	char line[VL_SUMMARY_MAX];

	ipv4_summary(u, sizeof(u), line, sizeof(line));
	assert_string_equal(line, "IP 10.9.0.5.40000 > 10.9.0.11.9090: UDP, length 4");
	u[6] = 0x20;                               /* first fragment */
	ipv4_summary(u, sizeof(u), line, sizeof(line));
	assert_non_null(strstr(line, "UDP, first fragment id 1"));
	u[6] = 0;
	u[25] = 40;                                /* UDP length lies */
	ipv4_summary(u, sizeof(u), line, sizeof(line));
	assert_non_null(strstr(line, "does not fit"));

	uint8_t v6[40] = { 0x60, [4] = 0, [5] = 8, [6] = 58, [23] = 1, [39] = 2 };
	ipv4_summary(v6, sizeof(v6), line, sizeof(line));
	assert_string_equal(line, "IP6 ::1 > ::2: next header 58, payload length 8");
}

static void
test_addr(void **state)
{
	struct in_addr a;
	struct sockaddr_in sa;
	char buf[32];
	int len;

	assert_int_equal(addr_parse_prefix("192.168.53.99/24", &a, &len), 0);
	assert_int_equal(len, 24);
	assert_int_equal(addr_parse_prefix("192.168.53.99", &a, &len), -1);
	assert_int_equal(addr_parse_prefix("192.168.53.99/33", &a, &len), -1);
	assert_int_equal(addr_parse_prefix("192.168.53/24", &a, &len), -1);
	assert_int_equal(addr_parse_prefix("1.2.3.4/2x", &a, &len), -1);
	assert_int_equal(addr_parse_endpoint("10.9.0.11", 9090, &sa), 0);
	assert_int_equal(ntohs(sa.sin_port), 9090);
	assert_int_equal(addr_parse_endpoint("10.9.0.11:4433", 9090, &sa), 0);
	assert_string_equal(addr_endpoint_str(&sa, buf, sizeof(buf)), "10.9.0.11:4433");
	assert_int_equal(addr_parse_endpoint("10.9.0.11:0", 9090, &sa), -1);
	assert_int_equal(addr_parse_endpoint("10.9.0.11:65536", 9090, &sa), -1);
	assert_int_equal(addr_parse_endpoint("vpnlabserver.com", 9090, &sa), -1);
}

/* addr_parse_host_port(): one line per argument; port 7 means "none given". */
static const struct {
	const char *arg;
	int         ret;
	const char *host;
	unsigned    port;
} host_port_cases[] = {
	{ "vpnlabserver.com",       0, "vpnlabserver.com", 7 },
	{ "vpnlabserver.com:4433",  0, "vpnlabserver.com", 4433 },
	{ "10.9.0.11:1",            0, "10.9.0.11", 1 },
	{ "::1",                    0, "::1", 7 },         /* not "" and port 1 */
	{ "fe80::1%eth0",           0, "fe80::1%eth0", 7 },
	{ "2001:db8::1:443",        0, "2001:db8::1:443", 7 },
	{ "[::1]",                  0, "::1", 7 },
	{ "[::1]:4433",             0, "::1", 4433 },
	{ "[2001:db8::1]:65535",    0, "2001:db8::1", 65535 },
	{ "",                      -1, NULL, 0 },
	{ ":4433",                 -1, NULL, 0 },
	{ "name:",                 -1, NULL, 0 },
	{ "name:0",                -1, NULL, 0 },
	{ "name:65536",            -1, NULL, 0 },
	{ "name:44x",              -1, NULL, 0 },
	{ "name:1:2",              -1, NULL, 0 },         /* two colons, not IPv6 */
	{ "[::1",                  -1, NULL, 0 },
	{ "[::1]4433",             -1, NULL, 0 },
	{ "[::1]:",                -1, NULL, 0 },
	{ "[]:4433",               -1, NULL, 0 },
	{ "[name]:4433",           -1, NULL, 0 },
	{ "na]me:4433",            -1, NULL, 0 },
	{ "[::1]:4433:5",          -1, NULL, 0 },
};

static void
test_host_port(void **state)
{
	char host[64], longname[80];

	(void)state;
	for (size_t i = 0; i < sizeof(host_port_cases) / sizeof(host_port_cases[0]); i++) {
		uint16_t port = 7;
		int r;

		strcpy(host, "unchanged");
		r = addr_parse_host_port(host_port_cases[i].arg, host, sizeof(host),
		                         &port);
		if (r != host_port_cases[i].ret)
			fail_msg("\"%s\": returned %d, want %d",
			         host_port_cases[i].arg, r, host_port_cases[i].ret);
		if (r == 0 && (strcmp(host, host_port_cases[i].host) != 0 ||
		               port != host_port_cases[i].port))
			fail_msg("\"%s\": host \"%s\" port %u, want \"%s\" %u",
			         host_port_cases[i].arg, host, port,
			         host_port_cases[i].host, host_port_cases[i].port);
	}
	/* a host that does not fit is refused, not cut */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(addr_parse_host_port(longname, host, sizeof(host),
	                                      &(uint16_t){ 0 }), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_good),
		cmocka_unit_test(test_ipv4_bad),
		cmocka_unit_test(test_ipv6_good),
		cmocka_unit_test(test_ipv6_bad),
		cmocka_unit_test(test_fragment),
		cmocka_unit_test(test_l4_truncated),
		cmocka_unit_test(test_udp_length),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_arp_eth),
		cmocka_unit_test(test_summary_every_truncation),
		cmocka_unit_test(test_summary_l4),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_host_port),
	};

	log_init("test-packet", LL_ERROR - 1);   /* parsers' warnings: silent */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
