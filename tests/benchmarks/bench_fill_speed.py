"""Speed of the classical engine against the engine of a given commit, side by side in one run.

    PYTHONPATH=$PWD python tests/benchmarks/bench_fill_speed.py [--base c24b6fe] [--frames 60]

The base commit's propagation module (git show BASE:inpaint_core/engines/propagation.py) is loaded
in place of today's ChunkFiller; both engines fill the 5 shared clips (432x240, stationary holes
of the bench) alternately, twice each, and the best time of each counts (the machine is shared).
Writes tests/benchmarks/results/fill_speed.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core.bench.report import write_json  # noqa: E402
from inpaint_core.bench.runner import clip_seed, make_masks  # noqa: E402
from inpaint_core.clipsource import ArrayClipSource  # noqa: E402
from inpaint_core.engines import propagate as P  # noqa: E402
from inpaint_core.engines.base import Filled  # noqa: E402
from tests.benchmarks.bench_propagate import CLIPS, SHARED, read_frames  # noqa: E402


def base_filler(commit: str):
    src = subprocess.run(["git", "show", f"{commit}:inpaint_core/engines/propagation.py"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "base_propagation.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("inpaint_core.engines.base_propagation", path)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "inpaint_core.engines"
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)

    def make(*args, **kw):  # the options today's engine passes that the base's did not have
        for key in ("layers", "still_check", "arbitrate", "cache", "completion_scale"):
            kw.pop(key, None)
        return mod.ChunkFiller(*args, **kw)

    return make


def timed(filler_cls, frames, masks) -> float:
    P.ChunkFiller = filler_cls
    t0 = time.perf_counter()
    for _ev in P.PropagateEngine().run(ArrayClipSource(frames, masks, grow=2)):
        isinstance(_ev, Filled)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="c24b6fe")
    ap.add_argument("--frames", type=int, default=60)
    args = ap.parse_args()
    new_cls, old_cls = P.ChunkFiller, base_filler(args.base)
    rows = []
    for name, (path, start) in CLIPS.items():
        frames = read_frames(SHARED / path, start, args.frames)
        masks = list(make_masks("stationary", len(frames), (432, 240), clip_seed(0, name), (0.05, 0.15)))
        t_old, t_new = [], []
        for _ in range(2):
            t_old.append(timed(old_cls, frames, masks))
            t_new.append(timed(new_cls, frames, masks))
        old, new = min(t_old), min(t_new)
        rows.append({"clip": name, "frames": len(frames), "base_fps": len(frames) / old, "fps": len(frames) / new,
                     "ratio": old / new})
        print(f"{name:15s} base {len(frames) / old:5.2f} fps  now {len(frames) / new:5.2f} fps  ratio {old / new:.2f}",
              flush=True)
    tot_old = sum(r["frames"] / r["base_fps"] for r in rows)
    tot_new = sum(r["frames"] / r["fps"] for r in rows)
    print(f"all clips: speed ratio now/base {tot_old / tot_new:.2f}")
    write_json({"base": args.base, "rows": rows, "ratio": tot_old / tot_new},
               ROOT / "tests" / "benchmarks" / "results" / "fill_speed.json")


if __name__ == "__main__":
    main()
