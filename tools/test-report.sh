#!/usr/bin/env bash
# test-report.sh - make test-report: checks tools/report.sh (make report).
#
#   tools/test-report.sh [--run] [--no-screenshot]
#
# --no-screenshot (make check) leaves out step 8, which needs chromium;
# make test-report runs every step.
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
# 6. Answers: one written in report/answers/TASK.LANG.md and one typed into
#    the report's .md both survive `make report` twice, in .md and .html; a
#    report whose answer markers were broken is kept in .bak.
# 7. zh pages: every sentence report.sh adds has its Chinese
#    (tools/report-messages.sh); no English phrase of the generator (nor of
#    the flow picture) and no run of English words outside code and the
#    template shows on them.
# 8. A headless Chromium screenshot of a zh page (chromium installed by the
#    test's own dependency step, lab/deps.sh --need screenshot) shows
#    Chinese glyphs: it differs from a render with only DejaVu visible
#    (boxes), and has ink. The PNGs stay in out/report-test/.
#
# Works on copies (a temporary directory): out/report/ is left alone.
# Prints one PASS/FAIL line per test and "report: N passed, M failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
RUN=0 SCREENSHOT=1
for a; do
	case $a in
	--run) RUN=1 ;;
	--no-screenshot) SCREENSHOT=0 ;;
	*) echo "usage: tools/test-report.sh [--run] [--no-screenshot]" >&2; exit 2 ;;
	esac
done
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
	want='(run make check-task2 first)'
	[ $l = zh ] && want='（请先运行 make check-task2）'
	if grep -qF "$want" "$f" 2>/dev/null; then
		pass "no out/ data: task2-tun.$l.md says '$want'"
	else
		fail "no out/ data: task2-tun.$l.md does not say what to run ('$want')"
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
if [ "$RUN" = 1 ] || [ ! -f out/task2.log ] || [ ! -f out/task2/ping-echo.log ]; then
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

# ---- 6. answers survive make report ------------------------------------------------
# An answer written in the answers file, and one written in the report
# itself, both through two runs of make report, in .md and .html; a report
# whose answer markers were broken is kept aside, not lost.
answers_test() {
	local from=$1 r=$TMP/ra a en zh k en_html
	rm -rf "$r"
	tools/report.sh --from "$from" --to "$r" task2 >/dev/null 2>&1
	a=$r/answers/task2-tun.en.md
	if [ ! -f "$a" ] || [ "$(grep -c '^<!-- answer [0-9]*: ' "$a")" != "$(grep -c '{{answer}}' report-templates/task2-tun.en.md)" ]; then
		fail "answers: make report wrote no answers file with one block per {{answer}} ($a)"
		return
	fi
	en="Answer-A $$: the kernel numbers **seed** interfaces from 0."
	zh="回答-B $$：内核从 0 开始给接口编号。"
	# answer 2 in the answers file (en), answer 1 in the report (zh)
	awk -v t="$en" '/^<!-- answer 2: / { print; getline; print t; next } { print }' "$a" >"$a.new" && mv "$a.new" "$a"
	sleep 1.1       # (a later mtime than the answers file's)
	awk -v t="$zh" '/^<!-- answer 1: / { print; getline; print t; next } { print }' "$r/task2-tun.zh.md" >"$r/zh.new" &&
		mv "$r/zh.new" "$r/task2-tun.zh.md"
	for k in 1 2; do
		tools/report.sh --from "$from" --to "$r" task2 >"$TMP/ra.log" 2>&1 ||
			{ fail "answers: make report run $k failed: $(tail -n 2 "$TMP/ra.log" | tr '\n' ' ')"; return; }
	done
	en_html=${en/\*\*seed\*\*/<strong>seed</strong>}
	if grep -qxF "$en" "$r/task2-tun.en.md" && grep -qF "$en_html" "$r/task2-tun.en.html" &&
	   grep -qxF "$en" "$a"; then
		pass "answers: an answer written in report/answers/ is in the .md and the .html after make report twice"
	else
		fail "answers: the answer written in $a is not in task2-tun.en.md/.html after make report twice"
	fi
	if grep -qxF "$zh" "$r/task2-tun.zh.md" && grep -qF "$zh" "$r/task2-tun.zh.html" &&
	   grep -qxF "$zh" "$r/answers/task2-tun.zh.md"; then
		pass "answers: an answer typed into the report's .md is kept (and copied to report/answers/) after make report twice"
	else
		fail "answers: the answer typed into task2-tun.zh.md is lost after make report twice"
	fi
	if grep -A1 '^<!-- answer 1: ' "$r/task2-tun.en.md" | grep -qF '(answer here)' &&
	   grep -A2 '<div class="answer">' "$r/task2-tun.en.html" | grep -q 'answer here'; then
		pass "answers: an unanswered question still shows its placeholder, in .md and .html"
	else
		fail "answers: an unanswered question lost its placeholder"
	fi
	# Broken markers: the report's end line of answer 1 deleted.
	sed -i '/^<!-- end of answer 1 -->$/d' "$r/task2-tun.zh.md"
	touch "$r/task2-tun.zh.md"
	tools/report.sh --from "$from" --to "$r" task2 >"$TMP/ra.log" 2>&1
	if grep -qF "$zh" "$r/task2-tun.zh.md.bak" 2>/dev/null && grep -q 'task2-tun.zh.md.bak' "$TMP/ra.log" &&
	   grep -qxF "$zh" "$r/task2-tun.zh.md"; then
		pass "answers: a report with a broken answer marker is kept in .bak, make report says so, and the answer stays"
	else
		fail "answers: a broken answer marker loses the report or its answer (no .bak, no message, or the answer gone)"
	fi
}
answers_test "$TMP/empty"

# ---- 7. Chinese pages: every generated word in Chinese ---------------------------------
# The formats report.sh puts through msg must each have their Chinese in
# tools/report-messages.sh; on the zh pages (no outputs and, when there,
# task 2's) none of the English formats' phrases may show, nor the flow
# picture's words (report-flow.awk's L("en", "zh")), nor a run of three
# English words outside code that is not in the template.
formats=$(grep -o "msg '[^']*'" tools/report.sh | sed "s/^msg '//; s/'\$//" | sort -u)
# shellcheck disable=SC2016 # the inner script's own variables
nomiss=$(bash -c '. tools/report-messages.sh; while IFS= read -r f; do [ -n "${ZH[$f]+set}" ] || echo "$f"; done' <<<"$formats")
if [ -z "$nomiss" ] && [ -n "$formats" ]; then
	pass "zh: each of the $(grep -c . <<<"$formats") sentences report.sh adds has its Chinese in tools/report-messages.sh"
else
	fail "zh: sentences of report.sh without Chinese: $(head -n 3 <<<"${nomiss:-(no msg format found)}" | tr '\n' '|')"
fi
# English phrases: each format's stretches between its %s (those with a
# word of 4 letters or more), and the picture's English words.
# (the picture's own words are looked for in the pictures: the templates
# may give an English term in brackets, "外网（extranet）")
# shellcheck disable=SC2016 # a backquote in a sed expression
phrases() { sed 's/^[][ (!_|`]*//; s/[][ :.,)_|`]*$//' | awk 'length > 5' | sort -u; }
pieces=$( { while IFS= read -r f; do
		printf '%s\n' "${f//%s/$'\n'}" | grep -E '[A-Za-z]{4}'
	done <<<"$formats"
	echo 'all tasks'; } | phrases)
svgpieces=$(grep -o 'L("[^"]*"' tools/report-flow.awk | sed 's/^L("//; s/"$//' | grep -E '[A-Za-z]{4}' | phrases)
zhpages=("$TMP"/r0/*.zh.md "$TMP"/r0/*.zh.html)
[ -d "$TMP/r2" ] && zhpages+=("$TMP"/r2/*.zh.md "$TMP"/r2/*.zh.html "$TMP"/r2/*.zh.svg)
found=$(for p in "${zhpages[@]}"; do
	[ -f "$p" ] || continue
	# (evidence, what the programs and checks printed, is in code)
	case $p in
	*.svg) grep -oF -f <(printf '%s\n' "$pieces" "$svgpieces") "$p" ;;
	*.html) awk '/<pre>/ { pre = 1 } !pre { gsub(/<code>[^<]*<\/code>/, ""); print } /<\/pre>/ { pre = 0 }' "$p" |
		grep -oF -f <(printf '%s\n' "$pieces") ;;
	*) awk '/^```/ { code = !code; next } !code { gsub(/`[^`]*`/, ""); print }' "$p" |
		grep -oF -f <(printf '%s\n' "$pieces") ;;
	esac | sed "s|^|${p##*/}: |"
done | sort -u)
npieces=$(( $(grep -c . <<<"$pieces") + $(grep -c . <<<"$svgpieces") ))
if [ -z "$found" ] && [ "$npieces" -gt 20 ]; then
	pass "zh: none of the $npieces English phrases of the generator on the ${#zhpages[@]} zh pages (md, html, svg)"
else
	fail "zh: English generator phrases on zh pages: $(head -n 4 <<<"${found:-(only $npieces phrases to look for)}" | tr '\n' '|')"
fi
# What the catalogue does not know: three English words in a row in a zh
# report's text (code blocks, `code`, links, paths and lines of the
# template left out).
words=$(for p in "$TMP"/r0/*.zh.md "$TMP"/r2/*.zh.md; do
	[ -f "$p" ] || continue
	t=report-templates/${p##*/}
	awk 'FNR == NR { tpl[$0] = 1; next }
		/^```/ { code = !code; next }
		code || ($0 in tpl) || /^<!--/ { next }
		{ gsub(/`[^`]*`/, ""); gsub(/\]\([^)]*\)/, "]"); gsub(/[A-Za-z0-9_.-]*\/[A-Za-z0-9_.\/-]*/, "") }
		match($0, /[A-Za-z]+[ ,]+[A-Za-z]+[ ,]+[A-Za-z]+/) { print FILENAME ": " substr($0, RSTART, RLENGTH) }' "$t" "$p"
done | sed "s|$TMP/||" | sort -u)
if [ -z "$words" ]; then
	pass "zh: no run of English words outside code on the zh reports, beyond their templates' own"
else
	fail "zh: English words on zh reports: $(head -n 4 <<<"$words" | tr '\n' '|')"
fi

# ---- 8. a screenshot of a zh page: Chinese glyphs, not boxes -------------------------
# Headless Chromium renders the zh report twice: with the machine's fonts,
# and with only DejaVu visible (a fontconfig file of our own), which has no
# Chinese: boxes. The two must differ, and the first must have ink. With no
# CJK font installed both renders show the same boxes, and this fails.
shoot() {   # PAGE OUT [ENV...]
	local page=$1 out=$2
	shift 2
	env "$@" HOME="$TMP" timeout 90 chromium --headless --no-sandbox --disable-gpu \
		--hide-scrollbars --user-data-dir="$TMP/chromium" --window-size=1000,700 \
		--screenshot="$out" "file://$page" >>"$TMP/chromium.log" 2>&1
}
screenshot_test() {
	local page=$1 shot=$TMP/zh-shot.png boxes=$TMP/zh-boxes.png fc=$TMP/fc res differ dark
	if ! lab/deps.sh --need report,screenshot >"$TMP/deps.log" 2>&1; then
		fail "screenshot: cannot run: $(grep -m1 'install them' "$TMP/deps.log" || tail -n 1 "$TMP/deps.log")"
		return
	fi
	if fc-list ':lang=zh' family | grep -q .; then
		pass "screenshot: a font for Chinese is installed (the CSS's Noto Sans CJK SC: $(fc-match 'Noto Sans CJK SC' family))"
	else
		fail "screenshot: no font for Chinese (fc-list :lang=zh is empty; sudo make deps installs fonts-noto-cjk)"
	fi
	mkdir -p "$fc/cache"
	printf '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>%s/cache</cachedir></fontconfig>\n' \
		"$fc" >"$fc/fonts.conf"
	if ! shoot "$page" "$shot" || [ ! -s "$shot" ] ||
	   ! shoot "$page" "$boxes" FONTCONFIG_FILE="$fc/fonts.conf" || [ ! -s "$boxes" ]; then
		fail "screenshot: chromium made no screenshot of ${page#"$TMP"/}: $(grep -v '^\[' "$TMP/chromium.log" | tail -n 2 | tr '\n' ' ')"
		return
	fi
	mkdir -p out/report-test
	cp "$shot" out/report-test/zh-page.png
	cp "$boxes" out/report-test/zh-page-no-cjk-font.png
	if ! res=$(tools/png-compare.py "$shot" "$boxes"); then
		fail "screenshot: tools/png-compare.py could not read the screenshots"
		return
	fi
	differ=${res#*differ=} differ=${differ%% *}
	dark=${res#*dark=} dark=${dark%% *}
	if [ "$dark" -gt 5000 ] && [ "$differ" -gt 10000 ]; then
		pass "screenshot: the zh page shows Chinese glyphs, not the boxes of its render without a CJK font ($res; out/report-test/zh-page.png)"
	else
		fail "screenshot: the zh page looks like its render without a CJK font: boxes, or blank ($res; out/report-test/zh-page*.png)"
	fi
}
if [ "$SCREENSHOT" = 0 ]; then
	echo "     screenshot of a zh page: not run here (--no-screenshot); make test-report runs it"
elif [ -f "$TMP/r2/task2-tun.zh.html" ]; then
	screenshot_test "$TMP/r2/task2-tun.zh.html"
else
	screenshot_test "$TMP/r0/task2-tun.zh.html"
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

# An answer is the student's text: in the page it stays text. A quote
# cannot end an href or src (and add an onmouseover), nor may a link run
# javascript:; a relative link and an https one stay links.
page=$(printf '%s\n' 'x [a](b" onmouseover="alert(1)) ![p](q" onerror="alert(2)) [j](javascript:alert(3)) [ok](task2.en.html) [w](https://example.org/)' |
	awk -v title=t -v lang=en -f "$ROOT/tools/report-md2html.awk")
if grep -q '<a href="task2.en.html">ok</a>' <<<"$page" && grep -q '<a href="https://example.org/">w</a>' <<<"$page" &&
	! grep -qE '" on[a-z]+="|href="javascript:' <<<"$page"; then
	pass "md2html: an answer's quotes and javascript: links stay text; relative and https links work"
else
	fail "md2html: an answer breaks out of an attribute or links javascript: $(grep -m1 -E 'href|src' <<<"$page")"
fi

echo "report: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
