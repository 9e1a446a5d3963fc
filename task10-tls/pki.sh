#!/bin/bash
# pki.sh - the certificates of the TLS VPN, made with the openssl tool.
#
#   pki.sh [init] [--name NAME] [--out DIR] [--force]
#       a new CA and a server certificate for NAME in DIR:
#         ca.crt, ca.key          the CA (clients trust ca.crt; keep ca.key
#                                 on the admin's machine, off the VPN server)
#         ca-dir/                 ca.crt + its hash link (openssl rehash),
#                                 for minivpn-client --ca-dir
#         server.crt, server.key  the server, CN and subjectAltName = NAME
#         NAME                    a file holding NAME, for scripts
#       Refuses when DIR already has a CA: replacing it would lock out every
#       client that trusts the old one. --force replaces it.
#   pki.sh issue-server NAME [--out DIR] [--force]
#       NAME.crt, NAME.key: another server certificate from DIR's CA
#   pki.sh issue-client USER [--out DIR] [--force]
#       clients/USER.crt, .key: a client certificate (CN = USER) from DIR's CA
#   pki.sh revoke-client USER [--out DIR]
#       revokes clients/USER.crt (kept as clients/USER.SERIAL.revoked.crt,
#       so that USER can get a new one), then writes DIR/crl.pem as crl does
#   pki.sh crl [--out DIR] [--days N]
#       DIR/crl.pem: the CA's list of revoked certificates, valid N days
#       (default 30; issue a new one before then, or the server refuses
#       every client certificate). The revocations are kept in
#       DIR/ca-db/index.txt (openssl ca's database). crl.pem is rewritten
#       in place: minivpn-server --crl keeps it open, SIGHUP rereads it
#   pki.sh test-certs --ca DIR --out TESTDIR [--name NAME]
#       the checks' bad certificates, in a directory of their own (never
#       the PKI an admin deploys):
#         rogue-ca.crt, .key      a CA nobody trusts ...
#         rogue.crt, rogue.key    ... and its certificate for NAME (a man in
#                                 the middle)
#         expired.crt, .key       signed by DIR's CA, valid in 2020 only
#
# DIR is task10-tls/pki by default (./pki for the installed minivpn-pki).
# Keys are mode 0600.
set -euo pipefail

CMD=init
case "${1:-}" in
init|issue-server|issue-client|revoke-client|crl|test-certs) CMD=$1; shift ;;
esac
NAME=vpnlabserver.com
# In the source tree, task10-tls/pki; installed (minivpn-pki), ./pki.
OUT=$(dirname "$0")/pki
[ -f "$(dirname "$0")/module.mk" ] || OUT=./pki
CA_DIR=
FORCE=0
ARG=
DAYS=30
case $CMD in
issue-server|issue-client|revoke-client)
	if [ $# = 0 ] || [ "${1#-}" != "$1" ]; then
		echo "pki.sh $CMD: expected a name" >&2
		exit 2
	fi
	ARG=$1; shift ;;
esac
while [ $# -gt 0 ]; do
	case "$1" in
	--name) NAME=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--ca) CA_DIR=$2; shift 2 ;;
	--force) FORCE=1; shift ;;
	--days)
		[[ ${2:-} =~ ^[1-9][0-9]{0,3}$ ]] || { echo "pki.sh: --days: expected 1 to 9999" >&2; exit 2; }
		DAYS=$2; shift 2 ;;
	-h|--help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "pki.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
command -v openssl >/dev/null || { echo "pki.sh: needs the openssl tool: apt-get install openssl" >&2; exit 1; }
# Names end up in file names and in openssl -subj: keep them plain.
valid_name() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; }
for n in "$NAME" ${ARG:+"$ARG"}; do
	valid_name "$n" || { echo "pki.sh: '$n' is not a plain name (letters, digits, '.', '_', '-')" >&2; exit 2; }
done

run() { echo "+ $*"; "$@"; }
newkey() { run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

# ext_cnf FILE SAN: the extensions of CAs, servers and clients.
ext_cnf() {
	cat >"$1" <<EOC
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$2
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOC
}

# issue CA LEAF CN EXT: LEAF.key and LEAF.crt (825 days), signed by CA.crt
# and CA.key. Serial numbers are random (openssl 3 without -CAserial).
issue() {
	local ca=$1 leaf=$2 cn=$3 ext=$4 tmp
	tmp=$(mktemp -d)
	ext_cnf "$tmp/ext.cnf" "$cn"
	newkey "$leaf.key"
	run openssl req -new -key "$leaf.key" -out "$tmp/req.csr" -subj "/CN=$cn/O=VPN Lab"
	run openssl x509 -req -in "$tmp/req.csr" -CA "$ca.crt" -CAkey "$ca.key" \
		-out "$leaf.crt" -days 825 -extfile "$tmp/ext.cnf" -extensions "$ext"
	chmod 644 "$leaf.crt"
	rm -rf "$tmp"
}

need_ca() {
	if [ ! -f "$1/ca.crt" ] || [ ! -f "$1/ca.key" ]; then
		echo "pki.sh: no CA in $1 (ca.crt and ca.key; make one with: pki.sh init --out $1)" >&2
		exit 1
	fi
}

# refuse_existing FILE...: stop unless --force when one of them exists.
refuse_existing() {
	local f
	[ "$FORCE" = 1 ] && return 0
	for f in "$@"; do
		if [ -e "$f" ]; then
			echo "pki.sh: $f exists: not replaced (--force to replace it)" >&2
			exit 1
		fi
	done
}

# ca_db_cnf DIR: openssl ca's configuration for DIR's CA and its
# database of revocations (DIR/ca-db), made on first use.
ca_db_cnf() {
	mkdir -p "$1/ca-db"
	[ -f "$1/ca-db/index.txt" ] || : >"$1/ca-db/index.txt"
	[ -f "$1/ca-db/crlnumber" ] || echo 1000 >"$1/ca-db/crlnumber"
	cat >"$1/ca-db/ca.cnf" <<EOC
[ca]
default_ca = vpn
[vpn]
database = $1/ca-db/index.txt
crlnumber = $1/ca-db/crlnumber
new_certs_dir = $1/ca-db
certificate = $1/ca.crt
private_key = $1/ca.key
default_md = sha256
default_crl_days = $DAYS
unique_subject = no
EOC
}

# gen_crl DIR: DIR/crl.pem from the database, rewritten in place (the
# server holds the file open).
gen_crl() {
	local tmp
	ca_db_cnf "$1"
	tmp=$(mktemp)
	run openssl ca -batch -config "$1/ca-db/ca.cnf" -gencrl -crldays "$DAYS" -out "$tmp" 2>/dev/null
	[ -f "$1/crl.pem" ] || install -m 644 /dev/null "$1/crl.pem"
	cat "$tmp" >"$1/crl.pem"
	rm -f "$tmp"
	echo "pki: $1/crl.pem: $(openssl crl -in "$1/crl.pem" -noout -text | grep -c 'Serial Number:') revoked, next update $(openssl crl -in "$1/crl.pem" -noout -nextupdate | cut -d= -f2)"
	echo "  copy it over the server's --crl file (cp, not mv) and send the server SIGHUP"
}

umask 077
case $CMD in
init)
	if [ "$FORCE" = 0 ] && { [ -e "$OUT/ca.key" ] || [ -e "$OUT/ca.crt" ]; }; then
		echo "pki.sh: $OUT already has a CA: not replaced, because every client" >&2
		echo "  trusting it would be refused. To add a server: pki.sh issue-server NAME" >&2
		echo "  --out $OUT; a client: pki.sh issue-client USER --out $OUT; to start" >&2
		echo "  over (all clients need the new ca.crt): --force" >&2
		exit 1
	fi
	rm -rf "$OUT"
	mkdir -p "$OUT/ca-dir"
	# Certificates are public; the directories must be readable by the
	# unprivileged user the client drops to (the CA dir is read at each
	# handshake).
	chmod 755 "$OUT" "$OUT/ca-dir"
	ext_cnf "$OUT/ext.cnf" "$NAME"
	newkey "$OUT/ca.key"
	run openssl req -new -x509 -key "$OUT/ca.key" -out "$OUT/ca.crt" -days 3650 \
		-subj "/CN=VPN Lab CA/O=VPN Lab" -config "$OUT/ext.cnf" -extensions ca
	rm -f "$OUT/ext.cnf"
	chmod 644 "$OUT/ca.crt"
	issue "$OUT/ca" "$OUT/server" "$NAME" server
	cp "$OUT/ca.crt" "$OUT/ca-dir/ca.crt"
	run openssl rehash "$OUT/ca-dir"
	chmod 644 "$OUT/ca-dir/ca.crt"
	echo "$NAME" >"$OUT/NAME"
	chmod 644 "$OUT/NAME"
	echo "pki: a CA and a certificate for $NAME in $OUT"
	openssl x509 -in "$OUT/server.crt" -noout -subject -ext subjectAltName -enddate | sed 's/^/  server.crt: /'
	echo "  the server needs server.crt and server.key; clients need ca.crt; ca.key stays here"
	;;
issue-server)
	need_ca "$OUT"
	refuse_existing "$OUT/$ARG.crt" "$OUT/$ARG.key"
	issue "$OUT/ca" "$OUT/$ARG" "$ARG" server
	echo "pki: $OUT/$ARG.crt and $ARG.key for the server $ARG"
	;;
issue-client)
	need_ca "$OUT"
	mkdir -p "$OUT/clients"
	refuse_existing "$OUT/clients/$ARG.crt" "$OUT/clients/$ARG.key"
	issue "$OUT/ca" "$OUT/clients/$ARG" "$ARG" client
	echo "pki: $OUT/clients/$ARG.crt and $ARG.key for the user $ARG"
	;;
revoke-client)
	need_ca "$OUT"
	crt=$OUT/clients/$ARG.crt
	[ -f "$crt" ] || { echo "pki.sh: no $crt to revoke" >&2; exit 1; }
	ca_db_cnf "$OUT"
	# openssl ca adds a certificate it did not issue to its database, then
	# marks it revoked.
	run openssl ca -batch -config "$OUT/ca-db/ca.cnf" -revoke "$crt" 2>/dev/null
	serial=$(openssl x509 -in "$crt" -noout -serial | cut -d= -f2)
	mv "$crt" "$OUT/clients/$ARG.$serial.revoked.crt"
	rm -f "$OUT/clients/$ARG.key"
	echo "pki: $ARG's certificate (serial $serial) revoked"
	gen_crl "$OUT"
	;;
crl)
	need_ca "$OUT"
	gen_crl "$OUT"
	;;
test-certs)
	[ -n "$CA_DIR" ] || { echo "pki.sh test-certs: --ca DIR is required" >&2; exit 2; }
	need_ca "$CA_DIR"
	if [ -e "$OUT" ] && [ "$(cd "$OUT" && pwd -P)" = "$(cd "$CA_DIR" && pwd -P)" ]; then
		echo "pki.sh test-certs: --out must not be the CA's directory: the test certificates stay apart" >&2
		exit 2
	fi
	rm -rf "$OUT"
	mkdir -p "$OUT/ca-db"
	chmod 755 "$OUT"
	ext_cnf "$OUT/ext.cnf" "$NAME"
	# A CA nobody trusts, and its certificate for the same name.
	newkey "$OUT/rogue-ca.key"
	run openssl req -new -x509 -key "$OUT/rogue-ca.key" -out "$OUT/rogue-ca.crt" -days 3650 \
		-subj "/CN=Rogue CA/O=VPN Lab" -config "$OUT/ext.cnf" -extensions ca
	issue "$OUT/rogue-ca" "$OUT/rogue" "$NAME" server
	# An expired certificate: `openssl x509 -days` cannot go back in time,
	# but `openssl ca` takes explicit -startdate/-enddate.
	newkey "$OUT/expired.key"
	run openssl req -new -key "$OUT/expired.key" -out "$OUT/expired.csr" -subj "/CN=$NAME/O=VPN Lab"
	: >"$OUT/ca-db/index.txt"
	echo 1000 >"$OUT/ca-db/serial"
	cat >"$OUT/ca.cnf" <<EOC
[ca]
default_ca = lab
[lab]
database = $OUT/ca-db/index.txt
serial = $OUT/ca-db/serial
new_certs_dir = $OUT/ca-db
certificate = $CA_DIR/ca.crt
private_key = $CA_DIR/ca.key
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
organizationName = optional
EOC
	run openssl ca -batch -notext -config "$OUT/ca.cnf" -in "$OUT/expired.csr" -out "$OUT/expired.crt" \
		-startdate 20200101000000Z -enddate 20201231235959Z \
		-extfile "$OUT/ext.cnf" -extensions server 2>/dev/null
	chmod 644 "$OUT/rogue-ca.crt" "$OUT/rogue.crt" "$OUT/expired.crt"
	rm -f "$OUT/expired.csr" "$OUT/ext.cnf" "$OUT/ca.cnf"
	echo "pki: test certificates for $NAME in $OUT (rogue CA, rogue server, expired)"
	;;
esac
