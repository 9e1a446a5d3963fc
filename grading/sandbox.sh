# shellcheck shell=bash
# sandbox.sh - the private mount namespace student code runs in (grade.sh).
#
# grade.sh runs this as root, already inside a new mount namespace whose
# mounts do not propagate to the machine's:
#
#   unshare -m --propagation private bash -c "$(cat sandbox.sh)" sandbox \
#       KEEP SIZE [HIDE...] -- CMD...
#
# It then:
#   - mounts a fresh, empty tmpfs (SIZE, mode 1777) on /tmp, /var/tmp and
#     /dev/shm: what the student's code writes there vanishes with the
#     namespace, and it sees nothing of the machine's, nor of an earlier
#     student's (the lab keeps its state in /tmp/vpnlab.UID.LAB: that is
#     this tmpfs too);
#   - mounts an empty, root-owned tmpfs over every HIDE directory (the kit's
#     own tree with its reference sources and build, the directory of the
#     submissions, the directory of the reports);
#   - binds KEEP (the scratch directory: the judge copy and the student's
#     WORK) back at its own path, should one of the mounts above have
#     covered it;
#   - closes every file descriptor but 0, 1 and 2, moves to /, and execs CMD
#     (grade.sh's CMD drops to the grading user with setpriv).
#
# An unprivileged user cannot unmount any of this: in the user namespace
# the lab makes, these mounts are locked together with what they cover.
set -eu
keep=$1 size=$2
shift 2
hide=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	hide+=("$1")
	shift
done
[ "${1:-}" = -- ] || { echo "sandbox: usage: KEEP SIZE [HIDE...] -- CMD..." >&2; exit 2; }
shift

# Hold KEEP by descriptor, so that it can be bound back once covered.
exec 3<"$keep"
for d in /tmp /var/tmp /dev/shm; do
	if [ ! -d "$d" ] || [ -L "$d" ]; then continue; fi
	mount -t tmpfs -o "mode=1777,nosuid,nodev,size=$size" sandbox-tmp "$d"
done
for d in ${hide[@]+"${hide[@]}"}; do
	if [ ! -d "$d" ] || [ -L "$d" ]; then continue; fi
	mount -t tmpfs -o mode=755,nosuid,nodev,noexec,size=64k sandbox-hidden "$d"
done
if ! [ "$keep" -ef /proc/self/fd/3 ]; then
	mkdir -p "$keep"
	# The kernel resolves /proc/self/fd/3 to the directory itself, not to
	# its (now covered) path name.
	mount --no-canonicalize --bind /proc/self/fd/3 "$keep"
fi
[ "$keep" -ef /proc/self/fd/3 ] || { echo "sandbox: could not bind $keep back" >&2; exit 2; }
for fd in /proc/self/fd/*; do
	fd=${fd##*/}
	if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
cd /
exec "$@"
