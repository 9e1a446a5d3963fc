#!/bin/sh
# cc-fold.sh - the compiler, as a handout's build runs it (tools/module.mk):
# a file that compiles with warnings gets one line,
#
#   task2-tun/echo.c: 2 warnings (unused variable 'sum'; ...) - parts left to write?
#
# instead of the compiler's screenful, so that the PASS/FAIL lines of a
# check are not buried under what the stubs leave unused. A failed build
# shows the compiler's whole text; so does V=1 (CC_FOLD=0).
#
#   tools/cc-fold.sh CC ARGS...
[ "${CC_FOLD:-1}" = 0 ] && exec "$@"
err=$(mktemp) || exec "$@"
"$@" 2>"$err"
rc=$?
if [ "$rc" != 0 ] || ! grep -q 'warning:' "$err"; then
	cat "$err" >&2
	rm -f "$err"
	exit "$rc"
fi
src=
for a in "$@"; do
	case $a in *.c) src=$a ;; esac
done
n=$(grep -c 'warning:' "$err")
what=$(grep 'warning:' "$err" | sed 's/.*warning: //; s/ \[-W[^]]*\]$//' |
	awk '!seen[$0]++' | head -n 3 | paste -sd ';' - | sed 's/;/; /g')
[ "$n" -gt 3 ] && what="$what; ..."
s=s; [ "$n" = 1 ] && s=
echo "${src:-link}: $n warning$s ($what) - parts left to write?" >&2
rm -f "$err"
exit 0
