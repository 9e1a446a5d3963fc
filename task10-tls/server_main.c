/*
 * minivpn-server - the TLS VPN server: set-up, then server_run().
 *
 * Order matters: the auth helper is forked first (it must not inherit the
 * key, the TUN or any socket), then everything that needs root is opened,
 * then privileges are dropped for good, then the event loop runs.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

/* Descriptors besides sessions: stdio, epoll, TUN, listener, helper
 * socket, netlink, what OpenSSL and libc open now and then. */
#define FD_RESERVED 32

static void
usage(FILE *f)
{
	fprintf(f,
"usage: minivpn-server --cert FILE --key FILE [options]\n"
"\n"
"TLS 1.3 VPN server: clients log in with a user name and password, get an\n"
"address from the pool and routes, and share one TUN device.\n"
"\n"
"  --cert FILE         server certificate chain (PEM)\n"
"  --key FILE          its private key (PEM, should be mode 0600)\n"
"  --listen ADDR[:PORT]  where to accept TLS (default 0.0.0.0:%d)\n"
"  --tun NAME          TUN device name or pattern (default tun%%d)\n"
"  --pool CIDR         client address pool; the server takes its first\n"
"                      address (default 192.168.53.0/24)\n"
"  --route CIDR        route pushed to clients, repeatable (default\n"
"                      192.168.60.0/24)\n"
"  --pool6 CIDR        IPv6 in the tunnel too (e.g. fd00:53::/64, /64 to\n"
"                      /120): a client's IPv6 address is this network\n"
"                      plus its IPv4 address's offset in --pool, the\n"
"                      server's likewise (needs IPv6 forwarding on)\n"
"  --route6 CIDR       IPv6 route pushed to clients, repeatable (::/0: a\n"
"                      full tunnel for IPv6)\n"
"  --mtu N             tunnel MTU pushed to clients (default %d)\n"
"  --shadow FILE       check passwords against this shadow-format file\n"
"                      (default: the system's, via getspnam)\n"
"  --auth pam[:SERVICE]  check passwords with PAM, /etc/pam.d/SERVICE\n"
"                      (default minivpn): pam_unix, pam_ldap, pam_sss...\n"
"                      (--auth shadow: the system's; --auth file:FILE is\n"
"                      --shadow FILE)\n"
"  --user NAME         unprivileged user to run as after set-up, one of\n"
"                      its own (default minivpn)\n"
"  --shared-user       run as --user even if other processes run as it\n"
"                      (they could signal the server)\n"
"  --keepalive I,T     keepalive every I s, peer dead after T s of silence\n"
"                      (default %d,%d)\n"
"  --max-clients N     (default: the pool's size; fewer if the open-file\n"
"                      limit cannot be raised to fit them)\n"
"  --backlog N         connections the kernel queues before accept\n"
"                      (default SOMAXCONN, %d)\n"
"  --nat IFACE         masquerade the pool's packets leaving IFACE (the\n"
"                      LAN side); an nftables table of the server's own,\n"
"                      removed when it stops\n"
"  --proxy-protocol CIDR[,CIDR...]  behind a load balancer: connections\n"
"                      only from these addresses, each starting with a\n"
"                      PROXY v2 header (HAProxy's send-proxy-v2) that names\n"
"                      the client; logs, bans and limits see that address\n"
"  --drain-grace S     on SIGTERM (or `drain` on the control socket) stop\n"
"                      listening, tell clients to reconnect at once\n"
"                      (elsewhere), exit when they are gone or after S s\n"
"                      (default 0: SIGTERM stops at once)\n"
"  --drain             drain the server at --control PATH (as SIGTERM with\n"
"                      --drain-grace; its grace, 0: it stops at once)\n"
"  --pool-slice N/M    serve only the Nth of M equal parts of --pool (M a\n"
"                      power of two): one tunnel network for M servers\n"
"  --dns ADDR          a DNS server pushed to clients, repeatable (3)\n"
"  --dns-search DOMAIN a search domain pushed to clients, repeatable\n"
"  --client-to-client  let clients reach each other's tunnel addresses\n"
"                      (default: dropped and logged)\n"
"  --control PATH      a control socket for --status and --disconnect\n"
"                      (root only; e.g. " CONTROL_PATH_DEFAULT ")\n"
"  --status            list the sessions of the server at --control PATH\n"
"                      (default " CONTROL_PATH_DEFAULT "): user, tunnel\n"
"                      address, peer, since, bytes and packets in/out\n"
"  --disconnect USER   close USER's session on that server (the client\n"
"                      stops: exit status 3)\n"
"  --syslog            log to syslog (facility daemon) instead of stderr;\n"
"                      stderr lines carry a time stamp, except under\n"
"                      systemd, whose journal records its own\n"
"  --client-ca FILE|DIR  require a client certificate signed by these CAs\n"
"                      (mutual TLS; a directory is read whole at start);\n"
"                      its subject's CN must be the user who logs in\n"
"  --client-cert-only  with --client-ca: no password step, the certificate\n"
"                      alone logs in its CN (clients: --no-password)\n"
"  --crl FILE          with --client-ca: refuse revoked client certificates\n"
"                      (a PEM CRL, pki.sh crl); SIGHUP rereads it and ends\n"
"                      the sessions it revokes (then SIGHUP no longer\n"
"                      stops the server); rewrite it in place: the server\n"
"                      keeps it open\n"
"  --offload           TUN offloads: clients that ask get superpackets of\n"
"                      up to 64 KiB in GSO frames (docs/performance.md)\n"
"  -v, --verbose       more logging (debug)\n"
"  -q, --quiet         only warnings and errors\n"
"  --config FILE       read options from FILE first (minivpn.conf(5):\n"
"                      'key = value' lines, keys as the long options);\n"
"                      the command line overrides it\n"
"  --check-config      check the options, certificate and key, then exit\n"
"  --version           the program's and the protocol's version\n"
"  -h, --help          this text\n",
	        VPN_PORT, VPN_MTU_DEFAULT, KEEPALIVE_INTERVAL, KEEPALIVE_TIMEOUT,
	        SOMAXCONN);
}

static unsigned
parse_uint(const char *s, const char *what, unsigned min, unsigned max)
{
	long v;

	if (parse_number(s, min, max, &v) == -1)
		fatalx("%s: '%s' is not a number from %u to %u", what, s, min, max);
	return (unsigned)v;
}

enum { OPT_PROXY = 1301, OPT_DRAIN_GRACE, OPT_POOL_SLICE, OPT_AUTH,
       OPT_DRAIN, OPT_CLIENT_CA, OPT_CRL, OPT_CERT_ONLY, OPT_POOL6,
       OPT_ROUTE6 };

static const struct option longopts[] = {
	{ "cert", required_argument, NULL, 'c' },
	{ "key", required_argument, NULL, 'k' },
	{ "listen", required_argument, NULL, 'l' },
	{ "tun", required_argument, NULL, 't' },
	{ "pool", required_argument, NULL, 'p' },
	{ "route", required_argument, NULL, 'r' },
	{ "pool6", required_argument, NULL, OPT_POOL6 },
	{ "route6", required_argument, NULL, OPT_ROUTE6 },
	{ "mtu", required_argument, NULL, 'm' },
	{ "shadow", required_argument, NULL, 's' },
	{ "user", required_argument, NULL, 'u' },
	{ "keepalive", required_argument, NULL, 'K' },
	{ "max-clients", required_argument, NULL, 'M' },
	{ "backlog", required_argument, NULL, 'B' },
	{ "shared-user", no_argument, NULL, 'U' },
	{ "control", required_argument, NULL, 'O' },
	{ "client-to-client", no_argument, NULL, 'P' },
	{ "nat", required_argument, NULL, 'N' },
	/* issue 13's options: values apart from the letters */
	{ "proxy-protocol", required_argument, NULL, OPT_PROXY },
	{ "drain-grace", required_argument, NULL, OPT_DRAIN_GRACE },
	{ "pool-slice", required_argument, NULL, OPT_POOL_SLICE },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "drain", no_argument, NULL, OPT_DRAIN },
	{ "client-ca", required_argument, NULL, OPT_CLIENT_CA },
	{ "crl", required_argument, NULL, OPT_CRL },
	{ "client-cert-only", no_argument, NULL, OPT_CERT_ONLY },
	{ "dns", required_argument, NULL, 'd' },
	{ "dns-search", required_argument, NULL, 'e' },
	{ "status", no_argument, NULL, 'T' },
	{ "disconnect", required_argument, NULL, 'D' },
	{ "syslog", no_argument, NULL, 'S' },
	{ "offload", no_argument, NULL, 'G' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "config", required_argument, NULL, 'C' },
	{ "check-config", no_argument, NULL, 'X' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const char *const repeatable[] = { "route", "route6", "dns",
                                          "dns-search", NULL };

/* What the options say beyond struct server_opts. */
struct invocation {
	struct server_opts *o;   /* those options, for apply_opt() */
	int  verbosity;
	bool check_config;
	bool syslog;              /* --syslog: syslog(3) instead of stderr */
	const char *request;      /* --status, --disconnect: to the control socket */
	char request_buf[64];
	bool file_routes;         /* o->routes came from the config file */
	bool file_routes6;        /* o->routes6 likewise */
};

/*
 * Applies one option, from the command line or the config file; `what`
 * names it in messages ("--mtu", or "FILE:LINE: mtu").
 */
static void
apply_opt(void *ctx, int c, const char *arg, const char *what, bool from_file)
{
	struct invocation *inv = ctx;
	struct server_opts *o = inv->o;
	char ka[32], *comma;

	switch (c) {
	case 'c': o->cert = arg; break;
	case 'k': o->key = arg; break;
	case 'l':
		if (addr_parse_endpoint(arg, VPN_PORT, &o->listen) == -1)
			fatalx("%s: expected ADDR[:PORT]", what);
		break;
	case 't': o->tun = arg; break;
	case 'p':
		if (addr_parse_prefix(arg, &o->pool_net, &o->pool_prefix) == -1)
			fatalx("%s: expected ADDR/PREFIX", what);
		break;
	case 'r':
		/* Routes on the command line replace those of the file. */
		if (!from_file && inv->file_routes) {
			o->nroutes = 0;
			inv->file_routes = false;
		}
		if (from_file)
			inv->file_routes = true;
		if (o->nroutes == CONFIG_ROUTES_MAX)
			fatalx("%s: at most %d routes", what, CONFIG_ROUTES_MAX);
		if (addr_parse_prefix(arg, &o->routes[o->nroutes].dst,
		                      &o->routes[o->nroutes].prefixlen) == -1)
			fatalx("%s: expected ADDR/PREFIX", what);
		o->nroutes++;
		break;
	case OPT_POOL6:
		if (addr_parse_prefix6(arg, &o->pool6, &o->pool6_prefix) == -1)
			fatalx("%s: expected ADDR/PREFIX (IPv6)", what);
		if (o->pool6_prefix < POOL6_PREFIX_MIN ||
		    o->pool6_prefix > POOL6_PREFIX_MAX)
			fatalx("%s: a prefix length from %d to %d", what,
			       POOL6_PREFIX_MIN, POOL6_PREFIX_MAX);
		break;
	case OPT_ROUTE6: {
		struct vpn_route6 *rt;
		struct in6_addr net;

		if (!from_file && inv->file_routes6) {
			o->nroutes6 = 0;
			inv->file_routes6 = false;
		}
		if (from_file)
			inv->file_routes6 = true;
		if (o->nroutes6 == CONFIG6_ROUTES_MAX)
			fatalx("%s: at most %d IPv6 routes", what, CONFIG6_ROUTES_MAX);
		rt = &o->routes6[o->nroutes6];
		if (addr_parse_prefix6(arg, &rt->dst, &rt->prefixlen) == -1)
			fatalx("%s: expected ADDR/PREFIX (IPv6)", what);
		net = pool6_addr(&rt->dst, rt->prefixlen, 0);
		if (memcmp(&rt->dst, &net, sizeof(net)) != 0)
			fatalx("%s: '%s' has bits set past its prefix length "
			       "(a network such as fd00:60::/64)", what, arg);
		o->nroutes6++;
		break;
	}
	case 'm':
		o->mtu = parse_uint(arg, what, VPN_MTU_MIN, VPN_MTU_MAX);
		break;
	case 's': o->shadow = arg; break;
	case 'u': o->user = arg; break;
	case 'K':
		/* A copy: argv is what `ps` shows, leave it as typed. */
		snprintf(ka, sizeof(ka), "%s", arg);
		comma = strchr(ka, ',');
		if (comma == NULL)
			fatalx("%s: expected INTERVAL,TIMEOUT", what);
		*comma = '\0';
		o->ka_interval = parse_uint(ka, what, 1, 3600);
		o->ka_timeout = parse_uint(comma + 1, what, o->ka_interval + 1, 65535);
		break;
	case 'M':
		o->max_clients = parse_uint(arg, what, 1, 4093);
		break;
	case 'U': o->shared_user = true; break;
	case 'B':
		o->backlog = parse_uint(arg, what, 1, 65535);
		break;
	case 'S': inv->syslog = true; break;
	case 'G': o->offload = true; break;
	case 'v': inv->verbosity = LL_DEBUG; break;
	case 'q': inv->verbosity = LL_WARN; break;
	case 'C': break;          /* read before the command line */
	case 'X': inv->check_config = true; break;
	case 'O': o->control = arg; break;
	case 'P': o->client_to_client = true; break;
	case 'N': o->nat = arg; break;
	case OPT_PROXY: {
		const char *why;
		int n = proxy_trust_parse(arg, o->proxy, &why);

		if (n < 0)
			fatalx("%s: %s", what, why);
		o->nproxy = (unsigned)n;
		break;
	}
	case OPT_AUTH:
		if (strcmp(arg, "pam") == 0)
			o->pam = "minivpn";
		else if (strncmp(arg, "pam:", 4) == 0 && arg[4] != '\0' &&
		         strchr(arg + 4, '/') == NULL)
			o->pam = arg + 4;
		else if (strcmp(arg, "shadow") == 0)
			o->pam = o->shadow = NULL;
		else if (strncmp(arg, "file:", 5) == 0 && arg[5] != '\0') {
			o->pam = NULL;
			o->shadow = arg + 5;
		} else
			fatalx("%s: expected pam[:SERVICE], shadow or file:FILE", what);
		break;
	case OPT_CLIENT_CA: o->client_ca = arg; break;
	case OPT_CRL: o->crl = arg; break;
	case OPT_CERT_ONLY: o->cert_only = true; break;
	case OPT_DRAIN_GRACE:
		o->drain_grace = parse_uint(arg, what, 0, 3600);
		break;
	case OPT_POOL_SLICE: {
		char sl[16], *slash;

		snprintf(sl, sizeof(sl), "%s", arg);
		if ((slash = strchr(sl, '/')) == NULL)
			fatalx("%s: expected N/M", what);
		*slash = '\0';
		o->slice_n = parse_uint(sl, what, 1, 1024);
		o->slice_m = parse_uint(slash + 1, what, 1, 1024);
		break;
	}
	case 'd':
		if (o->ndns == CONFIG_DNS_MAX)
			fatalx("%s: at most %d DNS servers", what, CONFIG_DNS_MAX);
		if (inet_pton(AF_INET, arg, &o->dns[o->ndns]) != 1)
			fatalx("%s: '%s' is not an IPv4 address", what, arg);
		o->ndns++;
		break;
	case 'e': {
		size_t have = strlen(o->search), n = strlen(arg);

		if (!config_search_valid(arg, n) || strchr(arg, ' ') != NULL ||
		    have + (have > 0) + n > CONFIG_SEARCH_MAX)
			fatalx("%s: '%s' is not a domain name (or the search list "
			       "is longer than %d)", what, arg, CONFIG_SEARCH_MAX);
		snprintf(o->search + have, sizeof(o->search) - have, "%s%s",
		         have > 0 ? " " : "", arg);
		break;
	}
	case 'T': inv->request = "status"; break;
	case OPT_DRAIN: inv->request = "drain"; break;
	case 'D':
		if (!login_user_valid((const uint8_t *)arg, strlen(arg)))
			fatalx("%s: '%s' is not a user name", what, arg);
		snprintf(inv->request_buf, sizeof(inv->request_buf),
		         "disconnect %s", arg);
		inv->request = inv->request_buf;
		break;
	case 'V':
		printf("minivpn-server %s (protocol version %d)\n",
		       MINIVPN_VERSION, VPN_PROTO_VERSION);
		exit(0);
	case 'h': usage(stdout); exit(0);
	default: usage(stderr); exit(2);
	}
}

/* --pool6 must be a network (no host bits), not link-local or multicast,
 * with room for every offset of the IPv4 pool (all of it, when sliced). */
static void
check_pool6(const struct server_opts *o)
{
	struct in6_addr net;

	if (o->pool6_prefix == 0) {
		if (o->nroutes6 > 0)
			fatalx("--route6 needs --pool6 (IPv6 in the tunnel)");
		return;
	}
	net = pool6_addr(&o->pool6, o->pool6_prefix, 0);
	if (memcmp(&net, &o->pool6, sizeof(net)) != 0)
		fatalx("--pool6: bits set past the prefix length (a network such "
		       "as fd00:53::/64)");
	if (IN6_IS_ADDR_LINKLOCAL(&net) || IN6_IS_ADDR_MULTICAST(&net) ||
	    IN6_IS_ADDR_V4MAPPED(&net) || net.s6_addr[0] == 0)
		fatalx("--pool6: not a unicast network (fd00::/8 or a global "
		       "prefix)");
	if (o->mtu < IPV6_MTU_MIN)
		fatalx("--pool6 needs --mtu %d or more (IPv6's minimum; %u given)",
		       IPV6_MTU_MIN, o->mtu);
	if (128 - o->pool6_prefix < 32 - o->pool_all_prefix)
		fatalx("--pool6 /%d has fewer addresses than --pool /%d: a "
		       "client's IPv6 address is its IPv4 offset in the pool",
		       o->pool6_prefix, o->pool_all_prefix);
}

/* The config file's settings first, then the command line over them. */
static void
parse_args(int argc, char **argv, struct server_opts *o, struct invocation *inv)
{
	static struct conffile cf;   /* its strings are the options' values */
	int first;

	inv->o = o;
	first = conffile_parse_args(&cf, argc, argv, "vqh", longopts,
	                            repeatable, apply_opt, inv);

	if (first != argc) {
		usage(stderr);
		exit(2);
	}
	if (inv->request != NULL)
		return;   /* a question to a running server: no set-up options */
	if (o->cert == NULL || o->key == NULL) {
		fprintf(stderr, "minivpn-server: --cert and --key are required\n");
		usage(stderr);
		exit(2);
	}
	if ((o->crl != NULL || o->cert_only) && o->client_ca == NULL)
		fatalx("--crl and --client-cert-only need --client-ca");
	/* After --pool wherever it was given: the slice is of that pool. */
	o->pool_all_net = o->pool_net;
	o->pool_all_prefix = o->pool_prefix;
	if (o->slice_m > 0 &&
	    pool_slice(&o->pool_net, &o->pool_prefix, o->slice_n, o->slice_m) == -1)
		exit(2);
	check_pool6(o);
	if (o->nroutes == 0) {
		inet_pton(AF_INET, "192.168.60.0", &o->routes[0].dst);
		o->routes[0].prefixlen = 24;
		o->nroutes = 1;
	}
}

static int
epoll_add(int epfd, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("epoll_ctl(ADD, fd %d)", fd);
		return -1;
	}
	return 0;
}

/*
 * Every session is a socket: raises the open-file limit to what max_active
 * clients, max_prelogin logins and our own descriptors need (up to the
 * hard limit), or lowers the client limit to fit, and says so. Without
 * this the server would find out at accept time (EMFILE), under load.
 */
static int
server_fit_fds(struct server *srv)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)srv->max_active + srv->max_prelogin + FD_RESERVED;
	unsigned avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return -1;
	}
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need
		              ? rl.rlim_max : need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit(RLIMIT_NOFILE, %llu)",
			         (unsigned long long)rl.rlim_cur);
			return -1;
		}
	}
	if (rl.rlim_cur < need) {
		if (rl.rlim_cur < FD_RESERVED + 2 * PRELOGIN_PER_ADDR) {
			log_warnx("open-file limit %llu: too low to serve anyone",
			          (unsigned long long)rl.rlim_cur);
			return -1;
		}
		avail = (unsigned)(rl.rlim_cur - FD_RESERVED);
		/* A quarter for logins in progress, at most what was planned. */
		if (srv->max_prelogin > avail / 4)
			srv->max_prelogin = avail / 4 > PRELOGIN_PER_ADDR
			                    ? avail / 4 : PRELOGIN_PER_ADDR;
		log_warnx("open-file limit %llu (hard limit %llu) is below the "
		          "%llu needed: serving %u clients instead of %u",
		          (unsigned long long)rl.rlim_cur,
		          (unsigned long long)rl.rlim_max, (unsigned long long)need,
		          avail - srv->max_prelogin, srv->max_active);
		srv->max_active = avail - srv->max_prelogin;
	}
	log_info("serving up to %u clients, %u more connections logging in "
	         "(open-file limit %llu), %u password checkers", srv->max_active,
	         srv->max_prelogin, (unsigned long long)rl.rlim_cur,
	         srv->nworkers);
	return 0;
}

/*
 * --pool6: IPv6 on the TUN, the server's address in the pool6 (its IPv4
 * offset, as every client's), and what each client's CONFIG6 carries but
 * for its own address (srv->cfg6).
 */
static int
server_setup6(struct server *srv, const struct server_opts *o,
              struct in_addr me)
{
	char a[INET6_ADDRSTRLEN], fw[4] = "";
	struct vpn_config6 *c6 = &srv->cfg6;
	FILE *f;

	/* A slice of the IPv4 pool (--pool-slice) is a slice of the pool6
	 * too, its offsets: the TUN gets that prefix, so the server host
	 * routes each slice's IPv6 addresses to its server as it does the
	 * IPv4 ones (a client moved here from another slice gets a /128
	 * beside its /32, roam.c). The clients are told the whole pool6. */
	int tun_prefix = o->slice_m > 1 ? 128 - (32 - o->pool_prefix)
	                                : o->pool6_prefix;

	srv->hostmask6 = ~0u >> o->pool_all_prefix;
	memset(c6, 0, sizeof(*c6));
	c6->prefixlen = o->pool6_prefix;
	c6->server = pool6_addr(&o->pool6, o->pool6_prefix,
	                        ntohl(me.s_addr) & srv->hostmask6);
	c6->nroutes = o->nroutes6;
	memcpy(c6->routes, o->routes6, sizeof(c6->routes));
	if (tun_ipv6_enable(srv->tunname) == -1 ||
	    nl_addr6_add(srv->tunname, &c6->server, tun_prefix) == -1)
		return -1;
	srv->has6 = true;
	inet_ntop(AF_INET6, &c6->server, a, sizeof(a));
	log_info("%s: IPv6 address %s/%d, %u IPv6 route(s) pushed", srv->tunname,
	         a, tun_prefix, c6->nroutes);
	/* Without forwarding the clients reach this host only. */
	if ((f = fopen("/proc/sys/net/ipv6/conf/all/forwarding", "re")) == NULL)
		log_warn("reading the IPv6 forwarding switch");
	else {
		if (fgets(fw, sizeof(fw), f) == NULL)
			fw[0] = '\0';
		if (fclose(f) == EOF)
			log_warn("closing the IPv6 forwarding switch");
	}
	if (fw[0] == '0')
		log_warnx("warning: IPv6 forwarding is off: clients reach this "
		          "host's IPv6 addresses only (sysctl -w "
		          "net.ipv6.conf.all.forwarding=1)");
	return 0;
}

/* Everything that needs root: the TUN and its address, the listener. */
static int
server_setup(struct server *srv, const struct server_opts *o)
{
	struct in_addr me;
	int bits;
	char a[INET_ADDRSTRLEN], ep[32];

	if (pool_init(&srv->pool, o->pool_net, o->pool_prefix) == -1)
		return -1;
	srv->max_active = o->max_clients ? o->max_clients : srv->pool.size - 3;
	if (srv->max_active > srv->pool.size - 3)
		srv->max_active = srv->pool.size - 3;
	/* Logged-in clients, plus a separate budget for logins in progress
	 * (more for many clients: a restart brings them all back at once). */
	srv->max_prelogin = srv->max_active / 4 > PRELOGIN_MAX
	                    ? srv->max_active / 4 : PRELOGIN_MAX;
	if (server_fit_fds(srv) == -1)
		return -1;
	srv->max_conns = srv->max_active + srv->max_prelogin;
	srv->sess = calloc(srv->max_conns, sizeof(*srv->sess));
	srv->queue = calloc(srv->max_conns, sizeof(*srv->queue));
	if (srv->sess == NULL || srv->queue == NULL) {
		log_warn("allocating %u session slots", srv->max_conns);
		return -1;
	}
	srv->ctx = tls_server_ctx(o->cert, o->key);
	if (srv->ctx == NULL)
		return -1;
	if (o->client_ca != NULL) {
		srv->certok = calloc(srv->max_conns, sizeof(*srv->certok));
		if (srv->certok == NULL) {
			log_warn("allocating %u login slots", srv->max_conns);
			return -1;
		}
		if (clientcert_setup(srv->ctx, o->client_ca, o->crl) == -1 ||
		    clientcert_signals() == -1)
			return -1;
		log_info("client certificates from %s required%s%s, %s",
		         o->client_ca, o->crl ? ", revoked per " : "",
		         o->crl ? o->crl : "",
		         o->cert_only ? "no password: the user is the certificate's"
		                      : "and a password");
	}
	tls_warn_expiry(SSL_CTX_get0_certificate(srv->ctx), "server");
	if (o->offload) {
		/* A TUN of our own (virtio_net_hdrs), and the buffers for a
		 * superpacket and a segment cut from one. */
		srv->tunfd = tun_open_vnet(o->tun, srv->tunname);
		if (srv->tunfd == -1)
			return -1;
		srv->vnet = true;
		srv->big = malloc(VNET_PKT_MAX);
		srv->scratch = malloc(VPN_MTU_MAX);
		if (srv->big == NULL || srv->scratch == NULL) {
			log_warn("allocating the offload buffers");
			return -1;
		}
		/* VNET_OFF_* = OFFLOAD_* */
		bits = tun_set_offload(srv->tunfd, true, o->pool6_prefix > 0);
		if (bits == -1)
			return -1;
		srv->offload = (unsigned)bits;
		log_info("%s: offloads %s", srv->tunname, offload_names(srv->offload));
	} else {
		srv->tunfd = tun_open(o->tun, TUN_MODE_TUN, true, srv->tunname);
		if (srv->tunfd == -1)
			return -1;
	}
	if (o->pool6_prefix > 0)
		tun_ipv6_quiet(srv->tunname);   /* before its link is up */
	me = pool_server_addr(&srv->pool);
	if (nl_addr_add(srv->tunname, me, srv->pool.prefixlen) == -1 ||
	    nl_link_up(srv->tunname, (int)o->mtu) == -1)
		return -1;
	inet_ntop(AF_INET, &me, a, sizeof(a));
	log_info("%s: address %s/%d, mtu %u", srv->tunname, a,
	         srv->pool.prefixlen, o->mtu);
	if (o->pool6_prefix > 0 && server_setup6(srv, o, me) == -1)
		return -1;
	srv->lfd = tcp_listen(&o->listen, o->backlog);
	if (srv->lfd == -1)
		return -1;
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd == -1) {
		log_warn("epoll_create1");
		return -1;
	}
	if (epoll_add(srv->epfd, srv->lfd, EV_TAG(EV_LISTEN, 0)) == -1 ||
	    epoll_add(srv->epfd, srv->tunfd, EV_TAG(EV_TUN, 0)) == -1 ||
	    epoll_add(srv->epfd, srv->authfd, EV_TAG(EV_AUTH, 0)) == -1)
		return -1;
	if (o->control != NULL) {
		srv->ctlfd = control_listen(o->control);
		if (srv->ctlfd == -1 ||
		    epoll_add(srv->epfd, srv->ctlfd, EV_TAG(EV_CONTROL, 0)) == -1)
			return -1;
	}
	log_info("listening on %s (TLS 1.3), pool %s/%d, passwords from %s%s",
	         addr_endpoint_str(&o->listen, ep, sizeof(ep)),
	         inet_ntop(AF_INET, &o->pool_net, a, sizeof(a)), o->pool_prefix,
	         o->pam ? "PAM service " : "",
	         o->pam ? o->pam : o->shadow ? o->shadow
	                                     : "the system shadow database");
	return 0;
}

/*
 * --check-config: what set-up would refuse, found without root and without
 * touching the network: the pool, the certificate and key (loaded as the
 * server would), the shadow file.
 */
static int
check_config(const struct server_opts *o)
{
	static struct pool pool;   /* large */
	SSL_CTX *ctx;

	if (pool_init(&pool, o->pool_net, o->pool_prefix) == -1)
		return 1;
	ctx = tls_server_ctx(o->cert, o->key);
	if (ctx == NULL)
		return 1;
	tls_warn_expiry(SSL_CTX_get0_certificate(ctx), "server");
	if (o->client_ca != NULL &&
	    clientcert_setup(ctx, o->client_ca, o->crl) == -1) {
		SSL_CTX_free(ctx);
		return 1;
	}
	SSL_CTX_free(ctx);
	clientcert_free();
	if (o->shadow != NULL && shadowfile_check(o->shadow) != 0)
		return 1;
	if (o->nat != NULL && if_nametoindex(o->nat) == 0) {
		log_warn("--nat: no interface %s here", o->nat);
		return 1;
	}
	if (o->pam != NULL && authpam_check_service(o->pam) == -1)
		return 1;
	log_info("configuration OK: certificate %s, pool of %u addresses, "
	         "%u route(s), %s%s%s", o->cert, pool.size, o->nroutes,
	         o->cert_only ? "client certificates only, no password"
	                      : o->client_ca ? "client certificates and "
	                                       "passwords from " : "passwords from ",
	         o->cert_only ? "" : o->pam ? "PAM service " : "",
	         o->cert_only ? "" : o->pam ? o->pam : o->shadow ? o->shadow
	                                     : "the system shadow database");
	if (o->pool6_prefix > 0) {
		char a6[INET6_ADDRSTRLEN];

		log_info("IPv6 in the tunnel: pool6 %s/%d, %u IPv6 route(s)",
		         inet_ntop(AF_INET6, &o->pool6, a6, sizeof(a6)),
		         o->pool6_prefix, o->nroutes6);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct server_opts opt = {
		.user = "minivpn", .tun = "tun%d", .pool_prefix = 24,
		.mtu = VPN_MTU_DEFAULT, .ka_interval = KEEPALIVE_INTERVAL,
		.ka_timeout = KEEPALIVE_TIMEOUT,
		.listen = { .sin_family = AF_INET, .sin_port = htons(VPN_PORT) },
		.backlog = SOMAXCONN,
	};
	static struct server srv;   /* large (packet buffer); one per process */
	struct invocation inv = { .verbosity = LL_INFO };
	int ret;

	/* Descriptors our parent left open (a socket, a file) are not ours
	 * to hold, and would go to the helper and count against our limit. */
	if (close_range(3, ~0u, 0) == -1) {
		perror("minivpn-server: close_range");
		return 1;
	}
	inet_pton(AF_INET, "192.168.53.0", &opt.pool_net);
	log_init(argv[0], LL_INFO);
	parse_args(argc, argv, &opt, &inv);
	log_init(argv[0], inv.verbosity);
	/* Time stamps on a terminal or in a file, the journal's own priority
	 * prefix under systemd, syslog when asked: the same lines. */
	log_dest_set(log_dest_auto(inv.syslog), "minivpn-server");
	if (inv.request != NULL)
		return control_request(opt.control ? opt.control
		                       : CONTROL_PATH_DEFAULT, inv.request);
	if (inv.check_config)
		return check_config(&opt);
	if (no_core_dumps() == -1)
		return 1;
	srv.opt = &opt;
	srv.epfd = srv.tunfd = srv.lfd = srv.ctlfd = srv.roamfd = -1;
	srv.lim_tun.burst = 5;
	/* What peers that never logged in cause: 5 lines of each kind per
	 * 30 s, then one with the count of the rest. */
	srv.lim_accept = srv.lim_hello = srv.lim_prelogin = srv.lim_refused =
		srv.lim_failed = (struct log_limit){ .burst = 5, .period = 30 };
	srv.nworkers = authproc_workers();
	srv.check_ms = CHECK_MS_INITIAL;

	/* Malformed lines are named once here; libc skips them silently. */
	if (opt.shadow != NULL && shadowfile_check(opt.shadow) == -1)
		return 1;
	if (opt.pam != NULL)
		authpam_use(opt.pam);   /* before the helper forks */
	srv.authfd = authproc_start(opt.shadow, srv.nworkers);
	if (srv.authfd == -1)
		return 1;
	/* Its keeper is forked here too: before any key or socket exists. */
	if (opt.nat != NULL &&
	    nat_start(opt.nat, opt.pool_net, opt.pool_prefix) == -1)
		return 1;
	if (opt.slice_m > 1 &&
	    (srv.roamfd = roam_start(opt.pool_all_net, opt.pool_all_prefix,
	                             opt.pool_net, opt.pool_prefix, &opt.pool6,
	                             opt.pool6_prefix)) == -1)
		return 1;
	if (signals_init() == -1 || server_setup(&srv, &opt) == -1)
		return 1;
	if (srv.roamfd != -1) {
		pool_roam(&srv.pool, opt.pool_all_net, opt.pool_all_prefix);
		roam_send(srv.roamfd, 'T', (struct in_addr){ 0 }, srv.tunname);
	}
	if ((!opt.shared_user && privdrop_unshared(opt.user) == -1) ||
	    privdrop(opt.user, false) == -1)
		return 1;
	/* From here on only what the event loop needs (sandbox.c). */
	if (sandbox_server(inv.syslog) == -1)
		return 1;
	ret = server_run(&srv);

	if (srv.ctlfd != -1)
		close(srv.ctlfd);
	close(srv.epfd);
	close(srv.lfd);
	close(srv.tunfd);
	close(srv.authfd);
	SSL_CTX_free(srv.ctx);
	clientcert_free();
	free(srv.certok);
	free(srv.sess);
	free(srv.queue);
	log_info("stopped");
	return ret == 0 ? 0 : 1;
}
