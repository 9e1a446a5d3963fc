#!/usr/bin/env bash
# stress: the TLS VPN's login path under attack and under a reconnect
# storm (issue 14), in a lab of its own, with minivpn-load (load.c) as the
# crowd and minivpn-client as the real client.
#
#   u   10.9.0.5           the real client (alice)
#   u2  10.9.0.128-191     minivpn-load: hundreds of clients, 64 addresses
#   u3  10.9.0.7           the attacker: AUTH and close, 45 times a second
#       10.9.0.200-249     ... and from 50 addresses at once
#   server 10.9.0.11       minivpn-server, pool 192.168.48.0/22
#
# 1. attack from one address: alice logs in within 2 s, every time; the
#    attacker is banned; the server writes < 100 lines in 15 s of it;
#    then the same from 50 addresses.
# 2. kill -9 and restart with 300 clients: all back within 15 s, alice
#    within 5 s.
# 3. ulimit -n 256 and 300 clients: the server says what it serves, stays
#    under 5% CPU while refusing the rest, and every client it took works.
# 4. three rounds of 500 clients logging in and leaving: RSS after the
#    third within 1.2x of after the first.
#
# The release build (STRESS_BIN, not the checks' BIN, which make check
# points at the sanitizer build): sanitizers change the timing and keep
# freed memory in quarantine, which is what round 4 measures.
# STRESS_CLIENTS=N STRESS_BACK_MS=T: the restart with N clients, all back
# within T ms (the issue's other figure: 1000 within 60000).
BIN=${STRESS_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/rel/bin}
NRESTART=${STRESS_CLIENTS:-300}
BACK_MS=${STRESS_BACK_MS:-15000}
. "$(dirname "$0")/../lab/check.sh"
check_begin stress
for p in minivpn-server minivpn-client minivpn-load; do need_prog "$BIN/$p" || check_end; done
need_tool openssl openssl || check_end

PKI=$OUT/pki
PORT=$TLS_PORT
LOAD_NET=10.9.0.128 LOAD_NADDR=64      # u2's load addresses
ATK_NET=10.9.0.200 ATK_NADDR=50        # u3's attack addresses

if ! "$ROOT/task10-tls/pki.sh" --name "$TLS_NAME" --out "$PKI" >"$OUT/pki.log" 2>&1; then
	fail "make pki failed: $(tail -1 "$OUT/pki.log")"
	check_end
fi
TPKI=$OUT/test-pki
if ! "$ROOT/task10-tls/pki.sh" test-certs --ca "$PKI" --name "$TLS_NAME" --out "$TPKI" >>"$OUT/pki.log" 2>&1; then
	fail "pki.sh test-certs failed: $(tail -1 "$OUT/pki.log")"
	check_end
fi
PW=stress-$$-pw
(umask 077; echo "$PW" >"$OUT/pw"; echo "wrong-$$" >"$OUT/pw-wrong")
HASH=$(openssl passwd -6 "$PW")
{
	echo "alice:$HASH:19000:0:99999:7:::"
	for i in $(seq 0 999); do echo "load$i:$HASH:19000:0:99999:7:::"; done
} >"$OUT/shadow"
chmod 600 "$OUT/shadow"

# add_addrs HOST FIRST N: N more addresses on HOST's eth0 from FIRST up.
add_addrs() {
	local host=$1 n=$3 base=${2%.*} last=${2##*.}
	for i in $(seq 0 $((n - 1))); do
		echo "address add $base.$((last + i))/24 dev eth0"
	done | lab_exec "$host" ip -batch -
}
add_addrs u2 "$LOAD_NET" "$LOAD_NADDR" || fail "set-up: addresses on u2"
add_addrs u3 "$ATK_NET" "$ATK_NADDR" || fail "set-up: addresses on u3"

# The lab has no user of the server's own: nobody, shared on purpose.
SRV_ARGS=(--user nobody --shared-user --cert "$PKI/server.crt" --key "$PKI/server.key" --shadow "$OUT/shadow"
          --pool 192.168.48.0/22 --keepalive "5,15")
# start_server NAME [wrapper...]: minivpn-server on the server host.
start_server() {
	local name=$1
	shift
	lab_bg server "$name" "$@" "$BIN/minivpn-server" "${SRV_ARGS[@]}"
	wait_for "$name to listen" 10 grep -q "listening on" "$OUT/$name.log"
}
# load NAME N [args]: minivpn-load on u2 with N clients.
load() {
	local name=$1 n=$2
	shift 2
	lab_bg u2 "$name" "$BIN/minivpn-load" --connect "$SERVER_EXT:$PORT" --name "$TLS_NAME" \
		--ca-file "$PKI/ca.crt" --password-file "$OUT/pw" --clients "$n" \
		--sources "$LOAD_NET,$LOAD_NADDR" "$@"
}
# attack NAME RATE SECONDS [args]: AUTH-and-close from u3.
attack() {
	local name=$1 rate=$2 secs=$3
	shift 3
	lab_bg u3 "$name" "$BIN/minivpn-load" --connect "$SERVER_EXT:$PORT" --name "$TLS_NAME" \
		--ca-file "$PKI/ca.crt" --password-file "$OUT/pw-wrong" --user-prefix mallory \
		--abuse "$rate" --duration "$secs" "$@"
}
ms() { echo $(($(date +%s%N) / 1000000)); }
# login_ms NAME: how long a fresh minivpn-client on u takes to log in as
# alice (ms), or "none" after 10 s.
login_ms() {
	local name=$1 t0 t
	t0=$(ms)
	lab_bg u "$name" "$BIN/minivpn-client" --server "$TLS_NAME" --ca-file "$PKI/ca.crt" \
		--login alice --password-file "$OUT/pw" --no-reconnect --user root
	for _ in $(seq 200); do
		if grep -q "logged in as alice" "$OUT/$name.log"; then
			t=$(($(ms) - t0))
			lab_stop "$name"
			echo "$t"
			return
		fi
		sleep 0.05
	done
	lab_stop "$name"
	echo none
}
# banned_from FIRST N: how many of N clients logging in with the right
# password from N addresses from FIRST up (on u3) are refused as banned.
banned_from() {
	lab_exec u3 timeout 10 "$BIN/minivpn-load" --connect "$SERVER_EXT:$PORT" --name "$TLS_NAME" \
		--ca-file "$PKI/ca.crt" --password-file "$OUT/pw" --clients "$2" \
		--sources "$1,$2" --duration 2 2>&1 | tee -a "$OUT/banned.log" |
		sed -nE 's/.* ([0-9]+) clients banned$/\1/p'
}
# within MS LIMIT: MS is a number no larger than LIMIT.
within() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -le "$2" ]; }

# ---- 1. AUTH and close, 45 times a second, from one address ---------------------
if ! start_server srv1; then
	fail "minivpn-server did not start: $(tail -1 "$OUT/srv1.log")"
	check_end
fi
lines0=$(wc -l <"$OUT/srv1.log")
attack atk1 45 15
sleep 2
times=()
for i in 1 2 3; do
	times+=("$(login_ms "alice-atk$i")")
	sleep 2
done
lab_stop atk1 2>/dev/null
wait_for "the attack to end" 20 grep -q "AUTHs sent" "$OUT/atk1.log"
lines=$(($(wc -l <"$OUT/srv1.log") - lines0))
sent=$(sed -nE 's/^load: ([0-9]+) AUTHs sent.*/\1/p' "$OUT/atk1.log")
note "attack: ${sent:-?} AUTHs sent and abandoned; alice logged in after ${times[*]} ms"
ok=1
for t in "${times[@]}"; do within "$t" 2000 || ok=0; done
if [ "$ok" = 1 ] && [ "${sent:-0}" -ge 100 ]; then
	pass "attack: during AUTH-and-close from one address ($sent attempts), a real client logs in within 2 s, 3 of 3 times (${times[*]} ms)"
else
	fail "attack: a real client's logins took ${times[*]} ms during AUTH-and-close from one address (${sent:-no} attempts; at most 2000 ms each expected)"
fi
nb=$(banned_from "$U3" 1)
if [ "${nb:-0}" = 1 ]; then pass "attack: the attacking address is banned: a right password from it is refused BANNED"
else fail "attack: the attacking address is not banned (a right password from it: ${nb:-no answer})"; fi
if [ "${sent:-0}" -ge 100 ] && [ "$lines" -lt 100 ]; then
	pass "attack: the server wrote $lines log lines during the 15 s attack (under 100)"
else
	fail "attack: the server wrote $lines log lines during the 15 s attack of ${sent:-no} attempts (under 100 expected)"
fi

# ... and from 50 addresses at once.
attack atk50 45 10 --sources "$ATK_NET,$ATK_NADDR"
sleep 3
t50=$(login_ms alice-atk50)
wait_for "the attack from 50 addresses to end" 20 grep -q "AUTHs sent" "$OUT/atk50.log"
banned=$(banned_from "$ATK_NET" "$ATK_NADDR")
banned=${banned:-0}
if within "$t50" 2000; then pass "attack: from 50 addresses at once, a real client logs in within 2 s ($t50 ms)"
else fail "attack: from 50 addresses at once, a real client's login took $t50 ms (at most 2000 expected)"; fi
if [ "$banned" -ge 45 ]; then pass "attack: $banned of the 50 attacking addresses are banned"
else fail "attack: only $banned of the 50 attacking addresses were banned (45 or more expected)"; fi

# ---- the client: what retrying cannot fix ends it; an existing route does not --------
lab_exec u timeout 20 "$BIN/minivpn-client" --server "$TLS_NAME" --ca-file "$PKI/ca.crt" \
	--login 'bad~name' --password-file "$OUT/pw" --user root >"$OUT/badname.log" 2>&1 </dev/null
echo "exit $?" >"$OUT/badname.status"
expect_grep "client: a user name the server never takes ends the client (it would retry forever)" \
	'login refused by the server for good' "$OUT/badname.log"
expect_grep "client: ... with its own exit status, 6" '^exit 6$' "$OUT/badname.status"
lab_exec u ip route add "$INTRANET" via "$SERVER_EXT"
lab_bg u alice-route "$BIN/minivpn-client" --server "$TLS_NAME" --ca-file "$PKI/ca.crt" \
	--login alice --password-file "$OUT/pw" --user root
wait_for "alice to log in" 10 grep -q "logged in as alice" "$OUT/alice-route.log"
sleep 1
if lab_alive alice-route && grep -q "exists already" "$OUT/alice-route.log"; then
	pass "client: a pushed route that exists already is a warning; the client stays up"
else
	fail "client: with the pushed route existing already: $(grep -m1 -E 'exists|File exists' "$OUT/alice-route.log" || tail -1 "$OUT/alice-route.log")"
fi
lab_stop alice-route
lab_exec u ip route del "$INTRANET" via "$SERVER_EXT" 2>/dev/null
lab_exec server "$BIN/minivpn-server" --check-config --cert "$TPKI/expired.crt" \
	--key "$TPKI/expired.key" --shadow "$OUT/shadow" >"$OUT/expired-check.log" 2>&1
expect_grep "server: it warns about its own expired certificate" \
	'warning: the server certificate expired [0-9]+ days ago' "$OUT/expired-check.log"
lab_stop srv1

# ---- 2. kill -9 and restart with NRESTART clients (300) ------------------------------
start_server srv2 || fail "restart: the server did not start: $(tail -1 "$OUT/srv2.log")"
load loadN "$NRESTART"
if wait_for "$NRESTART clients to log in" 90 grep -q "all $NRESTART logged in" "$OUT/loadN.log"; then
	note "restart: $(grep -m1 "all $NRESTART logged in" "$OUT/loadN.log")"
	lab_bg u alice-restart "$BIN/minivpn-client" --server "$TLS_NAME" --ca-file "$PKI/ca.crt" \
		--login alice --password-file "$OUT/pw" --user root
	wait_for "alice to log in" 10 grep -q "logged in as alice" "$OUT/alice-restart.log"
	kill -KILL "${BG_PID[srv2]}"
	lab_stop srv2 2>/dev/null   # (bash would report the kill)
	t0=$(ms)
	start_server srv2b || fail "restart: the server did not start again"
	talice=none
	for _ in $(seq 300); do
		if [ "$(grep -c "logged in as alice" "$OUT/alice-restart.log")" -ge 2 ]; then
			talice=$(($(ms) - t0))
			break
		fi
		sleep 0.05
	done
	wait_for "the $NRESTART to come back" $((BACK_MS / 1000 + 15)) grep -q "all $NRESTART back" "$OUT/loadN.log"
	back=$(sed -nE "s/^all $NRESTART back ([0-9]+) ms.*/\\1/p" "$OUT/loadN.log" | head -1)
	if within "$back" "$BACK_MS"; then pass "restart: after kill -9 and a restart, all $NRESTART clients are back within $((BACK_MS / 1000)) s ($back ms)"
	else fail "restart: after kill -9 and a restart, the $NRESTART clients were not all back within $((BACK_MS / 1000)) s (${back:-not at all})"; fi
	if within "$talice" 5000; then pass "restart: a real client is back within 5 s ($talice ms)"
	else fail "restart: a real client was not back within 5 s ($talice)"; fi
else
	fail "restart: $NRESTART clients did not all log in at first: $(tail -1 "$OUT/loadN.log")"
	skip "no full load" "restart: all $NRESTART back within $((BACK_MS / 1000)) s"
	skip "no full load" "restart: a real client back within 5 s"
fi
lab_stop alice-restart
lab_stop loadN
lab_stop srv2b

# ---- 3. ulimit -n 256 and 300 clients -------------------------------------------------
start_server srv3 bash -c 'ulimit -n 256 && exec "$@"' ulimit ||
	fail "ulimit: the server did not start under ulimit -n 256: $(tail -1 "$OUT/srv3.log")"
serves=$(sed -nE 's/.*serving up to ([0-9]+) clients.*/\1/p' "$OUT/srv3.log" | head -1)
expect_grep "ulimit: the server says at start that it serves fewer clients under ulimit -n 256" \
	'open-file limit 256 .*serving [0-9]+ clients instead of' "$OUT/srv3.log"
load load256 300
sleep 12
pid=${BG_PID[srv3]}
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
sleep 5
read -r u2 s2 < <(awk '{print $14, $15}' "/proc/$pid/stat")
hz=$(getconf CLK_TCK)
cpu=$(( (u2 + s2 - u1 - s1) * 100 * 100 / (5 * hz) ))   # hundredths of a percent
lab_stop load256
got=$(sed -nE 's/^load: ([0-9]+) of 300 logged in at the end/\1/p' "$OUT/load256.log")
note "ulimit: serves ${serves:-?}; ${got:-?} of 300 logged in; CPU $((cpu / 100)).$((cpu % 100 / 10))% over 5 s while refusing the rest"
if [ -n "$serves" ] && [ "${got:-0}" = "$serves" ]; then
	pass "ulimit: every client the server took works: $got logged in, as many as it said it serves"
else
	fail "ulimit: ${got:-no} clients logged in, the server said it serves ${serves:-?}"
fi
if [ -n "$serves" ] && [ "$serves" -lt 300 ] && [ "$cpu" -lt 500 ]; then
	pass "ulimit: the server stays under 5% CPU while refusing the rest ($((cpu / 100)).$((cpu % 100 / 10))%)"
else
	fail "ulimit: the server used $((cpu / 100)).$((cpu % 100 / 10))% CPU while refusing (under 5% expected)"
fi
expect_no_grep "ulimit: the server never ran out of descriptors (no EMFILE)" \
	'Too many open files' "$OUT/srv3.log"
lab_stop srv3

# ---- 4. RSS over three rounds of 500 clients -------------------------------------------
start_server srv4 || fail "memory: the server did not start"
pid=${BG_PID[srv4]}

# ---- privileges, on the server of round 4 ------------------------------------------------
# Without --shared-user the server refuses a user another process runs as.
lab_bg server nobody-sleep setpriv --reuid=nobody --regid=nogroup --clear-groups sleep 20
sleep 0.5
lab_exec server timeout 10 "$BIN/minivpn-server" --user nobody --cert "$PKI/server.crt" \
	--key "$PKI/server.key" --shadow "$OUT/shadow" --listen 0.0.0.0:4435 --tun shr%d \
	--pool 192.168.56.0/24 >"$OUT/shared-user.log" 2>&1
echo "exit $?" >"$OUT/shared-user.status"
lab_stop nobody-sleep
expect_grep "privileges: the server refuses to run as a user another process runs as" \
	'refusing to run as nobody .*process [0-9]+ runs as it' "$OUT/shared-user.log"
expect_grep "privileges: ... and exits with status 1" '^exit 1$' "$OUT/shared-user.status"

# By default the network side runs as a user of its own, minivpn, that no
# other process runs as. The lab defines it on the server host alone (lab.sh
# binds the check's passwd and group over /etc there); only real root can
# switch to it: a normal user's lab maps that one uid only.
if [ "$(id -u)" = 0 ]; then
	ETC=$LAB_STATE/etc/server
	mkdir -p "$ETC"
	# (A machine where make install ran has minivpn already: that one.)
	{ cat /etc/passwd; getent passwd minivpn >/dev/null ||
		echo "minivpn:x:64000:64000:minivpn (lab):/nonexistent:/usr/sbin/nologin"; } >"$ETC/passwd"
	{ cat /etc/group; getent group minivpn >/dev/null || echo "minivpn:x:64000:"; } >"$ETC/group"
	chmod 644 "$ETC/passwd" "$ETC/group"
	want=$(awk -F: '$1 == "minivpn" { print $3 "/" $3; exit }' "$ETC/passwd")
	lab_bg server own-user "$BIN/minivpn-server" --cert "$PKI/server.crt" --key "$PKI/server.key" \
		--shadow "$OUT/shadow" --listen 0.0.0.0:4436 --tun own%d --pool 192.168.57.0/24
	if wait_for "the own-user server to listen" 10 grep -q "listening on" "$OUT/own-user.log"; then
		sleep 0.3
		own=$(awk '/^Uid:/ {print $2 "/" $3} /^Seccomp:/ {print "seccomp " $2}' "/proc/${BG_PID[own-user]}/status" | tr '\n' ' ')
		if [[ $own == "$want seccomp 2 " ]]; then
			pass "privileges: with no --user, the network side runs as its own user minivpn (uid $own)"
		else
			fail "privileges: with no --user the server should run as minivpn ($want) under seccomp; /proc says uid ${own:-nothing}: $(tail -1 "$OUT/own-user.log")"
		fi
	else
		fail "privileges: with no --user (minivpn, defined on the server host) the server did not start: $(tail -2 "$OUT/own-user.log" | tr '\n' ' ')"
	fi
	lab_stop own-user
	rm -f "$ETC/passwd" "$ETC/group"
else
	note "privileges: the run as minivpn needs real root (a normal user's lab maps one uid); make check as root runs it"
fi

expect_grep "privileges: the network-facing server runs under a seccomp filter (Seccomp: 2)" \
	'^Seccomp:[[:space:]]+2$' "/proc/$pid/status"
helpers=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null)
caps=$(for h in $helpers; do awk '/^CapEff/ {print $2}' "/proc/$h/status"; done | sort -u)
# CAP_DAC_READ_SEARCH is bit 2: 0x4, and nothing else.
if [ -n "$helpers" ] && [ "$caps" = 0000000000000004 ]; then
	pass "privileges: the password helpers ($(wc -w <<<"$helpers")) keep only CAP_DAC_READ_SEARCH (CapEff $caps)"
else
	fail "privileges: the password helpers' CapEff: '${caps:-none found}' (only CAP_DAC_READ_SEARCH, 0000000000000004, expected)"
fi
rss=()
for round in 1 2 3; do
	load "churn$round" 500
	if ! wait_for "500 clients (round $round)" 40 grep -q "all 500 logged in" "$OUT/churn$round.log"; then
		fail "memory: round $round: 500 clients did not all log in: $(tail -1 "$OUT/churn$round.log")"
		break
	fi
	lab_stop "churn$round"
	# Every session gone, then a tick for the trim.
	wait_for "the clients to leave" 20 bash -c \
		"[ \$(grep -c 'session closed' '$OUT/srv4.log') -ge $((round * 500)) ]"
	sleep 2
	rss+=("$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")")
done
note "memory: RSS after each round: ${rss[*]} KiB"
if [ "${#rss[@]}" = 3 ] && [ $((rss[2] * 10)) -le $((rss[0] * 12)) ]; then
	pass "memory: RSS after the third round of 500 clients is within 1.2x of after the first (${rss[*]} KiB)"
else
	fail "memory: RSS after three rounds of 500 clients: ${rss[*]} KiB (third within 1.2x of first expected)"
fi
lab_stop srv4
check_end
