# common/: the shared core, built into libvpnlab.a.
COMMON_SRCS := $(wildcard common/*.c)

TESTS += test-packet
test-packet_SRCS := common/tests/test_packet.c

TESTS += test-log
test-log_SRCS := common/tests/test_log.c

TESTS += test-number
test-number_SRCS := common/tests/test_number.c
