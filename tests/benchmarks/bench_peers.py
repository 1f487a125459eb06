"""Vanish's export against ffmpeg's removelogo (mask image) and delogo (boxes), full resolution.

    PYTHONPATH=$PWD python tests/benchmarks/bench_peers.py [--frames 60] [--clips a,b] [--variants before]
        [--out results/peers.json]

Each shared clip (60 frames; running_car from frame 32) is cut to a lossless FFV1 file; the hole is
its logo mask (running_car's watermark_mask.png, the other clips a watermark-like mask of text, a
box and a stroke, inpaint_core.export.synthetic). The clip itself is the ground truth. Vanish
exports with its defaults (vanish export, propagate engine, both residuals); removelogo gets the
mask image; delogo one box per connected part of the mask; Telea (OpenCV, radius 5) runs per frame
at full resolution. Every method is given the same frames: the truth with the hole painted white
(a burned-in opaque logo), so that none can read the truth under the mask (before session 6 the
clean clip was given, which flattered Vanish: its engine reads the neighbourhood of the hole).
In-hole PSNR over all frames, the same pixels for every method (the user's mask). Vanish variants
(``--variants``): ``before`` (the export before session 6's prefill), ``noblend`` (without the
full-resolution Telea blend, on by default since session 7), ``grow0``, ``uniform``.
``--clips pan:Wood,pan:Garden``: 1920x1080 pans over those shared photos (the synthetic watermark).
Writes tests/benchmarks/results/peers.json (``--out``: elsewhere).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core import metrics  # noqa: E402
from inpaint_core import prefill as prefill_switch  # noqa: E402 (PREFILL, the one prefill switch)
from inpaint_core.bench.report import write_json  # noqa: E402
from inpaint_core.cli import main as vanish  # noqa: E402
from inpaint_core.engines import create_engine  # noqa: E402
from inpaint_core.export import diffusionblend, temporal  # noqa: E402
from inpaint_core.export.lowres import lowres_plan  # noqa: E402
from inpaint_core.export.synthetic import watermark_mask  # noqa: E402
from inpaint_core.settings import DEFAULT_LONG_SIDE, ExportSettings  # noqa: E402
from inpaint_core.video import VideoReader  # noqa: E402
from tests.benchmarks.bench_propagate import CLIPS, SHARED, read_frames  # noqa: E402

OUT = ROOT / "tests" / "benchmarks" / "results" / "peers.json"
WORK = Path(tempfile.gettempdir()) / "vanish_peers"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def write_ffv1(frames: list[np.ndarray], path: Path, fps: int = 25) -> None:
    h, w = frames[0].shape[:2]
    p = subprocess.Popen(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
                          "-r", str(fps), "-i", "-", "-c:v", "ffv1", "-pix_fmt", "bgr0", str(path)],
                         stdin=subprocess.PIPE)
    for f in frames:
        p.stdin.write(np.ascontiguousarray(f).tobytes())
    p.stdin.close()
    if p.wait():
        raise RuntimeError("ffmpeg failed")


def read_all(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as r:
        return [rgb.copy() for _, rgb in r.iter_frames()]


def boxes(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    h, w = mask.shape
    n, _, stats, _ = cv2.connectedComponentsWithStats((mask > 0).astype(np.uint8))
    out = []
    for x, y, bw, bh, _ in stats[1:]:
        x0, y0 = max(1, x - 1), max(1, y - 1)
        x1, y1 = min(w - 2, x + bw + 1), min(h - 2, y + bh + 1)
        out.append((x0, y0, x1 - x0, y1 - y0))
    return out


VARIANTS = ("before", "noblend", "grow0", "uniform", "oldtrust", "nothin", "oldtrust-nothin", "thin")


@contextmanager
def variant_flags(variant: str):
    """The module defaults a Vanish variant runs with, restored afterwards: ``before``, the
    working-size frame's hole not painted over (the logo reaches the engine) and no diffusion blend;
    ``noblend``, the full-resolution Telea blend of :mod:`inpaint_core.export.diffusionblend` off
    (the export before session 7); ``oldtrust``, the temporal residual trusting reference pixels up to
    the old guard beside their own hole (before the trust band); ``nothin``, thin strokes not given
    to Telea whole (the default since); ``thin``, thin strokes to Telea whole; ``oldtrust-nothin``
    both."""
    saved = (prefill_switch.PREFILL, diffusionblend.DEFAULT, temporal.TRUST_BAND, diffusionblend.THIN_WHOLE,
             temporal.VERIFY)
    if "oldtrust" in variant:  # the temporal residual's trust before the band around a reference's mask
        temporal.TRUST_BAND = temporal.VERIFY = False
    if "nothin" in variant:  # thin strokes take Telea's share like the rest of the mask (the default now)
        diffusionblend.THIN_WHOLE = False
    elif variant == "thin":  # thin strokes to Telea whole (the default before the trust band)
        diffusionblend.THIN_WHOLE = True
    if variant == "before":
        prefill_switch.PREFILL, diffusionblend.DEFAULT = False, "off"
    elif variant == "noblend":
        diffusionblend.DEFAULT = "off"  # (and ``--blend off``: the export's own setting)
    try:
        yield
    finally:
        (prefill_switch.PREFILL, diffusionblend.DEFAULT, temporal.TRUST_BAND, diffusionblend.THIN_WHOLE,
         temporal.VERIFY) = saved


def clip_mask(name: str, size: tuple[int, int]) -> np.ndarray:
    """The clip's logo mask at ``size`` = (W, H), (H, W) uint8 0/255: running_car's watermark_mask.png,
    the other clips a watermark-like mask of text, a box and a stroke."""
    w, h = size
    if name == "running_car":
        m = cv2.imread(str(SHARED / "data/clips/running_car/watermark_mask.png"), cv2.IMREAD_GRAYSCALE)
        return np.where(cv2.resize(m, (w, h), interpolation=cv2.INTER_NEAREST) > 127, 255, 0).astype(np.uint8)
    return watermark_mask((w, h), seed=3)


def burn(frames: list[np.ndarray], mask: np.ndarray, colour: int = 255) -> list[np.ndarray]:
    """The frames with the hole painted ``colour`` (a burned-in opaque logo): what every method is
    given, so that none can read the truth under the mask."""
    hole = mask > 0
    out = []
    for f in frames:
        g = f.copy()
        g[hole] = colour
        out.append(g)
    return out


def score(out: list[np.ndarray], truth: list[np.ndarray], hole: np.ndarray) -> float:
    se = sum(float(((o.astype(np.float64) - t) ** 2)[hole].sum()) for o, t in zip(out, truth))
    return metrics.psnr_from_mse(se / (int(hole.sum()) * 3 * len(truth)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--clips", default=",".join(CLIPS))
    ap.add_argument("--variants", default="noblend",
                    help="extra Vanish exports, comma-separated (empty: none): before (as before session 6: "
                         "no prefill of the hole), noblend (full-resolution Telea blend off), grow0 (--grow 0), uniform (the default growth, not stroke-adaptive), "
                         "oldtrust (the restore's trust before the band around a reference's mask), nothin (no thin-stroke rule), thin (thin strokes to Telea whole), oldtrust-nothin")
    ap.add_argument("--out", type=Path, default=OUT, help=f"JSON to write (default {OUT.relative_to(ROOT)})")
    args = ap.parse_args()
    variants = set(args.variants.split(",")) - {""}
    unknown = variants - set(VARIANTS)
    if unknown:
        ap.error(f"unknown variants {sorted(unknown)}; known: {', '.join(VARIANTS)}")
    WORK.mkdir(exist_ok=True)
    rows = []
    for name in args.clips.split(","):
        if name.startswith("pan:"):  # a 1920x1080 pan over a shared photo, the synthetic watermark
            from inpaint_core.export.synthetic import load_photo, pan_frames

            truth = list(pan_frames(load_photo(SHARED / f"data/photos/{name[4:]}.jpg"), (1920, 1080), args.frames))
            name = f"pan_{name[4:]}"
        else:
            path, start = CLIPS[name]
            truth = read_frames(SHARED / path, start, args.frames, size=None)
        h, w = truth[0].shape[:2]
        mask = clip_mask(name, (w, h))
        hole = mask > 0
        src = WORK / f"{name}.mkv"
        burned = burn(truth, mask)
        write_ffv1(burned, src)
        write_ffv1(truth, WORK / f"{name}_truth.mkv")  # for the contact sheet
        mpath = WORK / f"{name}_mask.png"
        cv2.imwrite(str(mpath), mask)
        row = {"clip": name, "size": [w, h], "frames": len(truth), "hole_share": float(hole.mean())}
        t0 = time.perf_counter()
        assert vanish(["export", str(src), "--masks", str(mpath), "--out", str(WORK / f"{name}_vanish.mkv"),
                       "--no-audio"]) == 0
        row["vanish_s"] = time.perf_counter() - t0
        # the same with no extra mask growth in the export (--grow 0), with the default growth
        # applied uniformly (an explicit --grow: the rule before stroke-adaptive growth), and as the
        # export was before session 6 (the logo under the mask reached the engine: no prefill)
        g = int(lowres_plan((w, h), create_engine("propagate"), ExportSettings(long_side=DEFAULT_LONG_SIDE)).grow)
        row["default_grow"] = g
        for v in sorted(variants):
            extra = {"grow0": ["--grow", "0"], "uniform": ["--grow", str(g)], "noblend": ["--blend", "off"],
                     "before": ["--blend", "off"]}.get(v, [])
            t0 = time.perf_counter()
            with variant_flags(v):
                assert vanish(["export", str(src), "--masks", str(mpath), "--out",
                               str(WORK / f"{name}_vanish-{v}.mkv"), "--no-audio", *extra]) == 0
            row[f"vanish-{v}_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        ffmpeg("-i", str(src), "-vf", f"removelogo=f={mpath}", "-c:v", "ffv1", str(WORK / f"{name}_removelogo.mkv"))
        row["removelogo_s"] = time.perf_counter() - t0
        chain = ",".join(f"delogo=x={x}:y={y}:w={bw}:h={bh}" for x, y, bw, bh in boxes(mask))
        t0 = time.perf_counter()
        ffmpeg("-i", str(src), "-vf", chain, "-c:v", "ffv1", str(WORK / f"{name}_delogo.mkv"))
        row["delogo_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for method in ("vanish", *(f"vanish-{v}" for v in sorted(variants)), "removelogo", "delogo"):
            out = read_all(WORK / f"{name}_{method}.mkv")
            row[f"psnr_hole_{method}"] = score(out, truth, hole)
        # per-frame Telea at full resolution, for reference
        tel = [cv2.inpaint(f, mask, 5, cv2.INPAINT_TELEA) for f in burned]
        row["psnr_hole_telea"] = score(tel, truth, hole)
        write_ffv1(tel, WORK / f"{name}_telea.mkv")
        extra = ", ".join(f"{v} {row['psnr_hole_vanish-' + v]:.2f}" for v in sorted(variants))
        print(f"{name:15s} {w}x{h} hole {100 * hole.mean():.1f}%  in-hole PSNR: vanish "
              f"{row['psnr_hole_vanish']:.2f} ({extra})  removelogo {row['psnr_hole_removelogo']:.2f}  delogo "
              f"{row['psnr_hole_delogo']:.2f}  telea {row['psnr_hole_telea']:.2f}  (vanish {row['vanish_s']:.0f} s)",
              flush=True)
        rows.append(row)
        write_json({"rows": rows}, args.out)
    print("wrote", args.out)
    print(f"{'clip':15s} {'size':>8s} {'vanish':>7s} " + " ".join(f"{v:>7s}" for v in sorted(variants))
          + f" {'removelogo':>10s} {'delogo':>7s} {'telea':>7s}")
    for r in rows:
        print(f"{r['clip']:15s} {r['size'][0]:>4d}x{r['size'][1]:<3d} {r['psnr_hole_vanish']:7.2f} "
              + " ".join(f"{r['psnr_hole_vanish-' + v]:7.2f}" for v in sorted(variants))
              + f" {r['psnr_hole_removelogo']:10.2f} {r['psnr_hole_delogo']:7.2f} {r['psnr_hole_telea']:7.2f}")


if __name__ == "__main__":
    main()
