"""The hint-efficiency curves of `colorize eval --suggest --json` files as one chart: a panel
per dataset, PSNR against the number of hints k for each method, the curve's area (mean PSNR
over k = 1..K) in the legend; and the same figures as a Markdown table on stdout (the area's
gain of each method over `largest` and `random`). Usage: plot.py --out CHART.png FILE.json...
"""
import argparse
import json
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "dropout": dict(color="#d81b60", lw=2.2, marker="o"),
    "spread": dict(color="#1e88e5", lw=1.6, marker="s"),
    "largest": dict(color="#333333", lw=1.6, marker="^", ls="--"),
    "random": dict(color="#999999", lw=1.4, marker="v", ls=":"),
}


def print_table(panels):
    print("| dataset | method | pairs | k=0 | k=1 | k=2 | k=3 | k=5 | k=10 | area | vs largest | vs random |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for _, d in panels:
        area = {r["method"]: r["area"] for r in d["rows"]}
        for r in d["rows"]:
            p = r["psnr"]
            ks = [p[min(k, len(p) - 1)] for k in (0, 1, 2, 3, 5, 10)]
            vs = [f'{r["area"] - area[m]:+.2f}' if m in area and m != r["method"] else "" for m in ("largest", "random")]
            name = os.path.basename(d["data"])
            cells = [name, r["method"], str(r["pairs"])] + [f"{v:.2f}" for v in ks] + [f'{r["area"]:.2f}'] + vs
            print("| " + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    panels = []
    for f in args.files:
        with open(f) as fh:
            doc = json.load(fh)
        for d in doc["datasets"]:
            panels.append((doc, d))
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.9 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (doc, d) in zip(axes.flat, panels):
        for r in d["rows"]:
            k = list(range(len(r["psnr"])))
            st = STYLE.get(r["method"], {})
            ax.plot(k, r["psnr"], label=f'{r["method"]}  area {r["area"]:.2f}', ms=4, **st)
        pairs = d["rows"][0]["pairs"] if d["rows"] else 0
        ax.set_title(f'{os.path.basename(d["data"])}: {pairs} pairs, {doc["style"]}', fontsize=10)
        ax.set_xlabel("hints k")
        ax.set_ylabel("PSNR (dB)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    print_table(panels)
    fig.suptitle("Hint-efficiency curves: one scribble per step in the area each method picks")
    fig.tight_layout()
    tmp = args.out + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, args.out)
    print(args.out)


if __name__ == "__main__":
    main()
