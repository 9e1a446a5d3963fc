# report-flow.awk - draws the packet-flow picture of one check as SVG.
#
#   sort -t TAB -k1,1n RECORDS | REPORT_HOP1="u|tun0|t-u-tun0|12" ... \
#       awk -F '\t' -v nhops=N -v title=TEXT -v maxrows=30 [-v lang=zh] \
#       -f report-flow.awk > flow.svg
#
# RECORDS are report-pkts.awk's lines (TIME HOP KEY HOW LABEL) from every
# capture, sorted by time. The environment variable REPORT_HOPi is
# "HOST|IF|CAPTURE|COUNT" for column i (COUNT "missing" when the capture
# file is not there); they come through the environment because awk -v
# would interpret backslashes.
#
# The picture: one column per hop (capture) in path order, one row per
# packet in the order it was first seen. The n-th sighting of a key at a
# hop is the same packet as the n-th sighting of that key at another hop
# (pings do not repeat an id and sequence, IP ids do not repeat within a
# run). A row's arrow goes from the hop that saw the packet first to the
# hop that saw it last, so requests go one way and replies the other; a
# hop in between that did not see the packet in clear shows a hollow
# circle on a dashed stretch (e.g. TLS on the extranet), one that saw it
# inside the tunnel's UDP datagrams a square.

function esc(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	gsub(/"/, "\\&quot;", s)
	return s
}

# L(EN, ZH): the picture's own words in its language (-v lang=zh).
function L(en, zh) {
	return lang == "zh" ? zh : en
}

function hx(h) {
	return x0 + (h - 0.5) * colw
}

function ry(r) {
	return top + (r - 0.5) * rowh
}

{
	t = $1 + 0; h = $2 + 0; key = $3; how = $4; lab = $5
	n = ++occ[key, h]
	id = key SUBSEP n
	if (!(id in row)) {
		if (nrows >= maxrows) {
			hidden++
			next
		}
		row[id] = ++nrows
		rlabel[nrows] = lab
		rtime[nrows] = t
		rkey[nrows] = key
		if (nrows == 1)
			t0 = t
	}
	r = row[id]
	if ((r, h) in seen)
		next
	seen[r, h] = how
	stime[r, h] = t
}

END {
	rowh = 22; top = 96; colw = 150
	maxl = 20
	for (r = 1; r <= nrows; r++)
		if (length(rlabel[r]) > maxl)
			maxl = length(rlabel[r])
	labw = int(maxl * 7.3) + 10
	x0 = 10 + 64 + labw + 10
	width = x0 + nhops * colw + 10
	if (width < 800)
		width = 800
	height = top + (nrows > 0 ? nrows : 1) * rowh + 62

	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, Noto Sans Mono CJK SC, monospace\" font-size=\"12\">\n", width, height, width, height
	print "<defs>"
	print "<marker id=\"ar-f\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1f5fbf\"/></marker>"
	print "<marker id=\"ar-b\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#b5541b\"/></marker>"
	print "</defs>"
	printf "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height
	printf "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>\n", esc(title)
	printf "<text x=\"10\" y=\"80\" fill=\"#555\">%s</text>\n", L("time (s)", "时间（秒）")
	printf "<text x=\"74\" y=\"80\" fill=\"#555\">%s</text>\n", L("packet (as first seen)", "数据包（首次看到时）")

	# The hops: a column each, with its name and how many packets matched.
	for (h = 1; h <= nhops; h++) {
		split(ENVIRON["REPORT_HOP" h], f, "|")
		cx = hx(h)
		printf "<g class=\"hop\" id=\"hop-%d\">\n", h
		printf "<rect x=\"%d\" y=\"28\" width=\"%d\" height=\"56\" rx=\"4\" fill=\"%s\" stroke=\"#99a\"/>\n", cx - colw / 2 + 6, colw - 12, (f[4] == "missing" ? "#fbe3e3" : "#eef2f8")
		printf "<text x=\"%d\" y=\"44\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>\n", cx, esc(f[1] ":" f[2])
		printf "<text x=\"%d\" y=\"58\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">%s</text>\n", cx, esc(f[3] ".pcap")
		what = f[2] == "br-ext" ? L("extranet, ", "外网，") : f[2] == "br-int" ? L("intranet, ", "内网，") : f[2] == "br-priv" ? L("private LAN, ", "私有局域网，") : ""
		cnt = (f[4] == "missing") ? L("no such capture", "没有这个抓包文件") : what f[4] L(" matched", " 个匹配")
		printf "<text x=\"%d\" y=\"72\" text-anchor=\"middle\" font-size=\"10\" fill=\"%s\">%s</text>\n", cx, (f[4] == "missing" ? "#a00" : "#555"), esc(cnt)
		printf "<line x1=\"%d\" y1=\"86\" x2=\"%d\" y2=\"%d\" stroke=\"#ccd\" stroke-width=\"2\"/>\n", cx, cx, top + (nrows > 0 ? nrows : 1) * rowh
		print "</g>"
	}

	if (nrows == 0)
		printf "<text x=\"74\" y=\"%d\" fill=\"#a00\">%s</text>\n", ry(1) + 4, L("no packet matched at any hop", "没有任何抓包点匹配到数据包")

	for (r = 1; r <= nrows; r++) {
		y = ry(r)
		if (r % 2 == 0)
			printf "<rect x=\"4\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f6f6f6\"/>\n", y - rowh / 2, width - 8, rowh
		printf "<g class=\"pkt\">\n"
		printf "<title>%s</title>\n", esc(rlabel[r])
		printf "<text x=\"10\" y=\"%d\" fill=\"#555\">%+.3f</text>\n", y + 4, rtime[r] - t0
		printf "<text x=\"74\" y=\"%d\">%s</text>\n", y + 4, esc(rlabel[r])

		# First and last hop (by time) that saw the packet.
		first = 0; last = 0
		for (h = 1; h <= nhops; h++) {
			if (!((r, h) in seen))
				continue
			if (!first || stime[r, h] < stime[r, first])
				first = h
			if (!last || stime[r, h] >= stime[r, last])
				last = h
		}
		split(rkey[r], k, " ")
		fwd = -1        # unknown
		if (first != last)
			fwd = (first < last)
		else if (k[1] == "icmp")
			fwd = (k[2] == 8)
		col = fwd == 1 ? "#1f5fbf" : fwd == 0 ? "#b5541b" : "#777"
		mk = fwd ? "ar-f" : "ar-b"
		if (first != last) {
			lo = first < last ? first : last
			hi = first < last ? last : first
			# One segment per pair of neighbouring columns: solid where
			# both ends saw the packet, dashed where one did not.
			for (h = lo; h < hi; h++) {
				a = fwd ? h : h + 1
				b = fwd ? h + 1 : h
				dash = ((r, h) in seen) && ((r, h + 1) in seen) ? "" : " stroke-dasharray=\"4 4\""
				x1 = hx(a) + (fwd ? 7 : -7)
				x2 = hx(b) + (fwd ? -8 : 8)
				printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s marker-end=\"url(#%s)\"/>\n", x1, y, x2, y, col, dash, mk
			}
		} else if (fwd >= 0) {
			# Seen at one hop only: a short arrow through it, showing
			# which way the packet was going (an echo request goes
			# left to right, a reply back); other packets seen at one
			# hop only get a plain grey dot.
			x1 = hx(first) + (fwd ? -40 : 40)
			x2 = hx(first) + (fwd ? 40 : -40)
			printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\" marker-end=\"url(#%s)\"/>\n", x1, y, x2, y, col, mk
		}
		lo = first < last ? first : last
		hi = first < last ? last : first
		for (h = lo; h <= hi; h++) {
			cx = hx(h)
			if (!((r, h) in seen))
				printf "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"#fff\" stroke=\"#888\" stroke-width=\"1.5\"><title>%s</title></circle>\n", cx, y, L("not seen in clear here", "此处看不到明文")
			else if (seen[r, h] ~ /^in:/)
				printf "<rect x=\"%d\" y=\"%d\" width=\"11\" height=\"11\" fill=\"%s\"><title>%s</title></rect>\n", cx - 5, y - 5, col, esc(L("inside ", "封装在 ") substr(seen[r, h], 4) L("", " 中"))
			else
				printf "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"%s\"><title>%s</title></circle>\n", cx, y, col, esc(sprintf(L("seen at %+.6f s", "在 %+.6f 秒看到"), stime[r, h] - t0))
		}
		print "</g>"
	}

	# Legend.
	y = top + (nrows > 0 ? nrows : 1) * rowh + 22
	printf "<g class=\"legend\" font-size=\"11\">\n"
	printf "<circle cx=\"16\" cy=\"%d\" r=\"5\" fill=\"#1f5fbf\"/><text x=\"26\" y=\"%d\">%s</text>\n", y, y + 4, L("seen in clear", "看到明文")
	printf "<rect x=\"131\" y=\"%d\" width=\"11\" height=\"11\" fill=\"#1f5fbf\"/><text x=\"148\" y=\"%d\">%s</text>\n", y - 5, y + 4, L("inside a UDP tunnel datagram", "封装在 UDP 隧道数据报中")
	printf "<circle cx=\"366\" cy=\"%d\" r=\"5\" fill=\"#fff\" stroke=\"#888\" stroke-width=\"1.5\"/><text x=\"376\" y=\"%d\">%s</text>\n", y, y + 4, L("not seen in clear", "看不到明文")
	printf "<line x1=\"510\" y1=\"%d\" x2=\"550\" y2=\"%d\" stroke=\"#1f5fbf\" stroke-width=\"2\" marker-end=\"url(#ar-f)\"/><text x=\"556\" y=\"%d\">%s</text>\n", y, y, y + 4, L("left to right", "从左到右")
	printf "<line x1=\"700\" y1=\"%d\" x2=\"660\" y2=\"%d\" stroke=\"#b5541b\" stroke-width=\"2\" marker-end=\"url(#ar-b)\"/><text x=\"706\" y=\"%d\">%s</text>\n", y, y, y + 4, L("right to left", "从右到左")
	if (hidden > 0)
		printf "<text x=\"10\" y=\"%d\" fill=\"#555\">%s</text>\n", y + 22, sprintf(L("%d more packets not shown (the first %d are)", "另有 %d 个数据包未画出（只画了前 %d 个）"), hidden, maxrows)
	print "</g>"
	print "</svg>"
}
