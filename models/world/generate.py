"""Procedural "cats vs dogs" image world with known ground truth.

Dev-only (regenerating the bundled demo models); the product never runs this.

* Two classes, ``cat`` (label 0) and ``dog`` (label 1), that differ in SHAPE
  only: cats have a compact body, pointed triangular ears and a thin curled
  tail; dogs have a longer body, a protruding snout, round floppy ears that
  hang down behind the head, longer legs and a thicker straight tail.  Pose,
  scale, position, rotation and mirroring vary per image.
* Two independent nuisance properties:
    - fur colour: a luminance ``fur`` in [0.1, 0.9] plus a small brownish tint,
      with additive shading inside the body (top light, darker rim, fur
      texture), so a mean-shift recolour keeps the shading;
    - background brightness: a luminance ``bg`` in [0.15, 0.85] plus a random
      gradient, low-frequency texture and a faint tint.
* The body mask (antialiased alpha, 1 = animal) is known by construction; the
  image is ``alpha * body + (1 - alpha) * background`` plus mild pixel noise.

Everything is deterministic from integer seeds (numpy PCG64 via
``default_rng([seed, index])``).  Images are 128x128 RGB uint8.

Run as a script to write a contact sheet for eyeballing:
    python3 models/world/generate.py --sheet /tmp/sheet.png --split unbiased
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, asdict

import numpy as np

SIZE = 128
LABELS = ("cat", "dog")

# fur-luminance ranges used by the split recipes
DARK = (0.10, 0.40)
LIGHT = (0.60, 0.90)
FULL = (0.10, 0.90)
BG_RANGE = (0.15, 0.85)

# split name -> for each class (cat, dog) the fur-luminance range.
# Background brightness is independent of the class in every split.
SPLITS = {
    "unbiased": (FULL, FULL),
    "dark-cats": (DARK, LIGHT),  # cats always dark, dogs always light
    "dark-dogs": (LIGHT, DARK),  # cats always light, dogs always dark
}

# brownish tint direction added to the grey fur luminance (scaled by tint in [0,1])
TINT_DIR = np.array([0.06, 0.0, -0.07])


@dataclass
class Params:
    cls: int  # 0 cat, 1 dog
    fur: float  # fur luminance
    tint: float  # 0..1 amount of brownish tint
    bg: float  # background luminance
    seed: int  # seed for pose / texture / noise


# --------------------------------------------------------------------------
# signed distance primitives (negative inside), vectorised over a grid
# --------------------------------------------------------------------------

def sd_circle(u, v, cu, cv, r):
    return np.hypot(u - cu, v - cv) - r


def sd_ellipse(u, v, cu, cv, rx, ry, ang=0.0):
    du, dv = u - cu, v - cv
    if ang:
        c, s = math.cos(ang), math.sin(ang)
        du, dv = c * du + s * dv, -s * du + c * dv
    k0 = np.hypot(du / rx, dv / ry)
    k1 = np.hypot(du / (rx * rx), dv / (ry * ry))
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-6)


def sd_capsule(u, v, pts, r):
    """Distance to a polyline with radius r."""
    d = None
    for (au, av), (bu, bv) in zip(pts[:-1], pts[1:]):
        pu, pv = u - au, v - av
        eu, ev = bu - au, bv - av
        h = np.clip((pu * eu + pv * ev) / (eu * eu + ev * ev), 0.0, 1.0)
        dd = np.hypot(pu - eu * h, pv - ev * h)
        d = dd if d is None else np.minimum(d, dd)
    return d - r


def sd_triangle(u, v, a, b, c):
    """Max of half-plane distances (exact inside, good near edges)."""
    pts = [a, b, c]
    # orientation
    cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    sgn = 1.0 if cross > 0 else -1.0
    d = None
    for i in range(3):
        p, q = pts[i], pts[(i + 1) % 3]
        eu, ev = q[0] - p[0], q[1] - p[1]
        ln = math.hypot(eu, ev)
        # outward normal for CCW polygon is (ev, -eu)
        dd = sgn * ((u - p[0]) * ev - (v - p[1]) * eu) / ln
        d = dd if d is None else np.maximum(d, dd)
    return d


# --------------------------------------------------------------------------
# noise helpers
# --------------------------------------------------------------------------

_INTERP_CACHE: dict[tuple[int, int], np.ndarray] = {}


def _interp_matrix(n_out: int, n_in: int) -> np.ndarray:
    key = (n_out, n_in)
    if key not in _INTERP_CACHE:
        x = (np.arange(n_out) + 0.5) / n_out * (n_in - 1)
        i0 = np.clip(np.floor(x).astype(int), 0, n_in - 2)
        w = x - i0
        m = np.zeros((n_out, n_in))
        m[np.arange(n_out), i0] = 1 - w
        m[np.arange(n_out), i0 + 1] = w
        _INTERP_CACHE[key] = m
    return _INTERP_CACHE[key]


def smooth_noise(rng, grid: int, size: int = SIZE) -> np.ndarray:
    """Bilinearly upsampled gaussian grid noise, roughly unit std."""
    g = rng.normal(size=(grid, grid))
    m = _interp_matrix(size, grid)
    out = m @ g @ m.T
    return out / (out.std() + 1e-8)


# --------------------------------------------------------------------------
# shapes
# --------------------------------------------------------------------------

def animal_sdf(u, v, cls: int, rng) -> np.ndarray:
    """SDF (local units) of a cat or dog facing +u, with v pointing up."""
    j = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731
    parts = []
    if cls == 0:  # cat
        rx, ry = 20 * j(0.88, 1.12), 13 * j(0.88, 1.12)
        parts.append(sd_ellipse(u, v, 0, 0, rx, ry))
        hr = 10 * j(0.9, 1.1)
        hu, hv = rx + j(1, 5), ry * 0.55 + j(0, 6)
        parts.append(sd_circle(u, v, hu, hv, hr))
        # pointed triangular ears on top of the head
        ear_h = j(8, 11)
        for off, lean in ((-5.0, -2.0), (4.0, 2.5)):
            bu = hu + off * hr / 10
            base_v = hv + math.sqrt(max(hr * hr - (off * hr / 10) ** 2, 1)) - 3
            a = (bu - 4.5, base_v)
            b = (bu + 4.5, base_v)
            c = (bu + lean + j(-1, 1), base_v + ear_h)
            parts.append(sd_triangle(u, v, a, b, c))
        # thin curled tail
        tu, tv = -rx + 2, j(0, 4)
        curl = j(0.6, 1.3)
        tail = [(tu, tv), (tu - 9, tv + 7 * curl), (tu - 11, tv + 17 * curl),
                (tu - 6 * curl, tv + 24 * curl)]
        parts.append(sd_capsule(u, v, tail, j(1.6, 2.2)))
        # short legs
        leg_len, leg_r = j(9, 13), j(2.6, 3.3)
        for fu in (-0.62, -0.35, 0.35, 0.62):
            lu = fu * rx + j(-1.5, 1.5)
            lv = -ry * math.sqrt(max(1 - fu * fu, 0.05)) + 3
            parts.append(sd_capsule(u, v, [(lu, lv), (lu + j(-2, 2), lv - leg_len)], leg_r))
    else:  # dog
        rx, ry = 27 * j(0.88, 1.12), 12 * j(0.88, 1.12)
        parts.append(sd_ellipse(u, v, 0, 0, rx, ry))
        hr = 9.5 * j(0.9, 1.1)
        hu, hv = rx + j(2, 6), ry * 0.6 + j(1, 7)
        parts.append(sd_circle(u, v, hu, hv, hr))
        # protruding snout
        sl = j(7, 10)
        parts.append(sd_ellipse(u, v, hu + hr * 0.7 + sl * 0.45, hv - j(2, 4), sl, j(4, 5.5)))
        # round floppy ear hanging down behind/beside the head
        eang = j(0.15, 0.5)
        parts.append(sd_ellipse(u, v, hu - hr * 0.55, hv - j(2, 5), j(3.8, 4.8), j(8, 10.5), eang))
        # thicker, straighter tail pointing up-back
        tu, tv = -rx + 2, j(1, 5)
        tang = j(0.35, 0.9)
        tl = j(12, 17)
        parts.append(sd_capsule(u, v, [(tu, tv), (tu - tl * math.cos(tang), tv + tl * math.sin(tang))],
                                j(2.6, 3.4)))
        # longer legs
        leg_len, leg_r = j(14, 18), j(3.0, 3.8)
        for fu in (-0.7, -0.45, 0.45, 0.7):
            lu = fu * rx + j(-1.5, 1.5)
            lv = -ry * math.sqrt(max(1 - fu * fu, 0.05)) + 3
            parts.append(sd_capsule(u, v, [(lu, lv), (lu + j(-2, 2), lv - leg_len)], leg_r))
    d = parts[0]
    for p in parts[1:]:
        d = np.minimum(d, p)
    return d


_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5


def render(p: Params) -> tuple[np.ndarray, np.ndarray]:
    """Render one image. Returns (rgb uint8 HxWx3, mask uint8 HxW)."""
    rng = np.random.default_rng([int(p.seed), 7919])
    # ---- pose
    scale = rng.uniform(0.82, 1.08)
    ang = math.radians(rng.uniform(-15, 15))
    flip = rng.random() < 0.5
    cx = SIZE / 2 + rng.uniform(-9, 9)
    cy = SIZE / 2 + rng.uniform(-8, 8)
    # local frame: u right (towards the head), v up; body centre shifted so
    # that the whole animal is roughly centred in the image.
    x = _XX - cx
    y = _YY - cy
    c, s = math.cos(ang), math.sin(ang)
    u = (c * x + s * y) / scale
    v = (-(-s * x + c * y)) / scale
    if flip:
        u = -u
    u = u + 6.0  # animals extend further to the head side
    v = v + 2.0
    sdf = animal_sdf(u, v, p.cls, rng) * scale  # pixel units
    alpha = np.clip(0.5 - sdf, 0.0, 1.0)

    # ---- fur: base colour + additive shading/texture
    base = p.fur + p.tint * TINT_DIR  # (3,)
    depth = np.clip(-sdf, 0, None)
    rim = np.exp(-depth / 2.2)  # 1 at the outline, ->0 inside
    light = np.clip((cy - _YY) / 28.0, -1, 1)  # lit from the top
    tex = 0.035 * smooth_noise(rng, 6) + 0.03 * smooth_noise(rng, 20)
    shade = -0.16 * rim + 0.05 * light + tex
    body = base[None, None, :] + shade[:, :, None]

    # ---- background
    gdir = rng.uniform(0, 2 * math.pi)
    grad = rng.uniform(-0.09, 0.09) * ((math.cos(gdir) * (_XX - 64) + math.sin(gdir) * (_YY - 64)) / 64)
    btex = 0.035 * smooth_noise(rng, 4) + 0.015 * smooth_noise(rng, 12)
    btint = rng.uniform(-0.025, 0.025, size=3)
    bgimg = (p.bg + grad + btex)[:, :, None] + btint[None, None, :]

    img = alpha[:, :, None] * body + (1 - alpha[:, :, None]) * bgimg
    img = img + rng.normal(0, 0.012, size=img.shape)
    rgb = np.clip(np.round(img * 255), 0, 255).astype(np.uint8)
    mask = np.clip(np.round(alpha * 255), 0, 255).astype(np.uint8)
    return rgb, mask


# --------------------------------------------------------------------------
# splits / datasets
# --------------------------------------------------------------------------

def sample_params(split: str, seed: int, index: int) -> Params:
    rng = np.random.default_rng([int(seed), int(index), 1])
    cls = int(rng.integers(0, 2))
    lo, hi = SPLITS[split][cls]
    fur = float(rng.uniform(lo, hi))
    tint = float(rng.uniform(0, 1))
    bg = float(rng.uniform(*BG_RANGE))
    return Params(cls=cls, fur=fur, tint=tint, bg=bg, seed=int(seed) * 1_000_003 + int(index))


def downsample2(rgb: np.ndarray) -> np.ndarray:
    """128->64 by 2x2 box average (= bilinear at exactly half size)."""
    h, w, ch = rgb.shape
    f = rgb.astype(np.float32).reshape(h // 2, 2, w // 2, 2, ch).mean(axis=(1, 3))
    return np.clip(np.round(f), 0, 255).astype(np.uint8)


def _make_chunk(args):
    split, seed, start, stop = args
    xs, ys = [], []
    for i in range(start, stop):
        p = sample_params(split, seed, i)
        rgb, _ = render(p)
        xs.append(downsample2(rgb))
        ys.append(p.cls)
    return np.stack(xs), np.array(ys, dtype=np.int64)


def make_dataset(split: str, n: int, seed: int, workers: int = 2):
    """Returns X uint8 (n, 64, 64, 3) and y int64 (n,), deterministic."""
    chunk = 500
    jobs = [(split, seed, s, min(s + chunk, n)) for s in range(0, n, chunk)]
    if workers > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_make_chunk, jobs)
    else:
        parts = [_make_chunk(j) for j in jobs]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# --------------------------------------------------------------------------
# tiny PNG writer/reader helpers (Pillow is used when available)
# --------------------------------------------------------------------------

def save_png(path: str, arr: np.ndarray) -> None:
    from PIL import Image
    mode = "L" if arr.ndim == 2 else "RGB"
    Image.fromarray(arr, mode).save(path, optimize=True)


def load_png(path: str) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(path))

# --------------------------------------------------------------------------
# bundled demo images (models/demo/images)
# --------------------------------------------------------------------------

# Targets for the fur-colour intervention: dark-fur images are recoloured to a
# light (slightly brownish) fur colour, light-fur images to a dark one.
LIGHT_TARGET = [0.86, 0.82, 0.76]
DARK_TARGET = [0.16, 0.13, 0.11]
# background-brightness factors: darken a bright background, brighten a dark one
DARKEN_F = 0.4
BRIGHTEN_F = 1.8

DEMO_SEEDS = (11, 12, 13, 14)

# name -> Params (class, fur luminance, tint, background luminance, pose seed)
DEMO_IMAGES = {
    "dark-cat": Params(cls=0, fur=0.18, tint=0.5, bg=0.72, seed=DEMO_SEEDS[0]),
    "light-cat": Params(cls=0, fur=0.82, tint=0.5, bg=0.30, seed=DEMO_SEEDS[1]),
    "dark-dog": Params(cls=1, fur=0.20, tint=0.7, bg=0.68, seed=DEMO_SEEDS[2]),
    "light-dog": Params(cls=1, fur=0.80, tint=0.3, bg=0.32, seed=DEMO_SEEDS[3]),
}


def demo_interventions(p: Params) -> list[dict]:
    target = LIGHT_TARGET if p.fur < 0.5 else DARK_TARGET
    factor = DARKEN_F if p.bg > 0.5 else BRIGHTEN_F
    return [
        {"property": "fur colour", "kind": "recolor", "region": "mask", "invertMask": False,
         "target": target},
        {"property": "background brightness", "kind": "brightness", "region": "background",
         "invertMask": True, "factor": factor},
    ]


def write_demo(outdir: str) -> None:
    import json
    import os
    os.makedirs(outdir, exist_ok=True)
    entries = []
    for name, p in DEMO_IMAGES.items():
        rgb, mask = render(p)
        save_png(os.path.join(outdir, f"{name}.png"), rgb)
        save_png(os.path.join(outdir, f"{name}.mask.png"), mask)
        m = mask.astype(np.float64) / 255.0
        mu = (rgb.astype(np.float64) / 255.0 * m[:, :, None]).sum(axis=(0, 1)) / m.sum()
        entries.append({
            "name": name,
            "file": f"{name}.png",
            "mask": f"{name}.mask.png",
            "label": LABELS[p.cls],
            "groundTruth": {"furLuminance": p.fur, "backgroundLuminance": p.bg},
            # mask-weighted mean RGB of the PNG inside the mask (pixel/255, mask/255):
            # the "mu" of the recolour edit, handy to cross-check an implementation
            "maskMeanRGB": [round(float(c), 6) for c in mu],
            "interventions": demo_interventions(p),
        })
    doc = {
        "version": 1,
        "description": "Demo images from the procedural propsweep world (models/world/generate.py). "
                       "Masks: 8-bit grayscale, 255 = animal body, 0 = background.",
        "steps": 21,
        "formulas": {
            "recolor": "mu = mask-weighted mean RGB inside the mask; out = clamp01(I + t * m * (target - mu))",
            "brightness": "m_bg = 1 - m; out = clamp01(I * (1 + t * m_bg * (factor - 1)))",
        },
        "images": entries,
    }
    with open(os.path.join(outdir, "demo.json"), "w") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")


def _main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sheet", default="/tmp/sheet.png")
    ap.add_argument("--split", default="unbiased", choices=list(SPLITS))
    ap.add_argument("--seed", type=int, default=123)
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--demo", help="write the bundled demo images + demo.json into this folder and exit")
    a = ap.parse_args()
    if a.demo:
        write_demo(a.demo)
        return
    cols = 8
    rows = (a.n + cols - 1) // cols
    sheet = np.zeros((rows * SIZE, cols * SIZE, 3), np.uint8)
    for i in range(a.n):
        p = sample_params(a.split, a.seed, i)
        rgb, _ = render(p)
        r, c = divmod(i, cols)
        sheet[r * SIZE:(r + 1) * SIZE, c * SIZE:(c + 1) * SIZE] = rgb
        print(i, asdict(p))
    save_png(a.sheet, sheet)


if __name__ == "__main__":
    _main()
