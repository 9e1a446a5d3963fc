/*
 * vpnlab.h - the index of the shared core (libvpnlab.a).
 *
 * Every function another file may call is declared here, grouped by the
 * file that defines it, as xv6's defs.h does. Functions that can fail
 * return -1 (or NULL) and have already logged what was attempted and why;
 * the caller decides whether to go on.
 */
#ifndef VPNLAB_H
#define VPNLAB_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>
#include <time.h>

/* ---- limits.h-style protocol constants ------------------------------- */

#define VL_MTU_DEFAULT     1500   /* TUN MTU the lab uses */
#define VL_IP_MAX          65535  /* largest IPv4 datagram (total length) */
#define VL_ETH_HDR         14     /* Ethernet II header */
#define VL_FRAME_MAX       (VL_IP_MAX + VL_ETH_HDR) /* largest TAP frame read */
#define VL_UDP_TUNNEL_PORT 9090   /* SEED's tunnel port */
#define VL_SUMMARY_MAX     256    /* room for one packet summary line */

#define FMT(a, b) __attribute__((format(printf, a, b)))

/* ---- big-endian fields (here, inline): the one get16/put16 --------------
 *
 * Network byte order, read and written a byte at a time: no cast of the
 * buffer to a wider type (which may be misaligned), no shift of a promoted
 * (signed) int. Each touches exactly the 2 or 4 bytes at p; the caller has
 * checked that they are inside its buffer, as every parser in packet.c
 * does before it reads a field.
 */
static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* ---- log.c: leveled logging to stderr ----------------------------------- */

/*
 * A message is printed when its level is at most the verbosity (LL_INFO
 * unless -v or -q). LL_ERROR: the program stops (fatal); LL_WARN: something
 * failed or was refused, and the caller decides whether to go on. None of
 * these functions changes errno.
 */
enum log_level { LL_ERROR = 0, LL_WARN = 1, LL_INFO = 2, LL_DEBUG = 3 };

void log_init(const char *progname, int verbosity);  /* verbosity: LL_* */
int  log_verbosity(void);
void log_debug(const char *fmt, ...) FMT(1, 2);  /* LL_DEBUG */
void log_info(const char *fmt, ...) FMT(1, 2);   /* LL_INFO */
void log_warn(const char *fmt, ...) FMT(1, 2);   /* LL_WARN, appends ": strerror(errno)" */
void log_warnx(const char *fmt, ...) FMT(1, 2);  /* LL_WARN, no errno */
noreturn void fatal(const char *fmt, ...) FMT(1, 2);   /* LL_ERROR, errno, exit(1) */
noreturn void fatalx(const char *fmt, ...) FMT(1, 2);  /* LL_ERROR, exit(1) */
/* Drains OpenSSL's error queue into one warning line after the message. */
void log_openssl(const char *fmt, ...) FMT(1, 2);

/* ---- logdest.c: where log lines go ------------------------------------------ */

enum log_dest { LOG_DEST_PLAIN, LOG_DEST_STAMPED, LOG_DEST_JOURNAL, LOG_DEST_SYSLOG };
/* syslog when asked, the journal when stderr is systemd's, else stamped. */
enum log_dest log_dest_auto(bool want_syslog);
void log_dest_set(enum log_dest d, const char *prog);
void log_dest_write(int level, const char *prog, const char *text);

/*
 * Rate limit for messages about bad input: a flood of malformed packets
 * must not become a flood of log lines. log_limited() prints at most
 * `burst` lines per window of `period` seconds per limiter and says how
 * many it held back.
 */
struct log_limit {
	unsigned burst;       /* lines allowed per window (0 means 5) */
	unsigned period;      /* the window in seconds (0 means 1) */
	time_t   window;      /* the window being counted */
	unsigned used;        /* lines printed in that second */
	unsigned suppressed;  /* lines held back since the last printed one */
};
void log_limited(struct log_limit *lim, const char *fmt, ...) FMT(2, 3);

/* ---- tun.c: TUN/TAP devices (SEED task 2.a) ---------------------------- */

enum tun_mode { TUN_MODE_TUN, TUN_MODE_TAP };

/*
 * Creates (or attaches to) a TUN or TAP interface, without packet info
 * headers. `name` is an exact name ("tun0") or a pattern with %d
 * ("yang%d"); a name without %d and ending in no digit gets %d appended.
 * Writes the name the kernel chose into ifname. Returns the fd, or -1.
 */
int tun_open(const char *name, enum tun_mode mode, bool nonblock,
             char ifname[IFNAMSIZ]);


/* ---- vnet.c: TUN offloads, superpackets (virtio_net_hdr) ----------------- */

#define VNET_HDR_LEN   10       /* struct virtio_net_hdr */
#define VNET_SEGS_MAX  1024     /* segments one superpacket may be cut into */
#define VNET_PKT_MAX   65535    /* an IPv4 packet's largest total length */

enum vnet_kind { VNET_GSO_NONE = 0, VNET_GSO_TCP4 = 1, VNET_GSO_UDP4 = 2 };
#define VNET_F_CSUM_PARTIAL 0x01  /* transport checksum: pseudo-header only */
#define VNET_F_ECN          0x02  /* TCP with ECN (CWR on the first segment) */
#define VNET_OFF_TCP4       0x01  /* tun_set_offload(): what the TUN takes */
#define VNET_OFF_UDP4       0x02

/* A superpacket's layout: kind, flags and gso_size as claimed by a header,
 * the rest derived from the packet by vnet_check(). */
struct vnet_gso {
	uint8_t  type, flags;
	uint16_t gso_size;                 /* payload bytes per segment */
	uint16_t csum_start, csum_off;     /* transport header, its checksum */
	uint16_t hdr_len;                  /* IPv4 + transport header */
};
/* Nonblocking TUN with IFF_VNET_HDR (offloads off until tun_set_offload). */
int tun_open_vnet(const char *name, char ifname[IFNAMSIZ]);
int tun_set_offload(int fd, bool on, bool ipv6);  /* VNET_OFF_*, or -1 */
int vnet_check(struct vnet_gso *g, const uint8_t *pkt, size_t len,
               size_t mtu, const char **why);
int vnet_from_kernel(const uint8_t *hdr, const uint8_t *pkt, size_t len,
                     size_t mtu, struct vnet_gso *g, const char **why);
void vnet_to_kernel(const struct vnet_gso *g, uint8_t hdr[VNET_HDR_LEN]);
ssize_t tun_write_vnet(int fd, const struct vnet_gso *g, const uint8_t *pkt,
                       size_t len);
unsigned vnet_segment(uint8_t *pkt, size_t len, const struct vnet_gso *g,
                      uint8_t *scratch,
                      void (*emit)(void *arg, const uint8_t *p, size_t n),
                      void *arg);
uint16_t ipv4_hdr_csum(const uint8_t *ip, size_t ihl);
/* An IPv6 packet of len bytes read from a vnet TUN after hdr (IPv6 is
 * never a superpacket: TSO6 and USO stay off while IPv6 is carried): its
 * partial TCP or UDP checksum, if the header says so, is completed in
 * place. Returns 0, or -1 with *why set. */
int vnet_finish6(const uint8_t *hdr, uint8_t *pkt, size_t len,
                 const char **why);
/* ---- netlink.c: addresses, links and routes over rtnetlink (task 2.b) --- */

int nl_link_up(const char *ifname, int mtu);        /* mtu 0: keep */
int nl_link_down(const char *ifname);
int nl_addr_add(const char *ifname, struct in_addr addr, int prefixlen);
int nl_addr_del(const char *ifname, struct in_addr addr, int prefixlen);
/* Route dst/prefixlen via gw (may be NULL) and/or out of ifname (may be NULL). */
int nl_route_add(struct in_addr dst, int prefixlen, const struct in_addr *gw,
                 const char *ifname);
int nl_route_del(struct in_addr dst, int prefixlen, const struct in_addr *gw,
                 const char *ifname);
/* The route to dst now: gateway (0 when on-link), interface (IFNAMSIZ). */
int nl_route_get(struct in_addr dst, struct in_addr *gw, char *ifname);
/* IPv6 (minivpn): addresses without DAD, routes out of ifname. */
int nl_addr6_add(const char *ifname, const struct in6_addr *addr, int prefixlen);
int nl_addr6_del(const char *ifname, const struct in6_addr *addr, int prefixlen);
int nl_route6_add(const struct in6_addr *dst, int prefixlen, const char *ifname);
int nl_route6_del(const struct in6_addr *dst, int prefixlen, const char *ifname);

/* ---- addr.c: parsing addresses and prefixes ----------------------------- */

/* "192.168.53.99/24" -> addr, prefixlen. Returns 0, or -1 with a message. */
int addr_parse_prefix(const char *s, struct in_addr *addr, int *prefixlen);
int addr_parse_prefix6(const char *s, struct in6_addr *addr, int *prefixlen);
/* "10.9.0.11" or "10.9.0.11:9090" (port optional: default_port). */
int addr_parse_endpoint(const char *s, uint16_t default_port,
                        struct sockaddr_in *out);
/* A whole number from min to max written in decimal digits only (no sign,
 * no space, nothing after): 0, or -1 (no message: the caller names the
 * option and what it expects). */
int parse_number(const char *s, long min, long max, long *out);
/* "9090" -> 9090: a whole number from 1 to 65535, or -1 with a message. */
int addr_parse_port(const char *s, uint16_t *port);
/*
 * A server argument: "NAME", "NAME:PORT", "[ADDRESS]", "[ADDRESS]:PORT" or
 * a bare IPv6 address ("::1": more than one ':' means no port) -> host
 * (a C string of at most hostlen bytes) and *port, which is left as it was
 * when no port is given. Returns 0, or -1 with a message. The host is
 * not resolved; a name is only checked to hold no ':' or bracket.
 */
int addr_parse_host_port(const char *s, char *host, size_t hostlen,
                         uint16_t *port);
/* 0.0.0.0:PORT from the string "PORT" (a server's local endpoint). */
int addr_any_port(const char *s, struct sockaddr_in *out);
/* Formats "a.b.c.d:port" into buf (at least 22 bytes). Returns buf. */
const char *addr_endpoint_str(const struct sockaddr_in *sa, char *buf,
                              size_t len);

/* ---- udp.c: UDP sockets ------------------------------------------------- */

/* Socket bound to `local` (0.0.0.0:port for a server). Returns fd or -1. */
int udp_bind(const struct sockaddr_in *local, bool nonblock);

/* ---- packet.c: bounds-checked packet parsing ------------------------------
 *
 * Every parser takes a buffer and its length, checks each field before
 * reading it, and on failure returns -1 and points *why at a sentence that
 * says what was wrong ("truncated: 12 bytes, an IPv4 header needs 20").
 */

struct ipv4_hdr_info {
	uint8_t  version, ihl;         /* ihl in bytes */
	uint8_t  tos, ttl, proto;
	uint16_t total_len, id;
	uint16_t frag;                 /* flags + fragment offset, host order */
	uint16_t checksum;             /* as on the wire, host order */
	struct in_addr src, dst;
	const uint8_t *payload;        /* points into the caller's buffer */
	size_t   payload_len;          /* total_len - ihl */
};
int ipv4_parse(const uint8_t *buf, size_t len, struct ipv4_hdr_info *ip,
               const char **why);
bool ipv4_is_fragment(const struct ipv4_hdr_info *ip);   /* MF or offset != 0 */

struct ipv6_hdr_info {
	uint8_t  version, tclass, next, hlim;   /* next: the Next Header field */
	uint32_t flow;
	uint16_t payload_len;
	size_t   total_len;             /* 40 + payload_len */
	struct in6_addr src, dst;
	const uint8_t *payload;         /* points into the caller's buffer */
};
/* The fixed header of an IPv6 packet in len bytes (more may follow: junk
 * past total_len). No jumbograms (payload length 0 with a payload). */
int ipv6_parse(const uint8_t *buf, size_t len, struct ipv6_hdr_info *ip,
               const char **why);

struct icmp_info {
	uint8_t  type, code;
	uint16_t checksum, id, seq;    /* id/seq meaningful for echo */
	const uint8_t *data;
	size_t   data_len;
};
int icmp_parse(const uint8_t *buf, size_t len, struct icmp_info *ic,
               const char **why);

struct l4_ports { uint16_t sport, dport; uint8_t tcp_flags; size_t hdr_len; };
int udp_parse(const uint8_t *buf, size_t len, struct l4_ports *p,
              const char **why);
int tcp_parse(const uint8_t *buf, size_t len, struct l4_ports *p,
              const char **why);

struct eth_info {
	uint8_t  dst[6], src[6];
	uint16_t type;                 /* host order: 0x0800 IPv4, 0x0806 ARP */
	const uint8_t *payload;
	size_t   payload_len;
};
int eth_parse(const uint8_t *buf, size_t len, struct eth_info *eth,
              const char **why);

struct arp_info {                  /* Ethernet/IPv4 ARP only */
	uint16_t op;                   /* 1 request, 2 reply */
	uint8_t  sha[6], tha[6];
	struct in_addr spa, tpa;
};
int arp_parse(const uint8_t *buf, size_t len, struct arp_info *arp,
              const char **why);

/* The Internet checksum (RFC 1071) of buf; 0 when a received header is intact. */
uint16_t inet_checksum(const void *buf, size_t len);

/* tcpdump-style one-line summaries; never read past len. Return out. */
const char *ipv4_summary(const uint8_t *buf, size_t len, char *out,
                         size_t outlen);
const char *eth_summary(const uint8_t *buf, size_t len, char *out,
                        size_t outlen);
const char *mac_str(const uint8_t mac[6], char out[18]);

/* ---- signals.c: stop flags for event loops --------------------------------- */

/* Installs SIGINT/SIGTERM/SIGHUP handlers that set a flag (no SA_RESTART). */
int  signals_init(void);
bool signals_stop_requested(void);
int  signals_last(void);          /* the signal that asked us to stop */
void signals_clear(void);

/* ==== tunnel.c: the plain UDP tunnel's shared pieces (tasks 3-9) ==========
 * Added for the tunneling tasks; SEED's wire format: one whole IPv4 packet
 * per UDP datagram, server port VL_UDP_TUNNEL_PORT.
 */

/*
 * Creates the TUN (or TAP) interface `name` (see tun_open), gives it `addr`
 * ("192.168.53.99/24"; NULL: none), sets it up with `mtu` (0: keep) and adds
 * a route out of it for each of routes[0..nroutes) ("192.168.60.0/24").
 * Returns the device fd, or -1 (the device is closed, which removes it).
 */
int  tunnel_dev_up(const char *name, enum tun_mode mode, const char *addr,
                   const char *const *routes, size_t nroutes, int mtu,
                   bool nonblock, char ifname[IFNAMSIZ]);
/* 0 when buf[0..n) is exactly one IPv4 packet (header complete, total
 * length == n); else -1 and *why says what is wrong. */
int  tunnel_inner_check(const uint8_t *buf, size_t n, struct ipv4_hdr_info *ip,
                        const char **why);
/* "192.168.53.99 --> 192.168.60.5" (SEED's "Inside:" format). */
const char *tunnel_inner_str(const struct ipv4_hdr_info *ip, char *buf,
                             size_t len);
bool tunnel_same_peer(const struct sockaddr_in *a, const struct sockaddr_in *b);
/* true for a read()/write() errno that means the TUN/TAP device is gone. */
bool tunnel_dev_gone(int err);
/* The local UDP port the kernel gave `sock`. */
int  tunnel_local_port(int sock, uint16_t *port);

/* hex.c: "45 00 00 14 ..." -> bytes (' ', ':' and '.' ignored). Returns the
 * length, or -1 with a message (not hex, odd length, more than cap). */
ssize_t hex_decode(const char *s, uint8_t *out, size_t cap);

#endif /* VPNLAB_H */
