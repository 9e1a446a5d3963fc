# shellcheck shell=bash
# check-tunnel.sh - assertions the tunnel checks share (tasks 3-9).
# Sourced by a check after lab/check.sh. Defines:
#
#   ip_hex 192.168.53.99                 -> c0a83563
#   received LOG                          the "N received" figure of a ping log
#   expect_ping DESC WANT LOG             PASS when that figure is WANT or more
#   has_addr HOST IF ADDR                 true once IF on HOST has ADDR
#   wait_tunnel_end NAME HOST ADDR        waits for a tunnel program to bring
#                                         up tun0 with ADDR (fails the check if not)
#   expect_request_hops T CLI EXT SRV INT SRC DST N
#   expect_reply_hops   T CLI EXT SRV INT SRC DST N
#       the echo requests SRC -> DST (or the replies DST -> SRC) at each hop:
#       CLI the client's tun0 capture, EXT the extranet, SRV the server's
#       tun0, INT the intranet (any may be "-" to skip it); T labels them.
#   expect_big_pings T CLI EXT INT SRC DST
#       the 1500-byte (ping -s 1472) and fragmented (ping -s 3000) pings,
#       requests and replies, at the hops given
#   send_bad_datagrams HOST DEST:PORT [FROM_PORT]
#                                         not-IPv4, truncated, lying lengths

ip_hex() {
	local IFS=.
	# shellcheck disable=SC2086
	printf '%02x%02x%02x%02x' $1
}

received() {
	sed -nE 's/.* ([0-9]+) received.*/\1/p' "$1" | tail -1
}

expect_ping() {       # DESC WANT LOG
	local got; got=$(received "$3")
	if [ "${got:-0}" -ge "$2" ]; then
		pass "$1 ($got received)"
	else
		fail "$1: expected $2 replies, got ${got:-0}: $(tail -2 "$3" | head -1)"
	fi
}

has_addr() {
	lab_exec "$1" ip -o -4 addr show dev "$2" 2>/dev/null | grep -q "inet $3/"
}

wait_tunnel_end() {
	local name=$1 host=$2 addr=$3
	if wait_for "$name to bring up tun0 with $addr on $host" 5 has_addr "$host" tun0 "$addr"; then
		return 0
	fi
	fail "$name did not bring up tun0 with $addr on $host within 5 s: $(tail -2 "$OUT/$name.log" 2>/dev/null | tr '\n' ' ')"
	return 1
}

# The inner packet as BPF sees it inside a tunnel datagram: udp[8] is the
# first byte of the inner IPv4 header.
inner_filter() {      # SRC DST -> filter on the UDP payload
	echo "udp[8+12:4]=0x$(ip_hex "$1") and udp[8+16:4]=0x$(ip_hex "$2") and udp[8+9]=1"
}

_hop() {              # FILE N FILTER DESC
	[ "$1" = - ] && return 0
	expect_pcap "$1" --at-least "$2" "$3" "$4"
}

expect_request_hops() {
	local t=$1 cli=$2 ext=$3 srv=$4 int=$5 src=$6 dst=$7 n=$8
	local req="icmp[icmptype]=icmp-echo and src $src and dst $dst"
	_hop "$cli" "$n" "$req" "$t: echo requests $src -> $dst enter the client's tun0"
	_hop "$ext" "$n" "udp dst port $UDP_PORT and dst $SERVER_EXT and $(inner_filter "$src" "$dst")" \
		"$t: ... cross the extranet as UDP datagrams to $SERVER_EXT:$UDP_PORT with $src -> $dst inside"
	_hop "$srv" "$n" "$req" "$t: ... come out of the server's tun0"
	_hop "$int" "$n" "$req" "$t: ... are forwarded on the intranet"
}

expect_reply_hops() {
	local t=$1 cli=$2 ext=$3 srv=$4 int=$5 src=$6 dst=$7 n=$8
	local rep="icmp[icmptype]=icmp-echoreply and src $dst and dst $src"
	_hop "$int" "$n" "$rep" "$t: echo replies $dst -> $src come back on the intranet"
	_hop "$srv" "$n" "$rep" "$t: ... are routed into the server's tun0"
	_hop "$ext" "$n" "udp src port $UDP_PORT and src $SERVER_EXT and $(inner_filter "$dst" "$src")" \
		"$t: ... cross the extranet as UDP datagrams from $SERVER_EXT:$UDP_PORT with $dst -> $src inside"
	_hop "$cli" "$n" "$rep" "$t: ... are written into the client's tun0"
}

# FRAG_LATER and FRAG_OR_WHOLE (fragments, on the intranet) come from
# lab/check.sh.

expect_big_pings() {
	local t=$1 cli=$2 ext=$3 int=$4 src=$5 dst=$6 replies=${7:-yes}
	local big="icmp and ip[2:2]=1500 and ip[6:2] & 0x3fff = 0"
	_hop "$cli" 2 "$big and src $src" "$t: 1500-byte packets (ping -s 1472) enter the client's tun0 whole"
	_hop "$ext" 2 "udp dst port $UDP_PORT and udp[8+2:2]=1500 and udp[8+12:4]=0x$(ip_hex "$src")" \
		"$t: ... cross the extranet whole inside the UDP payload (outer datagram fragmented)"
	_hop "$int" 2 "$big and src $src and dst $dst" "$t: ... reach the intranet whole (1500 bytes)"
	[ "$replies" = yes ] &&
		_hop "$cli" 2 "$big and icmp[icmptype]=icmp-echoreply and src $dst" \
			"$t: ... and 1500-byte replies come back into the client's tun0"
	_hop "$cli" 2 "src $src and $FRAG_LATER" "$t: ping -s 3000: the later fragments enter the client's tun0"
	_hop "$int" 2 "src $src and dst $dst and $FRAG_OR_WHOLE" "$t: ... and reach the intranet"
	_hop "$int" 2 "src $dst and dst $src and $FRAG_OR_WHOLE" \
		"$t: ... where $dst reassembles them and answers (its fragmented reply)"
	[ "$replies" = yes ] &&
		_hop "$cli" 2 "src $dst and dst $src and $FRAG_LATER" \
			"$t: ... and the fragmented replies come back into the client's tun0"
	return 0
}

# Datagrams a tunnel endpoint must refuse; each names what is wrong with it.
# With FROM_PORT, datagram i (0-4, in this order) is sent from port
# FROM_PORT+i, so a check can tell the log lines apart by their sender.
send_bad_datagrams() {
	local host=$1 dest=$2 from=${3:-} i=0 d
	local bad=(
		68656c6c6f2c2074756e6e656c                       # text, not IP ("h": version 6)
		4500                                             # truncated: 2 bytes
		450005dc0000000040010000"$(ip_hex "$TUN_U")$(ip_hex "$V")"   # says 1500 bytes, has 20
		4f0000140000000040010000"$(ip_hex "$TUN_U")$(ip_hex "$V")"   # header length 60 > 20
		60000000000c3a40fe800000000000000000000000000001ff0200000000000000000000000000018000000000000000  # IPv6
	)
	if [ -z "$from" ]; then
		lab_exec "$host" "$KIT_BIN/udp-inject" "$dest" "${bad[@]}"
		return
	fi
	for d in "${bad[@]}"; do
		lab_exec "$host" "$KIT_BIN/udp-inject" --from-port $((from + i)) "$dest" "$d"
		i=$((i + 1))
	done
}
