#!/bin/sh
# A fly-through video of a trained model: sgs-render renders the frames of
# a camera path (orbit around an object, or LLFF's spiral in front of a
# forward-facing capture) into a temporary folder and ffmpeg encodes them
# as an MP4 (H.264 with libx264 when this ffmpeg has it, else MPEG-4 Part
# 2), written under a temporary name and renamed when complete.
#
#   examples/video.sh [-p orbit|spiral] [-N frames] [-f fps] [-W width]
#                     [-H height] [-b backend] scene splat out.mp4
#
# Exit status: 0 done, 1 a failure (ffmpeg not installed included), 2 a
# usage error.
set -eu
prog=video.sh
usage() {
	echo "usage: $prog [-p orbit|spiral] [-N frames] [-f fps] [-W width] [-H height]" >&2
	echo "                [-b backend] scene splat out.mp4" >&2
	exit 2
}
# A whole number in 1..$2, or a usage error naming the option $3.
count() {
	case $1 in '' | *[!0-9]*) echo "$prog: $3: '$1' is not a whole number" >&2; usage ;; esac
	if [ "${#1}" -gt 6 ] || [ "$1" -lt 1 ] || [ "$1" -gt "$2" ]; then
		echo "$prog: $3: '$1' is not in 1..$2" >&2
		usage
	fi
}

path=orbit frames=120 fps=30 size= backend=auto
while getopts p:N:f:W:H:b: opt; do
	case $opt in
	p) case $OPTARG in orbit | spiral) path=$OPTARG ;;
	   *) echo "$prog: -p: unknown path '$OPTARG' (expected orbit or spiral)" >&2; usage ;; esac ;;
	N) count "$OPTARG" 100000 -N; frames=$OPTARG ;;
	f) count "$OPTARG" 240 -f; fps=$OPTARG ;;
	W) count "$OPTARG" 16384 -W; size="$size -W $OPTARG" ;;
	H) count "$OPTARG" 16384 -H; size="$size -H $OPTARG" ;;
	b) backend=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || { echo "$prog: expected scene, splat and out.mp4" >&2; usage; }
scene=$1 splat=$2 out=$3
# A name starting with '-' would be read as an option by sgs-render,
# ffmpeg, mv and rm: such a file is ./-name ('-' alone is stdin).
for v in scene splat out; do
	eval "case \$$v in -?*) $v=./\$$v ;; esac"
done

if ! command -v ffmpeg >/dev/null 2>&1; then
	echo "$prog: ffmpeg not found: install it (Debian: apt-get install ffmpeg) to make videos;" >&2
	echo "$prog: sgs-render -p $path -o DIR writes the frames without it" >&2
	exit 1
fi
# The tools on PATH, else this checkout's bin/.
command -v sgs-render >/dev/null 2>&1 || PATH="$(cd "$(dirname "$0")/.." && pwd)/bin:$PATH"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sgs-video.XXXXXX")
part="$out.tmp-$$"
trap 'rm -rf "$tmp"; rm -f "$part"' EXIT
trap 'exit 1' HUP INT TERM

# $size is split on purpose: "-W 640 -H 480" are separate words.
# shellcheck disable=SC2086
sgs-render -b "$backend" -p "$path" -N "$frames" $size -o "$tmp" "$scene" "$splat"

if ffmpeg -hide_banner -encoders 2>/dev/null | grep -q ' libx264 '; then
	enc=libx264 codec="-c:v libx264 -crf 18 -preset medium"
else
	enc=mpeg4 codec="-c:v mpeg4 -q:v 2"
fi
# yuv420p, what players expect, needs even sizes: an odd edge gets a
# pixel of padding.  -f mp4: the temporary name has no .mp4 to go by.
# shellcheck disable=SC2086
ffmpeg -nostdin -hide_banner -loglevel error -y -framerate "$fps" -i "$tmp/frame_%04d.png" \
	$codec -pix_fmt yuv420p -vf 'pad=ceil(iw/2)*2:ceil(ih/2)*2' -movflags +faststart \
	-f mp4 "$part"
mv -f "$part" "$out"
echo "$prog: $out: $frames frames of the $path path at $fps fps ($enc)" >&2
