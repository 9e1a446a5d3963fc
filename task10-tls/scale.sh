#!/usr/bin/env bash
# scale.sh - check-scale: several minivpn servers behind HAProxy (issue 13).
#
#   u  10.9.0.5 --+                 server (one host)
#   u2 10.9.0.6 --+-- br-ext --  10.9.0.11:4433 HAProxy (mode tcp,
#   u3 10.9.0.7 --+                 send-proxy-v2, health checks)
#                                     |                 |
#                       127.0.0.1:4441 a          127.0.0.1:4442 b
#                       minivpn-server            minivpn-server
#                       --pool-slice 1/2          --pool-slice 2/2
#                       sa0 192.168.53.1/25       sb0 192.168.53.129/25
#                       --auth pam:…-unix         --auth pam:…-file
#                       (pam_unix, lab users)     (pam_pwdfile, a file)
#                                     |                 |
#                               br-int -- v 192.168.60.5 (line service :23)
#
# Judged from the servers' logs against a capture of br-ext (the addresses
# and ports a server logs are the clients' own, as they connected), from
# V's line service and a capture of br-int (a TCP session through the
# tunnel that goes on through a drain's move, the moved client's address
# kept), from the kernel's routes (the moved address's /32 on the new
# server's TUN) and listening sockets (a full server does not listen),
# HAProxy's log (its health checks) and the clients' logs (MOVED, no
# backoff).
#
# Both PAM services and their users are the check's own: the server host's
# /etc/passwd, /etc/shadow and /etc/pam.d are files of this lab (lab.sh
# binds $LAB_STATE/etc/server/* over /etc/* for the commands it runs
# there); the machine's are never read or changed.
. "$(dirname "$0")/../lab/check.sh"
check_begin scale
for p in minivpn-server minivpn-client; do need_prog "$BIN/$p" || check_end; done
need_tool haproxy haproxy || check_end
PAM_DIR=""
for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security /lib/security /usr/lib/security /usr/lib64/security; do
	[ -e "$d/pam_unix.so" ] && PAM_DIR=$d && break
done
if [ -z "$PAM_DIR" ] || [ ! -e "$PAM_DIR/pam_pwdfile.so" ]; then
	fail "cannot run: pam_unix.so or pam_pwdfile.so is missing; install them with: sudo apt-get install --no-install-recommends libpam-modules libpam-pwdfile"
	check_end
fi

NAME=$TLS_NAME
PKI=$OUT/pki
PORT_A=4441 PORT_B=4442
LOOP=127.0.0.1
if ! "$ROOT/task10-tls/pki.sh" --name "$NAME" --out "$PKI" >"$OUT/pki.log" 2>&1; then
	fail "pki.sh failed: $(tail -1 "$OUT/pki.log")"
	check_end
fi

# ---- users: lab users for pam_unix, a password file for pam_pwdfile ----------
# (The password file's path goes into a PAM service line, whose arguments
# split at spaces: it lives in the lab's state directory, not in OUT, which
# is under the kit and may hold a space.)
PWDFILE=$LAB_STATE/pam-pwdfile
USERS="alice bob carol dave"
PW_ROOT=root-$$-pw   # root's, in the lab's files only: root must never log in
ETC=$LAB_STATE/etc/server
echo "$PW_ROOT" >"$OUT/pw-root"
for u in $USERS wrong; do
	(umask 077; echo "$u-$$-pw" >"$OUT/pw-$u")
done
{
	# The machine's accounts with their hashes locked: nobody (the
	# servers' --user) must resolve; no hash of the machine is copied.
	cat /etc/passwd
	i=0
	for u in $USERS; do
		i=$((i + 1))
		echo "$u:x:$((42000 + i)):$((42000 + i)):lab user:/nonexistent:/usr/sbin/nologin"
	done
} >"$ETC/passwd"
{
	echo "root:$(openssl passwd -6 "$PW_ROOT"):19000:0:99999:7:::"
	cut -d: -f1 /etc/passwd | grep -vx root | sed 's/$/:*:19000:0:99999:7:::/'
	for u in $USERS; do echo "$u:$(openssl passwd -6 "$u-$$-pw"):19000:0:99999:7:::"; done
} >"$ETC/shadow"
{
	echo "root:$(openssl passwd -6 "$PW_ROOT")"
	for u in $USERS; do echo "$u:$(openssl passwd -6 "$u-$$-pw")"; done
} >"$PWDFILE"
chmod 644 "$ETC/passwd"
chmod 600 "$ETC/shadow" "$PWDFILE" "$OUT/pw-root"
mkdir -p "$ETC/pam.d"
printf 'auth required pam_unix.so\naccount required pam_unix.so\n' >"$ETC/pam.d/minivpn-scale-unix"
printf 'auth required pam_pwdfile.so pwdfile=%s\naccount required pam_permit.so\n' \
	"$PWDFILE" >"$ETC/pam.d/minivpn-scale-file"
chmod 755 "$ETC/pam.d"
chmod 644 "$ETC/pam.d"/*

# IPv6 on the intranet (V6 behind the server host) for the pool6 slices.
lab6=0; lab_ipv6_up || lab6=1
[ $lab6 = 0 ] || fail "ipv6: the lab's intranet does not carry v6 (lab_ipv6_up): $(tail -1 "$OUT/lab-ipv6.log" 2>/dev/null)"
SLICE6=$((96 + ${TLS_POOL#*/} + 1))   # a half of the v4 pool, as offsets
SA6=$(pool6_of 192.168.53.1) SB6=$(pool6_of 192.168.53.129)   # of the TUNs' v4 addresses (checked below)

# ---- two servers and HAProxy ----------------------------------------------------
# server_bg NAME PORT SLICE TUN SERVICE [args]
server_bg() {
	local name=$1 port=$2 slice=$3 tun=$4 svc=$5; shift 5
	lab_bg server "$name" "$BIN/minivpn-server" --user nobody --shared-user \
		--cert "$PKI/server.crt" --key "$PKI/server.key" --auth "pam:$svc" \
		--listen "0.0.0.0:$port" --pool "$TLS_POOL" --pool-slice "$slice" --tun "$tun" \
		--proxy-protocol "$LOOP/32" --drain-grace 5 --keepalive 2,6 \
		--control "$OUT/$name.sock" --pool6 "$TLS_POOL6" --route6 "$INTRANET6" "$@"
}
# At most 3 clients each: after the drain one of them has all three.
server_bg a $PORT_A 1/2 'sa%d' minivpn-scale-unix --max-clients 3
server_bg b $PORT_B 2/2 'sb%d' minivpn-scale-file --max-clients 3
for s in a b; do
	if ! wait_for "server $s to listen" 10 grep -q "listening on" "$OUT/$s.log"; then
		fail "minivpn-server $s did not start: $(tail -1 "$OUT/$s.log")"
		check_end
	fi
done
expect_grep "slices: server a serves 192.168.53.0/25 of the pool" 'pool 192\.168\.53\.0/25' "$OUT/a.log"
expect_grep "slices: server b serves 192.168.53.128/25 of the pool" 'pool 192\.168\.53\.128/25' "$OUT/b.log"
lab_exec server ip -4 -o addr show >"$OUT/server-addrs.txt" 2>&1
expect_grep "slices: a's TUN has 192.168.53.1/25 (the host routes a's half to it)" 'sa0 +inet 192\.168\.53\.1/25' "$OUT/server-addrs.txt"
expect_grep "slices: b's TUN has 192.168.53.129/25" 'sb0 +inet 192\.168\.53\.129/25' "$OUT/server-addrs.txt"
lab_exec server ip -6 -o addr show scope global >"$OUT/server-addrs6.txt" 2>&1
expect_grep "slices: a's TUN has $SA6/$SLICE6, the same offsets of --pool6 $TLS_POOL6" "sa0 +inet6 $(re "$SA6")/$SLICE6 " "$OUT/server-addrs6.txt"
expect_grep "slices: b's TUN has $SB6/$SLICE6" "sb0 +inet6 $(re "$SB6")/$SLICE6 " "$OUT/server-addrs6.txt"

cat >"$OUT/haproxy.cfg" <<EOF
global
	log stdout format raw local0 info
defaults
	mode tcp
	log global
	option tcplog
	timeout connect 2s
	timeout client 60s
	timeout server 60s
	# A connection refused by a draining server goes to the other one.
	retries 3
	option redispatch 1
frontend vpn
	bind $SERVER_EXT:$TLS_PORT
	default_backend minivpn
backend minivpn
	balance roundrobin
	server a $LOOP:$PORT_A send-proxy-v2 check inter 500ms fall 1 rise 2
	server b $LOOP:$PORT_B send-proxy-v2 check inter 500ms fall 1 rise 2
EOF
lab_bg server haproxy haproxy -db -f "$OUT/haproxy.cfg"
if ! wait_for "HAProxy to listen" 10 bash -c "'$LABSH' exec server ss -Htln 'sport = :$TLS_PORT' | grep -q LISTEN"; then
	fail "HAProxy did not start: $(tail -2 "$OUT/haproxy.log")"
	check_end
fi
sleep 1.2   # both servers' first health checks

# ---- three clients through HAProxy ------------------------------------------------
client_bg() {   # HOST NAME USER [args]
	local host=$1 name=$2 user=$3; shift 3
	lab_bg "$host" "$name" "$BIN/minivpn-client" --server "$NAME" --ca-dir "$PKI/ca-dir" \
		--login "$user" --password-file "$OUT/pw-$user" "$@"
}
capture_start ext sw:br-ext || check_end
client_bg u c1 alice
wait_for "alice to log in" 10 grep -q "alice@.*logged in" "$OUT/a.log" "$OUT/b.log"
client_bg u2 c2 bob
wait_for "bob to log in" 10 grep -q "bob@.*logged in" "$OUT/a.log" "$OUT/b.log"
client_bg u3 c3 carol
wait_for "carol to log in" 10 grep -q "carol@.*logged in" "$OUT/a.log" "$OUT/b.log"
sleep 0.5
capture_stop ext
# where ENTRY: "user ip:port server" of each login logged so far
logins() {
	local s
	for s in a b; do
		sed -nE "s/.* ([a-z]+)@([0-9.]+:[0-9]+): logged in, tunnel address ([0-9.]+).*/\1 \2 $s \3/p" "$OUT/$s.log"
	done
}
logins >"$OUT/logins-1.txt"
n=$(wc -l <"$OUT/logins-1.txt")
if [ "$n" = 3 ]; then pass "haproxy: three clients log in through HAProxy ($(awk '{print $1 "@" $3}' "$OUT/logins-1.txt" | tr '\n' ' '))"
else crit fail "haproxy: expected 3 logins through HAProxy, the servers logged $n: $(tail -1 "$OUT/c1.log")"; fi
for s in a b; do
	if grep -q " $s " "$OUT/logins-1.txt"; then pass "haproxy: server $s got clients (round robin)"
	else fail "haproxy: server $s got no client"; fi
done
# The real addresses: every login's ip:port is one the capture saw connect
# to HAProxy, from the clients' own 10.9.0.x; never HAProxy's 127.0.0.1.
bad=0 seen=0
while read -r user ep s _; do
	ip=${ep%:*} port=${ep##*:}
	case $ip in 10.9.0.*) ;; *) bad=$((bad + 1)); note "$user on $s logged as $ep"; continue ;; esac
	c=$(pcap_count "$OUT/ext-sw-br-ext.pcap" "tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack = 0 and src host $ip and src port $port and dst host $SERVER_EXT and dst port $TLS_PORT")
	if [ "${c:-0}" -ge 1 ]; then seen=$((seen + 1)); else bad=$((bad + 1)); note "no SYN from $ep to HAProxy in the capture ($user on $s)"; fi
done <"$OUT/logins-1.txt"
if [ "$bad" = 0 ] && [ "$seen" -ge 3 ]; then
	crit pass "proxy protocol: each server logs its clients' real address and port, as the capture saw them connect to HAProxy ($seen of $seen)"
else
	crit fail "proxy protocol: $bad login(s) logged with an address the clients did not connect from ($seen confirmed)"
fi
cat "$OUT/a.log" "$OUT/b.log" >"$OUT/ab-1.log"
expect_no_grep "proxy protocol: no session is named after HAProxy's address" "@$(re $LOOP):|$(re $LOOP):[0-9]+: (logged in|TLS handshake)" "$OUT/ab-1.log"

# ---- PAM: both services, a wrong password ------------------------------------------
for s in a b; do
	svc=$(sed -nE 's/.*passwords from PAM service ([a-z-]+).*/\1/p' "$OUT/$s.log" | head -1)
	who=$(awk -v s=$s '$3 == s {print $1}' "$OUT/logins-1.txt" | tr '\n' ' ')
	if [ -n "$svc" ] && [ -n "$who" ]; then pass "pam: server $s ($svc) logs in ${who% }"
	else fail "pam: server $s (${svc:-no PAM service}) logged no one in"; fi
done
# Round robin: two tries in a row meet both servers. From v2 (through the
# server host to HAProxy): the clients' own addresses stay unthrottled.
for i in 1 2; do
	lab_exec v2 timeout 20 "$BIN/minivpn-client" --server "$NAME" --ca-dir "$PKI/ca-dir" --no-reconnect \
		--login dave --password-file "$OUT/pw-wrong" >"$OUT/wrong-$i.log" 2>&1 </dev/null
	echo "exit $?" >>"$OUT/wrong-$i.log"
done
expect_grep "pam: a wrong password is refused (pam_unix, server a)" "login failed for user 'dave'" "$OUT/a.log"
expect_grep "pam: a wrong password is refused (pam_pwdfile, server b)" "login failed for user 'dave'" "$OUT/b.log"
if grep -q '^exit 3$' "$OUT/wrong-1.log" && grep -q '^exit 3$' "$OUT/wrong-2.log"; then
	pass "pam: ... and the client exits with status 3 both times"
else
	fail "pam: the wrong-password client did not exit 3: $(tail -1 "$OUT/wrong-1.log") / $(tail -1 "$OUT/wrong-2.log")"
fi
# root, with its right password in both PAM backends
for i in 1 2; do
	lab_exec v2 timeout 20 "$BIN/minivpn-client" --server "$NAME" --ca-dir "$PKI/ca-dir" --no-reconnect \
		--login root --password-file "$OUT/pw-root" >"$OUT/root-$i.log" 2>&1 </dev/null
	echo "exit $?" >>"$OUT/root-$i.log"
done
expect_grep "pam: root is refused with its right password (pam_unix, server a)" 'login of root refused: root may not log in' "$OUT/a.log"
expect_grep "pam: root is refused with its right password (pam_pwdfile, server b)" 'login of root refused: root may not log in' "$OUT/b.log"
cat "$OUT/a.log" "$OUT/b.log" "$OUT/haproxy.log" >"$OUT/ab-2.log"
expect_no_grep "pam: dave and root never log in" "(dave|root)@.*logged in" "$OUT/ab-2.log"
expect_no_grep "pam: the passwords are never logged" "$(cat "$OUT/pw-wrong")|$(cat "$OUT/pw-alice")|$PW_ROOT" "$OUT/ab-2.log"

# ---- the untrusted: a forged PROXY header, a trusted peer without one -----------------
# A valid header claiming 10.9.0.99 sent straight to b from u3 (not HAProxy).
# shellcheck disable=SC2016  # the inner shell gets its values as $1, $2
lab_exec u3 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
	printf "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\x0a\x09\x00\x63\x0a\x09\x00\x0b\x9c\x40\x11\x51" >&3
	timeout 3 cat <&3 >/dev/null; echo closed' forge "$SERVER_EXT" "$PORT_B" >"$OUT/forge.log" 2>&1
# shellcheck disable=SC2016
lab_exec server bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
	printf "\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03" >&3
	timeout 3 cat <&3 >/dev/null; echo closed' plain "$LOOP" "$PORT_B" >"$OUT/noheader.log" 2>&1
sleep 0.3
expect_grep "proxy protocol: a PROXY header from an untrusted address (u3) is refused and logged" \
	"refusing a connection from $(re "$U3"):[0-9]+: not a trusted proxy" "$OUT/b.log"
expect_no_grep "proxy protocol: ... the address it claimed (10.9.0.99) is never taken" '10\.9\.0\.99' "$OUT/b.log"
expect_grep "proxy protocol: a trusted peer without a PROXY header is refused" \
	"$(re $LOOP):[0-9]+: refused: no PROXY v2 signature" "$OUT/b.log"
expect_grep "proxy protocol: ... and the connection is closed" '^closed$' "$OUT/noheader.log"

# ---- drain: the server with two clients moves them to the other ----------------------
D=a K=b
[ "$(grep -c ' b ' "$OUT/logins-1.txt")" -ge 2 ] && D=b K=a
movers=$(awk -v s=$D '$3 == s {print $1}' "$OUT/logins-1.txt")
stayer=$(awk -v s=$K '$3 == s {print $1}' "$OUT/logins-1.txt" | head -1)
note "draining server $D ($(echo "$movers" | tr '\n' ' ')); server $K keeps $stayer"
# a client of D, and a TCP session of it through the tunnel before the drain
mover=$(echo "$movers" | head -1)
case $mover in alice) mh=u ;; bob) mh=u2 ;; *) mh=u3 ;; esac
old_addr=$(awk -v u="$mover" '$1 == u {print $4}' "$OUT/logins-1.txt")
# shellcheck disable=SC2016
lab_bg "$mh" tcp-old bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
	for i in $(seq 1 20); do echo "old-line-$i" >&3
		read -t 4 -r line <&3 || { echo "no echo for line $i"; exit 1; }
		echo "$line"; sleep 0.5; done; echo "TCP session survived"' tcp "$V" "$LINE_PORT"
wait_for "the TCP session to start" 10 grep -q "old-line-2" "$OUT/tcp-old.log"
old6=$(pool6_of "$old_addr")
has6() { [ "$(tun6 "$mh")" = "$old6" ]; }
wait_for "$mover's v6 address" 10 has6
lab_exec "$mh" ping -6 -c 2 -i 0.2 -W 2 "$V6" >"$OUT/ping6-before.log" 2>&1
if [ "$(tun6 "$mh")" = "$old6" ] && grep -q ' 2 received' "$OUT/ping6-before.log"; then
	pass "ipv6: (before the drain) $mover has $old6 (the pool6 address of $old_addr) and its ping -6 to V6 is answered"
else
	fail "ipv6: before the drain $mover's tun0 has '$(tun6 "$mh")' (want $old6), ping -6 to V6: $(tail -1 "$OUT/ping6-before.log")"
fi
k_before=$(grep -c "logged in" "$OUT/$K.log")
k_lines=$(wc -l <"$OUT/$K.log")
moved_all() {
	local u
	for u in $movers; do
		tail -n +"$((k_lines + 1))" "$OUT/$K.log" | grep -q "$u@.*logged in" || return 1
	done
}
t0=$(date +%s%N)
kill -TERM "${BG_PID[$D]}"
if wait_for "the clients of $D to log in at $K" 10 moved_all; then
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	if [ "$ms" -le 5000 ]; then
		crit pass "drain: the clients of server $D log in at server $K ${ms} ms after SIGTERM (at most 5 s)"
	else
		crit fail "drain: the clients of server $D took ${ms} ms to move (more than 5 s)"
	fi
else
	crit fail "drain: the clients of server $D did not all log in at $K within 10 s ($(grep -c 'logged in' "$OUT/$K.log") logins there, $k_before before)"
fi
expect_grep "drain: server $D says it drains and stops listening" "SIGTERM: draining: not accepting, 2 clients told to move" "$OUT/$D.log"
for u in $movers; do
	case $u in alice) f=c1 ;; bob) f=c2 ;; *) f=c3 ;; esac
	expect_grep "drain: $u's client is told (MOVED) and reconnects at once" 'is draining: .*reconnecting now' "$OUT/$f.log"
	expect_no_grep "drain: ... without a backoff wait" 'reconnecting in' "$OUT/$f.log"
done
if wait_for "server $D to exit" 8 bash -c "! kill -0 ${BG_PID[$D]} 2>/dev/null"; then
	lab_stop "$D"
	expect_grep "drain: server $D exits by itself once its clients are gone, status 0" '^exit 0$' "$OUT/$D.status"
	expect_grep "drain: ... saying none was left" 'drained: shutting down, 0 clients left' "$OUT/$D.log"
else
	fail "drain: server $D still runs 8 s after SIGTERM (grace 5 s)"
fi
expect_alive "drain: the client of $K ($stayer) stays connected" "$(case $stayer in alice) echo c1 ;; bob) echo c2 ;; *) echo c3 ;; esac)"
expect_no_grep "drain: ... and is not moved (one login at $K)" "$stayer@.*session closed" "$OUT/$K.log"

# After the move: the moved client kept its tunnel address (its home in
# D's slice), K routes it to its TUN (a /32, kernel state), and the TCP
# session started before the drain goes on (V's line service echoes all).
new_addr=$(tail -n +"$((k_lines + 1))" "$OUT/$K.log" | sed -nE "s/.* $mover@[0-9.:]+: logged in, tunnel address ([0-9.]+).*/\1/p" | tail -1)
if [ -n "$old_addr" ] && [ "$new_addr" = "$old_addr" ]; then
	pass "drain: $mover keeps its tunnel address $old_addr at server $K"
else
	fail "drain: $mover had $old_addr at $D and ${new_addr:-none} at $K"
fi
TUN_K=sa0; [ "$K" = b ] && TUN_K=sb0
lab_exec server ip -4 route show "$old_addr/32" >"$OUT/route-roam.txt" 2>&1
expect_grep "drain: the server host routes $old_addr/32 to $K's TUN ($TUN_K)" "dev $TUN_K" "$OUT/route-roam.txt"
lab_exec server ip -6 route show "$old6/128" >"$OUT/route6-roam.txt" 2>&1
expect_grep "drain: ... and its IPv6 address $old6/128 too" "dev $TUN_K" "$OUT/route6-roam.txt"
wait_for "the old TCP session to end" 20 grep -qE "survived|no echo" "$OUT/tcp-old.log"
crit expect_grep "drain: the TCP session through the tunnel started before the drain survives the move (20 lines echoed by V)" \
	'TCP session survived' "$OUT/tcp-old.log"
capture_start int sw:br-int || check_end
# shellcheck disable=SC2016
lab_exec "$mh" timeout 15 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
	for i in 1 2 3 4 5; do echo "moved-line-$i" >&3
		read -t 4 -r line <&3 || { echo "no echo for line $i"; exit 1; }
		echo "$line"; sleep 0.2; done; echo "TCP session done"' tcp "$V" "$LINE_PORT" >"$OUT/tcp-new.log" 2>&1
wait_for "$mover's v6 address at $K" 5 has6
lab_exec "$mh" ping -6 -c 3 -i 0.2 -W 2 "$V6" >"$OUT/ping6-after.log" 2>&1
capture_stop int
expect_grep "drain: after the move a new TCP session of $mover through the tunnel reaches V and back" 'TCP session done' "$OUT/tcp-new.log"
if [ -n "$new_addr" ]; then
	expect_pcap "$OUT/int-sw-br-int.pcap" --at-least 5 "tcp and src host $new_addr and dst host $V and dst port $LINE_PORT and tcp[tcpflags] & tcp-push != 0" \
		"drain: ... from its address ($new_addr) on the intranet"
	expect_grep "drain: ... and V's line service got the lines from $new_addr" "^$(re "$new_addr"):[0-9]+ moved-line-5" "$LAB_STATE/v-linesrv.log"
else
	skip "no new tunnel address of $mover" "drain: the moved client's traffic on the intranet"
	skip "no new tunnel address of $mover" "drain: V's line service got its lines"
fi
if [ "$(tun6 "$mh")" = "$old6" ]; then pass "drain: $mover keeps its IPv6 address $old6 at server $K"
else fail "drain: $mover had $old6 at $D, its tun0 has '$(tun6 "$mh")' at $K: $(grep -i ipv6 "$OUT/$(case $mover in alice) echo c1 ;; bob) echo c2 ;; *) echo c3 ;; esac).log" | tail -1)"; fi
expect_grep "drain: ... and its ping -6 to V6 is answered after the move (the reply takes the /128 to $K)" ' 3 received' "$OUT/ping6-after.log"
expect_pcap "$OUT/int-sw-br-int.pcap" --at-least 3 "icmp6 and ip6[40] = 129 and src host $V6 and dst host $old6" \
	"drain: ... V's echo replies to $old6 on the intranet"

# ---- full: server K (--max-clients 3) has all three now: it stops listening ----------
PORT_K=$PORT_A; [ "$K" = b ] && PORT_K=$PORT_B
case $stayer in alice) sc=c1 ;; bob) sc=c2 ;; *) sc=c3 ;; esac
wait_for "server $K to stop listening" 5 grep -q 'full (3 clients): not listening' "$OUT/$K.log"
lab_exec server ss -Htln "sport = :$PORT_K" >"$OUT/ss-full.txt" 2>&1
expect_grep "full: server $K logs that it stops listening at 3 clients" 'full \(3 clients\): not listening' "$OUT/$K.log"
if [ ! -s "$OUT/ss-full.txt" ]; then pass "full: ... and the kernel has no listener on :$PORT_K (a balancer's health check sees it)"
else fail "full: server $K still listens while full: $(cat "$OUT/ss-full.txt")"; fi
lab_stop "$sc"
lab_stop "$(case $mover in alice) echo c1 ;; bob) echo c2 ;; *) echo c3 ;; esac)"
wait_for "the roaming routes to go" 5 bash -c "! '$LABSH' exec server ip -4 route show '$old_addr/32' | grep -q . && ! '$LABSH' exec server ip -6 route show '$old6/128' | grep -q ."
lab_exec server ip -4 route show "$old_addr/32" >"$OUT/route-gone.txt" 2>&1
lab_exec server ip -6 route show "$old6/128" >>"$OUT/route-gone.txt" 2>&1
if [ ! -s "$OUT/route-gone.txt" ]; then pass "drain: when $mover leaves $K, its /32 and /128 routes go"
else fail "drain: $old_addr/32 or $old6/128 is still routed after $mover left: $(cat "$OUT/route-gone.txt")"; fi
wait_for "server $K to listen again" 10 grep -q 'clients: listening again' "$OUT/$K.log"
lab_exec server ss -Htln "sport = :$PORT_K" >"$OUT/ss-again.txt" 2>&1
expect_grep "full: when a client leaves, $K listens again (kernel: a listener on :$PORT_K)" 'LISTEN' "$OUT/ss-again.txt"

# The balancer's view: its health checks saw the drained server and the
# full one refuse connections, and the latter come back.
expect_grep "haproxy: its health check marks the drained server $D down" "Server minivpn/$D is DOWN.*Connection refused" "$OUT/haproxy.log"
expect_grep "haproxy: ... and the full server $K down" "Server minivpn/$K is DOWN.*Connection refused" "$OUT/haproxy.log"
if wait_for "HAProxy to see $K again" 5 grep -q "Server minivpn/$K is UP" "$OUT/haproxy.log"; then
	pass "haproxy: ... and up again once it listens"
else
	fail "haproxy: server $K is not up again in HAProxy 5 s after it listens again"
fi

# ---- the per-address share counts the client behind HAProxy, not HAProxy ---------------
# 8 connections from u2 that never start TLS, through HAProxy to K (the
# only server left): the 7th finds u2's 6 pre-login slots taken.
# shellcheck disable=SC2016
lab_bg u2 idle bash -c 'for i in $(seq 8); do exec {fd}<>"/dev/tcp/$1/$2"; sleep 0.1; done; sleep 3' idle "$SERVER_EXT" "$TLS_PORT"
wait_for "server $K to make room" 8 grep -q "closed to make room for a connection from the same address" "$OUT/$K.log"
expect_grep "per-address: the 7th waiting connection from u2 through HAProxy closes u2's oldest (counted by the client's address)" \
	"$(re "$U2"):[0-9]+: closed to make room for a connection from the same address \(6 waiting" "$OUT/$K.log"
lab_stop idle

# ---- drain from the control socket -----------------------------------------------------
lab_exec server "$BIN/minivpn-server" --control "$OUT/$K.sock" --drain >"$OUT/drain-ctl.log" 2>&1
expect_grep "control: 'minivpn-server --drain' asks server $K to drain" '^draining$' "$OUT/drain-ctl.log"
expect_grep "control: ... and $K drains" 'control socket: draining: not accepting' "$OUT/$K.log"
if wait_for "server $K to exit" 8 bash -c "! kill -0 ${BG_PID[$K]} 2>/dev/null"; then
	lab_stop "$K"
	expect_grep "control: ... and exits, status 0, once its clients are gone" '^exit 0$' "$OUT/$K.status"
else
	fail "control: server $K still runs 8 s after the drain request (grace 5 s)"
fi

check_end
