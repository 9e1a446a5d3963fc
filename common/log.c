/*
 * log.c - leveled logging to stderr.
 *
 * In the style of OpenBSD's log.c: log_warn() says what was attempted and
 * appends strerror(errno); fatal() is for what cannot go on. -v raises the
 * verbosity to debug. Messages about bad input go through log_limited() so
 * that a flood of malformed packets cannot flood the log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpnlab.h"

static const char *log_prog = "vpnlab";
static int log_level = LL_INFO;

void
log_init(const char *progname, int verbosity)
{
	const char *slash = strrchr(progname, '/');

	log_prog = slash ? slash + 1 : progname;
	log_level = verbosity;
}

int
log_verbosity(void)
{
	return log_level;
}

static void vlog(int level, const char *prefix, const char *fmt, va_list ap,
                 const char *suffix) __attribute__((format(printf, 3, 0)));

static void
vlog(int level, const char *prefix, const char *fmt, va_list ap,
     const char *suffix)
{
	char line[1024];

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s: %s%s%s%s\n", log_prog, prefix, line,
	        suffix ? ": " : "", suffix ? suffix : "");
	fflush(stderr);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LL_DEBUG, "debug: ", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LL_INFO, "", fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LL_ERROR, "", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LL_ERROR, "", fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LL_ERROR, "fatal: ", fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LL_ERROR, "fatal: ", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

void
log_limited(struct log_limit *lim, const char *fmt, ...)
{
	time_t now = time(NULL) / (lim->period ? lim->period : 1);
	unsigned burst = lim->burst ? lim->burst : 5;
	va_list ap;

	if (now != lim->window) {
		lim->window = now;
		lim->used = 0;
	}
	if (lim->used >= burst) {
		lim->suppressed++;
		return;
	}
	lim->used++;
	va_start(ap, fmt);
	vlog(LL_WARN, "", fmt, ap, NULL);
	va_end(ap);
	if (lim->suppressed) {
		log_info("(%u similar messages suppressed)", lim->suppressed);
		lim->suppressed = 0;
	}
}
