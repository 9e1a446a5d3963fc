/*
 * test_config6.c - the CONFIG6 message (config6msg.c): round trips with
 * 0, 1 and 16 routes, a table of malformed messages that must each be
 * refused with a reason naming the field, and the pool6 arithmetic
 * (pool6_addr(), pool6_offset()).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../minivpn.h"

static struct in6_addr
a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* fd00:53::2 (server fd00:53::1) in a /64, two routes: fd00:99::/32 and
 * the default route. */
static struct vpn_config6
base(void)
{
	struct vpn_config6 c;

	memset(&c, 0, sizeof(c));
	c.addr = a6("fd00:53::2");
	c.server = a6("fd00:53::1");
	c.prefixlen = 64;
	c.nroutes = 2;
	c.routes[0].dst = a6("fd00:99::");
	c.routes[0].prefixlen = 32;
	c.routes[1].dst = a6("::");
	c.routes[1].prefixlen = 0;
	return c;
}

static void
assert_same(const struct vpn_config6 *x, const struct vpn_config6 *y)
{
	assert_memory_equal(&x->addr, &y->addr, 16);
	assert_memory_equal(&x->server, &y->server, 16);
	assert_int_equal(x->prefixlen, y->prefixlen);
	assert_int_equal(x->nroutes, y->nroutes);
	for (unsigned i = 0; i < x->nroutes; i++) {
		assert_memory_equal(&x->routes[i].dst, &y->routes[i].dst, 16);
		assert_int_equal(x->routes[i].prefixlen, y->routes[i].prefixlen);
	}
}

/* Encoded, parsed back, encoded again: the same config, the same bytes. */
static void
round_trip(const struct vpn_config6 *in, size_t want_len)
{
	uint8_t msg[CONFIG6_LEN_MAX], again[CONFIG6_LEN_MAX];
	struct vpn_config6 out;
	const char *why = NULL;
	size_t n = config6_encode(in, msg);

	assert_int_equal(n, want_len);
	if (config6_parse(msg, n, &out, &why) != 0)
		fail_msg("refused: %s", why);
	assert_same(in, &out);
	assert_int_equal(config6_encode(&out, again), n);
	assert_memory_equal(msg, again, n);
}

static void
test_round_trip(void **state)
{
	struct vpn_config6 c = base();
	uint8_t msg[CONFIG6_LEN_MAX];

	c.nroutes = 0;
	round_trip(&c, CONFIG6_FIXED_LEN);
	c.nroutes = 1;
	round_trip(&c, CONFIG6_FIXED_LEN + CONFIG6_ROUTE_LEN);
	/* the byte layout of that one: version, prefix, count, 0, addresses */
	assert_int_equal(config6_encode(&c, msg), 56);
	assert_int_equal(msg[0], CONFIG6_VERSION);
	assert_int_equal(msg[1], 64);
	assert_int_equal(msg[2], 1);
	assert_int_equal(msg[3], 0);
	assert_memory_equal(msg + 4, &c.addr, 16);
	assert_memory_equal(msg + 20, &c.server, 16);
	assert_memory_equal(msg + 36, &c.routes[0].dst, 16);
	assert_int_equal(msg[52], 32);

	/* the fullest: 16 routes, fd00:100::/40 ... fd00:10f::/40, and the
	 * prefix lengths at both ends */
	c.nroutes = CONFIG6_ROUTES_MAX;
	for (unsigned i = 0; i < CONFIG6_ROUTES_MAX; i++) {
		memset(&c.routes[i].dst, 0, 16);
		c.routes[i].dst.s6_addr[0] = 0xfd;
		c.routes[i].dst.s6_addr[2] = 0x01;
		c.routes[i].dst.s6_addr[3] = (uint8_t)i;
		c.routes[i].prefixlen = 40;
	}
	c.routes[14].dst = a6("fd00:99::1");
	c.routes[14].prefixlen = 128;
	c.routes[15].dst = a6("::");
	c.routes[15].prefixlen = 0;
	round_trip(&c, CONFIG6_LEN_MAX);

	c = base();
	c.prefixlen = POOL6_PREFIX_MAX;
	c.addr = a6("fd00:53::fe");
	round_trip(&c, 76);
	c.prefixlen = POOL6_PREFIX_MIN;
	c.addr = a6("fd00:53::ffff:ffff:ffff:fffe");
	round_trip(&c, 76);
}

/*
 * One line per malformed message: base() encoded (76 bytes), then one byte
 * set (at >= 0), then an address written at addr_at (> 0), and len bytes
 * of it handed to config6_parse(), which must say `want`.
 */
static const struct {
	int line;
	size_t len;
	int at;
	uint8_t val;
	int addr_at;
	const char *addr;
	const char *want;
} bad[] = {
	{ __LINE__, 0,   -1, 0, 0, NULL, "CONFIG6 of 0 bytes" },
	{ __LINE__, 35,  -1, 0, 0, NULL, "CONFIG6 of 35 bytes" },
	{ __LINE__, 75,  -1, 0, 0, NULL, "75 bytes with route count 2" },
	{ __LINE__, 77,  -1, 0, 0, NULL, "77 bytes with route count 2" },
	{ __LINE__, 76,  2, 3,    0, NULL, "route count 3" },   /* 2 given */
	{ __LINE__, 76,  2, 1,    0, NULL, "route count 1" },   /* 1 left over */
	{ __LINE__, 376, 2, 17,   0, NULL, "route count 17" },  /* > 16 */
	{ __LINE__, 76,  0, 2,    0, NULL, "version 2" },
	{ __LINE__, 76,  0, 0,    0, NULL, "version 0" },
	{ __LINE__, 76,  3, 1,    0, NULL, "reserved byte 0x01" },
	{ __LINE__, 76,  1, 63,   0, NULL, "prefix /63" },
	{ __LINE__, 76,  1, 121,  0, NULL, "prefix /121" },
	{ __LINE__, 76,  1, 0,    0, NULL, "prefix /0" },
	{ __LINE__, 76, -1, 0, 4, "::",              "client address :: is unspecified" },
	{ __LINE__, 76, -1, 0, 4, "::1",             "client address ::1 is loopback" },
	{ __LINE__, 76, -1, 0, 4, "ff02::2",         "client address ff02::2 is multicast" },
	{ __LINE__, 76, -1, 0, 4, "fe80::2",         "client address fe80::2 is link-local" },
	{ __LINE__, 76, -1, 0, 4, "febf::2",         "client address febf::2 is link-local" },
	{ __LINE__, 76, -1, 0, 4, "::ffff:10.0.0.2", "client address ::ffff:10.0.0.2 is IPv4-mapped" },
	{ __LINE__, 76, -1, 0, 20, "::",             "server address :: is unspecified" },
	{ __LINE__, 76, -1, 0, 20, "::1",            "server address ::1 is loopback" },
	{ __LINE__, 76, -1, 0, 20, "ff05::1",        "server address ff05::1 is multicast" },
	{ __LINE__, 76, -1, 0, 20, "fe80::1",        "server address fe80::1 is link-local" },
	{ __LINE__, 76, -1, 0, 20, "::ffff:10.0.0.1", "server address ::ffff:10.0.0.1 is IPv4-mapped" },
	{ __LINE__, 76, -1, 0, 4, "fd00:53::1",      "client address fd00:53::1 is the server" },
	{ __LINE__, 76, -1, 0, 4, "fd00:54::2",      "server address fd00:53::1 is not in the client's prefix fd00:54::2/64" },
	/* /120: the last byte is the host part, 0x101 is in another /120 */
	{ __LINE__, 76,  1, 120, 4, "fd00:53::101",  "not in the client's prefix fd00:53::101/120" },
	{ __LINE__, 76, 52, 129,  0, NULL, "route 0 prefix /129" },
	{ __LINE__, 76, 72, 200,  0, NULL, "route 1 prefix /200" },
	{ __LINE__, 76, 52, 16,   0, NULL, "route 0 fd00:99::/16 has host bits set" },
	{ __LINE__, 76, 52, 31,   0, NULL, "route 0 fd00:99::/31 has host bits set" },
	{ __LINE__, 76, -1, 0, 56, "::1",            "route 1 ::1/0 has host bits set" },
	{ __LINE__, 76, 53, 1,    0, NULL, "route 0 reserved bytes 010000" },
	{ __LINE__, 76, 75, 0x80, 0, NULL, "route 1 reserved bytes 000080" },
};

static void
test_bad(void **state)
{
	struct vpn_config6 in = base(), out;
	uint8_t msg[CONFIG6_LEN_MAX + 64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		memset(msg, 0, sizeof(msg));
		assert_int_equal(config6_encode(&in, msg), 76);
		if (bad[i].at >= 0)
			msg[bad[i].at] = bad[i].val;
		if (bad[i].addr != NULL) {
			struct in6_addr a = a6(bad[i].addr);

			memcpy(msg + bad[i].addr_at, &a, 16);
		}
		if (config6_parse(msg, bad[i].len, &out, &why) != -1)
			fail_msg("line %d: accepted", bad[i].line);
		if (why == NULL || strstr(why, bad[i].want) == NULL)
			fail_msg("line %d: reason \"%s\", expected it to say \"%s\"",
			         bad[i].line, why ? why : "(none)", bad[i].want);
	}
}

/* The boundaries that must still be taken. */
static void
test_edges(void **state)
{
	struct vpn_config6 c = base(), out;
	uint8_t msg[CONFIG6_LEN_MAX];
	const char *why = NULL;
	size_t n;

	/* fec0::/10 is not link-local (fe80::/10 ends at febf) */
	c.addr = a6("fec0::2");
	c.server = a6("fec0::1");
	n = config6_encode(&c, msg);
	assert_int_equal(config6_parse(msg, n, &out, &why), 0);
	/* the client's and server's prefix agree in the first 120 bits only */
	c.prefixlen = 120;
	c.addr = a6("fd00:53::ff");
	c.server = a6("fd00:53::1");
	n = config6_encode(&c, msg);
	assert_int_equal(config6_parse(msg, n, &out, &why), 0);
	/* a route prefix of 128 with every bit its own */
	c.routes[0].dst = a6("fd00:99::ffff");
	c.routes[0].prefixlen = 128;
	n = config6_encode(&c, msg);
	assert_int_equal(config6_parse(msg, n, &out, &why), 0);
	assert_int_equal(out.routes[0].prefixlen, 128);
}

static void
assert_addr(struct in6_addr a, const char *want)
{
	char s[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(AF_INET6, &a, s, sizeof(s)));
	assert_string_equal(s, want);
}

static void
test_pool6(void **state)
{
	struct in6_addr net = a6("fd00:53::"), a;
	uint32_t off = 77;

	a = pool6_addr(&net, 64, 5);
	assert_addr(a, "fd00:53::5");
	assert_int_equal(pool6_offset(&net, 64, &a, &off), 0);
	assert_int_equal(off, 5);
	/* net's host bits are ignored, both ways */
	net = a6("fd00:53::abcd");
	assert_addr(pool6_addr(&net, 64, 5), "fd00:53::5");
	assert_int_equal(pool6_offset(&net, 64, &a, &off), 0);
	assert_int_equal(off, 5);
	net = a6("fd00:53::");
	/* the whole 32 bits */
	a = pool6_addr(&net, 64, 0xfffffffe);
	assert_addr(a, "fd00:53::ffff:fffe");
	assert_int_equal(pool6_offset(&net, 64, &a, &off), 0);
	assert_int_equal(off, 0xfffffffe);
	/* a /120 has 8 host bits: offset 300 (0x12c) keeps its low 8, 0x2c */
	a = pool6_addr(&net, 120, 300);
	assert_addr(a, "fd00:53::2c");
	assert_int_equal(pool6_offset(&net, 120, &a, &off), 0);
	assert_int_equal(off, 44);
	/* and a /116 its low 12: 0x12c whole */
	assert_addr(pool6_addr(&net, 116, 300), "fd00:53::12c");

	/* outside the prefix */
	off = 77;
	a = a6("fd00:53::12c");
	assert_int_equal(pool6_offset(&net, 120, &a, &off), -1);
	a = a6("fd00:54::5");
	assert_int_equal(pool6_offset(&net, 64, &a, &off), -1);
	a = a6("fd00:53:0:1::5");
	assert_int_equal(pool6_offset(&net, 64, &a, &off), -1);
	/* inside, but the host part is wider than 32 bits */
	a = a6("fd00:53::1:0:0:5");
	assert_int_equal(pool6_offset(&net, 64, &a, &off), -1);
	a = a6("fd00:53::1:0:5");
	assert_int_equal(pool6_offset(&net, 64, &a, &off), -1);
	/* prefix lengths outside 0..128 */
	a = a6("fd00:53::5");
	assert_int_equal(pool6_offset(&net, -1, &a, &off), -1);
	assert_int_equal(pool6_offset(&net, 129, &a, &off), -1);
	assert_int_equal(pool6_offset(&net, 129, &net, &off), -1);
	assert_int_equal(pool6_offset(&net, -1, &net, &off), -1);
	assert_int_equal(off, 77);            /* untouched when refused */
	/* /128: the address itself, offset 0; /96: 32 host bits */
	assert_int_equal(pool6_offset(&a, 128, &a, &off), 0);
	assert_int_equal(off, 0);
	assert_addr(pool6_addr(&a, 128, 9), "fd00:53::5");
	a = pool6_addr(&net, 96, 0x0a000001);
	assert_addr(a, "fd00:53::a00:1");
	assert_int_equal(pool6_offset(&net, 96, &a, &off), 0);
	assert_int_equal(off, 0x0a000001);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_pool6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
