"""Peer side of bench/stats/quantiles.ts: IBM diffprivlib 0.6.5's median (unpacked outside the project).

Usage: /usr/bin/python3 quantile_peer.py <diffprivlib dir> <data.json> <reps>
<data.json>: {"datasets": {name: [values...]}, "bounds": {name: [lo, hi]}, "epsilon": e}. Prints one JSON object:
mean absolute error of the DP median per dataset, with 2 standard errors.
"""
import json
import sys
import warnings

sys.path.insert(0, sys.argv[1])
warnings.simplefilter("ignore")
import numpy as np  # noqa: E402
import diffprivlib.tools as dpt  # noqa: E402

spec = json.load(open(sys.argv[2]))
reps = int(sys.argv[3])
out = {}
for name, values in spec["datasets"].items():
    lo, hi = spec["bounds"][name]
    x = np.array(values, dtype=float)
    truth = float(np.median(x))
    err = np.array([abs(dpt.median(x, epsilon=spec["epsilon"], bounds=(lo, hi), random_state=i) - truth) for i in range(reps)])
    out[name] = {"mae": float(err.mean()), "se2": float(2 * err.std(ddof=1) / np.sqrt(reps))}
print(json.dumps(out))
