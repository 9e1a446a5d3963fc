#!/bin/bash
# entrypoint.sh - set up one lab container the way lab/lab.sh sets up one
# network namespace, then wait.
#
# Environment (from docker-compose.yml):
#   LAB_HOST            the host's short name in the lab (u, server, v, ...)
#   LAB_IFACES          "eth0=10.9.0.11 eth1=192.168.60.11": the name each
#                       address's interface must have. Docker attaches the
#                       networks in an order of its own; the checks capture
#                       on server:eth1 and mean the intranet.
#   LAB_DEFAULT_ROUTE   none: remove docker's default route (U cannot reach
#                       192.168.60.0/24); ADDR: default route via ADDR;
#                       unset: keep docker's.
#   LAB_SERVICES        linesrv: run the kit's line echo service on TCP 23
#                       (the telnet-like service of the telnet and
#                       tunnel-breaking tasks), if the kit has built it.
#
# Every command is printed before it runs; `docker logs NAME` shows them.
set -u

run() { printf '+ %s\n' "$*"; "$@" || printf 'entrypoint: failed: %s\n' "$*"; }

# Rename each interface to the name its address calls for. Two interfaces
# may trade names, so everything goes through a temporary name first.
if [ -n "${LAB_IFACES:-}" ]; then
	gw=$(ip route show default | awk '{ print $3; exit }')
	for pair in $LAB_IFACES; do
		want=${pair%%=*} addr=${pair#*=}
		have=$(ip -o -4 addr show | awk -v a="$addr" \
			'{ split($4, p, "/"); if (p[1] == a) print $2 }')
		have=${have%%@*}
		if [ -z "$have" ]; then
			echo "entrypoint: no interface has $addr"
		elif [ "$have" != "$want" ]; then
			run ip link set dev "$have" down
			run ip link set dev "$have" name "tmp-$want"
		fi
	done
	for pair in $LAB_IFACES; do
		want=${pair%%=*}
		if ip link show dev "tmp-$want" >/dev/null 2>&1; then
			run ip link set dev "tmp-$want" name "$want"
			run ip link set dev "$want" up
		fi
	done
	# Taking an interface down took docker's default route with it.
	if [ -n "$gw" ] && ! ip route show default | grep -q .; then
		run ip route add default via "$gw"
	fi
fi

case "${LAB_DEFAULT_ROUTE:-}" in
"") ;;
none) run ip route del default ;;
*) ip route del default 2>/dev/null
   run ip route add default via "$LAB_DEFAULT_ROUTE" ;;
esac

for svc in ${LAB_SERVICES:-}; do
	case $svc in
	linesrv)
		bin=/opt/vpnlab/build/rel/bin/lab-linesrv
		if [ -x "$bin" ]; then
			mkdir -p /var/log/vpnlab
			printf '+ %s &\n' "$bin"
			"$bin" >>/var/log/vpnlab/linesrv.log 2>&1 &
		else
			echo "entrypoint: $bin not built, no line service on TCP 23"
		fi ;;
	*) echo "entrypoint: unknown service $svc" ;;
	esac
done

echo "entrypoint: ${LAB_HOST:-?} ready"
[ $# -gt 0 ] && exec "$@"
exec sleep infinity
