#!/usr/bin/env bash
# test-readmes.sh - every solution region is listed in its task's README.
#
#   tools/test-readmes.sh          the test (no lab, no build: a second)
#   tools/test-readmes.sh --list   the rows the READMEs should hold, to paste
#
# Each task directory's README.md has a section "## What you write" with a
# table, one row per solution region the student fills in:
#
#   | file | function | SEED step | what to write |
#   |---|---|---|---|
#   | `common/tun.c` | `tun_open()` | 2.a | open /dev/net/tun ... |
#
# A region in taskN-*/ belongs to that directory's README; a region in
# common/ to exactly one task's README (the task whose lesson it is). The
# function is the C function the region is in (`name()`), or `(script)`
# for a shell script's top level. Two regions in one function are two rows.
#
# The test fails when a region is not listed (added, moved to another
# function), when a row names a region that does not exist, when a row has
# no SEED step, and when a task README lacks the section. It reads the
# regions from their "SOLUTION BEGIN" markers, so it belongs to the
# reference tree: the handout leaves it out (tools/handout.sh), and a
# handout's tools/stubs.sh (make todo) reads the same tables.
#
# One PASS/FAIL line per README (and one for the test's own self-check),
# then "readmes: N passed, M failed".
set -uo pipefail

ROOT=${READMES_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 1
npass=0 nfail=0
pass() { echo "PASS readmes: $*"; npass=$((npass + 1)); }
fail() { echo "FAIL readmes: $*"; nfail=$((nfail + 1)); }

# The task directories: lab/tasks.conf, the kit's task table.
# shellcheck source=lab/tasks.sh
. lab/tasks.sh
tasks_load "$ROOT/lab/tasks.conf" || exit 2
DIRS=()
for t in "${TASKS[@]}"; do DIRS+=("${TASK_DIR[$t]}"); done

c_mark='/\* SOLUTION BEGIN'
sh_mark='^[ \t]*# SOLUTION BEGIN'

# regions: "OWNER<TAB>FILE<TAB>FUNCTION<TAB>LINE<TAB>HINT" per region, OWNER
# the task directory whose README lists it ("common" for common/).
regions() {
	local f
	find "${DIRS[@]}" common/ -type f \( -name '*.c' -o -name '*.h' -o -name '*.sh' \) 2>/dev/null |
	sort | while read -r f; do
		case $f in
		*.sh) awk -v file="$f" -v mark="$sh_mark" -v style=sh "$region_awk" "$f" ;;
		*) awk -v file="$f" -v mark="$c_mark" -v style=c "$region_awk" "$f" ;;
		esac
	done
}
# shellcheck disable=SC2016 # an awk program: its $0 is awk's
region_awk='
style == "c" && /^[A-Za-z_][A-Za-z0-9_]*\(/ { fn = $0; sub(/\(.*/, "", fn); fn = fn "()" }
style == "sh" && /^[A-Za-z_][A-Za-z0-9_]*[ \t]*\(\)/ { fn = $0; sub(/[ \t]*\(.*/, "", fn); fn = fn "()" }
style == "sh" && /^}/ { fn = "" }
$0 ~ mark {
	hint = $0
	sub(/.*(SOLUTION BEGIN|TODO \(student\)):?[ \t]*/, "", hint)
	sub(/[ \t]*\*\/.*/, "", hint)
	owner = file; sub(/\/.*/, "", owner)
	printf "%s\t%s\t%s\t%d\t%s\n", owner, file, (fn == "" ? "(script)" : fn), FNR, hint
}'

# rows README: "FILE<TAB>FUNCTION<TAB>STEP" per table row of its section
# "## What you write" (header and rule rows skipped); "nosection" if the
# README has no such section.
rows() {
	awk '
	/^## / { insec = ($0 ~ /^## What you write/); if (insec) found = 1; next }
	insec && /^[ \t]*\|/ {
		line = $0
		sub(/^[ \t]*\|/, "", line); sub(/\|[ \t]*$/, "", line)
		n = split(line, c, "|")
		for (i = 1; i <= n; i++) { gsub(/^[ \t]+|[ \t]+$/, "", c[i]) }
		if (c[1] ~ /^-+$/ || c[1] == "file") next
		gsub(/`/, "", c[1]); gsub(/`/, "", c[2])
		printf "%s\t%s\t%s\n", c[1], c[2], c[3]
	}
	END { if (!found) print "nosection" }' "$1"
}

# judge REGIONS READMEDIR: one line per problem ("README: text"), nothing
# when every README lists exactly its regions.
judge() {
	local regs=$1 rdir=$2 d readme owner
	{ cut -f1 "$regs"; printf '%s\n' "${DIRS[@]}"; } | sort -u |
	while read -r owner; do
		[ "$owner" = common ] && continue
		readme=$rdir/$owner/README.md
		if [ ! -f "$readme" ]; then
			echo "$owner/README.md: missing"
			continue
		fi
		rows "$readme" >"$rdir/.rows.$owner"
	done
	for owner in "${DIRS[@]}"; do
		[ -f "$rdir/.rows.$owner" ] || continue
		if grep -qx nosection "$rdir/.rows.$owner"; then
			echo "$owner/README.md: no section '## What you write'"
		fi
	done
	# Every README's rows against the regions: a region of taskN-*/ must
	# be in taskN-*/README.md, one of common/ in exactly one README.
	# shellcheck disable=SC2016 # an awk program
	awk -F '\t' -v rdir="$rdir" '
	FNR == 1 { src = FILENAME; sub(/.*\/\.rows\./, "", src) }
	FILENAME == ARGV[1] { want[$1 SUBSEP $2 SUBSEP $3]++; where[$1 SUBSEP $2 SUBSEP $3] = $2 ":" $4; next }
	$0 == "nosection" { next }
	{
		owner = $1; sub(/\/.*/, "", owner)
		if (owner == "common") { ck = "common" SUBSEP $1 SUBSEP $2; common_in[ck] = common_in[ck] " " src }
		else ck = src SUBSEP $1 SUBSEP $2
		have[ck]++
		if ($3 == "") printf "%s/README.md: `%s` `%s` has no SEED step\n", src, $1, $2
		if (owner != "common" && owner != src)
			printf "%s/README.md: lists `%s`, which belongs to %s/README.md\n", src, $1, owner
	}
	END {
		for (k in want) {
			split(k, p, SUBSEP)
			r = p[1] == "common" ? "(a task README)" : p[1] "/README.md"
			if (have[k] < want[k])
				printf "%s: does not list `%s` `%s` (%d region(s), %d row(s); first at %s)\n", r, p[2], p[3], want[k], have[k] + 0, where[k]
			if (p[1] == "common" && have[k] > want[k])
				printf "%s: `%s` `%s` listed in more than one README:%s\n", r, p[2], p[3], common_in[k]
		}
		for (k in have) {
			split(k, p, SUBSEP)
			r = p[1] == "common" ? "README" common_in[k] : p[1] "/README.md"
			if (!(k in want)) printf "%s: lists `%s` `%s`, but there is no region there\n", r, p[2], p[3]
			else if (p[1] != "common" && have[k] > want[k])
				printf "%s: lists `%s` `%s` %d times, it has %d region(s)\n", r, p[2], p[3], have[k], want[k]
		}
	}' "$regs" "$rdir"/.rows.*
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
regions >"$TMP/regions"

if [ "${1:-}" = --list ]; then
	awk -F '\t' '$1 != last { print "\n" $1 "/README.md:"; last = $1 }
		{ printf "| `%s` | `%s` | ? | %s |   (line %s)\n", $2, $3, $5, $4 }' "$TMP/regions"
	exit 0
fi

nreg=$(grep -c '' "$TMP/regions")
if [ "$nreg" = 0 ]; then
	fail "no solution region found in task*/ or common/: nothing to judge"
	echo "readmes: $npass passed, $nfail failed"
	exit 1
fi

# The real READMEs, in place (links under $TMP/real keep judge's paths).
mkdir -p "$TMP/real"
for d in "${DIRS[@]}"; do
	[ -f "$d/README.md" ] || continue
	mkdir -p "$TMP/real/$d"
	cp "$d/README.md" "$TMP/real/$d/"
done
judge "$TMP/regions" "$TMP/real" >"$TMP/problems"

for owner in "${DIRS[@]}"; do
	p=$(grep -F "$owner/README.md:" "$TMP/problems")
	n=$(awk -F '\t' -v o="$owner" '$1 == o' "$TMP/regions" | grep -c '')
	if [ -z "$p" ]; then
		pass "$owner/README.md: 'What you write' lists its $n region(s)"
	else
		fail "$owner/README.md:"
		printf '%s\n' "$p" | sed "s|^$owner/README.md: |     |"
	fi
done
p=$(grep -vE '^task[^/]*/README\.md:' "$TMP/problems")
nc=$(awk -F '\t' '$1 == "common"' "$TMP/regions" | grep -c '')
if [ -z "$p" ]; then
	pass "common/: its $nc region(s) each listed in one task README"
else
	fail "common/ regions:"
	printf '%s\n' "$p" | sed 's/^/     /'
fi

# Self-check: the same judge on copies with one row taken out and a row
# for a region that does not exist must find both.
if [ -z "$(cat "$TMP/problems")" ]; then
	mkdir -p "$TMP/mut"
	cp -r "$TMP/real/." "$TMP/mut/"
	# (the first table row of the first README's section that has one)
	# shellcheck disable=SC2016 # an awk program
	first_row='/^## / { insec = ($0 ~ /^## What you write/); next }
		insec && /^\| `/ { print FNR; exit }'
	for d in "${DIRS[@]}"; do
		victim=$TMP/mut/$d/README.md
		[ -f "$victim" ] || continue
		row=$(awk "$first_row" "$victim")
		[ -n "$row" ] && break
	done
	bogus="| \`$(basename "$(dirname "$victim")")/none.c\` | \`no_such_function()\` | 0 | a region that does not exist |"
	awk -v row="$row" -v bogus="$bogus" 'FNR == row { print bogus; next } { print }' \
		"$victim" >"$victim.new" && mv "$victim.new" "$victim"
	judge "$TMP/regions" "$TMP/mut" >"$TMP/mut.problems"
	if grep -q 'does not list' "$TMP/mut.problems" && grep -q 'no region there' "$TMP/mut.problems"; then
		pass "self-check: a row taken out of ${victim#"$TMP"/mut/} and a row for no region are both found"
	else
		fail "self-check: the judge missed a removed or an invented row: $(tr '\n' ' ' <"$TMP/mut.problems")"
	fi
fi

echo "readmes: $npass passed, $nfail failed ($nreg regions)"
[ "$nfail" = 0 ]
