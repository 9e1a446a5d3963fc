/*
 * minivpn-load - many minivpn logins from one process, for the stress
 * check (task10-tls/stress.sh). No TUN, no packets: TLS, AUTH, CONFIG and
 * keepalives only, which is what the login path and the server's memory
 * see of a client.
 *
 *   minivpn-load --connect ADDR[:PORT] --name NAME --ca-file FILE
 *                --password-file FILE [--clients N] [--user-prefix P]
 *                [--sources A.B.C.D,K] [--abuse RATE] [--duration S]
 *
 * Login mode (default): N connections, user P0 .. P(N-1), each logging in
 * and then sending keepalives; a connection that is refused or lost comes
 * back as minivpn-client does (full jitter: a random wait from 0 to the
 * backoff, 1 s doubling to 30 s, the server's "retry in N s" first). It
 * prints "all N logged in after T ms" when every one is in, and, after
 * losses (a server restart), "all N back T ms after the first loss".
 * SIGTERM: every connection says BYE and the program exits.
 *
 * Abuse mode (--abuse RATE): RATE connections a second that finish TLS,
 * send AUTH and close at once, without waiting for the verdict (point 1
 * of issue 14).
 *
 * At the end it prints how many AUTHs it sent, how many the server refused
 * and why, and how many clients were banned at least once.
 *
 * --sources A.B.C.D,K binds the connections round-robin to K addresses
 * from A.B.C.D up (they must be on the host), like clients behind K NATs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "minivpn.h"

#define BUF_LEN  (16 * 1024)  /* no DATA flows: CONFIG is the largest frame */
#define STEP_MS  50

enum lstate { L_IDLE, L_CONNECT, L_HANDSHAKE, L_LOGIN, L_ACTIVE };

struct lconn {
	int         fd;
	SSL        *ssl;
	enum lstate st;
	unsigned    idx, backoff;   /* s */
	bool        banned;         /* was refused BANNED at least once */
	uint64_t    at_ms;          /* L_IDLE: connect then; else a deadline */
	struct fbuf rx, tx;
	struct keepalive ka;
};

static struct {
	struct sockaddr_in server;
	const char *name, *prefix, *ca_file;
	char password[AUTH_PASS_MAX + 1];
	struct in_addr src;
	unsigned nsrc, nclients, abuse_rate, duration, max_backoff;
} opt = { .prefix = "load", .nclients = 1, .max_backoff = 30 };

static SSL_CTX *ctx;
static int epfd;
static struct lconn *conns;
static unsigned nactive, nrefused, nbusy, nbanned, nsent, nconn_banned;
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned
rnd(unsigned max)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)now_ms();
	return max ? r % (max + 1) : 0;
}

static void
lconn_drop(struct lconn *c, unsigned hint)
{
	if (c->st == L_ACTIVE)
		nactive--;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd != -1)
		close(c->fd);   /* leaves the epoll set too */
	c->ssl = NULL;
	c->fd = -1;
	c->st = L_IDLE;
	ERR_clear_error();
	/* As minivpn-client: the hint first, else full jitter. */
	c->at_ms = now_ms() + (hint ? hint * 1000u + rnd(hint * 1000u)
	                            : rnd(c->backoff * 1000u));
	c->backoff = c->backoff * 2 > opt.max_backoff ? opt.max_backoff
	                                              : c->backoff * 2;
}

static int
lconn_watch(struct lconn *c, bool out)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.u32 = c->idx,
	};

	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1 &&
	    (errno != ENOENT || epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)) {
		log_warn("epoll_ctl");
		return -1;
	}
	return 0;
}

static void
lconn_start(struct lconn *c)
{
	static unsigned nstarts;
	struct sockaddr_in src = { .sin_family = AF_INET };
	/* A client keeps its address; attack attempts take the next one. */
	unsigned at = opt.abuse_rate ? nstarts++ : c->idx;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		log_warn("socket");
		lconn_drop(c, 0);
		return;
	}
	if (opt.nsrc > 0) {
		src.sin_addr.s_addr = htonl(ntohl(opt.src.s_addr) + at % opt.nsrc);
		if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
			log_warn("bind to a source address");
			lconn_drop(c, 0);
			return;
		}
	}
	if (connect(c->fd, (struct sockaddr *)&opt.server, sizeof(opt.server))
	    == -1 && errno != EINPROGRESS) {
		lconn_drop(c, 0);
		return;
	}
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, opt.name) != 1 ||
	    SSL_set1_host(c->ssl, opt.name) != 1) {
		log_openssl("setting up TLS");
		lconn_drop(c, 0);
		return;
	}
	SSL_set_connect_state(c->ssl);
	c->rx.off = c->rx.len = c->tx.off = c->tx.len = 0;
	c->st = L_CONNECT;
	c->at_ms = now_ms() + HANDSHAKE_TIMEOUT * 1000;
	if (lconn_watch(c, true) == -1)
		lconn_drop(c, 0);
}

static int
lconn_flush(struct lconn *c)
{
	bool wrote;

	switch (tls_write_fbuf(c->ssl, &c->tx, &wrote)) {
	case TLS_IO_DONE:
	case TLS_IO_WANT_READ:
		break;
	case TLS_IO_WANT_WRITE:
		if (lconn_watch(c, true) == -1)
			return -1;
		break;
	case TLS_IO_ERROR:
		return -1;
	}
	if (wrote)
		c->ka.last_tx_ms = now_ms();
	return 0;
}

static int
lconn_auth(struct lconn *c)
{
	uint8_t msg[AUTH_LEN_MAX];
	char user[AUTH_USER_MAX + 1];
	struct in_addr any = { 0 };
	size_t n;
	int r;

	snprintf(user, sizeof(user), "%s%u", opt.prefix, c->idx);
	n = login_encode(user, opt.password, any, msg);
	r = n == 0 ? -1 : frame_append(&c->tx, FRAME_AUTH, msg, n);
	OPENSSL_cleanse(msg, sizeof(msg));
	if (r == -1 || lconn_flush(c) == -1)
		return -1;
	nsent++;
	if (opt.abuse_rate > 0)   /* the attack: AUTH, then gone */
		return -1;
	c->st = L_LOGIN;
	c->at_ms = now_ms() + 30000;
	return 0;
}

/* Returns -1 when the connection is to be dropped; *hint the retry. */
static int
lconn_frames(struct lconn *c, unsigned *hint)
{
	struct vpn_config cfg;
	struct frame f;
	const char *why;
	enum vpn_error code;
	char text[ERROR_TEXT_MAX + 1];
	int r;

	while ((r = frame_next(&c->rx, VPN_MTU_MAX, &f, &why)) == 1) {
		switch (f.type) {
		case FRAME_CONFIG:
			if (c->st != L_LOGIN || config_parse(f.payload, f.len, &cfg,
			                                     &why) == -1)
				return -1;
			c->st = L_ACTIVE;
			c->backoff = 1;
			nactive++;
			ka_init(&c->ka, cfg.ka_interval, cfg.ka_timeout, now_ms());
			break;
		case FRAME_ERROR:
			frame_parse_error(&f, &code, text, sizeof(text));
			*hint = frame_error_retry(&f);
			nrefused++;
			nbusy += code == VPN_ERR_BUSY;
			nbanned += code == VPN_ERR_BANNED;
			if (code == VPN_ERR_BANNED && !c->banned) {
				c->banned = true;
				nconn_banned++;
			}
			return -1;
		case FRAME_KEEPALIVE:
			break;
		default:
			return -1;
		}
	}
	return r == -1 ? -1 : 0;
}

static void
lconn_io(struct lconn *c)
{
	unsigned hint = 0;
	size_t room, n;
	int r, err = 0;
	socklen_t el = sizeof(err);

	if (c->st == L_CONNECT) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 ||
		    err != 0) {
			lconn_drop(c, 0);
			return;
		}
		c->st = L_HANDSHAKE;
	}
	if (c->st == L_HANDSHAKE) {
		r = SSL_do_handshake(c->ssl);
		if (r == 1) {
			if (lconn_auth(c) == -1)
				lconn_drop(c, 0);
			else
				(void)lconn_watch(c, false);
			return;
		}
		r = SSL_get_error(c->ssl, r);
		if (r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE) {
			if (lconn_watch(c, r == SSL_ERROR_WANT_WRITE) == -1)
				lconn_drop(c, 0);
			return;
		}
		lconn_drop(c, 0);
		return;
	}
	if (c->tx.len > 0 && lconn_flush(c) == -1) {
		lconn_drop(c, 0);
		return;
	}
	if (c->tx.len == 0)
		(void)lconn_watch(c, false);
	for (;;) {
		uint8_t *tail = fbuf_tail(&c->rx, &room);

		if (!SSL_read_ex(c->ssl, tail, room, &n)) {
			if (SSL_get_error(c->ssl, 0) == SSL_ERROR_WANT_READ)
				return;
			lconn_drop(c, 0);
			return;
		}
		c->rx.len += n;
		c->ka.last_rx_ms = now_ms();
		if (lconn_frames(c, &hint) == -1) {
			lconn_drop(c, hint);
			return;
		}
	}
}

static void
lconn_timers(struct lconn *c, uint64_t now)
{
	switch (c->st) {
	case L_IDLE:
		/* Abuse slots start only when the rate says (main). */
		if (opt.abuse_rate == 0 && now >= c->at_ms && !stop)
			lconn_start(c);
		return;
	case L_CONNECT:
	case L_HANDSHAKE:
	case L_LOGIN:
		if (now >= c->at_ms)
			lconn_drop(c, 0);
		return;
	case L_ACTIVE:
		if (ka_expired(&c->ka, now)) {
			lconn_drop(c, 0);
			return;
		}
		if (ka_send_due(&c->ka, now) && c->tx.len == 0 &&
		    (frame_append(&c->tx, FRAME_KEEPALIVE, NULL, 0) == -1 ||
		     lconn_flush(c) == -1))
			lconn_drop(c, 0);
		return;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: minivpn-load --connect ADDR[:PORT] --name NAME "
	        "--ca-file FILE --password-file FILE [--clients N] "
	        "[--user-prefix P] [--sources A.B.C.D,K] [--abuse RATE] "
	        "[--duration S]\n");
	exit(2);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "ca-file", required_argument, NULL, 'f' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "clients", required_argument, NULL, 'N' },
		{ "user-prefix", required_argument, NULL, 'u' },
		{ "sources", required_argument, NULL, 's' },
		{ "abuse", required_argument, NULL, 'a' },
		{ "duration", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	char buf[64], *comma;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (addr_parse_endpoint(optarg, VPN_PORT, &opt.server) == -1)
				exit(2);
			break;
		case 'n': opt.name = optarg; break;
		case 'f': opt.ca_file = optarg; break;
		case 'p':
			if (password_read(optarg, "load", opt.password,
			                  sizeof(opt.password)) == -1)
				exit(2);
			break;
		case 'N': opt.nclients = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': opt.prefix = optarg; break;
		case 's':
			snprintf(buf, sizeof(buf), "%s", optarg);
			comma = strchr(buf, ',');
			if (comma == NULL)
				usage();
			*comma = '\0';
			if (inet_pton(AF_INET, buf, &opt.src) != 1)
				usage();
			opt.nsrc = (unsigned)strtoul(comma + 1, NULL, 10);
			break;
		case 'a': opt.abuse_rate = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': opt.duration = (unsigned)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (optind != argc || opt.name == NULL || opt.ca_file == NULL ||
	    opt.server.sin_family != AF_INET || opt.nclients == 0 ||
	    opt.nclients > 100000)
		usage();
	if (opt.abuse_rate > 0)
		opt.nclients = opt.abuse_rate;   /* one slot per attempt a second */
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	uint64_t start, loss_ms = 0, last_abuse, deadline;
	bool all_in = false;
	unsigned next_abuse = 0;

	log_init(argv[0], LL_INFO);
	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	ctx = tls_client_ctx(NULL, opt.ca_file);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	conns = calloc(opt.nclients, sizeof(*conns));
	if (ctx == NULL || epfd == -1 || conns == NULL)
		fatalx("set-up failed");
	start = last_abuse = now_ms();
	deadline = opt.duration ? start + opt.duration * 1000ull : 0;
	for (unsigned i = 0; i < opt.nclients; i++) {
		struct lconn *c = &conns[i];

		c->idx = i;
		c->fd = -1;
		c->backoff = 1;
		/* Abuse slots start only when their turn in the rate comes. */
		c->at_ms = opt.abuse_rate ? 0 : start;
		if (fbuf_init(&c->rx, BUF_LEN) == -1 ||
		    fbuf_init(&c->tx, BUF_LEN) == -1)
			fatalx("set-up failed");
	}
	while (!stop && (deadline == 0 || now_ms() < deadline)) {
		int n = epoll_wait(epfd, evs, 256, STEP_MS);
		uint64_t now;

		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		for (int i = 0; i < n; i++)
			lconn_io(&conns[evs[i].data.u32]);
		now = now_ms();
		/* Abuse: the next slot goes every 1000/RATE ms. */
		while (opt.abuse_rate &&
		       now - last_abuse >= 1000 / opt.abuse_rate) {
			struct lconn *c = &conns[next_abuse++ % opt.nclients];

			last_abuse += 1000 / opt.abuse_rate;
			if (c->st == L_IDLE) {
				c->at_ms = now;
				lconn_start(c);
			}
		}
		for (unsigned i = 0; i < opt.nclients; i++)
			lconn_timers(&conns[i], now);
		if (opt.abuse_rate)
			continue;
		if (nactive == opt.nclients && !all_in) {
			all_in = true;
			if (loss_ms == 0)
				printf("all %u logged in after %llu ms\n", opt.nclients,
				       (unsigned long long)(now - start));
			else
				printf("all %u back %llu ms after the first loss\n",
				       opt.nclients, (unsigned long long)(now - loss_ms));
			fflush(stdout);
		} else if (nactive < opt.nclients && all_in) {
			all_in = false;
			loss_ms = now;
			printf("lost connections (%u of %u logged in)\n", nactive,
			       opt.nclients);
			fflush(stdout);
		}
	}
	printf("load: %u of %u logged in at the end\n", nactive, opt.nclients);
	for (unsigned i = 0; i < opt.nclients; i++) {
		struct lconn *c = &conns[i];

		if (c->st == L_ACTIVE &&
		    frame_append_error(&c->tx, VPN_ERR_BYE, "load ends") == 0)
			(void)lconn_flush(c);
		lconn_drop(c, 0);
		fbuf_free(&c->rx);
		fbuf_free(&c->tx);
	}
	printf("load: %u AUTHs sent, %u refused (%u busy, %u banned); "
	       "%u clients banned\n", nsent, nrefused, nbusy, nbanned,
	       nconn_banned);
	OPENSSL_cleanse(opt.password, sizeof(opt.password));
	free(conns);
	SSL_CTX_free(ctx);
	return 0;
}
