"""diffprivlib 0.6.5 side of bench/models/compare.ts (run by it; never imported by tsdp).

Reads the Adult split that compare.ts wrote (same public encoding and bounds),
fits each diffprivlib model at each ε and seed, and prints one JSON line per fit:
{"model", "epsilon", "seed", "metric", "value", "fit_ms"}.
Usage: DATA_NORM=4.358… PYTHONPATH=/tmp/models-peers /usr/bin/python3 diffprivlib_peer.py DATA_DIR SEEDS EPSILONS
"""
import json
import os
import signal
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import diffprivlib.models as dp  # noqa: E402

data_dir, seeds, epsilons = sys.argv[1], int(sys.argv[2]), [float(e) for e in sys.argv[3].split(",")]
load = lambda name: np.loadtxt(f"{data_dir}/{name}.csv", delimiter=",")
xtr, ytr, xte, yte = load("train_x"), load("train_y"), load("test_x"), load("test_y")
d = xtr.shape[1]
lower, upper = np.zeros(d), np.ones(d)
# The public row-norm bound compare.ts declares for both sides (bench/models/adult.ts, adultRowBounds).
norm = float(os.environ["DATA_NORM"])
# PEER_MODELS=PCA,GaussianNB: only those models (all by default).
only = set(os.environ["PEER_MODELS"].split(",")) if os.environ.get("PEER_MODELS") else None


def captured(x, components):
    c = x - x.mean(axis=0)
    total = (c ** 2).sum()
    proj = c @ components.T
    return float((proj ** 2).sum() / total)


def neg_inertia(x, centres):
    dist = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return float(-dist.min(axis=1).sum() / x.shape[0])


def r2(pred, y):
    return float(1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum())


class Timeout(Exception):
    pass


def on_alarm(_signum, _frame):
    raise Timeout()


signal.signal(signal.SIGALRM, on_alarm)

LIMIT_S = 30  # a limit per fit; a timeout is reported once and that (model, ε) is skipped from then on
# diffprivlib's PCA samples its components from a Bingham distribution: at ε = 0.1 a fit took 29 s here, at ε = 1 it
# did not finish in 25 min (machine shared, load ~30). PCA gets its own, longer limit and fewer seeds.
PCA_LIMIT_S = int(os.environ.get("PCA_LIMIT_S", "120"))
PCA_SEEDS = int(os.environ.get("PCA_SEEDS", "3"))
timed_out = set()

for eps in epsilons:
    for seed in range(1, seeds + 1):
        runs = {
            "LogisticRegression": lambda: dp.LogisticRegression(epsilon=eps, data_norm=norm, random_state=seed),
            "GaussianNB": lambda: dp.GaussianNB(epsilon=eps, bounds=(lower, upper), random_state=seed),
            "LinearRegression": lambda: dp.LinearRegression(epsilon=eps, bounds_X=(lower, upper), bounds_y=(0, 1), random_state=seed),
            "RandomForestClassifier": lambda: dp.RandomForestClassifier(n_estimators=10, epsilon=eps, bounds=(lower, upper), classes=[0, 1], max_depth=5, random_state=seed),
            "KMeans": lambda: dp.KMeans(n_clusters=5, epsilon=eps, bounds=(lower, upper), random_state=seed),
            "PCA": lambda: dp.PCA(n_components=5, epsilon=eps, bounds=(lower, upper), data_norm=norm, random_state=seed),
        }
        for name, make in runs.items():
            if (only is not None and name not in only) or (name, eps) in timed_out or (name == "PCA" and seed > PCA_SEEDS):
                continue
            limit = PCA_LIMIT_S if name == "PCA" else LIMIT_S
            model = make()
            t = time.perf_counter()
            signal.alarm(limit)
            try:
                if name in ("KMeans", "PCA"):
                    model.fit(xtr)
                else:
                    model.fit(xtr, ytr)
            except Timeout:
                timed_out.add((name, eps))
                print(json.dumps({"model": name, "epsilon": eps, "seed": seed, "timeout_s": limit}), flush=True)
                continue
            finally:
                signal.alarm(0)
            ms = (time.perf_counter() - t) * 1000
            if name == "LinearRegression":
                metric, value = "r2", r2(model.predict(xte), yte)
            elif name == "KMeans":
                metric, value = "neg_inertia_per_row", neg_inertia(xte, model.cluster_centers_)
            elif name == "PCA":
                metric, value = "captured_variance", captured(xte, model.components_)
            else:
                metric, value = "accuracy", float((model.predict(xte) == yte).mean())
            print(json.dumps({"model": name, "epsilon": eps, "seed": seed, "metric": metric, "value": value, "fit_ms": ms}), flush=True)
