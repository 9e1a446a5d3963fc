/*
 * openssl_log.c - OpenSSL's error queue, drained into one log line.
 *
 * Kept apart from log.c so that only the programs that use OpenSSL need
 * libcrypto for their logging.
 */
#include <errno.h>
#include <stdio.h>

#include <openssl/err.h>

#include "vpnlab.h"

void
log_openssl(const char *fmt, ...)
{
	char msg[512], errs[768] = "";
	size_t used = 0;
	unsigned long e;
	const char *file, *func, *data;
	int line, flags, saved = errno;   /* as every log function keeps it */
	va_list ap;

	/* Drain the whole queue, oldest first, so the next error starts clean. */
	while ((e = ERR_get_error_all(&file, &line, &func, &data, &flags)) != 0) {
		char one[256];

		ERR_error_string_n(e, one, sizeof(one));
		if (used < sizeof(errs) - 1)
			used += (size_t)snprintf(errs + used, sizeof(errs) - used,
			    "%s%s%s%s", used ? "; " : "", one,
			    (flags & ERR_TXT_STRING) && data && *data ? ": " : "",
			    (flags & ERR_TXT_STRING) && data ? data : "");
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", msg, used ? errs : "no OpenSSL error queued");
	errno = saved;
}
