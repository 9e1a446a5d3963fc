#!/usr/bin/env bash
# check-task1: the lab network itself, as SEED's task 1 sets it up.
#
# U reaches the server, the server reaches V, U does not reach V (U has no
# route to 192.168.60.0/24), and a capture of the intranet shows that none
# of U's packets get there.
. "$(dirname "$0")/../lab/check.sh"
check_begin task1
need_tool ping iputils-ping || check_end

capture_start net sw:br-ext sw:br-int || check_end

expect_ok "U ($U) pings the server ($SERVER_EXT)" \
	lab_exec u ping -c 2 -W 1 -i 0.2 "$SERVER_EXT"
both_ping() { lab_exec u2 ping -c1 -W1 "$SERVER_EXT" && lab_exec u3 ping -c1 -W1 "$SERVER_EXT"; }
expect_ok "U2 and U3 ping the server" both_ping
expect_ok "the server pings V ($V)" \
	lab_exec server ping -c 2 -W 1 -i 0.2 "$V"
v_pings() {
	lab_exec v ping -c1 -W1 "$SERVER_INT" && lab_exec v ping -c1 -W1 "$V2" &&
		lab_exec v ping -c1 -W1 "$V3"
}
expect_ok "V reaches the server's intranet address and V2, V3" v_pings
lab_exec u ping -c 2 -W 1 -i 0.2 "$V" >"$OUT/u-ping-v.log" 2>&1
expect_grep "U cannot reach V: ping says" "Network is unreachable" "$OUT/u-ping-v.log"
expect_fail "U has no route to $V (ip route get fails)" lab_exec u ip route get "$V"
# shellcheck disable=SC2016  # the inner shell gets its values as $1, $2
expect_ok "the server reaches V's TCP service on port $LINE_PORT" \
	lab_exec server bash -c 'exec 3<>"/dev/tcp/$1/$2" && echo task1-hello >&3 && read -t 2 l <&3 && [ "$l" = "echo: task1-hello" ]' tcp "$V" "$LINE_PORT"
capture_stop net

expect_pcap "$OUT/net-sw-br-ext.pcap" --at-least 2 \
	"icmp[icmptype]=icmp-echo and src $U and dst $SERVER_EXT" \
	"U's echo requests to the server cross the extranet"
expect_pcap "$OUT/net-sw-br-ext.pcap" --at-least 2 \
	"icmp[icmptype]=icmp-echoreply and src $SERVER_EXT and dst $U" \
	"the server's replies to U cross the extranet"
expect_pcap "$OUT/net-sw-br-int.pcap" --at-least 2 \
	"icmp[icmptype]=icmp-echo and src $SERVER_INT and dst $V" \
	"the server's echo requests to V cross the intranet"
expect_pcap "$OUT/net-sw-br-int.pcap" --none "src host $U" \
	"none of U's packets reach the intranet"
expect_pcap "$OUT/net-sw-br-ext.pcap" --none "dst net $INTRANET" \
	"nothing on the extranet is addressed to the intranet"
check_end
