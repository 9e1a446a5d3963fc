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

# The packages a lab container needs. Keep in step with lab/deps.sh.
packages=(
	# build
	make gcc libc6-dev pkg-config libpcap-dev libssl-dev libcrypt-dev
	libcmocka-dev
	# run: the lab network and the checks
	iproute2 iputils-ping tcpdump nftables procps psmisc kmod
	netcat-openbsd openssl ca-certificates bash
)

run() { printf '+ %s\n' "$*" >&2; "$@"; }
die() { printf 'mkbase: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and docker import need it)"
command -v docker >/dev/null ||
	die "docker missing: apt-get install -y --no-install-recommends docker.io docker-compose"
docker info >/dev/null 2>&1 ||
	die "no docker engine answers: start one, e.g. 'dockerd >/var/log/dockerd.log 2>&1 &'"
command -v debootstrap >/dev/null ||
	die "debootstrap missing: apt-get install -y --no-install-recommends debootstrap"

if [ $force = 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
	echo "mkbase: image $image exists (use --force to rebuild)" >&2
	exit 0
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
	-c 'ENV LANG=C.UTF-8' -c 'CMD ["/bin/bash"]' - "$image"
echo "mkbase: made image $image from $suite ($mirror)" >&2
