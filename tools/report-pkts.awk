# report-pkts.awk - turns `tcpdump -tt -nn -x -r FILE` output into one
# record per packet, for the packet-flow picture (tools/report-flow.awk).
#
#   tcpdump -tt -nn -x -r FILE [BPF] | awk -v hop=N -f report-pkts.awk
#
# Output, one tab-separated line per packet:
#   TIME  HOP  KEY  HOW  LABEL
# KEY names the packet the same way at every hop, so that one packet seen
# on U's tun0, on the extranet (inside a UDP datagram) and on the intranet
# gets one key:
#   ICMP echo/reply   "icmp TYPE SRC DST ID SEQ"   (ICMP id and sequence)
#   other IPv4        "ip PROTO SRC DST IPID OFF"  (IP id, fragment offset)
#   ARP               the ARP line as tcpdump prints it
# HOW is "clear", or "in:OUTER" when the packet was found inside a UDP
# datagram (OUTER says which), the plain UDP tunnel of tasks 3-8.
# LABEL is a short human summary of the packet (the inner one if any).
#
# tcpdump -x prints each packet's bytes from the network header on (the
# link-level header is left out), 16 bytes a line, as groups of 4 hex
# digits.

function hex(s) {
	return index("0123456789abcdef", tolower(s)) - 1
}

function byte(i) {            # the i-th byte (0-based) of the packet, or -1
	return (i < nb) ? B[i] : -1
}

function u16(i) {
	return (i + 1 < nb) ? B[i] * 256 + B[i + 1] : -1
}

function ipaddr(i) {
	return B[i] "." B[i + 1] "." B[i + 2] "." B[i + 3]
}

# Decodes the IPv4 packet at offset o (length at most len). Sets K (key)
# and L (label); returns 1, or 0 when it is not a whole enough IPv4 header.
function ipv4(o, len,    ihl, tot, id, off, proto, src, dst, t, p) {
	if (len < 20 || int(byte(o) / 16) != 4)
		return 0
	ihl = (byte(o) % 16) * 4
	tot = u16(o + 2)
	if (ihl < 20 || tot < ihl)
		return 0
	id = u16(o + 4)
	off = (u16(o + 6) % 8192) * 8
	proto = byte(o + 9)
	src = ipaddr(o + 12)
	dst = ipaddr(o + 16)
	p = o + ihl
	if (proto == 1 && off == 0 && p + 8 <= nb) {
		t = byte(p)
		if (t == 8 || t == 0) {
			K = "icmp " t " " src " " dst " " u16(p + 4) " " u16(p + 6)
			L = src " > " dst ": ICMP echo " (t == 8 ? "request" : "reply") \
			    ", id " u16(p + 4) ", seq " u16(p + 6)
			return 1
		}
	}
	K = "ip " proto " " src " " dst " " id " " off
	if (off > 0 || u16(o + 6) % 16384 >= 8192)
		L = src " > " dst ": " pname(proto) " fragment, id " id ", offset " off
	else if ((proto == 6 || proto == 17) && p + 4 <= nb)
		L = src "." u16(p) " > " dst "." u16(p + 2) ": " pname(proto) \
		    ", length " (tot - ihl)
	else
		L = src " > " dst ": " pname(proto) ", length " (tot - ihl)
	return 1
}

function pname(p) {
	return p == 1 ? "ICMP" : p == 6 ? "TCP" : p == 17 ? "UDP" : "proto " p
}

function flush(    ok, okey, olab, ihl, p, plen) {
	if (summary == "")
		return
	how = "clear"
	if (summary ~ /^ARP, /) {
		K = summary
		sub(/, length [0-9]+$/, "", K)
		L = K
		ok = 1
	} else {
		ok = ipv4(0, nb)
	}
	if (!ok) {
		# Not IPv4 (IPv6, garbage): keyed by its text, which is enough
		# to tell it apart and show it.
		K = "other " summary
		L = summary
	} else if (K ~ /^ip 17 / && K !~ / [1-9][0-9]* *$/) {
		# A UDP datagram (or the first fragment of one): if its payload
		# is an IPv4 packet, that is a tunnelled packet; key it as the
		# inner packet so that it matches the hops on either side.
		okey = K
		olab = L
		ihl = (B[0] % 16) * 4
		p = ihl + 8
		if (p < nb && int(B[p] / 16) == 4 && ipv4(p, nb - p)) {
			how = "in:UDP " B[12] "." B[13] "." B[14] "." B[15] "." u16(ihl) \
			      " > " B[16] "." B[17] "." B[18] "." B[19] "." u16(ihl + 2)
		} else {
			K = okey
			L = olab
		}
	}
	gsub(/\t/, " ", L)
	printf "%s\t%s\t%s\t%s\t%s\n", time, hop, K, how, L
	summary = ""
}

# A packet's first line: "1795322369.534994 IP 1.2.3.4 > ...".
/^[0-9]+\.[0-9]+ / {
	flush()
	time = $1
	summary = substr($0, length($1) + 2)
	nb = 0
	delete B
	next
}

# Its bytes: "\t0x0010:  c0a8 3501 0800 7753 ...".
/^[ \t]+0x[0-9a-f]+:/ {
	for (i = 2; i <= NF; i++) {
		w = $i
		for (j = 1; j + 1 <= length(w); j += 2)
			B[nb++] = hex(substr(w, j, 1)) * 16 + hex(substr(w, j + 1, 1))
	}
	next
}

END {
	flush()
}
