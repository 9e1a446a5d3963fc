#!/usr/bin/env bash
# check-task2: SEED tasks 2.a-2.d with tun-demo on Host U.
#
#   2.a  the interface exists, is a TUN, named with the chosen prefix; a
#        second program asking for the same name is refused and says so
#   2.b  it has 192.168.53.99/24 and is up (set by the program, over netlink);
#        --addr with /20 gives a /20
#   2.c  with no traffic the reader waits (no CPU); pinging 192.168.53.1
#        prints the requests; pinging 192.168.60.5 prints nothing (that
#        route does not go through the TUN); SIGTERM ends it with status 0,
#        the interface deleted under it with status 1
#   2.d  with --respond, ping gets replies (to an odd-sized request too)
#        whose checksums are correct and that are exactly as long as they say; with --garbage, the kernel
#        drops what is written and nothing crashes
. "$(dirname "$0")/../lab/check.sh"
check_begin task2
need_tool ping iputils-ping || check_end
need_prog "$BIN/tun-demo" || check_end

PREFIX=seed
IF=${PREFIX}0
tun_ready() { grep -q "^Address: " "$OUT/$1.log"; }

# ---- 2.a-2.c: the reader -----------------------------------------------------
lab_bg u reader "$BIN/tun-demo" --name "$PREFIX" --addr "$TUN_U"/24
if ! wait_for "tun-demo to set up $IF" 5 tun_ready reader; then
	fail "2.a/2.b: tun-demo did not make $IF with its address, up (no 'Address:' line within 5 s): $(tail -2 "$OUT/reader.log" | tr '\n' ' ')"
	check_end
fi
# A reader that stops right after its set-up (its read loop not written, or
# failing) takes the interface with it: that is the first cause of what
# fails below, so it is said first and the rest of 2.a-2.c reads SKIP.
sleep 0.3
if bg_exit_note reader; then
	fail "2.c: tun-demo must go on reading $IF after setting it up, but it stopped: $EXIT_NOTE"
	CHECK_SKIP="tun-demo stopped right after its set-up"
fi
expect_grep "2.a: the program names its interface" "^Interface Name: $IF\$" "$OUT/reader.log"
lab_exec u ip -o -d link show "$IF" >"$OUT/link.txt" 2>&1
expect_grep "2.a: $IF exists on U, with the prefix '$PREFIX'" "^[0-9]+: $IF: " "$OUT/link.txt"
# The kernel's word on what the device is (a TAP would carry Ethernet).
expect_grep "2.a: $IF is a TUN device (IFF_TUN), not a TAP" " tun type tun " "$OUT/link.txt"
expect_grep "2.b: $IF is up" "<[^>]*,UP[,>]" "$OUT/link.txt"
lab_exec u ip -o -4 addr show dev "$IF" >"$OUT/addr.txt" 2>&1
expect_grep "2.b: $IF has $TUN_U/24" "inet $(re "$TUN_U")/24" "$OUT/addr.txt"

# The name is taken: the kernel refuses TUNSETIFF (EBUSY), and the program
# must say so and stop, not go on with a descriptor that is no interface.
lab_exec u timeout 5 "$BIN/tun-demo" --name "$IF" >"$OUT/taken.log" 2>&1
st=$?
if [ "$st" = 1 ] && ! grep -q '^Interface Name:' "$OUT/taken.log" && [ -s "$OUT/taken.log" ]; then
	pass "2.a: a second tun-demo --name $IF, while $IF is in use, is refused: exit 1, with a message (\"$(head -1 "$OUT/taken.log" | cut -c1-80)\")"
else
	fail "2.a: a second tun-demo --name $IF, while $IF is in use (the kernel refuses it: busy), must exit 1 with a message and print no 'Interface Name:'; it $([ "$st" = 124 ] && echo "was still running after 5 s" || echo "exited $st"), saying: $(head -2 "$OUT/taken.log" | tr '\n' ' ' | cut -c1-160)"
fi
expect_idle_cpu "2.c: with no traffic the reader waits in read()" reader

capture_start read u:"$IF" || check_end
lab_exec u ping -c 3 -i 0.2 -W 1 "$TUN_PEER" >"$OUT/ping-53.log" 2>&1
lab_exec u ping -c 2 -i 0.2 -W 1 "$V" >"$OUT/ping-60.log" 2>&1
capture_stop read
lab_stop reader
# The contract: SIGTERM (or ^C) ends it with status 0 (a read() that the
# signal interrupts is not an error).
if [ "$(cat "$OUT/reader.status" 2>/dev/null)" = "exit 0" ]; then
	pass "2.c: tun-demo ends with status 0 on SIGTERM"
else
	fail "2.c: tun-demo should end with status 0 on SIGTERM, it ended with $(cat "$OUT/reader.status" 2>/dev/null || echo '?'): $(tail -1 "$OUT/reader.log")"
fi

expect_pcap "$OUT/read-u-$IF.pcap" --at-least 3 \
	"icmp[icmptype]=icmp-echo and src $TUN_U and dst $TUN_PEER" \
	"2.c: ping $TUN_PEER sends echo requests into $IF"
n=$(grep -c "IP $TUN_U > $TUN_PEER: ICMP echo request" "$OUT/reader.log")
if [ "$n" -ge 3 ]; then
	pass "2.c: tun-demo printed the $n echo requests it read"
else
	fail "2.c: tun-demo printed $n echo request lines, expected 3 (see ${OUT#"$ROOT"/}/reader.log)"
fi
# U has no route to 192.168.60.0/24 at all (as in SEED's lab network), so
# those packets never reach the TUN: the kernel refuses them at once.
expect_grep "2.c: ping $V fails before any packet leaves U" \
	"Network is unreachable" "$OUT/ping-60.log"
expect_pcap "$OUT/read-u-$IF.pcap" --none "dst net $INTRANET" \
	"2.c: nothing for $V goes into $IF"
expect_no_grep "2.c: tun-demo printed nothing for $V" '> 192\.168\.60\.' "$OUT/reader.log"

CHECK_SKIP=
# ---- 2.d: the responder ------------------------------------------------------
# -v: the responder says why a request got no reply (the contract).
lab_bg u responder "$BIN/tun-demo" --name "$PREFIX" --addr "$TUN_U"/24 --respond -v
if wait_for "the responder to set up $IF" 5 tun_ready responder; then
	capture_start echo u:"$IF" || check_end
	lab_exec u ping -c 3 -i 0.2 -W 1 -p 5345454456504e -s 100 "$TUN_PEER" >"$OUT/ping-echo.log" 2>&1
	# An ICMP message of odd length (8 + 57 bytes): its checksum covers a
	# last byte that is half a 16-bit word.
	lab_exec u ping -c 2 -i 0.2 -W 1 -s 57 "$TUN_PEER" >"$OUT/ping-odd.log" 2>&1
	capture_stop echo
	if grep -q ' 3 received' "$OUT/ping-echo.log"; then
		crit pass "2.d: ping gets 3 replies from the responder ($(grep -o '[0-9]* received' "$OUT/ping-echo.log"))"
	else
		# What the responder said about the requests it could not answer
		# is the first cause (a reply builder not written, or refusing).
		crit fail "2.d: ping gets 3 replies from the responder: $(grep -o '[0-9]* received' "$OUT/ping-echo.log" || echo 'no ping summary'); the responder's last words: $(grep -v '^IP \|^Interface Name\|^Address' "$OUT/responder.log" | tail -2 | tr '\n' ' ' | cut -c1-240)"
	fi
	# ping compares each reply's data with what it sent: only with replies
	# is there anything to judge.
	if grep -q ' [1-9][0-9]* received' "$OUT/ping-echo.log"; then
		expect_no_grep "2.d: the replies echo the request's data, once each" \
			'wrong data|BAD CHECKSUM|DUP!|truncated' "$OUT/ping-echo.log"
	else
		skip "ping got no reply" "2.d: the replies echo the request's data, once each"
	fi
	expect_pcap "$OUT/echo-u-$IF.pcap" --at-least 3 \
		"icmp[icmptype]=icmp-echoreply and src $TUN_PEER and dst $TUN_U" \
		"2.d: echo replies are written into $IF"
	expect_pcap "$OUT/echo-u-$IF.pcap" --checksums-ok 'icmp[icmptype]=icmp-echoreply' \
		"2.d: every reply has correct IP and ICMP checksums"
	# (replies to the odd-sized pings: 85 bytes; the capture judges them
	# above, ping here: a bad ICMP checksum is dropped by U's kernel)
	expect_pcap "$OUT/echo-u-$IF.pcap" --at-least 2 \
		"icmp[icmptype]=icmp-echoreply and ip[2:2] = 85" \
		"2.d: an odd-sized request (ping -s 57: 65 bytes of ICMP) is answered too"
	expect_grep "2.d: ... and ping takes those replies (the ICMP checksum covers the odd last byte)" ' 2 received' "$OUT/ping-odd.log"
	# What is written is the reply and nothing after it (the kernel would
	# cut a longer write to the IPv4 total length; the capture sees it whole).
	expect_pcap "$OUT/echo-u-$IF.pcap" --none 'ip and len != ip[2:2]' \
		"2.d: each packet in $IF is exactly as long as its IPv4 total length (no bytes written after the reply)"
	expect_alive "2.d: the responder is still running" responder
else
	fail "2.d: tun-demo --respond did not set up $IF: $(tail -2 "$OUT/responder.log" | tr '\n' ' ')"
fi
lab_stop responder

# ---- 2.b: a prefix length other than /24 --------------------------------------
# --addr A/LEN is the address and its prefix length, whatever LEN is: a /20
# gives U the route to 192.168.48.0/20 through the TUN.
lab_bg u prefix "$BIN/tun-demo" --name "$PREFIX" --addr "$TUN_U"/20
if wait_for "tun-demo --addr $TUN_U/20 to set up $IF" 5 tun_ready prefix; then
	lab_exec u ip -o -4 addr show dev "$IF" >"$OUT/addr20.txt" 2>&1
	expect_grep "2.b: --addr $TUN_U/20 gives $IF $TUN_U/20 (the prefix length as given)" "inet $(re "$TUN_U")/20 " "$OUT/addr20.txt"
else
	fail "2.b: tun-demo --addr $TUN_U/20 did not set up $IF: $(tail -2 "$OUT/prefix.log" | tr '\n' ' ')"
fi
lab_stop prefix

# ---- 2.d: arbitrary bytes ------------------------------------------------------
lab_bg u garbage "$BIN/tun-demo" --name "$PREFIX" --addr "$TUN_U"/24 --garbage
if wait_for "the garbage writer to set up $IF" 5 tun_ready garbage; then
	before=$(lab_exec u cat "/sys/class/net/$IF/statistics/rx_dropped" 2>>"$OUT/cat.err")
	lab_exec u ping -c 3 -i 0.2 -W 1 "$TUN_PEER" >"$OUT/ping-garbage.log" 2>&1
	after=$(lab_exec u cat "/sys/class/net/$IF/statistics/rx_dropped" 2>>"$OUT/cat.err")
	expect_grep "2.d: arbitrary bytes get no reply" " 0 received" "$OUT/ping-garbage.log"
	if [ "$((after - before))" -ge 3 ]; then
		pass "2.d: the kernel dropped the $((after - before)) non-IP writes (rx_dropped $before -> $after)"
	else
		fail "2.d: expected the kernel to drop 3 non-IP writes, rx_dropped went $before -> $after"
	fi
	expect_alive "2.d: the garbage writer is still running" garbage
	# The device taken away under the program: read() fails (EBADFD), and
	# the contract says exit 1, not a loop that retries forever.
	lab_exec u ip link del "$IF" >>"$OUT/lab-cmd.log" 2>&1
	if wait_for "tun-demo to notice $IF is gone" 3 sh -c "! kill -0 ${BG_PID[garbage]:-0} 2>/dev/null"; then
		lab_stop garbage
		if [ "$(cat "$OUT/garbage.status")" = "exit 1" ] && tail -3 "$OUT/garbage.log" | grep -q "$IF"; then
			pass "2.c: when $IF is deleted, the read fails and tun-demo exits 1, saying so (\"$(tail -1 "$OUT/garbage.log" | cut -c1-80)\")"
		else
			fail "2.c: when $IF is deleted, tun-demo must exit 1 with a message naming $IF; it ended with $(cat "$OUT/garbage.status"): $(tail -1 "$OUT/garbage.log" | cut -c1-120)"
		fi
	else
		fail "2.c: tun-demo went on running for 3 s after $IF was deleted (a failed read is an error, not a retry): $(tail -1 "$OUT/garbage.log" | cut -c1-120)"
	fi
else
	fail "2.d: tun-demo --garbage did not set up $IF: $(tail -2 "$OUT/garbage.log" | tr '\n' ' ')"
fi
check_end
