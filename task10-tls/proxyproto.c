/*
 * proxyproto.c - the PROXY protocol v2 header, as HAProxy's
 * `send-proxy-v2` writes it before the client's first byte:
 *
 *   12 bytes  signature  \r\n\r\n\0\r\nQUIT\n
 *    1 byte   version (high nibble, 2) | command (0 LOCAL, 1 PROXY)
 *    1 byte   family (1 INET, 2 INET6, 3 UNIX, 0 UNSPEC) | transport
 *             (1 STREAM, 2 DGRAM, 0 UNSPEC)
 *    2 bytes  length of what follows, network order
 *   INET:     src addr (4), dst addr (4), src port (2), dst port (2)
 *   then TLVs to the end: type (1), length (2, network order), value
 *
 * Pure: bytes in, a result out, nothing read from the network here. The
 * server takes PROXY over TCP/IPv4 (its own address family) and LOCAL
 * (the balancer's health check, whose own address stands); anything else
 * is refused rather than guessed at, since the address is what bans and
 * throttles count. TLVs are walked only to check that each one lies
 * inside the header; none is needed, so their values are skipped.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "proxyproto.h"

static const uint8_t proxy_sig[PROXY_SIG_LEN] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

#define PROXY_INET_LEN 12   /* two IPv4 addresses, two ports */
#define TLV_HDR_LEN    3

static int
refuse(const char **why, const char *text)
{
	*why = text;
	return -1;
}

/* True when the TLVs fill buf[0..len) exactly, each inside it. */
static bool
tlvs_fit(const uint8_t *buf, size_t len)
{
	size_t off = 0, vlen;

	while (off < len) {
		if (len - off < TLV_HDR_LEN)
			return false;
		vlen = (size_t)buf[off + 1] << 8 | buf[off + 2];
		if (vlen > len - off - TLV_HDR_LEN)
			return false;
		off += TLV_HDR_LEN + vlen;
	}
	return true;
}

int
proxy_parse(const uint8_t *buf, size_t len, struct proxy_hdr *h,
            size_t *need, const char **why)
{
	size_t plen, addrlen = 0;
	uint8_t ver, cmd, fam, proto;

	/* Refuse a wrong start as soon as it shows: a client that talks TLS
	 * straight to a PROXY listener is told at its first bytes. */
	if (memcmp(buf, proxy_sig, len < PROXY_SIG_LEN ? len : PROXY_SIG_LEN) != 0)
		return refuse(why, "no PROXY v2 signature");
	if (len < PROXY_FIXED_LEN) {
		*need = PROXY_FIXED_LEN;
		return 0;
	}
	ver = buf[12] >> 4;
	cmd = buf[12] & 0x0f;
	fam = buf[13] >> 4;
	proto = buf[13] & 0x0f;
	plen = (size_t)buf[14] << 8 | buf[15];
	if (ver != 2)
		return refuse(why, "not PROXY protocol version 2");
	if (cmd != PROXY_CMD_LOCAL && cmd != PROXY_CMD_PROXY)
		return refuse(why, "unknown PROXY command");
	if (plen > PROXY_PAYLOAD_MAX)
		return refuse(why, "PROXY header too long");
	if (cmd == PROXY_CMD_PROXY) {
		if (fam != 1 || proto != 1)
			return refuse(why, "PROXY header not for TCP over IPv4");
		addrlen = PROXY_INET_LEN;
		if (plen < addrlen)
			return refuse(why, "PROXY header shorter than its addresses");
	}
	*need = PROXY_FIXED_LEN + plen;
	if (len < *need)
		return 0;
	/* LOCAL: the address block, if any, is to be ignored; what follows
	 * the fixed part must still be well-formed TLVs only for PROXY,
	 * whose layout we know. */
	if (cmd == PROXY_CMD_PROXY &&
	    !tlvs_fit(buf + PROXY_FIXED_LEN + addrlen, plen - addrlen))
		return refuse(why, "PROXY header TLV past its end");
	memset(h, 0, sizeof(*h));
	h->cmd = (enum proxy_cmd)cmd;
	h->len = *need;
	if (cmd == PROXY_CMD_PROXY) {
		const uint8_t *a = buf + PROXY_FIXED_LEN;

		h->src.sin_family = h->dst.sin_family = AF_INET;
		memcpy(&h->src.sin_addr, a, 4);
		memcpy(&h->dst.sin_addr, a + 4, 4);
		memcpy(&h->src.sin_port, a + 8, 2);
		memcpy(&h->dst.sin_port, a + 10, 2);
		if (h->src.sin_addr.s_addr == htonl(INADDR_ANY) ||
		    h->src.sin_port == 0)
			return refuse(why, "PROXY header without a client address");
	}
	return 1;
}

static bool
in_net(const struct proxy_net *n, struct in_addr addr)
{
	uint32_t mask = n->prefixlen ? ~0u << (32 - n->prefixlen) : 0;

	return (ntohl(addr.s_addr) & mask) == (ntohl(n->net.s_addr) & mask);
}

bool
proxy_trusted(const struct proxy_net *nets, unsigned n, struct in_addr addr)
{
	for (unsigned i = 0; i < n; i++)
		if (in_net(&nets[i], addr))
			return true;
	return false;
}

int
proxy_trust_parse(const char *list, struct proxy_net *nets, const char **why)
{
	char buf[INET_ADDRSTRLEN + 4], *slash, *end;
	const char *p = list, *comma;
	size_t len;
	long plen;
	int n = 0;

	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(buf))
			return refuse(why, "expected CIDR[,CIDR...] such as 10.9.0.11/32");
		if (n == PROXY_TRUST_MAX)
			return refuse(why, "too many networks (at most 16)");
		memcpy(buf, p, len);
		buf[len] = '\0';
		plen = 32;
		if ((slash = strchr(buf, '/')) != NULL) {
			*slash = '\0';
			plen = strtol(slash + 1, &end, 10);
			if (slash[1] == '\0' || *end != '\0' || plen < 0 || plen > 32)
				return refuse(why, "a prefix length is 0 to 32");
		}
		if (inet_pton(AF_INET, buf, &nets[n].net) != 1)
			return refuse(why, "expected CIDR[,CIDR...] such as 10.9.0.11/32");
		nets[n].prefixlen = (int)plen;
		n++;
		if (comma == NULL)
			return n;
		p = comma + 1;
	}
}
