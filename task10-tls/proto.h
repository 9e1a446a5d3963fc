/*
 * proto.h - the minivpn wire protocol: every limit is a named constant here.
 *
 * docs/protocol.md is the prose version of this file. In short: after the
 * TLS 1.3 handshake both sides exchange frames over the TLS byte stream.
 * A frame is a 4-byte header and a payload:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |  Reserved (0) |      Payload length (BE)      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Payload (length bytes) ...
 *
 * A TLS record may carry many frames, and a frame may span records: the
 * receiver reassembles from the stream, never from SSL_read boundaries.
 */
#ifndef MINIVPN_PROTO_H
#define MINIVPN_PROTO_H

#define VPN_PROTO_VERSION   1
#define VPN_PORT            4433

/* ---- frames ---- */
#define FRAME_HDR_LEN       4
#define FRAME_LEN_MAX       65535     /* the length field is 16 bits */

enum frame_type {
	FRAME_AUTH      = 1,   /* client -> server, once, first frame */
	FRAME_CONFIG    = 2,   /* server -> client, once, answers a good AUTH */
	FRAME_DATA      = 3,   /* both ways: exactly one IPv4 packet */
	FRAME_KEEPALIVE = 4,   /* both ways: empty, sent when idle */
	FRAME_ERROR     = 5,   /* both ways: code + reason, sender then closes */
	FRAME_OFFLOAD   = 6,   /* both ways, once: offloads asked for / granted */
	FRAME_GSO       = 7,   /* both ways once granted: one superpacket */
	FRAME_CONFIG6   = 8,   /* client asks (empty) after CONFIG, server
	                          answers once: empty = no IPv6 here, else
	                          CONFIG6; then DATA may carry IPv6 both ways */
};

/* ---- AUTH payload: version, user_len, pass_len, 0, want_addr, user, pass */
#define AUTH_FIXED_LEN      8
#define AUTH_USER_MAX       32        /* Linux user names */
#define AUTH_PASS_MAX       255
#define AUTH_LEN_MAX        (AUTH_FIXED_LEN + AUTH_USER_MAX + AUTH_PASS_MAX)

/* ---- CONFIG payload: see configmsg.c for the diagram ---- */
#define CONFIG_FIXED_LEN    20
#define CONFIG_ROUTE_LEN    8
#define CONFIG_ROUTES_MAX   16
/* The optional DNS part after the routes (sent only when there is DNS to
 * push): count, search length, 2 reserved, the addresses, the text. */
#define CONFIG_DNS_HDR      4
#define CONFIG_DNS_MAX      3         /* as resolv.conf's MAXNS */
#define CONFIG_SEARCH_MAX   128       /* space-separated domains */
#define CONFIG_LEN_MAX      (CONFIG_FIXED_LEN + CONFIG_ROUTES_MAX * CONFIG_ROUTE_LEN + \
                             CONFIG_DNS_HDR + CONFIG_DNS_MAX * 4 + CONFIG_SEARCH_MAX)

/* ---- IPv6 (an extension: a client that never asks gets only IPv4).
 * CONFIG6 payload: version, prefix length, route count, 0, the client's
 * address (16), the server's (16), then per route: destination (16),
 * prefix length, 3 bytes 0 (config6msg.c). The client's IPv6 address is
 * the pool6 network plus its IPv4 address's offset in the IPv4 pool. */
#define CONFIG6_VERSION     1
#define CONFIG6_FIXED_LEN   36
#define CONFIG6_ROUTE_LEN   20
#define CONFIG6_ROUTES_MAX  16
#define CONFIG6_LEN_MAX     (CONFIG6_FIXED_LEN + CONFIG6_ROUTES_MAX * CONFIG6_ROUTE_LEN)
#define POOL6_PREFIX_MIN    64        /* --pool6: /64 ... /120 */
#define POOL6_PREFIX_MAX    120
#define DATA6_LEN_MIN       40        /* an IPv6 header */
#define IPV6_MTU_MIN        1280      /* RFC 8200: no IPv6 on less */

/* ---- DATA payload: one IPv4 packet, at most the pushed MTU ---- */
#define VPN_MTU_DEFAULT     1500
#define VPN_MTU_MIN         576       /* RFC 791: every host takes 576 */
#define VPN_MTU_MAX         9000
#define DATA_LEN_MIN        20        /* an IPv4 header */

/* ---- offloads (an extension: a client that never sends OFFLOAD gets only
 * DATA). OFFLOAD payload: one byte of OFFLOAD_* bits; the client asks after
 * CONFIG, the server answers once with the bits it grants (0: none). GSO
 * payload: kind (0 none, 1 TCP over IPv4, 2 UDP over IPv4), flags (bit 0:
 * the transport checksum holds only the pseudo-header sum; bit 1: ECN),
 * segment size (BE 16), then one IPv4 packet of up to 64 KiB that the
 * receiver may cut into segments of that size (offload.c). */
#define OFFLOAD_LEN         1
#define OFFLOAD_TCP4        0x01      /* = VNET_OFF_TCP4 */
#define OFFLOAD_UDP4        0x02      /* = VNET_OFF_UDP4 */
#define GSO_HDR_LEN         4
#define GSO_LEN_MIN         (GSO_HDR_LEN + DATA_LEN_MIN)
#define GSO_PKT_MAX         (FRAME_LEN_MAX - GSO_HDR_LEN)

/* ---- ERROR payload: code, then a reason in ASCII for the log ---- */
#define ERROR_TEXT_MAX      200
#define ERROR_LEN_MAX       (1 + ERROR_TEXT_MAX)

enum vpn_error {
	VPN_ERR_BYE         = 0,   /* normal close, nothing wrong */
	VPN_ERR_PROTOCOL    = 1,   /* a frame broke the rules */
	VPN_ERR_AUTH        = 2,   /* bad user name or password: do not retry */
	VPN_ERR_BANNED      = 3,   /* too many failures from this address */
	VPN_ERR_POOL_FULL   = 4,   /* no address left: retry later */
	VPN_ERR_TIMEOUT     = 5,   /* handshake, login or keepalive timeout */
	VPN_ERR_SHUTDOWN    = 6,   /* server stops: reconnect later */
	VPN_ERR_INTERNAL    = 7,   /* server-side failure: retry later */
	VPN_ERR_REPLACED    = 8,   /* a newer login of the same user took over */
	VPN_ERR_BUSY        = 9,   /* server busy: the reason ends in "retry in
	                              N s" (ERROR_RETRY_TEXT), come back then */
	VPN_ERR_REFUSED     = 10,  /* will never be accepted (protocol version,
	                              user name): do not retry */
	VPN_ERR_MOVED       = 11,  /* this server is draining: reconnect now,
	                              without backoff (the name leads to
	                              another server); older clients see an
	                              unknown code and reconnect with backoff */
};

/* The hint in the reason of BUSY (and of TIMEOUT when closed to make
 * room): "...; retry in N s", N seconds from 1 to ERROR_RETRY_MAX. Older
 * clients treat an unknown code as a reason to reconnect with backoff, so
 * the hint is backward compatible. */
#define ERROR_RETRY_TEXT    "retry in "
#define ERROR_RETRY_MAX     3600

/* ---- timers (seconds), keepalive values are pushed in CONFIG ---- */
#define KEEPALIVE_INTERVAL  10
#define KEEPALIVE_TIMEOUT   30
#define HANDSHAKE_TIMEOUT   10        /* client: TCP connect -> TLS up */
#define LOGIN_DEADLINE      5         /* server: TCP accept -> AUTH received */
#define AUTH_CHECK_TIMEOUT  10        /* server: AUTH -> the helper's answer */
#define LOGIN_FLOOR_MS      300       /* no verdict sooner after AUTH */

/* ---- connections before login (a slot flood must not lock anyone out) ---- */
#define PRELOGIN_MAX        64        /* sessions not logged in, all addresses */
#define PRELOGIN_PER_ADDR   6         /* ... from one source address */

/* ---- login throttling, per source address ---- */
#define THROTTLE_SLOTS      256       /* addresses remembered */
#define THROTTLE_WINDOW     300       /* failures older than this are forgotten */
#define THROTTLE_BAN_AFTER  5         /* failures in the window -> ban */
#define THROTTLE_BAN_SECS   300
#define THROTTLE_DELAY_MS   1000      /* per recent failure ... */
#define THROTTLE_DELAY_MAX  4000      /* ... up to this */
#define THROTTLE_BUSY_SECS  5         /* "try again in" when failures plus
                                         checks in flight reach the limit */
#define AUTHPROC_RATE       200       /* checks per second one worker does */
#define AUTHPROC_BURST      20
#define AUTHPROC_WORKERS_MAX 8        /* password helpers (one per CPU) */
#define AUTH_QUEUE_MAX_MS   4000      /* expected wait for a check beyond
                                         which an AUTH is refused BUSY */

/* ---- data path ---- */
#define BATCH_MAX           64        /* TUN packets per TLS write */
#define RX_BUF_LEN          (128 * 1024)  /* > a GSO frame; mapped, pages
                                             touched only as used */
#define TX_BUF_LEN          (256 * 1024)
#define TX_BUF_OFFLOAD_LEN  (1024 * 1024)  /* server, offloads granted: 16
                                             superpackets from the TUN */
#define TLS_COALESCE_LEN    (64 * 1024)    /* offloads granted: TLS records
                                             leave in socket writes of up
                                             to this (one TCP segment of
                                             64 KiB, not four of 16) */

#endif /* MINIVPN_PROTO_H */
