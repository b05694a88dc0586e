"""Peer side of bench/stats: IBM diffprivlib 0.6.5 (unpacked outside the project).

Usage: python3 diffprivlib_peer.py <diffprivlib dir> throughput <rows>
       python3 diffprivlib_peer.py <diffprivlib dir> accuracy <adult.csv> <reps>
Prints one JSON object.
"""
import csv
import json
import sys
import time
import warnings

sys.path.insert(0, sys.argv[1])
warnings.simplefilter("ignore")
import numpy as np  # noqa: E402
import diffprivlib.tools as dpt  # noqa: E402


def best_of(f, runs=3):
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


mode = sys.argv[2]
if mode == "throughput":
    n = int(sys.argv[3])
    rng = np.random.default_rng(1)
    values = rng.uniform(17, 90, n)
    keys = rng.integers(0, 16, n)
    out = {
        "rows": n,
        "count": best_of(lambda: dpt.count_nonzero(values, epsilon=1.0)),
        "sum": best_of(lambda: dpt.sum(values, epsilon=1.0, bounds=(17, 90))),
        "mean": best_of(lambda: dpt.mean(values, epsilon=1.0, bounds=(17, 90))),
        "histogram16": best_of(lambda: dpt.histogram(keys, epsilon=1.0, bins=16, range=(0, 16))),
    }
    print(json.dumps(out))
elif mode == "accuracy":
    path, reps = sys.argv[3], int(sys.argv[4])
    ages, edu = [], []
    with open(path) as f:
        for row in csv.DictReader(f):
            ages.append(float(row["age"]))
            edu.append(row["education"].strip())
    ages = np.array(ages)
    levels = sorted(set(edu))
    codes = np.array([levels.index(e) for e in edu])
    true_mean = float(np.mean(ages))
    true_median = float(np.median(ages))
    true_hist = np.bincount(codes, minlength=len(levels)).astype(float)
    t = time.perf_counter()
    mean_err = np.array([abs(dpt.mean(ages, epsilon=1.0, bounds=(17, 90)) - true_mean) for _ in range(reps)])
    median_err = np.array([abs(dpt.median(ages, epsilon=1.0, bounds=(17, 90)) - true_median) for _ in range(reps)])
    hist_err = np.array(
        [np.mean(np.abs(dpt.histogram(codes, epsilon=1.0, bins=len(levels), range=(0, len(levels)))[0] - true_hist)) for _ in range(reps)]
    )
    se = lambda a: float(2 * np.std(a, ddof=1) / np.sqrt(len(a)))  # noqa: E731
    print(json.dumps({"reps": reps, "mean": float(mean_err.mean()), "median": float(median_err.mean()), "histogram": float(hist_err.mean()),
                      "meanSe": se(mean_err), "medianSe": se(median_err), "histogramSe": se(hist_err),
                      "seconds": time.perf_counter() - t, "trueMean": true_mean, "trueMedian": true_median}))
