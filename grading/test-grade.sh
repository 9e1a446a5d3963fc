#!/usr/bin/env bash
# test-grade.sh - the grader's own tests. Each can fail:
#
#   1. the kit's own programs score full points (task1: 12/12 for 0 points,
#      task2), and the JSON and CSV say the same as the table;
#   2. trees with known bugs lose exactly the checks those bugs break, and
#      their share of task2's points: echo.c computing a wrong ICMP checksum
#      (1 check: the checksums), tun-demo never writing the reply (3: ping's
#      replies, replies on the TUN, their checksums);
#   3. a tree that does not compile gets 0 for task2 with "build failed"
#      and the compiler's error, and task1 (no program) still passes;
#   4. a tree whose tun-demo ignores SIGTERM and leaves a detached
#      `sleep 1000` behind is killed at the time limit, nothing of it is left
#      (no process of the grading user, no lab state), and grade-all goes on
#      to the next student and writes both rows into one CSV;
#   5. an unknown task is refused, and a task without a check scores 0
#      with the reason;
#   8. a tun-demo that dies of undefined behaviour at start: task 2's check
#      stops early, and the report says how many failed and how many never
#      ran, and after what; its FAIL lines cite the kept report directory,
#      never the deleted scratch directory;
#   9. grade-all over a .tar.gz whose tree is in handout/ with a STUDENT
#      file and a link out of the tree, a directory one level too deep
#      without HANDOUT and with an unused helper, and a .zip: each graded
#      from the right tree, under the right name, with notes; -j 2 (as
#      root) writes the same CSV as -j 1 (both times printed), rows sorted
#      by student; an archive with a "../" member is refused;
#  10. merge-csv.sh merges two CSVs, refuses different headers and a
#      student found twice;
#  11. a task10 server that accepts a wrong password (strncmp over the
#      offered length) scores at most half of task 10, capped, saying why;
#  12. a tap-arp that prints its replies but never sends them: task 9 is
#      capped at cap * points, the report names the critical check;
#   6. (as root) a hostile tree, whose build and programs attack the
#      grader: its build.log and out/task1 are links to root-only files
#      (root must not write or copy through them); it leaves a process that
#      keeps forking (it must die, and the next check must run); it leaves
#      files in /tmp, /var/tmp, /dev/shm (none may stay); it reads the kit's
#      tree and another student's submission (it must see neither); its
#      route-v.sh is its own (the judge must run it, not the kit's); its
#      tun-demo forges PASS lines and summary lines into the check's output
#      (the score must stay the check's own, and the report must say so);
#   7. a tree without task5-bidirectional/route-v.sh fails task 5's route
#      checks: the judge never falls back to the kit's reference.
#
# About six minutes as root (task 10 alone about 100 s).
# Works in a fresh build/grade-test.XXXXXX/ (removed when every test
# passed). One PASS/FAIL line per assertion, then "grading: N passed, M
# failed".
set -uo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
mkdir -p build
T=$(mktemp -d "$root/build/grade-test.XXXXXX") || { echo "grading: mktemp failed" >&2; exit 2; }
# Readable by all, as a directory of submissions usually is: the sandbox,
# not the permissions of this directory, must keep the grading user out.
chmod 755 "$T"
npass=0 nfail=0
pass() { echo "PASS grade/$*"; npass=$((npass + 1)); }
fail() { echo "FAIL grade/$*"; nfail=$((nfail + 1)); }
finish() {
	echo "grading: $npass passed, $nfail failed"
	if [ "$nfail" = 0 ]; then
		rm -rf "$T"
	else
		echo "     (the test's files are kept in $T)"
	fi
	[ "$nfail" = 0 ]
	exit
}

mkdir -p "$T/subs"
tag_esc=${T##*.}

if [ "$(id -u)" = 0 ]; then
	guser=${GRADE_USER:-vpngrader}
else
	guser=$(id -un)
fi

# field FILE TASK COLUMN: a column of the task's row in grade.txt
# (2: passed/checks, 3: points, 6-: status).
row() { awk -v t="$2" '$1 == t' "$1/grade.txt"; }
points() { row "$1" "$2" | awk '{print $3}'; }
checks() { row "$1" "$2" | awk '{print $2}'; }
total() { awk '$1 == "total" {print $2}' "$1/grade.txt"; }

# A student's tree: the kit's tracked files, as the handout would be.
make_tree() {
	mkdir -p "$1"
	git ls-files -z | tar --null -T - -cf - 2>/dev/null | tar -C "$1" -xf -
}

# ---- 1. the kit scores full points ----------------------------------------------
s=$(date +%s)
grading/grade.sh --tasks "task1 task2" -o "$T/kit" >"$T/kit.out" 2>&1
rc=$?
echo "     (the kit, task1+task2: $(( $(date +%s) - s ))s)"
if [ $rc = 0 ] && [ "$(total "$T/kit")" = 15.00 ] && [ "$(points "$T/kit" task1)" = 0.00 ] &&
   [ "$(checks "$T/kit" task1)" = 12/12 ] && [ "$(points "$T/kit" task2)" = 15.00 ]; then
	pass "kit: the kit's own programs score 15.00 / 15 on task1 (0 points, 12/12) + task2"
else
	fail "kit: expected 15.00 / 15, got exit $rc: $(grep -E '^(task|total)' "$T/kit/grade.txt" 2>/dev/null | tr -s ' ' | tr '\n' ';') (see $T/kit.out)"
fi
kit_n2=$(checks "$T/kit" task2 | cut -d/ -f1)
if command -v jq >/dev/null; then
	if j=$(jq -r '[.total, .max, (.tasks | map(.task + "=" + (.points | tostring)) | join(" "))] | join(" ")' \
		"$T/kit/grade.json" 2>&1) && [ "$j" = "15 15 task1=0 task2=15" ]; then
		pass "kit: grade.json is valid JSON with the table's figures ($j)"
	else
		fail "kit: grade.json: $j"
	fi
fi
if [ "$(sed -n 2p "$T/kit/grade.csv")" = '"kit",0.00,15.00,15.00,15,""' ]; then
	pass "kit: grade.csv has the same row"
else
	fail "kit: grade.csv row is '$(sed -n 2p "$T/kit/grade.csv")'"
fi

# ---- 2. known bugs lose exactly the checks they break -------------------------------------
# bug NAME FILE SED-SCRIPT PLANTED-REGEX WHAT FAILING-REGEX...: grades a tree with
# the bug planted; exactly the checks matching the regexes must fail, and
# task2 must score 15 * (checks passed) / (checks of a full run).
bug() {
	local name=$1 file=$2 script=$3 planted=$4 what=$5 re fails nf want n
	shift 5
	make_tree "$T/subs-bug/$name"
	sed -i "$script" "$T/subs-bug/$name/$file"
	if ! grep -qE "$planted" "$T/subs-bug/$name/$file"; then
		fail "$name: could not plant the bug in $file (the code changed?)"
		return
	fi
	grading/grade.sh --submission "$T/subs-bug/$name" --tasks "task1 task2" \
		-o "$T/$name" >"$T/$name.out" 2>&1
	# A SKIP (not judged: what it needs failed first) counts as failed.
	fails=$(grep -E '^(FAIL|SKIP) task2:' "$T/$name/task2.log" 2>/dev/null)
	nf=$(echo "$fails" | grep -c .)
	n=$#
	for re in "$@"; do
		echo "$fails" | grep -qE "$re" || nf=-1
	done
	if [ "$nf" = "$n" ]; then
		pass "$name: $what: exactly the $n check(s) it breaks fail"
	else
		fail "$name: $what: expected exactly $n failure(s) matching $*, got: $(echo "$fails" | cut -c1-90 | tr '\n' ';')"
	fi
	want=$(awk -v k="$kit_n2" -v n="$n" 'BEGIN { printf "%.2f", 15 * (k - n) / k }')
	# A failed critical check caps the task at its cap (lab/tasks.conf).
	if grep -q '^FAIL task2: \[critical\] ' "$T/$name/task2.log" 2>/dev/null; then
		want=$(awk -v w="$want" -v c="$(awk '$1 == "task2" {print $6}' lab/tasks.conf)" \
			'BEGIN { m = 15 * c; printf "%.2f", (w > m ? m : w) }')
	fi
	if [ "$(checks "$T/$name" task2)" = "$((kit_n2 - n))/$kit_n2" ] &&
	   [ "$(points "$T/$name" task2)" = "$want" ] && [ "$(checks "$T/$name" task1)" = 12/12 ]; then
		pass "$name: task2 scores $want / 15 ($((kit_n2 - n))/$kit_n2 checks), task1 12/12"
	else
		fail "$name: expected task2 $want ($((kit_n2 - n))/$kit_n2), got $(row "$T/$name" task2 | tr -s ' ')"
	fi
}

# A wrong ICMP checksum: ping still takes the replies (what a TUN device
# hands the kernel is not checksum-verified), the verifier does not.
bug checksum task2-tun/echo.c \
	's/^\(\tsum = inet_checksum(icmp, ip.payload_len)\);/\1 ^ 0x5a5a;/' '0x5a5a' \
	"a wrong ICMP checksum in echo.c" 'correct IP and ICMP checksums'
# The responder builds the reply but never writes it (--garbage still does).
bug nowrite task2-tun/tun_demo.c \
	's/= write(t->fd, out, outlen);$/= t->mode == REPLY_ECHO ? (ssize_t)outlen : write(t->fd, out, outlen);/' \
	'REPLY_ECHO \? \(ssize_t\)outlen : write' "tun-demo --respond never writes the reply" \
	'ping gets 3 replies' "echo the request's data" 'echo replies are written' 'correct IP and ICMP checksums'

# ---- 3 and 4, through grade-all: a hang, then a build error ---------------------------
# a-hang: forks a detached `sleep 1000`, ignores SIGTERM and SIGINT.
make_tree "$T/subs/a-hang"
f=$T/subs/a-hang/task2-tun/tun_demo.c
sed -i 's/^#include <unistd.h>$/&\n#include <signal.h>/' "$f"
sed -i '/^run(struct tun_demo \*t)$/,/^{$/ s/^{$/{\n\tif (fork() == 0) {\n\t\tsetsid();\n\t\tif (fork() == 0)\n\t\t\texeclp("sleep", "sleep", "1000", (char *)NULL);\n\t\t_exit(0);\n\t}\n\tsignal(SIGTERM, SIG_IGN);\n\tsignal(SIGINT, SIG_IGN);/' "$f"
grep -q '"1000"' "$f" || fail "hang: could not plant the hang in task2-tun/tun_demo.c"
# b-nocompile: a syntax error in tun_demo.c.
make_tree "$T/subs/b-nocompile"
f=$T/subs/b-nocompile/task2-tun/tun_demo.c
sed -i '0,/^static int$/ s//this is not C;\nstatic int/' "$f"
bad_line=$(grep -n '^this is not C;$' "$f" | cut -d: -f1)
[ -n "$bad_line" ] || fail "nocompile: could not plant the error in task2-tun/tun_demo.c"

# A short time limit for task2, so the hanging tree meets it.
awk '$1 == "task2" { $5 = 8 } { print }' lab/tasks.conf >"$T/tasks-short.conf"
awk '$1 == "task2" && $5 == 8 { ok = 1 } END { exit !ok }' "$T/tasks-short.conf" ||
	fail "could not set task2's time limit to 8s in a copy of lab/tasks.conf"
# While it runs, note whether the planted 'sleep 1000' really ran.
guid=$(id -u "$guser")
( while :; do
	ps -eo uid=,args= | awk -v u="$guid" '$1 == u && $2 == "sleep" && $3 == "1000"' | grep -q . &&
		: >"$T/saw-sleep"
	sleep 0.5
done ) &
watcher=$!
s=$(date +%s)
GRADE_TASKS_CONF=$T/tasks-short.conf GRADE_KILL_AFTER=1 \
	timeout 600 grading/grade-all.sh --tasks "task1 task2" -o "$T/all" "$T/subs" >"$T/all.out" 2>&1
rc=$?
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
if [ -e "$T/saw-sleep" ]; then
	pass "hang: the planted 'sleep 1000' ran as $guser during grading"
else
	fail "hang: the planted 'sleep 1000' was never seen running: the test proves nothing"
fi
secs=$(( $(date +%s) - s ))
echo "     (grade-all of 2 trees: ${secs}s)"
csv=$T/all/grades.csv
if [ $rc = 0 ] && [ "$(wc -l <"$csv")" = 3 ] && grep -q '^"a-hang",' "$csv" && grep -q '^"b-nocompile",' "$csv"; then
	pass "grade-all: one CSV with a header and both students (in ${secs}s)"
else
	fail "grade-all: exit $rc, CSV: $(tr '\n' ';' <"$csv" 2>/dev/null) (see $T/all.out)"
fi
hang=$T/all/students/a-hang
if row "$hang" task2 | grep -q 'timed out after 8s' && grep -q '^FAIL task2: killed after 8s' "$hang/task2.log"; then
	pass "hang: task2's check was killed at its 8 s limit ($(row "$hang" task2 | tr -s ' '))"
else
	fail "hang: expected 'timed out after 8s' for task2, got: $(row "$hang" task2 | tr -s ' ')"
fi
grep -h 'clean-up' "$hang/grade.txt" | sed 's/^/     /'
left=$(ps -o pid=,stat=,args= -u "$guser" 2>/dev/null | awk '$2 !~ /^Z/')
# shellcheck disable=SC2009 # a process whose arguments are exactly these
if [ "$(id -u)" = 0 ] && [ -n "$left" ]; then
	fail "hang: processes of $guser left after grading: $(echo "$left" | tr '\n' ';')"
elif ps -eo args= | grep -qx 'sleep 1000'; then
	fail "hang: the student's 'sleep 1000' is still running: $(ps -eo pid=,user=,args= | grep 'sleep 1000$')"
else
	pass "hang: nothing left running (no process of $guser, no 'sleep 1000')"
fi
stale=$(ls -d /tmp/vpnlab."$(id -u "$guser")".* 2>/dev/null)
if [ "$(id -u)" = 0 ] && [ -n "$stale" ]; then
	fail "hang: lab state left behind: $stale"
else
	pass "hang: no lab state left in /tmp/vpnlab.$(id -u "$guser").*"
fi
if [ "$(checks "$hang" task1)" = 12/12 ]; then
	pass "hang: task1 still passes (12/12)"
else
	fail "hang: task1: $(row "$hang" task1 | tr -s ' ')"
fi

nc=$T/all/students/b-nocompile
if row "$nc" task2 | grep -q 'build failed' && [ "$(points "$nc" task2)" = 0.00 ]; then
	pass "nocompile: task2 scores 0.00 with 'build failed'"
else
	fail "nocompile: task2: $(row "$nc" task2 | tr -s ' ')"
fi
if grep -qE "^task2: not built: tun-demo; task2-tun/tun_demo.c:$bad_line:[0-9]+: error:" "$nc/grade.txt" &&
   grep -qE "first error: task2-tun/tun_demo.c:$bad_line:" "$nc/grade.txt"; then
	pass "nocompile: the report gives the compiler's error ($(grep -m1 -oE "tun_demo.c:$bad_line:[^;]*" "$nc/grade.txt" | cut -c1-70))"
else
	fail "nocompile: no 'tun_demo.c:$bad_line: error' in the report: $(grep -E '^task2:|first error' "$nc/grade.txt" | tr '\n' ';')"
fi
if grep -q '^"b-nocompile",0.00,0.00,0.00,15,".*build failed' "$csv"; then
	pass "nocompile: its CSV row: 0.00, 0.00, total 0.00, and the note 'build failed'"
else
	fail "nocompile: CSV row: $(grep '^"b-nocompile"' "$csv")"
fi

# ---- 5. bad task names and missing checks -----------------------------------------------------
if out=$(grading/grade.sh --tasks "task99" -o "$T/bad" 2>&1); then
	fail "tasks: --tasks task99 was accepted"
elif echo "$out" | grep -q "no task 'task99'"; then
	pass "tasks: an unknown task is refused ($out)"
else
	fail "tasks: --tasks task99 failed without saying why: $out"
fi
printf 'task1 task1-network 5 - 60 0.5 - - - - -\ntask42 task42-none 7 - - 0.5 - - - - -\n' >"$T/tasks-missing.conf"
GRADE_TASKS_CONF=$T/tasks-missing.conf grading/grade.sh -o "$T/missing" >"$T/missing.out" 2>&1
if row "$T/missing" task42 | grep -q 'no check' && [ "$(points "$T/missing" task42)" = 0.00 ] &&
   [ "$(total "$T/missing")" = 5.00 ] && grep -q '^total .*5.00 / 12$' "$T/missing/grade.txt"; then
	pass "tasks: a task without a check scores 0.00 / 7 with 'no check'; total 5.00 / 12"
else
	fail "tasks: missing check: $(grep -E '^(task42|total)' "$T/missing/grade.txt" 2>/dev/null | tr -s ' ' | tr '\n' ';')"
fi
# ---- 8. a check that stops early: the note says how many never ran; paths kept -------------
# tun-demo dies of undefined behaviour before it does anything: task 2's
# check fails its first assertion, reports the sanitizer, and stops.
make_tree "$T/subs-ub/ub"
f=$T/subs-ub/ub/task2-tun/tun_demo.c
sed -i 's/^#include "tun_demo.h"$/&\nstatic void __attribute__((constructor)) ub_at_start(void) { volatile int big = 2147483647; big = big + 1; (void)big; }/' "$f"
grep -q 'ub_at_start' "$f" || fail "ub: could not plant the overflow in task2-tun/tun_demo.c"
grading/grade.sh --submission "$T/subs-ub/ub" --tasks task2 -o "$T/ub" >"$T/ub.out" 2>&1
nf=$(grep -c '^FAIL task2:' "$T/ub/task2.log" 2>/dev/null)
nr=$((kit_n2 - nf))
if row "$T/ub" task2 | grep -qE "^task2 +0/$kit_n2 .* $nf failed, $nr not run\$" &&
   grep -q "^task2: $nr of the $kit_n2 assertions never ran (the check stopped after: FAIL task2: " "$T/ub/grade.txt"; then
	pass "notrun: a check that stopped early says '$nf failed, $nr not run' and after what"
else
	fail "notrun: $(row "$T/ub" task2 | tr -s ' '); note: $(grep '^task2: ' "$T/ub/grade.txt" | head -1)"
fi
# (the report directory is inside the kit: cited relative to it)
kept=${T#"$root"/}/ub/task2/reader.log
if grep -qF "FAIL task2: sanitizer report in $kept: " "$T/ub/task2.log" &&
   [ -f "$T/ub/task2/reader.log" ] && ! grep -rqs 'vpngrade\.' "$T/ub/grade.txt" "$T/ub/task2.log"; then
	pass "paths: the FAIL lines cite the kept $kept, never the deleted scratch directory"
else
	fail "paths: $(grep -m2 -E 'sanitizer|vpngrade' "$T/ub/task2.log" "$T/ub/grade.txt" | tr '\n' ';')"
fi

# ---- 9. archives, nested trees, STUDENT files, no HANDOUT; grade-all -j 2 = -j 1 ------------
# carol.tar.gz: the tree inside handout/, a STUDENT file, a link out of the
# tree, echo.c's wrong checksum (1 check). dave/handout/: one level too
# deep, no HANDOUT, a helper it never uses (an error with -Werror on
# unused code: the build must not fail for it). erin.zip: flat, if unzip.
J=$T/subs-j
make_tree "$T/carol-src/handout"
echo "Carol Example" >"$T/carol-src/handout/STUDENT"
ln -s /etc/passwd "$T/carol-src/handout/passwd-link"
sed -i 's/^\(\tsum = inet_checksum(icmp, ip.payload_len)\);/\1 ^ 0x5a5a;/' "$T/carol-src/handout/task2-tun/echo.c"
mkdir -p "$J"
tar -C "$T/carol-src" -czf "$J/carol.tar.gz" handout
make_tree "$J/dave/handout"
rm -f "$J/dave/handout/HANDOUT"
printf '\nstatic int\nunused_helper(void)\n{\n\treturn 1;\n}\n' >>"$J/dave/handout/task2-tun/echo.c"
if command -v unzip >/dev/null && command -v zip >/dev/null; then
	make_tree "$T/erin-src"
	(cd "$T/erin-src" && zip -qr "$J/erin.zip" .)
fi
if [ "$(id -u)" = 0 ]; then jmax=2; else jmax=1; fi
declare -A SECS=()
for j in 1 $jmax; do
	s=$(date +%s)
	grading/grade-all.sh -j "$j" --tasks "task1 task2" -o "$T/j$j" "$J" >"$T/j$j.out" 2>&1
	SECS[$j]=$(( $(date +%s) - s ))
done
echo "     (grade-all of $(find "$J" -mindepth 1 -maxdepth 1 | wc -l) submissions, task1+task2: -j 1 ${SECS[1]}s, -j $jmax ${SECS[$jmax]}s)"
c1=$T/j1/grades.csv
if [ "$jmax" = 2 ]; then
	if [ -s "$c1" ] && cmp -s "$c1" "$T/j2/grades.csv"; then
		pass "parallel: grade-all -j 2 writes the same CSV as -j 1 (${SECS[1]}s with -j 1, ${SECS[2]}s with -j 2)"
	else
		fail "parallel: the CSVs differ: $(diff "$c1" "$T/j2/grades.csv" | head -4 | tr '\n' ';')"
	fi
	if grep -q 'as vpngrader1\|as '"$guser"'1' "$T/j2.out" && grep -q 'as '"$guser"'2' "$T/j2.out"; then
		pass "parallel: each slot grades as a grading user of its own (${guser}1, ${guser}2)"
	else
		fail "parallel: slots' users: $(grep -o 'as [a-z0-9]*' "$T/j2.out" | sort -u | tr '\n' ' ')"
	fi
else
	echo "     (grade-all -j 2 needs root: not compared)"
fi
if [ "$(tail -n +2 "$c1" | cut -d, -f1)" = "$(tail -n +2 "$c1" | cut -d, -f1 | LC_ALL=C sort)" ] &&
   ! head -1 "$c1" | grep -qi 'second\|time'; then
	pass "csv: rows sorted by student, no timing column ($(head -1 "$c1"))"
else
	fail "csv: $(tr '\n' ';' <"$c1")"
fi
C=$T/j1/students/carol
if grep -q '^"Carol Example",0.00,' "$c1" && grep -q 'student: *Carol Example (from its STUDENT file)' "$C/grade.txt" &&
   grep -q "the archive's tree is in handout/" "$C/grade.txt"; then
	pass "archive: carol.tar.gz graded from its handout/, named by its STUDENT file"
else
	fail "archive: carol: $(grep -E 'student:|note:|Grade:' "$C/grade.txt" 2>/dev/null | tr '\n' ';') $(tail -2 "$T/j1/students/carol.out")"
fi
if grep -q 'the link handout/passwd-link -> /etc/passwd leads out of the tree: removed' "$C/grade.txt" &&
   [ "$(checks "$C" task2)" = "$((kit_n2 - 1))/$kit_n2" ]; then
	pass "archive: its link out of the tree was removed (noted), and its bug costs its 1 check ($(checks "$C" task2))"
else
	fail "archive: carol: $(grep -E 'link|^task2 ' "$C/grade.txt" | tr '\n' ';')"
fi
D=$T/j1/students/dave
if grep -q 'note: *the tree is one level too deep: its Makefile is in dave/handout/, not at the top; graded handout/' "$D/grade.txt" &&
   grep -q '^"dave",' "$c1"; then
	pass "nested: dave/handout/ is graded, with a note that the tree is one level too deep"
else
	fail "nested: dave: $(grep -E 'note:|Grade:' "$D/grade.txt" 2>/dev/null | tr '\n' ';') $(tail -2 "$T/j1/students/dave.out")"
fi
if grep -q 'no HANDOUT file in the submission: added' "$D/grade.txt" && [ "$(points "$D" task2)" = 15.00 ] &&
   grep -q "unused_helper.*defined but not used" "$D/build.log"; then
	pass "handout: without HANDOUT, a helper it never uses is a warning, not an error: task2 15.00 / 15"
else
	fail "handout: dave: $(row "$D" task2 | tr -s ' '); $(grep -m1 -E 'unused_helper|error' "$D/build.log")"
fi
if [ -f "$J/erin.zip" ]; then
	if grep -q '^"erin",0.00,15.00,15.00,15,' "$c1"; then
		pass "zip: erin.zip scores 15.00 / 15"
	else
		fail "zip: erin: $(grep '^"erin"' "$c1") $(tail -2 "$T/j1/students/erin.out")"
	fi
fi
# An archive with a member named outside the tree is refused whole.
mkdir -p "$T/bad-src/in"
echo x >"$T/bad-src/in/Makefile"
echo "ESCAPED" >"$T/bad-src/escaped-$tag_esc"
(cd "$T/bad-src/in" && tar -cf "$T/evil.tar" -P Makefile "../escaped-$tag_esc")
rm -f "$T/bad-src/escaped-$tag_esc"
if out=$(grading/grade.sh --submission "$T/evil.tar" --tasks task1 -o "$T/evil-tar" 2>&1); then
	fail "unsafe: an archive with a '../' member was graded"
elif echo "$out" | grep -q 'refused: members named outside the tree: \.\./escaped'; then
	pass "unsafe: an archive with a '../' member is refused before anything is unpacked ($(echo "$out" | tail -1 | cut -c1-90))"
else
	fail "unsafe: $(echo "$out" | tail -2 | tr '\n' ';')"
fi

# ---- 10. merging the CSVs of several machines ----------------------------------------------
printf 'student,task1,total,max,notes\n"bob",1.00,1.00,5,""\n"amy",2.00,2.00,5,"x"\n' >"$T/m1.csv"
printf 'student,task1,total,max,notes\n"cid",3.00,3.00,5,""\n' >"$T/m2.csv"
if out=$(grading/merge-csv.sh "$T/m1.csv" "$T/m2.csv" 2>&1) &&
   [ "$out" = "$(printf 'student,task1,total,max,notes\n"amy",2.00,2.00,5,"x"\n"bob",1.00,1.00,5,""\n"cid",3.00,3.00,5,""')" ]; then
	pass "merge: two machines' CSVs merge into one header and the rows sorted by student"
else
	fail "merge: $(echo "$out" | tr '\n' ';')"
fi
printf 'student,task2,total,max,notes\n"dan",3.00,3.00,5,""\n' >"$T/m3.csv"
if out=$(grading/merge-csv.sh "$T/m1.csv" "$T/m3.csv" 2>&1); then
	fail "merge: CSVs of other tasks were merged: $(echo "$out" | tr '\n' ';')"
elif echo "$out" | grep -q 'header'; then
	pass "merge: CSVs with different headers are refused ($(echo "$out" | head -1 | cut -c1-80))"
else
	fail "merge: refused without saying why: $out"
fi
if out=$(grading/merge-csv.sh "$T/m1.csv" "$T/m1.csv" 2>&1); then
	fail "merge: a student graded twice was merged"
elif echo "$out" | grep -q '"amy"'; then
	pass "merge: a student in two CSVs is refused, named ($(echo "$out" | head -1 | cut -c1-80))"
else
	fail "merge: a student twice: refused without naming them: $out"
fi

# ---- 11. severity: a server that accepts a wrong password -----------------------------------
# strncmp over the offered password's length: a short wrong password
# matches the start of the stored hash's setting. Task 10's critical
# assertions (the password checks) fail: at most half of its points.
make_tree "$T/subs-pw/pw"
f=$T/subs-pw/pw/task10-tls/auth.c
sed -i 's/ok = strlen(out) == n \&\& CRYPTO_memcmp(out, hash, n) == 0;/ok = strncmp(out, hash, strlen(password)) == 0;/' "$f"
if ! grep -q 'strncmp(out, hash, strlen(password))' "$f"; then
	fail "password: could not plant the bug in task10-tls/auth.c (the code changed?)"
else
	s=$(date +%s)
	grading/grade.sh --submission "$T/subs-pw/pw" --tasks task10 -o "$T/pw" >"$T/pw.out" 2>&1
	echo "     (task10 with a wrong-password bug: $(( $(date +%s) - s ))s)"
	w10=$(row "$T/pw" task10 | awk '{print $5}')
	half=$(awk -v w="$w10" 'BEGIN { printf "%.2f", w / 2 }')
	p10=$(points "$T/pw" task10)
	if [ -n "$p10" ] && awk -v p="$p10" -v h="$half" 'BEGIN { exit !(p <= h) }' &&
	   grep -q '^task10: capped: critical check failed: ' "$T/pw/grade.txt" &&
	   grep -q '^FAIL task10: \[critical\] ' "$T/pw/task10.log"; then
		pass "password: a server that accepts a wrong password scores $p10 / $w10 on task10 (at most half: $half), capped, and says why"
	else
		fail "password: task10 $(row "$T/pw" task10 | tr -s ' '); critical FAILs: $(grep -c '^FAIL task10: \[critical\]' "$T/pw/task10.log" 2>/dev/null); $(grep -m1 '^task10: ' "$T/pw/grade.txt")"
	fi
fi

# ---- 12. severity without task 10: a tap-arp that says it answered and sent nothing ----------
# Its replies never leave (write() replaced by its length): task 9's
# critical assertions (arping's replies, the replies on the wire) fail,
# so task 9 keeps at most cap * points whatever else passes.
make_tree "$T/subs-arp/arp"
f=$T/subs-arp/arp/task9-tap/tap-arp.c
sed -i 's/if (write(t->fd, reply, sizeof(reply)) == -1) {/if ((ssize_t)sizeof(reply) == -1) {/' "$f"
if ! grep -q 'if ((ssize_t)sizeof(reply) == -1) {' "$f"; then
	fail "arp: could not plant the bug in task9-tap/tap-arp.c (the code changed?)"
else
	s=$(date +%s)
	grading/grade.sh --submission "$T/subs-arp/arp" --tasks task9 -o "$T/arp" >"$T/arp.out" 2>&1
	echo "     (task9 with replies never sent: $(( $(date +%s) - s ))s)"
	w9=$(row "$T/arp" task9 | awk '{print $5}')
	cap9=$(awk '$1 == "task9" {print $6}' lab/tasks.conf)
	lim9=$(awk -v w="$w9" -v c="$cap9" 'BEGIN { printf "%.2f", w * c }')
	p9=$(points "$T/arp" task9)
	if [ -n "$p9" ] && [ "$p9" = "$lim9" ] && row "$T/arp" task9 | grep -q 'capped$' &&
	   grep -q "^task9: capped: critical check failed: 9: arping .*: at most $cap9 of the task, $p9 / $w9 (without the cap " "$T/arp/grade.txt" &&
	   jq -e '.tasks[0].capped == true' "$T/arp/grade.json" >/dev/null 2>&1; then
		pass "arp: replies never sent: task9 capped at $p9 / $w9 ($cap9 of it), and the report says which critical check failed"
	else
		fail "arp: task9 $(row "$T/arp" task9 | tr -s ' '); expected $lim9; $(grep -m1 '^task9: ' "$T/arp/grade.txt")"
	fi
fi

# ---- 6. a hostile tree ----------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	echo "     (6, 7: the sandbox tests need root: skipped)"
	finish
fi
tag=${T##*.}                                  # unique to this run
sec=$T/secret                                 # root's only
mkdir -p "$sec/dir" && chmod 700 "$sec"
echo "ROOT-ONLY-TARGET-$tag" >"$sec/target.txt"
echo "ROOT-ONLY-DIR-$tag" >"$sec/dir/file.txt"
chmod 600 "$sec/target.txt" "$sec/dir/file.txt"
cp "$sec/target.txt" "$T/target.orig"
mkdir -p "$T/subs-evil/other"
echo "OTHER-STUDENT-$tag" >"$T/subs-evil/other/note.txt"
chmod -R a+rX "$T/subs-evil"
ev=$T/subs-evil/evil
make_tree "$ev"
rm -f /tmp/grade-leak-"$tag" /var/tmp/grade-leak-"$tag" /dev/shm/grade-leak-"$tag"
# The build: runs in WORK/src, so ../build.log and ../out/task1 are the
# grader's old paths.
{
	echo '# planted by grading/test-grade.sh: a hostile build'
	echo "\$(shell ln -sfn $sec/target.txt ../build.log)"
	echo "\$(shell mkdir -p ../out; ln -sfn $sec/dir ../out/task1)"
	echo "\$(shell touch /tmp/grade-leak-$tag /var/tmp/grade-leak-$tag /dev/shm/grade-leak-$tag)"
	echo "\$(shell setsid perl -e '\$\$0 = \"forker-$tag\"; \$\$t = time + 120; while (time < \$\$t) { exit if fork; select(undef, undef, undef, 0.02) }' </dev/null >/dev/null 2>&1 &)"
	echo "\$(info LEAK-PROBE ran: kit=[\$(shell head -c 30 $root/lab/tasks.conf 2>/dev/null)] other=[\$(shell cat $T/subs-evil/other/note.txt 2>/dev/null)])"
	cat "$root/Makefile"
} >"$ev/Makefile.new" && mv "$ev/Makefile.new" "$ev/Makefile"
# Its own route-v.sh: says who wrote it, and routes through the wrong host.
cat >"$ev/task5-bidirectional/route-v.sh" <<EOF
#!/bin/sh
echo "STUDENT-ROUTE-V-$tag"
ip route del default 2>/dev/null || true
ip route add 192.168.53.0/24 via 192.168.60.6
EOF
# Its tun-demo tries to forge the check's output. The check's log is
# root's, and the programs run in the lab's user namespace with their output
# redirected; a command the check ran in the lab with its standard error
# left to the log used to hold that log as fd 2 for a few milliseconds
# (task 2's `before=$(lab_exec u cat ...)`), as the same uid in the same user
# namespace. A child of tun-demo watches /proc for such a descriptor, takes
# it with pidfd_getfd(), and would write PASS lines and summaries. The
# checks now send that standard error to a file: the forger must run (it
# says so in its own log) and find nothing.
cat >"$ev/task2-tun/forge.inc" <<'EOF'
/* planted by grading/test-grade.sh: forge the check's output */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>

static int
grab_log(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], target[512];
	int fd = -1;

	while (d && fd < 0 && (e = readdir(d))) {
		for (int n = 1; n <= 2 && fd < 0; n++) {
			ssize_t len;
			int pfd;

			snprintf(path, sizeof(path), "/proc/%s/fd/%d", e->d_name, n);
			len = readlink(path, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = 0;
			if (!strstr(target, "/task2.log"))
				continue;
			pfd = (int)syscall(SYS_pidfd_open, atoi(e->d_name), 0);
			if (pfd < 0)
				continue;
			fd = (int)syscall(SYS_pidfd_getfd, pfd, n, 0);
			close(pfd);
		}
	}
	if (d)
		closedir(d);
	return fd;
}

static void
forge(void)
{
	char path[64], buf[65536];
	int fd = -1, rd;

	if (open("/tmp/forger", O_CREAT | O_EXCL | O_WRONLY, 0600) < 0)
		return;              /* one forger per check */
	if (fork() != 0)
		return;
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	fprintf(stderr, "FORGER-STARTED\n");
	closefrom(3);
	for (int i = 0; i < 200000 && fd < 0; i++) {
		fd = grab_log();
		if (fd < 0)
			usleep(100);
	}
	if (fd < 0) {
		fprintf(stderr, "FORGER-FOUND-NOTHING\n");
		_exit(1);
	}
	dprintf(fd, "PASS task2: forged 1\nPASS task2: forged 2\ntask2: 99 passed, 0 failed\n");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rd = open(path, O_RDONLY);
	for (int i = 0; rd >= 0 && i < 6000; i++) {
		ssize_t n = pread(rd, buf, sizeof(buf) - 1, 0);
		int seen = 0;

		if (n > 0) {
			buf[n] = 0;
			for (char *q = buf; (q = strstr(q, "\ntask2: ")); q++)
				seen++;
		}
		if (seen >= 2) {
			dprintf(fd, "task2: 99 passed, 0 failed\n");
			break;
		}
		usleep(5000);
	}
	_exit(0);
}
EOF
sed -i 's/^#include "tun_demo.h"$/&\n#include "forge.inc"/' "$ev/task2-tun/tun_demo.c"
sed -i '/^run(struct tun_demo \*t)$/,/^{$/ s/^{$/{\n\tforge();/' "$ev/task2-tun/tun_demo.c"
grep -q '^	forge();' "$ev/task2-tun/tun_demo.c" || fail "evil: could not plant the forger in task2-tun/tun_demo.c"

( while :; do
	ps -eo uid=,args= | awk -v u="$guid" -v a="forker-$tag" '$1 == u && $2 == a' | grep -q . && : >"$T/saw-forker"
	sleep 0.2
done ) &
watcher=$!
s=$(date +%s)
grading/grade.sh --submission "$ev" --tasks "task1 task2 task5" -o "$T/evil" >"$T/evil.out" 2>&1
rc=$?
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
echo "     (the hostile tree, task1+task2+task5: $(( $(date +%s) - s ))s, exit $rc)"
E=$T/evil

# 1. links in WORK: root neither writes nor copies through them.
if cmp -s "$sec/target.txt" "$T/target.orig"; then
	pass "evil: the root-only file that WORK/build.log linked to is unchanged"
else
	fail "evil: root wrote through the WORK/build.log link: $(tail -2 "$sec/target.txt" | tr '\n' ';')"
fi
if grep -q 'LEAK-PROBE ran' "$E/build.log" 2>/dev/null && ! grep -rqs "ROOT-ONLY-TARGET-$tag" "$E"; then
	pass "evil: build.log is the build's output, not the root-only file WORK/build.log linked to"
else
	fail "evil: build.log: $(head -c 200 "$E/build.log" 2>/dev/null | tr '\n' ';'); secret in: $(grep -rls "ROOT-ONLY-TARGET-$tag" "$E" | tr '\n' ' ')"
fi
if ! grep -rqs "ROOT-ONLY-DIR-$tag" "$E"; then
	pass "evil: nothing of the root-only directory WORK/out/task1 linked to was copied"
else
	fail "evil: the root-only directory was copied into the report: $(grep -rls "ROOT-ONLY-DIR-$tag" "$E" | tr '\n' ' ')"
fi
# 3. the process that keeps forking.
if [ -e "$T/saw-forker" ]; then
	pass "evil: the planted forking process ran as $guser during grading"
else
	fail "evil: the planted forking process was never seen: the test proves nothing"
fi
left=$(ps -o pid=,stat=,args= -u "$guser" 2>/dev/null | awk '$2 !~ /^Z/')
if [ -z "$left" ]; then
	pass "evil: no process of $guser left (the forking one died)"
else
	fail "evil: processes of $guser left: $(echo "$left" | head -3 | tr '\n' ';')"
	for p in $(ps -u "$guser" -o pid=,args= | awk -v a="forker-$tag" '$2 == a {print $1}'); do
		kill -KILL "$p" 2>/dev/null
	done
fi
# (task1 fails: the tree broke its own out/task1; task2 is the next check.)
if grep -q 'after the build: .*processes left behind, killed: .*forker' "$E/build.log" &&
   [ "$(checks "$E" task2)" = "$kit_n2/$kit_n2" ]; then
	pass "evil: the build's leftovers were killed and noted, and the next check ran (task2 $kit_n2/$kit_n2)"
else
	fail "evil: after the build: $(grep 'after the build' "$E/build.log" | tr '\n' ';'); task2 $(checks "$E" task2) (see $T/evil.out)"
fi
# 4. files left in /tmp, /var/tmp, /dev/shm.
gfiles=$(find -P /tmp /var/tmp /dev/shm -xdev -user "$guser" 2>/dev/null | head -5)
if [ -z "$gfiles" ] && [ ! -e "/tmp/grade-leak-$tag" ] && [ ! -e "/dev/shm/grade-leak-$tag" ] &&
   [ ! -e "/var/tmp/grade-leak-$tag" ]; then
	pass "evil: no file of $guser left in /tmp, /var/tmp, /dev/shm"
else
	fail "evil: files left: $gfiles $(ls -d /tmp/grade-leak-"$tag" /var/tmp/grade-leak-"$tag" /dev/shm/grade-leak-"$tag" 2>/dev/null)"
fi
# 5. the kit's tree and the other submissions.
probe=$(grep -m1 'LEAK-PROBE ran' "$E/build.log" 2>/dev/null)
if [ -n "$probe" ] && echo "$probe" | grep -q 'kit=\[\] other=\[\]'; then
	pass "evil: the build saw neither the kit's tree nor another student's submission ($probe)"
else
	fail "evil: the build read what it should not: '${probe:-no probe line in build.log}'"
fi
# 6. the student's own route-v.sh is what task 5 runs.
if grep -qs "STUDENT-ROUTE-V-$tag" "$E/task5/route-v.log" &&
   grep -q '^FAIL task5: 7: route-v.sh routes 192.168.53.0/24 via the server' "$E/task5.log"; then
	pass "evil: task 5 ran the student's route-v.sh (its marker in route-v.log) and failed its wrong route"
else
	fail "evil: task 5's route-v.sh: route-v.log '$(head -c 100 "$E/task5/route-v.log" 2>/dev/null | tr '\n' ' ')', $(grep -c '^FAIL task5: 7:' "$E/task5.log" 2>/dev/null) failed '7:' checks"
fi
# 7. forged output: the forger ran, and found no way into the check's log.
if grep -rqs 'FORGER-STARTED' "$E/task2/"; then
	pass "evil: the forger ran inside the lab (its marker is in the task 2 logs)"
else
	fail "evil: no FORGER-STARTED in $E/task2/: the forger did not run, the test proves nothing"
fi
if grep -qs '^PASS task2: forged\|^task2: 99 passed' "$E/task2.log"; then
	fail "evil: forged lines reached task2.log: $(grep -E '^(task2:|PASS task2: forged)' "$E/task2.log" | tr '\n' ';')"
else
	pass "evil: no forged line reached the check's output"
fi
if [ "$(checks "$E" task2)" = "$kit_n2/$kit_n2" ] && [ "$(points "$E" task2)" = 15.00 ]; then
	pass "evil: task2 scores the check's own tally ($kit_n2/$kit_n2)"
else
	fail "evil: task2: $(row "$E" task2 | tr -s ' '); note: $(grep '^task2:' "$E/grade.txt" | head -2 | tr '\n' ';')"
fi

# ---- 7. a student file missing from the tree --------------------------------------------------
nf=$T/subs-nofile/nofile
make_tree "$nf"
rm -f "$nf/task5-bidirectional/route-v.sh"
grading/grade.sh --submission "$nf" --tasks task5 -o "$T/nofile" >"$T/nofile.out" 2>&1
if grep -q '^FAIL task5: 7: route-v.sh routes 192.168.53.0/24 via the server' "$T/nofile/task5.log" &&
   grep -q 'route-v.sh is missing from the submission' "$T/nofile/grade.txt"; then
	pass "nofile: without its route-v.sh, task 5's route check fails and the report says why ($(checks "$T/nofile" task5))"
else
	fail "nofile: $(row "$T/nofile" task5 | tr -s ' '); $(grep -E '^FAIL task5: 7:|missing' "$T/nofile/task5.log" "$T/nofile/grade.txt" | head -3 | tr '\n' ';')"
fi
finish
