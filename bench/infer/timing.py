"""The timing shared by pytorch_infer.py and ort_infer.py (stdlib only: the ONNX Runtime
environment has no torch): one warm-up call, then `reps` timed calls, wall and process CPU
time, summarised the same way for both."""

import statistics
import time


def time_calls(call, reps):
    """Calls `call()` reps + 1 times; returns (wall seconds, CPU seconds, last output), the
    first of each list being the warm-up call."""
    times, cpu, out = [], [], None
    for _ in range(reps + 1):
        t, c = time.perf_counter(), time.process_time()
        out = call()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return times, cpu, out


def summary(times, cpu):
    """The JSON fields of a run: the warm-up, then median, minimum and every sample (ms)."""
    return {
        "first_ms": round(times[0] * 1e3, 1),
        "median_ms": round(statistics.median(times[1:]) * 1e3, 1),
        "min_ms": round(min(times[1:]) * 1e3, 1),
        "times_ms": [round(t * 1e3, 2) for t in times[1:]],
        # CPU time of the process (all threads) per call: less sensitive than wall time
        # to other jobs competing for the cores.
        "cpu_ms": [round(t * 1e3, 2) for t in cpu[1:]],
    }
