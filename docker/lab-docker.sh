#!/bin/bash
# lab-docker.sh - the docker lab, driven the way lab/lab.sh drives the
# namespace lab.
#
#   lab-docker.sh base [--force]      make the base image (docker/mkbase.sh)
#   lab-docker.sh image               build the lab image vpnlab (the kit, built)
#   lab-docker.sh up [--private]      start the topology (builds what is missing)
#   lab-docker.sh down                stop and remove it
#   lab-docker.sh status              containers, addresses, routes
#   lab-docker.sh container HOST      the container name of lab host HOST
#   lab-docker.sh exec HOST CMD...    run CMD on HOST (docker exec)
#   lab-docker.sh shell HOST          an interactive shell on HOST
#   lab-docker.sh netns HOST CMD...   run CMD on the docker host inside
#                                     HOST's network namespace (nsenter -n):
#                                     sysctls docker keeps read-only inside
#   lab-docker.sh bridge NET          the docker host's bridge of NET
#                                     (br-ext, br-int, br-priv)
#
# The host's copy of the kit is mounted in every container at its own path,
# so `lab-docker.sh exec u $PWD/build/san/bin/tun-demo` runs the
# program just built on the host (same Debian in the image).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
image=${VPNLAB_IMAGE:-vpnlab}
base=${VPNLAB_BASE:-vpnlab-base}

export VPNLAB_SRC=${VPNLAB_SRC:-$root} VPNLAB_DST=${VPNLAB_DST:-$root}
# up takes the private networks only when asked; down and status always
# take both files, so they see every container the lab may have.
compose_files=(-f "$here/docker-compose.yml")
both_files=(-f "$here/docker-compose.yml" -f "$here/docker-compose.private.yml")

run() { printf '+ %s\n' "$*" >&2; "$@"; }
die() { printf 'lab-docker: %s\n' "$*" >&2; exit 1; }

# shellcheck source=lab/topology.sh
. "$root/lab/topology.sh"

# Lab host name -> container name (SEED's names, from lab/topology.sh); a
# container name is taken as it is.
container() {
	local h c
	while read -r h c; do
		[ -n "$h" ] || continue
		if [ "$1" = "$h" ] || [ "$1" = "$c" ]; then echo "$c"; return; fi
	done <<<"$LAB_DOCKER_NAMES"
	die "no lab host '$1' ($LAB_HOSTS_BASE $LAB_HOSTS_PRIVATE)"
}

# A lab network (br-ext, or ext) -> the docker host's bridge for it.
bridge() {
	local br b
	while read -r br b; do
		[ -n "$br" ] || continue
		if [ "$1" = "$br" ] || [ "br-$1" = "$br" ]; then echo "$b"; return; fi
	done <<<"$LAB_DOCKER_BRIDGES"
	die "no network '$1' ($(echo "$LAB_DOCKER_BRIDGES" | awk 'NF {printf "%s ", $1}'))"
}

need_docker() {
	command -v docker >/dev/null ||
		die "docker missing: apt-get install -y --no-install-recommends docker.io docker-compose"
	command -v docker-compose >/dev/null ||
		die "docker-compose missing: apt-get install -y --no-install-recommends docker-compose"
	docker info >/dev/null 2>&1 ||
		die "no docker engine answers: start one as root, e.g. 'dockerd >/var/log/dockerd.log 2>&1 &'"
}

compose() { run docker-compose -p vpnlab "${compose_files[@]}" "$@"; }

# The build context is the kit's own files (tracked, and new ones not
# ignored), never build/ or out/, sent as a tar stream.
build_image() {
	"$here/mkbase.sh" "$base"
	cd "$root"
	printf '+ git ls-files -co --exclude-standard | tar -c -T - | docker build -f docker/Dockerfile -t %s -\n' "$image" >&2
	git ls-files -z -co --exclude-standard |
		(while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
		tar --null -c -T - |
		docker build --build-arg BASE="$base" -f docker/Dockerfile -t "$image" -
}

cmd=${1:-}; [ $# -gt 0 ] && shift
case $cmd in
base) need_docker; exec "$here/mkbase.sh" "$@" "$base" ;;
image) need_docker; build_image ;;
up)
	need_docker
	docker image inspect "$image" >/dev/null 2>&1 || build_image
	[ "${1:-}" = --private ] && compose_files=("${both_files[@]}")
	compose up -d --no-build
	# Wait for every entrypoint to have set its routes.
	for c in $(docker-compose -p vpnlab "${compose_files[@]}" ps -q); do
		for _ in $(seq 50); do
			docker logs "$c" 2>&1 | grep -q 'entrypoint: .* ready' && break
			sleep 0.1
		done
	done ;;
down)
	need_docker
	compose_files=("${both_files[@]}")
	compose down --remove-orphans ;;
status)
	need_docker
	compose_files=("${both_files[@]}")
	compose ps
	for c in $(docker-compose -p vpnlab "${compose_files[@]}" ps -q); do
		n=$(docker inspect -f '{{.Name}}' "$c"); echo "== ${n#/}"
		docker exec "$c" sh -c 'ip -br -4 addr; ip route' | sed 's/^/   /'
	done ;;
container) container "$1" ;;
exec)
	c=$(container "$1"); shift
	exec docker exec "$c" "$@" ;;
shell)
	c=$(container "${1:-u}")
	exec docker exec -it "$c" bash ;;
netns)
	c=$(container "$1"); shift
	pid=$(docker inspect -f '{{.State.Pid}}' "$c")
	exec nsenter -t "$pid" -n "$@" ;;
bridge) bridge "$1" ;;
*) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
