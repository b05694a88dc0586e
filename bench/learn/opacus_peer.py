"""Opacus 1.4 side of bench/learn/compare.ts: examples/s of the MLP 784-512-256-10 and of
Opacus's MNIST example CNN, batch 256, one thread, without DP (plain torch SGD) and with DP
(PrivacyEngine.make_private, flat clipping, noise multiplier 1.1, C = 1). Prints one JSON line.
Run with Debian's python and Opacus v1.4.0 + opt_einsum v3.3.0 on PYTHONPATH (TOOLCHAIN.md)."""
import json, sys, time
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from opacus import PrivacyEngine

torch.set_num_threads(1)
torch.manual_seed(0)
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
B = 256

def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))

def cnn():  # opacus/examples/mnist.py SampleConvNet
    return nn.Sequential(
        nn.Conv2d(1, 16, 8, 2, padding=3), nn.ReLU(), nn.MaxPool2d(2, 1),
        nn.Conv2d(16, 32, 4, 2), nn.ReLU(), nn.MaxPool2d(2, 1),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 32), nn.ReLU(), nn.Linear(32, 10))

def rate(model, dp):
    x = torch.rand(B * 8, 1, 28, 28)
    y = torch.randint(0, 10, (B * 8,))
    loader = DataLoader(TensorDataset(x, y), batch_size=B)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    if dp:
        model, opt, loader = PrivacyEngine().make_private(module=model, optimizer=opt, data_loader=loader,
                                                          noise_multiplier=1.1, max_grad_norm=1.0, poisson_sampling=False)
    loss_fn = nn.CrossEntropyLoss()
    batches = list(loader)
    def step(xb, yb):
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
    step(*batches[0])
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < SECONDS:
        xb, yb = batches[n % len(batches)]
        step(xb, yb)
        n += 1
    return n * B / (time.perf_counter() - t0)

print(json.dumps({"mlp_plain": rate(mlp(), False), "mlp_dp": rate(mlp(), True),
                  "cnn_plain": rate(cnn(), False), "cnn_dp": rate(cnn(), True),
                  "torch": torch.__version__, "threads": torch.get_num_threads()}))
