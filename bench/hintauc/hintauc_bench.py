"""Hint-AUC of `colorize serve` for each style on the test split of each dataset.

The protocol is the `hintauc` package's (Madono et al., "Hint-AUC", IEEE TVCG 2026):
`hintauc.evaluate_colorizer` generates the deterministic region hints from each ground
truth, asks the colorizer for every hint ratio of the paper's grid (0, .01, .03, .05, .1,
.25, .5, 1; scribble hints), scores PSNR and SSIM at 256 x 256 and integrates each over the
ratios (trapezoid). This script only adapts colorize to it: the colorizer it hands in POSTs
the sketch and the hints (an RGBA PNG, alpha 0 where there is no hint) to `/api/colorize`
with the form field `style`, on a server it starts on 127.0.0.1 and stops at the end.

The package draws each pair's hints once; every style is coloured from the same hints (the
first style inside `evaluate_colorizer`, the others saved in the package's layout and scored
by `hintauc.evaluate_hint_curve` from its manifest: on 8 OpenMoji pairs both paths give the
same 25.999 dB for `flat`). Three styles cost 1.8 s per pair here instead of 3.9.

Output: a table per dataset x style on stdout, everything in `--out` (JSON), the outputs
under `--predictions`.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import warnings

import cv2
import hintauc
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RATIOS = (0.0, 0.01, 0.03, 0.05, 0.1, 0.25, 0.5, 1.0)
METRICS = ("psnr", "ssim")
STYLES = ("soft", "flat", "shaded")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", action="append", default=[],
                   help="prep'd dataset directory (repeatable; default: every dataset under data/ with a test split)")
    p.add_argument("--style", default=",".join(STYLES), help="comma-separated styles (default: soft,flat,shaded)")
    p.add_argument("--limit", type=int, default=None, help="score only the first N test pairs of each dataset")
    p.add_argument("--model", default=None, help="model directory for the server (default: the server's)")
    p.add_argument("--bin", default=None,
                   help="colorize binary (default: target/release/colorize if built, else target/debug/colorize)")
    p.add_argument("--work-size", default=None, help="the form field work_size (default: the model's size)")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "hintauc", "results.json"), help="JSON results")
    p.add_argument("--predictions", default=os.path.join(ROOT, "bench", "out", "hintauc", "predictions"),
                   help="where every style's outputs are saved per dataset, in hintauc's layout (`hintauc curve` "
                        "re-scores them); default bench/out/hintauc/predictions")
    args = p.parse_args(argv)
    args.style = [s.strip() for s in args.style.split(",") if s.strip()]
    bad = [s for s in args.style if s not in STYLES]
    if bad:
        p.error(f"unknown style(s) {bad}: expected some of {STYLES}")
    return args


def default_bin():
    for profile in ("release", "debug"):
        path = os.path.join(ROOT, "target", profile, "colorize")
        if os.path.isfile(path):
            return path
    sys.exit("no colorize binary: build one (cargo build --release) or pass --bin")


def test_pairs(dataset, limit):
    """(line path, colour path) of the test split, in manifest order."""
    manifest = os.path.join(dataset, "manifest.jsonl")
    pairs = []
    with open(manifest) as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            if e["split"] == "test":
                pairs.append((os.path.join(dataset, e["line"]), os.path.join(dataset, e["color"])))
    return pairs[:limit] if limit is not None else pairs


def default_datasets():
    data = os.path.join(ROOT, "data")
    found = []
    for name in sorted(os.listdir(data)) if os.path.isdir(data) else []:
        d = os.path.join(data, name)
        if os.path.isfile(os.path.join(d, "manifest.jsonl")) and test_pairs(d, 1):
            found.append(d)
    if not found:
        sys.exit(f"no prep'd dataset with a test split under {data}: pass --data DIR")
    return found


class Server:
    """`colorize serve` on 127.0.0.1, on a free port the server picks (`--port 0`)."""

    def __init__(self, binary, model):
        cmd = [binary, "serve", "--host", "127.0.0.1", "--port", "0"]
        if model:
            cmd += ["--model", model]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        # The server prints its URL as the first line on stdout once it listens.
        self.url = self.proc.stdout.readline().strip().rstrip("/")
        if not self.url.startswith("http"):
            self.stop()
            sys.exit(f"colorize serve did not start ({' '.join(cmd)})")

    def stop(self):
        # Ctrl-C first (the server's clean stop), then SIGTERM, then SIGKILL: a shell that
        # starts this script in the background makes its children ignore SIGINT.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                return
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                continue


def multipart(fields):
    """(body, content type) of a multipart/form-data form; `fields`: name -> bytes (files)
    or str (text)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        if isinstance(value, bytes):
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.png"\r\n'
                    "Content-Type: image/png\r\n\r\n")
            parts.append(head.encode() + value + b"\r\n")
        else:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            parts.append(head.encode() + value.encode() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def png(array):
    ok, buf = cv2.imencode(".png", array)
    assert ok, "PNG encoding failed"
    return buf.tobytes()


def request(url, sketch_png, hints_png, style, work_size):
    """One colouring by the server: HxWx3 uint8 BGR."""
    fields = {"sketch": sketch_png}
    if hints_png is not None:
        fields["hints"] = hints_png
    fields["style"] = style
    if work_size:
        fields["work_size"] = work_size
    body, ctype = multipart(fields)
    req = urllib.request.Request(f"{url}/api/colorize", data=body, headers={"Content-Type": ctype})
    for attempt in range(20):
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                out = cv2.imdecode(np.frombuffer(r.read(), np.uint8), cv2.IMREAD_COLOR)
                return np.ascontiguousarray(out)
        except urllib.error.HTTPError as e:
            if e.code == 503:  # queue full: wait as the server asks
                time.sleep(1)
                continue
            sys.exit(f"/api/colorize answered {e.code}: {e.read().decode(errors='replace')}")
    sys.exit("/api/colorize stayed busy (503)")


def colorizer(url, styles, work_size, save_root):
    """The `hintauc` colorizer: sample -> HxWx3 uint8 BGR of the first style, from the server.

    The package draws the hints of a pair once per evaluation (most of its time: the region
    scribbles' skeletons); so that every style sees the same hints without drawing them again,
    the other styles are coloured from the same sample here and saved in the package's own
    layout (`save_root/<style>/<ratio dir>/<name>`, as `evaluate_colorizer(save_dir=...)`
    saves the first style's), to be scored by `hintauc.evaluate_hint_curve` afterwards.
    """

    def colorize(sample):
        line = sample["line_art"]
        sketch = png(line)
        mask = sample["hint_mask"] > 0
        hints = None
        if mask.any():
            # RGBA: the hint colour where hinted, alpha 0 elsewhere (OpenCV writes BGRA).
            bgra = np.zeros(line.shape + (4,), np.uint8)
            bgra[..., :3] = sample["hint_color"]
            bgra[..., 3] = np.where(mask, 255, 0)
            hints = png(bgra)
        for style in styles[1:]:
            out = request(url, sketch, hints, style, work_size)
            path = os.path.join(save_root, style, hintauc.alpha_dir_name(sample["alpha"]), sample["name"])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            hintauc.write_image(path, out)
        return request(url, sketch, hints, styles[0], work_size)

    return colorize


def evaluate_dataset(url, dataset, pairs, styles, work_size, save_root):
    """Hint-AUC of every style on `pairs`, the hints drawn once: {style: result}."""
    first = os.path.join(save_root, styles[0])
    ev = hintauc.evaluate_colorizer(colorizer(url, styles, work_size, save_root), pairs, alphas=RATIOS,
                                    hint_type="scribble", metrics=METRICS, save_dir=first, overwrite=True)
    results = {styles[0]: ev}
    manifest = hintauc.read_manifest(first)
    gt_dirs = {os.path.dirname(c) for _, c in pairs}
    if len(gt_dirs) != 1:
        sys.exit(f"{dataset}: the test pairs' colour images are in several directories: {sorted(gt_dirs)}")
    gt_dir = gt_dirs.pop()
    for style in styles[1:]:
        root = os.path.join(save_root, style)
        with open(os.path.join(root, hintauc.evaluate.MANIFEST_NAME), "w") as f:
            json.dump(manifest, f, indent=1)
        results[style] = hintauc.evaluate_hint_curve({}, gt_dir, metrics=METRICS, manifest=manifest, pred_root=root,
                                                     full_range=True)
        results[style]["protocol"] = ev["protocol"]
    return results


def table(results):
    head = f"{'data':<16} {'style':<7} {'pairs':>5} {'AUC PSNR':>9} {'AUC SSIM':>9}  " + " ".join(
        f"{r:>6}" for r in RATIOS)
    rows = [head, " " * 51 + "PSNR dB at each hint ratio"]
    for r in results:
        per = r["per_ratio"]
        rows.append(f"{r['data']:<16} {r['style']:<7} {r['pairs']:>5} {r['hint_auc']['psnr']:>9.3f} "
                    f"{r['hint_auc']['ssim']:>9.4f}  " + " ".join(f"{per[str(a)]['psnr']:>6.2f}" for a in RATIOS))
    return "\n".join(rows)


def main(argv=None):
    args = parse_args(argv)
    # Without torch the package scores SSIM with scikit-image and resizes with Pillow, and
    # warns at every image; the backend in use is in each result's "protocol" record.
    warnings.filterwarnings("ignore", message="torchmetrics is not installed")
    binary = args.bin or default_bin()
    datasets = args.data or default_datasets()
    server = Server(binary, args.model)
    results = []
    try:
        for d in datasets:
            pairs = test_pairs(d, args.limit)
            if not pairs:
                print(f"{d}: no test pairs, skipped", file=sys.stderr)
                continue
            t = time.time()
            save_root = os.path.join(args.predictions, os.path.basename(os.path.normpath(d)))
            per_style = evaluate_dataset(server.url, d, pairs, args.style, args.work_size, save_root)
            seconds = round(time.time() - t, 1)
            for style in args.style:
                ev = per_style[style]
                results.append({
                    "data": os.path.basename(os.path.normpath(d)), "path": d, "style": style, "pairs": ev["n_images"],
                    "hint_auc": ev["hint_auc"],
                    "per_ratio": {str(a): ev["per_alpha"][a] for a in ev["alphas"]},
                    "seconds_all_styles": seconds,
                    "protocol": ev["protocol"],
                })
                print(f"{results[-1]['data']} {style}: Hint-AUC PSNR {ev['hint_auc']['psnr']:.3f} "
                      f"({ev['n_images']} pairs; {seconds} s for all styles)", file=sys.stderr)
    finally:
        server.stop()
    record = {"binary": binary, "model": args.model, "server": "colorize serve", "work_size": args.work_size,
              "hintauc": hintauc.__version__, "ratios": list(RATIOS), "hint_type": "scribble", "results": results}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(record, f, indent=1)
    print(table(results))
    print(f"(Hint-AUC: trapezoid area of the per-ratio mean over ratios 0..1; PSNR/SSIM by hintauc at 256x256; "
          f"results in {args.out})")


if __name__ == "__main__":
    main()
