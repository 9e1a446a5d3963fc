# topology.sh - the lab's plan, as data: every host, link, route and named
# address of the lab is written here once. Sourced (bash) by lab/lab.sh,
# which builds the namespaces by looping over it, by every check, by
# docker/lab-docker.sh and docker/check.sh (which asserts the compose file
# agrees) and by tools/report.sh. It defines variables only.
#
#   Host U   10.9.0.5  --+                               +-- 192.168.60.5  Host V
#   Host U2  10.9.0.6  --+-- br-ext          br-int    --+-- 192.168.60.6  Host V2
#   Host U3  10.9.0.7  --+   10.9.0.0/24     192.168.60.0/24 -- 192.168.60.7 Host V3
#                           |                     |
#               eth0 10.9.0.11  [ server ]  eth1 192.168.60.11
#
#   --private (SEED's container lab task 8, two private networks):
#   client-router eth0 10.9.0.12 (br-ext), eth1 192.168.50.12 (br-priv)
#   Host P5 192.168.50.5, Host P6 192.168.50.6 on br-priv (192.168.50.0/24)
#
# The C programs keep SEED's literal defaults (they are the task
# contracts); tests/topology.sh asserts they equal these values.
# To add a host: one line in LAB_LINKS (and LAB_HOSTS_*, LAB_ROUTES if it
# routes, LAB_DOCKER_NAME for the compose file). See docs/design.md.
# shellcheck shell=bash disable=SC2034

# ---- named addresses ---------------------------------------------------------
U=10.9.0.5
U2=10.9.0.6
U3=10.9.0.7
SERVER_EXT=10.9.0.11            # the VPN server on the extranet
SERVER_INT=192.168.60.11        # ... and on the intranet (V's gateway)
V=192.168.60.5
V2=192.168.60.6
V3=192.168.60.7
EXTRANET=10.9.0.0/24
INTRANET=192.168.60.0/24

CROUTER_EXT=10.9.0.12           # --private: the client's router
CROUTER_PRIV=192.168.50.12
P5=192.168.50.5
P6=192.168.50.6
PRIVNET=192.168.50.0/24

# The plain tunnel (tasks 2-9): SEED's 192.168.53.0/24.
TUNNET=192.168.53.0/24
TUN_PLEN=24
TUN_U=192.168.53.99             # the client's TUN address
TUN_SERVER=192.168.53.11        # the server's TUN address (tasks 3-8)
TUN_PEER=192.168.53.1           # task 2: a made-up peer on the TUN's network
UDP_PORT=9090                   # the tunnel's UDP port
TASK8_TUNNET=192.168.30.0/24    # task 8 (a): the client's TUN moved here
TASK8_TUN_U=192.168.30.99

# The TLS VPN (task 10).
TLS_PORT=4433
TLS_NAME=vpnlabserver.com       # the server's name in its certificate
TLS_POOL=192.168.53.0/24
TLS_TUN_SERVER=192.168.53.1     # the pool's first address: the server's
# IPv6 inside the TLS tunnel (minivpn-server --pool6/--route6). A client's
# v6 address is the pool6 prefix plus the host offset of its v4 address
# (192.168.53.23 -> fd00:53::17). Off in the lab by default (lab.sh);
# lab/check.sh's lab_ipv6_up turns it on for the check that needs it.
TLS_POOL6=fd00:53::/64
TLS_TUN_SERVER6=fd00:53::1      # the pool6's first address: the server's
INTRANET6=fd00:60::/64
SERVER_INT6=fd00:60::11         # the server on the intranet (V's v6 gateway)
V6=fd00:60::5

LINE_PORT=23                    # V's telnet-like line service

# ---- hosts, bridges, links ---------------------------------------------------
# Each host is a network namespace $LAB-HOST; the bridges live in $LAB-sw.
LAB_HOSTS_BASE="u u2 u3 server v v2 v3"
LAB_HOSTS_PRIVATE="client-router p5 p6"
LAB_BRIDGES_BASE="br-ext br-int"
LAB_BRIDGES_PRIVATE="br-priv"

# HOST IFNAME BRIDGE ADDRESS/PREFIX, one link a line; the private network's
# links are taken with --private only.
LAB_LINKS_BASE="
u             eth0 br-ext  $U/24
u2            eth0 br-ext  $U2/24
u3            eth0 br-ext  $U3/24
server        eth0 br-ext  $SERVER_EXT/24
server        eth1 br-int  $SERVER_INT/24
v             eth0 br-int  $V/24
v2            eth0 br-int  $V2/24
v3            eth0 br-int  $V3/24
"
LAB_LINKS_PRIVATE="
client-router eth0 br-ext  $CROUTER_EXT/24
client-router eth1 br-priv $CROUTER_PRIV/24
p5            eth0 br-priv $P5/24
p6            eth0 br-priv $P6/24
"

# HOST DESTINATION GATEWAY: as in SEED, V* route everything via the server
# and U* have no route to the intranet at all.
LAB_ROUTES_BASE="
v  default $SERVER_INT
v2 default $SERVER_INT
v3 default $SERVER_INT
"
LAB_ROUTES_PRIVATE="
p5 default $CROUTER_PRIV
p6 default $CROUTER_PRIV
"

# HOST SYSCTL...: the server routes between the LANs and filters by reverse
# path strictly (task 8's experiment depends on it).
LAB_SYSCTLS_BASE="
server net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1
"
LAB_SYSCTLS_PRIVATE="
client-router net.ipv4.ip_forward=1
"

# /etc/hosts in every lab host: NAME... per address.
LAB_HOSTS_FILE="
127.0.0.1    localhost
$SERVER_EXT  $TLS_NAME server
$U           u
$U2          u2
$U3          u3
$V           v
$V2          v2
$V3          v3
"

# ---- the docker topology (docker/docker-compose*.yml) -------------------------
# HOST CONTAINER: SEED's container names.
LAB_DOCKER_NAMES="
u             client-$U
u2            client-$U2
u3            client-$U3
server        server-router
v             host-$V
v2            host-$V2
v3            host-$V3
client-router client-router
p5            host-$P5
p6            host-$P6
"
# BRIDGE DOCKER-BRIDGE: the docker host's bridge of each lab network.
LAB_DOCKER_BRIDGES="
br-ext  vpnlab-ext
br-int  vpnlab-int
br-priv vpnlab-priv
"
