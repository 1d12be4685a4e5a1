#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into corpus/<target>/ (small files of every
accepted format and mode, odd ones included; manifests). Needs Pillow
(python3 -m pip install pillow). The model_dir target's seed, a real 1-filter model, is
kept in regressions/model_dir/valid-tiny-ngf1.bin, which run.sh copies in."""
import base64, gzip, io, json, os, sys

from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def img(mode, size=(12, 9)):
    im = Image.new(mode, size)
    w, h = size
    for y in range(h):
        for x in range(w):
            v = (x * 23 + y * 11) % 256
            if mode in ("RGB", "YCbCr"):
                px = (v, 255 - v, (v * 3) % 256)
            elif mode == "RGBA":
                px = (v, 255 - v, 40, (x * 40) % 256)
            elif mode == "LA":
                px = (v, (y * 60) % 256)
            elif mode == "CMYK":
                px = (v, 0, 255 - v, 30)
            elif mode == "I;16":
                px = v * 257
            elif mode == "1":
                px = v > 128
            else:
                px = v
            im.putpixel((x, y), px)
    return im


def enc(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


raster = {}
for mode in ["RGB", "RGBA", "L", "LA", "I;16", "1"]:
    raster[f"png_{mode.replace(';', '')}.png"] = enc(img(mode), "PNG")
pal = img("RGB").convert("P", palette=Image.ADAPTIVE, colors=8)
pal.info["transparency"] = 0
raster["png_palette_alpha.png"] = enc(pal, "PNG", transparency=0)
for mode in ["RGB", "L", "CMYK"]:
    raster[f"jpeg_{mode}.jpg"] = enc(img(mode), "JPEG", quality=80)
raster["jpeg_progressive.jpg"] = enc(img("RGB"), "JPEG", progressive=True)
raster["webp_lossy.webp"] = enc(img("RGB"), "WEBP", quality=50)
raster["webp_lossless_alpha.webp"] = enc(img("RGBA"), "WEBP", lossless=True)
frames = [img("RGB"), img("RGB").transpose(Image.FLIP_LEFT_RIGHT)]
raster["webp_anim.webp"] = enc(frames[0], "WEBP", save_all=True, append_images=frames[1:])
raster["gif_anim.gif"] = enc(frames[0].convert("P"), "GIF", save_all=True,
                             append_images=[f.convert("P") for f in frames[1:]], loop=0)
raster["gif_alpha.gif"] = enc(pal, "GIF", transparency=0)
for mode in ["RGB", "L", "P", "1"]:
    raster[f"bmp_{mode}.bmp"] = enc(img(mode) if mode != "P" else pal, "BMP")
for mode in ["RGB", "RGBA", "CMYK", "I;16", "L"]:
    raster[f"tiff_{mode.replace(';', '')}.tif"] = enc(img(mode), "TIFF")
raster["tiff_lzw.tif"] = enc(img("RGB"), "TIFF", compression="tiff_lzw")
raster["tiff_deflate.tif"] = enc(img("RGB"), "TIFF", compression="tiff_adobe_deflate")

tiny_png = enc(img("RGB", (4, 4)), "PNG")
svgs = {
    "plain.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="16"><rect x="2" y="2" width="10" height="8" fill="#f80" stroke="#000"/><circle cx="18" cy="8" r="5" fill="none" stroke="black" stroke-width="2"/></svg>',
    "viewbox.svg": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"><path d="M10 10 L60 10 Q70 40 36 62 Z" fill="#3f3" stroke="#000" stroke-linejoin="round"/></svg>',
    "gradient_filter.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><defs><linearGradient id="g"><stop offset="0" stop-color="red"/><stop offset="1" stop-color="blue" stop-opacity="0.3"/></linearGradient><filter id="f"><feGaussianBlur stdDeviation="1"/></filter><clipPath id="c"><circle cx="10" cy="10" r="8"/></clipPath></defs><g clip-path="url(#c)" filter="url(#f)" opacity="0.8"><rect width="20" height="20" fill="url(#g)"/></g><use href="#c"/></svg>',
    "embedded.svg": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8"><image width="8" height="8" xlink:href="data:image/png;base64,' + base64.b64encode(tiny_png) + b'"/></svg>',
    "text.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="30" height="10"><text x="1" y="8" font-size="8">Hi</text><pattern id="p" width="2" height="2" patternUnits="userSpaceOnUse"><rect width="1" height="1"/></pattern><rect width="30" height="10" fill="url(#p)" fill-opacity="0.2"/></svg>',
}
moji_dir = os.path.join(here, "..", "data", "openmoji", "black", "svg")
if os.path.isdir(moji_dir):  # a real line-art SVG when the data is there
    with open(os.path.join(moji_dir, sorted(os.listdir(moji_dir))[0]), "rb") as f:
        moji = f.read()
    if len(moji) < 20000:
        svgs["openmoji.svg"] = moji
for name, data in svgs.items():
    raster[name] = data
raster["plain.svgz"] = gzip.compress(svgs["plain.svg"])

for name, data in raster.items():
    put("image_load", name, data)
    put("hints_image", name, data)

# upload: byte 0 flags (bit 0 hints, bits 2.. work size / 16), bytes 1-2 the sketch's
# length, the sketch, the hints (fuzz_targets/upload_input.rs).
def upload(flags, sketch, hints=b""):
    return bytes([flags]) + len(sketch).to_bytes(2, "little") + sketch + hints


hints_png = enc(img("RGBA"), "PNG")
for name, data in raster.items():
    if not name.endswith((".svg", ".svgz")):
        put("upload", name + ".upload", upload(0, data))
put("upload", "png_with_hints.upload", upload(1, raster["png_L.png"], hints_png))
put("upload", "png_hints_work96.upload", upload(1 | (6 << 2), raster["png_RGB.png"], hints_png))
put("upload", "svg_refused.upload", upload(0, svgs["plain.svg"]))

entry = {"id": "a/cat", "split": "train", "line": "line/a__cat.png", "color": "color/a__cat.png",
         "source": "src/a/cat.png", "method": "xdog", "size": 128, "settings": "xdog s=0.8",
         "source_stamp": "123:456", "split_key": "00ff"}
paired = dict(entry, id="b", split="val", lines_source="lines/b.png", method="paired")
put("manifest", "two.jsonl", (json.dumps(entry) + "\n" + json.dumps(paired) + "\n").encode())
put("manifest", "bad_line.jsonl", (json.dumps(entry) + "\n\n{\"id\": \"b\"}\n").encode())
print("seeds written under", os.path.join(here, "corpus"), file=sys.stderr)
