/*
 * session.h - one client connection on the server (session.c), and the
 * little it needs from the event loop that owns it (server.c).
 *
 * session.c does not include server.h and calls nothing in server.c: what
 * it needs from the loop comes through struct session_loop, which server.c
 * fills in. The server's slot table, its counters and its admission policy
 * (who may log in, with which address) stay in server.c.
 */
#ifndef MINIVPN_SESSION_H
#define MINIVPN_SESSION_H

#include "minivpn.h"
#include "proxyproto.h"

/*
 * A session's life: TCP accepted -> TLS handshake -> wait for AUTH ->
 * helper checks the password -> (answer held back after failures) ->
 * admitted by the server: ACTIVE with an address, or closed with an ERROR
 * frame.
 */
enum sess_state {
	SS_HANDSHAKE,
	SS_LOGIN,       /* TLS up, waiting for AUTH */
	SS_CHECKING,    /* AUTH sent to the helper */
	SS_DELAYED,     /* answer known, held back until deadline_ms */
	SS_ACTIVE,
};

struct session;

/*
 * What the event loop lends every session: shared resources, and four calls
 * back. Each call gets the loop it was found in.
 */
struct session_loop {
	SSL_CTX          *ctx;
	unsigned          mtu;          /* largest DATA payload */
	int               tunfd;
	const char       *tunname;
	struct throttle  *throttle;     /* login attempts per source address */
	/* What a peer that never logged in can make us say, by kind, each
	 * shared by all such peers: an attacker fills its own limiter only. */
	struct log_limit *lim_accept;   /* handshake failures, making room */
	struct log_limit *lim_hello;    /* handshakes done */
	struct log_limit *lim_prelogin; /* closes before login, abandoned checks */
	struct log_limit *lim_refused;  /* AUTHs refused: banned, busy */
	struct log_limit *lim_failed;   /* wrong passwords (not the banning one) */
	struct log_limit *lim_tun;      /* shared by all TUN write errors */
	/* The pool, to keep clients from reaching each other (packets to a
	 * pool address but the server's) unless client_to_client. */
	uint32_t          pool_net, pool_mask;   /* network order */
	struct in_addr    server_addr;
	bool              client_to_client;
	/* --client-ca: every client presented a verified certificate, and
	 * AUTH's user must be the one it names (s->certuser). */
	bool              client_cert;
	/* --proxy-protocol: every connection starts with a PROXY v2 header
	 * (read before TLS, session_proxy_read()), whose client address
	 * replaces the balancer's in s->peer. */
	bool              proxy_protocol;
	bool              vnet;         /* the TUN has virtio_net_hdrs */
	unsigned          offload;      /* OFFLOAD_* the TUN takes (0: none) */
	uint8_t          *scratch;      /* a segment, for cutting superpackets */
	/* --pool6: CONFIG6 but the client's address, which is the pool6 plus
	 * its IPv4 address & v6_hostmask (host order); NULL: no IPv6. */
	const struct vpn_config6 *v6;
	uint32_t          v6_hostmask;
	/* Wake s when its socket is readable, and writable too if out. */
	int  (*watch)(struct session_loop *loop, struct session *s, bool out);
	/* s stopped reading with data left (more) or has none left (!more):
	 * epoll cannot see what OpenSSL holds, so the loop calls session_io()
	 * again without waiting while more is set. */
	void (*more)(struct session_loop *loop, struct session *s, bool more);
	/* Queues lg for the password helper (in arrival order) and sets
	 * s->req_id; the answer comes back through session_auth_done(). Returns
	 * 0, -1 if it could not, or N > 0 when the queue is so long that the
	 * client should come back in N seconds instead. Forgetting s drops
	 * its question if it is still queued. */
	int  (*ask)(struct session_loop *loop, struct session *s,
	            const struct login *lg);
	/* s is being closed: the loop drops it and what it holds there (its
	 * slot, its address, its share of the loop's counters). */
	void (*forget)(struct session_loop *loop, struct session *s);
	/* s's PROXY header named its real client (s->peer now): the loop
	 * applies its per-address limits. Returns -1 if it closed s. */
	int  (*proxied)(struct session_loop *loop, struct session *s);
};

struct session {
	struct session_loop *loop;
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
	char            certuser[AUTH_USER_MAX + 1];  /* its certificate's CN */
	struct in_addr  want, addr;
	bool            has_addr;      /* addr is leased from the server's pool */
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
	bool            offload_asked; /* OFFLOAD came (once) */
	unsigned        offload;       /* OFFLOAD_* granted: GSO frames */
	const struct vnet_gso *gso;    /* the GSO packet being handled */
	uint64_t        pkts_in, pkts_out, drops;
	uint64_t        bytes_in, bytes_out;   /* IP bytes, for --status */
	time_t          since;         /* logged in at (wall clock) */
	uint8_t        *pp;            /* the PROXY header so far, until read */
	size_t          pplen;
	struct sockaddr_in via;        /* the balancer, when proxied */
	bool            health;        /* PROXY LOCAL: the balancer's own check */
	bool            v6_asked;      /* CONFIG6 came (once) */
	bool            v6;            /* IPv6 granted: addr6 is the client's */
	struct in6_addr addr6;
};

/*
 * Functions that may close the session return -1 after it is gone; the
 * caller must not touch it again. session_auth_done() and session_tick()
 * return 1 when the password's verdict is due: the caller then decides
 * whether to admit the session (session_start()) or close it.
 */
struct session *session_new(struct session_loop *loop, int fd,
                            const struct sockaddr_in *peer, uint32_t id);
void session_close(struct session *s, enum vpn_error code, const char *reason);
int  session_io(struct session *s, uint32_t events);
int  session_flush(struct session *s);
int  session_tick(struct session *s, uint64_t now);
int  session_auth_done(struct session *s, enum auth_result res, uint64_t now);
int  session_start(struct session *s, const struct vpn_config *cfg,
                   unsigned nclients);
bool session_queue_packet(struct session *s, const uint8_t *pkt, size_t len);
/* session_gso.c: the offload extension */
int  session_on_offload(struct session *s, const struct frame *f);
void session_on_gso(struct session *s, const struct frame *f);
void session_on_data(struct session *s, const struct frame *f);  /* session.c */
ssize_t session_tun_write(struct session *s, const uint8_t *pkt, size_t len);
void session_deliver(struct session *s, const uint8_t *pkt, size_t len);
void session_drop_c2c(struct session *s, const char *dst);
/* session6.c: IPv6 in the tunnel */
int  session_on_config6(struct session *s, const struct frame *f);
void session_on_data6(struct session *s, const struct frame *f);

#endif /* MINIVPN_SESSION_H */
