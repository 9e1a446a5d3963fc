/*
 * test_frame.c - the framing over the TLS stream, the AUTH and CONFIG
 * messages: table-driven cases, and a stream fed one byte at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../minivpn.h"

#define MTU 1500

static struct fbuf rx;

static int
setup(void **state)
{
	return fbuf_init(&rx, RX_BUF_LEN);
}

static int
teardown(void **state)
{
	fbuf_free(&rx);
	return 0;
}

static void
feed(const uint8_t *p, size_t n)
{
	size_t room;
	uint8_t *t = fbuf_tail(&rx, &room);

	assert_true(room >= n);
	memcpy(t, p, n);
	rx.len += n;
}

/* One line per case: header bytes, bytes present, expected result. */
static const struct {
	int line;
	uint8_t hdr[4];
	size_t have;     /* payload bytes present after the header */
	int want;        /* frame_next(): 1, 0 or -1 */
} cases[] = {
	{ __LINE__, { FRAME_KEEPALIVE, 0, 0, 0 }, 0, 1 },
	{ __LINE__, { FRAME_KEEPALIVE, 0, 0, 1 }, 1, -1 },   /* must be empty */
	{ __LINE__, { FRAME_DATA, 0, 0x05, 0xdc }, 1500, 1 }, /* = MTU */
	{ __LINE__, { FRAME_DATA, 0, 0x05, 0xdd }, 0, -1 },   /* MTU + 1, before payload */
	{ __LINE__, { FRAME_DATA, 0, 0, 19 }, 19, -1 },       /* shorter than IPv4 */
	{ __LINE__, { FRAME_DATA, 0, 0, 20 }, 19, 0 },        /* incomplete */
	{ __LINE__, { FRAME_DATA, 1, 0, 20 }, 20, -1 },       /* reserved byte */
	{ __LINE__, { 0, 0, 0, 0 }, 0, -1 },                  /* unknown type */
	{ __LINE__, { 99, 0, 0, 0 }, 0, -1 },
	{ __LINE__, { FRAME_ERROR, 0, 0, 0 }, 0, -1 },        /* needs a code */
	{ __LINE__, { FRAME_ERROR, 0, 0, 1 }, 1, 1 },
	{ __LINE__, { FRAME_AUTH, 0, 0x01, 0x30 }, 0, -1 },   /* 304 > AUTH max */
	{ __LINE__, { FRAME_CONFIG, 0, 0, 19 }, 0, -1 },
	{ __LINE__, { FRAME_CONFIG, 0, 0, 20 }, 20, 1 },
	{ __LINE__, { FRAME_CONFIG6, 0, 0, 0 }, 0, 1 },      /* the ask */
	{ __LINE__, { FRAME_CONFIG6, 0, 0x01, 0x64 }, 356, 1 }, /* = CONFIG6_LEN_MAX */
	{ __LINE__, { FRAME_CONFIG6, 0, 0x01, 0x65 }, 0, -1 },  /* one more */
	{ __LINE__, { 9, 0, 0, 0 }, 0, -1 },                  /* past the last type */
};

static void
test_frame_table(void **state)
{
	static uint8_t zeros[2000];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frame f;
		const char *why = NULL;
		int r;

		rx.off = rx.len = 0;
		feed(cases[i].hdr, 4);
		feed(zeros, cases[i].have);
		r = frame_next(&rx, MTU, &f, &why);
		if (r != cases[i].want)
			fail_msg("case at line %d: expected %d, got %d (%s)",
			         cases[i].line, cases[i].want, r, why ? why : "-");
		if (r == 1)
			assert_int_equal(f.len, cases[i].have);
	}
	assert_string_equal(frame_type_name(FRAME_CONFIG6), "CONFIG6");
}

/* Three frames, delivered one byte at a time, come out whole and in order. */
static void
test_frame_partial(void **state)
{
	struct fbuf tx;
	uint8_t pkt[60];
	struct frame f;
	const char *why;
	int got = 0;

	assert_int_equal(fbuf_init(&tx, 4096), 0);
	memset(pkt, 0x45, sizeof(pkt));
	assert_int_equal(frame_append(&tx, FRAME_DATA, pkt, sizeof(pkt)), 0);
	assert_int_equal(frame_append(&tx, FRAME_KEEPALIVE, NULL, 0), 0);
	assert_int_equal(frame_append_error(&tx, VPN_ERR_AUTH, "no"), 0);
	rx.off = rx.len = 0;
	for (size_t i = 0; i < tx.len; i++) {
		feed(tx.data + tx.off + i, 1);
		while (frame_next(&rx, MTU, &f, &why) == 1) {
			got++;
			if (got == 1) {
				assert_int_equal(f.type, FRAME_DATA);
				assert_int_equal(f.len, sizeof(pkt));
				assert_memory_equal(f.payload, pkt, sizeof(pkt));
			} else if (got == 2) {
				assert_int_equal(f.type, FRAME_KEEPALIVE);
			} else {
				enum vpn_error code;
				char text[16];

				frame_parse_error(&f, &code, text, sizeof(text));
				assert_int_equal(code, VPN_ERR_AUTH);
				assert_string_equal(text, "no");
			}
		}
	}
	assert_int_equal(got, 3);
	assert_int_equal(rx.len, 0);
	fbuf_free(&tx);
}

/* A full output buffer refuses a frame instead of overflowing. */
static void
test_frame_tx_full(void **state)
{
	struct fbuf tx;
	uint8_t pkt[100] = { 0 };
	int n = 0;

	assert_int_equal(fbuf_init(&tx, 1000), 0);
	while (frame_append(&tx, FRAME_DATA, pkt, sizeof(pkt)) == 0)
		n++;
	assert_int_equal(n, 9);     /* 9 * 104 = 936; a 10th needs 1040 */
	assert_true(tx.len <= tx.cap);
	fbuf_free(&tx);
}

/* The "retry in N s" hint of an ERROR frame (proto.h). */
static void
test_error_retry(void **state)
{
	static const struct { const char *text; unsigned want; } hints[] = {
		{ "server busy; retry in 7 s", 7 },
		{ "retry in 3600 s", 3600 },
		{ "retry in 3601 s", 0 },          /* out of range */
		{ "retry in 0 s", 0 },
		{ "retry in 12", 0 },              /* no unit */
		{ "retry in s", 0 },
		{ "retry in 99999999 s", 0 },      /* too many digits */
		{ "no hint here", 0 },
		{ "", 0 },
		{ "retry in 5 sx; retry in 9 s", 5 },
	};
	struct frame f;
	uint8_t p[1 + ERROR_TEXT_MAX];

	f.type = FRAME_ERROR;
	f.payload = p;
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		size_t n = strlen(hints[i].text);

		p[0] = VPN_ERR_BUSY;
		memcpy(p + 1, hints[i].text, n);
		f.len = 1 + n;
		assert_int_equal(frame_error_retry(&f), hints[i].want);
	}
	/* the frame ends before the unit (the byte after it is an 's'):
	 * nothing past the frame's length is read */
	memcpy(p + 1, "retry in 7 s", 12);
	f.len = 1 + 11;
	assert_int_equal(frame_error_retry(&f), 0);
	f.len = 1;
	assert_int_equal(frame_error_retry(&f), 0);
}

/* A buffer remembers how far it was written; release gives it back. */
static void
test_fbuf_highwater(void **state)
{
	struct fbuf b;
	size_t room;
	uint8_t *t;

	assert_int_equal(fbuf_init(&b, RX_BUF_LEN), 0);
	assert_int_equal(b.hw, 0);
	t = fbuf_tail(&b, &room);
	memset(t, 0xaa, 100);
	b.len += 100;
	fbuf_consume(&b, 100);
	assert_int_equal(b.hw, 100);
	assert_int_equal(frame_append(&b, FRAME_KEEPALIVE, NULL, 0), 0);
	assert_true(b.hw >= FRAME_HDR_LEN);
	fbuf_consume(&b, FRAME_HDR_LEN);
	/* idle: wiped and given back, reads as zeros, nothing written */
	fbuf_release(&b);
	assert_int_equal(b.hw, 0);
	assert_int_equal(b.data[0], 0);
	assert_int_equal(b.data[99], 0);
	/* a buffer holding data is not released */
	assert_int_equal(frame_append(&b, FRAME_KEEPALIVE, NULL, 0), 0);
	fbuf_release(&b);
	assert_int_equal(b.len, FRAME_HDR_LEN);
	assert_int_equal(b.data[0], FRAME_KEEPALIVE);
	fbuf_free(&b);
	assert_null(b.data);
}

static void
test_login_roundtrip(void **state)
{
	uint8_t msg[AUTH_LEN_MAX];
	struct in_addr want = { htonl(0xc0a83502) };
	struct login lg;
	const char *why;
	size_t n;

	n = login_encode("alice", "s3cret pass", want, msg);
	assert_int_equal(n, AUTH_FIXED_LEN + 5 + 11);
	assert_int_equal(login_parse(msg, n, &lg, &why), 0);
	assert_string_equal(lg.user, "alice");
	assert_string_equal(lg.password, "s3cret pass");
	assert_int_equal(lg.want.s_addr, want.s_addr);
	/* lengths that do not add up */
	assert_int_equal(login_parse(msg, n - 1, &lg, &why), -1);
	/* a user name that would be unsafe to log */
	msg[3] = 1;    /* reserved byte */
	assert_int_equal(login_parse(msg, n, &lg, &why), -1);
	msg[3] = 0;
	msg[AUTH_FIXED_LEN] = '\n';
	/* -2: a refusal for good (the client must not retry) */
	assert_int_equal(login_parse(msg, n, &lg, &why), -2);
	msg[AUTH_FIXED_LEN] = 'a';
	msg[0] = VPN_PROTO_VERSION + 1;
	assert_int_equal(login_parse(msg, n, &lg, &why), -2);
	msg[0] = VPN_PROTO_VERSION;
	/* too long */
	char longuser[AUTH_USER_MAX + 2];
	memset(longuser, 'a', sizeof(longuser) - 1);
	longuser[sizeof(longuser) - 1] = '\0';
	assert_int_equal(login_encode(longuser, "x", want, msg), 0);
}

static void
test_config_roundtrip(void **state)
{
	uint8_t msg[CONFIG_LEN_MAX];
	struct vpn_config in = {
		.addr = { htonl(0xc0a83502) }, .server = { htonl(0xc0a83501) },
		.prefixlen = 24, .mtu = 1500, .ka_interval = 10, .ka_timeout = 30,
		.nroutes = 2,
		.routes = { { { htonl(0xc0a83c00) }, 24 }, { { htonl(0x0a000000) }, 8 } },
	}, out;
	const char *why;
	size_t n = config_encode(&in, msg);

	assert_int_equal(n, CONFIG_FIXED_LEN + 2 * CONFIG_ROUTE_LEN);
	assert_int_equal(config_parse(msg, n, &out, &why), 0);
	assert_int_equal(out.addr.s_addr, in.addr.s_addr);
	assert_int_equal(out.mtu, 1500);
	assert_int_equal(out.nroutes, 2);
	assert_int_equal(out.routes[1].prefixlen, 8);
	assert_int_equal(config_parse(msg, n - 1, &out, &why), -1);
	msg[3] = 10;   /* MTU 1290 -> fine; MTU 10 is not */
	msg[2] = 0;
	assert_int_equal(config_parse(msg, n, &out, &why), -1);
}

/* CONFIGs a client must refuse before handing them to the kernel. */
static const struct {
	int line;
	uint32_t addr, server;
	int prefixlen;
	uint32_t route;
	int route_prefix;
	int want;
} config_cases[] = {
	{ __LINE__, 0xc0a83502, 0xc0a83501, 24, 0xc0a83c00, 24, 0 },
	{ __LINE__, 0x7f000002, 0x7f000001, 24, 0xc0a83c00, 24, -1 },  /* loopback */
	{ __LINE__, 0xe0000002, 0xc0a83501, 24, 0xc0a83c00, 24, -1 },  /* multicast */
	{ __LINE__, 0xffffffff, 0xc0a83501, 24, 0xc0a83c00, 24, -1 },  /* broadcast */
	{ __LINE__, 0x00000002, 0xc0a83501, 24, 0xc0a83c00, 24, -1 },  /* 0/8 */
	{ __LINE__, 0xc0a835ff, 0xc0a83501, 24, 0xc0a83c00, 24, -1 },  /* subnet bcast */
	{ __LINE__, 0xc0a83500, 0xc0a83501, 24, 0xc0a83c00, 24, -1 },  /* network */
	{ __LINE__, 0xc0a83501, 0xc0a83501, 24, 0xc0a83c00, 24, -1 },  /* = server */
	{ __LINE__, 0xc0a83502, 0xc0a83501, 24, 0xc0a83c05, 24, -1 },  /* host bits */
	{ __LINE__, 0xc0a83502, 0xc0a83501, 24, 0x00000000, 0, 0 },    /* default */
};

static void
test_config_table(void **state)
{
	uint8_t msg[CONFIG_LEN_MAX];
	struct vpn_config in = {
		.mtu = 1500, .ka_interval = 10, .ka_timeout = 30, .nroutes = 1,
	}, out;
	struct in_addr srv = { htonl(0x0a09000b) };   /* 10.9.0.11 */
	const char *why;
	size_t n;

	for (size_t i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]); i++) {
		in.addr.s_addr = htonl(config_cases[i].addr);
		in.server.s_addr = htonl(config_cases[i].server);
		in.prefixlen = config_cases[i].prefixlen;
		in.routes[0].dst.s_addr = htonl(config_cases[i].route);
		in.routes[0].prefixlen = config_cases[i].route_prefix;
		n = config_encode(&in, msg);
		if (config_parse(msg, n, &out, &why) != config_cases[i].want)
			fail_msg("config case at line %d: expected %d",
			         config_cases[i].line, config_cases[i].want);
	}
	/* reserved bytes must be 0 */
	in.addr.s_addr = htonl(0xc0a83502);
	in.server.s_addr = htonl(0xc0a83501);
	in.prefixlen = 24;
	in.routes[0].dst.s_addr = htonl(0xc0a83c00);
	in.routes[0].prefixlen = 24;
	n = config_encode(&in, msg);
	assert_int_equal(config_parse(msg, n, &out, &why), 0);
	assert_false(config_routes_cover(&out, srv));
	msg[18] = 1;
	assert_int_equal(config_parse(msg, n, &out, &why), -1);
	msg[18] = 0;
	msg[CONFIG_FIXED_LEN + 6] = 1;
	assert_int_equal(config_parse(msg, n, &out, &why), -1);
	/* a route over the server's own address: the client refuses it */
	in.routes[0].dst.s_addr = htonl(0x0a090000);
	in.routes[0].prefixlen = 16;
	n = config_encode(&in, msg);
	assert_int_equal(config_parse(msg, n, &out, &why), 0);
	assert_true(config_routes_cover(&out, srv));
	in.routes[0].dst.s_addr = 0;
	in.routes[0].prefixlen = 0;
	n = config_encode(&in, msg);
	assert_int_equal(config_parse(msg, n, &out, &why), 0);
	assert_true(config_routes_cover(&out, srv));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_frame_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_partial, setup, teardown),
		cmocka_unit_test(test_frame_tx_full),
		cmocka_unit_test(test_error_retry),
		cmocka_unit_test(test_fbuf_highwater),
		cmocka_unit_test(test_login_roundtrip),
		cmocka_unit_test(test_config_roundtrip),
		cmocka_unit_test(test_config_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
