"""Why the classical engine gains little over Telea on the pixels other frames reveal.

    PYTHONPATH=$PWD python tests/benchmarks/bench_revealed.py [--pairs running_car:object,...]
        [--frames 60] [--no-oracle]

On the moving-camera clips (60 frames at 432x240, the bench's mask families), for the revealed
pixels (:func:`inpaint_core.bench.regions.revealed_masks`): today's engine against Telea, its error
split by source distance (-1: filled spatially, no chain reached a source;
:mod:`inpaint_core.bench.revealsplit`), the end-point error of its completed flow inside the hole
against the truth's flow, and an *oracle*: the same chunk filler given the truth's flow (computed on
the true frames, DIS "medium", not completed in the hole). The oracle is a measurement only; the
engine never sees the truth. Writes tests/benchmarks/results/revealed.json.

``--compare``: engine variants (option dicts as JSON) side by side in one run, each on every pair
with the honest input every engine path gets (:func:`inpaint_core.bench.runner.run_engine`: the
hole holds the burned-in logo, then the prefill), the variants interleaved per pair; per pair
in-hole and revealed PSNR of each variant and of Telea, and the engine's seconds (pairs default:
all 5 clips x 4 families). Writes tests/benchmarks/results/revealed_compare.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core import flow as F  # noqa: E402
from inpaint_core import metrics  # noqa: E402
from inpaint_core.bench.regions import revealed_masks  # noqa: E402
from inpaint_core.bench.report import write_json  # noqa: E402
from inpaint_core.bench.revealsplit import flow_error, split_by_source  # noqa: E402
from inpaint_core.bench.runner import clip_seed, make_masks, run_engine  # noqa: E402
from inpaint_core.engines import propagation  # noqa: E402
from inpaint_core.engines.propagate import PropagateEngine, spatial_fill  # noqa: E402
from inpaint_core.jobs import run_job  # noqa: E402
from inpaint_core.masks import grow_mask  # noqa: E402
from tests.benchmarks.bench_propagate import CLIPS, SHARED, read_frames  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results"
MOVING = ("running_car", "sample_640x360", "sample_576x324")
FAMILIES = ("stationary", "object", "curve", "box")


class _NoCompletion:
    """Stands in for :mod:`inpaint_core.flow` inside the oracle's filler: flows are used as given."""

    def __getattr__(self, name):
        return getattr(F, name)

    @staticmethod
    def complete_flow(flow, hole, *args, **kwargs):
        return flow.astype(np.float32, copy=True)


def fill(frames: list, holes, flow_fn, oracle: bool):
    """Run one chunk filler over the whole clip (the engine runs a 60-frame clip at 432x240 as one
    chunk). Returns (filled (N, H, W, 3) uint8, src_frame (N, H, W) int32, filler)."""
    saved = propagation.F
    if oracle:
        propagation.F = _NoCompletion()
    try:
        filler = propagation.ChunkFiller(frames, [h.astype(np.uint8) * 255 for h in holes], 0,
                                         flow_fn, spatial_fill)
        res = filler.run()
    finally:
        propagation.F = saved
    return np.stack(res.rgb), np.stack(res.src_frame), filler


def measure(cname: str, fam: str, n: int, oracle: bool) -> dict:
    path, start = CLIPS[cname]
    frames = np.stack(read_frames(SHARED / path, start, n))
    masks = make_masks(fam, len(frames), (frames.shape[2], frames.shape[1]), clip_seed(0, cname), (0.05, 0.15))
    flows = metrics.reference_flows(list(frames))
    holes = masks > 0
    rev = np.stack(revealed_masks(list(masks), flows)) & holes
    grow = PropagateEngine.default_grow
    grown = np.stack([grow_mask(m, grow) > 0 for m in masks])
    tel = np.stack([cv2.inpaint(f, g.astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA) for f, g in zip(frames, grown)])
    tel[~grown] = frames[~grown]
    eng = PropagateEngine()
    t0 = time.perf_counter()
    out, src, filler = fill(list(frames), grown, eng._flow_fn((frames.shape[2], frames.shape[1])), False)
    secs = time.perf_counter() - t0

    def ps(img, sel):
        return metrics.psnr_from_mse(float(((img[sel].astype(np.float64) - frames[sel]) ** 2).mean()))

    rec = {"clip": cname, "family": fam, "frames": n, "seconds": secs, "revealed_share": float(rev.sum() / holes.sum()),
           "psnr_hole": ps(out, holes), "psnr_hole_telea": ps(tel, holes),
           "psnr_revealed": ps(out, rev), "psnr_revealed_telea": ps(tel, rev),
           "split": split_by_source(out, frames, tel, rev, src),
           "flow_error_bwd": flow_error(filler.bwd, [b for _, b in flows], list(holes[1:])),
           "flow_error_fwd": flow_error(filler.fwd, [f for f, _ in flows], list(holes[:-1]))}
    del filler
    if oracle:
        truth = {}
        for t, (f, b) in enumerate(flows):
            truth[(t, t + 1)], truth[(t + 1, t)] = f, b
        lst = list(frames)
        ids = {id(f): t for t, f in enumerate(lst)}

        def truth_fn(a, b):
            return truth[(ids[id(a)], ids[id(b)])]

        ofill, osrc, _ = fill(lst, grown, truth_fn, True)
        rec.update(psnr_revealed_oracle=ps(ofill, rev), psnr_hole_oracle=ps(ofill, holes),
                   split_oracle=split_by_source(ofill, frames, tel, rev, osrc))
    return rec


def _row(rec: dict) -> str:
    d = rec["psnr_revealed"] - rec["psnr_revealed_telea"]
    spat = next((b for b in rec["split"] if b["lo"] == -1), {"share": 0.0, "se_share": 0.0})
    line = (f"{rec['clip']:15s} {rec['family']:10s} rev {rec['psnr_revealed']:6.2f}/{rec['psnr_revealed_telea']:6.2f}"
            f" {d:+5.2f}  spatial {100 * spat['share']:4.0f}% of px, {100 * spat['se_share']:4.0f}% of SE"
            f"  flow EPE {rec['flow_error_bwd']['median']:5.2f} px (motion {rec['flow_error_bwd']['motion']:5.1f})")
    if "psnr_revealed_oracle" in rec:
        osp = next((b for b in rec["split_oracle"] if b["lo"] == -1), {"share": 0.0})
        line += (f"  oracle {rec['psnr_revealed_oracle']:6.2f} {rec['psnr_revealed_oracle'] - rec['psnr_revealed_telea']:+5.2f}"
                 f" spatial {100 * osp['share']:3.0f}%")
    return line


def _summary(rows: list[dict], k: int) -> None:
    """Per variant: mean gains over Telea and the moving-camera pairs at +4 dB revealed."""
    for j in range(k):
        dh = [r["variants"][j]["hole"] - r["telea"]["hole"] for r in rows]
        dr = [r["variants"][j]["revealed"] - r["telea"]["revealed"] for r in rows]
        mov = [d for r, d in zip(rows, dr) if r["clip"] in MOVING]
        secs = sum(r["variants"][j]["seconds"] for r in rows)
        print(f"variant {j} {json.dumps(rows[0]['variants'][j]['options'])}: hole {np.mean(dh):+.2f} dB over Telea "
              f"(>= Telea on {sum(d >= 0 for d in dh)} of {len(dh)}), revealed {np.mean(dr):+.2f} "
              f"(moving-camera pairs at +4 dB: {sum(d >= 4 for d in mov)} of {len(mov)}), {secs:.1f} s")


def compare(pairs: list[str], variants: list[dict], n: int) -> list[dict]:
    """One record per pair: Telea's and each variant's in-hole and revealed PSNR and seconds."""
    rows = []
    for pair in pairs:
        cname, fam = pair.split(":")
        path, start = CLIPS[cname]
        frames = np.stack(read_frames(SHARED / path, start, n))
        masks = make_masks(fam, len(frames), (frames.shape[2], frames.shape[1]), clip_seed(0, cname), (0.05, 0.15))
        holes = masks > 0
        rev = np.stack(revealed_masks(list(masks), metrics.reference_flows(list(frames)))) & holes
        grow = PropagateEngine.default_grow
        tel = np.stack([cv2.inpaint(f, grow_mask(m, grow), 5, cv2.INPAINT_TELEA) for f, m in zip(frames, masks)])

        def ps(img, sel, truth=frames):
            return metrics.psnr_from_mse(float(((img[sel].astype(np.float64) - truth[sel]) ** 2).mean()))

        rec = {"clip": cname, "family": fam, "frames": n, "revealed_share": float(rev.sum() / holes.sum()),
               "telea": {"hole": ps(tel, holes), "revealed": ps(tel, rev)}, "variants": []}
        line = f"{cname:15s} {fam:10s} T {rec['telea']['hole']:5.2f}/{rec['telea']['revealed']:5.2f}"
        for opts in variants:
            run = run_job(run_engine("propagate", frames, masks, opts))
            if run.status != "ok":
                raise SystemExit(f"{pair} {opts}: {run.status} {run.reason}")
            v = {"options": opts, "hole": ps(run.frames, holes), "revealed": ps(run.frames, rev), "seconds": run.seconds}
            rec["variants"].append(v)
            line += (f" | {v['hole']:5.2f}/{v['revealed']:5.2f} d {v['revealed'] - rec['telea']['revealed']:+5.2f}"
                     f" {v['seconds']:5.1f}s")
        print(line, flush=True)
        rows.append(rec)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--compare", nargs="+", metavar="OPTIONS", help="engine variants (JSON option dicts)")
    ap.add_argument("--pairs", default=",".join(f"{c}:{f}" for c in MOVING for f in FAMILIES))
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--no-oracle", action="store_true")
    ap.add_argument("--out", default=str(RESULTS / "revealed.json"))
    args = ap.parse_args()
    if args.compare:
        from tests.benchmarks.bench_propagate import CLIPS as ALL

        pairs = args.pairs.split(",") if "--pairs" in sys.argv else [f"{c}:{f}" for c in ALL for f in FAMILIES]
        variants = [json.loads(v) for v in args.compare]
        out = RESULTS / "revealed_compare.json" if args.out == str(RESULTS / "revealed.json") else Path(args.out)
        rows = compare(pairs, variants, args.frames)
        write_json({"variants": variants, "rows": rows}, out)
        _summary(rows, len(variants))
        print("wrote", out)
        return
    rows = []
    for pair in args.pairs.split(","):
        cname, fam = pair.split(":")
        rec = measure(cname, fam, args.frames, not args.no_oracle)
        rows.append(rec)
        print(_row(rec), flush=True)
        for b in rec["split"]:
            print(f"    source distance {b['lo']:>2}..{b['hi']:<5} {100 * b['share']:5.1f}% of px  "
                  f"{b['psnr']:6.2f} dB (Telea {b['psnr_baseline']:6.2f})  {100 * b['se_share']:5.1f}% of SE", flush=True)
        write_json({"rows": rows, "partial": True}, Path(args.out))
    write_json({"rows": rows}, Path(args.out))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
