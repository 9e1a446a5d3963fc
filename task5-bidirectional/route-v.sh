#!/bin/sh
# route-v.sh - SEED task 7, run on Host V: routing without a default route.
#
# In the lab V's default route points at the VPN server, which hides a
# question: how do V's replies to 192.168.53.99 find their way back into the
# tunnel? A host far from the server has no such default route. This script
# takes V's default route away and routes only the tunnel's network back
# through the VPN server, which alone knows that network is behind its TUN.
#
#   make shell HOST=v, then: sh task5-bidirectional/route-v.sh
set -e
ip route del default 2>/dev/null || true
# SOLUTION BEGIN: on host V, route the tunnel network (192.168.53.0/24) back via the VPN server's intranet address (192.168.60.11): one 'ip route add'
ip route add 192.168.53.0/24 via 192.168.60.11
# SOLUTION STUB: echo "task 7: route-v.sh: the route back to the tunnel network is not written yet" >&2; exit 1
# SOLUTION END
ip route show
