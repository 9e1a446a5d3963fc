/*
 * config.c - the CONFIG message: what the server pushes to a client after
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
 * +---------------+-----------------------------------------------+
 *
 * All numbers big-endian. config_parse() checks every field a client is
 * about to hand to the kernel.
 */
#include <arpa/inet.h>
#include <string.h>

#include "minivpn.h"

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

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
	return n;
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
	    len != CONFIG_FIXED_LEN + cfg->nroutes * CONFIG_ROUTE_LEN) {
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
	}
	return 0;
invalid:
	*why = reason;
	return -1;
}
