#!/bin/sh
# fix-server.sh - SEED task 8 (the older version), run on the VPN server.
#
# The client's TUN address is now 192.168.30.99. Its packets still cross
# the tunnel and come out of the server's tun0, but the server's kernel
# drops them there: with strict reverse path filtering (rp_filter=1) a
# packet is accepted only if the route back to its source leaves through
# the interface it came in on, and the server has no route to 192.168.30.0/24
# at all. The fix, changing no TUN address and keeping the filter strict:
# tell the server that 192.168.30.0/24 is behind tun0. The same route also
# carries V's replies back into the tunnel.
#
#   make shell HOST=server, then: sh task8-rp-filter/fix-server.sh
set -e
# SOLUTION BEGIN: on the server, route the client's new TUN network (192.168.30.0/24) into the server's tun0 (one 'ip route add ... dev tun0'), so that the reverse path filter accepts its packets
ip route add 192.168.30.0/24 dev tun0
# SOLUTION STUB: echo "task 8: fix-server.sh: the route that satisfies the reverse path filter is not written yet" >&2; exit 1
# SOLUTION END
ip route show dev tun0
