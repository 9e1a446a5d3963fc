#!/bin/bash
# test-handout.sh - the handout is a starter kit, not a broken tree:
#
#   1. tools/handout.sh makes it (every region stubbed, no marker left in
#      any file, no line of reference code from a region left: each
#      region's lines that occur nowhere else in their file are looked
#      for in the handout's copy);
#   2. it builds, release and sanitizer (`make`, `make SAN=1`);
#   3. each task check that covers a stubbed region FAILS on the stubs;
#      and a task with regions of its own fails on those alone (every
#      other region put back: common/'s stubs stop every program early,
#      which would hide a task whose own stubs the check does not notice);
#   4. with the reference regions put back (the stubbed files copied from
#      this tree) it builds again and those checks PASS again;
#   and it is a students' kit: their README (tools/handout-README.md), a
#   HANDOUT whose grep finds every region (C and shell), make todo listing
#   each stub, make demo saying which remain instead of failing (and no
#   stub left once all are written), the compiler's warnings folded into a
#   line per file, a failing compile shown in full.
#
#   tools/test-handout.sh [taskN ...]     (default: every task that has
#                                          regions and a check)
#
# Works in build/handout-test/ (HANDOUT_TEST_DIR=DIR for another; never
# touches build/handout/), one run at a time per directory (a lock file).
# One PASS or FAIL line per assertion, then "handout: N passed, M failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${HANDOUT_TEST_DIR:-$root/build/handout-test}
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
cd "$root" || exit 1

npass=0 nfail=0
pass() { echo "PASS handout: $*"; npass=$((npass + 1)); }
fail() { echo "FAIL handout: $*"; nfail=$((nfail + 1)); }
finish() {
	echo "handout: $npass passed, $nfail failed"
	[ "$nfail" = 0 ]
	exit
}

mkdir -p "$root/build" "$(dirname "$dir")"
# Two runs in one directory would build and check each other's files.
exec 9>"$dir.lock"
if ! flock -n 9; then
	echo "handout: another test-handout runs in ${dir#"$root"/}; waiting for it (HANDOUT_TEST_DIR=DIR to use another)" >&2
	flock 9
fi

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
if [ "$nreg" -gt 0 ]; then
	pass "$nreg solution regions stubbed ($(cut -d: -f1 "$regions" | sort -u | wc -l) files)"
else
	fail "no solution region found: nothing to hand out"
fi
# Markers: in C anything naming one; in any other file a line that starts
# as a marker comment. Only the files that describe the format (with
# examples) may show them.
left=$( cd "$dir" &&
	{ grep -rlE 'SOLUTION (BEGIN|END|STUB)' --include='*.[ch]' . ;
	  grep -rlE '^[[:space:]]*(#|/\*)[[:space:]]*SOLUTION (BEGIN|END|STUB)' . ; } |
	sed 's|^\./||' | sort -u |
	grep -vxE 'docs/classroom\.md|tools/handout\.sh|tools/strip-solutions\.awk' )
if [ -n "$left" ]; then
	fail "region markers left in the handout: ${left//$'\n'/ }"
else
	pass "no solution marker left in any handout file (C, shell, others)"
fi

# Reference code: every line of a region whose text occurs nowhere else in
# its file (nor as a STUB) must be gone from the handout's copy.
# shellcheck disable=SC2016 # an awk program: its $0 is awk's
leak_awk='
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
FNR == NR {
	t = trim($0)
	if (inhint) { if (index($0, "*/")) inhint = 0; next }
	if (!inside && (style == "sh" ? $0 ~ /^[ \t]*# SOLUTION BEGIN/ : /SOLUTION BEGIN/)) {
		inside = 1; nreg++
		if (style != "sh" && !index(substr($0, index($0, "SOLUTION BEGIN")), "*/")) inhint = 1
		next
	}
	if (inside && /SOLUTION STUB:/) {
		s = substr($0, index($0, "SOLUTION STUB:") + 14)
		if (style != "sh") s = substr(s, 1, index(s, "*/") - 1)
		stub[trim(s)] = 1
		next
	}
	if (inside && /SOLUTION END/) { inside = 0; next }
	if (!inside) { outside[t] = 1; next }
	if (length(t) < 6 || t ~ /^(\/\*|\*|\/\/|#)/) next
	code[++ncode] = t; where[ncode] = FNR; reg[ncode] = nreg
	next
}
{ ho[trim($0)] = 1 }
END {
	for (i = 1; i <= ncode; i++) {
		if ((code[i] in outside) || (code[i] in stub)) continue
		nchk++; seen[reg[i]] = 1
		if (code[i] in ho) printf "leak %s:%d: %s\n", file, where[i], code[i]
	}
	for (r = 1; r <= nreg; r++) if (!(r in seen)) unver++
	printf "checked %d %d %d\n", nreg, nchk, unver
}'
nlines=0 nleaks=0 nunver=0 nself=0 leaks=""
while read -r f; do
	case $f in *.sh) style="sh" ;; *) style="c" ;; esac
	if [ ! -f "$dir/$f" ]; then
		fail "$f: stubbed but missing from the handout"
		continue
	fi
	res=$(awk -v file="$f" -v style="$style" "$leak_awk" "$root/$f" "$dir/$f")
	read -r _ _ n u <<<"$(grep '^checked ' <<<"$res")"
	nlines=$((nlines + n)) nunver=$((nunver + u))
	# (the same look-up on the reference file itself must find them all)
	nself=$((nself + $(awk -v file="$f" -v style="$style" "$leak_awk" "$root/$f" "$root/$f" | grep -c '^leak ')))
	l=$(grep '^leak ' <<<"$res" | sed 's/^leak //')
	if [ -n "$l" ]; then
		nleaks=$((nleaks + $(wc -l <<<"$l")))
		leaks+=$l$'\n'
	fi
done < <(cut -d: -f1 "$regions" | sort -u)
if [ "$nself" != "$nlines" ] || [ "$nlines" = 0 ]; then
	fail "the reference-code look-up is broken: it finds $nself of $nlines lines in the reference tree itself"
elif [ "$nleaks" = 0 ]; then
	pass "no reference code left in the handout ($nlines distinctive region lines looked for$([ "$nunver" -gt 0 ] && echo ", $nunver regions have none"))"
else
	fail "$nleaks lines of reference code left in the handout:"
	printf '%s' "$leaks" | head -n 10 | sed 's/^/     /'
fi

todo=$(grep -rl 'TODO (student)' "$dir" --include='*.[ch]' --include='*.sh' | wc -l)
if [ "$todo" -gt 0 ]; then
	pass "$todo files carry 'TODO (student)' hints"
else
	fail "no 'TODO (student)' hint in the handout"
fi

# The students' kit: their README, every region found by what HANDOUT says
# and by make todo, and a make demo that lists the stubs instead of failing.
if cmp -s "$dir/README.md" "$root/tools/handout-README.md" &&
   ! cmp -s "$dir/README.md" "$root/README.md" &&
   grep -q 'make check-task2' "$dir/README.md" && grep -qi 'handing in' "$dir/README.md" &&
   ! grep -qE 'tests/mutants|make grade|make handout' "$dir/README.md"; then
	pass "README.md is the students' (tools/handout-README.md: the tasks, make check-taskN, handing in; no grading or handout commands)"
else
	fail "README.md of the handout is not the students' README (tools/handout-README.md), or it lacks make check-task2 / handing in, or names instructor commands"
fi
hgrep=$(grep -m1 -E '^[[:space:]]*grep -rn .TODO \(student\)' "$dir/HANDOUT" | sed 's/^[[:space:]]*//')
if [ -z "$hgrep" ]; then
	fail "HANDOUT gives no grep command for the TODO (student) marks"
else
	# (its own words, run in the handout: bash -c, the command is ours)
	n=$(cd "$dir" && bash -c "$hgrep" | grep -c "")
	if [ "$n" = "$nreg" ]; then
		pass "HANDOUT's '$hgrep' finds all $nreg regions (C and shell)"
	else
		fail "HANDOUT's '$hgrep' finds $n marks, the handout has $nreg regions"
	fi
fi
todo_out=$( cd "$dir" && tools/stubs.sh 2>&1 )
if grep -q "^stubs: $nreg of $nreg parts still to write" <<<"$todo_out" &&
   [ "$(grep -cE '^    [^ ]+:[0-9]+ ' <<<"$todo_out")" = "$nreg" ]; then
	pass "make todo lists the $nreg stubs ($(grep '^stubs: start with' <<<"$todo_out"))"
else
	fail "make todo does not list the $nreg stubs: $(head -n 2 <<<"$todo_out" | tr '\n' ' ')"
fi
demo_out=$( cd "$dir" && timeout 60 bash lab/demo.sh 2>&1 )
demo_rc=$?
first=$(sed -n 's/^stubs: start with //p' <<<"$todo_out")
if [ "$demo_rc" = 0 ] && [ -n "$first" ] && grep -qF "start with $first" <<<"$demo_out" &&
   ! grep -q 'Bringing up the lab' <<<"$demo_out"; then
	pass "make demo on the stubs says which remain (first: $first), exit 0, no lab"
else
	fail "make demo on the stubs: exit $demo_rc, output: $(tail -n 3 <<<"$demo_out" | tr '\n' ' ')"
fi
# A file that does not compile shows the compiler's whole text, folded
# output or not.
printf 'int main(void) { return undeclared_name; }\n' >"$dir.broken.c"
cc_out=$( cd "$dir" && tools/cc-fold.sh cc -c -o "$dir.broken.o" "$dir.broken.c" 2>&1 )
cc_rc=$?
rm -f "$dir.broken.c" "$dir.broken.o"
if [ "$cc_rc" != 0 ] && grep -q "error: .undeclared_name" <<<"$cc_out"; then
	pass "a failing compile shows the compiler's error in full (tools/cc-fold.sh, exit $cc_rc)"
else
	fail "tools/cc-fold.sh hides or loses a compile error (exit $cc_rc): $(head -n 2 <<<"$cc_out" | tr '\n' ' ')"
fi

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
			# task1 and task8 run no student program (see their READMEs);
			# task8's student script (fix-server.sh) has its own region
			tasks+=("$n")
		fi
	done
fi
echo "handout: tasks checked: ${tasks[*]:-none}"

# build DESC: release and sanitizer builds of the handout.
build() {
	local log
	log=$dir.build-$(printf %s "$1" | tr -cs "A-Za-z0-9" -).log
	if make -C "$dir" -j"$(nproc)" all >"$log" 2>&1 &&
	   make -C "$dir" -j"$(nproc)" SAN=1 all >>"$log" 2>&1; then
		pass "$1: builds (make, make SAN=1); $(grep -cE '^[^ ]+: [0-9]+ warnings? \(' "$log") files with warnings"
		# The compiler's own lines fold into one per file (judged where
		# there are warnings: a build without any proves nothing).
		raw=$(grep -c 'warning:' "$log")
		folded=$(grep -cE '^[^ ]+: [0-9]+ warnings? \(' "$log")
		if [ "$raw" = 0 ] && [ "$folded" = 0 ]; then
			# (every stub leaves something unused: the stubs warn)
			[ "$1" = stubs ] && fail "$1: no warning summary at all in the build output of the stubs (${log#"$root"/})"
		elif [ "$raw" = 0 ]; then
			pass "$1: compiler output folded (no raw 'warning:' line; $folded one-line summaries)"
		else
			fail "$1: $raw raw compiler warning lines in the build output (${log#"$root"/}): not folded"
		fi
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

# put_back [TASKDIR]: the reference regions back in every stubbed file,
# except those under TASKDIR/, which get their stubs again. A fresh mtime,
# so that make rebuilds what the last build made.
stubbed=$(cut -d: -f1 "$regions" | sort -u)
rm -rf "$dir.stubs"
for f in $stubbed; do
	mkdir -p "$dir.stubs/$(dirname "$f")"
	cp -p "$dir/$f" "$dir.stubs/$f"
done
put_back() {
	local f
	for f in $stubbed; do
		if [ -n "${1:-}" ] && [ "${f#"$1"/}" != "$f" ]; then
			cp "$dir.stubs/$f" "$dir/$f"
		else
			cp "$root/$f" "$dir/$f"
		fi
		touch "$dir/$f"
	done
}

# 3b. each task on its own stubs only
for t in "${tasks[@]}"; do
	d=${taskdir[$t]:-}
	{ [ -n "$d" ] && grep -q "^$d/" "$regions"; } || continue
	[ "$(grep -c '' <<<"$stubbed")" -gt "$(grep -c "^$d/" <<<"$stubbed")" ] || continue
	put_back "$d"
	build "$t's own stubs only" || continue
	if run_check "$t"; then
		fail "$t check passes with only $d's regions stubbed ($summary): they do not cover what it checks"
	else
		pass "$t check fails on $d's stubs alone ($summary)"
	fi
	mv "$dir.$t.log" "$dir.$t.own-stubs.log"
done

# 4. with the reference regions put back
put_back
st=$( cd "$dir" && tools/stubs.sh --demo 2>&1 ); rc=$?
if [ "$rc" = 0 ] && grep -q "^stubs: all $nreg parts are written" <<<"$st"; then
	pass "with every region written, make todo and make demo find no stub left"
else
	fail "with every region written, tools/stubs.sh --demo: exit $rc, $(head -n 1 <<<"$st")"
fi
# only task 10's stubs left: the task 2 demo runs
while read -r f; do cp "$dir.stubs/$f" "$dir/$f"; done < <(grep '^task10-tls/' <<<"$stubbed")
st=$( cd "$dir" && tools/stubs.sh --demo 2>&1 ); rc=$?
if [ "$rc" = 4 ] && ! grep -q 'task2-tun (make' <<<"$st" && grep -q 'task10-tls (make' <<<"$st"; then
	pass "with only task 10's stubs left, make demo runs task 2's demo (tools/stubs.sh --demo exit 4)"
else
	fail "with only task 10's stubs left, tools/stubs.sh --demo: exit $rc (want 4), $(head -n 1 <<<"$st")"
fi
put_back
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
