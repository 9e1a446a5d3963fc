#!/usr/bin/env bash
# bench-scale.sh - `make bench-scale`: what N logged-in clients cost the
# server. In a lab of its own:
#
#   u   10.9.0.5         a real minivpn-client (alice), pinging V
#   u2  10.9.0.128-191   minivpn-load: N clients (TLS, AUTH, keepalives,
#                        no TUN), round-robin over 64 source addresses
#   server               minivpn-server --offload, pool 192.168.48.0/22 (as nobody,
#                        as bench.sh: a fresh machine has no user minivpn)
#
# Reported: the server's RSS (main process; the password helpers are
# separate processes) before and after, KiB per client, how long until
# all N were logged in, the server's CPU while they sit idle (keepalives
# only), and alice's ping RTT to V when idle, during the logins and with
# all N connected. Written to out/bench-scale/results.txt.
#
# Environment: BIN (default build/rel/bin), SCALE_N (default 1000, at most
# 1000), SCALE_IDLE_SECS (CPU sample, default 10).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${BIN:-$ROOT/build/rel/bin}
N=${SCALE_N:-1000}
IDLE=${SCALE_IDLE_SECS:-10}
OUT=${OUT:-$ROOT/out/bench-scale}
export LAB=${BENCH_LAB:-scale-$$}
LAB_STATE=/tmp/vpnlab.$(id -u).$LAB
export LAB_STATE
export LAB_LINESRV=$BIN/lab-linesrv
LABSH=$ROOT/lab/lab.sh
# shellcheck source=lab/topology.sh
. "$ROOT/lab/topology.sh"
LOAD_NET=10.9.0.128
LOAD_NADDR=64

die() { echo "bench-scale: $*" >&2; exit 1; }
{ [ "$N" -ge 1 ] && [ "$N" -le 1000 ]; } || die "SCALE_N must be 1 to 1000 (the pool is a /22)"
"$ROOT/lab/deps.sh" --need lab,check || die "the packages above are missing"
for p in minivpn-server minivpn-client minivpn-load; do
	[ -x "$BIN/$p" ] || die "$BIN/$p is missing: run 'make'"
done

# shellcheck source=task10-tls/benchlib.sh
. "$ROOT/task10-tls/benchlib.sh"
bench_start
ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
ticks() { sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
ping_avg() {   # COUNT: alice's average RTT to V in ms
	"$LABSH" exec u ping -c "$1" -i 0.05 -W 2 "$V" 2>/dev/null |
		sed -nE 's|^rtt .* = [0-9.]+/([0-9.]+)/.*|\1|p'
}

"$LABSH" up >"$OUT/lab-up.log" 2>&1 || die "lab did not come up: $(tail -1 "$OUT/lab-up.log")"
PKI=$OUT/pki
"$ROOT/task10-tls/pki.sh" --force --out "$PKI" >"$OUT/pki.log" 2>&1 || die "pki.sh failed"
PW=scale-$$-pw
HASH=$(openssl passwd -6 "$PW")
{
	echo "alice:$HASH:19000:0:99999:7:::"
	for i in $(seq 0 $((N - 1))); do echo "load$i:$HASH:19000:0:99999:7:::"; done
} >"$OUT/shadow"
chmod 600 "$OUT/shadow"
(umask 077; echo "$PW" >"$OUT/pw")
for i in $(seq 0 $((LOAD_NADDR - 1))); do
	echo "address add ${LOAD_NET%.*}.$((${LOAD_NET##*.} + i))/24 dev eth0"
done | "$LABSH" exec u2 ip -batch - || die "addresses on u2"

bg server server "$BIN/minivpn-server" --user nobody --shared-user --cert "$PKI/server.crt" \
	--key "$PKI/server.key" --shadow "$OUT/shadow" --pool 192.168.48.0/22 --offload
wait_for 10 "$LABSH" exec server sh -c "ss -ltn | grep -q ':$TLS_PORT '" ||
	die "the server did not start: $(tail -1 "$OUT/server.log")"
SPID=${PIDS[server]}
bg alice u "$BIN/minivpn-client" --server "$TLS_NAME" --ca-file "$PKI/ca.crt" \
	--login alice --password-file "$OUT/pw" --offload
# shellcheck disable=SC2016  # the network reaches the inner shell as $1
wait_for 15 "$LABSH" exec u sh -c 'ip route | grep -q "$1 dev tun"' sh "$INTRANET" ||
	die "alice did not connect: $(tail -1 "$OUT/alice.log")"
rtt_idle=$(ping_avg 40)
rss0=$(rss_kib "$SPID")

t0=$(ms)
bg load u2 "$BIN/minivpn-load" --connect "$SERVER_EXT:$TLS_PORT" --name "$TLS_NAME" \
	--ca-file "$PKI/ca.crt" --password-file "$OUT/pw" --clients "$N" \
	--sources "$LOAD_NET,$LOAD_NADDR"
rtt_login=$(ping_avg 40)
wait_for 120 grep -q "all $N logged in" "$OUT/load.log" ||
	die "not all $N clients logged in within 120 s: $(tail -1 "$OUT/load.log")"
t_all=$(sed -nE "s/^all $N logged in after ([0-9]+) ms.*/\1/p" "$OUT/load.log" | head -1)
[ -n "$t_all" ] || t_all=$(($(ms) - t0))
sleep 2
rss1=$(rss_kib "$SPID")
c0=$(ticks "$SPID")
sleep "$IDLE"
c1=$(ticks "$SPID")
rtt_full=$(ping_avg 40)
active=$(grep -c "logged in, tunnel address" "$OUT/server.log" || true)
hz=$(getconf CLK_TCK)

{
	echo "bench-scale: $N clients (minivpn-load, 64 source addresses) + alice (minivpn-client --offload)"
	echo "             $(nproc) CPUs, $(uname -r); server --offload, pool /22, keepalive default"
	printf '%-40s %s\n' "server RSS before (alice only)" "$rss0 KiB"
	printf '%-40s %s\n' "server RSS with $N more clients" "$rss1 KiB"
	printf '%-40s %s\n' "KiB per client" "$(awk -v a="$rss0" -v b="$rss1" -v n="$N" 'BEGIN { printf "%.1f", (b - a) / n }')"
	printf '%-40s %s\n' "time until all $N logged in" "$(awk -v t="$t_all" 'BEGIN { printf "%.1f s", t / 1000 }')"
	printf '%-40s %s\n' "server CPU with all idle ($IDLE s)" "$(awk -v t=$((c1 - c0)) -v hz="$hz" -v s="$IDLE" 'BEGIN { printf "%.2f%%", 100 * t / hz / s }')"
	printf '%-40s %s\n' "alice RTT to V: idle" "$rtt_idle ms"
	printf '%-40s %s\n' "alice RTT to V: during the logins" "${rtt_login:-none} ms"
	printf '%-40s %s\n' "alice RTT to V: $N connected" "${rtt_full:-none} ms"
	printf '%-40s %s\n' "RTT connected / idle" "$(awk -v a="${rtt_full:-0}" -v b="$rtt_idle" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
	printf '%-40s %s\n' "logins the server logged" "$active (alice + $N expected)"
} | tee "$OUT/results.txt"
