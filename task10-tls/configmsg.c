/*
 * configmsg.c - the CONFIG message: what the server pushes to a client after
 * a good login (its tunnel address, MTU, keepalive timers and routes).
 *
 *  0               1               2               3
 * +---------------+---------------+-------------------------------+
 * |   Version     |  Prefix len   |              MTU              |
 * +---------------+---------------+-------------------------------+
 * |                  Client tunnel address                        |
 * +---------------------------------------------------------------+
 * |                  Server tunnel address                        |
 * +-------------------------------+-------------------------------+
 * |  Keepalive interval (s)       |  Keepalive timeout (s)        |
 * +---------------+---------------+-------------------------------+
 * |  Route count  |                Reserved (0)                   |
 * +---------------+-----------------------------------------------+
 * |  Route destination            (repeated Route count times)    |
 * +---------------+-----------------------------------------------+
 * |  Route prefix |                Reserved (0)                   |
 * +---------------+---------------+-------------------------------+
 * |  DNS count    |  Search len   |  Reserved (0)                 |  optional:
 * +---------------+---------------+-------------------------------+  only when
 * |  DNS server address           (repeated DNS count times)      |  there is
 * +---------------------------------------------------------------+  DNS to
 * |  Search domains (Search len bytes, space-separated, no NUL)   |  push
 * +---------------------------------------------------------------+
 *
 * All numbers big-endian. config_parse() checks every field a client is
 * about to hand to the kernel.
 */
#include <arpa/inet.h>
#include <string.h>

#include "minivpn.h"

/* Writes cfg into out (at least CONFIG_LEN_MAX bytes); returns the length. */
size_t
config_encode(const struct vpn_config *cfg, uint8_t *out)
{
	size_t n = CONFIG_FIXED_LEN;

	memset(out, 0, CONFIG_FIXED_LEN);
	out[0] = VPN_PROTO_VERSION;
	out[1] = (uint8_t)cfg->prefixlen;
	put16(out + 2, cfg->mtu);
	memcpy(out + 4, &cfg->addr, 4);
	memcpy(out + 8, &cfg->server, 4);
	put16(out + 12, cfg->ka_interval);
	put16(out + 14, cfg->ka_timeout);
	out[16] = (uint8_t)cfg->nroutes;
	for (unsigned i = 0; i < cfg->nroutes; i++) {
		memset(out + n, 0, CONFIG_ROUTE_LEN);
		memcpy(out + n, &cfg->routes[i].dst, 4);
		out[n + 4] = (uint8_t)cfg->routes[i].prefixlen;
		n += CONFIG_ROUTE_LEN;
	}
	if (cfg->ndns > 0 || cfg->search[0] != '\0') {
		size_t sl = strlen(cfg->search);

		out[n] = (uint8_t)cfg->ndns;
		out[n + 1] = (uint8_t)sl;
		out[n + 2] = out[n + 3] = 0;
		n += CONFIG_DNS_HDR;
		for (unsigned i = 0; i < cfg->ndns; i++, n += 4)
			memcpy(out + n, &cfg->dns[i], 4);
		memcpy(out + n, cfg->search, sl);
		n += sl;
	}
	return n;
}

/* Search domains as resolv.conf takes them: labels of letters, digits and
 * '-' (not first: the client's root keeper hands each domain to resolvectl
 * as an argument, where "-x" would be an option), dots between, one space
 * between domains; nothing else reaches the client's resolver
 * configuration. */
bool
config_search_valid(const char *s, size_t len)
{
	bool label = false;

	if (len > CONFIG_SEARCH_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && label))
			label = true;
		else if ((c == '.' || c == ' ') && label)
			label = false;
		else
			return false;
	}
	return len == 0 || label;
}

static uint32_t
prefix_mask(int prefixlen)
{
	return prefixlen == 0 ? 0 : 0xffffffffu << (32 - prefixlen);
}

/* A unicast address a host may take: not 0/8, loopback, multicast or
 * reserved (224/3), and not the network or broadcast of its prefix. */
static bool
host_addr_ok(struct in_addr a, int prefixlen)
{
	uint32_t h = ntohl(a.s_addr), host = ~prefix_mask(prefixlen);

	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 29) == 7)
		return false;
	if (prefixlen <= 30 && ((h & host) == 0 || (h & host) == host))
		return false;
	return true;
}

/* True when one of cfg's routes covers addr (the client must not route
 * its connection to the server into the tunnel: it would loop). */
bool
config_routes_cover(const struct vpn_config *cfg, struct in_addr addr)
{
	uint32_t h = ntohl(addr.s_addr);

	for (unsigned i = 0; i < cfg->nroutes; i++) {
		uint32_t m = prefix_mask(cfg->routes[i].prefixlen);

		if ((h & m) == ntohl(cfg->routes[i].dst.s_addr))
			return true;
	}
	return false;
}

int
config_parse(const uint8_t *p, size_t len, struct vpn_config *cfg,
             const char **why)
{
	static char reason[96];
	size_t n = CONFIG_FIXED_LEN;

	memset(cfg, 0, sizeof(*cfg));
	if (len < CONFIG_FIXED_LEN) {
		snprintf(reason, sizeof(reason), "CONFIG of %zu bytes, needs %d",
		         len, CONFIG_FIXED_LEN);
		goto invalid;
	}
	if (p[0] != VPN_PROTO_VERSION) {
		snprintf(reason, sizeof(reason), "CONFIG version %u, expected %d",
		         p[0], VPN_PROTO_VERSION);
		goto invalid;
	}
	cfg->prefixlen = p[1];
	cfg->mtu = get16(p + 2);
	memcpy(&cfg->addr, p + 4, 4);
	memcpy(&cfg->server, p + 8, 4);
	cfg->ka_interval = get16(p + 12);
	cfg->ka_timeout = get16(p + 14);
	cfg->nroutes = p[16];
	if (cfg->prefixlen < 1 || cfg->prefixlen > 32) {
		snprintf(reason, sizeof(reason), "CONFIG prefix /%d", cfg->prefixlen);
		goto invalid;
	}
	if (p[17] != 0 || p[18] != 0 || p[19] != 0) {
		snprintf(reason, sizeof(reason), "CONFIG reserved bytes not 0");
		goto invalid;
	}
	if (!host_addr_ok(cfg->addr, cfg->prefixlen) ||
	    !host_addr_ok(cfg->server, cfg->prefixlen) ||
	    cfg->addr.s_addr == cfg->server.s_addr) {
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

		snprintf(reason, sizeof(reason), "CONFIG address %s/%d (server %s) "
		         "is not a unicast host address",
		         inet_ntop(AF_INET, &cfg->addr, a, sizeof(a)),
		         cfg->prefixlen,
		         inet_ntop(AF_INET, &cfg->server, b, sizeof(b)));
		goto invalid;
	}
	if (cfg->mtu < VPN_MTU_MIN || cfg->mtu > VPN_MTU_MAX) {
		snprintf(reason, sizeof(reason), "CONFIG MTU %u, allowed %d to %d",
		         cfg->mtu, VPN_MTU_MIN, VPN_MTU_MAX);
		goto invalid;
	}
	if (cfg->ka_interval == 0 || cfg->ka_timeout <= cfg->ka_interval) {
		snprintf(reason, sizeof(reason), "CONFIG keepalive %u s, timeout "
		         "%u s", cfg->ka_interval, cfg->ka_timeout);
		goto invalid;
	}
	if (cfg->nroutes > CONFIG_ROUTES_MAX ||
	    len < CONFIG_FIXED_LEN + cfg->nroutes * CONFIG_ROUTE_LEN) {
		snprintf(reason, sizeof(reason), "CONFIG of %zu bytes with %u "
		         "routes", len, cfg->nroutes);
		goto invalid;
	}
	for (unsigned i = 0; i < cfg->nroutes; i++, n += CONFIG_ROUTE_LEN) {
		memcpy(&cfg->routes[i].dst, p + n, 4);
		cfg->routes[i].prefixlen = p[n + 4];
		if (cfg->routes[i].prefixlen > 32) {
			snprintf(reason, sizeof(reason), "CONFIG route %u prefix /%d",
			         i, cfg->routes[i].prefixlen);
			goto invalid;
		}
		if (ntohl(cfg->routes[i].dst.s_addr) &
		    ~prefix_mask(cfg->routes[i].prefixlen)) {
			char a[INET_ADDRSTRLEN];

			snprintf(reason, sizeof(reason), "CONFIG route %u %s/%d has "
			         "host bits set", i, inet_ntop(AF_INET,
			         &cfg->routes[i].dst, a, sizeof(a)),
			         cfg->routes[i].prefixlen);
			goto invalid;
		}
		if (p[n + 5] != 0 || p[n + 6] != 0 || p[n + 7] != 0) {
			snprintf(reason, sizeof(reason), "CONFIG route %u reserved "
			         "bytes not 0", i);
			goto invalid;
		}
	}
	if (n == len)
		return 0;
	/* The DNS part. */
	if (len - n < CONFIG_DNS_HDR || p[n] > CONFIG_DNS_MAX ||
	    p[n + 1] > CONFIG_SEARCH_MAX || p[n + 2] != 0 || p[n + 3] != 0 ||
	    len - n != CONFIG_DNS_HDR + p[n] * 4u + p[n + 1]) {
		snprintf(reason, sizeof(reason), "CONFIG of %zu bytes: a DNS part "
		         "that does not add up", len);
		goto invalid;
	}
	cfg->ndns = p[n];
	size_t sl = p[n + 1];
	n += CONFIG_DNS_HDR;
	for (unsigned i = 0; i < cfg->ndns; i++, n += 4) {
		memcpy(&cfg->dns[i], p + n, 4);
		if (!host_addr_ok(cfg->dns[i], 32)) {
			snprintf(reason, sizeof(reason), "CONFIG DNS server %u is not "
			         "a unicast address", i);
			goto invalid;
		}
	}
	if (!config_search_valid((const char *)p + n, sl)) {
		snprintf(reason, sizeof(reason), "CONFIG search domains with a "
		         "character not allowed");
		goto invalid;
	}
	memcpy(cfg->search, p + n, sl);
	cfg->search[sl] = '\0';
	return 0;
invalid:
	*why = reason;
	return -1;
}
