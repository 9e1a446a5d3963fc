# VPN lab kit - top-level build.
#
# One non-recursive make: every directory lists its programs in its own
# module.mk, and this file turns those lists into rules. Objects and
# programs land in $(BUILD): build/rel for the normal build, build/san for
# the AddressSanitizer + UndefinedBehaviorSanitizer build the checks use.
#
#   make                 build everything (release, -Werror)
#   make check           install what is missing, build both ways, run every check
#   make check-taskN     one task's check (cumulative where the tasks are)
#   make demo            the furthest stage that works, shown end to end
#   make lab-up / lab-down / shell HOST=u
#   make deps            install the Debian packages the kit needs

SAN ?= 0
# := not ?=: a BUILD left in the environment must not merge the two builds.
ifeq ($(SAN),1)
BUILD := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
OPT ?= -O1 -g
else
BUILD := build/rel
SANFLAGS :=
OPT ?= -O2 -g
endif

CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wvla -Wno-unused-parameter
CFLAGS ?=
CPPFLAGS += -Icommon -D_GNU_SOURCE
ALL_CFLAGS = -std=c17 $(OPT) $(WARN) $(SANFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS := -lssl -lcrypto -lpcap -lcrypt

LIBCOMMON := $(BUILD)/lib/libvpnlab.a
PROGRAMS :=
TESTS :=

include common/module.mk
include $(sort $(wildcard */module.mk))

# program NAME: $(NAME_SRCS) -> $(BUILD)/bin/NAME, linked with libvpnlab.
define program_rule
$(BUILD)/bin/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_SRCS)) $(LIBCOMMON)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $(LDLIBS)
endef
$(foreach p,$(sort $(PROGRAMS)),$(eval $(call program_rule,$(p))))

# test NAME: a cmocka unit test -> $(BUILD)/test/NAME.
define test_rule
$(BUILD)/test/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_SRCS)) $(LIBCOMMON)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ -lcmocka $(LDLIBS)
endef
$(foreach t,$(sort $(TESTS)),$(eval $(call test_rule,$(t))))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRCS))
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

BINS := $(addprefix $(BUILD)/bin/,$(sort $(PROGRAMS)))
UNIT := $(addprefix $(BUILD)/test/,$(sort $(TESTS)))

.DEFAULT_GOAL := all
.PHONY: all help programs unit-tests check check-build check-stress check-offload check-mutants fuzz deps demo lab-up lab-down \
        shell clean pki bench bench-scale grade handout report
all: $(LIBCOMMON) $(BINS) $(UNIT)
programs: $(BINS)
unit-tests: $(UNIT)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- set-up -------------------------------------------------------------

deps:
	@lab/deps.sh --install

# ---- checks ---------------------------------------------------------------
# Checks build twice: the release build must compile cleanly with -O2, and
# the sanitizer build is the one that runs.

check-build:
	@lab/deps.sh --need build,lab,check
	@$(MAKE) -s --no-print-directory SAN=0 all
	@$(MAKE) -s --no-print-directory SAN=1 all

check: check-build
	@tests/run.sh all

check-task%: check-build
	@tests/run.sh task$*

# The TLS VPN under attack and a reconnect storm (task10-tls/stress.sh).
check-stress: check-build
	@tests/run.sh stress
# The TLS VPN's offload extension (task10-tls/check-offload.sh, issue 12).
check-offload: check-build
	@tests/run.sh offload

check-mutants: check-build
	@tests/run.sh mutants

# libFuzzer on the parsers of network input (needs clang); FUZZ_SECONDS=60.
fuzz:
	@tests/fuzz/run.sh

# ---- the lab network ---------------------------------------------------------

LAB ?= vpnlab
HOST ?= u

lab-up:
	@lab/deps.sh --need lab
	@LAB=$(LAB) lab/lab.sh up

lab-down:
	@LAB=$(LAB) lab/lab.sh down

shell:
	@LAB=$(LAB) lab/lab.sh shell $(HOST)

demo:
	@lab/deps.sh --need build,lab,check
	@$(MAKE) -s --no-print-directory SAN=0 all
	@lab/demo.sh

clean:
	rm -rf build

help:
	@echo "VPN lab kit - make targets"
	@echo "  make                 build everything (build/rel; SAN=1: build/san with ASan+UBSan)"
	@echo "  make check           every check; ends with 'N passed, M failed'"
	@echo "  make check-taskN     task N's check and those before it (N = 1..10)"
	@echo "  make check-stress    the TLS VPN under attack and a reconnect storm (issue 14)"
	@echo "  make check-offload   the TLS VPN's offload extension, with plain peers (issue 12)"
	@echo "  make check-mutants   each check fails on programs broken on purpose"
	@echo "  make fuzz            libFuzzer on the packet and frame parsers (clang; FUZZ_SECONDS=60)"
	@echo "  make demo            the TLS VPN with two clients, and the encrypted capture"
	@echo "  make lab-up | lab-down | shell HOST=u   the lab network (LAB=name for another)"
	@echo "  make pki | bench     certificates for the TLS VPN | against OpenVPN"
	@echo "  make install | uninstall [PREFIX=/usr/local DESTDIR=...]   the TLS VPN, man pages, units"
	@echo "  make check-deploy    the TLS VPN as an admin runs it (configs, units' capabilities, status)"
	@echo "  make bench-scale     1,000 logged-in clients: server memory, CPU, RTT"
	@echo "  make grade [SUBMISSION=DIR] | grade-all SUBMISSIONS=DIR"
	@echo "  make handout | report | docker-check"
	@echo "  make deps            install the Debian packages (root)"
	@echo "Logs and captures of the last checks: out/taskN/ (tcpdump -nr, Wireshark)"
