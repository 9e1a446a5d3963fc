/*
 * netconf6.c - IPv6 on a TUN: turned on for it alone, then (client) the
 * address and routes of a CONFIG6, taken away again as netconf.c does for
 * IPv4.
 *
 * A TUN has no link layer: no neighbour to ask whether an address is in
 * use, no router to solicit. So IPv6 comes on with no link-local address
 * (addr_gen_mode 1), no router advertisements taken (accept_ra 0) and
 * addresses without DAD (nl_addr6_add()): the interface then sends
 * nothing of its own, only what is routed into it. Some hosts (and the
 * lab's namespaces) turn IPv6 off by default; the TUN's own switch,
 * disable_ipv6, is turned on last.
 *
 * A full tunnel (::/0) is installed as ::/1 and 8000::/1, as 0.0.0.0/0 is
 * in netconf.c. The tunnel's own packets go to the server's outer
 * address, IPv4 in most set-ups; when it is IPv6, a route that would
 * cover it is left out with a warning.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "minivpn.h"

/*
 * Sets the TUN's sysctl key to val unless it has it already (a host
 * with IPv6 on by default needs no write for disable_ipv6, and a
 * service whose /proc/sys is read-only then still works). A key that is
 * only a nicety (!needed) may stay as it is, with a note.
 */
static int
sysctl_set(const char *ifname, const char *key, const char *val, bool needed)
{
	char path[128], cur[16] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, cur, sizeof(cur) - 1);
		cur[n > 0 ? n : 0] = '\0';
		if (n == -1)
			log_warn("%s: reading %s", ifname, path);
		if (close(fd) == -1)
			log_warn("%s: close %s", ifname, path);
		if (n > 0 && strtol(cur, NULL, 10) == strtol(val, NULL, 10))
			return 0;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1) {
		int e = errno;

		if (e == ENOENT && access("/proc/sys/net/ipv6", F_OK) == -1)
			log_warnx("%s: this kernel has no IPv6 (booted with "
			          "ipv6.disable=1?); start without IPv6 (client: "
			          "--no-ipv6, server: no --pool6)", ifname);
		else if (e == ENOENT)
			log_warnx("%s: no IPv6 on this interface (its MTU must be "
			          "1280 or more)", ifname);
		else if (!needed)
			log_info("%s: %s stays %s (%s): left as it is", ifname, key,
			         cur[0] ? strtok(cur, "\n") : "?", strerror(e));
		else {
			errno = e;
			log_warn("%s: open %s (a service with a read-only /proc/sys "
			         "needs ReadWritePaths=/proc/sys/net/ipv6/conf)",
			         ifname, path);
		}
		return needed || e == ENOENT ? -1 : 0;
	}
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val)) {
		log_warn("%s: writing %s to %s", ifname, val, path);
		close(fd);
		return needed ? -1 : 0;
	}
	if (close(fd) == -1) {
		log_warn("%s: close %s", ifname, path);
		return -1;
	}
	return 0;
}

/* Before the link is up: no link-local address will be made for it (one
 * made already stays), no router advertisements taken. Best effort. */
void
tun_ipv6_quiet(const char *ifname)
{
	if (access("/proc/sys/net/ipv6", F_OK) == -1)
		return;                   /* no IPv6 in this kernel: nothing to do */
	(void)sysctl_set(ifname, "addr_gen_mode", "1", false);
	(void)sysctl_set(ifname, "accept_ra", "0", false);
}

int
tun_ipv6_enable(const char *ifname)
{
	tun_ipv6_quiet(ifname);
	return sysctl_set(ifname, "disable_ipv6", "0", true);
}

/* Adds or deletes rt on ifname; ::/0 as its two halves. */
static int
route6_op(bool add, const struct vpn_route6 *rt, const char *ifname)
{
	struct in6_addr half[2];
	int n = 1, plen = rt->prefixlen, ret = 0;

	half[0] = rt->dst;
	if (plen == 0) {
		memset(half, 0, sizeof(half));
		half[1].s6_addr[0] = 0x80;
		n = 2;
		plen = 1;
	}
	for (int i = 0; i < n; i++) {
		if (add && nl_route6_add(&half[i], plen, ifname) == -1) {
			if (i == 1) {
				int saved = errno;

				(void)nl_route6_del(&half[0], plen, ifname);
				errno = saved;
			}
			return -1;
		}
		if (!add && nl_route6_del(&half[i], plen, ifname) == -1)
			ret = -1;
	}
	return ret;
}

static bool
route6_covers(const struct vpn_route6 *rt, const struct in6_addr *a)
{
	int bits = rt->prefixlen;

	for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) {
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((a->s6_addr[i] & m) != (rt->dst.s6_addr[i] & m))
			return false;
	}
	return true;
}

static bool
config6_same(const struct vpn_config6 *a, const struct vpn_config6 *b)
{
	if (memcmp(&a->addr, &b->addr, 16) != 0 || a->prefixlen != b->prefixlen ||
	    a->nroutes != b->nroutes)
		return false;
	for (unsigned i = 0; i < a->nroutes; i++)
		if (memcmp(&a->routes[i].dst, &b->routes[i].dst, 16) != 0 ||
		    a->routes[i].prefixlen != b->routes[i].prefixlen)
			return false;
	return true;
}

int
netconf6_apply(struct netconf *nc, const struct vpn_config6 *cfg)
{
	char a[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

	if (nc->applied6 && config6_same(&nc->want6, cfg))
		return 0;
	netconf6_remove(nc);
	inet_ntop(AF_INET6, &cfg->addr, a, sizeof(a));
	if (tun_ipv6_enable(nc->ifname) == -1 ||
	    nl_addr6_add(nc->ifname, &cfg->addr, cfg->prefixlen) == -1)
		return -1;
	nc->cfg6 = *cfg;
	nc->cfg6.nroutes = 0;
	nc->want6 = *cfg;             /* routes left out do not make it differ */
	nc->applied6 = true;
	log_info("%s: IPv6 address %s/%d", nc->ifname, a, cfg->prefixlen);
	for (unsigned i = 0; i < cfg->nroutes; i++) {
		const struct vpn_route6 *rt = &cfg->routes[i];

		inet_ntop(AF_INET6, &rt->dst, r, sizeof(r));
		if (nc->has_outer6 && route6_covers(rt, &nc->outer6)) {
			log_warnx("warning: %s: route %s/%d covers the server's own "
			          "address; left out", nc->ifname, r, rt->prefixlen);
			continue;
		}
		if (route6_op(true, rt, nc->ifname) == -1) {
			if (errno != EEXIST)
				goto bad;
			log_warnx("warning: %s: route %s/%d exists already; left as "
			          "it is", nc->ifname, r, rt->prefixlen);
			continue;
		}
		nc->cfg6.routes[nc->cfg6.nroutes++] = *rt;
		log_info("%s: route %s/%d%s", nc->ifname, r, rt->prefixlen,
		         rt->prefixlen == 0 ? " (as ::/1 and 8000::/1)" : "");
	}
	return 0;
bad:
	netconf6_remove(nc);
	return -1;
}

/* Undoes netconf6_apply; safe to call when nothing is set. */
void
netconf6_remove(struct netconf *nc)
{
	if (!nc->applied6)
		return;
	for (unsigned i = nc->cfg6.nroutes; i-- > 0;)
		(void)route6_op(false, &nc->cfg6.routes[i], nc->ifname);
	(void)nl_addr6_del(nc->ifname, &nc->cfg6.addr, nc->cfg6.prefixlen);
	nc->applied6 = false;
	log_info("%s: IPv6 address and routes removed", nc->ifname);
}
