/*
 * test_pool.c - the address pool and the login throttle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "../minivpn.h"

static struct in_addr
ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void
test_pool_slice(void **state)
{
	struct in_addr net;
	char a[INET_ADDRSTRLEN];
	int plen;

	(void)state;
	net = ip("192.168.53.0"), plen = 24;
	assert_int_equal(pool_slice(&net, &plen, 2, 2), 0);
	assert_string_equal(inet_ntop(AF_INET, &net, a, sizeof(a)), "192.168.53.128");
	assert_int_equal(plen, 25);
	net = ip("192.168.53.0"), plen = 24;
	assert_int_equal(pool_slice(&net, &plen, 1, 2), 0);
	assert_string_equal(inet_ntop(AF_INET, &net, a, sizeof(a)), "192.168.53.0");
	assert_int_equal(plen, 25);
	net = ip("10.8.0.0"), plen = 20;
	assert_int_equal(pool_slice(&net, &plen, 3, 4), 0);
	assert_string_equal(inet_ntop(AF_INET, &net, a, sizeof(a)), "10.8.8.0");
	assert_int_equal(plen, 22);
	net = ip("192.168.53.0"), plen = 24;
	assert_int_equal(pool_slice(&net, &plen, 1, 1), 0);
	assert_int_equal(plen, 24);
	assert_int_equal(pool_slice(&net, &plen, 1, 3), -1);   /* not a power of 2 */
	assert_int_equal(pool_slice(&net, &plen, 0, 2), -1);
	assert_int_equal(pool_slice(&net, &plen, 3, 2), -1);
	assert_int_equal(pool_slice(&net, &plen, 1, 128), -1); /* past /30 */
	assert_int_equal(plen, 24);
}

/* A client moved from slice 1/2 to the server of slice 2/2 keeps its home
 * address there; no one else can claim it. */
static void
test_pool_roam(void **state)
{
	static struct pool b;
	struct in_addr half1 = ip("192.168.53.0"), half2 = ip("192.168.53.128");
	struct in_addr home, a, other = ip("10.1.2.3"), srv1 = ip("192.168.53.1");
	int alice, dave, erin;

	(void)state;
	home = pool_home(half1, 25, "alice");
	assert_true((ntohl(home.s_addr) & 0xffffff80u) == ntohl(half1.s_addr));
	assert_true((ntohl(home.s_addr) & 0x7f) >= 2);
	assert_int_equal(pool_init(&b, half2, 25), 0);
	/* without pool_roam(), no address of another slice is given */
	assert_int_equal(pool_alloc(&b, "alice", home, &alice, &a), 0);
	assert_true(pool_contains(&b, a));
	pool_free(&b, a);
	pool_roam(&b, ip("192.168.53.0"), 24);
	assert_int_equal(pool_alloc(&b, "alice", home, &alice, &a), 0);
	assert_int_equal(a.s_addr, home.s_addr);
	assert_ptr_equal(pool_owner(&b, home), &alice);
	assert_false(pool_contains(&b, home));
	/* dave asks for alice's home: he gets one of b's own */
	assert_int_equal(pool_alloc(&b, "dave", home, &dave, &a), 0);
	assert_true(pool_contains(&b, a));
	/* outside the whole pool, and the other slice's server address */
	assert_int_equal(pool_alloc(&b, "erin", other, &erin, &a), 0);
	assert_true(pool_contains(&b, a));
	pool_free(&b, a);
	assert_int_equal(pool_alloc(&b, "erin", srv1, &erin, &a), 0);
	assert_true(pool_contains(&b, a));
	/* alice leaves: the address is free again, and hers to take */
	pool_free(&b, home);
	assert_null(pool_owner(&b, home));
	assert_int_equal(pool_alloc(&b, "alice", home, &alice, &a), 0);
	assert_int_equal(a.s_addr, home.s_addr);
}

static void
test_pool_alloc(void **state)
{
	static struct pool p;
	struct in_addr a, b, any = { 0 };
	char user[16];
	int owners[300];
	int n = 0;

	assert_int_equal(pool_init(&p, ip("192.168.53.0"), 24), 0);
	assert_int_equal(pool_server_addr(&p).s_addr, ip("192.168.53.1").s_addr);
	/* a user's address is a stable function of its name, in the pool */
	assert_int_equal(pool_alloc(&p, "alice", any, &owners[0], &a), 0);
	assert_true(pool_contains(&p, a));
	assert_ptr_equal(pool_owner(&p, a), &owners[0]);
	assert_int_equal(pool_alloc(&p, "bob", any, &owners[1], &b), 0);
	assert_true(pool_contains(&p, b));
	assert_int_not_equal(a.s_addr, b.s_addr);
	/* never the network, the server's or the broadcast address */
	assert_null(pool_owner(&p, ip("192.168.53.0")));
	assert_null(pool_owner(&p, ip("192.168.53.1")));
	assert_null(pool_owner(&p, ip("192.168.53.255")));
	assert_null(pool_owner(&p, ip("192.168.54.2")));
	/* freeing makes the address available again */
	pool_free(&p, b);
	assert_null(pool_owner(&p, b));
	/* fill it: .2 to .254 is 253 clients, each a different user */
	while (snprintf(user, sizeof(user), "u%d", n),
	       pool_alloc(&p, user, any, &owners[2], &a) == 0)
		n++;
	assert_int_equal(p.used, 253);
	assert_int_equal(n, 253 - 1);
	/* double free is harmless */
	pool_free(&p, ip("192.168.53.9"));
	pool_free(&p, ip("192.168.53.9"));
	assert_int_equal(p.used, 252);
	assert_int_equal(pool_alloc(&p, "zed", any, &owners[3], &a), 0);
	assert_int_equal(a.s_addr, ip("192.168.53.9").s_addr);
}

/* The address a client asks for goes only to the user who held it last. */
static void
test_pool_lease(void **state)
{
	static struct pool p;
	struct in_addr a, a2, b, c, any = { 0 };
	int o[4];

	assert_int_equal(pool_init(&p, ip("192.168.53.0"), 24), 0);
	assert_int_equal(pool_alloc(&p, "alice", any, &o[0], &a), 0);
	pool_free(&p, a);                 /* alice disconnects */
	/* bob asks for alice's address: free, but leased to alice */
	assert_int_equal(pool_alloc(&p, "bob", a, &o[1], &b), 0);
	assert_int_not_equal(b.s_addr, a.s_addr);
	/* alice gets it back, asked for or not */
	assert_int_equal(pool_alloc(&p, "alice", any, &o[0], &a2), 0);
	assert_int_equal(a2.s_addr, a.s_addr);
	pool_free(&p, a2);
	assert_int_equal(pool_alloc(&p, "alice", a, &o[0], &a2), 0);
	assert_int_equal(a2.s_addr, a.s_addr);
	/* a user may not pick a free address that was never its own */
	assert_int_equal(pool_alloc(&p, "carol", ip("192.168.53.200"), &o[2], &c), 0);
	assert_true(c.s_addr != ip("192.168.53.200").s_addr ||
	            c.s_addr == a.s_addr);   /* (only if its hash lands there) */

	/* A server restart (empty leases): bob asks first for alice's old
	 * address and does not get it; alice lands where she was. */
	assert_int_equal(pool_init(&p, ip("192.168.53.0"), 24), 0);
	assert_int_equal(pool_alloc(&p, "bob", a, &o[1], &c), 0);
	assert_int_equal(c.s_addr, b.s_addr);
	assert_int_equal(pool_alloc(&p, "alice", any, &o[0], &a2), 0);
	assert_int_equal(a2.s_addr, a.s_addr);
	/* a user holds one lease: a new address forgets the old one */
	assert_string_equal(p.lease[ntohl(a.s_addr) & 0xff], "alice");
}

static void
test_pool_bounds(void **state)
{
	static struct pool p;
	struct in_addr a, any = { 0 };
	int o;

	assert_int_equal(pool_init(&p, ip("10.0.0.0"), 8), -1);
	assert_int_equal(pool_init(&p, ip("10.0.0.0"), 31), -1);
	assert_int_equal(pool_init(&p, ip("10.1.2.0"), 30), 0);
	assert_int_equal(pool_alloc(&p, "alice", any, &o, &a), 0);   /* just .2 */
	assert_int_equal(a.s_addr, ip("10.1.2.2").s_addr);
	assert_int_equal(pool_alloc(&p, "bob", any, &o, &a), -1);
	/* a full pool: bob takes over alice's lease once she is gone */
	pool_free(&p, a);
	assert_int_equal(pool_alloc(&p, "bob", any, &o, &a), 0);
	assert_int_equal(a.s_addr, ip("10.1.2.2").s_addr);
}

static void
test_throttle(void **state)
{
	static struct throttle t;
	struct in_addr a = ip("10.9.0.5"), b = ip("10.9.0.6");
	uint64_t now = 1000000;

	assert_int_equal(throttle_delay(&t, a, now), 0);
	assert_int_equal(throttle_begin(&t, a, now), 0);
	assert_false(throttle_end(&t, a, "alice", AUTH_BAD, now));
	assert_int_equal(throttle_delay(&t, a, now), THROTTLE_DELAY_MS);
	assert_int_equal(throttle_delay(&t, b, now), 0);
	for (int i = 2; i < THROTTLE_BAN_AFTER; i++) {
		assert_int_equal(throttle_begin(&t, a, now + i), 0);
		assert_false(throttle_end(&t, a, "alice", AUTH_BAD, now + i));
	}
	assert_int_equal(throttle_delay(&t, a, now), THROTTLE_DELAY_MAX);
	assert_int_equal(throttle_banned(&t, a, now), 0);
	assert_int_equal(throttle_begin(&t, a, now + 10), 0);
	assert_true(throttle_end(&t, a, "alice", AUTH_BAD, now + 10));
	assert_int_equal(throttle_banned(&t, a, now + 10), THROTTLE_BAN_SECS);
	assert_int_equal(throttle_begin(&t, a, now + 10), THROTTLE_BAN_SECS);
	/* a success does not lift a ban */
	assert_false(throttle_end(&t, a, "alice", AUTH_OK, now + 20));
	assert_true(throttle_banned(&t, a, now + 20) > 0);
	/* the ban ends, and old failures leave the window */
	now += (uint64_t)(THROTTLE_BAN_SECS + THROTTLE_WINDOW + 1) * 1000;
	assert_int_equal(throttle_banned(&t, a, now), 0);
	assert_int_equal(throttle_delay(&t, a, now), 0);
}

/* Checks in flight count against the limit at AUTH time. */
static void
test_throttle_inflight(void **state)
{
	static struct throttle t;
	struct in_addr a = ip("10.9.0.7");
	uint64_t now = 5000000;
	int i;

	/* 60 parallel AUTHs: only THROTTLE_BAN_AFTER get checked */
	for (i = 0; i < 60; i++)
		if (throttle_begin(&t, a, now) != 0)
			break;
	assert_int_equal(i, THROTTLE_BAN_AFTER);
	assert_int_equal(throttle_begin(&t, a, now), THROTTLE_BUSY_SECS);
	/* an abandoned check (client gone) frees its place, no failure */
	assert_false(throttle_end(&t, a, "x", AUTH_ERROR, now));
	assert_int_equal(throttle_delay(&t, a, now), 0);
	assert_int_equal(throttle_begin(&t, a, now), 0);
	/* the verdicts come back: the last failure bans */
	for (i = 0; i < THROTTLE_BAN_AFTER - 1; i++)
		assert_false(throttle_end(&t, a, "victim", AUTH_BAD, now + 1));
	assert_true(throttle_end(&t, a, "victim", AUTH_BAD, now + 1));
	assert_true(throttle_banned(&t, a, now + 2) > 0);
}

/* AUTH and leaving before the verdict counts as a failure: five ban. */
static void
test_throttle_abandoned(void **state)
{
	static struct throttle t;
	struct in_addr a = ip("10.9.0.9");
	uint64_t now = 7000000;
	int i;

	for (i = 0; i < THROTTLE_BAN_AFTER - 1; i++) {
		assert_int_equal(throttle_begin(&t, a, now + i), 0);
		assert_false(throttle_end(&t, a, "x", AUTH_ABANDONED, now + i));
	}
	assert_int_equal(throttle_delay(&t, a, now + 10),
	                 (THROTTLE_BAN_AFTER - 1) * THROTTLE_DELAY_MS >
	                 THROTTLE_DELAY_MAX ? THROTTLE_DELAY_MAX
	                 : (THROTTLE_BAN_AFTER - 1) * THROTTLE_DELAY_MS);
	assert_int_equal(throttle_begin(&t, a, now + 10), 0);
	assert_true(throttle_end(&t, a, "x", AUTH_ABANDONED, now + 10));
	/* then even a right password is refused, and each refusal counted */
	assert_int_equal(throttle_begin(&t, a, now + 20), THROTTLE_BAN_SECS);
	assert_int_equal(throttle_begin(&t, a, now + 30), THROTTLE_BAN_SECS);
	assert_int_equal(t.e[0].refused + t.e[1].refused + t.e[2].refused, 2);
}

/* A good login forgets only its own user's failures. */
static void
test_throttle_success(void **state)
{
	static struct throttle t;
	struct in_addr a = ip("10.9.0.8");
	uint64_t now = 9000000;

	for (int i = 0; i < 3; i++) {
		assert_int_equal(throttle_begin(&t, a, now), 0);
		assert_false(throttle_end(&t, a, "victim", AUTH_BAD, now));
	}
	assert_int_equal(throttle_begin(&t, a, now), 0);
	assert_false(throttle_end(&t, a, "mallory", AUTH_BAD, now));
	/* mallory logs in with her own valid account: her typo is forgotten,
	 * the three guesses at victim's password are not */
	assert_int_equal(throttle_begin(&t, a, now), 0);
	assert_false(throttle_end(&t, a, "mallory", AUTH_OK, now));
	assert_int_equal(throttle_delay(&t, a, now), 3 * THROTTLE_DELAY_MS);
	assert_int_equal(throttle_begin(&t, a, now), 0);
	assert_false(throttle_end(&t, a, "victim", AUTH_BAD, now));
	assert_int_equal(throttle_begin(&t, a, now), 0);
	assert_true(throttle_end(&t, a, "other", AUTH_BAD, now));
}

/* A full table reuses entries that are not banned before banned ones. */
static void
test_throttle_evict(void **state)
{
	static struct throttle t;
	struct in_addr banned = ip("10.1.0.1"), x;
	uint64_t now = 1000000;

	for (int i = 0; i < THROTTLE_BAN_AFTER; i++) {
		assert_int_equal(throttle_begin(&t, banned, now), 0);
		(void)throttle_end(&t, banned, "u", AUTH_BAD, now);
	}
	assert_true(throttle_banned(&t, banned, now) > 0);
	/* 2 x THROTTLE_SLOTS other addresses fail once each, later */
	for (uint32_t i = 0; i < 2 * THROTTLE_SLOTS; i++) {
		x.s_addr = htonl(0x0a020000u + i);
		assert_int_equal(throttle_begin(&t, x, now + 1 + i), 0);
		(void)throttle_end(&t, x, "u", AUTH_BAD, now + 1 + i);
	}
	assert_true(throttle_banned(&t, banned, now + 1000) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_alloc),
		cmocka_unit_test(test_pool_lease),
		cmocka_unit_test(test_pool_bounds),
		cmocka_unit_test(test_pool_slice),
		cmocka_unit_test(test_pool_roam),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_throttle_inflight),
		cmocka_unit_test(test_throttle_success),
		cmocka_unit_test(test_throttle_abandoned),
		cmocka_unit_test(test_throttle_evict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
