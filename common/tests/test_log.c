/*
 * test_log.c - unit tests of common/log.c (cmocka): each function prints at
 * the level it is named for (and the journal gets that priority), and none
 * changes errno, even when writing to stderr fails (stderr on /dev/full).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vpnlab.h"

static int saved_stderr = -1;

/* Points stderr (fd 2) at path; restore_stderr() undoes it. */
static void
stderr_to(const char *path, int flags)
{
	int fd = open(path, flags, 0600);

	assert_true(fd >= 0);
	fflush(stderr);
	if (saved_stderr == -1)
		saved_stderr = dup(2);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
}

static void
restore_stderr(void)
{
	fflush(stderr);
	clearerr(stderr);
	assert_int_equal(dup2(saved_stderr, 2), 2);
}

/* What was written to stderr since stderr_to(path, O_TRUNC...). */
static const char *
written(const char *path)
{
	static char buf[2048];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_errno_kept(void **state)
{
	struct log_limit lim = { .burst = 1 };

	(void)state;
	log_init("test-log", LL_DEBUG);
	stderr_to("/dev/full", O_WRONLY);   /* every write fails: ENOSPC */
	errno = EAGAIN; log_debug("debug %d", 1);
	assert_int_equal(errno, EAGAIN);
	errno = EAGAIN; log_info("info %d", 1);
	assert_int_equal(errno, EAGAIN);
	errno = EAGAIN; log_warn("warn %d", 1);
	assert_int_equal(errno, EAGAIN);
	errno = EAGAIN; log_warnx("warnx %d", 1);
	assert_int_equal(errno, EAGAIN);
	errno = EAGAIN; log_limited(&lim, "limited %d", 1);   /* printed */
	assert_int_equal(errno, EAGAIN);
	errno = EAGAIN; log_limited(&lim, "limited %d", 2);   /* held back */
	assert_int_equal(errno, EAGAIN);
	restore_stderr();
}

static void
test_levels(void **state)
{
	char path[] = "/tmp/test-log-XXXXXX";
	struct log_limit lim = { 0 };
	int fd = mkstemp(path);
	const char *out;

	(void)state;
	assert_true(fd >= 0);
	close(fd);

	/* -q: warnings, not information */
	log_init("test-log", LL_WARN);
	stderr_to(path, O_WRONLY | O_TRUNC);
	log_debug("seen-debug");
	log_info("seen-info");
	errno = ENOENT;
	log_warn("seen-warn");
	log_warnx("seen-warnx");
	log_limited(&lim, "seen-limited");
	restore_stderr();
	out = written(path);
	assert_null(strstr(out, "seen-debug"));
	assert_null(strstr(out, "seen-info"));
	assert_non_null(strstr(out, "test-log: seen-warn: No such file or directory\n"));
	assert_non_null(strstr(out, "test-log: seen-warnx\n"));
	assert_non_null(strstr(out, "test-log: seen-limited\n"));

	/* errors only: a warning is not an error */
	log_init("test-log", LL_ERROR);
	stderr_to(path, O_WRONLY | O_TRUNC);
	log_warn("seen-warn");
	log_warnx("seen-warnx");
	log_limited(&lim, "seen-limited");
	restore_stderr();
	assert_string_equal(written(path), "");

	/* -v: everything */
	log_init("test-log", LL_DEBUG);
	stderr_to(path, O_WRONLY | O_TRUNC);
	log_debug("seen-debug");
	log_info("seen-info");
	restore_stderr();
	out = written(path);
	assert_non_null(strstr(out, "test-log: debug: seen-debug\n"));
	assert_non_null(strstr(out, "test-log: seen-info\n"));

	/* the journal's priorities (syslog.h): a warning is 4, not 3 (error) */
	log_dest_set(LOG_DEST_JOURNAL, "test-log");
	stderr_to(path, O_WRONLY | O_TRUNC);
	errno = ENOENT;
	log_warn("seen-warn");
	log_warnx("seen-warnx");
	log_info("seen-info");
	restore_stderr();
	log_dest_set(LOG_DEST_PLAIN, "test-log");
	assert_string_equal(written(path), "<4>seen-warn: No such file or directory\n"
	                    "<4>seen-warnx\n<6>seen-info\n");
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_kept),
		cmocka_unit_test(test_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
