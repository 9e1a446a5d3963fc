#!/bin/bash
# mkbase.sh - make the docker base image the lab's Dockerfile builds on.
#
# No registry can be reached from the lab machines, so the base image is
# not pulled: it is a Debian bookworm made with debootstrap and imported
# with `docker import`. The packages the kit needs to build and to run
# (compiler, libpcap, OpenSSL, libcrypt, iproute2, ping, tcpdump, nft) are
# put in at debootstrap time, so that building the lab image needs no
# network at all inside the containers.
#
#   docker/mkbase.sh [--force] [IMAGE]     (IMAGE defaults to vpnlab-base)
#
# Environment: MIRROR (default: the first Debian URI in the machine's apt
# sources), SUITE (default bookworm), WORKDIR (default /var/tmp).
set -euo pipefail

force=0
if [ "${1:-}" = --force ]; then force=1; shift; fi
image=${1:-vpnlab-base}
suite=${SUITE:-bookworm}

# The packages a lab container needs: the build, lab and check groups of
# lab/deps.sh (what `make deps` installs), and a few tools for people
# working in the containers.
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t packages < <({
	sed -n 's/^[[:space:]]*\[\(build\|lab\|check\)\]="\(.*\)"/\2/p' "$here/../lab/deps.sh" 2>/dev/null
	echo make gcc libc6-dev libpcap-dev libssl-dev libcrypt-dev
	echo iproute2 iputils-ping tcpdump nftables procps psmisc kmod
	echo netcat-openbsd openssl ca-certificates bash less
} | tr ' ' '\n' | grep . | sort -u)

run() { printf '+ %s\n' "$*" >&2; "$@"; }
die() { printf 'mkbase: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and docker import need it)"
command -v docker >/dev/null ||
	die "docker missing: apt-get install -y --no-install-recommends docker.io docker-compose"
docker info >/dev/null 2>&1 ||
	die "no docker engine answers: start one, e.g. 'dockerd >/var/log/dockerd.log 2>&1 &'"
command -v debootstrap >/dev/null ||
	die "debootstrap missing: apt-get install -y --no-install-recommends debootstrap"

# The image is labelled with its package list: a list that changed (a new
# package in lab/deps.sh) makes a new image.
stamp=$(printf '%s\n' "$suite" "${packages[@]}" | md5sum | cut -c1-12)
if [ $force = 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
	have=$(docker image inspect -f '{{ index .Config.Labels "vpnlab.packages" }}' "$image" 2>/dev/null)
	if [ "$have" = "$stamp" ]; then
		echo "mkbase: image $image is up to date (use --force to rebuild)" >&2
		exit 0
	fi
	echo "mkbase: image $image has another package list: rebuilding" >&2
fi

# The mirror this machine's apt already uses: deb822 sources first
# ("URIs: ..."), then one-line sources ("deb URL suite ...").
find_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ { print $2; exit }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		uri=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ { print $2; exit }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	echo http://deb.debian.org/debian
}
mirror=${MIRROR:-$(find_mirror)}

dir=$(mktemp -d "${WORKDIR:-/var/tmp}/vpnlab-base.XXXXXX")
trap 'rm -rf "$dir"' EXIT

include=$(IFS=,; echo "${packages[*]}")
run debootstrap --variant=minbase --include="$include" "$suite" "$dir" "$mirror"

# Leave the image small and its apt pointed at the same mirror.
run rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
printf 'deb %s %s main\n' "$mirror" "$suite" >"$dir/etc/apt/sources.list"

tar -C "$dir" -c . | run docker import \
	-c 'ENV LANG=C.UTF-8' -c 'CMD ["/bin/bash"]' \
	-c "LABEL vpnlab.packages=$stamp" - "$image"
echo "mkbase: made image $image from $suite ($mirror)" >&2
