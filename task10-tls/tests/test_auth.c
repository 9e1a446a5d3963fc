/*
 * test_auth.c - passwords against a shadow-format file, with yescrypt and
 * sha512crypt hashes made here by libcrypt.
 */
#include <crypt.h>
#include <shadow.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../minivpn.h"

static char shadow_path[] = "/tmp/test-auth-shadow.XXXXXX";

static const char *
hash(const char *prefix, const char *pw)
{
	static char out[4][CRYPT_OUTPUT_SIZE];
	static int next;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;

	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_gensalt_rn(prefix, 0, NULL, 0, setting,
	                                 sizeof(setting)));
	next = (next + 1) % 4;
	snprintf(out[next], sizeof(out[next]), "%s", crypt_r(pw, setting, &cd));
	return out[next];
}

static int
setup(void **state)
{
	int fd = mkstemp(shadow_path);
	FILE *f;

	if (fd == -1 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	fprintf(f, "# not a shadow line\n");
	fprintf(f, "garbage without colons\n");
	fprintf(f, "alice:%s:19000:0:99999:7:::\n", hash("$y$", "wonderland"));
	fprintf(f, "bob:%s:19000:0:99999:7:::\n", hash("$6$", "builder"));
	fprintf(f, "carol:!%s:19000:0:99999:7:::\n", hash("$y$", "locked"));
	fprintf(f, "dave:*:19000:0:99999:7:::\n");
	fprintf(f, "eve::19000:0:99999:7:::\n");
	/* accounts that may not log in, each with its right password */
	fprintf(f, "frank:%s:19000:0:99999:7::1:\n", hash("$6$", "expired"));
	fprintf(f, "gina:%s:0:0:99999:7:::\n", hash("$6$", "mustchange"));
	fprintf(f, "hank:%s:19000:0:30:7:7::\n", hash("$6$", "aged"));
	fprintf(f, "ivan:%s:19000:0:99999:7::99999:\n", hash("$6$", "future"));
	fprintf(f, "root:%s:19000:0:99999:7:::\n", hash("$6$", "toor"));
	fclose(f);
	return 0;
}

static int
teardown(void **state)
{
	unlink(shadow_path);
	return 0;
}

static const struct {
	int line;
	const char *user, *password;
	enum auth_result want;
} cases[] = {
	{ __LINE__, "alice", "wonderland", AUTH_OK },    /* yescrypt */
	{ __LINE__, "alice", "Wonderland", AUTH_BAD },
	{ __LINE__, "alice", "wonderlan", AUTH_BAD },
	{ __LINE__, "alice", "", AUTH_BAD },
	{ __LINE__, "bob", "builder", AUTH_OK },         /* sha512crypt */
	{ __LINE__, "bob", "wonderland", AUTH_BAD },
	{ __LINE__, "carol", "locked", AUTH_BAD },       /* locked with ! */
	{ __LINE__, "dave", "", AUTH_BAD },              /* no password: * */
	{ __LINE__, "dave", "*", AUTH_BAD },
	{ __LINE__, "eve", "", AUTH_BAD },               /* empty hash: refused */
	{ __LINE__, "mallory", "wonderland", AUTH_BAD }, /* unknown user */
	{ __LINE__, "garbage without colons", "", AUTH_BAD },
	{ __LINE__, "frank", "expired", AUTH_BAD },      /* sp_expire passed */
	{ __LINE__, "gina", "mustchange", AUTH_BAD },    /* sp_lstchg 0 */
	{ __LINE__, "hank", "aged", AUTH_BAD },          /* past max + inact */
	{ __LINE__, "ivan", "future", AUTH_OK },         /* expires in 2243 */
	{ __LINE__, "root", "toor", AUTH_BAD },          /* never root */
};

static void
test_auth_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum auth_result r = auth_check(shadow_path, cases[i].user,
		                                cases[i].password);

		if (r != cases[i].want)
			fail_msg("case at line %d (%s): expected %d, got %d",
			         cases[i].line, cases[i].user, cases[i].want, r);
	}
}

static void
test_auth_missing_file(void **state)
{
	assert_int_equal(auth_check("/nonexistent/shadow", "alice", "x"),
	                 AUTH_ERROR);
}

static void
test_hash_matches(void **state)
{
	const char *h = hash("$y$", "pw");

	assert_true(auth_hash_matches("pw", h));
	assert_false(auth_hash_matches("pw ", h));
	assert_false(auth_hash_matches("pw", ""));
	assert_false(auth_hash_matches("pw", "!"));
}

/* sp_expire, sp_lstchg, sp_max, sp_inact against today = 20000. */
static const struct {
	int line;
	long expire, lstchg, max, inact;
	bool refused;
} account_cases[] = {
	{ __LINE__, -1, 19000, 99999, -1, false },   /* the usual line */
	{ __LINE__, -1, 19000, -1, -1, false },      /* no aging */
	{ __LINE__, 20001, 19000, -1, -1, false },   /* expires tomorrow */
	{ __LINE__, 20000, 19000, -1, -1, true },    /* expires today */
	{ __LINE__, 1, 19000, -1, -1, true },
	{ __LINE__, 0, 19000, -1, -1, true },        /* 0: Jan 1 1970 */
	{ __LINE__, -1, 0, 99999, -1, true },        /* must change */
	{ __LINE__, -1, 19990, 10, -1, true },       /* password expired */
	{ __LINE__, -1, 19990, 10, 5, true },        /* ... in its inact time */
	{ __LINE__, -1, 19900, 10, 5, true },        /* inactive */
	{ __LINE__, -1, 19995, 10, 5, false },
	{ __LINE__, -1, -1, -1, -1, false },         /* fields left empty */
};

static void
test_account_refused(void **state)
{
	for (size_t i = 0; i < sizeof(account_cases) / sizeof(account_cases[0]); i++) {
		struct spwd sp = {
			.sp_expire = account_cases[i].expire,
			.sp_lstchg = account_cases[i].lstchg,
			.sp_max = account_cases[i].max,
			.sp_inact = account_cases[i].inact,
			.sp_min = -1, .sp_warn = -1,
		};
		bool r = auth_account_refused(&sp, 20000) != NULL;

		if (r != account_cases[i].refused)
			fail_msg("case at line %d: expected %s", account_cases[i].line,
			         account_cases[i].refused ? "refused" : "allowed");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_table),
		cmocka_unit_test(test_auth_missing_file),
		cmocka_unit_test(test_hash_matches),
		cmocka_unit_test(test_account_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
