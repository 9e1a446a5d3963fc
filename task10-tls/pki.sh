#!/bin/bash
# pki.sh - the certificates of the TLS VPN lab, made with the openssl tool.
#
#   pki/ca.crt, ca.key            the lab CA (trusted by clients)
#   pki/ca-dir/                   ca.crt + its hash link (openssl rehash),
#                                 for minivpn-client --ca-dir
#   pki/server.crt, server.key    the server, CN and subjectAltName = NAME
#   pki/rogue-ca.crt, .key        a CA nobody trusts ...
#   pki/rogue.crt, rogue.key      ... and its certificate for the same NAME
#                                 (a man in the middle)
#   pki/expired.crt, expired.key  signed by the lab CA, valid in 2020 only
#   pki/NAME                      a file holding NAME, for scripts
#
# Keys are mode 0600. Usage: pki.sh [--name NAME] [--out DIR] [--force]
set -euo pipefail

NAME=vpnlabserver.com
OUT=$(dirname "$0")/pki
FORCE=0
while [ $# -gt 0 ]; do
	case "$1" in
	--name) NAME=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--force) FORCE=1; shift ;;
	-h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "pki.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
command -v openssl >/dev/null || { echo "pki.sh: needs the openssl tool: apt-get install openssl" >&2; exit 1; }

if [ -f "$OUT/server.crt" ] && [ "$FORCE" = 0 ] && [ "$(cat "$OUT/NAME" 2>/dev/null)" = "$NAME" ]; then
	echo "pki: $OUT already has certificates for $NAME (--force to remake)"
	exit 0
fi

run() { echo "+ $*"; "$@"; }

umask 077
rm -rf "$OUT"
mkdir -p "$OUT/ca-dir" "$OUT/ca-db"
# Certificates are public; the directories must be readable by the
# unprivileged user the client drops to (the CA dir is read at each handshake).
chmod 755 "$OUT" "$OUT/ca-dir"
cd "$OUT"

newkey() { run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

# Extensions for CAs and for the server.
cat >ext.cnf <<EOC
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$NAME
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOC

# The lab CA and a rogue CA, self-signed.
for ca in ca rogue-ca; do
	cn="VPN Lab CA"; [ $ca = rogue-ca ] && cn="Rogue CA"
	newkey $ca.key
	run openssl req -new -x509 -key $ca.key -out $ca.crt -days 3650 \
		-subj "/CN=$cn/O=VPN Lab" -config ext.cnf -extensions ca
done

# The server certificate, and the rogue one for the same name.
for crt in server:ca rogue:rogue-ca; do
	leaf=${crt%%:*}; ca=${crt##*:}
	newkey "$leaf.key"
	run openssl req -new -key "$leaf.key" -out "$leaf.csr" -subj "/CN=$NAME/O=VPN Lab"
	run openssl x509 -req -in "$leaf.csr" -CA "$ca.crt" -CAkey "$ca.key" \
		-CAcreateserial -out "$leaf.crt" -days 825 -extfile ext.cnf -extensions server
done

# An expired certificate: `openssl x509 -days` cannot go back in time, but
# `openssl ca` takes explicit -startdate/-enddate.
newkey expired.key
run openssl req -new -key expired.key -out expired.csr -subj "/CN=$NAME/O=VPN Lab"
: >ca-db/index.txt
echo 1000 >ca-db/serial
cat >ca.cnf <<EOC
[ca]
default_ca = lab
[lab]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
certificate = ca.crt
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
organizationName = optional
EOC
run openssl ca -batch -notext -config ca.cnf -in expired.csr -out expired.crt \
	-startdate 20200101000000Z -enddate 20201231235959Z \
	-extfile ext.cnf -extensions server 2>/dev/null

# The client's CA directory: the CA and its subject-hash link.
cp ca.crt ca-dir/ca.crt
run openssl rehash ca-dir
chmod 644 ca.crt rogue-ca.crt server.crt rogue.crt expired.crt ca-dir/*.crt
echo "$NAME" >NAME
chmod 644 NAME
rm -f ./*.csr ./*.srl
echo "pki: certificates for $NAME in $OUT"
openssl x509 -in server.crt -noout -subject -ext subjectAltName -enddate | sed 's/^/  server.crt: /'
openssl x509 -in expired.crt -noout -enddate | sed 's/^/  expired.crt: /'
