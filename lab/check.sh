# shellcheck shell=bash
# check.sh - the library every task check sources.
#
# A check brings up a lab of its own (LAB=c-NAME-PID), runs its scenario,
# captures traffic with pcap-capture, judges it with pcap-verify, and prints
# one line per assertion:
#
#   PASS task2: ping 192.168.53.1 gets 3 replies (seen 3 of 6 ...)
#   FAIL task2: expected at least 3 packets to match '...', seen 0 ...
#
# and, last, "NAME: N passed, M failed". Whatever happens (a failure, ^C, a
# crash of the program under test) the lab and every process it started are
# removed on exit. See lab/README.md for the functions.
#
# Environment:
#   BIN       programs under test          (default build/san/bin)
#   KIT_BIN   the kit's own tools          (default: build/san/bin, else build/rel/bin)
#   OUT       where logs and captures go   (default out/NAME)
#   KEEP_LAB  1: leave the lab up at the end, for poking around
#   LAB_BACKEND  netns (default) or docker: the same checks on the
#             containers of docker/ (root, dockerd running; see lab/lab.sh)

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LABSH=$ROOT/lab/lab.sh
# The lab's named addresses and ports (V, SERVER_EXT, TUN_U, UDP_PORT, ...).
# shellcheck source=lab/topology.sh
. "$ROOT/lab/topology.sh"
BIN=${BIN:-$ROOT/build/san/bin}
if [ -z "${KIT_BIN:-}" ]; then
	KIT_BIN=$ROOT/build/san/bin
	[ -x "$KIT_BIN/pcap-verify" ] || KIT_BIN=$ROOT/build/rel/bin
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}

CHECK_NAME=
CHECK_PASSED=0
CHECK_FAILED=0
declare -A BG_PID=()
declare -A CAP_PID=()

# One line per assertion. CHECK_CRIT (set by `crit` for one assertion)
# marks the line "[critical]": the grader caps a task whose critical
# assertion fails (lab/tasks.conf, column cap).
CHECK_CRIT=
pass() {
	echo "PASS $CHECK_NAME: ${CHECK_CRIT:+[critical] }$*"
	CHECK_PASSED=$((CHECK_PASSED + 1))
}
fail() {
	if [ -n "$CHECK_SKIP" ]; then
		echo "SKIP $CHECK_NAME: ${CHECK_CRIT:+[critical] }$* (skipped: $CHECK_SKIP)"
	else
		echo "FAIL $CHECK_NAME: ${CHECK_CRIT:+[critical] }$*"
	fi
	CHECK_FAILED=$((CHECK_FAILED + 1))
}
# CHECK_SKIP=REASON: from here on, what fails is a consequence of an
# earlier failure (the program under test stopped): each such line says
# SKIP and why, so the first FAIL is the cause. Empty it again where the
# check starts something new.
CHECK_SKIP=
note() { echo "     $*"; }

# crit ASSERTION...: runs one assertion (pass, fail, expect_pcap, expect_grep,
# ...) marked critical: a core claim of the task (the tunnel carries
# packets, the certificate is verified, a wrong password is refused).
crit() {
	local st
	CHECK_CRIT=1
	"$@"
	st=$?
	CHECK_CRIT=
	return "$st"
}

# skip REASON DESC: an assertion that was not tried because one it depends
# on failed first. It counts as failed (a full run's tally stays the same)
# but says it is a consequence, not a cause.
skip() {
	local reason=$1
	shift
	echo "SKIP $CHECK_NAME: ${CHECK_CRIT:+[critical] }$* (skipped: $reason)"
	CHECK_FAILED=$((CHECK_FAILED + 1))
}

# re TEXT: TEXT with the regex metacharacters of an address escaped, for
# grep -E: re 10.9.0.11 -> 10\.9\.0\.11.
re() {
	printf '%s' "$1" | sed 's/[].[^$*+?(){}|\\]/\\&/g'
}

# A check that cannot run says what is missing and how to get it.
need_tool() {
	local tool=$1 pkg=$2
	command -v "$tool" >/dev/null 2>&1 && return 0
	fail "cannot run: '$tool' is missing; install it with: sudo apt-get install --no-install-recommends $pkg (or: sudo make deps)"
	return 1
}

need_prog() {
	local prog=$1
	[ -x "$prog" ] && return 0
	fail "cannot run: $prog does not exist; build it with 'make' (or 'make SAN=1')"
	return 1
}

check_begin() {
	CHECK_NAME=$1
	shift
	local lab_args=("$@")
	export LAB=${CHECK_LAB:-c-$CHECK_NAME-$$}
	LAB_STATE=/tmp/vpnlab.$(id -u).$LAB
	export LAB_STATE
	export LAB_LINESRV=$KIT_BIN/lab-linesrv
	OUT=${OUT:-$ROOT/out/$CHECK_NAME}
	# Only a directory a check made (it carries .vpnlab-out) is emptied: an
	# OUT left in the environment for something else must not be removed.
	if [ -e "$OUT/.vpnlab-out" ] || [[ "$OUT" == "$ROOT"/out/* ]]; then
		rm -rf "$OUT"
	elif [ -d "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
		echo "FAIL $CHECK_NAME: OUT=$OUT is not empty and not a check's output directory; unset OUT or remove it" >&2
		exit 1
	fi
	if ! mkdir -p "$OUT" || ! touch "$OUT/.vpnlab-out"; then
		echo "FAIL $CHECK_NAME: cannot create $OUT" >&2
		exit 1
	fi
	trap check_cleanup EXIT
	trap 'echo "$CHECK_NAME: interrupted" >&2; exit 130' INT TERM
	if ! need_prog "$KIT_BIN/pcap-capture" || ! need_prog "$KIT_BIN/pcap-verify" ||
		! need_prog "$KIT_BIN/lab-linesrv"; then
		check_end
	fi
	if ! LAB_QUIET=0 "$LABSH" up "${lab_args[@]}" >"$OUT/lab-up.log" 2>&1; then
		fail "the lab network did not come up: $(grep -m1 -E 'lab.sh:|Error|RTNETLINK|denied|not permitted' "$OUT/lab-up.log" || tail -1 "$OUT/lab-up.log") (all of it: ${OUT#"$ROOT"/}/lab-up.log)"
		check_end
	fi
}

check_cleanup() {
	local name
	trap - EXIT
	for name in "${!CAP_PID[@]}"; do capture_stop "$name"; done
	for name in "${!BG_PID[@]}"; do lab_stop "$name"; done
	# After "sudo make check", the outputs belong to the user who ran sudo.
	if [ -n "${SUDO_UID:-}" ] && [ "$(id -u)" = 0 ]; then
		chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$OUT" 2>/dev/null || true
	fi
	if [ "${KEEP_LAB:-0}" = 1 ]; then
		echo "     lab $LAB left up (KEEP_LAB=1): LAB=$LAB lab/lab.sh shell u; LAB=$LAB lab/lab.sh down" >&2
	else
		"$LABSH" down >"$OUT/lab-down.log" 2>&1 || true
	fi
}

# Ends the check: sanitizer reports in any log fail it; prints the tally.
check_end() {
	local f name
	# A program that ended by itself is often the first cause of what
	# failed: say so before the tally.
	for name in "${!BG_PID[@]}"; do
		bg_exit_note "$name" && [ "$CHECK_FAILED" -gt 0 ] && note "$EXIT_NOTE"
	done
	for name in "${!BG_PID[@]}"; do lab_stop "$name"; done
	for f in "$OUT"/*.log; do
		[ -e "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
			fail "sanitizer report in ${f#"$ROOT"/}: $(grep -m1 -E 'ERROR: |runtime error:' "$f")"
		fi
	done
	echo "$CHECK_NAME: $CHECK_PASSED passed, $CHECK_FAILED failed"
	check_cleanup
	[ "$CHECK_FAILED" = 0 ]
	exit
}

lab_exec() {
	"$LABSH" exec "$@"
}

# lab_bg HOST NAME CMD...: runs CMD on HOST in the background, output to
# $OUT/NAME.log. The PID is CMD's own (every wrapper execs).
lab_bg() {
	local host=$1 name=$2
	shift 2
	"$LABSH" exec "$host" "$@" >>"$OUT/$name.log" 2>&1 </dev/null &
	BG_PID[$name]=$!
}

lab_alive() {
	local pid=${BG_PID[$1]:-}
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# bg_exit_note NAME: when NAME (started by lab_bg) has ended by itself,
# sets EXIT_NOTE to what a FAIL line should say first - how it ended and
# the last lines of its log - and returns 0; returns 1 while it runs.
# (Not in $(...): the status is the check's own shell's to collect.)
bg_exit_note() {
	local name=$1 pid=${BG_PID[$1]:-} st how
	EXIT_NOTE=
	[ -n "$pid" ] || return 1
	kill -0 "$pid" 2>/dev/null && return 1
	wait "$pid" 2>/dev/null
	st=$?
	unset "BG_PID[$name]"
	if [ "$st" -gt 128 ]; then how="signal $((st - 128))"; else how="exit $st"; fi
	echo "$how" >"$OUT/$name.status"
	EXIT_NOTE="$name ended by itself ($how); last lines of ${OUT#"$ROOT"/}/$name.log: $(tail -3 "$OUT/$name.log" 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
	return 0
}

# expect_alive DESC NAME: NAME is still running; if not, the FAIL says how
# it ended and what it said last.
expect_alive() {
	if bg_exit_note "$2"; then
		fail "$1: $EXIT_NOTE"
	elif [ -z "${BG_PID[$2]:-}" ]; then
		fail "$1: no program '$2' was started"
	else
		pass "$1"
	fi
}

# lab_stop NAME: SIGTERM, SIGKILL after 2 s. Leaves the exit status in
# $OUT/NAME.status ("signal 15" when our SIGTERM ended it).
lab_stop() {
	local name=$1 pid=${BG_PID[$1]:-} st
	[ -n "$pid" ] || return 0
	unset "BG_PID[$name]"
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	st=$?
	if [ "$st" -gt 128 ]; then
		echo "signal $((st - 128))" >"$OUT/$name.status"
	else
		echo "exit $st" >"$OUT/$name.status"
	fi
	return 0
}

# wait_for DESC SECONDS CMD...: retries CMD every 0.1 s; 1 on time-out.
wait_for() {
	local desc=$1 secs=$2
	shift 2
	for _ in $(seq $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	note "waited ${secs}s for $desc, in vain"
	return 1
}

# On the docker backend the switch is the docker host, whose bridges carry
# the compose file's names (docker/lab-docker.sh knows them).
real_ifname() {
	if [ "${LAB_BACKEND:-netns}" = docker ] && [ "$1" = sw ]; then
		"$ROOT/docker/lab-docker.sh" bridge "$2"
	else
		echo "$2"
	fi
}

# BPF for IP fragments after the first (a non-zero offset). On the intranet
# bridge, FRAG_OR_WHOLE: on docker only, the whole datagram too, since
# docker's host bridge (br_netfilter with conntrack) reassembles fragments
# before a capture on it sees them, and fragments them again towards V.
# (Used by the checks that source this file, not exported to what they run.)
FRAG_LATER='ip[6:2] & 0x1fff != 0'
# shellcheck disable=SC2034
FRAG_OR_WHOLE=$FRAG_LATER
if [ "${LAB_BACKEND:-netns}" = docker ]; then
	# shellcheck disable=SC2034
	FRAG_OR_WHOLE="($FRAG_LATER or ip[2:2] > 1500)"
fi

# capture_start NAME HOST:IF...: one pcap-capture for all the interfaces,
# writing $OUT/NAME-HOST-IF.pcap; returns once every interface is open.
capture_start() {
	local name=$1 spec host ifname specs=()
	shift
	for spec in "$@"; do
		host=${spec%%:*}
		ifname=${spec#*:}
		specs+=("$LAB-$host:$(real_ifname "$host" "$ifname")=$OUT/$name-$host-$ifname.pcap")
	done
	rm -f "$OUT/$name.ready"
	"$LABSH" nsenter "$KIT_BIN/pcap-capture" --wait-if 5 --ready "$OUT/$name.ready" \
		"${specs[@]}" >>"$OUT/capture-$name.log" 2>&1 </dev/null &
	CAP_PID[$name]=$!
	if ! wait_for "capture $name to start" 6 test -e "$OUT/$name.ready"; then
		fail "capture on $* did not start: $(tail -1 "$OUT/capture-$name.log")"
		return 1
	fi
}

capture_stop() {
	local name=$1 pid=${CAP_PID[$1]:-}
	[ -n "$pid" ] || return 0
	unset "CAP_PID[$name]"
	# pcap-capture reads for a few ms more after SIGINT, so what was in
	# flight is kept. (Every wrapper execs, so $pid is pcap-capture's own.)
	kill -INT "$pid" 2>/dev/null
	for _ in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

# expect_pcap FILE RULE... DESC: one pcap-verify rule (see pcap-verify --help).
expect_pcap() {
	local file=$1 desc=${*: -1} line
	local rule=("${@:2:$#-2}")
	line=$("$KIT_BIN/pcap-verify" --label "$desc" "$file" "${rule[@]}" 2>&1)
	local st=$?
	[ -n "$line" ] || line="FAIL $desc: pcap-verify exited $st and said nothing"
	local tag=${CHECK_CRIT:+[critical] }
	if [ -n "$CHECK_SKIP" ] && [ $st != 0 ]; then
		line="${line/#FAIL /SKIP }"$' (skipped: '"$CHECK_SKIP)"
	fi
	# shellcheck disable=SC2001  # every line of pcap-verify's answer, not one
	echo "${line/#PASS /PASS $CHECK_NAME: $tag}" | sed -E "s#^(FAIL|SKIP) #\1 $CHECK_NAME: $tag#"
	if [ $st = 0 ]; then CHECK_PASSED=$((CHECK_PASSED + 1)); else CHECK_FAILED=$((CHECK_FAILED + 1)); fi
}

# pcap_count FILE FILTER: how many packets match (prints the number). When
# the file cannot be judged it prints the reason to stderr and returns 2.
pcap_count() {
	"$KIT_BIN/pcap-verify" --count "$2" "$1"
}

expect_ok() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$desc"
	else
		fail "$desc: '$*' failed: $(echo "$out" | tail -2 | tr '\n' ' ')"
	fi
}

expect_fail() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "$desc: '$*' succeeded but should have failed"
	else
		pass "$desc"
	fi
}

expect_grep() {
	local desc=$1 re=$2 file=$3 hit
	if hit=$(grep -m1 -E -- "$re" "$file" 2>/dev/null); then
		pass "$desc (\"${hit:0:90}\")"
	else
		fail "$desc: no line matching /$re/ in ${file#"$ROOT"/}$( [ -s "$file" ] && echo "; last line: \"$(tail -1 "$file")\"" || echo " (empty or missing)")"
	fi
}

# expect_no_grep DESC REGEX FILE: no line of FILE matches. A missing or
# empty FILE fails: a log that says nothing is no evidence of anything.
expect_no_grep() {
	local desc=$1 re=$2 file=$3 hit
	if [ ! -s "$file" ]; then
		fail "$desc: nothing to judge: ${file#"$ROOT"/} is $([ -e "$file" ] && echo empty || echo missing)"
	elif hit=$(grep -m1 -E -- "$re" "$file" 2>/dev/null); then
		fail "$desc: found \"$hit\" in ${file#"$ROOT"/}"
	else
		pass "$desc"
	fi
}

# cpu_ticks PID: the CPU time PID has used so far (user + system, in clock
# ticks): fields 14 and 15 of /proc/PID/stat, counted after the ")" that
# ends the command name.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

# expect_idle_cpu DESC NAME...: with no traffic, over one second, each
# program started by lab_bg NAME uses at most 5% of a CPU. A program that
# polls instead of waiting (a zero poll timeout, a non-blocking read in a
# loop) spins at 100% on an idle machine, and still gets its share on a
# loaded one (14% and up measured with two busy cores); one that waits in
# poll/select/read uses nothing.
expect_idle_cpu() {
	local desc=$1 n t0 t1 hz used pct
	local -A before=()
	shift
	hz=$(getconf CLK_TCK)
	for n; do before[$n]=$(cpu_ticks "${BG_PID[$n]:-0}"); done
	t0=$(date +%s%N)
	sleep 1
	t1=$(date +%s%N)
	for n; do
		used=$(cpu_ticks "${BG_PID[$n]:-0}")
		if [ -z "$used" ] || [ -z "${before[$n]}" ]; then
			fail "$desc: $n: no CPU figure (/proc/${BG_PID[$n]:-?}/stat): it is not running"
			continue
		fi
		pct=$(( (used - before[$n]) * 100 * 1000000000 / (hz * (t1 - t0)) ))
		if [ "$pct" -le 5 ]; then
			pass "$desc: $n used ${pct}% of a CPU over $(( (t1 - t0) / 1000000 )) ms with no traffic"
		else
			fail "$desc: $n used ${pct}% of a CPU over $(( (t1 - t0) / 1000000 )) ms with no traffic (at most 5%): it spins instead of waiting"
		fi
	done
}

# The TLS VPN's client side: tun_addr HOST and tun6 HOST print the IPv4
# and the global IPv6 address of HOST's tun0 (nothing if none); pool6_of
# ADDR [N] prints the pool6 address of a TLS_POOL address (TLS_POOL6 plus
# its offset in TLS_POOL, as the server gives it), or of that offset + N.
tun_addr() {
	lab_exec "$1" ip -4 -o addr show dev tun0 2>/dev/null | sed -nE 's/.* inet ([0-9.]+).*/\1/p'
}
has_tun_addr() { [ -n "$(tun_addr "$1")" ]; }
tun6() {
	lab_exec "$1" ip -6 -o addr show dev tun0 scope global 2>/dev/null | sed -nE 's/.* inet6 ([0-9a-f:]+).*/\1/p' | head -1
}
pool6_of() {
	local a b c d e f g h
	IFS=. read -r a b c d <<<"$1"
	IFS=. read -r e f g h <<<"${TLS_POOL%/*}"
	printf '%s%x' "${TLS_POOL6%%::/*}::" $(( (a << 24 | b << 16 | c << 8 | d) - (e << 24 | f << 16 | g << 8 | h) + ${2:-0} ))
}

# lab_ipv6_up: IPv6 on the intranet, for the one check that needs it (the
# lab starts without it: lab.sh). Only the server's eth1 and V's eth0 get
# v6 (addresses from topology.sh, nodad; no router solicitations, no RA),
# the server forwards v6 and V routes TLS_POOL6 via SERVER_INT6. Every
# other interface and namespace keeps IPv6 off. 1 and a note on failure.
lab_ipv6_up() {
	local h ifn addr log=$OUT/lab-ipv6.log
	[ -d /proc/sys/net/ipv6 ] || { note "no IPv6 in this kernel (ipv6.disable=1?)"; return 1; }
	for h in server:eth1 v:eth0; do
		IFS=: read -r h ifn <<<"$h"
		addr=$([ "$h" = server ] && echo "$SERVER_INT6" || echo "$V6")
		{ lab_exec "$h" sysctl -qw "net.ipv6.conf.$ifn.accept_ra=0" \
			"net.ipv6.conf.$ifn.router_solicitations=0" "net.ipv6.conf.$ifn.dad_transmits=0" \
			"net.ipv6.conf.$ifn.disable_ipv6=0" &&
		  lab_exec "$h" ip -6 addr add "$addr/64" dev "$ifn" nodad; } >>"$log" 2>&1 ||
			{ note "lab_ipv6_up: $h $ifn: $(tail -1 "$log")"; return 1; }
	done
	{ lab_exec server sysctl -qw net.ipv6.conf.all.forwarding=1 &&
	  lab_exec v ip -6 route add "$TLS_POOL6" via "$SERVER_INT6" dev eth0; } >>"$log" 2>&1 ||
		{ note "lab_ipv6_up: $(tail -1 "$log")"; return 1; }
}
