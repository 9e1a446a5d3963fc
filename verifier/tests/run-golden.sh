#!/usr/bin/env bash
# run-golden.sh - run pcap-verify's golden tests (verifier/tests/TESTLIST).
#
#   verifier/tests/run-golden.sh [BINDIR]      (default: build/san/bin)
#   verifier/tests/run-golden.sh --accept [BINDIR]
#                   also (re)write expected/NAME.out for every test whose
#                   verdict and exit code are right: review with git diff
#
# For each TESTLIST line, runs BINDIR/pcap-verify on pcaps/PCAP with the
# line's arguments and checks the verdict, the exit code, that nothing
# went to stderr (a sanitizer report would), and, when expected/NAME.out
# exists, the exact output. Prints one line per test:
#   PASS golden/NAME: ...        FAIL golden/NAME: expected PASS, got FAIL: ...
# then "golden: N passed, M failed"; exits 1 if any failed, or if nothing
# could be run at all (a missing verifier must never look like success).
set -u

accept=false
if [ "${1:-}" = --accept ]; then   # write expected/NAME.out from this run
	accept=true
	shift
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bindir=${1:-$root/build/san/bin}
case $bindir in /*) ;; *) bindir=$PWD/$bindir ;; esac
verify=$bindir/pcap-verify
mkgolden=$bindir/pcap-mkgolden

passed=0
failed=0
pass() { echo "PASS golden/$1: $2"; passed=$((passed + 1)); }
fail() { echo "FAIL golden/$1: $2"; failed=$((failed + 1)); }
finish() {
	echo "golden: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit $?
}

if [ ! -x "$verify" ]; then
	fail setup "no executable $verify: build it first (make SAN=1, or make and pass build/rel/bin)"
	finish
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || {
	fail setup "mktemp -d failed"
	finish
}
trap 'rm -rf "$tmp"' EXIT

cd "$here" || { fail setup "cannot cd to $here"; finish; }

# The captures in the tree must be what the generator makes today.
if [ -x "$mkgolden" ]; then
	if ! "$mkgolden" "$tmp" >"$tmp/mkgolden.log" 2>&1; then
		fail pcaps-up-to-date "pcap-mkgolden failed: $(tr '\n' ' ' <"$tmp/mkgolden.log")"
	else
		stale=
		for f in "$tmp"/*.pcap; do
			b=$(basename "$f")
			cmp -s "$f" "pcaps/$b" || stale="$stale $b"
		done
		if [ -n "$stale" ]; then
			fail pcaps-up-to-date "pcaps/ differ from pcap-mkgolden's output:$stale (make verifier-pcaps, review, commit)"
		else
			pass pcaps-up-to-date "pcaps/ match pcap-mkgolden's output"
		fi
	fi
fi

# first_diff FILE1 FILE2: "line N: got '...', want '...'"
first_diff() {
	awk -v want="$2" '
		{ if ((getline w < want) <= 0) w = "<end of file>"
		  if ($0 != w) { printf "line %d: got \x27%s\x27, want \x27%s\x27", NR, $0, w; found = 1; exit } }
		END { if (!found) { if ((getline w < want) > 0) printf "line %d: got <end of output>, want \x27%s\x27", NR + 1, w } }
	' "$1"
}

lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in '' | '#'*) continue ;; esac
	read -r name pcap verdict rest <<<"$line"
	if [ -z "${verdict:-}" ]; then
		fail "line$lineno" "TESTLIST line $lineno needs NAME PCAP VERDICT ARGS..."
		continue
	fi
	if ! eval "set -- $rest" 2>/dev/null; then
		fail "$name" "cannot parse the arguments on TESTLIST line $lineno (shell quoting)"
		continue
	fi
	"$verify" "pcaps/$pcap" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(tr '\n' '|' <"$tmp/out" | sed 's/|$//; s/|/ | /g')
	nlines=$(wc -l <"$tmp/out")

	case $verdict in
	PASS) want_rc=0 ;;
	FAIL) want_rc=1 ;;
	CANNOT) want_rc=2 ;;
	COUNT:* | TIMES:*) want_rc=0 ;;
	*)
		fail "$name" "unknown verdict '$verdict' on TESTLIST line $lineno (PASS, FAIL, CANNOT, COUNT:N, TIMES:N)"
		continue
		;;
	esac

	# --count prints a bare number, --times one time a line; when they
	# cannot read the file they say why on stderr and print nothing.
	count_mode=false times_mode=false
	printf '%s\n' "$@" | grep -qx -- --count && count_mode=true
	printf '%s\n' "$@" | grep -qx -- --times && count_mode=true times_mode=true

	# What the verifier said, summed up as one verdict.
	if $count_mode && [ "$nlines" -eq 0 ] && [ "$rc" -eq 2 ] && [ -s "$tmp/err" ] &&
	   ! grep -q 'Sanitizer\|runtime error' "$tmp/err"; then
		got=CANNOT
		out="(stderr) $(head -n 1 "$tmp/err")"
		: >"$tmp/err"
	elif $times_mode && [ "$rc" -eq 0 ]; then
		got="TIMES:$nlines"
	elif [ "$nlines" -eq 0 ]; then
		got="nothing"
	elif grep -q ': cannot judge: ' "$tmp/out"; then
		got=CANNOT
	elif grep -q '^FAIL ' "$tmp/out"; then
		got=FAIL
	elif [ "$(grep -c '^PASS ' "$tmp/out")" -eq "$nlines" ]; then
		got=PASS
	else
		got="COUNT:$(head -n 1 "$tmp/out")"
	fi

	if [ -s "$tmp/err" ]; then
		fail "$name" "unexpected stderr (exit $rc): $(head -c 400 "$tmp/err" | tr '\n' ' ')"
	elif [ "$got" != "$verdict" ]; then
		fail "$name" "expected $verdict, got $got: ${out:-<no output>}"
	elif [ "$rc" -ne "$want_rc" ]; then
		fail "$name" "expected exit $want_rc, got $rc: $out"
	elif ! $count_mode && [ "$nlines" -ne 1 ] &&
	     ! printf '%s\n' "$@" | grep -qx -- -f; then
		fail "$name" "expected exactly one line, got $nlines: $out"
	elif $accept && ! cp "$tmp/out" "expected/$name.out"; then
		fail "$name" "cannot write expected/$name.out"
	elif [ -f "expected/$name.out" ] && ! cmp -s "$tmp/out" "expected/$name.out"; then
		fail "$name" "output differs from expected/$name.out: $(first_diff "$tmp/out" "expected/$name.out")"
	else
		pass "$name" "$verdict, exit $rc: $out"
	fi
done <TESTLIST

finish
