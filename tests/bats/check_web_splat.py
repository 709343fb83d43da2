#!/usr/bin/env python3
"""check_web_splat.py MODEL.ply OUT.splat: decode a web viewer's .splat file
written by sgs-render --export splat and check it against the model: 32
bytes per Gaussian, positions and scales exact as float32, RGBA and
rotation within one step of their 8-bit quantisation, and the viewers'
order (exp(sum of log-scales) * sigmoid(opacity), descending).  Prints
one line of counts; exits 1 with the first mismatch."""
import math
import struct
import sys

SH_C0 = 0.28209479177387814


def read_ply(path):
    with open(path, "rb") as f:
        names, n = [], 0
        assert f.readline() == b"ply\n"
        while True:
            line = f.readline().decode().split()
            if line == ["end_header"]:
                break
            if line[0] == "element":
                n = int(line[2])
            elif line[0] == "property":
                assert line[1] == "float", line
                names.append(line[2])
        rows = []
        for _ in range(n):
            vals = struct.unpack(f"<{len(names)}f", f.read(4 * len(names)))
            rows.append(dict(zip(names, vals)))
        return rows


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def fail(msg):
    print("mismatch: " + msg)
    sys.exit(1)


def main():
    rows = read_ply(sys.argv[1])
    data = open(sys.argv[2], "rb").read()
    if len(data) != 32 * len(rows):
        fail(f"{len(data)} bytes for {len(rows)} Gaussians")
    # Each record is matched to its Gaussian by position (exact floats).
    by_pos = {}
    for i, r in enumerate(rows):
        by_pos.setdefault((f32(r["x"]), f32(r["y"]), f32(r["z"])), []).append(i)
    keys, seen = [], set()
    for k in range(len(rows)):
        rec = data[32 * k:32 * k + 32]
        pos = struct.unpack("<3f", rec[:12])
        scale = struct.unpack("<3f", rec[12:24])
        rgba = rec[24:28]
        rot = rec[28:32]
        cand = [i for i in by_pos.get(pos, []) if i not in seen]
        if not cand:
            fail(f"record {k}: position {pos} is no Gaussian's")
        i = cand[0]
        seen.add(i)
        r = rows[i]
        for a in range(3):
            want = math.exp(r[f"scale_{a}"])
            if abs(scale[a] - want) > 1e-6 * want:
                fail(f"record {k}: scale {scale[a]} != {want}")
            c = min(max(0.5 + SH_C0 * r[f"f_dc_{a}"], 0), 1) * 255
            if abs(rgba[a] - c) > 1:
                fail(f"record {k}: colour {rgba[a]} != {c}")
        alpha = 255 / (1 + math.exp(-r["opacity"]))
        if abs(rgba[3] - alpha) > 1:
            fail(f"record {k}: alpha {rgba[3]} != {alpha}")
        q = [r[f"rot_{a}"] for a in range(4)]
        qn = math.sqrt(sum(v * v for v in q))
        for a in range(4):
            want = min(max(q[a] / qn * 128 + 128, 0), 255)
            if abs(rot[a] - want) > 1:
                fail(f"record {k}: rotation byte {a} {rot[a]} != {want}")
        keys.append(math.exp(r["scale_0"] + r["scale_1"] + r["scale_2"]) / (1 + math.exp(-r["opacity"])))
    for k in range(1, len(keys)):
        if keys[k] > keys[k - 1] * (1 + 1e-9):
            fail(f"record {k} sorts before record {k - 1}")
    print(f"{len(rows)} Gaussians, {len(data)} bytes, sorted")


main()
