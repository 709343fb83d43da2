#!/usr/bin/env python3
"""Read scene files (sgs-formats(5)) for the CLI tests.
  scene_tool.py train-ids SCENE   the train views' indices in name order,
                                  comma-separated (what sgs-init -t takes
                                  after an import that sorts by name)
  scene_tool.py compare A B       compare the views of two scenes by name:
                                  split, size, intrinsics, R and t (to 1e-6
                                  relative), pixels (equal), seed points
                                  (equal as sets); prints one line of counts
                                  or the first difference (exit 1)"""
import struct
import sys


def read_scene(path):
    data = open(path, "rb").read()
    assert data[:4] == b"SGSC", "not a scene file"
    off, views, images, seeds = 8, [], [], []
    while True:
        tag, _flags, n = struct.unpack_from("<4sIQ", data, off)
        pay = data[off + 16:off + 16 + n]
        off += 16 + ((n + 7) & ~7)
        if tag == b"END\0" or tag == b"END ":
            break
        if tag == b"VIEW":
            name = pay[4:68].split(b"\0")[0].decode()
            split, w, h = struct.unpack_from("<III", pay, 72)
            k = struct.unpack_from("<4d", pay, 88)
            R = struct.unpack_from("<9d", pay, 120)
            t = struct.unpack_from("<3d", pay, 192)
            views.append(dict(name=name, split=split, size=(w, h), K=k, R=R, t=t))
        elif tag == b"IMAG":
            images.append(pay)
        elif tag == b"SEED":
            (count,) = struct.unpack_from("<Q", pay, 0)
            for i in range(count):
                seeds.append(pay[8 + 16 * i:8 + 16 * i + 15])
    for v, img in zip(views, images):
        v["image"] = img
    return views, seeds


def close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def compare(a, b):
    va, sa = read_scene(a)
    vb, sb = read_scene(b)
    byname = {v["name"]: v for v in vb}
    if sorted(byname) != sorted(v["name"] for v in va):
        return f"view names differ: {sorted(v['name'] for v in va)} vs {sorted(byname)}"
    for v in va:
        w = byname[v["name"]]
        for key in ("split", "size"):
            if v[key] != w[key]:
                return f"{v['name']}: {key} {v[key]} vs {w[key]}"
        for key in ("K", "R", "t"):
            for x, y in zip(v[key], w[key]):
                if not close(x, y):
                    return f"{v['name']}: {key} {v[key]} vs {w[key]}"
        if v.get("image") != w.get("image"):
            return f"{v['name']}: pixels differ"
    if sorted(sa) != sorted(sb):
        return f"seed points differ ({len(sa)} vs {len(sb)})"
    print(f"{len(va)} views, {len(sa)} points: equal")
    return None


if sys.argv[1] == "train-ids":
    views, _ = read_scene(sys.argv[2])
    names = sorted(v["name"] for v in views)
    print(",".join(str(names.index(v["name"])) for v in views if v["split"] == 1))
else:
    err = compare(sys.argv[2], sys.argv[3])
    if err:
        print("difference: " + err)
        sys.exit(1)
