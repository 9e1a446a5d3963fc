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
#define CONFIG_LEN_MAX      (CONFIG_FIXED_LEN + CONFIG_ROUTES_MAX * CONFIG_ROUTE_LEN)

/* ---- DATA payload: one IPv4 packet, at most the pushed MTU ---- */
#define VPN_MTU_DEFAULT     1500
#define VPN_MTU_MIN         576       /* RFC 791: every host takes 576 */
#define VPN_MTU_MAX         9000
#define DATA_LEN_MIN        20        /* an IPv4 header */

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
};

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
#define AUTHPROC_RATE       20        /* checks per second the helper does */
#define AUTHPROC_BURST      10

/* ---- data path ---- */
#define BATCH_MAX           64        /* TUN packets per TLS write */
#define RX_BUF_LEN          (64 * 1024)
#define TX_BUF_LEN          (256 * 1024)

#endif /* MINIVPN_PROTO_H */
