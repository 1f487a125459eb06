"""Segmentation benchmark: today's tracker and the ObjectTracker side by side in one run.

1. Composite clips with exact ground truth (:mod:`inpaint_core.bench.segclips`: objects cut from
   the shared clips by their masks, moved over other clips and photo pans with scale changes,
   occlusions, exits, motion blur and look-alikes), a box on frame 0: per clip mean/worst IoU,
   boundary F, the frame where the track is first lost, frames to re-find after each full
   occlusion or exit. Targets: mean IoU >= 0.7, every clip >= 0.5, re-found within 10 frames.
2. The shared clips with object masks (schoolgirls, dogs_jump): tracking seeded with frame 0's
   true mask (the earlier benchmark: 0.61 and 0.82) and from a box; box first-frame IoU per object.
3. Speed at 640x360: box -> first mask seconds, tracking frames/s.

Run: VANISH_SHARED=/path/to/shared PYTHONPATH=$PWD python tests/benchmarks/bench_segment.py
(same as ``vanish segment-bench --data $VANISH_SHARED/data --out ...``).
Writes tests/benchmarks/results/segment.json.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core.cli import main  # noqa: E402


def shared_root() -> Path:
    env = os.environ.get("VANISH_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


if __name__ == "__main__":
    out = ROOT / "tests" / "benchmarks" / "results" / "segment.json"
    raise SystemExit(main(["segment-bench", "--data", str(shared_root() / "data"), "--out", str(out),
                           *sys.argv[1:]]))
