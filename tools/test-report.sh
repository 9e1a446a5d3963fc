#!/usr/bin/env bash
# test-report.sh - make test-report: checks tools/report.sh (make report).
#
#   tools/test-report.sh [--run]
#
# 1. The English and Chinese template of each task carry the same
#    placeholders in the same order.
# 2. With no check outputs at all, the report is still written and says
#    what to run ("(run make check-task2 first)"), with no {{...}} left.
# 3. The packet parser finds a ping inside the UDP tunnel's datagrams and
#    gives it the key it has on the TUN interface (the verifier's golden
#    captures udp-tunnel.pcap and icmp-raw.pcap).
# 4. After a task2 check (out/task2/, out/task2.log; with --run, or when
#    there are none, it runs `tests/run.sh task2` first): the filled task2
#    report holds the ping output and decoded capture lines, no {{...}}
#    placeholder and no "missing" note; its packet-flow SVG is well-formed
#    XML with one element per hop and a row per packet; the HTML pages show
#    the picture.
# 5. If out/task3/ is there: its picture has four hops and the packets seen
#    inside the tunnel on the extranet.
#
# Works on copies (a temporary directory): out/report/ is left alone.
# Prints one PASS/FAIL line per test and "report: N passed, M failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PASSED=0
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }

# well_formed FILE: XML well-formedness, by xmllint when there is one, else
# by balancing the tags (enough for what report-flow.awk writes).
well_formed() {
	if command -v xmllint >/dev/null; then
		xmllint --noout "$1" 2>&1
		return
	fi
	tr '\n' ' ' <"$1" | grep -o '<[^>]*>' | awk '
		/^<\?/ || /^<!/ || /\/>$/ { next }
		/^<\// { t = $0; gsub(/[<\/> ]/, "", t)
			if (n == 0 || stack[n] != t) { print "unbalanced </" t ">"; bad = 1; exit }
			n--; next }
		{ t = $0; sub(/^</, "", t); sub(/[ >].*/, "", t); stack[++n] = t }
		END { if (!bad && n != 0) { print n " unclosed tags"; exit 1 } if (bad) exit 1 }'
}

# placeholders FILE: the placeholders of a template, one a line, in order.
placeholders() {
	grep -o '{{[^{}]*}}' "$1"
}

# ---- 1. English and Chinese templates in step ----------------------------------
for en in report-templates/*.en.md; do
	zh=${en%.en.md}.zh.md
	task=${en##*/}
	task=${task%.en.md}
	if [ ! -f "$zh" ]; then
		fail "templates: $task has no Chinese template ($zh)"
		continue
	fi
	if diff <(placeholders "$en") <(placeholders "$zh") >"$TMP/diff"; then
		pass "templates: $task: en and zh carry the same $(placeholders "$en" | wc -l) placeholders in the same order"
	else
		fail "templates: $task: en and zh differ in placeholders: $(grep '^[<>]' "$TMP/diff" | head -3 | tr '\n' ' ')"
	fi
done
for zh in report-templates/*.zh.md; do
	[ -f "${zh%.zh.md}.en.md" ] || fail "templates: $zh has no English template"
done

# ---- 2. no check outputs ---------------------------------------------------------
mkdir -p "$TMP/empty"
if tools/report.sh --from "$TMP/empty" --to "$TMP/r0" >"$TMP/r0.log" 2>&1; then
	pass "no out/ data: make report still writes every report ($(grep -c '\.md ' "$TMP/r0.log") files)"
else
	fail "no out/ data: tools/report.sh failed: $(tail -2 "$TMP/r0.log" | tr '\n' ' ')"
fi
for l in en zh; do
	f=$TMP/r0/task2-tun.$l.md
	if grep -qF '(run make check-task2 first)' "$f" 2>/dev/null; then
		pass "no out/ data: task2-tun.$l.md says '(run make check-task2 first)'"
	else
		fail "no out/ data: task2-tun.$l.md does not say what to run"
	fi
done
if grep -l '{{' "$TMP"/r0/*.md >/dev/null 2>&1; then
	fail "no out/ data: placeholders left in $(grep -l '{{' "$TMP"/r0/*.md | head -3 | tr '\n' ' ')"
else
	pass "no out/ data: no {{...}} left in any report"
fi
if grep -q 'not run (run make check-task2 first)' "$TMP/r0/index.html" 2>/dev/null; then
	pass "no out/ data: index.html says task2 was not run and what to run"
else
	fail "no out/ data: index.html does not say what to run for task2"
fi

# ---- 3. the packet parser: a ping inside the UDP tunnel ----------------------------
# udp-tunnel.pcap's first datagram carries 192.168.53.99 > 192.168.60.5 ICMP
# echo request id 0x0077 seq 1 (bytes 0x30-0x37 of `tcpdump -x`); on a TUN
# interface (icmp-raw.pcap) a request is keyed the same way.
pk() {
	tcpdump -tt -nn -x -r "$1" 2>/dev/null | awk -v hop=1 -f tools/report-pkts.awk
}
raw=$(pk verifier/tests/pcaps/icmp-raw.pcap | head -n 1 | cut -f3-4)
tun=$(pk verifier/tests/pcaps/udp-tunnel.pcap | head -n 1 | cut -f3-4)
want=$(printf 'icmp 8 192.168.53.99 192.168.60.5 119 1\tin:UDP 10.9.0.5.41000 > 10.9.0.11.9090')
if [ "$tun" = "$want" ] && [ "$raw" = "$(printf 'icmp 8 192.168.53.99 192.168.60.5 4660 1\tclear')" ]; then
	pass "parser: the ping inside udp-tunnel.pcap is keyed as on a TUN ('${want%%$'\t'*}', found in UDP 10.9.0.5.41000 > 10.9.0.11.9090)"
else
	fail "parser: expected '$want' and a clear ping on the TUN, got '$tun' and '$raw'"
fi

# ---- 4. after a task2 check -----------------------------------------------------------
if [ "${1:-}" = --run ] || [ ! -f out/task2.log ] || [ ! -f out/task2/ping-echo.log ]; then
	echo "---- running tests/run.sh task2 (the task 1 and 2 checks) for its outputs"
	tests/run.sh task2 >"$TMP/run.log" 2>&1 || true
	tail -n 1 "$TMP/run.log"
fi
if [ ! -f out/task2.log ] || [ ! -d out/task2 ]; then
	fail "task2: no out/task2.log and out/task2/ after the check (see the lines above; run make check-task2)"
else
	mkdir -p "$TMP/from"
	cp -r out/task2 "$TMP/from/" && cp out/task2.log "$TMP/from/"
	if tools/report.sh --from "$TMP/from" --to "$TMP/r2" task2 >"$TMP/r2.log" 2>&1; then
		pass "task2: make report ran ($(tr '\n' ' ' <"$TMP/r2.log" | cut -c1-120))"
	else
		fail "task2: tools/report.sh failed: $(tail -2 "$TMP/r2.log" | tr '\n' ' ')"
	fi
	md=$TMP/r2/task2-tun.en.md
	if grep -qE '^[0-9]+ bytes from 192\.168\.53\.1: icmp_seq=1 ' "$md" 2>/dev/null; then
		pass "task2: the report holds the ping output ($(grep -m1 -E 'bytes from 192\.168\.53\.1' "$md"))"
	else
		fail "task2: no ping output ('bytes from 192.168.53.1: icmp_seq=1') in $md"
	fi
	for what in 'echo request' 'echo reply'; do
		line=$(grep -m1 -E "^[0-9:.]+ IP 192\.168\.53\.[0-9]+ > 192\.168\.53\.[0-9]+: ICMP $what" "$md" 2>/dev/null)
		if [ -n "$line" ]; then
			pass "task2: the report holds decoded capture lines ($line)"
		else
			fail "task2: no decoded 'ICMP $what' line from the captures in $md"
		fi
	done
	for l in en zh; do
		f=$TMP/r2/task2-tun.$l.md
		left=$(grep -o '{{[^}]*}}' "$f" 2>/dev/null | head -3 | tr '\n' ' ')
		if [ -f "$f" ] && [ -z "$left" ]; then
			pass "task2: task2-tun.$l.md has no unfilled placeholder"
		else
			fail "task2: task2-tun.$l.md has unfilled placeholders: ${left:-(no file)}"
		fi
		notes=$(grep -E '^> \*\*(Missing|缺少)' "$f" 2>/dev/null | head -2 | tr '\n' ' ')
		if [ -z "$notes" ]; then
			pass "task2: task2-tun.$l.md has no 'missing' note"
		else
			fail "task2: task2-tun.$l.md: $notes"
		fi
	done
	svg=$TMP/r2/task2-flow-1.svg
	hops=$(grep -o '{{task2\.flow_svg:[^|}]*' report-templates/task2-tun.en.md | head -n 1 | sed 's/.*://' | tr ',' '\n' | grep -c .)
	if [ ! -s "$svg" ]; then
		fail "task2: no packet-flow picture $svg"
	else
		if err=$(well_formed "$svg"); then
			pass "task2: task2-flow-1.svg is well-formed XML"
		else
			fail "task2: task2-flow-1.svg is not well-formed: $(printf '%s' "$err" | head -2 | tr '\n' ' ')"
		fi
		n=$(grep -c 'class="hop"' "$svg")
		if [ "$n" = "$hops" ] && [ "$n" -gt 0 ]; then
			pass "task2: the picture has one element per hop ($n, as the template names)"
		else
			fail "task2: the picture has $n hop elements, the template names $hops hops"
		fi
		n=$(grep -c 'class="pkt"' "$svg")
		want=$(tcpdump -nn -r "$TMP"/from/task2/echo-u-*.pcap icmp 2>/dev/null | wc -l)
		if [ "$n" -gt 0 ] && [ "$n" = "$want" ]; then
			pass "task2: the picture draws a row per ICMP packet of the capture ($n)"
		else
			fail "task2: the picture draws $n packet rows, the capture holds $want ICMP packets"
		fi
	fi
	if grep -q '<img src="task2-flow-1.svg"' "$TMP/r2/index.html" 2>/dev/null &&
	   grep -q '<img src="task2-flow-1.svg"' "$TMP/r2/task2-tun.en.html" 2>/dev/null &&
	   grep -q 'href="task2-tun.zh.html"' "$TMP/r2/index.html"; then
		pass "task2: index.html and task2-tun.en.html show the picture inline and link the reports"
	else
		fail "task2: the HTML pages do not show task2-flow-1.svg inline or do not link the reports"
	fi
fi

# ---- 5. task 3's picture, when its outputs are there --------------------------------------
if [ -d out/task3 ] && ls out/task3/t-sw-br-ext.pcap >/dev/null 2>&1; then
	mkdir -p "$TMP/from3"
	cp -r out/task3 "$TMP/from3/"
	tools/report.sh --from "$TMP/from3" --to "$TMP/r3" --lang en task3 >/dev/null 2>&1
	svg=$TMP/r3/task3-flow-1.svg
	h=$(grep -c 'class="hop"' "$svg" 2>/dev/null)
	sq=$(grep -c '<title>inside UDP ' "$svg" 2>/dev/null)
	if [ "$h" = 4 ] && [ "${sq:-0}" -gt 0 ] && well_formed "$svg" >/dev/null; then
		pass "task3: the picture has 4 hops and $sq packets seen inside the UDP tunnel on the extranet"
	else
		fail "task3: the picture has ${h:-0} hops (want 4) and ${sq:-0} packets inside the tunnel (want some)"
	fi
else
	echo "SKIP task3: no out/task3/ (make check-task3 makes it)"
fi

echo "report: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
