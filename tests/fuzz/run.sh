#!/usr/bin/env bash
# run.sh - `make fuzz`: libFuzzer on the parsers that read what the network
# sends (common/packet.c; the TLS VPN's framing, AUTH, CONFIG and CONFIG6;
# the offload extension's GSO frame and virtio_net_hdr, common/vnet.c; the
# PROXY v2 header a balancer sends before TLS, task10-tls/proxyproto.c), with
# AddressSanitizer and UndefinedBehaviorSanitizer. Each target runs for
# FUZZ_SECONDS (default 60); its corpus is kept in build/fuzz/ between runs.
# A crash leaves its input as build/fuzz/crash-* (replay: the target with
# that file as its argument).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
SECS=${FUZZ_SECONDS:-60}
CC_FUZZ=${CC_FUZZ:-clang}
OUTD=build/fuzz
npass=0 nfail=0

if ! command -v "$CC_FUZZ" >/dev/null; then
	echo "FAIL fuzz: cannot run: $CC_FUZZ (with libFuzzer) is missing; install it with: sudo apt-get install --no-install-recommends clang"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
mkdir -p "$OUTD"
# shellcheck disable=SC2054 # -fsanitize takes a comma list
FLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -D_GNU_SOURCE -std=c17 -Icommon -Itask10-tls)
declare -A SRCS=(
	[packet]="tests/fuzz/fuzz_packet.c common/packet.c common/log.c common/logdest.c"
	[frame]="tests/fuzz/fuzz_frame.c task10-tls/frame.c task10-tls/authmsg.c task10-tls/configmsg.c task10-tls/config6msg.c common/log.c common/logdest.c common/packet.c"
	[offload]="tests/fuzz/fuzz_offload.c task10-tls/offload.c task10-tls/frame.c common/vnet.c common/log.c common/logdest.c common/packet.c"
	[proxyproto]="tests/fuzz/fuzz_proxyproto.c task10-tls/proxyproto.c"
)
for t in packet frame offload proxyproto; do
	# shellcheck disable=SC2086
	if ! "$CC_FUZZ" "${FLAGS[@]}" -o "$OUTD/fuzz-$t" ${SRCS[$t]} -lcrypto >"$OUTD/build-$t.log" 2>&1; then
		echo "FAIL fuzz/$t: does not build: $(grep -m1 error "$OUTD/build-$t.log")"
		nfail=$((nfail + 1))
		continue
	fi
	mkdir -p "$OUTD/corpus-$t"
	# Seeds a target may have (tests/fuzz/seeds/NAME: valid inputs the
	# fuzzer would need long to find) are read as a second corpus.
	seeds=()
	[ -d "tests/fuzz/seeds/$t" ] && seeds=("tests/fuzz/seeds/$t")
	"$OUTD/fuzz-$t" -max_total_time="$SECS" -artifact_prefix="$OUTD/" \
		"$OUTD/corpus-$t" "${seeds[@]}" >"$OUTD/run-$t.log" 2>&1
	st=$?
	runs=$(grep -oE 'Done [0-9]+ runs' "$OUTD/run-$t.log" | tail -1)
	if [ $st = 0 ] && [ -n "$runs" ]; then
		echo "PASS fuzz/$t: ${runs#Done } in ${SECS}s, no crash ($(find "$OUTD/corpus-$t" -type f | wc -l) inputs in the corpus)"
		npass=$((npass + 1))
	else
		# shellcheck disable=SC2012 # the newest crash file: names are libFuzzer's hex
		echo "FAIL fuzz/$t: exit $st: $(grep -m1 -E 'ERROR|runtime error|deadly signal' "$OUTD/run-$t.log"); input: $(ls -t "$OUTD"/crash-* 2>/dev/null | head -1)"
		nfail=$((nfail + 1))
	fi
done
echo "fuzz: $npass passed, $nfail failed"
[ $nfail = 0 ]
