#!/usr/bin/env bash
# check-task5 (and check-task6, check-task7): SEED tasks 5-7, the tunnel in
# both directions.
#
#   U 10.9.0.5: vpn-client, tun0 192.168.53.99/24, 192.168.60.0/24 dev tun0
#       |  UDP <-> 10.9.0.11:9090 (br-ext)
#   server: vpn-server, tun0 192.168.53.11/24, learns the client's address
#       |  br-int
#   V 192.168.60.5: TCP 23 line service; default route via the server
#
#   5  ping and TCP U -> V and back, each hop proved from captures (both
#      directions), 1500-byte and fragmented packets, the client learned,
#      bad datagrams to both ends (wrong peer, not IPv4, truncated), both
#      descriptors ready at once (the client stopped while packets queue
#      each way: both must be served), the TUN device disappearing
#   6  tunnel breaking: a TCP session U -> V:23 survives stopping the server
#      (U retransmits what was typed while it was down, the capture shows
#      it) and restarting the client on a new port (the server follows it)
#   7  routing on V: without a default route V cannot answer; with
#      route-v.sh (192.168.53.0/24 via the server) it can
#
# Usage: task5-bidirectional/check.sh [5|6|7]   (no argument: all three)
. "$(dirname "$0")/../lab/check.sh"
. "$(dirname "$0")/../lab/check-tunnel.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PARTS=${1:-"5 6 7"}
case "$PARTS" in
5 | 6 | 7) check_begin "task$PARTS" ;;
"5 6 7") check_begin task5 ;;
*) echo "usage: $0 [5|6|7]" >&2; exit 2 ;;
esac
need_tool ping iputils-ping || check_end
need_tool socat socat || check_end
for p in vpn-client vpn-server; do need_prog "$BIN/$p" || check_end; done
need_prog "$KIT_BIN/udp-inject" || check_end
LINESRV_LOG=$LAB_STATE/v-linesrv.log

# start_server NAME / start_client NAME: the two ends, waited for.
start_server() {
	lab_bg server "$1" "$BIN/vpn-server"
	wait_tunnel_end "$1" server "$TUN_SERVER"
}
start_client() {
	lab_bg u "$1" "$BIN/vpn-client" "$SERVER_EXT"
	wait_tunnel_end "$1" u "$TUN_U"
}
# The UDP port the client says it sends from ("UDP 0.0.0.0:PORT <-> ...").
client_port() {
	sed -nE 's/.*UDP 0\.0\.0\.0:([0-9]+) <->.*/\1/p' "$OUT/$1.log" | tail -1
}

# The fairness scenario (part 5): FAIR_N packets queued each way while the
# client is stopped, on ports of their own (nothing listens on them: the
# ICMP "port unreachable" answers, rate limited, match no filter below).
FAIR_N=150
FAIR_OUT_SPORT=40100 FAIR_OUT_DPORT=40101 FAIR_IN_SPORT=40102 FAIR_IN_DPORT=40103

# inner_udp_filter SRC DST DPORT: a tunnel datagram carrying UDP SRC -> DST:DPORT.
inner_udp_filter() {
	echo "udp[8+9]=17 and udp[8+12:4]=0x$(ip_hex "$1") and udp[8+16:4]=0x$(ip_hex "$2") and udp[8+22:2]=$3"
}
# fair_count_is N FILE FILTER: true once N packets of FILE match.
fair_count_is() { [ "$(pcap_count "$2" "$3" 2>/dev/null)" -ge "$1" ] 2>/dev/null; }

# us_time 1764759600.123456 -> 1764759600123456 (microseconds, for $(( )) ).
us_time() { local t=${1/./}; echo $((10#$t)); }

# expect_both_served T CAPNAME: judges the fairness captures (see part5).
# The kit's tools give times to the microsecond; the loop under test is
# judged by how many packets of one direction it served before the first
# of the other: a fair loop serves both from the first wake-up (0 or 1,
# a bounded batch per descriptor: up to that batch), one that serves a
# single descriptor per wake-up while the other stays ready, all of them.
expect_both_served() {
	local t=$1 E=$OUT/$2-u-eth0.pcap C=$OUT/$2-u-tun0.pcap
	local out_f in_f q_out q_in s_out w_in first_out first_in tx rx
	local before_in=0 before_out=0 t_in t_out gap
	out_f="udp dst port $UDP_PORT and dst $SERVER_EXT and $(inner_udp_filter "$TUN_U" "$V" "$FAIR_OUT_DPORT")"
	in_f="udp src port $UDP_PORT and src $SERVER_EXT and $(inner_udp_filter "$V" "$TUN_U" "$FAIR_IN_DPORT")"
	q_out=$(pcap_count "$C" "udp and src $TUN_U and dst $V and dst port $FAIR_OUT_DPORT") || q_out=0
	q_in=$(pcap_count "$E" "$in_f") || q_in=0
	tx=$("$KIT_BIN/pcap-verify" --times "$out_f" "$E") || tx=
	rx=$("$KIT_BIN/pcap-verify" --times "udp and src $V and dst $TUN_U and dst port $FAIR_IN_DPORT" "$C") || rx=
	s_out=$(grep -c . <<<"$tx")
	w_in=$(grep -c . <<<"$rx")
	local got="$q_out U -> V packets queued in U's tun0 and $q_in V -> U datagrams reached U's eth0 for it while the client was stopped; after SIGCONT it sent $s_out and wrote $w_in into tun0"
	if [ "$q_out" -lt $((FAIR_N / 2)) ] || [ "$q_in" -lt $((FAIR_N / 2)) ] ||
		[ "$s_out" -lt $((FAIR_N / 2)) ] || [ "$w_in" -lt $((FAIR_N / 2)) ]; then
		fail "$t: both descriptors ready: cannot tell whether both are served, too few packets relayed (want $((FAIR_N / 2)) or more of $FAIR_N each way): $got"
		return
	fi
	first_out=$(us_time "$(head -1 <<<"$tx")")
	first_in=$(us_time "$(head -1 <<<"$rx")")
	while read -r t_in; do
		[ "$(us_time "$t_in")" -lt "$first_out" ] && before_in=$((before_in + 1))
	done <<<"$rx"
	while read -r t_out; do
		[ "$(us_time "$t_out")" -lt "$first_in" ] && before_out=$((before_out + 1))
	done <<<"$tx"
	if [ $((before_in * 2)) -ge "$w_in" ]; then
		fail "$t: both ready: served only the socket until it was empty: $before_in of the $w_in datagrams from the server were written into tun0 before the first of the $s_out TUN packets was sent (one descriptor per wake-up?; $got)"
	elif [ $((before_out * 2)) -ge "$s_out" ]; then
		fail "$t: both ready: served only the TUN until it was empty: $before_out of the $s_out TUN packets were sent before the first of the $w_in datagrams from the server was written into tun0 (one descriptor per wake-up?; $got)"
	else
		gap=$((first_out - first_in))
		pass "$t: both descriptors ready: both served from the start (first TUN packet sent after $before_in socket writes, first socket write after $before_out TUN sends, half of either would fail; the two firsts ${gap#-} us apart; $got)"
	fi
}

part5() {
	start_server server || return
	start_client client || return
	local cport; cport=$(client_port client)
	# Both wait in poll/select while nothing happens; a loop that does not
	# (a zero timeout, non-blocking reads in a loop) spins.
	expect_idle_cpu "5: idle, both ends wait for input" client server

	capture_start t5 u:tun0 sw:br-ext server:tun0 sw:br-int || return
	lab_exec u ping -c 3 -i 0.2 -W 1 "$V" >"$OUT/ping.log" 2>&1
	lab_exec u ping -c 2 -i 0.2 -W 1 -s 1472 "$V" >"$OUT/ping-1500.log" 2>&1
	lab_exec u ping -c 2 -i 0.2 -W 1 -s 3000 "$V" >"$OUT/ping-3000.log" 2>&1
	printf 'hello-through-the-tunnel\n' |
		lab_exec u socat -t 2 - "TCP:$V:$LINE_PORT,connect-timeout=3" >"$OUT/tcp.log" 2>&1
	capture_stop t5

	crit expect_ping "5: ping U -> V through the tunnel gets its replies" 3 "$OUT/ping.log"
	expect_ping "5: 1500-byte pings (-s 1472) get their replies" 2 "$OUT/ping-1500.log"
	expect_ping "5: fragmented pings (-s 3000) get their replies" 2 "$OUT/ping-3000.log"
	local C=$OUT/t5-u-tun0.pcap E=$OUT/t5-sw-br-ext.pcap S=$OUT/t5-server-tun0.pcap I=$OUT/t5-sw-br-int.pcap
	expect_request_hops 5 "$C" "$E" "$S" "$I" "$TUN_U" "$V" 3
	expect_reply_hops 5 "$C" "$E" "$S" "$I" "$TUN_U" "$V" 3
	expect_pcap "$E" --at-least 3 "udp src port $UDP_PORT and dst $U and dst port ${cport:-0}" \
		"5: the server answers the client's own address and port ($U:${cport:-?})"
	expect_pcap "$E" --none 'ip dst net 192.168.0.0/16 or ip src net 192.168.0.0/16' \
		"5: no private address crosses the extranet outside the tunnel"
	expect_big_pings 5 "$C" "$E" "$I" "$TUN_U" "$V" yes
	# One packet per datagram, and into a TUN exactly the packet: no bytes
	# of the buffer after it (a fixed-size or off-by-one write or send).
	expect_pcap "$E" --none "udp port $UDP_PORT and udp[4:2] != udp[8+2:2] + 8" \
		"5: each tunnel datagram is one IPv4 packet, nothing after it (UDP length = inner total length + 8)"
	expect_pcap "$C" --none 'ip and len != ip[2:2]' \
		"5: each packet in U's tun0 is exactly as long as its IPv4 total length"
	expect_pcap "$S" --none 'ip and len != ip[2:2]' \
		"5: each packet in the server's tun0 is exactly as long as its IPv4 total length"
	expect_grep "5: telnet-like TCP to V:23 works through the tunnel" '^echo: hello-through-the-tunnel' "$OUT/tcp.log"
	expect_pcap "$I" --at-least 1 "tcp src port $LINE_PORT and src $V and dst $TUN_U" \
		"5: V's TCP segments go back through the intranet to $TUN_U"
	expect_grep "5: the server learned the client's address" "client is $(re "$U"):${cport:-x}\$" "$OUT/server.log"
	expect_grep "5: the server prints datagrams from the socket" "^From socket <==: $(re "$TUN_U") --> $(re "$V")" "$OUT/server.log"
	expect_grep "5: the client prints packets from its TUN" "^From tun    ==>: $(re "$TUN_U") --> $(re "$V")" "$OUT/client.log"

	# ---- bad input to the server, from U2 (not the client) ------------------
	# Datagram i comes from U2's port 40000+i (see send_bad_datagrams): the
	# log must name each sender; the wording around it is the program's.
	capture_start t5j server:tun0 sw:br-ext || return
	send_bad_datagrams u2 "$SERVER_EXT:$UDP_PORT" 40000
	sleep 0.3
	# Then the other direction, started at V: the server must still send to
	# the client, not to the junk's sender. (Its packets in the server's tun0
	# are also the capture's control: it was running.)
	lab_exec v ping -c 2 -i 0.2 -W 1 "$TUN_U" >"$OUT/ping-v-u.log" 2>&1
	capture_stop t5j
	expect_grep "5: server: a datagram that is not IPv4 (an IPv6 packet) is logged with its sender" \
		"$(re "$U2"):40004[^0-9].*(IPv4|IPv6|[Vv]ersion)" "$OUT/server.log"
	expect_grep "5: server: a truncated packet (2 bytes) is logged with its sender" \
		"$(re "$U2"):40001[^0-9].*([Tt]runcat|[Ss]hort|[Ll]ength|bytes)" "$OUT/server.log"
	# The junk as it would look in the TUN: IPv6 (the text too: "h" is
	# version 6), shorter than a header, a header length other than 20, a
	# total length other than the packet's.
	expect_pcap "$OUT/t5j-server-tun0.pcap" --none 'ip6 or len < 20 or (ip and (ip[0] != 0x45 or len != ip[2:2]))' \
		"5: server: none of the junk is written into its tun0"
	expect_no_grep "5: server: junk does not take the client's place" 'client moved' "$OUT/server.log"
	crit expect_ping "5: ping V -> U's tunnel address $TUN_U gets its replies, right after U2's junk" 2 "$OUT/ping-v-u.log"
	expect_pcap "$OUT/t5j-sw-br-ext.pcap" --none "udp and dst $U2" \
		"5: ... the server sends nothing to U2, the junk's sender"
	# ---- bad input to the client: well-formed packets from wrong peers ------
	# 192.168.60.66 (from U2) and 192.168.60.67 (from the server's host, but
	# port $((UDP_PORT + 1)), not the server's) -> U's tunnel address, ICMP
	# echo requests: each would reach U's kernel if the client wrote it.
	local spoof spoof2
	spoof=450000 spoof=${spoof}1c00010000400100$(printf '00')$(ip_hex 192.168.60.66)$(ip_hex "$TUN_U")0800f7fe00010000
	spoof2=450000 spoof2=${spoof2}1c00010000400100$(printf '00')$(ip_hex 192.168.60.67)$(ip_hex "$TUN_U")0800f7fe00010000
	capture_start t5b u:tun0 || return
	lab_exec u2 "$KIT_BIN/udp-inject" --from-port 40010 "$U:${cport:-1}" "$spoof" 68656c6c6f
	lab_exec server "$KIT_BIN/udp-inject" --from-port $((UDP_PORT + 1)) "$U:${cport:-1}" "$spoof2"
	sleep 0.3
	# A control: U's own ping goes into tun0 while the capture runs, so an
	# empty capture cannot pass for "nothing was written".
	lab_exec u ping -c 1 -W 1 "$V" >"$OUT/ping-t5b.log" 2>&1
	capture_stop t5b
	expect_grep "5: client: a datagram from an unexpected peer is logged with its sender" "$(re "$U2"):40010([^0-9]|$)" "$OUT/client.log"
	expect_pcap "$OUT/t5b-u-tun0.pcap" --none 'src 192.168.60.66' \
		"5: client: the unexpected peer's packet never reaches U's tun0"
	expect_grep "5: client: a datagram from the server's host but port $((UDP_PORT + 1)) is logged with its sender" \
		"$(re "$SERVER_EXT"):$((UDP_PORT + 1))([^0-9]|$)" "$OUT/client.log"
	expect_pcap "$OUT/t5b-u-tun0.pcap" --none 'src 192.168.60.67' \
		"5: client: ... and its packet never reaches U's tun0 (the port is part of the peer)"
	# ---- both descriptors ready: both are served ---------------------------
	# The client stopped (SIGSTOP), FAIR_N packets queue each way: U -> V in
	# tun0's queue (txqueuelen 500), V -> U relayed by the server into the
	# client's socket (FAIR_N small datagrams fit the default receive
	# buffer). Then SIGCONT: both descriptors are ready at the first wake-up.
	local pay=() i
	for ((i = 0; i < FAIR_N; i++)); do pay+=(6661697221); done
	capture_start t5f u:eth0 u:tun0 || return
	if kill -STOP "${BG_PID[client]:-0}" 2>>"$OUT/kill.err"; then
		lab_exec u "$KIT_BIN/udp-inject" --from-port "$FAIR_OUT_SPORT" "$V:$FAIR_OUT_DPORT" "${pay[@]}" >>"$OUT/inject.log" 2>&1
		lab_exec v "$KIT_BIN/udp-inject" --from-port "$FAIR_IN_SPORT" "$TUN_U:$FAIR_IN_DPORT" "${pay[@]}" >>"$OUT/inject.log" 2>&1
		wait_for "the server to relay $FAIR_N datagrams to the stopped client" 5 \
			fair_count_is "$FAIR_N" "$OUT/t5f-u-eth0.pcap" "udp src port $UDP_PORT and $(inner_udp_filter "$V" "$TUN_U" "$FAIR_IN_DPORT")"
		kill -CONT "${BG_PID[client]}"
		wait_for "the client to write them into tun0" 3 \
			fair_count_is "$FAIR_N" "$OUT/t5f-u-tun0.pcap" "udp and src $V and dst port $FAIR_IN_DPORT"
		sleep 0.2
		capture_stop t5f
		expect_both_served 5 t5f
	else
		capture_stop t5f
		fail "5: both descriptors ready: could not stop the client (kill -STOP ${BG_PID[client]:-?}): $(tail -1 "$OUT/kill.err")"
	fi
	# ---- a send that fails: logged, that packet lost, the loop goes on -----
	# An "unreachable" route makes the client's sendto() fail (EHOSTUNREACH).
	lab_exec u ip route add unreachable "$SERVER_EXT/32"
	lab_exec u ping -c 1 -W 1 "$V" >"$OUT/ping-unreachable.log" 2>&1
	lab_exec u ip route del unreachable "$SERVER_EXT/32"
	lab_exec u ping -c 2 -i 0.2 -W 1 "$V" >"$OUT/ping-after.log" 2>&1
	expect_ping "5: after all that junk, and a send that failed, the tunnel still works" 2 "$OUT/ping-after.log"
	expect_alive "5: vpn-server is still running" server
	expect_alive "5: vpn-client is still running" client

	# ---- the TUN device disappears under the client ----------------------------
	lab_exec u ip link del tun0 >>"$OUT/lab-cmd.log" 2>&1
	if wait_for "vpn-client to notice its TUN is gone" 3 sh -c "! kill -0 ${BG_PID[client]} 2>/dev/null"; then
		lab_stop client
		expect_grep "5: client: reading a deleted TUN is reported" 'read tun0: the interface is gone' "$OUT/client.log"
		expect_grep "5: client: ... and it exits with status 1" '^exit 1$' "$OUT/client.status"
	else
		fail "5: vpn-client went on running after its tun0 was deleted: $(tail -1 "$OUT/client.log")"
	fi
	lab_stop client
	lab_stop server
}

part6() {
	start_server server6 || return
	start_client client6 || return
	local fifo=$OUT/session.in
	rm -f "$fifo"
	mkfifo "$fifo"
	# The session: socat on U holds one TCP connection to V:23; what the
	# check writes into the fifo is what the user types.
	# Opened read-write, the fifo never blocks the check, whatever socat does.
	exec 7<>"$fifo"
	# shellcheck disable=SC2016  # the inner shell gets its values as $1, $2
	lab_bg u session bash -c 'exec socat -T 120 - "TCP:$2:$3,connect-timeout=3" <"$1"' session "$fifo" "$V" "$LINE_PORT"
	echo "line-before-the-break" >&7
	if ! wait_for "the first line at V" 5 grep -q line-before-the-break "$LINESRV_LOG"; then
		fail "6: the TCP session to V:23 does not work: $(tail -2 "$OUT/session.log" | tr '\n' ' ')"
		exec 7>&-
		return
	fi
	pass "6: a TCP session U -> V:23 carries a line through the tunnel"

	# (a) the server stops; the user types; the server comes back.
	capture_start t6 u:tun0 sw:br-ext || return
	lab_stop server6
	echo "typed-while-the-server-was-down" >&7
	sleep 3
	expect_no_grep "6: while the server is down, the typed line does not reach V" typed-while-the-server "$LINESRV_LOG"
	start_server server6b || return
	if wait_for "the typed line at V once the server is back" 20 grep -q typed-while-the-server "$LINESRV_LOG"; then
		pass "6: after the server restarts, what was typed while it was down arrives at V ($(grep -c typed-while-the-server "$LINESRV_LOG")x in the log)"
	else
		fail "6: 20 s after the server restarted, the line typed while it was down has not reached V"
	fi
	wait_for "the echo of the typed line" 5 grep -q 'echo: typed-while-the-server' "$OUT/session.log"
	expect_grep "6: ... and V's echo comes back on the same session" '^echo: typed-while-the-server' "$OUT/session.log"
	capture_stop t6
	# "typed-while..." starts with the bytes "type": the TCP payload's first 4 bytes.
	local payload="tcp dst port $LINE_PORT and tcp[((tcp[12] & 0xf0) >> 2):4] = 0x74797065"
	expect_pcap "$OUT/t6-u-tun0.pcap" --at-least 3 "$payload" \
		"6: U's TCP retransmits the typed segment into tun0 while the tunnel is broken (the original plus retransmissions)"
	expect_pcap "$OUT/t6-sw-br-ext.pcap" --at-least 1 "icmp[icmptype]=icmp-unreach and src $SERVER_EXT and dst $U" \
		"6: ... the client kept sending them, and the stopped server's host answered 'port unreachable'"

	# (b) the client restarts (a new UDP port); the server must follow it.
	local old; old=$(client_port client6)
	lab_stop client6
	echo "typed-while-the-client-was-down" >&7
	sleep 2
	start_client client6b || return
	local new; new=$(client_port client6b)
	if wait_for "the line typed while the client was down at V" 20 grep -q typed-while-the-client "$LINESRV_LOG"; then
		pass "6: after the client restarts, the line typed while it was down arrives at V"
	else
		fail "6: 20 s after the client restarted, the line typed while it was down has not reached V"
	fi
	expect_grep "6: the server follows the client to its new port ($old -> $new)" \
		"client (moved from $(re "$U"):$old to |is )$(re "$U"):$new\$" "$OUT/server6b.log"
	echo "line-after-both-restarts" >&7
	wait_for "the last echo" 5 grep -q 'echo: line-after-both-restarts' "$OUT/session.log"
	expect_grep "6: the same TCP session is still alive at the end" '^echo: line-after-both-restarts' "$OUT/session.log"
	exec 7>&-
	lab_stop session
	lab_stop client6b
	lab_stop server6b
}

part7() {
	start_server server7 || return
	start_client client7 || return
	lab_exec v ip route del default >>"$OUT/lab-cmd.log" 2>&1
	lab_exec v ip route show >"$OUT/v-routes-broken.txt" 2>&1
	capture_start t7a sw:br-int || return
	lab_exec u ping -c 2 -i 0.2 -W 1 "$V" >"$OUT/ping-noroute.log" 2>&1
	capture_stop t7a
	expect_pcap "$OUT/t7a-sw-br-int.pcap" --at-least 2 "icmp[icmptype]=icmp-echo and src $TUN_U and dst $V" \
		"7: without a default route on V, the requests still reach V"
	expect_pcap "$OUT/t7a-sw-br-int.pcap" --none "icmp[icmptype]=icmp-echoreply and src $V" \
		"7: ... but V has no route back to $TUN_U: no reply leaves V"
	expect_grep "7: ... and ping gets no reply" ' 0 received' "$OUT/ping-noroute.log"

	lab_exec v sh "$HERE/route-v.sh" >"$OUT/route-v.log" 2>&1
	lab_exec v ip route show >"$OUT/v-routes.txt" 2>&1
	expect_no_grep "7: V has no default route" '^default' "$OUT/v-routes.txt"
	expect_grep "7: route-v.sh routes $TUNNET via the server" "^$(re "$TUNNET") via $(re "$SERVER_INT")" "$OUT/v-routes.txt"
	capture_start t7b sw:br-int u:tun0 || return
	lab_exec u ping -c 3 -i 0.2 -W 1 "$V" >"$OUT/ping-route.log" 2>&1
	capture_stop t7b
	expect_ping "7: with that one route, ping U -> V works again" 3 "$OUT/ping-route.log"
	expect_pcap "$OUT/t7b-sw-br-int.pcap" --at-least 3 "icmp[icmptype]=icmp-echoreply and src $V and dst $TUN_U and ether dst host ""$(lab_exec server cat /sys/class/net/eth1/address 2>>"$OUT/cat.err")" \
		"7: V sends its replies to the server's MAC (the route's gateway)"
	expect_pcap "$OUT/t7b-u-tun0.pcap" --at-least 3 "icmp[icmptype]=icmp-echoreply and src $V" \
		"7: ... and they come back through the tunnel into U's tun0"
	lab_stop client7
	lab_stop server7
}

for p in $PARTS; do "part$p"; done
check_end
