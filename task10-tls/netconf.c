/*
 * netconf.c - the client's side of the config push: the TUN's address,
 * MTU and routes, set over netlink from what the server sent, and taken
 * away again on exit.
 *
 * A reconnect that brings the same config changes nothing in the kernel,
 * so sockets bound to the tunnel address and TCP sessions through it
 * survive a server restart. A different config replaces the old one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "minivpn.h"

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
	for (unsigned i = 0; i < cfg->nroutes; i++) {
		const struct vpn_route *rt = &cfg->routes[i];

		inet_ntop(AF_INET, &rt->dst, r, sizeof(r));
		if (nl_route_add(rt->dst, rt->prefixlen, NULL, nc->ifname) == -1) {
			if (errno != EEXIST)
				goto bad;
			/* Someone else's (or ours from a run that died): not ours
			 * to remove on exit, and no reason to give up the VPN. */
			log_warnx("warning: %s: route %s/%d exists already; left as "
			          "it is", nc->ifname, r, rt->prefixlen);
			continue;
		}
		nc->cfg.routes[nc->cfg.nroutes++] = *rt;
		log_info("%s: route %s/%d", nc->ifname, r, rt->prefixlen);
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
	if (!nc->applied)
		return;
	for (unsigned i = nc->cfg.nroutes; i-- > 0;)
		(void)nl_route_del(nc->cfg.routes[i].dst, nc->cfg.routes[i].prefixlen,
		                   NULL, nc->ifname);
	(void)nl_addr_del(nc->ifname, nc->cfg.addr, nc->cfg.prefixlen);
	(void)nl_link_down(nc->ifname);
	nc->applied = false;
	log_info("%s: address and routes removed", nc->ifname);
}
