ip -4 route replace 192.168.30.0/24 dev tun0 scope link
