#!/bin/sh
# Build test_train_ops_backend with every CUDA kernel (render and training)
# running on the CPU under a sanitizer, as build.sh does for the render
# kernels:
#   sh tests/gpu/emu/build_train.sh [address|thread|undefined]
#   SGS_TEST_QUICK=1 build/emu/test_train_ops_backend-address
# SGS_TEST_QUICK=1 leaves out the cases too large for the emulation
# (1920x1080 loss, 20000-Gaussian densify).  Needs g++ and python3.
set -e
cd "$(dirname "$0")/../../.."
SAN=${1:-address}
E=tests/gpu/emu
D=build/emu/train-$SAN
rm -rf "$D"
mkdir -p "$D/lib" "$D/src"
F="-g -O1 -fsanitize=$SAN -fno-omit-frame-pointer -fopenmp -Ilibcommon -Ikernels -D_GNU_SOURCE -DSGS_WITH_CUDA=1"
for f in kernels/cuda/*.cu; do
	b=$(basename "$f" .cu)
	python3 $E/launch_syntax.py "$f" "$D/src/$b.cpp"
	g++ -std=c++17 -w $F -I$E -Ikernels/cuda -c "$D/src/$b.cpp" -o "$D/$b.o"
done
g++ -std=c++17 -w $F -I$E -c $E/emu.cpp -o "$D/emu.o"
for f in libcommon/sgs_error.c kernels/*.c kernels/cpu/*.c; do
	gcc -std=c11 -w $F -c "$f" -o "$D/lib/$(basename "$f" .c).o"
done
gcc -std=c11 -w $F -Itests/unit -c tests/unit/test_train_ops_backend.c -o "$D/test.o"
ar rcs "$D/libemu.a" "$D"/lib/*.o
g++ -fsanitize="$SAN" -fopenmp "$D"/*.o "$D/libemu.a" -o "build/emu/test_train_ops_backend-$SAN" -lm -lpthread
echo "built build/emu/test_train_ops_backend-$SAN"
