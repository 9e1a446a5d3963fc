/* tun_demo.h - the pieces of task 2's tun-demo program. */
#ifndef TUN_DEMO_H
#define TUN_DEMO_H

#include "vpnlab.h"

/*
 * Builds the echo reply to the ICMP echo request req[0..len) in out.
 * Returns the reply's length, or -1 with *why saying why req gets no reply
 * (not IPv4, truncated, not ICMP echo, a fragment, out too small).
 */
int echo_reply_build(const uint8_t *req, size_t len, uint8_t *out,
                     size_t outlen, const char **why);

#endif
