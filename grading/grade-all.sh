#!/usr/bin/env bash
# grade-all.sh - grade every student's submission in a directory into one
# CSV, N at a time.
#
#   grading/grade-all.sh [-j N] [--tasks "task1 task2"] [-o OUTDIR] SUBMISSIONS
#
# SUBMISSIONS holds one entry per student: a directory, or an archive
# (NAME.tar, NAME.tar.gz, NAME.tgz, and NAME.zip when unzip is installed).
# Each is graded by grading/grade.sh into OUTDIR/students/NAME/ (grade.txt
# is what to hand back to the student), NAME being the directory's or the
# archive's name; the student's name in the report and the CSV is the
# first line of a STUDENT file in the tree, if there is one, else NAME. A
# tree one level too deep (handout/ inside alice/) is graded from where its
# Makefile is, with a note. The rows go to OUTDIR/grades.csv (default
# out/grade), sorted by student: student, the points of each task, total,
# max, notes (build errors, time-outs, failed and capped checks). A
# submission the grader itself cannot finish gets a row of zeros with the
# reason, and the others are graded all the same.
#
# -j N grades N submissions at once (default 1). Each grader runs as a
# grading user of its own, GRADE_USER followed by the slot's number
# (vpngrader1 ... vpngraderN, created when missing): grade.sh's clean-up
# kills every process of its grading user, so two graders must never share
# one. That needs root; as a normal user only -j 1 is possible. The CSV is
# the same whatever N is (it holds no timings); the times are on stderr.
set -uo pipefail
export LC_ALL=C

KIT=$(cd "$(dirname "$0")/.." && pwd)
STUDENT_TIMEOUT=${GRADE_STUDENT_TIMEOUT:-7200}
BASE_USER=${GRADE_USER:-vpngrader}

die() { echo "grade-all: $*" >&2; exit 2; }

tasks='' outdir=$KIT/out/grade subs='' jobs=1
while [ $# -gt 0 ]; do
	case $1 in
	--tasks) tasks=${2?--tasks takes a list}; shift 2 ;;
	-o) outdir=${2:?-o takes a directory}; shift 2 ;;
	-j) jobs=${2:?-j takes a number}; shift 2 ;;
	-j[0-9]*) jobs=${1#-j}; shift ;;
	-h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) subs=$1; shift ;;
	esac
done
[ -n "$subs" ] || die "usage: grading/grade-all.sh [-j N] [--tasks LIST] [-o OUTDIR] SUBMISSIONS"
[ -d "$subs" ] || die "'$subs' is not a directory"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "-j '$jobs' is not a number of graders (1, 2, ...)"
if [ "$jobs" -gt 1 ] && [ "$(id -u)" != 0 ]; then
	die "-j $jobs needs root: each grader needs a grading user of its own (its clean-up kills by user; as you, two graders could kill each other's student programs). Run as root, or with -j 1"
fi
case $outdir in /*) ;; *) outdir=$PWD/$outdir ;; esac

# The submissions and the name each is filed under.
entries=() names=()
declare -A SEEN=()
for e in "$subs"/*; do
	name=
	if [ -d "$e" ]; then
		name=$(basename "$e")
	elif [ -f "$e" ]; then
		case $e in
		*.tar) name=$(basename "$e" .tar) ;;
		*.tar.gz) name=$(basename "$e" .tar.gz) ;;
		*.tgz) name=$(basename "$e" .tgz) ;;
		*.zip)
			if command -v unzip >/dev/null; then name=$(basename "$e" .zip)
			else echo "grade-all: $(basename "$e"): unzip is not installed: not graded (install unzip, or unpack it by hand)" >&2
			fi ;;
		esac
	fi
	[ -n "$name" ] || continue
	# The name becomes a directory: keep it tame.
	safe=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._@+-' '_')
	[ -z "${SEEN[$safe]:-}" ] ||
		die "two submissions would be filed as '$safe': ${SEEN[$safe]} and $(basename "$e"); rename one"
	SEEN[$safe]=$(basename "$e")
	entries+=("$e")
	names+=("$safe")
done
[ ${#entries[@]} -gt 0 ] || die "no submission (directory or archive) in $subs"

# One grading user per slot, created one after another (useradd locks
# /etc/passwd: two at once can fail).
slot_user() { if [ "$jobs" = 1 ]; then echo "$BASE_USER"; else echo "$BASE_USER$1"; fi; }
if [ "$(id -u)" = 0 ]; then
	for ((k = 1; k <= jobs; k++)); do
		GRADE_USER=$(slot_user "$k") "$KIT/grading/grade.sh" --setup-user ||
			die "cannot set up the grading user $(slot_user "$k")"
	done
fi

mkdir -p "$outdir/students"
csv=$outdir/grades.csv
n=${#entries[@]}
start=$(date +%s)

declare -A PID_SLOT=() PID_I=() I_START=()
free_slots=()
for ((k = jobs; k >= 1; k--)); do free_slots+=("$k"); done

# Stop the graders we started (each cleans up after itself) on ^C.
stop() {
	local p
	echo "grade-all: interrupted: stopping the running graders" >&2
	for p in "${!PID_SLOT[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait
	exit 130
}
trap stop INT TERM

# Reports on a finished grader, and frees its slot.
reap() {
	local p=$1 rc=$2 i name sout
	i=${PID_I[$p]}
	name=${names[$i]}
	sout=$outdir/students/$name
	echo "$rc" >"$sout.rc"
	if [ "$rc" = 0 ] && [ -f "$sout/grade.csv" ]; then
		echo "grade-all: [$((i + 1))/$n] $name: $(awk '$1 == "total" {print $2, $3, $4}' "$sout/grade.txt") in $(( $(date +%s) - I_START[$i] ))s" >&2
	else
		echo "grade-all: [$((i + 1))/$n] $name: the grader did not finish (exit $rc): $(tail -1 "$sout.out")" >&2
	fi
	free_slots+=("${PID_SLOT[$p]}")
	unset "PID_SLOT[$p]" "PID_I[$p]"
}

for ((i = 0; i < n; i++)); do
	while [ ${#free_slots[@]} = 0 ]; do
		wait -n -p done_pid
		rc=$?
		[ -n "${done_pid:-}" ] && [ -n "${PID_SLOT[$done_pid]:-}" ] && reap "$done_pid" "$rc"
	done
	slot=${free_slots[-1]}
	unset 'free_slots[-1]'
	name=${names[$i]}
	sout=$outdir/students/$name
	rm -rf "$sout" "$sout.out" "$sout.rc"
	args=(--submission "${entries[$i]}" -o "$sout")
	[ -n "$tasks" ] && args+=(--tasks "$tasks")
	echo "grade-all: [$((i + 1))/$n] $name (as $(slot_user "$slot"))" >&2
	I_START[$i]=$(date +%s)
	GRADE_USER=$(slot_user "$slot") timeout --kill-after=30 "$STUDENT_TIMEOUT" \
		"$KIT/grading/grade.sh" "${args[@]}" >"$sout.out" 2>&1 </dev/null &
	PID_SLOT[$!]=$slot
	PID_I[$!]=$i
done
while [ ${#PID_SLOT[@]} -gt 0 ]; do
	wait -n -p done_pid
	rc=$?
	[ -n "${done_pid:-}" ] && [ -n "${PID_SLOT[$done_pid]:-}" ] && reap "$done_pid" "$rc"
done
trap - INT TERM

# The CSV: one header (every grade.csv has the same, for the same tasks),
# then the rows sorted by student; a grader that did not finish gets zeros
# for every task and its reason.
header=
for name in "${names[@]}"; do
	f=$outdir/students/$name/grade.csv
	if [ "$(cat "$outdir/students/$name.rc")" = 0 ] && [ -f "$f" ]; then
		header=$(head -1 "$f")
		break
	fi
done
[ -n "$header" ] || header="student,ERROR,notes"
ncol=$(echo "$header" | awk -F, '{print NF}')
{
	echo "$header"
	for name in "${names[@]}"; do
		f=$outdir/students/$name/grade.csv
		if [ "$(cat "$outdir/students/$name.rc")" = 0 ] && [ -f "$f" ]; then
			tail -n +2 "$f"
		else
			why="the grader did not finish (exit $(cat "$outdir/students/$name.rc")): $(tail -1 "$outdir/students/$name.out" | tr -d '"')"
			printf '"%s"' "${name//\"/\"\"}"
			for ((c = 2; c < ncol; c++)); do printf ',0'; done
			printf ',"%s"\n' "$why"
		fi
	done | sort
} >"$csv"
dups=$(tail -n +2 "$csv" | sed -E 's/^("([^"]|"")*"),.*/\1/' | uniq -d)
[ -z "$dups" ] || echo "grade-all: more than one submission names the student(s) $(echo "$dups" | tr '\n' ' ')(STUDENT files): check them" >&2
echo "grade-all: $n submissions in $(( $(date +%s) - start ))s with -j $jobs: ${csv#"$KIT"/}" >&2
cat "$csv"
