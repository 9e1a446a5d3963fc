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
# tap-arp waits in read() (or poll/select) for frames; a non-blocking read
# in a loop spins.
expect_idle_cpu "9: idle, tap-arp waits for frames" tap

capture_start t u:tap0 || check_end
lab_exec u arping -c 3 -w 4 -I tap0 192.168.53.33 >"$OUT/arping.log" 2>&1
lab_exec u ping -c 2 -i 0.2 -W 1 192.168.53.77 >"$OUT/ping.log" 2>&1
capture_stop t
P=$OUT/t-u-tap0.pcap

n=$(grep -ciE "reply from 192\.168\.53\.33 \[$FAKE\]" "$OUT/arping.log")
if [ "$n" -ge 3 ]; then
	crit pass "9: arping -I tap0 192.168.53.33 gets $n replies from $FAKE"
else
	crit fail "9: arping -I tap0 192.168.53.33 got $n replies from $FAKE, expected 3: $(tail -2 "$OUT/arping.log" | tr '\n' ' ')"
fi
expect_pcap "$P" --at-least 3 "arp[6:2]=1 and arp[24:4]=0x$(ip_hex 192.168.53.33) and ether src $TAPMAC" \
	"9: the kernel's ARP requests for 192.168.53.33 go into tap0"
crit expect_pcap "$P" --at-least 3 "arp[6:2]=2 and ether src $FAKE and ether dst $TAPMAC and arp[8:4]=0xaabbccdd and arp[12:2]=0xeeff and arp[14:4]=0x$(ip_hex 192.168.53.33) and arp[24:4]=0x$(ip_hex $TUN_U)" \
	"9: tap-arp writes ARP replies '192.168.53.33 is-at $FAKE' addressed to the asker"
expect_pcap "$P" --at-least 1 "arp[6:2]=2 and arp[14:4]=0x$(ip_hex 192.168.53.77)" \
	"9: any address gets an answer: the ping's ARP for 192.168.53.77 too"
expect_pcap "$P" --at-least 2 "icmp[icmptype]=icmp-echo and dst 192.168.53.77 and ether dst $FAKE" \
	"9: the kernel believes it: echo requests to 192.168.53.77 go to the fake MAC"
expect_grep "9: tap-arp prints the ARP request frames" "^Frame: .*ARP, Request who-has 192\.168\.53\.33 tell $(re "$TUN_U")" "$OUT/tap.log"
expect_grep "9: tap-arp prints the other frames (the ping)" "^Frame: .*> $FAKE, IP $(re "$TUN_U") > 192\.168\.53\.77: ICMP echo request" "$OUT/tap.log"
expect_grep "9: tap-arp says what it answered" "^Spoofed ARP reply: 192\.168\.53\.33 is-at $FAKE" "$OUT/tap.log"

# ---- other askers, bad frames, what is not a question ------------------------
# Frames from made-up MACs, broadcast, so tap-arp reads them, in this order:
#   M2 a well-formed request for .46: answered, once, to M2
#   M1 a request cut off after 4 bytes of ARP, M3 one cut off after the
#      sender's address (18 bytes): logged, not answered. (A program that
#      takes 28 bytes for granted answers them from what its buffer held.)
#   M4 an ARP for hardware type 6 (IEEE 802): logged, not answered
#   M5 an ARP reply (op 2), M6 a gratuitous request (sender = target
#      address): not questions, not answered
M1=020000000001 M2=020000000002 M3=020000000003 M4=020000000004 M5=020000000005 M6=020000000006
mac() { echo "$1" | sed -E 's/(..)(..)(..)(..)(..)(..)/\1:\2:\3:\4:\5:\6/'; }
REQ=0001080006040001          # Ethernet, IPv4, 6, 4, op 1
capture_start bad u:tap0 || check_end
lab_exec u "$KIT_BIN/frame-inject" tap0 \
	"ffffffffffff${M2}0806${REQ}${M2}$(ip_hex 192.168.53.98)000000000000$(ip_hex 192.168.53.46)" \
	"ffffffffffff${M1}080600010800" \
	"ffffffffffff${M3}0806${REQ}${M3}$(ip_hex 192.168.53.98)" \
	"ffffffffffff${M4}08060006080006040001${M4}$(ip_hex "$TUN_U")000000000000$(ip_hex 192.168.53.44)" \
	"ffffffffffff${M5}08060001080006040002${M5}$(ip_hex 192.168.53.97)000000000000$(ip_hex "$TUN_U")" \
	"ffffffffffff${M6}0806${REQ}${M6}$(ip_hex 192.168.53.96)000000000000$(ip_hex 192.168.53.96)" \
	>"$OUT/inject.log" 2>&1
sleep 0.3
capture_stop bad
B=$OUT/bad-u-tap0.pcap
# From the wire, not only from the program's own words (arp[6:2]=2 is a reply).
expect_pcap "$B" --exactly 1 "arp[6:2]=2 and ether src $FAKE and ether dst $(mac $M2) and arp[8:4]=0xaabbccdd and arp[12:2]=0xeeff and arp[14:4]=0x$(ip_hex 192.168.53.46) and arp[18:4]=0x${M2:0:8} and arp[22:2]=0x${M2:8:4} and arp[24:4]=0x$(ip_hex 192.168.53.98)" \
	"another asker: $(mac $M2)'s request for 192.168.53.46 is answered to $(mac $M2), once"
expect_pcap "$B" --none "arp[6:2]=2 and (ether dst $(mac $M1) or ether dst $(mac $M3) or ether dst $(mac $M4))" \
	"bad input: no ARP reply to the senders of the truncated and the non-Ethernet frames"
expect_pcap "$B" --none "arp[6:2]=2 and ether dst $(mac $M5)" \
	"not a question: an ARP reply (op 2) is not answered"
expect_pcap "$B" --none "arp[6:2]=2 and ether dst $(mac $M6)" \
	"not a question: a gratuitous ARP (sender address = target address) is not answered"
# The log lines: on stderr (not the "Frame:" lines, which print every
# frame), naming the sender's MAC and a key word of the reason; the rest of
# the wording is the program's.
NOTFRAME='^([^F]|F[^r]|Fr[^a]|Fra[^m]|Fram[^e])'
expect_grep "bad input: the frame cut off after 4 bytes of ARP is logged with its sender and why" \
	"$NOTFRAME.*$(mac $M1).*([Tt]runcat|[Ss]hort|[Ll]ength|bytes)" "$OUT/tap.log"
expect_grep "bad input: the frame cut off after 18 bytes of ARP is logged with its sender and why" \
	"$NOTFRAME.*$(mac $M3).*([Tt]runcat|[Ss]hort|[Ll]ength|bytes)" "$OUT/tap.log"
expect_grep "bad input: the non-Ethernet ARP is logged with its sender and why" \
	"$NOTFRAME.*$(mac $M4).*([Hh]ardware|type 6|Ethernet|802)" "$OUT/tap.log"
expect_no_grep "bad input: no reply claims 192.168.53.44" 'Spoofed ARP reply: 192\.168\.53\.44' "$OUT/tap.log"
expect_alive "bad input: tap-arp is still running" tap
lab_exec u ip neigh flush dev tap0 >>"$OUT/lab-cmd.log" 2>&1
lab_exec u arping -c 1 -w 2 -I tap0 192.168.53.35 >"$OUT/arping-after.log" 2>&1
expect_grep "bad input: ... and still answers" "reply from 192\.168\.53\.35 \[$(echo "$FAKE" | tr a-f A-F)\]" "$OUT/arping-after.log"

# ---- the options: another name, address and fake MAC --------------------------
lab_stop tap
FAKE2=02:aa:bb:cc:dd:01
lab_bg u tap2 "$BIN/tap-arp" --name tapx7 --tap-addr 192.168.54.9/24 --fake-mac "$FAKE2"
if wait_for "tap-arp --name tapx7 to bring up tapx7" 5 has_addr u tapx7 192.168.54.9; then
	pass "options: --name tapx7 --tap-addr 192.168.54.9/24 bring up tapx7 with that address"
	capture_start opt u:tapx7 || check_end
	lab_exec u arping -c 1 -w 2 -I tapx7 192.168.54.33 >"$OUT/arping-options.log" 2>&1
	capture_stop opt
	expect_grep "options: ... and with --fake-mac $FAKE2 arping gets its reply from that MAC" \
		"reply from 192\.168\.54\.33 \[$(echo "$FAKE2" | tr a-f A-F)\]" "$OUT/arping-options.log"
	# arping reads the MAC in the ARP body; the frame's own source is
	# the fake MAC too (a switch learns that one).
	expect_pcap "$OUT/opt-u-tapx7.pcap" --at-least 1 "arp[6:2]=2 and ether src $FAKE2" \
		"options: ... the reply's Ethernet source is $FAKE2 too"
	expect_pcap "$OUT/opt-u-tapx7.pcap" --none "arp[6:2]=2 and not ether src $FAKE2" \
		"options: ... and no reply comes from another MAC (the default $FAKE)"
else
	fail "options: tap-arp --name tapx7 --tap-addr 192.168.54.9/24 did not bring up tapx7 with 192.168.54.9: $(lab_exec u ip -o -4 addr show 2>&1 | grep -v ' lo ' | tr -s ' \n' ' ' | cut -c1-200)"
	skip "tapx7 did not come up" "options: ... and with --fake-mac $FAKE2 arping gets its reply from that MAC"
	skip "tapx7 did not come up" "options: ... the reply's Ethernet source is $FAKE2 too"
	skip "tapx7 did not come up" "options: ... and no reply comes from another MAC (the default $FAKE)"
fi
lab_stop tap2
check_end
