#!/usr/bin/env bash
# check-task8: SEED's task 8, both versions.
#
# (a) The older VM lab: the client's TUN address becomes 192.168.30.99.
#
#   U tun0 192.168.30.99 --UDP--> server tun0 (192.168.53.11) -X-> br-int
#
#   With strict reverse path filtering on the server (rp_filter=1, as the
#   lab sets it), the packets come out of the server's tun0 and are dropped
#   there: the route back to 192.168.30.99 does not go through tun0 (there
#   is none at all). The kernel counts them (IPReversePathFilter). Turning
#   the filter off lets the requests through, but V's replies still die at
#   the server (no route to 192.168.30.0/24). fix-server.sh adds that route
#   to tun0: both directions work, filter still strict.
#
# (b) The container lab: a VPN between two private networks.
#
#   p5 192.168.50.5 --br-priv-- client-router (vpn-client; 10.9.0.12)
#       == UDP over br-ext == server (vpn-server --route 192.168.50.0/24)
#       --br-int-- V 192.168.60.5
#
#   Host to host across both networks, without NAT: p5 -> V and V2 -> p6,
#   full-size and fragmented packets, and TCP p6 -> V:23.
#
# Usage: task8-rp-filter/check.sh [a|b]   (no argument: both)
. "$(dirname "$0")/../lab/check.sh"
. "$(dirname "$0")/../lab/check-tunnel.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PARTS=${1:-"a b"}
check_begin task8 --private
need_tool ping iputils-ping || check_end
need_tool socat socat || check_end
for p in vpn-client vpn-server; do need_prog "$BIN/$p" || check_end; done

# The server's count of packets dropped by the reverse path filter.
rpf_drops() {
	lab_exec server cat /proc/net/netstat 2>>"$OUT/lab-cmd.log" | awk '
		$1 == "TcpExt:" && !names { for (i = 2; i <= NF; i++) col[$i] = i; names = 1; next }
		$1 == "TcpExt:" { print $col["IPReversePathFilter"]; exit }'
}

part_a() {
	lab_bg server server "$BIN/vpn-server"
	wait_tunnel_end server server "$TUN_SERVER" || return
	lab_bg u client "$BIN/vpn-client" --tun-addr "$TASK8_TUN_U"/24 "$SERVER_EXT"
	wait_tunnel_end client u "$TASK8_TUN_U" || return
	lab_exec server sysctl -n net.ipv4.conf.all.rp_filter net.ipv4.conf.tun0.rp_filter >"$OUT/rp_filter.txt" 2>&1
	expect_grep "8a: the server filters by reverse path strictly (rp_filter=1)" '^1$' "$OUT/rp_filter.txt"

	# 1. dropped
	local d0 d1
	d0=$(rpf_drops)
	capture_start a1 u:tun0 sw:br-ext server:tun0 sw:br-int || return
	lab_exec u ping -c 3 -i 0.2 -W 1 "$V" >"$OUT/ping-dropped.log" 2>&1
	capture_stop a1
	d1=$(rpf_drops)
	expect_grep "8a: with the client's TUN at $TASK8_TUN_U, ping U -> V fails" ' 0 received' "$OUT/ping-dropped.log"
	expect_request_hops "8a: $TASK8_TUN_U" "$OUT/a1-u-tun0.pcap" "$OUT/a1-sw-br-ext.pcap" \
		"$OUT/a1-server-tun0.pcap" - "$TASK8_TUN_U" "$V" 3
	# Nothing at all on the intranet is the expected outcome here; the
	# counter below shows the packets were dropped, not never sent.
	expect_pcap "$OUT/a1-sw-br-int.pcap" --allow-empty --none "src $TASK8_TUN_U" \
		"8a: ... but never leave the server on the intranet: dropped between tun0 and eth1"
	if [ $((d1 - d0)) -ge 3 ]; then
		pass "8a: ... by the reverse path filter: the server's IPReversePathFilter counter went $d0 -> $d1"
	else
		fail "8a: expected the server's IPReversePathFilter counter to grow by 3, it went $d0 -> $d1"
	fi
	# No route at all ("Network is unreachable") or one that is not through
	# tun0 both mean the same: no way back through the tunnel. Anything else
	# (the lab host gone, no ip) is not an answer.
	if lab_exec server ip route get "$TASK8_TUN_U" >"$OUT/route-get.txt" 2>&1 ||
		grep -q 'unreachable' "$OUT/route-get.txt"; then
		expect_no_grep "8a: why: the server has no route back to $TASK8_TUN_U through tun0" 'dev tun0' "$OUT/route-get.txt"
	else
		fail "8a: 'ip route get $TASK8_TUN_U' on the server gave no answer: $(tail -1 "$OUT/route-get.txt")"
	fi

	# 2. the filter off: requests pass, but the replies have no way back
	lab_exec server sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tun0.rp_filter=0 >>"$OUT/lab-cmd.log" 2>&1
	capture_start a2 server:tun0 sw:br-int || return
	lab_exec u ping -c 2 -i 0.2 -W 1 "$V" >"$OUT/ping-no-rpf.log" 2>&1
	capture_stop a2
	expect_pcap "$OUT/a2-sw-br-int.pcap" --at-least 2 "icmp[icmptype]=icmp-echo and src $TASK8_TUN_U" \
		"8a: with rp_filter=0 the requests do reach the intranet"
	expect_pcap "$OUT/a2-server-tun0.pcap" --none "icmp[icmptype]=icmp-echoreply and dst $TASK8_TUN_U" \
		"8a: ... but V's replies cannot get back into the tunnel (no route to $TASK8_TUNNET)"
	expect_grep "8a: ... so ping still fails: turning the filter off is not the fix" ' 0 received' "$OUT/ping-no-rpf.log"
	lab_exec server sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.tun0.rp_filter=1 >>"$OUT/lab-cmd.log" 2>&1

	# 3. the fix: a route, strict filtering kept
	lab_exec server sh "$HERE/fix-server.sh" >"$OUT/fix-server.log" 2>&1
	# The kernel filters tun0 by the larger of "all" and "tun0" (0 off, 1
	# strict, 2 loose): strict means that larger value is 1.
	lab_exec server sysctl -n net.ipv4.conf.all.rp_filter net.ipv4.conf.tun0.rp_filter >"$OUT/rp_filter-after.txt" 2>&1
	local rpf; rpf=$(awk 'NR == 1 || $1 > m { m = $1 } END { print m }' "$OUT/rp_filter-after.txt")
	if [ "$rpf" = 1 ]; then
		pass "8a: fix-server.sh keeps the filter strict on tun0 (all, tun0: $(tr '\n' ' ' <"$OUT/rp_filter-after.txt"))"
	else
		fail "8a: fix-server.sh leaves tun0's reverse path filter at ${rpf:-?}, not strict (1): all, tun0 = $(tr '\n' ' ' <"$OUT/rp_filter-after.txt")"
	fi
	lab_exec u ip -o -4 addr show dev tun0 >"$OUT/u-tun0-after.txt" 2>&1
	expect_grep "8a: ... and changes no TUN address" "inet $(re "$TASK8_TUN_U")/24" "$OUT/u-tun0-after.txt"
	# The change is for the client's network, not its one address: the
	# route back to any other address of it (what the filter looks up)
	# leaves through tun0 too.
	local other; other=${TASK8_TUNNET%.*/*}.98
	lab_exec server ip -4 route get "$other" >"$OUT/route-get-other.txt" 2>&1
	expect_grep "8a: ... for the whole of $TASK8_TUNNET: the server's route back to $other goes through tun0 too" \
		" dev tun0 " "$OUT/route-get-other.txt"
	d0=$(rpf_drops)
	capture_start a3 u:tun0 sw:br-ext server:tun0 sw:br-int || return
	lab_exec u ping -c 3 -i 0.2 -W 1 "$V" >"$OUT/ping-fixed.log" 2>&1
	lab_exec u ping -c 2 -i 0.2 -W 1 -s 1472 "$V" >"$OUT/ping-fixed-1500.log" 2>&1
	lab_exec u ping -c 2 -i 0.2 -W 1 -s 3000 "$V" >"$OUT/ping-fixed-3000.log" 2>&1
	capture_stop a3
	d1=$(rpf_drops)
	crit expect_ping "8a: with the route on the server, ping U -> V works" 3 "$OUT/ping-fixed.log"
	expect_ping "8a: ... 1500-byte pings too" 2 "$OUT/ping-fixed-1500.log"
	expect_ping "8a: ... and fragmented ones (-s 3000)" 2 "$OUT/ping-fixed-3000.log"
	local C=$OUT/a3-u-tun0.pcap E=$OUT/a3-sw-br-ext.pcap S=$OUT/a3-server-tun0.pcap I=$OUT/a3-sw-br-int.pcap
	expect_request_hops "8a fixed" "$C" "$E" "$S" "$I" "$TASK8_TUN_U" "$V" 3
	expect_reply_hops "8a fixed" "$C" "$E" "$S" "$I" "$TASK8_TUN_U" "$V" 3
	expect_big_pings "8a fixed" "$C" "$E" "$I" "$TASK8_TUN_U" "$V" yes
	if [ "$d1" = "$d0" ]; then
		pass "8a: the reverse path filter dropped nothing more ($d0 -> $d1)"
	else
		fail "8a: the reverse path filter still drops packets ($d0 -> $d1)"
	fi
	lab_stop client
	lab_stop server
}

part_b() {
	lab_bg server server-b "$BIN/vpn-server" --route "$PRIVNET"
	wait_tunnel_end server-b server "$TUN_SERVER" || return
	lab_bg client-router client-b "$BIN/vpn-client" "$SERVER_EXT"
	wait_tunnel_end client-b client-router "$TUN_U" || return
	lab_exec server ip route show "$PRIVNET" >"$OUT/b-server-route.txt" 2>&1
	expect_grep "8b: the server routes the client's LAN $PRIVNET into its tun0" "^$(re "$PRIVNET") dev tun0" "$OUT/b-server-route.txt"
	lab_exec client-router ip route >"$OUT/client-router-routes.txt" 2>&1
	expect_grep "8b: the client-router routes the intranet $INTRANET into its tun0" "^$(re "$INTRANET") dev tun0" "$OUT/client-router-routes.txt"

	capture_start b sw:br-priv client-router:tun0 sw:br-ext server:tun0 sw:br-int || return
	lab_exec p5 ping -c 3 -i 0.2 -W 1 "$V" >"$OUT/b-ping.log" 2>&1
	lab_exec p5 ping -c 2 -i 0.2 -W 1 -s 1472 "$V" >"$OUT/b-ping-1500.log" 2>&1
	lab_exec p5 ping -c 2 -i 0.2 -W 1 -s 3000 "$V" >"$OUT/b-ping-3000.log" 2>&1
	lab_exec v2 ping -c 3 -i 0.2 -W 1 "$P6" >"$OUT/b-ping-v2-p6.log" 2>&1
	printf 'from-p6-to-v\n' |
		lab_exec p6 socat -t 2 - "TCP:$V:$LINE_PORT,connect-timeout=3" >"$OUT/b-tcp.log" 2>&1
	capture_stop b

	expect_ping "8b: p5 $P5 -> V $V across both private networks" 3 "$OUT/b-ping.log"
	expect_ping "8b: ... 1500-byte pings too" 2 "$OUT/b-ping-1500.log"
	expect_ping "8b: ... and fragmented ones (-s 3000)" 2 "$OUT/b-ping-3000.log"
	expect_ping "8b: V2 $V2 -> p6 $P6, the other way" 3 "$OUT/b-ping-v2-p6.log"
	expect_grep "8b: TCP p6 -> V:23 across both networks" '^echo: from-p6-to-v' "$OUT/b-tcp.log"
	local P=$OUT/b-sw-br-priv.pcap C=$OUT/b-client-router-tun0.pcap E=$OUT/b-sw-br-ext.pcap
	local S=$OUT/b-server-tun0.pcap I=$OUT/b-sw-br-int.pcap
	expect_pcap "$P" --at-least 3 "icmp[icmptype]=icmp-echo and src $P5 and dst $V" \
		"8b: p5's requests leave on the private LAN for its router"
	expect_request_hops "8b p5->V" "$C" "$E" "$S" "$I" "$P5" "$V" 3
	expect_reply_hops "8b p5->V" "$C" "$E" "$S" "$I" "$P5" "$V" 3
	expect_pcap "$P" --at-least 3 "icmp[icmptype]=icmp-echoreply and src $V and dst $P5" \
		"8b: ... and the replies reach p5 on the private LAN"
	expect_pcap "$E" --at-least 3 "src $CROUTER_EXT and udp dst port $UDP_PORT and $(inner_filter $P5 $V)" \
		"8b: the tunnel runs from the client-router ($CROUTER_EXT)"
	expect_pcap "$E" --none 'ip src net 192.168.0.0/16 or ip dst net 192.168.0.0/16' \
		"8b: no private address crosses the extranet outside the tunnel"
	# Started on the server's side, the requests take the tunnel the other way.
	local req="icmp[icmptype]=icmp-echo and src $V2 and dst $P6"
	expect_pcap "$S" --at-least 3 "$req" "8b V2->p6: V2's requests are routed into the server's tun0"
	expect_pcap "$E" --at-least 3 "udp src port $UDP_PORT and src $SERVER_EXT and dst $CROUTER_EXT and $(inner_filter $V2 $P6)" \
		"8b V2->p6: ... cross the extranet to the client-router inside UDP"
	expect_pcap "$C" --at-least 3 "$req" "8b V2->p6: ... come out of the client-router's tun0"
	expect_pcap "$P" --at-least 3 "$req" "8b V2->p6: ... and reach p6 on the private LAN"
	expect_pcap "$P" --at-least 3 "icmp[icmptype]=icmp-echoreply and src $P6 and dst $V2" \
		"8b V2->p6: p6 answers"
	expect_big_pings "8b" "$C" "$E" "$I" "$P5" "$V" yes
	lab_stop client-b
	lab_stop server-b
}

for p in $PARTS; do
	case $p in
	a) part_a ;;
	b) part_b ;;
	*) fail "unknown part '$p' (a or b)" ;;
	esac
done
check_end
