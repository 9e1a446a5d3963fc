/*
 * pool.c - the tunnel address pool (192.168.53.0/24 by default).
 *
 * The network and broadcast addresses are never handed out, and the first
 * host address belongs to the server's TUN. Each slot also remembers the
 * session that owns it, which is how a packet read from the TUN finds its
 * client in O(1): slot = destination - network.
 */
#include <arpa/inet.h>
#include <stdio.h>
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

/*
 * --pool-slice N/M: several servers on one tunnel network, each with the
 * Nth of M equal parts of the pool (M a power of two), a CIDR of its own:
 * the server's TUN gets that prefix, so the server host routes each part
 * to its own server. Narrows net/prefixlen in place; -1 when it cannot.
 */
int
pool_slice(struct in_addr *net, int *prefixlen, unsigned n, unsigned m)
{
	int bits = 0;
	uint32_t base;

	if (m == 0 || (m & (m - 1)) != 0 || n < 1 || n > m) {
		log_warnx("pool slice %u/%u: expected N/M with M a power of two "
		          "and N from 1 to M", n, m);
		return -1;
	}
	while ((1u << bits) < m)
		bits++;
	if (*prefixlen < POOL_PREFIX_MIN || *prefixlen + bits > POOL_PREFIX_MAX) {
		log_warnx("pool slice %u/%u: a /%d pool has no room for %u parts",
		          n, m, *prefixlen, m);
		return -1;
	}
	base = ntohl(net->s_addr) & (*prefixlen ? ~0u << (32 - *prefixlen) : 0);
	*prefixlen += bits;
	net->s_addr = htonl(base + (n - 1) * (1u << (32 - *prefixlen)));
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

/* FNV-1a: a stable, well-spread hash of the user name. */
static uint32_t
name_hash(const char *user)
{
	uint32_t h = 2166136261u;

	for (; *user; user++)
		h = (h ^ (uint8_t)*user) * 16777619u;
	return h;
}

static bool
leased_to(const struct pool *p, long s, const char *user)
{
	return strcmp(p->lease[s], user) == 0;
}

/*
 * Gives `user` an address: `want` if it is free and `user` held it last,
 * else the free address leased to `user`, else, from the slot its name
 * hashes to, the first free address not leased to another user, else any
 * free address (taking over the lease of a user who is away). Returns 0,
 * or -1 when the pool is full.
 */
int
pool_alloc(struct pool *p, const char *user, struct in_addr want, void *owner,
           struct in_addr *out)
{
	long first = 2, n = (long)p->size - 3;   /* client slots: 2 .. size-2 */
	long s = pool_slot(p, want), start, i;

	if (s >= 0 && p->owner[s] == NULL && leased_to(p, s, user))
		goto found;
	for (s = first; s < first + n; s++)
		if (p->owner[s] == NULL && leased_to(p, s, user))
			goto found;
	start = (long)(name_hash(user) % (uint32_t)n);
	for (i = 0; i < n; i++) {
		s = first + (start + i) % n;
		if (p->owner[s] == NULL && p->lease[s][0] == '\0')
			goto found;
	}
	for (i = 0; i < n; i++) {
		s = first + (start + i) % n;
		if (p->owner[s] == NULL)
			goto found;
	}
	return -1;
found:
	/* One lease per user: forget any other address it held. */
	for (i = first; i < first + n; i++)
		if (i != s && leased_to(p, i, user))
			p->lease[i][0] = '\0';
	snprintf(p->lease[s], sizeof(p->lease[s]), "%s", user);
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
