#!/usr/bin/env bash
# check-task10: the authenticated TLS VPN (SEED VPN Lab tasks 2-6).
#
#   u  10.9.0.5 --+                                   +-- v 192.168.60.5
#   u2 10.9.0.6 --+-- br-ext --[ server ]-- br-int ---+    (line service :23)
#   u3 10.9.0.7 --+     10.9.0.11 | 192.168.60.11
#                      minivpn-server, TCP 4433, tun0 192.168.53.1/24
#   each U: minivpn-client, tun0 192.168.53.x, route 192.168.60.0/24
#
#   rogue servers for the certificate checks: expired certificate on
#   server:4434, rogue-CA certificate for the same name on u3:4433 (a man
#   in the middle the client is sent to with --connect).
#
#   abuse, at the end: u3 floods the server with connections that never
#   start TLS while u logs in; dave asks for alice's address; u3 guesses
#   carol's password in parallel until banned.
#
# Judged from captures (encryption, per-client delivery, spoofing, large
# packets) and from the programs' output (which check failed, login
# refused, reconnection, clean teardown).
. "$(dirname "$0")/../lab/check.sh"
check_begin task10
need_tool ping iputils-ping || check_end
need_tool openssl openssl || check_end
for p in minivpn-server minivpn-client; do need_prog "$BIN/$p" || check_end; done

NAME=$TLS_NAME
PKI=$OUT/pki
TPKI=$OUT/test-pki   # the rogue and expired certificates, apart from the CA's PKI
MARK=56504e2d4d41524b4552   # "VPN-MARKER", the ping payload pattern
MARK_TEXT=VPN-MARKER

# ---- set-up: certificates, users -------------------------------------------------
if ! "$ROOT/task10-tls/pki.sh" --name "$NAME" --out "$PKI" >"$OUT/pki.log" 2>&1 ||
   ! "$ROOT/task10-tls/pki.sh" test-certs --ca "$PKI" --name "$NAME" --out "$TPKI" >>"$OUT/pki.log" 2>&1; then
	fail "make pki failed: $(tail -1 "$OUT/pki.log")"
	check_end
fi
bad_keys=$(find "$PKI" "$TPKI" -name '*.key' -perm /077 | wc -l)
if [ "$bad_keys" = 0 ]; then pass "pki: no private key is readable by group or others"
else fail "pki: $bad_keys private keys readable by group or others"; fi
expect_ok "pki: the CA directory has a hash link" \
	test -e "$PKI/ca-dir/$(openssl x509 -in "$PKI/ca.crt" -noout -hash).0"
openssl x509 -in "$PKI/server.crt" -noout -ext subjectAltName >"$OUT/san.txt" 2>&1
expect_grep "pki: the server certificate has subjectAltName DNS:$NAME" "DNS:$NAME" "$OUT/san.txt"

# Passwords: sha512crypt and sha256crypt here (the unit tests do yescrypt).
PW_ALICE=alice-$$-pw PW_BOB=bob-$$-pw PW_CAROL=carol-$$-pw PW_WRONG=wrong-$$-guess
PW_DAVE=dave-$$-pw PW_ERIN=erin-$$-pw PW_ROOT=root-$$-pw
{
	echo "alice:$(openssl passwd -6 "$PW_ALICE"):19000:0:99999:7:::"
	echo "bob:$(openssl passwd -5 "$PW_BOB"):19000:0:99999:7:::"
	echo "carol:$(openssl passwd -6 "$PW_CAROL"):19000:0:99999:7:::"
	echo "dave:$(openssl passwd -6 "$PW_DAVE"):19000:0:99999:7:::"
	echo "erin:$(openssl passwd -6 "$PW_ERIN"):19000:0:99999:7::1:"   # expired 1970
	echo "root:$(openssl passwd -6 "$PW_ROOT"):19000:0:99999:7:::"
} >"$OUT/shadow"
chmod 600 "$OUT/shadow"
for u in alice bob carol dave erin root wrong; do
	v=PW_${u^^}
	(umask 077; echo "${!v}" >"$OUT/pw-$u")
done

# client_argv USER [extra args]: CLIENT_ARGV, the arguments of a client
# that logs in as USER (an array: paths may hold spaces).
client_argv() {
	local user=$1; shift
	CLIENT_ARGV=(--server "$NAME" --login "$user" --password-file "$OUT/pw-$user" "$@")
}
GOOD_CA=(--ca-dir "$PKI/ca-dir")
# try_client HOST NAME USER [args]: one attempt (no reconnect), the CA given
# in args; exit status in $OUT/NAME.status
try_client() {
	local host=$1 name=$2 user=$3; shift 3
	client_argv "$user" --no-reconnect "$@"
	lab_exec "$host" timeout 20 "$BIN/minivpn-client" "${CLIENT_ARGV[@]}" \
		>"$OUT/$name.log" 2>&1 </dev/null
	echo "exit $?" >"$OUT/$name.status"
}
# bg_client HOST NAME USER [args]: a client left running (lab_bg NAME).
bg_client() {
	local host=$1 name=$2 user=$3; shift 3
	client_argv "$user" "$@"
	lab_bg "$host" "$name" "$BIN/minivpn-client" "${CLIENT_ARGV[@]}"
}
tun_addr() {      # HOST: the IPv4 address of its tun0, if any
	lab_exec "$1" ip -4 -o addr show dev tun0 2>/dev/null | sed -nE 's/.* inet ([0-9.]+).*/\1/p'
}
has_tun_addr() { [ -n "$(tun_addr "$1")" ]; }

# ---- the server ------------------------------------------------------------------
lab_bg server server "$BIN/minivpn-server" --user nobody --shared-user --cert "$PKI/server.crt" --key "$PKI/server.key" \
	--shadow "$OUT/shadow" --keepalive 2,6
if ! wait_for "minivpn-server to listen" 10 grep -q "listening on" "$OUT/server.log"; then
	fail "minivpn-server did not start: $(tail -1 "$OUT/server.log")"
	check_end
fi
pid=${BG_PID[server]}
grep -E '^(Uid|CapEff):' "/proc/$pid/status" >"$OUT/server-creds.txt" 2>&1
if grep -qE '^CapEff:\s+0+$' "$OUT/server-creds.txt" &&
   { ! grep -qE '^Uid:\s+0\s' "$OUT/server-creds.txt" || grep -q 'not mapped' "$OUT/server.log"; }; then
	pass "privileges: the network-facing server runs without capabilities ($(tr '\n' ' ' <"$OUT/server-creds.txt" | tr -s ' \t' ' '))"
else
	fail "privileges: the server still has privileges: $(tr '\n' ' ' <"$OUT/server-creds.txt")"
fi

# ---- server authentication (SEED task 4) ---------------------------------------
try_client u untrusted alice --ca-file "$TPKI/rogue-ca.crt"
expect_grep "server auth: a CA that did not sign the server is refused, saying why" \
	'server certificate rejected: untrusted issuer' "$OUT/untrusted.log"
expect_grep "server auth: ... and the client exits with status 2" '^exit 2$' "$OUT/untrusted.status"

try_client u wrong-name alice "${GOOD_CA[@]}" --server wrong-name.example --connect "$SERVER_EXT"
expect_grep "server auth: a host name not in the certificate is refused, saying why" \
	'server certificate rejected: host name mismatch' "$OUT/wrong-name.log"
expect_grep "server auth: ... and the client exits with status 2" '^exit 2$' "$OUT/wrong-name.status"
try_client u ip-literal alice "${GOOD_CA[@]}" --server "$SERVER_EXT"
expect_grep "server auth: an IP address not in the certificate is refused (no CN fallback)" \
	'server certificate rejected: address mismatch' "$OUT/ip-literal.log"

lab_bg server expired-srv "$BIN/minivpn-server" --user nobody --shared-user --cert "$TPKI/expired.crt" --key "$TPKI/expired.key" \
	--shadow "$OUT/shadow" --listen 0.0.0.0:4434 --pool 192.168.54.0/24 --tun exp%d
wait_for "the expired server" 10 grep -q "listening on" "$OUT/expired-srv.log"
try_client u expired alice "${GOOD_CA[@]}" --server "$NAME:4434"
expect_grep "server auth: an expired certificate is refused, saying why" \
	'server certificate rejected: certificate expired' "$OUT/expired.log"
expect_grep "server auth: ... and the client exits with status 2" '^exit 2$' "$OUT/expired.status"
lab_stop expired-srv

lab_bg u3 rogue "$BIN/minivpn-server" --user nobody --shared-user --cert "$TPKI/rogue.crt" --key "$TPKI/rogue.key" \
	--shadow "$OUT/shadow" --pool 192.168.55.0/24 --tun rogue%d
wait_for "the rogue server" 10 grep -q "listening on" "$OUT/rogue.log"
try_client u mitm alice "${GOOD_CA[@]}" --connect "$U3"
expect_grep "server auth: a man in the middle with a rogue CA's certificate for $NAME is refused" \
	'server certificate rejected: untrusted issuer' "$OUT/mitm.log"
expect_grep "server auth: ... and the client exits with status 2" '^exit 2$' "$OUT/mitm.status"
expect_no_grep "server auth: the rogue server never saw a login" 'logged in|login failed' "$OUT/rogue.log"
lab_stop rogue

# ---- client authentication (SEED task 5) ---------------------------------------
try_client u2 wrong-pw alice "${GOOD_CA[@]}" --password-file "$OUT/pw-wrong"
expect_grep "client auth: a wrong password is refused with a reason" \
	'login refused by the server: authentication failed' "$OUT/wrong-pw.log"
expect_grep "client auth: ... and the client exits with status 3" '^exit 3$' "$OUT/wrong-pw.status"
try_client u2 unknown mallory "${GOOD_CA[@]}" --password-file "$OUT/pw-wrong"
expect_grep "client auth: an unknown user is refused" \
	'login refused by the server: authentication failed' "$OUT/unknown.log"
try_client u expired-account erin "${GOOD_CA[@]}"
expect_grep "client auth: an expired account is refused, right password or not" \
	'login refused by the server: authentication failed' "$OUT/expired-account.log"
expect_grep "client auth: ... and the server says why" 'login of erin refused: account expired' "$OUT/server.log"
try_client u root-login root "${GOOD_CA[@]}"
expect_grep "client auth: root may not log in, right password or not" \
	'login refused by the server: authentication failed' "$OUT/root-login.log"
# The client's TUN goes away with it, so ask the server: nobody logged in.
expect_no_grep "client auth: the server gave no refused attempt a tunnel (no 'logged in')" \
	'logged in' "$OUT/server.log"
expect_grep "client auth: the server logs the failed login" "login failed for user 'mallory'" "$OUT/server.log"
expect_no_grep "client auth: no password appears in the server's log" \
	"$PW_WRONG|$PW_ALICE|$PW_BOB|$PW_CAROL|$PW_ERIN|$PW_ROOT" "$OUT/server.log"

# ---- three clients (SEED task 6: multiple clients) ------------------------------
bg_client u c1 alice "${GOOD_CA[@]}"
bg_client u2 c2 bob "${GOOD_CA[@]}"
bg_client u3 c3 carol "${GOOD_CA[@]}"
for h in u u2 u3; do
	wait_for "a tunnel address on $h" 15 has_tun_addr "$h" || fail "$h: no tunnel address: $(tail -1 "$OUT/c${h#u}.log" 2>/dev/null)"
done
A1=$(tun_addr u) A2=$(tun_addr u2) A3=$(tun_addr u3)
expect_grep "server auth: the lab CA and the right name pass" 'server certificate OK' "$OUT/c1.log"
note "tunnel addresses: u $A1, u2 $A2, u3 $A3"
lab_exec u ip route show "$INTRANET" >"$OUT/u-route.txt" 2>&1
expect_grep "config push: u routes the intranet into tun0" "^$(re "$INTRANET") dev tun0" "$OUT/u-route.txt"
if [ -n "$A1" ] && [ -n "$A2" ] && [ -n "$A3" ] && [ "$A1" != "$A2" ] && [ "$A2" != "$A3" ] && [ "$A1" != "$A3" ]; then
	pass "pool: three clients got three different addresses ($A1, $A2, $A3)"
else
	fail "pool: addresses u '$A1', u2 '$A2', u3 '$A3' (expected three different)"
fi

capture_start t sw:br-ext sw:br-int u:tun0 server:tun0 || check_end
lab_exec u ping -c 3 -i 0.2 -W 2 -p "$MARK" "$V" >"$OUT/ping-u.log" 2>&1
lab_exec u2 ping -c 3 -i 0.2 -W 2 "$V" >"$OUT/ping-u2.log" 2>&1
lab_exec u3 ping -c 3 -i 0.2 -W 2 "$V" >"$OUT/ping-u3.log" 2>&1
lab_exec u ping -c 2 -i 0.3 -W 2 -s 3000 "$V" >"$OUT/ping-3000.log" 2>&1
capture_stop t
E=$OUT/t-sw-br-ext.pcap I=$OUT/t-sw-br-int.pcap C=$OUT/t-u-tun0.pcap

for h in u u2 u3; do
	expect_grep "clients: $h pings V through the tunnel and gets its own replies" \
		' 3 received' "$OUT/ping-$h.log"
done
for a in "$A1" "$A2" "$A3"; do
	expect_pcap "$I" --at-least 3 "icmp[icmptype]=icmp-echo and src $a and dst $V" \
		"clients: requests from $a reach V on the intranet"
done
expect_pcap "$C" --at-least 3 "icmp[icmptype]=icmp-echoreply and dst $A1" \
	"clients: u's replies come out of u's tun0"
expect_pcap "$C" --none "icmp and (dst $A2 or dst $A3)" \
	"clients: no other client's packets reach u's tun0"

# Encryption (SEED task 3/4 capture)
expect_pcap "$E" --none "ip and not tcp port $TLS_PORT" \
	"encryption: on the extranet, IP traffic is TCP $TLS_PORT only"
expect_pcap "$E" --none 'icmp' "encryption: no ICMP on the extranet"
expect_pcap "$E" --at-least 6 "tcp port $TLS_PORT and tcp[((tcp[12] & 0xf0) >> 2)] = 0x17" \
	"encryption: TLS application-data records on TCP $TLS_PORT"
expect_pcap "$C" --marker "$MARK_TEXT" "encryption: the marker is in the ping payload inside the tunnel (control)"
expect_pcap "$E" --no-marker "$MARK_TEXT" "encryption: the marker never appears in clear on the extranet"

# Large packets
expect_grep "large packets: ping -s 3000 through the tunnel" ' 2 received' "$OUT/ping-3000.log"
# Non-first fragments (on docker, also the whole datagram: see lab/check.sh).
expect_pcap "$I" --at-least 2 "src $A1 and dst $V and $FRAG_OR_WHOLE" \
	"large packets: the 3028-byte datagrams cross the intranet (as fragments V reassembles)"

# Spoofing: u2 sends with u's address
capture_start s sw:br-int || check_end
lab_exec u2 ip addr add "$A1/32" dev tun0
lab_exec u2 ping -c 3 -i 0.2 -W 1 -I "$A1" "$V" >"$OUT/ping-spoof.log" 2>&1
lab_exec u2 ip addr del "$A1/32" dev tun0
lab_exec u2 ping -c 2 -i 0.2 -W 1 "$V" >"$OUT/ping-nospoof.log" 2>&1
capture_stop s
expect_pcap "$OUT/s-sw-br-int.pcap" --at-least 2 "icmp[icmptype]=icmp-echo and src $A2" \
	"spoofing: (control) u2's packets with its own address do get through"
expect_pcap "$OUT/s-sw-br-int.pcap" --none "icmp and src $A1" \
	"spoofing: u2's packets with u's source address never reach the intranet"
# The facts, not the kit's sentence (README): both addresses in one line.
sp1="(^|[^0-9])$(re "$A1")([^0-9]|$)" sp2="(^|[^0-9])$(re "$A2")([^0-9]|$)"
expect_grep "spoofing: the server logs the drop (a line with the forged source $A1 and the client's address $A2)" \
	"$sp1.*$sp2|$sp2.*$sp1" "$OUT/server.log"

# ---- dead peer detection -------------------------------------------------------
kill -STOP "${BG_PID[c3]}"
if wait_for "the server to notice u3 went silent" 12 grep -q "carol@.*nothing heard" "$OUT/server.log"; then
	pass "keepalive: a silent client is detected ($(grep -m1 -o 'carol@.*nothing heard for [0-9]* s' "$OUT/server.log"))"
else
	fail "keepalive: the server did not close u3's silent session within 12 s"
fi
kill -CONT "${BG_PID[c3]}"
wait_for "u3 to come back" 20 grep -q "reconnecting" "$OUT/c3.log"

# ---- tunnel breaking over TLS (SEED task 6 of the tunnel lab) ---------------------
# shellcheck disable=SC2016  # the inner shell gets its values as $1, $2
lab_bg u tcp bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
	for i in $(seq 1 24); do
		echo "tcp-line-$i" >&3
		read -t 30 -r line <&3 || { echo "no echo for line $i"; exit 1; }
		echo "echo: $line"; sleep 0.5
	done; echo "TCP session survived"' tcp "$V" "$LINE_PORT"
wait_for "the TCP session to start" 10 grep -q "tcp-line-2" "$OUT/tcp.log"
lab_stop server
lab_bg server server2 "$BIN/minivpn-server" --user nobody --shared-user --cert "$PKI/server.crt" --key "$PKI/server.key" \
	--shadow "$OUT/shadow" --keepalive 2,6
wait_for "the restarted server to listen" 10 grep -q "listening on" "$OUT/server2.log"
wait_for "the TCP session to finish" 40 grep -qE "survived|no echo" "$OUT/tcp.log"
expect_grep "restart: the clients reconnect by themselves" "alice@.*logged in" "$OUT/server2.log"
expect_grep "restart: u keeps its tunnel address $A1" "alice@.*tunnel address $A1" "$OUT/server2.log"
expect_grep "restart: a TCP session through the tunnel survives the server restart" \
	'TCP session survived' "$OUT/tcp.log"
wait_for "u2 to log in again" 15 grep -q "bob@.*logged in" "$OUT/server2.log"
lab_exec u2 ping -c 2 -i 0.2 -W 2 "$V" >"$OUT/ping-u2-after.log" 2>&1
expect_grep "restart: u2 pings V again after the restart" ' 2 received' "$OUT/ping-u2-after.log"

# ---- clean teardown -----------------------------------------------------------------
lab_stop c1
expect_grep "teardown: the client removes its address and routes on exit" \
	'address and routes removed' "$OUT/c1.log"
wait_for "the server to free u's address" 5 grep -q "alice@.*session closed" "$OUT/server2.log"
expect_grep "teardown: the server frees the address of a client that leaves" \
	"alice@.*session closed" "$OUT/server2.log"

# ---- abuse ---------------------------------------------------------------------------
# A user cannot take another user's address: dave asks for alice's (free
# now, but leased to alice).
bg_client u steal dave "${GOOD_CA[@]}" --address "$A1"
wait_for "dave to log in" 15 grep -q "dave@.*logged in" "$OUT/server2.log"
expect_grep "steal: dave logs in" "dave@.*logged in" "$OUT/server2.log"
expect_no_grep "steal: dave asking for alice's address $A1 does not get it" \
	"dave@.*tunnel address $A1 " "$OUT/server2.log"
# One session per user: dave logging in again from u2 replaces the first.
bg_client u2 dave2 dave "${GOOD_CA[@]}"
wait_for "the first dave to be replaced" 15 grep -q "taken over" "$OUT/steal.log"
expect_grep "one session per user: a second login replaces the first, which stops" \
	'session taken over by a newer login as dave' "$OUT/steal.log"
lab_stop steal
lab_stop dave2

# A flood of connections that never start TLS (300 from u3: more than all
# the server's slots) does not lock out a real client.
# shellcheck disable=SC2016  # the inner shell gets its values as $1, $2
lab_bg u3 flood bash -c 'n=0; for i in $(seq 300); do
		exec {fd}<>"/dev/tcp/$1/$2" 2>/dev/null && n=$((n + 1)); done
	echo "$n connections opened"; sleep 30' flood "$SERVER_EXT" "$TLS_PORT"
wait_for "the flood" 20 grep -q "connections opened" "$OUT/flood.log"
note "u3: $(cat "$OUT/flood.log")"
bg_client u c1b alice "${GOOD_CA[@]}"
wait_for "alice to log in during the flood" 15 grep -q "logged in as alice" "$OUT/c1b.log"
expect_grep "flood: a client logs in while u3 holds hundreds of idle connections" \
	'logged in as alice' "$OUT/c1b.log"
expect_grep "flood: the server closes the oldest idle connections to make room" \
	'closed to make room' "$OUT/server2.log"
lab_stop c1b
lab_stop flood

# Password guessing: u3 tries carol's password 8 times at once. Checks in
# flight count against the limit, so at most 5 reach the password check,
# the address is banned, and then even the right password is refused.
lab_stop c3
pids=()
for i in $(seq 8); do
	try_client u3 "guess$i" carol "${GOOD_CA[@]}" --password-file "$OUT/pw-wrong" &
	pids+=($!)
done
wait "${pids[@]}"
checked=$(grep -c "carol@$U3.*login failed" "$OUT/server2.log")
if [ "$checked" -le 5 ]; then pass "ban: of 8 parallel guesses only $checked reached the password check"
else fail "ban: $checked of 8 parallel guesses were checked (at most 5 expected)"; fi
expect_grep "ban: the address gets banned" "carol@$U3.*address banned for a while" "$OUT/server2.log"
try_client u3 after-ban carol "${GOOD_CA[@]}"
expect_grep "ban: the right password from a banned address is refused" \
	'login refused by the server: banned' "$OUT/after-ban.log"
expect_grep "ban: ... and the client exits with status 3" '^exit 3$' "$OUT/after-ban.status"

# Secrets: never in a log, never on a command line.
lab_stop c2
hits=$(grep -lE "$PW_ALICE|$PW_BOB|$PW_CAROL|$PW_DAVE|$PW_ERIN|$PW_ROOT|$PW_WRONG" "$OUT"/*.log 2>/dev/null | wc -l)
if [ "$hits" = 0 ]; then pass "secrets: no password in any log"
else fail "secrets: a password appears in $hits log files"; fi
check_end
