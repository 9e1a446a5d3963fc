/*
 * test_offload.c - superpackets (common/vnet.c) and the GSO frame
 * (offload.c): a TSO4 superpacket cut into MSS-sized segments with right
 * checksums, UDP the same, a table of headers that must be refused, a
 * GSO frame queued, framed and parsed back, and an IPv6 packet's partial
 * TCP or UDP checksum completed (vnet_finish6()) or its header refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <linux/virtio_net.h>

#include "../minivpn.h"

#define MTU 1500

/* A checksum of our own, the plain RFC 1071 way, to judge vnet.c's. */
static uint16_t
sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* 0xffff when the transport checksum of pkt (IPv4) is right. */
static uint16_t
l4_verify(const uint8_t *pkt, size_t len)
{
	size_t ihl = (size_t)(pkt[0] & 15) * 4;
	uint32_t pseudo = sum16(pkt + 12, 8, 0);

	pseudo += pkt[9] + (uint32_t)(len - ihl);
	return sum16(pkt + ihl, len - ihl, pseudo);
}

static size_t
make_ipv4(uint8_t *p, uint8_t proto, size_t l4len)
{
	static const uint8_t src[4] = { 192, 168, 53, 2 }, dst[4] = { 192, 168, 60, 5 };
	size_t len = 20 + l4len;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = 0x12;
	p[5] = 0x34;
	p[6] = 0x40;            /* DF */
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	return len;
}

/* TCP with 12 bytes of options (32-byte header), seq 1000, flags. */
static size_t
make_tcp(uint8_t *p, size_t payload, uint8_t flags)
{
	uint8_t *t = p + 20;
	size_t len = make_ipv4(p, 6, 32 + payload);

	memset(t, 0, 32);
	t[0] = 0x9c; t[1] = 0x40;          /* port 40000 */
	t[2] = 0x14; t[3] = 0x51;          /* port 5201 */
	t[4] = 0; t[5] = 0; t[6] = 0x03; t[7] = 0xe8;   /* seq 1000 */
	t[12] = 8 << 4;
	t[13] = flags;
	t[14] = 0xff; t[15] = 0xff;
	t[16] = 0xab; t[17] = 0xcd;        /* partial: must be ignored */
	t[20] = 1; t[21] = 1; t[22] = 8; t[23] = 10;   /* NOP NOP TS */
	for (size_t i = 0; i < payload; i++)
		p[52 + i] = (uint8_t)(i * 7 + 3);
	return len;
}

struct seen {
	unsigned n;
	uint8_t  pkt[8][MTU];
	size_t   len[8];
};

static void
collect(void *arg, const uint8_t *p, size_t n)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	assert_true(n <= MTU);
	memcpy(s->pkt[s->n], p, n);
	s->len[s->n++] = n;
}

static uint8_t big[VNET_PKT_MAX];
static uint8_t scratch[MTU];

static void
test_tso4_segments(void **state)
{
	size_t payload = 5000, len = make_tcp(big, payload, 0x10 | 0x08 | 0x01);
	struct vnet_gso g = { .type = VNET_GSO_TCP4,
	                      .flags = VNET_F_CSUM_PARTIAL, .gso_size = 1448 };
	static struct seen s;
	const char *why = NULL;
	size_t at = 0;

	assert_int_equal(vnet_check(&g, big, len, MTU, &why), 0);
	assert_int_equal(g.hdr_len, 52);
	assert_int_equal(g.csum_start, 20);
	assert_int_equal(g.csum_off, 16);
	assert_int_equal(vnet_segment(big, len, &g, scratch, collect, &s), 4);
	assert_int_equal(s.n, 4);
	for (unsigned i = 0; i < s.n; i++) {
		const uint8_t *p = s.pkt[i];
		size_t n = s.len[i], data = n - 52;
		uint32_t seq = (uint32_t)p[24] << 24 | (uint32_t)p[25] << 16 |
		               (uint32_t)p[26] << 8 | p[27];

		assert_int_equal(data, i < 3 ? 1448 : 5000 - 3 * 1448);
		assert_int_equal(p[2] << 8 | p[3], n);                  /* IPv4 length */
		assert_int_equal(p[4] << 8 | p[5], 0x1234 + i);         /* id */
		assert_int_equal(sum16(p, 20, 0), 0xffff);              /* IPv4 sum */
		assert_int_equal(l4_verify(p, n), 0xffff);              /* TCP sum */
		assert_int_equal(seq, 1000 + at);
		/* PSH and FIN only on the last segment, ACK on all */
		assert_int_equal(p[33], i < 3 ? 0x10 : 0x19);
		assert_memory_equal(p + 52, big + 52 + at, data);
		assert_memory_equal(p + 40, big + 40, 12);              /* options */
		at += data;
	}
	assert_int_equal(at, payload);
}

static void
test_uso4_segments(void **state)
{
	size_t payload = 3000, len = make_ipv4(big, 17, 8 + payload);
	struct vnet_gso g = { .type = VNET_GSO_UDP4,
	                      .flags = VNET_F_CSUM_PARTIAL, .gso_size = 1200 };
	static struct seen s;
	const char *why = NULL;

	memset(big + 20, 0x5a, 8 + payload);
	assert_int_equal(vnet_check(&g, big, len, MTU, &why), 0);
	assert_int_equal(g.hdr_len, 28);
	assert_int_equal(vnet_segment(big, len, &g, scratch, collect, &s), 3);
	for (unsigned i = 0; i < s.n; i++) {
		const uint8_t *p = s.pkt[i];
		size_t n = s.len[i];

		assert_int_equal(n - 28, i < 2 ? 1200 : 600);
		assert_int_equal(p[24] << 8 | p[25], n - 20);           /* UDP length */
		assert_int_equal(sum16(p, 20, 0), 0xffff);
		assert_int_equal(l4_verify(p, n), 0xffff);
	}
}

/* A packet whose checksum only is left to do: completed, one packet. */
static void
test_csum_only(void **state)
{
	size_t len = make_tcp(big, 100, 0x18);
	struct vnet_gso g = { .type = VNET_GSO_NONE, .flags = VNET_F_CSUM_PARTIAL };
	static struct seen s;
	const char *why = NULL;

	assert_int_equal(vnet_check(&g, big, len, MTU, &why), 0);
	assert_int_equal(vnet_segment(big, len, &g, scratch, collect, &s), 1);
	assert_int_equal(s.len[0], len);
	assert_int_equal(l4_verify(s.pkt[0], len), 0xffff);
}

/* Headers that must be refused: one line per case. */
enum { P_TCP, P_UDP, P_ICMP, P_FRAG, P_SHORTDOFF, P_BIGDOFF, P_LONGER };
static const struct {
	int line;
	int pkt;                  /* which packet */
	uint8_t type, flags;
	uint16_t gso_size;
} bad[] = {
	{ __LINE__, P_TCP, VNET_GSO_TCP4, 0x04 | VNET_F_CSUM_PARTIAL, 1448 },  /* unknown flag */
	{ __LINE__, P_TCP, 9, VNET_F_CSUM_PARTIAL, 1448 },                   /* unknown kind */
	{ __LINE__, P_UDP, VNET_GSO_TCP4, VNET_F_CSUM_PARTIAL, 1448 },       /* TCP kind, UDP */
	{ __LINE__, P_TCP, VNET_GSO_UDP4, VNET_F_CSUM_PARTIAL, 1200 },       /* UDP kind, TCP */
	{ __LINE__, P_TCP, VNET_GSO_TCP4, VNET_F_CSUM_PARTIAL, 0 },          /* no size */
	{ __LINE__, P_TCP, VNET_GSO_TCP4, VNET_F_CSUM_PARTIAL, 1449 },       /* > MTU */
	{ __LINE__, P_TCP, VNET_GSO_TCP4, VNET_F_CSUM_PARTIAL, 4 },          /* 1250 segments */
	{ __LINE__, P_TCP, VNET_GSO_TCP4, 0, 1448 },                         /* sum not partial */
	{ __LINE__, P_TCP, VNET_GSO_NONE, 0, 1448 },                         /* size, no kind */
	{ __LINE__, P_TCP, VNET_GSO_NONE, VNET_F_ECN, 0 },                   /* ECN, no kind */
	{ __LINE__, P_TCP, VNET_GSO_NONE, VNET_F_CSUM_PARTIAL, 0 },          /* > MTU, uncut */
	{ __LINE__, P_TCP, VNET_GSO_NONE, 0, 0 },                            /* > MTU, plain */
	{ __LINE__, P_UDP, VNET_GSO_UDP4, VNET_F_CSUM_PARTIAL | VNET_F_ECN, 1200 },
	{ __LINE__, P_ICMP, VNET_GSO_NONE, VNET_F_CSUM_PARTIAL, 0 },         /* sum of ICMP */
	{ __LINE__, P_FRAG, VNET_GSO_TCP4, VNET_F_CSUM_PARTIAL, 1448 },      /* a fragment */
	{ __LINE__, P_SHORTDOFF, VNET_GSO_TCP4, VNET_F_CSUM_PARTIAL, 1448 }, /* doff 4 */
	{ __LINE__, P_BIGDOFF, VNET_GSO_TCP4, VNET_F_CSUM_PARTIAL, 1448 },   /* doff past end */
	{ __LINE__, P_LONGER, VNET_GSO_TCP4, VNET_F_CSUM_PARTIAL, 1448 },    /* len != IPv4 len */
};

static size_t
make_bad(int which)
{
	size_t len;

	switch (which) {
	case P_UDP:
		return make_ipv4(big, 17, 8 + 3000);
	case P_ICMP:
		return make_ipv4(big, 1, 8 + 100);
	case P_FRAG:
		len = make_tcp(big, 5000, 0x10);
		big[6] = 0x20;             /* MF */
		return len;
	case P_SHORTDOFF:
		len = make_tcp(big, 5000, 0x10);
		big[32] = 4 << 4;
		return len;
	case P_BIGDOFF:
		len = make_ipv4(big, 6, 24);
		memset(big + 20, 0, 24);
		big[32] = 8 << 4;          /* 32 bytes of header in 24 */
		return len;
	case P_LONGER:
		return make_tcp(big, 5000, 0x10) + 7;
	}
	return make_tcp(big, 5000, 0x10);
}

static void
test_bad_headers(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vnet_gso g = { .type = bad[i].type, .flags = bad[i].flags,
		                      .gso_size = bad[i].gso_size };
		size_t len = make_bad(bad[i].pkt);
		const char *why = NULL;

		if (vnet_check(&g, big, len, MTU, &why) != -1)
			fail_msg("line %d: accepted", bad[i].line);
		if (why == NULL || why[0] == '\0')
			fail_msg("line %d: refused without a reason", bad[i].line);
	}
}

/* The kernel's header is checked against the packet too. */
static void
test_from_kernel(void **state)
{
	size_t len = make_tcp(big, 5000, 0x10);
	struct virtio_net_hdr h = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = 52,
		.gso_size = 1448, .csum_start = 20, .csum_offset = 16,
	};
	uint8_t raw[VNET_HDR_LEN], back[VNET_HDR_LEN];
	struct vnet_gso g;
	const char *why = NULL;

	memcpy(raw, &h, sizeof(raw));
	assert_int_equal(vnet_from_kernel(raw, big, len, MTU, &g, &why), 0);
	assert_int_equal(g.type, VNET_GSO_TCP4);
	vnet_to_kernel(&g, back);
	assert_memory_equal(raw, back, VNET_HDR_LEN);
	h.csum_offset = 6;               /* not where TCP has its checksum */
	memcpy(raw, &h, sizeof(raw));
	assert_int_equal(vnet_from_kernel(raw, big, len, MTU, &g, &why), -1);
	h.csum_offset = 16;
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;   /* IPv6 kind on IPv4 */
	memcpy(raw, &h, sizeof(raw));
	assert_int_equal(vnet_from_kernel(raw, big, len, MTU, &g, &why), -1);
}

/* ---- IPv6: no superpackets, a partial checksum completed in place ---- */

/* fd00:53::2 -> fd00:99::5, next header next, l4len bytes after it. */
static size_t
make_ipv6(uint8_t *p, uint8_t next, size_t l4len)
{
	static const uint8_t src[16] = { 0xfd, 0, 0, 0x53, [15] = 2 },
	                     dst[16] = { 0xfd, 0, 0, 0x99, [15] = 5 };

	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)(l4len >> 8);
	p[5] = (uint8_t)l4len;
	p[6] = next;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	for (size_t i = 0; i < l4len; i++)
		p[40 + i] = (uint8_t)(i * 13 + 1);
	return 40 + l4len;
}

/* The pseudo-header's sum (RFC 8200, 8.1), not folded to 16 bits. */
static uint32_t
pseudo6(const uint8_t *pkt, size_t len)
{
	return sum16(pkt + 8, 32, 0) + (uint32_t)(len - 40) + pkt[6];
}

/* A TCP/IPv6 packet as the kernel hands it over with NEEDS_CSUM: the
 * checksum field holds only the pseudo-header sum. */
static size_t
make_tcp6(uint8_t *p, size_t payload)
{
	size_t len = make_ipv6(p, 6, 20 + payload);
	uint8_t *t = p + 40;

	t[12] = 5 << 4;
	t[13] = 0x18;                       /* PSH ACK */
	put16(t + 16, sum16(NULL, 0, pseudo6(p, len)));
	return len;
}

static size_t
make_udp6(uint8_t *p, size_t payload)
{
	size_t len = make_ipv6(p, 17, 8 + payload);

	put16(p + 44, (uint16_t)(8 + payload));
	put16(p + 46, sum16(NULL, 0, pseudo6(p, len)));
	return len;
}

/* 0xffff when the transport checksum of pkt (IPv6) is right. */
static uint16_t
l4_verify6(const uint8_t *pkt, size_t len)
{
	return sum16(pkt + 40, len - 40, pseudo6(pkt, len));
}

static void
kernel_hdr6(uint8_t raw[VNET_HDR_LEN], uint8_t flags, uint8_t gso_type,
            uint16_t start, uint16_t off)
{
	struct virtio_net_hdr h = { .flags = flags, .gso_type = gso_type,
	                            .csum_start = start, .csum_offset = off };

	memcpy(raw, &h, VNET_HDR_LEN);
}

static void
test_finish6(void **state)
{
	uint8_t raw[VNET_HDR_LEN], copy[200];
	const char *why = NULL;
	size_t len;

	/* TCP: the pseudo-header sum alone does not verify; finished, it does */
	len = make_tcp6(big, 1000);
	assert_int_not_equal(l4_verify6(big, len), 0xffff);
	kernel_hdr6(raw, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE,
	            40, 16);
	if (vnet_finish6(raw, big, len, &why) != 0)
		fail_msg("TCP refused: %s", why);
	assert_int_equal(l4_verify6(big, len), 0xffff);
	/* an odd length, and the shortest TCP */
	len = make_tcp6(big, 333);
	assert_int_equal(vnet_finish6(raw, big, len, &why), 0);
	assert_int_equal(l4_verify6(big, len), 0xffff);
	len = make_tcp6(big, 0);
	assert_int_equal(vnet_finish6(raw, big, len, &why), 0);
	assert_int_equal(l4_verify6(big, len), 0xffff);

	/* UDP */
	len = make_udp6(big, 1200);
	assert_int_not_equal(l4_verify6(big, len), 0xffff);
	kernel_hdr6(raw, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE,
	            40, 6);
	assert_int_equal(vnet_finish6(raw, big, len, &why), 0);
	assert_int_equal(l4_verify6(big, len), 0xffff);
	/* a UDP checksum that comes out 0 is sent as 0xffff: the last two
	 * payload bytes are chosen to make the sum 0xffff */
	len = make_udp6(big, 10);
	put16(big + len - 2, 0);
	put16(big + 46, 0);
	put16(big + len - 2, (uint16_t)~sum16(big + 40, len - 40,
	                                      pseudo6(big, len)));
	put16(big + 46, sum16(NULL, 0, pseudo6(big, len)));
	assert_int_equal(vnet_finish6(raw, big, len, &why), 0);
	assert_int_equal(big[46] << 8 | big[47], 0xffff);
	assert_int_equal(l4_verify6(big, len), 0xffff);

	/* no NEEDS_CSUM: nothing to do, the packet is left as it is (ICMPv6
	 * too) */
	len = make_ipv6(big, 58, 64);
	memcpy(copy, big, len);
	kernel_hdr6(raw, 0, VIRTIO_NET_HDR_GSO_NONE, 0, 0);
	assert_int_equal(vnet_finish6(raw, big, len, &why), 0);
	assert_memory_equal(big, copy, len);
}

/* Headers and packets vnet_finish6() must refuse, one line each. */
enum { P6_TCP, P6_UDP, P6_ICMP, P6_HBH, P6_SHORTTCP, P6_SHORTUDP, P6_LONGER,
       P6_V4 };
static const struct {
	int line;
	int pkt;
	uint8_t flags, gso_type;
	uint16_t start, off;
	const char *want;
} bad6[] = {
	{ __LINE__, P6_TCP, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 40, 16, "IPv6 superpacket" },
	{ __LINE__, P6_TCP, 0, VIRTIO_NET_HDR_GSO_TCPV6, 0, 0, "IPv6 superpacket" },
	{ __LINE__, P6_UDP, VIRTIO_NET_HDR_F_NEEDS_CSUM, 5 /* UDP_L4 */, 40, 6, "IPv6 superpacket" },
	{ __LINE__, P6_TCP, 0, VIRTIO_NET_HDR_GSO_ECN, 0, 0, "IPv6 superpacket" },
	{ __LINE__, P6_TCP, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 42, 16, "checksum at 42+16" },
	{ __LINE__, P6_TCP, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 40, 6, "checksum at 40+6" },
	{ __LINE__, P6_UDP, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 40, 16, "checksum at 40+16" },
	{ __LINE__, P6_ICMP, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 40, 2, "next header 58" },
	{ __LINE__, P6_HBH, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 48, 16, "next header 0" },
	{ __LINE__, P6_SHORTTCP, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 40, 16, "TCP packet of 59 bytes" },
	{ __LINE__, P6_SHORTUDP, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 40, 6, "UDP packet of 47 bytes" },
	{ __LINE__, P6_LONGER, 0, 0, 0, 0, "payload length says 1060" },
	{ __LINE__, P6_V4, 0, 0, 0, 0, "not 6" },
};

static size_t
make_bad6(int which)
{
	switch (which) {
	case P6_UDP:      return make_udp6(big, 100);
	case P6_ICMP:     return make_ipv6(big, 58, 64);
	case P6_HBH:      return make_ipv6(big, 0, 8 + 20 + 100);
	case P6_SHORTTCP: return make_ipv6(big, 6, 19);
	case P6_SHORTUDP: return make_ipv6(big, 17, 7);
	case P6_LONGER:   return make_tcp6(big, 1000) + 1;
	case P6_V4:       return make_tcp(big, 100, 0x10);
	}
	return make_tcp6(big, 1000);
}

static void
test_finish6_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		uint8_t raw[VNET_HDR_LEN];
		size_t len = make_bad6(bad6[i].pkt);
		const char *why = NULL;

		kernel_hdr6(raw, bad6[i].flags, bad6[i].gso_type, bad6[i].start,
		            bad6[i].off);
		if (vnet_finish6(raw, big, len, &why) != -1)
			fail_msg("line %d: accepted", bad6[i].line);
		if (why == NULL || strstr(why, bad6[i].want) == NULL)
			fail_msg("line %d: reason \"%s\", expected it to say \"%s\"",
			         bad6[i].line, why ? why : "(none)", bad6[i].want);
	}
}

/* The TSO superpacket both GSO frame tests queue: 5000 bytes of TCP in
 * segments of 1448, checked as the kernel's would be. */
static size_t
tso_superpacket(struct vnet_gso *g)
{
	size_t len = make_tcp(big, 5000, 0x18);
	const char *why = NULL;

	*g = (struct vnet_gso){ .type = VNET_GSO_TCP4,
	                        .flags = VNET_F_CSUM_PARTIAL, .gso_size = 1448 };
	assert_int_equal(vnet_check(g, big, len, MTU, &why), 0);
	return len;
}

/* The next frame of tx is the GSO frame of tso_superpacket()'s len bytes. */
static void
expect_gso_frame(struct fbuf *tx, size_t len)
{
	struct frame f;
	struct vnet_gso g;
	const char *why = NULL;
	uint8_t *pkt;
	size_t plen;

	assert_int_equal(frame_next(tx, MTU, &f, &why), 1);
	assert_int_equal(f.type, FRAME_GSO);
	assert_int_equal(gso_parse(&f, MTU, &g, &pkt, &plen, &why), 0);
	assert_int_equal(plen, len);
	assert_memory_equal(pkt, big, len);
	assert_int_equal(g.gso_size, 1448);
	assert_int_equal(g.hdr_len, 52);
}

/* A superpacket queued for a peer with offloads is one GSO frame that
 * parses back to the same; for a plain peer it is DATA frames. */
static void
test_gso_frame_roundtrip(void **state)
{
	struct fbuf tx;
	struct vnet_gso g;
	size_t len = tso_superpacket(&g);
	struct frame f;
	const char *why = NULL;
	unsigned dropped = 0, n = 0;

	assert_int_equal(fbuf_init(&tx, TX_BUF_LEN), 0);
	assert_int_equal(gso_queue(&tx, OFFLOAD_TCP4, big, len, &g, scratch,
	                           &dropped), 1);
	expect_gso_frame(&tx, len);
	/* a plain peer, and a peer that has UDP only */
	assert_int_equal(gso_queue(&tx, 0, big, len, &g, scratch, &dropped), 4);
	assert_int_equal(gso_queue(&tx, OFFLOAD_UDP4, big, len, &g, scratch,
	                           &dropped), 4);
	while (frame_next(&tx, MTU, &f, &why) == 1) {
		assert_int_equal(f.type, FRAME_DATA);
		assert_int_equal(l4_verify(f.payload, f.len), 0xffff);
		n++;
	}
	assert_int_equal(n, 8);
	assert_int_equal(dropped, 0);
	fbuf_free(&tx);
}

/* A packet read straight into tx (the client's TUN read) is committed in
 * place as the frame gso_queue() makes of it: a superpacket as its GSO
 * frame, an ordinary packet as a DATA frame, whatever the grant; where
 * gso_queue() would cut it (the peer does not take its kind, no
 * offloads, too long), nothing is committed. */
static void
test_gso_commit_in_place(void **state)
{
	struct fbuf tx;
	struct vnet_gso g, plain = { .type = VNET_GSO_NONE };
	size_t len = tso_superpacket(&g), small;
	struct frame f;
	const char *why = NULL;
	uint8_t *slot;

	assert_int_equal(fbuf_init(&tx, TX_BUF_LEN), 0);
	assert_int_equal(frame_append(&tx, FRAME_KEEPALIVE, NULL, 0), 0);
	slot = frame_reserve(&tx, GSO_HDR_LEN + VNET_PKT_MAX);
	assert_non_null(slot);
	memcpy(slot + GSO_HDR_LEN, big, len);
	assert_false(gso_commit(&tx, 0, slot, len, &g));
	assert_false(gso_commit(&tx, OFFLOAD_UDP4, slot, len, &g));
	assert_int_equal(tx.len, FRAME_HDR_LEN);
	assert_true(gso_commit(&tx, OFFLOAD_TCP4, slot, len, &g));
	assert_int_equal(tx.len, 2 * FRAME_HDR_LEN + GSO_HDR_LEN + len);
	assert_int_equal(frame_next(&tx, MTU, &f, &why), 1);
	assert_int_equal(f.type, FRAME_KEEPALIVE);
	expect_gso_frame(&tx, len);
	/* too long for one frame with its GSO header: cut instead */
	slot = frame_reserve(&tx, GSO_HDR_LEN + VNET_PKT_MAX);
	assert_non_null(slot);
	assert_false(gso_commit(&tx, OFFLOAD_TCP4, slot, GSO_PKT_MAX + 1, &g));
	/* an ordinary packet, no offloads granted: a DATA frame of it alone */
	small = make_tcp(big, 100, 0x18);
	memcpy(slot + GSO_HDR_LEN, big, small);
	assert_true(gso_commit(&tx, 0, slot, small, &plain));
	assert_int_equal(frame_next(&tx, MTU, &f, &why), 1);
	assert_int_equal(f.type, FRAME_DATA);
	assert_int_equal(f.len, small);
	assert_memory_equal(f.payload, big, small);
	fbuf_free(&tx);
}

/* Growing a buffer (offloads granted) keeps what it holds. */
static void
test_fbuf_grow(void **state)
{
	struct fbuf b;
	uint8_t *p;

	assert_int_equal(fbuf_init(&b, TX_BUF_LEN), 0);
	assert_int_equal(frame_append(&b, FRAME_KEEPALIVE, NULL, 0), 0);
	p = frame_reserve(&b, 100);
	assert_non_null(p);
	memset(p, 0x77, 100);
	frame_commit(&b, FRAME_DATA, 100);
	assert_int_equal(fbuf_grow(&b, TX_BUF_OFFLOAD_LEN), 0);
	assert_int_equal(b.cap, TX_BUF_OFFLOAD_LEN);
	assert_int_equal(b.len, 2 * FRAME_HDR_LEN + 100);
	assert_int_equal(b.data[FRAME_HDR_LEN], FRAME_DATA);
	assert_int_equal(b.data[2 * FRAME_HDR_LEN + 99], 0x77);
	assert_non_null(frame_reserve(&b, FRAME_LEN_MAX));
	fbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tso4_segments),
		cmocka_unit_test(test_uso4_segments),
		cmocka_unit_test(test_csum_only),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_from_kernel),
		cmocka_unit_test(test_finish6),
		cmocka_unit_test(test_finish6_bad),
		cmocka_unit_test(test_gso_frame_roundtrip),
		cmocka_unit_test(test_gso_commit_in_place),
		cmocka_unit_test(test_fbuf_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
