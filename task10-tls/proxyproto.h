/*
 * proxyproto.h - the PROXY protocol version 2 header (HAProxy's spec) that
 * a load balancer puts in front of a connection to say whose it is
 * (proxyproto.c), and the addresses trusted to send it (--proxy-protocol).
 */
#ifndef MINIVPN_PROXYPROTO_H
#define MINIVPN_PROXYPROTO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROXY_SIG_LEN        12
#define PROXY_FIXED_LEN      16     /* signature, ver/cmd, family, length */
/* The spec allows 65535 bytes after the fixed part; HAProxy sends 12 for
 * TCP over IPv4 plus a few TLVs. More than this is refused, not read. */
#define PROXY_PAYLOAD_MAX    512
#define PROXY_HDR_MAX        (PROXY_FIXED_LEN + PROXY_PAYLOAD_MAX)
#define PROXY_TIMEOUT        3      /* s: TCP accept -> the whole header */
#define PROXY_TRUST_MAX      16     /* CIDRs in --proxy-protocol */

enum proxy_cmd { PROXY_CMD_LOCAL = 0, PROXY_CMD_PROXY = 1 };

struct proxy_hdr {
	enum proxy_cmd     cmd;
	/* PROXY over TCP/IPv4: the client's and the address it connected
	 * to. LOCAL (the balancer's own health check): unset, the
	 * connection's own addresses stand. */
	struct sockaddr_in src, dst;
	size_t             len;          /* bytes the header took */
};

/* One trusted network: addresses whose first prefixlen bits are net's. */
struct proxy_net {
	struct in_addr net;
	int            prefixlen;
};

/*
 * Parses the first len bytes of a connection. Returns 1 with *h set when
 * they begin with a complete, valid header (h->len bytes of it, the rest
 * is TLS); 0 when more are needed (*need: how many in all, never more than
 * the header, so the caller does not read past it); -1 when they cannot be
 * a header the server takes (*why says which rule).
 */
int  proxy_parse(const uint8_t *buf, size_t len, struct proxy_hdr *h,
                 size_t *need, const char **why);

/* "CIDR[,CIDR...]" into nets (at most PROXY_TRUST_MAX). Returns the count,
 * or -1 (*why). */
int  proxy_trust_parse(const char *list, struct proxy_net *nets,
                       const char **why);
bool proxy_trusted(const struct proxy_net *nets, unsigned n,
                   struct in_addr addr);

#endif /* MINIVPN_PROXYPROTO_H */
