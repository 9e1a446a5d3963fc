# task2-tun: the TUN reader and fake ICMP echo responder (SEED 2.a-2.d).
PROGRAMS += tun-demo
tun-demo_SRCS := task2-tun/tun_demo.c task2-tun/echo.c

TESTS += test-echo
test-echo_SRCS := task2-tun/test_echo.c task2-tun/echo.c
