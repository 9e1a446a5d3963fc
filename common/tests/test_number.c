/*
 * test_number.c - unit tests of parse_number() (common/addr.c, cmocka):
 * the one parser of ports, counts and seconds in options and config files
 * takes decimal digits only, within the range, and refuses what strtol
 * alone would let through (" 80", "+80", "-0") or stop short of ("80 ").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vpnlab.h"

static void
test_accepts_digits_in_range(void **state)
{
	long v = -1;

	(void)state;
	assert_int_equal(parse_number("80", 1, 65535, &v), 0);
	assert_int_equal(v, 80);
	assert_int_equal(parse_number("65535", 1, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(parse_number("0", 0, 3600, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_number("007", 1, 10, &v), 0);
	assert_int_equal(v, 7);
}

static void
test_refuses_sign_space_and_junk(void **state)
{
	static const char *const bad[] = {
		" 80", "\t80", "\n80", "+80", "-80", "-0", "+0", "80 ", "80\n",
		"8 0", "", " ", "0x50", "80a", "1e3", "eighty",
	};
	long v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_number(bad[i], 0, 65535, &v) != -1)
			fail_msg("parse_number(\"%s\") was taken as %ld", bad[i], v);
		assert_int_equal(v, 42);   /* untouched on error */
	}
}

static void
test_refuses_out_of_range(void **state)
{
	long v = 42;

	(void)state;
	assert_int_equal(parse_number("0", 1, 65535, &v), -1);
	assert_int_equal(parse_number("65536", 1, 65535, &v), -1);
	assert_int_equal(parse_number("99999999999999999999999", 1, 65535, &v), -1);
	assert_int_equal(v, 42);
}

/* What the options reach it through: addr_parse_port (--listen, PORT). */
static void
test_port_refuses_plus_and_space(void **state)
{
	uint16_t port = 1;

	(void)state;
	assert_int_equal(addr_parse_port("+443", &port), -1);
	assert_int_equal(addr_parse_port(" 443", &port), -1);
	assert_int_equal(port, 1);
	assert_int_equal(addr_parse_port("443", &port), 0);
	assert_int_equal(port, 443);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_digits_in_range),
		cmocka_unit_test(test_refuses_sign_space_and_junk),
		cmocka_unit_test(test_refuses_out_of_range),
		cmocka_unit_test(test_port_refuses_plus_and_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
