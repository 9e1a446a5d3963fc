# report-md2html.awk - the Markdown of a filled report as a web page.
#
#   awk -v title=TEXT [-v lang=en|zh] -f report-md2html.awk REPORT.md > REPORT.html
#
# Only what the templates and tools/report.sh write: # headings, ```
# code blocks, | tables |, > quotes, - lists, paragraphs; `code`,
# **bold**, _emphasis_, [links](x) and ![images](x.svg) within a line.
# Images are shown inline, so the packet-flow pictures appear in place.
# The student's answers (between "<!-- answer N: ... -->" and "<!-- end of
# answer N -->", tools/report.sh) are framed; other <!-- --> lines are left
# out. lang sets the page's language (the fonts a browser picks for it)
# and the words the page adds.

function esc(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)   # text also goes into href="" and src=""
	return s
}

# A link or picture address from an answer: a relative path or http(s);
# any other scheme (javascript:, data:) would run or embed in the page.
function url_ok(u) {
	return u !~ /^[A-Za-z][A-Za-z0-9+.-]*:/ || u ~ /^[Hh][Tt][Tt][Pp][Ss]?:/
}

# Inline markup of one line of text (code spans first, left untouched).
function inline(s,    out, i, j, code) {
	out = ""
	while ((i = index(s, "`")) > 0) {
		j = index(substr(s, i + 1), "`")
		if (j == 0)
			break
		code = substr(s, i + 1, j - 1)
		out = out spans(substr(s, 1, i - 1)) "<code>" esc(code) "</code>"
		s = substr(s, i + j + 1)
	}
	return out spans(s)
}

function spans(s,    out, m, alt, url, txt, rest, before) {
	s = esc(s)
	out = ""
	# Images and links.
	while (match(s, /!?\[[^]]*\]\([^)]*\)/)) {
		# (marks() calls match() too: take RSTART and RLENGTH first.)
		m = substr(s, RSTART, RLENGTH)
		before = substr(s, 1, RSTART - 1)
		rest = substr(s, RSTART + RLENGTH)
		out = out marks(before)
		if (substr(m, 1, 1) == "!") {
			alt = m; sub(/^!\[/, "", alt); sub(/\]\(.*$/, "", alt)
			url = m; sub(/^[^]]*\]\(/, "", url); sub(/\)$/, "", url)
			if (!url_ok(url)) url = "#"
			out = out "<img src=\"" url "\" alt=\"" alt "\">"
		} else {
			txt = m; sub(/^\[/, "", txt); sub(/\]\(.*$/, "", txt)
			url = m; sub(/^[^]]*\]\(/, "", url); sub(/\)$/, "", url)
			if (!url_ok(url)) url = "#"
			out = out "<a href=\"" url "\">" marks(txt) "</a>"
		}
		s = rest
	}
	return out marks(s)
}

function marks(s,    pre, lead, trail) {
	while (match(s, /\*\*[^*]+\*\*/))
		s = substr(s, 1, RSTART - 1) "<strong>" substr(s, RSTART + 2, RLENGTH - 4) "</strong>" substr(s, RSTART + RLENGTH)
	while (match(s, /(^|[ (（])_[^_]+_([ .,;:)）]|$)/)) {
		pre = substr(s, RSTART, RLENGTH)
		lead = ""
		if (substr(pre, 1, 1) != "_") {
			lead = substr(pre, 1, 1)
			pre = substr(pre, 2)
		}
		trail = ""
		if (substr(pre, length(pre)) != "_") {
			trail = substr(pre, length(pre))
			pre = substr(pre, 1, length(pre) - 1)
		}
		s = substr(s, 1, RSTART - 1) lead "<em>" substr(pre, 2, length(pre) - 2) "</em>" trail substr(s, RSTART + RLENGTH)
	}
	return s
}

function close_blocks() {
	if (para != "") {
		print "<p>" para "</p>"
		para = ""
	}
	if (inlist) {
		print "</ul>"
		inlist = 0
	}
	if (inquote) {
		print "</blockquote>"
		inquote = 0
	}
	if (intable) {
		print "</tbody></table>"
		intable = 0
	}
}

function cells(line, tag,    n, c, i, out) {
	sub(/^[ \t]*\|/, "", line)
	sub(/\|[ \t]*$/, "", line)
	gsub(/\\\|/, "\001", line)
	n = split(line, c, "|")
	out = "<tr>"
	for (i = 1; i <= n; i++) {
		gsub(/\001/, "|", c[i])
		sub(/^[ \t]+/, "", c[i])
		sub(/[ \t]+$/, "", c[i])
		out = out "<" tag ">" inline(c[i]) "</" tag ">"
	}
	return out "</tr>"
}

BEGIN {
	if (lang == "") lang = "en"
	print "<!DOCTYPE html>"
	print "<html lang=\"" (lang == "zh" ? "zh-Hans" : lang) "\"><head><meta charset=\"utf-8\">"
	print "<title>" esc(title) "</title>"
	print "<style>"
	# Noto Sans CJK SC: Debian's fonts-noto-cjk, which make deps installs.
	print "body { font-family: \"DejaVu Sans\", \"Noto Sans CJK SC\", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }"
	print ".answer { border-left: 4px solid #2b8a4b; background: #eef8f0; margin: .6em 0; padding: .1em .8em; }"
	print "pre { background: #f4f4f6; border: 1px solid #dde; padding: .6em; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; line-height: 1.3; }"
	print "code, pre { font-family: \"DejaVu Sans Mono\", \"Noto Sans Mono CJK SC\", monospace; }"
	print "table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ccd; padding: .2em .5em; vertical-align: top; text-align: left; }"
	print "blockquote { border-left: 4px solid #c9a227; background: #fdf8e6; margin: .6em 0; padding: .3em .8em; }"
	print "img { max-width: 100%; border: 1px solid #dde; }"
	print "h1 { border-bottom: 2px solid #446; padding-bottom: .3em; } h2 { border-bottom: 1px solid #ccd; margin-top: 1.6em; }"
	print "</style></head><body>"
	print "<p><a href=\"index.html\">&larr; " (lang == "zh" ? "全部任务" : "all tasks") "</a></p>"
}

incode {
	if ($0 ~ /^```/) {
		print "</pre>"
		incode = 0
	} else {
		print esc($0)
	}
	next
}

/^<!-- answer [0-9]+(:.*)? -->[ \t]*$/ {
	close_blocks()
	print "<div class=\"answer\">"
	inanswer = 1
	next
}

/^<!-- end of answer [0-9]+ -->[ \t]*$/ {
	close_blocks()
	if (inanswer) print "</div>"
	inanswer = 0
	next
}

/^<!--.*-->[ \t]*$/ { next }

/^```/ {
	close_blocks()
	printf "<pre>"
	incode = 1
	next
}

/^#+ / {
	close_blocks()
	n = index($0, " ") - 1
	if (n > 6)
		n = 6
	print "<h" n ">" inline(substr($0, n + 2)) "</h" n ">"
	next
}

/^[ \t]*\|/ {
	if (!intable) {
		close_blocks()
		print "<table><thead>" cells($0, "th") "</thead><tbody>"
		intable = 1
	} else if ($0 !~ /^[ \t]*\|[-: |]+\|[ \t]*$/) {
		print cells($0, "td")
	}
	next
}

/^> ?/ {
	if (!inquote) {
		close_blocks()
		print "<blockquote>"
		inquote = 1
	}
	line = $0
	sub(/^> ?/, "", line)
	print inline(line) "<br>"
	next
}

/^- / {
	if (!inlist) {
		close_blocks()
		print "<ul>"
		inlist = 1
	}
	print "<li>" inline(substr($0, 3)) "</li>"
	next
}

/^[ \t]*$/ {
	close_blocks()
	next
}

{
	if (inlist || inquote || intable)
		close_blocks()
	para = (para == "") ? inline($0) : para "\n" inline($0)
}

END {
	if (incode)
		print "</pre>"
	close_blocks()
	if (inanswer) print "</div>"
	print "</body></html>"
}
