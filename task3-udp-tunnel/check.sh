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

expect_idle_cpu "3+4: with no traffic, both ends wait for input" server client
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
crit expect_request_hops "3+4" "$C" "$E" "$S" "$I" "$TUN_U" "$V" 3
# One packet per datagram, and into the TUN exactly the packet: no bytes
# of a buffer after it (a fixed-size or off-by-some send or write).
expect_pcap "$E" --none "udp dst port $UDP_PORT and udp[4:2] != udp[8+2:2] + 8" \
	"3: each tunnel datagram is one IPv4 packet, nothing after it (UDP length = inner total length + 8)"
expect_pcap "$S" --none 'ip and len != ip[2:2]' \
	"4: each packet in the server's tun0 is exactly as long as its IPv4 total length"
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
	fail "4: tun-server printed $n lines '$U:PORT --> 0.0.0.0:$UDP_PORT  Inside: $TUN_U --> $V' (the sender, the server's socket, the inner addresses), expected at least 3; its first: \"$(grep -m1 'Inside:' "$OUT/server.log")\""
fi
# The sender's port it printed is the one on the wire (host byte order):
# each port of those lines is the UDP source port of U's datagrams in the
# extranet capture.
ports=$(grep -E "$SERVER_LINE" "$OUT/server.log" | sed -nE 's/^[0-9.]+:([0-9]+) .*/\1/p' | sort -u)
pbad=""
for p in $ports; do
	[ "$(pcap_count "$E" "udp and src host $U and src port $p and dst port $UDP_PORT")" -ge 1 ] 2>/dev/null || pbad="$pbad $p"
done
if [ -n "$ports" ] && [ -z "$pbad" ]; then
	pass "4: the sender's port tun-server printed ($(tr "\n" " " <<<"$ports" | sed "s/ $//")) is the source port of U's datagrams on the extranet"
elif [ -z "$ports" ]; then
	skip "tun-server printed no line for U's datagrams" "4: the sender's port tun-server printed is the one on the wire"
else
	fail "4: tun-server printed the sender's port as$pbad, but no datagram from $U on the extranet has that source port (seen: $(pcap_count "$E" "udp and src host $U and dst port $UDP_PORT") datagrams; a port printed without ntohs?)"
fi

# ---- IPv6 read from the TUN ------------------------------------------------------
# The tunnel carries IPv4 only (one raw IPv4 packet per datagram): what
# the client reads from its TUN that is not IPv4 is dropped, not sent.
# The lab has IPv6 off, so tun0 is given IPv6 for this case alone, and a
# ping -6 to a neighbour on its prefix is emitted into tun0 (the capture
# there must see it, so that the case cannot pass without any IPv6).
V6_TUN=fd00:53:99::99 V6_PEER=fd00:53:99::11
if [ -d /proc/sys/net/ipv6 ] && { lab_exec u sysctl -qw net.ipv6.conf.tun0.router_solicitations=0 \
		net.ipv6.conf.tun0.dad_transmits=0 net.ipv6.conf.tun0.disable_ipv6=0 &&
	  lab_exec u ip -6 addr add "$V6_TUN/64" dev tun0 nodad; } >>"$OUT/lab-cmd.log" 2>&1; then
	capture_start v6 u:tun0 sw:br-ext || check_end
	lab_exec u ping -6 -c 3 -i 0.2 -W 1 "$V6_PEER" >"$OUT/ping-v6.log" 2>&1 || true
	lab_exec u ping -c 1 -W 1 "$V" >"$OUT/ping-v6-control.log" 2>&1 || true
	capture_stop v6
	lab_exec u sysctl -qw net.ipv6.conf.tun0.disable_ipv6=1 >>"$OUT/lab-cmd.log" 2>&1 || true
	expect_pcap "$OUT/v6-u-tun0.pcap" --at-least 3 "ip6 and dst $V6_PEER" \
		"3: (control) with IPv6 on U's tun0, ping -6 $V6_PEER puts IPv6 packets into tun0"
	expect_pcap "$OUT/v6-sw-br-ext.pcap" --at-least 1 "udp dst port $UDP_PORT and $(inner_filter "$TUN_U" "$V")" \
		"3: (control) an IPv4 ping sent meanwhile still crosses the tunnel"
	expect_pcap "$OUT/v6-sw-br-ext.pcap" --none "udp dst port $UDP_PORT and (udp[8] & 0xf0) = 0x60" \
		"3: tun-client drops the IPv6 packets it reads from tun0: none is sent into the tunnel"
	expect_alive "3: tun-client is still running after reading IPv6" client
else
	fail "3: could not give U's tun0 IPv6 for the IPv6 case (no IPv6 in this kernel?): $(tail -1 "$OUT/lab-cmd.log")"
	for d in "an IPv4 ping sent meanwhile still crosses the tunnel" "tun-client drops the IPv6 packets it reads from tun0" \
		"tun-client is still running after reading IPv6"; do
		skip "no IPv6 on tun0" "3: $d"
	done
fi

# ---- bad input ------------------------------------------------------------------
# Datagram i comes from U's port 40000+i (send_bad_datagrams): each log
# line must name its sender and what was wrong (a key word); the wording
# around them is the program's (README: Bad input).
L=$OUT/server.log
capture_start tj server:tun0 || check_end
send_bad_datagrams u "$SERVER_EXT:$UDP_PORT" 40000
sleep 0.3
# (a sender at the end of its line counts too)
from_u() { echo "$(re "$U"):$1([^0-9]|\$)"; }
expect_grep "bad input: text that is not IPv4 is logged with its sender" "$(from_u 40000).*(IPv4|IPv6|[Vv]ersion|[Tt]runcat|[Ss]hort|bytes)" "$L"
expect_grep "bad input: a truncated header (2 bytes) is logged with its sender" "$(from_u 40001).*([Tt]runcat|[Ss]hort|[Ll]ength|bytes)" "$L"
expect_grep "bad input: a packet shorter than its total length is logged with its sender" "$(from_u 40002).*([Tt]runcat|[Ss]hort|[Ll]ength|1500)" "$L"
expect_grep "bad input: a header length beyond the total length is logged with its sender" "$(from_u 40003).*([Hh]eader|IHL|ihl|[Ll]ength|60)" "$L"
expect_grep "bad input: an IPv6 packet is logged with its sender" "$(from_u 40004).*(IPv4|IPv6|[Vv]ersion)" "$L"
# A flood: one burst of 40 junk datagrams must not become 40 log lines.
mapfile -t junk < <(for _ in $(seq 40); do echo 6a756e6b; done)
lab_exec u "$KIT_BIN/udp-inject" --from-port 40010 "$SERVER_EXT:$UDP_PORT" "${junk[@]}"
sleep 1.1
lab_exec u "$KIT_BIN/udp-inject" --from-port 40011 "$SERVER_EXT:$UDP_PORT" 6a756e6b
sleep 0.3
n=$(grep -cE "$(re "$U"):4001[01]([^0-9]|$)" "$L")
if [ "$n" -le 12 ] && [ "$n" -ge 1 ]; then
	pass "bad input: 41 junk datagrams made $n log lines (rate limited)"
else
	fail "bad input: 41 junk datagrams made $n log lines naming their sender $U:40010/40011, expected 1 to 12 (log_limited)"
fi
# A well-formed echo request U -> V (ICMP id 0xbeef) with 4 bytes after
# it: the datagram is not one IPv4 packet, so none of it may reach V.
# inet_checksum HEX: the Internet checksum (RFC 1071) of HEX's bytes, as
# 4 hex digits, for a packet whose checksum field is zero.
inet_checksum() {
	local h=$1 sum=0 i
	for ((i = 0; i < ${#h}; i += 4)); do sum=$((sum + 16#${h:i:4})); done
	while [ $((sum >> 16)) != 0 ]; do sum=$(( (sum & 0xffff) + (sum >> 16) )); done
	printf '%04x' $(( ~sum & 0xffff ))
}
ip_hdr=4500001c0000400040010000$(ip_hex "$TUN_U")$(ip_hex "$V")
icmp=0800$(inet_checksum 08000000beef0000)beef0000
trail=${ip_hdr:0:20}$(inet_checksum "$ip_hdr")${ip_hdr:24}${icmp}deadbeef
lab_exec u "$KIT_BIN/udp-inject" --from-port 40012 "$SERVER_EXT:$UDP_PORT" "$trail"
sleep 0.3
# A control: a real ping through the tunnel while the capture runs, so that
# an empty capture cannot pass for "nothing was written".
lab_exec u ping -c 1 -W 1 "$V" >"$OUT/ping-tj.log" 2>&1
capture_stop tj
expect_grep "bad input: a packet with 4 bytes after it is logged with its sender" "$(from_u 40012).*([Ll]ength|bytes|[Tt]railing|[Tt]otal|[Ll]ong)" "$L"
J=$OUT/tj-server-tun0.pcap
expect_pcap "$J" --at-least 1 "icmp[icmptype]=icmp-echo and src $TUN_U and dst $V" \
	"bad input: (control) the ping sent after the junk comes out of the server's tun0"
# The junk as it would look in the TUN: IPv6 (the text too: "h" and "j"
# are version 6), shorter than a header, a header length other than 20,
# a total length other than the packet's; the trailing one by its id.
expect_pcap "$J" --none 'ip6 or len < 20 or (ip and (ip[0] != 0x45 or len != ip[2:2])) or (icmp and icmp[4:2] = 0xbeef)' \
	"bad input: none of the dropped datagrams is written into the server's tun0"
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

# ---- every option of the contract, away from its default ---------------------
# Other names, addresses and port, and two routes: each must reach the
# kernel (ip) and the wire (the capture), not only the command line.
O_PORT=$((UDP_PORT + 101)) O_SRV=${TUNNET%.*}.12 O_CLI=${TUNNET%.*}.98 O_NET2=10.99.0.0/16
lab_stop server
lab_stop client
lab_bg server server-opt "$BIN/tun-server" --name vpns5 --tun-addr "$O_SRV/$TUN_PLEN" --port "$O_PORT"
lab_bg u client-opt "$BIN/tun-client" --name vpnc5 --tun-addr "$O_CLI/$TUN_PLEN" \
	--route "$INTRANET" --route "$O_NET2" "$SERVER_EXT:$O_PORT"
if wait_for "tun-server --name vpns5 --tun-addr $O_SRV/$TUN_PLEN" 5 has_addr server vpns5 "$O_SRV"; then
	pass "options: tun-server --name vpns5 --tun-addr $O_SRV/$TUN_PLEN: vpns5 has $O_SRV"
else
	fail "options: tun-server --name vpns5 --tun-addr $O_SRV/$TUN_PLEN: no interface vpns5 with $O_SRV on the server: $(lab_exec server ip -o -4 addr 2>&1 | grep -v ' lo ' | cut -c1-60 | tr '\n' ' ')"
fi
if wait_for "tun-client --name vpnc5 --tun-addr $O_CLI/$TUN_PLEN" 5 has_addr u vpnc5 "$O_CLI"; then
	pass "options: tun-client --name vpnc5 --tun-addr $O_CLI/$TUN_PLEN: vpnc5 has $O_CLI"
else
	fail "options: tun-client --name vpnc5 --tun-addr $O_CLI/$TUN_PLEN: no interface vpnc5 with $O_CLI on U: $(lab_exec u ip -o -4 addr 2>&1 | grep -v ' lo ' | cut -c1-60 | tr '\n' ' ')"
fi
lab_exec u ip route show dev vpnc5 >"$OUT/opt-routes.txt" 2>&1
for r in "$INTRANET" "$O_NET2"; do
	expect_grep "options: tun-client --route $INTRANET --route $O_NET2: U routes $r into vpnc5" "^$(re "$r") " "$OUT/opt-routes.txt"
done
capture_start opt sw:br-ext || check_end
lab_exec u ping -c 2 -i 0.2 -W 1 "$V" >"$OUT/ping-opt.log" 2>&1
capture_stop opt
expect_pcap "$OUT/opt-sw-br-ext.pcap" --at-least 2 "udp dst port $O_PORT and dst $SERVER_EXT and $(inner_filter "$O_CLI" "$V")" \
	"options: tun-client SERVER:$O_PORT: the datagrams go to $SERVER_EXT:$O_PORT with $O_CLI -> $V inside"
expect_grep "options: tun-server --port $O_PORT: it receives them there and prints them" \
	"^$(re "$U"):[0-9]+ --> 0\\.0\\.0\\.0:$O_PORT  Inside: $(re "$O_CLI") --> $(re "$V")\$" "$OUT/server-opt.log"
# The client's TUN deleted under it: its read fails, and the contract
# says exit 1 (not a loop that retries, or logs, forever).
lab_exec u ip link del vpnc5 >>"$OUT/lab-cmd.log" 2>&1
if wait_for "tun-client to notice vpnc5 is gone" 3 sh -c "! kill -0 ${BG_PID[client-opt]:-0} 2>/dev/null"; then
	lab_stop client-opt
	if [ "$(cat "$OUT/client-opt.status")" = "exit 1" ] && tail -3 "$OUT/client-opt.log" | grep -q vpnc5; then
		pass "3: when its TUN is deleted, tun-client exits 1, saying so (\"$(tail -1 "$OUT/client-opt.log" | cut -c1-80)\")"
	else
		fail "3: when its TUN is deleted, tun-client must exit 1 with a message naming vpnc5; it ended with $(cat "$OUT/client-opt.status"): $(tail -1 "$OUT/client-opt.log" | cut -c1-120)"
	fi
else
	fail "3: tun-client went on running for 3 s after its TUN vpnc5 was deleted: $(tail -1 "$OUT/client-opt.log" | cut -c1-120)"
fi
lab_stop client-opt
lab_stop server-opt

# ---- interoperation with a SEED-style Python peer -----------------------------------
# seed-tun.py does what SEED's tun_client.py / tun_server.py do, in Python:
# each of the kit's programs must work with it in place of its own peer.
if command -v python3 >/dev/null 2>&1; then
	PY=$ROOT/task3-udp-tunnel/seed-tun.py
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
