#!/bin/bash
# assemble.sh - the alt student's tree: the handout with every solution
# region written by another hand (grading/alt-student/*.c, *.sh-body).
#
#   grading/alt-student/assemble.sh OUTDIR [OVERRIDE.index...]
#
# OUTDIR becomes what `make handout` makes (tools/handout.sh: the tracked
# files, the students' README and HANDOUT, no instructor-only files), then
# each file with regions is made again from the kit's own file, each region
# (its BEGIN and END markers and everything between) replaced by the body
# that `index` names for it. An OVERRIDE index (same format, bodies beside
# it: grading/alt-student/bugs/) replaces the entries it names, for a
# student who got one region wrong; its body is a whole file, or a patch
# (NAME.patch) of the base body it replaces.
#
# Fails, and says which, when a region of the kit has no body, when an
# index line names a region (or a file) that no longer exists, or when one
# line matches two regions: the kit keeps changing, and a silently skipped
# region would grade the kit's code instead of the student's.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kit=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: grading/alt-student/assemble.sh OUTDIR [OVERRIDE.index...]" >&2; exit 2; }
out=$1; shift
case $out in /*) ;; *) out=$PWD/$out ;; esac

die() { echo "assemble: $*" >&2; exit 1; }

# The entries: "FILE<TAB>SUBSTRING<TAB>/abs/body", base first, overrides
# after; an override replaces the base line with the same FILE and SUBSTRING.
entries=$(mktemp)
trap 'rm -rf "$entries" "$entries".*' EXIT
load() {        # INDEX
	local dir n=0 f s b
	dir=$(cd "$(dirname "$1")" && pwd)
	while IFS=$'\t' read -r f s b; do
		case $f in '' | '#'*) continue ;; esac
		if [ -z "$s" ] || [ -z "$b" ]; then
			die "$1: malformed line (want FILE<TAB>SUBSTRING<TAB>BODY): $f"
		fi
		[ -f "$dir/$b" ] || die "$1: no body file $b (for $f: $s)"
		printf '%s\t%s\t%s\n' "$f" "$s" "$dir/$b"
		n=$((n + 1))
	done <"$1"
	[ $n -gt 0 ] || die "$1: no entries"
}
load "$here/index" >"$entries.base"
: >"$entries.over"
# An override's body may be a patch (BODY.patch, `diff -u` of the base
# body it replaces): the bug is then written once, as what it changes.
mkdir "$entries.d"
npatch=0
for o in "$@"; do
	load "$o" >"$entries.o"
	while IFS=$'\t' read -r f s b; do
		case $b in
		*.patch)
			command -v patch >/dev/null ||
				die "$o: needs patch(1) for ${b##*/} (apt-get install patch)"
			base=$(awk -F'\t' -v f="$f" -v s="$s" '$1 == f && $2 == s { print $3 }' "$entries.base")
			[ -n "$base" ] || die "$o: ${b##*/} patches no base entry ($f: $s)"
			npatch=$((npatch + 1))
			patch -s -f -o "$entries.d/$npatch" "$base" "$b" >"$entries.d/$npatch.log" 2>&1 ||
				die "$o: ${b##*/} does not apply to ${base##*/}: $(head -3 "$entries.d/$npatch.log")"
			b=$entries.d/$npatch
			;;
		esac
		printf '%s\t%s\t%s\n' "$f" "$s" "$b"
	done <"$entries.o" >>"$entries.over"
done
awk -F'\t' -v overfile="$entries.over" '
	BEGIN { while ((getline l < overfile) > 0) { split(l, p, "\t"); over[p[1] FS p[2]] = l } }
	($1 FS $2) in over { print over[$1 FS $2]; delete over[$1 FS $2]; next }
	{ print }
	END { for (k in over) { print "assemble: an override names no base entry: " k > "/dev/stderr"; exit 1 } }' \
	"$entries.base" >"$entries" || die "bad override index"

# The handout itself (its list of regions comes with it, in OUTDIR.regions).
( cd "$kit" && tools/handout.sh -o "$out" ) >/dev/null ||
	die "tools/handout.sh failed"
regions=$out.regions
[ -s "$regions" ] || die "the handout lists no regions"

# replace FILE: the kit's FILE with its regions replaced, into OUTDIR/FILE.
# shellcheck disable=SC2016 # an awk program
replace_awk='
function fail(msg) { printf "assemble: %s:%d: %s\n", file, FNR, msg > "/dev/stderr"; bad = 1; exit 1 }
function emit(path,    line, r) {
	while ((r = (getline line < path)) > 0) print line
	if (r < 0) fail("cannot read " path)
	close(path)
}
function region(    k, hit, n) {
	nreg++
	for (k = 1; k <= ne; k++)
		if (sub_[k] != "@head" && index(hint, sub_[k])) { hit = k; n++ }
	if (n == 0) fail("region " nreg " has no alt body: " hint)
	if (n > 1) fail("region " nreg " matches " n " index lines: " hint)
	if (used[hit]++) fail("index line \"" sub_[hit] "\" matches two regions")
	if (pre !~ /^[ \t]*$/) print pre
	emit(body[hit])
}
BEGIN {
	FS = "\t"
	while ((getline l < entries) > 0) {
		split(l, p, "\t")
		if (p[1] != file) continue
		ne++; sub_[ne] = p[2]; body[ne] = p[3]
		if (p[2] == "@head") head = p[3]
	}
	begin = style == "sh" ? "^[ \t]*# SOLUTION BEGIN" : "/\\* SOLUTION BEGIN"
	end = style == "sh" ? "^[ \t]*# SOLUTION END" : "/\\* SOLUTION END \\*/"
}
state == 1 {
	hint = hint " " $0
	if (index($0, "*/")) { state = 2; region() }
	next
}
state == 2 {
	if ($0 ~ begin) fail("nested region")
	if (match($0, end)) {
		post = substr($0, RSTART + RLENGTH)
		if (post !~ /^[ \t]*$/) print post
		state = 0
	}
	next
}
$0 ~ begin {
	match($0, begin)
	pre = style == "sh" ? "" : substr($0, 1, RSTART - 1)
	hint = substr($0, RSTART)
	if (style == "c" && !index(hint, "*/")) state = 1
	else { state = 2; region() }
	next
}
head != "" && !headdone && /^#include "/ { emit(head); headdone = 1 }
{ print }
END {
	if (bad) exit 1
	if (state) fail("unterminated region")
	for (k = 1; k <= ne; k++)
		if (sub_[k] != "@head" && !used[k]) fail("index line \"" sub_[k] "\" names no region of this file")
	if (head != "" && !headdone) fail("@head: no #include \"...\" line to put it before")
}'

nreg=0
while read -r f; do
	style=c
	case $f in *.sh) style='sh' ;; esac
	awk -v file="$f" -v style="$style" -v entries="$entries" "$replace_awk" \
		"$kit/$f" >"$out/$f" || die "$f: not assembled"
	chmod --reference="$kit/$f" "$out/$f"
	nreg=$((nreg + $(grep -c "^$f:" "$regions")))
done < <(sed 's/:[0-9]*:.*//' "$regions" | sort -u)

# Every index line must have been used: its file must still have regions.
while IFS=$'\t' read -r f s _; do
	grep -q "^$f:" "$regions" || die "index names $f ($s), which has no solution region any more"
done <"$entries"
nent=$(awk -F'\t' '$2 != "@head"' "$entries" | wc -l)
[ "$nent" -eq "$nreg" ] || die "$nent index lines for $nreg regions"

left=$(cd "$out" || exit 1; grep -rlE 'SOLUTION (BEGIN|END|STUB)|TODO \(student\)' --include='*.c' --include='*.h' --include='*.sh' common task* || true)
[ -z "$left" ] || die "markers or stubs left in: ${left//$'\n'/ }"
rm -f "$regions"
echo "assemble: ${out}: $nreg regions written by the alt student ($# override index(es))"
