/*
 * addr.c - parse and print IPv4 addresses, prefixes and endpoints, and
 * split a HOST[:PORT] argument.
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

/*
 * The one parser of whole numbers in options and config files (ports,
 * counts, seconds): decimal digits only. strtol alone would take " 80",
 * "+80" and "-0"; a value written so is a mistake to report, not to guess.
 */
int
parse_number(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
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

/* The IPv6 form: "fd00:53::/64". */
int
addr_parse_prefix6(const char *s, struct in6_addr *addr, int *prefixlen)
{
	char buf[INET6_ADDRSTRLEN + 5];
	char *slash;
	long len;

	if (strlen(s) >= sizeof(buf)) {
		log_warnx("\"%s\" is not an address/prefix such as fd00:53::/64", s);
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash || parse_number(slash + 1, 0, 128, &len) == -1) {
		log_warnx("\"%s\": expected ADDRESS/PREFIXLEN such as "
		          "fd00:53::/64", s);
		return -1;
	}
	*slash = '\0';
	if (inet_pton(AF_INET6, buf, addr) != 1) {
		log_warnx("\"%s\": \"%s\" is not an IPv6 address", s, buf);
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

/* host[0..len) as a C string in out (outlen bytes), if it fits. */
static int
copy_host(const char *s, const char *host, size_t len, char *out,
          size_t outlen)
{
	if (len == 0) {
		log_warnx("\"%s\": no host name or address", s);
		return -1;
	}
	if (len >= outlen) {
		log_warnx("\"%s\": the host is longer than %zu bytes", s,
		          outlen - 1);
		return -1;
	}
	memcpy(out, host, len);
	out[len] = '\0';
	return 0;
}

/* An IPv6 literal, with an optional zone ("fe80::1%eth0"). */
static bool
is_ipv6(const char *host)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;
	size_t len = strcspn(host, "%");

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, host, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

int
addr_parse_host_port(const char *s, char *host, size_t hostlen,
                     uint16_t *port)
{
	const char *colon = strchr(s, ':'), *end, *p = NULL;
	long v = 0;

	if (s[0] == '[') {                       /* [ADDRESS] or [ADDRESS]:PORT */
		end = strchr(s, ']');
		if (end == NULL) {
			log_warnx("\"%s\": no ']' after the address", s);
			return -1;
		}
		if (end[1] == ':')
			p = end + 2;
		else if (end[1] != '\0') {
			log_warnx("\"%s\": expected :PORT or nothing after ']'", s);
			return -1;
		}
		if (copy_host(s, s + 1, (size_t)(end - s - 1), host, hostlen) == -1)
			return -1;
		if (!is_ipv6(host)) {
			log_warnx("\"%s\": \"%s\" in brackets is not an IPv6 "
			          "address", s, host);
			return -1;
		}
	} else if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* More than one colon: an IPv6 address, no port. */
		if (copy_host(s, s, strlen(s), host, hostlen) == -1)
			return -1;
		if (!is_ipv6(host)) {
			log_warnx("\"%s\": more than one ':' but not an IPv6 "
			          "address (with a port: [ADDRESS]:PORT)", s);
			return -1;
		}
	} else {                                 /* NAME or NAME:PORT */
		if (colon != NULL)
			p = colon + 1;
		if (copy_host(s, s, colon ? (size_t)(colon - s) : strlen(s),
		              host, hostlen) == -1)
			return -1;
		if (strpbrk(host, "[]") != NULL) {
			log_warnx("\"%s\": a bracket outside [ADDRESS]:PORT", s);
			return -1;
		}
	}
	if (p != NULL) {
		if (parse_number(p, 1, 65535, &v) == -1) {
			log_warnx("\"%s\": port \"%s\" is not a number from 1 to "
			          "65535", s, p);
			return -1;
		}
		*port = (uint16_t)v;
	}
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
