#!/bin/bash
# handout.sh - turn the reference tree into the students' starter kit.
#
# Copies the tracked files (git ls-files, as they are in the work tree)
# into DIR, and in every .c and .h file replaces each solution region
#
#	/* SOLUTION BEGIN: what to do */
#	...reference code...
#	/* SOLUTION STUB: return -1; */     (optional, kept as code)
#	/* SOLUTION END */
#
# by "/* TODO (student): what to do */" and the STUB lines (see
# tools/strip-solutions.awk). Everything else - the scaffolding in common/,
# the lab network, the checks, the report templates - is kept as it is.
#
#   tools/handout.sh [-o DIR] [--tar]      (DIR defaults to build/handout)
#
# Also writes DIR.regions (outside the handout: for the instructor), one
# line per region "file:line: hint", and with --tar DIR.tar.gz.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/handout
tarball=0
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	--tar) tarball=1; shift ;;
	*) echo "usage: tools/handout.sh [-o DIR] [--tar]" >&2; exit 2 ;;
	esac
done
case $out in /*) ;; *) out=$PWD/$out ;; esac

# What the instructor keeps: the tools that know where the solutions are.
excluded() {
	case $1 in
	tools/test-handout.sh) return 0 ;;
	esac
	return 1
}

cd "$root"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	{ echo "handout: $root is not a git work tree (the file list comes from git ls-files)" >&2; exit 1; }

rm -rf "$out" "$out.regions" "$out.tar.gz"
mkdir -p "$out"
regions=$out.regions
: >"$regions"
nfiles=0 nstubbed=0
while IFS= read -r -d '' f; do
	[ -e "$f" ] || continue          # deleted in the work tree
	excluded "$f" && continue
	mkdir -p "$out/$(dirname "$f")"
	case $f in
	*.c|*.h)
		if grep -q 'SOLUTION BEGIN' "$f"; then
			if ! awk -v file="$f" -f tools/strip-solutions.awk "$f" \
				>"$out/$f" 2>"$out/$f.regions"; then
				cat "$out/$f.regions" >&2
				echo "handout: malformed solution region in $f" >&2
				exit 1
			fi
			sed 's/^REGION //' "$out/$f.regions" >>"$regions"
			rm -f "$out/$f.regions"
			chmod --reference="$f" "$out/$f"
			nstubbed=$((nstubbed + 1))
		else
			cp -p "$f" "$out/$f"
		fi ;;
	*) cp -p "$f" "$out/$f" ;;
	esac
	nfiles=$((nfiles + 1))
done < <(git ls-files -z)

# The handout's build keeps the "unused" warnings that stubs cause from
# being errors (tools/module.mk looks for this file).
cat >"$out/HANDOUT" <<'EOT'
This is the students' starter kit of the VPN lab kit. The parts to write
are marked "TODO (student)":  grep -rn 'TODO (student)' --include='*.[ch]' .
While a part is not written, the compiler warns about what it leaves
unused; those warnings are not errors here (tools/module.mk).
EOT

# A region marker left anywhere (another file type, a typo) would hand out
# a solution: refuse.
if left=$(grep -rlE 'SOLUTION (BEGIN|END|STUB)' "$out" --include='*.c' --include='*.h'); then
	echo "handout: markers left in: $left" >&2
	exit 1
fi

nreg=$(wc -l <"$regions")
echo "handout: ${out#"$root"/}: $nfiles files, $nreg regions stubbed in $nstubbed files (list: ${regions#"$root"/})"
if [ $tarball = 1 ]; then
	tar -C "$(dirname "$out")" -czf "$out.tar.gz" "$(basename "$out")"
	echo "handout: ${out#"$root"/}.tar.gz"
fi
