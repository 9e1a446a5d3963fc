ip route replace 192.168.53.0/24 via 192.168.60.1
