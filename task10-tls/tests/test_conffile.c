/*
 * test_conffile.c - the config file parser: good files give the entries in
 * order, each bad line is refused with FILE:LINE and what was expected
 * (one table row per mistake an admin makes).
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../minivpn.h"

static const struct option opts[] = {
	{ "cert", required_argument, NULL, 'c' },
	{ "route", required_argument, NULL, 'r' },
	{ "mtu", required_argument, NULL, 'm' },
	{ "password-file", required_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "config", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const char *const repeatable[] = { "route", NULL };

static int
parse(struct conffile *cf, const char *text)
{
	return conffile_parse(cf, "t.conf", text, strlen(text), opts, repeatable);
}

static void
test_good_file(void **state)
{
	struct conffile cf;
	const char *text =
		"# minivpn-server\n"
		"\n"
		"   cert =  /etc/minivpn/my server.crt  \n"
		"\t# indented comment\n"
		"route = 10.20.0.0/16\r\n"
		"route=10.30.0.0/16\n"
		"verbose\n"
		"mtu = 1400";      /* no final newline */

	assert_int_equal(parse(&cf, text), 0);
	assert_int_equal(cf.n, 5);
	assert_int_equal(cf.e[0].val, 'c');
	assert_string_equal(cf.e[0].arg, "/etc/minivpn/my server.crt");
	assert_int_equal(cf.e[0].line, 3);
	assert_string_equal(cf.e[1].arg, "10.20.0.0/16");    /* \r trimmed */
	assert_int_equal(cf.e[1].line, 5);
	assert_string_equal(cf.e[2].arg, "10.30.0.0/16");
	assert_int_equal(cf.e[3].val, 'v');
	assert_null(cf.e[3].arg);
	assert_string_equal(cf.e[4].name, "mtu");
	assert_string_equal(cf.e[4].arg, "1400");
	assert_int_equal(cf.e[4].line, 8);
	conffile_free(&cf);

	assert_int_equal(parse(&cf, "verbose = yes\n"), 0);
	assert_int_equal(cf.n, 1);
	assert_null(cf.e[0].arg);
	conffile_free(&cf);

	assert_int_equal(parse(&cf, ""), 0);
	assert_int_equal(cf.n, 0);
	conffile_free(&cf);
}

/* Each bad input, the "FILE:LINE:" its message must start with, and a word
 * that says what was expected. */
static const struct {
	const char *text, *where, *word;
} bad[] = {
	{ "mtu 1400\n",                       "t.conf:1:", "key = value" },
	{ "# ok\nMTU = 1400\n",               "t.conf:2:", "lower case" },
	{ "= 1400\n",                         "t.conf:1:", "key before" },
	{ "mut = 1400\n",                     "t.conf:1:", "unknown key 'mut'" },
	{ "password = secret\n",              "t.conf:1:", "password-file" },
	{ "cert\n",                           "t.conf:1:", "cert = VALUE" },
	{ "cert =   \n",                      "t.conf:1:", "cert = VALUE" },
	{ "verbose = no\n",                   "t.conf:1:", "takes no value" },
	{ "mtu = 1400\n\nmtu = 1500\n",       "t.conf:3:", "already set on line 1" },
	{ "config = other.conf\n",            "t.conf:1:", "command-line option only" },
	{ "help\n",                           "t.conf:1:", "command-line option only" },
	{ "drain\n",                          "t.conf:1:", "command-line option only" },
	{ "status\n",                         "t.conf:1:", "command-line option only" },
	{ "route = 10.0.0.0/8\n--mtu = 1\n",  "t.conf:2:", "unknown key" },
	{ "mtu = 1400\n[section]\n",          "t.conf:2:", "key = value" },
};

static void
test_bad_lines(void **state)
{
	struct conffile cf;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(&cf, bad[i].text);

		print_message("case %zu: %s\n", i, cf.err);
		assert_int_equal(r, -1);
		assert_true(strncmp(cf.err, bad[i].where, strlen(bad[i].where)) == 0);
		assert_non_null(strstr(cf.err, bad[i].word));
		conffile_free(&cf);
	}
}

static void
test_nul_and_long_lines(void **state)
{
	static const char nul[] = "mtu = 14\0" "00\n";
	char long_line[2048];
	struct conffile cf;

	assert_int_equal(conffile_parse(&cf, "t.conf", nul, sizeof(nul) - 1,
	                                opts, repeatable), -1);
	assert_non_null(strstr(cf.err, "t.conf:1: a NUL byte"));
	conffile_free(&cf);

	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	memcpy(long_line, "cert = ", 7);
	assert_int_equal(parse(&cf, long_line), -1);
	assert_non_null(strstr(cf.err, "t.conf:1: line longer"));
	conffile_free(&cf);
}

static void
test_load(void **state)
{
	char path[] = "/tmp/test-conffile.XXXXXX";
	struct conffile cf;
	int fd = mkstemp(path);

	assert_true(fd != -1);
	assert_int_equal(write(fd, "cert = a.crt\nmtu = x y\n", 23), 23);
	close(fd);
	assert_int_equal(conffile_load(&cf, path, opts, repeatable), 0);
	assert_int_equal(cf.n, 2);
	assert_string_equal(cf.e[1].arg, "x y");   /* values are checked later */
	conffile_free(&cf);
	unlink(path);

	assert_int_equal(conffile_load(&cf, path, opts, repeatable), -1);
	assert_non_null(strstr(cf.err, "cannot open"));
	assert_non_null(strstr(cf.err, path));
	conffile_free(&cf);
}

static void
test_config_arg(void **state)
{
	char *a1[] = { "p", "-v", "--config", "x.conf", NULL };
	char *a2[] = { "p", "--config=y.conf", NULL };
	char *a3[] = { "p", "--", "--config", "z", NULL };
	char *a4[] = { "p", "--config", NULL };

	assert_string_equal(conffile_arg(4, a1), "x.conf");
	assert_string_equal(conffile_arg(2, a2), "y.conf");
	assert_null(conffile_arg(4, a3));
	assert_null(conffile_arg(2, a4));
}

/* What conffile_parse_args() handed to its apply callback, in order. */
struct seen {
	unsigned n;
	int c[8];
	char arg[8][64], what[8][64];
	bool file[8];
};

static void
record(void *ctx, int c, const char *arg, const char *what, bool from_file)
{
	struct seen *s = ctx;

	assert_true(s->n < 8);
	s->c[s->n] = c;
	snprintf(s->arg[s->n], sizeof(s->arg[0]), "%s", arg ? arg : "(none)");
	snprintf(s->what[s->n], sizeof(s->what[0]), "%s", what);
	s->file[s->n] = from_file;
	s->n++;
}

/* The file's entries first, named FILE:LINE: key, then the command line's,
 * named --key; the first argument getopt did not take is returned. */
static void
test_parse_args(void **state)
{
	char path[] = "/tmp/test-conffile-args-XXXXXX";
	const char *text = "mtu = 1400\nroute = 10.20.0.0/16\n";
	int fd = mkstemp(path);
	struct conffile cf;
	struct seen s = { 0 };
	char *argv[] = { "p", "--config", path, "--mtu", "1300", "-v", "extra",
	                 NULL };

	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	optind = 1;
	assert_int_equal(conffile_parse_args(&cf, 7, argv, "vh", opts, repeatable,
	                                     record, &s), 6);
	assert_string_equal(argv[6], "extra");
	assert_int_equal(s.n, 5);
	assert_int_equal(s.c[0], 'm');
	assert_string_equal(s.arg[0], "1400");
	assert_true(s.file[0]);
	assert_non_null(strstr(s.what[0], ":1: mtu"));
	assert_int_equal(s.c[1], 'r');
	assert_non_null(strstr(s.what[1], ":2: route"));
	assert_int_equal(s.c[2], 'C');          /* --config itself, from argv */
	assert_false(s.file[2]);
	assert_int_equal(s.c[3], 'm');          /* the command line comes last */
	assert_string_equal(s.arg[3], "1300");
	assert_string_equal(s.what[3], "--mtu");
	assert_false(s.file[3]);
	assert_int_equal(s.c[4], 'v');
	assert_string_equal(s.what[4], "--verbose");
	conffile_free(&cf);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_config_arg),
		cmocka_unit_test(test_parse_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
