/*
 * pool.c - the tunnel address pool (192.168.53.0/24 by default).
 *
 * The network and broadcast addresses are never handed out, and the first
 * host address belongs to the server's TUN. Each slot also remembers the
 * session that owns it, which is how a packet read from the TUN finds its
 * client in O(1): slot = destination - network.
 */
#include <arpa/inet.h>
#include <string.h>

#include "minivpn.h"

int
pool_init(struct pool *p, struct in_addr net, int prefixlen)
{
	uint32_t mask;

	if (prefixlen < POOL_PREFIX_MIN || prefixlen > POOL_PREFIX_MAX) {
		log_warnx("address pool /%d: the prefix must be /%d to /%d",
		          prefixlen, POOL_PREFIX_MIN, POOL_PREFIX_MAX);
		return -1;
	}
	memset(p, 0, sizeof(*p));
	mask = 0xffffffffu << (32 - prefixlen);
	p->net = ntohl(net.s_addr) & mask;
	p->prefixlen = prefixlen;
	p->size = 1u << (32 - prefixlen);
	return 0;
}

struct in_addr
pool_server_addr(const struct pool *p)
{
	struct in_addr a = { htonl(p->net + 1) };

	return a;
}

/* The slot of addr, or -1 when addr is not a client address of the pool. */
static long
pool_slot(const struct pool *p, struct in_addr addr)
{
	uint32_t h = ntohl(addr.s_addr);

	if (h - p->net >= p->size)
		return -1;
	h -= p->net;
	if (h < 2 || h == p->size - 1)   /* network, server, broadcast */
		return -1;
	return (long)h;
}

bool
pool_contains(const struct pool *p, struct in_addr addr)
{
	return pool_slot(p, addr) >= 0;
}

/*
 * Hands out `want` if it is a free client address of the pool (so a client
 * that reconnects keeps its address and its TCP sessions), otherwise the
 * lowest free one. Returns 0, or -1 when the pool is full.
 */
int
pool_alloc(struct pool *p, struct in_addr want, void *owner,
           struct in_addr *out)
{
	long s = pool_slot(p, want);

	if (s < 0 || p->owner[s] != NULL) {
		for (s = 2; s < (long)p->size - 1; s++)
			if (p->owner[s] == NULL)
				break;
		if (s >= (long)p->size - 1)
			return -1;
	}
	p->owner[s] = owner;
	p->used++;
	out->s_addr = htonl(p->net + (uint32_t)s);
	return 0;
}

void
pool_free(struct pool *p, struct in_addr addr)
{
	long s = pool_slot(p, addr);

	if (s >= 0 && p->owner[s] != NULL) {
		p->owner[s] = NULL;
		p->used--;
	}
}

void *
pool_owner(const struct pool *p, struct in_addr addr)
{
	long s = pool_slot(p, addr);

	return s < 0 ? NULL : p->owner[s];
}
