/*
 * nat.c - minivpn-server --nat IFACE: masquerade the pool's packets that
 * leave through IFACE, so that the LAN behind the server needs no route
 * back to the pool. The server sets up its own nftables table and removes
 * it when it stops:
 *
 *   table ip minivpn_NET_PREFIX {
 *       chain post { type nat hook postrouting priority srcnat;
 *                    ip saddr POOL oifname IFACE masquerade }
 *   }
 *
 * One table per pool, so that a table left by a server that was killed is
 * simply replaced by the next start. The rules go to `nft -f -` (run with
 * an argument vector, the ruleset on its stdin; never a shell).
 *
 * Removing the table needs CAP_NET_ADMIN, which the server gives up after
 * set-up; so a keeper is forked first (roothelper.c), before any key or socket is opened,
 * that holds nothing but the read end of a pipe. When the server exits,
 * however it exits, the pipe closes and the keeper deletes the table. It
 * ignores the signals a service manager sends the whole group, so that it
 * outlives the server long enough to clean up.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "minivpn.h"

/* Runs `nft -f -` with script on its stdin; 0 when nft exits 0. */
static int
nft_run(const char *script, const char *what)
{
	char *const argv[] = { "nft", "-f", "-", NULL };

	return roothelper_run(argv, script, what);
}

static bool
ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' ||
		      s[i] == '.'))
			return false;
	return true;
}

/* The keeper: waits for the server to go, then removes the table. */
static void
keeper(int fd, void *arg)
{
	const char *table = arg;
	char script[128], c;
	ssize_t r;

	do
		r = read(fd, &c, 1);
	while (r == -1 && errno == EINTR);
	snprintf(script, sizeof(script), "delete table ip %s\n", table);
	if (nft_run(script, "nat: removing the table") == 0)
		log_info("nat: table ip %s removed", table);
	_exit(0);
}

int
nat_start(const char *ifname, struct in_addr net, int prefixlen)
{
	char table[64], pool[INET_ADDRSTRLEN], script[512];
	int fd;

	if (!ifname_valid(ifname)) {
		log_warnx("--nat: '%s' is not an interface name", ifname);
		return -1;
	}
	/* A typo would masquerade nothing and lose every packet. */
	if (if_nametoindex(ifname) == 0) {
		log_warn("--nat: no interface %s here", ifname);
		return -1;
	}
	inet_ntop(AF_INET, &net, pool, sizeof(pool));
	snprintf(table, sizeof(table), "minivpn_%s_%d", pool, prefixlen);
	for (char *d = table; *d != '\0'; d++)
		if (*d == '.')
			*d = '_';
	/* Adding, deleting and adding again in one transaction replaces a
	 * table a killed server left, and creates one otherwise. */
	snprintf(script, sizeof(script),
	         "table ip %s {}\n"
	         "delete table ip %s\n"
	         "table ip %s {\n"
	         "  chain post {\n"
	         "    type nat hook postrouting priority srcnat; policy accept;\n"
	         "    ip saddr %s/%d oifname \"%s\" masquerade\n"
	         "  }\n"
	         "}\n", table, table, table, pool, prefixlen, ifname);
	fd = roothelper_start("minivpn-nat", ROOTHELPER_PIPE, keeper, table);
	if (fd == -1)
		return -1;
	if (nft_run(script, "nat: setting up the table (apt-get install nftables)")
	    == -1) {
		close(fd);   /* the keeper removes what may be there */
		return -1;
	}
	log_info("nat: packets from %s/%d leaving %s are masqueraded "
	         "(nftables table ip %s, removed at exit)", pool, prefixlen,
	         ifname, table);
	return fd;
}
