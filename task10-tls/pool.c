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

static uint32_t name_hash(const char *user);

/*
 * Moving between slices: a client that a drain moved here asks for the
 * address it had at the other server. It keeps it when that address is
 * its home there - the first address pool_alloc() tries for its name in
 * that slice, which every server computes alike - and no one here holds
 * it: so a user can claim only its own home in another slice, never the
 * address another user was given. The server routes it to its TUN (a /32,
 * roam.c). pool_roam() tells the pool the whole network it is a slice of.
 */
void
pool_roam(struct pool *p, struct in_addr all_net, int all_prefix)
{
	p->all_net = ntohl(all_net.s_addr) &
	             (all_prefix ? ~0u << (32 - all_prefix) : 0);
	p->all_prefix = all_prefix;
}

/* The first address pool_alloc() tries for user in the pool net/prefixlen. */
struct in_addr
pool_home(struct in_addr net, int prefixlen, const char *user)
{
	uint32_t size = 1u << (32 - prefixlen), n = size - 3;
	uint32_t base = ntohl(net.s_addr) & ~(size - 1);
	struct in_addr a = { htonl(base + 2 + name_hash(user) % n) };

	return a;
}

/* The roam entry of addr, or -1. */
static long
roam_slot(const struct pool *p, uint32_t addr)
{
	for (unsigned i = 0; i < p->nroam; i++)
		if (p->roam[i].addr == addr)
			return (long)i;
	return -1;
}

/* Takes want for user from another slice (see above); 0 or -1. */
static int
roam_take(struct pool *p, const char *user, struct in_addr want, void *owner)
{
	uint32_t h = ntohl(want.s_addr);
	uint32_t all_mask = p->all_prefix ? ~0u << (32 - p->all_prefix) : 0;
	uint32_t mask = ~0u << (32 - p->prefixlen);
	struct in_addr net = { htonl(h & mask) };

	if (p->all_prefix == 0 || p->nroam == POOL_ROAM_MAX ||
	    (h & all_mask) != p->all_net || (h & mask) == p->net ||
	    pool_home(net, p->prefixlen, user).s_addr != want.s_addr ||
	    roam_slot(p, h) >= 0)
		return -1;
	p->roam[p->nroam].addr = h;
	p->roam[p->nroam].owner = owner;
	p->nroam++;
	p->used++;
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
	if (s < 0 && want.s_addr != 0 && roam_take(p, user, want, owner) == 0) {
		*out = want;
		return 0;
	}
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
	} else if (s < 0 && (s = roam_slot(p, ntohl(addr.s_addr))) >= 0) {
		p->roam[s] = p->roam[--p->nroam];
		p->used--;
	}
}

void *
pool_owner(const struct pool *p, struct in_addr addr)
{
	long s = pool_slot(p, addr);

	if (s < 0 && p->nroam > 0 && (s = roam_slot(p, ntohl(addr.s_addr))) >= 0)
		return p->roam[s].owner;
	return s < 0 ? NULL : p->owner[s];
}
