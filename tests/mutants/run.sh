#!/usr/bin/env bash
# run.sh - mutation tests for the tunnel checks (tasks 3-9).
#
# A check that passes on the reference programs proves little until it is
# seen to FAIL on programs broken the way a student breaks them. Each
# tests/mutants/NAME.mut names one such mistake:
#
#   # what the student got wrong (the first comment line is the description)
#   check task5-bidirectional/check.sh 5     the check (and part) that must fail
#   progs vpn-client vpn-server             the programs to rebuild
#   file task5-bidirectional/relay.c        a file to change ...
#   sed s/.../.../                          ... with this sed expression (repeatable)
#   expect REGEX                            a FAIL line must match one of these
#                                           (optional, repeatable)
#
# A FAIL that only says the check could not run (a missing tool, a lab that
# did not come up) does not count as catching the mutant.
#
#   region common/tun.c: open /dev/net/tun    the solution region it breaks
#                                           (tests/mutants/coverage.sh)
#
# For each mutant: copy the tree to build/mutants/NAME (no out/, .git),
# with this tree's build/san objects, their times kept, so that make
# recompiles only what the seds change; apply the seds (each must change
# the file, or the mutant is stale), build the programs with the
# sanitizers, see that each changed C file was recompiled into other code
# than the reference's and linked into a program, run the copy's check
# against them (BIN=the copy's programs, KIT_BIN=this tree's tools), and
# expect it to fail. Mutants run in parallel (-j N, default MUTANTS_JOBS
# or 2; each check has its own lab), their reports printed in order. Prints
#
#   PASS mutant/NAME: check-task5 failed as it should (3 failed)
#
# and, last, "mutants: N passed, M failed".
#
#   tests/mutants/run.sh [-j N] [NAME...]        (default: every *.mut)
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/mutants
WORK=$ROOT/build/mutants
mkdir -p "$ROOT/build"
# One run at a time: the mutants' trees and outputs are at fixed paths.
exec 8>>"$ROOT/build/.mutants.lock"
flock -w 900 8 || { echo "FAIL mutants: another mutation run holds build/.mutants.lock"; echo "mutants: 0 passed, 1 failed"; exit 1; }
KIT_BIN=${KIT_BIN:-$ROOT/build/san/bin}
[ -x "$KIT_BIN/pcap-verify" ] || KIT_BIN=$ROOT/build/rel/bin
TIMEOUT=${CHECK_TIMEOUT:-300}
JOBS=${MUTANTS_JOBS:-2}
if [ "${1:-}" = -j ]; then JOBS=${2:-}; shift 2 || shift; fi
case $JOBS in '' | *[!0-9]* | 0) echo "usage: tests/mutants/run.sh [-j N] [NAME...]" >&2; exit 2 ;; esac
npass=0 nfail=0

pass() { echo "PASS mutant/$1: $2"; npass=$((npass + 1)); }
fail() { echo "FAIL mutant/$1: $2"; nfail=$((nfail + 1)); }

# The objects the mutants start from: this tree's, up to date.
if ! make -C "$ROOT" --no-print-directory -s -j2 SAN=1 all >"$ROOT/build/mutants.build.log" 2>&1; then
	echo "FAIL mutants: the tree itself does not build (make SAN=1): see build/mutants.build.log"
	echo "mutants: 0 passed, 1 failed"
	exit 1
fi
for tool in pcap-verify pcap-capture lab-linesrv udp-inject frame-inject; do
	if [ ! -x "$KIT_BIN/$tool" ]; then
		echo "FAIL mutants: $KIT_BIN/$tool is missing: run 'make SAN=1' first"
		echo "mutants: 0 passed, 1 failed"
		exit 1
	fi
done

run_mutant() {
	local name=$1 mut=$HERE/$1.mut dir=$WORK/$1 key rest file='' desc
	local check=() progs=() expects=() before after log st summary failed label real changed c o p linked
	[ -f "$mut" ] || { fail "$name" "no such mutant ($mut)"; return; }
	desc=$(sed -n 's/^# \{0,1\}//p' "$mut" | head -1)
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -C "$ROOT" --exclude=./build --exclude=./out --exclude=./.git -cf - . | tar -C "$dir" -xf -
	# The reference's objects, times kept: only what a sed touches is
	# newer than its object (a copy, not links: the compiler rewrites .d
	# files in place).
	mkdir -p "$dir/build"
	cp -a "$ROOT/build/san" "$dir/build/san"
	changed=()
	while IFS= read -r line; do
		key=${line%% *}
		rest=${line#* }
		case $key in
		\#* | "") ;;
		check) read -ra check <<<"$rest" ;;
		progs) read -ra progs <<<"$rest" ;;
		expect) expects+=("$rest") ;;
		file) file=$rest ;;
		sed)
			if [ -z "$file" ] || [ ! -f "$dir/$file" ]; then
				fail "$name" "sed before a 'file' line, or no file '$file'"
				return
			fi
			before=$(md5sum <"$dir/$file")
			sed -i -e "$rest" "$dir/$file"
			after=$(md5sum <"$dir/$file")
			if [ "$before" = "$after" ]; then
				fail "$name" "stale: '$rest' changes nothing in $file (did the code move?)"
				return
			fi
			case " ${changed[*]} " in *" $file "*) ;; *) changed+=("$file") ;; esac
			;;
		esac
	done <"$mut"
	[ ${#check[@]} -gt 0 ] || { fail "$name" "no 'check' line"; return; }

	log=$dir/build.log
	if ! make -C "$dir" --no-print-directory -j2 SAN=1 \
		"${progs[@]/#/build/san/bin/}" >"$log" 2>&1; then
		fail "$name" "the mutant does not build: $(grep -m1 -E 'error:' "$log")"
		return
	fi
	# The programs under test must hold the mutation: each changed C file
	# compiled anew (its code, debug info aside, unlike the reference's)
	# and linked after that into at least one of the programs.
	for c in "${changed[@]}"; do
		case $c in *.c) ;; *) continue ;; esac
		o=build/san/obj/${c%.c}.o
		if [ ! -f "$dir/$o" ] || [ ! "$dir/$o" -nt "$dir/$c" ]; then
			fail "$name" "$c was not recompiled into $o (see ${log#"$ROOT"/})"
			return
		fi
		if ! objcopy --strip-debug "$dir/$o" "$dir/build/mut.o" ||
			! objcopy --strip-debug "$ROOT/$o" "$dir/build/ref.o"; then
			fail "$name" "objcopy $o failed"
			return
		fi
		if cmp -s "$dir/build/mut.o" "$dir/build/ref.o"; then
			fail "$name" "the change to $c compiles to the reference's code: it breaks nothing"
			return
		fi
		linked=
		for p in "${progs[@]}"; do
			[ "$dir/build/san/bin/$p" -nt "$dir/$o" ] || continue
			cmp -s "$dir/build/san/bin/$p" "$ROOT/build/san/bin/$p" || linked=1
		done
		[ -n "$linked" ] || { fail "$name" "no program of '${progs[*]}' was relinked with the changed $o"; return; }
	done
	label="check-$(basename "$(dirname "${check[0]}")" | sed -E 's/^(task[0-9]+).*/\1/')"
	[ ${#check[@]} -gt 1 ] && label="$label (part ${check[*]:1})"
	log=$dir/check.log
	# This runner owns out/mutants/NAME: start it empty (the check itself
	# empties only directories under its own tree's out/, or marked as its).
	rm -rf "$ROOT/out/mutants/$name"
	BIN=$dir/build/san/bin KIT_BIN=$KIT_BIN OUT=$ROOT/out/mutants/$name \
		timeout --kill-after=10 "$TIMEOUT" bash "$dir/${check[0]}" "${check[@]:1}" >"$log" 2>&1 &
	echo $! >"$WORK/$name.pid"
	wait $!
	st=$?
	rm -f "$WORK/$name.pid"
	summary=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	failed=$(echo "$summary" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
	# The failures that say something about the program, not the set-up.
	real=$(grep '^FAIL' "$log" | grep -vE 'cannot run:|lab network did not come up')
	if [ ${#expects[@]} -gt 0 ]; then
		local e hit=
		for e in "${expects[@]}"; do
			grep -qE -- "$e" <<<"$real" && hit=1
		done
		[ -n "$hit" ] || real=
	fi
	if [ "$st" != 0 ] && [ "${failed:-0}" -gt 0 ] && [ -z "$real" ]; then
		fail "$name" "$label failed, but not for the mutant's reason$([ ${#expects[@]} -gt 0 ] && echo " (no FAIL matches: ${expects[*]})"): $(grep -m1 '^FAIL' "$log" | cut -c1-160)"
	elif [ "$st" != 0 ] && [ "${failed:-0}" -gt 0 ]; then
		pass "$name" "$label failed as it should ($failed failed; $desc)"
		grep -m2 '^FAIL' "$log" | cut -c1-200 | sed 's/^/     /'
	elif [ "$st" = 0 ]; then
		fail "$name" "$label PASSED on the mutant: it does not catch '$desc' (see ${log#"$ROOT"/})"
	else
		fail "$name" "$label ended with status $st and no failed assertion: see ${log#"$ROOT"/}"
	fi
}

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for m in "$HERE"/*.mut; do
		n=${m##*/}
		names+=("${n%.mut}")
	done
fi

# Each mutant in a background job writing build/mutants/NAME.report; the
# reports are printed in the order of $names as soon as those before are.
mkdir -p "$WORK"
for n in "${names[@]}"; do rm -f "$WORK/$n.report" "$WORK/$n.done"; done
shown=0
show_ready() {
	local n
	while [ "$shown" -lt ${#names[@]} ]; do
		n=${names[$shown]}
		[ -e "$WORK/$n.done" ] || return 0
		cat "$WORK/$n.report"
		shown=$((shown + 1))
	done
}
# On ^C or a time-out each running check gets SIGTERM from its timeout
# (the check's trap removes its lab), and no new mutant starts.
stopping=0
stop_checks() {
	local f
	stopping=1
	for f in "$WORK"/*.pid; do
		[ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
}
trap stop_checks INT TERM
for n in "${names[@]}"; do
	[ "$stopping" = 1 ] && break
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
		show_ready
	done
	{ run_mutant "$n" >"$WORK/$n.report" 2>&1; touch "$WORK/$n.done"; } &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do
	wait -n
	show_ready
done
wait
show_ready
for n in "${names[@]}"; do
	if [ -e "$WORK/$n.done" ]; then
		npass=$((npass + $(grep -c '^PASS mutant/' "$WORK/$n.report")))
		nfail=$((nfail + $(grep -c '^FAIL mutant/' "$WORK/$n.report")))
	else
		echo "FAIL mutant/$n: not run (interrupted)"
		nfail=$((nfail + 1))
	fi
done
echo "mutants: $npass passed, $nfail failed"
[ "$nfail" = 0 ] && [ "$stopping" = 0 ]
