/*
 * minivpn-server - the TLS VPN server: set-up, then server_run().
 *
 * Order matters: the auth helper is forked first (it must not inherit the
 * key, the TUN or any socket), then everything that needs root is opened,
 * then privileges are dropped for good, then the event loop runs.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "server.h"

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
"  --mtu N             tunnel MTU pushed to clients (default %d)\n"
"  --shadow FILE       check passwords against this shadow-format file\n"
"                      (default: the system's, via getspnam)\n"
"  --user NAME         unprivileged user to run as after set-up\n"
"                      (default nobody)\n"
"  --keepalive I,T     keepalive every I s, peer dead after T s of silence\n"
"                      (default %d,%d)\n"
"  --max-clients N     (default: the pool's size)\n"
"  -v, --verbose       more logging (debug)\n"
"  -q, --quiet         only warnings and errors\n"
"  --config FILE       read options from FILE first (minivpn.conf(5):\n"
"                      'key = value' lines, keys as the long options);\n"
"                      the command line overrides it\n"
"  --check-config      check the options, certificate and key, then exit\n"
"  --version           the program's and the protocol's version\n"
"  -h, --help          this text\n",
	        VPN_PORT, VPN_MTU_DEFAULT, KEEPALIVE_INTERVAL, KEEPALIVE_TIMEOUT);
}

static unsigned
parse_uint(const char *s, const char *what, unsigned min, unsigned max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		fatalx("%s: '%s' is not a number from %u to %u", what, s, min, max);
	return (unsigned)v;
}

static const struct option longopts[] = {
	{ "cert", required_argument, NULL, 'c' },
	{ "key", required_argument, NULL, 'k' },
	{ "listen", required_argument, NULL, 'l' },
	{ "tun", required_argument, NULL, 't' },
	{ "pool", required_argument, NULL, 'p' },
	{ "route", required_argument, NULL, 'r' },
	{ "mtu", required_argument, NULL, 'm' },
	{ "shadow", required_argument, NULL, 's' },
	{ "user", required_argument, NULL, 'u' },
	{ "keepalive", required_argument, NULL, 'K' },
	{ "max-clients", required_argument, NULL, 'M' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "config", required_argument, NULL, 'C' },
	{ "check-config", no_argument, NULL, 'X' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const char *const repeatable[] = { "route", NULL };

/* What the options say beyond struct server_opts. */
struct invocation {
	int  verbosity;
	bool check_config;
	bool file_routes;         /* o->routes came from the config file */
};

/*
 * Applies one option, from the command line or the config file; `what`
 * names it in messages ("--mtu", or "FILE:LINE: mtu").
 */
static void
apply_opt(struct server_opts *o, struct invocation *inv, int c,
          const char *arg, const char *what, bool from_file)
{
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
	case 'v': inv->verbosity = LL_DEBUG; break;
	case 'q': inv->verbosity = LL_WARN; break;
	case 'C': break;          /* read before the command line */
	case 'X': inv->check_config = true; break;
	case 'V':
		printf("minivpn-server %s (protocol version %d)\n",
		       MINIVPN_VERSION, VPN_PROTO_VERSION);
		exit(0);
	case 'h': usage(stdout); exit(0);
	default: usage(stderr); exit(2);
	}
}

/* The config file's settings first, then the command line over them. */
static void
parse_args(int argc, char **argv, struct server_opts *o, struct invocation *inv)
{
	static struct conffile cf;   /* its strings are the options' values */
	const char *path = conffile_arg(argc, argv);
	char what[sizeof(cf.err)];
	size_t i;
	int c;

	if (path != NULL) {
		if (conffile_load(&cf, path, longopts, repeatable) == -1)
			fatalx("%s", cf.err);
		for (i = 0; i < cf.n; i++) {
			snprintf(what, sizeof(what), "%s:%u: %s", path, cf.e[i].line,
			         cf.e[i].name);
			apply_opt(o, inv, cf.e[i].val, cf.e[i].arg, what, true);
		}
	}
	while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		const char *name = "";

		for (i = 0; longopts[i].name != NULL; i++)
			if (longopts[i].val == c)
				name = longopts[i].name;
		snprintf(what, sizeof(what), "--%s", name);
		apply_opt(o, inv, c, optarg, what, false);
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (o->cert == NULL || o->key == NULL) {
		fprintf(stderr, "minivpn-server: --cert and --key are required\n");
		usage(stderr);
		exit(2);
	}
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

/* Everything that needs root: the TUN and its address, the listener. */
static int
server_setup(struct server *srv, const struct server_opts *o)
{
	struct in_addr me;
	char a[INET_ADDRSTRLEN], ep[32];

	if (pool_init(&srv->pool, o->pool_net, o->pool_prefix) == -1)
		return -1;
	srv->max_active = o->max_clients ? o->max_clients : srv->pool.size - 3;
	if (srv->max_active > srv->pool.size - 3)
		srv->max_active = srv->pool.size - 3;
	/* Logged-in clients, plus a separate budget for logins in progress. */
	srv->max_conns = srv->max_active + PRELOGIN_MAX;
	srv->sess = calloc(srv->max_conns, sizeof(*srv->sess));
	if (srv->sess == NULL) {
		log_warn("allocating %u session slots", srv->max_conns);
		return -1;
	}
	srv->ctx = tls_server_ctx(o->cert, o->key);
	if (srv->ctx == NULL)
		return -1;
	srv->tunfd = tun_open(o->tun, TUN_MODE_TUN, true, srv->tunname);
	if (srv->tunfd == -1)
		return -1;
	me = pool_server_addr(&srv->pool);
	if (nl_addr_add(srv->tunname, me, srv->pool.prefixlen) == -1 ||
	    nl_link_up(srv->tunname, (int)o->mtu) == -1)
		return -1;
	inet_ntop(AF_INET, &me, a, sizeof(a));
	log_info("%s: address %s/%d, mtu %u", srv->tunname, a,
	         srv->pool.prefixlen, o->mtu);
	srv->lfd = tcp_listen(&o->listen);
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
	log_info("listening on %s (TLS 1.3), pool %s/%d, passwords from %s",
	         addr_endpoint_str(&o->listen, ep, sizeof(ep)),
	         inet_ntop(AF_INET, &o->pool_net, a, sizeof(a)), o->pool_prefix,
	         o->shadow ? o->shadow : "the system shadow database");
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
	SSL_CTX_free(ctx);
	if (o->shadow != NULL && shadowfile_check(o->shadow) != 0)
		return 1;
	log_info("configuration OK: certificate %s, pool of %u addresses, "
	         "%u route(s), passwords from %s", o->cert, pool.size, o->nroutes,
	         o->shadow ? o->shadow : "the system shadow database");
	return 0;
}

int
main(int argc, char **argv)
{
	struct server_opts opt = {
		.user = "nobody", .tun = "tun%d", .pool_prefix = 24,
		.mtu = VPN_MTU_DEFAULT, .ka_interval = KEEPALIVE_INTERVAL,
		.ka_timeout = KEEPALIVE_TIMEOUT,
		.listen = { .sin_family = AF_INET, .sin_port = htons(VPN_PORT) },
	};
	static struct server srv;   /* large (packet buffer); one per process */
	struct invocation inv = { .verbosity = LL_INFO };
	int ret;

	inet_pton(AF_INET, "192.168.53.0", &opt.pool_net);
	log_init(argv[0], LL_INFO);
	parse_args(argc, argv, &opt, &inv);
	log_init(argv[0], inv.verbosity);
	if (inv.check_config)
		return check_config(&opt);
	if (no_core_dumps() == -1)
		return 1;
	srv.opt = &opt;
	srv.epfd = srv.tunfd = srv.lfd = -1;
	srv.lim_accept.burst = 5;
	srv.lim_tun.burst = 5;

	/* Malformed lines are named once here; libc skips them silently. */
	if (opt.shadow != NULL && shadowfile_check(opt.shadow) == -1)
		return 1;
	srv.authfd = authproc_start(opt.shadow);
	if (srv.authfd == -1)
		return 1;
	if (signals_init() == -1 || server_setup(&srv, &opt) == -1)
		return 1;
	if (privdrop(opt.user, false) == -1)
		return 1;
	ret = server_run(&srv);

	close(srv.epfd);
	close(srv.lfd);
	close(srv.tunfd);
	close(srv.authfd);
	SSL_CTX_free(srv.ctx);
	free(srv.sess);
	log_info("stopped");
	return ret == 0 ? 0 : 1;
}
