/*
 * test_roothelper.c - unit tests of roothelper.c (cmocka): a program the
 * keepers run (nft, resolvectl, resolvconf) gets its input on stdin and
 * no other descriptor: not one the caller left open without O_CLOEXEC,
 * and not the keeper's own fd 3 (dup2 clears close-on-exec; the keeper
 * of nat.c and dnsconf.c used to pass its pipe on to nft and resolvectl).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../minivpn.h"

/* sh exits 0 when fd N of its own is not open. */
#define NOT_OPEN(n) "test ! -e /proc/$$/fd/" #n

static void
test_run_passes_only_stdio(void **state)
{
	char *argv[] = { "sh", "-c", NOT_OPEN(9) " && " NOT_OPEN(3), NULL };
	int fd = open("/dev/null", O_RDONLY);   /* no O_CLOEXEC on purpose */

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 9), 9);
	if (fd != 9)
		close(fd);
	assert_int_equal(roothelper_run(argv, NULL, "test"), 0);
	/* The check itself can fail: fd 0 is open. */
	argv[2] = NOT_OPEN(0);
	assert_int_equal(roothelper_run(argv, NULL, "test"), -1);
	close(9);
}

static void
test_run_input_and_status(void **state)
{
	char *ok[] = { "sh", "-c", "read l && test \"$l\" = 'flush ruleset'", NULL };
	char *bad[] = { "sh", "-c", "exit 3", NULL };
	char *none[] = { "minivpn-no-such-program", NULL };

	(void)state;
	assert_int_equal(roothelper_run(ok, "flush ruleset\n", "test"), 0);
	assert_int_equal(roothelper_run(ok, "something else\n", "test"), -1);
	assert_int_equal(roothelper_run(bad, NULL, "test"), -1);
	assert_int_equal(roothelper_run(none, NULL, "test"), -1);
}

/* The keeper answers on its socket whether what it ran saw its fd 3. */
static void
keeper(int fd, void *arg)
{
	char *argv[] = { "sh", "-c", NOT_OPEN(3) " && " NOT_OPEN(4), NULL };
	char c = roothelper_run(argv, NULL, "test keeper") == 0 ? 'y' : 'n';

	(void)arg;
	(void)send(fd, &c, 1, 0);
	_exit(0);
}

static void
test_keeper_fd_not_inherited(void **state)
{
	int fd = roothelper_start("test-keeper", ROOTHELPER_SEQPACKET, keeper, NULL);
	char c = '?';

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(recv(fd, &c, 1, 0), 1);
	assert_int_equal(c, 'y');
	/* EOF once the keeper is gone: the caller's end is the only one. */
	assert_int_equal(recv(fd, &c, 1, 0), 0);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_passes_only_stdio),
		cmocka_unit_test(test_run_input_and_status),
		cmocka_unit_test(test_keeper_fd_not_inherited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
