#!/usr/bin/env bash
# report.sh - make report: fills the report templates with the evidence of
# the last checks.
#
#   tools/report.sh [--from DIR] [--to DIR] [--answers DIR] [--lang en|zh] [CHECK...]
#
# For each template report-templates/TASK.LANG.md (CHECK is the part of
# TASK before the first '-': task2-tun -> task2) it writes
#   out/report/TASK.LANG.md     the filled report, to hand in or edit
#   out/report/TASK.LANG.html   the same as a web page
#   report/answers/TASK.LANG.md the student's answers (--answers DIR; with
#                               --to DIR, DIR/answers), kept and put back
#                               into the report each time (see "answers")
#   out/report/CHECK-flow-N.svg its packet-flow pictures
#   out/report/index.html       every task, its status and its pictures
# from the check's outputs in out/CHECK/ (logs, .pcap captures) and
# out/CHECK.log (its PASS/FAIL lines, written by tests/run.sh). The
# placeholder syntax is in report-templates/README.md. Whatever is missing
# becomes a visible note saying which file was looked for and which
# `make check-taskN` makes it; the report is written all the same.
#
# STUDENT="Name" sets the student's name (default: git's user.name).
# Needs bash, awk and tcpdump (the kit's check packages); nothing else.
# shellcheck disable=SC2016 # backquotes in single quotes are Markdown code spans
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=$ROOT/tools
TEMPLATES=$ROOT/report-templates
FROM=$ROOT/out
TO=$ROOT/out/report
LANGS=(en zh)
CHECKS=()
ANSWERS=
EXCERPT=12      # packets shown by a capture excerpt
LOGLINES=40     # lines shown of a log without #N
MAXROWS=30      # packets drawn in a flow picture

usage() {
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--from) FROM=$(cd "${2:?--from takes a directory}" && pwd) || exit 2; shift 2 ;;
	--to) TO=${2:?--to takes a directory}; shift 2 ;;
	--answers) ANSWERS=${2:?--answers takes a directory}; shift 2 ;;
	--lang) LANGS=("${2:?--lang takes en or zh}"); shift 2 ;;
	-h|--help) usage 0 ;;
	-*) echo "report.sh: unknown option $1" >&2; usage 2 ;;
	*) CHECKS+=("$1"); shift ;;
	esac
done
mkdir -p "$TO" || exit 1
TO=$(cd "$TO" && pwd)
# The student's answers: report/answers/ for the kit's own out/report/
# (kept in the tree, handed in with it), beside the report otherwise.
if [ -z "${ANSWERS:-}" ]; then
	if [ "$TO" = "$ROOT/out/report" ]; then ANSWERS=$ROOT/report/answers; else ANSWERS=$TO/answers; fi
fi
mkdir -p "$ANSWERS" || exit 1
ANSWERS=$(cd "$ANSWERS" && pwd)
# shellcheck source=tools/report-messages.sh
. "$TOOLS/report-messages.sh"
HAVE_TCPDUMP=1
command -v tcpdump >/dev/null || HAVE_TCPDUMP=0

# Paths shown in the report are relative to the kit's top (out/task2/...).
show() {
	local p=$1
	case "$p" in "$ROOT"/*) p=${p#"$ROOT"/} ;; esac
	printf '%s' "$p"
}

# ---- notes for what is missing -----------------------------------------------

# msg FORMAT [ARG...]: printf FORMAT in the report's language. The Chinese
# of every sentence the report adds is in tools/report-messages.sh, keyed
# by its English FORMAT (make test-report: none is missing, and no English
# one is left on a Chinese page).
msg() {
	local f=$1
	shift
	if [ "$RLANG" = zh ] && [ -n "${ZH[$f]+set}" ]; then
		f=${ZH[$f]}
	fi
	# shellcheck disable=SC2059 # the formats are the catalogue's
	printf -- "$f" "$@"
}

# hint CHECK: what to run to make CHECK's outputs.
hint() {
	msg '(run make check-%s first)' "$1"
}

# note TEXT: a visible note in place of evidence.
note() {
	case "$RLANG" in
	zh) printf '> **缺少：** %s\n' "$1" ;;
	*) printf '> **Missing:** %s\n' "$1" ;;
	esac
}

# missing_file CHECK PATH: the note for a file a placeholder needs.
missing_file() {
	local check=$1 path=$2
	if [ ! -d "$FROM/$check" ]; then
		note "$(msg '%s/ does not exist %s' "$(show "$FROM/$check")" "$(hint "$check")")"
	else
		note "$(msg '%s was not found (run make check-%s first; if it ran, the check writes no such file and the template is to be brought in line with it)' "$(show "$path")" "$check")"
	fi
}

# ---- placeholders ----------------------------------------------------------

code_block() {          # reads stdin
	echo '```'
	cat
	echo '```'
}

# {{CHECK.results}} and {{CHECK.results:TEXT}}
ph_results() {
	local check=$1 text=${2:-} log=$FROM/$1.log
	if [ ! -f "$log" ]; then
		if [ -d "$FROM/$check" ]; then
			note "$(msg '%s (the PASS/FAIL lines of the check) is written by make check-%s, not by running the script of the check alone %s' "$(show "$log")" "$check" "$(hint "$check")")"
		else
			note "$(msg '%s does not exist %s' "$(show "$log")" "$(hint "$check")")"
		fi
		return
	fi
	# Paths in the lines are shown from the kit's top, as elsewhere.
	if [ -z "$text" ]; then
		grep -E '^(PASS|FAIL|SKIP) |^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$log" |
			sed "s|$ROOT/||g" | code_block
	elif grep -E '^(PASS|FAIL|SKIP) ' "$log" | grep -qF -- "$text"; then
		grep -E '^(PASS|FAIL|SKIP) ' "$log" | grep -F -- "$text" | sed "s|$ROOT/||g" | code_block
	else
		note "$(msg 'no PASS/FAIL line of %s contains "%s"' "$(show "$log")" "$text")"
	fi
}

# {{CHECK.log:FILE}} and {{CHECK.log:FILE#N}}
ph_log() {
	local check=$1 arg=$2 file n path total
	file=${arg%%#*}
	n=$LOGLINES
	[ "$file" != "$arg" ] && n=${arg#*#}
	path=$FROM/$check/$file
	if [ ! -f "$path" ]; then
		missing_file "$check" "$path"
		return
	fi
	total=$(wc -l <"$path")
	[ -s "$path" ] && [ -n "$(tail -c 1 "$path")" ] && total=$((total + 1))
	msg '`%s`:' "$(show "$path")"
	echo
	echo
	if [ "$total" -eq 0 ]; then
		echo '```'
		msg '(empty)'
		echo
		echo '```'
	elif [ "$total" -gt "$n" ]; then
		local more
		if [ $((total - n)) = 1 ]; then
			more=$(msg '... (1 more line in %s)' "$(show "$path")")
		else
			more=$(msg '... (%s more lines in %s)' "$((total - n))" "$(show "$path")")
		fi
		{ head -n "$n" "$path"; echo "$more"; } | code_block
	else
		code_block <"$path"
	fi
}

# find_capture CHECK NAME: the capture file NAME (may hold one '*') names.
find_capture() {
	local f
	for f in "$FROM/$1/"$2.pcap; do
		[ -f "$f" ] && { printf '%s' "$f"; return 0; }
	done
	printf '%s' "$FROM/$1/$2.pcap"
	return 1
}

# decode FILE [BPF]: tcpdump's lines for FILE; exit status and error text
# as tcpdump's. FILE and BPF are given to tcpdump as arguments, never
# through a shell.
decode() {
	local file=$1 bpf=${2:-}
	if [ -n "$bpf" ]; then
		tcpdump -nn -r "$file" "$bpf"
	else
		tcpdump -nn -r "$file"
	fi
}

no_tcpdump() {
	note "$(msg 'tcpdump is not installed, so captures cannot be decoded (sudo apt-get install --no-install-recommends tcpdump, or sudo make deps)')"
}

# {{CHECK.capture:NAME}} and {{CHECK.capture:NAME|BPF}}
ph_capture() {
	local check=$1 name=${2%%|*} bpf="" file out err all n
	[ "$name" != "$2" ] && bpf=${2#*|}
	if ! file=$(find_capture "$check" "$name"); then
		missing_file "$check" "$file"
		return
	fi
	[ "$HAVE_TCPDUMP" = 1 ] || { no_tcpdump; return; }
	err=$(mktemp)
	if ! out=$(decode "$file" "$bpf" 2>"$err"); then
		note "$(msg 'tcpdump could not read %s with the filter %s: %s' "$(show "$file")" "'$bpf'" "$(grep -v '^reading from' "$err" | head -2 | tr '\n' ' ')")"
		rm -f "$err"
		return
	fi
	rm -f "$err"
	all=$(decode "$file" 2>/dev/null | wc -l)
	n=0
	[ -n "$out" ] && n=$(printf '%s\n' "$out" | wc -l)
	if [ -n "$bpf" ]; then
		msg '`%s`: %s of %s packets match.' "tcpdump -nn -r $(show "$file") '$bpf'" "$n" "$all"
	else
		msg '`%s`: %s packets.' "tcpdump -nn -r $(show "$file")" "$all"
	fi
	echo
	echo
	if [ "$n" -eq 0 ]; then
		echo '```'
		msg '(no packet)'
		echo
		echo '```'
	elif [ "$n" -gt "$EXCERPT" ]; then
		{ printf '%s\n' "$out" | head -n "$EXCERPT"; msg '... (%s more)' "$((n - EXCERPT))"; echo; } | code_block
	else
		printf '%s\n' "$out" | code_block
	fi
}

# hop_name BASE: "HOST|IF" from a capture's base name NAME-HOST-IF
# (lab/check.sh: capture_start NAME HOST:IF). Host names may hold a '-'
# (client-router), interface names too (br-ext).
hop_name() {
	local rest=${1#*-} h
	for h in client-router server sw u2 u3 u v2 v3 v p5 p6; do
		case "$rest" in "$h"-*) printf '%s|%s' "$h" "${rest#"$h"-}"; return ;; esac
	done
	printf '%s|%s' "${rest%%-*}" "${rest#*-}"
}

# {{CHECK.hops:NAME,NAME,...|BPF}}
ph_hops() {
	local check=$1 names=${2%%|*} bpf="" name file out n all first
	[ "$names" != "$2" ] && bpf=${2#*|}
	[ "$HAVE_TCPDUMP" = 1 ] || { no_tcpdump; return; }
	if [ ! -d "$FROM/$check" ]; then
		note "$(msg '%s/ does not exist %s' "$(show "$FROM/$check")" "$(hint "$check")")"
		return
	fi
	if [ -n "$bpf" ]; then
		msg 'Packets matching `%s` at each hop, in path order:' "$bpf"
		echo
		echo
	fi
	msg '| hop | capture | packets | first one |'
	echo
	echo '|---|---|---|---|'
	IFS=, read -r -a list <<<"$names"
	for name in "${list[@]}"; do
		if ! file=$(find_capture "$check" "$name"); then
			echo "| $name | \`$(show "$file")\` | $(msg 'missing %s' "$(hint "$check")") | |"
			continue
		fi
		out=$(decode "$file" "$bpf" 2>/dev/null)
		all=$(decode "$file" 2>/dev/null | wc -l)
		n=0
		[ -n "$out" ] && n=$(printf '%s\n' "$out" | wc -l)
		first=$(printf '%s\n' "$out" | head -n 1 | sed 's/|/\\|/g')
		if [ -n "$first" ]; then first="\`$first\`"; else first=$(msg '(none)'); fi
		echo "| $(hop_name "${file##*/}" | sed 's/|/:/; s/\.pcap$//') | \`$(show "$file")\` | $(msg '%s of %s' "$n" "$all") | $first |"
	done
}

# {{CHECK.flow_svg}} and {{CHECK.flow_svg:NAME,NAME,...|BPF}}: writes
# $TO/CHECK-flow-N.svg and links it.
ph_flow() {
	local check=$1 arg=${2:-} names bpf="" svg rel recs i name file base n title
	FLOWS[$check]=$(( ${FLOWS[$check]:-0} + 1 ))
	# (one picture per language: its words are the page's)
	rel=$check-flow-${FLOWS[$check]}.svg
	[ "$RLANG" = en ] || rel=$check-flow-${FLOWS[$check]}.$RLANG.svg
	svg=$TO/$rel
	names=${arg%%|*}
	[ "$names" != "$arg" ] && bpf=${arg#*|}
	[ "$HAVE_TCPDUMP" = 1 ] || { no_tcpdump; rm -f "$svg"; return; }
	if [ ! -d "$FROM/$check" ]; then
		note "$(msg '%s/ does not exist, so there is no packet-flow picture %s' "$(show "$FROM/$check")" "$(hint "$check")")"
		rm -f "$svg"
		return
	fi
	if [ -z "$names" ]; then
		# Every capture of the check, in name order.
		names=$(cd "$FROM/$check" && for f in *.pcap; do [ -f "$f" ] && echo "${f%.pcap}"; done | paste -sd, -)
		if [ -z "$names" ]; then
			note "$(msg '%s/ holds no capture %s' "$(show "$FROM/$check")" "$(hint "$check")")"
			rm -f "$svg"
			return
		fi
	fi
	recs=$(mktemp)
	IFS=, read -r -a list <<<"$names"
	i=0
	local -a envs=()
	for name in "${list[@]}"; do
		i=$((i + 1))
		if ! file=$(find_capture "$check" "$name"); then
			envs+=("REPORT_HOP$i=$(hop_name "$name")|$name|missing")
			continue
		fi
		base=${file##*/}
		base=${base%.pcap}
		if [ -n "$bpf" ]; then
			tcpdump -tt -nn -x -r "$file" "$bpf" 2>/dev/null
		else
			tcpdump -tt -nn -x -r "$file" 2>/dev/null
		fi | awk -v hop="$i" -f "$TOOLS/report-pkts.awk" >"$recs.$i"
		n=$(wc -l <"$recs.$i")
		cat "$recs.$i" >>"$recs"
		rm -f "$recs.$i"
		envs+=("REPORT_HOP$i=$(hop_name "$base")|$base|$n")
	done
	title="$check: ${bpf:-$(msg 'every packet')}"
	sort -t "$(printf '\t')" -k1,1n "$recs" |
		env "${envs[@]}" awk -F '\t' -v nhops="$i" -v title="$title" -v lang="$RLANG" \
			-v maxrows="$MAXROWS" -f "$TOOLS/report-flow.awk" >"$svg"
	rm -f "$recs"
	msg '![packet flow: %s](%s)' "$title" "$rel"
	echo
	echo
	msg '_Packet flow ([%s](%s)): one column per capture (hop) in path order, one row per packet; the arrow goes from the hop that saw it first to the hop that saw it last._' "$rel" "$rel"
	echo
}

# {{meta.*}}: one line of text.
ph_meta() {
	local what=$1 f
	case "$what" in
	student)
		if [ -n "${STUDENT:-}" ]; then
			printf '%s' "$STUDENT"
		else
			f=$(git -C "$ROOT" config user.name 2>/dev/null)
			if [ -n "$f" ]; then printf '%s' "$f"; else msg '(set STUDENT="Your Name")'; fi
		fi ;;
	date)
		# When the check ran: its PASS/FAIL log, else its newest file.
		f=$FROM/$CHECK.log
		# shellcheck disable=SC2012 # newest by mtime; the kit names its files
		[ -f "$f" ] || f=$(ls -t "$FROM/$CHECK"/* 2>/dev/null | head -n 1)
		if [ -n "$f" ] && [ -e "$f" ]; then
			date -r "$f" '+%Y-%m-%d %H:%M %Z'
		else
			msg '(not run yet: make check-%s)' "$CHECK"
		fi | tr -d '\n' ;;
	commit)
		if f=$(git -C "$ROOT" describe --always --dirty --abbrev=10 2>/dev/null); then
			printf '%s' "$f"
		else
			msg '(not a git tree)'
		fi ;;
	host)
		uname -n | tr -d '\n' ;;
	*)
		msg '{{meta.%s: unknown}}' "$what" ;;
	esac
}

# ---- the student's answers ------------------------------------------------
# The n-th {{answer}} of a template is answer n. Its text lives in two
# files, between the lines "<!-- answer N: HEADING -->" and
# "<!-- end of answer N -->": $ANSWERS/TASK.LANG.md, the student's, and the
# report $TO/TASK.LANG.md made from it. Before a report is made again, both
# are read, the one changed last winning where both hold an answer; a
# placeholder never takes an answer's place, and an answer whose question
# is gone from the template is kept at the end of the answers file. So
# `make report` can run any number of times and an answer written in either
# file is kept, and shown in the .md and the .html.

declare -A ANS=()
NANSWERS=0
HEADING=

placeholder_text() {
	msg '> _(answer here)_'
}

# keep_answer N TEXT: ANS[N] = TEXT (blank lines around it dropped), unless
# TEXT is empty or a placeholder (of either language).
keep_answer() {
	local t
	t=$(printf '%s\n' "$2" | awk 'NF { f = 1 } f')
	case "$t" in
	'' | '> _(answer here)_' | '> _（在此作答）_') return ;;
	esac
	ANS[$1]=$t
}

# read_answers FILE: the answers of FILE into ANS; returns 1 (and keeps
# what it could read) when a block is not closed or closed by another's
# end line.
read_answers() {
	local file=$1 line n="" text="" broken=0
	[ -f "$file" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line =~ ^'<!-- answer '([0-9]+)(:.*)?' -->'[[:space:]]*$ ]]; then
			[ -n "$n" ] && broken=1
			n=${BASH_REMATCH[1]} text=
		elif [[ $line =~ ^'<!-- end of answer '([0-9]+)' -->'[[:space:]]*$ ]]; then
			if [ "${BASH_REMATCH[1]}" = "$n" ]; then
				keep_answer "$n" "$text"
			else
				broken=1
			fi
			n=
		elif [ -n "$n" ]; then
			text+=$line$'\n'
		fi
	done <"$file"
	[ -z "$n" ] || broken=1
	return $broken
}

# load_answers ANSFILE REPORT: ANS from both, the older first.
load_answers() {
	local a=$1 r=$2 f
	ANS=()
	if [ -f "$r" ] && [ -f "$a" ] && [ "$a" -nt "$r" ]; then
		set -- "$r" "$a"
	else
		set -- "$a" "$r"
	fi
	for f in "$@"; do
		if ! read_answers "$f"; then
			cp -p "$f" "$f.bak"
			echo "report: $(show "$f"): an answer's <!-- answer N --> or <!-- end of answer N --> line is missing or altered; read what could be read, the file as it was is in $(show "$f").bak" >&2
		fi
	done
}

# answer_block N HEADING: answer N as it goes into both files.
answer_block() {
	echo "<!-- answer $1: ${2//--/-} -->"
	if [ -n "${ANS[$1]:-}" ]; then
		printf '%s\n' "${ANS[$1]}"
	else
		placeholder_text
		echo
	fi
	echo "<!-- end of answer $1 -->"
}

# write_answers FILE TASK: the answers file, every answer of the template
# and any kept from questions no longer asked.
write_answers() {
	local file=$1 task=$2 k
	mkdir -p "$(dirname "$file")" || return 1
	{
		msg '# %s: your answers' "$task"
		echo
		echo
		msg 'Write each answer between its two <!-- ... --> lines, in Markdown. `make report` puts it in its place in %s and its .html, and keeps it every time it runs. You may write in %s instead: make report takes the answers from whichever of the two files you changed last.' "$(show "$TO/$task.$RLANG.md")" "$(show "$TO/$task.$RLANG.md")"
		echo
		for ((k = 1; k <= NANSWERS; k++)); do
			echo
			answer_block "$k" "${AHEAD[$k]}"
		done
		for k in $(printf '%s\n' "${!ANS[@]}" | sort -n); do
			[ "$k" -gt "$NANSWERS" ] || continue
			echo
			answer_block "$k" "$(msg '(a question no longer in the template)')"
		done
	} >"$file.tmp" && mv "$file.tmp" "$file"
}

# expand BODY: the text a placeholder {{BODY}} becomes.
expand() {
	local body=$1 src kind arg=
	if [ "$body" = answer ]; then
		NANSWERS=$((NANSWERS + 1))
		AHEAD[$NANSWERS]=$HEADING
		answer_block "$NANSWERS" "$HEADING"
		return
	fi
	src=${body%%.*}
	kind=${body#*.}
	if [ "$kind" != "${kind%%:*}" ]; then
		arg=${kind#*:}
		kind=${kind%%:*}
	fi
	case "$src.$kind" in
	meta.*) ph_meta "$kind" ;;
	*.results) ph_results "$src" "$arg" ;;
	*.log) ph_log "$src" "$arg" ;;
	*.capture) ph_capture "$src" "$arg" ;;
	*.hops) ph_hops "$src" "$arg" ;;
	*.flow_svg) ph_flow "$src" "$arg" ;;
	*) note "$(msg 'unknown placeholder {{%s}} (see report-templates/README.md)' "$body")" ;;
	esac
}

# fill TEMPLATE: the filled Markdown on stdout. A placeholder alone on its
# line becomes a block; others are replaced within the line.
fill() {
	local line trimmed out body
	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line =~ ^#+\ (.*) ]] && HEADING=${BASH_REMATCH[1]}
		trimmed=$(printf '%s' "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		if [[ $trimmed =~ ^\{\{([^{}]*)\}\}$ ]]; then
			expand "${BASH_REMATCH[1]}"
			continue
		fi
		out=
		while [[ $line =~ \{\{([^{}]*)\}\} ]]; do
			body=${BASH_REMATCH[1]}
			out+=${line%%"{{$body}}"*}
			out+=$(expand "$body")
			line=${line#*"{{$body}}"}
		done
		printf '%s\n' "$out$line"
	done <"$1"
}

# status CHECK: "N passed, M failed" from out/CHECK.log, or why not.
status() {
	local log=$FROM/$1.log line
	if [ -f "$log" ]; then
		line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		printf '%s' "${line#*: }"
		[ -n "$line" ] || printf 'no summary line in %s' "$(show "$log")"
	elif [ -d "$FROM/$1" ]; then
		printf 'outputs in %s/, but no %s (run make check-%s)' "$(show "$FROM/$1")" "$(show "$log")" "$1"
	else
		printf 'not run (run make check-%s first)' "$1"
	fi
}

html_escape() {
	sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'
}

# ---- main ----------------------------------------------------------------------

declare -A FLOWS=()
declare -a DONE=()
RLANG=en
# Templates in task order (task2 before task10).
# (An array: the kit's path may hold spaces.)
mapfile -t templates < <(printf '%s\n' "$TEMPLATES"/*.md | sort -V)
for tpl in "${templates[@]}"; do
	base=${tpl##*/}
	[ "$base" = README.md ] && continue
	task=${base%%.*}
	lang=${base%.md}
	lang=${lang##*.}
	CHECK=${task%%-*}
	if [ ${#CHECKS[@]} -gt 0 ] && [[ " ${CHECKS[*]} " != *" $CHECK "* ]]; then
		continue
	fi
	[[ " ${LANGS[*]} " == *" $lang "* ]] || continue
	RLANG=$lang
	FLOWS[$CHECK]=0
	NANSWERS=0 HEADING=
	declare -A AHEAD=()
	load_answers "$ANSWERS/$task.$lang.md" "$TO/$task.$lang.md"
	# The answers file first, the report last: as made, the report is the
	# newer of the two, and holds the same answers.
	if ! fill "$tpl" >"$TO/.$task.$lang.md.new" ||
	   ! write_answers "$ANSWERS/$task.$lang.md" "$task" ||
	   ! mv "$TO/.$task.$lang.md.new" "$TO/$task.$lang.md"; then
		echo "report.sh: could not write $(show "$TO/$task.$lang.md") and $(show "$ANSWERS/$task.$lang.md")" >&2
		exit 1
	fi
	awk -v title="$task ($lang)" -v lang="$lang" -f "$TOOLS/report-md2html.awk" \
		"$TO/$task.$lang.md" >"$TO/$task.$lang.html"
	DONE+=("$task.$lang")
	echo "report: $(show "$TO/$task.$lang.md") ($(status "$CHECK")); answers: $(show "$ANSWERS/$task.$lang.md") ($(printf '%s\n' "${!ANS[@]}" | grep -c .) written)"
done

# The Chinese pages name Noto Sans CJK SC; without a font for Chinese a
# browser shows boxes.
if [[ " ${DONE[*]} " == *.zh\ * ]] && command -v fc-list >/dev/null &&
   ! fc-list ':lang=zh' family | grep -q .; then
	echo "report: no font for Chinese here: the zh pages will show boxes (sudo make deps installs fonts-noto-cjk)" >&2
fi

if [ ${#DONE[@]} -eq 0 ]; then
	echo "report.sh: no template matched (checks: ${CHECKS[*]:-all}, languages: ${LANGS[*]})" >&2
	exit 2
fi

# The index: every task, its status, links, and its pictures inline.
{
	cat <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>VPN lab report</title>
<style>
body { font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { border-bottom: 2px solid #446; padding-bottom: .3em; }
section { border: 1px solid #ccd; border-radius: 6px; padding: .6em 1em 1em; margin: 1.2em 0; }
section h2 { margin: .2em 0 .4em; font-size: 1.25em; }
.status { font-weight: bold; }
.ok { color: #17692f; } .bad { color: #a31515; } .none { color: #8a6100; }
.links a { margin-right: 1.2em; }
figure { margin: 1em 0 0; overflow-x: auto; }
figure img { max-width: 100%; border: 1px solid #dde; }
figcaption { font-size: .85em; color: #555; }
</style></head><body>
<h1>VPN lab report</h1>
EOF
	printf '<p>Student: %s · Kit commit: %s · Machine: %s · Made: %s</p>\n' \
		"$(RLANG=en; CHECK=x; ph_meta student | html_escape)" \
		"$(ph_meta commit | html_escape)" "$(ph_meta host | html_escape)" \
		"$(date '+%Y-%m-%d %H:%M %Z')"
	echo '<p>Each task: the status of its last check, its report in English and Chinese (web page and Markdown to edit and hand in), and its packet-flow pictures, drawn from the captures.</p>'
	last=
	for d in "${DONE[@]}"; do
		task=${d%.*}
		[ "$task" = "$last" ] && continue
		last=$task
		CHECK=${task%%-*}
		st=$(status "$CHECK")
		case "$st" in
		*" 0 failed") cls=ok ;;
		*passed*) cls=bad ;;
		*) cls=none ;;
		esac
		md=$TO/$task.en.md
		[ -f "$md" ] || md=$TO/$task.zh.md
		heading=$(head -n 1 "$md" | sed 's/^#* *//')
		printf '<section id="%s">\n<h2>%s</h2>\n' "$task" "$(printf '%s' "$heading" | html_escape)"
		printf '<p>Check <code>make check-%s</code>: <span class="status %s">%s</span></p>\n' \
			"$CHECK" "$cls" "$(printf '%s' "$st" | html_escape)"
		printf '<p class="links">'
		for l in en zh; do
			[ -f "$TO/$task.$l.md" ] || continue
			name=English
			[ "$l" = zh ] && name='中文 (Chinese)'
			printf '<a href="%s.%s.html">%s</a> <a href="%s.%s.md">(Markdown)</a> ' "$task" "$l" "$name" "$task" "$l"
		done
		printf '</p>\n'
		shown=0
		for ((k = 1; k <= ${FLOWS[$CHECK]:-0}; k++)); do
			svg=$CHECK-flow-$k.svg
			[ -f "$TO/$svg" ] || svg=$CHECK-flow-$k.zh.svg
			[ -f "$TO/$svg" ] || continue
			printf '<figure><a href="%s"><img src="%s" alt="packet flow of %s"></a><figcaption>%s</figcaption></figure>\n' \
				"$svg" "$svg" "$CHECK" "$svg"
			shown=1
		done
		if [ "$shown" = 0 ] && [ "${FLOWS[$CHECK]:-0}" -gt 0 ]; then
			printf '<p class="none">No packet-flow picture: no captures %s.</p>\n' "$(hint "$CHECK")"
		fi
		echo '</section>'
	done
	echo '</body></html>'
} >"$TO/index.html"
echo "report: $(show "$TO/index.html")"
