#!/usr/bin/env python3
"""Writes hostile and odd inputs into DIR (default ./hostile): decompression bombs (PNG, GIF,
WebP, TIFF, JPEG headers declaring huge sizes; SVGs with a huge viewBox, deep nesting,
entity expansion, an <image> reading /dev/zero, an embedded PNG bomb), 16-bit, CMYK,
palette-with-alpha and animated images, zero-byte and truncated files, a symlink loop, a
non-UTF-8 file name and a directory named like an image. stdlib only (the Pillow-made
odd formats come from fuzz/regressions/image_load/odd_*).
Usage: hostile.py [DIR]"""
import base64
import os
import struct
import sys
import zlib

out = sys.argv[1] if len(sys.argv) > 1 else "hostile"
os.makedirs(out, exist_ok=True)


def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(w, h, depth=8, ctype=2, rows=None, extra=b""):
    """A PNG of w x h; `rows` (raw filtered scanlines) default to one zero byte: a bomb."""
    body = zlib.compress(rows if rows is not None else b"\0", 9)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
            + extra + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b""))


def png_real(w, h, depth, ctype, channels, plte=b"", trns=b""):
    row_bytes = (w * channels * depth + 7) // 8
    rows = b"".join(b"\0" + bytes(((x * 37 + y * 11) % 251) for x in range(row_bytes)) for y in range(h))
    extra = (png_chunk(b"PLTE", plte) if plte else b"") + (png_chunk(b"tRNS", trns) if trns else b"")
    return png(w, h, depth, ctype, rows, extra)


# Decompression bombs: headers declaring huge images, almost no data.
put("bomb_png_100000x100000.png", png(100000, 100000))
# A real deflate bomb: 8000 x 8000 RGB of zeros (192 MB decoded) in ~190 KB.
put("bomb_png_8000x8000_deflate.png",
    png(8000, 8000, rows=b"".join(b"\0" + bytes(8000 * 3) for _ in range(8000))))
gif = (b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
       + b"\x2c" + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00\x3b")
put("bomb_gif_65535x65535.gif", gif)
vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x10\0\0\0" + (16383).to_bytes(3, "little") * 2
put("bomb_webp_16384x16384.webp", b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x)
sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 65500, 65500, 1) + b"\x01\x11\x00"
put("bomb_jpeg_65500x65500.jpg", b"\xff\xd8" + sof + b"\xff\xd9")
tiff_entries = [(256, 4, 1, 1000000), (257, 4, 1, 1000000), (258, 3, 1, 8), (259, 3, 1, 1),
                (262, 3, 1, 1), (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, 1000000), (279, 4, 1, 1)]
ifd = struct.pack("<H", len(tiff_entries)) + b"".join(
    struct.pack("<HHII", t, ty, n, v) if ty == 4 else struct.pack("<HHIHH", t, ty, n, v, 0)
    for t, ty, n, v in tiff_entries) + b"\0\0\0\0"
put("bomb_tiff_1000000x1000000.tif", b"II*\0" + struct.pack("<I", 8) + ifd)
put("strip_png_1x4000000.png", png(1, 4000000))
put("bomb_svg_huge_viewbox.svg",
    b'<svg xmlns="http://www.w3.org/2000/svg" width="1000000" height="1000000" viewBox="0 0 1000000 1000000"><rect width="10" height="10"/></svg>')
put("bomb_svg_deep_nesting.svg",
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' + b"<g>" * 100000 + b'<rect width="5" height="5"/>' + b"</g>" * 100000 + b"</svg>")
put("bomb_svg_many_elements.svg",
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' + b'<rect width="5" height="5" opacity="0.5"/>' * 200000 + b"</svg>")
lol = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">' + b"".join(
    b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + i,) + (97 + i,) * 10) for i in range(8)
) + b']><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&i;</text></svg>'
put("bomb_svg_billion_laughs.svg", lol)
put("bomb_svg_blur.svg",
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><filter id="f" x="-100000" y="-100000" width="200000" height="200000"><feGaussianBlur stdDeviation="100000"/></filter><rect width="10" height="10" filter="url(#f)"/></svg>')
put("svg_image_dev_zero.svg",
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image width="10" height="10" xlink:href="/dev/zero"/></svg>')
put("svg_image_local_file.svg",
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image width="10" height="10" xlink:href="/etc/hostname"/></svg>')
put("svg_embedded_png_bomb.svg",
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image width="10" height="10" xlink:href="data:image/png;base64,'
    + base64.b64encode(png(100000, 100000)) + b'"/></svg>')
# Odd but legitimate.
put("odd_png_16bit_rgba.png", png_real(20, 20, 16, 6, 4))
put("odd_png_16bit_gray.png", png_real(20, 20, 16, 0, 1))
put("odd_png_palette_alpha.png",
    png_real(20, 20, 8, 3, 1, plte=bytes(range(256)) * 3, trns=bytes(range(0, 256, 2))))
put("odd_png_1bit_gray.png", png_real(24, 20, 1, 0, 1))
# Real CMYK JPEG and TIFF, animated GIF and WebP, 16-bit and palette-with-alpha files (made
# with Pillow by fuzz/seeds.py and kept in fuzz/regressions/image_load/odd_*).
regr = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fuzz", "regressions", "image_load")
for name in sorted(os.listdir(regr)):
    if name.startswith("odd_"):
        with open(os.path.join(regr, name), "rb") as f:
            put(name, f.read())
put("zero_bytes.png", b"")
good = png_real(16, 16, 8, 2, 3)
put("truncated.png", good[: len(good) // 2])
put("not_an_image.png", b"hello, I am text\n")
# File-system oddities.
loop = os.path.join(out, "loop")
if not os.path.islink(loop):
    os.symlink(".", loop)
if not os.path.lexists(os.path.join(out, "self_link.png")):
    os.symlink("self_link.png", os.path.join(out, "self_link.png"))
os.makedirs(os.path.join(out, "directory.png"), exist_ok=True)
with open(os.path.join(out.encode(), b"non_utf8_\xff\xfe.png"), "wb") as f:
    f.write(good)
print(out)
