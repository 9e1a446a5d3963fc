/*
 * keepalive.c - idle and dead-peer timers, the same on both sides.
 *
 * A side that has sent nothing for `interval` sends an empty KEEPALIVE
 * frame; a side that has received nothing (no frame of any type) for
 * `timeout` declares the peer dead and closes. The server pushes both values
 * in CONFIG, so the two ends agree. TCP alone would not notice a peer
 * that vanished (power cut, cable): it only times out while sending.
 */
#include <time.h>

#include "minivpn.h"

uint64_t
now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid clock id. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
ka_init(struct keepalive *ka, unsigned interval_s, unsigned timeout_s,
        uint64_t now)
{
	ka->interval_ms = (uint64_t)interval_s * 1000;
	ka->timeout_ms = (uint64_t)timeout_s * 1000;
	ka->last_rx_ms = ka->last_tx_ms = now;
}

bool
ka_send_due(const struct keepalive *ka, uint64_t now)
{
	return now - ka->last_tx_ms >= ka->interval_ms;
}

bool
ka_expired(const struct keepalive *ka, uint64_t now)
{
	return now - ka->last_rx_ms >= ka->timeout_ms;
}
