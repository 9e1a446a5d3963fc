#!/usr/bin/env bash
# merge-csv.sh - one class CSV from the grades.csv of several machines.
#
#   grading/merge-csv.sh A/grades.csv B/grades.csv ... > grades.csv
#
# Each input is a grade-all CSV (one header, one row per student). The
# headers must be identical (the same tasks, in the same order: every
# machine graded with the same task table and --tasks); the rows are put
# together and sorted by student, as grade-all sorts them. A student found
# in more than one input is refused, named (graded twice: on two machines,
# or from two submissions): the instructor decides which row counts.
set -euo pipefail
export LC_ALL=C

[ $# -gt 0 ] || { echo "usage: grading/merge-csv.sh CSV... > merged.csv" >&2; exit 2; }
header=
for f in "$@"; do
	[ -r "$f" ] || { echo "merge-csv: cannot read $f" >&2; exit 2; }
	h=$(head -1 "$f")
	case $h in student,*) ;; *) echo "merge-csv: $f: not a grade-all CSV (its header is '$h')" >&2; exit 2 ;; esac
	if [ -z "$header" ]; then
		header=$h first=$f
	elif [ "$h" != "$header" ]; then
		echo "merge-csv: $f has another header than $first ('$h' vs '$header'): graded with other tasks?" >&2
		exit 2
	fi
done
rows=$(for f in "$@"; do tail -n +2 "$f"; done | grep -v '^$' | sort || true)
# The student field: the first CSV field, quoted by grade.sh ("" inside).
dups=$(printf '%s\n' "$rows" | sed -nE 's/^("([^"]|"")*"),.*/\1/p' | uniq -d)
if [ -n "$dups" ]; then
	echo "merge-csv: graded more than once: $(echo "$dups" | tr '\n' ' ')- keep one row each" >&2
	exit 1
fi
echo "$header"
[ -z "$rows" ] || printf '%s\n' "$rows"
