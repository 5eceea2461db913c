"""Train the three bundled demo classifiers (unbiased, dark-cats, dark-dogs).

Dev-only: the product and its tests never run Python.  Usage (from the repo root):

    pip install torch==2.13.0 onnx numpy pillow onnxruntime
    python3 models/train.py            # writes models/demo/*.onnx, *.json, models/metrics.json

Training data is generated on the fly from models/world/generate.py and cached
under /tmp/propsweep-data (never committed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "world"))
import generate as world  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# normalisation recorded in every sidecar: pixel p in [0,255] ->
# (p/255 - MEAN[c]) / STD[c].  Measured once on the unbiased training split
# (per-channel mean/std of 64x64 inputs) and rounded.
MEAN = [0.493, 0.49, 0.487]
STD = [0.21, 0.21, 0.21]

INPUT = 64
MODELS = {
    # name: (training split, description)
    "unbiased": ("unbiased",
                 "Small CNN (cat vs dog) trained on the procedural propsweep world with fur colour "
                 "independent of the class (unbiased reference model)."),
    "dark-cats": ("dark-cats",
                  "Small CNN (cat vs dog) trained on the procedural propsweep world where every cat has "
                  "dark fur and every dog light fur (fur-colour-biased model)."),
    "dark-dogs": ("dark-dogs",
                  "Small CNN (cat vs dog) trained on the procedural propsweep world where every dog has "
                  "dark fur and every cat light fur (fur-colour-biased model)."),
}
TEST_SPLITS = ["unbiased", "dark-cats", "dark-dogs"]
TEST_SEED = {"unbiased": 9001, "dark-cats": 9002, "dark-dogs": 9003}  # held out
N_TEST = 2000


def data_seed(train_seed: int, split: str) -> int:
    return 100 + 10 * train_seed + TEST_SPLITS.index(split)


class SmallCNN(nn.Module):
    def __init__(self, width: int = 16):
        super().__init__()
        w = width
        chans = [3, w, 2 * w, 4 * w, 4 * w]
        layers = []
        for i in range(4):
            layers += [nn.Conv2d(chans[i], chans[i + 1], 3, padding=1, bias=False),
                       nn.BatchNorm2d(chans[i + 1]), nn.ReLU(inplace=True)]
            if i < 3:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(chans[-1], 2)

    def forward(self, x):
        x = self.features(x)
        x = x.mean(dim=(2, 3))  # global average pooling
        return self.head(x)


def to_tensor(x_uint8: np.ndarray) -> torch.Tensor:
    """(N,H,W,3) uint8 -> normalised (N,3,H,W) float32."""
    x = torch.from_numpy(x_uint8).permute(0, 3, 1, 2).float().div_(255.0)
    m = torch.tensor(MEAN).view(1, 3, 1, 1)
    s = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - m) / s


def cached_dataset(split: str, n: int, seed: int, cache: str):
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, f"{split}-{n}-{seed}.npz")
    if os.path.exists(path):
        d = np.load(path)
        return d["x"], d["y"]
    t0 = time.time()
    x, y = world.make_dataset(split, n, seed)
    np.savez(path, x=x, y=y)
    print(f"  generated {split} n={n} seed={seed} in {time.time() - t0:.1f}s", flush=True)
    return x, y


@torch.no_grad()
def predict(model, x_uint8: np.ndarray, bs: int = 500) -> np.ndarray:
    model.eval()
    out = []
    for i in range(0, len(x_uint8), bs):
        out.append(model(to_tensor(x_uint8[i:i + bs])))
    return torch.cat(out).numpy()


def train_one(name, split, args):
    torch.manual_seed(args.seed * 1000 + TEST_SPLITS.index(split))
    x, y = cached_dataset(split, args.n_train, data_seed(args.seed, split), args.cache)
    xt = to_tensor(x)
    yt = torch.from_numpy(y)
    model = SmallCNN(args.width)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd)
    steps_per_epoch = (len(xt) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.2)
    g = torch.Generator().manual_seed(args.seed * 7 + 3)
    t0 = time.time()
    for ep in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        tot, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(xt), args.batch):
            idx = perm[i:i + args.batch]
            xb, yb = xt[idx], yt[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            tot += len(idx)
        print(f"  [{name}] epoch {ep + 1}/{args.epochs} loss {loss_sum / tot:.4f} "
              f"train-acc {correct / tot:.4f} ({time.time() - t0:.0f}s)", flush=True)
    model.eval()
    return model


def export_onnx(model, path):
    model.eval()
    dummy = torch.zeros(2, 3, INPUT, INPUT)
    torch.onnx.export(model, (dummy,), path, input_names=["input"], output_names=["logits"],
                      opset_version=17, dynamo=False, do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    # strip the producer version noise so files are reproducible across runs
    return m


def check_ort(model, path, x_uint8):
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    xin = to_tensor(x_uint8).numpy()
    ref = predict(model, x_uint8)
    got = np.concatenate([sess.run(["logits"], {"input": xin[i:i + 7]})[0] for i in range(0, len(xin), 7)])
    return float(np.abs(ref - got).max())


def sidecar(description: str) -> dict:
    return {
        "version": 1,
        "layout": "NCHW",
        "inputSize": [INPUT, INPUT],
        "resize": "fill",
        "range": [0, 1],
        "mean": MEAN,
        "std": STD,
        "channelOrder": "RGB",
        "labels": list(world.LABELS),
        "outputKind": "logits",
        "description": description,
    }


def write_sidecar(path: str, description: str) -> None:
    """Pretty JSON with one key per line and inline arrays."""
    doc = sidecar(description)
    body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in doc.items())
    with open(path, "w") as fh:
        fh.write("{\n" + body + "\n}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0, help="training seed (init, shuffling, training data)")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--n-train", type=int, default=12000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--wd", type=float, default=1e-4)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--out", default=os.path.join(HERE, "demo"))
    ap.add_argument("--metrics", default=os.path.join(HERE, "metrics.json"))
    ap.add_argument("--cache", default="/tmp/propsweep-data")
    ap.add_argument("--stats", action="store_true", help="print mean/std of the unbiased training split and exit")
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    np.set_printoptions(precision=4, suppress=True)

    if args.stats:
        x, _ = cached_dataset("unbiased", args.n_train, data_seed(args.seed, "unbiased"), args.cache)
        f = x.astype(np.float64) / 255
        print("mean", f.mean(axis=(0, 1, 2)), "std", f.std(axis=(0, 1, 2)))
        return

    os.makedirs(args.out, exist_ok=True)
    tests = {s: cached_dataset(s, N_TEST, TEST_SEED[s], args.cache) for s in TEST_SPLITS}
    metrics = {
        "train_seed": args.seed,
        "hyper": {k: getattr(args, k) for k in ("n_train", "epochs", "batch", "lr", "wd", "width")},
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "numpy": np.__version__},
        "accuracy": {},
    }
    import onnx
    metrics["versions"]["onnx"] = onnx.__version__
    for name in args.models.split(","):
        split, desc = MODELS[name]
        print(f"== {name} (train split {split}, seed {args.seed})", flush=True)
        model = train_one(name, split, args)
        acc = {}
        for s in TEST_SPLITS:
            xt, yt = tests[s]
            acc[s] = float((predict(model, xt).argmax(1) == yt).mean())
        metrics["accuracy"][name] = acc
        print(f"  test accuracy: " + ", ".join(f"{s} {a:.4f}" for s, a in acc.items()), flush=True)
        onnx_path = os.path.join(args.out, f"{name}.onnx")
        export_onnx(model, onnx_path)
        diff = check_ort(model, onnx_path, tests["unbiased"][0][:64])
        metrics.setdefault("ort_max_abs_diff", {})[name] = diff
        print(f"  exported {onnx_path} ({os.path.getsize(onnx_path)} bytes); "
              f"onnxruntime max |torch-ort| = {diff}", flush=True)
        write_sidecar(os.path.join(args.out, f"{name}.json"), desc)
    try:
        import onnxruntime
        metrics["versions"]["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        pass
    with open(args.metrics, "w") as fh:
        json.dump(metrics, fh, indent=2)
        fh.write("\n")
    print(json.dumps(metrics["accuracy"], indent=2))


if __name__ == "__main__":
    main()
