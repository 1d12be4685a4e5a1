"""An OpenRaster reader independent of colorize: opens an .ora with zipfile, reads
stack.xml, composites the visible layers itself and compares the result with the file's
mergedimage.png. Prints one JSON object (what the Rust test asserts on).

Compositing follows the W3C "Compositing and Blending Level 1" formulas, in floats on
[0, 1] values, with non-premultiplied layers:
    Cs' = (1 - ab) Cs + ab B(Cb, Cs)
    co  = as Cs' + (1 - as) ab Cb          (premultiplied result)
    ao  = as + ab (1 - as),  Co = co / ao
with B = Cs for svg:src-over and, for svg:hard-light,
    B = Cb * 2 Cs                      if Cs <= 0.5 (multiply)
    B = Cb + (2Cs - 1) - Cb (2Cs - 1)  otherwise    (screen)

Usage: read_ora.py FILE.ora
"""

import io
import json
import sys
import xml.etree.ElementTree as ET
import zipfile

from PIL import Image


def blend(op, cb, cs):
    if op == "svg:src-over":
        return cs
    if op == "svg:hard-light":
        if cs <= 0.5:
            return cb * 2.0 * cs
        m = 2.0 * cs - 1.0
        return cb + m - cb * m
    raise SystemExit(f"unsupported composite-op {op}")


def rgba_floats(img):
    raw = img.convert("RGBA").tobytes()
    return [tuple(v / 255.0 for v in raw[i:i + 4]) for i in range(0, len(raw), 4)]


def composite(layers, w, h):
    """layers: bottom to top, (op, opacity, pixels)."""
    out = [(0.0, 0.0, 0.0, 0.0)] * (w * h)
    for op, opacity, pixels in layers:
        nxt = []
        for (r, g, b, ab), (sr, sg, sb, sa) in zip(out, pixels):
            a_s = sa * opacity
            ao = a_s + ab * (1.0 - a_s)
            px = []
            for cb, cs in ((r, sr), (g, sg), (b, sb)):
                cs2 = (1.0 - ab) * cs + ab * blend(op, cb, cs)
                co = a_s * cs2 + (1.0 - a_s) * ab * cb
                px.append(co / ao if ao > 0 else 0.0)
            nxt.append((px[0], px[1], px[2], ao))
        out = nxt
    return out


def main(path):
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        first = infos[0]
        root = ET.fromstring(z.read("stack.xml"))
        w, h = int(root.get("w")), int(root.get("h"))
        stack = root.find("stack")
        listed = []
        visible = []
        for el in stack.findall("layer"):
            info = {
                "name": el.get("name"),
                "src": el.get("src"),
                "visibility": el.get("visibility", "visible"),
                "composite_op": el.get("composite-op", "svg:src-over"),
            }
            listed.append(info)
            img = Image.open(io.BytesIO(z.read(info["src"])))
            info["mode"] = img.mode
            info["size"] = list(img.size)
            if info["visibility"] == "visible":
                opacity = float(el.get("opacity", "1.0"))
                visible.append((info["composite_op"], opacity, rgba_floats(img)))
        # stack.xml lists the topmost layer first: composite from the bottom.
        result = composite(list(reversed(visible)), w, h)
        merged = rgba_floats(Image.open(io.BytesIO(z.read("mergedimage.png"))))
        thumb = Image.open(io.BytesIO(z.read("Thumbnails/thumbnail.png")))
        max_diff = 0
        for got, want in zip(result, merged):
            for k in range(3):
                d = abs(round(got[k] * 255.0) - round(want[k] * 255.0))
                max_diff = max(max_diff, d)
        min_alpha = min(p[3] for p in result)
        print(json.dumps({
            "entries": [i.filename for i in infos],
            "first": first.filename,
            "first_stored": first.compress_type == zipfile.ZIP_STORED,
            "mimetype": z.read("mimetype").decode("ascii"),
            "version": root.get("version"),
            "size": [w, h],
            "layers": listed,
            "max_diff": max_diff,
            "min_alpha": min_alpha,
            "thumbnail": list(thumb.size),
        }))


if __name__ == "__main__":
    main(sys.argv[1])
