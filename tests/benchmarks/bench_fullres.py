"""Full-resolution quality of the export's residual modes (``vanish bench --full-res``), all clips.

Runs ``vanish bench --full-res`` with the default engine on the five photographs of
``shared/data/photos`` (1920x1080 virtual-camera pans of 60 frames, engine at 640x360) and on the
real clips running_car and vfr_samples (their own size, engine at 432x240), one clip per process
(the machine is shared; each process gets its own share), then merges the per-clip JSON into
``tests/benchmarks/results/export_fullres.json`` and prints the table.

    python tests/benchmarks/bench_fullres.py            # run everything, then merge
    python tests/benchmarks/bench_fullres.py --merge-only DIR
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PHOTOS = ("Dune", "Garden", "GreenMeadow", "RainDrops", "Wood")
VIDEOS = ("running_car/video.mp4", "vfr_samples/sample_640x360_aac.mp4", "vfr_samples/sample_576x324_aac.mp4")


def jobs(shared: Path, engine: str, tmp: Path):
    for p in PHOTOS:
        yield p, ["--clips", str(shared / "data/photos" / f"{p}.jpg"), "--size", "640x360"]
    for v in VIDEOS:
        name = v.replace("/", "_").removesuffix(".mp4")
        yield name, ["--clips", str(shared / "data/clips" / v), "--size", "432x240"]


def merge(folder: Path) -> dict:
    from inpaint_core.bench.fullres import summarize

    rows, engine, configs = [], None, []
    for f in sorted(folder.glob("*.json")):
        d = json.loads(f.read_text())
        engine = d["engine"]
        configs.append(d["config"])
        for r in d["clips"]:  # runs made before clips were named by their folder
            if r["clip"] == "video":
                r["clip"] = "running_car"
            rows.append(r)
    return {"engine": engine, "config": configs[0] if configs else {}, "clips": rows, "summary": summarize(rows),
            "note": "photo clips: engine at 640x360 for 1920x1080 (scale 3); videos: engine at 432x240; "
                    f"one process per clip, {os.cpu_count()} CPU cores"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="propagate")
    ap.add_argument("--tmp", default="/tmp/vanish_bench_fullres")
    ap.add_argument("--merge-only", metavar="DIR")
    ap.add_argument("--jobs", type=int, default=2, help="clips run at once (one process each)")
    ap.add_argument("--out", default=str(ROOT / "tests/benchmarks/results/export_fullres.json"))
    args = ap.parse_args()
    folder = Path(args.merge_only or args.tmp)
    if not args.merge_only:
        folder.mkdir(parents=True, exist_ok=True)
        shared = Path(os.environ.get("VANISH_SHARED", ROOT.parent / "shared"))
        procs: list[subprocess.Popen] = []
        for name, extra in jobs(shared, args.engine, folder):
            while len(procs) >= args.jobs:  # at most --jobs clips at a time
                procs[0].wait()
                procs = [p for p in procs if p.poll() is None]
            cmd = [sys.executable, "-m", "inpaint_core.cli", "bench", "--full-res", "--engine", args.engine,
                   "--frames", "60", "--eval-frames", "4", "--out", str(folder / f"{name}.json"), *extra]
            procs.append(subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL))
        for p in procs:
            p.wait()
    from inpaint_core.bench.fullres import format_table
    from inpaint_core.bench.report import write_json

    result = merge(folder)
    print(format_table(result))
    write_json(result, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
