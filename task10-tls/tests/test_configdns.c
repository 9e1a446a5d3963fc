/*
 * test_configdns.c - the CONFIG message's optional DNS part: a round trip,
 * no part at all when there is nothing to push, and each malformed part
 * refused (a table of them).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../minivpn.h"

static struct vpn_config
base(void)
{
	struct vpn_config c;

	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET, "192.168.53.2", &c.addr);
	inet_pton(AF_INET, "192.168.53.1", &c.server);
	c.prefixlen = 24;
	c.mtu = 1500;
	c.ka_interval = 10;
	c.ka_timeout = 30;
	c.nroutes = 1;
	inet_pton(AF_INET, "10.20.0.0", &c.routes[0].dst);
	c.routes[0].prefixlen = 16;
	return c;
}

static void
test_round_trip(void **state)
{
	struct vpn_config in = base(), out;
	uint8_t msg[CONFIG_LEN_MAX];
	const char *why = NULL;
	size_t n;

	n = config_encode(&in, msg);
	assert_int_equal(n, CONFIG_FIXED_LEN + CONFIG_ROUTE_LEN);   /* no DNS part */
	assert_int_equal(config_parse(msg, n, &out, &why), 0);
	assert_int_equal(out.ndns, 0);
	assert_string_equal(out.search, "");

	in.ndns = 2;
	inet_pton(AF_INET, "10.20.0.53", &in.dns[0]);
	inet_pton(AF_INET, "10.20.0.54", &in.dns[1]);
	strcpy(in.search, "corp.example lab.example");
	n = config_encode(&in, msg);
	assert_int_equal(n, CONFIG_FIXED_LEN + CONFIG_ROUTE_LEN + CONFIG_DNS_HDR + 8 + 24);
	assert_int_equal(config_parse(msg, n, &out, &why), 0);
	assert_int_equal(out.ndns, 2);
	assert_memory_equal(out.dns, in.dns, sizeof(in.dns[0]) * 2);
	assert_string_equal(out.search, "corp.example lab.example");

	/* the fullest CONFIG fits CONFIG_LEN_MAX */
	in.nroutes = CONFIG_ROUTES_MAX;
	in.ndns = CONFIG_DNS_MAX;
	in.dns[2] = in.dns[0];
	memset(in.search, 'a', CONFIG_SEARCH_MAX);
	in.search[CONFIG_SEARCH_MAX] = '\0';
	assert_int_equal(config_encode(&in, msg), CONFIG_LEN_MAX);
}

static const struct {
	const char *what;
	uint8_t part[24];
	size_t len;
} bad[] = {
	{ "header cut short",      { 1, 0, 0 }, 3 },
	{ "four servers",          { 4, 0, 0, 0, 10,0,0,1, 10,0,0,2, 10,0,0,3, 10,0,0,4 }, 20 },
	{ "reserved not 0",        { 1, 0, 0, 1, 10,0,0,1 }, 8 },
	{ "count says 2, 1 given", { 2, 0, 0, 0, 10,0,0,1 }, 8 },
	{ "bytes left over",       { 1, 0, 0, 0, 10,0,0,1, 'x' }, 9 },
	{ "loopback server",       { 1, 0, 0, 0, 127,0,0,53 }, 8 },
	{ "search with a ';'",     { 0, 3, 0, 0, 'a', ';', 'b' }, 7 },
	{ "search with a NUL",     { 0, 3, 0, 0, 'a', 0, 'b' }, 7 },
	{ "search ends in a dot",  { 0, 2, 0, 0, 'a', '.' }, 6 },
	{ "search of two spaces",  { 0, 3, 0, 0, 'a', ' ', ' ' }, 7 },
	{ "search label with a leading '-'", { 0, 5, 0, 0, 'a', ' ', '-', '-', 'h' }, 9 },
	{ "search label after a dot with '-'", { 0, 3, 0, 0, 'a', '.', '-' }, 7 },
};

static void
test_bad_parts(void **state)
{
	struct vpn_config in = base(), out;
	uint8_t msg[CONFIG_LEN_MAX + 32];
	const char *why;
	size_t n = config_encode(&in, msg);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(msg + n, bad[i].part, bad[i].len);
		why = NULL;
		print_message("case %zu (%s)\n", i, bad[i].what);
		assert_int_equal(config_parse(msg, n + bad[i].len, &out, &why), -1);
		assert_non_null(why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
