"""Network-only inference latency of the pix2pix U-Net generator in ONNX Runtime (CPU), the
fastest runtime for this network we know of; the baseline beside PyTorch in
bench/infer/run.sh. The ONNX file comes from `pytorch_infer.py --export-onnx` (the same
module and weights as the PyTorch runs); this script needs only onnxruntime and numpy, from
the bench's own environment (run.sh makes it in bench/out/venv-ort).

Session: CPU execution provider, all graph optimisations, `intra_op_num_threads` =
--threads, `inter_op_num_threads` 1, sequential execution; batch 1, after a warm-up call.
Prints one JSON object on stdout, as pytorch_infer.py does.
"""

import argparse
import json

import numpy as np
import onnxruntime as ort

from timing import summary, time_calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--in-channels", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(args.model, opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    x = (rng.random((1, args.in_channels, args.size, args.size), dtype=np.float32) * 2 - 1)
    times, cpu, (y,) = time_calls(lambda: sess.run(None, {"x": x}), args.reps)
    assert y.shape == (1, 3, args.size, args.size), y.shape
    print(json.dumps({
        "impl": "onnxruntime", "ort": ort.__version__, "threads": args.threads,
        "size": args.size, **summary(times, cpu),
    }), flush=True)

if __name__ == "__main__":
    main()
