#!/bin/bash
# test-alt.sh - a correct student who writes every solution region in
# another style (select, ioctl, own loops, own log wording: see
# grading/alt-student/) must get full points on every task.
#
#   grading/test-alt.sh [--tasks "task2 task5"]
#
# Assembles the alt student's tree (grading/alt-student/assemble.sh: the
# handout with each region replaced), grades it with grading/grade.sh
# --submission as a student is graded (as root: sandboxed, as the grading
# user), and gives one PASS/FAIL per task: full points, every check
# passed. A FAIL lists the task's FAIL/SKIP lines: either the alt code is
# wrong, or the check wants a wording or a style the task's contract does
# not fix. Then "alt: N passed, M failed". Works in build/alt-test.XXXXXX/
# (removed when every task passed; kept, with the grader's output, if not).
set -uo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
tasks=
while [ $# -gt 0 ]; do
	case $1 in
	--tasks) tasks=${2?--tasks takes a list}; shift 2 ;;
	*) echo "usage: grading/test-alt.sh [--tasks \"task2 task5\"]" >&2; exit 2 ;;
	esac
done
command -v jq >/dev/null || { echo "alt: needs jq" >&2; exit 2; }
mkdir -p build
T=$(mktemp -d "$root/build/alt-test.XXXXXX") || { echo "alt: mktemp failed" >&2; exit 2; }
# Readable by the grading user, as a directory of submissions is.
chmod 755 "$T"
start=$(date +%s)

if ! grading/alt-student/assemble.sh "$T/alt" >"$T/assemble.log" 2>&1; then
	cat "$T/assemble.log"
	echo "FAIL alt/assemble: the alt student's tree could not be made (the kit's regions and grading/alt-student/index disagree)"
	echo "alt: 0 passed, 1 failed"
	exit 1
fi
chmod -R a+rX "$T/alt"
grading/grade.sh --submission "$T/alt" --student alt ${tasks:+--tasks "$tasks"} \
	-o "$T/out" >"$T/grade.out" 2>&1
rc=$?
if [ ! -s "$T/out/grade.json" ]; then
	tail -20 "$T/grade.out"
	echo "FAIL alt/grade: grade.sh wrote no grade.json (exit $rc; $T/grade.out)"
	echo "alt: 0 passed, 1 failed"
	exit 1
fi

npass=0 nfail=0
build=$(jq -r '.build.status' "$T/out/grade.json")
if [ "$build" = ok ]; then
	echo "PASS alt/build: the alt tree builds ($(jq -r '.build.command' "$T/out/grade.json"))"
	npass=$((npass + 1))
else
	echo "FAIL alt/build: $build: $(jq -r '.build.first_error' "$T/out/grade.json")"
	nfail=$((nfail + 1))
fi
ntasks=0
while IFS=$'\t' read -r t passed failed checks points weight status; do
	ntasks=$((ntasks + 1))
	if [ "$failed" = 0 ] && [ "$passed" = "$checks" ] && [ "$passed" -gt 0 ] &&
		[ "$status" = ok ] && awk -v p="$points" -v w="$weight" 'BEGIN { exit !(p + 0 == w + 0) }'; then
		echo "PASS alt/$t: $passed/$checks checks, $points / $weight points"
		npass=$((npass + 1))
	else
		echo "FAIL alt/$t: $passed/$checks checks, $points / $weight points ($status)"
		grep -E '^(FAIL|SKIP) ' "$T/out/$t.log" 2>/dev/null | sed 's/^/    /'
		nfail=$((nfail + 1))
	fi
done < <(jq -r '.tasks[] | [.task, .passed, .failed, .checks, .points, .weight, .status] | @tsv' "$T/out/grade.json")
if [ "$ntasks" = 0 ]; then
	echo "FAIL alt/tasks: grade.json lists no task"
	nfail=$((nfail + 1))
fi
echo "alt: total $(jq -r '"\(.total) / \(.max)"' "$T/out/grade.json"), $(( $(date +%s) - start )) s"
echo "alt: $npass passed, $nfail failed"
if [ "$nfail" = 0 ]; then
	rm -rf "$T"
else
	echo "alt: kept $T (the tree in alt/, the grader's output in out/ and grade.out)"
	exit 1
fi
