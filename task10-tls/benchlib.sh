# benchlib.sh - what bench.sh and bench-scale.sh share, sourced by both:
# a fresh output folder, jobs in the background on lab hosts (each logged
# in $OUT/NAME.log, all killed and the lab taken down on exit), and
# waiting for a condition. Needs LABSH and OUT.
# shellcheck shell=bash

declare -A PIDS=()

bench_cleanup() {
	for n in "${!PIDS[@]}"; do kill "${PIDS[$n]}" 2>/dev/null || true; done
	wait 2>/dev/null || true
	"$LABSH" down >"$OUT/lab-down.log" 2>&1 || true
}

# An empty $OUT, and the clean-up above on any exit (^C included).
bench_start() {
	rm -rf "$OUT"
	mkdir -p "$OUT"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bg() {   # NAME HOST CMD...: background on HOST, log in $OUT/NAME.log
	local name=$1 host=$2; shift 2
	echo "+ [$host] $*" >&2
	"$LABSH" exec "$host" "$@" >"$OUT/$name.log" 2>&1 </dev/null &
	PIDS[$name]=$!
}

wait_for() {   # SECONDS CMD...: true once CMD succeeds, false after SECONDS
	local secs=$1; shift
	for _ in $(seq $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
