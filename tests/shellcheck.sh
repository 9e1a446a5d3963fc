#!/usr/bin/env bash
# tests/shellcheck.sh - every shell script of the kit, through shellcheck (-x:
# following what they source). One PASS/FAIL line per script, then
# "shellcheck: N passed, M failed". Scripts are the tracked *.sh files and
# the files whose first line names bash or sh (.ci/run).
#
#   tests/shellcheck.sh [FILE...]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
np=0 nf=0
if ! command -v shellcheck >/dev/null; then
	echo "FAIL shellcheck: cannot run: 'shellcheck' is missing; install it with: sudo apt-get install --no-install-recommends shellcheck (or: sudo make deps)"
	echo "shellcheck: 0 passed, 1 failed"
	exit 1
fi
if [ $# -gt 0 ]; then
	files=("$@")
elif [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files | while read -r f; do
		case $f in
		*.sh) echo "$f" ;;
		*.*) ;;
		*) [ -f "$f" ] && head -1 "$f" | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f" ;;
		esac
	done)
else
	# A handout or an unpacked tree: no git.
	mapfile -t files < <(find . -name build -prune -o -name out -prune -o -name '*.sh' -type f -print | sed 's|^\./||' | sort)
fi
[ ${#files[@]} -gt 0 ] || { echo "FAIL shellcheck: no script found"; echo "shellcheck: 0 passed, 1 failed"; exit 1; }
mkdir -p out
: >out/shellcheck.log
for f in "${files[@]}"; do
	if out=$(shellcheck -x -f gcc "$f" 2>&1); then
		echo "PASS shellcheck: $f"
		np=$((np + 1))
	else
		echo "$out" >>out/shellcheck.log
		echo "FAIL shellcheck: $f: $(echo "$out" | grep -c .) findings, first: $(echo "$out" | head -1 | cut -c1-200)"
		nf=$((nf + 1))
	fi
done
echo "shellcheck: $np passed, $nf failed"
[ "$nf" = 0 ]
