"""Dev-only check that the bundled demo reproduces the paper's pattern.

For each demo image (models/demo/images/demo.json) and each of its two
interventions it applies the edit at 21 strengths t = 0, 0.05, ..., 1 exactly
as the TypeScript editor does, resizes 128x128 -> 64x64 (bilinear at exactly
half size == 2x2 box average), normalises with the model's sidecar, runs the
three ONNX models (onnxruntime) and prints per (model, image, property):
the probability path of the true class, the EPGM = mean |numpy.gradient(p, t)|
and the number of argmax flips along the path.

With --random N it also runs the same edits on N fresh images per
(class, dark/light fur) group from a held-out seed and prints flip rates and
median EPGM, to show the pattern does not hinge on the chosen demo images.

    python3 models/verify_demo.py [--models-dir models/demo] [--random 25]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "world"))
import generate as world  # noqa: E402

MODELS = ["unbiased", "dark-cats", "dark-dogs"]
T = np.round(np.linspace(0.0, 1.0, 21), 10)


# ---- the two edits, exactly as specified for the TypeScript editor --------

def recolor(img: np.ndarray, m: np.ndarray, t: float, target) -> np.ndarray:
    """img HxWx3 in [0,1], m HxW in [0,1]."""
    w = m.sum()
    mu = (img * m[:, :, None]).sum(axis=(0, 1)) / max(w, 1e-8)
    return np.clip(img + t * m[:, :, None] * (np.asarray(target) - mu), 0.0, 1.0)


def brightness_bg(img: np.ndarray, m: np.ndarray, t: float, factor: float) -> np.ndarray:
    mbg = 1.0 - m
    return np.clip(img * (1.0 + t * mbg[:, :, None] * (factor - 1.0)), 0.0, 1.0)


def apply(iv: dict, img, m, t):
    if iv["kind"] == "recolor":
        return recolor(img, m, t, iv["target"])
    if iv["kind"] == "brightness":
        return brightness_bg(img, m, t, iv["factor"])
    raise ValueError(iv["kind"])


# ---- model plumbing -------------------------------------------------------

class Model:
    def __init__(self, models_dir: str, name: str):
        import onnxruntime as ort
        self.name = name
        self.sess = ort.InferenceSession(os.path.join(models_dir, f"{name}.onnx"),
                                         providers=["CPUExecutionProvider"])
        with open(os.path.join(models_dir, f"{name}.json")) as fh:
            self.meta = json.load(fh)
        self.mean = np.array(self.meta["mean"], np.float32).reshape(1, 3, 1, 1)
        self.std = np.array(self.meta["std"], np.float32).reshape(1, 3, 1, 1)

    def probs(self, imgs01: list[np.ndarray]) -> np.ndarray:
        """List of 128x128x3 float images in [0,1] -> softmax probs (N, 2)."""
        batch = []
        for im in imgs01:
            q = np.round(im * 255.0) / 255.0  # edited image lives in an 8-bit canvas
            h, w, _ = q.shape
            small = q.reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))  # bilinear @ 1/2 == 2x2 mean
            batch.append(small.transpose(2, 0, 1))
        x = (np.stack(batch).astype(np.float32) - self.mean) / self.std
        logits = self.sess.run(["logits"], {"input": x})[0].astype(np.float64)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def sweep(model: Model, img, m, iv, label: int):
    imgs = [apply(iv, img, m, float(t)) for t in T]
    p = model.probs(imgs)
    pt = p[:, label]
    epgm = float(np.mean(np.abs(np.gradient(pt, T))))
    am = p.argmax(axis=1)
    flips = int(np.sum(am[1:] != am[:-1]))
    return pt, epgm, flips


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models-dir", default=os.path.join(HERE, "demo"))
    ap.add_argument("--images-dir", default=os.path.join(HERE, "demo", "images"))
    ap.add_argument("--random", type=int, default=0, help="extra random images per (class, fur) group")
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--strict", action="store_true", help="exit 1 if the expected pattern does not hold")
    a = ap.parse_args()

    models = [Model(a.models_dir, n) for n in MODELS]
    labels = models[0].meta["labels"]
    with open(os.path.join(a.images_dir, "demo.json")) as fh:
        demo = json.load(fh)

    ok = True
    print(f"t = 0..1 in 21 steps; p(true) shown at t = 0, 0.25, 0.5, 0.75, 1")
    print(f"{'model':<10} {'image':<10} {'property':<22} {'p(true) path':<34} {'EPGM':>6} {'flips':>5}  expect")
    for mdl in models:
        for e in demo["images"]:
            img = world.load_png(os.path.join(a.images_dir, e["file"])).astype(np.float64) / 255.0
            m = world.load_png(os.path.join(a.images_dir, e["mask"])).astype(np.float64) / 255.0
            label = labels.index(e["label"])
            dark = e["groundTruth"]["furLuminance"] < 0.5
            for iv in e["interventions"]:
                pt, epgm, flips = sweep(mdl, img, m, iv, label)
                path = " ".join(f"{pt[i]:.2f}" for i in (0, 5, 10, 15, 20))
                expect_big = iv["kind"] == "recolor" and mdl.name != "unbiased"
                good = (epgm > 0.3 and flips >= 1) if expect_big else (epgm < 0.1 and flips == 0)
                ok &= good
                print(f"{mdl.name:<10} {e['name']:<10} {iv['property']:<22} {path:<34} {epgm:6.3f} {flips:5d}  "
                      f"{'large+flip' if expect_big else 'small, no flip'} {'OK' if good else 'FAIL'}")
        print()

    if a.random:
        print(f"Random held-out images: {a.random} per (class, dark/light fur) group, seed {a.seed};")
        print("same edits (light target for dark fur, dark target for light fur; F=0.4 if bg>0.5 else 1.8).")
        print(f"{'model':<10} {'property':<22} {'flip rate':>9} {'median EPGM':>11} {'max EPGM':>8}")
        rng = np.random.default_rng(a.seed)
        cases = []
        for cls in (0, 1):
            for lo, hi in (world.DARK, world.LIGHT):
                for _ in range(a.random):
                    p = world.Params(cls=cls, fur=float(rng.uniform(lo, hi)), tint=float(rng.uniform(0, 1)),
                                     bg=float(rng.uniform(*world.BG_RANGE)), seed=int(rng.integers(1 << 40)))
                    rgb, mask = world.render(p)
                    cases.append((p, rgb.astype(np.float64) / 255, mask.astype(np.float64) / 255))
        for mdl in models:
            for k, prop in ((0, "fur colour"), (1, "background brightness")):
                eps, fl = [], []
                for p, img, m in cases:
                    iv = world.demo_interventions(p)[k]
                    _, epgm, flips = sweep(mdl, img, m, iv, p.cls)
                    eps.append(epgm)
                    fl.append(flips > 0)
                print(f"{mdl.name:<10} {prop:<22} {np.mean(fl):9.2f} {np.median(eps):11.3f} {np.max(eps):8.3f}")
        print()
    print("pattern holds" if ok else "PATTERN DOES NOT HOLD")
    if a.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
