/*
 * test_proxyproto.c - the PROXY protocol v2 parser and the trusted list:
 * a table of headers, good and bad, each fed whole and byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "../proxyproto.h"

#define SIG "\r\n\r\n\0\r\nQUIT\n"
/* PROXY TCP4 10.9.0.5:40312 -> 10.9.0.11:4433 */
#define INET4 "\x0a\x09\x00\x05" "\x0a\x09\x00\x0b" "\x9d\x78" "\x11\x51"

struct pcase {
	const char *name;
	const char *bytes;
	size_t      len;
	int         want;         /* 1 good, -1 refused */
	const char *why;          /* a word of the reason when refused */
	int         cmd;
};

#define C(name, lit, want, why, cmd) { name, lit, sizeof(lit) - 1, want, why, cmd }

static const struct pcase cases[] = {
	C("proxy tcp4", SIG "\x21\x11\x00\x0c" INET4, 1, NULL, PROXY_CMD_PROXY),
	C("proxy tcp4 + TLVs", SIG "\x21\x11\x00\x16" INET4
	  "\x01\x00\x02h2" "\x04\x00\x02" "ab", 1, NULL, PROXY_CMD_PROXY),
	C("proxy tcp4 + empty TLV", SIG "\x21\x11\x00\x0f" INET4 "\x05\x00\x00",
	  1, NULL, PROXY_CMD_PROXY),
	C("local, no addresses", SIG "\x20\x00\x00\x00", 1, NULL, PROXY_CMD_LOCAL),
	C("local with an address block", SIG "\x20\x11\x00\x0c" INET4, 1, NULL,
	  PROXY_CMD_LOCAL),
	C("no signature (TLS ClientHello)", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc"
	  "\x03\x03\x00\x00\x00\x00\x00", -1, "signature", 0),
	C("PROXY v1 text", "PROXY TCP4 10.9.0.5 10.9.0.11 40312 4433\r\n", -1,
	  "signature", 0),
	C("version 1 nibble", SIG "\x11\x11\x00\x0c" INET4, -1, "version", 0),
	C("version 3", SIG "\x31\x11\x00\x0c" INET4, -1, "version", 0),
	C("command 2", SIG "\x22\x11\x00\x0c" INET4, -1, "command", 0),
	C("proxy unspec", SIG "\x21\x00\x00\x00", -1, "IPv4", 0),
	C("proxy tcp6", SIG "\x21\x21\x00\x24" INET4 INET4 INET4, -1, "IPv4", 0),
	C("proxy udp4", SIG "\x21\x12\x00\x0c" INET4, -1, "IPv4", 0),
	C("proxy unix", SIG "\x21\x31\x00\x0c" INET4, -1, "IPv4", 0),
	C("length below the addresses", SIG "\x21\x11\x00\x08" "\x0a\x09\x00\x05"
	  "\x0a\x09\x00\x0b", -1, "shorter", 0),
	C("length over the bound", SIG "\x21\x11\x02\x01", -1, "long", 0),
	C("length 65535", SIG "\x21\x11\xff\xff", -1, "long", 0),
	C("TLV value past the end", SIG "\x21\x11\x00\x10" INET4 "\x01\x00\x05h",
	  -1, "TLV", 0),
	C("TLV header cut", SIG "\x21\x11\x00\x0e" INET4 "\x01\x00", -1, "TLV", 0),
	C("client address 0.0.0.0", SIG "\x21\x11\x00\x0c" "\0\0\0\0"
	  "\x0a\x09\x00\x0b" "\x9d\x78" "\x11\x51", -1, "client address", 0),
	C("client port 0", SIG "\x21\x11\x00\x0c" "\x0a\x09\x00\x05"
	  "\x0a\x09\x00\x0b" "\x00\x00" "\x11\x51", -1, "client address", 0),
};

static void
check_case(const struct pcase *c)
{
	struct proxy_hdr h;
	const char *why = NULL;
	size_t need = 0, have;
	int r;

	/* Whole, with the client's TLS bytes after it: only the header is taken. */
	uint8_t buf[PROXY_HDR_MAX + 8];
	memcpy(buf, c->bytes, c->len);
	memcpy(buf + c->len, "\x16\x03\x01\x00", 4);
	r = proxy_parse(buf, c->len + 4, &h, &need, &why);
	print_message("%s: %d %s\n", c->name, r, why ? why : "");
	assert_int_equal(r, c->want);
	if (r == 1) {
		assert_int_equal(h.len, c->len);
		assert_int_equal(h.cmd, c->cmd);
	} else {
		assert_non_null(why);
		assert_non_null(strstr(why, c->why));
	}
	/* Byte by byte, as a slow sender delivers it: "more" never asks past
	 * the header, and the verdict is the same. */
	for (have = 0; have <= c->len; have++) {
		why = NULL;
		r = proxy_parse(buf, have, &h, &need, &why);
		if (r != 0)
			break;
		assert_true(need > have);
		assert_true(need <= c->len || c->want == -1);
	}
	assert_int_equal(r, c->want);
	if (r == 1)
		assert_int_equal(have, c->len);
}

static void
test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void
test_addresses(void **state)
{
	static const char hdr[] = SIG "\x21\x11\x00\x0c" INET4;
	struct proxy_hdr h;
	const char *why;
	size_t need;
	char a[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(proxy_parse((const uint8_t *)hdr, sizeof(hdr) - 1, &h,
	                             &need, &why), 1);
	assert_string_equal(inet_ntop(AF_INET, &h.src.sin_addr, a, sizeof(a)),
	                    "10.9.0.5");
	assert_int_equal(ntohs(h.src.sin_port), 40312);
	assert_string_equal(inet_ntop(AF_INET, &h.dst.sin_addr, a, sizeof(a)),
	                    "10.9.0.11");
	assert_int_equal(ntohs(h.dst.sin_port), 4433);
	assert_int_equal(h.src.sin_family, AF_INET);
}

static struct in_addr
ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void
test_trust(void **state)
{
	struct proxy_net nets[PROXY_TRUST_MAX];
	const char *why;
	char many[400] = "";

	(void)state;
	assert_int_equal(proxy_trust_parse("10.9.0.11/32,192.168.60.0/24",
	                                   nets, &why), 2);
	assert_true(proxy_trusted(nets, 2, ip("10.9.0.11")));
	assert_false(proxy_trusted(nets, 2, ip("10.9.0.12")));
	assert_true(proxy_trusted(nets, 2, ip("192.168.60.77")));
	assert_false(proxy_trusted(nets, 2, ip("192.168.61.1")));
	assert_false(proxy_trusted(nets, 0, ip("10.9.0.11")));
	assert_int_equal(proxy_trust_parse("127.0.0.1", nets, &why), 1);
	assert_true(proxy_trusted(nets, 1, ip("127.0.0.1")));
	assert_false(proxy_trusted(nets, 1, ip("127.0.0.2")));
	assert_int_equal(proxy_trust_parse("0.0.0.0/0", nets, &why), 1);
	assert_true(proxy_trusted(nets, 1, ip("8.8.8.8")));
	assert_int_equal(proxy_trust_parse("", nets, &why), -1);
	assert_int_equal(proxy_trust_parse("10.9.0.11/33", nets, &why), -1);
	assert_int_equal(proxy_trust_parse("10.9.0.11/", nets, &why), -1);
	assert_int_equal(proxy_trust_parse("10.9.0.11,", nets, &why), -1);
	assert_int_equal(proxy_trust_parse("host.example", nets, &why), -1);
	for (int i = 0; i < PROXY_TRUST_MAX + 1; i++)
		strcat(many, i ? ",10.0.0.1" : "10.0.0.1");
	assert_int_equal(proxy_trust_parse(many, nets, &why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_trust),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
