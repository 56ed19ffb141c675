#!/usr/bin/env python3
"""How much of the compressed module each group of functions is.

gzip shares repeated code between monomorphized copies, so raw sizes (twiggy) mislead: this zeroes
the bodies of the functions whose names match a pattern and measures how much smaller the module
gets under `gzip -9` (the function-name section left out, as in the deployable).

Usage: a module with names, e.g. the worker's wasm run through wasm-bindgen without
--remove-name-section:
  .tools/bin/wasm-bindgen target/wasm32-unknown-unknown/release/zoom_booking_edge.wasm \
      --out-dir /tmp/named --target bundler
  python3 scripts/wasm-gzip-share.py /tmp/named/zoom_booking_edge_bg.wasm 'serde_json' 'flt2dec'
  python3 scripts/wasm-gzip-share.py /tmp/named/zoom_booking_edge_bg.wasm --top 30 'coordinator'
"""
import gzip
import re
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def parse(data):
    sections, i = [], 8
    while i < len(data):
        sid = data[i]
        size, j = leb(data, i + 1)
        sections.append((sid, i, j, j + size))
        i = j + size
    imports, bodies, names, keep = 0, [], {}, []
    for sid, start, off, end in sections:
        is_names = False
        if sid == 0:
            n, p = leb(data, off)
            is_names = bytes(data[p:p + n]) == b"name"
            p += n
            while is_names and p < end:
                sub = data[p]
                size, q = leb(data, p + 1)
                if sub == 1:
                    count, r = leb(data, q)
                    for _ in range(count):
                        idx, r = leb(data, r)
                        n, r = leb(data, r)
                        names[idx] = data[r:r + n].decode("utf8", "replace")
                        r += n
                p = q + size
        elif sid == 2:
            count, p = leb(data, off)
            for _ in range(count):
                for _ in range(2):
                    n, p = leb(data, p)
                    p += n
                kind = data[p]
                p += 1
                if kind == 0:
                    _, p = leb(data, p)
                    imports += 1
                elif kind in (1, 2):
                    if kind == 1:
                        p += 1
                    flags = data[p]
                    p += 1
                    _, p = leb(data, p)
                    if flags & 1:
                        _, p = leb(data, p)
                elif kind == 3:
                    p += 2
        elif sid == 10:
            count, p = leb(data, off)
            for _ in range(count):
                n, q = leb(data, p)
                bodies.append((q, n))
                p = q + n
        if not is_names:
            keep.append((start, end))
    funcs = [(names.get(k + imports, ""), off, n) for k, (off, n) in enumerate(bodies)]
    return funcs, keep


def gz(data, keep):
    return len(gzip.compress(bytes(data[:8]) + b"".join(bytes(data[a:b]) for a, b in keep), 9))


def main():
    args = sys.argv[1:]
    data = bytearray(open(args.pop(0), "rb").read())
    top = 0
    if args[:1] == ["--top"]:
        top = int(args[1])
        args = args[2:]
    funcs, keep = parse(data)
    base = gz(data, keep)
    print(f"{base} bytes gzip")
    for pattern in args:
        rx = re.compile(pattern)
        chosen = [f for f in funcs if rx.search(f[0])]
        groups = [chosen] if not top else [[f] for f in sorted(chosen, key=lambda f: -f[2])[:top]]
        for group in groups:
            copy = bytearray(data)
            for _, off, n in group:
                copy[off:off + n] = bytes(n)
            label = pattern if not top else group[0][0][:140]
            raw = sum(n for _, _, n in group)
            print(f"{base - gz(copy, keep):7d} gzip {raw:8d} raw {len(group):5d} fns  {label}")


main()
