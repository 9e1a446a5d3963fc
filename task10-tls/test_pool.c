/*
 * test_pool.c - the address pool and the login throttle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "minivpn.h"

static struct in_addr
ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void
test_pool_alloc(void **state)
{
	static struct pool p;
	struct in_addr a, any = { 0 };
	int owners[300];
	int n = 0;

	assert_int_equal(pool_init(&p, ip("192.168.53.0"), 24), 0);
	assert_int_equal(pool_server_addr(&p).s_addr, ip("192.168.53.1").s_addr);
	/* the first client gets .2, a wanted free address is honoured */
	assert_int_equal(pool_alloc(&p, any, &owners[0], &a), 0);
	assert_int_equal(a.s_addr, ip("192.168.53.2").s_addr);
	assert_int_equal(pool_alloc(&p, ip("192.168.53.77"), &owners[1], &a), 0);
	assert_int_equal(a.s_addr, ip("192.168.53.77").s_addr);
	/* a wanted address that is taken, the server's, or outside: any other */
	assert_int_equal(pool_alloc(&p, ip("192.168.53.77"), &owners[2], &a), 0);
	assert_int_equal(a.s_addr, ip("192.168.53.3").s_addr);
	assert_int_equal(pool_alloc(&p, ip("192.168.53.1"), &owners[3], &a), 0);
	assert_int_equal(a.s_addr, ip("192.168.53.4").s_addr);
	assert_int_equal(pool_alloc(&p, ip("10.0.0.1"), &owners[4], &a), 0);
	assert_int_equal(a.s_addr, ip("192.168.53.5").s_addr);
	assert_ptr_equal(pool_owner(&p, ip("192.168.53.77")), &owners[1]);
	assert_null(pool_owner(&p, ip("192.168.53.6")));
	assert_null(pool_owner(&p, ip("192.168.53.255")));
	assert_null(pool_owner(&p, ip("192.168.54.2")));
	/* freeing makes the address available again */
	pool_free(&p, ip("192.168.53.3"));
	assert_null(pool_owner(&p, ip("192.168.53.3")));
	assert_int_equal(pool_alloc(&p, any, &owners[5], &a), 0);
	assert_int_equal(a.s_addr, ip("192.168.53.3").s_addr);
	/* fill it: .2 to .254 is 253 clients */
	while (pool_alloc(&p, any, &owners[6], &a) == 0)
		n++;
	assert_int_equal(p.used, 253);
	assert_int_equal(n, 253 - 5);
	/* double free is harmless */
	pool_free(&p, ip("192.168.53.9"));
	pool_free(&p, ip("192.168.53.9"));
	assert_int_equal(p.used, 252);
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
	assert_int_equal(pool_alloc(&p, any, &o, &a), 0);   /* just .2 */
	assert_int_equal(a.s_addr, ip("10.1.2.2").s_addr);
	assert_int_equal(pool_alloc(&p, any, &o, &a), -1);
}

static void
test_throttle(void **state)
{
	static struct throttle t;
	struct in_addr a = ip("10.9.0.5"), b = ip("10.9.0.6");
	uint64_t now = 1000000;

	assert_int_equal(throttle_delay(&t, a, now), 0);
	assert_false(throttle_fail(&t, a, now));
	assert_int_equal(throttle_delay(&t, a, now), THROTTLE_DELAY_MS);
	assert_int_equal(throttle_delay(&t, b, now), 0);
	for (int i = 2; i < THROTTLE_BAN_AFTER; i++)
		assert_false(throttle_fail(&t, a, now + i));
	assert_int_equal(throttle_delay(&t, a, now), THROTTLE_DELAY_MAX);
	assert_int_equal(throttle_banned(&t, a, now), 0);
	assert_true(throttle_fail(&t, a, now + 10));
	assert_int_equal(throttle_banned(&t, a, now + 10), THROTTLE_BAN_SECS);
	/* a success does not lift a ban */
	throttle_success(&t, a, now + 20);
	assert_true(throttle_banned(&t, a, now + 20) > 0);
	/* the ban ends, and old failures leave the window */
	now += (uint64_t)(THROTTLE_BAN_SECS + THROTTLE_WINDOW + 1) * 1000;
	assert_int_equal(throttle_banned(&t, a, now), 0);
	assert_int_equal(throttle_delay(&t, a, now), 0);
	/* a success wipes the record */
	assert_false(throttle_fail(&t, b, now));
	throttle_success(&t, b, now);
	assert_int_equal(throttle_delay(&t, b, now), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_alloc),
		cmocka_unit_test(test_pool_bounds),
		cmocka_unit_test(test_throttle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
