/*
 * addr.c - parse and print IPv4 addresses, prefixes and endpoints.
 *
 * Command-line input is the first bad input a program meets: every parser
 * here says which part of the string it could not read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "vpnlab.h"

static int
parse_number(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
addr_parse_prefix(const char *s, struct in_addr *addr, int *prefixlen)
{
	char buf[INET_ADDRSTRLEN + 4];
	char *slash;
	long len;

	if (strlen(s) >= sizeof(buf)) {
		log_warnx("\"%s\" is not an address/prefix such as 192.168.53.99/24", s);
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash || parse_number(slash + 1, 0, 32, &len) == -1) {
		log_warnx("\"%s\": expected ADDRESS/PREFIXLEN such as "
		          "192.168.53.99/24", s);
		return -1;
	}
	*slash = '\0';
	if (inet_pton(AF_INET, buf, addr) != 1) {
		log_warnx("\"%s\": \"%s\" is not an IPv4 address", s, buf);
		return -1;
	}
	*prefixlen = (int)len;
	return 0;
}

int
addr_parse_endpoint(const char *s, uint16_t default_port, struct sockaddr_in *out)
{
	char buf[INET_ADDRSTRLEN + 8];
	char *colon;
	long port = default_port;

	if (strlen(s) >= sizeof(buf)) {
		log_warnx("\"%s\" is not an endpoint such as 10.9.0.11:9090", s);
		return -1;
	}
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		if (parse_number(colon + 1, 1, 65535, &port) == -1) {
			log_warnx("\"%s\": port \"%s\" is not a number from 1 to "
			          "65535", s, colon + 1);
			return -1;
		}
	}
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, buf, &out->sin_addr) != 1) {
		log_warnx("\"%s\": \"%s\" is not an IPv4 address", s, buf);
		return -1;
	}
	return 0;
}

int
addr_parse_port(const char *s, uint16_t *port)
{
	long v;

	if (parse_number(s, 1, 65535, &v) == -1) {
		log_warnx("port \"%s\" is not a number from 1 to 65535", s);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

int
addr_any_port(const char *s, struct sockaddr_in *out)
{
	uint16_t port;

	if (addr_parse_port(s, &port) == -1)
		return -1;
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_addr.s_addr = htonl(INADDR_ANY);
	out->sin_port = htons(port);
	return 0;
}

const char *
addr_endpoint_str(const struct sockaddr_in *sa, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &sa->sin_addr, a, sizeof(a)))
		strcpy(a, "?");
	snprintf(buf, len, "%s:%u", a, ntohs(sa->sin_port));
	return buf;
}
