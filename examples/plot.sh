#!/bin/sh
# Training curves from sgs-train's log (-l LOG.tsv) as a PNG, with gnuplot:
# above, the loss terms (the log's columns between "view" and "l1", one
# per term) and the total loss; below, the train view's PSNR, the test
# views' PSNR when the run scored them (--eval-every), and the number of
# Gaussians on the right-hand axis.  Columns are found by name in the
# header, so logs of any set of loss terms plot alike.
#
#   examples/plot.sh LOG.tsv [OUT.png]      (default: LOG with .png)
#
# The PNG is written under a temporary name and renamed when complete.
# Exit status: 0 done, 1 a failure (gnuplot not installed included), 2 a
# usage error.
set -eu
prog=plot.sh
usage() {
	echo "usage: $prog LOG.tsv [OUT.png]" >&2
	exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
# A name starting with '-' would be read as an option by head, mv and
# rm: such a file is ./-name.
case $1 in -*) log=./$1 ;; *) log=$1 ;; esac
out=${2:-${log%.tsv}.png}
case $out in -*) out=./$out ;; esac
[ "$out" != "$log" ] || { echo "$prog: $log: name the PNG (OUT.png)" >&2; usage; }

if ! command -v gnuplot >/dev/null 2>&1; then
	echo "$prog: gnuplot not found: install it (Debian: apt-get install gnuplot-nox)" >&2
	exit 1
fi
[ -r "$log" ] || { echo "$prog: $log: cannot read" >&2; exit 1; }

# The header's names: the loss terms, and which of the optional columns
# are there.  A name that is not a plain word cannot be a log's.
header=$(head -n 1 "$log" | tr '\t' ' ')
terms=$(echo "$header" | awk '{ for (i = 1; i <= NF; i++) {
	if ($i == "l1") exit
	if (on) print $i
	if ($i == "view") on = 1 } }')
for need in iteration psnr gaussians loss; do
	case " $header " in *" $need "*) ;;
	*) echo "$prog: $log: not an sgs-train log (no '$need' column)" >&2; exit 1 ;; esac
done
case $header in *[!A-Za-z0-9_\ ]*) echo "$prog: $log: odd column names" >&2; exit 1 ;; esac
rows=$(($(wc -l < "$log") - 1))
[ "$rows" -ge 1 ] || { echo "$prog: $log: no rows" >&2; exit 1; }

# pngcairo where this gnuplot has it (gnuplot-nox does), else libgd's png.
if gnuplot -e 'set terminal' 2>&1 | grep -q '^ *pngcairo '; then term=pngcairo; else term=png; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sgs-plot.XXXXXX")
part="$out.tmp-$$"
trap 'rm -rf "$tmp"; rm -f "$part"' EXIT
trap 'exit 1' HUP INT TERM

# The log and the PNG reach gnuplot as ARG1 and ARG2 (-c), never inside
# its quotes; the column names are plain words, checked above.
{
	echo "set terminal $term size 1000,760"
	echo 'set output ARG2'
	echo 'set datafile separator "\t"'
	echo 'set multiplot layout 2,1 title ARG1 noenhanced'
	echo 'set grid; set key outside right top noenhanced; set xlabel "iteration"'
	echo 'set ylabel "loss"'
	printf 'plot'
	sep=
	for t in $terms loss; do
		printf '%s ARG1 using "iteration":"%s" with lines lw %s title "%s"' "$sep" "$t" \
			"$([ "$t" = loss ] && echo 2 || echo 1)" "$t"
		sep=,
	done
	echo
	echo 'set ylabel "PSNR (dB)"; set y2label "Gaussians"; set ytics nomirror; set y2tics; set y2range [0:*]'
	printf 'plot ARG1 using "iteration":"psnr" with lines title "train PSNR"'
	case " $header " in *" test_psnr "*)
		printf ', ARG1 using "iteration":"test_psnr" with linespoints pt 7 lw 2 title "test PSNR"' ;;
	esac
	echo ', ARG1 using "iteration":"gaussians" axes x1y2 with lines lw 2 title "Gaussians"'
	echo 'unset multiplot'
} > "$tmp/plot.gp"
gnuplot -c "$tmp/plot.gp" "$log" "$part"
mv -f "$part" "$out"
echo "$prog: $out: $rows iterations, loss terms: $(echo $terms | tr ' ' ,)" >&2
