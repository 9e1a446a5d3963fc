/*
 * log.c - leveled logging (to stderr, the journal or syslog: logdest.c).
 *
 * In the style of OpenBSD's log.c: log_warn() says what was attempted and
 * appends strerror(errno); fatal() is for what cannot go on. -v raises the
 * verbosity to debug, -q lowers it to warnings. Messages about bad input go
 * through log_limited() so that a flood of malformed packets cannot flood
 * the log. Each function is named for its level (LL_DEBUG, LL_INFO,
 * LL_WARN; fatal at LL_ERROR), and none changes errno: a caller may log
 * first and then look at errno, or log_warn() twice.
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
	int saved = errno;     /* stdio and syslog may set it */
	char line[1024], text[1200];

	if (level <= log_level) {
		vsnprintf(line, sizeof(line), fmt, ap);
		snprintf(text, sizeof(text), "%s%s%s%s", prefix, line,
		         suffix ? ": " : "", suffix ? suffix : "");
		log_dest_write(level, log_prog, text);   /* logdest.c */
	}
	errno = saved;
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
	vlog(LL_WARN, "", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LL_WARN, "", fmt, ap, NULL);
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

/* A warning (LL_WARN), at most lim->burst a second. */
void
log_limited(struct log_limit *lim, const char *fmt, ...)
{
	int saved = errno;
	time_t now = time(NULL) / (lim->period ? lim->period : 1);
	unsigned burst = lim->burst ? lim->burst : 5;
	va_list ap;

	if (now != lim->window) {
		lim->window = now;
		lim->used = 0;
	}
	if (lim->used >= burst) {
		lim->suppressed++;
		errno = saved;
		return;
	}
	lim->used++;
	va_start(ap, fmt);
	vlog(LL_WARN, "", fmt, ap, NULL);
	va_end(ap);
	if (lim->suppressed) {
		/* at the level of the lines it stands for */
		log_warnx("(%u similar messages suppressed)", lim->suppressed);
		lim->suppressed = 0;
	}
	errno = saved;
}
