#!/usr/bin/env bash
# run.sh - the kit's test runner: unit tests, the verifier's golden tests,
# and the task checks, each in its own lab. Ends with "N passed, M failed".
#
#   tests/run.sh all        everything `make check` runs
#   tests/run.sh taskN      task N's check and those of the tasks before it
#   tests/run.sh unit       only the cmocka unit tests
#   tests/run.sh mutants    only the mutation tests (tests/mutants/): that
#                           every solution region has a mutant, then each
#                           mutant (MUTANTS_JOBS at a time, default 2)
#
# VPNLAB_BUILD (default build/san) holds the programs under test. ^C stops
# after the running check has cleaned up after itself.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
BUILD=${VPNLAB_BUILD:-build/san}
export BIN=${VPNLAB_BIN:-$ROOT/$BUILD/bin}
STOPPED=0
trap 'STOPPED=1' INT TERM
CHECK_TIMEOUT=${CHECK_TIMEOUT:-300}

# The task checks in order, from the task table (lab/tasks.conf);
# check-taskN runs every one up to N's (as CS144's checkN do). A task with
# parts (task5: SEED tasks 5, 6, 7) runs each part on its own as taskPART.
# shellcheck source=lab/tasks.sh
. "$ROOT/lab/tasks.sh"
tasks_load "$ROOT/lab/tasks.conf" || exit 2
ORDER=()
declare -A SCRIPT=() ALIAS=()
for t in "${TASKS[@]}"; do
	if [ -n "${TASK_PARTS[$t]}" ]; then
		for p in ${TASK_PARTS[$t]}; do
			ORDER+=("task$p")
			SCRIPT[task$p]="${TASK_DIR[$t]}/check.sh $p"
		done
	else
		ORDER+=("$t")
		SCRIPT[$t]=${TASK_DIR[$t]}/check.sh
	fi
done
for a in "${!TASK_ALIAS_OF[@]}"; do ALIAS[$a]=${TASK_ALIAS_OF[$a]}; done

TOTAL_PASS=0
TOTAL_FAIL=0
mkdir -p out

# Adds the figures of a component's last "NAME: N passed, M failed" line.
tally() {
	local name=$1 log=$2 rc=$3 line p f
	line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "FAIL $name: ended (exit $rc) without a summary line; see $log"
		TOTAL_FAIL=$((TOTAL_FAIL + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name: exit status $rc although it reported no failure"
		f=1
	elif [ "$p" = 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name: '$line': no assertion ran; see $log"
		f=1
	fi
	TOTAL_PASS=$((TOTAL_PASS + p))
	TOTAL_FAIL=$((TOTAL_FAIL + f))
}

run_unit() {
	local t log rc n p f
	log=out/unit.log
	: >"$log"
	p=0 f=0
	for t in "$BUILD"/test/*; do
		[ -x "$t" ] || continue
		"$t" >"out/unit-${t##*/}.log" 2>&1
		rc=$?
		cat "out/unit-${t##*/}.log" >>"$log"
		n=$(grep -cE '^\[       OK \]' "out/unit-${t##*/}.log")
		local bad; bad=$(grep -cE '^\[  (FAILED|ERROR)  \] [a-z_]' "out/unit-${t##*/}.log")
		# a binary that ran no test (all skipped, none registered) proves nothing
		if [ "$bad" = 0 ] && { [ "$rc" != 0 ] || [ "$n" = 0 ]; }; then bad=1; fi
		if [ "$bad" = 0 ]; then
			echo "PASS unit/${t##*/}: $n tests"
		else
			echo "FAIL unit/${t##*/}: $bad failed, exit $rc; see out/unit-${t##*/}.log"
			grep -E '^\[  (FAILED|ERROR)  \]|Assert|error' "out/unit-${t##*/}.log" | head -5 | sed 's/^/     /'
		fi
		p=$((p + n)) f=$((f + bad))
	done
	if [ $((p + f)) = 0 ]; then
		echo "FAIL unit: no unit test binaries in $BUILD/test (run 'make SAN=1')"
		f=1
	fi
	TOTAL_PASS=$((TOTAL_PASS + p))
	TOTAL_FAIL=$((TOTAL_FAIL + f))
}

run_component() {     # NAME COMMAND...
	local name=$1 log=out/$1.log rc
	shift
	[ "$STOPPED" = 1 ] && return
	echo "---- $name: $*"
	# --foreground: ^C reaches the check, whose trap removes its lab; on a
	# time-out the check gets SIGTERM and cleans up the same way. tee -i
	# must outlive the check to keep its last lines.
	# COMPONENT_TIMEOUT: a longer limit for one component (the mutants).
	local limit=${COMPONENT_TIMEOUT:-$CHECK_TIMEOUT}
	timeout --foreground --kill-after=10 "$limit" "$@" 2>&1 | tee -i "$log"
	rc=${PIPESTATUS[0]}
	[ "$rc" = 124 ] && echo "FAIL $name: timed out after ${limit}s" | tee -a "$log"
	# A check killed outright (SIGKILL after the time-out) leaves its lab.
	lab/lab.sh gc
	if [ "$STOPPED" = 1 ]; then
		echo "---- interrupted during $name"
		return
	fi
	tally "$name" "$log" "$rc"
}

run_task() {
	local t=$1 cmd
	read -ra cmd <<<"${SCRIPT[$t]}"
	if [ ! -f "${cmd[0]}" ]; then
		echo "FAIL $t: ${cmd[0]} does not exist"
		TOTAL_FAIL=$((TOTAL_FAIL + 1))
		return
	fi
	run_component "$t" bash "${cmd[@]}"
}

# The first mutant (by name) of each region the mutants name.
mutant_sample() {
	awk '/^region / && !seen[$0]++ {
		f = FILENAME; sub(/.*\//, "", f); sub(/\.mut$/, "", f); print f
	}' tests/mutants/*.mut
}

target=${1:-all}
start=$(date +%s)
case "$target" in
all)
	echo "---- unit tests ($BUILD/test)"
	run_unit
	run_component golden bash verifier/tests/run-golden.sh "$BIN"
	# The lab's plan is lab/topology.sh alone: compose files and defaults agree.
	run_component topology bash tests/topology.sh "$BIN"
	# make install / uninstall, the man pages, the units, the admin tools.
	run_component install bash tests/install.sh
	run_component shellcheck bash tests/shellcheck.sh
	# Every task README lists the solution regions a student writes (the
	# instructor's tree: a handout has no SOLUTION markers left).
	[ -e HANDOUT ] || run_component readmes bash tools/test-readmes.sh
	for t in "${ORDER[@]}"; do run_task "$t"; done
	# The TLS VPN as an admin runs it: config files, the unit's
	# capabilities, minivpn-passwd, the control socket (lab).
	run_component deploy bash task10-tls/check-deploy.sh
	# Client certificates: mutual TLS, certificate-only logins, a CRL
	# reread on SIGHUP (issue 11, lab).
	run_component clientcert bash task10-tls/check-clientcert.sh
	# Several servers behind HAProxy: PROXY v2, drain, pool slices, PAM
	# (issue 13, lab).
	run_component scale bash task10-tls/scale.sh
	# The TLS VPN's login path under attack and a reconnect storm, its
	# memory and descriptors (issue 14): minivpn-load's crowds, release build.
	run_component stress bash task10-tls/stress.sh
	# The offload extension (issue 12): superpackets both ways, and the
	# pairings with a plain client and a plain server.
	run_component offload bash task10-tls/check-offload.sh
	# The reports, from those checks' outputs: answers kept over runs, zh
	# pages in Chinese (the chromium screenshot is make test-report's).
	run_component report bash tools/test-report.sh --no-screenshot
	# Each check must also be seen to fail on programs broken the way a
	# student breaks them.
	if [ -e HANDOUT ]; then
		echo "---- mutants: not in a handout (they need the reference solution)"
	else
		run_component mutant-coverage bash tests/mutants/coverage.sh
		# One mutant per solution region here (make check-mutants runs
		# them all: about a hundred full checks, too long for every run).
		mapfile -t sample < <(mutant_sample)
		COMPONENT_TIMEOUT=${MUTANTS_TIMEOUT:-3600} run_component mutants bash tests/mutants/run.sh "${sample[@]}"
	fi
	;;
mutants)
	run_component mutant-coverage bash tests/mutants/coverage.sh
	COMPONENT_TIMEOUT=${MUTANTS_TIMEOUT:-3600} run_component mutants bash tests/mutants/run.sh
	;;
unit)
	run_unit
	;;
stress)
	run_component stress bash task10-tls/stress.sh
	;;
offload)
	run_component offload bash task10-tls/check-offload.sh
	;;
task*)
	want=${ALIAS[$target]:-$target}
	[ -n "${SCRIPT[$want]:-}" ] || { echo "run.sh: no check named $target (have: ${ORDER[*]} and ${!ALIAS[*]})" >&2; exit 2; }
	for t in "${ORDER[@]}"; do
		run_task "$t"
		[ "$t" = "$want" ] && break
	done
	;;
*)
	echo "usage: tests/run.sh all | unit | mutants | stress | offload | taskN" >&2
	exit 2
	;;
esac
echo "---- $target took $(( $(date +%s) - start )) s"
# After "sudo make check", leave build/ and out/ to the user who ran sudo.
if [ -n "${SUDO_UID:-}" ] && [ "$(id -u)" = 0 ]; then
	chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" build out 2>/dev/null || true
fi
if [ "$STOPPED" = 1 ]; then
	echo "$TOTAL_PASS passed, $TOTAL_FAIL failed (interrupted)"
	exit 130
fi
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" = 0 ]
