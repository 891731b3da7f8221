#!/usr/bin/python3
"""The PyTorch side of `npm run bench -- --only parity`: the same fixed ViT as examples/fmnist-vit.json (patch 4 at
32 px, class token, learned positions, pre-norm blocks, GELU MLP) trained on Fashion-MNIST with PyTorch's own layer
initialisation, AdamW, one warm-up epoch then cosine decay, label smoothing 0.1 and random flips, on the same split
sizes as the product. Prints one JSON line per epoch and a last line with the test accuracy.

usage: torch_vit.py DATASET_DIR TRAIN VAL EPOCHS [--width 64 --depth 3 --mlp 128 --heads 4 --lr 2e-3 --batch 64
                    --shift 0 --seed 0 --threads 1 --warmup 1 --wd 0.05 --smoothing 0.1 --flip 1 --ema 0 --pad 0 --fit 0]
       (--warmup: epochs of linear learning-rate warm-up; --flip 0: no random flips; --ema D: also report the
       accuracy of an exponential moving average of the weights, decay D per step; --pad 1: 28 px images zero-padded
       to 32 instead of resized; --fit 1: also the accuracy on the first 2,000 training images, unflipped)
"""
import argparse, copy, gzip, json, math, os, struct, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(directory, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(directory, name)):
            return os.path.join(directory, name)
    raise SystemExit(f"{directory}: no {stem}[.gz]")


class Block(nn.Module):
    def __init__(self, width, heads, mlp):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, mlp), nn.GELU(), nn.Linear(mlp, width))

    def forward(self, x):
        y = self.norm1(x)
        x = x + self.attention(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self, width, depth, heads, mlp, classes, channels, size=32, patch=4):
        super().__init__()
        tokens = (size // patch) ** 2 + 1
        self.patch = nn.Conv2d(channels, width, patch, patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, width))
        self.pos = nn.Parameter(torch.randn(1, tokens, width) * 0.02)
        self.blocks = nn.Sequential(*[Block(width, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(len(x), -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dataset"); p.add_argument("train", type=int); p.add_argument("val", type=int)
    p.add_argument("epochs", type=int)
    for name, kind, default in [("width", int, 64), ("depth", int, 3), ("mlp", int, 128), ("heads", int, 4),
                                ("lr", float, 2e-3), ("batch", int, 64), ("shift", int, 0), ("seed", int, 0),
                                ("threads", int, 1), ("warmup", float, 1.0), ("wd", float, 0.05),
                                ("smoothing", float, 0.1), ("flip", int, 1), ("ema", float, 0.0), ("pad", int, 0), ("fit", int, 0)]:
        p.add_argument("--" + name, type=kind, default=default)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    images = read_idx(find(a.dataset, "train-images-idx3-ubyte"))
    labels = read_idx(find(a.dataset, "train-labels-idx1-ubyte"))
    test_images = read_idx(find(a.dataset, "t10k-images-idx3-ubyte"))
    test_labels = read_idx(find(a.dataset, "t10k-labels-idx1-ubyte"))
    order = np.random.RandomState(a.seed + 1).permutation(len(images))
    train, val = order[:a.train], order[a.train:a.train + a.val]
    mean, std = images[train].mean() / 255, images[train].std() / 255

    def prepare(x):  # the product's idx loader: bilinear resize (half-pixel centres), then normalise
        if a.pad:  # the alternative: the original pixels, a zero border (before normalisation) to 32 px
            t = torch.tensor(x, dtype=torch.float32).unsqueeze(1) / 255
            return (F.pad(t, ((32 - t.shape[-1]) // 2,) * 2 + ((32 - t.shape[-2]) // 2,) * 2) - mean) / std
        t = F.interpolate(torch.tensor(x, dtype=torch.float32).unsqueeze(1) / 255, size=32, mode="bilinear",
                          align_corners=False)
        return (t - mean) / std

    xs, ys = prepare(images[train]), torch.tensor(labels[train].astype(np.int64))
    xv, yv = prepare(images[val]), torch.tensor(labels[val].astype(np.int64))
    xt, yt = prepare(test_images), torch.tensor(test_labels.astype(np.int64))
    model = ViT(a.width, a.depth, a.heads, a.mlp, 10, 1)
    optimizer = torch.optim.AdamW(model.parameters(), a.lr, weight_decay=a.wd)
    per_epoch = math.ceil(a.train / a.batch)
    total = a.epochs * per_epoch
    warm = round(a.warmup * per_epoch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warm if s < warm
        else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, total - warm))))
    loss_of = nn.CrossEntropyLoss(label_smoothing=a.smoothing)

    # timm's ModelEmaV2: a copy whose weights follow the trained ones, decay per step (evaluated, never trained).
    ema = copy.deepcopy(model) if a.ema else None

    def accuracy(x, y, net=None):
        net = net or model
        net.eval()
        with torch.no_grad():
            hits = sum((net(x[i:i + 500]).argmax(1) == y[i:i + 500]).sum().item() for i in range(0, len(x), 500))
        model.train()
        return hits / len(x)

    started = time.time()
    for epoch in range(a.epochs):
        permutation = torch.randperm(a.train)
        for i in range(0, a.train, a.batch):
            batch = permutation[i:i + a.batch]
            x = xs[batch]
            if a.shift:
                padded = F.pad(x, (a.shift,) * 4)
                offsets = torch.randint(0, 2 * a.shift + 1, (len(batch), 2))
                x = torch.stack([padded[k, :, dy:dy + 32, dx:dx + 32] for k, (dy, dx) in enumerate(offsets.tolist())])
            flip = torch.rand(len(batch)) < (0.5 if a.flip else 0.0)
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            optimizer.zero_grad()
            loss_of(model(x), ys[batch]).backward()
            optimizer.step()
            schedule.step()
            if ema is not None:
                with torch.no_grad():
                    for averaged, trained in zip(ema.parameters(), model.parameters()):
                        averaged.mul_(a.ema).add_(trained, alpha=1 - a.ema)
        line = {"epoch": epoch + 1, "val": accuracy(xv, yv), "seconds": round(time.time() - started, 1)}
        if a.fit:
            line["train"] = accuracy(xs[:2000], ys[:2000])
        print(json.dumps({**line, "ema_val": accuracy(xv, yv, ema)} if ema else line), flush=True)
    line = {"test": accuracy(xt, yt), "params": sum(p.numel() for p in model.parameters()),
            "seconds": round(time.time() - started, 1)}
    print(json.dumps({**line, "ema_test": accuracy(xt, yt, ema)} if ema else line), flush=True)


if __name__ == "__main__":
    main()
