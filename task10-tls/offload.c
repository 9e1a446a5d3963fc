/*
 * offload.c - the OFFLOAD and GSO frames: superpackets across the tunnel.
 *
 * With TUN offloads (common/vnet.c) one TUN read gives up to 64 KiB of a
 * TCP stream; carried as one GSO frame and written into the far TUN
 * whole, it costs one read, one record's crypto and one write instead of
 * some 45 of each. The GSO header is ours (proto.h), not the kernel's: it
 * says only the kind, two flags and the segment size, and the receiver
 * derives the rest from the packet (vnet_check()), so a peer's header is
 * never handed to the kernel as it came.
 *
 * Peers that did not ask for offloads, and TUNs that do not take a kind,
 * get the superpacket cut into ordinary packets (vnet_segment()).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "minivpn.h"

/* The OFFLOAD_* bit a kind needs from the receiver; a packet that only
 * has its checksum left to do needs offloads of any kind. */
static bool
kind_ok(unsigned bits, const struct vnet_gso *g)
{
	switch (g->type) {
	case VNET_GSO_TCP4: return bits & OFFLOAD_TCP4;
	case VNET_GSO_UDP4: return bits & OFFLOAD_UDP4;
	}
	return bits != 0 || !(g->flags & VNET_F_CSUM_PARTIAL);
}

int
offload_append(struct fbuf *tx, unsigned bits)
{
	uint8_t b = (uint8_t)(bits & (OFFLOAD_TCP4 | OFFLOAD_UDP4));

	return frame_append(tx, FRAME_OFFLOAD, &b, OFFLOAD_LEN);
}

const char *
offload_names(unsigned bits)
{
	switch (bits & (OFFLOAD_TCP4 | OFFLOAD_UDP4)) {
	case OFFLOAD_TCP4:                return "TCP";
	case OFFLOAD_UDP4:                return "UDP";
	case OFFLOAD_TCP4 | OFFLOAD_UDP4: return "TCP, UDP";
	}
	return "none";
}

/* The bits an OFFLOAD frame gives; bits this version does not know are
 * ignored (a newer peer may ask for more, and gets what we have). */
unsigned
offload_parse(const struct frame *f)
{
	return f->payload[0] & (OFFLOAD_TCP4 | OFFLOAD_UDP4);
}

/*
 * Checks a GSO frame: its header and its packet (vnet_check(), segments
 * of at most mtu bytes). Returns 0 with *g, *pkt and *len set, or -1 with
 * *why set.
 */
int
gso_parse(const struct frame *f, size_t mtu, struct vnet_gso *g,
          uint8_t **pkt, size_t *len, const char **why)
{
	const uint8_t *p = f->payload;

	if (f->len < GSO_LEN_MIN) {
		*why = "GSO frame shorter than its header and an IPv4 header";
		return -1;
	}
	memset(g, 0, sizeof(*g));
	g->type = p[0];
	g->flags = p[1];
	g->gso_size = get16(p + 2);
	/* The receive buffer is ours: segmenting writes checksums into it. */
	*pkt = (uint8_t *)(uintptr_t)(p + GSO_HDR_LEN);
	*len = f->len - GSO_HDR_LEN;
	return vnet_check(g, *pkt, *len, mtu, why);
}

struct emit_tx {
	struct fbuf *tx;
	unsigned     frames, dropped;
};

static void
emit_data(void *arg, const uint8_t *p, size_t n)
{
	struct emit_tx *e = arg;

	if (frame_append(e->tx, FRAME_DATA, p, n) == -1)
		e->dropped++;
	else
		e->frames++;
}

/* An ordinary packet: nothing left for the receiver's kernel to do. */
static bool
gso_plain(const struct vnet_gso *g)
{
	return g->type == VNET_GSO_NONE && !(g->flags & VNET_F_CSUM_PARTIAL);
}

/* Whether a checked superpacket leaves as one GSO frame for a peer that
 * granted bits: it needs offloads, the peer takes its kind, it fits. */
static bool
gso_whole(unsigned bits, size_t len, const struct vnet_gso *g)
{
	return !gso_plain(g) && bits != 0 && kind_ok(bits, g) &&
	       len <= GSO_PKT_MAX;
}

/* Writes the GSO header at p (frame_reserve()'s pointer, the packet
 * GSO_HDR_LEN after it) and commits the frame. */
static void
gso_put(struct fbuf *tx, uint8_t *p, size_t len, const struct vnet_gso *g)
{
	p[0] = g->type;
	p[1] = g->flags;
	put16(p + 2, g->gso_size);
	frame_commit(tx, FRAME_GSO, GSO_HDR_LEN + len);
}

/*
 * For a checked superpacket read straight into tx, GSO_HDR_LEN after
 * slot = frame_reserve(tx, GSO_HDR_LEN + room): commits it in place as
 * gso_queue() would queue it when that is one frame: a GSO frame where
 * it stays, an ordinary packet as a DATA frame moved GSO_HDR_LEN back.
 * Returns true if it did; else (it is to be cut into segments) nothing
 * is committed and the caller moves the packet out of tx (it overlaps
 * what gso_queue() would write) and queues it from there.
 */
bool
gso_commit(struct fbuf *tx, unsigned bits, uint8_t *slot, size_t len,
           const struct vnet_gso *g)
{
	if (gso_plain(g))
		frame_commit_from(tx, FRAME_DATA, slot + GSO_HDR_LEN, len);
	else if (gso_whole(bits, len, g))
		gso_put(tx, slot, len, g);
	else
		return false;
	return true;
}

/*
 * Queues a checked superpacket for a peer that granted bits: one GSO frame
 * when the peer takes its kind and it fits a frame, else ordinary DATA
 * frames (scratch: a segment's worth). Returns the number of frames
 * queued; *dropped counts what did not fit in tx.
 */
unsigned
gso_queue(struct fbuf *tx, unsigned bits, uint8_t *pkt, size_t len,
          const struct vnet_gso *g, uint8_t *scratch, unsigned *dropped)
{
	struct emit_tx e = { .tx = tx };
	uint8_t *p;

	if (gso_plain(g)) {
		emit_data(&e, pkt, len);
	} else if (gso_whole(bits, len, g)) {
		p = frame_reserve(tx, GSO_HDR_LEN + len);
		if (p == NULL) {
			*dropped += 1;
			return 0;
		}
		memcpy(p + GSO_HDR_LEN, pkt, len);
		gso_put(tx, p, len, g);
		return 1;
	} else {
		(void)vnet_segment(pkt, len, g, scratch, emit_data, &e);
	}
	*dropped += e.dropped;
	return e.frames;
}

struct emit_tun {
	int  fd;
	bool vnet;
	int  err;
};

static void
emit_tun(void *arg, const uint8_t *p, size_t n)
{
	struct emit_tun *e = arg;
	ssize_t r = e->vnet ? tun_write_vnet(e->fd, NULL, p, n) : write(e->fd, p, n);

	if (r == -1)
		e->err = errno;
}

/*
 * Writes a checked packet into a TUN: whole, with its header, when the
 * TUN is a vnet one (vnet) that takes its kind (tun_bits), else cut into
 * ordinary packets. Returns 0, or -1 with errno set.
 */
int
gso_to_tun(int fd, bool vnet, unsigned tun_bits, uint8_t *pkt, size_t len,
           const struct vnet_gso *g, uint8_t *scratch)
{
	struct emit_tun e = { .fd = fd, .vnet = vnet };

	if (vnet && kind_ok(tun_bits, g))
		return tun_write_vnet(fd, g, pkt, len) == -1 ? -1 : 0;
	(void)vnet_segment(pkt, len, g, scratch, emit_tun, &e);
	if (e.err != 0) {
		errno = e.err;
		return -1;
	}
	return 0;
}
