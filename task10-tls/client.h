/*
 * client.h - the client's context, shared by client_main.c (options,
 * set-up, the reconnect loop) and client.c (one connection).
 */
#ifndef MINIVPN_CLIENT_H
#define MINIVPN_CLIENT_H

#include "minivpn.h"

struct client_opts {
	const char *server;        /* host name: TLS SNI and certificate check */
	uint16_t    port;
	const char *connect;       /* address to connect to instead of resolving */
	const char *ca_dir, *ca_file;
	const char *user;          /* VPN login */
	const char *password_file;
	const char *cert, *key;    /* --cert, --key: a client certificate */
	bool        no_password;   /* --no-password: an empty one is sent */
	const char *run_as;        /* local user to drop to */
	const char *tun;
	struct in_addr want;       /* --address: tunnel address to ask for */
	bool        reconnect;
	bool        no_dns;        /* --no-dns: pushed DNS not applied */
	bool        offload;       /* --offload: ask for GSO frames */
	bool        no_ipv6;       /* --no-ipv6: never ask for CONFIG6 */
	unsigned    max_backoff;
};

enum client_outcome {
	CO_RETRY,      /* connection lost or refused for now: try again */
	CO_FATAL,      /* the server or the login is wrong: stop */
	CO_STOP,       /* we were asked to stop */
};

enum client_state { CS_HANDSHAKE, CS_LOGIN, CS_ACTIVE };

/* Exit status of minivpn-client, by what went wrong (the README's list). */
enum {
	EXIT_ERROR    = 1,   /* local error, or connection lost (no reconnect) */
	EXIT_CERT     = 2,   /* server certificate rejected */
	EXIT_LOGIN    = 3,   /* login refused (wrong password, banned) */
	EXIT_CONFIG   = 4,   /* the server sent a CONFIG we will not apply */
	EXIT_REPLACED = 5,   /* a newer login as the same user took over */
	EXIT_REFUSED  = 6,   /* refused for good: protocol version, user name */
};

struct client {
	const struct client_opts *opt;
	SSL_CTX       *ctx;
	int            tunfd;
	struct netconf nc;
	int            dnsfd;         /* the DNS keeper (dnsconf.c), -1: none */
	char           password[AUTH_PASS_MAX + 1];
	struct in_addr last_addr;     /* asked for again after a reconnect */
	struct fbuf    rx, tx;
	/* the current connection */
	int            fd;
	SSL           *ssl;
	enum client_state state;
	int            exit_status;   /* EXIT_* for a CO_FATAL outcome */
	struct in_addr server_addr;   /* outer address (IPv4), 0 if unknown */
	bool           more;          /* stopped reading at its budget */
	bool           was_active;
	unsigned       retry_hint;    /* s: the server's "retry in", or 0 */
	bool           moved;         /* the server drains: reconnect at once */
	bool           want_write;
	unsigned       mtu;
	uint64_t       deadline_ms;
	struct keepalive ka;
	struct log_limit lim;
	uint64_t       pkts_in, pkts_out;
	/* the offload extension (client_gso.c) */
	bool           vnet;          /* tunfd has virtio_net_hdrs */
	unsigned       tun_bits;      /* OFFLOAD_* the TUN can take */
	bool           offload_asked;
	unsigned       offload;       /* OFFLOAD_* granted: GSO frames */
	uint8_t       *big;           /* a superpacket read from the TUN */
	uint8_t       *scratch;       /* a segment cut from one */
	/* IPv6 in the tunnel (client6.c) */
	bool           v6_asked;      /* CONFIG6 asked, not answered yet */
	bool           v6;            /* the server gave us IPv6 */
};

/* client.c */
enum client_outcome client_connect(struct client *c);

/* client_gso.c: the offload extension */
int  client_tun_open_vnet(struct client *c);
void client_offload_reset(struct client *c);
void client_offload_ask(struct client *c);
void client_on_offload(struct client *c, const struct frame *f);
void client_on_gso(struct client *c, const struct frame *f);
ssize_t client_tun_write(struct client *c, const uint8_t *pkt, size_t len);
void client_read_tun_vnet(struct client *c);
size_t client_tun_room(const struct client *c);

/* client6.c: IPv6 in the tunnel */
void client_ipv6_reset(struct client *c);
void client_ipv6_ask(struct client *c);
void client_on_config6(struct client *c, const struct frame *f);
void client_read_tun6(struct client *c);

#endif /* MINIVPN_CLIENT_H */
