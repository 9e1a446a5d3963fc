#!/usr/bin/env bash
# deps.sh - make sure the Debian packages the kit needs are installed.
#
#   deps.sh --need build,lab,check   install what is missing (as root), or
#                                    name the command that does (otherwise)
#   deps.sh --install                everything, including the benchmark's
#                                    and the Chinese reports' font (not
#                                    "screenshot": make test-report's chromium)
#
# Packages are installed with --no-install-recommends: some recommends
# pull in a kernel image.
set -euo pipefail

declare -A PKGS=(
	[build]="gcc make libc6-dev pkg-config libssl-dev libpcap-dev libcrypt-dev libcmocka-dev libseccomp-dev libpam0g-dev"
	[lab]="iproute2 util-linux procps iputils-ping"
	[check]="patch iputils-arping socat openssl tcpdump nftables netcat-openbsd python3 shellcheck man-db groff-base haproxy libpam-pwdfile"
	[bench]="openvpn iperf3 ethtool"
	# The Chinese reports: the font their CSS names (Noto Sans CJK SC).
	[report]="fonts-noto-cjk"
	# make test-report's screenshot of a Chinese page only (large: not in
	# --install)
	[screenshot]="chromium fontconfig"
)

need=build,lab,check
install_all=0
case "${1:-}" in
--need) need=${2:?--need takes a list such as build,lab}; ;;
--install) install_all=1; need=build,lab,check,bench,report ;;
"") ;;
*) echo "usage: deps.sh [--need build,lab,check,bench,report,screenshot | --install]" >&2; exit 2 ;;
esac

missing=()
if command -v dpkg-query >/dev/null; then
	for group in ${need//,/ }; do
		for p in ${PKGS[$group]:?unknown group $group}; do
			st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
			[ "$st" = "install ok installed" ] || missing+=("$p")
		done
	done
else
	echo "deps.sh: no dpkg here; make sure you have: ${PKGS[build]} ${PKGS[lab]}" >&2
fi

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "deps.sh: installing ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	else
		echo "deps.sh: missing packages: ${missing[*]}" >&2
		echo "deps.sh: install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
		echo "deps.sh: (or: sudo make deps)" >&2
		exit 1
	fi
fi

# A normal user creates TUN/TAP devices in the lab's own user namespace,
# which needs /dev/net/tun readable and writable by all (Debian's udev rule
# makes it 0666; some containers leave it 0600).
if [[ ",$need," == *,lab,* ]] && [ -c /dev/net/tun ]; then
	if [ "$(id -u)" = 0 ]; then
		if [ "$install_all" = 1 ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
			echo "deps.sh: chmod 0666 /dev/net/tun (Debian's default) so normal users can run the lab" >&2
			chmod 0666 /dev/net/tun
		fi
	elif ! [ -r /dev/net/tun ] || ! [ -w /dev/net/tun ]; then
		echo "deps.sh: warning: /dev/net/tun is mode $(stat -c %a /dev/net/tun), so $(id -un) cannot create TUN/TAP devices;" >&2
		echo "deps.sh: the TUN tasks will fail. Fix: sudo chmod 0666 /dev/net/tun (Debian's default), or sudo make deps" >&2
	fi
fi
exit 0
