/*
 * logdest.c - where log lines go: stderr, with or without a time stamp,
 * the systemd journal, or syslog. The line is the same in each; only its
 * frame differs:
 *
 *   LOG_DEST_PLAIN    "prog: text"            (the lab programs, default)
 *   LOG_DEST_STAMPED  "2026-12-01T20:43:44.123+0000 prog: text"
 *   LOG_DEST_JOURNAL  "<6>text" on stderr: the journal reads the priority
 *                     from the "<N>" prefix and records prog itself
 *   LOG_DEST_SYSLOG   syslog(3), ident prog, facility daemon
 *
 * log_dest_auto() picks the journal when stderr is the journal stream
 * systemd gave us (JOURNAL_STREAM names its device and inode, see
 * systemd.exec(5)), otherwise stamped stderr; --syslog asks for syslog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vpnlab.h"

static enum log_dest dest = LOG_DEST_PLAIN;

/* True when fd 2 is the stream systemd connected to the journal. */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) == -1)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

enum log_dest
log_dest_auto(bool want_syslog)
{
	if (want_syslog)
		return LOG_DEST_SYSLOG;
	return stderr_is_journal() ? LOG_DEST_JOURNAL : LOG_DEST_STAMPED;
}

void
log_dest_set(enum log_dest d, const char *prog)
{
	if (dest == LOG_DEST_SYSLOG && d != LOG_DEST_SYSLOG)
		closelog();
	dest = d;
	if (d == LOG_DEST_SYSLOG)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static int
priority(int level)
{
	switch (level) {
	case LL_ERROR: return LOG_ERR;
	case LL_WARN:  return LOG_WARNING;
	case LL_INFO:  return LOG_INFO;
	default:       return LOG_DEBUG;
	}
}

void
log_dest_write(int level, const char *prog, const char *text)
{
	char stamp[48], zone[8];
	struct timeval tv;
	struct tm tm;

	switch (dest) {
	case LOG_DEST_SYSLOG:
		syslog(priority(level), "%s", text);
		return;
	case LOG_DEST_JOURNAL:
		fprintf(stderr, "<%d>%s\n", priority(level), text);
		break;
	case LOG_DEST_STAMPED:
		if (gettimeofday(&tv, NULL) == 0 && localtime_r(&tv.tv_sec, &tm) != NULL &&
		    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) > 0 &&
		    strftime(zone, sizeof(zone), "%z", &tm) > 0)
			fprintf(stderr, "%s.%03ld%s %s: %s\n", stamp,
			        (long)(tv.tv_usec / 1000), zone, prog, text);
		else
			fprintf(stderr, "%s: %s\n", prog, text);
		break;
	case LOG_DEST_PLAIN:
		fprintf(stderr, "%s: %s\n", prog, text);
		break;
	}
	fflush(stderr);
}
