/*
 * fuzz_frame.c - libFuzzer target for the TLS VPN's framing and messages.
 *
 * The bytes are what a peer sends inside TLS: they go through frame_next()
 * in pieces of varying size (reads may be partial), and every frame's
 * payload through the AUTH, CONFIG, CONFIG6 and ERROR parsers (the
 * ERROR's retry hint included). A CONFIG6 that parses must encode back to
 * the very bytes it came from: the format has no optional or ignored part.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "minivpn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fbuf rx;
	struct frame f;
	struct login lg;
	struct vpn_config cfg;
	struct vpn_config6 cfg6;
	static uint8_t again[CONFIG6_LEN_MAX];
	enum vpn_error code;
	char text[256];
	const char *why;
	size_t at = 0, step;

	if (!rx.data && fbuf_init(&rx, RX_BUF_LEN) == -1)
		abort();
	rx.off = rx.len = 0;
	/* The first byte picks the size of the pieces the bytes arrive in. */
	step = size ? (size_t)data[0] % 97 + 1 : 1;
	while (at < size) {
		size_t room, n = size - at < step ? size - at : step;
		uint8_t *tail;

		fbuf_compact(&rx);
		tail = fbuf_tail(&rx, &room);
		if (room == 0)
			break;
		if (n > room)
			n = room;
		memcpy(tail, data + at, n);
		rx.len += n;
		at += n;
		for (;;) {
			int r = frame_next(&rx, 1500, &f, &why);

			if (r != 1)
				break;
			(void)login_parse(f.payload, f.len, &lg, &why);
			login_wipe(&lg);
			(void)config_parse(f.payload, f.len, &cfg, &why);
			if (config6_parse(f.payload, f.len, &cfg6, &why) == 0 &&
			    (cfg6.nroutes > CONFIG6_ROUTES_MAX ||
			     config6_encode(&cfg6, again) != f.len ||
			     memcmp(again, f.payload, f.len) != 0))
				abort();
			frame_parse_error(&f, &code, text, sizeof(text));
			if (f.type == FRAME_ERROR &&
			    frame_error_retry(&f) > ERROR_RETRY_MAX)
				abort();
		}
	}
	return 0;
}
