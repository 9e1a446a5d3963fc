/*
 * test_shadowfile.c - minivpn-passwd's file edits: a user added with a
 * yescrypt hash then passes auth_check(), the server's password check; a
 * locked or deleted one does not; the file keeps mode 0600 (or the mode it
 * had) and is replaced, not rewritten in place; malformed lines are counted.
 */
#include <crypt.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../minivpn.h"

static char dir[] = "/tmp/test-shadowfile.XXXXXX";
static char path[64];

static const char *
yescrypt(const char *pw)
{
	static char out[CRYPT_OUTPUT_SIZE];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;

	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting)));
	snprintf(out, sizeof(out), "%s", crypt_r(pw, setting, &cd));
	return out;
}

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/users", dir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	return rmdir(dir);
}

static void
test_add_login_lock_del(void **state)
{
	struct stat st, st2;
	int fd;

	assert_int_equal(shadowfile_edit(path, SHADOW_ADD, "alice", yescrypt("pw-a")), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(auth_check(path, "alice", "pw-a"), AUTH_OK);
	assert_int_equal(auth_check(path, "alice", "pw-b"), AUTH_BAD);
	/* twice: refused, the first stays */
	assert_int_equal(shadowfile_edit(path, SHADOW_ADD, "alice", yescrypt("x")), -1);
	assert_int_equal(auth_check(path, "alice", "pw-a"), AUTH_OK);

	assert_int_equal(shadowfile_edit(path, SHADOW_ADD, "bob", yescrypt("pw-b")), 0);
	assert_int_equal(chmod(path, 0640), 0);
	/* held open, so that its inode cannot be reused by the new file */
	fd = open(path, O_RDONLY);
	assert_true(fd != -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(shadowfile_edit(path, SHADOW_SET, "alice", yescrypt("new")), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0640);      /* mode kept */
	assert_true(st2.st_ino != st.st_ino);             /* a new file renamed */
	close(fd);
	assert_int_equal(auth_check(path, "alice", "new"), AUTH_OK);
	assert_int_equal(auth_check(path, "alice", "pw-a"), AUTH_BAD);
	assert_int_equal(auth_check(path, "bob", "pw-b"), AUTH_OK);

	assert_int_equal(shadowfile_edit(path, SHADOW_LOCK, "bob", NULL), 0);
	assert_int_equal(auth_check(path, "bob", "pw-b"), AUTH_BAD);
	assert_int_equal(shadowfile_edit(path, SHADOW_DEL, "alice", NULL), 0);
	assert_int_equal(auth_check(path, "alice", "new"), AUTH_BAD);
	assert_int_equal(shadowfile_edit(path, SHADOW_DEL, "alice", NULL), -1);
	assert_int_equal(shadowfile_edit(path, SHADOW_SET, "nobody2", yescrypt("x")), -1);
	assert_int_equal(shadowfile_edit(path, SHADOW_ADD, "a:b", yescrypt("x")), -1);
	assert_int_equal(shadowfile_check(path), 0);
}

static void
test_check_counts_malformed(void **state)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "# comment\n\n");
	fprintf(f, "alice:%s:19000:0:99999:7:::\n", yescrypt("a"));
	fprintf(f, "dave:%s\n", yescrypt("d"));              /* fields missing */
	fprintf(f, "eve:x:19000:zero:99999:7:::\n");          /* not a number */
	fprintf(f, ":x:19000:0:99999:7:::\n");                /* no name */
	fclose(f);
	assert_int_equal(shadowfile_check(path), 3);
	/* an edit keeps the lines it does not touch, bad ones too */
	assert_int_equal(shadowfile_edit(path, SHADOW_ADD, "bob", yescrypt("b")), 0);
	assert_int_equal(shadowfile_check(path), 3);
	assert_int_equal(auth_check(path, "alice", "a"), AUTH_OK);
	unlink(path);
	assert_int_equal(shadowfile_check(path), -1);
}

/* A user on two lines: passwd and lock refuse (each line would grow, and
 * changing one would leave the other), del removes both. */
static void
test_user_twice(void **state)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "carol:!::0:99999:7:::\n");
	fprintf(f, "carol:!::0:99999:7:::\n");
	fclose(f);
	assert_int_equal(shadowfile_edit(path, SHADOW_SET, "carol", yescrypt("c")), -1);
	assert_int_equal(auth_check(path, "carol", "c"), AUTH_BAD);
	assert_int_equal(shadowfile_edit(path, SHADOW_LOCK, "carol", NULL), -1);
	assert_int_equal(shadowfile_edit(path, SHADOW_DEL, "carol", NULL), 0);
	assert_int_equal(shadowfile_edit(path, SHADOW_DEL, "carol", NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_login_lock_del),
		cmocka_unit_test(test_check_counts_malformed),
		cmocka_unit_test(test_user_twice),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
