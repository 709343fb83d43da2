#!/bin/sh
# The demo behind `make demo`: the built-in synthetic scene through the
# parts of the pipeline that exist so far.  Output goes to demo-out/.
set -eu
cd "$(dirname "$0")/.."
out=demo-out
mkdir -p "$out"
bin/sgs-init -f synthetic -W 128 -H 96 -N 12 -o "$out/synthetic.sgs"
bin/sgs-init -i "$out/synthetic.sgs"
