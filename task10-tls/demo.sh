#!/usr/bin/env bash
# demo.sh - `make demo`: the TLS VPN working, with two clients, and what an
# eavesdropper on the extranet sees.
#
#   u  10.9.0.5 (alice) --+                                    +-- v 192.168.60.5
#   u2 10.9.0.6 (bob)   --+-- br-ext --[ server ]-- br-int ----+
#                               ^ captured   minivpn-server :4433
#
# It runs in a lab of its own and removes it at the end (or on ^C). The
# assertions print PASS/FAIL like the checks do; their captures and logs
# stay in out/demo/.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BIN=${BIN:-$ROOT/build/rel/bin}
export KIT_BIN=${KIT_BIN:-$BIN}
export OUT=$ROOT/out/demo
. "$ROOT/lab/check.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Bringing up the lab network (network namespaces, no docker)"
check_begin demo
for p in minivpn-server minivpn-client; do need_prog "$BIN/$p" || check_end; done
need_tool openssl openssl || check_end

say "Certificates: a lab CA and a certificate for vpnlabserver.com (make pki)"
PKI=$OUT/pki
"$ROOT/task10-tls/pki.sh" --name vpnlabserver.com --out "$PKI" >"$OUT/pki.log" 2>&1 ||
	{ fail "make pki failed: $(tail -1 "$OUT/pki.log")"; check_end; }
openssl x509 -in "$PKI/server.crt" -noout -subject -issuer -ext subjectAltName | sed 's/^/   /'

say "Users alice and bob, in a shadow-format file (sha512crypt); passwords in 0600 files"
(
	umask 077
	for u in alice bob; do
		openssl rand -hex 12 >"$OUT/pw-$u"
		echo "$u:$(openssl passwd -6 -in "$OUT/pw-$u"):19000:0:99999:7:::"
	done >"$OUT/shadow"
)
cut -d: -f1,2 "$OUT/shadow" | sed -E 's/^([^:]*):(.{20}).*/   \1:\2.../'

say "Server on $SERVER_EXT:4433; capturing the extranet (what an eavesdropper sees)"
capture_start wire sw:br-ext sw:br-int || check_end
lab_bg server server "$BIN/minivpn-server" --user nobody --shared-user --cert "$PKI/server.crt" --key "$PKI/server.key" \
	--shadow "$OUT/shadow"
wait_for "the server to listen" 10 grep -q "listening on" "$OUT/server.log" ||
	{ fail "minivpn-server did not start: $(tail -1 "$OUT/server.log")"; check_end; }
sed 's/^/   /' "$OUT/server.log"

say "Clients: alice on U, bob on U2 (each checks the certificate and the name)"
lab_bg u alice "$BIN/minivpn-client" --server vpnlabserver.com --ca-dir "$PKI/ca-dir" \
	--login alice --password-file "$OUT/pw-alice"
lab_bg u2 bob "$BIN/minivpn-client" --server vpnlabserver.com --ca-dir "$PKI/ca-dir" \
	--login bob --password-file "$OUT/pw-bob"
for c in alice bob; do
	wait_for "$c to log in" 10 grep -q "route" "$OUT/$c.log" ||
		fail "$c did not get a tunnel: $(tail -1 "$OUT/$c.log")"
	echo "   --- $c"
	sed 's/^/   /' "$OUT/$c.log"
done

say "U and U2 ping V ($V) through the tunnel, with 'SECRET-MARKER' in the payload"
MARK=5345435245542d4d41524b4552
for h in u u2; do
	echo "   --- $h"
	lab_exec "$h" ping -c 3 -i 0.3 -W 2 -p "$MARK" "$V" 2>&1 | sed 's/^/   /'
done
echo "   --- U without the VPN could not reach V at all (SEED's U has no route to it)."
capture_stop wire

say "The extranet capture, as tcpdump shows it (data segments after the handshakes)"
if command -v tcpdump >/dev/null; then
	tcpdump -nr "$OUT/wire-sw-br-ext.pcap" 'tcp[tcpflags] & tcp-push != 0' 2>/dev/null |
		sed -n '5,12p' | cut -c1-110 | sed 's/^/   /'
fi
say "What the capture proves"
expect_pcap "$OUT/wire-sw-br-ext.pcap" --none 'icmp' "no ICMP crosses the extranet: the pings are inside TLS"
expect_pcap "$OUT/wire-sw-br-ext.pcap" --no-marker SECRET-MARKER "the marker never appears in clear"
expect_pcap "$OUT/wire-sw-br-ext.pcap" --none 'ip and not (tcp port 4433)' "all IP traffic on the extranet is TCP port 4433"
expect_pcap "$OUT/wire-sw-br-int.pcap" --marker SECRET-MARKER "on the intranet, behind the server, the same pings carry the marker in clear"
expect_pcap "$OUT/wire-sw-br-ext.pcap" --at-least 6 'tcp port 4433 and tcp[((tcp[12]>>4)*4)]=0x17' "TLS application-data records carry the traffic"
say "Next: make check (every task's check), make shell HOST=u, task10-tls/README.md for real machines"
check_end
