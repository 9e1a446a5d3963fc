/*
 * fuzz_proxyproto.c - libFuzzer target for the PROXY v2 header parser
 * (task10-tls/proxyproto.c), the first bytes of a connection on a
 * --proxy-protocol listener.
 *
 * The input is fed as the server reads it: growing prefixes, each parse
 * asking for at most what the header needs. The verdict on the whole must
 * match the incremental one, and a good header never claims more bytes
 * than it was given. The first byte also picks a trusted list to parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_hdr h;
	struct proxy_net nets[PROXY_TRUST_MAX];
	const char *why;
	size_t need = 0, have = 0;
	char list[128];
	int r = 0, whole;

	/* A copy of exactly size bytes: ASan sees any read past it. */
	uint8_t *buf = malloc(size ? size : 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	whole = proxy_parse(buf, size, &h, &need, &why);
	if (whole == 1 && h.len > size)
		abort();
	while (have <= size) {
		r = proxy_parse(buf, have, &h, &need, &why);
		if (r != 0)
			break;
		if (need <= have || need > PROXY_HDR_MAX)
			abort();
		have = need;
	}
	if (have <= size && r != whole)
		abort();
	if (size > 0 && size < sizeof(list)) {
		memcpy(list, data, size);
		list[size] = '\0';
		if (proxy_trust_parse(list, nets, &why) > PROXY_TRUST_MAX)
			abort();
	}
	free(buf);
	return 0;
}
