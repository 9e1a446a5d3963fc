#!/usr/bin/env bash
# check-clientcert: client certificates (--client-ca), revocation (--crl,
# reread on SIGHUP) and certificate-only logins, in the lab.
#
#   u  10.9.0.5 (alice) --+
#   u2 10.9.0.6 (bob)   --+-- br-ext --[ server ]-- br-int -- v 192.168.60.5
#   u3 10.9.0.7 (others)--+   10.9.0.11
#
# Certificates come from pki.sh (issue-client, revoke-client); "another CA"
# is a second pki.sh init of its own. Judged from the clients' TUN
# addresses, captures on the intranet (pings reach V), and the server's
# log lines for the refusals, each checked against the refused client
# having no tunnel.
. "$(dirname "$0")/../lab/check.sh"
check_begin clientcert
need_tool openssl openssl || check_end
for p in minivpn-server minivpn-client minivpn-passwd; do need_prog "$BIN/$p" || check_end; done

T10=$ROOT/task10-tls
PKI=$OUT/pki
OTHER=$OUT/other-pki
CRL=$OUT/server-crl.pem     # the server's copy, as an admin deploys it

# ---- set-up: PKI, users ---------------------------------------------------------------------
if ! { "$T10/pki.sh" --name "$TLS_NAME" --out "$PKI" &&
       "$T10/pki.sh" issue-client alice --out "$PKI" &&
       "$T10/pki.sh" issue-client bob --out "$PKI" &&
       "$T10/pki.sh" crl --out "$PKI" &&
       "$T10/pki.sh" --name other.example --out "$OTHER" &&
       "$T10/pki.sh" issue-client carol --out "$OTHER"; } >"$OUT/pki.log" 2>&1; then
	fail "pki.sh failed: $(tail -1 "$OUT/pki.log")"
	check_end
fi
cp "$PKI/crl.pem" "$CRL"
for u in alice bob carol; do
	(umask 077; echo "$u-$$-pw" >"$OUT/pw-$u")
	"$BIN/minivpn-passwd" "$OUT/users" add "$u" <"$OUT/pw-$u" >>"$OUT/passwd.log" 2>&1
done

SERVER_ARGS=(--cert "$PKI/server.crt" --key "$PKI/server.key" --listen "0.0.0.0:$TLS_PORT"
             --route "$INTRANET" --shadow "$OUT/users" --user nobody --shared-user
             --client-ca "$PKI/ca.crt" --crl "$CRL")
# client NAME HOST USER [ARGS...]: a client that logs in as USER
client() {
	local name=$1 host=$2 user=$3
	shift 3
	lab_bg "$host" "$name" "$BIN/minivpn-client" --server "$TLS_NAME:$TLS_PORT" --connect "$SERVER_EXT" \
		--ca-file "$PKI/ca.crt" --login "$user" --no-dns "$@"
}
# refused NAME HOST DESC PATTERN: the client NAME on HOST ended without a
# tunnel, and the server's log has PATTERN for HOST's address.
refused() {
	local name=$1 host=$2 desc=$3 pat=$4 addr
	addr=$(lab_exec "$host" ip -4 -o addr show 2>/dev/null | sed -nE 's/.* inet (10\.9\.0\.[0-9]+).*/\1/p' | head -1)
	wait_for "the server to refuse $name" 10 grep -qE "$addr:[0-9]+: .*$pat" "$OUT/server.log"
	if has_tun_addr "$host"; then
		crit fail "$desc: $host has a tunnel ($(tun_addr "$host"))"
	elif grep -qE "$addr:[0-9]+: .*$pat" "$OUT/server.log"; then
		crit pass "$desc: no tunnel; the server says: $(grep -m1 -oE "$addr:[0-9]+: .*$pat.{0,40}" "$OUT/server.log" | cut -c1-160)"
	else
		crit fail "$desc: the server's log has no '$pat' for $addr: $(tail -2 "$OUT/server.log" | tr '\n' ' ')"
	fi
	lab_stop "$name"
}

# ---- certificate and password ----------------------------------------------------------------
lab_bg server server "$BIN/minivpn-server" "${SERVER_ARGS[@]}"
if ! wait_for "minivpn-server to listen" 10 grep -q "listening on" "$OUT/server.log"; then
	fail "minivpn-server --client-ca did not start: $(tail -2 "$OUT/server.log" | tr '\n' ' ')"
	check_end
fi
expect_grep "crl: the server logs the CRL it read, with its count of revoked serials (0)" \
	"crl $CRL: 0 revoked serials" "$OUT/server.log"
client c-alice u alice --cert "$PKI/clients/alice.crt" --key "$PKI/clients/alice.key" --password-file "$OUT/pw-alice"
client c-bob u2 bob --cert "$PKI/clients/bob.crt" --key "$PKI/clients/bob.key" --password-file "$OUT/pw-bob"
wait_for "alice's tunnel" 15 has_tun_addr u
wait_for "bob's tunnel" 15 has_tun_addr u2
A1=$(tun_addr u) A2=$(tun_addr u2)
if [ -n "$A1" ] && [ -n "$A2" ] && grep -q "alice@$U:[0-9]*: logged in" "$OUT/server.log" &&
   grep -q "bob@$U2:[0-9]*: logged in" "$OUT/server.log"; then
	crit pass "certificate + password: alice and bob log in as themselves ($A1, $A2)"
else
	crit fail "certificate + password: u '$A1', u2 '$A2': $(tail -1 "$OUT/c-alice.log") / $(tail -1 "$OUT/c-bob.log")"
	check_end
fi
capture_start t sw:br-int || check_end
lab_exec u ping -c 3 -i 0.2 -W 2 "$V" >"$OUT/ping-u.log" 2>&1
capture_stop t
expect_pcap "$OUT/t-sw-br-int.pcap" --at-least 3 "icmp[icmptype]=icmp-echo and src $A1 and dst $V" \
	"certificate + password: alice's pings reach V through the tunnel"

# ---- refused: no certificate, another CA, a certificate for someone else ------------------------
client c-nocert u3 carol --password-file "$OUT/pw-carol" --no-reconnect
refused c-nocert u3 "no certificate: refused in the handshake" \
	"TLS handshake failed: .*(peer did not return a certificate|certificate required)"
expect_grep "no certificate: ... and the client says the server asked for one" \
	'the server asks for a client certificate and none is given' "$OUT/c-nocert.log"
client c-other u3 carol --cert "$OTHER/clients/carol.crt" --key "$OTHER/clients/carol.key" \
	--password-file "$OUT/pw-carol" --no-reconnect
refused c-other u3 "another CA's certificate: refused in the handshake" \
	"client certificate refused: untrusted issuer"
# bob's password with alice's certificate: the certificate speaks for alice only
client c-mixed u3 bob --cert "$PKI/clients/alice.crt" --key "$PKI/clients/alice.key" \
	--password-file "$OUT/pw-bob" --no-reconnect
refused c-mixed u3 "alice's certificate with bob's user name and password: refused" \
	"refused: user 'bob' is not the client certificate's \('alice'\)"

# ---- revocation: pki.sh revoke-client, SIGHUP, no restart -----------------------------------------
# bob stays connected: the reload must end his session too.
# revoke-client removes bob's key with his certificate; a stolen copy is
# what revocation is for.
cp "$PKI/clients/bob.key" "$OUT/bob.key"
if ! "$T10/pki.sh" revoke-client bob --out "$PKI" >>"$OUT/pki.log" 2>&1; then
	fail "pki.sh revoke-client bob failed: $(tail -1 "$OUT/pki.log")"
	check_end
fi
cp "$PKI/crl.pem" "$CRL"     # in place: the server keeps the file open
SPID=${BG_PID[server]}
kill -HUP "$SPID"
wait_for "the server to reread the CRL" 5 grep -q "crl $CRL: 1 revoked serial$" "$OUT/server.log"
expect_grep "crl: SIGHUP rereads it: 1 revoked serial" "crl $CRL: 1 revoked serial\$" "$OUT/server.log"
expect_alive "crl: the server still runs after SIGHUP (not restarted)" server
bob_gone() { ! lab_alive c-bob && ! has_tun_addr u2; }
if wait_for "bob's client to stop" 10 bob_gone; then
	bg_exit_note c-bob || true
	if grep -q "bob@$U2:[0-9]*: client certificate revoked: session closed" "$OUT/server.log" &&
	   grep -q '^exit 3$' "$OUT/c-bob.status" 2>/dev/null; then
		crit pass "revoked: bob's live session is closed at the reload, his client stops (exit 3) and his tunnel is gone"
	else
		crit fail "revoked: bob's client ended ($(cat "$OUT/c-bob.status" 2>/dev/null)) but the server did not say it closed his session for the revocation: $(tail -2 "$OUT/server.log" | tr '\n' ' ')"
	fi
else
	crit fail "revoked: bob's session survives the reload (u2 tunnel '$(tun_addr u2)'): $(tail -1 "$OUT/c-bob.log")"
	lab_stop c-bob
fi
if [ "$(grep -c 'listening on' "$OUT/server.log")" = 1 ]; then
	pass "crl: ... the same process (one 'listening on' in its log, pid $SPID)"
else
	fail "crl: the server's log says 'listening on' $(grep -c 'listening on' "$OUT/server.log") times"
fi
# bob's old certificate file, kept by revoke-client under its serial
bobcrt=$(find "$PKI/clients" -name "bob.*.revoked.crt" 2>/dev/null | head -1)
if [ -n "$bobcrt" ] && openssl verify -crl_check -CAfile "$PKI/ca.crt" -CRLfile "$PKI/crl.pem" "$bobcrt" 2>&1 | grep -q 'revoked'; then
	pass "pki.sh revoke-client: openssl verify -crl_check calls bob's certificate revoked"
else
	fail "pki.sh revoke-client: bob's certificate ($bobcrt) is not revoked by $PKI/crl.pem"
fi
if [ -f "$OUT/bob.key" ] && [ -n "$bobcrt" ]; then
	client c-bob2 u2 bob --cert "$bobcrt" --key "$OUT/bob.key" --password-file "$OUT/pw-bob" --no-reconnect
	refused c-bob2 u2 "revoked: bob's certificate is refused after revoke-client + SIGHUP" \
		"client certificate refused: certificate revoked"
else
	crit fail "revoked: no copy of bob's certificate and key to try"
fi
capture_start t2 sw:br-int || check_end
lab_exec u ping -c 3 -i 0.2 -W 2 "$V" >"$OUT/ping-u2.log" 2>&1
capture_stop t2
expect_pcap "$OUT/t2-sw-br-int.pcap" --at-least 3 "icmp[icmptype]=icmp-echo and src $A1 and dst $V" \
	"revoked: alice (not revoked) still pings V after the reload"
lab_stop c-alice
lab_stop server

# ---- --client-cert-only: the certificate is the login ------------------------------------------------
: >"$OUT/server.log"
lab_bg server server "$BIN/minivpn-server" "${SERVER_ARGS[@]}" --client-cert-only
if ! wait_for "minivpn-server --client-cert-only to listen" 10 grep -q "listening on" "$OUT/server.log"; then
	fail "minivpn-server --client-cert-only did not start: $(tail -2 "$OUT/server.log" | tr '\n' ' ')"
	check_end
fi
client c-alice3 u alice --cert "$PKI/clients/alice.crt" --key "$PKI/clients/alice.key" --no-password
if wait_for "alice's tunnel (certificate only)" 15 has_tun_addr u &&
   grep -q "alice@$U:[0-9]*: logged in" "$OUT/server.log"; then
	A1=$(tun_addr u)
	crit pass "certificate only: alice logs in with no password ($A1)"
	capture_start t3 sw:br-int || check_end
	lab_exec u ping -c 3 -i 0.2 -W 2 "$V" >"$OUT/ping-u3.log" 2>&1
	capture_stop t3
	expect_pcap "$OUT/t3-sw-br-int.pcap" --at-least 3 "icmp[icmptype]=icmp-echo and src $A1 and dst $V" \
		"certificate only: alice's pings reach V through the tunnel"
else
	crit fail "certificate only: alice did not log in: $(tail -2 "$OUT/c-alice3.log" | tr '\n' ' ')"
	skip "alice did not log in" "certificate only: alice's pings reach V through the tunnel"
fi
client c-as-bob u3 bob --cert "$PKI/clients/alice.crt" --key "$PKI/clients/alice.key" --no-password --no-reconnect
refused c-as-bob u3 "certificate only: alice's certificate with the user name bob is refused" \
	"refused: user 'bob' is not the client certificate's \('alice'\)"
lab_stop c-alice3
lab_stop server

check_end
