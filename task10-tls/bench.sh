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
# channel). Results are printed side by side, with ratios to OpenVPN/UDP,
# and written to out/bench/results.txt.
#
# Environment: BIN (default build/rel/bin: a benchmark wants -O2, not the
# sanitizers), BENCH_SECS, BENCH_PINGS, BENCH_RUNS (iperf3 runs per VPN,
# the median is kept; default 3).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${BIN:-$ROOT/build/rel/bin}
SECS=${BENCH_SECS:-10}
PINGS=${BENCH_PINGS:-50}
RUNS=${BENCH_RUNS:-3}
OUT=${OUT:-$ROOT/out/bench}
export LAB=${BENCH_LAB:-bench-$$}
export LAB_STATE=/tmp/vpnlab.$(id -u).$LAB
export LAB_LINESRV=$BIN/lab-linesrv
LABSH=$ROOT/lab/lab.sh

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

# measure NAME: iperf3 (median of RUNS) and ping, from U to V
declare -A TPUT=() RTT=() RETR=()
measure() {
	local name=$1 i vals=() mbps retr
	"$LABSH" exec u ping -c 3 -i 0.2 -W 2 192.168.60.5 >"$OUT/$name-warmup.log" 2>&1 ||
		die "$name: no ping through the tunnel (see $OUT/$name-*.log)"
	for i in $(seq "$RUNS"); do
		"$LABSH" exec u iperf3 -c 192.168.60.5 -t "$SECS" -f m >"$OUT/$name-iperf-$i.log" 2>&1 ||
			die "$name: iperf3 failed: $(tail -1 "$OUT/$name-iperf-$i.log")"
		mbps=$(awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") print $i }' "$OUT/$name-iperf-$i.log")
		retr=$(awk '/sender/ { print $(NF-1) }' "$OUT/$name-iperf-$i.log")
		vals+=("$mbps:$retr")
		echo "  $name run $i: $mbps Mbit/s, $retr retransmissions" >&2
	done
	local med
	med=$(printf '%s\n' "${vals[@]}" | sort -t: -k1 -g | sed -n "$(( (RUNS + 1) / 2 ))p")
	TPUT[$name]=${med%%:*}
	RETR[$name]=${med##*:}
	"$LABSH" exec u ping -c "$PINGS" -i 0.02 -W 2 192.168.60.5 >"$OUT/$name-ping.log" 2>&1 || true
	RTT[$name]=$(sed -nE 's|^rtt .* = [0-9.]+/([0-9.]+)/.*|\1|p' "$OUT/$name-ping.log")
}

# ---- minivpn ---------------------------------------------------------------------
echo "== minivpn (TLS 1.3 / TCP 4433)" >&2
bg mv-server server "$BIN/minivpn-server" --cert "$PKI/server.crt" --key "$PKI/server.key" \
	--shadow "$OUT/shadow" -q
wait_for 10 "$LABSH" exec server sh -c 'ss -ltn | grep -q ":4433 "' || die "minivpn-server did not start"
bg mv-client u "$BIN/minivpn-client" --server vpnlabserver.com --ca-dir "$PKI/ca-dir" \
	--login bench --password-file "$OUT/pw"
wait_for 15 "$LABSH" exec u sh -c 'ip route | grep -q "192.168.60.0/24 dev tun"' || die "minivpn-client did not connect: $(tail -1 "$OUT/mv-client.log")"
measure minivpn
stop mv-client
stop mv-server

# ---- OpenVPN, UDP and TCP --------------------------------------------------------
ovpn_common=(--dev tun --verb 1 --data-ciphers AES-256-GCM --data-ciphers-fallback AES-256-GCM
	--ca "$PKI/ca.crt" --dh none --persist-tun --ping 10 --ping-restart 60)
for proto in udp tcp; do
	name=openvpn-$proto
	echo "== OpenVPN over ${proto^^} (AES-256-GCM)" >&2
	if [ $proto = udp ]; then sp=(--proto udp --lport 1194); cp=(--proto udp --remote 10.9.0.11 1194)
	else sp=(--proto tcp-server --lport 1194); cp=(--proto tcp-client --remote 10.9.0.11 1194); fi
	bg $name-server server openvpn "${ovpn_common[@]}" "${sp[@]}" --tls-server \
		--cert "$PKI/server.crt" --key "$PKI/server.key" --ifconfig 10.8.0.1 10.8.0.2
	sleep 0.5
	bg $name-client u openvpn "${ovpn_common[@]}" "${cp[@]}" --tls-client \
		--cert "$PKI/client.crt" --key "$PKI/client.key" --remote-cert-tls server \
		--verify-x509-name vpnlabserver.com name --ifconfig 10.8.0.2 10.8.0.1 \
		--route 192.168.60.0 255.255.255.0
	wait_for 20 grep -q "Initialization Sequence Completed" "$OUT/$name-client.log" ||
		die "$name did not come up: $(tail -2 "$OUT/$name-client.log")"
	measure $name
	stop $name-client
	stop $name-server
done

# ---- the table -----------------------------------------------------------------------
{
	echo "bench: iperf3 TCP U -> V, ${SECS} s, median of $RUNS runs; ping U -> V, $PINGS pings"
	echo "       $(nproc) CPUs, $(uname -r), $(openvpn --version | head -1 | cut -d' ' -f1-2)"
	printf '%-14s %14s %8s %10s %12s %8s\n' VPN "Mbit/s" "x UDP" "retrans" "RTT avg ms" "x UDP"
	for n in minivpn openvpn-udp openvpn-tcp; do
		printf '%-14s %14s %8s %10s %12s %8s\n' "$n" "${TPUT[$n]}" \
			"$(awk -v a="${TPUT[$n]}" -v b="${TPUT[openvpn-udp]}" 'BEGIN { printf "%.2f", a / b }')" \
			"${RETR[$n]}" "${RTT[$n]}" \
			"$(awk -v a="${RTT[$n]}" -v b="${RTT[openvpn-udp]}" 'BEGIN { printf "%.2f", a / b }')"
	done
} | tee "$OUT/results.txt"
