#!/usr/bin/env python3
"""Turn Iconify JSON icon sets (npm `@iconify-json/<set>`) into (line art, colour) SVG pairs.

Writes DEST/color/NAME.svg and DEST/line/NAME.svg under the same names, as `prep SRC --lines
DIR` expects. Python 3 standard library only; used by scripts/fetch-fluent-emoji.sh,
scripts/fetch-streamline.sh and scripts/fetch-emojione.sh.

  iconify-pairs.py fluent FLAT.json HIGH_CONTRAST.json DEST [--all-skin-tones]
      colour = Fluent Emoji Flat, line art = Fluent Emoji High Contrast (same icon names).
      Skin-tone variants (NAME-light, NAME-medium-light, ...) exist only in Flat and share
      the base line art; by default only the base (default, yellow) tone is kept.
  iconify-pairs.py twins COLOUR.json LINE.json DEST
      the same for any two sets that draw the same icons under the same names, one in colour
      and one as line art (EmojiOne and EmojiOne Monotone); colours without a twin are dropped.
  iconify-pairs.py streamline ICONS.json DEST
      colour = the icon as drawn; line art = its stroke paths drawn black, every fill painted
      white so strokes hidden in the colour image stay hidden (dark ink fills such as pupils
      stay black; the translucent ground shadows go).

Prints one summary line to stderr; icons that cannot be made into a pair are listed in
DEST/dropped.txt with the reason.
"""

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

SKIN_TONES = ("light", "medium-light", "medium", "medium-dark", "dark")
# Non-greedy base: `man-medium-dark` is `man` in tone `medium-dark`, not `man-medium` in `dark`.
TONE_RE = re.compile(r"^(?P<base>.+?)-(?P<tone>%s)$" % "|".join(SKIN_TONES))

# Streamline's outline colours (the uniform dark stroke #45413c and a slightly lighter twin).
STREAMLINE_INK = {"#45413c", "#4f4b45"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def wrap(body, width, height):
    return f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}">{body}</svg>\n'


def size_of(icon_set, icon):
    return icon.get("width", icon_set.get("width", 16)), icon.get("height", icon_set.get("height", 16))


def write_pair(dest, name, color_svg, line_svg):
    (dest / "color" / f"{name}.svg").write_text(color_svg, encoding="utf-8")
    (dest / "line" / f"{name}.svg").write_text(line_svg, encoding="utf-8")


def prepare(dest):
    for sub in ("color", "line"):
        (dest / sub).mkdir(parents=True, exist_ok=True)


def fluent(args):
    flat, hc, dest = load(args.flat), load(args.high_contrast), Path(args.dest)
    prepare(dest)
    pairs, dropped = 0, []
    for name, icon in sorted(flat["icons"].items()):
        base, tone = name, None
        m = TONE_RE.match(name)
        if name not in hc["icons"] and m and m.group("base") in hc["icons"]:
            base, tone = m.group("base"), m.group("tone")
        if base not in hc["icons"]:
            dropped.append((name, f"no {args.twin_name} twin"))
            continue
        if tone and not args.all_skin_tones:
            continue  # skin-tone variant: same line art as the base, skipped by default
        line_icon = hc["icons"][base]
        # Both share one coordinate system; a few differ in height by one unit (32 vs 33):
        # give both the larger box so they stay aligned after prep pads them square.
        (fw, fh), (lw, lh) = size_of(flat, icon), size_of(hc, line_icon)
        w, h = max(fw, lw), max(fh, lh)
        # High Contrast draws with currentColor: make it black explicitly.
        line_body = line_icon["body"].replace("currentColor", "#000")
        write_pair(dest, name, wrap(icon["body"], w, h), wrap(line_body, w, h))
        pairs += 1
    return pairs, dropped


def luminance(color):
    """Relative lightness (0-1) of #rgb / #rrggbb; None for anything else."""
    c = color.strip().lower()
    if not re.fullmatch(r"#[0-9a-f]{3}|#[0-9a-f]{6}", c):
        return None
    if len(c) == 4:
        c = "#" + "".join(ch * 2 for ch in c[1:])
    r, g, b = (int(c[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def inline_uses(root):
    """Replace each <use href="#id"> by a copy of the element it points at (the referenced
    element's own attributes win over the use's, as inherited ones would), then drop <defs>."""
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    for parent in list(root.iter()):
        for i, child in enumerate(list(parent)):
            if child.tag != f"{{{SVG_NS}}}use":
                continue
            ref = (child.get("href") or child.get(f"{{{XLINK_NS}}}href") or "").lstrip("#")
            target = by_id.get(ref)
            if target is None:
                raise ValueError(f"<use> points at a missing id `{ref}`")
            copy = ET.Element(target.tag, {**{k: v for k, v in child.attrib.items() if "href" not in k}, **target.attrib})
            copy.attrib.pop("id", None)
            copy.extend(list(target))
            parent[i] = copy
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{{{SVG_NS}}}defs":
                parent.remove(child)


def streamline_line(body, w, h):
    """Line art of a Streamline emoji: its strokes drawn black over white fills.

    Fills are painted white rather than removed, so a stroke that a later shape covers in the
    colour image stays hidden (hair over a forehead, a panda's head over its ears); dark ink
    fills (pupils) stay black; translucent shapes (ground shadows) and white highlight strokes
    go."""
    root = ET.fromstring(wrap(body, w, h))
    inline_uses(root)
    strokes = 0
    for parent in list(root.iter()):
        for el in list(parent):
            if float(el.get("opacity", "1")) < 1:
                parent.remove(el)  # ground shadow or translucent highlight
                continue
            fill, stroke = el.get("fill"), el.get("stroke")
            if fill is not None and fill != "none":
                el.set("fill", "#000" if fill.lower() in STREAMLINE_INK else "#fff")
            if stroke not in (None, "none"):
                if (luminance(stroke) or 0) > 0.8:
                    el.set("stroke", "none")  # white highlight stroke
                else:
                    el.set("stroke", "#000")
                    strokes += 1
    for parent in list(root.iter()):
        for child in list(parent):
            if child.get("fill") == "none" and child.get("stroke") in (None, "none") and len(child) == 0:
                parent.remove(child)  # nothing left to draw
    if strokes == 0:
        raise ValueError("no dark stroke paths")
    return ET.tostring(root, encoding="unicode") + "\n"


def streamline(args):
    icons, dest = load(args.icons), Path(args.dest)
    prepare(dest)
    pairs, dropped = 0, []
    for name, icon in sorted(icons["icons"].items()):
        w, h = size_of(icons, icon)
        try:
            line = streamline_line(icon["body"], w, h)
        except (ValueError, ET.ParseError) as e:
            dropped.append((name, str(e)))
            continue
        write_pair(dest, name, wrap(icon["body"], w, h), line)
        pairs += 1
    return pairs, dropped


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fluent")
    f.add_argument("flat")
    f.add_argument("high_contrast")
    f.add_argument("dest")
    f.add_argument("--all-skin-tones", action="store_true", help="also pair every skin tone with the base line art")
    f.set_defaults(twin_name="High Contrast")
    t = sub.add_parser("twins")
    t.add_argument("flat", metavar="colour")
    t.add_argument("high_contrast", metavar="line")
    t.add_argument("dest")
    t.set_defaults(twin_name="line-art", all_skin_tones=False)
    s = sub.add_parser("streamline")
    s.add_argument("icons")
    s.add_argument("dest")
    args = p.parse_args()
    pairs, dropped = streamline(args) if args.cmd == "streamline" else fluent(args)
    with open(Path(args.dest) / "dropped.txt", "w", encoding="utf-8") as f:
        for name, why in dropped:
            f.write(f"{name}: {why}\n")
    print(f"iconify-pairs {args.cmd}: {pairs} pairs written, {len(dropped)} dropped", file=sys.stderr)


if __name__ == "__main__":
    main()
