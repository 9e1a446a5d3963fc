/*
 * config6msg.c - the CONFIG6 message: what the server answers a client that
 * asks for IPv6 in the tunnel (its IPv6 tunnel address, the server's, the
 * pool6 prefix length and the IPv6 routes), and the pool6 arithmetic.
 *
 *  0               1               2               3
 * +---------------+---------------+---------------+---------------+
 * |   Version     |  Prefix len   |  Route count  | Reserved (0)  |
 * +---------------+---------------+---------------+---------------+
 * |                                                               |
 * +                                                               +
 * |                  Client tunnel address (16)                   |
 * +                                                               +
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                                                               |
 * +                                                               +
 * |                  Server tunnel address (16)                   |
 * +                                                               +
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                                                               |
 * +                                                               +
 * |  Route destination (16)       (repeated Route count times)    |
 * +                                                               +
 * |                                                               |
 * +---------------+-----------------------------------------------+
 * |  Route prefix |                Reserved (0)                   |
 * +---------------+-----------------------------------------------+
 *
 * The length is exactly 36 + 20 x Route count: there is no optional part,
 * so config6_parse() refuses any byte left over. An empty CONFIG6 (no
 * payload) means "no IPv6 here"; callers handle it before parsing.
 *
 * The client's address is the pool6 network plus the offset its IPv4
 * address has in the IPv4 pool (pool6_addr()); the offset is at most 32
 * bits, so pool6_offset() refuses a host part that does not fit them.
 */
#include <arpa/inet.h>
#include <string.h>

#include "minivpn.h"

/* The bits of byte i (0..15) that are inside a prefix of prefixlen bits. */
static uint8_t
prefix6_byte(int prefixlen, int i)
{
	int bits = prefixlen - 8 * i;

	if (bits <= 0)
		return 0;
	if (bits >= 8)
		return 0xff;
	return (uint8_t)(0xff << (8 - bits));
}

/* True when a and b agree in their first prefixlen bits. */
static bool
prefix6_same(const struct in6_addr *a, const struct in6_addr *b, int prefixlen)
{
	for (int i = 0; i < 16; i++) {
		uint8_t m = prefix6_byte(prefixlen, i);

		if ((a->s6_addr[i] & m) != (b->s6_addr[i] & m))
			return false;
	}
	return true;
}

/* True when a has a bit set past its first prefixlen bits. */
static bool
host6_bits(const struct in6_addr *a, int prefixlen)
{
	for (int i = 0; i < 16; i++)
		if (a->s6_addr[i] & (uint8_t)~prefix6_byte(prefixlen, i))
			return true;
	return false;
}

/* Why a may not be a host's tunnel address (the kinds a kernel would take
 * on an interface but that mean something else), or NULL when it may. */
static const char *
addr6_unfit(const struct in6_addr *a)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[15];

	if (memcmp(a->s6_addr, zero, 15) == 0 && a->s6_addr[15] == 0)
		return "unspecified";
	if (memcmp(a->s6_addr, zero, 15) == 0 && a->s6_addr[15] == 1)
		return "loopback";
	if (a->s6_addr[0] == 0xff)
		return "multicast";
	if (a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80)
		return "link-local";
	if (memcmp(a->s6_addr, v4mapped, 12) == 0)
		return "IPv4-mapped";
	return NULL;
}

/* Writes cfg (nroutes at most CONFIG6_ROUTES_MAX) into out (at least
 * CONFIG6_LEN_MAX bytes); returns the length. */
size_t
config6_encode(const struct vpn_config6 *cfg, uint8_t *out)
{
	size_t n = CONFIG6_FIXED_LEN;

	out[0] = CONFIG6_VERSION;
	out[1] = (uint8_t)cfg->prefixlen;
	out[2] = (uint8_t)cfg->nroutes;
	out[3] = 0;
	memcpy(out + 4, &cfg->addr, 16);
	memcpy(out + 20, &cfg->server, 16);
	for (unsigned i = 0; i < cfg->nroutes; i++) {
		memcpy(out + n, &cfg->routes[i].dst, 16);
		out[n + 16] = (uint8_t)cfg->routes[i].prefixlen;
		out[n + 17] = out[n + 18] = out[n + 19] = 0;
		n += CONFIG6_ROUTE_LEN;
	}
	return n;
}

/*
 * Reads a CONFIG6 payload of len bytes into cfg, checking every field the
 * client is about to hand to the kernel. Returns 0, or -1 with *why set
 * to a sentence that names the field and its value (valid until the next
 * call).
 */
int
config6_parse(const uint8_t *p, size_t len, struct vpn_config6 *cfg,
              const char **why)
{
	static char reason[160];
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char *unfit;
	size_t n = CONFIG6_FIXED_LEN;

	memset(cfg, 0, sizeof(*cfg));
	if (len < CONFIG6_FIXED_LEN) {
		snprintf(reason, sizeof(reason), "CONFIG6 of %zu bytes, needs %d",
		         len, CONFIG6_FIXED_LEN);
		goto invalid;
	}
	if (p[0] != CONFIG6_VERSION) {
		snprintf(reason, sizeof(reason), "CONFIG6 version %u, expected %d",
		         p[0], CONFIG6_VERSION);
		goto invalid;
	}
	if (p[3] != 0) {
		snprintf(reason, sizeof(reason), "CONFIG6 reserved byte 0x%02x, "
		         "not 0", p[3]);
		goto invalid;
	}
	cfg->prefixlen = p[1];
	cfg->nroutes = p[2];
	memcpy(&cfg->addr, p + 4, 16);
	memcpy(&cfg->server, p + 20, 16);
	if (cfg->prefixlen < POOL6_PREFIX_MIN || cfg->prefixlen > POOL6_PREFIX_MAX) {
		snprintf(reason, sizeof(reason), "CONFIG6 prefix /%d, allowed /%d "
		         "to /%d", cfg->prefixlen, POOL6_PREFIX_MIN, POOL6_PREFIX_MAX);
		goto invalid;
	}
	if (cfg->nroutes > CONFIG6_ROUTES_MAX) {
		snprintf(reason, sizeof(reason), "CONFIG6 route count %u, at most %d",
		         cfg->nroutes, CONFIG6_ROUTES_MAX);
		goto invalid;
	}
	if (len != CONFIG6_FIXED_LEN + cfg->nroutes * CONFIG6_ROUTE_LEN) {
		snprintf(reason, sizeof(reason), "CONFIG6 of %zu bytes with route "
		         "count %u, which needs %u", len, cfg->nroutes,
		         CONFIG6_FIXED_LEN + cfg->nroutes * CONFIG6_ROUTE_LEN);
		goto invalid;
	}
	inet_ntop(AF_INET6, &cfg->addr, a, sizeof(a));
	inet_ntop(AF_INET6, &cfg->server, b, sizeof(b));
	if ((unfit = addr6_unfit(&cfg->addr)) != NULL) {
		snprintf(reason, sizeof(reason), "CONFIG6 client address %s is %s",
		         a, unfit);
		goto invalid;
	}
	if ((unfit = addr6_unfit(&cfg->server)) != NULL) {
		snprintf(reason, sizeof(reason), "CONFIG6 server address %s is %s",
		         b, unfit);
		goto invalid;
	}
	if (memcmp(&cfg->addr, &cfg->server, 16) == 0) {
		snprintf(reason, sizeof(reason), "CONFIG6 client address %s is the "
		         "server address", a);
		goto invalid;
	}
	if (!prefix6_same(&cfg->addr, &cfg->server, cfg->prefixlen)) {
		snprintf(reason, sizeof(reason), "CONFIG6 server address %s is not "
		         "in the client's prefix %s/%d", b, a, cfg->prefixlen);
		goto invalid;
	}
	for (unsigned i = 0; i < cfg->nroutes; i++, n += CONFIG6_ROUTE_LEN) {
		struct vpn_route6 *r = &cfg->routes[i];

		memcpy(&r->dst, p + n, 16);
		r->prefixlen = p[n + 16];
		if (r->prefixlen > 128) {
			snprintf(reason, sizeof(reason), "CONFIG6 route %u prefix /%d",
			         i, r->prefixlen);
			goto invalid;
		}
		if (host6_bits(&r->dst, r->prefixlen)) {
			snprintf(reason, sizeof(reason), "CONFIG6 route %u %s/%d has "
			         "host bits set", i, inet_ntop(AF_INET6, &r->dst, a,
			         sizeof(a)), r->prefixlen);
			goto invalid;
		}
		if (p[n + 17] != 0 || p[n + 18] != 0 || p[n + 19] != 0) {
			snprintf(reason, sizeof(reason), "CONFIG6 route %u reserved "
			         "bytes %02x%02x%02x, not 0", i, p[n + 17], p[n + 18],
			         p[n + 19]);
			goto invalid;
		}
	}
	return 0;
invalid:
	*why = reason;
	return -1;
}

/* Outside 0..128, the nearest end: pool6_addr() cannot fail. */
static int
prefix6_clamp(int prefixlen)
{
	return prefixlen < 0 ? 0 : prefixlen > 128 ? 128 : prefixlen;
}

/* net's prefix with the host part offset: only the host bits among the low
 * 32 are taken from offset (a /120 keeps its low 8 bits), the rest of the
 * host part is 0. */
struct in6_addr
pool6_addr(const struct in6_addr *net, int prefixlen, uint32_t offset)
{
	struct in6_addr r;

	prefixlen = prefix6_clamp(prefixlen);
	for (int i = 0; i < 16; i++) {
		uint8_t m = prefix6_byte(prefixlen, i);

		r.s6_addr[i] = net->s6_addr[i] & m;
		if (i >= 12)
			r.s6_addr[i] |= (uint8_t)(offset >> (8 * (15 - i))) &
			                (uint8_t)~m;
	}
	return r;
}

int
pool6_offset(const struct in6_addr *net, int prefixlen,
             const struct in6_addr *a, uint32_t *offset)
{
	uint32_t host = 0;

	if (prefixlen < 0 || prefixlen > 128 || !prefix6_same(net, a, prefixlen))
		return -1;
	/* a host part wider than 32 bits: a bit set above the low 32 */
	for (int i = 0; i < 12; i++)
		if (a->s6_addr[i] & (uint8_t)~prefix6_byte(prefixlen, i))
			return -1;
	for (int i = 12; i < 16; i++)
		host = host << 8 |
		       (uint32_t)(a->s6_addr[i] & (uint8_t)~prefix6_byte(prefixlen, i));
	*offset = host;
	return 0;
}
