# task5-bidirectional/: SEED tasks 5-7, the tunnel in both directions.
#   vpn-client   TUN 192.168.53.99/24 on U <-> UDP to the server
#   vpn-server   UDP 9090 <-> TUN 192.168.53.11/24, learns the client
PROGRAMS += vpn-client vpn-server
vpn-client_SRCS := task5-bidirectional/vpn-client.c task5-bidirectional/relay.c
vpn-server_SRCS := task5-bidirectional/vpn-server.c task5-bidirectional/relay.c
