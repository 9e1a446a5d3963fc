/*
 * netconf.c - the client's side of the config push: the TUN's address,
 * MTU and routes, set over netlink from what the server sent, and taken
 * away again on exit.
 *
 * A reconnect that brings the same config changes nothing in the kernel,
 * so sockets bound to the tunnel address and TCP sessions through it
 * survive a server restart. A different config replaces the old one.
 *
 * A full tunnel (a route over the server's own address, 0.0.0.0/0 at
 * most) keeps the client's path to the server outside it, as OpenVPN's
 * def1 does: first a host route to the server by the way the kernel takes
 * now (`ip route get`), then 0.0.0.0/0 as two halves, 0.0.0.0/1 and
 * 128.0.0.0/1, which win over the default route without replacing it, so
 * that removing them gives it back untouched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "minivpn.h"

/* Adds or deletes rt on ifname; 0.0.0.0/0 as its two halves. */
static int
route_op(bool add, const struct vpn_route *rt, const char *ifname)
{
	struct in_addr half[2];
	int n = 1, plen = rt->prefixlen, ret = 0;

	half[0] = rt->dst;
	if (plen == 0) {
		half[0].s_addr = htonl(0);
		half[1].s_addr = htonl(0x80000000u);
		n = 2;
		plen = 1;
	}
	for (int i = 0; i < n; i++) {
		if (add && nl_route_add(half[i], plen, NULL, ifname) == -1) {
			if (i == 1) {
				int saved = errno;

				(void)nl_route_del(half[0], plen, NULL, ifname);
				errno = saved;
			}
			return -1;
		}
		if (!add && nl_route_del(half[i], plen, NULL, ifname) == -1)
			ret = -1;
	}
	return ret;
}

/* A host route to the server the way packets go there now. */
static int
pin_server(struct netconf *nc)
{
	char s[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &nc->server, s, sizeof(s));
	if (nl_route_get(nc->server, &nc->pin_gw, nc->pin_if) == -1)
		return -1;
	if (strcmp(nc->pin_if, nc->ifname) == 0) {
		log_warnx("%s: the way to the server %s is already the tunnel",
		          nc->ifname, s);
		return -1;
	}
	if (nl_route_add(nc->server, 32, nc->pin_gw.s_addr ? &nc->pin_gw : NULL,
	                 nc->pin_if) == -1) {
		if (errno != EEXIST)
			return -1;
		log_info("%s: a host route to the server %s exists already; "
		         "kept as it is", nc->ifname, s);
		return 0;
	}
	nc->pinned = true;
	nc->pin_addr = nc->server;
	inet_ntop(AF_INET, &nc->pin_gw, g, sizeof(g));
	log_info("%s: full tunnel: the server %s stays reachable via %s dev %s",
	         nc->ifname, s, nc->pin_gw.s_addr ? g : "(on-link)", nc->pin_if);
	return 0;
}

static bool
config_same(const struct vpn_config *a, const struct vpn_config *b)
{
	if (a->addr.s_addr != b->addr.s_addr || a->prefixlen != b->prefixlen ||
	    a->mtu != b->mtu || a->nroutes != b->nroutes)
		return false;
	for (unsigned i = 0; i < a->nroutes; i++)
		if (a->routes[i].dst.s_addr != b->routes[i].dst.s_addr ||
		    a->routes[i].prefixlen != b->routes[i].prefixlen)
			return false;
	return true;
}

int
netconf_apply(struct netconf *nc, const struct vpn_config *cfg)
{
	char a[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];

	if (nc->applied && config_same(&nc->cfg, cfg))
		return 0;
	netconf_remove(nc);
	inet_ntop(AF_INET, &cfg->addr, a, sizeof(a));
	if (nl_addr_add(nc->ifname, cfg->addr, cfg->prefixlen) == -1)
		return -1;
	nc->cfg = *cfg;
	nc->cfg.nroutes = 0;
	nc->applied = true;
	if (nl_link_up(nc->ifname, (int)cfg->mtu) == -1)
		goto bad;
	log_info("%s: address %s/%d, mtu %u", nc->ifname, a, cfg->prefixlen,
	         cfg->mtu);
	if (nc->server.s_addr != 0 && config_routes_cover(cfg, nc->server) &&
	    pin_server(nc) == -1)
		goto bad;
	for (unsigned i = 0; i < cfg->nroutes; i++) {
		const struct vpn_route *rt = &cfg->routes[i];

		inet_ntop(AF_INET, &rt->dst, r, sizeof(r));
		if (route_op(true, rt, nc->ifname) == -1) {
			if (errno != EEXIST)
				goto bad;
			/* Someone else's (or ours from a run that died): not ours
			 * to remove on exit, and no reason to give up the VPN. */
			log_warnx("warning: %s: route %s/%d exists already; left as "
			          "it is", nc->ifname, r, rt->prefixlen);
			continue;
		}
		nc->cfg.routes[nc->cfg.nroutes++] = *rt;
		log_info("%s: route %s/%d%s", nc->ifname, r, rt->prefixlen,
		         rt->prefixlen == 0 ? " (as 0.0.0.0/1 and 128.0.0.0/1)" : "");
	}
	return 0;
bad:
	netconf_remove(nc);
	return -1;
}

/* Undoes netconf_apply in reverse order; safe to call when nothing is set. */
void
netconf_remove(struct netconf *nc)
{
	netconf6_remove(nc);
	if (!nc->applied)
		return;
	for (unsigned i = nc->cfg.nroutes; i-- > 0;)
		(void)route_op(false, &nc->cfg.routes[i], nc->ifname);
	if (nc->pinned)
		(void)nl_route_del(nc->pin_addr, 32, nc->pin_gw.s_addr ? &nc->pin_gw
		                   : NULL, nc->pin_if);
	nc->pinned = false;
	(void)nl_addr_del(nc->ifname, nc->cfg.addr, nc->cfg.prefixlen);
	(void)nl_link_down(nc->ifname);
	nc->applied = false;
	log_info("%s: address and routes removed", nc->ifname);
}
