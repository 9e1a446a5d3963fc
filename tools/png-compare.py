#!/usr/bin/env python3
"""png-compare.py - how two screenshots of one page differ (make test-report).

    tools/png-compare.py A.png B.png

Prints "differ=N dark=M distinct=K pixels=P": N pixels whose colour differs
between A and B (compared over the smaller of the two sizes), M pixels of A
that are dark (ink: the text), K distinct colours of A, P pixels of A.
Reads the 8-bit, non-interlaced RGB/RGBA/grey PNGs a browser writes, with
nothing but the standard library. Exits 2 on a PNG it cannot read.
"""
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace != 0 or ctype not in (0, 2, 4, 6):
                raise ValueError(f"{path}: PNG depth {depth}, colour type {ctype}, "
                                 f"interlace {interlace}: not read here")
            bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if width is None:
        raise ValueError(f"{path}: no IHDR")
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, off = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[off], bytearray(raw[off + 1:off + 1 + stride])
        off += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    # Each pixel as its grey or RGB bytes (alpha left out).
    ncol = 1 if ctype in (0, 4) else 3
    pix = [[row[x * bpp:x * bpp + ncol] for x in range(width)] for row in rows]
    return width, height, pix


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        wa, ha, a = read_png(sys.argv[1])
        wb, hb, b = read_png(sys.argv[2])
    except (OSError, ValueError, zlib.error) as e:
        print(f"png-compare: {e}", file=sys.stderr)
        return 2
    differ = sum(1 for y in range(min(ha, hb)) for x in range(min(wa, wb))
                 if a[y][x] != b[y][x])
    dark = sum(1 for row in a for p in row if sum(p) / len(p) < 100)
    distinct = len({p for row in a for p in row})
    print(f"differ={differ} dark={dark} distinct={distinct} pixels={wa * ha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
