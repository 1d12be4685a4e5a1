"""Helpers shared by the fault-injection scripts of bench/faults (python3 stdlib only)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def binary(name):
    """The project's binary `name` from $COLORIZE_BIN_DIR, else the usual target dirs."""
    dirs = [os.environ.get("COLORIZE_BIN_DIR", "")]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    dirs += [os.path.join(target, "release"), os.path.join(target, "debug")]
    for d in dirs:
        p = os.path.join(d, name)
        if d and os.path.isfile(p):
            return p
    sys.exit(f"no {name} binary: run `cargo build --release` or set COLORIZE_BIN_DIR")


def safetensors_ok(path):
    """Whether `path` is a complete safetensors file: header length, JSON header, and every
    tensor's byte range inside the file, the last one ending exactly at its end."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + n])
        end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"),
                  default=0)
        return len(data) == 8 + n + end
    except Exception:
        return False


def tiny_dataset(work, n=16):
    """A small prepared dataset (32 px pairs from OpenMoji SVGs) at work/ds; returns it."""
    ds = os.path.join(work, "ds")
    if os.path.isdir(ds):
        return ds
    src = os.path.join(work, "src")
    os.makedirs(src, exist_ok=True)
    svg = os.path.join(ROOT, "data", "openmoji", "color", "svg")
    for name in sorted(os.listdir(svg))[384:384 + n]:
        shutil.copy(os.path.join(svg, name), src)
    subprocess.run([binary("prep"), src, "-o", ds, "--size", "32", "--svg-size", "64",
                    "--val", "0", "--test", "0", "-q"], check=True)
    return ds


def tree_bytes(d):
    """{relative path: bytes} of every file under d."""
    out = {}
    for base, _, files in os.walk(d):
        for f in files:
            p = os.path.join(base, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = fh.read()
    return out


def reference(start, out):
    """The uninterrupted run the killed ones are compared with: `start(out)` (a Popen) into a
    fresh `out`; returns (seconds it took, `tree_bytes(out)`)."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.time()
    p = start(out)
    _, err = p.communicate()
    assert p.returncode == 0, err
    return time.time() - t0, tree_bytes(out)
