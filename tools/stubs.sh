#!/usr/bin/env bash
# stubs.sh - make todo: in a handout, the parts still to write.
#
#   tools/stubs.sh          list them, task by task (exit 0)
#   tools/stubs.sh --demo   the same, for make demo (lab/demo.sh): exit 0
#                           when none is left, 4 when only task 2's are
#                           written (its demo can run), 3 otherwise
#
# tools/handout.sh records in tools/stubs.list what each stub looked like
# when handed out (the TODO comment, its STUB lines and the line after
# them). A stub is left while its file still holds that block unchanged;
# once code is written in its place (or the stub lines are gone) it counts
# as written. Which task and SEED step a stub belongs to comes from the
# "What you write" table of the task READMEs.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
LIST=tools/stubs.list
demo=0
[ "${1:-}" = --demo ] && demo=1

if [ ! -e HANDOUT ] || [ ! -f "$LIST" ]; then
	echo "stubs: this is not a handout (no HANDOUT and $LIST): nothing is stubbed here"
	exit 0
fi

# left: "FILE<TAB>LINE<TAB>FUNCTION<TAB>HINT" for each stub still there,
# LINE where its TODO comment is now.
left=$(awk '
function flush(    i, j, n, ok, fn, hdr, line, at) {
	if (file == "") return
	n = 0; fn = ""
	# the file as it is now
	delete cur
	while ((getline line < file) > 0) cur[++n] = line
	close(file)
	at = 0
	for (i = 1; i + nb - 1 <= n && !at; i++) {
		ok = 1
		for (j = 1; j <= nb && ok; j++) if (cur[i + j - 1] != blk[j]) ok = 0
		if (ok) at = i
	}
	if (at) {
		for (i = at; i >= 1; i--)
			if (cur[i] ~ /^[A-Za-z_][A-Za-z0-9_]*\(/) { fn = cur[i]; sub(/\(.*/, "()", fn); break }
		# the hint, over as many comment lines as it takes
		hint = blk[1]
		for (j = 2; j <= nb && !index(blk[j - 1], "*/") && blk[1] !~ /^[ \t]*#/; j++) {
			line = blk[j]; sub(/^[ \t]*\*?[ \t]*/, "", line); hint = hint " " line
		}
		sub(/.*TODO \(student\):[ \t]*/, "", hint); sub(/[ \t]*\*\/.*/, "", hint)
		if (length(hint) > 100) hint = substr(hint, 1, 97) "..."
		printf "%s\t%d\t%s\t%s\n", file, at, (fn == "" ? "(script)" : fn), hint
	}
	file = ""
}
/^@ / { flush(); file = $2; nb = 0; next }
/^\|/ { blk[++nb] = substr($0, 2); next }
END { flush() }' "$LIST")
total=$(grep -c '^@ ' "$LIST")

# steps: "FILE<TAB>FUNCTION<TAB>TASKDIR<TAB>STEP" from the READMEs' tables.
# shellcheck source=lab/tasks.sh
. lab/tasks.sh
tasks_load "$ROOT/lab/tasks.conf" || exit 2
steps=$(for t in "${TASKS[@]}"; do
	r=${TASK_DIR[$t]}/README.md
	[ -f "$r" ] || continue
	awk -v task="${r%%/*}" '
	/^## / { insec = ($0 ~ /^## What you write/); next }
	insec && /^\| `/ {
		n = split($0, c, "|")
		for (i = 2; i <= 4; i++) { gsub(/^[ \t]+|[ \t]+$/, "", c[i]); gsub(/`/, "", c[i]) }
		printf "%s\t%s\t%s\t%s\n", c[2], c[3], task, c[4]
	}' "$r"
done)

if [ -z "$left" ]; then
	echo "stubs: all $total parts are written (none of the handout's stubs is left)"
	exit 0
fi
nleft=$(grep -c '' <<<"$left")
echo "stubs: $nleft of $total parts still to write (TODO (student) in the files; what each is: the task README's \"What you write\")"
# One block per task, in task order; a stub no README lists goes last.
awk -F '\t' '
FNR == NR { task[$1 SUBSEP $2] = $3; step[$1 SUBSEP $2] = $4; next }
{
	k = $1 SUBSEP $3
	t = (k in task) ? task[k] : "~other"
	s = (k in step) ? step[k] : "?"
	printf "%s\t%s\t%s\n", t, s, sprintf("%-32s %-22s %-5s %s", $1 ":" $2, $3, s, $4)
}' <(printf '%s\n' "$steps") <(printf '%s\n' "$left") |
	sort -t "$(printf '\t')" -k1,1V -k2,2V -s |
	awk -F '\t' '$1 != last {
		n = $1; sub(/-.*/, "", n)
		if ($1 == "~other") print "  (in no README):"
		else print "  " $1 " (make check-" n "):"
		last = $1
	}
	{ print "    " $3 }'
first=$(awk -F '\t' 'FNR == NR { task[$1 SUBSEP $2] = $3; step[$1 SUBSEP $2] = $4; next }
	{ k = $1 SUBSEP $3; printf "%s\t%s\t%s:%s %s\n", (k in task) ? task[k] : "~", (k in step) ? step[k] : "?", $1, $2, $3 }' \
	<(printf '%s\n' "$steps") <(printf '%s\n' "$left") | sort -t "$(printf '\t')" -k1,1V -k2,2V -s | head -n 1 | cut -f3)
echo "stubs: start with $first"
if [ "$demo" = 1 ]; then
	# Task 2's own demo works once task 2's parts (its README's table,
	# with common/'s) are written.
	if ! grep -q "^task2-tun\$" <(awk -F '\t' 'FNR == NR { task[$1 SUBSEP $2] = $3; next }
		{ print task[$1 SUBSEP $3] }' <(printf '%s\n' "$steps") <(printf '%s\n' "$left")); then
		echo "demo: task 2's parts are written: the task 2 demo (the TLS VPN of task 10 needs every part above)"
		exit 4
	fi
	echo "demo: the demo shows task 2 once its parts are written, the TLS VPN of task 10 once every part is;"
	echo "demo: meanwhile, make check-taskN checks task N's parts as you write them (make todo: this list)"
	exit 3
fi
exit 0
