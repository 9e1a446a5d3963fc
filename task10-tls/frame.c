/*
 * frame.c - the length-prefixed framing over the TLS byte stream.
 *
 * A TLS record is not a packet: SSL_read() may return half a frame or
 * three and a half. Bytes go into an fbuf; frame_next() hands out whole
 * frames and leaves a partial one in place until the rest arrives. Each
 * frame's length is checked against its type's limit *before* waiting for
 * the payload, so a peer cannot make us buffer more than one legal frame.
 *
 * An fbuf is allocated once per connection; the data path only moves
 * offsets (no allocation per packet). Its memory is mapped on its own
 * (not from malloc's heap), so the pages a connection never touched cost
 * nothing and the ones it did go back to the system when it closes. b->hw
 * is how far bytes were ever written: closing wipes only those (wiping all
 * of the capacity would touch every page of every buffer), and
 * fbuf_release() hands an idle buffer's pages back.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "minivpn.h"

/* Remembers how far the buffer was written (the bytes before off + len). */
static void
fbuf_mark(struct fbuf *b)
{
	if (b->off + b->len > b->hw)
		b->hw = b->off + b->len;
}

int
fbuf_init(struct fbuf *b, size_t cap)
{
	void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		log_warn("allocating a %zu-byte connection buffer", cap);
		b->data = NULL;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	b->off = b->len = b->hw = 0;
	return 0;
}

/* A larger capacity, the bytes kept (mremap: the new pages cost nothing
 * until they are written). For a connection that has granted offloads. */
int
fbuf_grow(struct fbuf *b, size_t cap)
{
	void *p;

	if (cap <= b->cap)
		return 0;
	p = mremap(b->data, b->cap, cap, MREMAP_MAYMOVE);
	if (p == MAP_FAILED) {
		log_warn("growing a connection buffer to %zu bytes", cap);
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void
fbuf_free(struct fbuf *b)
{
	if (b->data != NULL) {
		/* May hold a password from an AUTH frame. */
		fbuf_mark(b);
		OPENSSL_cleanse(b->data, b->hw);
		if (munmap(b->data, b->cap) == -1)
			log_warn("freeing a connection buffer");
	}
	memset(b, 0, sizeof(*b));
}

/*
 * An empty buffer's pages go back to the system (they read as zeros when
 * touched again). For a connection that is idle after a burst of traffic.
 */
void
fbuf_release(struct fbuf *b)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t n;

	if (b->data == NULL || b->len != 0 || b->hw == 0 || page <= 0)
		return;
	OPENSSL_cleanse(b->data, b->hw);
	n = (b->hw + (size_t)page - 1) / (size_t)page * (size_t)page;
	if (n > b->cap)
		n = b->cap;
	if (madvise(b->data, n, MADV_DONTNEED) == -1)
		log_warn("releasing an idle connection buffer");
	b->off = b->hw = 0;
}

/* Moves the valid bytes to the front so the tail has room. */
void
fbuf_compact(struct fbuf *b)
{
	if (b->off == 0)
		return;
	fbuf_mark(b);
	if (b->len > 0)
		memmove(b->data, b->data + b->off, b->len);
	b->off = 0;
}

uint8_t *
fbuf_tail(struct fbuf *b, size_t *room)
{
	if (b->cap - b->off - b->len < b->cap / 4)
		fbuf_compact(b);
	*room = b->cap - b->off - b->len;
	return b->data + b->off + b->len;
}

void
fbuf_consume(struct fbuf *b, size_t n)
{
	fbuf_mark(b);
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
}

/*
 * The largest and smallest payload each frame type may have. `mtu` bounds
 * DATA. Returns -1 for a type this version does not know.
 */
static int
frame_bounds(uint8_t type, size_t mtu, size_t *min, size_t *max)
{
	switch (type) {
	case FRAME_AUTH:
		*min = AUTH_FIXED_LEN + 1;   /* a user name of at least one byte */
		*max = AUTH_LEN_MAX;
		return 0;
	case FRAME_CONFIG:
		*min = CONFIG_FIXED_LEN;
		*max = CONFIG_LEN_MAX;
		return 0;
	case FRAME_DATA:
		*min = DATA_LEN_MIN;
		*max = mtu;
		return 0;
	case FRAME_KEEPALIVE:
		*min = *max = 0;
		return 0;
	case FRAME_ERROR:
		*min = 1;
		*max = ERROR_LEN_MAX;
		return 0;
	case FRAME_OFFLOAD:
		*min = *max = OFFLOAD_LEN;
		return 0;
	case FRAME_GSO:
		*min = GSO_LEN_MIN;
		*max = FRAME_LEN_MAX;
		return 0;
	case FRAME_CONFIG6:
		*min = 0;                    /* the ask, or "no IPv6 here" */
		*max = CONFIG6_LEN_MAX;
		return 0;
	}
	return -1;
}

const char *
frame_type_name(uint8_t type)
{
	switch (type) {
	case FRAME_AUTH:      return "AUTH";
	case FRAME_CONFIG:    return "CONFIG";
	case FRAME_DATA:      return "DATA";
	case FRAME_KEEPALIVE: return "KEEPALIVE";
	case FRAME_ERROR:     return "ERROR";
	case FRAME_OFFLOAD:   return "OFFLOAD";
	case FRAME_GSO:       return "GSO";
	case FRAME_CONFIG6:   return "CONFIG6";
	}
	return "unknown";
}

/*
 * Takes the next whole frame out of rx. Returns 1 and fills *f (whose
 * payload points into rx, valid until rx is written again), 0 when more
 * bytes are needed, or -1 with *why set when the stream breaks the rules;
 * the caller must then close the connection, since framing is lost.
 */
int
frame_next(struct fbuf *rx, size_t mtu, struct frame *f, const char **why)
{
	static char reason[96];
	const uint8_t *p = rx->data + rx->off;
	size_t min, max, len;

	if (rx->len < FRAME_HDR_LEN)
		return 0;
	if (frame_bounds(p[0], mtu, &min, &max) == -1) {
		snprintf(reason, sizeof(reason), "unknown frame type %u", p[0]);
		goto invalid;
	}
	if (p[1] != 0) {
		snprintf(reason, sizeof(reason), "%s frame with reserved byte 0x%02x",
		         frame_type_name(p[0]), p[1]);
		goto invalid;
	}
	len = get16(p + 2);
	if (len < min || len > max) {
		snprintf(reason, sizeof(reason), "%s frame of %zu bytes, allowed "
		         "%zu to %zu", frame_type_name(p[0]), len, min, max);
		goto invalid;
	}
	if (rx->len < FRAME_HDR_LEN + len)
		return 0;
	f->type = p[0];
	f->len = len;
	f->payload = p + FRAME_HDR_LEN;
	fbuf_consume(rx, FRAME_HDR_LEN + len);
	return 1;
invalid:
	*why = reason;
	return -1;
}

void
frame_put_hdr(uint8_t *out, uint8_t type, size_t len)
{
	out[0] = type;
	out[1] = 0;
	put16(out + 2, (uint16_t)len);
}

/*
 * Room for a frame with a payload of up to maxlen bytes at the end of tx:
 * returns where the payload goes, or NULL when tx is full (the caller drops
 * the packet, as a router with a full queue does). frame_commit() then
 * writes the header for the length actually used.
 */
uint8_t *
frame_reserve(struct fbuf *tx, size_t maxlen)
{
	size_t room;
	uint8_t *tail = fbuf_tail(tx, &room);

	if (room < FRAME_HDR_LEN + maxlen)
		return NULL;
	/* The caller may write up to maxlen there and not commit it. */
	if (tx->off + tx->len + FRAME_HDR_LEN + maxlen > tx->hw)
		tx->hw = tx->off + tx->len + FRAME_HDR_LEN + maxlen;
	return tail + FRAME_HDR_LEN;
}

void
frame_commit(struct fbuf *tx, uint8_t type, size_t len)
{
	uint8_t *hdr = tx->data + tx->off + tx->len;

	frame_put_hdr(hdr, type, len);
	tx->len += FRAME_HDR_LEN + len;
}

/* frame_commit() for a payload that sits elsewhere in the reserved room
 * (src, after where the payload goes): moved into place first. */
void
frame_commit_from(struct fbuf *tx, uint8_t type, const uint8_t *src, size_t len)
{
	memmove(tx->data + tx->off + tx->len + FRAME_HDR_LEN, src, len);
	frame_commit(tx, type, len);
}

int
frame_append(struct fbuf *tx, uint8_t type, const void *payload, size_t len)
{
	uint8_t *p = frame_reserve(tx, len);

	if (p == NULL)
		return -1;
	if (len > 0)
		memcpy(p, payload, len);
	frame_commit(tx, type, len);
	return 0;
}

int
frame_append_error(struct fbuf *tx, enum vpn_error code, const char *reason)
{
	uint8_t msg[ERROR_LEN_MAX];
	size_t n = strlen(reason);

	if (n > ERROR_TEXT_MAX)
		n = ERROR_TEXT_MAX;
	msg[0] = (uint8_t)code;
	memcpy(msg + 1, reason, n);
	return frame_append(tx, FRAME_ERROR, msg, 1 + n);
}

/*
 * Reads an ERROR payload into code and a printable reason (non-printable
 * bytes become '?', so a peer cannot put escape sequences in our log).
 */
void
frame_parse_error(const struct frame *f, enum vpn_error *code, char *text,
                  size_t textlen)
{
	size_t n = f->len - 1, i;

	*code = (enum vpn_error)f->payload[0];
	if (n >= textlen)
		n = textlen - 1;
	for (i = 0; i < n; i++) {
		uint8_t c = f->payload[1 + i];
		text[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	text[n] = '\0';
}

/*
 * The server's "retry in N s" hint in an ERROR frame's reason (proto.h):
 * N seconds, or 0 when there is none or it is out of range. Looks only at
 * the bytes of the frame.
 */
unsigned
frame_error_retry(const struct frame *f)
{
	static const char key[] = ERROR_RETRY_TEXT;
	const size_t klen = sizeof(key) - 1;
	const uint8_t *t;
	size_t n, i, j;
	unsigned v;

	if (f->len < 1)
		return 0;
	t = f->payload + 1;
	n = f->len - 1;
	for (i = 0; i + klen < n; i++) {
		if (memcmp(t + i, key, klen) != 0)
			continue;
		v = 0;
		for (j = i + klen; j < n && j < i + klen + 5 &&
		     t[j] >= '0' && t[j] <= '9'; j++)
			v = v * 10 + (unsigned)(t[j] - '0');
		if (j == i + klen || j + 2 > n || t[j] != ' ' || t[j + 1] != 's')
			continue;
		return v >= 1 && v <= ERROR_RETRY_MAX ? v : 0;
	}
	return 0;
}

const char *
vpn_error_name(enum vpn_error code)
{
	switch (code) {
	case VPN_ERR_BYE:       return "bye";
	case VPN_ERR_PROTOCOL:  return "protocol error";
	case VPN_ERR_AUTH:      return "authentication failed";
	case VPN_ERR_BANNED:    return "banned";
	case VPN_ERR_POOL_FULL: return "address pool full";
	case VPN_ERR_TIMEOUT:   return "timeout";
	case VPN_ERR_SHUTDOWN:  return "server shutting down";
	case VPN_ERR_INTERNAL:  return "internal error";
	case VPN_ERR_REPLACED:  return "replaced by a newer login";
	case VPN_ERR_BUSY:      return "server busy";
	case VPN_ERR_REFUSED:   return "refused for good";
	case VPN_ERR_MOVED:     return "server draining";
	}
	return "unknown error";
}
