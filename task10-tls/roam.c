/*
 * roam.c - routes for clients that keep their address when a drain moves
 * them here from another server of the same pool (--pool-slice, pool.c's
 * pool_roam()).
 *
 * Each server's TUN has its slice's prefix, so the server host routes a
 * slice to its server. A client that kept its address from another slice
 * needs a /32 on this server's TUN, more specific than the other slice's
 * route (which may still be there while the other server finishes its
 * drain, or come back when it restarts), for as long as it is logged in
 * here. Routes need CAP_NET_ADMIN, which the server gives up after
 * set-up: a keeper (roothelper.c) forked before any key or socket exists adds and
 * removes them on the server's request, over a SOCK_SEQPACKET pair:
 *
 *   request:  op (u8: 'T' the TUN's name, once; 'A' add; 'D' delete)
 *             | address (4 bytes) | name (IFNAMSIZ)
 *
 * It takes only /32s inside the whole pool and outside this server's own
 * slice, on the TUN named first, so a compromised server cannot route
 * anything else. With --pool6 each /32 brings the client's /128 (the
 * pool6 address of the same offset), computed here, not asked for. The
 * routes go with the TUN when the server exits; the keeper exits when its
 * socket closes. No answer: a route that cannot be added is logged, and
 * the client's packets take the slice's route.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "minivpn.h"

struct roam_req {
	uint8_t        op;
	struct in_addr addr;
	char           ifname[IFNAMSIZ];
};

static bool
in_prefix(uint32_t h, uint32_t net, int prefixlen)
{
	uint32_t mask = prefixlen ? ~0u << (32 - prefixlen) : 0;

	return (h & mask) == (net & mask);
}

struct roam_keeper {
	uint32_t all_net, own_net;
	int      all_prefix, own_prefix;
	struct in6_addr pool6;
	int      pool6_prefix;     /* 0: no --pool6 */
};

/* op 'A' or 'D' of the /128 that goes with IPv4 address h. */
static void
route6(const struct roam_keeper *rk, char op, uint32_t h, const char *ifname)
{
	struct in6_addr a6;
	char a[INET6_ADDRSTRLEN];

	if (rk->pool6_prefix == 0)
		return;
	a6 = pool6_addr(&rk->pool6, rk->pool6_prefix, h & (~0u >> rk->all_prefix));
	if (op == 'A' && nl_route6_add(&a6, 128, ifname) == 0)
		log_info("roam: %s/128 routed to %s",
		         inet_ntop(AF_INET6, &a6, a, sizeof(a)), ifname);
	else if (op == 'D')
		(void)nl_route6_del(&a6, 128, ifname);
}

static void
keeper(int fd, void *arg)
{
	const struct roam_keeper *rk = arg;
	uint32_t all_net = rk->all_net, own_net = rk->own_net;
	int all_prefix = rk->all_prefix, own_prefix = rk->own_prefix;
	struct roam_req rq;
	char ifname[IFNAMSIZ] = "", a[INET_ADDRSTRLEN];
	ssize_t n;
	uint32_t h;

	for (;;) {
		n = recv(fd, &rq, sizeof(rq), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		if ((size_t)n != sizeof(rq))
			continue;
		h = ntohl(rq.addr.s_addr);
		if (rq.op == 'T') {
			if (ifname[0] == '\0' && memchr(rq.ifname, '\0', IFNAMSIZ))
				memcpy(ifname, rq.ifname, IFNAMSIZ);
			continue;
		}
		inet_ntop(AF_INET, &rq.addr, a, sizeof(a));
		if (ifname[0] == '\0' || !in_prefix(h, all_net, all_prefix) ||
		    in_prefix(h, own_net, own_prefix)) {
			log_warnx("roam: refused a route for %s", a);
			continue;
		}
		if (rq.op == 'A' && nl_route_add(rq.addr, 32, NULL, ifname) == 0)
			log_info("roam: %s/32 routed to %s (a client from another "
			         "slice)", a, ifname);
		else if (rq.op == 'D')
			(void)nl_route_del(rq.addr, 32, NULL, ifname);
		if (rq.op == 'A' || rq.op == 'D')
			route6(rk, (char)rq.op, h, ifname);
	}
}

int
roam_start(struct in_addr all_net, int all_prefix, struct in_addr own_net,
           int own_prefix, const struct in6_addr *pool6, int pool6_prefix)
{
	struct roam_keeper rk = {
		.all_net = ntohl(all_net.s_addr), .all_prefix = all_prefix,
		.own_net = ntohl(own_net.s_addr), .own_prefix = own_prefix,
		.pool6 = *pool6, .pool6_prefix = pool6_prefix,
	};
	int fd = roothelper_start("minivpn-roam", ROOTHELPER_SEQPACKET, keeper, &rk);

	if (fd == -1)
		return -1;
	if (fd_nonblock(fd) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* op 'T' (ifname), 'A' or 'D' (addr). */
void
roam_send(int fd, char op, struct in_addr addr, const char *ifname)
{
	struct roam_req rq;

	if (fd < 0)
		return;
	memset(&rq, 0, sizeof(rq));
	rq.op = (uint8_t)op;
	rq.addr = addr;
	if (ifname != NULL)
		snprintf(rq.ifname, sizeof(rq.ifname), "%s", ifname);
	if (send(fd, &rq, sizeof(rq), MSG_NOSIGNAL) == -1)
		log_warn("roam: asking for a route");
}
