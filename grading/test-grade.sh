#!/usr/bin/env bash
# test-grade.sh - the grader's own tests. Each can fail:
#
#   1. the kit's own programs score full points (task1, task2), and the
#      JSON and CSV say the same as the table;
#   2. trees with known bugs lose exactly the checks those bugs break, and
#      their share of task2's points: echo.c computing a wrong ICMP checksum
#      (1 check: the checksums), tun-demo never writing the reply (3: ping's
#      replies, replies on the TUN, their checksums);
#   3. a tree that does not compile gets 0 for task2 with "build failed"
#      and the compiler's error, and task1 (no program) still scores;
#   4. a tree whose tun-demo ignores SIGTERM and leaves a detached
#      `sleep 1000` behind is killed at the time limit, nothing of it is left
#      (no process of the grading user, no lab state), and grade-all goes on
#      to the next student and writes both rows into one CSV;
#   5. an unknown task is refused, and a task without a check scores 0
#      with the reason.
#
# Works in build/grade-test/. One PASS/FAIL line per assertion, then
# "grading: N passed, M failed".
set -uo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
T=$root/build/grade-test
cd "$root"
npass=0 nfail=0
pass() { echo "PASS grade/$*"; npass=$((npass + 1)); }
fail() { echo "FAIL grade/$*"; nfail=$((nfail + 1)); }
finish() {
	echo "grading: $npass passed, $nfail failed"
	[ "$nfail" = 0 ]
	exit
}

rm -rf "$T"
mkdir -p "$T/subs"

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
if [ $rc = 0 ] && [ "$(total "$T/kit")" = 20.00 ] && [ "$(points "$T/kit" task1)" = 5.00 ] &&
   [ "$(points "$T/kit" task2)" = 15.00 ]; then
	pass "kit: the kit's own programs score 20.00 / 20 on task1 + task2"
else
	fail "kit: expected 20.00 / 20, got exit $rc: $(grep -E '^(task|total)' "$T/kit/grade.txt" 2>/dev/null | tr -s ' ' | tr '\n' ';') (see $T/kit.out)"
fi
kit_n2=$(checks "$T/kit" task2 | cut -d/ -f1)
if command -v jq >/dev/null; then
	if j=$(jq -r '[.total, .max, (.tasks | map(.task + "=" + (.points | tostring)) | join(" "))] | join(" ")' \
		"$T/kit/grade.json" 2>&1) && [ "$j" = "20 20 task1=5 task2=15" ]; then
		pass "kit: grade.json is valid JSON with the table's figures ($j)"
	else
		fail "kit: grade.json: $j"
	fi
fi
if [ "$(sed -n 2p "$T/kit/grade.csv")" = '"kit",5.00,15.00,20.00,20,""' ]; then
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
	fails=$(grep '^FAIL task2:' "$T/$name/task2.log" 2>/dev/null)
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
	if [ "$(checks "$T/$name" task2)" = "$((kit_n2 - n))/$kit_n2" ] &&
	   [ "$(points "$T/$name" task2)" = "$want" ] && [ "$(points "$T/$name" task1)" = 5.00 ]; then
		pass "$name: task2 scores $want / 15 ($((kit_n2 - n))/$kit_n2 checks), task1 5.00 / 5"
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
	'ping gets 3 replies' 'echo replies are written' 'correct IP and ICMP checksums'

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
sed -E 's/^(task2[[:space:]]+[0-9.]+[[:space:]]+[0-9-]+)[[:space:]]+[0-9-]+/\1 8/' \
	grading/weights.conf >"$T/weights-short.conf"
grep -qE '^task2 .* 8$' "$T/weights-short.conf" || fail "could not set task2's time limit to 8s in a copy of weights.conf"
# While it runs, note whether the planted 'sleep 1000' really ran.
guid=$(id -u "$guser")
( while :; do
	ps -eo uid=,args= | awk -v u="$guid" '$1 == u && $2 == "sleep" && $3 == "1000"' | grep -q . &&
		: >"$T/saw-sleep"
	sleep 0.5
done ) &
watcher=$!
s=$(date +%s)
GRADE_WEIGHTS=$T/weights-short.conf GRADE_KILL_AFTER=1 \
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
if [ "$(points "$hang" task1)" = 5.00 ]; then
	pass "hang: task1 still scores (5.00 / 5)"
else
	fail "hang: task1 scored $(points "$hang" task1)"
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
if grep -q '^"b-nocompile",5.00,0.00,5.00,20,".*build failed' "$csv"; then
	pass "nocompile: its CSV row: 5.00, 0.00, total 5.00, and the note 'build failed'"
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
printf 'task1 5 - 60\ntask42 7 - -\n' >"$T/weights-missing.conf"
GRADE_WEIGHTS=$T/weights-missing.conf grading/grade.sh -o "$T/missing" >"$T/missing.out" 2>&1
if row "$T/missing" task42 | grep -q 'no check' && [ "$(points "$T/missing" task42)" = 0.00 ] &&
   [ "$(total "$T/missing")" = 5.00 ] && grep -q '^total .*5.00 / 12$' "$T/missing/grade.txt"; then
	pass "tasks: a task without a check scores 0.00 / 7 with 'no check'; total 5.00 / 12"
else
	fail "tasks: missing check: $(grep -E '^(task42|total)' "$T/missing/grade.txt" 2>/dev/null | tr -s ' ' | tr '\n' ';')"
fi
finish
