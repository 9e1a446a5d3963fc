#!/usr/bin/env bash
# coverage.sh - every solution region has a mutant, and every mutant breaks
# the region it names (no lab, no build: a second or two).
#
# The regions are those `make handout` stubs (tools/handout.sh lists them;
# tools/strip-solutions.awk with span=1 gives where each ends). Each
# tests/mutants/NAME.mut names its region(s) with a line
#
#   region common/tun.c: open /dev/net/tun and create
#
# (the file, then a piece of the region's hint that no other region of that
# file has). For each mutant this checks that each region it names exists,
# that its 'file' lines are those regions' files, and that its seds, run
# on a copy, change something and only lines inside the named regions (a
# mutant that breaks scaffolding says nothing about the student's part).
# For each region: at least one mutant names it. Ends with
# "mutant-coverage: N passed, M failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/mutants
npass=0 nfail=0
pass() { echo "PASS mutant-coverage: $*"; npass=$((npass + 1)); }
fail() { echo "FAIL mutant-coverage: $*"; nfail=$((nfail + 1)); }
finish() { echo "mutant-coverage: $npass passed, $nfail failed"; [ "$nfail" = 0 ]; exit; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mutcov.XXXXXX") || { fail "cannot run: mktemp failed"; finish; }
trap 'rm -rf "$tmp"' EXIT

if ! (cd "$ROOT" && tools/handout.sh -o "$tmp/handout") >"$tmp/handout.log" 2>&1; then
	fail "cannot run: tools/handout.sh could not list the regions: $(tail -1 "$tmp/handout.log")"
	finish
fi
# One line per region: FILE BEGIN END HINT (tab-separated).
regions=$tmp/regions
: >"$regions"
while IFS= read -r f; do
	case $f in *.sh) style='sh' ;; *) style='c' ;; esac
	awk -v file="$f" -v style="$style" -v span=1 -f "$ROOT/tools/strip-solutions.awk" \
		"$ROOT/$f" 2>&1 >/dev/null |
		sed -nE 's/^REGION ([^:]+):([0-9]+)-([0-9]+): (.*)$/\1\t\2\t\3\t\4/p' >>"$regions"
done < <(cut -d: -f1 "$tmp/handout.regions" | sort -u)
nreg=$(wc -l <"$regions")
if [ "$nreg" = 0 ] || [ "$nreg" != "$(wc -l <"$tmp/handout.regions")" ]; then
	fail "cannot run: $nreg region spans for $(wc -l <"$tmp/handout.regions") regions in the handout's list"
	finish
fi

declare -A used=()     # region key "FILE:BEGIN" -> names of its mutants
shopt -s nullglob
muts=("$HERE"/*.mut)
[ ${#muts[@]} -gt 0 ] || fail "no tests/mutants/*.mut at all"

# find_region FILE PIECE: prints "FILE:BEGIN:END" of the one region of FILE
# whose hint contains PIECE, or why there is none.
find_region() {
	local hits
	hits=$(awk -F'\t' -v f="$1" -v p="$2" '$1 == f && index($4, p) { print $1 ":" $2 ":" $3 }' "$regions")
	case $(printf '%s' "$hits" | grep -c .) in
	1) echo "$hits" ;;
	0) echo "no region of $1 has '$2' in its hint"; return 1 ;;
	*) echo "'$2' names several regions of $1 ($(tr '\n' ' ' <<<"$hits"))"; return 1 ;;
	esac
}

for mut in "${muts[@]}"; do
	name=${mut##*/}
	name=${name%.mut}
	spans=() why='' file='' nsed=0
	while IFS= read -r line; do
		key=${line%% *}
		rest=${line#* }
		case $key in
		region)
			if ! r=$(find_region "${rest%%: *}" "${rest#*: }"); then
				why="region '$rest': $r"
				break
			fi
			spans+=("$r")
			;;
		file)
			file=$rest
			[ -f "$ROOT/$file" ] || { why="no file $file"; break; }
			[ -f "$tmp/m/$file" ] || { mkdir -p "$tmp/m/$(dirname "$file")"; cp "$ROOT/$file" "$tmp/m/$file"; }
			;;
		sed)
			[ -n "$file" ] || { why="a sed before any 'file' line"; break; }
			before=$(md5sum <"$tmp/m/$file")
			sed -i -e "$rest" "$tmp/m/$file"
			if [ "$before" = "$(md5sum <"$tmp/m/$file")" ]; then
				why="stale: '$rest' changes nothing in $file (did the code move?)"
				break
			fi
			nsed=$((nsed + 1))
			;;
		esac
	done <"$mut"
	if [ -z "$why" ] && [ ${#spans[@]} = 0 ]; then
		why="no 'region FILE: HINT' line (which student part does it break?)"
	elif [ -z "$why" ] && [ "$nsed" = 0 ]; then
		why="no sed: it breaks nothing"
	fi
	# Every changed line (old numbering) inside one of the named regions.
	if [ -z "$why" ]; then
		while IFS= read -r -d '' copy; do
			f=${copy#"$tmp/m/"}
			bad=$(diff -U0 "$ROOT/$f" "$copy" | sed -nE 's/^@@ -([0-9]+)(,([0-9]+))? .*/\1 \3/p' |
				while read -r start count; do
					# ",0": lines added after line start; no count: one line.
					if [ "$count" = 0 ]; then lo=$start hi=$start; lo_ok=1
					else lo=$start hi=$((start + ${count:-1} - 1)); lo_ok=0; fi
					ok=
					for s in "${spans[@]}"; do
						IFS=: read -r sf sb se <<<"$s"
						[ "$sf" = "$f" ] || continue
						# A BEGIN line may hold code before its marker, an
						# insertion may follow it: line > BEGIN, or >= for those.
						if { [ "$lo" -gt "$sb" ] || { [ "$lo_ok" = 1 ] && [ "$lo" -ge "$sb" ]; }; } &&
							[ "$hi" -lt "$se" ]; then ok=1; fi
					done
					[ -n "$ok" ] || echo "$f:$lo-$hi"
				done)
			if [ -n "$bad" ]; then
				why="changes lines outside the regions it names: $(tr '\n' ' ' <<<"$bad")"
				break
			fi
		done < <(find "$tmp/m" -type f -print0)
	fi
	rm -rf "$tmp/m"
	if [ -n "$why" ]; then
		fail "mutant $name: $why"
		continue
	fi
	for s in "${spans[@]}"; do
		k=${s%:*}
		used[$k]="${used[$k]:-}${used[$k]:+ }$name"
	done
	pass "mutant $name breaks $(printf '%s ' "${spans[@]%:*}")only"
done

# Each region, with its mutants (or none); then the count per directory.
declare -A dir_regions=() dir_covered=() dir_muts=()
while IFS=$'\t' read -r f b _ hint; do
	k=$f:$b
	d=${f%%/*}
	dir_regions[$d]=$(( ${dir_regions[$d]:-0} + 1 ))
	if [ -n "${used[$k]:-}" ]; then
		dir_covered[$d]=$(( ${dir_covered[$d]:-0} + 1 ))
		dir_muts[$d]="${dir_muts[$d]:-} ${used[$k]}"
		pass "region $k ($(cut -c1-50 <<<"$hint")): $(wc -w <<<"${used[$k]}") mutant(s): ${used[$k]}"
	else
		fail "region $k has no mutant: $hint"
	fi
done <"$regions"
for d in $(printf '%s\n' "${!dir_regions[@]}" | sort); do
	echo "     $d: ${dir_covered[$d]:-0} of ${dir_regions[$d]} region(s) with a mutant, $(tr ' ' '\n' <<<"${dir_muts[$d]:-}" | sort -u | grep -c .) mutant(s)"
done
finish
