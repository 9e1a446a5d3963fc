# strip-solutions.awk - replace the solution regions of one C file (or
# shell script) by stubs.
#
#	/* SOLUTION BEGIN: what to do */          /* TODO (student): what to do */
#	...the reference code...            ->    return -1;
#	/* SOLUTION STUB: return -1; */
#	/* SOLUTION END */
#
# The hint may run over several lines (up to the "*/"); each STUB line,
# anywhere in the region, is kept, its content in place of the comment, at
# the indentation of the BEGIN line. Text before BEGIN or after END on
# their lines is kept, so a region may start or end mid-line.
#
# Shell scripts (style=sh) mark their regions with comment lines of their
# own, the hint on the BEGIN line:
#
#	# SOLUTION BEGIN: what to do              # TODO (student): what to do
#	...the reference commands...        ->    echo "task 7: ..." >&2; exit 1
#	# SOLUTION STUB: echo "task 7: ..." >&2; exit 1
#	# SOLUTION END
#
# A STUB line keeps what follows "STUB: " as it is, so a tab there indents
# it further than the region (a loop's body, say).
#
# Variables: file (the name for messages), style ("c", the default, or
# "sh"), span (1: the REGION lines give the END line too, "file:begin-end:
# hint", for tests/mutants/coverage.sh). Prints the new file on stdout and,
# on stderr, per region one "REGION file:line: hint" line and one
# "STUBS file:line: N" line (N: how many STUB lines it kept); exits 1 on a
# malformed region (nested, unterminated, END without BEGIN).

function fail(msg) {
	printf "%s:%d: %s\n", file, FNR, msg > "/dev/stderr"
	bad = 1
	exit 1
}

function trim(s) {
	sub(/^[ \t*]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

function add_hint(piece) {
	if (piece == "") return
	hint = hint == "" ? piece : hint " " piece
	if (nhl == 1 && hl[1] == "") hl[1] = piece
	else hl[++nhl] = piece
}

# The TODO comment keeps the hint's lines as they were written.
function emit_stub(    i) {
	if (style == "sh")
		print indent "# TODO (student): " hint
	else if (nhl <= 1)
		print indent "/* TODO (student): " hint " */"
	else {
		print indent "/* TODO (student): " hl[1]
		for (i = 2; i < nhl; i++)
			print indent " * " hl[i]
		print indent " * " hl[nhl] " */"
	}
	for (i = 1; i <= nstub; i++)
		print indent stub[i]
}

BEGIN {
	inside = 0; inhint = 0; bad = 0
	if (style == "") style = "c"
	if (style != "c" && style != "sh") { printf "strip-solutions.awk: style must be c or sh\n" > "/dev/stderr"; bad = 1; exit 2 }
}

# ---- shell scripts: "# SOLUTION ..." comment lines ----
style == "sh" && /^[ \t]*# SOLUTION BEGIN/ {
	if (inside) fail("SOLUTION BEGIN inside the region opened at line " begin_line)
	inside = 1
	begin_line = FNR
	nstub = 0
	indent = $0
	sub(/[^ \t].*$/, "", indent)
	hint = substr($0, index($0, "SOLUTION BEGIN") + length("SOLUTION BEGIN"))
	sub(/^:/, "", hint)
	hint = trim(hint)
	next
}
style == "sh" && /^[ \t]*# SOLUTION STUB:/ {
	if (!inside) fail("SOLUTION STUB outside a region")
	s = substr($0, index($0, "SOLUTION STUB:") + length("SOLUTION STUB:"))
	sub(/^ /, "", s)
	sub(/[ \t]+$/, "", s)
	stub[++nstub] = s
	next
}
style == "sh" && /^[ \t]*# SOLUTION END/ {
	if (!inside) fail("SOLUTION END without SOLUTION BEGIN")
	if (hint == "") { hint = "write this part"; nhl = 1; hl[1] = hint }
	emit_stub()
	printf "REGION %s:%d%s: %s\n", file, begin_line, span ? "-" FNR : "", hint > "/dev/stderr"
	printf "STUBS %s:%d: %d\n", file, begin_line, nstub > "/dev/stderr"
	inside = 0
	next
}
style == "sh" && /SOLUTION (BEGIN|STUB|END)/ {
	fail("a shell region marker must be a comment line of its own: \"# SOLUTION BEGIN: hint\", \"# SOLUTION STUB: command\", \"# SOLUTION END\"")
}
style == "sh" { if (!inside) print; next }

# ---- C: "/* SOLUTION ... */" comments ----

# The rest of a hint that runs over several lines.
inhint {
	line = $0
	if (index(line, "*/")) {
		piece = trim(substr(line, 1, index(line, "*/") - 1))
		add_hint(piece)
		inhint = 0
		after_hint = substr(line, index(line, "*/") + 2)
		if (after_hint ~ /SOLUTION END/) fail("a region must not end on its BEGIN line")
	} else {
		piece = trim(line)
		add_hint(piece)
	}
	next
}

/SOLUTION BEGIN/ {
	if (inside) fail("SOLUTION BEGIN inside the region opened at line " begin_line)
	inside = 1
	begin_line = FNR
	nstub = 0
	line = $0
	pre = substr(line, 1, index(line, "/* SOLUTION BEGIN") - 1)
	if (index(line, "/* SOLUTION BEGIN") == 0) fail("SOLUTION BEGIN outside a /* */ comment")
	indent = pre
	sub(/[^ \t].*$/, "", indent)
	# Code before the marker on the same line stays.
	if (pre ~ /[^ \t]/) printf "%s", pre "\n"
	rest = substr(line, index(line, "SOLUTION BEGIN") + length("SOLUTION BEGIN"))
	sub(/^:[ \t]*/, "", rest)
	if (index(rest, "*/")) {
		hint = trim(substr(rest, 1, index(rest, "*/") - 1))
		nhl = 1; hl[1] = hint
		if (substr(rest, index(rest, "*/") + 2) ~ /SOLUTION END/)
			fail("a region must not end on its BEGIN line")
	} else {
		hint = trim(rest)
		nhl = 1; hl[1] = hint
		inhint = 1
	}
	next
}

/SOLUTION STUB:/ {
	if (!inside) fail("SOLUTION STUB outside a region")
	s = substr($0, index($0, "SOLUTION STUB:") + length("SOLUTION STUB:"))
	if (!index(s, "*/")) fail("SOLUTION STUB must be on one line")
	s = substr(s, 1, index(s, "*/") - 1)
	sub(/^ /, "", s)
	sub(/[ \t]+$/, "", s)
	stub[++nstub] = s
	next
}

/SOLUTION END/ {
	if (!inside) fail("SOLUTION END without SOLUTION BEGIN")
	if (hint == "") { hint = "write this part"; nhl = 1; hl[1] = hint }
	emit_stub()
	printf "REGION %s:%d%s: %s\n", file, begin_line, span ? "-" FNR : "", hint > "/dev/stderr"
	printf "STUBS %s:%d: %d\n", file, begin_line, nstub > "/dev/stderr"
	nregions++
	inside = 0
	# Code after the marker on the same line stays.
	post = substr($0, index($0, "SOLUTION END") + length("SOLUTION END"))
	sub(/^[ \t]*\*\//, "", post)
	if (post ~ /[^ \t]/) print indent post
	next
}

inside { next }
{ print }

END {
	if (bad) exit 1
	if (inside) { FNR = begin_line; fail("SOLUTION BEGIN without SOLUTION END") }
}
