/*
 * hex.c - hex text to bytes, for tools that take packets on the command line.
 */
#include <ctype.h>
#include <sys/types.h>

#include "vpnlab.h"

ssize_t
hex_decode(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int c = tolower((unsigned char)*s), v;

		if (c == ' ' || c == ':' || c == '.')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else {
			log_warnx("\"%c\" is not a hex digit", *s);
			return -1;
		}
		if (hi == -1) {
			hi = v;
			continue;
		}
		if (n == cap) {
			log_warnx("more than %zu bytes of hex", cap);
			return -1;
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi != -1) {
		log_warnx("odd number of hex digits");
		return -1;
	}
	return (ssize_t)n;
}
