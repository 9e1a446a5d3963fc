/*
 * server.h - the server's context, shared by server_main.c (set-up) and
 * server.c (event loop, slot table, admission). Sessions (session.h) see
 * only the struct session_loop inside it.
 */
#ifndef MINIVPN_SERVER_H
#define MINIVPN_SERVER_H

#include "session.h"

struct server_opts {
	const char *cert, *key;
	const char *shadow;           /* NULL: the system's shadow database */
	const char *user;             /* to drop privileges to */
	const char *tun;
	struct sockaddr_in listen;
	struct in_addr pool_net;
	int pool_prefix;
	struct vpn_route routes[CONFIG_ROUTES_MAX];
	unsigned nroutes;
	unsigned mtu, ka_interval, ka_timeout, max_clients;
};

struct server {
	struct session_loop loop;      /* what sessions see of the server */
	const struct server_opts *opt;
	int             epfd, tunfd, lfd, authfd;
	char            tunname[IFNAMSIZ];
	SSL_CTX        *ctx;
	struct pool     pool;
	struct throttle throttle;
	struct session **sess;         /* max_conns slots */
	unsigned        max_conns, nsess;
	unsigned        nactive;       /* sessions holding a pool address */
	unsigned        max_active;    /* logged-in sessions */
	unsigned        ndelayed;      /* sessions in SS_DELAYED */
	unsigned        nmore;         /* sessions with s->more set */
	uint16_t        gen;
	uint64_t        next_req;
	struct session *dirty[BATCH_MAX];
	unsigned        ndirty;
	struct log_limit lim_accept, lim_tun;
	uint8_t         pkt[VPN_MTU_MAX + 1];
};

/* epoll tags: kind in the top byte, a session id below */
enum { EV_LISTEN = 1, EV_TUN = 2, EV_AUTH = 3, EV_SESSION = 4 };
#define EV_TAG(kind, id) ((uint64_t)(kind) << 56 | (uint32_t)(id))

/* server.c */
int  server_run(struct server *srv);

#endif /* MINIVPN_SERVER_H */
