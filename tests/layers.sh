#!/bin/sh
# Include layering.  Floors, each using only those below it:
#   cmd/ -> train/, mvs/ -> kernels/ -> libcommon/
# so no libcommon/ file includes a header of kernels/ or train/ (or cmd/),
# and no kernels/ file one of train/ (or cmd/).  Inside libcommon/, the
# import stack's layers (diagram at the top of libcommon/sgs_import.h):
# no file includes a header of a higher layer.
# Quiet when clean; otherwise one line per offending include, exit 1.
# Usage: sh tests/layers.sh [tree]   (default: the tree this script is in)
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
top=$(pwd -P)

# Layer of a libcommon/ file, by name: sets L and N.
layer() {
	case $1 in
	sgs_import.[ch])                 L=7 N=umbrella ;;
	sgs_protocol.[ch] | protocol_*)  L=6 N=protocol ;;
	import_*)                        L=5 N=importers ;;
	colmap_build.[ch])               L=4 N="colmap builder" ;;
	colmap_*)                        L=3 N="colmap model" ;;
	dataset_*)                       L=2 N=helpers ;;
	sgs_dataset.[ch])                L=1 N=dataset ;;
	*)                               L=0 N=base ;;
	esac
}

# Floor of a top-level folder: sets F.
floor() {
	case $1 in
	libcommon) F=1 ;;
	kernels)   F=2 ;;
	train)     F=3 ;;
	mvs)       F=3 ;;
	cmd)       F=4 ;;
	*)         F=0 ;; # tests, system: not part of the stack
	esac
}

files=$(find libcommon kernels train mvs -type f \( -name '*.c' -o -name '*.h' -o -name '*.cu' \
	-o -name '*.cuh' \) 2>/dev/null | sort)
out=$(for f in $files; do
	dir=$(dirname "$f")
	floor "${f%%/*}"
	from_floor=$F
	layer "$(basename "$f")"
	from_layer=$L from_name=$N
	# '#include "x"' lines (angle includes are system headers).
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
	while read -r inc; do
		# Where the compiler finds it: next to the file, then -I libcommon
		# kernels train mvs (the Makefile's order).
		hit=
		for d in "$dir" libcommon kernels train mvs; do
			if [ -f "$d/$inc" ]; then
				hit=$d/$inc
				break
			fi
		done
		[ -n "$hit" ] || continue
		hdir=$(cd "$(dirname "$hit")" && pwd -P)
		case $hdir in
		"$top"/*) rel=${hdir#"$top"/} ;;
		*) continue ;; # outside the tree
		esac
		floor "${rel%%/*}"
		if [ "$F" -gt "$from_floor" ]; then
			echo "$f: includes $inc from ${rel%%/*}/, a higher floor (cmd -> train -> kernels -> libcommon)"
			continue
		fi
		if [ "$from_floor" -eq 1 ] && [ "$F" -eq 1 ]; then
			layer "$(basename "$hit")"
			if [ "$L" -gt "$from_layer" ]; then
				echo "$f: layer $from_layer ($from_name) includes $inc of layer $L ($N)"
			fi
		fi
	done
done)
[ -z "$out" ] && exit 0
echo "$out"
exit 1
