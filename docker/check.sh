#!/bin/bash
# check.sh - `make docker-check`: the docker topology, checked end to end.
#
#  client-10.9.0.5/.6/.7 --- net-10.9.0.0 --- [server-router] --- net-192.168.60.0 --- host-192.168.60.5/.6/.7
#  host-192.168.50.5/.6 --- net-192.168.50.0 --- [client-router] --- net-10.9.0.0        (with --private)
#
# Builds the base image if missing and the lab image from the current tree,
# brings the topology up, and checks what SEED's Labsetup promises: the
# kit built inside the image, addresses and routes, U and V reach the
# server, U cannot reach V, with packet captures taken inside the
# containers. Then, when lab/check.sh has the docker backend, it runs the
# task checks with LAB_BACKEND=docker. Every assertion prints one PASS or
# FAIL line; the last line is "docker: N passed, M failed".
#
#   docker/check.sh [--keep] [--no-tasks]
#
# --keep leaves the topology up afterwards (also KEEP=1).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=lab/topology.sh
. "$root/lab/topology.sh"
L=$here/lab-docker.sh
OUT=${OUT:-$root/out/docker}
keep=${KEEP:-0} tasks=1
for a; do
	case $a in
	--keep) keep=1 ;;
	--no-tasks) tasks=0 ;;
	*) echo "usage: docker/check.sh [--keep] [--no-tasks]" >&2; exit 2 ;;
	esac
done

npass=0 nfail=0 nskip=0
pass() { echo "PASS  $*"; npass=$((npass + 1)); }
fail() { echo "FAIL  $*"; nfail=$((nfail + 1)); }
skip() { echo "SKIP  $*"; nskip=$((nskip + 1)); }
say() { printf '+ %s\n' "$*"; }

finish() {
	if [ "$keep" = 1 ]; then
		echo "docker: topology left up (docker/lab-docker.sh down removes it)"
	else
		"$L" down >"$OUT/down.log" 2>&1
	fi
	echo "docker: $npass passed, $nfail failed${nskip:+, $nskip skipped}" |
		sed 's/, 0 skipped$//'
	[ "$nfail" = 0 ]
	exit
}

# expect_ok DESC CMD... / expect_fail DESC CMD...: the command's output
# goes to $OUT/log.
expect_ok() {
	local d=$1; shift
	say "$*" >>"$OUT/log"
	if "$@" >>"$OUT/log" 2>&1; then pass "$d"; else fail "$d (failed: $*)"; fi
}
expect_fail() {
	local d=$1; shift
	say "$*" >>"$OUT/log"
	if "$@" >>"$OUT/log" 2>&1; then fail "$d (succeeded: $*)"; else pass "$d"; fi
}

# ping_ok HOST ADDR: three echoes, all answered.
# shellcheck disable=SC2317  # called through expect_ok and expect_fail
pings() { "$L" exec "$1" ping -n -c "${3:-3}" -i 0.2 -W 1 "$2"; }

# capture HOST IF NAME FILTER: start tcpdump inside HOST's container, writing
# $OUT/NAME.pcap (the kit is mounted at the same path in the container).
# capture_stop NAME: stop it; the packet count is then in $OUT/NAME.count.
declare -A cap_pid
capture() {
	local host=$1 ifc=$2 name=$3 filter=$4 c
	c=$("$L" container "$host")
	rm -f "$OUT/$name.pcap" "$OUT/$name.err"
	say "docker exec $c tcpdump --immediate-mode -i $ifc -U -Z root -w $OUT/$name.pcap '$filter'" >>"$OUT/log"
	docker exec "$c" tcpdump --immediate-mode -i "$ifc" -U -Z root -w "$OUT/$name.pcap" "$filter" \
		2>"$OUT/$name.err" &
	cap_pid[$name]=$!
	for _ in $(seq 50); do
		grep -q 'listening on' "$OUT/$name.err" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
capture_stop() {
	local host=$1 name=$2
	"$L" exec "$host" pkill -INT -x tcpdump
	wait "${cap_pid[$name]}" 2>/dev/null
	"$L" exec "$host" tcpdump -n -r "$OUT/$name.pcap" 2>/dev/null >"$OUT/$name.txt"
	wc -l <"$OUT/$name.txt" | tr -d ' '
}
# count_match NAME REGEX: lines of the decoded capture matching REGEX.
count_match() { grep -cE "$2" "$OUT/$1.txt"; }

mkdir -p "$OUT"
: >"$OUT/log"
echo "docker: logs and captures in ${OUT#"$root"/}/"

# ---- the engine --------------------------------------------------------------
for tool in docker docker-compose; do
	if ! command -v $tool >/dev/null; then
		echo "docker: $tool missing: apt-get install -y --no-install-recommends docker.io docker-compose" >&2
		exit 2
	fi
done
if ! docker info >/dev/null 2>&1; then
	echo "docker: no docker engine answers; start one as root: dockerd >/var/log/dockerd.log 2>&1 &" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ] && ! [ -w /var/run/docker.sock ]; then
	echo "docker: cannot use /var/run/docker.sock: run as root or join the docker group" >&2
	exit 2
fi

# ---- images and topology -----------------------------------------------------
say "docker/lab-docker.sh down; image; up"
"$L" down >"$OUT/down.log" 2>&1
if "$L" image >"$OUT/image.log" 2>&1; then
	pass "lab image built from the tree (base image vpnlab-base)"
else
	fail "lab image did not build: see ${OUT#"$root"/}/image.log"
	tail -n 5 "$OUT/image.log" | sed 's/^/      /'
	finish
fi
trap 'echo; echo "docker: interrupted"; finish' INT TERM
if "$L" up --private >"$OUT/up.log" 2>&1; then
	pass "topology up (docker-compose.yml + docker-compose.private.yml)"
else
	fail "docker-compose up failed: see ${OUT#"$root"/}/up.log"
	tail -n 5 "$OUT/up.log" | sed 's/^/      /'
	finish
fi

status=$("$L" exec u cat /opt/vpnlab/build/make.status 2>/dev/null)
if [ "$status" = ok ]; then
	pass "the kit builds inside the image (make)"
else
	fail "the kit does not build inside the image: make.status '${status:-none}'"
	"$L" exec u tail -n 5 /opt/vpnlab/build/make.log 2>&1 | sed 's/^/      /'
fi

all_hosts="u u2 u3 server v v2 v3 client-router p5 p6"
up=0 down=""
for h in $all_hosts; do
	c=$("$L" container "$h")
	if [ "$(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ]; then
		up=$((up + 1))
	else
		down="$down $c"
	fi
done
if [ -z "$down" ]; then pass "all $up containers running"
else fail "containers not running:$down"; fi

expect_ok "the kit is mounted at $root in the containers" \
	"$L" exec u test -f "$root/docker/check.sh"

# ---- addresses, routes, forwarding -----------------------------------------------
re() { printf '%s' "${1//./\\.}"; }      # an address as a grep -E pattern
# The compose files must say what lab/topology.sh says (checked without docker).
if out=$("$root/tests/topology.sh" 2>&1 | grep -m1 'topology: .*compose'); then
	case $out in PASS*) pass "${out#PASS topology: }" ;; *) fail "${out#FAIL topology: }" ;; esac
else
	fail "tests/topology.sh said nothing about the compose files"
fi
addr_of() { "$L" exec "$1" ip -o -4 addr show dev "$2" | awk '{ print $4 }'; }
check_addr() {
	local got; got=$(addr_of "$1" "$2" 2>/dev/null)
	if [ "$got" = "$3" ]; then pass "$1 $2 is $3"
	else fail "$1 $2: expected $3, saw '${got:-nothing}'"; fi
}
# Every link of the plan (lab/topology.sh), as the containers see it.
while read -r h ifname _ addr; do
	[ -n "$h" ] && check_addr "$h" "$ifname" "$addr"
done <<<"$LAB_LINKS_BASE$LAB_LINKS_PRIVATE"

expect_fail "u has no route to $INTRANET" "$L" exec u ip route get "$V"
while read -r h dst via; do
	[ -n "$h" ] || continue
	gw=$("$L" exec "$h" ip route show "$dst" | awk '{ print $3 }')
	if [ "$gw" = "$via" ]; then pass "$h $dst route via $via"
	else fail "$h $dst route: expected via $via, saw '${gw:-none}'"; fi
done <<<"$LAB_ROUTES_BASE$LAB_ROUTES_PRIVATE"
for h in server client-router; do
	f=$("$L" exec $h cat /proc/sys/net/ipv4/ip_forward)
	if [ "$f" = 1 ]; then pass "$h forwards (ip_forward=1)"
	else fail "$h ip_forward: expected 1, saw '$f'"; fi
done
f=$("$L" exec u cat /proc/sys/net/ipv4/ip_forward)
if [ "$f" = 0 ]; then pass "u does not forward (ip_forward=0)"
else fail "u ip_forward: expected 0, saw '$f'"; fi

# ---- reachability, with captures -------------------------------------------------------
if capture server eth0 server-eth0 icmp; then
	expect_ok "u pings the server ($SERVER_EXT)" pings u "$SERVER_EXT"
	n=$(capture_stop server server-eth0)
	req=$(count_match server-eth0 "$(re "$U") > $(re "$SERVER_EXT"): ICMP echo request")
	rep=$(count_match server-eth0 "$(re "$SERVER_EXT") > $(re "$U"): ICMP echo reply")
	if [ "$req" -ge 3 ] && [ "$rep" -ge 3 ]; then pass "server eth0 capture: $req echo requests from u, $rep replies ($n packets, server-eth0.pcap)"
	else fail "server eth0 capture: expected >= 3 requests and replies, saw $req and $rep ($n packets)"; fi
else
	fail "tcpdump did not start in server-router: $(cat "$OUT/server-eth0.err")"
fi
expect_ok "u2 pings the server" pings u2 "$SERVER_EXT" 1
expect_ok "u3 pings the server" pings u3 "$SERVER_EXT" 1
expect_ok "v pings the server ($SERVER_INT)" pings v "$SERVER_INT"
expect_ok "v2 pings the server" pings v2 "$SERVER_INT" 1
expect_ok "v3 pings the server" pings v3 "$SERVER_INT" 1
expect_ok "u pings u2 (same extranet)" pings u "$U2" 1

if capture v eth0 v-eth0 icmp; then
	expect_fail "u cannot reach v ($V)" pings u "$V" 2
	n=$(capture_stop v v-eth0)
	if [ "$n" = 0 ]; then pass "v eth0 capture: nothing from u arrived (v-eth0.pcap)"
	else fail "v eth0 capture: expected no packet, saw $n"; fi
else
	fail "tcpdump did not start in host-$V: $(cat "$OUT/v-eth0.err")"
fi
expect_fail "v's echo to u gets no reply (u has no route back)" pings v "$U" 2

expect_ok "p5 pings client-router ($CROUTER_PRIV)" pings p5 "$CROUTER_PRIV" 1
expect_ok "client-router pings the server ($SERVER_EXT)" pings client-router "$SERVER_EXT" 1
expect_fail "p5 cannot reach v (no tunnel yet)" pings p5 "$V" 2

# ---- what the tasks need in a container ---------------------------------------------------
expect_ok "u can make a TUN device (NET_ADMIN, /dev/net/tun)" \
	"$L" exec u sh -c 'ip tuntap add dev chk0 mode tun && ip tuntap del dev chk0 mode tun'
expect_ok "u can make a TAP device" \
	"$L" exec u sh -c 'ip tuntap add dev chk1 mode tap && ip tuntap del dev chk1 mode tap'
expect_ok "sysctls can be set from the docker host (lab-docker.sh netns)" \
	"$L" netns server sysctl -q -w net.ipv4.conf.all.rp_filter=0
if "$L" exec v test -x /opt/vpnlab/build/rel/bin/lab-linesrv 2>/dev/null; then
	expect_ok "v runs the line service on TCP 23" \
		"$L" exec v sh -c 'ss -ltn | grep -q ":23 "'
else
	skip "v line service: lab-linesrv not built in the image"
fi

# ---- the task checks, on the docker backend -------------------------------------------------
if [ $tasks = 0 ]; then
	skip "task checks (--no-tasks)"
elif ! grep -qs 'LAB_BACKEND' "$root/lab/check.sh"; then
	skip "task checks: lab/check.sh has no LAB_BACKEND=docker yet"
else
	for t in "$root"/task*/check.sh; do
		[ -x "$t" ] || continue
		name=$(basename "$(dirname "$t")")
		say "LAB_BACKEND=docker $t" >>"$OUT/log"
		# Their own output directories: out/taskN stays the netns run's.
		if LAB_BACKEND=docker OUT="$OUT/$name" "$t" >"$OUT/$name.log" 2>&1; then
			pass "$name on docker: $(tail -n 1 "$OUT/$name.log")"
		else
			fail "$name on docker: $(tail -n 1 "$OUT/$name.log") (${OUT#"$root"/}/$name.log)"
		fi
	done
fi

finish
