#!/usr/bin/env python3
"""Write a small random splat (Inria 3DGS PLY) for the CLI tests:
make_splat.py OUT.ply [count] [sh_degree] [seed].  Gaussians fill a box of
half-size 1 around the origin, where the synthetic scene's cameras look."""
import random
import struct
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
deg = int(sys.argv[3]) if len(sys.argv) > 3 else 1
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
nrest = 3 * ((deg + 1) ** 2 - 1)
props = ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"]
props += [f"f_rest_{i}" for i in range(nrest)]
props += ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
with open(out, "wb") as f:
    head = ["ply", "format binary_little_endian 1.0", f"element vertex {n}"]
    head += [f"property float {p}" for p in props] + ["end_header"]
    f.write(("\n".join(head) + "\n").encode())
    for _ in range(n):
        v = [rng.uniform(-1, 1) for _ in range(3)] + [0, 0, 0]
        v += [rng.uniform(-1.5, 1.5) for _ in range(3)]
        v += [rng.uniform(-0.3, 0.3) for _ in range(nrest)]
        v += [rng.uniform(-1, 3)] + [rng.uniform(-3.5, -2) for _ in range(3)]
        v += [rng.gauss(0, 1) for _ in range(4)]
        f.write(struct.pack(f"<{len(v)}f", *v))
