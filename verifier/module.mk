# verifier/: the pcap capture tool and the pcap verifier the checks use,
# and the generator of the golden captures their tests run on.
#
#   pcap-capture   capture NS:IF pairs into .pcap files (see --help)
#   pcap-verify    judge a .pcap file against a BPF-based rule (see --help)
#   pcap-mkgolden  write verifier/tests/pcaps/*.pcap (deterministic)

PROGRAMS += pcap-capture pcap-verify pcap-mkgolden

pcap-capture_SRCS  := verifier/capture.c
pcap-verify_SRCS   := verifier/verify.c verifier/rule.c verifier/judge.c \
                      verifier/cksum.c
pcap-mkgolden_SRCS := verifier/mkgolden.c verifier/cksum.c

# make check-verifier: the golden tests of pcap-verify on $(BUILD)/bin
# (make SAN=1 check-verifier for the sanitizer build).
.PHONY: check-verifier verifier-pcaps
check-verifier: $(BUILD)/bin/pcap-verify
	@verifier/tests/run-golden.sh $(BUILD)/bin

# make verifier-pcaps: regenerate the golden captures (then review the diff).
verifier-pcaps: $(BUILD)/bin/pcap-mkgolden
	$(BUILD)/bin/pcap-mkgolden verifier/tests/pcaps
