#!/usr/bin/env bash
# bench.sh - `make bench`: minivpn against OpenVPN in the same lab network
# and the same run. For each VPN in turn, U (10.9.0.5) tunnels to the server
# and measures, to V (192.168.60.5):
#
#   iperf3 TCP throughput U -> V     (BENCH_SECS seconds, default 10)
#   ping RTT U -> V                  (BENCH_PINGS pings, 20 ms apart)
#
# Rows: routed (no tunnel: U routes to V via the server, the ceiling),
# minivpn (TLS 1.3 over TCP, AES-256-GCM, --offload at both ends: TUN
# offloads, superpackets in GSO frames), minivpn-plain (the same without
# --offload: one DATA frame per packet, as the SEED-style protocol), OpenVPN over UDP and over TCP
# (Debian's openvpn, TLS mode with the lab PKI, AES-256-GCM data channel,
# 4 MiB socket buffers). The rows take turns, run by run (A B C D A B C D
# ...). Printed side by side: min/median/max throughput, ratios of the
# medians to OpenVPN/UDP and to the routed ceiling, CPU seconds per GB
# moved (utime + stime of the VPN's processes, both ends, from /proc), RTT
# and the server's UDP receive-buffer drops (nstat UdpRcvbufErrors). Then
# the same with BENCH_LOSS percent of the extranet's frames dropped
# (nftables numgen random on br-ext, both directions; TSO and GSO off on
# the hosts' extranet ports meanwhile, so that what is dropped is one
# frame, not a 64 KiB superpacket of 45), and three clients
# (U, U2, U3) at once to V, aggregate and per client (routed and minivpn:
# the OpenVPN set-up here is point to point, one client). Written to
# out/bench/results.txt.
#
# Environment: BIN (default build/rel/bin: a benchmark wants -O2, not the
# sanitizers), BENCH_SECS, BENCH_PINGS, BENCH_RUNS (iperf3 runs per row;
# default 3), BENCH_LOSS (default 1,5; "" for none), BENCH_MULTI (0: skip
# the three-client runs), BENCH_VPNS (rows, default all four), BENCH_CC
# (the congestion control of the measured iperf3 flows, iperf3 -C, e.g.
# cubic; default the lab's, which is the machine's: printed in the header.
# It moves the rows a lot: docs/performance.md), BENCH_REVERSE (1: the
# flows go V -> U, iperf3 -R, the direction of a download: the server's
# shared TUN read and its sessions' TLS writes carry them).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${BIN:-$ROOT/build/rel/bin}
SECS=${BENCH_SECS:-10}
PINGS=${BENCH_PINGS:-50}
RUNS=${BENCH_RUNS:-3}
die() { echo "bench: $*" >&2; exit 1; }
CC=${BENCH_CC:-}
IPERF_CC=()
if [ -n "$CC" ]; then
	grep -qw -- "$CC" /proc/sys/net/ipv4/tcp_available_congestion_control ||
		die "BENCH_CC=$CC: not a congestion control this kernel has ($(cat /proc/sys/net/ipv4/tcp_available_congestion_control))"
	IPERF_CC=(-C "$CC")
fi
DIR="U -> V" IPERF_DIR=()
case ${BENCH_REVERSE:-0} in
0) ;;
1) DIR="V -> U (iperf3 -R)" IPERF_DIR=(-R) ;;
*) die "BENCH_REVERSE=${BENCH_REVERSE}: 0 or 1" ;;
esac
OUT=${OUT:-$ROOT/out/bench}
export LAB=${BENCH_LAB:-bench-$$}
LAB_STATE=/tmp/vpnlab.$(id -u).$LAB
export LAB_STATE
export LAB_LINESRV=$BIN/lab-linesrv
LABSH=$ROOT/lab/lab.sh
# shellcheck source=lab/topology.sh
. "$ROOT/lab/topology.sh"

LOSSES=${BENCH_LOSS-1,5}
MULTI=${BENCH_MULTI:-1}
"$ROOT/lab/deps.sh" --need lab,check,bench || die "the packages above are missing"
for t in openvpn iperf3 ping openssl nft ethtool; do
	command -v $t >/dev/null || die "'$t' is missing: sudo make deps"
done
for p in minivpn-server minivpn-client; do
	[ -x "$BIN/$p" ] || die "$BIN/$p is missing: run 'make'"
done

# shellcheck source=task10-tls/benchlib.sh
. "$ROOT/task10-tls/benchlib.sh"
bench_start

run() { echo "+ $*" >&2; "$@"; }
stop() {
	local pid=${PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	unset "PIDS[$1]"
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# ---- the lab, certificates, users ---------------------------------------------
"$LABSH" up >"$OUT/lab-up.log" 2>&1 || die "lab did not come up: $(tail -1 "$OUT/lab-up.log")"
PKI=$OUT/pki
"$ROOT/task10-tls/pki.sh" --force --out "$PKI" >"$OUT/pki.log" 2>&1 || die "pki.sh failed"
# OpenVPN's TLS mode wants a client certificate too.
(cd "$PKI" && umask 077 &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client.key 2>/dev/null &&
	openssl req -new -key client.key -subj "/CN=bench-client" -out client.csr &&
	printf 'extendedKeyUsage = clientAuth\nkeyUsage = critical, digitalSignature\n' >client.ext &&
	openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 30 -extfile client.ext -out client.crt 2>/dev/null) ||
	die "making the OpenVPN client certificate failed"
PW=bench-$$-pw
HASH=$(openssl passwd -6 "$PW")
for u in bench bench2 bench3; do echo "$u:$HASH:19000:0:99999:7:::"; done >"$OUT/shadow"
(umask 077; echo "$PW" >"$OUT/pw")

# One iperf3 server per client host (an iperf3 server runs one test at a time).
for port in 5201 5202 5203; do bg "iperf$port" v iperf3 -s -p $port; done
wait_for 5 "$LABSH" exec v sh -c 'ss -ltn | grep -q ":5203 "' || die "iperf3 -s did not start on v"
LAB_CC=$("$LABSH" exec u sysctl -n net.ipv4.tcp_congestion_control) || die "reading u's congestion control failed"

# ---- the three VPNs: up / down ------------------------------------------------------
vpn_up() {   # NAME [CLIENT-HOSTS]
	local hosts=${2:-u} h
	case $1 in
	routed)
		for h in $hosts; do run "$LABSH" exec "$h" ip route add "$INTRANET" via "$SERVER_EXT"; done
		;;
	minivpn|minivpn-plain)
		local off=(--offload)
		[ "$1" = minivpn ] || off=()
		bg mv-server server "$BIN/minivpn-server" --user nobody --shared-user --cert "$PKI/server.crt" --key "$PKI/server.key" \
			--shadow "$OUT/shadow" -q "${off[@]}"
		# shellcheck disable=SC2016  # the port reaches the inner shell as $1
		wait_for 10 "$LABSH" exec server sh -c 'ss -ltn | grep -q ":$1 "' sh "$TLS_PORT" || die "minivpn-server did not start: $(tail -1 "$OUT/mv-server.log")"
		for h in $hosts; do
			bg "mv-client-$h" "$h" "$BIN/minivpn-client" --server "$TLS_NAME" --ca-dir "$PKI/ca-dir" \
				--login "bench${h#u}" --password-file "$OUT/pw" "${off[@]}"
		done
		for h in $hosts; do
			# shellcheck disable=SC2016  # the network reaches the inner shell as $1
			wait_for 15 "$LABSH" exec "$h" sh -c 'ip route | grep -q "$1 dev tun"' sh "$INTRANET" ||
				die "minivpn-client on $h did not connect: $(tail -1 "$OUT/mv-client-$h.log")"
		done
		;;
	openvpn-udp|openvpn-tcp)
		local proto=${1#openvpn-} sp cp
		if [ "$proto" = udp ]; then sp=(--proto udp --lport 1194); cp=(--proto udp --remote "$SERVER_EXT" 1194)
		else sp=(--proto tcp-server --lport 1194); cp=(--proto tcp-client --remote "$SERVER_EXT" 1194); fi
		: >"$OUT/$1-client.log"
		bg "$1-server" server openvpn "${ovpn_common[@]}" "${sp[@]}" --tls-server \
			--cert "$PKI/server.crt" --key "$PKI/server.key" --ifconfig 10.8.0.1 10.8.0.2
		sleep 0.5
		bg "$1-client" u openvpn "${ovpn_common[@]}" "${cp[@]}" --tls-client \
			--cert "$PKI/client.crt" --key "$PKI/client.key" --remote-cert-tls server \
			--verify-x509-name "$TLS_NAME" name --ifconfig 10.8.0.2 10.8.0.1 \
			--route "${INTRANET%/*}" 255.255.255.0
		wait_for 20 grep -q "Initialization Sequence Completed" "$OUT/$1-client.log" ||
			die "$1 did not come up: $(tail -2 "$OUT/$1-client.log")"
		;;
	esac
}
vpn_down() {   # NAME [CLIENT-HOSTS]
	local hosts=${2:-u} h
	case $1 in
	routed) for h in $hosts; do run "$LABSH" exec "$h" ip route del "$INTRANET" via "$SERVER_EXT"; done ;;
	minivpn|minivpn-plain) for h in $hosts; do stop "mv-client-$h"; done; stop mv-server ;;
	*) stop "$1-client"; stop "$1-server" ;;
	esac
}
# OpenVPN's default socket buffers (~208 KiB) overflow at these rates: the
# server drops datagrams at its UDP receive buffer (UdpRcvbufErrors), which
# would make the comparison unfair. 4 MiB each way, on both sides (the
# kernel caps them at net.core.rmem_max / wmem_max).
ovpn_common=(--dev tun --verb 1 --data-ciphers AES-256-GCM --data-ciphers-fallback AES-256-GCM
	--ca "$PKI/ca.crt" --dh none --persist-tun --ping 10 --ping-restart 60
	--sndbuf 4194304 --rcvbuf 4194304)

rcvbuf_errors() {   # the server namespace's UdpRcvbufErrors counter
	"$LABSH" exec server nstat -asz UdpRcvbufErrors 2>/dev/null |
		awk '$1 == "UdpRcvbufErrors" { print $2; found = 1 } END { if (!found) print 0 }'
}

# The VPN's processes: every descendant of the background jobs that run
# its ends (the lab.sh wrappers exec into the program, so this is the VPN,
# its threads and its helpers, at both ends). routed has none.
vpn_jobs() {   # NAME: the PIDs of its background jobs
	local n
	for n in "${!PIDS[@]}"; do
		case $1:$n in
		minivpn:mv-*|minivpn-plain:mv-*|openvpn-udp:openvpn-udp-*|openvpn-tcp:openvpn-tcp-*) echo "${PIDS[$n]}" ;;
		esac
	done
}
cpu_ticks() {   # PID...: utime + stime of them and their descendants, in ticks
	[ $# -gt 0 ] || { echo 0; return; }
	ps -e -o pid=,ppid= | awk -v roots="$*" '
		BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
		{ par[$1] = $2 }
		END { do { more = 0; for (p in par) if (!(p in keep) && (par[p] in keep)) { keep[p] = 1; more = 1 } } while (more)
		      for (p in keep) print p }' |
	while read -r p; do
		# fields after "(comm)": utime and stime are the 12th and 13th
		sed -E 's/^.*\) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }'
	done | awk '{ t += $1 } END { print t + 0 }'
}
HZ=$(getconf CLK_TCK)

# Loss on the extranet: every frame br-ext forwards (its ports: HOST-0 in
# the switch), both directions. A veth with TSO passes a TCP sender's
# superpackets whole (65,160 bytes on u-0, tcpdump), and the rule drops
# what the bridge forwards: 45 frames at once. So while there is loss the
# hosts' extranet ports segment in software (TSO and GSO off), and one
# drop is one frame, as on a wire; that costs the TCP rows (routed,
# minivpn, OpenVPN/TCP) the CPU a NIC's TSO would save.
EXT_HOSTS="u u2 u3 server"
loss_set() {   # PERCENT (0: none)
	local h onoff=on
	[ "$1" -gt 0 ] && onoff=off
	for h in $EXT_HOSTS; do
		"$LABSH" exec "$h" ethtool -K eth0 tso "$onoff" gso "$onoff" >/dev/null ||
			die "ethtool: cannot set TSO and GSO $onoff on $h's eth0"
	done
	"$LABSH" exec sw nft delete table bridge benchloss 2>/dev/null || true
	[ "$1" -gt 0 ] || return 0
	"$LABSH" exec sw nft -f - <<-EOF || die "nftables: cannot set the loss rule"
	table bridge benchloss {
		chain lossy {
			type filter hook forward priority 0; policy accept;
			iifname { "u-0", "u2-0", "u3-0", "server-0" } numgen random mod 100 < $1 drop
		}
	}
	EOF
}

iperf_mbps() { awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") print $i }' "$1"; }

# measure NAME LOSS RUN: one iperf3 run and the pings, from U to V
declare -A MBPS=() RETR=() RTT=() RCVERR=() CPU=()
measure() {
	local name=$1 loss=$2 i=$3 mbps retr e0 e1 c0 c1 key=$1@$2 log
	log=$OUT/$name-loss$loss-$i
	"$LABSH" exec u ping -c 3 -i 0.2 -W 2 "$V" >"$log-warmup.log" 2>&1 ||
		[ "$loss" -gt 0 ] || die "$name: no ping through the tunnel (see $OUT/$name-*.log)"
	e0=$(rcvbuf_errors)
	# shellcheck disable=SC2046  # one PID a word
	c0=$(cpu_ticks $(vpn_jobs "$name"))
	"$LABSH" exec u iperf3 -c "$V" "${IPERF_CC[@]}" "${IPERF_DIR[@]}" -t "$SECS" -f m >"$log-iperf.log" 2>&1 ||
		die "$name: iperf3 failed: $(tail -1 "$log-iperf.log")"
	# shellcheck disable=SC2046
	c1=$(cpu_ticks $(vpn_jobs "$name"))
	e1=$(rcvbuf_errors)
	mbps=$(iperf_mbps "$log-iperf.log")
	retr=$(awk '/sender/ { print $(NF-1) }' "$log-iperf.log")
	"$LABSH" exec u ping -c "$PINGS" -i 0.02 -W 2 "$V" >"$log-ping.log" 2>&1 || true
	MBPS[$key]+="$mbps "
	RETR[$key]+="$retr "
	RTT[$key]+="$(sed -nE 's|^rtt .* = [0-9.]+/([0-9.]+)/.*|\1|p' "$log-ping.log") "
	RCVERR[$key]=$(( ${RCVERR[$key]:-0} + e1 - e0 ))
	# CPU s per GB moved (10^9 bytes of iperf3 payload)
	[ "$name" = routed ] ||
		CPU[$key]+="$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v m="$mbps" -v s="$SECS" \
			'BEGIN { gb = m * s / 8000; if (gb > 0) printf "%.2f", t / hz / gb }') "
	echo "  $name loss $loss% run $i: $mbps Mbit/s, $retr retransmissions, $((e1 - e0)) UDP receive-buffer errors" >&2
}

# measure3 NAME RUN: U, U2, U3 to V at once (one iperf3 server each)
declare -A AGG=() PER=()
measure3() {
	local name=$1 i=$2 h port=5201 sum=0 per="" m pids=()
	for h in u u2 u3; do
		"$LABSH" exec "$h" ping -c 2 -i 0.2 -W 2 "$V" >/dev/null 2>&1 || die "$name: no ping from $h"
	done
	for h in u u2 u3; do
		"$LABSH" exec "$h" iperf3 -c "$V" "${IPERF_CC[@]}" "${IPERF_DIR[@]}" -p $port -t "$SECS" -f m >"$OUT/$name-x3-$h-$i.log" 2>&1 &
		pids+=($!); port=$((port + 1))
	done
	for p in "${pids[@]}"; do wait "$p" || die "$name x3: an iperf3 failed (see $OUT/$name-x3-*-$i.log)"; done
	for h in u u2 u3; do
		m=$(iperf_mbps "$OUT/$name-x3-$h-$i.log")
		per+="${per:+/}$m"; sum=$(awk -v a="$sum" -v b="$m" 'BEGIN { print a + b }')
	done
	AGG[$name]+="$sum "; PER[$name]+="$per "
	echo "  $name x3 run $i: $sum Mbit/s ($per)" >&2
}

# ---- interleaved runs: A B C D, A B C D, ... (so that drifts of the machine's
# load or clock hit every VPN alike) -------------------------------------------------
read -r -a VPNS <<<"${BENCH_VPNS:-routed minivpn minivpn-plain openvpn-udp openvpn-tcp}"
IFS=, read -r -a LOSS_LIST <<<"0${LOSSES:+,$LOSSES}"
for loss in "${LOSS_LIST[@]}"; do
	loss_set "$loss"
	for i in $(seq "$RUNS"); do
		for name in "${VPNS[@]}"; do
			echo "== loss $loss%, run $i: $name" >&2
			vpn_up "$name"
			measure "$name" "$loss" "$i"
			vpn_down "$name"
		done
	done
done
loss_set 0
MULTI_VPNS=()
[ "$MULTI" = 0 ] || for n in routed minivpn minivpn-plain; do [[ " ${VPNS[*]} " == *" $n "* ]] && MULTI_VPNS+=("$n"); done
for i in $(seq "$RUNS"); do
	for name in "${MULTI_VPNS[@]}"; do
		echo "== three clients, run $i: $name" >&2
		vpn_up "$name" "u u2 u3"
		measure3 "$name" "$i"
		vpn_down "$name" "u u2 u3"
	done
done

# ---- the table -----------------------------------------------------------------------
stat3() {   # "v1 v2 ...": min median max
	tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "- - -"; else printf "%s %s %s\n", v[1], v[int((NR + 1) / 2)], v[NR] }'
}
median() { stat3 | awk '{ print $2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
{
	echo "bench: iperf3 TCP $DIR, ${SECS} s x $RUNS runs per row, interleaved; ping U -> V, $PINGS pings per run"
	echo "       $(nproc) CPUs, $(uname -r), $(openvpn --version | head -1 | cut -d' ' -f1-2)," \
		"OpenVPN --sndbuf/--rcvbuf 4194304 (rmem_max $(sysctl -n net.core.rmem_max))"
	echo "       TCP congestion control: ${CC:-$LAB_CC} for iperf3 (BENCH_CC), $LAB_CC for the VPNs' own TCP"
	for loss in "${LOSS_LIST[@]}"; do
		echo
		echo "loss on the extranet: $loss%"
		printf '%-12s %20s %7s %9s %8s %9s %11s %7s %14s\n' VPN "Mbit/s min/med/max" "x UDP" \
			"x ceiling" "CPU s/GB" "retrans" "RTT med ms" "x UDP" "UdpRcvbufErr"
		udp_med=$(echo "${MBPS[openvpn-udp@$loss]:-}" | median)
		udp_rtt=$(echo "${RTT[openvpn-udp@$loss]:-}" | median)
		ceil_med=$(echo "${MBPS[routed@$loss]:-}" | median)
		for n in "${VPNS[@]}"; do
			k=$n@$loss
			read -r lo med hi < <(echo "${MBPS[$k]}" | stat3)
			rtt=$(echo "${RTT[$k]}" | median)
			printf '%-12s %20s %7s %9s %8s %9s %11s %7s %14s\n' "$n" "$lo/$med/$hi" \
				"$(ratio "$med" "$udp_med")" "$(ratio "$med" "$ceil_med")" \
				"$(echo "${CPU[$k]:-}" | median)" \
				"$(echo "${RETR[$k]}" | median)" "$rtt" "$(ratio "$rtt" "$udp_rtt")" \
				"${RCVERR[$k]}"
		done
	done
	if [ ${#MULTI_VPNS[@]} -gt 0 ]; then
		echo
		echo "three clients at once (U, U2, U3; $DIR), no loss"
		printf '%-12s %22s %10s %9s   %s\n' VPN "aggregate min/med/max" "x 1 alone" "x ceiling" "per client (U/U2/U3), each run"
		ceil3=$(echo "${AGG[routed]:-}" | median)
		for n in "${MULTI_VPNS[@]}"; do
			read -r lo med hi < <(echo "${AGG[$n]}" | stat3)
			printf '%-12s %22s %10s %9s   %s\n' "$n" "$lo/$med/$hi" \
				"$(ratio "$med" "$(echo "${MBPS[$n@0]}" | median)")" "$(ratio "$med" "$ceil3")" "${PER[$n]}"
		done
	fi
} | tee "$OUT/results.txt"
