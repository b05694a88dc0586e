"""Opacus 1.4 side of bench/learn/compare.ts: examples/s of the MLP 784-512-256-10 and of
Opacus's MNIST example CNN, batch 256, one thread, without DP (plain torch SGD) and with DP
(PrivacyEngine.make_private, flat clipping, noise multiplier 1.1, C = 1). `opacus_peer.py <seconds>` prints
one JSON line; `opacus_peer.py serve` times one window per request line (compare.ts interleaves them with its own).
Run with Debian's python and Opacus v1.4.0 + opt_einsum v3.3.0 on PYTHONPATH (TOOLCHAIN.md)."""
import json, sys, time
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from opacus import PrivacyEngine

torch.set_num_threads(1)
torch.manual_seed(0)
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "serve" else 3.0
B = 256

def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))

def cnn():  # opacus/examples/mnist.py SampleConvNet
    return nn.Sequential(
        nn.Conv2d(1, 16, 8, 2, padding=3), nn.ReLU(), nn.MaxPool2d(2, 1),
        nn.Conv2d(16, 32, 4, 2), nn.ReLU(), nn.MaxPool2d(2, 1),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 32), nn.ReLU(), nn.Linear(32, 10))

def stepper(model, dp):
    x = torch.rand(B * 8, 1, 28, 28)
    y = torch.randint(0, 10, (B * 8,))
    loader = DataLoader(TensorDataset(x, y), batch_size=B)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    if dp:
        model, opt, loader = PrivacyEngine().make_private(module=model, optimizer=opt, data_loader=loader,
                                                          noise_multiplier=1.1, max_grad_norm=1.0, poisson_sampling=False)
    loss_fn = nn.CrossEntropyLoss()
    batches = list(loader)
    def step(n):
        xb, yb = batches[n % len(batches)]
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
    step(0)
    return step

def window(step, seconds):
    """One timed window: examples/s by wall clock and by this process's CPU time."""
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        step(n)
        n += 1
    return {"wall": n * B / (time.perf_counter() - t0), "cpu": n * B / max(1e-9, time.process_time() - c0)}

MAKERS = {"mlp_plain": (mlp, False), "mlp_dp": (mlp, True), "cnn_plain": (cnn, False), "cnn_dp": (cnn, True)}
if len(sys.argv) > 1 and sys.argv[1] == "serve":
    # Interleaved mode (compare.ts): one line "<case> <seconds>" in, one JSON line out, until EOF.
    steps = {}
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        case, seconds = line.split()
        if case not in steps:
            make, dp = MAKERS[case]
            steps[case] = stepper(make(), dp)
        print(json.dumps(window(steps[case], float(seconds))), flush=True)
else:
    out = {k: window(stepper(make(), dp), SECONDS)["wall"] for k, (make, dp) in MAKERS.items()}
    print(json.dumps({**out, "torch": torch.__version__, "threads": torch.get_num_threads()}))
