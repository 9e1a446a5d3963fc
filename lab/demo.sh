#!/usr/bin/env bash
# demo.sh - show the furthest stage of the kit that is built, end to end.
#
# The TLS VPN (task10-tls/demo.sh) when it is there; otherwise task 2: a TUN
# interface on Host U whose program answers pings. Either runs in a lab of
# its own, so a lab you have up (make lab-up) is left alone.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lab/topology.sh
. "$ROOT/lab/topology.sh"
BIN=${BIN:-$ROOT/build/rel/bin}

give_back() {   # after "sudo make demo", the outputs belong to the sudo user
	if [ -n "${SUDO_UID:-}" ] && [ "$(id -u)" = 0 ]; then
		chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$ROOT/build" "$ROOT/out" 2>/dev/null || true
	fi
}

# In a students' handout, only what is written: tools/stubs.sh lists the
# stubs left and says which demo can run.
stage=all
if [ -e "$ROOT/HANDOUT" ]; then
	"$ROOT/tools/stubs.sh" --demo
	case $? in
	0) ;;
	4) stage=task2 ;;
	*) exit 0 ;;
	esac
fi

if [ "$stage" = all ] && [ -x "$ROOT/task10-tls/demo.sh" ] && [ -x "$BIN/minivpn-server" ]; then
	"$ROOT/task10-tls/demo.sh"
	rc=$?
	give_back
	exit $rc
fi

export LAB=demo-$$
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
OUT=$ROOT/out/demo
mkdir -p "$OUT"
cleanup() {
	[ -n "${RESP:-}" ] && kill "$RESP" 2>/dev/null && wait "$RESP" 2>/dev/null
	"$ROOT/lab/lab.sh" down >/dev/null 2>&1 || true
	give_back
}
trap cleanup EXIT

[ -x "$BIN/tun-demo" ] || { echo "demo: $BIN/tun-demo is not built: run 'make'" >&2; exit 1; }
say "Bringing up the lab network (LAB=$LAB)"
"$ROOT/lab/lab.sh" up || exit 1
say "Task 2: tun-demo on Host U creates seed0, gives it $TUN_U/24, answers pings"
"$ROOT/lab/lab.sh" exec u "$BIN/tun-demo" --name seed --addr "$TUN_U"/24 --respond \
	>"$OUT/tun-demo.log" 2>&1 &
RESP=$!
for _ in $(seq 50); do grep -q '^Address:' "$OUT/tun-demo.log" && break; sleep 0.1; done
if ! grep -q '^Address:' "$OUT/tun-demo.log"; then
	echo "demo: tun-demo did not set up its interface; it said:" >&2
	sed 's/^/   /' "$OUT/tun-demo.log" >&2
	echo "demo: 'make check-task2' says what works and what does not" >&2
	exit 1
fi
say "Host U: ping -c 3 $TUN_PEER (nothing but our program is there)"
"$ROOT/lab/lab.sh" exec u ping -c 3 -i 0.3 "$TUN_PEER"
say "What tun-demo read and wrote"
cat "$OUT/tun-demo.log"
say "Next: 'make check' runs every task's check; 'make shell HOST=u' opens a shell in the lab"
