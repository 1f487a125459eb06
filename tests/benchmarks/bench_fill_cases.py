"""Reference frames and clean plates on synthetic clips made from the shared photographs.

    PYTHONPATH=$PWD python tests/benchmarks/bench_fill_cases.py [--reference] [--plate] [--frames N]

``--reference``: a 1920x1080 pan over a photograph with a stationary hole most of which no frame
reveals; the engine runs with and without the true middle frame as reference; in-hole PSNR of
every frame is printed. ``--plate``: a still camera over a photograph (432x240), slow textured discs
crossing (the objects removed, their masks the holes), and a still disc-shaped distractor moving
beside them unmasked; clean-plate, propagate (auto) and Telea, in-hole PSNR. Results:
tests/benchmarks/results/fill_cases.json.

Honest input: every engine is given the frames as :func:`inpaint_core.bench.runner.engine_frames`
makes them (the user's hole replaced by a striped logo, then prefilled as on every engine path);
``--hole truth`` restores the old input (the true pixels under the hole). A reference frame is the
true frame (what a user would paint or supply).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core import metrics  # noqa: E402
from inpaint_core.bench.occlude import DEFAULT_HOLE_CONTENT, HOLE_CONTENTS  # noqa: E402
from inpaint_core.bench.regions import revealed_masks  # noqa: E402
from inpaint_core.bench.report import write_json  # noqa: E402
from inpaint_core.bench.runner import engine_frames  # noqa: E402
from inpaint_core.clipsource import ArrayClipSource  # noqa: E402
from inpaint_core.engines.base import Filled  # noqa: E402
from inpaint_core.engines.propagate import PropagateEngine  # noqa: E402
from inpaint_core.engines.telea import TeleaEngine  # noqa: E402
from inpaint_core.export.synthetic import load_photo, pan_frames  # noqa: E402
from tests.benchmarks.bench_propagate import SHARED  # noqa: E402

OUT = ROOT / "tests" / "benchmarks" / "results" / "fill_cases.json"


#: what the engines see inside the hole (``--hole``)
HOLE = DEFAULT_HOLE_CONTENT


def fill(engine, frames, masks, grow=0, cover=None):
    """Run ``engine`` on ``frames`` with holes ``masks`` grown by ``grow``; the engine is given
    :func:`engine_frames` (the user's holes ``cover``, default ``masks``, replaced and prefilled)."""
    out = {}
    seen = engine_frames(np.stack(frames), np.stack(masks if cover is None else cover), HOLE)
    t0 = time.perf_counter()
    for ev in engine.run(ArrayClipSource(seen, masks, grow=grow)):
        if isinstance(ev, Filled):
            out[ev.index] = ev.rgb
    return [out[i] for i in range(len(frames))], time.perf_counter() - t0


def reference_case(n: int) -> dict:
    photo = load_photo(SHARED / "data/photos/Garden.jpg")
    frames = list(pan_frames(photo, (1920, 1080), n, velocity=(4.0, 1.3)))
    mask = np.zeros((1080, 1920), np.uint8)
    cv2.ellipse(mask, (960, 540), (260, 170), 0, 0, 360, 255, -1)
    masks = [mask] * n
    flows = metrics.reference_flows([cv2.resize(f, (480, 270), interpolation=cv2.INTER_AREA) for f in frames])
    small = [cv2.resize(m, (480, 270), interpolation=cv2.INTER_NEAREST) for m in masks]
    rev = revealed_masks(small, flows)
    share = 1 - float(np.mean([r[m > 0].mean() for r, m in zip(rev, small)]))
    mid = n // 2
    res = {"size": [1920, 1080], "frames": n, "reference_frame": mid, "never_revealed_share": share}
    hole = mask > 0
    for label, eng in (("propagate", PropagateEngine()),
                       ("propagate+reference", PropagateEngine(references={mid: frames[mid]}))):
        out, secs = fill(eng, frames, masks)
        res[label] = {"psnr_hole_per_frame": [metrics.psnr(o, f, hole) for o, f in zip(out, frames)],
                      "seconds": secs}
        p = res[label]["psnr_hole_per_frame"]
        print(f"reference: {label:20s} min {min(p):.2f} mean {np.mean([x for x in p if np.isfinite(x)]):.2f} dB "
              f"per frame {[round(x, 1) for x in p]}  ({secs:.1f} s)", flush=True)
    print(f"reference: never-revealed share of the hole {share:.2f}")
    return res


def plate_case(n: int) -> dict:
    photo = load_photo(SHARED / "data/photos/RainDrops.jpg")
    bg = cv2.resize(photo, (432, 240), interpolation=cv2.INTER_AREA)
    tex = cv2.resize(load_photo(SHARED / "data/photos/Wood.jpg"), (432, 240), interpolation=cv2.INTER_AREA)
    frames, masks, truth = [], [], []
    for t in range(n):
        f = bg.copy()
        g = bg.copy()
        m = np.zeros((240, 432), np.uint8)
        for y, r, v in ((80, 34, 1.2), (170, 28, -1.0)):
            cx = int(60 + v * t * 2.5) if v > 0 else int(380 + v * t * 2.5)
            disc = np.zeros_like(m)
            cv2.circle(disc, (cx, y), r, 255, -1)
            f[disc > 0] = tex[disc > 0]  # a textured object crossing slowly: removed
            m |= cv2.dilate(disc, np.ones((5, 5), np.uint8))
        # an unmasked distractor moving fast beside them (part of the truth)
        dx = int(20 + 6 * t) % 432
        cv2.rectangle(f, (dx, 120), (dx + 30, 140), (250, 240, 30), -1)
        cv2.rectangle(g, (dx, 120), (dx + 30, 140), (250, 240, 30), -1)
        g = np.where(m[..., None] > 0, g, f)
        frames.append(f)
        masks.append(m)
        truth.append(g)
    res = {"size": [432, 240], "frames": n}
    for label, eng in (("clean-plate", PropagateEngine(fill_method="clean-plate")),
                       ("propagate", PropagateEngine()), ("telea", TeleaEngine())):
        out, secs = fill(eng, frames, masks)
        hole_se = sum(float(((o.astype(float) - g) ** 2)[m > 0].sum()) for o, g, m in zip(out, truth, masks))
        hole_n = sum(int((m > 0).sum()) * 3 for m in masks)
        res[label] = {"psnr_hole": metrics.psnr_from_mse(hole_se / hole_n), "seconds": secs}
        print(f"plate: {label:12s} in-hole PSNR {res[label]['psnr_hole']:.2f} dB ({secs:.1f} s)", flush=True)
        if label == "clean-plate":
            sheet = [truth[n // 2], frames[n // 2], out[n // 2]]
        else:
            sheet.append(out[n // 2])
    cv2.imwrite(str(OUT.with_name("fill_plate_contact.png")), cv2.cvtColor(np.concatenate(sheet, 1), cv2.COLOR_RGB2BGR))
    return res


def _object_masks(clip: str, n: int, size=(432, 240), shift: int = 0) -> list[np.ndarray]:
    folder = SHARED / "data/clips" / clip / "masks"
    files = sorted(folder.glob("*.png"))[:n]
    out = []
    for f in files:
        m = cv2.resize(cv2.imread(str(f), cv2.IMREAD_GRAYSCALE), size, interpolation=cv2.INTER_NEAREST)
        out.append(np.where(np.roll(m, shift, axis=1) > 0, 255, 0).astype(np.uint8))
    return out


def moving_case(n: int) -> dict:
    """Object-shaped holes of one clip moving over another clip beside its moving person/dog."""
    from tests.benchmarks.bench_propagate import CLIPS, read_frames

    res = {}
    sheet = []
    for video, holes_from, shift in (("dogs_jump", "schoolgirls", 0), ("schoolgirls", "dogs_jump", 0),
                                     ("dogs_jump", "schoolgirls", 120)):
        frames = read_frames(SHARED / CLIPS[video][0], 0, n)
        masks = _object_masks(holes_from, len(frames), shift=shift)
        frames = frames[:len(masks)]
        key = f"{video}+{holes_from}_holes" + (f"+{shift}px" if shift else "")
        res[key] = {}
        tiles = [frames[len(frames) // 2]]
        for label, eng in (("propagate", PropagateEngine()), ("telea", TeleaEngine())):
            out, secs = fill(eng, frames, masks, grow=2)
            whole = float(np.mean([metrics.psnr(o, f) for o, f in zip(out, frames)]))
            se = sum(float(((o.astype(float) - f) ** 2)[m > 0].sum()) for o, f, m in zip(out, frames, masks))
            hole = metrics.psnr_from_mse(se / max(1, sum(int((m > 0).sum()) * 3 for m in masks)))
            res[key][label] = {"psnr": whole, "psnr_hole": hole, "seconds": secs}
            print(f"moving: {key:36s} {label:10s} PSNR {whole:.2f}  in-hole {hole:.2f} dB ({secs:.1f} s)", flush=True)
            tiles.append(out[len(frames) // 2])
        m = masks[len(frames) // 2] > 0
        edge = (cv2.dilate(m.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~m
        sheet.append(np.concatenate([np.where(edge[..., None], np.array([255, 0, 255], np.uint8), t) for t in tiles], 1))
    cv2.imwrite(str(OUT.with_name("fill_moving_contact.png")), cv2.cvtColor(np.concatenate(sheet, 0), cv2.COLOR_RGB2BGR))
    return res


def _hole_psnr(out, truth, masks) -> float:
    se = sum(float(((o.astype(float) - g) ** 2)[m > 0].sum()) for o, g, m in zip(out, truth, masks))
    return metrics.psnr_from_mse(se / max(1, sum(int((m > 0).sum()) * 3 for m in masks)))


#: ghost case variants: (engine options, stroke-adaptive growth of the hole as the export does)
GHOST_VARIANTS = {
    "today": ({}, False),
    "layers": ({"layers": True}, False),
    "adaptive": ({}, True),
    "adaptive_blend": ({"spatial_blend": 0.5}, True),
    "adaptive_layers_blend": ({"layers": True, "spatial_blend": 0.5}, True),
    "telea": (None, False),
    # the engine before the landing allowance (ChunkFiller ``land=1``, the strict cycle test)
    "today_strict": ({"filler_options": {"land": 1.0}}, False),
    "adaptive_strict": ({"filler_options": {"land": 1.0}}, True),
}


def ghost_case(n: int, labels=("today", "layers", "telea")) -> dict:
    """A textured object moving across a stationary hole: a synthetic pan, and running_car 32-91
    (a car passes under its logo mask). Today's engine (uniform growth by 2), variants
    (:data:`GHOST_VARIANTS`: motion layers; the export's stroke-adaptive growth; the spatial
    blend), and Telea; in-hole PSNR over the ungrown mask."""
    from inpaint_core.masks.strokes import adaptive_grow
    from tests.benchmarks.bench_ghost import synthetic_pan
    from tests.benchmarks.bench_propagate import CLIPS, read_frames

    w, h = 432, 240
    synth, box, _ = synthetic_pan(n)  # the same pan and box as bench_ghost.py
    car = read_frames(SHARED / CLIPS["running_car"][0], 32, n)
    m = cv2.imread(str(SHARED / "data/clips/running_car/watermark_mask.png"), cv2.IMREAD_GRAYSCALE)
    logo = np.where(cv2.resize(m, (w, h), interpolation=cv2.INTER_NEAREST) > 127, 255, 0).astype(np.uint8)
    res, sheet = {}, []
    for key, frames, mask, t in (("synthetic_pan_object", synth, box, n // 2), ("running_car_32", car, logo, 25)):
        masks = [mask] * len(frames)
        res[key] = {}
        tiles = [frames[t]]
        for label in labels:
            opts, adaptive = GHOST_VARIANTS[label]
            eng = TeleaEngine() if opts is None else PropagateEngine(**opts)
            if adaptive:
                out, secs = fill(eng, frames, [adaptive_grow(m, 2) for m in masks], grow=0, cover=masks)
            else:
                out, secs = fill(eng, frames, masks, grow=2)
            res[key][label] = {"psnr_hole": _hole_psnr(out, frames, masks), "seconds": secs}
            print(f"ghost: {key:22s} {label:8s} in-hole PSNR {res[key][label]['psnr_hole']:.2f} dB ({secs:.1f} s)",
                  flush=True)
            tiles.append(out[t])
        sheet.append(np.concatenate(tiles, 1))
    cv2.imwrite(str(OUT.with_name("fill_ghost_contact.png")), cv2.cvtColor(np.concatenate(sheet, 0), cv2.COLOR_RGB2BGR))
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--plate", action="store_true")
    ap.add_argument("--moving", action="store_true")
    ap.add_argument("--ghost", action="store_true")
    ap.add_argument("--frames", type=int, default=0, help="frames (default: 16 for --reference, 60 for --plate)")
    ap.add_argument("--ghost-variants", default="today,layers,telea", help=f"of {', '.join(GHOST_VARIANTS)}")
    ap.add_argument("--hole", choices=HOLE_CONTENTS, default=DEFAULT_HOLE_CONTENT,
                    help="what the engines see inside the hole (truth = the old optimistic input)")
    args = ap.parse_args()
    global HOLE
    HOLE = args.hole
    import json

    data = json.loads(OUT.read_text()) if OUT.is_file() else {}  # keep the other case's results
    if args.plate:
        data["plate"] = plate_case(args.frames or 60)
    if args.ghost:
        data["ghost"] = ghost_case(args.frames or 60, args.ghost_variants.split(","))
    if args.moving:
        data["moving"] = moving_case(args.frames or 60)
    if args.reference:
        data["reference"] = reference_case(args.frames or 16)
    write_json(data, OUT)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
