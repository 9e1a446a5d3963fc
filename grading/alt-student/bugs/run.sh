#!/bin/bash
# run.sh - the bug probe: the alt student with one classic bug each
# (bugs/NAME.index overrides one region of ../index with NAME.patch, the
# bug written as a diff of the base body), each graded on its
# own task only. Not part of make check: a probe of the checks, written
# without looking at tests/mutants, to see which bugs the grade misses.
#
#   grading/alt-student/bugs/run.sh [NAME...]      (default: every bug)
#
# A NAME.index starts with "# task: TASK", "# bug: WHAT" and "# reason:
# ERE": the reason is what a FAIL line that catches the bug for its own
# reason should mention ("own reason" says whether one does: a hint, to be
# read by a person). Prints one row per bug: name, task, points, own
# reason, the first FAIL line; then "bugs: N caught, M missed" (caught: it
# lost points), and how many the grader could not grade at all (no row
# for the task in its grade.json: a missing tool, a broken kit build), with
# exit status 1 then: such a bug was not probed, so it is no "missed".
# Works in build/alt-bugs.XXXXXX/ (kept: the trees and the
# grader's output).
set -uo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root" || exit 2
mkdir -p build
T=$(mktemp -d "$root/build/alt-bugs.XXXXXX") || exit 2
chmod 755 "$T"
if [ $# -eq 0 ]; then
	set --
	for i in "$here"/*.index; do n=${i##*/}; set -- "$@" "${n%.index}"; done
fi
caught=0 missed=0 errors=0
printf '%-20s %-7s %-14s %-5s %s\n' bug task points own "first FAIL line"
for name in "$@"; do
	idx=$here/$name.index
	[ -f "$idx" ] || { echo "bugs: no $idx" >&2; exit 2; }
	task=$(sed -n 's/^# task: //p' "$idx")
	reason=$(sed -n 's/^# reason: //p' "$idx")
	start=$(date +%s)
	if ! grading/alt-student/assemble.sh "$T/$name" "$idx" >"$T/$name.assemble" 2>&1; then
		printf '%-20s %-7s %-14s %-5s %s\n' "$name" "$task" "-" "-" "assemble failed: $(tail -1 "$T/$name.assemble")"
		missed=$((missed + 1))
		continue
	fi
	chmod -R a+rX "$T/$name"
	grading/grade.sh --submission "$T/$name" --student "$name" --tasks "$task" \
		-o "$T/$name.out" >"$T/$name.grade" 2>&1
	row=$(jq -r --arg t "$task" '.tasks[] | select(.task == $t) | "\(.points) \(.weight) \(.passed) \(.checks)"' \
		"$T/$name.out/grade.json" 2>/dev/null)
	if [ -z "$row" ]; then
		printf '%-20s %-7s %-14s %-5s %s\n' "$name" "$task" "-" "-" \
			"grader error: $(tail -1 "$T/$name.grade" | cut -c1-160)  [$(( $(date +%s) - start )) s]"
		errors=$((errors + 1))
		continue
	fi
	read -r pts wt passed checks <<<"$row"
	log=$T/$name.out/$task.log
	first=$(grep -m1 -E '^(FAIL|SKIP) ' "$log" 2>/dev/null | cut -c1-200)
	own=no
	grep -E '^(FAIL|SKIP) ' "$log" 2>/dev/null | grep -qE -- "$reason" && own=yes
	if [ "$pts" != - ] && awk -v p="$pts" -v w="$wt" 'BEGIN { exit !(p + 0 < w + 0) }'; then
		caught=$((caught + 1))
	else
		missed=$((missed + 1)); own=-
	fi
	printf '%-20s %-7s %-14s %-5s %s\n' "$name" "$task" "$pts/$wt ($passed/$checks)" "$own" "${first:-(no FAIL line)}  [$(( $(date +%s) - start )) s]"
done
if [ "$errors" -gt 0 ]; then
	echo "bugs: $caught caught, $missed missed, $errors not graded (grader errors) (trees and grades in $T)"
	exit 1
fi
echo "bugs: $caught caught, $missed missed (trees and grades in $T)"
