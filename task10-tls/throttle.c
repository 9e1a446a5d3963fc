/*
 * throttle.c - slowing down and banning password guessers, per address.
 *
 * A fixed table (no allocation an attacker can grow) remembers, per source
 * IPv4 address, the recent login failures (and for which user names), the
 * checks still in flight, and a ban. The rules:
 *
 * - An AUTH is admitted (throttle_begin) only when the address is not
 *   banned and its failures plus the checks already in flight stay below
 *   THROTTLE_BAN_AFTER: counting at AUTH time, not when the helper answers,
 *   is what stops 60 parallel guesses from all being checked before the
 *   first failure is recorded.
 * - Each answer is held back THROTTLE_DELAY_MS per recent failure (capped).
 * - THROTTLE_BAN_AFTER failures within THROTTLE_WINDOW seconds ban the
 *   address for THROTTLE_BAN_SECS.
 * - A client that sends AUTH and leaves before the verdict (AUTH_ABANDONED)
 *   counts as a failure: otherwise AUTH-and-close costs the server a check
 *   and the attacker nothing, and is never banned.
 * - A good login forgets only the failures of its own user name from that
 *   address, never those of other names (one valid account must not let
 *   its owner guess the passwords of others) and never a ban.
 *
 * When the table is full the least useful entry is reused: an idle one,
 * else the one with the oldest failure that is not banned and has nothing
 * in flight, and only then a banned one.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "minivpn.h"

static bool
entry_idle(const struct throttle_entry *e, uint64_t now_ms)
{
	return e->failures == 0 && e->inflight == 0 &&
	       now_ms >= e->banned_until_ms;
}

static struct throttle_entry *
throttle_find(struct throttle *t, struct in_addr addr, uint64_t now_ms)
{
	for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
		struct throttle_entry *e = &t->e[i];

		if (e->addr.s_addr != addr.s_addr)
			continue;
		if (e->refused > 0 && now_ms >= e->banned_until_ms) {
			char a[INET_ADDRSTRLEN];

			/* The one summary of a ban (its start is logged by the
			 * failure that caused it): what it kept out. */
			log_info("%s: ban over; %u logins were refused during it",
			         inet_ntop(AF_INET, &addr, a, sizeof(a)), e->refused);
			e->refused = 0;
		}
		if (entry_idle(e, now_ms))
			continue;
		/* Forget failures that left the window (unless banned). */
		if (e->failures > 0 && now_ms >= e->banned_until_ms &&
		    now_ms > e->last_fail_ms + (uint64_t)THROTTLE_WINDOW * 1000) {
			e->failures = 0;
			memset(e->who, 0, sizeof(e->who));
			if (entry_idle(e, now_ms))
				continue;
		}
		return e;
	}
	return NULL;
}

/* The entry of addr, made when there is none (reusing the least useful). */
static struct throttle_entry *
throttle_get(struct throttle *t, struct in_addr addr, uint64_t now_ms)
{
	struct throttle_entry *e = throttle_find(t, addr, now_ms), *best = NULL;
	int best_rank = 99;

	if (e != NULL)
		return e;
	for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
		struct throttle_entry *c = &t->e[i];
		int rank;

		if (entry_idle(c, now_ms))
			rank = 0;
		else if (now_ms < c->banned_until_ms)
			rank = 3;
		else if (c->inflight > 0)
			rank = 2;
		else
			rank = 1;
		if (rank < best_rank ||
		    (rank == best_rank && c->last_fail_ms < best->last_fail_ms)) {
			best = c;
			best_rank = rank;
		}
		if (rank == 0)
			break;
	}
	memset(best, 0, sizeof(*best));
	best->addr = addr;
	return best;
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

/*
 * An AUTH from addr is about to be checked. Returns 0 when it may be (it is
 * then counted in flight until throttle_end), or the seconds to wait: the
 * ban left, or THROTTLE_BUSY_SECS when failures and checks in flight
 * already reach the limit.
 */
unsigned
throttle_begin(struct throttle *t, struct in_addr addr, uint64_t now_ms)
{
	struct throttle_entry *e;
	unsigned ban = throttle_banned(t, addr, now_ms);

	if (ban > 0) {
		throttle_find(t, addr, now_ms)->refused++;
		return ban;
	}
	e = throttle_get(t, addr, now_ms);
	if (e->failures + e->inflight >= THROTTLE_BAN_AFTER)
		return THROTTLE_BUSY_SECS;
	e->inflight++;
	return 0;
}

static void
record_failure(struct throttle_entry *e, const char *user)
{
	size_t i, free_i = THROTTLE_BAN_AFTER;

	e->failures++;
	for (i = 0; i < THROTTLE_BAN_AFTER; i++) {
		if (e->who[i].failures == 0) {
			if (free_i == THROTTLE_BAN_AFTER)
				free_i = i;
		} else if (strcmp(e->who[i].user, user) == 0) {
			e->who[i].failures++;
			return;
		}
	}
	/* More names than a ban allows: counted, but no success clears it. */
	if (free_i == THROTTLE_BAN_AFTER)
		return;
	snprintf(e->who[free_i].user, sizeof(e->who[free_i].user), "%s", user);
	e->who[free_i].failures = 1;
}

static void
forget_user(struct throttle_entry *e, const char *user)
{
	for (size_t i = 0; i < THROTTLE_BAN_AFTER; i++) {
		if (e->who[i].failures == 0 || strcmp(e->who[i].user, user) != 0)
			continue;
		e->failures -= e->who[i].failures;
		memset(&e->who[i], 0, sizeof(e->who[i]));
		return;
	}
}

/*
 * The check throttle_begin admitted is over. result: AUTH_OK (forgets the
 * failures of this user from addr), AUTH_BAD (a failure), anything else
 * (the check was abandoned: only the in-flight count goes down). Returns
 * true when this failure got addr banned. AUTH_ABANDONED counts as AUTH_BAD.
 */
bool
throttle_end(struct throttle *t, struct in_addr addr, const char *user,
             enum auth_result result, uint64_t now_ms)
{
	struct throttle_entry *e = throttle_find(t, addr, now_ms);

	if (e == NULL) {   /* evicted meanwhile by a flood from elsewhere */
		if (result != AUTH_BAD && result != AUTH_ABANDONED)
			return false;
		e = throttle_get(t, addr, now_ms);
	} else if (e->inflight > 0) {
		e->inflight--;
	}
	if (result == AUTH_OK) {
		forget_user(e, user);
		return false;
	}
	if (result != AUTH_BAD && result != AUTH_ABANDONED)
		return false;
	record_failure(e, user);
	e->last_fail_ms = now_ms;
	if (e->failures >= THROTTLE_BAN_AFTER && e->banned_until_ms <= now_ms) {
		e->banned_until_ms = now_ms + (uint64_t)THROTTLE_BAN_SECS * 1000;
		return true;
	}
	return false;
}
