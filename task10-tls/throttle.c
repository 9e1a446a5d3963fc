/*
 * throttle.c - slowing down and banning password guessers, per address.
 *
 * A fixed table (no allocation an attacker can grow) remembers recent
 * login failures by source IPv4 address. Each answer to a login from an
 * address with recent failures is delayed by THROTTLE_DELAY_MS per failure
 * (capped), and THROTTLE_BAN_AFTER failures within THROTTLE_WINDOW seconds
 * ban the address for THROTTLE_BAN_SECS. When the table is full the entry
 * with the oldest failure is reused.
 */
#include <string.h>

#include "minivpn.h"

static struct throttle_entry *
throttle_find(struct throttle *t, struct in_addr addr, uint64_t now_ms)
{
	for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
		struct throttle_entry *e = &t->e[i];

		if (e->failures == 0 || e->addr.s_addr != addr.s_addr)
			continue;
		/* Forget failures that left the window (unless banned). */
		if (now_ms >= e->banned_until_ms &&
		    now_ms > e->last_fail_ms + (uint64_t)THROTTLE_WINDOW * 1000) {
			memset(e, 0, sizeof(*e));
			return NULL;
		}
		return e;
	}
	return NULL;
}

/* Seconds of ban left for addr, 0 when it may try. */
unsigned
throttle_banned(struct throttle *t, struct in_addr addr, uint64_t now_ms)
{
	struct throttle_entry *e = throttle_find(t, addr, now_ms);

	if (e == NULL || now_ms >= e->banned_until_ms)
		return 0;
	return (unsigned)((e->banned_until_ms - now_ms + 999) / 1000);
}

/* How long to hold back the answer to a login from addr, in ms. */
unsigned
throttle_delay(struct throttle *t, struct in_addr addr, uint64_t now_ms)
{
	struct throttle_entry *e = throttle_find(t, addr, now_ms);
	unsigned d;

	if (e == NULL)
		return 0;
	d = e->failures * THROTTLE_DELAY_MS;
	return d > THROTTLE_DELAY_MAX ? THROTTLE_DELAY_MAX : d;
}

/* Records a failure. Returns true when it got addr banned. */
bool
throttle_fail(struct throttle *t, struct in_addr addr, uint64_t now_ms)
{
	struct throttle_entry *e = throttle_find(t, addr, now_ms);

	if (e == NULL) {
		struct throttle_entry *oldest = &t->e[0];

		for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
			if (t->e[i].failures == 0) {
				oldest = &t->e[i];
				break;
			}
			if (t->e[i].last_fail_ms < oldest->last_fail_ms &&
			    t->e[i].banned_until_ms <= now_ms)
				oldest = &t->e[i];
		}
		e = oldest;
		memset(e, 0, sizeof(*e));
		e->addr = addr;
	}
	e->failures++;
	e->last_fail_ms = now_ms;
	if (e->failures >= THROTTLE_BAN_AFTER && e->banned_until_ms <= now_ms) {
		e->banned_until_ms = now_ms + (uint64_t)THROTTLE_BAN_SECS * 1000;
		return true;
	}
	return false;
}

/* A good login from addr wipes its record (but not an active ban). */
void
throttle_success(struct throttle *t, struct in_addr addr, uint64_t now_ms)
{
	struct throttle_entry *e = throttle_find(t, addr, now_ms);

	if (e != NULL && now_ms >= e->banned_until_ms)
		memset(e, 0, sizeof(*e));
}
