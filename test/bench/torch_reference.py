"""PyTorch reference for Hearth's per-step benchmark (test/dawn/stepBench.ts).

The same models as the app's presets (MLP 784-512-256-128-10; CNN conv 32 3x3 -> max-pool 2 ->
conv 64 3x3 -> max-pool 2 -> flatten -> dense 64 -> dense 10), Glorot-uniform kernels and zero
biases as Keras and tfjs start them, Adam (learning rate 0.001, betas 0.9/0.999, epsilon 1e-7 as
the app's defaults), softmax cross-entropy. Each step also keeps the running loss and correct
count on the device, as the app's loop does; a round ends with one read-back.

  python3 torch_reference.py [--data DIR] [--device cuda|cpu] [--batches 1,32,128,512]
                             [--steps 50] [--rounds 5] [--epochs 5] [--seed-batch 128]
                             [--train-limit N] [--test-limit N] [--no-seed] [--out results.json]

--data holds MNIST as train-images.idx (or .idx.gz), train-labels.idx, test-images.idx,
test-labels.idx; without it the seed run is skipped. The last line printed is the result as JSON.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn


def mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 512), nn.ReLU(),
        nn.Linear(512, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def cnn():
    # 28 -> 26 -> 13 -> 11 -> 5: 5 x 5 x 64 = 1600 features into the dense layer.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1600, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


MODELS = {'mlp': mlp, 'cnn': cnn}


def build(name, device, seed=42):
    torch.manual_seed(seed)
    model = MODELS[name]()
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7)
    return model, optimizer


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def step(model, optimizer, loss_fn, x, y, sums):
    optimizer.zero_grad(set_to_none=True)
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        sums[0] += loss.detach() * x.shape[0]
        sums[1] += (out.argmax(1) == y).sum()


def median_ms(name, batch, device, steps, rounds):
    """One warm-up round, then `rounds` rounds of `steps` steps; the median round's ms per step."""
    model, optimizer = build(name, device)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    pool = [(torch.rand(batch, 1, 28, 28, generator=gen).to(device), torch.randint(0, 10, (batch,), generator=gen).to(device)) for _ in range(min(4, steps))]
    per_round = []
    for r in range(rounds + 1):
        sums = [torch.zeros((), device=device), torch.zeros((), device=device)]
        sync(device)
        t0 = time.perf_counter()
        for s in range(steps):
            x, y = pool[s % len(pool)]
            step(model, optimizer, loss_fn, x, y, sums)
        sums[0].item(), sums[1].item()
        per_round.append((time.perf_counter() - t0) * 1000 / steps)
    timed = per_round[1:]
    return {'model': name, 'batch_size': batch, 'steps': steps, 'rounds': rounds, 'ms_per_step': statistics.median(timed),
            'min_ms': min(timed), 'max_ms': max(timed), 'warmup_ms': per_round[0]}


def read_idx(folder, name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        path += '.gz'
    with (gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb')) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def seed_run(folder, device, epochs, batch, train_limit, test_limit):
    """The MLP on MNIST held on the device, shuffled each epoch; test accuracy after training."""
    def split(kind, limit):
        x = read_idx(folder, f'{kind}-images.idx')
        y = read_idx(folder, f'{kind}-labels.idx')
        n = min(limit or len(y), len(y))
        return (torch.tensor(x[:n], dtype=torch.float32, device=device).div_(255).unsqueeze(1),
                torch.tensor(y[:n].astype(np.int64), device=device))
    xtr, ytr = split('train', train_limit)
    xte, yte = split('test', test_limit)
    model, optimizer = build('mlp', device)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator(device=device).manual_seed(42)
    epoch_seconds = []
    sync(device)
    t0 = time.perf_counter()
    for _ in range(epochs):
        e0 = time.perf_counter()
        order = torch.randperm(len(ytr), device=device, generator=gen)
        sums = [torch.zeros((), device=device), torch.zeros((), device=device)]
        for start in range(0, len(ytr), batch):
            idx = order[start:start + batch]
            step(model, optimizer, loss_fn, xtr[idx], ytr[idx], sums)
        sums[0].item()
        epoch_seconds.append(time.perf_counter() - e0)
    train_seconds = time.perf_counter() - t0
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(yte), 256):
            correct += (model(xte[start:start + 256]).argmax(1) == yte[start:start + 256]).sum().item()
    steps = epochs * ((len(ytr) + batch - 1) // batch)
    return {'train_samples': len(ytr), 'test_samples': len(yte), 'epochs': epochs, 'batch_size': batch, 'train_seconds': train_seconds,
            'epoch_seconds': epoch_seconds, 'ms_per_step': train_seconds * 1000 / steps, 'accuracy': correct / len(yte)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', default='')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--models', default='mlp,cnn')
    p.add_argument('--batches', default='1,32,128,512')
    p.add_argument('--steps', type=int, default=50)
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--seed-batch', type=int, default=128)
    p.add_argument('--train-limit', type=int, default=0)
    p.add_argument('--test-limit', type=int, default=0)
    p.add_argument('--no-seed', action='store_true')
    p.add_argument('--out', default='')
    a = p.parse_args()
    device = torch.device(a.device)
    result = {'kind': 'hearth-torch-reference', 'torch': torch.__version__, 'device': torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu',
              'threads': torch.get_num_threads(), 'steps': []}
    for name in a.models.split(','):
        for batch in (int(b) for b in a.batches.split(',')):
            row = median_ms(name, batch, device, a.steps, a.rounds)
            print(f'{name} batch {batch}: {row["ms_per_step"]:.3f} ms/step', file=sys.stderr)
            result['steps'].append(row)
    if a.data and not a.no_seed:
        result['seed'] = seed_run(a.data, device, a.epochs, a.seed_batch, a.train_limit, a.test_limit)
        s = result['seed']
        print(f'seed run: {s["train_seconds"]:.1f} s, test accuracy {s["accuracy"] * 100:.2f} %', file=sys.stderr)
    text = json.dumps(result)
    if a.out:
        with open(a.out, 'w') as f:
            f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    main()
