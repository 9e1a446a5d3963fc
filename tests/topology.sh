#!/usr/bin/env bash
# topology.sh - lab/topology.sh is the one plan of the lab: the docker
# compose files and the programs' built-in defaults (SEED's literal
# addresses, the task contracts) must agree with it. No lab, no docker: it
# reads the compose files and asks each program's --help for its defaults.
# Prints one PASS/FAIL line per assertion and "topology: N passed, M failed".
#
#   tests/topology.sh [BIN]      (BIN: the programs, default build/rel/bin)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/rel/bin}
# shellcheck source=lab/topology.sh
. "$ROOT/lab/topology.sh"
np=0 nf=0
pass() { echo "PASS topology: $*"; np=$((np + 1)); }
fail() { echo "FAIL topology: $*"; nf=$((nf + 1)); }

# ---- the compose files -------------------------------------------------------
# What the compose files say, one line per fact:
#   link HOST CONTAINER DOCKER-BRIDGE ADDRESS
#   route HOST GATEWAY|none
compose_facts() {
	awk '
	FNR == 1 { sect = "" }
	/^services:/ { sect = "s"; next }
	/^networks:/ { sect = "n"; next }
	/^[^ #]/ { sect = "" }
	sect == "n" && /^  [^ ]/ { net = $1; sub(":", "", net) }
	sect == "n" && /bridge.name:/ { bridge[net] = $2 }
	sect == "s" && /^  [^ ]/ { svc = $1; sub(":", "", svc); host[svc] = "" }
	sect == "s" && /LAB_HOST:/ {
		h = $0; sub(/.*LAB_HOST: */, "", h); sub(/[ ,}].*/, "", h); host[svc] = h
	}
	sect == "s" && /LAB_DEFAULT_ROUTE:/ {
		r = $0; sub(/.*LAB_DEFAULT_ROUTE: */, "", r); sub(/[ ,}].*/, "", r); route[svc] = r
	}
	sect == "s" && /ipv4_address:/ {
		n = $1; sub(":", "", n); a = $0; sub(/.*ipv4_address: */, "", a); sub(/[ }].*/, "", a)
		nlinks++; lsvc[nlinks] = svc; lnet[nlinks] = n; laddr[nlinks] = a
	}
	END {
		for (i = 1; i <= nlinks; i++)
			print "link", host[lsvc[i]], lsvc[i], bridge[lnet[i]], laddr[i]
		for (s in route) print "route", host[s], route[s]
	}' "$@"
}

# What topology.sh says, in the same form.
plan_facts() {
	local h br addr dst via c b
	declare -A cont=() dbr=() gw=()
	while read -r h c; do [ -n "$h" ] && cont[$h]=$c; done <<<"$LAB_DOCKER_NAMES"
	while read -r br b; do [ -n "$br" ] && dbr[$br]=$b; done <<<"$LAB_DOCKER_BRIDGES"
	while read -r h _ br addr; do
		[ -n "$h" ] && echo "link $h ${cont[$h]:-?} ${dbr[$br]:-?} ${addr%/*}"
	done <<<"$LAB_LINKS_BASE$LAB_LINKS_PRIVATE"
	while read -r h dst via; do
		[ -n "$h" ] && [ "$dst" = default ] && gw[$h]=$via
	done <<<"$LAB_ROUTES_BASE$LAB_ROUTES_PRIVATE"
	for h in $LAB_HOSTS_BASE $LAB_HOSTS_PRIVATE; do
		# The routers take no default route; every other host has one or none.
		case " $(echo "$LAB_SYSCTLS_BASE$LAB_SYSCTLS_PRIVATE" | awk '/ip_forward=1/ {print $1}' | tr '\n' ' ') " in
		*" $h "*) continue ;;
		esac
		echo "route $h ${gw[$h]:-none}"
	done
}

compose=("$ROOT/docker/docker-compose.yml" "$ROOT/docker/docker-compose.private.yml")
have=$(compose_facts "${compose[@]}" | sort)
want=$(plan_facts | sort)
if [ -z "$have" ]; then
	fail "the compose files say nothing this test can read (${compose[*]#"$ROOT"/})"
elif [ "$have" = "$want" ]; then
	pass "docker/docker-compose*.yml agree with lab/topology.sh ($(echo "$want" | grep -c '^link') links, $(echo "$want" | grep -c '^route') default routes)"
else
	fail "docker/docker-compose*.yml and lab/topology.sh differ (< compose, > topology):$(diff <(echo "$have") <(echo "$want") | grep '^[<>]' | tr '\n' ';')"
fi

# ---- the programs' defaults ----------------------------------------------------
# PROG 'TEXT' ...: PROG --help must mention each TEXT as its default.
defaults() {
	local prog=$1 help t missing=
	shift
	if [ ! -x "$BIN/$prog" ]; then
		fail "$BIN/$prog does not exist: build it with 'make'"
		return
	fi
	help=$("$BIN/$prog" --help 2>&1)
	for t in "$@"; do
		grep -qF -- "$t" <<<"$help" || missing="$missing '$t'"
	done
	if [ -z "$missing" ]; then
		pass "$prog's defaults are the lab's: $*"
	else
		fail "$prog --help does not give the lab's defaults:$missing"
	fi
}
defaults tun-client "default $TUN_U/$TUN_PLEN" "$INTRANET" "default $SERVER_EXT:$UDP_PORT"
defaults tun-server "default $TUN_SERVER/$TUN_PLEN" "default $UDP_PORT"
defaults vpn-client "default $TUN_U/$TUN_PLEN" "$INTRANET" "default $SERVER_EXT:$UDP_PORT"
defaults vpn-server "default $TUN_SERVER/$TUN_PLEN" "default $UDP_PORT"
defaults tap-arp "default $TUN_U/$TUN_PLEN"
defaults minivpn-server "0.0.0.0:$TLS_PORT" "$TLS_POOL" "$INTRANET"
defaults minivpn-client "port $TLS_PORT"

# ---- the v6 plan: each address in its prefix, all distinct -------------------------
in64() { [ "${2%%::/64}::" = "${1%:*}:" ]; }   # ADDR PREFIX::/64 (a ::N address)
if in64 "$TLS_TUN_SERVER6" "$TLS_POOL6" && in64 "$V6" "$INTRANET6" && in64 "$SERVER_INT6" "$INTRANET6" &&
   [ "$TLS_POOL6" != "$INTRANET6" ] && [ "$V6" != "$SERVER_INT6" ]; then
	pass "v6: $TLS_TUN_SERVER6 in $TLS_POOL6; $V6, $SERVER_INT6 in $INTRANET6; all distinct"
else
	fail "v6: TLS_TUN_SERVER6=$TLS_TUN_SERVER6 (in TLS_POOL6=$TLS_POOL6?), V6=$V6 and SERVER_INT6=$SERVER_INT6 (in INTRANET6=$INTRANET6? distinct?)"
fi

echo "topology: $np passed, $nf failed"
[ "$nf" = 0 ]
