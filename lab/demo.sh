#!/usr/bin/env bash
# demo.sh - show the furthest stage of the kit that is built, end to end.
#
# The TLS VPN (task10-tls/demo.sh) when it is there; otherwise task 2: a TUN
# interface on Host U whose program answers pings.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/build/rel/bin}
export LAB=${LAB:-demo}

if [ -x "$ROOT/task10-tls/demo.sh" ] && [ -x "$BIN/minivpn-server" ]; then
	exec "$ROOT/task10-tls/demo.sh"
fi

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
OUT=$ROOT/out/demo
mkdir -p "$OUT"
cleanup() {
	[ -n "${RESP:-}" ] && kill "$RESP" 2>/dev/null && wait "$RESP" 2>/dev/null
	"$ROOT/lab/lab.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

say "Bringing up the lab network (LAB=$LAB)"
"$ROOT/lab/lab.sh" up
say "Task 2: tun-demo on Host U creates seed0, gives it 192.168.53.99/24, answers pings"
"$ROOT/lab/lab.sh" exec u "$BIN/tun-demo" --name seed --addr 192.168.53.99/24 --respond \
	>"$OUT/tun-demo.log" 2>&1 &
RESP=$!
for _ in $(seq 50); do grep -q '^Address:' "$OUT/tun-demo.log" && break; sleep 0.1; done
say "Host U: ping -c 3 192.168.53.1 (nothing but our program is there)"
"$ROOT/lab/lab.sh" exec u ping -c 3 -i 0.3 192.168.53.1
say "What tun-demo read and wrote"
cat "$OUT/tun-demo.log"
say "Next: 'make check' runs every task's check; 'make shell HOST=u' opens a shell in the lab"
