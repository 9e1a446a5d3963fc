#!/usr/bin/env bash
# check-task9: SEED task 9, TAP mode.
#
#   U: tap-arp, TAP tap0 192.168.53.99/24, fake MAC aa:bb:cc:dd:ee:ff
#
#   arping -I tap0 192.168.53.33   -> the kernel broadcasts ARP requests
#                                     into tap0; tap-arp reads them as
#                                     Ethernet frames, prints them, and
#                                     writes back "192.168.53.33 is-at
#                                     aa:bb:cc:dd:ee:ff"; arping gets replies
#   ping 192.168.53.77             -> after the spoofed reply, the echo
#                                     requests are sent to the fake MAC
#   bad frames (frame-inject)      -> a truncated ARP, a non-Ethernet ARP:
#                                     logged, not answered, still running
. "$(dirname "$0")/../lab/check.sh"
. "$(dirname "$0")/../lab/check-tunnel.sh"
check_begin task9
need_tool arping iputils-arping || check_end
need_tool ping iputils-ping || check_end
need_prog "$BIN/tap-arp" || check_end
need_prog "$KIT_BIN/frame-inject" || check_end
FAKE=aa:bb:cc:dd:ee:ff

lab_bg u tap "$BIN/tap-arp" --fake-mac "$FAKE"
if ! wait_for "tap-arp to bring up tap0" 5 has_addr u tap0 "$TUN_U"; then
	fail "tap-arp did not bring up tap0 with $TUN_U within 5 s: $(tail -2 "$OUT/tap.log" | tr '\n' ' ')"
	check_end
fi
lab_exec u ip -o link show tap0 >"$OUT/link.txt" 2>&1
expect_grep "9: tap0 is an Ethernet (TAP) interface, up" 'link/ether .*' "$OUT/link.txt"
TAPMAC=$(lab_exec u cat /sys/class/net/tap0/address 2>>"$OUT/cat.err")

capture_start t u:tap0 || check_end
lab_exec u arping -c 3 -w 4 -I tap0 192.168.53.33 >"$OUT/arping.log" 2>&1
lab_exec u ping -c 2 -i 0.2 -W 1 192.168.53.77 >"$OUT/ping.log" 2>&1
capture_stop t
P=$OUT/t-u-tap0.pcap

n=$(grep -ciE "reply from 192\.168\.53\.33 \[$FAKE\]" "$OUT/arping.log")
if [ "$n" -ge 3 ]; then
	pass "9: arping -I tap0 192.168.53.33 gets $n replies from $FAKE"
else
	fail "9: arping -I tap0 192.168.53.33 got $n replies from $FAKE, expected 3: $(tail -2 "$OUT/arping.log" | tr '\n' ' ')"
fi
expect_pcap "$P" --at-least 3 "arp[6:2]=1 and arp[24:4]=0x$(ip_hex 192.168.53.33) and ether src $TAPMAC" \
	"9: the kernel's ARP requests for 192.168.53.33 go into tap0"
expect_pcap "$P" --at-least 3 "arp[6:2]=2 and ether src $FAKE and ether dst $TAPMAC and arp[8:4]=0xaabbccdd and arp[12:2]=0xeeff and arp[14:4]=0x$(ip_hex 192.168.53.33) and arp[24:4]=0x$(ip_hex $TUN_U)" \
	"9: tap-arp writes ARP replies '192.168.53.33 is-at $FAKE' addressed to the asker"
expect_pcap "$P" --at-least 1 "arp[6:2]=2 and arp[14:4]=0x$(ip_hex 192.168.53.77)" \
	"9: any address gets an answer: the ping's ARP for 192.168.53.77 too"
expect_pcap "$P" --at-least 2 "icmp[icmptype]=icmp-echo and dst 192.168.53.77 and ether dst $FAKE" \
	"9: the kernel believes it: echo requests to 192.168.53.77 go to the fake MAC"
expect_grep "9: tap-arp prints the ARP request frames" "^Frame: .*ARP, Request who-has 192\.168\.53\.33 tell $(re "$TUN_U")" "$OUT/tap.log"
expect_grep "9: tap-arp prints the other frames (the ping)" "^Frame: .*> $FAKE, IP $(re "$TUN_U") > 192\.168\.53\.77: ICMP echo request" "$OUT/tap.log"
expect_grep "9: tap-arp says what it answered" "^Spoofed ARP reply: 192\.168\.53\.33 is-at $FAKE" "$OUT/tap.log"

# ---- bad frames ------------------------------------------------------------------
# A request cut off after 4 bytes of ARP; an ARP for hardware type 6 (IEEE
# 802); both from a made-up MAC, broadcast, so tap-arp reads them.
SRCMAC=020000000001
capture_start bad u:tap0 || check_end
lab_exec u "$KIT_BIN/frame-inject" tap0 \
	ffffffffffff${SRCMAC}080600010800 \
	"ffffffffffff${SRCMAC}08060006080006040001${SRCMAC}$(ip_hex "$TUN_U")000000000000$(ip_hex 192.168.53.44)" \
	>"$OUT/inject.log" 2>&1
sleep 0.3
capture_stop bad
# From the wire, not only from the program's own words: no ARP reply at all
# went out for the bad frames (arp[6:2]=2 is a reply).
expect_pcap "$OUT/bad-u-tap0.pcap" --none 'arp and arp[6:2]=2' \
	"bad input: no ARP reply is written for the bad frames"
expect_grep "bad input: a truncated ARP frame is logged, not answered" 'ARP frame from 02:00:00:00:00:01 not answered: truncated' "$OUT/tap.log"
expect_grep "bad input: a non-Ethernet ARP is logged, not answered" 'ARP frame from 02:00:00:00:00:01 not answered: ARP for hardware type 6' "$OUT/tap.log"
expect_no_grep "bad input: no reply claims 192.168.53.44" 'Spoofed ARP reply: 192\.168\.53\.44' "$OUT/tap.log"
expect_alive "bad input: tap-arp is still running" tap
lab_exec u ip neigh flush dev tap0
lab_exec u arping -c 1 -w 2 -I tap0 192.168.53.35 >"$OUT/arping-after.log" 2>&1
expect_grep "bad input: ... and still answers" "reply from 192\.168\.53\.35 \[$(echo "$FAKE" | tr a-f A-F)\]" "$OUT/arping-after.log"
check_end
