# task3-udp-tunnel/: SEED tasks 3 and 4, the one-way UDP tunnel.
#   tun-client   TUN 192.168.53.99/24 on U, each packet -> server:9090
#   tun-server   UDP 9090 on the server, prints and writes into its TUN
#   udp-inject   sends hand-made datagrams (the checks' bad-input tests)
PROGRAMS += tun-client tun-server udp-inject
tun-client_SRCS := task3-udp-tunnel/tun-client.c
tun-server_SRCS := task3-udp-tunnel/tun-server.c
udp-inject_SRCS := task3-udp-tunnel/udp-inject.c
