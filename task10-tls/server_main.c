/*
 * minivpn-server - the TLS VPN server: set-up, then server_run().
 *
 * Order matters: the auth helper is forked first (it must not inherit the
 * key, the TUN or any socket), then everything that needs root is opened,
 * then privileges are dropped for good, then the event loop runs.
 */
#include <arpa/inet.h>
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
"  --mtu N             tunnel MTU pushed to clients (default %d)\n"
"  --shadow FILE       check passwords against this shadow-format file\n"
"                      (default: the system's, via getspnam)\n"
"  --user NAME         unprivileged user to run as after set-up\n"
"                      (default nobody)\n"
"  --keepalive I,T     keepalive every I s, peer dead after T s of silence\n"
"                      (default %d,%d)\n"
"  --max-clients N     (default: the pool's size; fewer if the open-file\n"
"                      limit cannot be raised to fit them)\n"
"  --backlog N         connections the kernel queues before accept\n"
"                      (default SOMAXCONN, %d)\n"
"  -v, --verbose       more logging (debug)\n"
"  -q, --quiet         only warnings and errors\n"
"  -h, --help          this text\n",
	        VPN_PORT, VPN_MTU_DEFAULT, KEEPALIVE_INTERVAL, KEEPALIVE_TIMEOUT,
	        SOMAXCONN);
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

static void
parse_args(int argc, char **argv, struct server_opts *o, int *verbosity)
{
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
		{ "backlog", required_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char ka[32], *comma;
	int c;

	while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->cert = optarg; break;
		case 'k': o->key = optarg; break;
		case 'l':
			if (addr_parse_endpoint(optarg, VPN_PORT, &o->listen) == -1)
				exit(1);
			break;
		case 't': o->tun = optarg; break;
		case 'p':
			if (addr_parse_prefix(optarg, &o->pool_net, &o->pool_prefix) == -1)
				exit(1);
			break;
		case 'r':
			if (o->nroutes == CONFIG_ROUTES_MAX)
				fatalx("at most %d routes", CONFIG_ROUTES_MAX);
			if (addr_parse_prefix(optarg, &o->routes[o->nroutes].dst,
			                      &o->routes[o->nroutes].prefixlen) == -1)
				exit(1);
			o->nroutes++;
			break;
		case 'm':
			o->mtu = parse_uint(optarg, "--mtu", VPN_MTU_MIN, VPN_MTU_MAX);
			break;
		case 's': o->shadow = optarg; break;
		case 'u': o->user = optarg; break;
		case 'K':
			/* A copy: argv is what `ps` shows, leave it as typed. */
			snprintf(ka, sizeof(ka), "%s", optarg);
			comma = strchr(ka, ',');
			if (comma == NULL)
				fatalx("--keepalive: expected INTERVAL,TIMEOUT");
			*comma = '\0';
			o->ka_interval = parse_uint(ka, "--keepalive", 1, 3600);
			o->ka_timeout = parse_uint(comma + 1, "--keepalive timeout",
			                           o->ka_interval + 1, 65535);
			break;
		case 'M':
			o->max_clients = parse_uint(optarg, "--max-clients", 1, 4093);
			break;
		case 'B':
			o->backlog = parse_uint(optarg, "--backlog", 1, 65535);
			break;
		case 'v': *verbosity = LL_DEBUG; break;
		case 'q': *verbosity = LL_WARN; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
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
	tls_warn_expiry(SSL_CTX_get0_certificate(srv->ctx), "server");
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
	log_info("listening on %s (TLS 1.3), pool %s/%d, passwords from %s",
	         addr_endpoint_str(&o->listen, ep, sizeof(ep)),
	         inet_ntop(AF_INET, &o->pool_net, a, sizeof(a)), o->pool_prefix,
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
		.backlog = SOMAXCONN,
	};
	static struct server srv;   /* large (packet buffer); one per process */
	int verbosity = LL_INFO, ret;

	/* Descriptors our parent left open (a socket, a file) are not ours
	 * to hold, and would go to the helper and count against our limit. */
	if (close_range(3, ~0u, 0) == -1) {
		perror("minivpn-server: close_range");
		return 1;
	}
	inet_pton(AF_INET, "192.168.53.0", &opt.pool_net);
	log_init(argv[0], LL_INFO);
	parse_args(argc, argv, &opt, &verbosity);
	log_init(argv[0], verbosity);
	if (no_core_dumps() == -1)
		return 1;
	srv.opt = &opt;
	srv.epfd = srv.tunfd = srv.lfd = -1;
	srv.lim_tun.burst = 5;
	/* What peers that never logged in cause: 5 lines of each kind per
	 * 30 s, then one with the count of the rest. */
	srv.lim_accept = srv.lim_hello = srv.lim_prelogin = srv.lim_refused =
		(struct log_limit){ .burst = 5, .period = 30 };
	srv.nworkers = authproc_workers();
	srv.check_ms = CHECK_MS_INITIAL;

	srv.authfd = authproc_start(opt.shadow, srv.nworkers);
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
	free(srv.queue);
	log_info("stopped");
	return ret == 0 ? 0 : 1;
}
