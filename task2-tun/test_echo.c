/*
 * test_echo.c - unit tests of the task 2.d echo responder (cmocka).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "tun_demo.h"

/* Echo request 192.168.53.99 -> 192.168.53.1, id 7, seq 3, 4 data bytes. */
static uint8_t req[] = {
	0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00,
	192, 168, 53, 99, 192, 168, 53, 1,
	0x08, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x03, 'a', 'b', 'c', 'd',
};

static void
fix_checksums(uint8_t *p)
{
	uint16_t s;

	p[10] = p[11] = 0;
	s = inet_checksum(p, 20);
	memcpy(p + 10, &s, 2);
	p[22] = p[23] = 0;
	s = inet_checksum(p + 20, sizeof(req) - 20);
	memcpy(p + 22, &s, 2);
}

static void
test_reply(void **state)
{
	uint8_t out[VL_IP_MAX];
	const char *why = NULL;
	struct ipv4_hdr_info ip;
	struct icmp_info ic;

	fix_checksums(req);
	assert_int_equal(echo_reply_build(req, sizeof(req), out, sizeof(out), &why),
	                 (int)sizeof(req));
	assert_int_equal(ipv4_parse(out, sizeof(req), &ip, &why), 0);
	assert_memory_equal(&ip.src, req + 16, 4);      /* swapped */
	assert_memory_equal(&ip.dst, req + 12, 4);
	assert_int_equal(inet_checksum(out, 20), 0);    /* IP checksum right */
	assert_int_equal(icmp_parse(ip.payload, ip.payload_len, &ic, &why), 0);
	assert_int_equal(ic.type, 0);
	assert_int_equal(ic.id, 7);
	assert_int_equal(ic.seq, 3);
	assert_memory_equal(ic.data, "abcd", 4);
	assert_int_equal(inet_checksum(ip.payload, ip.payload_len), 0);
}

static void
test_no_reply(void **state)
{
	uint8_t pkt[sizeof(req)], out[VL_IP_MAX];
	const char *why = NULL;

	fix_checksums(req);
	for (size_t n = 0; n < sizeof(req); n++) {         /* truncated */
		uint8_t *b = malloc(n ? n : 1);
		assert_non_null(b);
		memcpy(b, req, n);
		assert_int_equal(echo_reply_build(b, n, out, sizeof(out), &why), -1);
		free(b);
	}
	memcpy(pkt, req, sizeof(pkt));
	pkt[20] = 0;                                        /* already a reply */
	assert_int_equal(echo_reply_build(pkt, sizeof(pkt), out, sizeof(out), &why), -1);
	assert_string_equal(why, "not an ICMP echo request");
	memcpy(pkt, req, sizeof(pkt));
	pkt[9] = IPPROTO_UDP;
	assert_int_equal(echo_reply_build(pkt, sizeof(pkt), out, sizeof(out), &why), -1);
	memcpy(pkt, req, sizeof(pkt));
	pkt[6] = 0x20;                                      /* a fragment */
	assert_int_equal(echo_reply_build(pkt, sizeof(pkt), out, sizeof(out), &why), -1);
	assert_int_equal(echo_reply_build(req, sizeof(req), out, 16, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_no_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
