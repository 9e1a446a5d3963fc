#!/usr/bin/env bash
#
# lab.sh - the SEED VPN lab network, on network namespaces.
#
# The plan (hosts, links, addresses, routes, sysctls) is lab/topology.sh;
# this script builds it by looping over that file. The picture is there.
#
# Every host is a network namespace "$LAB-NAME"; the bridges live in
# "$LAB-sw". All of them sit inside a private mount namespace (and, for a
# normal user, a user namespace) that one keeper process holds open, so
# nothing on the machine changes: not its routes, sysctls, /etc or firewall.
# Each command that builds the network is printed before it runs.
#
# LAB_BACKEND=docker (root only) runs the same lab on the containers of
# docker/docker-compose.yml instead: `up` starts them and binds each
# container's network namespace as /run/netns/$LAB-HOST inside the keeper,
# and the switch "sw" is the docker host's own namespace (bridges
# vpnlab-ext, vpnlab-int, vpnlab-priv). Everything below then works alike.
#
# Usage: lab.sh up [--private] | down | status | exec HOST CMD... |
#        shell HOST | nsenter CMD... | hosts | gc
set -euo pipefail

LAB=${LAB:-vpnlab}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${LAB_STATE:-/tmp/vpnlab.$(id -u).$LAB}
KEEPER_PID_FILE=$STATE/keeper.pid
SELF=$ROOT/lab/lab.sh

BACKEND=${LAB_BACKEND:-netns}
# shellcheck source=lab/topology.sh
. "$ROOT/lab/topology.sh"
HOSTS_BASE=$LAB_HOSTS_BASE
HOSTS_PRIVATE=$LAB_HOSTS_PRIVATE

die() { echo "lab.sh: $*" >&2; exit 1; }

case "$BACKEND" in
netns) ;;
docker) [ "$(id -u)" = 0 ] || { echo "lab.sh: LAB_BACKEND=docker needs root (it drives docker)" >&2; exit 1; } ;;
*) echo "lab.sh: LAB_BACKEND='$BACKEND': use netns (the default) or docker" >&2; exit 1 ;;
esac

case "$LAB" in
*[!a-zA-Z0-9_-]* | "") die "LAB='$LAB': use letters, digits, - and _ only" ;;
esac
[ ${#LAB} -le 24 ] || die "LAB='$LAB' is too long (24 characters at most)"

# --- the keeper: the namespace that holds the lab -----------------------------

# The state directory sits in /tmp, where anyone can create names: use it
# only if it is a real directory of ours that nobody else can write.
state_ok() {
	[ -d "$STATE" ] && [ ! -L "$STATE" ] && [ -O "$STATE" ] &&
		[ "$(stat -c %a "$STATE")" = 700 ]
}

make_state() {
	if [ -e "$STATE" ] || [ -L "$STATE" ]; then
		state_ok || die "$STATE exists but is not a private directory of $(id -un)" \
			"(someone else made it?): remove it, or use another LAB name or LAB_STATE"
		return 0
	fi
	mkdir -m 700 "$STATE" || die "cannot create the state directory $STATE"
}

# The keeper's PID, if it is really ours: recorded with its start time
# (field 22 of /proc/PID/stat), owned by us, and in a mount namespace of
# its own. A recycled PID or a planted pid file fails one of these.
proc_start() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }

keeper_pid() {
	local pid start
	state_ok || return 1
	[ -r "$KEEPER_PID_FILE" ] || return 1
	read -r pid start <"$KEEPER_PID_FILE" || return 1
	[ -n "$pid" ] && [ -n "$start" ] && [ -O "/proc/$pid" ] || return 1
	[ "$(proc_start "$pid")" = "$start" ] || return 1
	[ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" != "$(readlink /proc/self/ns/mnt)" ] ||
		return 1
	echo "$pid"
}

# nsenter's options for entering the keeper (an array: $PWD may hold spaces).
set_nsenter_flags() {
	if [ "$(id -u)" = 0 ]; then
		NSENTER_FLAGS=(-m "--wd=$PWD")
	else
		NSENTER_FLAGS=(-U -m -n --preserve-credentials "--wd=$PWD")
	fi
}
set_nsenter_flags

# Runs a command inside the keeper's namespaces, where /run/netns holds the lab.
in_keeper() {
	local pid=$1
	shift
	# 9>&-: what it starts in the background must not inherit the lock.
	nsenter -t "$pid" "${NSENTER_FLAGS[@]}" -- env LAB_INSIDE=1 LAB_STATE="$STATE" "$@" 9>&-
}

in_lab() {
	local pid
	pid=$(keeper_pid) || die "lab '$LAB' is not up: run 'make lab-up' (or lab/lab.sh up)"
	exec nsenter -t "$pid" "${NSENTER_FLAGS[@]}" -- env LAB_INSIDE=1 LAB_STATE="$STATE" "$@"
}

# One up or down at a time per lab.
lock_lab() {
	[ -n "${LAB_LOCKED:-}" ] && return 0
	exec 9>>"$STATE/lock" || die "cannot open the lock file $STATE/lock"
	flock -w 60 9 || die "another lab.sh up/down of lab $LAB holds $STATE/lock"
	export LAB_LOCKED=1     # for the lab.sh we run ourselves
}

# For a normal user every process of the lab is in the keeper's user
# namespace, even one that escaped the lab's network namespaces (a student
# program can make namespaces of its own there): kill those too, by PID.
kill_userns_strays() {
	local keeper=$1 userns p strays=
	[ "$(id -u)" = 0 ] && return 0
	userns=$(readlink "/proc/$keeper/ns/user" 2>/dev/null) || return 0
	[ "$userns" != "$(readlink /proc/self/ns/user)" ] || return 0
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = "$keeper" ] && continue
		[ "$(readlink "/proc/$p/ns/user" 2>/dev/null)" = "$userns" ] && strays="$strays $p"
	done
	if [ -n "$strays" ]; then
		echo "+ kill -KILL$strays   # left in the lab's user namespace" >&2
		# shellcheck disable=SC2086
		kill -KILL $strays 2>/dev/null || true
	fi
}

start_keeper() {
	local flags pid
	make_state
	if [ "$(id -u)" = 0 ]; then
		flags="--mount --propagation private"
	else
		flags="--user --map-root-user --mount --net --propagation private"
	fi
	# The keeper only sleeps; setsid so that ^C in the caller's terminal
	# does not reach it.
	# shellcheck disable=SC2086
	[ "$QUIET" = 1 ] || echo "+ setsid unshare $flags sleep infinity &   # the keeper" >&2
	# shellcheck disable=SC2086  # $flags is a list of options
	setsid unshare $flags sleep infinity </dev/null >/dev/null 2>&1 9>&- &
	pid=$!
	echo "$pid $(proc_start "$pid")" >"$KEEPER_PID_FILE"
	for _ in $(seq 50); do
		if [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" != "$(readlink /proc/self/ns/mnt)" ]; then
			return 0
		fi
		[ -d "/proc/$pid" ] || break
		sleep 0.02
	done
	rm -f "$KEEPER_PID_FILE"
	if [ "$(id -u)" != 0 ]; then
		die "could not create a user namespace as $(id -un): is" \
			"kernel.unprivileged_userns_clone (or user.max_user_namespaces) off?" \
			"Run as root, or ask the administrator to allow user namespaces."
	fi
	die "unshare --mount failed: cannot create the lab's mount namespace"
}

# --- building the network (runs inside the keeper) ------------------------------

QUIET=${LAB_QUIET:-0}
run() {
	[ "$QUIET" = 1 ] || echo "+ $*" >&2
	"$@"
}

ns() { echo "$LAB-$1"; }

host_ns_add() {
	local n; n=$(ns "$1")
	run ip netns add "$n"
	# No IPv6: router solicitations and MLD reports would only clutter the
	# captures students read. (A kernel booted with ipv6.disable=1 has none.)
	if [ -d /proc/sys/net/ipv6 ]; then
		run ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv6.conf.all.disable_ipv6=1
	fi
	run ip -n "$n" link set lo up
}

# attach HOST IFNAME BRIDGE ADDRESS/PREFIX
attach() {
	local host=$1 ifname=$2 br=$3 addr=$4 swport
	swport="$host-${ifname#eth}"
	run ip -n "$(ns sw)" link add "$swport" type veth peer name "$ifname" netns "$(ns "$host")"
	run ip -n "$(ns sw)" link set "$swport" master "$br" multicast off up
	run ip -n "$(ns "$host")" addr add "$addr" dev "$ifname"
	run ip -n "$(ns "$host")" link set "$ifname" up
}

bridge_add() {
	run ip -n "$(ns sw)" link add "$1" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	# Promiscuous, so a capture on the bridge sees every frame it switches;
	# no multicast of its own and no snooping, so it sends no IGMP reports
	# (multicast router discovery, 224.0.0.106) into the captures.
	run ip -n "$(ns sw)" link set "$1" promisc on multicast off up
}

sysctl_on() {
	local host=$1; shift
	run ip netns exec "$(ns "$host")" sysctl -qw "$@"
}

# Per-host /etc files: lab_exec binds $STATE/etc/HOST/* over /etc/* for the
# command it runs (so vpnlabserver.com resolves in the lab, and nowhere else).
write_etc() {
	local host=$1 dir=$STATE/etc/$1
	mkdir -p "$dir"
	# Modes as meant whatever the umask: a client that dropped its
	# privileges must still read hosts to resolve names.
	printf '%s\n' "$LAB_HOSTS_FILE" | sed '/^$/d' | awk '{printf "%s", $1; for (i = 2; i <= NF; i++) printf "\t%s", $i; print ""}' >"$dir/hosts"
	echo "$host" >"$dir/hostname"
	chmod 755 "$dir"
	chmod 644 "$dir/hosts" "$dir/hostname"
}

# The lines of a plan list (LAB_LINKS_BASE ...) and, with --private, of its
# _PRIVATE counterpart.
plan() {
	local name=$1 private=$2 extra
	printf '%s\n' "${!name}"
	if [ "$private" = 1 ]; then
		extra=${name%_BASE}_PRIVATE
		printf '%s\n' "${!extra}"
	fi
}

build() {
	local private=$1 h
	local err
	run mount -t tmpfs -o mode=755 lab-netns /run 2>"$STATE/mount.err" || {
		err=$(cat "$STATE/mount.err")
		if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null)" = 1 ]; then
			die "cannot mount a tmpfs on /run in the lab's namespace ($err):" \
				"AppArmor restricts unprivileged user namespaces here" \
				"(kernel.apparmor_restrict_unprivileged_userns=1). Run as root, or ask" \
				"the administrator to allow them (sysctl, or an AppArmor profile for unshare)."
		fi
		die "cannot mount a tmpfs on /run in the lab's mount namespace: $err"
	}
	mkdir -p /run/netns

	host_ns_add sw
	local br host ifname addr dst via settings
	for br in $LAB_BRIDGES_BASE $([ "$private" = 1 ] && echo "$LAB_BRIDGES_PRIVATE"); do
		bridge_add "$br"
	done
	for h in $HOSTS_BASE $([ "$private" = 1 ] && echo "$HOSTS_PRIVATE"); do host_ns_add "$h"; done
	while read -r host ifname br addr; do
		[ -n "$host" ] && attach "$host" "$ifname" "$br" "$addr"
	done < <(plan LAB_LINKS_BASE "$private")
	while read -r host settings; do
		# shellcheck disable=SC2086
		[ -n "$host" ] && sysctl_on "$host" $settings
	done < <(plan LAB_SYSCTLS_BASE "$private")
	while read -r host dst via; do
		[ -n "$host" ] && run ip -n "$(ns "$host")" route add "$dst" via "$via"
	done < <(plan LAB_ROUTES_BASE "$private")

	for h in $HOSTS_BASE $([ "$private" = 1 ] && echo "$HOSTS_PRIVATE"); do
		write_etc "$h"
	done

	# A telnet-like service on V for the telnet and tunnel-breaking tasks.
	start_linesrv
}

# The docker backend: name the containers' network namespaces for ip netns.
dockerize() {
	local private=$1 h c pid
	mkdir -p /run/netns
	mount -t tmpfs -o mode=755 lab-netns /run/netns ||
		die "cannot mount a tmpfs on /run/netns inside the lab's mount namespace"
	run touch "/run/netns/$(ns sw)"
	run mount --bind /proc/self/ns/net "/run/netns/$(ns sw)"
	for h in $HOSTS_BASE $([ "$private" = 1 ] && echo "$HOSTS_PRIVATE"); do
		c=$("$ROOT/docker/lab-docker.sh" container "$h")
		pid=$(docker inspect -f '{{.State.Pid}}' "$c") || die "no container $c"
		[ "$pid" -gt 0 ] || die "container $c is not running"
		readlink "/proc/$pid/ns/pid" >"$STATE/pidns.$h"
		run touch "/run/netns/$(ns "$h")"
		run mount --bind "/proc/$pid/ns/net" "/run/netns/$(ns "$h")"
		write_etc "$h"
	done
	# The same forwarding and strict reverse path filter as the namespace lab.
	local host settings
	while read -r host settings; do
		# shellcheck disable=SC2086
		[ -n "$host" ] && sysctl_on "$host" $settings
	done < <(plan LAB_SYSCTLS_BASE "$private")
	start_linesrv
}

start_linesrv() {
	local bin=${LAB_LINESRV:-$ROOT/build/rel/bin/lab-linesrv}
	if [ ! -x "$bin" ]; then
		echo "lab.sh: note: $bin is not built; V runs no TCP service (run 'make')" >&2
		return 0
	fi
	run ip netns exec "$(ns v)" "$bin" --port "$LINE_PORT" --log "$STATE/v-linesrv.log" \
		</dev/null >>"$STATE/v-linesrv.out" 2>&1 &
	# Up means listening: wait for the port (hex) in state LISTEN (0A).
	local want; want=$(printf ':%04X 00000000:0000 0A' "$LINE_PORT")
	for _ in $(seq 50); do
		ip netns exec "$(ns v)" grep -q "$want" /proc/net/tcp && return 0
		sleep 0.02
	done
	die "the line service on V did not start: $(tail -1 "$STATE/v-linesrv.out")"
}

lab_hosts() {
	local n
	for n in $(ip netns list | awk '{print $1}'); do
		case "$n" in "$LAB"-*) echo "${n#"$LAB"-}" ;; esac
	done
}

# The processes to stop in HOST's namespace: all of them in the namespace
# lab; on docker, only those the lab started there (not the container's
# own, and never anything in "sw", which is then the docker host itself).
lab_pids() {
	local h=$1 n cpidns p
	n=$(ns "$h")
	if [ "$BACKEND" = netns ]; then
		ip netns pids "$n" 2>/dev/null || true
		return
	fi
	[ "$h" = sw ] && return
	cpidns=$(cat "$STATE/pidns.$h" 2>/dev/null) || return 0
	for p in $(ip netns pids "$n" 2>/dev/null); do
		[ "$(readlink "/proc/$p/ns/pid" 2>/dev/null)" = "$cpidns" ] || echo "$p"
	done
}

teardown() {
	local h n pids
	for h in $(lab_hosts); do
		n=$(ns "$h")
		pids=$(lab_pids "$h")
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086  # a list of PIDs
			run kill -TERM $pids 2>/dev/null || true
		fi
	done
	for _ in $(seq 20); do
		pids=
		for h in $(lab_hosts); do
			pids="$pids $(lab_pids "$h")"
		done
		[ -z "${pids// /}" ] && break
		sleep 0.1
	done
	if [ -n "${pids// /}" ]; then
		# shellcheck disable=SC2086
		run kill -KILL $pids 2>/dev/null || true
	fi
	for h in $(lab_hosts); do
		run ip netns del "$(ns "$h")"
	done
}

status() {
	local h n
	echo "lab $LAB (state in $STATE)"
	for h in $(lab_hosts | sort); do
		n=$(ns "$h")
		printf '%-14s' "$h"
		ip -n "$n" -4 -o addr show | awk '$2 != "lo" {printf " %s %s", $2, $4}'
		local pids; pids=$(lab_pids "$h" | tr '\n' ' ')
		[ -n "$pids" ] && printf '  pids: %s' "$pids"
		echo
	done
}

# --- commands -----------------------------------------------------------------------

check_tools() {
	local t missing=
	for t in ip unshare nsenter setsid; do
		command -v "$t" >/dev/null || missing="$missing $t"
	done
	[ -z "$missing" ] ||
		die "missing:$missing. Install them with: sudo apt-get install --no-install-recommends iproute2 util-linux"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
up)
	check_tools
	make_state
	lock_lab
	private=0
	[ "${1:-}" = --private ] && private=1
	if pid=$(keeper_pid); then
		hosts="$HOSTS_BASE sw"
		[ "$private" = 1 ] && hosts="$hosts $HOSTS_PRIVATE"
		want=$(wc -w <<<"$hosts")
		have=$(in_keeper "$pid" bash "$SELF" _count 2>/dev/null || echo 0)
		if [ "$have" -ge "$want" ]; then
			echo "lab $LAB is already up ($have namespaces); 'make lab-down' to remove it"
			exit 0
		fi
		echo "lab $LAB is half up ($have of $want namespaces): rebuilding" >&2
		"$SELF" down
	fi
	inner=_build
	if [ "$BACKEND" = docker ]; then
		# V's line service is the lab's (logged in $STATE), not the image's.
		up_args=()
		[ "$private" = 1 ] && up_args=(--private)
		VPNLAB_V_SERVICES='' "$ROOT/docker/lab-docker.sh" up "${up_args[@]}" ||
			die "the docker topology did not come up (see above; docker/README.md)"
		inner=_dockerize
	fi
	start_keeper
	pid=$(keeper_pid)
	if ! in_keeper "$pid" bash "$SELF" "$inner" "$private"; then
		echo "lab.sh: building the lab failed; removing what was made" >&2
		"$SELF" down || true
		exit 1
	fi
	echo "lab $LAB is up: 'make shell HOST=u', 'make lab-down'"
	;;
down)
	state_ok && lock_lab
	if pid=$(keeper_pid); then
		in_keeper "$pid" bash "$SELF" _teardown || true
		kill_userns_strays "$pid"
		kill "$pid" 2>/dev/null || true
		echo "lab $LAB is down"
		if [ "$BACKEND" = docker ] && [ "${LAB_DOCKER_KEEP:-0}" != 1 ]; then
			"$ROOT/docker/lab-docker.sh" down || true
		fi
	else
		echo "lab $LAB is not up"
	fi
	rm -rf "$STATE"
	;;
status)
	in_lab bash "$SELF" _status
	;;
gc)
	# Labs of checks (c-NAME-PID) whose check is gone: a check killed by
	# SIGKILL had no chance to clean up after itself.
	for d in /tmp/vpnlab."$(id -u)".c-*-*; do
		[ -d "$d" ] || continue
		lab=${d#/tmp/vpnlab."$(id -u)".}
		owner=${lab##*-}
		case "$owner" in *[!0-9]*) continue ;; esac
		kill -0 "$owner" 2>/dev/null && continue
		echo "lab.sh: removing lab $lab (its check, PID $owner, is gone)" >&2
		LAB=$lab LAB_STATE=$d LAB_QUIET=1 "$SELF" down >/dev/null 2>&1 || true
	done
	;;
hosts)
	in_lab bash "$SELF" _hosts
	;;
exec)
	[ $# -ge 2 ] || die "usage: lab.sh exec HOST COMMAND [ARGS...]"
	host=$1; shift
	in_lab bash "$SELF" _exec "$host" "$@"
	;;
shell)
	host=${1:-u}
	in_lab bash "$SELF" _exec "$host" env PS1="[$LAB $host \\W]# " bash --norc -i
	;;
nsenter)
	[ $# -ge 1 ] || die "usage: lab.sh nsenter COMMAND [ARGS...]"
	in_lab "$@"
	;;
# --- internal, run inside the keeper ---
_build) build "${1:-0}" ;;
_dockerize) dockerize "${1:-0}" ;;
_teardown) teardown ;;
_status) status ;;
_hosts) lab_hosts ;;
_count) lab_hosts | wc -l ;;
_exec)
	host=$1; shift
	n=$(ns "$host")
	[ -e "/run/netns/$n" ] || die "no host '$host' in lab $LAB (hosts: $(lab_hosts | tr '\n' ' '))"
	# ip netns exec gives the command its own mount namespace; bind this
	# host's /etc files there; a UTS namespace of its own lets `hostname`
	# say which lab host this is. Then become the command.
	# shellcheck disable=SC2016  # the inner script gets its values as $1, $2
	exec ip netns exec "$n" unshare --uts bash -c '
		for f in "$1"/*; do
			[ -e "$f" ] && [ -e "/etc/${f##*/}" ] && mount --bind "$f" "/etc/${f##*/}"
		done
		hostname "$2" 2>/dev/null
		shift 2; exec "$@"' lab-exec "$STATE/etc/$host" "$host" "$@"
	;;
"" | -h | --help | help)
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
	;;
*)
	die "unknown command '$cmd' (try: up, down, status, exec, shell, nsenter)"
	;;
esac
