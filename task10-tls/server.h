/*
 * server.h - the server's context and its per-client sessions, shared by
 * server_main.c (set-up), server.c (event loop) and session.c (one client).
 */
#ifndef MINIVPN_SERVER_H
#define MINIVPN_SERVER_H

#include "minivpn.h"

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

/*
 * A session's life: TCP accepted -> TLS handshake -> wait for AUTH ->
 * helper checks the password -> (answer held back after failures) ->
 * ACTIVE with an address, or closed with an ERROR frame.
 */
enum sess_state {
	SS_HANDSHAKE,
	SS_LOGIN,       /* TLS up, waiting for AUTH */
	SS_CHECKING,    /* AUTH sent to the helper */
	SS_DELAYED,     /* answer known, held back until deadline_ms */
	SS_ACTIVE,
};

struct server;

struct session {
	struct server  *srv;
	uint32_t        id;            /* generation << 16 | slot (epoll tag) */
	uint64_t        req_id;        /* of the question to the auth helper:
	                                  never reused, so a late answer cannot
	                                  reach another session */
	int             fd;
	SSL            *ssl;
	enum sess_state state;
	struct sockaddr_in peer;
	char            name[80];      /* "alice@10.9.0.5:40312" for the log */
	char            user[AUTH_USER_MAX + 1];
	struct in_addr  want, addr;
	bool            has_addr;
	enum auth_result result;
	bool            throttled;     /* counted in flight by the throttle */
	uint64_t        accepted_ms;
	uint64_t        verdict_ms;    /* no answer to AUTH before this */
	uint64_t        deadline_ms;   /* handshake/login timeout, or delay */
	bool            more;          /* stopped reading with data left */
	struct fbuf     rx, tx;
	struct keepalive ka;
	bool            pollout;       /* EPOLLOUT registered */
	bool            dirty;         /* queued for a flush this round */
	struct log_limit lim_spoof, lim_bad;
	uint64_t        pkts_in, pkts_out, drops;
};

struct server {
	const struct server_opts *opt;
	int             epfd, tunfd, lfd, authfd;
	char            tunname[IFNAMSIZ];
	SSL_CTX        *ctx;
	struct pool     pool;
	struct throttle throttle;
	struct session **sess;         /* max_conns slots */
	unsigned        max_conns, nsess, nactive, ndelayed;
	unsigned        max_active;    /* logged-in sessions */
	unsigned        npre;          /* sessions not logged in (yet) */
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
int  server_epoll_set(struct server *srv, struct session *s, bool out);
struct session *server_user_session(struct server *srv, const char *user,
                                    const struct session *except);

/* session.c */
struct session *session_new(struct server *srv, int fd,
                            const struct sockaddr_in *peer, unsigned slot);
void session_close(struct session *s, enum vpn_error code, const char *reason);
int  session_io(struct session *s, uint32_t events);
int  session_flush(struct session *s);
int  session_tick(struct session *s, uint64_t now);
int  session_auth_done(struct session *s, enum auth_result res, uint64_t now);
bool session_queue_packet(struct session *s, const uint8_t *pkt, size_t len);

#endif /* MINIVPN_SERVER_H */
