/*
 * mkgolden.c - pcap-mkgolden: write the golden captures that
 * verifier/tests/TESTLIST judges.
 *
 *   pcap-mkgolden OUTDIR      (make verifier-pcaps)
 *
 * Every packet is built here field by field, with fixed addresses, ports,
 * timestamps and payloads, so that running it again gives the same bytes
 * and a diff of tests/pcaps/ shows only what a change meant to change.
 * The addresses are the lab's (lab/README.md). The files are written by
 * libpcap itself (pcap_open_dead + pcap_dump), the way pcap-capture writes.
 *
 * A few captures are wrong on purpose: a bad ICMP checksum, a bad IPv4
 * header checksum, a file cut in the middle of a packet, a file that is
 * not a capture at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "vpnlab.h"
#include "verify.h"

#define T0_SEC      1700000000   /* 2023-11-14 22:13:20 UTC */
#define PKT_MAX     (VL_ETH_HDR + 1600)
#define SNAPLEN     262144
#define PING_DATA   56           /* ping's default payload */

#define PROTO_ICMP  1
#define PROTO_TCP   6
#define PROTO_UDP   17

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* ---- addresses of the lab --------------------------------------------- */

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
                        (uint32_t)(c) << 8 | (uint32_t)(d))
#define IP_U      IP(10, 9, 0, 5)
#define IP_U2     IP(10, 9, 0, 6)
#define IP_SERVER IP(10, 9, 0, 11)
#define IP_TUN_U  IP(192, 168, 53, 99)
#define IP_V      IP(192, 168, 60, 5)

static const uint8_t mac_u[6]      = { 0x02, 0x42, 0x0a, 0x09, 0x00, 0x05 };
static const uint8_t mac_u2[6]     = { 0x02, 0x42, 0x0a, 0x09, 0x00, 0x06 };
static const uint8_t mac_server[6] = { 0x02, 0x42, 0x0a, 0x09, 0x00, 0x0b };
static const uint8_t mac_bcast[6]  = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A capture being written: the dump file and the clock of its packets. */
struct golden {
	pcap_t        *p;
	pcap_dumper_t *d;
	const char    *path;
	int            dlt;
	long           usec;     /* time of the next packet, from T0_SEC */
	unsigned       count;
};

static void
golden_open(struct golden *g, const char *dir, const char *name, int dlt,
            char *path, size_t pathlen)
{
	memset(g, 0, sizeof(*g));
	snprintf(path, pathlen, "%s/%s", dir, name);
	g->path = path;
	g->dlt = dlt;
	if ((g->p = pcap_open_dead(dlt, SNAPLEN)) == NULL)
		fatalx("pcap_open_dead(%d) failed", dlt);
	if ((g->d = pcap_dump_open(g->p, path)) == NULL)
		fatalx("cannot create %s: %s", path, pcap_geterr(g->p));
}

/* Writes one packet of wirelen bytes, of which caplen were captured. */
static void
golden_put(struct golden *g, const uint8_t *pkt, size_t caplen, size_t wirelen,
           long gap_usec)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	g->usec += gap_usec;
	h.ts.tv_sec = T0_SEC + g->usec / 1000000;
	h.ts.tv_usec = g->usec % 1000000;
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)wirelen;
	pcap_dump((u_char *)g->d, &h, pkt);
	g->count++;
}

static void
golden_close(struct golden *g)
{
	if (pcap_dump_flush(g->d) == -1)
		fatal("writing %s", g->path);
	pcap_dump_close(g->d);
	pcap_close(g->p);
	printf("%s: %u packets\n", g->path, g->count);
}

/* ---- building packets --------------------------------------------------------- */

/* A frame being built: link header first, then the IPv4 packet at ip. */
struct frame {
	uint8_t b[PKT_MAX];
	size_t  ip;          /* offset of the IPv4 header */
	size_t  len;
};

static void
frame_begin(struct frame *f, int dlt, const uint8_t *dst, const uint8_t *src)
{
	memset(f, 0, sizeof(*f));
	if (dlt == DLT_EN10MB) {
		memcpy(f->b, dst, 6);
		memcpy(f->b + 6, src, 6);
		put16(f->b + 12, 0x0800);
		f->ip = VL_ETH_HDR;
	}
	f->len = f->ip;
}

/*
 * Writes an IPv4 header for a payload of plen bytes already placed at
 * f->ip + 20, with its checksum. frag is flags + offset (in 8-byte units).
 */
static void
ipv4_seal(struct frame *f, uint32_t src, uint32_t dst, uint8_t proto,
          uint16_t id, uint16_t frag, size_t plen)
{
	uint8_t *ip = f->b + f->ip;

	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + plen));
	put16(ip + 4, id);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, cksum_fold(cksum_add(0, ip, 20)));
	f->len = f->ip + 20 + plen;
}

/* ping's payload: 8 bytes of send time, then 0x10, 0x11, ... */
static size_t
ping_data(uint8_t *p, size_t n, unsigned seq)
{
	put32(p, T0_SEC + seq);
	put32(p + 4, 0);
	for (size_t i = 8; i < n; i++)
		p[i] = (uint8_t)(0x10 + i - 8);
	return n;
}

/* An ICMP echo (type 8) or reply (type 0) with data at p + 8. */
static size_t
icmp_echo(uint8_t *p, uint8_t type, uint16_t id, uint16_t seq, size_t dlen)
{
	p[0] = type;
	p[1] = 0;
	put16(p + 2, 0);
	put16(p + 4, id);
	put16(p + 6, seq);
	put16(p + 2, cksum_fold(cksum_add(0, p, 8 + dlen)));
	return 8 + dlen;
}

/* Checksum with the IPv4 pseudo-header, for UDP and TCP (RFC 768, 793). */
static uint16_t
l4_cksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *p,
         size_t len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	return cksum_fold(cksum_add(cksum_add(0, ph, 12), p, len));
}

/* A UDP datagram around dlen bytes already at p + 8. */
static size_t
udp_seal(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport,
         uint16_t dport, size_t dlen)
{
	uint16_t ck;

	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (uint16_t)(8 + dlen));
	put16(p + 6, 0);
	ck = l4_cksum(src, dst, PROTO_UDP, p, 8 + dlen);
	put16(p + 6, ck ? ck : 0xffff);
	return 8 + dlen;
}

/* A TCP segment (20-byte header, no options) around dlen bytes at p + 20. */
static size_t
tcp_seal(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport,
         uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
         size_t dlen)
{
	put16(p, sport);
	put16(p + 2, dport);
	put32(p + 4, seq);
	put32(p + 8, ack);
	p[12] = 5 << 4;
	p[13] = flags;
	put16(p + 14, 64240);
	put16(p + 16, 0);
	put16(p + 18, 0);
	put16(p + 16, l4_cksum(src, dst, PROTO_TCP, p, 20 + dlen));
	return 20 + dlen;
}

/* One ICMP echo or reply, whole, as a frame. */
static void
echo_frame(struct frame *f, int dlt, const uint8_t *dmac, const uint8_t *smac,
           uint32_t src, uint32_t dst, uint8_t type, uint16_t seq)
{
	uint8_t *icmp;
	size_t n;

	frame_begin(f, dlt, dmac, smac);
	icmp = f->b + f->ip + 20;
	ping_data(icmp + 8, PING_DATA, seq);
	n = icmp_echo(icmp, type, 0x1234, seq, PING_DATA);
	ipv4_seal(f, src, dst, PROTO_ICMP, (uint16_t)(0x4000 + seq), 0x4000, n);
}

/* ---- the captures ----------------------------------------------------------- */

/* RFC 826 request or reply, Ethernet/IPv4. */
static void
arp_frame(struct frame *f, uint16_t op, const uint8_t *dmac,
          const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	uint8_t *a;

	frame_begin(f, DLT_EN10MB, dmac, sha);
	put16(f->b + 12, 0x0806);
	a = f->b + VL_ETH_HDR;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	put32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
	f->len = VL_ETH_HDR + 28 + 18;   /* padded to the 60-byte minimum */
}

/* U pings U2 on the extranet: ARP, then three echo exchanges. */
static void
make_icmp_eth(const char *dir)
{
	static const uint8_t zero[6];
	char path[4096];
	struct golden g;
	struct frame f;

	golden_open(&g, dir, "icmp-eth.pcap", DLT_EN10MB, path, sizeof(path));
	arp_frame(&f, 1, mac_bcast, mac_u, IP_U, zero, IP_U2);
	golden_put(&g, f.b, f.len, f.len, 0);
	arp_frame(&f, 2, mac_u, mac_u2, IP_U2, mac_u, IP_U);
	golden_put(&g, f.b, f.len, f.len, 45);
	for (uint16_t seq = 1; seq <= 3; seq++) {
		echo_frame(&f, DLT_EN10MB, mac_u2, mac_u, IP_U, IP_U2, 8, seq);
		golden_put(&g, f.b, f.len, f.len, seq == 1 ? 80 : 1000000);
		echo_frame(&f, DLT_EN10MB, mac_u, mac_u2, IP_U2, IP_U, 0, seq);
		golden_put(&g, f.b, f.len, f.len, 62);
	}
	golden_close(&g);
}

/* U pings V through its TUN device: raw IPv4, no link header. */
static void
make_icmp_raw(const char *dir)
{
	char path[4096];
	struct golden g;
	struct frame f;

	golden_open(&g, dir, "icmp-raw.pcap", DLT_RAW, path, sizeof(path));
	for (uint16_t seq = 1; seq <= 3; seq++) {
		echo_frame(&f, DLT_RAW, NULL, NULL, IP_TUN_U, IP_V, 8, seq);
		golden_put(&g, f.b, f.len, f.len, seq == 1 ? 0 : 1000000);
		echo_frame(&f, DLT_RAW, NULL, NULL, IP_V, IP_TUN_U, 0, seq);
		golden_put(&g, f.b, f.len, f.len, 2150);
	}
	golden_close(&g);
}

/* A responder with checksum bugs: reply 1 has a wrong ICMP checksum,
 * reply 2 a wrong IPv4 header checksum. */
static void
make_icmp_badsum(const char *dir)
{
	char path[4096];
	struct golden g;
	struct frame f;
	uint8_t *ip;

	golden_open(&g, dir, "icmp-badsum.pcap", DLT_EN10MB, path, sizeof(path));
	for (uint16_t seq = 1; seq <= 2; seq++) {
		echo_frame(&f, DLT_EN10MB, mac_u2, mac_u, IP_U, IP_U2, 8, seq);
		golden_put(&g, f.b, f.len, f.len, seq == 1 ? 0 : 1000000);
		echo_frame(&f, DLT_EN10MB, mac_u, mac_u2, IP_U2, IP_U, 0, seq);
		ip = f.b + f.ip;
		if (seq == 1)          /* the classic: checksum not updated */
			put16(ip + 20 + 2, (uint16_t)(get16(ip + 20 + 2) + 0x0800));
		else                   /* header changed after sealing */
			ip[8] = 63;
		golden_put(&g, f.b, f.len, f.len, 70);
	}
	golden_close(&g);
}

/*
 * Packets whose ICMP checksum cannot be judged, which checksums-ok must
 * skip rather than fail: a 3000-byte echo in three fragments, and an echo
 * cut to 64 bytes by the snaplen. Their IPv4 headers are right.
 */
static void
make_icmp_frag_snap(const char *dir)
{
	static uint8_t msg[3008];
	char path[4096];
	struct golden g;
	struct frame f;
	size_t n, off, chunk = 1480;

	golden_open(&g, dir, "icmp-frag-snap.pcap", DLT_EN10MB, path,
	            sizeof(path));
	ping_data(msg + 8, sizeof(msg) - 8, 7);
	n = icmp_echo(msg, 8, 0x1234, 7, sizeof(msg) - 8);
	for (off = 0; off < n; off += chunk) {
		size_t len = n - off < chunk ? n - off : chunk;
		uint16_t mf = off + len < n ? 0x2000 : 0;

		frame_begin(&f, DLT_EN10MB, mac_u2, mac_u);
		memcpy(f.b + f.ip + 20, msg + off, len);
		ipv4_seal(&f, IP_U, IP_U2, PROTO_ICMP, 0x5151,
		          (uint16_t)(mf | off / 8), len);
		golden_put(&g, f.b, f.len, f.len, off == 0 ? 0 : 40);
	}
	echo_frame(&f, DLT_EN10MB, mac_u2, mac_u, IP_U, IP_U2, 8, 8);
	golden_put(&g, f.b, 64, f.len, 1000000);
	golden_close(&g);
}

#define TUNNEL_MARKER "SEEDLAB-MARKER-42"

/*
 * SEED task 3-5: U's tunnel client wraps the ICMP packets of its TUN
 * device (192.168.53.99 -> 192.168.60.5) in UDP to the server's port 9090.
 * Nothing is encrypted, so the inner payload, which carries a marker,
 * crosses the extranet in clear.
 */
static void
make_udp_tunnel(const char *dir)
{
	char path[4096];
	struct golden g;
	struct frame inner, f;

	golden_open(&g, dir, "udp-tunnel.pcap", DLT_EN10MB, path, sizeof(path));
	for (uint16_t seq = 1; seq <= 2; seq++) {
		for (int reply = 0; reply <= 1; reply++) {
			uint8_t *icmp, *udp;
			size_t n;

			frame_begin(&inner, DLT_RAW, NULL, NULL);
			icmp = inner.b + 20;
			ping_data(icmp + 8, PING_DATA, seq);
			memcpy(icmp + 8 + 8, TUNNEL_MARKER, strlen(TUNNEL_MARKER));
			n = icmp_echo(icmp, reply ? 0 : 8, 0x77, seq, PING_DATA);
			ipv4_seal(&inner, reply ? IP_V : IP_TUN_U,
			          reply ? IP_TUN_U : IP_V, PROTO_ICMP,
			          (uint16_t)(0x100 + seq), 0x4000, n);

			frame_begin(&f, DLT_EN10MB, reply ? mac_u : mac_server,
			            reply ? mac_server : mac_u);
			udp = f.b + f.ip + 20;
			memcpy(udp + 8, inner.b, inner.len);
			n = udp_seal(udp, reply ? IP_SERVER : IP_U,
			             reply ? IP_U : IP_SERVER,
			             reply ? VL_UDP_TUNNEL_PORT : 41000,
			             reply ? 41000 : VL_UDP_TUNNEL_PORT, inner.len);
			ipv4_seal(&f, reply ? IP_SERVER : IP_U,
			          reply ? IP_U : IP_SERVER, PROTO_UDP,
			          (uint16_t)(0x200 + 2 * seq + reply), 0x4000, n);
			golden_put(&g, f.b, f.len, f.len,
			           reply ? 480 : (seq == 1 ? 0 : 1000000));
		}
	}
	golden_close(&g);
}

/* xorshift32: deterministic bytes that look encrypted. */
static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#define TLS_SECRET "user=seed password=dees SECRET-4433"

/*
 * A TLS-looking session, client 10.9.0.5:50000 -> VPN server 10.9.0.11:4433:
 * handshake, a ClientHello record, then application-data records. In
 * tls-clear.pcap the client "forgot" to encrypt and its credentials show;
 * in tls-enc.pcap the records hold only noise.
 */
static void
make_tls(const char *dir, const char *name, bool clear)
{
	char path[4096];
	struct golden g;
	struct frame f;
	uint32_t cseq = 1000, sseq = 5000, rng = 0x5eed1234;
	const uint16_t cport = 50000, sport = 4433;
	const struct {
		bool    from_client;
		uint8_t type;         /* TLS record type, 0: a bare segment */
		uint8_t flags;
		size_t  len;          /* record body */
	} seg[] = {
		{ true,  0,    TCP_SYN,           0 },
		{ false, 0,    TCP_SYN | TCP_ACK, 0 },
		{ true,  0,    TCP_ACK,           0 },
		{ true,  0x16, TCP_PSH | TCP_ACK, 200 },  /* ClientHello */
		{ false, 0x16, TCP_PSH | TCP_ACK, 120 },  /* ServerHello... */
		{ true,  0x17, TCP_PSH | TCP_ACK, 64 },   /* credentials */
		{ false, 0x17, TCP_PSH | TCP_ACK, 32 },
		{ true,  0,    TCP_FIN | TCP_ACK, 0 },
		{ false, 0,    TCP_FIN | TCP_ACK, 0 },
		{ true,  0,    TCP_ACK,           0 },
	};

	golden_open(&g, dir, name, DLT_EN10MB, path, sizeof(path));
	for (size_t i = 0; i < sizeof(seg) / sizeof(seg[0]); i++) {
		bool c = seg[i].from_client;
		uint8_t *tcp, *rec;
		size_t dlen = 0, n;

		frame_begin(&f, DLT_EN10MB, c ? mac_server : mac_u,
		            c ? mac_u : mac_server);
		tcp = f.b + f.ip + 20;
		rec = tcp + 20;
		if (seg[i].type) {
			rec[0] = seg[i].type;
			put16(rec + 1, seg[i].type == 0x16 && c ? 0x0301 : 0x0303);
			put16(rec + 3, (uint16_t)seg[i].len);
			for (size_t k = 0; k < seg[i].len; k++)
				rec[5 + k] = (uint8_t)xorshift(&rng);
			if (clear && seg[i].type == 0x17 && c)
				memcpy(rec + 5, TLS_SECRET, strlen(TLS_SECRET));
			dlen = 5 + seg[i].len;
		}
		n = tcp_seal(tcp, c ? IP_U : IP_SERVER, c ? IP_SERVER : IP_U,
		             c ? cport : sport, c ? sport : cport, c ? cseq : sseq,
		             seg[i].flags & TCP_ACK ? (c ? sseq : cseq) : 0,
		             seg[i].flags, dlen);
		ipv4_seal(&f, c ? IP_U : IP_SERVER, c ? IP_SERVER : IP_U,
		          PROTO_TCP, (uint16_t)(0x3000 + i), 0x4000, n);
		golden_put(&g, f.b, f.len, f.len, i == 0 ? 0 : 700);
		/* SYN and FIN take one sequence number, data its length. */
		*(c ? &cseq : &sseq) += (uint32_t)dlen +
		    (seg[i].flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
	}
	golden_close(&g);
}

static void
make_empty(const char *dir)
{
	char path[4096];
	struct golden g;

	golden_open(&g, dir, "empty.pcap", DLT_EN10MB, path, sizeof(path));
	golden_close(&g);
}

static void
write_bytes(const char *path, const void *buf, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL)
		fatal("cannot create %s", path);
	if (len && fwrite(buf, 1, len, f) != len)
		fatal("writing %s", path);
	if (fclose(f) == EOF)
		fatal("closing %s", path);
	printf("%s: %zu bytes\n", path, len);
}

/* Broken files: icmp-eth.pcap cut in its last packet, a text file, and an
 * empty file (what a capture killed before it started leaves). */
static void
make_broken(const char *dir)
{
	static uint8_t buf[8192];
	static const char text[] = "this is not a capture file\n";
	char path[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/icmp-eth.pcap", dir);
	if ((f = fopen(path, "rb")) == NULL)
		fatal("cannot read back %s", path);
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || n == sizeof(buf))
		fatalx("reading %s: error, or bigger than %zu bytes", path,
		       sizeof(buf));
	if (fclose(f) == EOF)
		fatal("closing %s", path);
	snprintf(path, sizeof(path), "%s/truncated.pcap", dir);
	write_bytes(path, buf, n - 30);
	snprintf(path, sizeof(path), "%s/not-a-pcap.pcap", dir);
	write_bytes(path, text, sizeof(text) - 1);
	snprintf(path, sizeof(path), "%s/zero-bytes.pcap", dir);
	write_bytes(path, "", 0);
}

int
main(int argc, char **argv)
{
	log_init(argv[0], LL_INFO);
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: pcap-mkgolden OUTDIR\n"
		        "Writes the golden captures of verifier/tests (make "
		        "verifier-pcaps).\n");
		return 2;
	}
	make_icmp_eth(argv[1]);
	make_icmp_raw(argv[1]);
	make_icmp_badsum(argv[1]);
	make_icmp_frag_snap(argv[1]);
	make_udp_tunnel(argv[1]);
	make_tls(argv[1], "tls-clear.pcap", true);
	make_tls(argv[1], "tls-enc.pcap", false);
	make_empty(argv[1]);
	make_broken(argv[1]);
	if (fflush(stdout) == EOF)
		fatal("writing to stdout");
	return 0;
}
