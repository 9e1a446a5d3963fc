#!/usr/bin/env bash
# grade-all.sh - grade every student's tree in a directory, one after
# another, into one CSV.
#
#   grading/grade-all.sh [--tasks "task1 task2"] [-o OUTDIR] SUBMISSIONS
#
# SUBMISSIONS holds one directory per student (its name is the student's
# name in the CSV). Each is graded by grading/grade.sh into
# OUTDIR/students/NAME/ (grade.txt is what to hand back to the student);
# the rows go to OUTDIR/grades.csv (default out/grade): student, the
# points of each task, total, max, notes (build errors, time-outs, failed
# checks). A tree the grader itself cannot finish gets a row of zeros
# with the reason, and the next student is graded all the same.
set -uo pipefail
export LC_ALL=C

KIT=$(cd "$(dirname "$0")/.." && pwd)
STUDENT_TIMEOUT=${GRADE_STUDENT_TIMEOUT:-7200}

tasks= outdir=$KIT/out/grade subs=
while [ $# -gt 0 ]; do
	case $1 in
	--tasks) tasks=${2?--tasks takes a list}; shift 2 ;;
	-o) outdir=${2:?-o takes a directory}; shift 2 ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "grade-all: unknown option '$1'" >&2; exit 2 ;;
	*) subs=$1; shift ;;
	esac
done
[ -n "$subs" ] || { echo "usage: grading/grade-all.sh [--tasks LIST] [-o OUTDIR] SUBMISSIONS" >&2; exit 2; }
[ -d "$subs" ] || { echo "grade-all: '$subs' is not a directory" >&2; exit 2; }
case $outdir in /*) ;; *) outdir=$PWD/$outdir ;; esac

dirs=()
for d in "$subs"/*/; do
	[ -d "$d" ] && dirs+=("${d%/}")
done
[ ${#dirs[@]} -gt 0 ] || { echo "grade-all: no student directory in $subs" >&2; exit 2; }

mkdir -p "$outdir/students"
csv=$outdir/grades.csv
tmp=$csv.part
: >"$tmp"
header=
i=0 start=$(date +%s)
for d in "${dirs[@]}"; do
	i=$((i + 1))
	name=$(basename "$d")
	# The name becomes a directory and a CSV field: keep it tame.
	safe=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._@+-' '_')
	sout=$outdir/students/$safe
	s=$(date +%s)
	args=(--submission "$d" --student "$name" -o "$sout")
	[ -n "$tasks" ] && args+=(--tasks "$tasks")
	echo "grade-all: [$i/${#dirs[@]}] $name" >&2
	timeout --kill-after=30 "$STUDENT_TIMEOUT" "$KIT/grading/grade.sh" "${args[@]}" \
		>"$sout.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && [ -f "$sout/grade.csv" ]; then
		[ -n "$header" ] || header=$(head -1 "$sout/grade.csv")
		tail -n +2 "$sout/grade.csv" >>"$tmp"
		echo "grade-all: [$i/${#dirs[@]}] $name: $(awk '$1 == "total" {print $2, $3, $4}' "$sout/grade.txt") in $(( $(date +%s) - s ))s" >&2
	else
		why="the grader did not finish (exit $rc): $(tail -1 "$sout.out" | tr -d '"')"
		echo "grade-all: [$i/${#dirs[@]}] $name: $why" >&2
		echo "\"${name//\"/\"\"}\",ERROR,\"$why\"" >>"$tmp"
	fi
done

# Rows the grader could not finish have no per-task columns: pad them.
if [ -z "$header" ]; then
	header="student,ERROR,notes"
fi
ncol=$(echo "$header" | awk -F, '{print NF}')
{
	echo "$header"
	while IFS= read -r row; do
		case $row in
		*,ERROR,*)
			name=${row%%,ERROR,*} why=${row#*,ERROR,}
			printf '%s' "$name"
			for ((c = 2; c < ncol; c++)); do printf ',0'; done
			printf ',%s\n' "$why"
			;;
		*) echo "$row" ;;
		esac
	done <"$tmp"
} >"$csv"
rm -f "$tmp"
echo "grade-all: ${#dirs[@]} students in $(( $(date +%s) - start ))s: ${csv#"$KIT"/}" >&2
cat "$csv"
