/**
 * train_torch.py: the experiment in PyTorch, for one CPU process, one GPU, or
 * several GPUs and machines under torchrun (DistributedDataParallel). Samples
 * are channels-first here; weights.npz is already in this layout (weights.ts).
 */
import type { OptimizerId } from '../../config';
import type { Activation } from '../../model/layers';
import type { LossId } from '../../model/loss';
import { MATRIX_PY, SCHEDULE_PY, constants, docHeader, py, type PythonExperiment } from './experiment';
import type { PlannedLayer } from './plan';

const ACTIVATION: Record<Activation, string | null> = {
  relu: 'nn.ReLU()',
  sigmoid: 'nn.Sigmoid()',
  tanh: 'nn.Tanh()',
  softmax: 'nn.Softmax(dim=1)',
  linear: null,
};

/** The nn modules of one layer, as (name, constructor) pairs: the layer itself, then its activation. */
export function torchModules(l: PlannedLayer): [string, string][] {
  const s = l.spec;
  const act = (a: Activation): [string, string][] => (ACTIVATION[a] ? [[`${l.name}_${a}`, ACTIVATION[a]!]] : []);
  switch (s.type) {
    case 'dense':
      return [[l.name, `nn.Linear(${l.input[0]}, ${s.units})`], ...act(s.activation)];
    case 'conv2d': {
      const cls = s.padding === 'same' ? 'Conv2dSame' : 'nn.Conv2d';
      return [[l.name, `${cls}(${l.input[2]}, ${s.filters}, kernel_size=${s.kernel}, stride=${s.stride})`], ...act(s.activation)];
    }
    case 'maxPool':
    case 'avgPool': {
      const base = s.type === 'maxPool' ? 'MaxPool2d' : 'AvgPool2d';
      const cls = s.padding === 'same' ? `${base}Same` : `nn.${base}`;
      return [[l.name, `${cls}(kernel_size=${s.size}, stride=${s.stride})`]];
    }
    case 'flatten':
      return [[l.name, 'nn.Flatten()']];
    case 'batchNorm': {
      // Keras's defaults, which Hearth trains with: momentum 0.99 of the old statistics (PyTorch counts the new share), epsilon 0.001.
      const image = l.input.length === 3;
      return [[l.name, `nn.BatchNorm${image ? '2d' : '1d'}(${l.input[l.input.length - 1]}, eps=0.001, momentum=0.01)`]];
    }
    case 'dropout':
      return [[l.name, `nn.Dropout(${py(s.rate)})`]];
  }
}

/** Each loss on the model's outputs, as Hearth computes it (Keras's clipping included). */
const LOSS_PY: Record<LossId, string> = {
  'categorical-crossentropy': '    return -torch.log(out.clamp(EPS, 1 - EPS).gather(1, y[:, None])).mean()',
  'binary-crossentropy': '    p, t = out.reshape(-1).clamp(EPS, 1 - EPS), y.float()\n    return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()',
  mse: '    return ((out - y) ** 2).sum(1).mean()',
  mae: '    return (out - y).abs().sum(1).mean()',
};

const OPTIMIZER_PY: Record<OptimizerId, string> = {
  adam: 'torch.optim.Adam(params, lr=LEARNING_RATE, betas=(BETA1, BETA2), eps=EPSILON)',
  sgd: 'torch.optim.SGD(params, lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=NESTEROV and MOMENTUM > 0)',
  rmsprop: 'torch.optim.RMSprop(params, lr=LEARNING_RATE, alpha=RHO, eps=EPSILON, momentum=MOMENTUM)',
};

const USAGE = `Run (Python 3 with torch and numpy; data.npz beside this file):
  python3 train_torch.py                         one process: CPU, or one GPU when there is one
  torchrun --nproc_per_node=4 train_torch.py     4 GPUs of this machine (DistributedDataParallel)
  torchrun --nnodes=2 --node_rank=0 --nproc_per_node=4 \\
           --master_addr=HOST --master_port=29500 train_torch.py     on each of 2 machines (node_rank 0, 1)
  (Debian 12's torch 1.13 under Python 3.11 needs torchrun's --redirects 1 --tee 1 to start.)
Options: --data data.npz  --weights weights.npz (start from Hearth's trained weights)
         --epochs N (0: only evaluate)  --out model.pt  --predictions test_outputs.npy`;

const HELPERS = `def tf_same_pad(x, k, s, value=0.0):
    """Pads as TensorFlow's 'same' does: the odd pixel goes to the bottom and the right."""
    h, w = x.shape[-2:]
    ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=value)


class Conv2dSame(nn.Conv2d):
    def forward(self, x):
        return super().forward(tf_same_pad(x, self.kernel_size[0], self.stride[0]))


class MaxPool2dSame(nn.MaxPool2d):
    def forward(self, x):
        return super().forward(tf_same_pad(x, self.kernel_size, self.stride, float("-inf")))


class AvgPool2dSame(nn.AvgPool2d):
    """Averages over the pixels inside the image only, as TensorFlow does."""

    def forward(self, x):
        ones = torch.ones_like(x[:1, :1])
        total = super().forward(tf_same_pad(x, self.kernel_size, self.stride))
        return total / super().forward(tf_same_pad(ones, self.kernel_size, self.stride))
`;

const AUGMENT_PY = `def augment(x, gen):
    """Hearth's augmentation: each image its own rotation, shift, shear, zoom and flip about
    its centre (bilinear, edges repeated), then its own brightness change, clipped to 0-1."""
    n, _, h, w = x.shape

    def either(m):
        return (torch.rand(n, generator=gen) * 2 - 1) * m

    angle, tx, ty = either(AUGMENT["rotate"]) * math.pi / 180, either(AUGMENT["shift"]) * w, either(AUGMENT["shift"]) * h
    shear, scale = either(AUGMENT["shear"]) * math.pi / 180, 1 + either(AUGMENT["zoom"])
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0) if AUGMENT["flip"] else torch.ones(n)
    bright = either(AUGMENT["brightness"])
    cos, sin, k = angle.cos(), angle.sin(), shear.tan()
${MATRIX_PY}    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    col = lambda v: v[:, None, None]  # noqa: E731
    src_x = col(a0) * xs + col(a1) * ys + col(cx - (a0 * ux + a1 * uy))
    src_y = col(b0) * xs + col(b1) * ys + col(cy - (b0 * ux + b1 * uy))
    grid = torch.stack([src_x / max(w - 1, 1) * 2 - 1, src_y / max(h - 1, 1) * 2 - 1], dim=-1).to(x.device)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)
    return (out + bright.to(x.device)[:, None, None, None]).clamp(0, 1)
`;

export function torchScript(e: PythonExperiment): string {
  const modules = e.plan.flatMap(torchModules).map(([name, ctor]) => `        (${py(name)}, ${ctor}),`);
  const regression = e.task === 'regression';
  const binary = e.loss === 'binary-crossentropy';
  const score = regression
    ? '(out - y).abs().sum() * TARGET_STD  # absolute error in the target\'s units'
    : binary
      ? '((out.reshape(-1) > 0.5).long() == y).sum()'
      : '(out.argmax(1) == y).sum()';
  return `${docHeader(e, 'PyTorch', USAGE)}
import argparse
import copy
import math
import os
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))

# The experiment, as Hearth ran it.
${constants(e)}
EPS = 1e-7  # probabilities are clipped to [EPS, 1 - EPS] in the cross-entropy, as Keras does
SCORE = ${py(regression ? 'mae' : 'accuracy')}


${HELPERS}

def build_model():
    model = nn.Sequential(OrderedDict([
${modules.join('\n')}
    ]))
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)  # Keras's glorot_uniform, as Hearth starts
            nn.init.zeros_(m.bias)
    return model


def load_hearth_weights(model, path):
    """Hearth's trained weights; weights.npz is already in PyTorch's layout and names."""
    with np.load(path) as w:
        state = {k: torch.from_numpy(w[k]) for k in w.files}
    own = model.state_dict()
    missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in own]
    wrong = [k for k in state if k in own and tuple(own[k].shape) != tuple(state[k].shape)]
    if missing or unexpected or wrong:
        raise SystemExit(f"{path} does not fit this model: missing {missing}, unexpected {unexpected}, wrong shape {wrong}")
    model.load_state_dict(state, strict=False)


def load_data(path):
    """The splits of data.npz as tensors: samples channels-first, labels as class indices (or standardised targets)."""
    d = np.load(path)

    def xs(name):
        a = d[name]
        a = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
        a = a.reshape((len(a),) + INPUT_SHAPE)  # Hearth's channels-last samples (tables: 1 x 1 x features)
        return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))

    def ys(name):
        a = d[name]
        if TASK == "regression":
            return torch.from_numpy(((a - TARGET_MEAN) / TARGET_STD).astype(np.float32)[:, None])
        return torch.from_numpy(a.astype(np.int64))

    return {s: (xs(f"x_{s}"), ys(f"y_{s}")) for s in ("train", "val", "test") if len(d[f"x_{s}"])}


def loss_fn(out, y):
${LOSS_PY[e.loss]}


def score_sum(out, y):
    """Correct predictions, or for regression the absolute error in the target's units."""
    return ${score}


def make_optimizer(params):
    return ${OPTIMIZER_PY[e.config.optimizer]}


${SCHEDULE_PY}

${AUGMENT_PY}

@torch.no_grad()
def evaluate(model, split, device, batch_size=256):
    """Mean loss, mean score and the outputs over a whole split."""
    model.eval()
    x, y = split
    loss, score, outputs = 0.0, 0.0, []
    for i in range(0, len(x), batch_size):
        xb, yb = x[i:i + batch_size].to(device), y[i:i + batch_size].to(device)
        out = model(xb)
        loss += loss_fn(out, yb).item() * len(xb)
        score += float(score_sum(out, yb))
        outputs.append(out.cpu())
    return loss / len(x), score / len(x), torch.cat(outputs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "data.npz"))
    ap.add_argument("--weights", help="start from these weights (weights.npz exported by Hearth)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--out", default="model.pt", help="where to save the trained state dict")
    ap.add_argument("--predictions", help="save the model's outputs on the test split here (.npy)")
    args = ap.parse_args()

    # torchrun sets these; a plain run is one process of one.
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if world > 1:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    say = print if rank == 0 else (lambda *a, **k: None)

    splits = load_data(args.data)
    model = build_model()
    if args.weights:
        load_hearth_weights(model, args.weights)
    model.to(device)
    net = nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if device.type == "cuda" else None) if world > 1 else model

    train_set = TensorDataset(*splits["train"])
    # Every process sees its own share of each epoch's shuffle; BATCH_SIZE is split between them.
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=SEED)
    loader = DataLoader(train_set, batch_size=max(1, math.ceil(BATCH_SIZE / world)), sampler=sampler)
    optimizer = make_optimizer(model.parameters())
    decayed = [m.weight for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]  # kernels only, not biases
    gen = torch.Generator().manual_seed(SEED + rank)
    watched, best, best_epoch, best_state, stopped_early = [], math.inf, 0, None, False
    say(f"{len(train_set)} training samples, {world} process(es) on {device.type}")

    for epoch in range(args.epochs):
        lr = learning_rate_at(epoch, watched)
        for group in optimizer.param_groups:
            group["lr"] = lr
        sampler.set_epoch(epoch)
        net.train()
        started = time.time()
        sums = torch.zeros(3, dtype=torch.float64)
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            if AUGMENT is not None:
                xb = augment(xb, gen)
            out = net(xb)
            loss = loss_fn(out, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if WEIGHT_DECAY > 0:
                with torch.no_grad():
                    for w in decayed:
                        w.mul_(1 - lr * WEIGHT_DECAY)
            sums += torch.tensor([loss.item() * len(xb), float(score_sum(out.detach(), yb)), len(xb)], dtype=torch.float64)
        if world > 1:
            dist.all_reduce(sums)
        line = f"epoch {epoch + 1}/{args.epochs}  loss {sums[0] / sums[2]:.4f}  {SCORE} {sums[1] / sums[2]:.4f}"
        # Every process validates on the whole split, so all of them take the same decisions.
        if "val" in splits:
            val_loss, val_score, _ = evaluate(model, splits["val"], device)
            line += f"  val_loss {val_loss:.4f}  val_{SCORE} {val_score:.4f}"
        else:
            val_loss = float(sums[0] / sums[2])
        say(f"{line}  lr {lr:.3g}  {time.time() - started:.1f}s")
        watched.append(val_loss)
        if PATIENCE > 0:
            if val_loss < best:
                best, best_epoch, best_state = val_loss, epoch + 1, copy.deepcopy(model.state_dict())
            elif epoch + 1 - best_epoch >= PATIENCE and epoch < args.epochs - 1:
                say(f"stopped early: no lower validation loss since epoch {best_epoch}")
                stopped_early = True
                break
    if stopped_early:
        # As Hearth: the best epoch's weights replace the last one's when early stopping ended the run.
        model.load_state_dict(best_state)
        say(f"restored the weights of epoch {best_epoch}")

    if rank == 0:
        if "test" in splits:
            test_loss, test_score, outputs = evaluate(model, splits["test"], device)
            say(f"test loss {test_loss:.4f}  test {SCORE} {test_score:.4f}")
            if args.predictions:
                np.save(args.predictions, outputs.numpy())
        if args.epochs > 0:
            torch.save(model.state_dict(), args.out)
            say(f"saved {args.out}")
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
}
