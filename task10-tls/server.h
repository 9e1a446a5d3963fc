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
	const char *pam;              /* --auth pam[:SERVICE]: the service */
	const char *user;             /* to drop privileges to */
	bool shared_user;             /* other processes may run as user */
	const char *tun;
	struct sockaddr_in listen;
	struct in_addr pool_net;
	int pool_prefix;
	struct vpn_route routes[CONFIG_ROUTES_MAX];
	unsigned nroutes;
	unsigned mtu, ka_interval, ka_timeout, max_clients;
	bool offload;                 /* --offload: TUN offloads, GSO frames */
	unsigned backlog;             /* listen(2) queue */
	const char *control;          /* control socket path, or NULL */
	bool client_to_client;        /* clients may reach each other */
	const char *nat;              /* --nat IFACE, or NULL */
	struct proxy_net proxy[PROXY_TRUST_MAX];  /* --proxy-protocol */
	unsigned nproxy;              /* 0: no PROXY header expected */
	unsigned drain_grace;         /* s: SIGTERM drains this long; 0 stops */
	unsigned slice_n, slice_m;    /* --pool-slice N/M, 0/0 for all */
	struct in_addr pool_all_net;  /* --pool before the slice */
	int pool_all_prefix;
	unsigned ndns;                /* --dns: DNS servers pushed */
	struct in_addr dns[CONFIG_DNS_MAX];
	char search[CONFIG_SEARCH_MAX + 1];   /* --dns-search, space-separated */
	const char *client_ca;        /* --client-ca FILE|DIR, or NULL */
	const char *crl;              /* --crl FILE, or NULL */
	bool cert_only;               /* --client-cert-only: no password */
	struct in6_addr pool6;        /* --pool6: IPv6 in the tunnel */
	int pool6_prefix;             /* 0: no IPv6 */
	struct vpn_route6 routes6[CONFIG6_ROUTES_MAX];   /* --route6 */
	unsigned nroutes6;
};

/* A login waiting for the password helper, in arrival order. */
struct auth_wait {
	uint32_t       sid;            /* session id */
	struct in_addr addr;           /* its source address */
	uint64_t       req;            /* its question's id */
	struct login   lg;             /* wiped when sent or dropped */
};
/* A question a helper worker is answering now. */
struct auth_busy {
	uint32_t       sid;
	struct in_addr addr;
	uint64_t       req, sent_ms;
};

struct server {
	struct session_loop loop;      /* what sessions see of the server */
	const struct server_opts *opt;
	int             epfd, tunfd, lfd, authfd;
	int             ctlfd;         /* control socket, -1 without one */
	int             roamfd;        /* roam.c's keeper, -1 without slices */
	char            tunname[IFNAMSIZ];
	SSL_CTX        *ctx;
	struct pool     pool;
	bool            has6;          /* --pool6: IPv6 in the tunnel */
	struct vpn_config6 cfg6;       /* every CONFIG6 but the client's address */
	uint32_t        hostmask6;     /* host part of the whole IPv4 pool */
	struct throttle throttle;
	struct session **sess;         /* max_conns slots */
	unsigned        max_conns, nsess;
	unsigned        max_prelogin;  /* slots for sessions not logged in */
	unsigned        nactive;       /* sessions holding a pool address */
	unsigned        max_active;    /* logged-in sessions */
	unsigned        ndelayed;      /* sessions in SS_DELAYED */
	unsigned        nmore;         /* sessions with s->more set */
	uint16_t        gen;
	uint64_t        next_req;
	/* Password checks: at most one per worker at the helper, at most one
	 * per source address there, the rest queued here (see server.c). */
	unsigned        nworkers;
	struct auth_wait *queue;       /* max_conns entries */
	unsigned        qlen;
	struct auth_busy busy[AUTHPROC_WORKERS_MAX];
	unsigned        nbusy;
	/* --client-cert-only: logins whose certificate is their verdict,
	 * answered after this round of events (as a helper's answer is). */
	struct auth_busy *certok;      /* max_conns entries */
	unsigned        ncertok;
	uint64_t        check_ms;      /* a check's duration, averaged */
	unsigned        nfreed;        /* sessions freed since malloc_trim */
	bool            accept_paused; /* out of descriptors: listener off */
	uint64_t        accept_resume_ms;
	bool            listen_off;    /* full or draining: not listening */
	bool            draining;      /* clients told to move (drain.c) */
	uint64_t        drain_end_ms;
	struct session *dirty[BATCH_MAX];
	unsigned        ndirty;
	struct log_limit lim_accept, lim_hello, lim_prelogin, lim_refused,
	                 lim_failed, lim_tun;
	uint8_t         pkt[VPN_MTU_MAX + 1];
	bool            vnet;          /* --offload: tunfd has virtio_net_hdrs */
	unsigned        offload;       /* OFFLOAD_* the TUN takes */
	uint8_t        *big;           /* a superpacket read from the TUN */
	uint8_t        *scratch;       /* a segment cut from one */
};

/* epoll tags: kind in the top byte, a session id below */
enum { EV_LISTEN = 1, EV_TUN = 2, EV_AUTH = 3, EV_SESSION = 4, EV_CONTROL = 5 };
#define EV_TAG(kind, id) ((uint64_t)(kind) << 56 | (uint32_t)(id))

#define CHECK_MS_INITIAL 50   /* a check's duration before one is measured */

/* server.c */
int  server_run(struct server *srv);

/* drain.c: --drain-grace, and not listening while full */
void server_drain(struct server *srv, const char *why);
bool server_stop_now(struct server *srv);   /* checked once per wake-up */

/* control.c: the control socket (--control, --status, --disconnect) */
#define CONTROL_PATH_DEFAULT "/run/minivpn/server.sock"
int  control_listen(const char *path);
void control_accept(struct server *srv);
int  control_request(const char *path, const char *request);  /* exit status */

#endif /* MINIVPN_SERVER_H */
