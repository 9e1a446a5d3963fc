#!/bin/bash
# test-handout.sh - the handout is a starter kit, not a broken tree:
#
#   1. tools/handout.sh makes it (every region stubbed, no marker left);
#   2. it builds, release and sanitizer (`make`, `make SAN=1`);
#   3. each task check that covers a stubbed region FAILS on the stubs;
#   4. with the reference regions put back (the stubbed files copied from
#      this tree) it builds again and those checks PASS again.
#
#   tools/test-handout.sh [taskN ...]     (default: every task that has
#                                          regions and a check)
#
# Works in build/handout-test/ (never touches build/handout/). One PASS or
# FAIL line per assertion, then "handout: N passed, M failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build/handout-test
cd "$root"

npass=0 nfail=0
pass() { echo "PASS handout: $*"; npass=$((npass + 1)); }
fail() { echo "FAIL handout: $*"; nfail=$((nfail + 1)); }
finish() {
	echo "handout: $npass passed, $nfail failed"
	[ "$nfail" = 0 ]
	exit
}

mkdir -p "$root/build"

# 1. make it
if ! tools/handout.sh -o "$dir" >"$root/build/handout-test.log" 2>&1; then
	fail "tools/handout.sh failed: $(tail -n 3 "$root/build/handout-test.log")"
	finish
fi
regions=$dir.regions

# The task checks the handout has (tracked files only): name -> directory.
declare -A taskdir=()
for d in "$dir"/task*/; do
	d=$(basename "$d")
	n=${d%%-*}
	[ -f "$dir/$d/check.sh" ] && taskdir[$n]=$d
done
nreg=$(wc -l <"$regions")
[ "$nreg" -gt 0 ] && pass "$nreg solution regions stubbed ($(cut -d: -f1 "$regions" | sort -u | wc -l) files)" ||
	fail "no solution region found: nothing to hand out"
if grep -rqE 'SOLUTION (BEGIN|END|STUB)' "$dir" --include='*.[ch]'; then
	fail "region markers left in the handout"
else
	pass "no solution marker left in the handout's .c/.h files"
fi
todo=$(grep -rl 'TODO (student)' "$dir" --include='*.[ch]' | wc -l)
[ "$todo" -gt 0 ] && pass "$todo files carry 'TODO (student)' hints" ||
	fail "no 'TODO (student)' hint in the handout"

# Which tasks have regions: those whose directory holds one, and every task
# with a check when common/ holds one (the core every program links).
if [ $# -gt 0 ]; then
	tasks=("$@")
else
	tasks=()
	common=$(grep -c '^common/' "$regions")
	for n in $(printf '%s\n' "${!taskdir[@]}" | sort -V); do
		if grep -q "^${taskdir[$n]}/" "$regions"; then
			tasks+=("$n")
		elif [ "$common" -gt 0 ] && [ "$n" != task1 ] && [ "$n" != task8 ]; then
			# task1 and task8 run no student program (see their READMEs)
			tasks+=("$n")
		fi
	done
fi
echo "handout: tasks checked: ${tasks[*]:-none}"

# build DESC: release and sanitizer builds of the handout.
build() {
	local log=$dir.build-$1.log
	if make -C "$dir" -j"$(nproc)" all >"$log" 2>&1 &&
	   make -C "$dir" -j"$(nproc)" SAN=1 all >>"$log" 2>&1; then
		pass "$1: builds (make, make SAN=1); $(grep -c 'warning:' "$log") warnings"
		return 0
	fi
	fail "$1: does not build; first errors (${log#"$root"/}):"
	grep -E 'error:|\*\*\*' "$log" | head -n 5 | sed 's/^/     /'
	return 1
}

# run_check TASK: the task's own check on the handout's programs; prints
# its closing line, returns its status.
run_check() {
	local t=$1 log=$dir.$1.log rc
	( cd "$dir" && OUT=$dir/out/$t timeout --kill-after=10 300 \
		bash "${taskdir[$t]}/check.sh" ) >"$log" 2>&1
	rc=$?
	summary=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	[ -n "$summary" ] || summary="no summary line, exit $rc"
	return $rc
}

# 2, 3. on the stubs
build "stubs"
for t in "${tasks[@]}"; do
	[ -n "${taskdir[$t]:-}" ] || { fail "$t: no check.sh"; continue; }
	if run_check "$t"; then
		fail "$t check passes on the stubs ($summary): the regions do not cover what it checks"
	else
		pass "$t check fails on the stubs ($summary)"
	fi
	mv "$dir.$t.log" "$dir.$t.stubs.log"
done

# 4. with the reference regions put back
# (a fresh mtime, so that make rebuilds what the stubs built)
for f in $(cut -d: -f1 "$regions" | sort -u); do
	cp "$root/$f" "$dir/$f"
	touch "$dir/$f"
done
if build "reference put back"; then
	for t in "${tasks[@]}"; do
		[ -n "${taskdir[$t]:-}" ] || continue
		if run_check "$t"; then
			pass "$t check passes with the reference regions ($summary)"
		else
			fail "$t check fails with the reference regions ($summary; ${dir#"$root"/}.$t.log)"
		fi
	done
fi

finish
