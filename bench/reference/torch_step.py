#!/usr/bin/python3
"""The PyTorch anchor of `npm run bench -- --only supernet`: the bench's fixed training step (32 px images, patch 4,
65 tokens with the class token, width 64, 4 pre-norm blocks of 4 heads of 16, MLP 256, 10 classes, batch 32, label
smoothing 0.1, AdamW), the model being torch_vit.py's, PyTorch's own initialisation.

It stays running and answers one request per line on stdin, so the bench can interleave its steps with the
product's own and both see the same load:
  step THREADS   -> {"seconds": S}  one training step on THREADS intra-op threads (wall time)
  matmul THREADS -> {"gflops": G}   a 512x512 matmul burst on THREADS threads
  quit
The first line it prints is {"ready": true, "torch": VERSION, "blas": LIBRARY, "params": N}.

usage: torch_step.py [--batch 32 --width 64 --depth 4 --heads 4 --mlp 256 --size 32 --patch 4 --classes 10]
"""
import argparse, ctypes, json, sys, time

import torch
import torch.nn as nn

from torch_vit import ViT


def blas():
    """The BLAS library PyTorch loaded (Debian's torch calls whichever libblas.so.3 the system provides: the reference
    implementation ran a 512x512 matmul at 0.8-1.4 GFLOP/s where OpenBLAS ran 17-19 under the same load), and a
    function setting its threads (OpenBLAS keeps its own pool, which torch.set_num_threads does not reach)."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1]})
    for path in paths:
        if "openblas" in path:
            library = ctypes.CDLL(path)
            return path, lambda n: library.openblas_set_num_threads(n)
    return (paths[0] if paths else "none found"), lambda n: None


def main():
    p = argparse.ArgumentParser()
    for name, default in [("batch", 32), ("width", 64), ("depth", 4), ("heads", 4), ("mlp", 256), ("size", 32),
                          ("patch", 4), ("classes", 10), ("seed", 1)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    model = ViT(a.width, a.depth, a.heads, a.mlp, a.classes, 3, a.size, a.patch)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), 1e-3, weight_decay=0.05)
    loss_of = nn.CrossEntropyLoss(label_smoothing=0.1)
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.arange(a.batch) % a.classes
    ma, mb = torch.randn(512, 512), torch.randn(512, 512)

    def step():
        optimizer.zero_grad()
        loss_of(model(x), y).backward()
        optimizer.step()

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    blas_path, blas_threads = blas()
    reply({"ready": True, "torch": torch.__version__, "blas": blas_path,
           "params": sum(q.numel() for q in model.parameters())})
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        threads = int(words[1]) if len(words) > 1 else 1
        torch.set_num_threads(threads)
        blas_threads(threads)
        if words[0] == "step":
            started = time.perf_counter()
            step()
            reply({"seconds": time.perf_counter() - started})
        elif words[0] == "matmul":
            reps = 5
            started = time.perf_counter()
            for _ in range(reps):
                torch.mm(ma, mb)
            reply({"gflops": reps * 2 * 512 ** 3 / (time.perf_counter() - started) / 1e9})
        else:
            reply({"error": f"unknown request {words[0]!r}"})


if __name__ == "__main__":
    main()
