#!/usr/bin/env bash
# check-task3 (and check-task4): SEED tasks 3 and 4, the one-way UDP tunnel.
#
#   U: tun-client, tun0 192.168.53.99/24, route 192.168.60.0/24 dev tun0
#   server: tun-server, UDP 9090, tun0 192.168.53.11/24
#
#   ping U -> V:  u:tun0 --UDP 9090 on br-ext--> server:tun0 --br-int--> V
#   V answers, the reply reaches the server's tun0 and stops there (one way:
#   the server does not read its TUN until task 5).
#
# Proves each hop from captures, full-size (1500-byte and fragmented)
# packets, the server's printed lines, and that bad datagrams are logged,
# rate limited, dropped, and do not stop the server.
#
# Usage: task3-udp-tunnel/check.sh [3|4]   (both parts always run)
. "$(dirname "$0")/../lab/check.sh"
. "$(dirname "$0")/../lab/check-tunnel.sh"
check_begin task3
need_tool ping iputils-ping || check_end
for p in tun-client tun-server; do need_prog "$BIN/$p" || check_end; done
need_prog "$KIT_BIN/udp-inject" || check_end

# ---- task 4's server, then task 3's client ------------------------------------
lab_bg server server "$BIN/tun-server"
wait_tunnel_end server server "$TUN_SERVER" || check_end
lab_bg u client "$BIN/tun-client" "$SERVER_EXT"
wait_tunnel_end client u "$TUN_U" || check_end

lab_exec u ip -o link show tun0 >"$OUT/u-link.txt" 2>&1
expect_grep "3: U's tun0 is up" "<[^>]*,UP[,>]" "$OUT/u-link.txt"
lab_exec u ip route show "$INTRANET" >"$OUT/u-route.txt" 2>&1
expect_grep "3: U routes $INTRANET into tun0" "^$(re "$INTRANET") dev tun0" "$OUT/u-route.txt"

capture_start t u:tun0 sw:br-ext server:tun0 sw:br-int || check_end
lab_exec u ping -c 3 -i 0.2 -W 1 "$V" >"$OUT/ping.log" 2>&1
lab_exec u ping -c 2 -i 0.2 -W 1 -s 1472 "$V" >"$OUT/ping-1500.log" 2>&1
lab_exec u ping -c 2 -i 0.2 -W 1 -s 3000 "$V" >"$OUT/ping-3000.log" 2>&1
capture_stop t

C=$OUT/t-u-tun0.pcap E=$OUT/t-sw-br-ext.pcap S=$OUT/t-server-tun0.pcap I=$OUT/t-sw-br-int.pcap
expect_request_hops "3+4" "$C" "$E" "$S" "$I" "$TUN_U" "$V" 3
expect_pcap "$E" --none "ip dst net $INTRANET or ip src net $TUNNET" \
	"3: nothing addressed to the private network crosses the extranet outside the tunnel"
# SEED task 4: V answers; the reply is routed to the server's tun0, where
# nobody reads it yet.
expect_pcap "$I" --at-least 3 "icmp[icmptype]=icmp-echoreply and src $V and dst $TUN_U" \
	"4: V answers the requests (replies on the intranet)"
expect_pcap "$S" --at-least 3 "icmp[icmptype]=icmp-echoreply and dst $TUN_U" \
	"4: the replies are routed into the server's tun0"
expect_pcap "$E" --none "udp src port $UDP_PORT" "4: one way only: no datagram goes back to U"
expect_big_pings "3+4" "$C" "$E" "$I" "$TUN_U" "$V" no

SERVER_LINE="^$(re "$U"):[0-9]+ --> 0\\.0\\.0\\.0:$UDP_PORT  Inside: $(re "$TUN_U") --> $(re "$V")\$"
n=$(grep -cE "$SERVER_LINE" "$OUT/server.log")
if [ "$n" -ge 3 ]; then
	pass "4: tun-server printed outer and inner addresses of each datagram ($n lines like \"$(grep -m1 'Inside:' "$OUT/server.log")\")"
else
	fail "4: tun-server printed $n lines 'IP:PORT --> 0.0.0.0:$UDP_PORT  Inside: $TUN_U --> $V', expected at least 3"
fi

# ---- bad input ------------------------------------------------------------------
send_bad_datagrams u "$SERVER_EXT:$UDP_PORT"
sleep 0.3
L=$OUT/server.log
expect_grep "bad input: a datagram that is not IPv4 is logged" 'not an IPv4 packet .*IP version 6' "$L"
expect_grep "bad input: a truncated header is logged" 'not an IPv4 packet .*truncated: 2 bytes' "$L"
expect_grep "bad input: a packet shorter than its total length is logged" 'not an IPv4 packet .*total length says 1500' "$L"
expect_grep "bad input: a header length beyond the total length is logged" 'not an IPv4 packet .*less than its header length 60' "$L"
# A flood: one burst of 40 junk datagrams must not become 40 log lines.
before=$(grep -c 'not an IPv4 packet' "$L")
mapfile -t junk < <(for _ in $(seq 40); do echo 6a756e6b; done)
lab_exec u "$KIT_BIN/udp-inject" "$SERVER_EXT:$UDP_PORT" "${junk[@]}"
sleep 1.1
lab_exec u "$KIT_BIN/udp-inject" "$SERVER_EXT:$UDP_PORT" 6a756e6b
sleep 0.3
after=$(grep -c 'not an IPv4 packet' "$L")
if [ $((after - before)) -le 12 ] && [ $((after - before)) -ge 1 ]; then
	pass "bad input: 41 junk datagrams made $((after - before)) log lines (rate limited)"
else
	fail "bad input: 41 junk datagrams made $((after - before)) log lines, expected 1 to 12 (log_limited)"
fi
expect_grep "bad input: the server says how many messages it held back" 'similar messages suppressed' "$L"
expect_alive "bad input: tun-server is still running" server
before=$(grep -c 'Inside:' "$L")
lab_exec u ping -c 2 -i 0.2 -W 1 "$V" >"$OUT/ping-after.log" 2>&1
sleep 0.2
after=$(grep -c 'Inside:' "$L")
if [ $((after - before)) -ge 2 ]; then
	pass "bad input: the tunnel still carries packets afterwards ($((after - before)) more datagrams)"
else
	fail "bad input: after the junk, the server printed $((after - before)) datagrams for 2 pings"
fi
expect_alive "the client is still running" client

# ---- interoperation with a SEED-style Python peer -----------------------------------
# seed-tun.py does what SEED's tun_client.py / tun_server.py do, in Python:
# each of the kit's programs must work with it in place of its own peer.
if command -v python3 >/dev/null 2>&1; then
	PY=$ROOT/task3-udp-tunnel/seed-tun.py
	lab_stop server
	lab_stop client
	lab_bg server py-server python3 -u "$PY" server
	wait_tunnel_end py-server server "$TUN_SERVER" || check_end
	lab_bg u client2 "$BIN/tun-client" "$SERVER_EXT"
	wait_tunnel_end client2 u "$TUN_U" || check_end
	capture_start py1 sw:br-int || check_end
	lab_exec u ping -c 2 -i 0.2 -W 1 "$V" >"$OUT/ping-py1.log" 2>&1
	capture_stop py1
	expect_pcap "$OUT/py1-sw-br-int.pcap" --at-least 2 "icmp[icmptype]=icmp-echo and src $TUN_U and dst $V" \
		"interop: tun-client -> SEED-style Python server: the requests reach the intranet"
	expect_grep "interop: ... and the Python server printed them" "Inside: $(re "$TUN_U") --> $(re "$V")" "$OUT/py-server.log"
	lab_stop client2
	lab_stop py-server

	lab_bg server server2 "$BIN/tun-server"
	wait_tunnel_end server2 server "$TUN_SERVER" || check_end
	lab_bg u py-client python3 -u "$PY" client "$SERVER_EXT"
	wait_tunnel_end py-client u "$TUN_U" || check_end
	capture_start py2 sw:br-int || check_end
	lab_exec u ping -c 2 -i 0.2 -W 1 "$V" >"$OUT/ping-py2.log" 2>&1
	capture_stop py2
	expect_pcap "$OUT/py2-sw-br-int.pcap" --at-least 2 "icmp[icmptype]=icmp-echo and src $TUN_U and dst $V" \
		"interop: SEED-style Python client -> tun-server: the requests reach the intranet"
	expect_grep "interop: ... and tun-server printed them" "$SERVER_LINE" "$OUT/server2.log"
else
	note "interop with the SEED-style Python peer not run: no python3 (apt-get install python3-minimal)"
fi
check_end
