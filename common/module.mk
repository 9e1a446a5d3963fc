# common/: the shared core, built into libvpnlab.a.
COMMON_SRCS := $(wildcard common/*.c)
