#!/usr/bin/env bash
# check-offload: the offload extension (--offload, issue 12) in a lab of
# its own. Three pairings, each carrying a 16 MiB random file by TCP both
# ways (U -> V and V -> U), judged by its SHA-256 at the far end:
#
#   1. server --offload, client --offload: the server grants TCP; the
#      server's tun0 receives packets larger than the MTU (superpackets
#      written whole: its RX bytes per packet, from the kernel's counters)
#   2. server --offload, a plain client (as a SEED-style or a student's
#      client): no offload is asked for, the client's tun0 never gets a
#      packet larger than the MTU (superpackets cut for it by the server)
#   3. a plain server, client --offload: nothing is granted, the client
#      goes on with DATA frames
#
# The release build by default (BIN); make check-offload.
BIN=${BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/rel/bin}
. "$(dirname "$0")/../lab/check.sh"
check_begin offload
for p in minivpn-server minivpn-client; do need_prog "$BIN/$p" || check_end; done
need_tool openssl openssl || check_end
need_tool socat socat || check_end

PKI=$OUT/pki
"$ROOT/task10-tls/pki.sh" --force --out "$PKI" >"$OUT/pki.log" 2>&1 || { fail "set-up: pki.sh"; check_end; }
PW=offload-$$-pw
(umask 077; echo "$PW" >"$OUT/pw")
echo "alice:$(openssl passwd -6 "$PW"):19000:0:99999:7:::" >"$OUT/shadow"
chmod 600 "$OUT/shadow"
head -c $((16 << 20)) /dev/urandom >"$OUT/blob"
SUM=$(sha256sum <"$OUT/blob" | cut -d' ' -f1)
PORT=7000

# rx_stats HOST: "bytes packets" received by HOST's tun0 (kernel counters).
rx_stats() {
	lab_exec "$1" cat /sys/class/net/tun0/statistics/rx_bytes /sys/class/net/tun0/statistics/rx_packets |
		tr '\n' ' '
}
# carry DESC FROM TO TO-ADDR: the blob from host FROM to host TO by TCP.
carry() {
	local desc=$1 from=$2 to=$3 addr=$4 got
	rm -f "$OUT/got"
	lab_bg "$to" "sink-$to" socat -u "TCP-LISTEN:$PORT,reuseaddr" "CREATE:$OUT/got"
	wait_for "the sink on $to" 5 lab_exec "$to" sh -c "ss -ltn | grep -q ':$PORT '"
	if ! timeout 60 "$LABSH" exec "$from" socat -u "FILE:$OUT/blob" "TCP:$addr:$PORT" \
		>"$OUT/carry.log" 2>&1; then
		fail "$desc: the transfer failed: $(tail -1 "$OUT/carry.log")"
		lab_stop "sink-$to"
		return
	fi
	wait_for "the sink to finish" 10 bash -c "! kill -0 ${BG_PID[sink-$to]} 2>/dev/null"
	lab_stop "sink-$to"
	got=$(sha256sum <"$OUT/got" 2>/dev/null | cut -d' ' -f1)
	if [ "$got" = "$SUM" ]; then
		pass "$desc: 16 MiB arrive intact (SHA-256 equal)"
	else
		fail "$desc: the file arrived with another SHA-256 ($(stat -c %s "$OUT/got" 2>/dev/null || echo 0) bytes)"
	fi
}
# pairing NAME SERVER-OPTS CLIENT-OPTS: server and alice up.
pairing() {
	local name=$1 sopt=$2 copt=$3
	# shellcheck disable=SC2086  # options: one word each, or none
	lab_bg server "srv-$name" "$BIN/minivpn-server" --user nobody --shared-user --cert "$PKI/server.crt" \
		--key "$PKI/server.key" --shadow "$OUT/shadow" $sopt
	wait_for "the server ($name)" 10 grep -q "listening on" "$OUT/srv-$name.log"
	# shellcheck disable=SC2086
	lab_bg u "cli-$name" "$BIN/minivpn-client" --server "$TLS_NAME" \
		--ca-file "$PKI/ca.crt" --login alice --password-file "$OUT/pw" $copt
	wait_for "alice ($name)" 15 lab_exec u sh -c "ip route | grep -q '$INTRANET dev tun'"
}
unpair() { lab_stop "cli-$1"; lab_stop "srv-$1"; }
per_packet() { awk -v b="$1" -v p="$2" 'BEGIN { if (p > 0) printf "%d", b / p; else print 0 }'; }

# ---- 1. both ends --offload ------------------------------------------------------
pairing both --offload --offload
expect_grep "both: the server grants TCP offload to alice" \
	'alice@.*offloads asked for: TCP.*granted: TCP' "$OUT/srv-both.log"
read -r b0 p0 < <(rx_stats server)
carry "both: U -> V" u v "$V"
read -r b1 p1 < <(rx_stats server)
avg=$(per_packet $((b1 - b0)) $((p1 - p0)))
if [ "$avg" -gt 1500 ]; then
	pass "both: the server's tun0 took superpackets whole ($avg bytes per packet, MTU 1500)"
else
	fail "both: the server's tun0 got $avg bytes per packet: superpackets were cut (or none came)"
fi
carry "both: V -> U" v u "$(lab_exec u ip -4 -o addr show tun0 | awk '{ split($4, a, "/"); print a[1] }')"
expect_alive "both: the server survives" srv-both
unpair both

# ---- 2. --offload server, plain client -------------------------------------------
pairing plain-client --offload ""
expect_no_grep "plain client: no offload is asked for or granted" \
	'offloads asked for' "$OUT/srv-plain-client.log"
read -r b0 p0 < <(rx_stats u)
carry "plain client: U -> V" u v "$V"
carry "plain client: V -> U" v u "$(lab_exec u ip -4 -o addr show tun0 | awk '{ split($4, a, "/"); print a[1] }')"
read -r b1 p1 < <(rx_stats u)
big=$(lab_exec u cat /sys/class/net/tun0/mtu)
avg=$(per_packet $((b1 - b0)) $((p1 - p0)))
if [ $((p1 - p0)) -gt 10000 ] && [ "$avg" -le "$big" ]; then
	pass "plain client: its tun0 got ordinary packets only ($((p1 - p0)) packets, $avg bytes each on average, MTU $big)"
else
	fail "plain client: its tun0 got $((p1 - p0)) packets of $avg bytes on average (MTU $big)"
fi
unpair plain-client

# ---- 3. plain server, --offload client --------------------------------------------
pairing plain-server "" --offload
expect_grep "plain server: the client is granted nothing" \
	'offloads granted by the server: none' "$OUT/cli-plain-server.log"
carry "plain server: U -> V" u v "$V"
carry "plain server: V -> U" v u "$(lab_exec u ip -4 -o addr show tun0 | awk '{ split($4, a, "/"); print a[1] }')"
unpair plain-server

check_end
