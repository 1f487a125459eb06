"""The restore's trust of a reference pixel beside its own hole, old against new, in one run.

    PYTHONPATH=$PWD python tests/benchmarks/bench_trust.py [--clip running_car] [--frames 30]

The clip's logo burned in (white, as bench_peers.py), one engine run (propagate, the export's
working size) shared by every row; the full-resolution restore then runs with the trust before the
band around a reference's mask (``old``: the grown hole and ``temporal.guard_pixels``) and with it
(``new``: ``temporal.untrusted``), each as the temporal residual alone, both residuals with the
blend off, and both with ``blend=auto`` with and without the thin-stroke rule
(``diffusionblend.THIN_WHOLE``). In-hole PSNR over the user's mask, split into thin strokes (no
point of the mask deeper than 4 px within 5 px, as bench_logo_loss.py) and the rest.
Writes tests/benchmarks/results/trust.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core.bench.report import write_json  # noqa: E402
from inpaint_core.engines import create_engine  # noqa: E402
from inpaint_core.export import diffusionblend, temporal  # noqa: E402
from inpaint_core.export.diffusionblend import thin_strokes  # noqa: E402
from inpaint_core.export.pipeline import fill_full_res  # noqa: E402
from inpaint_core.settings import working_size  # noqa: E402
from inpaint_core.video.shots import detect_shots  # noqa: E402
from tests.benchmarks.bench_logo_loss import psnr  # noqa: E402
from tests.benchmarks.bench_peers import burn, clip_mask  # noqa: E402
from tests.benchmarks.bench_propagate import CLIPS, SHARED, read_frames  # noqa: E402

OUT = ROOT / "tests" / "benchmarks" / "results" / "trust.json"
#: (row, residuals, blend, thin strokes to Telea whole)
ROWS = (("temporal only", "temporal", "off", True), ("both, blend off", "both", "off", True),
        ("both, blend auto, thin whole", "both", "auto", True), ("both, blend auto, no thin rule", "both", "auto", False))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", default="running_car")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    path, start = CLIPS[args.clip]
    truth = read_frames(SHARED / path, start, args.frames, size=None)
    h, w = truth[0].shape[:2]
    mask = clip_mask(args.clip, (w, h))
    hole = mask > 0
    thin = thin_strokes(mask)
    sels = {"all": hole, "thin": thin, "wide": hole & ~thin}
    burned = burn(truth, mask)
    shots = detect_shots(burned)
    masks = [mask] * len(truth)
    work = working_size((w, h))
    eng = create_engine("propagate")
    fills: dict = {}
    fill_full_res(burned, masks, eng, work, "none", fills=fills, targets=[], shots=shots)
    print(f"{args.clip} {w}x{h} (work {work[0]}x{work[1]}), {len(truth)} frames, thin strokes "
          f"{100 * thin.sum() / hole.sum():.0f} % of the hole", flush=True)
    none = fill_full_res(burned, masks, eng, work, "none", fills=fills, shots=shots)
    rows = {"upsized fill, no residuals": {k: psnr(none, truth, s) for k, s in sels.items()}}
    r = rows["upsized fill, no residuals"]
    print(f"{'upsized fill, no residuals':42s}: all {r['all']:6.2f}  thin {r['thin']:6.2f}  wide {r['wide']:6.2f}", flush=True)
    saved = temporal.TRUST_BAND, temporal.VERIFY, diffusionblend.DEFAULT, diffusionblend.THIN_WHOLE
    try:
        for label, residuals, blend, thin_whole in ROWS:
            for trust in ("old", "new"):
                temporal.TRUST_BAND = temporal.VERIFY = trust == "new"
                diffusionblend.DEFAULT, diffusionblend.THIN_WHOLE = blend, thin_whole
                t0 = time.perf_counter()
                outs = fill_full_res(burned, masks, eng, work, residuals, fills=fills, shots=shots)
                r = {k: psnr(outs, truth, s) for k, s in sels.items()}
                r["s"] = time.perf_counter() - t0
                rows[f"{label}, {trust} trust"] = r
                print(f"{label:32s} {trust} trust: all {r['all']:6.2f}  thin {r['thin']:6.2f}  wide {r['wide']:6.2f}"
                      f"  ({r['s']:.0f} s)", flush=True)
                write_json({"clip": args.clip, "size": [w, h], "frames": len(truth), "rows": rows}, args.out)
    finally:
        temporal.TRUST_BAND, temporal.VERIFY, diffusionblend.DEFAULT, diffusionblend.THIN_WHOLE = saved
    print("wrote", args.out)


if __name__ == "__main__":
    main()
