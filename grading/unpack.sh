# shellcheck shell=bash
# unpack.sh - a submission's tree, made ready to build (grade.sh).
#
# grade.sh runs this as the grading user, never as root:
#
#   bash -c "$(cat unpack.sh)" unpack tar|zip ARCHIVE DEST
#       (in the sandbox, under a time limit) unpacks ARCHIVE, a copy the
#       grading user made in its own WORK, into the empty directory DEST:
#       an archive with a member named outside the tree (an absolute name,
#       a ".." component) is refused whole; tar and unzip never overwrite
#       a directory or a file, and GNU tar makes a link that leads out of
#       the tree only after every other member, so no member is written
#       through one; such links are then removed (one "unpack: note:" line
#       each, for the report). Whatever an archive does, it does it with
#       the grading user's rights, inside the sandbox.
#
#   bash -c "$(cat unpack.sh)" find-tree DIR
#       prints "inner=PATH": where in DIR the tree starts, "." or the one
#       directory (down to 3 levels) that holds the Makefile when DIR has
#       none and a single subdirectory (handout/ inside alice/, or an
#       archive's top directory); and "student=NAME", the first line of the
#       first STUDENT file met on the way down (none: empty). No link is
#       followed.
set -eu
mode=${1:?usage: unpack tar|zip ARCHIVE DEST, or find-tree DIR}
shift

case $mode in
tar | zip)
	archive=$1 dest=$2
	if [ "$mode" = tar ]; then
		names=$(tar -tf "$archive") || { echo "unpack: not a readable tar archive"; exit 1; }
	else
		names=$(unzip -Z1 "$archive") || { echo "unpack: not a readable zip archive"; exit 1; }
	fi
	[ -n "$names" ] || { echo "unpack: the archive is empty"; exit 1; }
	bad=$(printf '%s\n' "$names" | grep -E '^/|(^|/)\.\.(/|$)' | head -3 | tr '\n' ' ' || true)
	[ -z "$bad" ] || { echo "unpack: refused: members named outside the tree: $bad"; exit 1; }
	cd -P -- "$dest"
	if [ "$mode" = tar ]; then
		tar -xf "$archive" --no-same-owner --no-same-permissions --keep-old-files
	else
		unzip -q -n "$archive"
	fi
	find -P . -type l -print0 | while IFS= read -r -d '' link; do
		target=$(readlink -- "$link") || continue
		case $target in
		/* | .. | ../* | */.. | */../*)
			rm -f -- "$link"
			echo "unpack: note: the link ${link#./} -> $target leads out of the tree: removed"
			;;
		esac
	done
	;;
find-tree)
	cd -P -- "$1"
	rel='' name=''
	for _ in 1 2 3; do
		if [ -z "$name" ] && [ -f STUDENT ] && [ ! -L STUDENT ]; then
			name=$(head -n 1 STUDENT | head -c 200 | tr -d '\r')
		fi
		[ -e Makefile ] && break
		subs=()
		for d in */; do
			d=${d%/}
			[ -d "$d" ] && [ ! -L "$d" ] && [ "$d" != __MACOSX ] && subs+=("$d")
		done
		[ ${#subs[@]} = 1 ] || break
		cd -P -- "${subs[0]}"
		rel=${rel:+$rel/}${subs[0]}
	done
	# Descended, yet no Makefile found: the tree is graded from its top.
	[ -e Makefile ] || rel=
	echo "inner=${rel:-.}"
	echo "student=$name"
	;;
*)
	echo "unpack: unknown mode '$mode'" >&2
	exit 2
	;;
esac
