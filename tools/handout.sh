#!/bin/bash
# handout.sh - turn the reference tree into the students' starter kit.
#
# Copies the tracked files (git ls-files, as they are in the work tree; in
# a tree without git, every file but build/ and out/)
# into DIR, and in every .c and .h file replaces each solution region
#
#	/* SOLUTION BEGIN: what to do */
#	...reference code...
#	/* SOLUTION STUB: return -1; */     (optional, kept as code)
#	/* SOLUTION END */
#
# by "/* TODO (student): what to do */" and the STUB lines (see
# tools/strip-solutions.awk). Shell scripts (*.sh) mark theirs with comment
# lines of their own, which become "# TODO (student): what to do" and the
# STUB command:
#
#	# SOLUTION BEGIN: what to do
#	...reference commands...
#	# SOLUTION STUB: echo "task 7: not written yet" >&2; exit 1
#	# SOLUTION END
#
# Everything else - the scaffolding in common/, the lab network, the
# checks, the report templates - is kept as it is. A region marker left in
# any handed-out file stops the handout.
#
#   tools/handout.sh [-o DIR] [--tar]      (DIR defaults to build/handout)
#
# Also writes DIR.regions (outside the handout: for the instructor), one
# line per region "file:line: hint", and with --tar DIR.tar.gz. In the
# handout, README.md is the students' (tools/handout-README.md) and
# tools/stubs.list records each stub as handed out (tools/stubs.sh).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/handout
tarball=0
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	--tar) tarball=1; shift ;;
	*) echo "usage: tools/handout.sh [-o DIR] [--tar]" >&2; exit 2 ;;
	esac
done
case $out in /*) ;; *) out=$PWD/$out ;; esac

# What the instructor keeps: the tools that know where the solutions are.
excluded() {
	# The mutants carry reference lines in their sed expressions, and the
	# grader's own tests carry known bugs of the reference: neither belongs
	# in a student's tree.
	case $1 in
	tools/test-handout.sh | tools/test-readmes.sh | tests/mutants/* | grading/test-grade.sh) return 0 ;;
	# Another student's solutions (and their bugs), for grading/test-alt.sh.
	grading/alt-student/* | grading/test-alt.sh) return 0 ;;
	# (it becomes the handout's README.md)
	tools/handout-README.md) return 0 ;;
	esac
	return 1
}

# Files that describe the region format (with examples of markers), handed
# out as they are and left out of the "no marker left" check.
describes_format() {
	case $1 in
	docs/classroom.md|tools/handout.sh|tools/strip-solutions.awk) return 0 ;;
	esac
	return 1
}

# block_awk: from a stubbed FILE (with counts, the STUB lines of each of its
# regions, in order), one record per stub: "@ FILE LINE" and its lines, each
# after a "|": the TODO comment, the STUB lines and the line after them. A
# stub is unwritten while the file still holds that block as it is.
# shellcheck disable=SC2016 # an awk program: its $0 is awk's
block_awk='
BEGIN {
	nc = split(counts, cnt, " ")
	mark = style == "sh" ? "^[ \t]*# TODO \\(student\\):" : "/\\* TODO \\(student\\):"
}
state == 2 && !(left == 1 && $0 ~ mark) {
	print "|" $0
	if (--left == 0) state = 0
	next
}
state == 2 { state = 0 }
state == 1 {
	print "|" $0
	if (index($0, "*/")) { left = cnt[k] + 1; state = 2 }
	next
}
$0 ~ mark {
	k++
	printf "@ %s %d\n", file, FNR
	print "|" $0
	if (style == "c" && !index($0, "*/")) state = 1
	else { left = cnt[k] + 1; state = 2 }
}
END { if (k != nc) { printf "%s: %d stubs for %d regions\n", file, k, nc > "/dev/stderr"; exit 1 } }'

# strip FILE STYLE: FILE's regions replaced by stubs, into the handout.
strip() {
	if ! awk -v file="$1" -v style="$2" -f tools/strip-solutions.awk "$1" \
		>"$out/$1" 2>"$out/$1.regions"; then
		cat "$out/$1.regions" >&2
		echo "handout: malformed solution region in $1" >&2
		exit 1
	fi
	grep '^REGION ' "$out/$1.regions" | sed 's/^REGION //' >>"$regions"
	# What each stub looks like in the handout, for tools/stubs.sh
	# (make todo, make demo) to tell a stub still there from one written.
	if ! awk -v file="$1" -v style="$2" \
		-v counts="$(grep '^STUBS ' "$out/$1.regions" | sed 's/.*: //' | tr '\n' ' ')" \
		"$block_awk" "$out/$1" >>"$stubs"; then
		echo "handout: $1: the stubs written do not match its regions" >&2
		exit 1
	fi
	rm -f "$out/$1.regions"
	chmod --reference="$1" "$out/$1"
	nstubbed=$((nstubbed + 1))
}

cd "$root"
# The files: git's tracked ones; in a tree without git (an unpacked copy of
# the kit) every file but build/ and out/.
list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z
	else
		find . \( -path ./build -o -path ./out -o -path ./.git \) -prune -o -type f -print0 |
			sed -z 's|^\./||' | sort -z
	fi
}

rm -rf "$out" "$out.regions" "$out.tar.gz"
mkdir -p "$out"
regions=$out.regions
: >"$regions"
stubs=$out/tools/stubs.list
mkdir -p "$out/tools"
: >"$stubs"
nfiles=0 nstubbed=0
while IFS= read -r -d '' f; do
	[ -e "$f" ] || continue          # deleted in the work tree
	excluded "$f" && continue
	mkdir -p "$out/$(dirname "$f")"
	case $f in
	*.c|*.h)
		if grep -q 'SOLUTION BEGIN' "$f"; then strip "$f" c
		else cp -p "$f" "$out/$f"; fi ;;
	*.sh)
		if ! describes_format "$f" && grep -qE '^[[:space:]]*# SOLUTION BEGIN' "$f"; then
			strip "$f" sh
		else
			cp -p "$f" "$out/$f"
		fi ;;
	*) cp -p "$f" "$out/$f" ;;
	esac
	nfiles=$((nfiles + 1))
done < <(list_files)

# The students' README, not the instructor's.
cp "$root/tools/handout-README.md" "$out/README.md"

# The handout's build keeps the "unused" warnings that stubs cause from
# being errors, and folds them to a line per file (tools/module.mk looks
# for this file).
cat >"$out/HANDOUT" <<'EOT'
This is the students' starter kit of the VPN lab kit (README.md). The parts
to write are marked "TODO (student)", in C files and in shell scripts:

    make todo                      the parts still to write, task by task
    grep -rn 'TODO (student)' --include='*.[ch]' --include='*.sh' common task*

While a part is not written, the compiler warns about what it leaves
unused; those warnings are not errors here, and the build shows them as
one line per file (tools/module.mk; the whole text with `make V=1`).
EOT

# A region marker left anywhere (another file type, a typo) would hand out
# a solution: refuse. In C anything naming a marker counts; elsewhere a
# line that starts as a marker comment ("# SOLUTION ...", "/* SOLUTION").
left=$( cd "$out" &&
	{ grep -rlE 'SOLUTION (BEGIN|END|STUB)' --include='*.c' --include='*.h' . ;
	  grep -rlE '^[[:space:]]*(#|/\*)[[:space:]]*SOLUTION (BEGIN|END|STUB)' . ; } |
	sed 's|^\./||' | sort -u |
	while read -r f; do describes_format "$f" || echo "$f"; done )
if [ -n "$left" ]; then
	echo "handout: region markers left in: ${left//$'\n'/ }" >&2
	exit 1
fi

nreg=$(wc -l <"$regions")
echo "handout: ${out#"$root"/}: $nfiles files, $nreg regions stubbed in $nstubbed files (list: ${regions#"$root"/})"
if [ $tarball = 1 ]; then
	tar -C "$(dirname "$out")" -czf "$out.tar.gz" "$(basename "$out")"
	echo "handout: ${out#"$root"/}.tar.gz"
fi
