#!/usr/bin/env bash
# bench.sh - `make bench`: minivpn against OpenVPN in the same lab network
# and the same run. For each VPN in turn, U (10.9.0.5) tunnels to the server
# and measures, to V (192.168.60.5):
#
#   iperf3 TCP throughput U -> V     (BENCH_SECS seconds, default 10)
#   ping RTT U -> V                  (BENCH_PINGS pings, 20 ms apart)
#
# VPNs: minivpn (TLS 1.3 over TCP, AES-256-GCM), OpenVPN over UDP and over
# TCP (Debian's openvpn, TLS mode with the lab PKI, AES-256-GCM data
# channel, 4 MiB socket buffers). The VPNs take turns, run by run (A B C
# A B C ...). Results are printed side by side: min/median/max throughput,
# ratios of the medians to OpenVPN/UDP, and the server's UDP
# receive-buffer drops (nstat UdpRcvbufErrors); written to
# out/bench/results.txt.
#
# Environment: BIN (default build/rel/bin: a benchmark wants -O2, not the
# sanitizers), BENCH_SECS, BENCH_PINGS, BENCH_RUNS (iperf3 runs per VPN;
# default 3).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${BIN:-$ROOT/build/rel/bin}
SECS=${BENCH_SECS:-10}
PINGS=${BENCH_PINGS:-50}
RUNS=${BENCH_RUNS:-3}
OUT=${OUT:-$ROOT/out/bench}
export LAB=${BENCH_LAB:-bench-$$}
LAB_STATE=/tmp/vpnlab.$(id -u).$LAB
export LAB_STATE
export LAB_LINESRV=$BIN/lab-linesrv
LABSH=$ROOT/lab/lab.sh
# shellcheck source=lab/topology.sh
. "$ROOT/lab/topology.sh"

die() { echo "bench: $*" >&2; exit 1; }
for t in openvpn iperf3 ping openssl; do
	command -v $t >/dev/null || die "'$t' is missing: sudo apt-get install --no-install-recommends openvpn iperf3 iputils-ping openssl"
done
for p in minivpn-server minivpn-client; do
	[ -x "$BIN/$p" ] || die "$BIN/$p is missing: run 'make'"
done

rm -rf "$OUT"
mkdir -p "$OUT"
declare -A PIDS=()
cleanup() {
	for n in "${!PIDS[@]}"; do kill "${PIDS[$n]}" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$LABSH" down >"$OUT/lab-down.log" 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run() { echo "+ $*" >&2; "$@"; }
bg() {   # NAME HOST CMD...: background on HOST, log in $OUT/NAME.log
	local name=$1 host=$2; shift 2
	echo "+ [$host] $*" >&2
	"$LABSH" exec "$host" "$@" >"$OUT/$name.log" 2>&1 </dev/null &
	PIDS[$name]=$!
}
stop() {
	local pid=${PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	unset "PIDS[$1]"
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
wait_for() {   # SECONDS CMD...
	local secs=$1; shift
	for _ in $(seq $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

# ---- the lab, certificates, users ---------------------------------------------
"$LABSH" up >"$OUT/lab-up.log" 2>&1 || die "lab did not come up: $(tail -1 "$OUT/lab-up.log")"
PKI=$OUT/pki
"$ROOT/task10-tls/pki.sh" --out "$PKI" >"$OUT/pki.log" 2>&1 || die "pki.sh failed"
# OpenVPN's TLS mode wants a client certificate too.
(cd "$PKI" && umask 077 &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client.key 2>/dev/null &&
	openssl req -new -key client.key -subj "/CN=bench-client" -out client.csr &&
	printf 'extendedKeyUsage = clientAuth\nkeyUsage = critical, digitalSignature\n' >client.ext &&
	openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 30 -extfile client.ext -out client.crt 2>/dev/null) ||
	die "making the OpenVPN client certificate failed"
PW=bench-$$-pw
echo "bench:$(openssl passwd -6 "$PW"):19000:0:99999:7:::" >"$OUT/shadow"
(umask 077; echo "$PW" >"$OUT/pw")

bg iperf v iperf3 -s
wait_for 5 "$LABSH" exec v sh -c 'ss -ltn | grep -q ":5201 "' || die "iperf3 -s did not start on v"

# ---- the three VPNs: up / down ------------------------------------------------------
vpn_up() {   # NAME
	case $1 in
	minivpn)
		bg mv-server server "$BIN/minivpn-server" --cert "$PKI/server.crt" --key "$PKI/server.key" \
			--shadow "$OUT/shadow" -q
		# shellcheck disable=SC2016  # the port reaches the inner shell as $1
		wait_for 10 "$LABSH" exec server sh -c 'ss -ltn | grep -q ":$1 "' sh "$TLS_PORT" || die "minivpn-server did not start"
		bg mv-client u "$BIN/minivpn-client" --server "$TLS_NAME" --ca-dir "$PKI/ca-dir" \
			--login bench --password-file "$OUT/pw"
		# shellcheck disable=SC2016  # the network reaches the inner shell as $1
		wait_for 15 "$LABSH" exec u sh -c 'ip route | grep -q "$1 dev tun"' sh "$INTRANET" ||
			die "minivpn-client did not connect: $(tail -1 "$OUT/mv-client.log")"
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
vpn_down() {   # NAME
	case $1 in
	minivpn) stop mv-client; stop mv-server ;;
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

# measure NAME RUN: one iperf3 run and the pings, from U to V
declare -A MBPS=() RETR=() RTT=() RCVERR=()
measure() {
	local name=$1 i=$2 mbps retr e0 e1
	"$LABSH" exec u ping -c 3 -i 0.2 -W 2 "$V" >"$OUT/$name-warmup-$i.log" 2>&1 ||
		die "$name: no ping through the tunnel (see $OUT/$name-*.log)"
	e0=$(rcvbuf_errors)
	"$LABSH" exec u iperf3 -c "$V" -t "$SECS" -f m >"$OUT/$name-iperf-$i.log" 2>&1 ||
		die "$name: iperf3 failed: $(tail -1 "$OUT/$name-iperf-$i.log")"
	e1=$(rcvbuf_errors)
	mbps=$(awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") print $i }' "$OUT/$name-iperf-$i.log")
	retr=$(awk '/sender/ { print $(NF-1) }' "$OUT/$name-iperf-$i.log")
	"$LABSH" exec u ping -c "$PINGS" -i 0.02 -W 2 "$V" >"$OUT/$name-ping-$i.log" 2>&1 || true
	MBPS[$name]+="$mbps "
	RETR[$name]+="$retr "
	RTT[$name]+="$(sed -nE 's|^rtt .* = [0-9.]+/([0-9.]+)/.*|\1|p' "$OUT/$name-ping-$i.log") "
	RCVERR[$name]=$(( ${RCVERR[$name]:-0} + e1 - e0 ))
	echo "  $name run $i: $mbps Mbit/s, $retr retransmissions, $((e1 - e0)) UDP receive-buffer errors" >&2
}

# ---- interleaved runs: A B C, A B C, ... (so that drifts of the machine's
# load or clock hit every VPN alike) -------------------------------------------------
VPNS=(minivpn openvpn-udp openvpn-tcp)
for i in $(seq "$RUNS"); do
	for name in "${VPNS[@]}"; do
		echo "== run $i: $name" >&2
		vpn_up "$name"
		measure "$name" "$i"
		vpn_down "$name"
	done
done

# ---- the table -----------------------------------------------------------------------
stat3() {   # "v1 v2 ...": min median max
	tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 }
		END { printf "%s %s %s\n", v[1], v[int((NR + 1) / 2)], v[NR] }'
}
median() { stat3 | awk '{ print $2 }'; }
{
	echo "bench: iperf3 TCP U -> V, ${SECS} s x $RUNS runs per VPN, interleaved; ping U -> V, $PINGS pings per run"
	echo "       $(nproc) CPUs, $(uname -r), $(openvpn --version | head -1 | cut -d' ' -f1-2)," \
		"OpenVPN --sndbuf/--rcvbuf 4194304 (rmem_max $(sysctl -n net.core.rmem_max))"
	printf '%-12s %20s %7s %9s %11s %7s %14s\n' VPN "Mbit/s min/med/max" "x UDP" "retrans" \
		"RTT med ms" "x UDP" "UdpRcvbufErr"
	udp_med=$(echo "${MBPS[openvpn-udp]}" | median)
	udp_rtt=$(echo "${RTT[openvpn-udp]}" | median)
	for n in "${VPNS[@]}"; do
		read -r lo med hi < <(echo "${MBPS[$n]}" | stat3)
		rtt=$(echo "${RTT[$n]}" | median)
		printf '%-12s %20s %7s %9s %11s %7s %14s\n' "$n" "$lo/$med/$hi" \
			"$(awk -v a="$med" -v b="$udp_med" 'BEGIN { printf "%.2f", a / b }')" \
			"$(echo "${RETR[$n]}" | median)" "$rtt" \
			"$(awk -v a="$rtt" -v b="$udp_rtt" 'BEGIN { printf "%.2f", a / b }')" \
			"${RCVERR[$n]}"
	done
} | tee "$OUT/results.txt"
