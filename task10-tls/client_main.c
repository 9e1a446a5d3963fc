/*
 * minivpn-client - the TLS VPN client: options, set-up, reconnect loop.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "client.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: minivpn-client --server NAME[:PORT] (--ca-dir DIR | --ca-file FILE)\n"
"                      --login USER [options]\n"
"\n"
"TLS 1.3 VPN client. Checks the server's certificate chain against the\n"
"given CA and its name against NAME, logs in, and sets up a TUN device with\n"
"the address and routes the server pushes. Reconnects when the connection\n"
"drops.\n"
"\n"
"  --server NAME[:PORT]  the server's host name, as in its certificate\n"
"                      (default port %d); an IPv6 address as [ADDR]:PORT,\n"
"                      or bare without a port\n"
"  --connect ADDR      connect to this IP address instead of resolving NAME\n"
"                      (when NAME is not in DNS, as in the lab)\n"
"  --ca-dir DIR        trusted CAs: a directory with hash links\n"
"                      (openssl rehash / c_rehash)\n"
"  --ca-file FILE      trusted CAs: a PEM file\n"
"  --login USER        VPN user name\n"
"  --password-file FILE  read the password from FILE's first line\n"
"                      (else $MINIVPN_PASSWORD, else a prompt on the tty)\n"
"  --cert FILE         a client certificate to present (PEM chain; for a\n"
"                      server with --client-ca: its CN is the --login)\n"
"  --key FILE          its private key (PEM, should be mode 0600)\n"
"  --no-password       send no password (a server with --client-cert-only)\n"
"  --tun NAME          TUN device name or pattern (default tun%%d)\n"
"  --address ADDR      ask for this tunnel address (the server grants it\n"
"                      only to the user who held it last)\n"
"  --user NAME         local user to run as after set-up, keeping only\n"
"                      CAP_NET_ADMIN (default nobody; the CA directory must\n"
"                      be readable by it)\n"
"  --no-reconnect      exit when the connection drops\n"
"  --no-dns            do not apply the DNS servers and search domains\n"
"                      the server pushes (default: applied with\n"
"                      systemd-resolved, resolvconf or /etc/resolv.conf,\n"
"                      and undone at exit)\n"
"  --no-ipv6           do not ask the server for IPv6 in the tunnel\n"
"                      (default: asked for; used when it has --pool6)\n"
"  --max-backoff S     longest wait between reconnects (default 30)\n"
"  --syslog            log to syslog (facility daemon) instead of stderr;\n"
"                      stderr lines carry a time stamp, except under\n"
"                      systemd, whose journal records its own\n"
"  --offload           ask the server for TUN offloads (superpackets of up\n"
"                      to 64 KiB in GSO frames; docs/performance.md)\n"
"  -v, --verbose       more logging (debug)\n"
"  -q, --quiet         only warnings and errors\n"
"  --config FILE       read options from FILE first (minivpn.conf(5):\n"
"                      'key = value' lines, keys as the long options);\n"
"                      the command line overrides it\n"
"  --check-config      check the options and the CA, then exit\n"
"  --version           the program's and the protocol's version\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 stopped by a signal, 1 error (or connection lost with\n"
"--no-reconnect), 2 server certificate rejected, 3 login refused, 4 the\n"
"server sent a CONFIG we will not apply, 5 a newer login as the same user\n"
"took over, 6 refused for good (protocol version, user name).\n",
	        VPN_PORT);
}

static const struct option longopts[] = {
	{ "server", required_argument, NULL, 's' },
	{ "connect", required_argument, NULL, 'c' },
	{ "ca-dir", required_argument, NULL, 'd' },
	{ "ca-file", required_argument, NULL, 'f' },
	{ "login", required_argument, NULL, 'l' },
	{ "password-file", required_argument, NULL, 'p' },
	{ "cert", required_argument, NULL, 'E' },
	{ "key", required_argument, NULL, 'K' },
	{ "no-password", no_argument, NULL, 'W' },
	{ "tun", required_argument, NULL, 't' },
	{ "address", required_argument, NULL, 'a' },
	{ "user", required_argument, NULL, 'u' },
	{ "no-reconnect", no_argument, NULL, 'n' },
	{ "no-dns", no_argument, NULL, 'N' },
	{ "no-ipv6", no_argument, NULL, '6' },
	{ "max-backoff", required_argument, NULL, 'b' },
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

/* What the options say beyond struct client_opts. */
struct invocation {
	struct client_opts *o;   /* those options, for apply_opt() */
	int  verbosity;
	bool check_config;
	bool syslog;              /* --syslog: syslog(3) instead of stderr */
};

/*
 * Applies one option, from the command line or the config file; `what`
 * names it in messages ("--server", or "FILE:LINE: server").
 */
static void
apply_opt(void *ctx, int c, const char *arg, const char *what, bool from_file)
{
	struct invocation *inv = ctx;
	struct client_opts *o = inv->o;
	static char host[256];
	long v;

	switch (c) {
	case 's':
		if (addr_parse_host_port(arg, host, sizeof(host), &o->port) == -1)
			fatalx("%s: expected NAME[:PORT], [ADDRESS]:PORT or an IPv6 "
			       "address", what);
		o->server = host;
		break;
	case 'c': o->connect = arg; break;
	case 'd': o->ca_dir = arg; break;
	case 'f': o->ca_file = arg; break;
	case 'l': o->user = arg; break;
	case 'p': o->password_file = arg; break;
	case 'E': o->cert = arg; break;
	case 'K': o->key = arg; break;
	case 'W': o->no_password = true; break;
	case 't': o->tun = arg; break;
	case 'a':
		if (inet_pton(AF_INET, arg, &o->want) != 1)
			fatalx("%s: '%s' is not an IPv4 address", what, arg);
		break;
	case 'u': o->run_as = arg; break;
	case 'n': o->reconnect = false; break;
	case 'N': o->no_dns = true; break;
	case '6': o->no_ipv6 = true; break;
	case 'b':
		if (parse_number(arg, 1, 3600, &v) == -1)
			fatalx("%s: '%s' is not a number of seconds from 1 to 3600",
			       what, arg);
		o->max_backoff = (unsigned)v;
		break;
	case 'S': inv->syslog = true; break;
	case 'G': o->offload = true; break;
	case 'v': inv->verbosity = LL_DEBUG; break;
	case 'q': inv->verbosity = LL_WARN; break;
	case 'C': break;          /* read before the command line */
	case 'X': inv->check_config = true; break;
	case 'V':
		printf("minivpn-client %s (protocol version %d)\n",
		       MINIVPN_VERSION, VPN_PROTO_VERSION);
		exit(0);
	case 'h': usage(stdout); exit(0);
	default: usage(stderr); exit(1);
	}
}

/* The config file's settings first, then the command line over them. */
static void
parse_args(int argc, char **argv, struct client_opts *o, struct invocation *inv)
{
	static struct conffile cf;   /* its strings are the options' values */
	int first;

	inv->o = o;
	first = conffile_parse_args(&cf, argc, argv, "vqh", longopts, NULL,
	                            apply_opt, inv);

	if (first != argc || o->server == NULL || o->server[0] == '\0' ||
	    o->user == NULL || (o->ca_dir == NULL && o->ca_file == NULL)) {
		fprintf(stderr, "minivpn-client: --server, --login and --ca-dir "
		        "or --ca-file are required\n");
		usage(stderr);
		exit(1);
	}
	if ((o->cert == NULL) != (o->key == NULL))
		fatalx("--cert and --key go together");
}

/* Called when the server asks for a certificate and we have none: the
 * server will refuse the handshake; say why here, where it is fixed. */
static int
no_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	(void)ssl; (void)x509; (void)pkey;
	log_warnx("the server asks for a client certificate and none is "
	          "given (--cert FILE --key FILE): it will refuse us");
	return 0;   /* send none */
}

/* --cert, --key: the certificate the client presents (servers with
 * --client-ca ask for one), loaded before privileges are dropped. */
static int
client_ctx(const struct client_opts *o, SSL_CTX **ctx)
{
	*ctx = tls_client_ctx(o->ca_dir, o->ca_file);
	if (*ctx == NULL)
		return -1;
	if (o->cert == NULL) {
		SSL_CTX_set_client_cert_cb(*ctx, no_cert_cb);
		return 0;
	}
	if (SSL_CTX_use_certificate_chain_file(*ctx, o->cert) != 1) {
		log_openssl("loading client certificate %s", o->cert);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(*ctx, o->key, SSL_FILETYPE_PEM) != 1) {
		log_openssl("loading client key %s", o->key);
		return -1;
	}
	if (SSL_CTX_check_private_key(*ctx) != 1) {
		log_openssl("client key %s does not match certificate %s", o->key,
		            o->cert);
		return -1;
	}
	tls_warn_expiry(SSL_CTX_get0_certificate(*ctx), "client");
	return 0;
}

/* Sleeps ms milliseconds, or less when a signal asks us to stop. */
static void
nap(unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (!signals_stop_requested() && now_ms() < end)
		(void)poll(NULL, 0, 200);
}

/* A random number of milliseconds from 0 to max. */
static unsigned
jitter(unsigned max)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)now_ms();
	return max ? r % (max + 1) : 0;
}

static int
client_loop(struct client *c)
{
	unsigned backoff = 1, wait;

	for (;;) {
		enum client_outcome out;

		c->was_active = false;
		c->retry_hint = 0;
		c->moved = false;
		c->exit_status = EXIT_ERROR;
		out = client_connect(c);
		if (out == CO_STOP)
			return 0;
		if (out == CO_FATAL)
			return c->exit_status;
		if (!c->opt->reconnect)
			return 1;
		if (c->was_active)
			backoff = 1;
		/* Full jitter (anywhere from 0 to the backoff), so that clients
		 * thrown out together by a server restart spread out instead of
		 * returning in waves; a busy server's hint of when to come back
		 * comes first, spread over the same span again. */
		if (c->moved && c->was_active) {
			backoff = 1;
			continue;   /* no wait: a planned move (after a login, so a
			             * server cannot keep us in a tight loop) */
		}
		if (c->retry_hint > 0)
			wait = c->retry_hint * 1000 + jitter(c->retry_hint * 1000);
		else
			wait = jitter(backoff * 1000);
		log_info("reconnecting in %u.%u s", wait / 1000, wait % 1000 / 100);
		nap(wait);
		if (signals_stop_requested())
			return 0;
		backoff = backoff * 2 > c->opt->max_backoff ? c->opt->max_backoff
		                                            : backoff * 2;
	}
}

int
main(int argc, char **argv)
{
	struct client_opts opt = {
		.port = VPN_PORT, .tun = "tun%d", .run_as = "nobody",
		.reconnect = true, .max_backoff = 30,
	};
	static struct client c;
	struct invocation inv = { .verbosity = LL_INFO };
	int ret = 1;

	/* Descriptors our parent left open are not ours to hold. */
	if (close_range(3, ~0u, 0) == -1) {
		perror("minivpn-client: close_range");
		return 1;
	}
	log_init(argv[0], LL_INFO);
	parse_args(argc, argv, &opt, &inv);
	log_init(argv[0], inv.verbosity);
	/* Time stamps on a terminal or in a file, the journal's own priority
	 * prefix under systemd, syslog when asked: the same lines. */
	log_dest_set(log_dest_auto(inv.syslog), "minivpn-client");
	if (inv.check_config) {
		/* What set-up would refuse, without root or the network. */
		if (client_ctx(&opt, &c.ctx) == -1) {
			SSL_CTX_free(c.ctx);
			return 1;
		}
		SSL_CTX_free(c.ctx);
		if (opt.password_file != NULL && access(opt.password_file, R_OK) == -1) {
			log_warn("password file %s", opt.password_file);
			return 1;
		}
		log_info("configuration OK: server %s port %u, login %s",
		         opt.server, opt.port, opt.user);
		return 0;
	}
	c.opt = &opt;
	c.last_addr = opt.want;
	c.dnsfd = -1;
	c.fd = c.tunfd = -1;
	c.lim.burst = 5;
	if (no_core_dumps() == -1)
		return 1;
	/* The DNS keeper stays root: forked before the password is read, the
	 * TUN opened or a key loaded, so that it holds none of them. */
	if (!opt.no_dns && (c.dnsfd = dnsconf_start()) == -1)
		return 1;
	/* Keep the password out of swap; not fatal where mlock is limited. */
	if (mlock(c.password, sizeof(c.password)) == -1)
		log_debug("mlock of the password buffer failed; going on");
	/* --no-password: a server with --client-cert-only asks for none. */
	if (!opt.no_password &&
	    password_read(opt.password_file, opt.user, c.password,
	                  sizeof(c.password)) == -1)
		return 1;
	if (signals_init() == -1)
		goto out;
	if (client_ctx(&opt, &c.ctx) == -1)
		goto out;
	if (fbuf_init(&c.rx, RX_BUF_LEN) == -1 || fbuf_init(&c.tx, TX_BUF_LEN) == -1)
		goto out;
	if (opt.offload ? client_tun_open_vnet(&c) == -1 :
	    (c.tunfd = tun_open(opt.tun, TUN_MODE_TUN, true, c.nc.ifname)) == -1)
		goto out;
	log_info("opened %s", c.nc.ifname);
	if (!opt.no_ipv6)
		tun_ipv6_quiet(c.nc.ifname);   /* no link-local chatter later */
	if (strcmp(opt.run_as, "root") != 0 && privdrop(opt.run_as, true) == -1)
		goto out;

	ret = client_loop(&c);

	netconf_remove(&c.nc);
out:
	if (c.tunfd != -1)
		close(c.tunfd);
	OPENSSL_cleanse(c.password, sizeof(c.password));
	fbuf_free(&c.rx);
	fbuf_free(&c.tx);
	SSL_CTX_free(c.ctx);
	if (signals_stop_requested())
		log_info("signal %d: stopped", signals_last());
	return ret;
}
