#!/bin/sh
# Build test_backend_ops (every CUDA-vs-CPU row: render and training
# operations) with the CUDA backend's kernels running on the CPU under a
# sanitizer, to check their indexing, barriers and warp collectives where
# there is no GPU (numbers are CPU arithmetic, so this says nothing about
# GPU rounding):
#   sh tests/gpu/emu/build.sh [address|thread|undefined]
#   SGS_TEST_QUICK=1 OMP_NUM_THREADS=1 build/emu/test_backend_ops-address [ROW...]
# SGS_TEST_QUICK=1 leaves out the inputs too large to emulate; ROW names
# limit the run to those rows (and the rows before them on the same
# inputs), e.g. the training rows only:
#   ... build/emu/test_backend_ops-address loss_l1_ssim loss_depth_pearson \
#       loss_depth_smooth adam update_max_radii reset_opacity densify mcmc_noise
# (loss_depth_smooth brings the local depth rows before it on the same maps)
# EXTRA="-mfma -ffp-contract=fast" fuses multiply-adds in the kernels as
# nvcc does.  Needs g++ and python3.
set -e
cd "$(dirname "$0")/../../.."
SAN=${1:-address}
E=tests/gpu/emu
D=build/emu/$SAN
rm -rf "$D"
mkdir -p "$D/lib" "$D/src"
F="-g -O1 -fsanitize=$SAN -fno-omit-frame-pointer -fopenmp -Ilibcommon -Ikernels -D_GNU_SOURCE -DSGS_WITH_CUDA=1"
for f in kernels/cuda/*.cu; do
	b=$(basename "$f" .cu)
	python3 $E/launch_syntax.py "$f" "$D/src/$b.cpp"
	g++ -std=c++17 -Wall -Wextra -Wno-unknown-pragmas $F ${EXTRA:-} -I$E -Ikernels/cuda \
		-c "$D/src/$b.cpp" -o "$D/$b.o"
done
g++ -std=c++17 -Wall -Wextra $F -I$E -c $E/emu.cpp -o "$D/emu.o"
for f in libcommon/sgs_error.c kernels/*.c kernels/cpu/*.c; do
	gcc -std=c11 -Wall -Wextra $F -c "$f" -o "$D/lib/$(basename "$f" .c).o"
done
gcc -std=c11 -Wall -Wextra $F -Itests/unit -c tests/unit/test_backend_ops.c -o "$D/test_backend_ops.o"
ar rcs "$D/libemu.a" "$D"/lib/*.o
g++ -fsanitize="$SAN" -fopenmp "$D"/*.o "$D/libemu.a" -o "build/emu/test_backend_ops-$SAN" -lm -lpthread
echo "built build/emu/test_backend_ops-$SAN"
