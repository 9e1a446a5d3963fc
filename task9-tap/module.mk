# task9-tap/: SEED task 9, TAP mode: Ethernet frames and spoofed ARP replies.
#   tap-arp        TAP tap0 192.168.53.99/24; prints frames, answers ARP
#   frame-inject   sends hand-made frames out of an interface (bad input)
PROGRAMS += tap-arp frame-inject
tap-arp_SRCS      := task9-tap/tap-arp.c
frame-inject_SRCS := task9-tap/frame-inject.c
