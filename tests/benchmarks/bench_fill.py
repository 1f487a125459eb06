"""Fill quality per region and speed: today's engine (Telea key fills), the exemplar fill, Telea.

    PYTHONPATH=$PWD python tests/benchmarks/bench_fill.py [--frames 60] [--families stationary,object]
        [--clips schoolgirls,...] [--engines propagate,propagate:spatial=telea,telea] [--hd]
        [--hole logo|flat|truth]

The 5 shared clips, 60 frames at 432x240 (running_car from frame 32, after its cut), the bench's
synthetic mask families; each engine scored by :mod:`inpaint_core.bench.runner` (whole frame, hole,
revealed / never-revealed pixels by the truth's flow, texture ratio) in one run. ``--hd``: time to
fill one 1920x1080 frame's never-revealed region with the exemplar fill and with Telea.
Every engine sees frames whose hole pixels are replaced (``--hole``, default ``logo``: a burned-in
striped overlay, :mod:`inpaint_core.bench.occlude`); the scores use the truth. An engine spec may
end in ``@MODE`` to override it for that engine (e.g. ``propagate@truth``: the old, optimistic input,
to compare with in the same run). Writes tests/benchmarks/results/fill.json and a contact sheet
fill_contact.png.
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

from inpaint_core import metrics  # noqa: E402
from inpaint_core.bench.occlude import DEFAULT_HOLE_CONTENT, HOLE_CONTENTS  # noqa: E402
from inpaint_core.bench.regions import revealed_masks  # noqa: E402
from inpaint_core.bench.report import write_json  # noqa: E402
from inpaint_core.bench.runner import clip_seed, make_masks, parse_engine_spec, run_engine, score_run  # noqa: E402
from inpaint_core.jobs import run_job  # noqa: E402
from tests.benchmarks.bench_propagate import CLIPS, SHARED, read_frames  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results"
KEYS = ("psnr", "psnr_hole", "ssim_hole", "psnr_revealed", "psnr_unrevealed", "ssim_unrevealed",
        "texture_unrevealed", "revealed_share", "fps")


def run_one(spec: str, frames, masks, flows, revealed, hole: str = DEFAULT_HOLE_CONTENT
            ) -> tuple[dict, np.ndarray | None]:
    """Run one engine spec (``name:opts[@hole]``) given occluded frames; score against ``frames``."""
    spec_name, _, spec_hole = spec.partition("@")
    hole = spec_hole or hole
    name, opts = parse_engine_spec(spec_name)
    run = run_job(run_engine(name, frames, masks, opts or None, hole_content=hole))
    keep = run.frames
    rec = run.record()
    rec.update(score_run(run, frames, masks, flows, revealed))
    rec["engine"] = spec
    rec["hole_content"] = hole
    return rec, keep


def hd_timing() -> dict:
    from inpaint_core.engines.exemplar import ExemplarFill

    img = cv2.cvtColor(cv2.imread(str(SHARED / "data/photos/GreenMeadow.jpg")), cv2.COLOR_BGR2RGB)
    img = cv2.resize(img, (1920, 1080), interpolation=cv2.INTER_AREA)
    hole = np.zeros((1080, 1920), np.uint8)
    cv2.ellipse(hole, (960, 540), (240, 150), 0, 0, 360, 1, -1)
    hole = hole > 0
    ExemplarFill()(img[:240, :432], hole[:240, :432])  # compile the kernels outside the timing
    t0 = time.perf_counter()
    ex = ExemplarFill()(img, hole)
    t1 = time.perf_counter()
    tel = cv2.inpaint(img, hole.astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA)
    t2 = time.perf_counter()
    return {"hole_pixels": int(hole.sum()), "exemplar_s": t1 - t0, "telea_s": t2 - t1,
            "psnr_exemplar": metrics.psnr(ex, img, hole), "psnr_telea": metrics.psnr(tel, img, hole)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--families", default="stationary,object,curve,box")
    ap.add_argument("--clips", default=",".join(CLIPS))
    ap.add_argument("--engines", default="propagate:spatial=telea,propagate,telea")
    ap.add_argument("--hd", action="store_true")
    ap.add_argument("--hole", choices=HOLE_CONTENTS, default=DEFAULT_HOLE_CONTENT,
                    help="what the engines see inside the hole (default logo; truth = the old optimistic input)")
    ap.add_argument("--hd-only", action="store_true", help="only the 1080p timing (results/fill_hd.json)")
    ap.add_argument("--out", default=str(RESULTS / "fill.json"))
    args = ap.parse_args()
    # engines are separated by ';' when an engine has several options (name:a=1,b=2;telea)
    engines = args.engines.split(";") if ";" in args.engines else args.engines.split(",")
    if args.hd_only:
        hd = hd_timing()
        print("1080p never-revealed fill:", json.dumps(hd))
        write_json(hd, RESULTS / "fill_hd.json")
        return
    from inpaint_core.engines.exemplar import ExemplarFill

    t0 = time.perf_counter()
    warm = np.zeros((64, 96, 3), np.uint8)
    warm_hole = np.zeros((64, 96), bool)
    warm_hole[20:40, 30:60] = True
    ExemplarFill()(warm, warm_hole)  # load the compiled kernels once per process, outside the timings
    print(f"exemplar kernels loaded in {time.perf_counter() - t0:.2f} s (once per process)")
    rows, sheet = [], []
    for cname in args.clips.split(","):
        path, start = CLIPS[cname]
        frames = np.stack(read_frames(SHARED / path, start, args.frames))
        flows = metrics.reference_flows(list(frames))
        for fam in args.families.split(","):
            masks = make_masks(fam, len(frames), (frames.shape[2], frames.shape[1]), clip_seed(0, cname),
                               (0.05, 0.15))
            revealed = revealed_masks(list(masks), flows)
            t = len(frames) // 2
            tiles = [frames[t]]
            for spec in engines:
                rec, out = run_one(spec, frames, masks, flows, revealed, args.hole)
                rec.update(clip=cname, family=fam)
                rows.append(rec)
                print(f"{cname:15s} {fam:10s} {spec:26s} " + " ".join(
                    f"{k}={rec.get(k, float('nan')):.3f}" for k in KEYS if rec.get(k) is not None), flush=True)
                if out is not None:
                    tiles.append(out[t])
                write_json({"frames": args.frames, "engines": engines, "hole": args.hole, "rows": rows,
                            "partial": True}, Path(args.out))
            if fam == args.families.split(",")[0]:
                hole = masks[t] > 0
                edge = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) - hole.astype(np.uint8)
                tiles = [np.where(edge[..., None] > 0, np.array([255, 0, 255], np.uint8), x) for x in tiles]
                sheet.append(np.concatenate(tiles, 1))
    data = {"frames": args.frames, "engines": engines, "hole": args.hole, "rows": rows}
    if args.hd:
        data["hd"] = hd_timing()
        print("1080p never-revealed fill:", json.dumps(data["hd"]))
    # table: per clip and family, in-hole PSNR and region scores of each engine
    print("\nclip            family      engine                      PSNRhole  rev    unrev  SSIMunrev  tex   fps")
    for r in rows:
        print(f"{r['clip']:15s} {r['family']:10s}  {r['engine']:26s} " + " ".join(
            f"{r.get(k) if r.get(k) is not None else float('nan'):7.3f}" for k in
            ("psnr_hole", "psnr_revealed", "psnr_unrevealed", "ssim_unrevealed", "texture_unrevealed", "fps")))
    write_json(data, Path(args.out))
    if sheet:
        w = max(s.shape[1] for s in sheet)
        sheet = [np.pad(s, ((0, 0), (0, w - s.shape[1]), (0, 0))) for s in sheet]
        cv2.imwrite(str(Path(args.out).with_name(Path(args.out).stem + "_contact.png")),
                    cv2.cvtColor(np.concatenate(sheet, 0), cv2.COLOR_RGB2BGR))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
