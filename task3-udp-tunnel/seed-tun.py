#!/usr/bin/env python3
"""seed-tun.py - a stand-in for SEED's tun_client.py / tun_server.py.

Written the way SEED's Python programs are (TUNSETIFF through fcntl.ioctl,
one raw IPv4 packet per UDP datagram to port 9090), with the standard
library only, so that the check can show the kit's C programs and a SEED
style Python peer replacing each other on the wire.

    seed-tun.py server               tun 192.168.53.11/24, UDP 0.0.0.0:9090
    seed-tun.py client SERVER_IP     tun 192.168.53.99/24, route 192.168.60.0/24
"""
import fcntl
import os
import socket
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def tun_open(addr):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    ifr = struct.pack("16sH", b"tun%d", IFF_TUN | IFF_NO_PI)
    name = fcntl.ioctl(fd, TUNSETIFF, ifr)[:16].rstrip(b"\0").decode()
    subprocess.run(["ip", "addr", "add", addr, "dev", name], check=True)
    subprocess.run(["ip", "link", "set", "dev", name, "up"], check=True)
    print("Interface Name:", name, flush=True)
    return fd, name


def server():
    fd, _ = tun_open("192.168.53.11/24")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", 9090))
    while True:
        data, (ip, port) = sock.recvfrom(2048 + 65535)
        src = socket.inet_ntoa(data[12:16]) if len(data) >= 20 else "?"
        dst = socket.inet_ntoa(data[16:20]) if len(data) >= 20 else "?"
        print("{}:{} --> 0.0.0.0:9090  Inside: {} --> {}".format(ip, port, src, dst), flush=True)
        os.write(fd, data)


def client(server_ip):
    fd, name = tun_open("192.168.53.99/24")
    subprocess.run(["ip", "route", "add", "192.168.60.0/24", "dev", name], check=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    while True:
        packet = os.read(fd, 65535)
        sock.sendto(packet, (server_ip, 9090))


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "server":
        server()
    elif len(sys.argv) == 3 and sys.argv[1] == "client":
        client(sys.argv[2])
    else:
        sys.exit(__doc__)
