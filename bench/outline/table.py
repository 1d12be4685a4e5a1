"""Markdown tables of bench/outline/run.sh results, one or more models side by side.

  python3 bench/outline/table.py bench/out/outline/today bench/out/outline/new
"""
import json
import os
import sys


def load(d, name):
    p = os.path.join(d, name + ".json")
    return json.load(open(p)) if os.path.exists(p) else []


def short(data):
    return os.path.basename(data.rstrip("/"))


def effects(dirs, labels):
    """One rough effect alone: PSNR change from the clean split at 0 / 20 hints."""
    table = {}
    for d, l in zip(dirs, labels):
        for r in load(d, "effects"):
            if r["data"] == "all":
                continue
            src, _, effect = short(r["data"]).partition("-only-")
            table.setdefault((l, src), {})[(effect or "clean", r["hints"])] = r["psnr"]
    if not table:
        return
    names = ["thicken", "wobble", "gaps", "grain", "paper", "blur", "noise", "jpeg"]
    print("\n### One rough effect alone: PSNR dB change from the clean split, 0 / 20 hints\n")
    print("| model | data | clean 0 / 20 | " + " | ".join(names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    for (l, src), v in table.items():
        cells = [f"{v[(e, 0)] - v[('clean', 0)]:+.2f} / {v[(e, 20)] - v[('clean', 20)]:+.2f}"
                 for e in names]
        print(f"| {l} | {src} | {v[('clean', 0)]:.2f} / {v[('clean', 20)]:.2f} | " + " | ".join(cells) + " |")


def main():
    dirs = sys.argv[1:]
    if not dirs:
        sys.exit(__doc__)
    labels = [os.path.basename(d.rstrip("/")) for d in dirs]

    print("### Test splits: PSNR dB at 0 / 20 hints (clean | rough copy), grey baseline\n")
    print("| data | " + " | ".join(f"{l} clean 0 / 20 | {l} rough 0 / 20" for l in labels) + " | grey |")
    print("|---|" + "---|---|" * len(labels) + "---|")
    base = {}
    rows = {}
    for d, l in zip(dirs, labels):
        for kind in ("sources", "rough"):
            for r in load(d, kind):
                key = short(r["data"]).replace("-rough", "")
                if r["model"].startswith("baseline"):
                    if kind == "sources":
                        base[key] = r["psnr"]
                    continue
                rows.setdefault(key, {})[(l, kind, r["hints"])] = r["psnr"]
    for key, v in rows.items():
        cells = []
        for l in labels:
            for kind in ("sources", "rough"):
                a, b = v.get((l, kind, 0)), v.get((l, kind, 20))
                cells.append(f"{a:.2f} / {b:.2f}" if a is not None and b is not None else "-")
        g = base.get(key)
        print(f"| {key} | " + " | ".join(cells) + f" | {g:.2f} |" if g else " | - |")

    effects(dirs, labels)

    print("\n### Held-out EmojiOne (never trained on), 0 hints\n")
    print("| model | PSNR dB | grey dB | gain dB | colourfulness ratio | hue JSD |")
    print("|---|---|---|---|---|---|")
    for d, l in zip(dirs, labels):
        rs = load(d, "emojione")
        m = [r for r in rs if not r["model"].startswith("baseline")]
        g = [r for r in rs if r["model"].startswith("baseline")]
        if m and g:
            m, g = m[0], g[0]
            print(f"| {l} | {m['psnr']:.2f} | {g['psnr']:.2f} | {m['psnr'] - g['psnr']:+.2f} | "
                  f"{m['colourfulness_ratio']:.3f} | {m['hue_jsd']:.3f} |")

    print("\n### Outline drawings (held out) by work size, 0 hints\n")
    print("| data | size | style | " + " | ".join(
        f"{l} PSNR | {l} colour ratio | {l} hue JSD | {l} mottle | {l} leak" for l in labels) + " |")
    print("|---|---|---|" + "---|---|---|---|---|" * len(labels))
    table = {}
    for d, l in zip(dirs, labels):
        for r in load(d, "sizes"):
            if r["model"].startswith("baseline") or r["data"] == "all":
                continue
            name = short(r["data"])
            src, size = name.rsplit("-held-", 1)
            table.setdefault((src, int(size), r["style"]), {})[l] = r
    for (src, size, style), v in sorted(table.items()):
        cells = []
        for l in labels:
            r = v.get(l)
            cells.append(
                f"{r['psnr']:.2f} | {r['colourfulness_ratio']:.2f} | {r['hue_jsd']:.3f} | "
                f"{r['mottle']:.2f} | {100 * r['leak']:.1f}%" if r else "- | - | - | - | -")
        print(f"| {src} | {size} | {style} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
