#!/usr/bin/env python3
"""Rewrite one field of a chunked sgs file (scene or checkpoint; framing in
sgs-formats(5)): patch_chunk.py IN OUT TAG[:k] OFFSET TYPE VALUE.

TAG:k picks the k-th chunk with that tag (from 0); OFFSET is into its
payload; TYPE is u32, i32, f32, f64 or sN (a NUL-padded string of N
bytes); VALUE may be +N for u32 (added) or nan/inf for floats.  The tests
make hostile files with it without a writer of their own."""
import os
import struct
import sys


def chunks(b):
    off = 8
    while off + 16 <= len(b):
        tag = bytes(b[off:off + 4]).decode('latin-1')
        length = struct.unpack_from('<Q', b, off + 8)[0]
        yield tag, off + 16
        off += 16 + (length + 7) // 8 * 8


def main(src, dst, which, offset, kind, value):
    b = bytearray(open(src, 'rb').read())
    tag, _, k = which.partition(':')
    tag = tag.ljust(4)
    starts = [o for t, o in chunks(b) if t == tag]
    at = starts[int(k or 0)] + int(offset)
    if kind[0] == 's':
        n = int(kind[1:])
        raw = os.fsencode(value)[:n]  # bytes as given, also non-UTF-8
        b[at:at + n] = raw + bytes(n - len(raw))
    else:
        fmt = {'u32': '<I', 'i32': '<i', 'f32': '<f', 'f64': '<d'}[kind]
        if fmt in ('<f', '<d'):
            v = float(value)
        elif value.startswith('+'):
            v = struct.unpack_from(fmt, b, at)[0] + int(value[1:])
        else:
            v = int(value)
        struct.pack_into(fmt, b, at, v)
    open(dst, 'wb').write(b)


if __name__ == '__main__':
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
