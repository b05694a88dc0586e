"""Opacus 1.4 side of bench/learn/accuracy.sh: DP-SGD on data exported by bench/learn/export-data.ts
(the same rows, preprocessing and split as tsdp/learn), with Opacus's MNIST example CNN, SGD with
momentum 0.9, Poisson sampling, make_private_with_epsilon at the target (ε, δ) — the same settings as
`tsdp train`. Prints the test accuracy after each epoch and a final JSON line. One thread.
Usage: python3 opacus_accuracy.py <dir> <name> <epsilon> <epochs> [lr=0.5] [batch=256] [clip=1] [accountant=prv] [activation=relu|tanh]"""
import json, sys, time
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from opacus import PrivacyEngine

torch.set_num_threads(1)
d, name, eps, epochs = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
lr = float(sys.argv[5]) if len(sys.argv) > 5 else 0.5
batch = int(sys.argv[6]) if len(sys.argv) > 6 else 256
clip = float(sys.argv[7]) if len(sys.argv) > 7 else 1.0
accountant = sys.argv[8] if len(sys.argv) > 8 else 'prv'
act = nn.Tanh if len(sys.argv) > 9 and sys.argv[9] == 'tanh' else nn.ReLU
meta = json.load(open(f'{d}/{name}.json'))
def load(split):
    x = np.fromfile(f'{d}/{name}-{split}-x.bin', dtype=np.float64).reshape(-1, 1, 28, 28).astype(np.float32)
    y = np.fromfile(f'{d}/{name}-{split}-y.bin', dtype=np.int32).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)
xtr, ytr = load('train')
xte, yte = load('test')
model = nn.Sequential(  # opacus/examples/mnist.py SampleConvNet
    nn.Conv2d(1, 16, 8, 2, padding=3), act(), nn.MaxPool2d(2, 1),
    nn.Conv2d(16, 32, 4, 2), act(), nn.MaxPool2d(2, 1),
    nn.Flatten(), nn.Linear(32 * 4 * 4, 32), act(), nn.Linear(32, 10))
opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
loader = DataLoader(TensorDataset(xtr, ytr), batch_size=batch)
engine = PrivacyEngine(accountant=accountant)
model, opt, loader = engine.make_private_with_epsilon(module=model, optimizer=opt, data_loader=loader,
    target_epsilon=eps, target_delta=1e-5, epochs=epochs, max_grad_norm=clip)
loss_fn = nn.CrossEntropyLoss()
t0 = time.time()
acc = 0.0
for e in range(1, epochs + 1):
    model.train()
    for xb, yb in loader:
        if len(xb) == 0:
            continue
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    print(f'epoch {e}/{epochs}  test accuracy {100 * acc:.2f}%  ε {engine.get_epsilon(1e-5):.3f}  {time.time() - t0:.0f} s', flush=True)
print(json.dumps({'peer': 'opacus-1.4.0', 'data': name, 'train': meta['train'], 'epsilon': engine.get_epsilon(1e-5), 'target': eps,
                  'sigma': opt.noise_multiplier, 'epochs': epochs, 'lr': lr, 'batch': batch, 'accountant': accountant, 'activation': act.__name__, 'testAccuracy': acc}))
